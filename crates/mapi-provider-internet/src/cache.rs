//! The offline cache: one SQLite file per account holding the folder tree (with each
//! folder's UIDVALIDITY / UIDNEXT / HIGHESTMODSEQ) and the messages, keyed by
//! (folder, uidvalidity, uid) so an interrupted download resumes without duplicates.
//! Message bytes live in the [`Bodies`] file beside it (schema 2; rows of a schema-1
//! cache keep theirs in the `raw` column and stay readable). Deleting rows gives their
//! bytes back to the file system ([`Bodies::release`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use crate::bodies::{Bodies, Span};
use crate::error::{InternetError, Result};
use crate::imap::{ListEntry, MailboxState, wire};

/// Schema version kept in `user_version`.
pub const SCHEMA_VERSION: i64 = 6;

/// From schema 1: message bytes move to the bodies file; one index (contents by time,
/// unread counts from the same entries) instead of two.
const MIGRATE_1_TO_2: &str = "
ALTER TABLE messages ADD COLUMN body_offset INTEGER;
ALTER TABLE messages ADD COLUMN body_len INTEGER;
DROP INDEX IF EXISTS messages_by_time;
DROP INDEX IF EXISTS messages_by_seen;
CREATE INDEX messages_by_folder ON messages (folder_id, delivery_time, seen);
";

/// From schema 2: the queue of changes made offline, replayed in order at the next
/// online synchronisation.
const MIGRATE_2_TO_3: &str = "
CREATE TABLE IF NOT EXISTS pending (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL,
    folder BLOB NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_id INTEGER
);
";

/// From schema 3: queued folder changes name a second folder (RENAME's new name).
const MIGRATE_3_TO_4: &str = "
ALTER TABLE pending ADD COLUMN target BLOB;
";

/// From schema 4: a queued copy names its source message (dropped at replay when the
/// source left the server meanwhile), the map of named properties, and an index in the
/// order of contents tables sorted on delivery time (they page without a sort).
const MIGRATE_4_TO_5: &str = "
ALTER TABLE pending ADD COLUMN source_folder BLOB;
ALTER TABLE pending ADD COLUMN source_uidvalidity INTEGER;
ALTER TABLE pending ADD COLUMN source_uid INTEGER;
CREATE INDEX IF NOT EXISTS messages_by_delivery
    ON messages (folder_id, delivery_time IS NULL, delivery_time, id);
CREATE TABLE IF NOT EXISTS named_props (
    id INTEGER PRIMARY KEY,
    guid BLOB NOT NULL,
    kind INTEGER NOT NULL,
    lid INTEGER,
    name TEXT,
    name_key TEXT NOT NULL,
    UNIQUE (guid, kind, name_key)
);
";

/// From schema 5: each folder keeps its message and unread counts, maintained by
/// triggers on `messages`, so a folder's row, its properties and its contents table's
/// row count cost one lookup instead of counting a large folder's index. An update that
/// moves no message and changes no `seen` leaves the counts alone.
const MIGRATE_5_TO_6: &str = "
ALTER TABLE folders ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE folders ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;
UPDATE folders SET
    message_count = (SELECT count(*) FROM messages m WHERE m.folder_id = folders.id),
    unread_count = (SELECT count(*) FROM messages m WHERE m.folder_id = folders.id AND m.seen = 0);
CREATE TRIGGER IF NOT EXISTS messages_counted_in AFTER INSERT ON messages BEGIN
    UPDATE folders SET message_count = message_count + 1,
        unread_count = unread_count + (NEW.seen = 0)
    WHERE id = NEW.folder_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_counted_out AFTER DELETE ON messages BEGIN
    UPDATE folders SET message_count = message_count - 1,
        unread_count = unread_count - (OLD.seen = 0)
    WHERE id = OLD.folder_id;
END;
CREATE TRIGGER IF NOT EXISTS messages_recounted AFTER UPDATE OF folder_id, seen ON messages
WHEN OLD.folder_id IS NOT NEW.folder_id OR OLD.seen IS NOT NEW.seen BEGIN
    UPDATE folders SET message_count = message_count - 1,
        unread_count = unread_count - (OLD.seen = 0)
    WHERE id = OLD.folder_id;
    UPDATE folders SET message_count = message_count + 1,
        unread_count = unread_count + (NEW.seen = 0)
    WHERE id = NEW.folder_id;
END;
";

/// The migrations in order: `MIGRATIONS[v - 1]` takes schema `v` to `v + 1`.
const MIGRATIONS: [&str; 5] = [
    MIGRATE_1_TO_2,
    MIGRATE_2_TO_3,
    MIGRATE_3_TO_4,
    MIGRATE_4_TO_5,
    MIGRATE_5_TO_6,
];

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS folders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    imap_name BLOB UNIQUE,
    kind TEXT NOT NULL,
    parent_id INTEGER,
    display_name TEXT NOT NULL,
    selectable INTEGER NOT NULL DEFAULT 1,
    uidvalidity INTEGER NOT NULL DEFAULT 0,
    uidnext INTEGER NOT NULL DEFAULT 0,
    highestmodseq INTEGER
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    folder_id INTEGER NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    seen INTEGER NOT NULL,
    flags TEXT NOT NULL,
    size INTEGER NOT NULL,
    delivery_time INTEGER,
    subject TEXT,
    sender_name TEXT,
    sender_email TEXT,
    display_to TEXT,
    message_id TEXT,
    raw BLOB,
    body_offset INTEGER,
    body_len INTEGER,
    UNIQUE (folder_id, uidvalidity, uid)
);
CREATE INDEX IF NOT EXISTS messages_by_folder ON messages (folder_id, delivery_time, seen);
";

/// A folder as cached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FolderRow {
    /// Row id (part of the entry id).
    pub id: i64,
    /// IMAP name; `None` for local folders (the root, the Outbox).
    pub imap_name: Option<Vec<u8>>,
    /// `root`, `inbox`, `outbox`, `sent`, `drafts`, `trash` or `normal`.
    pub kind: String,
    /// Parent folder row id; `None` for the root.
    pub parent_id: Option<i64>,
    /// Display name.
    pub display_name: String,
    /// Whether messages can be in it (not `\Noselect`).
    pub selectable: bool,
    /// Last synchronised UIDVALIDITY (0: never).
    pub uidvalidity: u32,
    /// UIDNEXT after the last complete synchronisation (0: never).
    pub uidnext: u32,
    /// HIGHESTMODSEQ after the last complete synchronisation.
    pub highestmodseq: Option<u64>,
    /// Messages cached.
    pub count: i64,
    /// Unread messages cached.
    pub unread: i64,
}

