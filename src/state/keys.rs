//! The customers of a state: ids numbered by slot, and the map back from
//! id to slot. A batch's look-ups run in parallel, and its new ids are
//! numbered in an order that depends only on the rows.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::AtomicU32;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::group::prefix;
use crate::keys::{hash_bytes, hash_u64, KeyColumn, SortedKeys, StrBuffer};

pub(super) use super::dense::EMPTY;
use super::dense::{dense_slots, Dense};
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

/// Ids seen so far, by slot.
#[derive(Debug, Clone)]
pub enum Ids {
    I64(Vec<i64>),
    U64(Vec<u64>),
    Str(Vec<Box<[u8]>>),
}

impl Ids {
    pub(crate) fn len(&self) -> usize {
        match self {
            Ids::I64(v) => v.len(),
            Ids::U64(v) => v.len(),
            Ids::Str(v) => v.len(),
        }
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
    /// A grouped state's dense ranges, one per group (few groups only).
    pub(super) dense_groups: Vec<Dense>,
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
                map.dense.held = (v.len() - map.hashed.len()) as u64;
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
        self.ids.as_ref().map_or(0, Ids::len)
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
        let atomics = || unset_slots(ids.len());
        let out = match ids {
            KeyColumn::I64(v) => {
                let Ids::I64(seen) = seen.get_or_insert(Ids::I64(Vec::new())) else {
                    return Vec::new();
                };
                return dense_slots(
                    std::slice::from_mut(dense),
                    hashed,
                    v,
                    &|_| 0,
                    &Ints(v),
                    seen,
                    None,
                );
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
                let order = text_order(v, |_| 0);
                let mut buf = StrBuffer::with_capacity(order.len());
                order.iter().for_each(|&s| buf.push(&v[s as usize]));
                (order, SortedKeys::Str(buf))
            }
            None => (order, SortedKeys::I64(Vec::new())),
        }
    }
}

/// The slots of text ids `v` in (rank, id) order. Each id's first 16
/// bytes, as a big-endian integer, decide most comparisons, so the sort
/// rarely follows a pointer to the bytes (a cache miss each).
pub(super) fn text_order(v: &[Box<[u8]>], rank: impl Fn(u32) -> u32 + Sync) -> Vec<u32> {
    let mut keyed: Vec<(u32, u128, u32)> = (0..v.len() as u32)
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|s| (rank(s), v.get(s as usize).map_or(0, |b| prefix(b)), s))
        .collect();
    keyed.par_sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| v.get(a.2 as usize).cmp(&v.get(b.2 as usize)))
    });
    keyed.into_par_iter().map(|k| k.2).collect()
}

/// A slot per row, none set yet (the look-ups' output).
pub(super) fn unset_slots(n: usize) -> Vec<AtomicU32> {
    (0..n)
        .into_par_iter()
        .with_min_len(1 << 16)
        .map(|_| AtomicU32::new(EMPTY))
        .collect()
}

/// Strings in one Arrow-layout buffer.
pub(crate) fn buffer(v: &[Box<[u8]>]) -> StrBuffer {
    let mut b = StrBuffer::with_capacity(v.len());
    v.iter().for_each(|s| b.push(s));
    b
}
