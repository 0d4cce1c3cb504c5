//! Fuzzes `Message::decode` and the frame decoder: no input may panic, and anything that
//! decodes must re-encode to bytes that decode to the same encoding.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mapi_proto::{FrameDecoder, Message};

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::decode(data) {
        let again = msg.encode();
        let back = Message::decode(&again).expect("a decoded message re-encodes validly");
        assert_eq!(back.encode(), again);
    }
    // The same bytes as a stream, cut where the first byte says.
    let cut = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let mut frames = FrameDecoder::new();
    frames.push(&data[..cut]);
    frames.push(&data[cut..]);
    while let Ok(Some(frame)) = frames.next_frame() {
        let _ = Message::decode(&frame);
    }
    let _ = frames.finish();
});
