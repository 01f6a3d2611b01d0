//! Integer ids in dense ranges: an id's slot by array, with the ids
//! outside the ranges hashed. An ungrouped state has one range; a grouped
//! one (few groups) a range per group, each row looking in its group's.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use crate::group::prefetch;

use super::shards::{Hashed, Source};

/// Rows between a slot's prefetch and its read.
const AHEAD: usize = 16;

/// Integer ids in a dense range: the slot of id `base + i` at `slots[i]`
/// (`EMPTY` when unseen). Most integer ids are numbered densely, and an
/// array look-up is several times cheaper per row than a hash probe; the
/// ids that fall outside the range go to the hash shards, and a look-up tries
/// both, so each id lives in exactly one of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dense {
    pub(super) base: i64,
    pub(super) slots: Vec<u32>,
    /// Ids numbered in the range (how dense it must stay is measured by them).
    pub(super) held: u64,
}

pub(crate) const EMPTY: u32 = u32::MAX;
/// The range is at most this many times the customers (and batch rows) it
/// serves, or `DENSE_FLOOR` slots: sparse ids stay in the hash shards.
const DENSE_FACTOR: u64 = 4;
const DENSE_FLOOR: u64 = 1 << 16;
const DENSE_CEILING: u64 = 1 << 30;

impl Dense {
    /// Widens the range to `lo..=hi` when that stays dense enough for
    /// `n` ids; false when it would not (the range is then unchanged).
    pub(super) fn cover(&mut self, lo: i64, hi: i64, n: u64) -> bool {
        if lo > hi {
            return false;
        }
        let (new_lo, new_hi) = if self.slots.is_empty() {
            (lo, hi)
        } else {
            let top = self.base.saturating_add(self.slots.len() as i64 - 1);
            (lo.min(self.base), hi.max(top))
        };
        let span = (new_hi as i128 - new_lo as i128 + 1) as u128;
        let limit = (n.saturating_mul(DENSE_FACTOR)).clamp(DENSE_FLOOR, DENSE_CEILING);
        if span > u128::from(limit) {
            return false;
        }
        if self.slots.is_empty() {
            self.base = new_lo;
            self.slots = vec![EMPTY; span as usize];
            return true;
        }
        if new_lo < self.base {
            let shift = (self.base - new_lo) as usize;
            let mut wider = vec![EMPTY; span as usize];
            wider[shift..shift + self.slots.len()].copy_from_slice(&self.slots);
            self.slots = wider;
            self.base = new_lo;
        } else {
            self.slots.resize(span as usize, EMPTY);
        }
        true
    }

    /// The index of `id` in the range.
    #[inline]
    pub(super) fn index(&self, id: i64) -> Option<usize> {
        let i = id.wrapping_sub(self.base) as u64;
        (id >= self.base && i < self.slots.len() as u64).then_some(i as usize)
    }
}

