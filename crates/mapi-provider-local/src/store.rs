//! [`LocalStore`]: a logged-on local message store (`MsgStore`) over one SQLite file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mapi_mime::MessageParser;
use mapi_spi::{
    EntryId, FolderKind, MsgStore, PropObject, ProviderResult, Reply, Settings, async_trait,
};
use mapi_types::object::{MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS, MAPI_MODIFY};
use mapi_types::table::consts::MAPI_ASSOCIATED;
use mapi_types::tags::*;
use mapi_types::{MapiUid, MemorySource, PropValue, Row, RowSource, Table, object_type};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, MAIN_DB, OptionalExtension, TransactionBehavior, ffi};

use crate::contents::{self, ContentsSource, Open, SharedDb};
use crate::dbfile::{self, path_setting};
use crate::entryid::{self, ObjectKind};
use crate::error::LocalError;
use crate::lock;
use crate::message::{Ctx, LocalMessage};
use crate::mime::{self, MSGFLAG_HASATTACH, Parsed};
use crate::objects::RowObject;
use crate::schema::{self, FOLDERS, STORE, folder_code};
use mapi_mime::MessageProps;

pub(crate) mod folder_ops;
mod overlap;

/// PR_MDB_PROVIDER of every local store: the store-type MAPIUID of this provider.
pub const LOCAL_STORE_PROVIDER: MapiUid = MapiUid([
    0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x2d, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x2d, 0x6d, 0x64, 0x62, 0x01,
]);

/// `MSGFLAG_READ`.
const MSGFLAG_READ: i64 = 0x1;
/// `FOLDER_GENERIC`.
const FOLDER_GENERIC: i32 = 1;
/// `STORE_ENTRYID_UNIQUE | STORE_MODIFY_OK | STORE_CREATE_OK | STORE_SUBMIT_OK |
/// STORE_RESTRICTION_OK | STORE_SORT_OK | STORE_UNICODE_OK`.
const STORE_SUPPORT_MASK: i32 = 0x1 | 0x8 | 0x10 | 0x80 | 0x1000 | 0x2000 | 0x4_0000;

/// The columns of a contents table, in order.
pub const CONTENTS_COLUMNS: [mapi_types::PropTag; 9] = [
    PR_ENTRYID,
    PR_SUBJECT,
    PR_SENDER_NAME,
    PR_SENDER_EMAIL_ADDRESS,
    PR_MESSAGE_DELIVERY_TIME,
    PR_MESSAGE_SIZE,
    PR_DISPLAY_TO,
    PR_MESSAGE_FLAGS,
    PR_HASATTACH,
];

/// A logged-on local store. Holds the SQLite connection and the session lock until
/// logoff or drop.
pub struct LocalStore {
    path: PathBuf,
    uid: MapiUid,
    /// PR_DISPLAY_NAME and the rest, shared with store objects (their SaveChanges
    /// brings it up to date).
    props: Arc<Mutex<Row>>,
    folders: Vec<(FolderKind, i64)>,
    /// Shared with the store's contents tables, which see `None` after logoff.
    open: SharedDb,
    /// Change reports for advise (`subscribe_changes`).
    changes: crate::changes::Changes,
}

impl LocalStore {
    /// Logs on to the store the settings name: checks the file, takes the session lock
    /// (exclusive when `exclusive` is set), opens and checks the database.
    pub fn logon(settings: &Settings) -> Result<LocalStore, LocalError> {
        let path = path_setting(settings)?;
        let exclusive = match settings.get("exclusive") {
            None => false,
            Some(v) if v.as_str().is_some_and(str::is_empty) => false,
            Some(_) => settings
                .bool("exclusive")
                .ok_or_else(|| LocalError::Unconfigured {
                    missing: vec!["exclusive".into()],
                })?,
        };
        if !path.exists() {
            // Say NOT_FOUND before a lock file is made next to a missing store.
            dbfile::inspect(&STORE, &path)?;
        }
        let lock = lock::acquire(&path, exclusive)?;
        let db = dbfile::open_for_logon(&STORE, &path)?;
        let uid = db.uid;
        let folders = load_folders(&db.conn, &path)?;
        let display_name = settings
            .str("display_name")
            .map(str::to_string)
            .unwrap_or_else(|| file_stem(&path));
        let mut props = store_props(&uid, &display_name, &folders);
        // What a client saved on the store object wins over the profile's name.
        let kept =
            crate::objects::read_store(&db.conn).map_err(|e| LocalError::from_sqlite(&path, &e))?;
        if let Some(name) = kept.name {
            props.set(PR_DISPLAY_NAME, PropValue::Unicode(name));
        }
        crate::objects::set_comment(&mut props, kept.comment.as_deref());
        let props = Arc::new(Mutex::new(props));
        Ok(LocalStore {
            path,
            uid,
            props,
            folders,
            open: Arc::new(Mutex::new(Some(Open { db, _lock: lock }))),
            changes: Default::default(),
        })
    }

