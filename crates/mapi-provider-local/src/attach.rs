//! Attachments of a local message (`IAttach`): the list a message object holds until its
//! SaveChanges ([`Attachments`]), the attachment objects ([`LocalAttach`]), and how they
//! are kept (`message_attachments`: one row per attachment with its small properties in
//! `mapi_types::codec`'s encoding; `attach_chunks`: its large values, PR_ATTACH_DATA_BIN
//! or an embedded message's RFC 5322 form, in chunks of up to 1 MiB).
//!
//! An attachment object keeps its changes until its own SaveChanges, which hands them to
//! the message object; the message's SaveChanges writes them to the file (nothing
//! reaches it before). A message that keeps the MIME it came with (imported or
//! received) and has no saved attachments lists the attachments of that MIME
//! (mapi-mime's mapping), read-only: CreateAttach and DeleteAttach on such a message,
//! and OpenAttach with `MAPI_MODIFY`, are `MAPI_E_NO_ACCESS`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_spi::{PropObject, PropStream, PropValues, ProviderResult, Reply, async_trait};
use mapi_types::attach::{
    ATTACH_BY_VALUE, ATTACH_DIALOG, ATTACH_EMBEDDED_MSG, IID_IMESSAGE, NO_ATTACHMENT,
};
use mapi_types::codec::{self, Reader};
use mapi_types::object::{
    FORCE_SAVE, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_BEST_ACCESS, MAPI_CREATE,
    MAPI_DEFERRED_ERRORS, MAPI_MODIFY, MAPI_UNICODE, STREAM_APPEND,
};
use mapi_types::tags::*;
use mapi_types::{
    MapiUid, MemorySource, PropProblem, PropTag, PropType, PropValue, Row, Status, object_type,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::compose::MSGFLAG_UNSENT;
use crate::error::LocalError;
use crate::message::{Access, Ctx, MessageInner, stream_start};
use crate::props::{
    self, GETPROPS_LIMIT, Held, MAX_PER_CALL, Place, PropSet, check_flags, tag_problem, too_many,
    value_problem,
};
use crate::stream::{CopyError, LocalStream, Staged, StreamOwner, write_chunks_to};

/// The most attachments one message keeps.
pub const MAX_ATTACHMENTS: u32 = 10_000;

/// The columns of an attachment table (others follow when set).
pub const COLUMNS: [PropTag; 13] = [
    PR_ATTACH_NUM,
    PR_INSTANCE_KEY,
    PR_RECORD_KEY,
    PR_OBJECT_TYPE,
    PR_ATTACH_METHOD,
    PR_DISPLAY_NAME,
    PR_ATTACH_FILENAME,
    PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_EXTENSION,
    PR_ATTACH_MIME_TAG,
    PR_ATTACH_SIZE,
    PR_RENDERING_POSITION,
    PR_ATTACH_CONTENT_ID,
];

/// Properties of an attachment the store computes (`MAPI_E_COMPUTED` for SetProps).
const COMPUTED: [PropTag; 2] = [PR_ATTACH_NUM, PR_ATTACH_SIZE];

/// One attachment as the message object holds it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its `message_attachments` row, once saved.
    pub row: Option<i64>,
    /// Its properties.
    pub props: PropSet,
    /// Changed since loaded.
    pub changed: bool,
}

/// The attachments of a message object.
#[derive(Clone, Debug, Default)]
pub struct Attachments {
    /// By PR_ATTACH_NUM.
    pub entries: BTreeMap<u32, Entry>,
    /// The number the next CreateAttach gives.
    pub next: u32,
    /// Saved rows deleted since loaded.
    pub removed: Vec<i64>,
    /// Changed since loaded.
    pub dirty: bool,
    /// Read from the message's MIME: read-only.
    pub from_mime: bool,
}

fn read_only_mime() -> LocalError {
    LocalError::ReadOnly {
        what: "the attachments of a message that keeps its received MIME".into(),
    }
}

fn not_found(num: u32) -> LocalError {
    LocalError::NotFound {
        what: format!("attachment {num}"),
    }
}

/// The bytes a held value stands for.
fn held_len(held: &Held) -> u64 {
    match held {
        Held::Value(PropValue::Binary(b)) => b.len() as u64,
        Held::Value(v) => v.as_str().map_or(0, |s| s.len() as u64),
        Held::Large(len, _) => *len,
        Held::Staged(s) => s.len(),
    }
}

