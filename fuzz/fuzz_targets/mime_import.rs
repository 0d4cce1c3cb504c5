//! Messages to import, to properties: the local store's MIME parse, and the IMAP
//! cache's summary and full property row.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mail_parser::MessageParser;
use mapi_provider_internet::{cache::MessageRow, props};

fuzz_target!(|data: &[u8]| {
    let _ = mapi_provider_local::mime::parse(&MessageParser::new(), data, 0);
    let s = props::summarize(data);
    let row = MessageRow {
        id: 1,
        folder_id: 1,
        uidvalidity: 1,
        uid: 1,
        seen: false,
        size: data.len() as i64,
        delivery_time: s.date,
        subject: s.subject,
        sender_name: s.sender_name,
        sender_email: s.sender_email,
        display_to: s.display_to,
        message_id: s.message_id,
    };
    let _ = props::full_message(&[7; 16], &row, data);
});
