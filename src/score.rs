//! Scores: cut points learnt from values, and values binned by them.
//!
//! A score is `1 + the number of cut points a value passes`, so scores live
//! on `1..=levels` and equal values always share one. Which way "passing"
//! goes is the dimension's direction: for frequency and monetary a higher
//! value is better (it passes cut points below it); for recency a lower
//! value is better (it passes cut points above it). Cut points may coincide
//! (skewed data): the scores between them are then unused rather than
//! renumbered, so a score keeps its meaning on the `1..=levels` scale.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which values score high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Higher values score higher (frequency, monetary).
    Ascending,
    /// Lower values score higher (recency).
    Descending,
}

/// The learnt (or given) cut points of one dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edges {
    /// The method that chose the cut points.
    pub method: String,
    /// Cut points, sorted ascending.
    pub cuts: Vec<f64>,
    /// Number of scores, `cuts.len() + 1` except when quantile cuts coincide.
    pub levels: u32,
    pub direction: Direction,
    /// Whether a value equal to a cut point passes it (thresholds: "3 or
    /// more", "within 30 days") or not (quantile, mean, median).
    pub inclusive: bool,
}

/// How cut points are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// `levels - 1` cut points at the k-quantiles (NumPy's "linear").
    Quantile,
    /// Explicit cut points.
    Threshold(Vec<f64>),
    /// One cut at the mean.
    Mean,
    /// One cut at the median.
    Median,
}

const MAX_LEVELS: u32 = 100;

/// Learns the cut points of `values` (one dimension named `dim`).
pub fn fit(
    values: &[f64],
    method: &Method,
    levels: u32,
    direction: Direction,
    dim: &str,
) -> Result<Edges> {
    check_finite(values, dim)?;
    let (name, cuts, levels, inclusive) = match method {
        Method::Quantile => {
            check_levels(levels, dim)?;
            let probs: Vec<f64> = (1..levels)
                .map(|j| f64::from(j) / f64::from(levels))
                .collect();
            let cuts = quantiles(values, &probs);
            ("quantile", cuts, levels, false)
        }
        Method::Threshold(cuts) => {
            check_cuts(cuts, dim)?;
            ("threshold", cuts.clone(), cuts.len() as u32 + 1, true)
        }
        Method::Mean => ("mean", vec![mean(values)], 2, false),
        Method::Median => ("median", quantiles(values, &[0.5]), 2, false),
    };
    // An empty column has no cut points to learn: NaN cuts would be wrong.
    let cuts: Vec<f64> = if values.is_empty() && name != "threshold" {
        Vec::new()
    } else {
        cuts
    };
    Ok(Edges {
        method: name.into(),
        cuts,
        levels,
        direction,
        inclusive,
    })
}

impl Edges {
    /// Checks edges read from outside (JSON): sorted, finite cut points that
    /// fit the number of levels.
    pub fn validate(&self, dim: &str) -> Result<()> {
        if self.cuts.iter().any(|c| !c.is_finite()) || self.cuts.windows(2).any(|w| w[0] > w[1]) {
            let what = format!("{:?} must be finite and sorted", self.cuts);
            return Err(Error::option(&format!("{dim} cut points"), what));
        }
        // Every scheme has one cut point fewer than levels; none for empty data.
        let fits = self.cuts.is_empty() || self.cuts.len() + 1 == self.levels as usize;
        if !(1..=MAX_LEVELS).contains(&self.levels) || !fits {
            let what = format!(
                "{} levels do not fit {} cut points",
                self.levels,
                self.cuts.len()
            );
            return Err(Error::option(&format!("{dim} levels"), what));
        }
        Ok(())
    }

    /// The score of one value.
    #[inline]
    pub fn score(&self, x: f64) -> u8 {
        let c = &self.cuts;
        let passed = match (self.direction, self.inclusive) {
            (Direction::Ascending, false) => c.partition_point(|&t| t < x),
            (Direction::Ascending, true) => c.partition_point(|&t| t <= x),
            (Direction::Descending, false) => c.len() - c.partition_point(|&t| t <= x),
            (Direction::Descending, true) => c.len() - c.partition_point(|&t| t < x),
        };
        (1 + passed).min(self.levels as usize) as u8
    }

