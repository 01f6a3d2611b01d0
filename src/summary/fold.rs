//! The fold: rows scattered into partitions and folded into one
//! accumulator per customer.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rayon::prelude::*;

use crate::error::Result;
use crate::group::{partition_of, scatter, sort_partitions, KeyAccess, KeyHasher, PARTS};
use crate::keys::SortedKeys;
use crate::money::Money;
use crate::scan::Amounts;

use super::columns::Columns;
use super::pairs::PairSet;
use super::select::Select;

/// What is known about one customer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Acc {
    pub(super) first: i64,
    pub(super) last: i64,
    /// The period of the customer's previous row: a row in the same period
    /// needs no look-up in the pair set.
    pub(super) recent: i64,
    pub(super) periods: u32,
    pub(super) rows: u32,
    pub(super) first_sum: Money,
    pub(super) rest_sum: Money,
    /// An amount did not fit the fast fixed point (see `refold`).
    pub(super) spilled: bool,
}

impl Default for Acc {
    fn default() -> Self {
        Acc {
            first: i64::MAX,
            last: i64::MIN,
            recent: i64::MIN,
            periods: 0,
            rows: 0,
            first_sum: Money::default(),
            rest_sum: Money::default(),
            spilled: false,
        }
    }
}

/// One row as the fold reads it: the scatter pass copies what the fold
/// needs next to each other, so that the fold reads its partition in order
/// instead of jumping around the input columns.
#[derive(Debug, Clone, Copy)]
struct Rec {
    /// The key packed in 64 bits (see [`KeyAccess::packed`]).
    key: u64,
    row: u32,
    /// The period, as the bits of an i32.
    period: u32,
    /// The amount's bits: an f64 or an i64 (see [`Fold::add`]).
    amount: u64,
}

/// One row of the dense path: the id's offset within its partition, the
/// period and the amount as in [`Rec`].
#[derive(Debug, Clone, Copy)]
struct DenseRec {
    slot: u32,
    period: u32,
    amount: u64,
}

/// Whether integer ids spanning `lo..=hi` are dense enough for the dense
/// path, and its number of slots: at most four slots a row (plus a margin
/// for small inputs), so that scanning the empty slots costs little.
pub(super) fn dense_slots(n: usize, lo: i128, hi: i128) -> Option<u64> {
    if n == 0 || hi < lo {
        return None;
    }
    let slots = u64::try_from(hi - lo + 1).ok()?;
    (slots <= 4 * n as u64 + (1 << 16)).then_some(slots)
}

/// The row-level work of one computation.
pub(super) struct Fold<'a> {
    /// Validates rows and gives their periods (the bits of an i32: hours of
    /// years 1 to 9999 fit).
    pub(super) select: &'a Select<'a>,
    pub(super) amounts: Option<Amounts<'a>>,
}

