//! The customers of a state: ids numbered by slot, and the map back from
//! id to slot. A batch's look-ups run in parallel, and its new ids are
//! numbered in an order that depends only on the rows.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::keys::{hash_bytes, hash_u64, KeyColumn, SortedKeys, StrBuffer};

use super::shards::{Hashed, Ints};

/// The hasher of the states' maps and sets: the crate's integer and byte
/// hashes (SipHash, std's default, is several times slower per row), each
/// write mixed into what came before so that tuples hash all their parts.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct StateHasher(u64);

impl Hasher for StateHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_u64(self.0.rotate_left(5) ^ hash_bytes(bytes));
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = hash_u64(self.0.rotate_left(5) ^ x);
    }
    fn write_i64(&mut self, x: i64) {
        self.write_u64(x as u64);
    }
    fn write_i32(&mut self, x: i32) {
        self.write_u64(u64::from(x as u32));
    }
    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }
    // A byte string's length is part of hash_bytes already.
    fn write_usize(&mut self, _: usize) {}
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<StateHasher>>;
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<StateHasher>>;

/// Ids seen so far, by slot.
#[derive(Debug, Clone)]
pub enum Ids {
    I64(Vec<i64>),
    U64(Vec<u64>),
    Str(Vec<Box<[u8]>>),
}

/// Integer ids in a dense range: the slot of id `base + i` at `slots[i]`
/// (`EMPTY` when unseen). Most integer ids are numbered densely, and an
/// array look-up is several times cheaper per row than a hash probe; the
/// ids that fall outside the range go to the hash shards, and a look-up tries
/// both, so each id lives in exactly one of them.
#[derive(Debug, Clone, Default)]
struct Dense {
    base: i64,
    slots: Vec<u32>,
}

pub(super) const EMPTY: u32 = u32::MAX;
/// The range is at most this many times the customers (and batch rows) it
/// serves, or `DENSE_FLOOR` slots: sparse ids stay in the hash shards.
const DENSE_FACTOR: u64 = 4;
const DENSE_FLOOR: u64 = 1 << 16;
const DENSE_CEILING: u64 = 1 << 30;

impl Dense {
    /// Widens the range to `lo..=hi` when that stays dense enough for
    /// `n` ids; false when it would not (the range is then unchanged).
    fn cover(&mut self, lo: i64, hi: i64, n: u64) -> bool {
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
    fn index(&self, id: i64) -> Option<usize> {
        let i = id.wrapping_sub(self.base) as u64;
        (id >= self.base && i < self.slots.len() as u64).then_some(i as usize)
    }
}

/// The ids of a state and the slot of each: integer ids in the dense
/// range by array, the others hashed (see [`Hashed`]).
#[derive(Debug, Clone, Default)]
pub struct KeyMap {
    pub(crate) ids: Option<Ids>,
    /// The group code of each slot (grouped states only, whose ids are all
    /// hashed as (group, id)).
    pub(crate) group_of: Vec<u32>,
    dense: Dense,
    pub(super) hashed: Hashed,
}

impl KeyMap {
    /// The map of saved ids, slot `i` for the `i`-th (`None` when an id
    /// appears twice).
    pub(crate) fn from_ids(ids: Option<Ids>) -> Option<KeyMap> {
        let mut map = KeyMap::default();
        match &ids {
            None => {}
            Some(Ids::I64(v)) => {
                let (lo, hi) = crate::rfm::min_max(v, |&x| i128::from(x));
                if !v.is_empty() {
                    map.dense.cover(lo as i64, hi as i64, v.len() as u64);
                }
                let src = Ints(v.as_slice());
                for (i, &id) in v.iter().enumerate() {
                    match map.dense.index(id).and_then(|x| map.dense.slots.get_mut(x)) {
                        Some(s) if *s != EMPTY => return None,
                        Some(s) => *s = i as u32,
                        None if map.hashed.add(&src, i, i as u32) => {}
                        None => return None,
                    }
                }
            }
            Some(Ids::U64(v)) => {
                let src = Ints(v.as_slice());
                let added = (0..v.len()).all(|i| map.hashed.add(&src, i, i as u32));
                if !added {
                    return None;
                }
            }
            Some(Ids::Str(v)) => {
                let buf = buffer(v);
                let col = buf.column();
                let added = (0..v.len()).all(|i| map.hashed.add(&col, i, i as u32));
                if !added {
                    return None;
                }
            }
        }
        map.ids = ids;
        Some(map)
    }

