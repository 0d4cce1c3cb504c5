//! Decoding never allocates more than the input justifies: a counting allocator measures
//! the peak of each decode against the input's length.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use common::*;
use mapi_proto::*;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Peak bytes allocated while decoding `input` (beyond what was live before).
fn peak_of(input: &[u8]) -> usize {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let result = Message::decode(input);
    let peak = PEAK.load(Relaxed) - before;
    drop(result);
    peak
}

/// What any input may cost: a fixed allowance for speculative capacity (one list's first
/// 1024 slots) plus a small multiple of the input.
fn budget(len: usize) -> usize {
    64 * 1024 + 16 * len
}

fn le(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

// One test function only: the counters are global, so nothing else may run beside it.
#[test]
fn decode_memory_is_proportional_to_input() {
    let hostile: Vec<Vec<u8>> = vec![
        // Submit whose raw blob claims 16 MiB.
        [&[3u8][..], &le(1), &[9], &[0; 8], &le(MAX_FRAME_LEN)].concat(),
        // Rows claiming a million rows.
        [&[4u8][..], &le(1), &[3], &le(1 << 20)].concat(),
        // One row claiming 65,536 properties.
        [&[4u8][..], &le(1), &[3], &le(1), &le(65_536), &[0; 64]].concat(),
        // A PT_MV_LONG value claiming 65,536 elements.
        [
            &[4u8][..],
            &le(1),
            &[3],
            &le(1),
            &le(1),
            &le(0x8000_1003),
            &[0x03, 0x10],
            &le(65_536),
        ]
        .concat(),
        // A PT_MV_NULL value claiming 65,536 (zero-byte) elements.
        [
            &[4u8][..],
            &le(1),
            &[3],
            &le(1),
            &le(1),
            &le(0x8000_1001),
            &[0x01, 0x10],
            &le(65_536),
        ]
        .concat(),
        // Sessions claiming a million entries; a settings answer claiming a million pairs.
        [&[4u8][..], &le(1), &[5], &le(1 << 20), &[0; 40]].concat(),
        [
            &[3u8][..],
            &le(1),
            &[14],
            &[0; 8],
            &[4],
            &le(1 << 20),
            &[0; 16],
        ]
        .concat(),
    ];
    for input in &hostile {
        assert!(Message::decode(input).is_err());
        let peak = peak_of(input);
        assert!(
            peak <= budget(input.len()),
            "{peak} bytes for a {}-byte input {input:?}",
            input.len()
        );
    }

    let seeds: Vec<Vec<u8>> = messages().iter().map(Message::encode).collect();
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    for _ in 0..5_000 {
        let mut b = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(3) {
            if b.len() >= 4 && rng.below(2) == 0 {
                let i = rng.below(b.len() - 3);
                let v = [0xFFFFu32, 0x1_0000, 1 << 20, u32::MAX][rng.below(4)];
                b[i..i + 4].copy_from_slice(&v.to_le_bytes());
            } else if !b.is_empty() {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
        }
        let peak = peak_of(&b);
        assert!(peak <= budget(b.len()), "{peak} bytes for {b:?}");
    }
}
