//! [`LocalMessage`]: a stored message as a transacted property object (`IMessage`'s
//! IMAPIProp part). Opening it reads its properties once (large values only as their
//! size); SetProps, DeleteProps and committed streams change only the object; SaveChanges
//! writes every change in one transaction, after checking the message's version counter
//! so that a save by another connection or process in between is `MAPI_E_OBJECT_CHANGED`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_spi::{PropNames, PropObject, ProviderResult, Reply};
use mapi_types::object::{
    FORCE_SAVE, IID_ISTREAM, MAPI_BEST_ACCESS, MAPI_CREATE, MAPI_DEFERRED_ERRORS, MAPI_MODIFY,
    STREAM_APPEND,
};
use mapi_types::tags::*;
use mapi_types::{MapiUid, NameId, PropProblem, PropTag, PropType, PropValue, Status, object_type};
use rusqlite::types::{Null, ToSqlOutput, ValueRef};
use rusqlite::{Connection, MAIN_DB, OptionalExtension, TransactionBehavior, params};

use crate::attach::{Attachments, MessageAttach};
use crate::contents::SharedDb;
use crate::entryid::{self, ObjectKind};
use crate::error::LocalError;
use crate::named;
use crate::props::{
    self, GETPROPS_LIMIT, Held, Place, PropSet, check_flags, streamable, tag_problem, value_problem,
};
use crate::recipients::{self, Recipients};
use crate::stream::{
    CopyError, LocalStream, Staged, Start, StreamOwner, chunk_count, write_chunks,
};
use mapi_types::attach::MSGFLAG_HASATTACH;

/// What every object of a logged-on store shares: the database, its path and uid.
pub struct Ctx {
    /// The store's open database (`None` after logoff).
    pub(crate) db: SharedDb,
    /// The store file.
    pub(crate) path: PathBuf,
    /// The store's uid (in every entry id).
    pub(crate) uid: MapiUid,
}

impl Ctx {
    /// Runs `f` on the connection; `MAPI_E_INVALID_OBJECT` after logoff.
    pub fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, LocalError>,
    ) -> Result<T, LocalError> {
        let mut guard = self.db.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(open) => f(&mut open.db.conn),
            None => Err(LocalError::LoggedOff),
        }
    }

    /// A SQLite error on this store.
    pub fn sql(&self, e: rusqlite::Error) -> LocalError {
        LocalError::from_sqlite(&self.path, &e)
    }
}

/// How far into the raw message the header block is looked for.
const HEADER_SCAN: usize = 256 * 1024;

pub(crate) use mapi_spi::Access;

pub(crate) struct State {
    pub(crate) access: Access,
    /// The message's version when opened or last saved.
    version: i64,
    props: PropSet,
    /// Ids changed since then (set, deleted or streamed).
    dirty: BTreeSet<u16>,
    /// The folder of a message made by CreateMessage and not saved yet.
    pub(crate) new_in: Option<i64>,
    /// The recipient list, read on first use.
    recipients: Option<Recipients>,
    /// The attachments, read on first use.
    pub(crate) attachments: Option<Attachments>,
}

/// The shared part of a message object (its streams hold it too).
pub struct MessageInner {
    pub(crate) ctx: Arc<Ctx>,
    /// The message's row id (0 until a created message is first saved).
    id: AtomicI64,
    state: Mutex<State>,
}

/// A message of the local store as a property object.
pub struct LocalMessage {
    inner: Arc<MessageInner>,
}

/// The kind of a column a property is kept in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Text,
    NullableText,
    Time,
    NullableTime,
    Int,
    Body,
}

/// Properties kept in `messages` columns (so contents tables show their changes).
const COLUMNS: [(PropTag, &str, Col); 10] = [
    (PR_SUBJECT, "subject", Col::Text),
    (PR_SENDER_NAME, "sender_name", Col::Text),
    (PR_SENDER_EMAIL_ADDRESS, "sender_email", Col::Text),
    (PR_DISPLAY_TO, "display_to", Col::Text),
    (PR_DISPLAY_CC, "display_cc", Col::Text),
    (PR_MESSAGE_DELIVERY_TIME, "delivery_time", Col::Time),
    (PR_CLIENT_SUBMIT_TIME, "submit_time", Col::NullableTime),
    (PR_INTERNET_MESSAGE_ID, "message_id", Col::NullableText),
    (PR_MESSAGE_FLAGS, "flags", Col::Int),
    (PR_BODY, "body", Col::Body),
];

