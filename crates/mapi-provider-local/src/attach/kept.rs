//! How attachments are kept: `message_attachments` rows and their `attach_chunks`;
//! loading (saved, or from a received MIME), saving, copying, and the parts the MIME
//! form of an unsent message is built from.

use std::collections::BTreeSet;
use std::sync::Arc;

use mapi_types::attach::{ATTACH_EMBEDDED_MSG, NO_ATTACHMENT};
use mapi_types::codec::{self, Reader};
use mapi_types::tags::*;
use mapi_types::{PropTag, PropType, PropValue, Row};
use rusqlite::{Connection, OptionalExtension, params};

use crate::compose::MSGFLAG_UNSENT;
use crate::error::LocalError;
use crate::message::Ctx;
use crate::props::{self, GETPROPS_LIMIT, Held, Place, PropSet};
use crate::stream::{CopyError, Staged, write_chunks_to};

use super::{Attachments, COMPUTED, Entry, computed};

/// The attachments of message `id` as saved, or from its MIME (see the module).
pub fn load(conn: &Connection, ctx: &Ctx, id: i64) -> Result<Attachments, LocalError> {
    let sql = |e| ctx.sql(e);
    let mut out = Attachments::default();
    if id == 0 {
        return Ok(out);
    }
    let rows = conn
        .prepare_cached(
            "SELECT id, num, props FROM message_attachments WHERE message = ?1 ORDER BY num",
        )
        .and_then(|mut s| {
            s.query_map([id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(sql)?;
    if rows.is_empty() {
        let found: Option<(i32, Vec<u8>)> = conn
            .prepare_cached("SELECT flags, raw FROM messages WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(sql)?;
        if let Some((flags, raw)) = found
            && flags & MSGFLAG_UNSENT == 0
            && !raw.is_empty()
        {
            out.from_mime = true;
            for a in mapi_mime::attachments(&mapi_mime::MessageParser::new(), &raw) {
                let mut props = PropSet::from_row(a.row());
                let tag = if a.embedded {
                    PR_ATTACH_DATA_OBJ
                } else {
                    PR_ATTACH_DATA_BIN
                };
                let held = if !a.embedded && a.data.len() as u64 <= GETPROPS_LIMIT {
                    Held::Value(PropValue::Binary(a.data))
                } else {
                    Held::Staged(Arc::new(Staged::from_bytes(&ctx.path, &a.data)?))
                };
                props.put(tag, held);
                computed(&mut props, a.num, id);
                out.entries.insert(
                    a.num,
                    Entry {
                        row: None,
                        props,
                        changed: false,
                    },
                );
                out.next = a.num + 1;
            }
        }
        return Ok(out);
    }
    let mut large = conn
        .prepare_cached(
            "SELECT prop_id, tag, size FROM attach_chunks WHERE attach = ?1 AND seq = 0",
        )
        .map_err(sql)?;
    for (row, num, bytes) in rows {
        let num = num.clamp(0, u32::MAX as i64) as u32;
        // Properties that do not decode are dropped (the file was damaged).
        let values = codec::decode_props(&mut Reader { b: &bytes }).unwrap_or_default();
        let mut set = PropSet::from_row(Row(values));
        let chunked = large
            .query_map([row], |r| {
                Ok((
                    r.get::<_, i64>(0)? as u16,
                    PropTag(r.get::<_, i64>(1)? as u32),
                    r.get::<_, i64>(2)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(sql)?;
        for (prop_id, tag, size) in chunked {
            set.put(
                tag,
                Held::Large(size.max(0) as u64, Place::AttachChunks(row, prop_id)),
            );
        }
        computed(&mut set, num, id);
        out.next = out.next.max(num.saturating_add(1));
        out.entries.insert(
            num,
            Entry {
                row: Some(row),
                props: set,
                changed: false,
            },
        );
    }
    Ok(out)
}

/// Whether a value is kept in `attach_chunks` rather than in the row's properties.
fn chunked(tag: PropTag, held: &Held) -> bool {
    tag.prop_type() == PropType::PT_OBJECT
        || matches!(held, Held::Large(..))
        || matches!(held, Held::Staged(s) if s.len() > GETPROPS_LIMIT)
}

/// Writes the changes of a message's attachments (in the message's transaction) and
/// its `has_attach` column.
pub fn save(conn: &Connection, ctx: &Ctx, message: i64, a: &Attachments) -> Result<(), LocalError> {
    let sql = |e| ctx.sql(e);
    let io = |e: std::io::Error| LocalError::from_io(&ctx.path, "read", &e);
    for row in &a.removed {
        conn.prepare_cached("DELETE FROM message_attachments WHERE id = ?1")
            .and_then(|mut s| s.execute([row]))
            .map_err(sql)?;
    }
    for (num, entry) in a.entries.iter().filter(|(_, e)| e.changed) {
        let mut small = Vec::new();
        for (tag, held) in entry.props.iter() {
            if COMPUTED.contains(tag)
                || [PR_OBJECT_TYPE, PR_INSTANCE_KEY, PR_RECORD_KEY].contains(tag)
                || chunked(*tag, held)
            {
                continue;
            }
            match held {
                Held::Value(v) => small.push((*tag, v.clone())),
                Held::Staged(s) => {
                    small.push((*tag, props::decode_raw(*tag, s.read_small().map_err(io)?)))
                }
                Held::Large(..) => {}
            }
        }
        let mut bytes = Vec::new();
        codec::encode_props(&small, &mut bytes);
        let row = match entry.row {
            Some(row) => {
                conn.prepare_cached("UPDATE message_attachments SET props = ?1 WHERE id = ?2")
                    .and_then(|mut s| s.execute(params![bytes, row]))
                    .map_err(sql)?;
                row
            }
            None => {
                conn.prepare_cached(
                    "INSERT INTO message_attachments (message, num, props) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut s| s.execute(params![message, num, bytes]))
                .map_err(sql)?;
                conn.last_insert_rowid()
            }
        };
        // Chunked values that stay as stored are kept; every other chunk goes.
        let kept: BTreeSet<u16> = entry
            .props
            .iter()
            .filter_map(|(t, h)| match h {
                Held::Large(_, Place::AttachChunks(r, _)) if *r == row => Some(t.id()),
                _ => None,
            })
            .collect();
        let stored: Vec<i64> = conn
            .prepare_cached("SELECT DISTINCT prop_id FROM attach_chunks WHERE attach = ?1")
            .and_then(|mut s| {
                s.query_map([row], |r| r.get(0))?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(sql)?;
        for prop_id in stored.into_iter().filter(|p| !kept.contains(&(*p as u16))) {
            conn.prepare_cached("DELETE FROM attach_chunks WHERE attach = ?1 AND prop_id = ?2")
                .and_then(|mut s| s.execute([row, prop_id]))
                .map_err(sql)?;
        }
        for (tag, held) in entry.props.iter() {
            if let Held::Staged(s) = held
                && chunked(*tag, held)
            {
                write_chunks_to(conn, row, *tag, s).map_err(|e| match e {
                    CopyError::Io(e) => io(e),
                    CopyError::Sql(e) => sql(e),
                })?;
            }
        }
    }
    conn.prepare_cached("UPDATE messages SET has_attach = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![!a.entries.is_empty(), message]))
        .map_err(sql)?;
    Ok(())
}

/// Copies the saved attachments of message `from` (with their chunks) to message `to`.
pub fn copy(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    let rows: Vec<i64> = conn
        .prepare_cached("SELECT id FROM message_attachments WHERE message = ?1 ORDER BY num")?
        .query_map([from], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for row in rows {
        conn.prepare_cached(
            "INSERT INTO message_attachments (message, num, props)
             SELECT ?1, num, props FROM message_attachments WHERE id = ?2",
        )?
        .execute([to, row])?;
        let new = conn.last_insert_rowid();
        conn.prepare_cached(
            "INSERT INTO attach_chunks (attach, prop_id, tag, size, seq, data)
             SELECT ?1, prop_id, tag, size, seq, data FROM attach_chunks WHERE attach = ?2",
        )?
        .execute([new, row])?;
    }
    Ok(())
}

/// Where an attachment's data is, for the MIME form of its message.
pub enum PartData {
    /// Small enough to have been kept in the attachment's row.
    Bytes(Vec<u8>),
    /// In `attach_chunks`: the attachment row, the property's tag, its size.
    Chunks(i64, PropTag, u64),
}

/// One attachment's properties and data, for the MIME form of its message.
pub struct Part {
    /// PR_ATTACH_METHOD.
    pub method: i32,
    /// PR_ATTACH_LONG_FILENAME, else PR_ATTACH_FILENAME, else PR_DISPLAY_NAME.
    pub file_name: Option<String>,
    /// PR_ATTACH_MIME_TAG.
    pub mime_tag: Option<String>,
    /// PR_ATTACH_CONTENT_ID.
    pub content_id: Option<String>,
    /// PR_ATTACH_DATA_BIN, or the embedded message's RFC 5322 form.
    pub data: PartData,
}

/// The saved attachments of message `id` in PR_ATTACH_NUM order, their data where it
/// is (an embedded message's form is read whole).
pub fn parts(conn: &Connection, id: i64) -> rusqlite::Result<Vec<Part>> {
    let rows = conn
        .prepare_cached(
            "SELECT id, props FROM message_attachments WHERE message = ?1 ORDER BY num",
        )?
        .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, bytes) in rows {
        let row_props = Row(codec::decode_props(&mut Reader { b: &bytes }).unwrap_or_default());
        let text = |tag| {
            row_props
                .str(tag)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let method = row_props
            .int(PR_ATTACH_METHOD)
            .map_or(NO_ATTACHMENT, |m| m as i32);
        let data_tag = if method == ATTACH_EMBEDDED_MSG {
            PR_ATTACH_DATA_OBJ
        } else {
            PR_ATTACH_DATA_BIN
        };
        let chunked: Option<i64> = conn
            .prepare_cached(
                "SELECT size FROM attach_chunks
                 WHERE attach = ?1 AND prop_id = ?2 AND tag = ?3 AND seq = 0",
            )?
            .query_row(params![row, data_tag.id(), data_tag.0], |r| r.get(0))
            .optional()?;
        let data = match (chunked, row_props.get(data_tag)) {
            (Some(len), _) if method == ATTACH_EMBEDDED_MSG => {
                PartData::Bytes(chunk_bytes(conn, row, data_tag, len)?)
            }
            (Some(len), _) => PartData::Chunks(row, data_tag, len.max(0) as u64),
            (None, Some(PropValue::Binary(b))) => PartData::Bytes(b.clone()),
            (None, _) => PartData::Bytes(Vec::new()),
        };
        out.push(Part {
            method,
            file_name: text(PR_ATTACH_LONG_FILENAME)
                .or_else(|| text(PR_ATTACH_FILENAME))
                .or_else(|| text(PR_DISPLAY_NAME)),
            mime_tag: text(PR_ATTACH_MIME_TAG),
            content_id: text(PR_ATTACH_CONTENT_ID),
            data,
        });
    }
    Ok(out)
}

/// A chunked value read whole.
fn chunk_bytes(conn: &Connection, row: i64, tag: PropTag, len: i64) -> rusqlite::Result<Vec<u8>> {
    let mut data = Vec::with_capacity(len.clamp(0, 1 << 20) as usize);
    for_each_chunk(conn, row, tag, |c| {
        data.extend_from_slice(c);
        Ok::<(), rusqlite::Error>(())
    })?;
    Ok(data)
}

/// Calls `f` with each chunk of a chunked value, in order, one in memory at a time.
pub fn for_each_chunk<E: From<rusqlite::Error>>(
    conn: &Connection,
    row: i64,
    tag: PropTag,
    mut f: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let mut stmt = conn.prepare_cached(
        "SELECT data FROM attach_chunks WHERE attach = ?1 AND prop_id = ?2 AND tag = ?3
         ORDER BY seq",
    )?;
    let mut rows = stmt.query(params![row, tag.id(), tag.0])?;
    while let Some(r) = rows.next()? {
        f(r.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?)?;
    }
    Ok(())
}

/// A chunked value as a reader: one chunk in memory at a time, each fetched when the
/// one before is used up.
pub struct ChunkReader<'c> {
    conn: &'c Connection,
    row: i64,
    tag: PropTag,
    /// The `seq` of the chunk in `chunk`, -1 before the first.
    seq: i64,
    chunk: Vec<u8>,
    at: usize,
}

impl<'c> ChunkReader<'c> {
    /// A reader over the `attach_chunks` of attachment row `row` and property `tag`.
    pub fn new(conn: &'c Connection, row: i64, tag: PropTag) -> ChunkReader<'c> {
        ChunkReader {
            conn,
            row,
            tag,
            seq: -1,
            chunk: Vec::new(),
            at: 0,
        }
    }

    /// The chunk after the current one; `false` past the last.
    fn next_chunk(&mut self) -> rusqlite::Result<bool> {
        let next: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached(
                "SELECT seq, data FROM attach_chunks
                 WHERE attach = ?1 AND prop_id = ?2 AND tag = ?3 AND seq > ?4
                 ORDER BY seq LIMIT 1",
            )?
            .query_row(
                params![self.row, self.tag.id(), self.tag.0, self.seq],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((seq, data)) = next else {
            return Ok(false);
        };
        self.seq = seq;
        self.chunk = data;
        self.at = 0;
        Ok(true)
    }
}

impl std::io::Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.chunk.len() {
            if !self.next_chunk().map_err(std::io::Error::other)? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