/// A message as cached (without its bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRow {
    /// Row id (part of the entry id).
    pub id: i64,
    /// Folder row id.
    pub folder_id: i64,
    /// UIDVALIDITY the UID belongs to.
    pub uidvalidity: u32,
    /// UID on the server (local folders: a local counter).
    pub uid: u32,
    /// `\Seen` is set.
    pub seen: bool,
    /// Size in bytes.
    pub size: i64,
    /// Delivery time, seconds since the epoch.
    pub delivery_time: Option<i64>,
    /// Subject.
    pub subject: Option<String>,
    /// Sender's display name.
    pub sender_name: Option<String>,
    /// Sender's address.
    pub sender_email: Option<String>,
    /// Recipients, for display.
    pub display_to: Option<String>,
    /// Message-ID.
    pub message_id: Option<String>,
}

/// What a queued offline change does on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingOp {
    /// `UID STORE +FLAGS (\Seen)`.
    Seen,
    /// `UID STORE -FLAGS (\Seen)`.
    Unseen,
    /// `UID STORE +FLAGS (\Deleted)` and `UID EXPUNGE`.
    Delete,
    /// `APPEND` of a message cached with no server UID yet.
    Append,
    /// `CREATE` of the folder named `folder`.
    CreateFolder,
    /// `DELETE` of the folder named `folder`.
    DeleteFolder,
    /// `RENAME` of the folder named `folder` to `target`.
    RenameFolder,
}

impl PendingOp {
    fn name(self) -> &'static str {
        match self {
            PendingOp::Seen => "seen",
            PendingOp::Unseen => "unseen",
            PendingOp::Delete => "delete",
            PendingOp::Append => "append",
            PendingOp::CreateFolder => "create_folder",
            PendingOp::DeleteFolder => "delete_folder",
            PendingOp::RenameFolder => "rename_folder",
        }
    }

    fn from_name(name: &str) -> Option<PendingOp> {
        Some(match name {
            "seen" => PendingOp::Seen,
            "unseen" => PendingOp::Unseen,
            "delete" => PendingOp::Delete,
            "append" => PendingOp::Append,
            "create_folder" => PendingOp::CreateFolder,
            "delete_folder" => PendingOp::DeleteFolder,
            "rename_folder" => PendingOp::RenameFolder,
            _ => return None,
        })
    }
}

/// A change made offline, waiting for the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Its place in the queue.
    pub seq: i64,
    /// What it does.
    pub op: PendingOp,
    /// The server folder's name.
    pub folder: Vec<u8>,
    /// The UIDVALIDITY its UID belongs to. For an APPEND: 0, or the folder's
    /// UIDVALIDITY when a replay started sending it ([`Cache::mark_append`]).
    pub uidvalidity: u32,
    /// The message's UID. For an APPEND: 0, or the folder's UIDNEXT when a replay
    /// started sending it (a copy that reached the server has a UID from there on).
    pub uid: u32,
    /// For an APPEND: the cache row waiting for its UID.
    pub message_id: Option<i64>,
    /// For a RENAME: the folder's new name.
    pub target: Option<Vec<u8>>,
    /// For the APPEND of a copy made offline: the original's server folder,
    /// UIDVALIDITY and UID (the copy is dropped when the original left the server).
    pub source: Option<(Vec<u8>, u32, u32)>,
}

/// A message to store.
pub struct NewMessage<'a> {
    /// Folder row id.
    pub folder_id: i64,
    /// UIDVALIDITY.
    pub uidvalidity: u32,
    /// UID.
    pub uid: u32,
    /// Flags.
    pub flags: &'a [String],
    /// INTERNALDATE when known.
    pub internaldate: Option<i64>,
    /// The RFC 5322 bytes.
    pub raw: &'a [u8],
}

/// An open cache file.
pub struct Cache {
    conn: Connection,
    path: PathBuf,
    bodies: Bodies,
    store_uid: [u8; 16],
}

