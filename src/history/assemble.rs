//! The blocks of customers walked in parallel, and the long table joined
//! from their columns, snapshot by snapshot.

use rayon::prelude::*;

use crate::error::Result;
use crate::keys::SortedKeys;
use crate::refold::show_key;

use super::walk::{Cols, Dropped};
use super::History;

/// Customers per parallel block.
const BLOCK: usize = 1 << 12;

/// Runs `f` on blocks of customers in parallel, each with its own output
/// (one [`Cols`] per snapshot) and scratch set; the first error in customer
/// order wins.
pub(super) fn blocks<S: Default>(
    n: usize,
    f: impl Fn(std::ops::Range<usize>, &mut [Cols], &mut S) -> Result<()> + Sync,
    snapshots: usize,
) -> Result<Vec<Vec<Cols>>> {
    (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map_init(S::default, |set, b| {
            let mut out: Vec<Cols> = (0..snapshots).map(|_| Cols::default()).collect();
            f(b * BLOCK..n.min((b + 1) * BLOCK), &mut out, set)?;
            Ok(out)
        })
        .collect::<Vec<Result<Vec<Cols>>>>()
        .into_iter()
        .collect()
}

/// One column of all blocks (`parts[block][snapshot]`), snapshot by
/// snapshot; each part is freed once copied.
fn gather<T: Copy>(parts: Vec<Vec<Vec<T>>>, snapshots: usize) -> Vec<T> {
    let total = parts.iter().flatten().map(Vec::len).sum();
    let mut out = Vec::with_capacity(total);
    let mut blocks: Vec<std::vec::IntoIter<Vec<T>>> =
        parts.into_iter().map(Vec::into_iter).collect();
    for _ in 0..snapshots {
        for block in blocks.iter_mut() {
            if let Some(part) = block.next() {
                out.extend_from_slice(&part);
            }
        }
    }
    out
}

pub(super) fn finish(
    keys: SortedKeys,
    b: Vec<Vec<Cols>>,
    dropped: Dropped,
    days: &[i64],
) -> History {
    let n = days.len();
    let snapshot_rows = (0..n)
        .map(|s| {
            b.iter()
                .filter_map(|x| x.get(s))
                .map(|c| c.code.len() as u64)
                .sum()
        })
        .collect();
    let first_without_purchase = dropped.first.map(|(s, c)| {
        (
            days.get(s).copied().unwrap_or(0),
            show_key(&keys, c as usize),
        )
    });
    type Parts<T> = Vec<Vec<Vec<T>>>;
    let (mut code, mut rec, mut freq): (Parts<u32>, Parts<i64>, Parts<i64>) = Default::default();
    let (mut mon, mut first, mut last): (Parts<f64>, Parts<i64>, Parts<i64>) = Default::default();
    for block in b {
        let (mut c, mut r, mut f, mut m, mut a, mut l) = Default::default();
        for cols in block {
            push6((&mut c, &mut r, &mut f, &mut m, &mut a, &mut l), cols);
        }
        code.push(c);
        rec.push(r);
        freq.push(f);
        mon.push(m);
        first.push(a);
        last.push(l);
    }
    let ((customer, recency), (frequency, monetary)) = rayon::join(
        || rayon::join(|| gather(code, n), || gather(rec, n)),
        || rayon::join(|| gather(freq, n), || gather(mon, n)),
    );
    let (first_purchase, last_purchase) = rayon::join(|| gather(first, n), || gather(last, n));
    History {
        snapshot_rows,
        customer,
        recency,
        frequency,
        monetary,
        first_purchase,
        last_purchase,
        customer_id: keys,
        without_purchase: dropped.count,
        first_without_purchase,
    }
}

type Six<'a> = (
    &'a mut Vec<Vec<u32>>,
    &'a mut Vec<Vec<i64>>,
    &'a mut Vec<Vec<i64>>,
    &'a mut Vec<Vec<f64>>,
    &'a mut Vec<Vec<i64>>,
    &'a mut Vec<Vec<i64>>,
);

fn push6(to: Six, cols: Cols) {
    to.0.push(cols.code);
    to.1.push(cols.recency);
    to.2.push(cols.frequency);
    to.3.push(cols.monetary);
    to.4.push(cols.first);
    to.5.push(cols.last);
}
