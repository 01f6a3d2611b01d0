//! The parts of grouping that the folds share: rows scattered into
//! partitions ([`scatter`]), the key columns as the history's partitioned
//! walk reads them, and the prefetch hint.

mod access;
mod partitioned;
#[cfg(test)]
mod tests;

pub(crate) use access::{prefix, DistinctAccess, DistinctBy, DistinctStr, KeyAccess};
pub(crate) use partitioned::{partition_of, scatter, scatter_counted, KeyHasher, PARTS};

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
