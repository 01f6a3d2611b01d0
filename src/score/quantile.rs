//! Quantiles as NumPy computes them.

/// NumPy's default ("linear", type 7) quantiles at increasing `probs`, with
/// the same arithmetic, so they match `numpy.quantile` bit for bit. Only the
/// order statistics needed are selected: O(n log k), no full sort.
pub(super) fn quantiles(values: &[f64], probs: &[f64]) -> Vec<f64> {
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