/// The slots of integer ids `v`, row `i` looking in the range
/// `ranges[which(i)]`: each range widened when that stays dense, the ids in
/// them looked up in parallel and the new ones numbered range by range in
/// id order (`numbered`, when given, gets each new id's range); the ids
/// outside go to the hashed shards (as `src` keys them), numbered after.
pub(super) fn dense_slots<S: Source<Owned = i64>, W: Fn(usize) -> usize + Sync>(
    ranges: &mut [Dense],
    hashed: &mut Hashed,
    v: &[i64],
    which: &W,
    src: &S,
    seen: &mut Vec<i64>,
    mut numbered: Option<&mut Vec<u32>>,
) -> Vec<u32> {
    for (r, (lo, hi, n)) in spans(v, which, ranges.len()).into_iter().enumerate() {
        if let (Some(range), true) = (ranges.get_mut(r), n > 0) {
            let held = range.held;
            range.cover(lo, hi, held + n);
        }
    }
    // An id can sit in a range and still be hashed (the range grew past it
    // later): look there before calling it new.
    let hashed_any = hashed.len() > 0;
    let in_range = |range: &Dense, hashed: &Hashed, i: usize, x: usize| match range
        .slots
        .get(x)
        .copied()
        .unwrap_or(EMPTY)
    {
        EMPTY if hashed_any => hashed.get(src, i).unwrap_or(EMPTY),
        s => s,
    };
    // Each thread marks the new ids of its part of the rows in bitsets of
    // its own (a shared mark array bounced its lines between the caches).
    let parts = rayon::current_num_threads().clamp(1, v.len().div_ceil(1 << 16).max(1));
    let part_len = v.len().div_ceil(parts).max(1);
    let (marks, outside): (Vec<Vec<Vec<u64>>>, Vec<usize>) = {
        let (ranges, hashed): (&[Dense], &Hashed) = (ranges, hashed);
        v.par_chunks(part_len)
            .enumerate()
            .map(|(p, part)| {
                let mut bits: Vec<Vec<u64>> = ranges
                    .iter()
                    .map(|r| vec![0u64; r.slots.len().div_ceil(64)])
                    .collect();
                let mut outside = 0;
                for (k, &id) in part.iter().enumerate() {
                    let i = p * part_len + k;
                    match locate(ranges, which, i, id) {
                        None => outside += 1,
                        Some((r, range, x)) => {
                            // Without hashed ids, whether a marked id is new
                            // is asked once per id when numbering, not per row.
                            let new = !hashed_any || in_range(range, hashed, i, x) == EMPTY;
                            if let (true, Some(w)) =
                                (new, bits.get_mut(r).and_then(|b| b.get_mut(x / 64)))
                            {
                                *w |= 1 << (x % 64);
                            }
                        }
                    }
                }
                (bits, outside)
            })
            .unzip()
    };
    let outside: usize = outside.into_iter().sum();
    // The common first batch: one range, fresh, every id in it, and each of
    // its ids present. Then slot = index, and the look-up is arithmetic.
    let identity = ranges.len() == 1 && seen.is_empty() && !hashed_any && outside == 0;
    let mut identity = identity.then_some(0usize);
    for (r, range) in ranges.iter_mut().enumerate() {
        let words = range.slots.len().div_ceil(64);
        let fresh: Vec<u64> = (0..words)
            .into_par_iter()
            .with_min_len(1 << 12)
            .map(|w| {
                marks
                    .iter()
                    .filter_map(|m| m.get(r).and_then(|b| b.get(w)))
                    .fold(0, |a, &b| a | b)
            })
            .collect();
        for (w, &word) in fresh.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let x = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let Some(s) = range.slots.get_mut(x).filter(|s| **s == EMPTY) {
                    identity = identity.filter(|&k| k == x).map(|k| k + 1);
                    *s = seen.len() as u32;
                    seen.push(range.base + x as i64);
                    range.held += 1;
                    if let Some(n) = numbered.as_deref_mut() {
                        n.push(r as u32);
                    }
                }
            }
        }
    }
    drop(marks);
    if let (Some(count), [range]) = (identity, &*ranges) {
        if count == range.slots.len() {
            let base = range.base;
            return v
                .par_iter()
                .with_min_len(1 << 14)
                .map(|&id| id.wrapping_sub(base) as u32)
                .collect();
        }
    }
    let mut away: Vec<AtomicU32> = Vec::new();
    if outside > 0 {
        away = (0..v.len()).map(|_| AtomicU32::new(EMPTY)).collect();
        let ranges: &[Dense] = ranges;
        let is_outside = |i: usize| {
            v.get(i)
                .is_some_and(|&id| locate(ranges, which, i, id).is_none())
        };
        hashed.slots(src, seen, is_outside, &away);
    }
    let (ranges, hashed): (&[Dense], &Hashed) = (ranges, hashed);
    let slot_of = |i: usize, id: i64| match locate(ranges, which, i, id) {
        Some((_, range, x)) => in_range(range, hashed, i, x),
        None => away.get(i).map_or(EMPTY, |a| a.load(Ordering::Relaxed)),
    };
    (0..v.len())
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|i| {
            // The slot a few rows ahead is a cache miss: ask for it early.
            let ahead = v
                .get(i + AHEAD)
                .and_then(|&a| locate(ranges, which, i + AHEAD, a));
            if let Some(s) = ahead.and_then(|(_, range, x)| range.slots.get(x)) {
                prefetch(s);
            }
            v.get(i).map_or(EMPTY, |&id| slot_of(i, id))
        })
        .collect()
}

/// Row `i`'s range, the range, and the id's index in it (`None` outside).
#[inline]
fn locate<'a, W: Fn(usize) -> usize>(
    ranges: &'a [Dense],
    which: &W,
    i: usize,
    id: i64,
) -> Option<(usize, &'a Dense, usize)> {
    let r = which(i);
    let range = ranges.get(r)?;
    Some((r, range, range.index(id)?))
}

/// Each range's smallest and largest id and its rows.
fn spans<W: Fn(usize) -> usize + Sync>(v: &[i64], which: &W, n: usize) -> Vec<(i64, i64, u64)> {
    let empty = || vec![(i64::MAX, i64::MIN, 0u64); n];
    v.par_iter()
        .enumerate()
        .with_min_len(1 << 16)
        .fold(empty, |mut acc, (i, &id)| {
            if let Some(s) = acc.get_mut(which(i)) {
                *s = (s.0.min(id), s.1.max(id), s.2 + 1);
            }
            acc
        })
        .reduce(empty, |mut a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                *x = (x.0.min(y.0), x.1.max(y.1), x.2 + y.2);
            }
            a
        })
}
