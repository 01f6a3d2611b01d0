//! The one fold of the engine: a batch's rows into the accumulators of
//! their slots. What a row does to its customer is a [`Visit`] (the RFM
//! table's and the CLV summary's); how the rows get there is this module's.
//!
//! Large batches run in parallel over ranges of slots. Each row's values
//! are read once, in row order, and scattered with its slot to its range in
//! parallel chunks (each range's rows kept in row order). Each range's
//! accumulators, about a cache's worth, are then folded by one thread from
//! those records, read in order. A range's distinct keys (days, orders,
//! periods) are collected as its rows are folded, sorted by slot by a
//! counting sort, and counted per customer; only a state that sees more
//! batches keeps them, in its pair sets. When the records of every row
//! would take too much memory, the ranges are folded in groups, one pass
//! over the rows each. Every customer sees its rows in the same order as a
//! plain loop would, so the result is the same for any thread count.

use std::hash::Hash;

use rayon::prelude::*;

use crate::group::{prefetch, scatter_counted};

use super::keys::FastMap;
use super::pairs::{range_of, PairSet, Pairs, RANGE_BITS};

/// Below this many rows the scatter costs more than it saves.
const PARALLEL_ROWS: usize = 1 << 16;
/// How many rows ahead an accumulator is fetched.
pub(super) const AHEAD: usize = 16;
/// At most this many bytes of row records per pass over the rows: ten
/// million rows of the table or the summary in one pass.
#[cfg(not(test))]
const RECORD_BYTES: usize = 1 << 28;
/// Small in tests, so that both one pass and several are tested.
#[cfg(test)]
const RECORD_BYTES: usize = 1 << 22;

/// What one row does to its customer.
pub(super) trait Visit: Sync {
    type Acc: Send + Sync;
    /// The exact sums of a customer whose amounts the fast fixed point
    /// cannot hold.
    type Exact: Send;
    /// The second key of distinct counting (day, order, period).
    type Key: Send + Hash + Ord + Copy + Default;
    /// A row as the fold carries it: its slot and the values it needs.
    type Row: Copy + Send + Sync;
    /// Row `i` (of slot `slot`), if it counts at all. The row may name
    /// another slot of the same range instead (the split's test side).
    fn row(&self, i: usize, slot: u32) -> Option<Self::Row>;
    /// The slot of a row.
    fn slot(row: &Self::Row) -> u32;
    /// Folds a row into `acc`, its slot's accumulator (`exact`: the sums of
    /// the slot's range); gives the row's key when it counts distinctly.
    fn visit(
        &self,
        row: &Self::Row,
        acc: &mut Self::Acc,
        exact: &mut FastMap<u32, Self::Exact>,
    ) -> Option<Self::Key>;
    /// Counts `n` new distinct keys of a customer.
    fn add_distinct(acc: &mut Self::Acc, n: u32);
}