    /// What the store's property objects share.
    fn ctx(&self) -> Arc<Ctx> {
        Arc::new(Ctx {
            db: self.open.clone(),
            path: self.path.clone(),
            uid: self.uid,
        })
    }

    fn open_folder_now(&self, entry: &[u8], flags: u32) -> Result<RowObject, LocalError> {
        crate::props::check_flags(
            "OpenEntry",
            flags,
            MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS,
        )?;
        let id = entryid::decode(&self.uid, ObjectKind::Folder, entry)?;
        let row = self
            .folders_now()?
            .into_iter()
            .find(|r| r.get(PR_ENTRYID).and_then(PropValue::as_bytes) == Some(entry))
            .ok_or_else(|| LocalError::NotFound {
                what: format!("folder {id}"),
            })?;
        let writable = flags & (MAPI_MODIFY | MAPI_BEST_ACCESS) != 0;
        RowObject::folder(self.ctx(), id, row, writable)
    }

    /// A new message in `folder`: `MSGFLAG_READ | MSGFLAG_UNSENT` (MS-OXCMSG's initial
    /// flags, a message being composed), only `MSGFLAG_READ` in the receive folder.
    fn create_message_now(&self, folder: &[u8], flags: u32) -> Result<LocalMessage, LocalError> {
        let id = self.with_conn(|conn| self.folder_id(conn, folder))?;
        let inbox = self
            .folders
            .iter()
            .any(|(k, f)| *k == FolderKind::Inbox && *f == id);
        let initial = if inbox {
            MSGFLAG_READ as i32
        } else {
            MSGFLAG_READ as i32 | crate::compose::MSGFLAG_UNSENT
        };
        LocalMessage::create(self.ctx(), id, flags, initial)
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, LocalError>,
    ) -> Result<T, LocalError> {
        let mut guard = self.open.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(open) => f(&mut open.db.conn),
            None => Err(LocalError::LoggedOff),
        }
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> LocalError + '_ {
        |err| LocalError::from_sqlite(&self.path, &err)
    }

    fn folder_entry(&self, id: i64) -> EntryId {
        entryid::encode(&self.uid, ObjectKind::Folder, id)
    }

    fn message_entry(&self, id: i64) -> EntryId {
        entryid::encode(&self.uid, ObjectKind::Message, id)
    }

    /// The row id of an existing folder named by an entry id.
    fn folder_id(&self, conn: &Connection, entry: &[u8]) -> Result<i64, LocalError> {
        let id = entryid::decode(&self.uid, ObjectKind::Folder, entry)?;
        let found: Option<i64> = conn
            .prepare_cached("SELECT id FROM folders WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(self.sql())?;
        found.ok_or_else(|| LocalError::NotFound {
            what: format!("folder {id}"),
        })
    }

    fn folders_now(&self) -> Result<Vec<Row>, LocalError> {
        self.with_conn(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT f.id, f.parent, f.name, f.class, f.comment,
                            (SELECT count(*) FROM messages m WHERE m.folder = f.id),
                            (SELECT count(*) FROM messages m WHERE m.folder = f.id
                                AND m.flags & ?1 = 0),
                            EXISTS (SELECT 1 FROM folders c WHERE c.parent = f.id)
                     FROM folders f ORDER BY f.id",
                )
                .map_err(self.sql())?;
            let rows = stmt
                .query_map([MSGFLAG_READ], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, bool>(7)?,
                    ))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(self.sql())?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, parent, name, class, comment, count, unread, subfolders)| {
                        let mut row = Row::default();
                        row.set(PR_ENTRYID, PropValue::Binary(self.folder_entry(id)));
                        if let Some(parent) = parent {
                            row.set(
                                PR_PARENT_ENTRYID,
                                PropValue::Binary(self.folder_entry(parent)),
                            );
                        }
                        row.set(PR_DISPLAY_NAME, PropValue::Unicode(name));
                        row.set(PR_CONTENT_COUNT, PropValue::Long(clamp_i32(count)));
                        row.set(PR_CONTENT_UNREAD, PropValue::Long(clamp_i32(unread)));
                        row.set(PR_SUBFOLDERS, PropValue::Boolean(subfolders));
                        row.set(PR_CONTAINER_CLASS, PropValue::Unicode(class));
                        crate::objects::set_comment(&mut row, comment.as_deref());
                        row.set(PR_FOLDER_TYPE, PropValue::Long(FOLDER_GENERIC));
                        row.set(
                            PR_OBJECT_TYPE,
                            PropValue::Long(object_type::MAPI_FOLDER as i32),
                        );
                        row
                    },
                )
                .collect())
        })
    }

    fn contents_now(&self, folder: &[u8]) -> Result<Table, LocalError> {
        self.with_conn(|conn| {
            let folder = self.folder_id(conn, folder)?;
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {} FROM messages WHERE folder = ?1
                     ORDER BY delivery_time DESC, id DESC",
                    contents::SUMMARY_SELECT
                ))
                .map_err(self.sql())?;
            let mut rows = stmt
                .query_map([folder], |r| contents::contents_row(&self.uid, r))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(self.sql())?;
            crate::contents_keys::add_keys(conn, &self.uid, folder, &mut rows)
                .map_err(self.sql())?;
            // Already in the default order: newest first.
            Ok(Table::new(CONTENTS_COLUMNS.to_vec(), rows))
        })
    }

    fn contents_source_now(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> Result<Box<dyn RowSource>, LocalError> {
        let id = self.with_conn(|conn| self.folder_id(conn, folder))?;
        if flags & MAPI_ASSOCIATED != 0 {
            // The store keeps no associated (hidden) messages.
            return Ok(Box::new(MemorySource::new(&CONTENTS_COLUMNS, Vec::new())));
        }
        let source = ContentsSource::new(self.open.clone(), self.path.clone(), self.uid, id);
        Ok(Box::new(crate::contents_keys::KeyedContents::new(
            Box::new(source),
            crate::message::Ctx {
                db: self.open.clone(),
                path: self.path.clone(),
                uid: self.uid,
            },
        )))
    }

    fn read_message_now(&self, entry: &[u8]) -> Result<Row, LocalError> {
        let id = entryid::decode(&self.uid, ObjectKind::Message, entry)?;
        self.with_conn(|conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT folder, delivery_time, flags, raw, subject, sender_name, sender_email,
                            display_to, display_cc, submit_time, message_id, {}
                     FROM messages WHERE id = ?1",
                    schema::BODY_SQL
                ))
                .map_err(self.sql())?;
            let row = stmt
                .query_row([id], |r| {
                    // Every message property comes from the one mapping the stores share;
                    // the store adds what is its own.
                    let raw = r.get_ref(3)?.as_blob()?;
                    let delivery = r.get::<_, i64>(1)? as u64;
                    let mut row =
                        MessageProps::map(&MessageParser::new(), raw).into_row(Some(delivery));
                    row.set(PR_ENTRYID, PropValue::Binary(self.message_entry(id)));
                    row.set(
                        PR_PARENT_ENTRYID,
                        PropValue::Binary(self.folder_entry(r.get(0)?)),
                    );
                    row.set(
                        PR_OBJECT_TYPE,
                        PropValue::Long(object_type::MAPI_MESSAGE as i32),
                    );
                    row.set(PR_MESSAGE_FLAGS, PropValue::Long(r.get(2)?));
                    // What SaveChanges wrote lives in the columns (imported messages
                    // hold the mapping's own values there).
                    for (i, tag) in [
                        (4, PR_SUBJECT),
                        (5, PR_SENDER_NAME),
                        (6, PR_SENDER_EMAIL_ADDRESS),
                        (7, PR_DISPLAY_TO),
                        (8, PR_DISPLAY_CC),
                        (10, PR_INTERNET_MESSAGE_ID),
                    ] {
                        if let Some(v) = r.get::<_, Option<String>>(i)? {
                            row.set(tag, PropValue::Unicode(v));
                        }
                    }
                    if let Some(t) = r.get::<_, Option<i64>>(9)? {
                        row.set(PR_CLIENT_SUBMIT_TIME, PropValue::SysTime(t as u64));
                    }
                    match r.get_ref(11)? {
                        rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                            row.set(
                                PR_BODY,
                                PropValue::Unicode(String::from_utf8_lossy(b).into_owned()),
                            );
                        }
                        _ => {}
                    }
                    Ok(row)
                })
                .optional()
                .map_err(self.sql())?;
            let mut row = row.ok_or_else(|| LocalError::NotFound {
                what: format!("message {id}"),
            })?;
            // A body written through a property stream is kept in chunks.
            if let Some(body) = crate::message::chunked_body(conn, id).map_err(self.sql())? {
                row.set(PR_BODY, PropValue::Unicode(body));
            }
            Ok(row)
        })
    }

    fn read_raw_now(&self, entry: &[u8]) -> Result<Vec<u8>, LocalError> {
        let id = entryid::decode(&self.uid, ObjectKind::Message, entry)?;
        self.with_conn(|conn| {
            let raw: Option<Vec<u8>> = conn
                .prepare_cached("SELECT raw FROM messages WHERE id = ?1")
                .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
                .map_err(self.sql())?;
            raw.ok_or_else(|| LocalError::NotFound {
                what: format!("message {id}"),
            })
        })
    }

    fn import_now(&self, folder: &[u8], messages: &[Vec<u8>]) -> Result<Vec<EntryId>, LocalError> {
        self.with_conn(|conn| {
            let folder = self.folder_id(conn, folder)?;
            let now = mapi_types::filetime_now();
            if messages.len() >= OVERLAP_MIN && two_threads() {
                let forecast = overlap::forecasts(messages, now);
                let order = insert_order(&forecast);
                match overlap::import(conn, folder, messages, &order, &forecast, now) {
                    Ok(rows) => {
                        return Ok(rows.into_iter().map(|r| self.message_entry(r)).collect());
                    }
                    Err(overlap::Stop::Sql(e)) => return Err(self.sql()(e)),
                    // Rolled back: the plain import below gives the answer.
                    Err(overlap::Stop::Replan) => {}
                }
            }
            let parsed = parse_all(messages, now)?;
            let times: Vec<u64> = parsed.iter().map(|p| p.delivery_time).collect();
            let mut ids = vec![EntryId::new(); parsed.len()];
            bulk_write(conn, |tx| {
                tx.execute_batch(schema::SUSPEND_INSERT_TRIGGERS)?;
                let first = next_message_id(tx)?;
                let mut insert = Inserter::new(tx)?;
                for (next, i) in (first..).zip(insert_order(&times)) {
                    insert.row(tx, folder, next, &parsed[i], &messages[i])?;
                    ids[i] = self.message_entry(next);
                }
                drop(insert);
                log_import(tx, folder, first, parsed.len())?;
                tx.execute_batch(schema::RESTORE_INSERT_TRIGGERS)
            })
            .map_err(self.sql())?;
            Ok(ids)
        })
    }

    fn delete_now(&self, entry: &[u8]) -> Result<(), LocalError> {
        let id = entryid::decode(&self.uid, ObjectKind::Message, entry)?;
        self.with_conn(|conn| {
            let n = conn
                .prepare_cached("DELETE FROM messages WHERE id = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(self.sql())?;
            if n == 0 {
                return Err(LocalError::NotFound {
                    what: format!("message {id}"),
                });
            }
            Ok(())
        })
    }

    fn move_now(&self, entry: &[u8], folder: &[u8]) -> Result<EntryId, LocalError> {
        let id = entryid::decode(&self.uid, ObjectKind::Message, entry)?;
        self.with_conn(|conn| {
            let folder = self.folder_id(conn, folder)?;
            let n = conn
                .prepare_cached("UPDATE messages SET folder = ?1 WHERE id = ?2")
                .and_then(|mut s| s.execute([folder, id]))
                .map_err(self.sql())?;
            if n == 0 {
                return Err(LocalError::NotFound {
                    what: format!("message {id}"),
                });
            }
            Ok(self.message_entry(id))
        })
    }
}