    /// Scores every value, in parallel.
    pub fn apply(&self, values: &[f64], dim: &str) -> Result<Vec<u8>> {
        self.validate(dim)?;
        check_finite(values, dim)?;
        Ok(values
            .par_iter()
            .with_min_len(1 << 14)
            .map(|&x| self.score(x))
            .collect())
    }

    /// Scores in `1..=levels` that no value can reach (cut points coincide).
    pub fn unused(&self) -> Vec<u32> {
        if self.cuts.is_empty() {
            return Vec::new();
        }
        // Score s is reachable iff some value passes exactly s - 1 cuts,
        // which needs a gap between cut s - 1 and cut s.
        let n = self.cuts.len();
        let reachable =
            |passed: usize| passed == 0 || passed == n || self.cuts[passed - 1] < self.cuts[passed];
        let mut out: Vec<u32> = (0..=n)
            .filter(|&p| !reachable(p))
            .map(|p| p as u32 + 1)
            .collect();
        if self.direction == Direction::Descending {
            out = out.iter().map(|&s| n as u32 + 2 - s).collect();
            out.sort_unstable();
        }
        out.extend(n as u32 + 2..=self.levels);
        out
    }
}

/// SQL `ntile(levels) OVER (ORDER BY value, id)`, values in id order: group
/// sizes differ by at most one, the larger groups first; for a descending
/// dimension the order is by value descending, ties still by id.
pub fn ntile(values: &[f64], levels: u32, direction: Direction, dim: &str) -> Result<Vec<u8>> {
    check_levels(levels, dim)?;
    check_finite(values, dim)?;
    let n = values.len();
    // Sort (order key, position) pairs: all distinct, so an unstable sort is
    // deterministic and keeps id order among equal values.
    let mut order: Vec<(u64, u32)> = values
        .par_iter()
        .enumerate()
        .map(|(i, &x)| {
            let key = order_key(x);
            (
                if direction == Direction::Descending {
                    !key
                } else {
                    key
                },
                i as u32,
            )
        })
        .collect();
    order.par_sort_unstable();
    let k = levels as usize;
    let (q, r) = (n / k, n % k);
    let mut scores = vec![0u8; n];
    for (rank, &(_, i)) in order.iter().enumerate() {
        let group = if rank < r * (q + 1) {
            rank / (q + 1)
        } else {
            r + (rank - r * (q + 1)) / q.max(1)
        };
        scores[i as usize] = (group + 1) as u8;
    }
    Ok(scores)
}

fn check_levels(levels: u32, dim: &str) -> Result<()> {
    if !(2..=MAX_LEVELS).contains(&levels) {
        return Err(Error::option(
            &format!("{dim} bins"),
            format!("must be between 2 and {MAX_LEVELS}, got {levels}"),
        ));
    }
    Ok(())
}

fn check_cuts(cuts: &[f64], dim: &str) -> Result<()> {
    let bad = |m: String| Err(Error::option(&format!("{dim} thresholds"), m));
    if cuts.is_empty() || cuts.len() >= MAX_LEVELS as usize {
        return bad(format!(
            "give between 1 and {} cut points, got {}",
            MAX_LEVELS - 1,
            cuts.len()
        ));
    }
    if let Some(c) = cuts.iter().find(|c| !c.is_finite()) {
        return bad(format!("cut point {c} is not finite"));
    }
    if let Some(w) = cuts.windows(2).find(|w| w[0] >= w[1]) {
        return bad(format!(
            "cut points must be sorted and distinct: {} then {}",
            w[0], w[1]
        ));
    }
    Ok(())
}

fn check_finite(values: &[f64], dim: &str) -> Result<()> {
    match values.iter().position(|x| !x.is_finite()) {
        Some(row) => Err(Error::InvalidValue {
            column: dim.into(),
            value: format!("{}", values[row]),
            row,
            reason: "scores need finite values".into(),
        }),
        None => Ok(()),
    }
}

