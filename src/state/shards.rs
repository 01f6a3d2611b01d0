//! The hashed ids of a state (text, unsigned and sparse integer ids),
//! sharded by the top bits of their hash. A batch's rows are scattered by
//! shard and each shard looks its rows up on its own thread; the ids new to
//! the state get their slots afterwards, shard by shard and within a shard
//! in the order of their first row, so the numbering depends only on the
//! rows, never on the threads.

use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

use crate::group::{prefetch, scatter};
use crate::keys::{hash_bytes, hash_u64, StrColumn};

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;
/// Rows between a bucket's prefetch and its probe.
const AHEAD: usize = 16;

/// A batch's ids as the shards read them.
pub(crate) trait Source: Sync {
    /// An id as the state keeps it.
    type Owned: Send + Sync;
    fn len(&self) -> usize;
    fn hash(&self, i: usize) -> u64;
    /// Whether row `i`'s id is the `local`-th id of `store`.
    fn is(&self, i: usize, store: &Store, local: usize) -> bool;
    /// Adds row `i`'s id to `store`.
    fn keep(&self, i: usize, store: &mut Store);
    fn own(&self, i: usize) -> Self::Owned;
    /// Hints that row `i`'s id will be read soon; `late`: the second stage
    /// (text: its bytes, once the offsets have arrived).
    fn prefetch(&self, i: usize, late: bool);
}

/// A shard's own copy of its ids, small enough to stay in the cache while
/// its rows are looked up: integers as their bits, text in one buffer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    /// The group code of each id (grouped states only).
    groups: Vec<u32>,
    ints: Vec<u64>,
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Store {
    fn text(&self, local: usize) -> Option<&[u8]> {
        let end = *self.ends.get(local)?;
        let start = match local {
            0 => 0,
            _ => *self.ends.get(local - 1)?,
        };
        self.bytes.get(start..end)
    }
}

pub(crate) struct Ints<'a, T>(pub &'a [T]);

/// Integer ids, signed or not, as 64 bits.
pub(crate) trait IntId: Copy + Default + Eq + Send + Sync {
    fn bits(self) -> u64;
}

impl IntId for i64 {
    fn bits(self) -> u64 {
        self as u64
    }
}

impl IntId for u64 {
    fn bits(self) -> u64 {
        self
    }
}

impl<T: IntId> Source for Ints<'_, T> {
    type Owned = T;
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    fn hash(&self, i: usize) -> u64 {
        self.0.get(i).map_or(0, |&x| hash_u64(x.bits()))
    }
    #[inline]
    fn is(&self, i: usize, store: &Store, local: usize) -> bool {
        self.0.get(i).map(|&x| x.bits()) == store.ints.get(local).copied()
    }
    fn keep(&self, i: usize, store: &mut Store) {
        store.ints.push(self.own(i).bits());
    }
    fn own(&self, i: usize) -> T {
        self.0.get(i).copied().unwrap_or_default()
    }
    #[inline]
    fn prefetch(&self, i: usize, late: bool) {
        if let (false, Some(x)) = (late, self.0.get(i)) {
            prefetch(x);
        }
    }
}

impl Source for StrColumn<'_> {
    type Owned = Box<[u8]>;
    fn len(&self) -> usize {
        StrColumn::len(self)
    }
    #[inline]
    fn hash(&self, i: usize) -> u64 {
        hash_u64(hash_bytes(self.get(i)))
    }
    #[inline]
    fn is(&self, i: usize, store: &Store, local: usize) -> bool {
        store.text(local) == Some(self.get(i))
    }
    fn keep(&self, i: usize, store: &mut Store) {
        store.bytes.extend_from_slice(self.get(i));
        store.ends.push(store.bytes.len());
    }
    fn own(&self, i: usize) -> Box<[u8]> {
        self.get(i).into()
    }
    #[inline]
    fn prefetch(&self, i: usize, late: bool) {
        if i < StrColumn::len(self) {
            match late {
                false => StrColumn::prefetch(self, i),
                true => self.prefetch_bytes(i),
            }
        }
    }
}