/// PR_ATTACH_METHOD.
fn method_of(props: &PropSet) -> Option<i32> {
    props.get(PR_ATTACH_METHOD.id()).and_then(|(_, h)| match h {
        Held::Value(PropValue::Long(m)) => Some(*m),
        _ => None,
    })
}

/// Sets the properties the store computes for attachment `num` (PR_ATTACH_SIZE: the
/// bytes of its data, an embedded message's RFC 5322 form).
fn computed(props: &mut PropSet, num: u32, message: i64) {
    let put = |props: &mut PropSet, tag, v| props.put(tag, Held::Value(v));
    put(props, PR_ATTACH_NUM, PropValue::Long(num as i32));
    put(
        props,
        PR_OBJECT_TYPE,
        PropValue::Long(object_type::MAPI_ATTACH as i32),
    );
    put(
        props,
        PR_INSTANCE_KEY,
        PropValue::Binary(num.to_le_bytes().to_vec()),
    );
    let mut key = message.to_le_bytes().to_vec();
    key.extend_from_slice(&num.to_le_bytes());
    put(props, PR_RECORD_KEY, PropValue::Binary(key));
    let data = if method_of(props) == Some(ATTACH_EMBEDDED_MSG) {
        PR_ATTACH_DATA_OBJ
    } else {
        PR_ATTACH_DATA_BIN
    };
    let size = props.get(data.id()).map_or(0, |(_, h)| held_len(h));
    put(
        props,
        PR_ATTACH_SIZE,
        PropValue::Long(size.min(i32::MAX as u64) as i32),
    );
}

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

/// One attachment's data for the MIME form of its message: its properties and bytes.
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
    pub data: Vec<u8>,
}

/// The saved attachments of message `id` with their data, in PR_ATTACH_NUM order
/// (read whole: the MIME form holds them whole).
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
        let mut data: Vec<u8> = match row_props.get(data_tag) {
            Some(PropValue::Binary(b)) => b.clone(),
            _ => Vec::new(),
        };
        let mut chunks = conn.prepare_cached(
            "SELECT data FROM attach_chunks WHERE attach = ?1 AND prop_id = ?2 AND tag = ?3
             ORDER BY seq",
        )?;
        let mut rows = chunks.query(params![row, data_tag.id(), data_tag.0])?;
        while let Some(r) = rows.next()? {
            data.extend_from_slice(r.get_ref(0)?.as_blob()?);
        }
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

impl Attachments {
    /// The attachment table's rows.
    pub fn table(&self, flags: u32) -> Result<MemorySource, LocalError> {
        let mut rows = Vec::with_capacity(self.entries.len());
        let mut tags: Vec<PropTag> = COLUMNS.to_vec();
        for entry in self.entries.values() {
            for (t, _) in entry.props.iter() {
                if !tags.iter().any(|c| c.id() == t.id()) && t.prop_type() != PropType::PT_OBJECT {
                    tags.push(*t);
                }
            }
        }
        for entry in self.entries.values() {
            let values = entry.props.get_props(Some(&tags), flags)?.value;
            rows.push(Row(values
                .into_iter()
                .filter(|(t, _)| t.prop_type() != PropType::PT_ERROR)
                .collect()));
        }
        let columns: Vec<PropTag> = COLUMNS
            .iter()
            .map(|t| match t.prop_type() {
                PropType::PT_UNICODE if flags & MAPI_UNICODE == 0 => {
                    t.with_type(PropType::PT_STRING8)
                }
                _ => *t,
            })
            .collect();
        Ok(MemorySource::new(&columns, rows))
    }
}

