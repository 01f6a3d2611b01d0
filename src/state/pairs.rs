//! The distinct (customer, key) pairs of a state, one set per range of
//! slots: the range a slot belongs to never changes, so a parallel fold
//! hands each thread its ranges' sets, and merges and saves walk them in
//! range order.

use std::hash::Hash;

use super::keys::FastSet;

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
    ranges: Vec<FastSet<(u32, K)>>,
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
            self.ranges.resize_with(r + 1, FastSet::default);
        }
        self.ranges[r].insert((slot, key))
    }

    /// The sets of the first `n` ranges (added when missing).
    pub(crate) fn ranges_mut(&mut self, n: usize) -> &mut [FastSet<(u32, K)>] {
        if self.ranges.len() < n {
            self.ranges.resize_with(n, FastSet::default);
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