impl Cache {
    /// Whether a usable cache exists at `path` (a file from an earlier logon).
    pub fn exists(path: &Path) -> bool {
        path.is_file()
            && Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| {
                    c.query_row("SELECT count(*) FROM folders", [], |r| r.get::<_, i64>(0))
                })
                .is_ok_and(|n| n > 0)
    }

    /// Opens (creating when needed) the cache file.
    pub fn open(path: &Path) -> Result<Cache> {
        let err = |e: rusqlite::Error| InternetError::cache(path, e);
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(30)).map_err(err)?;
        crate::store::contents_sql::register(&conn).map_err(err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(InternetError::CacheVersion {
                path: path.display().to_string(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .map_err(err)?;
        if version < SCHEMA_VERSION {
            // a new file gets the schema 2 tables, then every later step
            let (base, first) = match version {
                v if v <= 0 => (SCHEMA, 2),
                v => ("", v),
            };
            let upgrade = std::iter::once(base)
                .chain(MIGRATIONS[(first - 1) as usize..].iter().copied())
                .collect::<Vec<_>>()
                .join(";\n");
            conn.execute_batch(&format!(
                "BEGIN; {upgrade}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(err)?;
        }
        let bodies = Bodies::open(path).map_err(|e| InternetError::cache(path, e))?;
        let mut cache = Cache {
            conn,
            path: path.to_path_buf(),
            bodies,
            store_uid: [0; 16],
        };
        cache.ensure_local_folders()?;
        cache.store_uid = cache.load_store_uid()?;
        // From here on FULL: this connection's commits (user changes, folder state) are
        // few and each is on disk when it returns; the download writer batches its own.
        cache
            .conn
            .execute_batch("PRAGMA synchronous=FULL")
            .map_err(|e| cache.err(e))?;
        Ok(cache)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SQLite connection (the named-property map's queries).
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    fn err(&self, e: rusqlite::Error) -> InternetError {
        InternetError::cache(&self.path, e)
    }

    fn body_err(&self, e: std::io::Error) -> InternetError {
        InternetError::cache(self.bodies.path(), e)
    }

    /// Where the bytes of the messages `filter` selects are (`?1` is bound to `arg`).
    fn spans(&self, filter: &str, arg: i64) -> Result<Vec<Span>> {
        spans(&self.conn, filter, arg).map_err(|e| self.err(e))
    }

    /// Gives the bytes of deleted rows back (failures only cost disk space).
    fn release(&self, spans: &[Span]) {
        if let Err(e) = self.bodies.release(spans) {
            log::debug!("cache {}: space not released: {e}", self.path.display());
        }
    }

    /// The store's 16-byte record key, made once per cache.
    pub fn store_uid(&self) -> [u8; 16] {
        self.store_uid
    }

    /// Reads the store's record key, making it the first time.
    fn load_store_uid(&self) -> Result<[u8; 16]> {
        let existing: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'store_uid'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(v) = existing {
            return v
                .try_into()
                .map_err(|_| InternetError::cache(&self.path, "damaged store_uid"));
        }
        let uid = mapi_types::MapiUid::random().0;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('store_uid', ?1)",
                [uid.to_vec()],
            )
            .map_err(|e| self.err(e))?;
        Ok(uid)
    }

    fn ensure_local_folders(&self) -> Result<()> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM folders WHERE kind = 'root'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            self.conn
                .execute_batch(
                    "INSERT INTO folders (kind, parent_id, display_name, selectable) VALUES ('root', NULL, 'Top of Information Store', 0);
                     INSERT INTO folders (kind, parent_id, display_name) VALUES ('outbox', last_insert_rowid(), 'Outbox');",
                )
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Every folder, with counts.
    pub fn folders(&self) -> Result<Vec<FolderRow>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{FOLDER_COLUMNS} ORDER BY f.id"))
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], folder_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// One folder.
    pub fn folder(&self, id: i64) -> Result<FolderRow> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{FOLDER_COLUMNS} WHERE f.id = ?1"))
            .map_err(|e| self.err(e))?;
        st.query_row([id], folder_row)
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| InternetError::NotFound("folder".into()))
    }

    /// A folder's computed properties as the cache has them now, in one query: its
    /// messages, its unread messages, and whether it has subfolders.
    pub fn folder_counts(&self, id: i64) -> Result<(i64, i64, bool)> {
        self.conn
            .prepare_cached(
                "SELECT message_count, unread_count,
                        EXISTS (SELECT 1 FROM folders WHERE parent_id = ?1)
                 FROM folders WHERE id = ?1",
            )
            .and_then(|mut st| st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))
            .map_err(|e| self.err(e))
    }

    /// Makes the cached tree match a LIST result: new folders are added, vanished ones
    /// (and their messages) dropped; well-known folders are recognised.
    pub fn apply_list(&mut self, entries: &[ListEntry]) -> Result<()> {
        let root: i64 = self
            .conn
            .query_row("SELECT id FROM folders WHERE kind = 'root'", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))?;
        let kinds = well_known(entries);
        let tx = self
            .conn
            .transaction()
            .map_err(|e| InternetError::cache(&self.path, e))?;
        let err = |e: rusqlite::Error| InternetError::cache(&self.path, e);
        let mut ids: HashMap<Vec<u8>, i64> = HashMap::new();
        let mut freed = Vec::new();
        {
            let mut find = tx
                .prepare("SELECT id FROM folders WHERE imap_name = ?1")
                .map_err(err)?;
            for (e, kind) in entries.iter().zip(&kinds) {
                let selectable = !e.attributes.iter().any(|a| {
                    a.eq_ignore_ascii_case("\\Noselect") || a.eq_ignore_ascii_case("\\NonExistent")
                });
                let leaf = match e.delimiter {
                    Some(d) => e.name.rsplit(|&b| b == d).next().unwrap_or(&e.name),
                    None => &e.name[..],
                };
                let display = if kind == "inbox" {
                    "Inbox".to_string()
                } else {
                    wire::decode_mutf7(leaf)
                };
                let id: Option<i64> = find
                    .query_row([&e.name], |r| r.get(0))
                    .optional()
                    .map_err(err)?;
                let id = match id {
                    Some(id) => {
                        tx.execute("UPDATE folders SET kind = ?2, display_name = ?3, selectable = ?4 WHERE id = ?1", params![id, kind, display, selectable])
                            .map_err(err)?;
                        id
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO folders (imap_name, kind, parent_id, display_name, selectable) VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![e.name, kind, root, display, selectable],
                        )
                        .map_err(err)?;
                        tx.last_insert_rowid()
                    }
                };
                ids.insert(e.name.clone(), id);
            }
            for e in entries {
                let parent = e
                    .delimiter
                    .and_then(|d| {
                        e.name
                            .iter()
                            .rposition(|&b| b == d)
                            .map(|i| e.name[..i].to_vec())
                    })
                    .and_then(|p| ids.get(&p).copied())
                    .unwrap_or(root);
                tx.execute(
                    "UPDATE folders SET parent_id = ?2 WHERE id = ?1",
                    params![ids[&e.name], parent],
                )
                .map_err(err)?;
            }
            let mut gone = Vec::new();
            let mut all = tx
                .prepare("SELECT id, imap_name FROM folders WHERE imap_name IS NOT NULL")
                .map_err(err)?;
            let rows = all
                .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))
                .map_err(err)?;
            for row in rows {
                let (id, name) = row.map_err(err)?;
                if !ids.contains_key(&name) {
                    gone.push(id);
                }
            }
            for id in gone {
                freed.extend(spans(&tx, "folder_id = ?1", id).map_err(err)?);
                tx.execute("DELETE FROM messages WHERE folder_id = ?1", [id])
                    .map_err(err)?;
                tx.execute("DELETE FROM folders WHERE id = ?1", [id])
                    .map_err(err)?;
            }
        }
        if let Some(d) = entries.iter().find_map(|e| e.delimiter) {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('delimiter', ?1)",
                [vec![d]],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        self.release(&freed);
        Ok(())
    }

    /// Queues a change made offline (replayed in order by the next synchronisation).
    pub fn queue(&self, change: &Pending) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO pending (op, folder, uidvalidity, uid, message_id, target,
                     source_folder, source_uidvalidity, source_uid)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut st| {
                let source = change.source.as_ref();
                st.execute(params![
                    change.op.name(),
                    change.folder,
                    change.uidvalidity,
                    change.uid,
                    change.message_id,
                    change.target,
                    source.map(|s| &s.0),
                    source.map(|s| s.1),
                    source.map(|s| s.2)
                ])
            })
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The queued changes, oldest first.
    pub fn pending(&self) -> Result<Vec<Pending>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT seq, op, folder, uidvalidity, uid, message_id, target,
                     source_folder, source_uidvalidity, source_uid
                 FROM pending ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                    r.get::<_, Option<Vec<u8>>>(6)?,
                    (
                        r.get::<_, Option<Vec<u8>>>(7)?,
                        r.get::<_, Option<u32>>(8)?,
                        r.get::<_, Option<u32>>(9)?,
                    ),
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, op, folder, uidvalidity, uid, message_id, target, source) =
                row.map_err(|e| self.err(e))?;
            let source = match source {
                (Some(f), Some(v), Some(u)) => Some((f, v, u)),
                _ => None,
            };
            // an operation this version does not know is dropped, not replayed wrongly
            let Some(op) = PendingOp::from_name(&op) else {
                self.done(seq)?;
                continue;
            };
            out.push(Pending {
                seq,
                op,
                folder,
                uidvalidity,
                uid,
                message_id,
                target,
                source,
            });
        }
        Ok(out)
    }

    /// Records, before a queued APPEND is sent, the folder's UIDVALIDITY and UIDNEXT:
    /// should the replay be cut short after the server stored the message, the next
    /// one looks for it from that UID on instead of sending it again.
    pub fn mark_append(&self, seq: i64, uidvalidity: u32, uidnext: u32) -> Result<()> {
        self.conn
            .execute(
                "UPDATE pending SET uidvalidity = ?2, uid = ?3 WHERE seq = ?1",
                params![seq, uidvalidity, uidnext],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// A queued change was replayed (or dropped).
    pub fn done(&self, seq: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM pending WHERE seq = ?1", [seq])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records the original of the copy whose queued APPEND stores cache row
    /// `message_id`: its server folder, UIDVALIDITY and UID.
    pub fn set_append_source(&self, message_id: i64, source: (&[u8], u32, u32)) -> Result<()> {
        self.conn
            .execute(
                "UPDATE pending SET source_folder = ?2, source_uidvalidity = ?3, source_uid = ?4
                 WHERE op = 'append' AND message_id = ?1",
                params![message_id, source.0, source.1, source.2],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Drops the queued APPEND of cache row `message_id` (the message was deleted before
    /// it reached the server); returns whether there was one.
    pub fn unqueue_append(&self, message_id: i64) -> Result<bool> {
        self.conn
            .execute(
                "DELETE FROM pending WHERE op = 'append' AND message_id = ?1",
                [message_id],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err(e))
    }

    /// A folder renamed on the server: its row (and its subfolders' rows, whose names
    /// start with `old` and the delimiter) take the new names, keeping their ids and
    /// cached messages.
    pub fn rename_folder(&self, old: &[u8], new: &[u8], delimiter: Option<u8>) -> Result<()> {
        let mut renames = vec![(old.to_vec(), new.to_vec())];
        if let Some(d) = delimiter {
            let mut prefix = old.to_vec();
            prefix.push(d);
            for f in self.folders()? {
                if let Some(name) = f.imap_name.filter(|n| n.starts_with(&prefix)) {
                    let mut renamed = new.to_vec();
                    renamed.push(d);
                    renamed.extend_from_slice(&name[prefix.len()..]);
                    renames.push((name, renamed));
                }
            }
        }
        let mut st = self
            .conn
            .prepare_cached("UPDATE folders SET imap_name = ?2 WHERE imap_name = ?1")
            .map_err(|e| self.err(e))?;
        for (from, to) in renames {
            st.execute(params![from, to]).map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// Drops a folder's messages and sync state (its UIDVALIDITY changed).
    pub fn reset_folder(&self, id: i64, uidvalidity: u32) -> Result<()> {
        let freed = self.spans("folder_id = ?1", id)?;
        self.conn
            .execute_batch(&format!(
                "BEGIN; DELETE FROM messages WHERE folder_id = {id};
                 UPDATE folders SET uidvalidity = {uidvalidity}, uidnext = 0, highestmodseq = NULL WHERE id = {id}; COMMIT;"
            ))
            .map_err(|e| self.err(e))?;
        self.release(&freed);
        Ok(())
    }

    /// Records a folder's state after a complete synchronisation.
    pub fn set_folder_state(&self, id: i64, st: &MailboxState) -> Result<()> {
        set_folder_state(&self.conn, id, st).map_err(|e| self.err(e))
    }

    /// UID -> (row id, flags) of a folder's cached messages.
    pub fn uids(&self, folder_id: i64, uidvalidity: u32) -> Result<HashMap<u32, (i64, String)>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT uid, id, flags FROM messages WHERE folder_id = ?1 AND uidvalidity = ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![folder_id, uidvalidity], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    (r.get::<_, i64>(1)?, r.get::<_, String>(2)?),
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<HashMap<_, _>>>()
            .map_err(|e| self.err(e))
    }

    /// Every cached message: row id -> (folder id, flags), for the change watcher.
    pub fn snapshot(&self) -> Result<HashMap<i64, (i64, String)>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, folder_id, flags FROM messages")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    (r.get::<_, i64>(1)?, r.get::<_, String>(2)?),
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<HashMap<_, _>>>()
            .map_err(|e| self.err(e))
    }

    /// Applies the server's view of existing messages: removes rows `gone`, updates
    /// flags of `changed`.
    pub fn apply_changes(&self, gone: &[i64], changed: &[(i64, Vec<String>)]) -> Result<()> {
        if gone.is_empty() && changed.is_empty() {
            return Ok(());
        }
        let mut freed = Vec::new();
        let mut run = || -> rusqlite::Result<()> {
            self.conn.execute_batch("BEGIN")?;
            {
                let mut del = self
                    .conn
                    .prepare_cached("DELETE FROM messages WHERE id = ?1")?;
                for id in gone {
                    freed.extend(spans(&self.conn, "id = ?1", *id)?);
                    del.execute([id])?;
                }
                let mut upd = self
                    .conn
                    .prepare_cached("UPDATE messages SET flags = ?2, seen = ?3 WHERE id = ?1")?;
                for (id, flags) in changed {
                    upd.execute(params![id, flags.join(" "), is_seen(flags)])?;
                }
            }
            self.conn.execute_batch("COMMIT")
        };
        run().map_err(|e| {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.err(e)
        })?;
        self.release(&freed);
        Ok(())
    }

    /// Stores one message (ignored when its key is already cached); returns its row id.
    pub fn insert(&self, m: &NewMessage<'_>) -> Result<i64> {
        let span = self.bodies.append(m.raw).map_err(|e| self.body_err(e))?;
        self.bodies.sync().map_err(|e| self.body_err(e))?;
        if !insert(&self.conn, &Record::new(m, span)).map_err(|e| self.err(e))? {
            self.release(&[span]);
        }
        self.conn
            .query_row(
                "SELECT id FROM messages WHERE folder_id = ?1 AND uidvalidity = ?2 AND uid = ?3",
                params![m.folder_id, m.uidvalidity, m.uid],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Stores messages in one transaction, their bytes appended and synced once (a
    /// message whose key is already cached is skipped); returns how many were new.
    pub fn insert_batch(&self, messages: &[NewMessage<'_>]) -> Result<usize> {
        let raws: Vec<&[u8]> = messages.iter().map(|m| m.raw).collect();
        let spans = self
            .bodies
            .append_all(&raws)
            .map_err(|e| self.body_err(e))?;
        self.bodies.sync().map_err(|e| self.body_err(e))?;
        let run = || -> rusqlite::Result<(usize, Vec<Span>)> {
            self.conn.execute_batch("BEGIN")?;
            let mut unused = Vec::new();
            for (m, span) in messages.iter().zip(&spans) {
                if !insert(&self.conn, &Record::new(m, *span))? {
                    unused.push(*span);
                }
            }
            self.conn.execute_batch("COMMIT")?;
            Ok((messages.len() - unused.len(), unused))
        };
        let (new, unused) = run().map_err(|e| {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.err(e)
        })?;
        self.release(&unused);
        Ok(new)
    }

    /// The next local UID of a local folder.
    pub fn next_local_uid(&self, folder_id: i64) -> Result<u32> {
        self.conn
            .query_row(
                "SELECT coalesce(max(uid), 0) + 1 FROM messages WHERE folder_id = ?1",
                [folder_id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// One message's row.
    pub fn message(&self, id: i64) -> Result<MessageRow> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{MSG_COLUMNS} WHERE id = ?1"))
            .map_err(|e| self.err(e))?;
        st.query_row([id], message_row)
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| InternetError::NotFound("message".into()))
    }

    /// A folder's messages, newest first.
    pub fn messages(&self, folder_id: i64) -> Result<Vec<MessageRow>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "{MSG_COLUMNS} WHERE folder_id = ?1 ORDER BY delivery_time DESC, id DESC"
            ))
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([folder_id], message_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// How many messages a folder holds.
    pub fn folder_count(&self, folder_id: i64) -> Result<usize> {
        self.conn
            .prepare_cached("SELECT message_count FROM folders WHERE id = ?1")
            .and_then(|mut st| st.query_row([folder_id], |r| r.get::<_, i64>(0)).optional())
            .map(Option::unwrap_or_default)
            .map(|n| n.max(0) as usize)
            .map_err(|e| self.err(e))
    }

    /// A page of a folder's messages in `order`, an `ORDER BY` list the caller builds
    /// from fixed column names only (never from input).
    pub fn page(
        &self,
        folder_id: i64,
        order: &str,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<MessageRow>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "{MSG_COLUMNS} WHERE folder_id = ?1 ORDER BY {order} LIMIT ?2 OFFSET ?3"
            ))
            .map_err(|e| self.err(e))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let rows = st
            .query_map(params![folder_id, limit, offset], message_row)
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))
    }

    /// Calls `each` with every message of a folder, newest first, one row at a time
    /// (the folder is never held whole).
    pub fn scan(&self, folder_id: i64, each: impl FnMut(MessageRow) -> Result<()>) -> Result<()> {
        self.scan_where(folder_id, "1", &[], "delivery_time DESC, id DESC", each)
    }

    /// Calls `each` with every message of a folder where `filter` holds, in `order`,
    /// one row at a time. `filter` and `order` are SQL the contents source builds from
    /// fixed column names only (never from input); values are bound as `params`.
    pub(crate) fn scan_where(
        &self,
        folder_id: i64,
        filter: &str,
        params: &[Value],
        order: &str,
        mut each: impl FnMut(MessageRow) -> Result<()>,
    ) -> Result<()> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "{MSG_COLUMNS} WHERE folder_id = ? AND {filter} ORDER BY {order}"
            ))
            .map_err(|e| self.err(e))?;
        let all = std::iter::once(Value::Integer(folder_id)).chain(params.iter().cloned());
        let mut rows = st
            .query(rusqlite::params_from_iter(all))
            .map_err(|e| self.err(e))?;
        while let Some(r) = rows.next().map_err(|e| self.err(e))? {
            each(message_row(r).map_err(|e| self.err(e))?)?;
        }
        Ok(())
    }

    /// The ids of a folder's messages where `filter` holds, in `order` (both as for
    /// [`Cache::scan_where`]).
    pub(crate) fn ids_where(
        &self,
        folder_id: i64,
        filter: &str,
        params: &[Value],
        order: &str,
    ) -> Result<Vec<i64>> {
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT id FROM messages WHERE folder_id = ? AND {filter} ORDER BY {order}"
            ))
            .map_err(|e| self.err(e))?;
        let all = std::iter::once(Value::Integer(folder_id)).chain(params.iter().cloned());
        st.query_map(rusqlite::params_from_iter(all), |r| r.get(0))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<i64>>>()
            .map_err(|e| self.err(e))
    }

    /// A message's bytes.
    pub fn raw(&self, id: i64) -> Result<Vec<u8>> {
        let (inline, offset, len): (Option<Vec<u8>>, Option<i64>, Option<i64>) = self
            .conn
            .query_row(
                "SELECT raw, body_offset, body_len FROM messages WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| InternetError::NotFound("message".into()))?;
        match (offset, len) {
            (Some(offset), Some(len)) => self
                .bodies
                .read(Span {
                    offset: offset as u64,
                    len: len as u64,
                })
                .map_err(|e| self.body_err(e)),
            _ => Ok(inline.unwrap_or_default()),
        }
    }

    /// Removes a message row.
    pub fn delete(&self, id: i64) -> Result<()> {
        let freed = self.spans("id = ?1", id)?;
        self.conn
            .execute("DELETE FROM messages WHERE id = ?1", [id])
            .map_err(|e| self.err(e))?;
        self.release(&freed);
        Ok(())
    }

    /// Moves a message row to another folder under a new key.
    pub fn relocate(&self, id: i64, folder_id: i64, uidvalidity: u32, uid: u32) -> Result<()> {
        self.conn
            .execute(
                "UPDATE messages SET folder_id = ?2, uidvalidity = ?3, uid = ?4 WHERE id = ?1",
                params![id, folder_id, uidvalidity, uid],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// A message's flags as cached.
    pub fn message_flags(&self, id: i64) -> Result<Vec<String>> {
        let flags: String = self
            .conn
            .prepare_cached("SELECT flags FROM messages WHERE id = ?1")
            .and_then(|mut st| st.query_row([id], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))?
            .ok_or_else(|| InternetError::NotFound("message".into()))?;
        Ok(flags.split_whitespace().map(str::to_string).collect())
    }

    /// Gives message row `id` new bytes, flags and key, keeping its row id (so its
    /// entry id): a saved message replaced by its new version.
    pub fn replace(&self, id: i64, m: &NewMessage<'_>) -> Result<()> {
        let old = self.spans("id = ?1", id)?;
        let span = self.bodies.append(m.raw).map_err(|e| self.body_err(e))?;
        self.bodies.sync().map_err(|e| self.body_err(e))?;
        let r = Record::new(m, span);
        let s = &r.summary;
        let n = self
            .conn
            .prepare_cached(
                "UPDATE messages SET folder_id = ?2, uidvalidity = ?3, uid = ?4, seen = ?5, flags = ?6,
                     size = ?7, delivery_time = ?8, subject = ?9, sender_name = ?10, sender_email = ?11,
                     display_to = ?12, message_id = ?13, raw = x'', body_offset = ?14, body_len = ?15
                 WHERE id = ?1",
            )
            .and_then(|mut st| {
                st.execute(params![
                    id,
                    r.folder_id,
                    r.uidvalidity,
                    r.uid,
                    r.seen,
                    r.flags,
                    r.size,
                    r.time,
                    s.subject,
                    s.sender_name,
                    s.sender_email,
                    s.display_to,
                    s.message_id,
                    r.body.offset as i64,
                    r.body.len as i64
                ])
            })
            .map_err(|e| self.err(e))?;
        if n == 0 {
            self.release(&[span]);
            return Err(InternetError::NotFound("message".into()));
        }
        self.release(&old);
        Ok(())
    }

    /// The server's hierarchy delimiter, as its last LIST gave it.
    pub fn delimiter(&self) -> Result<Option<u8>> {
        let v: Option<Vec<u8>> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'delimiter'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(v.and_then(|v| v.first().copied()))
    }

    /// Adds a folder made offline (its CREATE is queued): selectable, never synchronised.
    pub fn add_folder(&self, parent_id: i64, imap_name: &[u8], display: &str) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO folders (imap_name, kind, parent_id, display_name, selectable) VALUES (?1, 'normal', ?2, ?3, 1)",
                params![imap_name, parent_id, display],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Removes folder rows and their messages (a folder deleted offline).
    pub fn remove_folders(&self, ids: &[i64]) -> Result<()> {
        let mut freed = Vec::new();
        for &id in ids {
            freed.extend(self.spans("folder_id = ?1", id)?);
        }
        let run = || -> rusqlite::Result<()> {
            self.conn.execute_batch("BEGIN")?;
            for &id in ids {
                self.conn
                    .execute("DELETE FROM messages WHERE folder_id = ?1", [id])?;
                self.conn
                    .execute("DELETE FROM folders WHERE id = ?1", [id])?;
            }
            self.conn.execute_batch("COMMIT")
        };
        run().map_err(|e| {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.err(e)
        })?;
        self.release(&freed);
        Ok(())
    }

    /// Puts folder `id` under `parent_id` with display name `display` (a folder moved
    /// offline; [`Cache::rename_folder`] changes the server names).
    pub fn move_folder(&self, id: i64, parent_id: i64, display: &str) -> Result<()> {
        self.conn
            .execute(
                "UPDATE folders SET parent_id = ?2, display_name = ?3 WHERE id = ?1",
                params![id, parent_id, display],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Number of cached messages in all folders.
    pub fn message_count(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }
}

const FOLDER_COLUMNS: &str = "SELECT f.id, f.imap_name, f.kind, f.parent_id, f.display_name, f.selectable, f.uidvalidity, f.uidnext, f.highestmodseq,
        f.message_count, f.unread_count
    FROM folders f";

fn folder_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FolderRow> {
    Ok(FolderRow {
        id: r.get(0)?,
        imap_name: r.get(1)?,
        kind: r.get(2)?,
        parent_id: r.get(3)?,
        display_name: r.get(4)?,
        selectable: r.get(5)?,
        uidvalidity: r.get(6)?,
        uidnext: r.get(7)?,
        highestmodseq: r.get::<_, Option<i64>>(8)?.map(|v| v as u64),
        count: r.get(9)?,
        unread: r.get(10)?,
    })
}

const MSG_COLUMNS: &str = "SELECT id, folder_id, uidvalidity, uid, seen, size, delivery_time, subject, sender_name, sender_email, display_to, message_id FROM messages";

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: r.get(0)?,
        folder_id: r.get(1)?,
        uidvalidity: r.get(2)?,
        uid: r.get(3)?,
        seen: r.get(4)?,
        size: r.get(5)?,
        delivery_time: r.get(6)?,
        subject: r.get(7)?,
        sender_name: r.get(8)?,
        sender_email: r.get(9)?,
        display_to: r.get(10)?,
        message_id: r.get(11)?,
    })
}

/// Whether flags include `\Seen`.
pub fn is_seen(flags: &[String]) -> bool {
    flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen"))
}

/// Records a folder's state (used by the download writer too).
pub fn set_folder_state(conn: &Connection, id: i64, st: &MailboxState) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE folders SET uidvalidity = ?2, uidnext = ?3, highestmodseq = ?4 WHERE id = ?1",
        params![
            id,
            st.uidvalidity,
            st.uidnext,
            st.highestmodseq.map(|v| v as i64)
        ],
    )
    .map(|_| ())
}

