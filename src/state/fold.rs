//! The one fold of the engine: a batch's rows into the accumulators of
//! their slots. What a row does to its customer is a [`Visit`] (the RFM
//! table's and the CLV summary's); how the rows get there is this module's.
//!
//! Large batches run in parallel over ranges of slots: the rows, each with
//! its slot, are scattered by range in parallel chunks (each range's rows
//! kept in row order), and each range's accumulators, about a cache's
//! worth, are folded by one thread with the range's exact sums and pair
//! set. Every customer sees its rows in the same order as a plain loop
//! would, so the result is the same for any thread count.

use std::hash::Hash;

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};
use crate::group::{prefetch, scatter};
use crate::money::Exact;
use crate::scan::Amounts;

use super::keys::FastMap;
use super::pairs::{range_of, PairSet, Pairs, RANGE_BITS};

/// Below this many rows the scatter costs more than it saves.
const PARALLEL_ROWS: usize = 1 << 16;
/// How many rows ahead the values are fetched.
const AHEAD: usize = 16;

/// What one row does to its customer.
pub(super) trait Visit: Sync {
    type Acc: Send + Sync;
    /// The exact sums of a customer whose amounts the fast fixed point
    /// cannot hold.
    type Exact: Send;
    /// The second key of distinct counting (day, order, period).
    type Key: Send + Hash + Eq + Copy;
    /// Whether the rows go into the pair sets (so that a range's set is
    /// grown once, for its rows, before the fold).
    fn distinct(&self) -> bool;
    /// Hints that row `i`'s values will be read soon.
    fn prefetch(&self, i: usize);
    /// Folds row `i` into `acc`, the accumulator of `slot`; `exact` and
    /// `pairs` are those of the slot's range.
    fn visit(
        &self,
        i: usize,
        slot: u32,
        acc: &mut Self::Acc,
        exact: &mut FastMap<u32, Self::Exact>,
        pairs: &mut PairSet<Self::Key>,
    );
}

/// Folds every row (`slots[i]`: row `i`'s slot) into `accs`.
pub(super) fn fold<V: Visit>(
    v: &V,
    slots: &[u32],
    accs: &mut [V::Acc],
    exact: &mut FastMap<u32, V::Exact>,
    pairs: &mut Pairs<V::Key>,
) {
    let n = slots.len();
    let ranges = accs.len().div_ceil(1 << RANGE_BITS);
    let sets = pairs.ranges_mut(ranges);
    if n < PARALLEL_ROWS || ranges < 2 || u32::try_from(n).is_err() {
        for (i, &slot) in slots.iter().enumerate() {
            if let Some(acc) = slots.get(i + AHEAD).and_then(|&s| accs.get(s as usize)) {
                prefetch(acc);
            }
            let (Some(acc), Some(set)) =
                (accs.get_mut(slot as usize), sets.get_mut(range_of(slot)))
            else {
                continue;
            };
            v.visit(i, slot, acc, exact, set);
        }
        return;
    }
    let scattered = scatter(n, ranges, |i| {
        let rec = slots.get(i).map(|&s| (range_of(s), (i as u32, s)));
        Ok::<_, std::convert::Infallible>(rec)
    });
    let Ok(scattered) = scattered;
    let mut exacts: Vec<FastMap<u32, V::Exact>> = (0..ranges).map(|_| FastMap::default()).collect();
    for (slot, sum) in exact.drain() {
        if let Some(part) = exacts.get_mut(range_of(slot)) {
            part.insert(slot, sum);
        }
    }
    accs.par_chunks_mut(1 << RANGE_BITS)
        .zip(exacts.par_iter_mut())
        .zip(sets.par_iter_mut())
        .enumerate()
        .for_each(|(r, ((chunk, ex), set))| {
            let base = (r as u32) << RANGE_BITS;
            if v.distinct() {
                set.reserve(scattered.iter().map(|l| l.get(r).map_or(0, Vec::len)).sum());
            }
            for list in &scattered {
                let recs = list.get(r).map_or(&[][..], Vec::as_slice);
                range(v, recs, base, chunk, ex, set);
            }
        });
    exacts.into_iter().for_each(|part| exact.extend(part));
}

/// Folds the rows `recs` ((row, slot), in row order) into `accs`, whose
/// first slot is `base`, fetching each row's values and then its
/// accumulator ahead.
fn range<V: Visit>(
    v: &V,
    recs: &[(u32, u32)],
    base: u32,
    accs: &mut [V::Acc],
    exact: &mut FastMap<u32, V::Exact>,
    set: &mut PairSet<V::Key>,
) {
    for (k, &(i, slot)) in recs.iter().enumerate() {
        if let Some(&(j, _)) = recs.get(k + AHEAD) {
            v.prefetch(j as usize);
        }
        if let Some(acc) = recs
            .get(k + AHEAD / 2)
            .and_then(|&(_, s)| accs.get(s.wrapping_sub(base) as usize))
        {
            prefetch(acc);
        }
        if let Some(acc) = accs.get_mut(slot.wrapping_sub(base) as usize) {
            v.visit(i as usize, slot, acc, exact, set);
        }
    }
}

