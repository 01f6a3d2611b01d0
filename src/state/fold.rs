//! A batch's rows folded into the accumulators of their slots. Large
//! batches run in parallel over ranges of slots: the rows are scattered by
//! range (each range's rows kept in row order), and each range's
//! accumulators, about a cache's worth, are folded by one thread. Every
//! customer sees its rows in the same order as a plain loop would, so the
//! result is the same for any thread count.

use rayon::prelude::*;

use crate::accumulate::{Acc, Rows};
use crate::group::{prefetch, scatter};
use crate::money::Exact;
use crate::scan::Amounts;

use super::keys::{FastMap, FastSet};
use super::pairs::{range_of, Pairs, RANGE_BITS};
/// Below this many rows the scatter costs more than it saves.
const PARALLEL_ROWS: usize = 1 << 16;
/// How many rows ahead the values are fetched.
const AHEAD: usize = 16;

/// What a fold needs besides the rows and the accumulators.
pub(super) struct Fold<'a> {
    pub rows: &'a Rows<'a>,
    /// The slot of every row.
    pub slots: &'a [u32],
    pub count_rows: bool,
    /// Each row's distinct key (day or order), for distinct counting.
    pub key: Option<&'a (dyn Fn(usize) -> Option<u64> + Sync)>,
}

impl Fold<'_> {
    /// Folds every row into `accs`, the sums of spilled customers into
    /// `exact`, and (distinct counting) each purchase's (slot, key) pair
    /// into `pairs`, counting the new ones.
    pub fn run(&self, accs: &mut [Acc], exact: &mut FastMap<u32, Exact>, pairs: &mut Pairs<u64>) {
        let n = self.slots.len();
        let ranges = accs.len().div_ceil(1 << RANGE_BITS);
        let sets = pairs.ranges_mut(ranges);
        if n < PARALLEL_ROWS || ranges < 2 || u32::try_from(n).is_err() {
            self.all(n, accs, exact, sets);
            return;
        }
        // Each row with its slot, by range of slots, chunk by chunk in row order.
        let slots = self.slots;
        let scattered = scatter(n, ranges, |i| {
            let rec = slots.get(i).map(|&s| (range_of(s), (i as u32, s)));
            Ok::<_, std::convert::Infallible>(rec)
        });
        let Ok(scattered) = scattered;
        let mut exacts: Vec<FastMap<u32, Exact>> =
            (0..ranges).map(|_| FastMap::default()).collect();
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
                let set = std::slice::from_mut(set);
                for list in &scattered {
                    let recs = list.get(r).map_or(&[][..], Vec::as_slice);
                    self.range(recs, base, chunk, ex, set);
                }
            });
        exacts.into_iter().for_each(|part| exact.extend(part));
    }

    /// Folds rows `0..n` in order into `accs` (every slot), fetching each
    /// row's accumulator ahead.
    fn all(
        &self,
        n: usize,
        accs: &mut [Acc],
        exact: &mut FastMap<u32, Exact>,
        sets: &mut [FastSet<(u32, u64)>],
    ) {
        for i in 0..n {
            if let Some(acc) = self
                .slots
                .get(i + AHEAD)
                .and_then(|&s| accs.get(s as usize))
            {
                prefetch(acc);
            }
            if let Some(&slot) = self.slots.get(i) {
                self.one(i, slot, 0, accs, exact, sets);
            }
        }
    }

    /// Folds the rows `recs` ((row, slot), in row order) into `accs`,
    /// whose first slot is `base`, fetching each row's values and then its
    /// accumulator ahead.
    fn range(
        &self,
        recs: &[(u32, u32)],
        base: u32,
        accs: &mut [Acc],
        exact: &mut FastMap<u32, Exact>,
        sets: &mut [FastSet<(u32, u64)>],
    ) {
        for (k, &(i, slot)) in recs.iter().enumerate() {
            if let Some(&(j, _)) = recs.get(k + AHEAD) {
                self.rows.prefetch(j as usize);
            }
            if let Some(acc) = recs
                .get(k + AHEAD / 2)
                .and_then(|&(_, s)| accs.get(s.wrapping_sub(base) as usize))
            {
                prefetch(acc);
            }
            self.one(i as usize, slot, base, accs, exact, sets);
        }
    }

    /// Folds row `i` (slot `slot`) into `accs`, whose first slot is `base`, and its pair
    /// into `sets`, the pair sets of the ranges from `base`'s on.
    #[inline]
    fn one(
        &self,
        i: usize,
        slot: u32,
        base: u32,
        accs: &mut [Acc],
        exact: &mut FastMap<u32, Exact>,
        sets: &mut [FastSet<(u32, u64)>],
    ) {
        let Some(acc) = accs.get_mut(slot.wrapping_sub(base) as usize) else {
            return;
        };
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
            let set = sets.get_mut(range_of(slot).wrapping_sub(range_of(base)));
            if let (Some(k), Some(set)) = (key(i), set) {
                if set.insert((slot, k)) {
                    acc.count += 1;
                }
            }
        }
    }
}