fn column_of(id: u16) -> Option<(&'static str, Col)> {
    COLUMNS
        .iter()
        .find(|(t, _, _)| t.id() == id)
        .map(|(_, c, k)| (*c, *k))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Properties of a message that come from its header block alone (mapi-mime's mapping,
/// the one every store uses); the rest of what the mapping gives is kept in columns.
const HEADER_TAGS: [PropTag; 11] = [
    PR_MESSAGE_CLASS,
    PR_SUBJECT_PREFIX,
    PR_NORMALIZED_SUBJECT,
    PR_TRANSPORT_MESSAGE_HEADERS,
    PR_SENDER_ADDRTYPE,
    PR_SENT_REPRESENTING_NAME,
    PR_SENT_REPRESENTING_EMAIL_ADDRESS,
    PR_SENT_REPRESENTING_ADDRTYPE,
    PR_DISPLAY_BCC,
    PR_IMPORTANCE,
    PR_IN_REPLY_TO_ID,
];

/// The properties derived from the message's header block, mapped by mapi-mime.
fn mime_props(raw_prefix: &[u8], set: &mut PropSet) {
    let headers = mapi_mime::header_block(raw_prefix);
    let row =
        mapi_mime::MessageProps::map(&mapi_mime::MessageParser::new(), headers).into_row(None);
    for tag in HEADER_TAGS {
        if let Some(v) = row.get(tag) {
            set.put(tag, Held::Value(v.clone()));
        }
    }
}

/// Reads a message's properties and version; `None` when it does not exist.
fn load(conn: &Connection, ctx: &Ctx, id: i64) -> Result<Option<(i64, PropSet)>, LocalError> {
    let sql = |e| ctx.sql(e);
    let mut stmt = conn
        .prepare_cached(
            "SELECT folder, subject, sender_name, sender_email, display_to, display_cc,
                    delivery_time, submit_time, size, message_id, flags, has_attach,
                    CASE WHEN octet_length(body) <= ?2 THEN body END, octet_length(body),
                    octet_length(raw),
                    coalesce((SELECT version FROM message_versions WHERE message = ?1), 0),
                    body_offset, body_len
             FROM messages WHERE id = ?1",
        )
        .map_err(sql)?;
    let entry = entryid::encode(&ctx.uid, ObjectKind::Message, id);
    let store_entry = entryid::encode(&ctx.uid, ObjectKind::Store, 0);
    let found = stmt
        .query_row(params![id, GETPROPS_LIMIT as i64], |r| {
            let mut s = PropSet::default();
            let mut put = |tag, v| s.put(tag, Held::Value(v));
            put(PR_ENTRYID, PropValue::Binary(entry.clone()));
            put(PR_RECORD_KEY, PropValue::Binary(entry.clone()));
            put(
                PR_PARENT_ENTRYID,
                PropValue::Binary(entryid::encode(&ctx.uid, ObjectKind::Folder, r.get(0)?)),
            );
            put(
                PR_OBJECT_TYPE,
                PropValue::Long(object_type::MAPI_MESSAGE as i32),
            );
            put(PR_STORE_ENTRYID, PropValue::Binary(store_entry.clone()));
            put(
                PR_STORE_RECORD_KEY,
                PropValue::Binary(ctx.uid.as_bytes().to_vec()),
            );
            put(PR_MESSAGE_CLASS, PropValue::Unicode("IPM.Note".into()));
            put(PR_SUBJECT, PropValue::Unicode(r.get(1)?));
            put(PR_SENDER_NAME, PropValue::Unicode(r.get(2)?));
            put(PR_SENDER_EMAIL_ADDRESS, PropValue::Unicode(r.get(3)?));
            put(PR_DISPLAY_TO, PropValue::Unicode(r.get(4)?));
            put(PR_DISPLAY_CC, PropValue::Unicode(r.get(5)?));
            put(
                PR_MESSAGE_DELIVERY_TIME,
                PropValue::SysTime(r.get::<_, i64>(6)? as u64),
            );
            if let Some(t) = r.get::<_, Option<i64>>(7)? {
                put(PR_CLIENT_SUBMIT_TIME, PropValue::SysTime(t as u64));
            }
            let size: i64 = r.get(8)?;
            put(
                PR_MESSAGE_SIZE,
                PropValue::Long(size.clamp(0, i32::MAX as i64) as i32),
            );
            let mid = r.get::<_, Option<String>>(9)?;
            put(
                PR_SEARCH_KEY,
                PropValue::Binary(crate::keys::search_key(mid.as_deref(), &entry)),
            );
            put(
                PR_INSTANCE_KEY,
                PropValue::Binary(crate::keys::instance_key(id)),
            );
            if let Some(mid) = mid {
                put(PR_INTERNET_MESSAGE_ID, PropValue::Unicode(mid));
            }
            let flags: i32 = r.get(10)?;
            put(PR_MESSAGE_FLAGS, PropValue::Long(flags));
            put(PR_READ, PropValue::Boolean(flags & 1 != 0));
            put(PR_HASATTACH, PropValue::Boolean(r.get(11)?));
            let in_raw = match (r.get::<_, Option<i64>>(16)?, r.get::<_, Option<i64>>(17)?) {
                (Some(at), Some(len)) => Some((at.max(0) as u64, len.max(0) as u64)),
                _ => None,
            };
            match (in_raw, r.get_ref(12)?) {
                // A part of the raw bytes (schema 8): read below, or through a stream.
                (Some((at, len)), _) if len > GETPROPS_LIMIT => {
                    s.put(PR_BODY, Held::Large(len, Place::Raw(at)));
                }
                (Some(_), _) => {}
                (None, ValueRef::Text(b) | ValueRef::Blob(b)) => {
                    put(PR_BODY, PropValue::Unicode(lossy(b)));
                }
                (None, _) => {
                    let len: i64 = r.get(13)?;
                    s.put(PR_BODY, Held::Large(len.max(0) as u64, Place::Body));
                }
            }
            Ok((s, r.get::<_, i64>(14)?, r.get::<_, i64>(15)?, in_raw))
        })
        .optional()
        .map_err(sql)?;
    let Some((mut set, raw_len, version, in_raw)) = found else {
        return Ok(None);
    };
    // One handle on `raw` serves both reads: the header prefix, and the body when it is
    // a small part of the raw bytes.
    let body_in_raw = in_raw.filter(|(_, len)| *len <= GETPROPS_LIMIT);
    let prefix_len = (raw_len.max(0) as usize).min(HEADER_SCAN);
    let mut prefix = vec![0; prefix_len];
    if prefix_len > 0 || body_in_raw.is_some() {
        let blob = conn
            .blob_open(MAIN_DB, c"messages", c"raw", id, true)
            .map_err(sql)?;
        let n = blob.read_at(&mut prefix, 0).map_err(sql)?;
        prefix.truncate(n);
        if let Some((at, len)) = body_in_raw {
            let mut body = vec![0; len as usize];
            let n = blob.read_at(&mut body, at as usize).map_err(sql)?;
            body.truncate(n);
            set.put(PR_BODY, Held::Value(PropValue::Unicode(lossy(&body))));
        }
    }
    mime_props(&prefix, &mut set);
    overlay(conn, ctx, id, &mut set)?;
    Ok(Some((version, set)))
}

/// Applies the message's `message_props` rows: set values, and deletions (NULL).
fn overlay(conn: &Connection, ctx: &Ctx, id: i64, set: &mut PropSet) -> Result<(), LocalError> {
    let sql = |e| ctx.sql(e);
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, tag, chunks, size, value IS NULL,
                    CASE WHEN octet_length(value) <= ?2 THEN value END, octet_length(value)
             FROM message_props WHERE message = ?1",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map(params![id, GETPROPS_LIMIT as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                PropTag(r.get::<_, i64>(1)? as u32),
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, Option<Vec<u8>>>(5)?,
                r.get::<_, Option<i64>>(6)?,
            ))
        })
        .map_err(sql)?;
    for row in rows {
        let (row_id, tag, chunks, size, null, small, len) = row.map_err(sql)?;
        let streams = streamable(tag.prop_type());
        if chunks > 0 && streams {
            set.put(tag, Held::Large(size.max(0) as u64, Place::Chunks(row_id)));
        } else if null {
            set.remove(tag.id());
        } else if let Some(bytes) = small {
            if let Some(v) = props::decode_stored(tag, bytes) {
                set.put(tag, Held::Value(v));
            }
        } else if streams {
            let len = len.unwrap_or(0).max(0) as u64;
            set.put(tag, Held::Large(len, Place::Inline(row_id)));
        }
    }
    Ok(())
}