/// How many parts [`fold_copies`] cuts a batch of `rows` rows into, for
/// `accs` accumulators (1: fold it by [`fold`] instead).
pub(super) fn copies(rows: usize, accs: usize) -> usize {
    // Each part past the first holds a copy of every accumulator (64 bytes
    // a customer): at most one copy per four rows a customer, so the copies
    // stay within the rows' own size, whatever the thread count.
    let affordable = 1 + rows / (4 * accs.max(1));
    rayon::current_num_threads().clamp(1, affordable.max(1))
}

/// The RFM table's fold without distinct counting, for a batch of many
/// rows per customer: the rows are cut into one contiguous part per
/// thread, each part folded in row order into accumulators of its own (the
/// first into `accs`), and the copies merged into `accs` slot by slot. The
/// rows' values are read in order and no row is scattered; every operation
/// of [`Acc::merge`] is exact and commutative, and a customer whose amounts
/// spilled in any part gets its exact sum from all the parts' sums.
pub(super) fn fold_copies(
    v: &TableRows,
    slots: &[u32],
    accs: &mut [Acc],
    exact: &mut FastMap<u32, Exact>,
) {
    let parts = copies(slots.len(), accs.len());
    let per = slots.len().div_ceil(parts).max(1);
    let mut chunks = slots.chunks(per);
    let Some(first) = chunks.next() else {
        return;
    };
    let rest: Vec<&[u32]> = chunks.collect();
    let n = accs.len();
    let walk = |start: usize, rows: &[u32], accs: &mut [Acc], exact: &mut FastMap<u32, Exact>| {
        let mut none = PairSet::default();
        for (k, &slot) in rows.iter().enumerate() {
            if let Some(acc) = rows.get(k + AHEAD).and_then(|&s| accs.get(s as usize)) {
                prefetch(acc);
            }
            if let Some(acc) = accs.get_mut(slot as usize) {
                v.visit(start + k, slot, acc, exact, &mut none);
            }
        }
    };
    let (_, copies) = rayon::join(
        || walk(0, first, accs, exact),
        || {
            rest.par_iter()
                .enumerate()
                .map(|(p, rows)| {
                    let mut own: Vec<Acc> = Vec::new();
                    own.resize(n, Acc::default());
                    let mut ex = FastMap::default();
                    walk((p + 1) * per, rows, &mut own, &mut ex);
                    (own, ex)
                })
                .collect::<Vec<_>>()
        },
    );
    for (own, ex) in &copies {
        // The exact sums of the spilled customers first, from both sides'
        // money as it was.
        let spilled: Vec<usize> = accs
            .par_iter()
            .zip(own.par_iter())
            .with_min_len(1 << 14)
            .positions(|(a, b)| a.spilled || b.spilled)
            .collect();
        for s in spilled {
            let (Some(a), Some(b)) = (accs.get(s), own.get(s)) else {
                continue;
            };
            let slot = s as u32;
            super::merge::exact_union(exact, slot, a, ex.get(&slot), b);
        }
        accs.par_iter_mut()
            .zip(own.par_iter())
            .with_min_len(1 << 12)
            .for_each(|(a, b)| a.merge(b));
    }
}

/// The RFM table's rows: purchases, returns, the window and distinct
/// counting.
pub(super) struct TableRows<'a> {
    pub rows: &'a Rows<'a>,
    pub count_rows: bool,
    /// Each row's distinct key (day or order), for distinct counting.
    pub key: Option<&'a (dyn Fn(usize) -> Option<u64> + Sync)>,
}

impl Visit for TableRows<'_> {
    type Acc = Acc;
    type Exact = Exact;
    type Key = u64;

    fn distinct(&self) -> bool {
        self.key.is_some()
    }

    #[inline]
    fn prefetch(&self, i: usize) {
        self.rows.prefetch(i);
    }

    #[inline]
    fn visit(
        &self,
        i: usize,
        slot: u32,
        acc: &mut Acc,
        exact: &mut FastMap<u32, Exact>,
        pairs: &mut PairSet<u64>,
    ) {
        let counted = self.rows.visit(i, acc, self.count_rows);
        if let (true, Amounts::F64(v)) = (acc.spilled && self.rows.adds_money(i), self.rows.amounts)
        {
            // Amounts the fixed point cannot hold: this customer's sum is
            // kept exactly from here on (from what it had so far).
            let money = acc.money;
            if let Some(&x) = v.get(i) {
                exact.entry(slot).or_insert_with(|| money.to_exact()).add(x);
            }
        }
        if let (true, Some(key)) = (counted, self.key) {
            if let Some(k) = key(i) {
                if pairs.insert((slot, k)) {
                    acc.count += 1;
                }
            }
        }
    }
}
