//! The set of (customer, period) pairs that counts distinct periods.

/// A set of (customer, period) pairs: open addressing with linear probing
/// over a power-of-two table, reused from partition to partition.
#[derive(Debug, Default)]
pub(super) struct PairSet {
    slots: Vec<u64>,
    mask: usize,
}

impl PairSet {
    /// No pair is `EMPTY`: a pair's customer half is below 2^32 - 1.
    const EMPTY: u64 = u64::MAX;

    /// Empties the set and sizes it for `n` insertions (at most half full).
    pub(super) fn reset(&mut self, n: usize) {
        let cap = (2 * n).next_power_of_two().max(16);
        if self.slots.len() < cap || self.slots.len() > 4 * cap {
            self.slots = vec![Self::EMPTY; cap];
        } else {
            self.slots.iter_mut().for_each(|s| *s = Self::EMPTY);
        }
        self.mask = self.slots.len() - 1;
    }

    /// Hints that `pair`'s bucket will be probed soon.
    #[inline]
    pub(super) fn prefetch(&self, pair: u64) {
        let i = (pair.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask;
        crate::group::prefetch(&self.slots[i]);
    }

    /// Inserts `pair`; returns whether it was new.
    #[inline]
    pub(super) fn insert(&mut self, pair: u64) -> bool {
        let mut i = (pair.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s == pair {
                return false;
            }
            if s == Self::EMPTY {
                self.slots[i] = pair;
                return true;
            }
            i = (i + 1) & self.mask;
        }
    }
}
