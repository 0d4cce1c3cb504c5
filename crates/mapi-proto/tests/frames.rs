//! The frame decoder under every chunking of a real message stream.

mod common;

use common::*;
use mapi_proto::*;
use mapi_types::{MapiStatus, Status};

fn stream() -> (Vec<u8>, Vec<Vec<u8>>) {
    let bodies: Vec<Vec<u8>> = messages().iter().map(Message::encode).collect();
    let mut bytes = Vec::new();
    for b in &bodies {
        bytes.extend_from_slice(&encode_frame(b).unwrap());
    }
    (bytes, bodies)
}

fn drain(d: &mut FrameDecoder, out: &mut Vec<Vec<u8>>) {
    while let Some(f) = d.next_frame().unwrap() {
        out.push(f);
    }
}

#[test]
fn byte_by_byte() {
    let (bytes, bodies) = stream();
    let mut d = FrameDecoder::new();
    let mut got = Vec::new();
    for b in &bytes {
        d.push(std::slice::from_ref(b));
        drain(&mut d, &mut got);
    }
    assert_eq!(got, bodies);
    assert_eq!(d.buffered(), 0);
    d.finish().unwrap();
}

#[test]
fn random_chunkings() {
    let (bytes, bodies) = stream();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..300 {
        let mut d = FrameDecoder::new();
        let mut got = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let max = [1, 3, 17, 256, 4096][round % 5];
            let n = 1 + rng.below(max);
            let end = (at + n).min(bytes.len());
            d.push(&bytes[at..end]);
            at = end;
            // Sometimes let several chunks pile up before reading.
            if rng.below(3) != 0 {
                drain(&mut d, &mut got);
            }
        }
        drain(&mut d, &mut got);
        assert_eq!(got, bodies, "round {round}");
        d.finish().unwrap();
    }
}

#[test]
fn a_stream_cut_anywhere_reports_an_incomplete_frame() {
    let (bytes, bodies) = stream();
    let mut boundaries = vec![0];
    for b in &bodies {
        boundaries.push(boundaries.last().unwrap() + 4 + b.len());
    }
    for cut in 0..bytes.len() {
        let mut d = FrameDecoder::new();
        d.push(&bytes[..cut]);
        let mut got = Vec::new();
        drain(&mut d, &mut got);
        if boundaries.contains(&cut) {
            d.finish().unwrap();
        } else {
            let e = d.finish().unwrap_err();
            assert!(matches!(e, ProtoError::IncompleteFrame { .. }), "{e}");
            assert_eq!(e.status(), Status::MAPI_E_CORRUPT_DATA);
        }
    }
}

#[test]
fn oversize_frame_after_good_frames() {
    let mut d = FrameDecoder::new();
    d.push(&encode_frame(b"ok").unwrap());
    d.push(&u32::MAX.to_le_bytes());
    d.push(&[0; 64]);
    assert_eq!(d.next_frame().unwrap(), Some(b"ok".to_vec()));
    let e = d.next_frame().unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_TOO_BIG);
    assert_eq!(
        e,
        ProtoError::FrameTooBig {
            len: u64::from(u32::MAX),
            max: MAX_FRAME_LEN
        }
    );
    assert!(
        e.to_string().starts_with("MAPI_E_TOO_BIG (0x80040305)"),
        "{e}"
    );
    assert_eq!(d.buffered(), 0, "nothing kept after the bad header");
}
