//! The attachments of a stored message: a list shaped after the attachment table
//! (PR_ATTACH_NUM, PR_ATTACH_LONG_FILENAME, PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE) and the
//! bytes of one. [`list_in`] and [`data_in`] go through the message's attachment table,
//! OpenAttach and a PR_ATTACH_DATA_BIN stream (the same over both links, for any
//! message the store keeps attachments of); [`list`] and [`data`] read an RFC 5322
//! form (PR_ATTACH_NUM from 0 in the order of the parts), for stores without
//! attachment objects.

use mail_parser::{MessageParser, MimeHeaders};

use mapi_types::attach::ATTACH_EMBEDDED_MSG;
use mapi_types::object::{IID_ISTREAM, MAPI_UNICODE};
use mapi_types::tags::*;
use mapi_types::{PropTag, Row, Status};

use crate::link::AnyStore;
use crate::{EngineError, MapiStatus, Object, Stream};

/// One attachment of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// PR_ATTACH_NUM: its position among the message's attachments, from 0.
    pub num: usize,
    /// PR_ATTACH_LONG_FILENAME, when the part names a file.
    pub file_name: Option<String>,
    /// PR_ATTACH_MIME_TAG, e.g. `application/pdf`.
    pub mime_tag: String,
    /// PR_ATTACH_SIZE: bytes once decoded.
    pub size: usize,
    /// ATTACH_EMBEDDED_MSG: the part is itself a message (`message/rfc822`).
    pub embedded_message: bool,
}

fn parse(raw: &[u8]) -> Result<mail_parser::Message<'_>, EngineError> {
    MessageParser::default().parse(raw).ok_or_else(|| {
        EngineError::Status(
            Status::MAPI_E_CORRUPT_DATA,
            "the message is not RFC 5322".into(),
        )
    })
}

fn mime_tag(part: &mail_parser::MessagePart<'_>) -> String {
    part.content_type().map_or_else(
        || "application/octet-stream".to_string(),
        |ct| match ct.subtype() {
            Some(sub) => format!("{}/{sub}", ct.ctype()).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
    )
}

/// The attachments of `raw`, in the order they appear.
pub fn list(raw: &[u8]) -> Result<Vec<AttachmentInfo>, EngineError> {
    let message = parse(raw)?;
    Ok(message
        .attachments()
        .enumerate()
        .map(|(num, part)| AttachmentInfo {
            num,
            file_name: part.attachment_name().map(str::to_string),
            mime_tag: mime_tag(part),
            size: part.contents().len(),
            embedded_message: part.message().is_some(),
        })
        .collect())
}

/// The decoded bytes of attachment `num` of `raw` (for an embedded message, that
/// message as RFC 5322); MAPI_E_NOT_FOUND when the message has no such attachment.
pub fn data(raw: &[u8], num: usize) -> Result<Vec<u8>, EngineError> {
    let message = parse(raw)?;
    let count = message.attachments().count();
    let part = message.attachment(u32::try_from(num).unwrap_or(u32::MAX));
    match part {
        Some(part) if num < count => Ok(part.contents().to_vec()),
        _ => Err(EngineError::NotFound(format!(
            "attachment {num}: the message has {count} attachment{} (numbered from 0)",
            if count == 1 { "" } else { "s" }
        ))),
    }
}

/// The attachments of message `entry` in `store`, from its attachment table (so a
/// message made by CreateMessage and a shared session's store answer the same):
/// PR_ATTACH_NUM, PR_ATTACH_LONG_FILENAME (else PR_ATTACH_FILENAME),
/// PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE and whether PR_ATTACH_METHOD is
/// `ATTACH_EMBEDDED_MSG`. A store without attachment tables (`MAPI_E_NO_SUPPORT`) is
/// read from the message's RFC 5322 form, as [`list`] does.
pub fn list_in(store: &AnyStore, entry: &[u8]) -> Result<Vec<AttachmentInfo>, EngineError> {
    match table_rows(store, entry)? {
        Some((_, rows)) => Ok(rows.iter().map(info_of).collect()),
        None => list(&store.read_raw(entry)?),
    }
}

/// The bytes of one attachment, read piece by piece ([`AttachmentData::read`]).
pub struct AttachmentData(DataSource);

enum DataSource {
    Stream(Stream),
    Bytes(std::io::Cursor<Vec<u8>>),
}

impl AttachmentData {
    /// Up to `buf.len()` bytes; 0 at the end.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, EngineError> {
        match &mut self.0 {
            DataSource::Stream(s) => s.read(buf),
            DataSource::Bytes(c) => Ok(std::io::Read::read(c, buf).unwrap_or(0)),
        }
    }
}

