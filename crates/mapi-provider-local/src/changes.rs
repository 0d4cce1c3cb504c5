//! The store's change reports (`MsgStore::subscribe_changes`), for advise
//! notifications across sessions and processes.
//!
//! How it works, and why:
//! - **A change log in the file.** Triggers (schema version 6, `schema::store_change_log`) append a
//!   row to `store_changes` for every insert, delete, move and update of a message or
//!   folder, in the same transaction as the change, whichever connection or process
//!   makes it (and whatever code path: no call site can forget to report). The one
//!   exception is an import, which suspends the insert triggers for its transaction and
//!   logs its batch as one range row (schema version 7: `last_object`), expanded here
//!   into one `Created` per message. A rolled-back
//!   transaction leaves no row; a committed one leaves all of its rows, numbered in
//!   commit order (`seq`, the row id: one more than the largest, and the newest row is
//!   never pruned). The log keeps the last [`KEPT`] rows; a reader
//!   that fell further behind is told [`ChangeKind::Lost`].
//! - **Woken by inotify, not polling.** A commit writes the WAL (or, outside WAL mode,
//!   the file itself); the watcher thread sleeps in `poll` on an inotify watch of the
//!   file's directory and reads the log only after a write to one of the store's files.
//!   SQLite's `data_version` would say *that* something changed but needs asking in a
//!   loop, and says nothing of *what*. A daemon would not see writers that do not go
//!   through it.
//!   A write that shows nothing new yet (the commit's WAL write comes a moment before
//!   its WAL-index update) is followed by up to three more reads within ~40 ms
//!   ([`RECHECKS`]); after that the thread sleeps until the next write. Nothing runs
//!   while no one writes.
//! - **One watcher per logged-on store**, started by the first subscription and
//!   stopped at logoff; it reads the log through the store's own connection, never
//!   holding it while it calls listeners.
//!
//! What is reported: `Created`, `Deleted`, `Modified` (columns, or a SaveChanges),
//! `Moved` (the row keeps its id: the entry id stays, `old_parent` is where it was),
//! `Copied` (CopyMessages marks the row its copy made, with the original), and
//! `NewMail` after the `Created` of a message that arrived whole: neither a copy nor
//! being composed (`MSGFLAG_UNSENT` clear) — an import, or a message saved into the
//! Inbox as a transport delivers one. Several `Modified` of one object in one batch,
//! or right after its `Created`, are folded into one.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use mapi_spi::{ChangeKind, ChangeListener, ChangeSubscription, StoreChange};
use mapi_types::{MapiUid, PropTag, PropValue, Status, object_type, tags};
use rusqlite::{Connection, OptionalExtension};

use crate::contents::SharedDb;
use crate::entryid::{self, ObjectKind};
use crate::error::LocalError;

/// Log rows kept (older ones are pruned by a trigger, 1024 at a time).
pub const KEPT: i64 = 65_536;
/// Log rows read at a time.
const BATCH: i64 = 4096;
/// After a write to the store's files shows nothing new in the log, it is read again
/// after these pauses (a commit's WAL write comes a moment before its WAL-index update,
/// which inotify does not see); then the thread sleeps until the next write.
pub const RECHECKS: [std::time::Duration; 3] = [
    std::time::Duration::from_millis(2),
    std::time::Duration::from_millis(8),
    std::time::Duration::from_millis(32),
];
/// `MSGFLAG_UNSENT`.
const MSGFLAG_UNSENT: i64 = 0x8;

/// Marks the log row of message `new`'s insert as a copy of message `original` (call
/// in the transaction that copied it).
pub fn mark_copy(conn: &Connection, new: i64, original: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE store_changes SET kind = 5, old_object = ?2,
             old_parent = (SELECT folder FROM messages WHERE id = ?2)
         WHERE seq = (SELECT max(seq) FROM store_changes
                      WHERE kind = 1 AND is_folder = 0 AND object = ?1)",
    )?
    .execute([new, original])?;
    Ok(())
}