/// The order a batch is inserted in: newest first, as the folder's indexes keep
/// messages (by delivery time, newest first), so each index entry lands next to the
/// previous one instead of anywhere in the index. Messages with the same delivery time
/// keep their order in the batch, so the view order (ties: the later row first) is the
/// one inserting in batch order gives.
fn insert_order(delivery_times: &[u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..delivery_times.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(delivery_times[i]));
    order
}

/// A batch this large is parsed and inserted at once ([`overlap`]) when there are two
/// threads to do it.
const OVERLAP_MIN: usize = 256;

/// Whether this machine runs two threads at once.
fn two_threads() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
}

/// The page cache of a bulk write, in KiB (as `PRAGMA cache_size` takes it: negative).
const BULK_CACHE_KIB: i64 = -16 * 1024;

/// Runs `write` in one transaction that is all or nothing and on disk when this
/// returns: its commit syncs the WAL (`synchronous = FULL` for this commit; the
/// connection's `NORMAL` does not sync at commit), and is not followed by SQLite's
/// automatic checkpoint, which would copy the whole batch into the main file a second
/// time before returning. That copy is left to the next checkpoint: the next commit
/// that finds the WAL over SQLite's threshold, or logoff. The connection's settings
/// are put back whatever the outcome.
fn bulk_write<T, E: From<rusqlite::Error>>(
    conn: &mut Connection,
    write: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let synchronous: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0))?;
    let autocheckpoint: i64 = conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
    let temp_store: i64 = conn.pragma_query_value(None, "temp_store", |r| r.get(0))?;
    let cache_size: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // A page cache that holds the batch's index pages: with SQLite's 2 MiB one, pages
    // spill to the WAL mid-transaction and are written again as the batch goes on.
    conn.pragma_update(None, "cache_size", BULK_CACHE_KIB)?;
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
    // Statement journals in memory: each one holds a few pages, which would otherwise
    // spill to a temporary file.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // IMMEDIATE: the write lock is held from the start, so what the batch reads (the
    // next row id) is what it writes after.
    let done = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(E::from)
        .and_then(|tx| {
            let out = write(&tx)?;
            tx.commit()?;
            Ok(out)
        });
    let restored = conn
        .pragma_update(None, "synchronous", synchronous)
        .and_then(|()| conn.pragma_update(None, "temp_store", temp_store))
        .and_then(|()| conn.pragma_update(None, "cache_size", cache_size))
        .and_then(|()| {
            conn.execute_batch(&format!("PRAGMA wal_autocheckpoint = {autocheckpoint}"))
        });
    let out = done?;
    restored?;
    Ok(out)
}