/// A key whose unsigned order is the numeric order of finite floats.
#[inline]
fn order_key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits(); // -0.0 becomes 0.0
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// NumPy's default ("linear", type 7) quantiles at increasing `probs`, with
/// the same arithmetic, so they match `numpy.quantile` bit for bit. Only the
/// order statistics needed are selected: O(n log k), no full sort.
fn quantiles(values: &[f64], probs: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return vec![f64::NAN; probs.len()];
    }
    let mut v = values.to_vec();
    let mut out = Vec::with_capacity(probs.len());
    let mut done = 0; // v[..done] holds only values <= every value after it
    for &p in probs {
        let h = p * (n - 1) as f64;
        let lo = (h.floor() as usize).min(n - 1);
        let a = select(&mut v, done, lo);
        // The next order statistic is the smallest value after `lo`.
        let b = if lo + 1 < n {
            v[lo + 1..].iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            a
        };
        done = lo;
        let t = h - lo as f64;
        let d = b - a;
        out.push(if !d.is_finite() {
            // The gap overflows (values near ±f64::MAX of both signs), where
            // NumPy gives inf: the weighted mean itself cannot overflow.
            a * (1.0 - t) + b * t
        } else if t >= 0.5 {
            b - d * (1.0 - t)
        } else {
            a + d * t
        });
    }
    out
}

/// The `k`-th smallest of `v` (`k >= from`), leaving `v[..k]` below it and
/// `v[k + 1..]` above it; `v[..from]` is already below `v[from..]`.
fn select(v: &mut [f64], from: usize, k: usize) -> f64 {
    let (_, x, _) = v[from..].select_nth_unstable_by(k - from, f64::total_cmp);
    *x
}

