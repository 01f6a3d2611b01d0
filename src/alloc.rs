//! The extension's allocator: the system's, with large blocks asked to be
//! backed by huge pages.
//!
//! The engine's big arrays (the accumulators, the per-thread copies, the
//! slots, the scattered records) are read at random, a row at a time. With
//! 4 KiB pages each of those reads also misses the TLB, and filling a fresh
//! 64 MB array costs sixteen thousand page faults. Linux backs anonymous
//! memory with 2 MiB pages only where the program asks (`madvise`, the
//! usual "transparent huge pages" setting), and Rust's allocator never asks.
//! NumPy asks for its own arrays; this allocator asks for the extension's.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks at least this large are advised. glibc gives a block of 128 KiB
/// or more a mapping of its own, and raises that bar (up to 32 MiB) each
/// time it frees such a block, so a large block may also come from malloc's
/// heap; an advice there only changes how those heap pages are backed.
const LARGE: usize = 4 << 20;
const HUGE_PAGE: usize = 2 << 20;
/// `MADV_HUGEPAGE` in Linux's `<asm-generic/mman-common.h>`.
const MADV_HUGEPAGE: i32 = 14;

extern "C" {
    fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
}

/// The system allocator; see the module's notes.
pub(crate) struct HugePages;

/// Asks for huge pages over the whole 2 MiB pages inside `len` bytes at `p`
/// (an advice only: a refusal changes nothing, so its result is ignored).
fn advise(p: *mut u8, len: usize) {
    if p.is_null() || len < LARGE {
        return;
    }
    let start = (p as usize).next_multiple_of(HUGE_PAGE);
    let end = (p as usize + len) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: the range lies inside a block this allocator just handed
        // out, and MADV_HUGEPAGE changes how its pages are backed, never
        // their contents.
        unsafe {
            madvise(start as *mut std::ffi::c_void, end - start, MADV_HUGEPAGE);
        }
    }
}

// SAFETY: every call is passed on to `System` unchanged; the advice only
// touches memory of the block returned.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        System.dealloc(p, layout);
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = System.realloc(p, layout, new_size);
        advise(q, new_size);
        q
    }
}
