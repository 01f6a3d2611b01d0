//! The dense path: integer ids index an array of accumulators directly.

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};

use super::{prefetch, LOOKAHEAD};

/// Row numbers split by the thread that owns them: `lists[b][t]` holds, in
/// order, the rows of block `b` that thread `t` owns. Splitting first lets each
/// thread fold only its rows, with no per-row "is it mine?" branch (which the
/// CPU cannot predict) and rows read in increasing order.
pub(crate) fn split_by_owner(
    n: usize,
    owners: usize,
    owner_of: impl Fn(usize) -> usize + Sync,
) -> Vec<Vec<Vec<u32>>> {
    let blocks = owners.max(1);
    (0..blocks)
        .into_par_iter()
        .map(|b| {
            let (start, end) = (b * n / blocks, (b + 1) * n / blocks);
            let mut lists =
                vec![Vec::with_capacity((end - start) / owners.max(1) + 64); owners.max(1)];
            for i in start..end {
                lists[owner_of(i)].push(i as u32);
            }
            lists
        })
        .collect()
}

/// Folds rows into one accumulator per slot, `slot_of(i)` giving row `i`'s
/// slot. Each of `threads` tasks owns a contiguous range of slots and folds
/// the rows of its slots (see [`split_by_owner`]): no per-thread copies,
/// nothing to merge. Slots are prefetched a few rows ahead, because a slot is
/// a cache miss.
pub(crate) fn fold_dense(
    rows: &Rows,
    n_slots: usize,
    threads: usize,
    slot_of: impl Fn(usize) -> usize + Sync,
) -> Vec<Acc> {
    let n = rows.time.len();
    let per = n_slots.div_ceil(threads.max(1)).max(1);
    let owners = n_slots.div_ceil(per).max(1);
    let lists = split_by_owner(n, owners, |i| slot_of(i) / per);
    let mut accs: Vec<Acc> = (0..n_slots)
        .into_par_iter()
        .map(|_| Acc::default())
        .collect();
    accs.par_chunks_mut(per).enumerate().for_each(|(t, own)| {
        let lo = t * per;
        for block in &lists {
            let mine = &block[t];
            for (j, &r) in mine.iter().enumerate() {
                if let Some(&ahead) = mine.get(j + LOOKAHEAD) {
                    prefetch(&own[slot_of(ahead as usize) - lo]);
                }
                let i = r as usize;
                rows.visit(i, &mut own[slot_of(i) - lo], true);
            }
        }
    });
    accs
}