/// The mean of finite `values`, correctly rounded (it equals Python's
/// `statistics.mean`), for every finite f64, huge and tiny alike: the sum is
/// kept exactly, in units of 2^-1074, and divided once.
fn mean(values: &[f64]) -> f64 {
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

/// Edges as JSON.
pub fn to_json(edges: &Edges) -> Result<String> {
    serde_json::to_string(edges).map_err(|e| Error::option("edges", e.to_string()))
}

/// Edges from JSON, validated.
pub fn from_json(text: &str, dim: &str) -> Result<Edges> {
    let edges: Edges = serde_json::from_str(text)
        .map_err(|e| Error::option(&format!("{dim} edges"), e.to_string()))?;
    edges.validate(dim)?;
    Ok(edges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_scores_keep_ties_together_and_skip_on_skew() {
        // 60% of customers buy once.
        let f: Vec<f64> = [1.0; 6].into_iter().chain([2.0, 3.0, 5.0, 9.0]).collect();
        let e = fit(&f, &Method::Quantile, 5, Direction::Ascending, "frequency").unwrap();
        let s = e.apply(&f, "frequency").unwrap();
        assert!(s[..6].iter().all(|&x| x == 1));
        assert_eq!(e.levels, 5);
        assert!(!e.unused().is_empty());
        assert!(s.iter().all(|&x| (1..=5).contains(&x)));
    }

    #[test]
    fn recency_scores_high_when_recent() {
        let r = [0.0, 10.0, 20.0, 30.0];
        let e = fit(&r, &Method::Quantile, 2, Direction::Descending, "recency").unwrap();
        assert_eq!(e.apply(&r, "recency").unwrap(), vec![2, 2, 1, 1]);
    }

    #[test]
    fn thresholds_are_inclusive_as_written() {
        let f = fit(
            &[],
            &Method::Threshold(vec![3.0]),
            0,
            Direction::Ascending,
            "frequency",
        )
        .unwrap();
        assert_eq!(
            f.apply(&[1.0, 2.0, 3.0, 7.0], "frequency").unwrap(),
            vec![1, 1, 2, 2]
        );
        let r = fit(
            &[],
            &Method::Threshold(vec![30.0]),
            0,
            Direction::Descending,
            "recency",
        )
        .unwrap();
        assert_eq!(
            r.apply(&[10.0, 30.0, 31.0], "recency").unwrap(),
            vec![2, 2, 1]
        );
        assert!(fit(
            &[],
            &Method::Threshold(vec![3.0, 3.0]),
            0,
            Direction::Ascending,
            "f"
        )
        .is_err());
        assert!(fit(
            &[],
            &Method::Threshold(vec![f64::NAN]),
            0,
            Direction::Ascending,
            "f"
        )
        .is_err());
    }

    #[test]
    fn ntile_matches_sql() {
        // 7 rows into 3 groups: sizes 3, 2, 2; ties broken by position.
        let v = [5.0, 1.0, 1.0, 3.0, 2.0, 9.0, 1.0];
        assert_eq!(
            ntile(&v, 3, Direction::Ascending, "m").unwrap(),
            vec![3, 1, 1, 2, 2, 3, 1]
        );
        assert_eq!(
            ntile(&[4.0], 5, Direction::Ascending, "m").unwrap(),
            vec![1]
        );
        assert_eq!(
            ntile(&[1.0, 2.0], 5, Direction::Descending, "r").unwrap(),
            vec![2, 1]
        );
    }

    #[test]
    fn json_round_trip_and_validation() {
        let e = fit(
            &[1.0, 2.0, 3.0, 4.0],
            &Method::Quantile,
            4,
            Direction::Ascending,
            "m",
        )
        .unwrap();
        assert_eq!(from_json(&to_json(&e).unwrap(), "m").unwrap(), e);
        assert!(from_json(
            r#"{"method":"x","cuts":[2,1],"levels":3,"direction":"ascending","inclusive":false}"#,
            "m"
        )
        .is_err());
        assert!(from_json(
            r#"{"method":"x","cuts":[1],"levels":2,"direction":"up","inclusive":false}"#,
            "m"
        )
        .is_err());
        assert!(from_json(r#"{"method":"x","cuts":[1],"levels":2,"direction":"ascending","inclusive":false,"extra":1}"#, "m").is_err());
        // Saved cut points come back bit for bit (serde_json's float_roundtrip).
        for cut in [
            1.1411056552628401e-299,
            2.2250738585072014e-308,
            1.7976931348623157e308,
            0.1,
        ] {
            let e = fit(&[cut], &Method::Mean, 2, Direction::Ascending, "m").unwrap();
            let back = from_json(&to_json(&e).unwrap(), "m").unwrap();
            assert_eq!(back.cuts[0].to_bits(), cut.to_bits(), "{cut}");
        }
    }

    #[test]
    fn mean_is_exact_and_correctly_rounded_everywhere() {
        let two63 = 9_223_372_036_854_775_808.0_f64;
        // Beyond 2^63 (where fixed-point money sums stop).
        assert_eq!(mean(&[two63, two63 * 2.0, two63 * 3.0]), two63 * 2.0);
        assert_eq!(mean(&[f64::MAX, f64::MAX]), f64::MAX);
        assert_eq!(mean(&[f64::MAX, -f64::MAX, 1.0]), 1.0 / 3.0);
        // Tiny values are not truncated.
        assert_eq!(mean(&[1e-300, 3e-300]), 2e-300);
        assert_eq!(mean(&[5e-324, 5e-324]), 5e-324);
        assert_eq!(mean(&[5e-324, 0.0]), 0.0); // half a unit: ties to even
        assert_eq!(mean(&[5e-324 * 3.0, 0.0]), 1e-323); // 1.5 units: to even (2)
                                                        // Cancellation and rounding of the quotient.
        assert_eq!(mean(&[1e16, 1.0, -1e16]), 1.0 / 3.0);
        assert_eq!(mean(&[0.1, 0.2, 0.3]), 0.2);
        assert_eq!(mean(&[-2.0, -4.0]), -3.0);
        assert_eq!(mean(&[1.0, 2.0]), 1.5);
        let big: Vec<f64> = (0..100_000).map(|i| f64::from(i) * 1e300).collect();
        assert!(mean(&big).is_finite());
    }

    #[test]
    fn quantiles_of_values_near_the_float_range_stay_finite() {
        let v = [-f64::MAX, f64::MAX];
        let e = fit(&v, &Method::Median, 2, Direction::Ascending, "m").unwrap();
        assert_eq!(e.cuts, vec![0.0]);
        let e = fit(&v, &Method::Quantile, 4, Direction::Ascending, "m").unwrap();
        assert!(e.cuts.iter().all(|c| c.is_finite()));
        assert_eq!(e.apply(&v, "m").unwrap(), vec![1, 4]);
    }

    #[test]
    fn bad_levels_and_values() {
        assert!(fit(&[1.0], &Method::Quantile, 1, Direction::Ascending, "f").is_err());
        assert!(fit(&[1.0], &Method::Quantile, 101, Direction::Ascending, "f").is_err());
        assert!(fit(&[f64::NAN], &Method::Mean, 2, Direction::Ascending, "f").is_err());
        let e = fit(&[], &Method::Quantile, 5, Direction::Ascending, "f").unwrap();
        assert!(e.cuts.is_empty());
    }
}
