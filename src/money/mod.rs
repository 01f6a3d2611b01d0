//! Exact, order-independent summation of amounts.
//!
//! The fast path, [`Money`], turns each amount into a fixed-point integer
//! with 64 fractional bits (exact for every f64 with |x| < 2^63 whose lowest
//! set bit is at or above 2^-64: every amount of money in cents, and far
//! more) and adds integers exactly. An amount outside that range (1e-30,
//! 1e300) is not added: `add_float` says so, the caller marks the customer,
//! and the customer's amounts are summed again with [`Exact`], a fixed-point
//! integer wide enough for every finite f64 (2^-1074 to 2^1024, with 78 bits
//! of headroom). Either way the total is the same for any row order and any
//! number of threads, and its conversion to f64 is correctly rounded: the
//! result equals Python's `math.fsum` of the same values.

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

    /// Adds a finite float amount if the fixed point holds it exactly, and
    /// says whether it did: `false` leaves the sum unchanged, and the
    /// caller sums this customer with [`Exact`] instead. Never panics.
    #[inline]
    #[must_use]
    pub(crate) fn add_float(&mut self, x: f64) -> bool {
        let (v, fits) = to_fixed(x);
        if fits {
            self.int_part += v >> 64;
            self.frac_part += u128::from(v as u64);
        }
        fits
    }

    /// Adds another partial sum.
    #[inline]
    pub(crate) fn merge(&mut self, other: &Money) {
        self.int_part += other.int_part;
        self.frac_part += other.frac_part;
    }

    /// The same sum as an [`Exact`] (for merging with one).
    pub(crate) fn to_exact(self) -> Exact {
        let mut wide = Exact::default();
        wide.add_scaled(self.int_part, EXP_BIAS);
        wide.add_scaled((self.frac_part >> 64) as i128, EXP_BIAS);
        wide.add_scaled(i128::from(self.frac_part as u64), EXP_BIAS - 64);
        wide
    }

    /// The raw parts: the integer part, and the fraction in units of 2^-64
    /// (for saving a state; [`Money::from_parts`] reverses it).
    pub(crate) fn parts(self) -> (i128, u128) {
        (self.int_part, self.frac_part)
    }

    pub(crate) fn from_parts(int_part: i128, frac_part: u128) -> Money {
        Money {
            int_part,
            frac_part,
        }
    }

    /// The sum, correctly rounded to f64.
    pub(crate) fn to_f64(self) -> f64 {
        let int = self.int_part + (self.frac_part >> 64) as i128;
        let frac = self.frac_part as u64;
        match i64::try_from(int) {
            // |sum| < 2^63: the whole fixed-point value fits an i128, whose
            // conversion to f64 rounds once; scaling by 2^-64 is exact.
            Ok(int) => i128_to_f64((i128::from(int) << 64) | i128::from(frac)) * TWO_POW_NEG_64,
            // Beyond 2^63 the fraction can still break a tie: round the
            // whole value (rare, so through the wide sum).
            Err(_) => {
                let mut wide = Exact::default();
                wide.add_scaled(int, EXP_BIAS);
                wide.add_scaled(i128::from(frac), EXP_BIAS - 64);
                wide.to_f64().unwrap_or(f64::NAN) // |sum| < 2^127: always finite
            }
        }
    }
}

/// `v as f64`, correctly rounded (half to even), without the compiler's
/// 128-bit conversion routine, a call of some 30 cycles that the summary
/// columns made three times per customer. The top 64 bits, with a sticky
/// bit for whatever lies below them, round as the whole value would: the
/// hardware's 64-bit conversion then rounds once, at bit 53.
#[inline]
pub(crate) fn i128_to_f64(v: i128) -> f64 {
    let m = v.unsigned_abs();
    let magnitude = if m >> 64 == 0 {
        m as u64 as f64
    } else {
        let lz = m.leading_zeros(); // under 64
        let top = m << lz;
        let sticky = u64::from(top as u64 != 0);
        let hi = ((top >> 64) as u64) | sticky;
        // 2^(64 - lz) is at most 2^64: an exact scaling.
        hi as f64 * f64::from_bits(u64::from(1023 + 64 - lz) << 52)
    };
    if v < 0 {
        -magnitude
    } else {
        magnitude
    }
}

const TWO_POW_NEG_64: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// The exponent of the lowest bit of [`Exact`]: 2^-1074, the smallest subnormal.
const EXP_BIAS: u32 = 1074;
/// 64-bit limbs of [`Exact`]: 2098 bits of f64 range, 78 of headroom and sign.
pub(crate) const LIMBS: usize = 34;

/// An exact sum of any finite f64s: a two's-complement integer of
/// [`LIMBS`] limbs counting units of 2^-1074. Adding is exact for up to
/// 2^77 terms, in any order; [`Exact::to_f64`] rounds once, half to even.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exact {
    limbs: [u64; LIMBS],
}

impl Default for Exact {
    fn default() -> Self {
        Exact { limbs: [0; LIMBS] }
    }
}

impl Exact {
    /// Adds a finite f64 (infinities and NaN add an unspecified amount).
    pub(crate) fn add(&mut self, x: f64) {
        let bits = x.to_bits();
        let exp_bits = ((bits >> 52) & 0x7ff) as u32;
        let frac = bits & ((1u64 << 52) - 1);
        let (mantissa, shift) = if exp_bits == 0 {
            (frac, 0) // subnormal: frac * 2^-1074
        } else {
            (frac | (1 << 52), exp_bits.min(2046) - 1)
        };
        let m = i128::from(mantissa);
        self.add_scaled(if bits >> 63 == 1 { -m } else { m }, shift);
    }