impl MessageInner {
    /// The attachment list, read from the store on first use.
    fn attachments<'s>(
        &self,
        st: &'s mut crate::message::State,
    ) -> Result<&'s mut Attachments, LocalError> {
        if st.attachments.is_none() {
            let loaded = self
                .ctx
                .with_conn(|conn| load(conn, &self.ctx, self.id()))?;
            st.attachments = Some(loaded);
        }
        Ok(st.attachments.get_or_insert_with(Attachments::default))
    }

    fn not_closed(st: &crate::message::State) -> Result<(), LocalError> {
        if st.access == Access::Closed {
            return Err(LocalError::Closed);
        }
        Ok(())
    }

    fn create_attach_now(self: &Arc<Self>, flags: u32) -> Result<LocalAttach, LocalError> {
        check_flags("CreateAttach", flags, MAPI_DEFERRED_ERRORS)?;
        let mut st = self.lock();
        self.writable(&st)?;
        let id = self.id();
        let a = self.attachments(&mut st)?;
        if a.from_mime && !a.entries.is_empty() {
            return Err(read_only_mime());
        }
        if a.next >= MAX_ATTACHMENTS {
            return Err(LocalError::TooBig {
                detail: format!("a message keeps at most {MAX_ATTACHMENTS} attachments"),
            });
        }
        a.from_mime = false;
        let num = a.next;
        a.next += 1;
        let mut props = PropSet::default();
        props.put(
            PR_ATTACH_METHOD,
            Held::Value(PropValue::Long(NO_ATTACHMENT)),
        );
        props.put(PR_RENDERING_POSITION, Held::Value(PropValue::Long(-1)));
        computed(&mut props, num, id);
        Ok(LocalAttach::new(
            self.clone(),
            num,
            props,
            true,
            Access::ReadWrite,
        ))
    }

    fn open_attach_now(self: &Arc<Self>, num: u32, flags: u32) -> Result<LocalAttach, LocalError> {
        check_flags(
            "OpenAttach",
            flags,
            MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS,
        )?;
        let mut st = self.lock();
        Self::not_closed(&st)?;
        let msg_writable = self.writable(&st).is_ok();
        let a = self.attachments(&mut st)?;
        let from_mime = a.from_mime;
        let entry = a.entries.get(&num).ok_or_else(|| not_found(num))?;
        let access = if flags & MAPI_MODIFY != 0 {
            if from_mime {
                return Err(read_only_mime());
            }
            if !msg_writable {
                return Err(LocalError::ReadOnly { what: self.what() });
            }
            Access::ReadWrite
        } else if flags & MAPI_BEST_ACCESS != 0 && msg_writable && !from_mime {
            Access::ReadWrite
        } else {
            Access::ReadOnly
        };
        Ok(LocalAttach::new(
            self.clone(),
            num,
            entry.props.clone(),
            false,
            access,
        ))
    }

    fn delete_attach_now(&self, num: u32, flags: u32) -> Result<(), LocalError> {
        check_flags("DeleteAttach", flags, ATTACH_DIALOG)?;
        let mut st = self.lock();
        self.writable(&st)?;
        let a = self.attachments(&mut st)?;
        if a.from_mime {
            return Err(if a.entries.contains_key(&num) {
                read_only_mime()
            } else {
                not_found(num)
            });
        }
        let entry = a.entries.remove(&num).ok_or_else(|| not_found(num))?;
        a.removed.extend(entry.row);
        a.dirty = true;
        Ok(())
    }

    fn attachment_table_now(&self, flags: u32) -> Result<MemorySource, LocalError> {
        check_flags(
            "GetAttachmentTable",
            flags,
            MAPI_UNICODE | MAPI_DEFERRED_ERRORS,
        )?;
        let mut st = self.lock();
        Self::not_closed(&st)?;
        self.attachments(&mut st)?.table(flags)
    }

    /// An attachment object's SaveChanges: its properties become the message's
    /// attachment `num`.
    fn take_attach(&self, num: u32, created: bool, props: PropSet) -> Result<(), LocalError> {
        let mut st = self.lock();
        self.writable(&st)?;
        let a = self.attachments(&mut st)?;
        if a.from_mime {
            return Err(read_only_mime());
        }
        let row = match a.entries.get(&num) {
            Some(e) => e.row,
            None if created => None,
            None => {
                return Err(LocalError::ObjectDeleted {
                    what: format!("attachment {num}"),
                });
            }
        };
        a.entries.insert(
            num,
            Entry {
                row,
                props,
                changed: true,
            },
        );
        a.dirty = true;
        Ok(())
    }

    /// After the message's SaveChanges wrote changed attachments: they are read again
    /// (with the rows the save gave them); numbers given out stay given out.
    pub(crate) fn attachments_saved(
        &self,
        st: &mut crate::message::State,
    ) -> Result<(), LocalError> {
        let Some(next) = st.attachments.as_ref().filter(|a| a.dirty).map(|a| a.next) else {
            return Ok(());
        };
        let mut loaded = self
            .ctx
            .with_conn(|conn| load(conn, &self.ctx, self.id()))?;
        loaded.next = loaded.next.max(next);
        st.attachments = Some(loaded);
        Ok(())
    }

    /// Before the message's SaveChanges writes: PR_HASATTACH and MSGFLAG_HASATTACH
    /// follow changed attachments. Whether they changed.
    pub(crate) fn attachments_changed(st: &crate::message::State) -> Option<bool> {
        st.attachments
            .as_ref()
            .filter(|a| a.dirty && !a.from_mime)
            .map(|a| !a.entries.is_empty())
    }
}

