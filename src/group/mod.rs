//! Grouping rows by customer and folding them into accumulators.
//!
//! Three strategies, chosen by the data and the frequency rule:
//! - dense (row counting, integer ids whose range is small next to the row
//!   count): the id minus the smallest id indexes an array directly; each
//!   thread owns a range of slots, with the slot of a row a few rows ahead
//!   prefetched. No hashing, no sort: slots are in id order.
//! - hashed (row counting, any other ids): see [`crate::hashed`].
//! - partitioned (distinct orders or days): rows are scattered into 256
//!   partitions by the top bits of a hash of the id, so each customer lives in
//!   one partition; each partition is folded on its own with a small hash map
//!   and sorts its (customer, order or day) pairs to count distinct ones; the
//!   keys are sorted once at the end.

mod access;
mod dense;
mod partitioned;
#[cfg(test)]
mod tests;

use crate::accumulate::Acc;
use crate::keys::SortedKeys;

pub(crate) use access::{DistinctAccess, DistinctBy, DistinctStr, KeyAccess};
pub(crate) use dense::{fold_dense, split_by_owner};
pub(crate) use partitioned::{
    fold_partitioned, partition_of, scatter, sort_partitions, KeyHasher, PARTS,
};

/// Customers in key order with their accumulators.
pub(crate) struct Grouped {
    pub(crate) keys: SortedKeys,
    pub(crate) accs: Vec<Acc>,
}

/// Rows between a prefetch and its use: enough to cover a memory access.
const LOOKAHEAD: usize = 16;

/// Hints the CPU to load `x` into the cache.
#[inline(always)]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint; it never faults and changes no
    // state the program can observe, and `x` is a valid reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
