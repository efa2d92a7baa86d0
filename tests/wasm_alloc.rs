//! The wasm allocator the library ships (talc's, src/lib.rs) under a random workload: sizes
//! from a byte to half a megabyte, alignments up to a page, frees and reallocs in random
//! order. Every live block keeps its own fill pattern; any overlap, lost byte or misalignment
//! shows up as a wrong byte. Runs in Node under wasm-bindgen-test.
#![cfg(target_arch = "wasm32")]

extern crate llm_edge; // links the library, and with it its #[global_allocator]

use std::alloc::{alloc, dealloc, realloc, Layout};
use wasm_bindgen_test::wasm_bindgen_test;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Block {
    ptr: *mut u8,
    layout: Layout,
    fill: u8,
}

fn check(b: &Block) {
    let bytes = unsafe { std::slice::from_raw_parts(b.ptr, b.layout.size()) };
    assert!(
        bytes.iter().all(|&x| x == b.fill),
        "a block lost its contents"
    );
    assert_eq!(b.ptr as usize % b.layout.align(), 0, "misaligned block");
}

#[wasm_bindgen_test]
fn random_alloc_free_realloc_keeps_every_block_intact() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut live: Vec<Block> = Vec::new();
    for step in 0..20_000u32 {
        let op = rng.below(10);
        if op < 5 || live.is_empty() {
            // Mostly small, sometimes large.
            let size = match rng.below(20) {
                0 => 1 + rng.below(500_000),
                1..=3 => 1 + rng.below(20_000),
                _ => 1 + rng.below(300),
            } as usize;
            let align = [1, 2, 4, 8, 16, 64, 4096][rng.below(7) as usize];
            let layout = Layout::from_size_align(size, align).unwrap();
            let ptr = unsafe { alloc(layout) };
            assert!(!ptr.is_null());
            let fill = (step % 251) as u8;
            unsafe { ptr.write_bytes(fill, size) };
            live.push(Block { ptr, layout, fill });
        } else if op < 8 {
            let i = rng.below(live.len() as u64) as usize;
            let b = live.swap_remove(i);
            check(&b);
            unsafe { dealloc(b.ptr, b.layout) };
        } else {
            let i = rng.below(live.len() as u64) as usize;
            let b = &mut live[i];
            check(b);
            let cap = if rng.below(4) == 0 { 200_000 } else { 2_000 };
            let new_size = 1 + rng.below(cap) as usize;
            let ptr = unsafe { realloc(b.ptr, b.layout, new_size) };
            assert!(!ptr.is_null());
            let kept = b.layout.size().min(new_size);
            let bytes = unsafe { std::slice::from_raw_parts(ptr, kept) };
            assert!(bytes.iter().all(|&x| x == b.fill), "realloc lost bytes");
            unsafe { ptr.write_bytes(b.fill, new_size) };
            b.ptr = ptr;
            b.layout = Layout::from_size_align(new_size, b.layout.align()).unwrap();
        }
        if step % 1000 == 0 {
            live.iter().for_each(check);
        }
    }
    live.iter().for_each(check);
    for b in live {
        unsafe { dealloc(b.ptr, b.layout) };
    }
}

#[wasm_bindgen_test]
fn memory_a_dropped_buffer_freed_is_reused_by_the_next() {
    // Doubling a buffer to 8 MB and dropping it, twice: the second round must fit in the
    // memory the first one took.
    let round = || {
        let mut v: Vec<u8> = Vec::new();
        for i in 0..8_000_000u32 {
            v.push(i as u8);
        }
        assert_eq!(v[7_999_999], (7_999_999u32) as u8);
    };
    round();
    let pages = core::arch::wasm32::memory_size(0);
    round();
    assert_eq!(
        core::arch::wasm32::memory_size(0),
        pages,
        "memory grew on the second round"
    );
}

#[wasm_bindgen_test]
fn alignments_above_a_page_are_served_aligned() {
    // The former own allocator refused these; talc serves them.
    let layout = Layout::from_size_align(100, 8192).unwrap();
    let ptr = unsafe { alloc(layout) };
    assert!(!ptr.is_null());
    assert_eq!(ptr as usize % 8192, 0, "misaligned block");
    unsafe { dealloc(ptr, layout) };
}