/// The shared part of an attachment object (its streams and embedded message hold it).
pub struct AttachInner {
    pub(crate) msg: Arc<MessageInner>,
    num: u32,
    created: bool,
    state: Mutex<AttachState>,
}

struct AttachState {
    access: Access,
    props: PropSet,
    /// Saved into the message at least once (a created attachment then exists).
    saved: bool,
}

/// An attachment of a local message as a property object.
pub struct LocalAttach {
    inner: Arc<AttachInner>,
}

impl LocalAttach {
    fn new(
        msg: Arc<MessageInner>,
        num: u32,
        props: PropSet,
        created: bool,
        access: Access,
    ) -> LocalAttach {
        LocalAttach {
            inner: Arc::new(AttachInner {
                msg,
                num,
                created,
                state: Mutex::new(AttachState {
                    access,
                    props,
                    saved: false,
                }),
            }),
        }
    }
}

fn attach_value_problem(tag: PropTag, value: &PropValue) -> Option<Status> {
    if COMPUTED.iter().any(|t| t.id() == tag.id()) {
        return Some(Status::MAPI_E_COMPUTED);
    }
    if tag.id() == PR_ATTACH_METHOD.id() {
        return match value {
            PropValue::Long(NO_ATTACHMENT | ATTACH_BY_VALUE | ATTACH_EMBEDDED_MSG) => None,
            PropValue::Long(_) => Some(Status::MAPI_E_NO_SUPPORT),
            _ => Some(Status::MAPI_E_BAD_VALUE),
        };
    }
    None
}

