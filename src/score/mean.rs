//! The exact, correctly rounded mean of floats.

use rayon::prelude::*;

/// The mean of finite `values`, correctly rounded (it equals Python's
/// `statistics.mean`), for every finite f64, huge and tiny alike: the sum is
/// kept exactly, in units of 2^-1074, and divided once.
pub(super) fn mean(values: &[f64]) -> f64 {
    let n = values.len() as u64;
    if n == 0 {
        return f64::NAN;
    }
    let sum = values
        .par_iter()
        .with_min_len(1 << 14)
        .fold(ExactSum::default, |mut acc, &x| {
            acc.add(x);
            acc
        })
        .reduce(ExactSum::default, |mut a, b| {
            a.merge(&b);
            a
        });
    sum.mean(n)
}

/// Limbs of an exact sum: 2098 bits hold any finite f64 in units of 2^-1074,
/// 64 more any count of them.
const LIMBS: usize = 36;

/// An exact sum of finite floats, as two unsigned fixed-point integers (the
/// positive and the negative terms) in units of 2^-1074, least significant
/// limb first.
#[derive(Clone)]
struct ExactSum {
    pos: [u64; LIMBS],
    neg: [u64; LIMBS],
}

impl Default for ExactSum {
    fn default() -> Self {
        ExactSum {
            pos: [0; LIMBS],
            neg: [0; LIMBS],
        }
    }
}

impl ExactSum {
    /// Adds a finite value (anything else adds an unspecified amount; it never panics).
    fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        let exp_bits = ((bits >> 52) & 0x7ff) as usize;
        let mantissa = (bits & ((1u64 << 52) - 1)) | (u64::from(exp_bits != 0) << 52);
        // x = mantissa * 2^(max(exp_bits, 1) - 1075) = mantissa units << shift.
        let shift = exp_bits.max(1) - 1;
        let wide = u128::from(mantissa) << (shift % 64);
        let limbs = if bits >> 63 == 1 {
            &mut self.neg
        } else {
            &mut self.pos
        };
        add_at(limbs, shift / 64, wide as u64);
        add_at(limbs, shift / 64 + 1, (wide >> 64) as u64);
    }

    fn merge(&mut self, other: &ExactSum) {
        for (i, (&p, &q)) in other.pos.iter().zip(other.neg.iter()).enumerate() {
            add_at(&mut self.pos, i, p);
            add_at(&mut self.neg, i, q);
        }
    }

    /// The sum divided by `n`, correctly rounded to nearest, ties to even.
    fn mean(&self, n: u64) -> f64 {
        let (negative, mut mag) = if less(&self.pos, &self.neg) {
            (true, sub(&self.neg, &self.pos))
        } else {
            (false, sub(&self.pos, &self.neg))
        };
        // Long division by n, most significant limb first.
        let mut rem: u128 = 0;
        for limb in mag.iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*limb);
            *limb = (cur / u128::from(n)) as u64;
            rem = cur % u128::from(n);
        }
        let exact = rem == 0;
        // The remainder against half a unit: below, at or above it.
        let half = (rem * 2).cmp(&u128::from(n));
        let bits = bit_length(&mag);
        // Floats hold 53 significant bits, and no bit below 2^-1074 (one unit).
        let drop = bits.saturating_sub(53);
        let mut m = get_bits(&mag, drop, 53.min(bits));
        let round_up = if drop == 0 {
            // Below one unit only the remainder of the division is left.
            half == std::cmp::Ordering::Greater || (half == std::cmp::Ordering::Equal && m & 1 == 1)
        } else {
            let round_bit = get_bits(&mag, drop - 1, 1) == 1;
            let sticky = !exact || any_below(&mag, drop - 1);
            round_bit && (sticky || m & 1 == 1)
        };
        if round_up {
            m += 1; // 2^53 is still exact
        }
        // m * 2^(drop - 1074), exact: m has at most 54 bits and the mean is
        // no larger than the largest value.
        let value = m as f64 * pow2(drop as i32 - 1074);
        if negative {
            -value
        } else {
            value
        }
    }
}

/// Adds `v` at limb `i`, carrying upwards (nothing is added past the top).
fn add_at(limbs: &mut [u64], i: usize, v: u64) {
    let mut carry = v;
    for limb in limbs.iter_mut().skip(i) {
        if carry == 0 {
            break;
        }
        let (s, overflow) = limb.overflowing_add(carry);
        *limb = s;
        carry = u64::from(overflow);
    }
}

fn less(a: &[u64; LIMBS], b: &[u64; LIMBS]) -> bool {
    a.iter().rev().cmp(b.iter().rev()) == std::cmp::Ordering::Less
}

/// `a - b` for `a >= b`.
fn sub(a: &[u64; LIMBS], b: &[u64; LIMBS]) -> [u64; LIMBS] {
    let mut out = [0u64; LIMBS];
    let mut borrow = false;
    for ((o, &x), &y) in out.iter_mut().zip(a.iter()).zip(b.iter()) {
        let (d1, b1) = x.overflowing_sub(y);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        *o = d2;
        borrow = b1 || b2;
    }
    out
}

fn bit_length(a: &[u64; LIMBS]) -> usize {
    a.iter()
        .enumerate()
        .rev()
        .find(|(_, &l)| l != 0)
        .map_or(0, |(i, &l)| i * 64 + 64 - l.leading_zeros() as usize)
}

/// `count` (at most 64) bits of `a` from bit `from` up.
fn get_bits(a: &[u64; LIMBS], from: usize, count: usize) -> u64 {
    let mut out = 0u64;
    for k in (0..count).rev() {
        let bit = from + k;
        let limb = a.get(bit / 64).copied().unwrap_or(0);
        out = (out << 1) | ((limb >> (bit % 64)) & 1);
    }
    out
}

/// Whether any bit of `a` below bit `below` is set.
fn any_below(a: &[u64; LIMBS], below: usize) -> bool {
    let (whole, part) = (below / 64, below % 64);
    a.iter().take(whole).any(|&l| l != 0)
        || (part > 0 && a.get(whole).is_some_and(|&l| l & ((1u64 << part) - 1) != 0))
}

/// 2^e for -1074 <= e <= 1023, exactly.
fn pow2(e: i32) -> f64 {
    if e >= -1022 {
        f64::from_bits(((e + 1023) as u64) << 52)
    } else {
        f64::from_bits(1u64 << (e + 1074))
    }
}
