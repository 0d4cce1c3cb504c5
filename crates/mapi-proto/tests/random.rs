//! Bounded randomized robustness: 100k random and mutated inputs never make the decoder
//! panic, and whatever decodes re-encodes to something that decodes to the same message.

mod common;

use common::*;
use mapi_proto::*;

const ROUNDS: usize = 100_000;

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            1 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
            2 if !b.is_empty() => {
                let i = rng.below(b.len());
                b.truncate(i);
            }
            3 => {
                let i = rng.below(b.len() + 1);
                b.insert(i, rng.next() as u8);
            }
            4 if b.len() >= 4 => {
                // Overwrite a u32 with an interesting length.
                let i = rng.below(b.len() - 3);
                let v = [0u32, 1, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, u32::MAX][rng.below(6)];
                b[i..i + 4].copy_from_slice(&v.to_le_bytes());
            }
            _ => {
                let n = rng.below(8);
                for _ in 0..n {
                    b.push(rng.next() as u8);
                }
            }
        }
    }
    b
}

fn check(bytes: &[u8]) -> bool {
    match Message::decode(bytes) {
        Ok(msg) => {
            let again = msg.encode();
            let back = Message::decode(&again).expect("a decoded message re-encodes validly");
            // NaN floats make values unequal to themselves; compare encodings instead.
            assert_eq!(back.encode(), again);
            true
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            false
        }
    }
}

#[test]
fn decode_never_panics_on_random_and_mutated_input() {
    let seeds: Vec<Vec<u8>> = messages().iter().map(Message::encode).collect();
    let mut rng = Rng(0x0DDC_0FFE_E0DD_F00D);
    let (mut ok, mut bad) = (0usize, 0usize);
    for i in 0..ROUNDS {
        let input = if i % 4 == 0 {
            let n = rng.below(64);
            let mut b: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            if let Some(first) = b.first_mut() {
                *first = 1 + (*first % 5);
            }
            b
        } else {
            let seed = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, seed)
        };
        if check(&input) {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    // Both paths must really be exercised.
    assert!(ok > 1_000, "only {ok} inputs decoded");
    assert!(bad > 1_000, "only {bad} inputs failed");
}

#[test]
fn frame_decoder_never_panics_on_random_streams() {
    let mut rng = Rng(0xFEED_FACE_CAFE_BEEF);
    for _ in 0..2_000 {
        let mut d = FrameDecoder::new();
        for _ in 0..rng.below(16) {
            let mut chunk: Vec<u8> = (0..rng.below(32)).map(|_| rng.next() as u8).collect();
            if rng.below(2) == 0 && chunk.len() >= 4 {
                chunk[..4].copy_from_slice(&(rng.below(64) as u32).to_le_bytes());
            }
            d.push(&chunk);
            while let Ok(Some(frame)) = d.next_frame() {
                let _ = Message::decode(&frame);
            }
        }
        let _ = d.finish();
    }
}
