//! SMTP replies to a whole submission, read the way the transport reads them.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mapi_provider_internet::smtp::replay(data);
});
