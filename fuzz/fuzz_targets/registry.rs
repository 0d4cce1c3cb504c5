//! The service registry parsers: the same text as an INF file and as a TOML file.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = mapi_profile::registry::parse_inf(&text, "fuzz.inf");
    let _ = mapi_profile::registry::parse_toml(&text, "fuzz.toml");
});