/// A body or raw message larger than this is written through incremental blob I/O
/// instead of being bound: a bound value is copied by SQLite, a written one is not.
const WRITE_IN_PLACE: usize = 64 * 1024;

/// The columns of an imported message, in the order they are bound.
const INSERT_IMPORTED: &str = "INSERT INTO messages (id, folder, subject, sender_name, \
     sender_email, display_to, display_cc, delivery_time, submit_time, size, message_id, flags, \
     has_attach, body_offset, body_len, body, raw) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";

/// The row id the next inserted message gets, as SQLite would give it (one more than
/// the largest), so a batch inserted with explicit ids knows them. Call it inside the
/// write transaction that inserts them.
fn next_message_id(conn: &Connection) -> rusqlite::Result<i64> {
    let max: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM messages", [], |r| {
        r.get(0)
    })?;
    max.checked_add(1)
        .ok_or_else(|| rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_FULL), None))
}

/// What an import did without the insert triggers (dropped for its transaction,
/// `schema::SUSPEND_INSERT_TRIGGERS`): the folder's count, and one change-log row for
/// the batch, row ids `first` to `first + n - 1`, which the change watcher expands.
fn log_import(conn: &Connection, folder: i64, first: i64, n: usize) -> rusqlite::Result<()> {
    if n == 0 {
        return Ok(());
    }
    let n = n as i64;
    conn.prepare_cached("UPDATE folders SET msg_count = msg_count + ?2 WHERE id = ?1")?
        .execute([folder, n])?;
    conn.prepare_cached(
        "INSERT INTO store_changes (kind, is_folder, object, last_object, parent, flags)
         VALUES (1, 0, ?1, ?2, ?3, 0)",
    )?
    .execute([first, first + n - 1, folder])?;
    Ok(())
}

