//! RFC 5322 / MIME parsing (with `mail-parser`) into the columns the store keeps.

use std::borrow::Cow;

use mail_parser::{Address, MessageParser, PartType};

/// `MSGFLAG_HASATTACH`.
pub const MSGFLAG_HASATTACH: i32 = 0x10;

/// The properties of one parsed message. The body text borrows from the message's
/// bytes when it is stored there as is.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed<'a> {
    /// Subject (encoded words decoded).
    pub subject: String,
    /// Display name of the first From address (its address when it has no name).
    pub sender_name: String,
    /// Address of the first From address.
    pub sender_email: String,
    /// The To recipients for display, `; `-separated.
    pub display_to: String,
    /// The Cc recipients for display, `; `-separated.
    pub display_cc: String,
    /// Delivery time (FILETIME): the Date header, or `now` without one.
    pub delivery_time: u64,
    /// Submit time (FILETIME) from the Date header.
    pub submit_time: Option<u64>,
    /// The Message-ID, with angle brackets.
    pub message_id: Option<String>,
    /// Whether the message has attachments.
    pub has_attach: bool,
    /// The text body (HTML converted to text when there is no text part).
    pub body: Cow<'a, str>,
}

/// Parses one message. `now` (FILETIME) is the delivery time of a message without a
/// Date header. Refuses input that does not start with a header field.
pub fn parse<'a>(parser: &MessageParser, raw: &'a [u8], now: u64) -> Result<Parsed<'a>, String> {
    check_first_field(raw)?;
    let mut msg = parser
        .parse(raw)
        .ok_or_else(|| "mail-parser could not read it".to_string())?;
    if msg.headers().is_empty() {
        return Err("it has no header fields".into());
    }
    let (sender_name, sender_email) = msg
        .from()
        .and_then(Address::first)
        .map(|a| {
            let email = a.address().unwrap_or_default().to_string();
            let name = a
                .name()
                .map(str::to_string)
                .unwrap_or_else(|| email.clone());
            (name, email)
        })
        .unwrap_or_default();
    let submit_time = msg
        .date()
        .map(|d| mapi_types::filetime_from_unix(d.to_timestamp()));
    // a text part is taken as it is (borrowed from `raw` when not transfer-encoded);
    // HTML is converted to text
    let text_part = msg.text_body.first().map(|&i| i as usize);
    let body = match text_part.and_then(|i| msg.parts.get_mut(i)) {
        Some(part) if matches!(part.body, PartType::Text(_)) => {
            match std::mem::replace(&mut part.body, PartType::Text(Cow::Borrowed(""))) {
                PartType::Text(t) => t,
                _ => Cow::Borrowed(""),
            }
        }
        _ => Cow::Owned(msg.body_text(0).map(|b| b.into_owned()).unwrap_or_default()),
    };
    Ok(Parsed {
        subject: msg.subject().unwrap_or_default().to_string(),
        sender_name,
        sender_email,
        display_to: display_list(msg.to()),
        display_cc: display_list(msg.cc()),
        delivery_time: submit_time.unwrap_or(now),
        submit_time,
        message_id: msg.message_id().map(|id| format!("<{id}>")),
        has_attach: msg.attachment_count() > 0,
        body,
    })
}

/// RFC 5322 §2.2: a message starts with a header field, `name:` where the name is
/// printable ASCII other than `:`.
fn check_first_field(raw: &[u8]) -> Result<(), String> {
    if raw.is_empty() {
        return Err("it is empty".into());
    }
    let name_len = raw
        .iter()
        .take_while(|&&b| (33..=126).contains(&b) && b != b':')
        .count();
    if name_len == 0 || raw.get(name_len) != Some(&b':') {
        return Err("it does not start with a header field".into());
    }
    Ok(())
}

fn display_list(addr: Option<&Address<'_>>) -> String {
    let Some(addr) = addr else {
        return String::new();
    };
    let mut out = String::new();
    for a in addr.iter() {
        let shown = a.name().or(a.address()).unwrap_or_default();
        if shown.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(shown);
    }
    out
}

/// The header block of a raw message (up to the first empty line), as text.
pub fn header_block(raw: &[u8]) -> String {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 2)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 1))
        .unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end]).into_owned()
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