/// The ids of a grouped state's batch: (group code, id), each row's code
/// beside its id.
pub(crate) struct Grouped<'a, S> {
    pub codes: &'a [u32],
    pub ids: S,
}

impl<S: Source> Source for Grouped<'_, S> {
    type Owned = S::Owned;
    fn len(&self) -> usize {
        self.ids.len()
    }
    #[inline]
    fn hash(&self, i: usize) -> u64 {
        let code = self.codes.get(i).copied().unwrap_or_default();
        hash_u64(self.ids.hash(i) ^ u64::from(code).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    #[inline]
    fn is(&self, i: usize, store: &Store, local: usize) -> bool {
        self.codes.get(i) == store.groups.get(local) && self.ids.is(i, store, local)
    }
    fn keep(&self, i: usize, store: &mut Store) {
        store
            .groups
            .push(self.codes.get(i).copied().unwrap_or_default());
        self.ids.keep(i, store);
    }
    fn own(&self, i: usize) -> S::Owned {
        self.ids.own(i)
    }
    #[inline]
    fn prefetch(&self, i: usize, late: bool) {
        self.ids.prefetch(i, late);
    }
}

/// A table entry: the low half of the id's hash (what picks its bucket,
/// and a first test of equality) and its index among the shard's ids
/// (`FREE`: no id). Eight bytes, as is each row's record on its way to its
/// shard: the top bits of the hash picked the shard already.
#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u32,
    local: u32,
}

const FREE: u32 = u32::MAX;

impl Default for Entry {
    fn default() -> Self {
        Entry {
            hash: 0,
            local: FREE,
        }
    }
}

/// One shard: its ids (their slots, and a copy of them for comparing),
/// found by open addressing with linear probing, at most half full.
#[derive(Debug, Clone, Default)]
struct Shard {
    entries: Vec<Entry>,
    store: Store,
    /// The slot of each of the shard's ids (`FREE` for those a look-up is
    /// adding, until they are numbered).
    slots: Vec<u32>,
}

impl Shard {
    /// The index of the id hashed `h` that `is` recognises.
    #[inline]
    fn find(&self, h: u32, is: impl Fn(&Store, usize) -> bool) -> Option<usize> {
        let mask = self.entries.len().checked_sub(1)?;
        let mut b = h as usize & mask;
        loop {
            let e = self.entries.get(b)?;
            if e.local == FREE {
                return None;
            }
            if e.hash == h && is(&self.store, e.local as usize) {
                return Some(e.local as usize);
            }
            b = (b + 1) & mask;
        }
    }

    /// Adds row `i`'s id, known to be absent, with this slot.
    fn insert<S: Source>(&mut self, src: &S, i: usize, h: u32, slot: u32) {
        if (self.slots.len() + 1) * 2 > self.entries.len() {
            self.grow();
        }
        let local = self.slots.len() as u32;
        src.keep(i, &mut self.store);
        self.slots.push(slot);
        self.place(h, local);
    }

    fn place(&mut self, h: u32, local: u32) {
        let mask = self.entries.len() - 1;
        let mut b = h as usize & mask;
        while self.entries[b].local != FREE {
            b = (b + 1) & mask;
        }
        self.entries[b] = Entry { hash: h, local };
    }

    fn grow(&mut self) {
        let cap = (self.entries.len() * 2).max(64);
        let old = std::mem::replace(&mut self.entries, vec![Entry::default(); cap]);
        for e in old.into_iter().filter(|e| e.local != FREE) {
            self.place(e.hash, e.local);
        }
    }

    #[inline]
    fn prefetch(&self, h: u32) {
        if let Some(e) = self
            .entries
            .get(h as usize & self.entries.len().wrapping_sub(1))
        {
            prefetch(e);
        }
    }
}

/// A shard's new ids, and the rows that have one (row, index among them).
type Added<T> = (Vec<T>, Vec<(u32, u32)>);

/// The hashed ids: the shards of slots.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hashed {
    shards: Vec<Shard>,
}

#[inline]
fn shard_of(h: u64) -> usize {
    (h >> (64 - SHARD_BITS)) as usize
}