/// Inserts imported messages one row at a time (with the insert triggers gone, a
/// one-row insert needs no statement journal), without SQLite copying their large
/// values: a large body text or raw message is inserted as a zero-filled blob of its
/// size (the last columns of the row with bytes, so SQLite keeps them as lengths),
/// then written into the row through incremental blob I/O, which goes straight to the
/// database pages. Such a body is stored as a blob of UTF-8 bytes (a reader of the
/// column takes either form; messages are read back from their raw bytes). A body that
/// is a verbatim part of the raw bytes of a message under [`WRITE_IN_PLACE`] is not
/// stored again: the row says where it is (`body_offset`, `body_len`; `body` empty), so
/// its text is written once.
struct Inserter<'c> {
    stmt: rusqlite::CachedStatement<'c>,
}

impl<'c> Inserter<'c> {
    fn new(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(Inserter {
            stmt: conn.prepare_cached(INSERT_IMPORTED)?,
        })
    }

    fn row(
        &mut self,
        conn: &Connection,
        folder: i64,
        id: i64,
        p: &Parsed<'_>,
        raw: &[u8],
    ) -> rusqlite::Result<()> {
        let stmt = &mut self.stmt;
        // A body that is a part of the raw bytes is kept as where it is (schema 8), when
        // the raw bytes are bound: a zero-filled blob is only kept as its length when no
        // column after it holds bytes, and the two saying where the body is come last.
        let raw_len = in_place(raw)?;
        let in_raw = raw_len.is_none().then(|| body_in(raw, &p.body)).flatten();
        let text: &str = if in_raw.is_some() { "" } else { &p.body };
        let body = text.as_bytes();
        let body_len = in_place(body)?;
        let flags = if p.has_attach { MSGFLAG_HASATTACH } else { 0 };
        stmt.raw_bind_parameter(1, id)?;
        stmt.raw_bind_parameter(2, folder)?;
        stmt.raw_bind_parameter(3, &p.subject)?;
        stmt.raw_bind_parameter(4, &p.sender_name)?;
        stmt.raw_bind_parameter(5, &p.sender_email)?;
        stmt.raw_bind_parameter(6, &p.display_to)?;
        stmt.raw_bind_parameter(7, &p.display_cc)?;
        stmt.raw_bind_parameter(8, p.delivery_time as i64)?;
        stmt.raw_bind_parameter(9, p.submit_time.map(|t| t as i64))?;
        stmt.raw_bind_parameter(10, raw.len() as i64)?;
        stmt.raw_bind_parameter(11, &p.message_id)?;
        stmt.raw_bind_parameter(12, flags)?;
        stmt.raw_bind_parameter(13, p.has_attach)?;
        stmt.raw_bind_parameter(14, in_raw.as_ref().map(|r| r.start as i64))?;
        stmt.raw_bind_parameter(15, in_raw.map(|r| r.len() as i64))?;
        stmt.raw_bind_parameter(
            16,
            body_len.map_or(ToSqlOutput::from(text), ToSqlOutput::ZeroBlob),
        )?;
        stmt.raw_bind_parameter(
            17,
            raw_len.map_or(ToSqlOutput::from(raw), ToSqlOutput::ZeroBlob),
        )?;
        stmt.raw_execute()?;
        for (column, len, bytes) in [(c"body", body_len, body), (c"raw", raw_len, raw)] {
            if len.is_some() {
                let mut blob = conn.blob_open(MAIN_DB, c"messages", column, id, false)?;
                blob.write_at(bytes, 0)?;
                blob.close()?;
            }
        }
        Ok(())
    }
}