    /// Adds an exact integer amount.
    #[cfg(test)]
    pub(crate) fn add_int(&mut self, x: i64) {
        self.add_scaled(i128::from(x), EXP_BIAS);
    }

    /// Adds `v * 2^(shift - 1074)`; `shift + 128 <= 64 * (LIMBS - 1)`.
    fn add_scaled(&mut self, v: i128, shift: u32) {
        let (limb, sh) = ((shift / 64) as usize, shift % 64);
        let mag = v.unsigned_abs();
        // |v| << sh spans at most three limbs.
        let parts = if sh == 0 {
            [mag as u64, (mag >> 64) as u64, 0]
        } else {
            [
                (mag as u64) << sh,
                (mag >> (64 - sh)) as u64,
                (mag >> (128 - sh)) as u64,
            ]
        };
        if v < 0 {
            self.sub_at(limb, parts);
        } else {
            self.add_at(limb, parts);
        }
    }

    fn add_at(&mut self, limb: usize, parts: [u64; 3]) {
        let mut carry = false;
        for (k, slot) in self.limbs.iter_mut().enumerate().skip(limb) {
            let p = parts.get(k - limb).copied().unwrap_or(0);
            let (s1, c1) = slot.overflowing_add(p);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *slot = s2;
            carry = c1 || c2;
            if !carry && k >= limb + 2 {
                break;
            }
        }
    }

    fn sub_at(&mut self, limb: usize, parts: [u64; 3]) {
        let mut borrow = false;
        for (k, slot) in self.limbs.iter_mut().enumerate().skip(limb) {
            let p = parts.get(k - limb).copied().unwrap_or(0);
            let (s1, b1) = slot.overflowing_sub(p);
            let (s2, b2) = s1.overflowing_sub(u64::from(borrow));
            *slot = s2;
            borrow = b1 || b2;
            if !borrow && k >= limb + 2 {
                break;
            }
        }
    }

    /// The limbs, lowest first (for saving a state).
    pub(crate) fn limbs(&self) -> &[u64] {
        &self.limbs
    }

    /// An exact sum from saved limbs (`None` unless there are [`LIMBS`]).
    pub(crate) fn from_limbs(limbs: &[u64]) -> Option<Exact> {
        Some(Exact {
            limbs: limbs.try_into().ok()?,
        })
    }

    /// Adds another exact sum.
    pub(crate) fn merge(&mut self, o: &Exact) {
        let mut carry = false;
        for (a, &b) in self.limbs.iter_mut().zip(o.limbs.iter()) {
            let (s1, c1) = a.overflowing_add(b);
            let (s2, c2) = s1.overflowing_add(u64::from(carry));
            *a = s2;
            carry = c1 || c2;
        }
    }

    /// The sum correctly rounded (half to even) to f64; `None` when it
    /// lies beyond f64's range.
    pub(crate) fn to_f64(&self) -> Option<f64> {
        let negative = self.limbs[LIMBS - 1] >> 63 == 1;
        let mut mag = self.limbs;
        if negative {
            // Two's complement: invert and add one.
            let mut carry = true;
            for limb in mag.iter_mut() {
                let (s, c) = (!*limb).overflowing_add(u64::from(carry));
                *limb = s;
                carry = c;
            }
        }
        let sign = if negative { -1.0 } else { 1.0 };
        let Some(top) = mag.iter().rposition(|&l| l != 0) else {
            return Some(0.0);
        };
        let p = top as u32 * 64 + 63 - mag[top].leading_zeros(); // highest set bit
        if p <= 52 {
            // Below 2^-1021: a multiple of 2^-1074 under 2^53 units, exact.
            return Some(sign * (mag[0] as f64 * f64::from_bits(1)));
        }
        let bit = |i: u32| (mag[(i / 64) as usize] >> (i % 64)) & 1;
        let mut q: u64 = (0..53).fold(0, |acc, k| acc | (bit(p - 52 + k) << k));
        let round = bit(p - 53) == 1;
        let sticky = (0..p - 53).any(|i| bit(i) == 1);
        let mut p = p;
        if round && (sticky || q & 1 == 1) {
            q += 1;
            if q == 1 << 53 {
                q >>= 1;
                p += 1;
            }
        }
        // The top bit is worth 2^(p - 1074); f64's largest exponent is 1023.
        let biased = u64::from(p) + 1023 - u64::from(EXP_BIAS);
        if biased >= 2047 {
            return None;
        }
        let bits = (biased << 52) | (q & ((1 << 52) - 1));
        Some(sign * f64::from_bits(bits))
    }
}

/// `x * 2^64` as an integer, and whether that is exact (`|x| < 2^63` and
/// no bit below 2^-64). No branches: amounts of mixed signs and magnitudes
/// are unpredictable.
#[inline]
fn to_fixed(x: f64) -> (i128, bool) {
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
    let lost = u128::from(mantissa) & ((1u128 << right) - 1);
    ((magnitude ^ sign) - sign, lost == 0 && shift <= 74)
}

#[cfg(test)]
mod tests;
