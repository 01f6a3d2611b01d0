//! Scores: cut points learnt from values, and values binned by them.
//!
//! A score is `1 + the number of cut points a value passes`, so scores live
//! on `1..=levels` and equal values always share one. Which way "passing"
//! goes is the dimension's direction: for frequency and monetary a higher
//! value is better (it passes cut points below it); for recency a lower
//! value is better (it passes cut points above it). Cut points may coincide
//! (skewed data): the scores between them are then unused rather than
//! renumbered, so a score keeps its meaning on the `1..=levels` scale.

mod mean;
mod quantile;
#[cfg(test)]
mod tests;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use mean::mean;
use quantile::quantiles;

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
    pub(crate) fn validate(&self, dim: &str) -> Result<()> {
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
    pub(crate) fn score(&self, x: f64) -> u8 {
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