/// The newest log row's number (0 for none).
fn last_seq(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(seq), 0) FROM store_changes", [], |r| {
        r.get(0)
    })
}

type Listeners = Mutex<Vec<(u64, Arc<dyn ChangeListener>)>>;

/// A store's change reporting: its listeners and its watcher thread.
#[derive(Default)]
pub struct Changes {
    listeners: Arc<Listeners>,
    next: AtomicU64,
    watcher: Mutex<Option<Watcher>>,
}

struct Watcher {
    stop: Arc<OwnedFd>,
}

impl Watcher {
    fn signal(&self) {
        let _ = rustix::io::write(&*self.stop, &1u64.to_ne_bytes());
    }
}

struct Guard {
    id: u64,
    listeners: Weak<Listeners>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(l) = self.listeners.upgrade() {
            l.lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|(id, _)| *id != self.id);
        }
    }
}

impl Changes {
    /// Adds a listener; the first one starts the watcher of the file at `path`.
    pub(crate) fn subscribe(
        &self,
        db: &SharedDb,
        path: &Path,
        uid: MapiUid,
        listener: Arc<dyn ChangeListener>,
    ) -> Result<ChangeSubscription, LocalError> {
        let mut watcher = self.watcher.lock().unwrap_or_else(|p| p.into_inner());
        if watcher.is_none() {
            *watcher = Some(start(db.clone(), path, uid, self.listeners.clone())?);
        }
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        self.listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((id, listener));
        Ok(ChangeSubscription::new(Box::new(Guard {
            id,
            listeners: Arc::downgrade(&self.listeners),
        })))
    }

    /// Stops the watcher (logoff); listeners get nothing more.
    pub fn stop(&self) {
        if let Some(w) = self
            .watcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            w.signal();
        }
        self.listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

impl Drop for Changes {
    fn drop(&mut self) {
        self.stop();
    }
}

fn io_error(path: &Path, what: &str, e: rustix::io::Errno) -> LocalError {
    LocalError::Disk {
        path: path.to_path_buf(),
        detail: format!("{what}: {e}"),
    }
}

/// Sets up the inotify watch, reads where the log stands, and starts the thread.
fn start(
    db: SharedDb,
    path: &Path,
    uid: MapiUid,
    listeners: Arc<Listeners>,
) -> Result<Watcher, LocalError> {
    use rustix::event::{EventfdFlags, eventfd};
    use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(OsString::from).unwrap_or_default();
    let ino = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK)
        .map_err(|e| io_error(path, "inotify_init", e))?;
    // The watch first, then the log position: a commit in between is read, not missed.
    inotify::add_watch(
        &ino,
        &dir,
        WatchFlags::MODIFY
            | WatchFlags::DELETE
            | WatchFlags::MOVED_FROM
            | WatchFlags::CLOSE_WRITE
            | WatchFlags::CREATE
            | WatchFlags::MOVED_TO
            | WatchFlags::DELETE_SELF
            | WatchFlags::MOVE_SELF,
    )
    .map_err(|e| io_error(&dir, "inotify_add_watch", e))?;
    let seq = with_db(&db, path, last_seq)?;
    let stop = Arc::new(
        eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
            .map_err(|e| io_error(path, "eventfd", e))?,
    );
    let w = Thread {
        db,
        path: path.to_path_buf(),
        name,
        uid,
        listeners,
        ino,
        stop: stop.clone(),
        seq,
        partial: None,
    };
    std::thread::Builder::new()
        .name("mapi-local-changes".into())
        .spawn(move || w.run())
        .map_err(|e| LocalError::Disk {
            path: path.to_path_buf(),
            detail: format!("start the change watcher: {e}"),
        })?;
    Ok(Watcher { stop })
}

