//! The local store's side of composing: its saved attachments as `mapi-mime`
//! [`Attachment`]s, the composed form written into the database, and an embedded
//! message's RFC 5322 form.
//!
//! A by-value attachment kept in chunks is handed to the composer as a reader over
//! its chunks ([`crate::attach::ChunkReader`]), and [`store_raw`] writes the composed
//! form through SQLite's blob I/O, so a large attachment is never whole in memory; one
//! kept in its row is handed over as bytes. An embedded message's form is kept whole
//! (it is small: its own attachments are not composed). Attachments without data
//! (`NO_ATTACHMENT`) are left out; one without a file name is `attachment-N`, N its
//! place among the saved attachments.
//!
//! [`embedded_mime`] builds an embedded message's form with the composer from its
//! properties and recipients, Bcc kept (an embedded message is not sent).

use std::borrow::Cow;

use mapi_mime::{AttachBody, Attachment, Composed, Composer};
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG};
use mapi_types::tags::*;
use mapi_types::{PropTag, PropValue, Row};
use rusqlite::{Connection, MAIN_DB, params};

use crate::attach::{ChunkReader, Part, PartData};
use crate::compose::BuildError;
use crate::props::{Held, PropSet};

/// Saved attachment `part`, the `index`-th, as the composer takes it; `None` for one
/// that is left out.
pub fn attachment<'a>(
    conn: &'a Connection,
    part: &'a Part,
    index: usize,
) -> Option<Attachment<'a>> {
    let body = match (part.method, &part.data) {
        (ATTACH_BY_VALUE, PartData::Bytes(bytes)) => AttachBody::Bytes(Cow::Borrowed(bytes)),
        (ATTACH_BY_VALUE, PartData::Chunks(row, tag, len)) => AttachBody::Stream {
            len: *len,
            reader: Box::new(ChunkReader::new(conn, *row, *tag)),
        },
        (ATTACH_EMBEDDED_MSG, PartData::Bytes(data)) => AttachBody::Message(Cow::Borrowed(data)),
        _ => return None,
    };
    Some(Attachment {
        file_name: Some(
            part.file_name
                .clone()
                .unwrap_or_else(|| format!("attachment-{}", index + 1)),
        ),
        mime_tag: part.mime_tag.clone(),
        content_id: part.content_id.clone(),
        body,
    })
}

/// Stores `composed`, the MIME form of message `id`, as its `raw` column and size,
/// written through SQLite's blob I/O with its streamed attachments read a block at a
/// time (the form is never whole in memory).
pub fn store_raw(conn: &Connection, id: i64, composed: Composed<'_>) -> Result<(), BuildError> {
    let total = composed.len();
    // A body kept as a part of the old raw bytes gets its own copy first.
    conn.prepare_cached(crate::schema::BODY_FROM_RAW_TO_COLUMN)?
        .execute([id])?;
    conn.prepare_cached("UPDATE messages SET raw = zeroblob(?1), size = ?1 WHERE id = ?2")?
        .execute(params![total as i64, id])?;
    let blob = conn.blob_open(MAIN_DB, c"messages", c"raw", id, false)?;
    composed.write_to(blob).map_err(BuildError::Io)
}

/// Why an embedded message could not be built.
pub enum EmbeddedError {
    /// Reading a value written through a stream.
    Io(std::io::Error),
    /// Building the MIME.
    Mime(String),
}

/// The properties of an embedded message the composer reads.
const COMPOSED: [PropTag; 10] = [
    PR_SUBJECT,
    PR_BODY,
    PR_HTML,
    PR_SENT_REPRESENTING_NAME,
    PR_SENT_REPRESENTING_EMAIL_ADDRESS,
    PR_SENDER_NAME,
    PR_SENDER_EMAIL_ADDRESS,
    PR_INTERNET_MESSAGE_ID,
    PR_IN_REPLY_TO_ID,
    PR_CLIENT_SUBMIT_TIME,
];

/// An embedded message's RFC 5322 form from its properties and recipient rows.
pub fn embedded_mime(props: &PropSet, recipients: &[Row]) -> Result<Vec<u8>, EmbeddedError> {
    let mut row = Row::default();
    for tag in COMPOSED {
        let value = match props.get(tag.id()).map(|(_, h)| h) {
            Some(Held::Value(v @ (PropValue::Unicode(_) | PropValue::String8(_)))) => v.clone(),
            Some(Held::Value(PropValue::Binary(b))) => {
                PropValue::Unicode(String::from_utf8_lossy(b).into_owned())
            }
            Some(Held::Value(v @ PropValue::SysTime(_))) if tag == PR_CLIENT_SUBMIT_TIME => {
                v.clone()
            }
            Some(Held::Staged(s)) => PropValue::Unicode(
                String::from_utf8_lossy(&s.read_small().map_err(EmbeddedError::Io)?).into_owned(),
            ),
            _ => continue,
        };
        row.set(tag, value);
    }
    Composer::new(&row, recipients)
        .keep_bcc()
        .build()
        .into_vec()
        .map_err(|e| EmbeddedError::Mime(format!("cannot build the embedded message: {e}")))
}