    /// Customers.
    pub(crate) fn len(&self) -> usize {
        match &self.ids {
            None => 0,
            Some(Ids::I64(v)) => v.len(),
            Some(Ids::U64(v)) => v.len(),
            Some(Ids::Str(v)) => v.len(),
        }
    }

    /// Ids of another kind than the ones seen are an error.
    pub(crate) fn check_kind(&self, ids: &KeyColumn, column: &str) -> Result<()> {
        let same = matches!(
            (&self.ids, ids),
            (None, _)
                | (Some(Ids::I64(_)), KeyColumn::I64(_))
                | (Some(Ids::U64(_)), KeyColumn::U64(_))
                | (Some(Ids::Str(_)), KeyColumn::Str(_))
        );
        if same {
            return Ok(());
        }
        Err(Error::Type {
            column: column.into(),
            message: "the ids of this batch are of another kind (integers, unsigned integers \
                      or text) than the earlier batches'"
                .into(),
        })
    }

    /// The slot of every id of `ids`, new ids added (the caller has
    /// checked the kind). New ids in the dense range are numbered in id
    /// order, then the new hashed ones (see [`Hashed::slots`]).
    pub(crate) fn slots(&mut self, ids: &KeyColumn) -> Vec<u32> {
        let KeyMap {
            ids: seen,
            dense,
            hashed,
            ..
        } = self;
        let atomics = || -> Vec<AtomicU32> {
            (0..ids.len())
                .into_par_iter()
                .with_min_len(1 << 16)
                .map(|_| AtomicU32::new(EMPTY))
                .collect()
        };
        let out = match ids {
            KeyColumn::I64(v) => {
                let Ids::I64(seen) = seen.get_or_insert(Ids::I64(Vec::new())) else {
                    return Vec::new();
                };
                return dense_slots(dense, hashed, v, seen);
            }
            KeyColumn::U64(v) => {
                let Ids::U64(seen) = seen.get_or_insert(Ids::U64(Vec::new())) else {
                    return Vec::new();
                };
                let out = atomics();
                hashed.slots(&Ints(v), seen, |_| true, &out);
                out
            }
            KeyColumn::Str(col) => {
                let Ids::Str(seen) = seen.get_or_insert(Ids::Str(Vec::new())) else {
                    return Vec::new();
                };
                let out = atomics();
                hashed.slots(col, seen, |_| true, &out);
                out
            }
        };
        out.into_iter().map(AtomicU32::into_inner).collect()
    }

    /// The slots here of another map's slots (its ids added here), or an
    /// error when the kinds differ.
    pub(crate) fn absorb(&mut self, other: &KeyMap) -> Result<Vec<u32>> {
        let kinds = |what| {
            Error::option(
                "merge",
                format!("the states' ids are of different kinds{what}"),
            )
        };
        match &other.ids {
            None => Ok(Vec::new()),
            Some(Ids::I64(v)) => {
                let col = KeyColumn::I64(v);
                self.check_kind(&col, "").map_err(|_| kinds(""))?;
                Ok(self.slots(&col))
            }
            Some(Ids::U64(v)) => {
                let col = KeyColumn::U64(v);
                self.check_kind(&col, "").map_err(|_| kinds(""))?;
                Ok(self.slots(&col))
            }
            Some(Ids::Str(v)) => {
                let buf = buffer(v);
                let col = KeyColumn::Str(buf.column());
                self.check_kind(&col, "").map_err(|_| kinds(""))?;
                Ok(self.slots(&col))
            }
        }
    }