/// Where the bytes of the messages `filter` selects are (`?1` is bound to `arg`).
fn spans(conn: &Connection, filter: &str, arg: i64) -> rusqlite::Result<Vec<Span>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT body_offset, body_len FROM messages WHERE {filter} AND body_len IS NOT NULL"
    ))?;
    let rows = st.query_map([arg], |r| {
        Ok(Span {
            offset: r.get::<_, i64>(0)? as u64,
            len: r.get::<_, i64>(1)? as u64,
        })
    })?;
    rows.collect()
}

/// A message row ready to insert: its summary parsed, its bytes in the bodies file.
pub struct Record {
    folder_id: i64,
    uidvalidity: u32,
    uid: u32,
    seen: bool,
    flags: String,
    size: i64,
    time: Option<i64>,
    summary: crate::props::Summary,
    /// Where the bytes are.
    pub body: Span,
}

impl Record {
    /// Parses `m`'s headers for the summary columns; its bytes are at `body`.
    pub fn new(m: &NewMessage<'_>, body: Span) -> Record {
        let summary = crate::props::summarize(m.raw);
        Record {
            folder_id: m.folder_id,
            uidvalidity: m.uidvalidity,
            uid: m.uid,
            seen: is_seen(m.flags),
            flags: m.flags.join(" "),
            size: m.raw.len() as i64,
            time: m.internaldate.or(summary.date),
            summary,
            body,
        }
    }
}

