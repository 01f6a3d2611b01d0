//! The distinct (customer, key) pairs of a state, one set per range of
//! slots: the range a slot belongs to never changes, so a parallel fold
//! hands each thread its ranges' sets, and merges and saves walk them in
//! range order.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The hasher of the pair sets: a pair's halves packed into one word (a
/// (slot, period) pair is its 64 bits) and mixed once by a folded
/// multiply, the cheapest hash whose high and low bits are both good.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PairHasher(u64);

const MIX: u128 = 0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835;

impl Hasher for PairHasher {
    #[inline]
    fn finish(&self) -> u64 {
        let m = u128::from(self.0).wrapping_mul(MIX);
        (m as u64) ^ ((m >> 64) as u64)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    #[inline]
    fn write_u32(&mut self, x: u32) {
        self.0 = self.0.rotate_left(32) ^ u64::from(x);
    }
    #[inline]
    fn write_i32(&mut self, x: i32) {
        self.write_u32(x as u32);
    }
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(32).wrapping_mul(MIX as u64)) ^ x;
    }
    #[inline]
    fn write_i64(&mut self, x: i64) {
        self.write_u64(x as u64);
    }
}

/// The pairs of one range of slots.
pub(crate) type PairSet<K> = HashSet<(u32, K), BuildHasherDefault<PairHasher>>;

/// Slots per range: a range's accumulators (64 bytes each) stay in the cache.
pub(crate) const RANGE_BITS: u32 = 12;

/// The range of a slot.
#[inline]
pub(crate) fn range_of(slot: u32) -> usize {
    (slot >> RANGE_BITS) as usize
}

/// (slot, key) pairs, kept per range of slots.
#[derive(Debug, Clone)]
pub(crate) struct Pairs<K> {
    ranges: Vec<PairSet<K>>,
}

impl<K> Default for Pairs<K> {
    fn default() -> Self {
        Pairs { ranges: Vec::new() }
    }
}

impl<K: Hash + Eq + Copy> Pairs<K> {
    /// Adds a pair; whether it was new.
    #[inline]
    pub(crate) fn insert(&mut self, slot: u32, key: K) -> bool {
        let r = range_of(slot);
        if r >= self.ranges.len() {
            self.ranges.resize_with(r + 1, PairSet::default);
        }
        self.ranges[r].insert((slot, key))
    }

    /// The sets of the first `n` ranges (added when missing).
    pub(crate) fn ranges_mut(&mut self, n: usize) -> &mut [PairSet<K>] {
        if self.ranges.len() < n {
            self.ranges.resize_with(n, PairSet::default);
        }
        &mut self.ranges[..n]
    }

    /// Every pair, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, K)> + '_ {
        self.ranges.iter().flat_map(|s| s.iter().copied())
    }
}

impl<K: Hash + Eq + Copy> FromIterator<(u32, K)> for Pairs<K> {
    fn from_iter<I: IntoIterator<Item = (u32, K)>>(iter: I) -> Self {
        let mut p = Pairs::default();
        for (s, k) in iter {
            p.insert(s, k);
        }
        p
    }
}