/// Where `body` is in `raw` when it is a part of it (the parser borrowed it: a text part
/// kept as is); `None` for an empty body or one made by decoding (its own allocation).
fn body_in(raw: &[u8], body: &str) -> Option<std::ops::Range<usize>> {
    let start = (body.as_ptr() as usize).checked_sub(raw.as_ptr() as usize)?;
    let end = start.checked_add(body.len())?;
    (!body.is_empty() && end <= raw.len()).then_some(start..end)
}

/// The length of the zero-filled blob a value over [`WRITE_IN_PLACE`] is inserted as;
/// `None` for a value that is bound as it is.
fn in_place(value: &[u8]) -> rusqlite::Result<Option<i32>> {
    if value.len() <= WRITE_IN_PLACE {
        return Ok(None);
    }
    let len = i32::try_from(value.len())
        .map_err(|_| rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_TOOBIG), None))?;
    Ok(Some(len))
}

/// Parses every message (on up to two threads for big batches); the first one that is
/// not a message fails the whole batch.
fn parse_all(messages: &[Vec<u8>], now: u64) -> Result<Vec<Parsed<'_>>, LocalError> {
    fn parse_range(
        start: usize,
        chunk: &[Vec<u8>],
        now: u64,
    ) -> Result<Vec<Parsed<'_>>, LocalError> {
        let parser = mapi_mime::mapping_parser();
        chunk
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                mime::parse(parser, raw, now).map_err(|detail| LocalError::BadMessage {
                    index: start + i,
                    detail,
                })
            })
            .collect()
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(2);
    if threads < 2 || messages.len() < 64 {
        return parse_range(0, messages, now);
    }
    let half = messages.len() / 2;
    let (first, second) = std::thread::scope(|s| {
        let second = s.spawn(|| parse_range(half, &messages[half..], now));
        let first = parse_range(0, &messages[..half], now);
        (first, second.join())
    });
    let mut out = first?;
    match second {
        Ok(rest) => out.extend(rest?),
        Err(_) => {
            return Err(LocalError::BadMessage {
                index: half,
                detail: "the parser failed on this part of the batch".into(),
            });
        }
    }
    Ok(out)
}