impl AttachInner {
    fn lock(&self) -> MutexGuard<'_, AttachState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn what(&self) -> String {
        format!("attachment {}", self.num)
    }

    fn writable(&self, st: &AttachState) -> Result<(), LocalError> {
        match st.access {
            Access::ReadWrite => Ok(()),
            Access::ReadOnly => Err(LocalError::ReadOnly { what: self.what() }),
            Access::Closed => Err(LocalError::Closed),
        }
    }

    fn refresh(&self, st: &mut AttachState) {
        computed(&mut st.props, self.num, self.msg.id());
    }

    fn set_props_now(
        &self,
        values: &[(PropTag, PropValue)],
    ) -> Result<Vec<PropProblem>, LocalError> {
        if values.len() > MAX_PER_CALL {
            return Err(too_many(values.len()));
        }
        self.writable(&self.lock())?;
        let mapped = self.msg.mapped_ids(values.iter().map(|(t, _)| *t))?;
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, (tag, value)) in values.iter().enumerate() {
            let problem = tag_problem(*tag, |id| mapped.contains(&id))
                .or_else(|| value_problem(*tag, value))
                .or_else(|| attach_value_problem(*tag, value));
            match problem {
                Some(status) => problems.push(PropProblem {
                    index,
                    tag: *tag,
                    status,
                }),
                None => st.props.put(*tag, Held::Value(value.clone())),
            }
        }
        self.refresh(&mut st);
        Ok(problems)
    }

    fn delete_props_now(&self, tags: &[PropTag]) -> Result<Vec<PropProblem>, LocalError> {
        if tags.len() > MAX_PER_CALL {
            return Err(too_many(tags.len()));
        }
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, tag) in tags.iter().enumerate() {
            let computed = COMPUTED.iter().any(|t| t.id() == tag.id());
            let problem = match tag_problem(*tag, |_| true) {
                Some(s) => Some(s),
                None if computed => Some(Status::MAPI_E_COMPUTED),
                None if st.props.remove(tag.id()) => None,
                None => Some(Status::MAPI_E_NOT_FOUND),
            };
            if let Some(status) = problem {
                problems.push(PropProblem {
                    index,
                    tag: *tag,
                    status,
                });
            }
        }
        self.refresh(&mut st);
        Ok(problems)
    }

    fn save_now(&self, flags: u32) -> Result<(), LocalError> {
        check_flags(
            "SaveChanges",
            flags,
            KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE | FORCE_SAVE | MAPI_DEFERRED_ERRORS,
        )?;
        if flags & KEEP_OPEN_READONLY != 0 && flags & KEEP_OPEN_READWRITE != 0 {
            return Err(LocalError::InvalidParameter {
                detail: "SaveChanges takes KEEP_OPEN_READONLY or KEEP_OPEN_READWRITE, not both"
                    .into(),
            });
        }
        let mut st = self.lock();
        self.writable(&st)?;
        self.msg
            .take_attach(self.num, self.created || st.saved, st.props.clone())?;
        st.saved = true;
        st.access = if flags & KEEP_OPEN_READWRITE != 0 {
            Access::ReadWrite
        } else if flags & KEEP_OPEN_READONLY != 0 {
            Access::ReadOnly
        } else {
            Access::Closed
        };
        Ok(())
    }

    fn open_property_now(
        self: &Arc<Self>,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> Result<LocalStream, LocalError> {
        let write = flags & (MAPI_MODIFY | MAPI_CREATE) != 0;
        let mapped = if write {
            self.msg.mapped_ids(std::iter::once(tag))?
        } else {
            BTreeSet::new()
        };
        let st = self.lock();
        let start = stream_start(
            &st.props,
            self.writable(&st),
            &mapped,
            tag,
            interface,
            flags,
            || format!("{tag} of attachment {}", self.num),
        )?;
        drop(st);
        LocalStream::new(
            self.clone() as Arc<dyn StreamOwner>,
            tag,
            write,
            start,
            flags & STREAM_APPEND != 0,
        )
    }

    fn open_embedded_now(
        self: &Arc<Self>,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> Result<crate::embedded::Embedded, LocalError> {
        check_flags(
            "OpenProperty",
            flags,
            MAPI_MODIFY | MAPI_CREATE | MAPI_DEFERRED_ERRORS,
        )?;
        if *interface != IID_IMESSAGE || tag.id() != PR_ATTACH_DATA_OBJ.id() {
            return Err(LocalError::NoInterface {
                detail: format!(
                    "an attachment opens PR_ATTACH_DATA_OBJ as IID_IMessage, not {tag} as {interface}"
                ),
            });
        }
        let st = self.lock();
        let write = flags & (MAPI_MODIFY | MAPI_CREATE) != 0;
        if write {
            self.writable(&st)?;
        }
        if method_of(&st.props) != Some(ATTACH_EMBEDDED_MSG) {
            return Err(LocalError::NotFound {
                what: format!(
                    "an embedded message in attachment {} (its PR_ATTACH_METHOD is not ATTACH_EMBEDDED_MSG)",
                    self.num
                ),
            });
        }
        let held = st
            .props
            .get(PR_ATTACH_DATA_OBJ.id())
            .map(|(_, h)| h.clone());
        drop(st);
        let raw = match (flags & MAPI_CREATE != 0, held) {
            (true, _) => None,
            (false, Some(held)) => Some(self.read_all(&held)?),
            (false, None) => {
                return Err(LocalError::NotFound {
                    what: format!("the embedded message of attachment {}", self.num),
                });
            }
        };
        crate::embedded::Embedded::open(self.clone(), raw.as_deref(), write)
    }

    /// The whole of a held value (an embedded message's RFC 5322 form).
    fn read_all(&self, held: &Held) -> Result<Vec<u8>, LocalError> {
        let ctx = &self.msg.ctx;
        match held {
            Held::Value(v) => Ok(v.as_bytes().map(<[u8]>::to_vec).unwrap_or_default()),
            Held::Staged(s) => s
                .read_small()
                .map_err(|e| LocalError::from_io(&ctx.path, "read", &e)),
            Held::Large(_, Place::AttachChunks(row, prop_id)) => ctx.with_conn(|conn| {
                let mut out = Vec::new();
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT data FROM attach_chunks WHERE attach = ?1 AND prop_id = ?2 ORDER BY seq",
                    )
                    .map_err(|e| ctx.sql(e))?;
                let mut rows = stmt.query(params![row, prop_id]).map_err(|e| ctx.sql(e))?;
                while let Some(r) = rows.next().map_err(|e| ctx.sql(e))? {
                    out.extend_from_slice(
                        r.get_ref(0)
                            .and_then(|v| v.as_blob().map_err(Into::into))
                            .map_err(|e| ctx.sql(e))?,
                    );
                }
                Ok(out)
            }),
            Held::Large(..) => Ok(Vec::new()),
        }
    }

    /// An embedded message's SaveChanges: its RFC 5322 form becomes PR_ATTACH_DATA_OBJ.
    pub(crate) fn take_embedded(&self, raw: &[u8]) -> Result<(), LocalError> {
        let staged = Staged::from_bytes(&self.msg.ctx.path, raw)?;
        let mut st = self.lock();
        self.writable(&st)?;
        st.props
            .put(PR_ATTACH_DATA_OBJ, Held::Staged(Arc::new(staged)));
        self.refresh(&mut st);
        Ok(())
    }
}

