//! The parts of grouping that the folds share: rows scattered into
//! partitions by a hash of their key ([`scatter`]), the key columns as the
//! partitioned folds of the summary and the history read them, the keys
//! of all partitions sorted once ([`sort_partitions`]), and the prefetch
//! hint.

mod access;
mod partitioned;
#[cfg(test)]
mod tests;

pub(crate) use access::{DistinctAccess, DistinctBy, DistinctStr, KeyAccess};
pub(crate) use partitioned::{partition_of, scatter, sort_partitions, KeyHasher, PARTS};

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
