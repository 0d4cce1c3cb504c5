//! The stored columns of an imported message, from `mapi-mime`'s mapping (the one every
//! store uses).

use std::borrow::Cow;

use mapi_mime::MessageParser;
use mapi_mime::MessageProps;

/// `MSGFLAG_HASATTACH`.
pub const MSGFLAG_HASATTACH: i32 = 0x10;

/// The properties of one parsed message that the store keeps in columns. The body text
/// borrows from the message's bytes when it is stored there as is.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed<'a> {
    /// PR_SUBJECT.
    pub subject: String,
    /// PR_SENDER_NAME (empty without a sender).
    pub sender_name: String,
    /// PR_SENDER_EMAIL_ADDRESS (empty without a sender).
    pub sender_email: String,
    /// PR_DISPLAY_TO.
    pub display_to: String,
    /// PR_DISPLAY_CC.
    pub display_cc: String,
    /// Delivery time (FILETIME): the Date header, or `now` without one.
    pub delivery_time: u64,
    /// PR_CLIENT_SUBMIT_TIME (FILETIME) from the Date header.
    pub submit_time: Option<u64>,
    /// PR_INTERNET_MESSAGE_ID, with angle brackets.
    pub message_id: Option<String>,
    /// PR_HASATTACH.
    pub has_attach: bool,
    /// PR_BODY.
    pub body: Cow<'a, str>,
}

/// Parses one message to import. `now` (FILETIME) is the delivery time of a message
/// without a Date header. Refuses input that is not a message (see [`mapi_mime::import`]).
pub fn parse<'a>(parser: &MessageParser, raw: &'a [u8], now: u64) -> Result<Parsed<'a>, String> {
    let MessageProps {
        fields,
        body,
        has_attach,
        ..
    } = mapi_mime::import(parser, raw).map_err(|e| e.to_string())?;
    let (sender_name, sender_email) = fields.sender.map(|m| (m.name, m.email)).unwrap_or_default();
    Ok(Parsed {
        subject: fields.subject,
        sender_name,
        sender_email,
        display_to: fields.display_to,
        display_cc: fields.display_cc,
        delivery_time: fields.submit_time.unwrap_or(now),
        submit_time: fields.submit_time,
        message_id: fields.message_id,
        has_attach,
        body,
    })
}

/// The header block of a raw message (up to the first empty line), as text.
pub fn header_block(raw: &[u8]) -> String {
    String::from_utf8_lossy(mapi_mime::header_block(raw)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_refuses_non_messages() {
        let parser = MessageParser::new();
        let raw = b"From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>, carl@example.org\r\n\
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
Message-ID: <x1@example.org>\r\n\r\nHello\r\n";
        let p = parse(&parser, raw, 0).unwrap();
        assert_eq!(p.subject, "Grüße");
        assert_eq!(
            (p.sender_name.as_str(), p.sender_email.as_str()),
            ("Ann", "ann@example.org")
        );
        assert_eq!(p.display_to, "Bob; carl@example.org");
        assert_eq!(
            p.delivery_time,
            mapi_types::filetime_from_unix(1_700_000_000)
        );
        assert_eq!(p.message_id.as_deref(), Some("<x1@example.org>"));
        assert_eq!(p.body.trim_end(), "Hello");
        assert!(parse(&parser, b"", 0).is_err());
        assert!(parse(&parser, b"\x00\x01garbage", 0).is_err());
        assert!(parse(&parser, b"just a line of text\r\n", 0).is_err());
        let no_date = parse(&parser, b"Subject: x\r\n\r\nbody", 77).unwrap();
        assert_eq!((no_date.delivery_time, no_date.submit_time), (77, None));
        assert_eq!(header_block(raw).lines().count(), 5);
    }
}