/// The body of a message when it was written through a stream and is kept in chunks
/// (read whole: for the row API, which returns PR_BODY with every message).
pub fn chunked_body(conn: &Connection, message: i64) -> rusqlite::Result<Option<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.data FROM prop_chunks c JOIN message_props p ON c.prop = p.id
         WHERE p.message = ?1 AND p.prop_id = ?2 AND p.chunks > 0 ORDER BY c.seq",
    )?;
    let mut rows = stmt.query(params![message, PR_BODY.id()])?;
    let mut body: Option<Vec<u8>> = None;
    while let Some(r) = rows.next()? {
        body.get_or_insert_with(Vec::new)
            .extend_from_slice(r.get_ref(0)?.as_blob()?);
    }
    Ok(body.map(|b| lossy(&b)))
}

impl LocalMessage {
    /// Opens a message. `flags`: `MAPI_MODIFY` or `MAPI_BEST_ACCESS` for a writable
    /// object, `MAPI_DEFERRED_ERRORS`.
    pub fn open(ctx: Arc<Ctx>, entry: &[u8], flags: u32) -> Result<LocalMessage, LocalError> {
        check_flags(
            "OpenEntry",
            flags,
            MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS,
        )?;
        let id = entryid::decode(&ctx.uid, ObjectKind::Message, entry)?;
        let (version, props) =
            ctx.with_conn(|conn| load(conn, &ctx, id))?
                .ok_or_else(|| LocalError::NotFound {
                    what: format!("message {id}"),
                })?;
        let access = if flags & (MAPI_MODIFY | MAPI_BEST_ACCESS) != 0 {
            Access::ReadWrite
        } else {
            Access::ReadOnly
        };
        Ok(LocalMessage {
            inner: Arc::new(MessageInner {
                ctx,
                id: AtomicI64::new(id),
                state: Mutex::new(State {
                    access,
                    version,
                    props,
                    dirty: BTreeSet::new(),
                    new_in: None,
                    recipients: None,
                    attachments: None,
                }),
            }),
        })
    }
}

