//! The MIME of attachments, for the RFC 5322 form [`crate::compose`] builds of an unsent
//! message, and of embedded messages.
//!
//! An `ATTACH_BY_VALUE` attachment is a base64 part with `Content-Disposition: attachment`,
//! the file name (PR_ATTACH_LONG_FILENAME, else PR_ATTACH_FILENAME, else
//! PR_DISPLAY_NAME, else `attachment-N`), PR_ATTACH_MIME_TAG as its content type
//! (`application/octet-stream` without one) and PR_ATTACH_CONTENT_ID as Content-ID.
//! An `ATTACH_EMBEDDED_MSG` one is a `message/rfc822` part holding the embedded
//! message's RFC 5322 form as it is (7bit or 8bit, never re-encoded, as RFC 2046
//! §5.2.1 asks). Attachments without data (`NO_ATTACHMENT`) are left out. A large
//! attachment's data is never in memory whole: the form is built with a placeholder for
//! it, then written into the database with the placeholder replaced by base64 text
//! encoded a chunk at a time ([`store_raw`]).
//!
//! [`embedded_mime`] builds an embedded message's form from its properties and
//! recipients: PR_SUBJECT; From from PR_SENT_REPRESENTING_*, else PR_SENDER_*; To and
//! Cc from the MAPI_TO / MAPI_CC recipients (Bcc from MAPI_BCC ones: an embedded
//! message is not sent, so its Bcc is kept); PR_BODY, PR_HTML; PR_CLIENT_SUBMIT_TIME as
//! Date; PR_INTERNET_MESSAGE_ID; PR_IN_REPLY_TO_ID.

use std::borrow::Cow;
use std::io::Write;

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mail_builder::mime::{BodyPart, MimePart};
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG};
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO};
use mapi_types::tags::*;
use mapi_types::{PropTag, PropValue, Row};

use mail_builder::encoders::base64::base64_encode_mime;
use rusqlite::{Connection, MAIN_DB, params};

use crate::attach::{Part, PartData, for_each_chunk};
use crate::compose::BuildError;
use crate::props::{Held, PropSet};
use crate::recipients::base_type;

/// A by-value attachment whose data stays in the database while the MIME form is
/// built: the part holds `marker` in place of its base64 text until [`store_raw`].
pub struct Large {
    marker: String,
    row: i64,
    tag: PropTag,
    len: u64,
}

/// Bytes of input per base64 line (76 characters, then CRLF).
const LINE_INPUT: usize = 57;

/// The size of `n` bytes in mail-builder's MIME base64 (76-character lines with CRLF).
fn base64_len(n: u64) -> u64 {
    let rem = n % LINE_INPUT as u64;
    n / LINE_INPUT as u64 * 78 + if rem > 0 { rem.div_ceil(3) * 4 + 2 } else { 0 }
}

/// Adds the attachments of unsent message `id` to its MIME form. A by-value
/// attachment kept in chunks becomes a [`Large`]: a placeholder `store_raw` replaces
/// with its base64 text, a chunk at a time.
pub fn with_attachments<'x>(
    mut b: MessageBuilder<'x>,
    parts: &'x [Part],
    id: i64,
) -> (MessageBuilder<'x>, Vec<Large>) {
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        ^ (id as u64).rotate_left(32);
    let mut large = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let name = part
            .file_name
            .clone()
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        let mime = match (part.method, &part.data) {
            (ATTACH_BY_VALUE, data) => {
                let ct = part
                    .mime_tag
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".into());
                let mut p = match data {
                    PartData::Bytes(bytes) => {
                        MimePart::new(ct, BodyPart::Binary(Cow::Borrowed(bytes)))
                    }
                    PartData::Chunks(row, tag, len) => {
                        let marker = format!("=_mapi-attachment-{nonce:016x}-{i}_=");
                        large.push(Large {
                            marker: marker.clone(),
                            row: *row,
                            tag: *tag,
                            len: *len,
                        });
                        MimePart::new(ct, BodyPart::Text(Cow::Owned(marker)))
                            .transfer_encoding("base64")
                    }
                };
                if let Some(cid) = &part.content_id {
                    p = p.cid(cid.clone());
                }
                p.attachment(name)
            }
            (ATTACH_EMBEDDED_MSG, PartData::Bytes(data)) if !data.is_empty() => {
                let encoding = if data.is_ascii() { "7bit" } else { "8bit" };
                MimePart::new("message/rfc822", BodyPart::Binary(Cow::Borrowed(data)))
                    .attachment(name)
                    .transfer_encoding(encoding)
            }
            _ => continue,
        };
        b.attachments.get_or_insert_with(Vec::new).push(mime);
    }
    (b, large)
}

/// Stores `raw`, the MIME form of message `id`, as its `raw` column and size, each
/// [`Large`] placeholder replaced by its attachment's base64 text, encoded from the
/// attachment's chunks one at a time and written through SQLite's blob I/O (the form
/// is never whole in memory).
pub fn store_raw(
    conn: &Connection,
    id: i64,
    raw: &[u8],
    large: &[Large],
) -> Result<(), BuildError> {
    let mut at = Vec::with_capacity(large.len());
    let mut from = 0;
    for l in large {
        let m = l.marker.as_bytes();
        let pos = raw[from..]
            .windows(m.len())
            .position(|w| w == m)
            .map(|p| p + from)
            .ok_or_else(|| {
                BuildError::Mime("an attachment's place in the MIME form is lost".into())
            })?;
        at.push(pos);
        from = pos + m.len();
    }
    let total = large.iter().fold(raw.len() as u64, |t, l| {
        t - l.marker.len() as u64 + base64_len(l.len)
    });
    conn.prepare_cached("UPDATE messages SET raw = zeroblob(?1), size = ?1 WHERE id = ?2")?
        .execute(params![total as i64, id])?;
    let mut blob = conn.blob_open(MAIN_DB, c"messages", c"raw", id, false)?;
    let mut from = 0;
    let mut out = Vec::new();
    for (l, pos) in large.iter().zip(at) {
        blob.write_all(&raw[from..pos]).map_err(BuildError::Io)?;
        from = pos + l.marker.len();
        let mut carry: Vec<u8> = Vec::new();
        let mut written = 0u64;
        for_each_chunk(conn, l.row, l.tag, |chunk: &[u8]| {
            carry.extend_from_slice(chunk);
            let whole = carry.len() / LINE_INPUT * LINE_INPUT;
            out.clear();
            base64_encode_mime(&carry[..whole], &mut out, false).map_err(BuildError::Io)?;
            blob.write_all(&out).map_err(BuildError::Io)?;
            written += out.len() as u64;
            carry.drain(..whole);
            Ok::<(), BuildError>(())
        })?;
        out.clear();
        base64_encode_mime(&carry, &mut out, false).map_err(BuildError::Io)?;
        blob.write_all(&out).map_err(BuildError::Io)?;
        written += out.len() as u64;
        if written != base64_len(l.len) {
            return Err(BuildError::Mime(format!(
                "an attachment's data has {written} bytes of base64 where {} were expected",
                base64_len(l.len)
            )));
        }
    }
    blob.write_all(&raw[from..]).map_err(BuildError::Io)?;
    Ok(())
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