fn load_folders(conn: &Connection, path: &Path) -> Result<Vec<(FolderKind, i64)>, LocalError> {
    let mut out = Vec::with_capacity(FOLDERS.len());
    let mut stmt = conn
        .prepare("SELECT id FROM folders WHERE kind = ?1")
        .map_err(|e| LocalError::from_sqlite(path, &e))?;
    for (kind, code, name) in FOLDERS {
        let id: Option<i64> = stmt
            .query_row([code], |r| r.get(0))
            .optional()
            .map_err(|e| LocalError::from_sqlite(path, &e))?;
        let id = id.ok_or_else(|| LocalError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("the {name} folder is missing"),
        })?;
        out.push((kind, id));
    }
    Ok(out)
}

fn store_props(uid: &MapiUid, display_name: &str, folders: &[(FolderKind, i64)]) -> Row {
    let folder = |kind: FolderKind| {
        let id = folders
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .unwrap_or_default();
        PropValue::Binary(entryid::encode(uid, ObjectKind::Folder, id))
    };
    let store_entry = entryid::encode(uid, ObjectKind::Store, 0);
    let mut row = Row::default();
    row.set(
        PR_DISPLAY_NAME,
        PropValue::Unicode(display_name.to_string()),
    );
    row.set(PR_ENTRYID, PropValue::Binary(store_entry.clone()));
    row.set(PR_STORE_ENTRYID, PropValue::Binary(store_entry));
    row.set(PR_RECORD_KEY, PropValue::Binary(uid.as_bytes().to_vec()));
    row.set(
        PR_STORE_RECORD_KEY,
        PropValue::Binary(uid.as_bytes().to_vec()),
    );
    row.set(
        PR_MDB_PROVIDER,
        PropValue::Binary(LOCAL_STORE_PROVIDER.as_bytes().to_vec()),
    );
    row.set(
        PR_OBJECT_TYPE,
        PropValue::Long(object_type::MAPI_STORE as i32),
    );
    row.set(
        PR_PROVIDER_DISPLAY,
        PropValue::Unicode("Local message store".into()),
    );
    row.set(PR_STORE_SUPPORT_MASK, PropValue::Long(STORE_SUPPORT_MASK));
    row.set(PR_IPM_SUBTREE_ENTRYID, folder(FolderKind::IpmSubtree));
    row.set(PR_IPM_OUTBOX_ENTRYID, folder(FolderKind::Outbox));
    row.set(PR_IPM_WASTEBASKET_ENTRYID, folder(FolderKind::DeletedItems));
    row.set(PR_IPM_SENTMAIL_ENTRYID, folder(FolderKind::SentItems));
    row
}

