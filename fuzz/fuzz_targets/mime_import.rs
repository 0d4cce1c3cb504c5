//! Messages to import, to properties: `mapi-mime`'s mapping (the one both stores use),
//! its import check and header-only summary, and the local store's wrapper over it.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mapi_mime::{MessageParser, MessageProps};

fuzz_target!(|data: &[u8]| {
    let parser = MessageParser::new();
    let _ = mapi_mime::import(&parser, data);
    let _ = mapi_provider_local::mime::parse(&parser, data, 0);
    let _ = mapi_mime::header_fields(data);
    let props = MessageProps::map(&parser, data);
    assert_eq!(
        format!("{}{}", props.subject_prefix(), props.normalized_subject()),
        props.fields.subject,
        "prefix + normalized subject is the subject"
    );
    assert!(props.header_block.len() <= data.len());
    let _ = props.into_row(Some(1));
});