/// Inserts a message row. Returns false when its key was already cached (nothing
/// inserted: its bytes are then unused).
pub fn insert(conn: &Connection, r: &Record) -> rusqlite::Result<bool> {
    let s = &r.summary;
    let mut st = conn.prepare_cached(
        "INSERT OR IGNORE INTO messages (folder_id, uidvalidity, uid, seen, flags, size, delivery_time, subject, sender_name, sender_email, display_to, message_id, raw, body_offset, body_len)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, x'', ?13, ?14)",
    )?;
    let n = st.execute(params![
        r.folder_id,
        r.uidvalidity,
        r.uid,
        r.seen,
        r.flags,
        r.size,
        r.time,
        s.subject,
        s.sender_name,
        s.sender_email,
        s.display_to,
        s.message_id,
        r.body.offset as i64,
        r.body.len as i64
    ])?;
    Ok(n == 1)
}

/// The kind of each LIST entry: INBOX by name, the others by special-use attribute,
/// else by a usual name.
fn well_known(entries: &[ListEntry]) -> Vec<String> {
    let mut kinds: Vec<String> = entries
        .iter()
        .map(|e| {
            if e.name.eq_ignore_ascii_case(b"INBOX") {
                return "inbox".to_string();
            }
            for (attr, kind) in [
                ("\\Sent", "sent"),
                ("\\Drafts", "drafts"),
                ("\\Trash", "trash"),
            ] {
                if e.attributes.iter().any(|a| a.eq_ignore_ascii_case(attr)) {
                    return kind.to_string();
                }
            }
            "normal".to_string()
        })
        .collect();
    for (kind, names) in [
        (
            "sent",
            &["Sent", "Sent Items", "Sent Messages", "INBOX.Sent"][..],
        ),
        ("drafts", &["Drafts", "INBOX.Drafts"][..]),
        (
            "trash",
            &["Trash", "Deleted Items", "Deleted Messages", "INBOX.Trash"][..],
        ),
    ] {
        if kinds.iter().any(|k| k == kind) {
            continue;
        }
        if let Some(i) = entries.iter().position(|e| {
            names
                .iter()
                .any(|n| e.name.eq_ignore_ascii_case(n.as_bytes()))
        }) {
            kinds[i] = kind.to_string();
        }
    }
    kinds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, attrs: &[&str]) -> ListEntry {
        ListEntry {
            name: name.as_bytes().to_vec(),
            delimiter: Some(b'/'),
            attributes: attrs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn tree_kinds_resume_and_uidvalidity_reset() {
        let dir = tempfile_dir();
        let path = dir.join("c.sqlite");
        let mut c = Cache::open(&path).unwrap();
        c.apply_list(&[
            entry("INBOX", &[]),
            entry("Sent", &["\\Sent"]),
            entry("Papierkorb", &["\\Trash"]),
            entry("Work/Q1", &[]),
            entry("Work", &[]),
        ])
        .unwrap();
        let f = c.folders().unwrap();
        let by = |n: &str| f.iter().find(|x| x.display_name == n).unwrap().clone();
        assert_eq!(by("Inbox").kind, "inbox");
        assert_eq!(by("Sent").kind, "sent");
        assert_eq!(by("Papierkorb").kind, "trash");
        assert_eq!(by("Q1").parent_id, Some(by("Work").id));
        assert!(f.iter().any(|x| x.kind == "outbox") && f.iter().any(|x| x.kind == "root"));
        let inbox = by("Inbox").id;
        let flags = vec!["\\Seen".to_string()];
        let raw = b"Subject: hi\r\nFrom: A <a@x>\r\n\r\nbody";
        for _ in 0..2 {
            c.insert(&NewMessage {
                folder_id: inbox,
                uidvalidity: 5,
                uid: 1,
                flags: &flags,
                internaldate: None,
                raw,
            })
            .unwrap();
        }
        assert_eq!(
            c.message_count().unwrap(),
            1,
            "same key twice is stored once"
        );
        let m = &c.messages(inbox).unwrap()[0];
        assert_eq!(
            (m.subject.as_deref(), m.sender_email.as_deref(), m.seen),
            (Some("hi"), Some("a@x"), true)
        );
        c.reset_folder(inbox, 6).unwrap();
        assert_eq!(c.message_count().unwrap(), 0);
        c.apply_list(&[entry("INBOX", &[])]).unwrap();
        assert!(
            c.folders()
                .unwrap()
                .iter()
                .all(|x| x.display_name != "Sent")
        );
        drop(c);
        assert!(Cache::exists(&path));
        assert!(!Cache::exists(&dir.join("none.sqlite")));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn schema_1_rows_stay_readable_and_deleted_bytes_are_released() {
        let dir = tempfile_dir();
        let path = dir.join("v1.sqlite");
        {
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB);
                 CREATE TABLE folders (id INTEGER PRIMARY KEY AUTOINCREMENT, imap_name BLOB UNIQUE,
                    kind TEXT NOT NULL, parent_id INTEGER, display_name TEXT NOT NULL,
                    selectable INTEGER NOT NULL DEFAULT 1, uidvalidity INTEGER NOT NULL DEFAULT 0,
                    uidnext INTEGER NOT NULL DEFAULT 0, highestmodseq INTEGER);
                 CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, folder_id INTEGER NOT NULL,
                    uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL, seen INTEGER NOT NULL,
                    flags TEXT NOT NULL, size INTEGER NOT NULL, delivery_time INTEGER, subject TEXT,
                    sender_name TEXT, sender_email TEXT, display_to TEXT, message_id TEXT,
                    raw BLOB NOT NULL, UNIQUE (folder_id, uidvalidity, uid));
                 INSERT INTO messages (folder_id, uidvalidity, uid, seen, flags, size, raw)
                    VALUES (7, 1, 1, 0, '', 9, CAST('Subject: old' AS BLOB));
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        let c = Cache::open(&path).unwrap();
        assert_eq!(
            c.raw(1).unwrap(),
            b"Subject: old",
            "inline bytes of schema 1"
        );
        let big = vec![b'x'; 256 << 10];
        let id = c
            .insert(&NewMessage {
                folder_id: 7,
                uidvalidity: 1,
                uid: 2,
                flags: &[],
                internaldate: None,
                raw: &big,
            })
            .unwrap();
        assert_eq!(c.raw(id).unwrap(), big, "new bytes in the bodies file");
        let bodies = Bodies::path_for(&path);
        let blocks = || {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(&bodies).unwrap().blocks()
        };
        let before = blocks();
        c.delete(id).unwrap();
        assert!(blocks() < before, "deleting gives the space back");
        assert_eq!(c.raw(1).unwrap(), b"Subject: old");
        // a truncated bodies file is reported, not read past
        let id = c
            .insert(&NewMessage {
                folder_id: 7,
                uidvalidity: 1,
                uid: 3,
                flags: &[],
                internaldate: None,
                raw: b"Subject: cut\r\n\r\nbody",
            })
            .unwrap();
        let len = std::fs::metadata(&bodies).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&bodies)
            .unwrap()
            .set_len(len - 2)
            .unwrap();
        assert!(matches!(c.raw(id), Err(InternetError::Cache { .. })));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile_dir();
        let path = dir.join("v.sqlite");
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        assert!(matches!(
            Cache::open(&path),
            Err(InternetError::CacheVersion { found: 99, .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_schema_3_queue_keeps_its_rows_and_takes_folder_changes() {
        let dir = tempfile_dir();
        let path = dir.join("q.sqlite");
        let change = |op, folder: &[u8], target: Option<Vec<u8>>| Pending {
            seq: 0,
            op,
            folder: folder.to_vec(),
            uidvalidity: 7,
            uid: 3,
            message_id: None,
            target,
            source: None,
        };
        {
            let c = Cache::open(&path).unwrap();
            c.queue(&change(PendingOp::Seen, b"INBOX", None)).unwrap();
        }
        // back to schema 3: no target, no source columns, no named properties
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "ALTER TABLE pending DROP COLUMN target;
                 ALTER TABLE pending DROP COLUMN source_folder;
                 ALTER TABLE pending DROP COLUMN source_uidvalidity;
                 ALTER TABLE pending DROP COLUMN source_uid;
                 DROP TABLE named_props;
                 DROP TRIGGER messages_counted_in;
                 DROP TRIGGER messages_counted_out;
                 DROP TRIGGER messages_recounted;
                 ALTER TABLE folders DROP COLUMN message_count;
                 ALTER TABLE folders DROP COLUMN unread_count;
                 PRAGMA user_version = 3;",
            )
            .unwrap();
        let c = Cache::open(&path).unwrap();
        c.queue(&change(
            PendingOp::RenameFolder,
            b"Old",
            Some(b"New".to_vec()),
        ))
        .unwrap();
        let q = c.pending().unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!((q[0].op, q[0].target.clone()), (PendingOp::Seen, None));
        assert_eq!(
            (q[1].op, q[1].target.clone()),
            (PendingOp::RenameFolder, Some(b"New".to_vec()))
        );
        c.mark_append(q[0].seq, 9, 42).unwrap();
        let q = c.pending().unwrap();
        assert_eq!((q[0].uidvalidity, q[0].uid), (9, 42));
        // schema 5: a queued copy keeps its source
        let mut copy = change(PendingOp::Append, b"Archive", None);
        copy.source = Some((b"INBOX".to_vec(), 7, 12));
        c.queue(&copy).unwrap();
        let q = c.pending().unwrap();
        assert_eq!(q[2].source, Some((b"INBOX".to_vec(), 7, 12)));
        assert_eq!(q[0].source, None);
        drop(c);
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Each folder's (messages, unread) as counted from the messages themselves.
    fn counted(c: &Cache) -> Vec<(i64, i64, i64)> {
        let mut st = c
            .conn
            .prepare(
                "SELECT f.id, (SELECT count(*) FROM messages m WHERE m.folder_id = f.id),
                    (SELECT count(*) FROM messages m WHERE m.folder_id = f.id AND m.seen = 0)
                 FROM folders f ORDER BY f.id",
            )
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    /// Each folder's (messages, unread) as its row keeps them.
    fn kept(c: &Cache) -> Vec<(i64, i64, i64)> {
        let mut f: Vec<_> = c
            .folders()
            .unwrap()
            .into_iter()
            .map(|f| (f.id, f.count, f.unread))
            .collect();
        f.sort();
        f
    }

    #[test]
    fn folder_counts_follow_every_change_and_a_schema_5_file_is_counted_once() {
        let dir = tempfile_dir();
        let path = dir.join("n.sqlite");
        let mut c = Cache::open(&path).unwrap();
        c.apply_list(&[entry("INBOX", &[]), entry("Work", &[])])
            .unwrap();
        let id = |c: &Cache, n: &str| {
            c.folders()
                .unwrap()
                .into_iter()
                .find(|f| f.display_name == n)
                .unwrap()
                .id
        };
        let (inbox, work) = (id(&c, "Inbox"), id(&c, "Work"));
        let seen = vec!["\\Seen".to_string()];
        let add = |c: &Cache, uid: u32, flags: &[String]| {
            c.insert(&NewMessage {
                folder_id: inbox,
                uidvalidity: 1,
                uid,
                flags,
                internaldate: None,
                raw: b"Subject: n\r\n\r\nbody",
            })
            .unwrap()
        };
        let ids: Vec<i64> = (1..=4)
            .map(|u| add(&c, u, if u == 1 { &seen } else { &[] }))
            .collect();
        add(&c, 2, &[]); // already cached: not counted twice
        assert_eq!(c.folder_counts(inbox).unwrap(), (4, 3, false));
        assert_eq!(c.folder_count(inbox).unwrap(), 4);
        c.apply_changes(&[ids[3]], &[(ids[1], seen.clone()), (ids[0], seen.clone())])
            .unwrap();
        assert_eq!(c.folder_counts(inbox).unwrap(), (3, 1, false));
        c.relocate(ids[2], work, 1, 9).unwrap();
        assert_eq!(c.folder_counts(work).unwrap(), (1, 1, false));
        assert_eq!(kept(&c), counted(&c));
        c.delete(ids[0]).unwrap();
        assert_eq!(kept(&c), counted(&c));
        c.reset_folder(work, 2).unwrap();
        assert_eq!(c.folder_counts(work).unwrap(), (0, 0, false));
        assert_eq!(kept(&c), counted(&c));
        drop(c);
        // back to schema 5, where counts were computed at each read: the upgrade counts
        // what is there, and the triggers take over
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "DROP TRIGGER messages_counted_in;
                 DROP TRIGGER messages_counted_out;
                 DROP TRIGGER messages_recounted;
                 ALTER TABLE folders DROP COLUMN message_count;
                 ALTER TABLE folders DROP COLUMN unread_count;
                 PRAGMA user_version = 5;",
            )
            .unwrap();
        let c = Cache::open(&path).unwrap();
        assert_eq!(c.folder_counts(inbox).unwrap(), (1, 0, false));
        add(&c, 7, &[]);
        assert_eq!(c.folder_counts(inbox).unwrap(), (2, 1, false));
        assert_eq!(kept(&c), counted(&c));
        drop(c);
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "mapi-inet-cache-{}-{}",
            std::process::id(),
            mapi_types::MapiUid::random().to_hex()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