impl LocalMessage {
    /// `IMAPIFolder::CreateMessage`: a new message in `folder` (an existing folder's row
    /// id), writable, that exists only once saved. `flags`: `MAPI_DEFERRED_ERRORS`
    /// (`MAPI_ASSOCIATED` is `MAPI_E_NO_SUPPORT`: the store keeps no associated
    /// messages). It starts with PR_MESSAGE_CLASS `IPM.Note`, PR_IMPORTANCE normal,
    /// empty PR_DISPLAY_TO / _CC and PR_MESSAGE_FLAGS `initial_flags`; PR_ENTRYID comes
    /// with the first SaveChanges.
    pub fn create(
        ctx: Arc<Ctx>,
        folder: i64,
        flags: u32,
        initial_flags: i32,
    ) -> Result<LocalMessage, LocalError> {
        if flags & mapi_types::table::consts::MAPI_ASSOCIATED != 0 {
            return Err(LocalError::NoSupport {
                detail: "the local store keeps no associated messages".into(),
            });
        }
        check_flags("CreateMessage", flags, MAPI_DEFERRED_ERRORS)?;
        let mut props = PropSet::default();
        let mut put = |tag, v| props.put(tag, Held::Value(v));
        put(
            PR_PARENT_ENTRYID,
            PropValue::Binary(entryid::encode(&ctx.uid, ObjectKind::Folder, folder)),
        );
        put(
            PR_OBJECT_TYPE,
            PropValue::Long(object_type::MAPI_MESSAGE as i32),
        );
        put(
            PR_STORE_ENTRYID,
            PropValue::Binary(entryid::encode(&ctx.uid, ObjectKind::Store, 0)),
        );
        put(
            PR_STORE_RECORD_KEY,
            PropValue::Binary(ctx.uid.as_bytes().to_vec()),
        );
        put(PR_MESSAGE_CLASS, PropValue::Unicode("IPM.Note".into()));
        put(PR_MESSAGE_FLAGS, PropValue::Long(initial_flags));
        put(PR_READ, PropValue::Boolean(initial_flags & 1 != 0));
        put(PR_HASATTACH, PropValue::Boolean(false));
        put(PR_IMPORTANCE, PropValue::Long(1));
        put(PR_DISPLAY_TO, PropValue::Unicode(String::new()));
        put(PR_DISPLAY_CC, PropValue::Unicode(String::new()));
        let dirty = [
            PR_MESSAGE_CLASS.id(),
            PR_MESSAGE_FLAGS.id(),
            PR_IMPORTANCE.id(),
        ]
        .into();
        Ok(LocalMessage {
            inner: Arc::new(MessageInner {
                ctx,
                id: AtomicI64::new(0),
                state: Mutex::new(State {
                    access: Access::ReadWrite,
                    version: 0,
                    props,
                    dirty,
                    new_in: Some(folder),
                    recipients: Some(Recipients::default()),
                    attachments: Some(Attachments::default()),
                }),
            }),
        })
    }
}

