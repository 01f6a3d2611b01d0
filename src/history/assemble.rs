//! The long table's columns, written in place by blocks of customers walked
//! in parallel: each customer's first snapshot is found first, which fixes
//! where every block's rows of every snapshot go, so each block gets its
//! own disjoint slices of the final columns and nothing is copied after.

use std::ops::Range;

use rayon::prelude::*;

use crate::error::Result;

/// Customers per parallel block.
const BLOCK: usize = 1 << 12;

/// One block's rows of one snapshot, in the final columns.
pub(super) struct Out<'a> {
    code: &'a mut [u32],
    recency: &'a mut [i64],
    frequency: &'a mut [i64],
    monetary: &'a mut [f64],
    first: &'a mut [i64],
    last: &'a mut [i64],
    at: usize,
}

fn put<T>(col: &mut [T], at: usize, v: T) {
    if let Some(slot) = col.get_mut(at) {
        *slot = v;
    }
}

impl Out<'_> {
    /// Writes the next row (columns the table does not have are skipped).
    pub(super) fn push(
        &mut self,
        code: u32,
        recency: i64,
        frequency: i64,
        monetary: f64,
        first: i64,
        last: i64,
    ) {
        let at = self.at;
        put(self.code, at, code);
        put(self.recency, at, recency);
        put(self.frequency, at, frequency);
        put(self.monetary, at, monetary);
        put(self.first, at, first);
        put(self.last, at, last);
        self.at += 1;
    }
}

/// The columns of a long table, snapshot after snapshot.
#[derive(Debug, Default)]
pub(super) struct Columns {
    pub(super) snapshot_rows: Vec<u64>,
    pub(super) code: Vec<u32>,
    pub(super) recency: Vec<i64>,
    pub(super) frequency: Vec<i64>,
    pub(super) monetary: Vec<f64>,
    pub(super) first: Vec<i64>,
    pub(super) last: Vec<i64>,
}

/// `col` cut into `sizes` (snapshot-major, block-minor), grouped by block:
/// `out[b][s]` (empty slices once `col` runs out: columns a table lacks).
fn split<'a, T>(col: &'a mut [T], sizes: &[usize], blocks: usize) -> Vec<Vec<&'a mut [T]>> {
    let mut out: Vec<Vec<&mut [T]>> = (0..blocks).map(|_| Vec::new()).collect();
    let mut rest = col;
    for (k, &len) in sizes.iter().enumerate() {
        let cut = len.min(rest.len());
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(cut);
        if let Some(group) = out.get_mut(k % blocks.max(1)) {
            group.push(head);
        }
        rest = tail;
    }
    out
}

/// Runs `f` on blocks of customers in parallel, each writing its rows of
/// every snapshot into its slices of the columns. `first(c)` is customer
/// `c`'s first snapshot (`snapshots` if none); `full` is false for tables of
/// code, frequency and monetary only. The first error in customer order wins.
pub(super) fn blocks<S: Default>(
    n: usize,
    snapshots: usize,
    full: bool,
    first: impl Fn(usize) -> usize + Sync,
    f: impl Fn(Range<usize>, &mut [Out], &mut S) -> Result<()> + Sync,
) -> Result<Columns> {
    let nb = n.div_ceil(BLOCK);
    let range = |b: usize| b * BLOCK..n.min((b + 1) * BLOCK);
    let counts: Vec<Vec<usize>> = (0..nb)
        .into_par_iter()
        .map(|b| {
            let mut c = vec![0usize; snapshots + 1];
            for cust in range(b) {
                if let Some(x) = c.get_mut(first(cust).min(snapshots)) {
                    *x += 1;
                }
            }
            for s in 1..c.len() {
                c[s] += c[s - 1];
            }
            c.truncate(snapshots);
            c
        })
        .collect();
    let sizes: Vec<usize> = (0..snapshots * nb)
        .map(|k| {
            counts
                .get(k % nb)
                .and_then(|c| c.get(k / nb))
                .copied()
                .unwrap_or(0)
        })
        .collect();
    let snapshot_rows = (0..snapshots)
        .map(|s| {
            sizes
                .get(s * nb..(s + 1) * nb)
                .map_or(0, |x| x.iter().sum::<usize>()) as u64
        })
        .collect();
    let total: usize = sizes.iter().sum();
    let part = if full { total } else { 0 };
    let mut cols = Columns {
        snapshot_rows,
        code: vec![0; total],
        recency: vec![0; part],
        frequency: vec![0; total],
        monetary: vec![0.0; total],
        first: vec![0; part],
        last: vec![0; part],
    };
    let groups = {
        let c = &mut cols;
        let mut code = split(&mut c.code, &sizes, nb).into_iter();
        let mut rec = split(&mut c.recency, &sizes, nb).into_iter();
        let mut freq = split(&mut c.frequency, &sizes, nb).into_iter();
        let mut mon = split(&mut c.monetary, &sizes, nb).into_iter();
        let mut fst = split(&mut c.first, &sizes, nb).into_iter();
        let mut lst = split(&mut c.last, &sizes, nb).into_iter();
        let mut groups: Vec<Vec<Out>> = Vec::with_capacity(nb);
        for _ in 0..nb {
            let mut outs = Vec::with_capacity(snapshots);
            let (a, b, d, e, g, h) = (
                code.next(),
                rec.next(),
                freq.next(),
                mon.next(),
                fst.next(),
                lst.next(),
            );
            let (a, b, d, e, g, h) = (
                a.unwrap_or_default(),
                b.unwrap_or_default(),
                d.unwrap_or_default(),
                e.unwrap_or_default(),
                g.unwrap_or_default(),
                h.unwrap_or_default(),
            );
            let mut it = a.into_iter().zip(b).zip(d).zip(e).zip(g).zip(h);
            for _ in 0..snapshots {
                match it.next() {
                    Some((((((code, recency), frequency), monetary), first), last)) => {
                        outs.push(Out {
                            code,
                            recency,
                            frequency,
                            monetary,
                            first,
                            last,
                            at: 0,
                        })
                    }
                    None => break,
                }
            }
            groups.push(outs);
        }
        groups
    };
    let results: Vec<Result<()>> = groups
        .into_par_iter()
        .enumerate()
        .map_init(S::default, |set, (b, mut outs)| f(range(b), &mut outs, set))
        .collect();
    results.into_iter().collect::<Result<Vec<()>>>()?;
    Ok(cols)
}