    /// The slots in id order, and the sorted ids (of the kind seen, or
    /// `empty`'s when none was).
    pub(crate) fn sorted(&self) -> (Vec<u32>, SortedKeys) {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        match &self.ids {
            Some(Ids::I64(v)) if self.hashed.len() == 0 && !v.is_empty() => {
                // Every id is in the dense range: its order is the id order.
                let order: Vec<u32> = self
                    .dense
                    .slots
                    .iter()
                    .copied()
                    .filter(|&s| s != EMPTY)
                    .collect();
                let keys = order.iter().map(|&s| v[s as usize]).collect();
                (order, SortedKeys::I64(keys))
            }
            Some(Ids::I64(v)) => {
                order.par_sort_unstable_by_key(|&s| v[s as usize]);
                let keys = order.iter().map(|&s| v[s as usize]).collect();
                (order, SortedKeys::I64(keys))
            }
            Some(Ids::U64(v)) => {
                order.par_sort_unstable_by_key(|&s| v[s as usize]);
                let keys = order.iter().map(|&s| v[s as usize]).collect();
                (order, SortedKeys::U64(keys))
            }
            Some(Ids::Str(v)) => {
                order.par_sort_unstable_by(|&a, &b| v[a as usize].cmp(&v[b as usize]));
                let mut buf = StrBuffer::with_capacity(order.len());
                order.iter().for_each(|&s| buf.push(&v[s as usize]));
                (order, SortedKeys::Str(buf))
            }
            None => (order, SortedKeys::I64(Vec::new())),
        }
    }
}

/// The slots of integer ids: the range widened when that stays dense, the
/// ids in it looked up in parallel and the new ones numbered in id order;
/// the ids outside go to the hashed shards.
fn dense_slots(dense: &mut Dense, hashed: &mut Hashed, v: &[i64], seen: &mut Vec<i64>) -> Vec<u32> {
    let (lo, hi) = crate::rfm::min_max(v, |&x| i128::from(x));
    if !v.is_empty() {
        dense.cover(lo as i64, hi as i64, seen.len() as u64 + v.len() as u64);
    }
    let src = Ints(v);
    // An id can sit in the range and still be hashed (the range grew past
    // it later): look there before calling it new.
    let hashed_any = hashed.len() > 0;
    let in_range = |dense: &Dense, hashed: &Hashed, i: usize, x: usize| match dense
        .slots
        .get(x)
        .copied()
        .unwrap_or(EMPTY)
    {
        EMPTY if hashed_any => hashed.get(&src, i).unwrap_or(EMPTY),
        s => s,
    };
    let fresh: Vec<AtomicU8> = (0..dense.slots.len())
        .into_par_iter()
        .with_min_len(1 << 16)
        .map(|_| AtomicU8::new(0))
        .collect();
    let outside: usize = {
        let (dense, hashed): (&Dense, &Hashed) = (dense, hashed);
        v.par_iter()
            .enumerate()
            .with_min_len(1 << 14)
            .map(|(i, &id)| match dense.index(id) {
                None => 1,
                Some(x) => {
                    if let (EMPTY, Some(f)) = (in_range(dense, hashed, i, x), fresh.get(x)) {
                        f.store(1, Ordering::Relaxed);
                    }
                    0
                }
            })
            .sum()
    };
    for (x, f) in fresh.iter().enumerate() {
        if f.load(Ordering::Relaxed) == 1 {
            if let Some(s) = dense.slots.get_mut(x) {
                *s = seen.len() as u32;
                seen.push(dense.base + x as i64);
            }
        }
    }
    drop(fresh);
    let mut away: Vec<AtomicU32> = Vec::new();
    if outside > 0 {
        away = (0..v.len()).map(|_| AtomicU32::new(EMPTY)).collect();
        let is_outside = |i: usize| v.get(i).is_some_and(|&id| dense.index(id).is_none());
        hashed.slots(&src, seen, is_outside, &away);
    }
    let (dense, hashed): (&Dense, &Hashed) = (dense, hashed);
    v.par_iter()
        .enumerate()
        .with_min_len(1 << 14)
        .map(|(i, &id)| match dense.index(id) {
            Some(x) => in_range(dense, hashed, i, x),
            None => away.get(i).map_or(EMPTY, |a| a.load(Ordering::Relaxed)),
        })
        .collect()
}

/// Strings in one Arrow-layout buffer.
pub(crate) fn buffer(v: &[Box<[u8]>]) -> StrBuffer {
    let mut b = StrBuffer::with_capacity(v.len());
    v.iter().for_each(|s| b.push(s));
    b
}