impl MessageInner {
    /// The message's row id (0 for a created message not saved yet).
    pub(crate) fn id(&self) -> i64 {
        self.id.load(Ordering::Acquire)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn what(&self) -> String {
        match self.id() {
            0 => "the new message".into(),
            id => format!("message {id}"),
        }
    }

    pub(crate) fn writable(&self, st: &State) -> Result<(), LocalError> {
        props::check_writable(st.access, || self.what())
    }

    /// Takes a stream's committed value as the property's new value.
    pub fn stage(&self, tag: PropTag, staged: Arc<Staged>) -> Result<(), LocalError> {
        let mut st = self.lock();
        self.writable(&st)?;
        st.props.put(tag, Held::Staged(staged));
        st.dirty.insert(tag.id());
        Ok(())
    }

    /// Which of the named ids among `tags` have a name in the store's map.
    pub(crate) fn mapped_ids(
        &self,
        tags: impl Iterator<Item = PropTag>,
    ) -> Result<BTreeSet<u16>, LocalError> {
        let wanted: BTreeSet<u16> = tags.filter(|t| t.is_named()).map(|t| t.id()).collect();
        if wanted.is_empty() {
            return Ok(wanted);
        }
        self.ctx.with_conn(|conn| {
            let mut out = BTreeSet::new();
            for id in wanted {
                if named::is_mapped(conn, id).map_err(|e| self.ctx.sql(e))? {
                    out.insert(id);
                }
            }
            Ok(out)
        })
    }

    fn set_props_now(
        &self,
        values: &[(PropTag, PropValue)],
    ) -> Result<Vec<PropProblem>, LocalError> {
        crate::props::check_count(values.len())?;
        self.writable(&self.lock())?;
        let mapped = self.mapped_ids(values.iter().map(|(t, _)| *t))?;
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, (tag, value)) in values.iter().enumerate() {
            let problem =
                tag_problem(*tag, |id| mapped.contains(&id)).or_else(|| value_problem(*tag, value));
            if let Some(status) = problem {
                problems.push(PropProblem {
                    index,
                    tag: *tag,
                    status,
                });
                continue;
            }
            st.props.put(*tag, Held::Value(value.clone()));
            st.dirty.insert(tag.id());
            if tag.id() == PR_MESSAGE_FLAGS.id()
                && let PropValue::Long(f) = value
            {
                st.props
                    .put(PR_READ, Held::Value(PropValue::Boolean(f & 1 != 0)));
            }
        }
        Ok(problems)
    }