impl Fold<'_> {
    pub(super) fn run<A: KeyAccess>(&self, ids: &A, n: usize) -> Result<(SortedKeys, Columns)> {
        let scattered = self.scatter(n, PARTS, |i, period| {
            let (hash, key) = ids.packed(i);
            let rec = Rec {
                key,
                row: i as u32,
                period,
                amount: self.bits(i),
            };
            (partition_of(hash), rec)
        })?;
        let folded: Vec<(Vec<A::K>, Vec<Acc>)> = (0..PARTS)
            .into_par_iter()
            .map_init(PairSet::default, |pairs, p| {
                self.partition(ids, scattered.iter().map(|c| c[p].as_slice()), pairs)
            })
            .collect();
        drop(scattered);
        let (keys, accs) = sort_partitions::<A, Acc>(folded);
        Ok((keys, Columns::from_accs(&accs)))
    }

    /// The counted rows as records, by chunk and partition (see
    /// [`scatter`]): `record(i, period)` gives row `i`'s partition and record.
    /// Every row is validated.
    fn scatter<R: Send>(
        &self,
        n: usize,
        parts: usize,
        record: impl Fn(usize, u32) -> (usize, R) + Sync,
    ) -> Result<Vec<Vec<Vec<R>>>> {
        scatter(n, parts, |i| {
            Ok(self.select.get(i)?.map(|period| record(i, period)))
        })
    }

    fn partition<'r, A: KeyAccess>(
        &self,
        ids: &A,
        lists: impl Iterator<Item = &'r [Rec]> + Clone,
        pairs: &mut PairSet,
    ) -> (Vec<A::K>, Vec<Acc>) {
        type Fast = BuildHasherDefault<KeyHasher>;
        let n_rows: usize = lists.clone().map(<[Rec]>::len).sum();
        let mut slots: HashMap<A::K, u32, Fast> =
            HashMap::with_capacity_and_hasher(n_rows / 4, Fast::default());
        pairs.reset(n_rows);
        let mut keys = Vec::new();
        let mut accs: Vec<Acc> = Vec::new();
        for list in lists {
            for (j, rec) in list.iter().enumerate() {
                // String keys are read from the input: fetch their offsets
                // and then their bytes a few records ahead.
                if let Some(ahead) = list.get(j + 16) {
                    ids.prefetch_unpack(ahead.row as usize, 0);
                }
                if let Some(ahead) = list.get(j + 8) {
                    ids.prefetch_unpack(ahead.row as usize, 1);
                }
                let k = ids.unpack(rec.key, rec.row as usize);
                let slot = *slots.entry(k).or_insert_with(|| {
                    keys.push(k);
                    accs.push(Acc::default());
                    (keys.len() - 1) as u32
                });
                self.visit(
                    &mut accs[slot as usize],
                    slot,
                    rec.period,
                    rec.amount,
                    pairs,
                );
            }
        }
        (keys, accs)
    }

    /// Integer ids in a small range: partition `p` holds the ids whose
    /// offset from the smallest id has `p` as its top bits, so a partition
    /// indexes its accumulators directly and partitions come out in id
    /// order. Returns the offsets of the customers seen and their
    /// accumulators.
    pub(super) fn dense(
        &self,
        slots: u64,
        n: usize,
        slot_of: impl Fn(usize) -> u64 + Sync,
    ) -> Result<(Vec<u64>, Columns)> {
        // Partitions of about 80k rows and 10k customers (a working set of
        // one to two MiB: the accumulators and the pair set stay in L2), at
        // least four for the threads, at most 256. Measured on 2 cores: 16
        // partitions for 1M rows of 100k customers and 128 for 10M of 1M are
        // 15-20% faster than 256.
        let target = (n as u64 / 80_000)
            .max(slots / 10_000)
            .max(4)
            .next_power_of_two()
            .min(PARTS as u64);
        let shift = (0..64).find(|&s| ((slots - 1) >> s) < target).unwrap_or(63);
        let parts = (((slots - 1) >> shift) + 1) as usize;
        let scattered = self.scatter(n, parts, |i, period| {
            let slot = slot_of(i);
            let rec = DenseRec {
                slot: (slot & ((1 << shift) - 1)) as u32,
                period,
                amount: self.bits(i),
            };
            ((slot >> shift) as usize, rec)
        })?;
        let folded: Vec<(Vec<u64>, Columns)> = (0..parts)
            .into_par_iter()
            .map_init(PairSet::default, |pairs, p| {
                let lo = (p as u64) << shift;
                let width = (slots - lo).min(1 << shift) as usize;
                let n_rows: usize = scattered.iter().map(|c| c[p].len()).sum();
                pairs.reset(n_rows);
                let mut accs = vec![Acc::default(); width];
                for chunk in &scattered {
                    let recs = &chunk[p];
                    for (j, rec) in recs.iter().enumerate() {
                        if let Some(ahead) = recs.get(j + 8) {
                            crate::group::prefetch(&accs[ahead.slot as usize]);
                            pairs.prefetch((u64::from(ahead.slot) << 32) | u64::from(ahead.period));
                        }
                        let slot = rec.slot;
                        self.visit(
                            &mut accs[slot as usize],
                            slot,
                            rec.period,
                            rec.amount,
                            pairs,
                        );
                    }
                }
                // Converted while the partition is in the cache.
                let (mut idx, mut cols) = (Vec::new(), Columns::default());
                for (i, a) in accs.iter().enumerate().filter(|(_, a)| a.rows > 0) {
                    idx.push(lo + i as u64);
                    cols.push(a);
                }
                (idx, cols)
            })
            .collect();
        drop(scattered);
        let (idx, cols): (Vec<Vec<u64>>, Vec<Columns>) = folded.into_iter().unzip();
        Ok((idx.concat(), Columns::concat(cols)))
    }

    /// The amount of row `i` as bits (see [`Fold::add`]).
    #[inline]
    fn bits(&self, i: usize) -> u64 {
        match self.amounts {
            Some(Amounts::F64(v)) => v[i].to_bits(),
            Some(Amounts::I64(v)) => v[i] as u64,
            None => 0,
        }
    }

    /// Folds one row (`period`: the bits of the i32 period) into its
    /// customer's accumulator; `slot` numbers the customer in `pairs`.
    #[inline]
    fn visit(&self, acc: &mut Acc, slot: u32, period: u32, amount: u64, pairs: &mut PairSet) {
        acc.rows += 1;
        let p = i64::from(period as i32);
        if p != acc.recent {
            acc.recent = p;
            if pairs.insert((u64::from(slot) << 32) | u64::from(period)) {
                acc.periods += 1;
            }
        }
        if p < acc.first {
            // A new first period: what was first is now "other".
            let old = std::mem::take(&mut acc.first_sum);
            acc.rest_sum.merge(&old);
            acc.first = p;
        }
        acc.last = acc.last.max(p);
        let sum = if p == acc.first {
            &mut acc.first_sum
        } else {
            &mut acc.rest_sum
        };
        acc.spilled |= !self.add(sum, amount);
    }

    /// Adds an amount; `false` when the fast fixed point cannot hold it.
    #[inline]
    fn add(&self, sum: &mut Money, bits: u64) -> bool {
        match self.amounts {
            Some(Amounts::F64(_)) => sum.add_float(f64::from_bits(bits)),
            Some(Amounts::I64(_)) => {
                sum.add_int(bits as i64);
                true
            }
            None => true,
        }
    }
}