/// The file name without its extension, for a display name.
pub fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn clamp_i32(v: i64) -> i32 {
    v.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

#[async_trait]
impl MsgStore for LocalStore {
    fn properties(&self) -> Row {
        self.props.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    async fn folders(&self) -> ProviderResult<Vec<Row>> {
        Ok(self.folders_now()?)
    }

    async fn folder(&self, kind: FolderKind) -> ProviderResult<EntryId> {
        let id = self
            .folders
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .ok_or_else(|| LocalError::NotFound {
                what: format!("the {kind:?} folder (code {})", folder_code(kind)),
            })?;
        Ok(self.folder_entry(id))
    }

    async fn contents(&self, folder: &[u8]) -> ProviderResult<Table> {
        Ok(self.contents_now(folder)?)
    }

    async fn contents_source(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> ProviderResult<Box<dyn RowSource>> {
        Ok(self.contents_source_now(folder, flags)?)
    }

    async fn read_message(&self, entry: &[u8]) -> ProviderResult<Row> {
        Ok(self.read_message_now(entry)?)
    }

    async fn read_raw(&self, entry: &[u8]) -> ProviderResult<Vec<u8>> {
        Ok(self.read_raw_now(entry)?)
    }

    async fn import_raw(
        &self,
        folder: &[u8],
        messages: Vec<Vec<u8>>,
    ) -> ProviderResult<Vec<EntryId>> {
        Ok(self.import_now(folder, &messages)?)
    }

    async fn delete_message(&self, entry: &[u8]) -> ProviderResult<()> {
        Ok(self.delete_now(entry)?)
    }

    async fn move_message(&self, entry: &[u8], folder: &[u8]) -> ProviderResult<EntryId> {
        Ok(self.move_now(entry, folder)?)
    }

    async fn create_folder(
        &self,
        parent: &[u8],
        name: &str,
        flags: u32,
    ) -> ProviderResult<EntryId> {
        Ok(self.create_folder_now(parent, name, flags)?)
    }

    async fn delete_folder(&self, parent: &[u8], folder: &[u8], flags: u32) -> ProviderResult<()> {
        Ok(self.delete_folder_now(parent, folder, flags)?)
    }

    async fn empty_folder(&self, folder: &[u8], flags: u32) -> ProviderResult<()> {
        Ok(self.empty_folder_now(folder, flags)?)
    }

    async fn copy_folder(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> ProviderResult<EntryId> {
        Ok(self.copy_folder_now(parent, folder, dest_parent, new_name, flags)?)
    }

    async fn copy_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<Option<EntryId>>>> {
        Ok(self.copy_messages_now(folder, messages, dest, flags)?)
    }

    async fn delete_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        flags: u32,
    ) -> ProviderResult<Reply<()>> {
        Ok(self.delete_messages_now(folder, messages, flags)?)
    }

    async fn set_read_flags(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> ProviderResult<Reply<()>> {
        Ok(self.set_read_flags_now(folder, messages, flags)?)
    }

    async fn get_receive_folder(&self, message_class: &str) -> ProviderResult<(EntryId, String)> {
        Ok(self.receive_folder_now(message_class)?)
    }

    async fn create_message(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> ProviderResult<Arc<dyn PropObject>> {
        Ok(Arc::new(self.create_message_now(folder, flags)?))
    }

    async fn open_message(&self, entry: &[u8], flags: u32) -> ProviderResult<Arc<dyn PropObject>> {
        Ok(Arc::new(LocalMessage::open(self.ctx(), entry, flags)?))
    }

    async fn open_folder(&self, entry: &[u8], flags: u32) -> ProviderResult<Arc<dyn PropObject>> {
        Ok(Arc::new(self.open_folder_now(entry, flags)?))
    }

    async fn open_store_object(&self) -> ProviderResult<Arc<dyn PropObject>> {
        Ok(Arc::new(RowObject::store(self.ctx(), self.props.clone())?))
    }

    fn subscribe_changes(
        &self,
        listener: Arc<dyn mapi_spi::ChangeListener>,
    ) -> ProviderResult<Option<mapi_spi::ChangeSubscription>> {
        let sub = self
            .changes
            .subscribe(&self.open, &self.path, self.uid, listener)?;
        Ok(Some(sub))
    }

    async fn logoff(&self) {
        self.changes.stop();
        // The connection is parked for the next logon, then the lock is freed.
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(Open { db, _lock }) = open {
            crate::idle::park(&self.path, db);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(conn: &Connection) -> (i64, i64, i64, i64) {
        let get = |name| {
            conn.pragma_query_value(None, name, |r| r.get::<_, i64>(0))
                .unwrap()
        };
        (
            get("synchronous"),
            get("wal_autocheckpoint"),
            get("temp_store"),
            get("cache_size"),
        )
    }

    #[test]
    fn a_bulk_write_is_all_or_nothing_and_puts_the_settings_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("t.db")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER NOT NULL)")
            .unwrap();
        let before = settings(&conn);
        assert_eq!(before, (1, 1000, 0, -2000));
        let failed = bulk_write(&mut conn, |tx| {
            tx.execute("INSERT INTO t VALUES (1)", [])?;
            tx.execute("INSERT INTO t VALUES (NULL)", [])
        });
        assert!(failed.is_err());
        assert_eq!(settings(&conn), before);
        let count = |c: &Connection| -> i64 {
            c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&conn), 0, "nothing of a failed batch stays");
        bulk_write(&mut conn, |tx| {
            assert_eq!(
                settings(tx),
                (2, 0, 2, BULK_CACHE_KIB),
                "FULL, no autocheckpoint, MEMORY, the bulk cache"
            );
            tx.execute("INSERT INTO t VALUES (1), (2)", [])
        })
        .unwrap();
        assert_eq!(settings(&conn), before);
        assert_eq!(count(&conn), 2);
        assert_eq!(next_message_id_of(&conn), 1);
    }

    fn next_message_id_of(conn: &Connection) -> i64 {
        conn.execute_batch("CREATE TABLE messages (id INTEGER PRIMARY KEY)")
            .unwrap();
        let first = next_message_id(conn).unwrap();
        conn.execute("INSERT INTO messages (id) VALUES (41)", [])
            .unwrap();
        assert_eq!(next_message_id(conn).unwrap(), 42);
        conn.execute("INSERT INTO messages (id) VALUES (?1)", [i64::MAX])
            .unwrap();
        assert!(next_message_id(conn).is_err(), "no id after the largest");
        first
    }
}
