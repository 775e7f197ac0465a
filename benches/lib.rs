//! The benchmarks of slack-calls: the `[[bench]]` targets of this crate
//! (`compare`, `micro`, `pages`, `scale`, `pacing`, `events`, `stream`,
//! `installs`, `rotation`, `metrics`) and the build-cost scripts beside
//! them. This library holds what more than one bench uses: [`Counting`],
//! the allocator that measures memory.
//! See BENCHMARKS.md for the commands and the figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

/// An allocator that counts the live heap bytes of the whole process and
/// its allocations, and hands every call to `System` unchanged. A bench
/// that measures memory makes it its global allocator:
///
/// ```ignore
/// #[global_allocator]
/// static ALLOCATOR: slack_calls_benches::Counting = slack_calls_benches::Counting;
/// ```
pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

fn bytes(size: usize) -> isize {
    isize::try_from(size).unwrap_or(isize::MAX)
}

/// The heap bytes live now (counted only while [`Counting`] is the global
/// allocator).
pub fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// How many allocations (and reallocations) the process has made.
pub fn allocations() -> usize {
    ALLOCS.load(Ordering::Relaxed)
}

// SAFETY: every method hands the call to `System` unchanged and only
// counts the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(bytes(layout.size()), Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(bytes(layout.size()), Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(bytes(layout.size()), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(bytes(new_size) - bytes(layout.size()), Ordering::Relaxed);
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }
}