/// The data of attachment `num` (its PR_ATTACH_NUM, as [`list_in`] shows it) of message
/// `entry` in `store`: an attachment by value through OpenAttach and an
/// OpenProperty(PR_ATTACH_DATA_BIN) stream; an embedded message as RFC 5322, taken
/// from the message's MIME form. A number the message does not have is
/// MAPI_E_NOT_FOUND; a store without attachment objects (`MAPI_E_NO_SUPPORT`) is read
/// from the message's RFC 5322 form, as [`data`] does.
pub fn data_in(store: &AnyStore, entry: &[u8], num: usize) -> Result<AttachmentData, EngineError> {
    let Some((msg, rows)) = table_rows(store, entry)? else {
        return bytes(data(&store.read_raw(entry)?, num)?);
    };
    let nums: Vec<usize> = rows.iter().map(|r| info_of(r).num).collect();
    let Some(position) = nums.iter().position(|n| *n == num) else {
        let shown: Vec<String> = nums.iter().map(usize::to_string).collect();
        return Err(EngineError::NotFound(format!(
            "attachment {num}: the message has {} attachment{}{}",
            nums.len(),
            if nums.len() == 1 { "" } else { "s" },
            if nums.is_empty() {
                String::new()
            } else {
                format!(" (numbers {})", shown.join(", "))
            }
        )));
    };
    if info_of(&rows[position]).embedded_message {
        // An embedded message has no PR_ATTACH_DATA_BIN: its RFC 5322 form is the part.
        return bytes(data(&store.read_raw(entry)?, position)?);
    }
    let num = u32::try_from(num).unwrap_or(u32::MAX);
    let att = msg.open_attach(num, 0)?;
    match att.open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, 0) {
        Ok(s) => Ok(AttachmentData(DataSource::Stream(s))),
        // An attachment given no data yet has none.
        Err(e) if e.status() == Status::MAPI_E_NOT_FOUND => bytes(Vec::new()),
        Err(e) => Err(e),
    }
}

fn bytes(b: Vec<u8>) -> Result<AttachmentData, EngineError> {
    Ok(AttachmentData(DataSource::Bytes(std::io::Cursor::new(b))))
}

const COLUMNS: [PropTag; 6] = [
    PR_ATTACH_NUM,
    PR_ATTACH_METHOD,
    PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_FILENAME,
    PR_ATTACH_MIME_TAG,
    PR_ATTACH_SIZE,
];

/// The message opened for reading and its attachment table's rows, in PR_ATTACH_NUM
/// order; `None` when the store has no message objects or attachment tables
/// (`MAPI_E_NO_SUPPORT`).
fn table_rows(store: &AnyStore, entry: &[u8]) -> Result<Option<(Object, Vec<Row>)>, EngineError> {
    let unsupported = |e: &EngineError| e.status() == Status::MAPI_E_NO_SUPPORT;
    let msg = match store.open_message(entry, 0) {
        Ok(m) => m,
        Err(e) if unsupported(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut table = match msg.attachment_table(MAPI_UNICODE) {
        Ok(t) => t,
        Err(e) if unsupported(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    table.set_columns(&COLUMNS, 0)?;
    let mut rows = Vec::new();
    loop {
        let page = table.query_rows(500, 0)?;
        if page.is_empty() {
            break;
        }
        rows.extend(page);
    }
    rows.sort_by_key(|r| r.int(PR_ATTACH_NUM));
    Ok(Some((msg, rows)))
}

fn info_of(r: &Row) -> AttachmentInfo {
    let count = |tag| {
        r.int(tag)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    };
    AttachmentInfo {
        num: count(PR_ATTACH_NUM),
        file_name: r
            .str(PR_ATTACH_LONG_FILENAME)
            .or_else(|| r.str(PR_ATTACH_FILENAME))
            .map(str::to_string),
        mime_tag: r.str(PR_ATTACH_MIME_TAG).map_or_else(
            || "application/octet-stream".to_string(),
            str::to_ascii_lowercase,
        ),
        size: count(PR_ATTACH_SIZE),
        embedded_message: r.int(PR_ATTACH_METHOD) == Some(i64::from(ATTACH_EMBEDDED_MSG)),
    }
}
