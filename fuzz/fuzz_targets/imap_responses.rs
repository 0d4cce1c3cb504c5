//! The IMAP response stream as the provider reads it: framing (lines, literals, sizes),
//! classification, FETCH / LIST / STATUS parsing. No input may panic; the bounds hold.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mapi_provider_internet::imap::{Limits, replay};

fuzz_target!(|data: &[u8]| {
    // small bounds, so that the fuzzer reaches them
    let limits = Limits {
        line: 4096,
        literal: 64 << 10,
        response: 128 << 10,
        ..Limits::new(Duration::from_secs(5))
    };
    let (_, _) = replay(data, limits);
    let (_, _) = replay(data, Limits::new(Duration::from_secs(5)));
});