impl Hashed {
    /// Ids held.
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.slots.len()).sum()
    }

    /// The slot of row `i`'s id, if held.
    #[inline]
    pub(crate) fn get<S: Source>(&self, src: &S, i: usize) -> Option<u32> {
        let h = src.hash(i);
        let shard = self.shards.get(shard_of(h))?;
        let local = shard.find(h as u32, |store, l| src.is(i, store, l))?;
        shard.slots.get(local).copied()
    }

    /// Adds row `i`'s id with slot `slot`; false when it is held already.
    pub(crate) fn add<S: Source>(&mut self, src: &S, i: usize, slot: u32) -> bool {
        if self.get(src, i).is_some() {
            return false;
        }
        self.shards.resize_with(SHARDS, Shard::default);
        let h = src.hash(i);
        if let Some(shard) = self.shards.get_mut(shard_of(h)) {
            shard.insert(src, i, h as u32, slot);
        }
        true
    }

    /// Looks up every row that `take` accepts and stores its slot in
    /// `out`, numbering the ids new to the state from `seen.len()` on (and
    /// appending them to `seen`).
    pub(crate) fn slots<S: Source>(
        &mut self,
        src: &S,
        seen: &mut Vec<S::Owned>,
        take: impl Fn(usize) -> bool + Sync,
        out: &[AtomicU32],
    ) {
        self.shards.resize_with(SHARDS, Shard::default);
        let scattered = scatter(src.len(), SHARDS, |i| {
            let rec = take(i).then(|| {
                let h = src.hash(i);
                (shard_of(h), (i as u32, h as u32))
            });
            Ok::<_, std::convert::Infallible>(rec)
        });
        let Ok(scattered) = scattered;
        let added: Vec<Added<S::Owned>> = self
            .shards
            .par_iter_mut()
            .enumerate()
            .map(|(s, shard)| {
                let before = shard.slots.len();
                let mut firsts: Vec<u32> = Vec::new();
                let mut pending: Vec<(u32, u32)> = Vec::new();
                for chunk in &scattered {
                    let recs = chunk.get(s).map_or(&[][..], Vec::as_slice);
                    for (k, &(i, h)) in recs.iter().enumerate() {
                        // The row's id first, then its bytes and its bucket.
                        if let Some(&(j, _)) = recs.get(k + AHEAD) {
                            src.prefetch(j as usize, false);
                        }
                        if let Some(&(j, ahead)) = recs.get(k + AHEAD / 2) {
                            src.prefetch(j as usize, true);
                            shard.prefetch(ahead);
                        }
                        let row = i as usize;
                        match shard.find(h, |store, l| src.is(row, store, l)) {
                            Some(l) if l < before => {
                                if let (Some(o), Some(&slot)) = (out.get(row), shard.slots.get(l)) {
                                    o.store(slot, Ordering::Relaxed);
                                }
                            }
                            Some(l) => pending.push((i, (l - before) as u32)),
                            None => {
                                pending.push((i, firsts.len() as u32));
                                firsts.push(i);
                                shard.insert(src, row, h, FREE);
                            }
                        }
                    }
                }
                let ids = firsts.iter().map(|&f| src.own(f as usize)).collect();
                (ids, pending)
            })
            .collect();
        drop(scattered);
        let mut firsts = Vec::with_capacity(SHARDS);
        let mut pendings = Vec::with_capacity(SHARDS);
        for (ids, pending) in added {
            firsts.push(seen.len() as u32);
            seen.extend(ids);
            pendings.push(pending);
        }
        self.shards
            .par_iter_mut()
            .zip(pendings.par_iter())
            .zip(firsts.par_iter())
            .for_each(|((shard, pending), &first)| {
                let fresh = shard.slots.iter_mut().filter(|s| **s == FREE);
                for (s, next) in fresh.zip(first..) {
                    *s = next;
                }
                for &(i, index) in pending {
                    if let Some(o) = out.get(i as usize) {
                        o.store(first + index, Ordering::Relaxed);
                    }
                }
            });
    }
}
