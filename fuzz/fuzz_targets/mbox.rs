//! The mbox splitter and the header-block check: no input may panic, and the messages
//! never hold more bytes than the file.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let messages = mapi::mbox::messages(data.to_vec());
    let total: usize = messages.iter().map(Vec::len).sum();
    assert!(total <= data.len());
    for m in &messages {
        let _ = mapi::mbox::check_header_block(m);
    }
});