    fn delete_props_now(&self, tags: &[PropTag]) -> Result<Vec<PropProblem>, LocalError> {
        crate::props::check_count(tags.len())?;
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, tag) in tags.iter().enumerate() {
            let problem = match tag_problem(*tag, |_| true) {
                Some(s) => Some(s),
                None if st.props.remove(tag.id()) => None,
                None => Some(Status::MAPI_E_NOT_FOUND),
            };
            match problem {
                Some(status) => problems.push(PropProblem {
                    index,
                    tag: *tag,
                    status,
                }),
                None => {
                    st.dirty.insert(tag.id());
                }
            }
        }
        Ok(problems)
    }

    fn save_now(&self, flags: u32) -> Result<(), LocalError> {
        crate::props::check_save_flags(flags)?;
        let mut st = self.lock();
        self.writable(&st)?;
        let recipients_changed = st.recipients.as_ref().is_some_and(|r| r.dirty);
        if recipients_changed {
            // The store keeps PR_DISPLAY_TO / _CC / _BCC from the recipients.
            let names = st.recipients.as_ref().map(Recipients::display);
            if let Some(names) = names {
                for (tag, v) in [PR_DISPLAY_TO, PR_DISPLAY_CC, PR_DISPLAY_BCC]
                    .into_iter()
                    .zip(names)
                {
                    st.props.put(tag, Held::Value(PropValue::Unicode(v)));
                    st.dirty.insert(tag.id());
                }
            }
        }
        if let Some(has) = MessageInner::attachments_changed(&st) {
            // PR_HASATTACH and MSGFLAG_HASATTACH follow the attachments.
            let flags = match st.props.get(PR_MESSAGE_FLAGS.id()) {
                Some((_, Held::Value(PropValue::Long(f)))) => *f,
                _ => 0,
            };
            let flags = if has {
                flags | MSGFLAG_HASATTACH
            } else {
                flags & !MSGFLAG_HASATTACH
            };
            st.props
                .put(PR_MESSAGE_FLAGS, Held::Value(PropValue::Long(flags)));
            st.props
                .put(PR_HASATTACH, Held::Value(PropValue::Boolean(has)));
            st.dirty.insert(PR_MESSAGE_FLAGS.id());
        }
        if !st.dirty.is_empty() || st.new_in.is_some() {
            let version = self
                .ctx
                .with_conn(|conn| self.write(conn, &st, flags & FORCE_SAVE != 0))?;
            st.version = version;
            st.dirty.clear();
            if let Some(r) = st.recipients.as_mut() {
                r.dirty = false;
            }
            self.attachments_saved(&mut st)?;
            if st.new_in.take().is_some() {
                // The message exists now: it has its entry id.
                let entry = PropValue::Binary(entryid::encode(
                    &self.ctx.uid,
                    ObjectKind::Message,
                    self.id(),
                ));
                st.props.put(PR_ENTRYID, Held::Value(entry.clone()));
                st.props.put(PR_RECORD_KEY, Held::Value(entry));
                self.first_saved(&mut st)?;
            }
        }
        st.access = Access::after_save(flags);
        Ok(())
    }

    /// After a created message's first save: its Message-ID (made by the save when it
    /// had none), PR_SEARCH_KEY and PR_INSTANCE_KEY.
    fn first_saved(&self, st: &mut State) -> Result<(), LocalError> {
        let id = self.id();
        let mid: Option<String> = self.ctx.with_conn(|conn| {
            conn.prepare_cached("SELECT message_id FROM messages WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |r| r.get(0)))
                .map_err(|e| self.ctx.sql(e))
        })?;
        let entry = entryid::encode(&self.ctx.uid, ObjectKind::Message, id);
        let key = crate::keys::search_key(mid.as_deref(), &entry);
        st.props
            .put(PR_SEARCH_KEY, Held::Value(PropValue::Binary(key)));
        st.props.put(
            PR_INSTANCE_KEY,
            Held::Value(PropValue::Binary(crate::keys::instance_key(id))),
        );
        if let Some(mid) = mid {
            st.props
                .put(PR_INTERNET_MESSAGE_ID, Held::Value(PropValue::Unicode(mid)));
        }
        Ok(())
    }

    /// Writes every change in one transaction; returns the new version. A created
    /// message gets its row first (its id is kept only if the transaction commits); an
    /// unsent message (`MSGFLAG_UNSENT`) gets its RFC 5322 form rebuilt from its
    /// properties.
    fn write(&self, conn: &mut Connection, st: &State, force: bool) -> Result<i64, LocalError> {
        let result = self.write_tx(conn, st, force);
        if result.is_err() && st.new_in.is_some() {
            self.id.store(0, Ordering::Release);
        }
        result
    }

    fn write_tx(&self, conn: &mut Connection, st: &State, force: bool) -> Result<i64, LocalError> {
        let sql = |e| self.ctx.sql(e);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        if let Some(folder) = st.new_in {
            let id = crate::compose::insert_new(&tx, folder)
                .map_err(sql)?
                .ok_or_else(|| LocalError::ObjectDeleted {
                    what: format!("the folder {folder} of the new message"),
                })?;
            self.id.store(id, Ordering::Release);
        }
        let exists: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM messages WHERE id = ?1)")
            .and_then(|mut s| s.query_row([self.id()], |r| r.get(0)))
            .map_err(sql)?;
        if !exists {
            return Err(LocalError::ObjectDeleted { what: self.what() });
        }
        let now: i64 = tx
            .prepare_cached(
                "SELECT coalesce((SELECT version FROM message_versions WHERE message = ?1), 0)",
            )
            .and_then(|mut s| s.query_row([self.id()], |r| r.get(0)))
            .map_err(sql)?;
        if now != st.version && !force && st.new_in.is_none() {
            return Err(LocalError::ObjectChanged { what: self.what() });
        }
        for &id in &st.dirty {
            self.write_one(&tx, id, st.props.get(id))?;
        }
        if let Some(r) = st.recipients.as_ref().filter(|r| r.dirty) {
            recipients::save(&tx, self.id(), &r.rows).map_err(sql)?;
        }
        if let Some(a) = st.attachments.as_ref().filter(|a| a.dirty && !a.from_mime) {
            crate::attach::save(&tx, &self.ctx, self.id(), a)?;
        }
        crate::compose::rebuild_unsent(&tx, self.id()).map_err(|e| match e {
            crate::compose::BuildError::Sql(e) => sql(e),
            crate::compose::BuildError::Io(e) => LocalError::from_io(&self.ctx.path, "write", &e),
        })?;
        let next = now + 1;
        tx.prepare_cached(
            "INSERT INTO message_versions (message, version) VALUES (?1, ?2)
             ON CONFLICT (message) DO UPDATE SET version = excluded.version",
        )
        .and_then(|mut s| s.execute([self.id(), next]))
        .map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(next)
    }

    fn write_one(
        &self,
        conn: &Connection,
        id: u16,
        now: Option<&(PropTag, Held)>,
    ) -> Result<(), LocalError> {
        let sql = |e| self.ctx.sql(e);
        let io = |e: std::io::Error| LocalError::from_io(&self.ctx.path, "read", &e);
        // Any earlier row of the property goes first (its chunks with it, by trigger).
        conn.prepare_cached("DELETE FROM message_props WHERE message = ?1 AND prop_id = ?2")
            .and_then(|mut s| s.execute(params![self.id(), id]))
            .map_err(sql)?;
        let insert = |tag: PropTag, size: u64, chunks: i64, value: ToSqlOutput<'_>| {
            conn.prepare_cached(
                "INSERT INTO message_props (message, prop_id, tag, size, chunks, value)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| s.execute(params![self.id(), id, tag.0, size as i64, chunks, value]))
            .map_err(sql)?;
            Ok::<i64, LocalError>(conn.last_insert_rowid())
        };
        let chunked = |tag: PropTag, s: &Staged| {
            let row = insert(tag, s.len(), chunk_count(s.len()), ToSqlOutput::from(Null))?;
            write_chunks(conn, row, s).map_err(|e| match e {
                CopyError::Io(e) => io(e),
                CopyError::Sql(e) => self.ctx.sql(e),
            })
        };
        let deleted = PropTag::new(id, PropType::PT_NULL);
        let Some((column, kind)) = column_of(id) else {
            return match now {
                Some((tag, Held::Value(v))) => {
                    let bytes = props::encode_stored(v);
                    insert(*tag, bytes.len() as u64, 0, ToSqlOutput::from(bytes)).map(|_| ())
                }
                Some((tag, Held::Staged(s))) if s.len() <= GETPROPS_LIMIT => {
                    let bytes = s.read_small().map_err(io)?;
                    insert(*tag, bytes.len() as u64, 0, ToSqlOutput::from(bytes)).map(|_| ())
                }
                Some((tag, Held::Staged(s))) => chunked(*tag, s),
                Some((_, Held::Large(..))) => Ok(()),
                None => insert(deleted, 0, 0, ToSqlOutput::from(Null)).map(|_| ()),
            };
        };
        // A body set here is no longer the part of the raw bytes it may have been.
        let also = if kind == Col::Body {
            ", body_offset = NULL, body_len = NULL"
        } else {
            ""
        };
        let set = |v: ToSqlOutput<'_>| {
            conn.execute(
                &format!("UPDATE messages SET {column} = ?1{also} WHERE id = ?2"),
                params![v, self.id()],
            )
            .map_err(sql)
        };
        match now {
            Some((tag, Held::Staged(s))) if s.len() > GETPROPS_LIMIT => {
                if kind != Col::Body {
                    return Err(LocalError::TooBig {
                        detail: format!(
                            "{tag} may have at most {GETPROPS_LIMIT} bytes; nothing was saved"
                        ),
                    });
                }
                // A large body is kept in chunks; the column keeps no copy.
                set(ToSqlOutput::from(""))?;
                chunked(*tag, s)?;
            }
            Some((tag, Held::Staged(s))) => {
                let v = props::decode_raw(*tag, s.read_small().map_err(io)?);
                set(column_value(&v))?;
            }
            Some((_, Held::Value(v))) => {
                set(column_value(v))?;
            }
            Some((_, Held::Large(..))) => {}
            None => {
                let cleared = match kind {
                    Col::NullableText | Col::NullableTime => Some("NULL"),
                    Col::Text | Col::Body => Some("''"),
                    Col::Time | Col::Int => None,
                };
                if let Some(v) = cleared {
                    conn.execute(
                        &format!("UPDATE messages SET {column} = {v}{also} WHERE id = ?1"),
                        [self.id()],
                    )
                    .map_err(sql)?;
                }
                insert(deleted, 0, 0, ToSqlOutput::from(Null))?;
            }
        }
        Ok(())
    }

    /// The recipient list, read from the store on first use.
    fn recipients<'s>(&self, st: &'s mut State) -> Result<&'s mut Recipients, LocalError> {
        if st.recipients.is_none() {
            let rows = self
                .ctx
                .with_conn(|conn| recipients::load(conn, self.id()).map_err(|e| self.ctx.sql(e)))?;
            st.recipients = Some(Recipients { rows, dirty: false });
        }
        Ok(st.recipients.get_or_insert_with(Recipients::default))
    }

    fn modify_recipients_now(
        &self,
        flags: u32,
        rows: &[mapi_types::Row],
    ) -> Result<(), LocalError> {
        let mut st = self.lock();
        self.writable(&st)?;
        self.recipients(&mut st)?.modify(flags, rows)
    }

    fn recipient_table_now(&self, flags: u32) -> Result<mapi_types::MemorySource, LocalError> {
        check_flags(
            "GetRecipientTable",
            flags,
            mapi_types::object::MAPI_UNICODE | MAPI_DEFERRED_ERRORS,
        )?;
        let mut st = self.lock();
        if st.access == Access::Closed {
            return Err(LocalError::Closed);
        }
        Ok(self.recipients(&mut st)?.table())
    }

    fn open_property_now(
        self: &Arc<Self>,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> Result<LocalStream, LocalError> {
        let mapped = if flags & (MAPI_MODIFY | MAPI_CREATE) != 0 {
            self.mapped_ids(std::iter::once(tag))?
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
            || format!("{tag} of message {}", self.id()),
        )?;
        drop(st);
        LocalStream::new(
            self.clone() as Arc<dyn StreamOwner>,
            tag,
            flags & (MAPI_MODIFY | MAPI_CREATE) != 0,
            start,
            flags & STREAM_APPEND != 0,
        )
    }
}