/// Folds every row (`slots[i]`: row `i`'s slot) into `accs`. The pairs of
/// distinct counting are kept in `pairs` when `keep` (a state that may see
/// more batches); otherwise `accs` must hold no earlier batch, and the
/// pairs of a large batch are only counted.
pub(super) fn fold<V: Visit>(
    v: &V,
    slots: &[u32],
    accs: &mut [V::Acc],
    exact: &mut FastMap<u32, V::Exact>,
    pairs: &mut Pairs<V::Key>,
    keep: bool,
) {
    let n = slots.len();
    let ranges = accs.len().div_ceil(1 << RANGE_BITS);
    if n < PARALLEL_ROWS || ranges < 2 || u32::try_from(n).is_err() {
        for (i, &slot) in slots.iter().enumerate() {
            if let Some(acc) = slots.get(i + AHEAD).and_then(|&s| accs.get(s as usize)) {
                prefetch(acc);
            }
            let Some(row) = v.row(i, slot) else {
                continue;
            };
            let slot = V::slot(&row);
            let Some(acc) = accs.get_mut(slot as usize) else {
                continue;
            };
            if let Some(k) = v.visit(&row, acc, exact) {
                if pairs.insert(slot, k) {
                    V::add_distinct(acc, 1);
                }
            }
        }
        return;
    }
    let sets = pairs.ranges_mut(ranges);
    let mut exacts: Vec<FastMap<u32, V::Exact>> = (0..ranges).map(|_| FastMap::default()).collect();
    for (slot, sum) in exact.drain() {
        if let Some(part) = exacts.get_mut(range_of(slot)) {
            part.insert(slot, sum);
        }
    }
    // Groups of ranges whose records fit the budget, one pass each.
    let passes = (n * std::mem::size_of::<V::Row>())
        .div_ceil(RECORD_BYTES)
        .clamp(1, ranges);
    let per = ranges.div_ceil(passes);
    let chunks = accs.chunks_mut(per << RANGE_BITS);
    let groups = chunks.zip(exacts.chunks_mut(per).zip(sets.chunks_mut(per)));
    for (g, (accs, (exacts, sets))) in groups.enumerate() {
        let (lo, count) = (g * per, exacts.len());
        let part = |i: usize| {
            let r = slots.get(i).map(|&s| range_of(s).wrapping_sub(lo))?;
            (r < count).then_some(r)
        };
        let record = |i: usize| slots.get(i).and_then(|&s| v.row(i, s));
        let scattered = scatter_counted(n, count, part, record);
        accs.par_chunks_mut(1 << RANGE_BITS)
            .zip(exacts.par_iter_mut().zip(sets.par_iter_mut()))
            .enumerate()
            .for_each_init(Scratch::default, |scratch, (r, (accs, (ex, set)))| {
                let base = ((lo + r) as u32) << RANGE_BITS;
                let lists = scattered
                    .iter()
                    .map(|l| l.get(r).map_or(&[][..], Vec::as_slice));
                let set = keep.then_some(set);
                range(v, lists, base, accs, ex, set, scratch);
            });
    }
    exacts.into_iter().for_each(|part| exact.extend(part));
}

/// The buffers of one thread's range folds.
struct Scratch<K> {
    /// The distinct keys met, with the range-local slot.
    keys: Vec<(u32, K)>,
    /// Keys per local slot, then where each slot's keys start.
    counts: Vec<u32>,
    sorted: Vec<K>,
}

impl<K> Default for Scratch<K> {
    fn default() -> Self {
        Scratch {
            keys: Vec::new(),
            counts: Vec::new(),
            sorted: Vec::new(),
        }
    }
}

/// Folds one range's rows (`lists`: its records of each chunk, in row
/// order) into `accs`, whose first slot is `base`, then counts the distinct
/// keys met per customer (new to `set` when kept).
fn range<'r, V: Visit>(
    v: &V,
    lists: impl Iterator<Item = &'r [V::Row]>,
    base: u32,
    accs: &mut [V::Acc],
    exact: &mut FastMap<u32, V::Exact>,
    set: Option<&mut PairSet<V::Key>>,
    scratch: &mut Scratch<V::Key>,
) where
    V::Row: 'r,
{
    let Scratch {
        keys,
        counts,
        sorted,
    } = scratch;
    keys.clear();
    // The range's accumulators, fetched in order: the hardware streams them
    // in, where the rows would miss on each one's first touch.
    accs.iter().for_each(prefetch);
    for list in lists {
        for (k, row) in list.iter().enumerate() {
            if let Some(acc) = list
                .get(k + AHEAD)
                .and_then(|r| accs.get(V::slot(r).wrapping_sub(base) as usize))
            {
                prefetch(acc);
            }
            let local = V::slot(row).wrapping_sub(base);
            let Some(acc) = accs.get_mut(local as usize) else {
                continue;
            };
            if let Some(key) = v.visit(row, acc, exact) {
                keys.push((local, key));
            }
        }
    }
    distinct::<V>(keys, base, accs, set, counts, sorted);
}