fn with_db<T>(
    db: &SharedDb,
    path: &Path,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T, LocalError> {
    let guard = db.lock().unwrap_or_else(|p| p.into_inner());
    match guard.as_ref() {
        Some(open) => f(&open.db.conn).map_err(|e| LocalError::from_sqlite(path, &e)),
        None => Err(LocalError::LoggedOff),
    }
}

struct Thread {
    db: SharedDb,
    path: PathBuf,
    name: OsString,
    uid: MapiUid,
    listeners: Arc<Listeners>,
    ino: OwnedFd,
    stop: Arc<OwnedFd>,
    seq: i64,
    /// A range row read in part.
    partial: Option<Resume>,
}

/// Where a range row read in part goes on: its `seq`, and the next message of it to
/// report.
type Resume = (i64, i64);

/// One log row (a range row is expanded into one per message).
struct LogRow {
    seq: i64,
    kind: i64,
    is_folder: bool,
    object: i64,
    parent: Option<i64>,
    old_object: Option<i64>,
    old_parent: Option<i64>,
    flags: i64,
    /// A range row's last message (`object` is its first): the messages an import
    /// created (schema version 7).
    last: Option<i64>,
}

enum Wake {
    Stop,
    Files,
    Gone,
}

impl Thread {
    fn run(mut self) {
        loop {
            match self.wait() {
                Wake::Stop => return,
                Wake::Gone => {
                    self.deliver(&[StoreChange::failed(
                        Status::MAPI_E_NOT_FOUND,
                        "the store file (or its folder) was removed or moved away: no more changes can be seen",
                    )]);
                    return;
                }
                Wake::Files => {}
            }
            let mut rechecks = RECHECKS.iter();
            loop {
                match self.read() {
                    Ok((changes, more)) => {
                        if !changes.is_empty() {
                            self.deliver(&changes);
                            rechecks = [].iter();
                        } else if let Some(pause) = rechecks.next() {
                            // A write with nothing new yet: the commit may be between
                            // its WAL write and its WAL-index update. Look again, a
                            // bounded few times.
                            std::thread::sleep(*pause);
                            continue;
                        }
                        if !more {
                            break;
                        }
                    }
                    Err(LocalError::LoggedOff) => return,
                    Err(e) => {
                        let status = mapi_types::MapiStatus::status(&e);
                        self.deliver(&[StoreChange::failed(
                            status,
                            format!("reading the store's change log failed: {e}"),
                        )]);
                        return;
                    }
                }
            }
        }
    }

    fn deliver(&self, changes: &[StoreChange]) {
        let listeners: Vec<Arc<dyn ChangeListener>> = self
            .listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        for l in listeners {
            l.on_changes(changes);
        }
    }

    /// Sleeps until a store file is written, the file or its directory goes, or stop.
    fn wait(&mut self) -> Wake {
        use rustix::event::{PollFd, PollFlags, poll};
        use rustix::fs::inotify::{ReadFlags, Reader};
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
        loop {
            let mut fds = [
                PollFd::new(&self.ino, PollFlags::IN),
                PollFd::new(&*self.stop, PollFlags::IN),
            ];
            match poll(&mut fds, None) {
                Ok(_) => {}
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => return Wake::Gone,
            }
            if !fds[1].revents().is_empty() {
                return Wake::Stop;
            }
            let mut ours = false;
            let mut reader = Reader::new(self.ino.as_fd(), &mut buf);
            loop {
                match reader.next() {
                    Ok(ev) => {
                        let flags = ev.events();
                        if flags.intersects(
                            ReadFlags::DELETE_SELF | ReadFlags::MOVE_SELF | ReadFlags::IGNORED,
                        ) {
                            return Wake::Gone;
                        }
                        if let Some(n) = ev.file_name() {
                            let n = n.to_bytes();
                            if flags.intersects(ReadFlags::DELETE | ReadFlags::MOVED_FROM) {
                                // The store file itself unlinked or renamed away.
                                if n == self.name.as_encoded_bytes() {
                                    return Wake::Gone;
                                }
                            } else if self.is_store_file(n) {
                                ours = true;
                            }
                        }
                    }
                    Err(rustix::io::Errno::AGAIN) => break,
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(_) => return Wake::Gone,
                }
            }
            if ours {
                return Wake::Files;
            }
        }
    }

    fn is_store_file(&self, name: &[u8]) -> bool {
        use std::os::unix::ffi::OsStrExt;
        let base = self.name.as_bytes();
        let Some(rest) = name.strip_prefix(base) else {
            return false;
        };
        matches!(rest, b"" | b"-wal" | b"-journal")
    }

    /// Reads the log after `seq`: the changes, and whether more rows wait. A range row
    /// is expanded into one `Created` per message, at most about [`BATCH`] at a time.
    fn read(&mut self) -> Result<(Vec<StoreChange>, bool), LocalError> {
        let after = self.seq;
        let partial = self.partial;
        let (rows, fetched, lost, classes, resume) = with_db(&self.db, &self.path, |conn| {
            let first: Option<i64> = conn
                .query_row("SELECT min(seq) FROM store_changes", [], |r| r.get(0))
                .optional()?
                .flatten();
            let logged = conn
                .prepare_cached(
                    "SELECT seq, kind, is_folder, object, parent, old_object, old_parent, flags,
                            last_object
                     FROM store_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?
                .query_map([after, BATCH], |r| {
                    Ok(LogRow {
                        seq: r.get(0)?,
                        kind: r.get(1)?,
                        is_folder: r.get::<_, i64>(2)? != 0,
                        object: r.get(3)?,
                        parent: r.get(4)?,
                        old_object: r.get(5)?,
                        old_parent: r.get(6)?,
                        flags: r.get(7)?,
                        last: r.get(8)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let fetched = logged.len();
            let last_seq = logged.last().map(|r| r.seq);
            let lost = !logged.is_empty() && first.is_some_and(|f| f > after + 1) && after > 0;
            let (rows, resume) = expand(conn, logged, partial)?;
            // New mail is judged by the message as committed (a composed message gets
            // its flags after its row): it exists, and is not being composed.
            let mut classes = HashMap::new();
            for r in rows.iter().filter(|r| r.kind == 1 && !r.is_folder) {
                let flags: Option<i64> = conn
                    .prepare_cached("SELECT flags FROM messages WHERE id = ?1")?
                    .query_row([r.object], |row| row.get(0))
                    .optional()?;
                if let Some(f) = flags.filter(|f| f & MSGFLAG_UNSENT == 0) {
                    classes.insert(r.object, (message_class(conn, r.object)?, f));
                }
            }
            Ok((rows, (fetched, last_seq), lost, classes, resume))
        })?;
        let (fetched, last_seq) = fetched;
        let more = fetched as i64 == BATCH || resume.is_some();
        match resume {
            Some((seq, next)) => {
                self.seq = seq - 1;
                self.partial = Some((seq, next));
            }
            None => {
                if let Some(last) = last_seq {
                    self.seq = last;
                }
                self.partial = None;
            }
        }
        let mut out = Vec::with_capacity(rows.len() + usize::from(lost));
        if lost {
            out.push(StoreChange::lost());
        }
        // The kind of the last change reported per object in this batch.
        let mut last: HashMap<(bool, i64), ChangeKind> = HashMap::new();
        for r in &rows {
            let Some(c) = self.change(r) else { continue };
            let key = (r.is_folder, r.object);
            if c.kind == ChangeKind::Modified
                && matches!(
                    last.get(&key),
                    Some(ChangeKind::Created | ChangeKind::Modified | ChangeKind::NewMail)
                )
            {
                continue;
            }
            last.insert(key, c.kind);
            out.push(c);
            if r.kind == 1
                && !r.is_folder
                && let Some((class, flags)) = classes.get(&r.object)
            {
                let mut n = c_new_mail(&out);
                n.kind = ChangeKind::NewMail;
                n.message_class = class.clone();
                n.message_flags = *flags as u32;
                last.insert(key, ChangeKind::NewMail);
                out.push(n);
            }
        }
        Ok((out, more))
    }

    fn entry(&self, is_folder: bool, id: i64) -> Vec<u8> {
        let kind = if is_folder {
            ObjectKind::Folder
        } else {
            ObjectKind::Message
        };
        entryid::encode(&self.uid, kind, id)
    }

    fn change(&self, r: &LogRow) -> Option<StoreChange> {
        let kind = match r.kind {
            1 => ChangeKind::Created,
            2 => ChangeKind::Deleted,
            3 => ChangeKind::Modified,
            4 => ChangeKind::Moved,
            5 => ChangeKind::Copied,
            _ => return None,
        };
        let folder = |id: Option<i64>| id.map(|f| self.entry(true, f)).unwrap_or_default();
        let ty = if r.is_folder {
            object_type::MAPI_FOLDER
        } else {
            object_type::MAPI_MESSAGE
        };
        let mut c = StoreChange::new(
            kind,
            self.entry(r.is_folder, r.object),
            ty,
            folder(r.parent),
        );
        if matches!(kind, ChangeKind::Moved | ChangeKind::Copied) {
            c.old_entry = r
                .old_object
                .map(|o| self.entry(r.is_folder, o))
                .unwrap_or_default();
            c.old_parent = folder(r.old_parent);
        }
        if !r.is_folder {
            c.message_flags = r.flags as u32;
        }
        Some(c)
    }
}

/// The log rows with each range row expanded into one row per message (with its flags
/// as it is now; a message deleted since is reported with none), at most about
/// [`BATCH`] rows: a range cut short is resumed at the returned row `seq` and message.
/// `partial` is where the previous read stopped in a range.
fn expand(
    conn: &Connection,
    logged: Vec<LogRow>,
    partial: Option<Resume>,
) -> rusqlite::Result<(Vec<LogRow>, Option<Resume>)> {
    let mut out = Vec::with_capacity(logged.len());
    for r in logged {
        let Some(last) = r.last else {
            out.push(r);
            continue;
        };
        let from = match partial {
            Some((seq, next)) if seq == r.seq => next,
            _ => r.object,
        };
        let room = (BATCH - out.len() as i64).max(1);
        let to = last.min(from.saturating_add(room - 1));
        let mut stmt =
            conn.prepare_cached("SELECT id, flags FROM messages WHERE id BETWEEN ?1 AND ?2")?;
        let flags = stmt
            .query_map([from, to], |row| Ok((row.get::<_, i64>(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<HashMap<i64, i64>>>()?;
        for object in from..=to {
            out.push(LogRow {
                seq: r.seq,
                kind: r.kind,
                is_folder: r.is_folder,
                object,
                parent: r.parent,
                old_object: None,
                old_parent: None,
                flags: flags.get(&object).copied().unwrap_or(0),
                last: None,
            });
        }
        if to < last {
            return Ok((out, Some((r.seq, to + 1))));
        }
    }
    Ok((out, None))
}

/// The new-mail report of the `Created` just pushed.
fn c_new_mail(out: &[StoreChange]) -> StoreChange {
    out.last().cloned().unwrap_or_else(StoreChange::lost)
}

/// PR_MESSAGE_CLASS as SetProps saved it; `IPM.Note` (what an imported RFC 5322 message
/// is) otherwise.
fn message_class(conn: &Connection, id: i64) -> rusqlite::Result<String> {
    let stored: Option<(i64, Option<Vec<u8>>)> = conn
        .prepare_cached("SELECT tag, value FROM message_props WHERE message = ?1 AND prop_id = ?2")?
        .query_row([id, i64::from(tags::PR_MESSAGE_CLASS.id())], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let class = stored.and_then(|(tag, value)| {
        let v = crate::props::decode_stored(PropTag(tag as u32), value?)?;
        match v {
            PropValue::String8(s) | PropValue::Unicode(s) => Some(s),
            _ => None,
        }
    });
    Ok(class.unwrap_or_else(|| "IPM.Note".into()))
}