impl StreamOwner for MessageInner {
    fn ctx(&self) -> &Ctx {
        &self.ctx
    }

    fn message_id(&self) -> i64 {
        self.id()
    }

    fn stage(&self, tag: PropTag, staged: Arc<Staged>) -> Result<(), LocalError> {
        MessageInner::stage(self, tag, staged)
    }
}

/// The checks of `OpenProperty` for `IID_IStream` on an object holding `props`, and what
/// the stream starts from. `writable` is whether the object may be changed; `mapped`
/// the named ids among the tag that have a name (asked only for writing); `what` names
/// the property for a `MAPI_E_NOT_FOUND`.
pub(crate) fn stream_start(
    props: &PropSet,
    writable: Result<(), LocalError>,
    mapped: &BTreeSet<u16>,
    tag: PropTag,
    interface: &MapiUid,
    flags: u32,
    what: impl FnOnce() -> String,
) -> Result<Start, LocalError> {
    check_flags(
        "OpenProperty",
        flags,
        MAPI_MODIFY | MAPI_CREATE | STREAM_APPEND | MAPI_DEFERRED_ERRORS,
    )?;
    if *interface != IID_ISTREAM {
        return Err(LocalError::NoInterface {
            detail: format!("OpenProperty offers only IStream here, not {interface}"),
        });
    }
    if !streamable(tag.prop_type()) {
        return Err(LocalError::NoSupport {
            detail: format!(
                "{tag:?} cannot be opened as a stream: only binary and string properties can"
            ),
        });
    }
    if flags & (MAPI_MODIFY | MAPI_CREATE) != 0 {
        writable?;
        match tag_problem(tag, |id| mapped.contains(&id)) {
            None => {}
            Some(Status::MAPI_E_COMPUTED) => {
                return Err(LocalError::ReadOnly {
                    what: format!("{tag} (a computed property)"),
                });
            }
            Some(status) => {
                return Err(LocalError::InvalidParameter {
                    detail: format!("{tag:?} cannot be written: {status}"),
                });
            }
        }
    }
    if flags & MAPI_CREATE != 0 {
        return Ok(Start::Empty);
    }
    let is_string = |t: PropType| streamable(t) && t != PropType::PT_BINARY;
    match props.get(tag.id()) {
        Some((stored, held))
            if stored.prop_type() == tag.prop_type()
                || (is_string(stored.prop_type()) && is_string(tag.prop_type())) =>
        {
            Ok(match held {
                Held::Value(v) => Start::Bytes(value_bytes(v)),
                Held::Large(len, place) => Start::Stored(*len, *place),
                Held::Staged(s) => Start::Staged(s.clone()),
            })
        }
        _ => Err(LocalError::NotFound { what: what() }),
    }
}

