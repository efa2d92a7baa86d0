//! The wasm allocator: power-of-two size classes, one free list per class, fresh blocks
//! bumped from `memory.grow`.
//!
//! Why not std's dlmalloc: it was 7 KB of the module, and this workload (buffers that
//! double, strings per request, one chunk batch per network read) reuses the same few sizes
//! over and over, which a free list per size class serves in O(1) with no searching or
//! coalescing. The cost is up to 2× rounding per block and no merging of neighbours; wasm
//! memory never shrinks anyway. Single-threaded: wasm32-unknown-unknown without atomics.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65536;
/// Smallest block: room for the free-list link and a typical small string.
const MIN_CLASS: u32 = 4; // 16 bytes
/// Blocks are aligned to their size up to this; larger alignments are refused.
const MAX_ALIGN: usize = 4096;

struct State {
    /// Free-list heads, indexed by log2(block size).
    free: [*mut u8; 32],
    /// The unused tail of the last region taken from memory.grow.
    next: usize,
    end: usize,
}

pub struct SizeClassAlloc(UnsafeCell<State>);

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
unsafe impl Sync for SizeClassAlloc {}

impl SizeClassAlloc {
    pub const fn new() -> Self {
        SizeClassAlloc(UnsafeCell::new(State {
            free: [null_mut(); 32],
            next: 0,
            end: 0,
        }))
    }
}

impl Default for SizeClassAlloc {
    fn default() -> Self {
        Self::new()
    }
}

/// log2 of the block that serves `layout`, or None if it cannot be served.
fn class_of(layout: &Layout) -> Option<u32> {
    if layout.align() > MAX_ALIGN {
        return None;
    }
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    let block = size.checked_next_power_of_two()?;
    let class = block.trailing_zeros();
    (class < 32).then_some(class)
}

impl State {
    unsafe fn alloc_class(&mut self, class: u32) -> *mut u8 {
        let head = self.free[class as usize];
        if !head.is_null() {
            // The first word of a free block links to the next one.
            self.free[class as usize] = unsafe { *(head as *mut *mut u8) };
            return head;
        }
        // None of this size free: split a larger free block (its upper halves go to the lists
        // in between) before taking fresh memory, so blocks a grown buffer left behind serve
        // smaller requests.
        for k in class + 1..32 {
            let big = self.free[k as usize];
            if !big.is_null() {
                self.free[k as usize] = unsafe { *(big as *mut *mut u8) };
                for j in class..k {
                    unsafe { self.free_class(big.add(1usize << j), j) };
                }
                return big;
            }
        }
        let size = 1usize << class;
        let align = size.min(MAX_ALIGN);
        let mut start = (self.next + align - 1) & !(align - 1);
        if start < self.next || start.checked_add(size).map_or(true, |e| e > self.end) {
            // A new region: at least 1 MiB (16 pages) to keep memory.grow calls rare.
            let need = size + align;
            let pages = need.div_ceil(PAGE).max(16);
            let prev = core::arch::wasm32::memory_grow(0, pages);
            if prev == usize::MAX {
                return null_mut();
            }
            let base = prev * PAGE;
            // Contiguous with the old tail when nothing else grew memory in between.
            if base != self.end {
                self.next = base;
            }
            self.end = base + pages * PAGE;
            start = (self.next + align - 1) & !(align - 1);
        }
        self.next = start + size;
        start as *mut u8
    }

    unsafe fn free_class(&mut self, ptr: *mut u8, class: u32) {
        if ptr as usize + (1usize << class) == self.next {
            // The newest block: hand it back to the bump region, so a buffer that keeps
            // doubling (a long answer's text) does not leave its old sizes stranded.
            self.next = ptr as usize;
            return;
        }
        unsafe { *(ptr as *mut *mut u8) = self.free[class as usize] };
        self.free[class as usize] = ptr;
    }

    /// Grows the newest block where it lies, if the bump region has room and the block's
    /// address suits the larger class's alignment.
    fn grow_in_place(&mut self, ptr: *mut u8, old: u32, new: u32) -> bool {
        let (at, new_size) = (ptr as usize, 1usize << new);
        let fits = at + (1usize << old) == self.next
            && at % new_size.min(MAX_ALIGN) == 0
            && at.checked_add(new_size).is_some_and(|e| e <= self.end);
        if fits {
            self.next = at + new_size;
        }
        fits
    }
}

unsafe impl GlobalAlloc for SizeClassAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(&layout) {
            // SAFETY: single-threaded; no other borrow of the state is live.
            Some(c) => unsafe { (*self.0.get()).alloc_class(c) },
            None => null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(c) = class_of(&layout) {
            unsafe { (*self.0.get()).free_class(ptr, c) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return null_mut();
        };
        let (Some(old), Some(new)) = (class_of(&layout), class_of(&new_layout)) else {
            return null_mut();
        };
        if old == new {
            // Still fits its block: growing a Vec inside its class costs nothing.
            return ptr;
        }
        // SAFETY: single-threaded; no other borrow of the state is live.
        if new > old && unsafe { (*self.0.get()).grow_in_place(ptr, old, new) } {
            return ptr;
        }
        let fresh = unsafe { self.alloc(new_layout) };
        if !fresh.is_null() {
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, fresh, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        fresh
    }
}

#[global_allocator]
static ALLOC: SizeClassAlloc = SizeClassAlloc::new();
