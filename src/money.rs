//! Exact, order-independent summation of amounts.
//!
//! Each amount is turned into a fixed-point integer with 64 fractional bits
//! (exact for every f64 with |x| < 2^63 whose lowest set bit is at or above
//! 2^-64, so exact for all money amounts) and integers are added exactly. The
//! total is therefore the same for any row order and any number of threads,
//! and its conversion to f64 is correctly rounded: the result equals Python's
//! `math.fsum` of the same values.

/// Largest magnitude an amount may have (exclusive): 2^63.
pub(crate) const MAX_ABS_AMOUNT: f64 = 9_223_372_036_854_775_808.0;

/// An exact running sum of amounts.
///
/// The value is `int_part + frac_part / 2^64`, where `int_part` collects the
/// integer parts (floor) and `frac_part` the 64-bit fractional parts; both add
/// without loss for up to 2^64 terms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Money {
    int_part: i128,
    frac_part: u128,
}

impl Money {
    /// Adds an integer amount.
    #[inline]
    pub(crate) fn add_int(&mut self, x: i64) {
        self.int_part += i128::from(x);
    }

    /// Adds a float amount. The caller has checked `x.is_finite()` and
    /// `x.abs() < MAX_ABS_AMOUNT`; anything else adds an unspecified amount
    /// (it never panics).
    #[inline]
    pub(crate) fn add_float(&mut self, x: f64) {
        let v = to_fixed(x);
        self.int_part += v >> 64;
        self.frac_part += u128::from(v as u64);
    }

    /// Adds another partial sum.
    #[inline]
    pub(crate) fn merge(&mut self, other: &Money) {
        self.int_part += other.int_part;
        self.frac_part += other.frac_part;
    }

    /// The sum, correctly rounded to f64 whenever it is below 2^63 in magnitude.
    pub(crate) fn to_f64(self) -> f64 {
        let int = self.int_part + (self.frac_part >> 64) as i128;
        let frac = self.frac_part as u64;
        match i64::try_from(int) {
            // |sum| < 2^63: the whole fixed-point value fits an i128, whose
            // conversion to f64 rounds once; scaling by 2^-64 is exact.
            Ok(int) => ((i128::from(int) << 64) | i128::from(frac)) as f64 * TWO_POW_NEG_64,
            // Beyond 2^63 the fraction is below half an ulp of the integer part.
            Err(_) => int as f64,
        }
    }
}

const TWO_POW_NEG_64: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// `x * 2^64` as an integer, truncated toward zero below 2^-64. The caller
/// has checked `|x| < 2^63` (anything else gives an unspecified value). No
/// branches: amounts of mixed signs and magnitudes are unpredictable.
#[inline]
fn to_fixed(x: f64) -> i128 {
    let bits = x.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    let frac_bits = bits & ((1u64 << 52) - 1);
    // Normal numbers have the implicit leading bit; subnormals (and zero)
    // have exponent -1074 like the smallest normals.
    let normal = i32::from(exp_bits != 0);
    let mantissa = frac_bits | (u64::from(exp_bits != 0) << 52);
    let exp = exp_bits + (1 - normal) - 1075;
    // x = mantissa * 2^exp, so x * 2^64 = mantissa * 2^(exp + 64); the
    // shift is at most 74 for |x| < 2^63.
    let shift = exp + 64;
    let left = shift.clamp(0, 74) as u32;
    let right = (-shift).clamp(0, 127) as u32;
    let magnitude = (i128::from(mantissa) << left) >> right;
    let sign = -((bits >> 63) as i128); // 0 or -1
    (magnitude ^ sign) - sign
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(xs: &[f64]) -> f64 {
        let mut m = Money::default();
        xs.iter().for_each(|&x| m.add_float(x));
        m.to_f64()
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
            assert_eq!(to_fixed(x), want, "{x}");
        }
    }

    #[test]
    fn merge_equals_sequential() {
        let mut a = Money::default();
        let mut b = Money::default();
        a.add_float(0.7);
        b.add_float(-1.9);
        a.merge(&b);
        assert_eq!(a.to_f64(), sum(&[0.7, -1.9]));
    }
}