fn value_bytes(v: &PropValue) -> Vec<u8> {
    match v {
        PropValue::Binary(b) => b.clone(),
        PropValue::String8(s) | PropValue::Unicode(s) => s.as_bytes().to_vec(),
        _ => Vec::new(),
    }
}

/// A value as a `messages` column holds it.
fn column_value(v: &PropValue) -> ToSqlOutput<'_> {
    match v {
        PropValue::String8(s) | PropValue::Unicode(s) => ToSqlOutput::from(s.as_str()),
        PropValue::SysTime(t) => ToSqlOutput::from(*t as i64),
        PropValue::Long(n) => ToSqlOutput::from(*n),
        other => ToSqlOutput::from(other.as_i64().unwrap_or(0)),
    }
}

crate::object_impl::transacted_prop_object!(LocalMessage, object_type::MAPI_MESSAGE, get_props, {
    async fn modify_recipients(&self, flags: u32, rows: &[mapi_types::Row]) -> ProviderResult<()> {
        Ok(self.inner.modify_recipients_now(flags, rows)?)
    }

    async fn recipient_table(&self, flags: u32) -> ProviderResult<Box<dyn mapi_types::RowSource>> {
        Ok(Box::new(self.inner.recipient_table_now(flags)?))
    }

    async fn create_attach(&self, flags: u32) -> ProviderResult<(u32, Arc<dyn PropObject>)> {
        MessageAttach::create(&self.inner, flags)
    }

    async fn open_attach(&self, num: u32, flags: u32) -> ProviderResult<Arc<dyn PropObject>> {
        MessageAttach::open(&self.inner, num, flags)
    }

    async fn delete_attach(&self, num: u32, flags: u32) -> ProviderResult<()> {
        MessageAttach::delete(&self.inner, num, flags)
    }

    async fn attachment_table(&self, flags: u32) -> ProviderResult<Box<dyn mapi_types::RowSource>> {
        MessageAttach::table(&self.inner, flags)
    }

    async fn get_ids_from_names(
        &self,
        names: &[NameId],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<PropTag>>> {
        Ok(named::get_ids(&self.inner.ctx, names, flags)?)
    }

    async fn get_names_from_ids(
        &self,
        tags: Option<&[PropTag]>,
        guid: Option<&MapiUid>,
        flags: u32,
    ) -> ProviderResult<Reply<PropNames>> {
        Ok(named::get_names(&self.inner.ctx, tags, guid, flags)?)
    }
});
