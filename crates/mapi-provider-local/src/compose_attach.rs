//! The MIME of attachments, for the RFC 5322 form [`crate::compose`] builds of an unsent
//! message, and of embedded messages.
//!
//! An `ATTACH_BY_VALUE` attachment is a part with `Content-Disposition: attachment`,
//! the file name (PR_ATTACH_LONG_FILENAME, else PR_ATTACH_FILENAME, else
//! PR_DISPLAY_NAME, else `attachment-N`), PR_ATTACH_MIME_TAG as its content type
//! (`application/octet-stream` without one) and PR_ATTACH_CONTENT_ID as Content-ID.
//! An `ATTACH_EMBEDDED_MSG` one is a `message/rfc822` part holding the embedded
//! message's RFC 5322 form as it is (7bit or 8bit, never re-encoded, as RFC 2046
//! §5.2.1 asks). Attachments without data (`NO_ATTACHMENT`) are left out.
//!
//! [`embedded_mime`] builds an embedded message's form from its properties and
//! recipients: PR_SUBJECT; From from PR_SENT_REPRESENTING_*, else PR_SENDER_*; To and
//! Cc from the MAPI_TO / MAPI_CC recipients (Bcc from MAPI_BCC ones: an embedded
//! message is not sent, so its Bcc is kept); PR_BODY, PR_HTML; PR_CLIENT_SUBMIT_TIME as
//! Date; PR_INTERNET_MESSAGE_ID; PR_IN_REPLY_TO_ID.

use std::borrow::Cow;

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::mime::{BodyPart, MimePart};
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG};
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO};
use mapi_types::tags::*;
use mapi_types::{PropTag, PropValue, Row};

use crate::attach::Part;
use crate::props::{Held, PropSet};
use crate::recipients::base_type;

/// Adds the attachments of an unsent message to its MIME form.
pub fn with_attachments<'x>(mut b: MessageBuilder<'x>, parts: &'x [Part]) -> MessageBuilder<'x> {
    for (i, part) in parts.iter().enumerate() {
        let name = part
            .file_name
            .clone()
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        let mime = match part.method {
            ATTACH_BY_VALUE => {
                let ct = part
                    .mime_tag
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".into());
                let mut p = MimePart::new(ct, BodyPart::Binary(Cow::Borrowed(&part.data)));
                if let Some(cid) = &part.content_id {
                    p = p.cid(cid.clone());
                }
                p.attachment(name)
            }
            ATTACH_EMBEDDED_MSG if !part.data.is_empty() => {
                let encoding = if part.data.is_ascii() { "7bit" } else { "8bit" };
                MimePart::new(
                    "message/rfc822",
                    BodyPart::Binary(Cow::Borrowed(&part.data)),
                )
                .attachment(name)
                .transfer_encoding(encoding)
            }
            _ => continue,
        };
        b.attachments.get_or_insert_with(Vec::new).push(mime);
    }
    b
}

/// Why an embedded message could not be built.
pub enum EmbeddedError {
    /// Reading a value written through a stream.
    Io(std::io::Error),
    /// Building the MIME.
    Mime(String),
}

fn text(props: &PropSet, tag: PropTag) -> Result<Option<String>, EmbeddedError> {
    Ok(match props.get(tag.id()).map(|(_, h)| h) {
        Some(Held::Value(PropValue::Unicode(s) | PropValue::String8(s))) => Some(s.clone()),
        Some(Held::Value(PropValue::Binary(b))) => Some(String::from_utf8_lossy(b).into_owned()),
        Some(Held::Staged(s)) => {
            Some(String::from_utf8_lossy(&s.read_small().map_err(EmbeddedError::Io)?).into_owned())
        }
        _ => None,
    })
}

fn bare_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

fn list(l: &[(Option<String>, String)]) -> Address<'_> {
    Address::new_list(
        l.iter()
            .map(|(n, a)| Address::new_address(n.as_deref(), a.as_str()))
            .collect(),
    )
}

/// An embedded message's RFC 5322 form from its properties and recipient rows.
pub fn embedded_mime(props: &PropSet, recipients: &[Row]) -> Result<Vec<u8>, EmbeddedError> {
    let get = |tag| text(props, tag).map(Option::unwrap_or_default);
    let subject = get(PR_SUBJECT)?;
    let body = get(PR_BODY)?;
    let html = text(props, PR_HTML)?;
    let (rep_name, rep_email) = (
        get(PR_SENT_REPRESENTING_NAME)?,
        get(PR_SENT_REPRESENTING_EMAIL_ADDRESS)?,
    );
    let (sender_name, sender_email) = (get(PR_SENDER_NAME)?, get(PR_SENDER_EMAIL_ADDRESS)?);
    let message_id = text(props, PR_INTERNET_MESSAGE_ID)?;
    let in_reply_to = text(props, PR_IN_REPLY_TO_ID)?;
    let lists: Vec<Vec<(Option<String>, String)>> = [MAPI_TO, MAPI_CC, MAPI_BCC]
        .into_iter()
        .map(|kind| {
            recipients
                .iter()
                .filter(|r| base_type(r) == Some(kind))
                .filter_map(|r| {
                    let email = r.str(PR_EMAIL_ADDRESS)?.trim();
                    if !email.contains('@') {
                        return None;
                    }
                    let name = r
                        .str(PR_DISPLAY_NAME)
                        .map(str::trim)
                        .filter(|n| !n.is_empty() && *n != email)
                        .map(str::to_string);
                    Some((name, email.to_string()))
                })
                .collect()
        })
        .collect();
    let mut b = MessageBuilder::new()
        .subject(subject.as_str())
        .text_body(body.as_str());
    let (name, email) = if rep_email.contains('@') {
        (&rep_name, &rep_email)
    } else {
        (&sender_name, &sender_email)
    };
    if email.contains('@') {
        b = b.from(Address::new_address(
            (!name.is_empty()).then_some(name.as_str()),
            email.as_str(),
        ));
    }
    if !lists[0].is_empty() {
        b = b.to(list(&lists[0]));
    }
    if !lists[1].is_empty() {
        b = b.cc(list(&lists[1]));
    }
    if !lists[2].is_empty() {
        b = b.bcc(list(&lists[2]));
    }
    if let Some(html) = &html {
        b = b.html_body(html.as_str());
    }
    if let Some(id) = message_id.as_deref().map(bare_id).filter(|i| !i.is_empty()) {
        b = b.message_id(id);
    }
    if let Some(r) = in_reply_to
        .as_deref()
        .map(bare_id)
        .filter(|r| !r.is_empty())
    {
        b = b.in_reply_to(r);
    }
    if let Some((_, Held::Value(PropValue::SysTime(t)))) = props.get(PR_CLIENT_SUBMIT_TIME.id()) {
        b = b.date(mapi_types::unix_from_filetime(*t));
    }
    b.write_to_vec()
        .map_err(|e| EmbeddedError::Mime(format!("cannot build the embedded message: {e}")))
}
