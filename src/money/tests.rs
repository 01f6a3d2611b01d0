use super::*;

/// The fast sum, or the exact one when an amount does not fit.
fn sum(xs: &[f64]) -> f64 {
    let mut m = Money::default();
    if xs.iter().all(|&x| m.add_float(x)) {
        return m.to_f64();
    }
    exact(xs).unwrap_or(f64::INFINITY)
}

fn exact(xs: &[f64]) -> Option<f64> {
    let mut e = Exact::default();
    xs.iter().for_each(|&x| e.add(x));
    e.to_f64()
}

#[test]
fn cents_sum_to_the_exact_cent() {
    // 0.1 ten million times: naive summation drifts by about 1.6e-4.
    let xs = vec![0.1; 10_000_000];
    let naive: f64 = xs.iter().sum();
    assert_ne!(naive, 1_000_000.0);
    // The exact sum of the f64 nearest 0.1, ten million times, rounds to 1e6.
    assert_eq!(sum(&xs), 1_000_000.0);
}

#[test]
fn cancellation_is_exact() {
    assert_eq!(sum(&[1e15, 0.01, -1e15]), 0.01);
    assert_eq!(sum(&[-0.5]), -0.5);
    assert_eq!(sum(&[-0.3, 0.3]), 0.0);
    assert_eq!(sum(&[-2.75, 1.25]), -1.5);
    assert_eq!(sum(&[]), 0.0);
}

#[test]
fn order_does_not_matter() {
    let xs = [1e10, 3.3, -7.77, 1e-3, 123456.789, -1e10, 0.1, 0.2];
    let mut rev = xs;
    rev.reverse();
    assert_eq!(sum(&xs).to_bits(), sum(&rev).to_bits());
}

#[test]
fn integers_and_large_values() {
    let mut m = Money::default();
    m.add_int(i64::MAX);
    m.add_int(i64::MAX);
    m.add_int(-5);
    assert_eq!(m.to_f64(), 2.0 * i64::MAX as f64);
    assert_eq!(sum(&[4e18, 4e18, 4e18]), 1.2e19);
}

#[test]
fn fixed_point_of_every_kind_of_float() {
    let two64 = 18_446_744_073_709_551_616.0_f64;
    for x in [
        0.0_f64, -0.0, 1.0, -1.0, 0.1, -2.5, 1e-300, -4.9e-324, 5e-20, 1e18, -9.2e18, 3.0e-5,
    ] {
        let want = if x.abs() * two64 < 1.0 {
            0
        } else {
            // Exact: |x| * 2^64 is below 2^127 and keeps x's 53 bits.
            (x * two64).trunc() as i128
        };
        assert_eq!(to_fixed(x).0, want, "{x}");
    }
}

#[test]
fn merge_equals_sequential() {
    let mut a = Money::default();
    let mut b = Money::default();
    assert!(a.add_float(0.7) && b.add_float(-1.9));
    a.merge(&b);
    assert_eq!(a.to_f64(), sum(&[0.7, -1.9]));
}

#[test]
fn what_the_fixed_point_holds() {
    for x in [0.0, 0.01, -123.45, 2f64.powi(-64), 9.2e18, -9.2e18] {
        assert!(to_fixed(x).1, "{x}");
    }
    for x in [1e-8, 3e-5, 2f64.powi(-65), 2f64.powi(63), -1e300, 5e-324] {
        assert!(!to_fixed(x).1, "{x}");
    }
}

#[test]
fn exact_sums_match_fsum() {
    // Values from Python's math.fsum.
    assert_eq!(sum(&[1e-8]), 1e-8);
    assert_eq!(sum(&[1e-5, 2e-5, 3e-5]), 6e-05);
    assert_eq!(sum(&[1e300, 1e-300, -1e300]), 1e-300);
    assert_eq!(sum(&[5e-324, 5e-324]), 1e-323);
    assert_eq!(sum(&[1e308, 1e308, -1e308]), 1e308);
    assert_eq!(sum(&[-1e-8, 1e-8]), 0.0);
    assert_eq!(sum(&[0.1, 1e-30, -0.1]), 1e-30);
    // 2^53 + 1 + 2^-60: the tiny part breaks the tie upward.
    let big = 2f64.powi(53);
    assert_eq!(sum(&[big, 1.0, 2f64.powi(-60)]), big + 2.0);
    assert_eq!(sum(&[big, 1.0]), big);
    assert_eq!(sum(&[-big, -1.0, -(2f64.powi(-60))]), -big - 2.0);
    assert_eq!(exact(&[f64::MAX, f64::MAX]), None);
    assert_eq!(exact(&[f64::MAX, f64::MAX, -f64::MAX]), Some(f64::MAX));
    assert_eq!(exact(&[-f64::MAX, -f64::MAX]), None);
}

#[test]
fn wide_integer_parts_round_with_their_fraction() {
    // (2^63 + 1024) + 0.5: exactly between two f64s before the 0.5.
    let mut m = Money::default();
    m.add_int(i64::MAX);
    m.add_int(1025);
    assert!(m.add_float(0.5));
    assert_eq!(m.to_f64(), 9_223_372_036_854_777_856.0);
    let mut m = Money::default();
    m.add_int(i64::MAX);
    m.add_int(1025);
    assert_eq!(m.to_f64(), 9_223_372_036_854_775_808.0);
    let mut m = Money::default();
    m.add_int(i64::MIN);
    m.add_int(i64::MIN);
    assert!(m.add_float(-0.25));
    assert_eq!(m.to_f64(), -18_446_744_073_709_551_616.0);
}

#[test]
fn exact_merge_and_integers() {
    let mut a = Exact::default();
    let mut b = Exact::default();
    a.add(1e-20);
    a.add_int(-3);
    b.add(3.0);
    b.add(-1e-20);
    b.add(1e-300);
    a.merge(&b);
    assert_eq!(a.to_f64(), Some(1e-300));
}

#[test]
fn i128_conversion_rounds_as_the_cast() {
    use super::i128_to_f64;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut values = vec![0i128, 1, -1, i128::MAX, i128::MIN, i128::MIN + 1];
    for k in 0..127 {
        let p = 1i128 << k;
        // Powers of two, their neighbours, and ties at bit 53 of the top.
        values.extend([p, p - 1, p + 1, -p, -(p - 1), -(p + 1)]);
        if k >= 54 {
            let tie = p + (1i128 << (k - 53));
            values.extend([tie, tie + 1, tie - 1, -tie, p + (3i128 << (k - 53))]);
        }
    }
    for _ in 0..200_000 {
        let wide = ((i128::from(next()) << 64) | i128::from(next())) >> (next() % 127);
        values.push(wide);
    }
    for v in values {
        assert_eq!(i128_to_f64(v).to_bits(), (v as f64).to_bits(), "{v}");
    }
}