impl StreamOwner for AttachInner {
    fn ctx(&self) -> &Ctx {
        &self.msg.ctx
    }

    fn message_id(&self) -> i64 {
        self.msg.id()
    }

    fn stage(&self, tag: PropTag, staged: Arc<Staged>) -> Result<(), LocalError> {
        let mut st = self.lock();
        self.writable(&st)?;
        st.props.put(tag, Held::Staged(staged));
        self.refresh(&mut st);
        Ok(())
    }
}

/// PT_OBJECT values (ids `objects`) come back as `PT_ERROR` `MAPI_E_NO_SUPPORT`: open
/// them with OpenProperty.
fn hide_objects(mut reply: Reply<PropValues>, objects: &[u16]) -> Reply<PropValues> {
    let mut errors = false;
    for (tag, value) in reply.value.iter_mut() {
        let object = tag.prop_type() == PropType::PT_OBJECT
            || (objects.contains(&tag.id())
                && matches!(
                    tag.prop_type(),
                    PropType::PT_ERROR | PropType::PT_UNSPECIFIED
                ));
        if object {
            *tag = tag.with_type(PropType::PT_ERROR);
            *value = PropValue::Error(Status::MAPI_E_NO_SUPPORT.0);
        }
        errors |= tag.prop_type() == PropType::PT_ERROR;
    }
    if errors {
        reply.status = Status::MAPI_W_ERRORS_RETURNED;
    }
    reply
}

#[async_trait]
impl PropObject for LocalAttach {
    fn object_type(&self) -> u32 {
        object_type::MAPI_ATTACH
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        let st = self.inner.lock();
        let objects: Vec<u16> = st
            .props
            .iter()
            .filter(|(t, _)| t.prop_type() == PropType::PT_OBJECT)
            .map(|(t, _)| t.id())
            .collect();
        let reply = st.props.get_props(tags, flags)?;
        Ok(hide_objects(reply, &objects))
    }

    async fn get_prop_list(&self, flags: u32) -> ProviderResult<Vec<PropTag>> {
        Ok(self.inner.lock().props.list(flags)?)
    }

    async fn set_props(&self, values: &[(PropTag, PropValue)]) -> ProviderResult<Vec<PropProblem>> {
        Ok(self.inner.set_props_now(values)?)
    }

    async fn delete_props(&self, tags: &[PropTag]) -> ProviderResult<Vec<PropProblem>> {
        Ok(self.inner.delete_props_now(tags)?)
    }

    async fn save_changes(&self, flags: u32) -> ProviderResult<()> {
        Ok(self.inner.save_now(flags)?)
    }

    async fn open_property(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Box<dyn PropStream>> {
        Ok(Box::new(
            self.inner.open_property_now(tag, interface, flags)?,
        ))
    }

    async fn open_property_object(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Arc<dyn PropObject>> {
        Ok(Arc::new(
            self.inner.open_embedded_now(tag, interface, flags)?,
        ))
    }
}

/// The attachment methods of a local message (`IMessage`).
pub(crate) struct MessageAttach;

impl MessageAttach {
    pub(crate) fn create(
        msg: &Arc<MessageInner>,
        flags: u32,
    ) -> ProviderResult<(u32, Arc<dyn PropObject>)> {
        let a = msg.create_attach_now(flags)?;
        Ok((a.inner.num, Arc::new(a)))
    }

    pub(crate) fn open(
        msg: &Arc<MessageInner>,
        num: u32,
        flags: u32,
    ) -> ProviderResult<Arc<dyn PropObject>> {
        Ok(Arc::new(msg.open_attach_now(num, flags)?))
    }

    pub(crate) fn delete(msg: &Arc<MessageInner>, num: u32, flags: u32) -> ProviderResult<()> {
        Ok(msg.delete_attach_now(num, flags)?)
    }

    pub(crate) fn table(
        msg: &Arc<MessageInner>,
        flags: u32,
    ) -> ProviderResult<Box<dyn mapi_types::RowSource>> {
        Ok(Box::new(msg.attachment_table_now(flags)?))
    }
}