/// Counts the distinct keys met per customer (`keys`: range-local slot and
/// key, in row order; `accs`: the slots from `base`), new to `set` when
/// kept, and adds them to the accumulators.
fn distinct<V: Visit>(
    keys: &[(u32, V::Key)],
    base: u32,
    accs: &mut [V::Acc],
    mut set: Option<&mut PairSet<V::Key>>,
    counts: &mut Vec<u32>,
    sorted: &mut Vec<V::Key>,
) {
    if keys.is_empty() || ordered::<V>(keys, base, accs, set.as_deref_mut(), counts, sorted) {
        return;
    }
    // A counting sort by slot, each slot's keys in a run of their own.
    counts.clear();
    counts.resize(accs.len() + 1, 0);
    for &(local, _) in keys.iter() {
        if let Some(c) = counts.get_mut(local as usize + 1) {
            *c += 1;
        }
    }
    let mut start = 0u32;
    for c in counts.iter_mut() {
        start += *c;
        *c = start;
    }
    sorted.clear();
    sorted.resize(keys.len(), V::Key::default());
    for &(local, key) in keys.iter() {
        let Some(at) = counts.get_mut(local as usize) else {
            continue;
        };
        if let Some(place) = sorted.get_mut(*at as usize) {
            *place = key;
        }
        *at += 1;
    }
    // `counts[s]` is now where slot s's run ends (and s + 1's starts).
    if let Some(set) = set.as_deref_mut() {
        set.reserve(keys.len());
    }
    let mut from = 0usize;
    for (local, (&end, acc)) in counts.iter().zip(accs.iter_mut()).enumerate() {
        let end = end as usize;
        let Some(run) = sorted.get_mut(from..end) else {
            break;
        };
        from = end;
        if run.is_empty() {
            continue;
        }
        run.sort_unstable();
        let slot = base + local as u32;
        let mut new = 0;
        let mut last = None;
        for &key in run.iter() {
            if last == Some(key) {
                continue;
            }
            last = Some(key);
            new += match set.as_deref_mut() {
                Some(set) => u32::from(set.insert((slot, key))),
                None => 1,
            };
        }
        V::add_distinct(acc, new);
    }
}

/// Counts the distinct keys of a range whose customers each met their keys
/// in non-decreasing order (as in transactions sorted by date) with one
/// pass and the last key per slot, and adds them (new to `set` when kept).
/// Gives false, having changed no accumulator and no set, as soon as a key
/// goes backwards: the caller sorts instead.
fn ordered<V: Visit>(
    keys: &[(u32, V::Key)],
    base: u32,
    accs: &mut [V::Acc],
    set: Option<&mut PairSet<V::Key>>,
    counts: &mut Vec<u32>,
    lasts: &mut Vec<V::Key>,
) -> bool {
    counts.clear();
    counts.resize(accs.len(), 0);
    lasts.clear();
    lasts.resize(accs.len(), V::Key::default());
    for &(local, key) in keys {
        let (Some(count), Some(last)) = (
            counts.get_mut(local as usize),
            lasts.get_mut(local as usize),
        ) else {
            continue;
        };
        if *count > 0 {
            if key < *last {
                return false;
            }
            if key == *last {
                continue;
            }
        }
        *count += 1;
        *last = key;
    }
    if let Some(set) = set {
        // The keys rise: now count those new to the set (which also knows
        // the earlier batches' keys, and drops a repeat here).
        set.reserve(keys.len());
        counts.iter_mut().for_each(|c| *c = 0);
        for &(local, key) in keys {
            if let Some(count) = counts.get_mut(local as usize) {
                *count += u32::from(set.insert((base + local, key)));
            }
        }
    }
    for (acc, &n) in accs.iter_mut().zip(counts.iter()) {
        if n > 0 {
            V::add_distinct(acc, n);
        }
    }
    true
}
