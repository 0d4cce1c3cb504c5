//! Mailbox download: compare each folder's UIDVALIDITY / UIDNEXT / HIGHESTMODSEQ /
//! message count with the cache, list UIDs and flags of changed folders, then fetch the
//! missing messages with pipelined `UID FETCH` ranges. Each message's bytes are
//! appended to the bodies file and its headers parsed as it arrives; a writer thread
//! commits the rows in batches of [`BATCH`] (bytes synced first), one transaction each,
//! reporting progress after every commit; a folder's new state is recorded only once
//! all its messages are in.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::{Receiver, Sender, channel};

use mapi_spi::{Progress, Support};
use rusqlite::Connection;

use crate::bodies::{Bodies, Span};
use crate::cache::{self, Cache, NewMessage, Record};
use crate::error::{InternetError, Result};
use crate::imap::{EachFetched, Fetched, Imap, MailboxState, wire};

/// Messages per commit.
pub const BATCH: usize = 500;
/// Messages per `UID FETCH` command.
const CHUNK: usize = 250;
/// `UID FETCH` commands in flight at once.
const WINDOW: usize = 4;
/// Messages handed to the writer at once.
const HANDOFF: usize = 64;
/// Hand-offs buffered between the network and the writer.
const QUEUE: usize = 512 / HANDOFF;

/// Counts of one synchronisation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Folders whose state had changed.
    pub changed_folders: usize,
    /// Messages downloaded.
    pub downloaded: u64,
    /// Cached messages removed because they left the server.
    pub removed: u64,
    /// Cached messages whose flags changed on the server.
    pub flags_changed: u64,
    /// Folders brought up to date with QRESYNC (only their changes listed).
    pub qresync_folders: usize,
    /// Folders skipped because their names cannot be represented (shown escaped).
    pub skipped_folders: Vec<String>,
    /// Changes made offline now on the server.
    pub replayed: usize,
    /// Changes made offline that were dropped, each with why.
    pub dropped_changes: Vec<String>,
}

impl SyncReport {
    /// The warning for the status row, when folders were skipped or changes made
    /// offline were dropped.
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.skipped_folders.is_empty() {
            parts.push(format!(
                "skipped {} folder(s) whose names are not valid IMAP names: {}",
                self.skipped_folders.len(),
                self.skipped_folders.join(", ")
            ));
        }
        parts.extend(self.dropped_changes.iter().cloned());
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// What to download from one folder.
struct Plan {
    folder_id: i64,
    name: Vec<u8>,
    fetch: Fetch,
}

enum Fetch {
    /// Never synchronised: its EXAMINE, just before fetching, tells its state (no
    /// STATUS first: opening a large mailbox twice costs time); then everything.
    Unexamined,
    /// Nothing cached: everything, by sequence number (no UID listing).
    All(MailboxState),
    /// These UIDs (sorted) are not cached.
    Missing(MailboxState, Vec<u32>),
}

impl Plan {
    /// Messages known to be downloaded (an unexamined folder adds its own later).
    fn count(&self) -> u64 {
        match &self.fetch {
            Fetch::Unexamined => 0,
            Fetch::All(st) => st.exists as u64,
            Fetch::Missing(_, uids) => uids.len() as u64,
        }
    }
}

enum Item {
    /// Messages whose bytes are appended (not yet synced) and headers parsed, handed
    /// over [`HANDOFF`] at a time (one wake-up of the writer each).
    Messages(Vec<Record>),
    FolderDone {
        folder_id: i64,
        state: MailboxState,
    },
}

/// Synchronises every folder. `imap` is locked per step so other store calls can
/// interleave between folders. With `durable`, every commit (so the last) is synced to
/// disk: the message bytes, then the WAL.
pub async fn sync_all(
    imap: &tokio::sync::Mutex<Option<Imap>>,
    db: &Mutex<Cache>,
    support: &Arc<dyn Support>,
    cancel: &Arc<AtomicBool>,
    durable: bool,
) -> Result<SyncReport> {
    sync_folders(imap, db, support, cancel, durable, None).await
}

/// Synchronises the folders whose row ids are in `only` (all when `None`). The whole
/// account's synchronisation first replays the changes made offline and reads the
/// folder tree (LIST); a synchronisation of some folders does neither, it brings only
/// those folders' messages up to date.
pub async fn sync_folders(
    imap: &tokio::sync::Mutex<Option<Imap>>,
    db: &Mutex<Cache>,
    support: &Arc<dyn Support>,
    cancel: &Arc<AtomicBool>,
    durable: bool,
    only: Option<&[i64]>,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let mut plans = Vec::new();
    {
        let mut guard = imap.lock().await;
        let conn = guard
            .as_mut()
            .ok_or_else(|| InternetError::Offline("synchronise".into()))?;
        conn.unselect().await?;
        if only.is_none() {
            // changes made offline go to the server first, in order
            let replayed = crate::offline::replay(conn, db).await?;
            report.replayed = replayed.applied;
            report.dropped_changes = replayed.dropped;
            conn.unselect().await?;
            let (list, skipped): (Vec<_>, Vec<_>) = conn
                .list()
                .await?
                .into_iter()
                .partition(|e| wire::quote(&e.name).is_some());
            report.skipped_folders = skipped
                .iter()
                .map(|e| e.name.escape_ascii().to_string())
                .collect();
            if !skipped.is_empty() {
                log::warn!(
                    "imap {}: {}",
                    conn.server(),
                    report.warning().unwrap_or_default()
                );
            }
            lock(db).apply_list(&list)?;
        }
        let folders = lock(db).folders()?;
        let wanted = |f: &&cache::FolderRow| f.selectable && only.is_none_or(|o| o.contains(&f.id));
        for f in folders.iter().filter(wanted) {
            let Some(name) = f.imap_name.clone() else {
                continue;
            };
            if f.uidvalidity == 0 && f.count == 0 {
                report.changed_folders += 1;
                plans.push(Plan {
                    folder_id: f.id,
                    name,
                    fetch: Fetch::Unexamined,
                });
                continue;
            }
            // a STATUS that does not parse is an error (never a reset): its UIDVALIDITY is
            // a valid, non-zero number here
            let st = conn.status(&name).await?;
            if st.uidvalidity != f.uidvalidity {
                if f.uidvalidity != 0 || f.count > 0 {
                    lock(db).reset_folder(f.id, st.uidvalidity)?;
                }
            } else if st.uidnext == f.uidnext
                && st.exists as i64 == f.count
                && st.highestmodseq.is_some()
                && st.highestmodseq == f.highestmodseq
            {
                // CONDSTORE says nothing changed; without it, flags changed by another
                // client are only seen by listing them (below)
                continue;
            }
            let cached = lock(db).uids(f.id, st.uidvalidity)?;
            let state_changed = st.uidvalidity != f.uidvalidity
                || st.uidnext != f.uidnext
                || st.exists as i64 != f.count
                || st.highestmodseq != f.highestmodseq
                || cached.is_empty();
            if state_changed {
                report.changed_folders += 1;
            }
            if cached.is_empty() {
                // nothing cached: fetch everything by sequence number, no UID listing
                if st.exists == 0 {
                    lock(db).set_folder_state(f.id, &st)?;
                } else {
                    plans.push(Plan {
                        folder_id: f.id,
                        name,
                        fetch: Fetch::All(st),
                    });
                }
                continue;
            }
            // UIDs and flags of the whole folder in one UID range (one command however
            // many messages it says it has); each UID counted once
            let mut server: Vec<(u32, Vec<String>)> = Vec::new();
            let mut listed = HashSet::new();
            // QRESYNC (where enabled) tells only what changed since the cached MODSEQ:
            // the UIDs that vanished and the messages whose flags changed or are new
            let since = f.highestmodseq.filter(|_| {
                conn.qresync() && st.uidvalidity == f.uidvalidity && st.highestmodseq.is_some()
            });
            let mut vanished: Vec<(u32, u32)> = Vec::new();
            if let Some(modseq) = since {
                conn.examine_qresync(
                    &name,
                    f.uidvalidity,
                    modseq,
                    |ranges| vanished.extend(ranges),
                    |uid, flags| {
                        if listed.insert(uid) {
                            server.push((uid, flags));
                        }
                    },
                )
                .await?;
                report.qresync_folders += 1;
            } else if st.exists > 0 {
                conn.select(&name, false).await?;
                conn.fetch_pipelined(
                    &["UID FETCH 1:*".to_string()],
                    "(UID FLAGS)",
                    1,
                    |_| true,
                    |m: Fetched| {
                        if listed.insert(m.uid) {
                            server.push((m.uid, m.flags));
                        }
                        Ok(())
                    },
                )
                .await?;
            }
            let gone: Vec<i64> = if since.is_some() {
                // merged, sorted ranges: each cached UID is looked up, never a range
                // expanded
                vanished.sort_unstable();
                let mut merged: Vec<(u32, u32)> = Vec::with_capacity(vanished.len());
                for (a, b) in vanished.drain(..) {
                    match merged.last_mut() {
                        Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                        _ => merged.push((a, b)),
                    }
                }
                let in_vanished = |u: u32| {
                    let i = merged.partition_point(|&(a, _)| a <= u);
                    i > 0 && merged[i - 1].1 >= u
                };
                cached
                    .iter()
                    .filter(|(u, _)| in_vanished(**u))
                    .map(|(_, (id, _))| *id)
                    .collect()
            } else {
                let on_server: HashSet<u32> = server.iter().map(|(u, _)| *u).collect();
                cached
                    .iter()
                    .filter(|(u, _)| !on_server.contains(u))
                    .map(|(_, (id, _))| *id)
                    .collect()
            };
            let mut changed = Vec::new();
            let mut missing = Vec::new();
            for (uid, flags) in server {
                match cached.get(&uid) {
                    Some((id, old)) if *old != flags.join(" ") => changed.push((*id, flags)),
                    Some(_) => {}
                    None => missing.push(uid),
                }
            }
            report.removed += gone.len() as u64;
            report.flags_changed += changed.len() as u64;
            let untouched = gone.is_empty() && changed.is_empty() && missing.is_empty();
            if !state_changed && !untouched {
                report.changed_folders += 1;
            }
            lock(db).apply_changes(&gone, &changed)?;
            missing.sort_unstable();
            if missing.is_empty() {
                lock(db).set_folder_state(f.id, &st)?;
            } else {
                plans.push(Plan {
                    folder_id: f.id,
                    name,
                    fetch: Fetch::Missing(st, missing),
                });
            }
        }
    }
    if plans.is_empty() {
        // the cache's own commits are synced (see `Cache::open`)
        return Ok(report);
    }
    // never-synchronised folders add their size once examined
    let counts = Arc::new(Counts {
        total: AtomicU64::new(plans.iter().map(Plan::count).sum()),
        done: AtomicU64::new(0),
    });
    if counts.total.load(Ordering::Relaxed) > 0 {
        counts.report(&**support);
    }
    let path = lock(db).path().to_path_buf();
    let bodies = Bodies::open(&path).map_err(|e| InternetError::cache(&path, e))?;
    // An async channel: a full queue (a slow or held writer) suspends the fetch task;
    // it never blocks the runtime's thread, so logoff, timers and other calls go on.
    let (tx, rx) = channel::<Item>(QUEUE);
    let writer = {
        let support = support.clone();
        let cancel = cancel.clone();
        let counts = counts.clone();
        let path = path.clone();
        let path_for_error = path.clone();
        std::thread::Builder::new()
            .name("mapi-cache-writer".into())
            .spawn(move || write_all(&path, rx, &*support, &cancel, &counts, durable))
            .map_err(|e| InternetError::cache(&path_for_error, e))?
    };
    let fetched = fetch_plans(imap, &plans, &bodies, &tx, cancel, &counts, &**support).await;
    drop(tx);
    let written = tokio::task::spawn_blocking(move || writer.join())
        .await
        .map_err(|e| InternetError::cache(std::path::Path::new("-"), e))?
        .map_err(|_| InternetError::cache(std::path::Path::new("-"), "download writer panicked"))?;
    fetched?;
    report.downloaded = written?;
    Ok(report)
}

/// Messages to download (grows as never-synchronised folders are examined) and done.
struct Counts {
    total: AtomicU64,
    done: AtomicU64,
}

impl Counts {
    fn report(&self, support: &dyn Support) {
        support.progress(Progress {
            done: self.done.load(Ordering::Relaxed),
            total: Some(self.total.load(Ordering::Relaxed)),
            text: "downloading mail".into(),
        });
    }
}

async fn fetch_plans(
    imap: &tokio::sync::Mutex<Option<Imap>>,
    plans: &[Plan],
    bodies: &Bodies,
    tx: &Sender<Item>,
    cancel: &AtomicBool,
    counts: &Counts,
    support: &dyn Support,
) -> Result<()> {
    for plan in plans {
        let mut guard = imap.lock().await;
        let conn = guard
            .as_mut()
            .ok_or_else(|| InternetError::Offline("synchronise".into()))?;
        let examined = match conn.select(&plan.name, false).await? {
            Some(st) => Some(st),
            None if matches!(plan.fetch, Fetch::Unexamined) => {
                // selected by another store call since: examine again for its state
                conn.unselect().await?;
                conn.select(&plan.name, false).await?
            }
            None => None,
        };
        // Everything: one UID range (EXISTS never decides how many commands are sent);
        // missing UIDs: ranges of at most CHUNK listed UIDs. Data for UIDs not asked
        // for, or already received, is ignored.
        let everything = || vec!["UID FETCH 1:*".to_string()];
        let (state, sets, wanted): (MailboxState, Vec<String>, Option<&[u32]>) = match &plan.fetch {
            Fetch::All(st) => (*st, everything(), None),
            Fetch::Missing(st, uids) => (
                *st,
                uids.chunks(CHUNK)
                    .map(|c| format!("UID FETCH {}", uid_set(c)))
                    .collect(),
                Some(uids),
            ),
            Fetch::Unexamined => {
                let st = examined.unwrap_or_default();
                counts.total.fetch_add(st.exists as u64, Ordering::Relaxed);
                if st.exists > 0 {
                    counts.report(support);
                }
                (
                    st,
                    if st.exists > 0 {
                        everything()
                    } else {
                        Vec::new()
                    },
                    None,
                )
            }
        };
        let mut received = HashSet::new();
        let asked =
            |uid: u32| wanted.is_none_or(|w| w.binary_search(&uid).is_ok()) && received.insert(uid);
        let mut handoff = Handoff {
            ready: Vec::with_capacity(HANDOFF),
            bodies,
            folder_id: plan.folder_id,
            uidvalidity: state.uidvalidity,
            tx,
            cancel,
        };
        conn.fetch_pipelined(
            &sets,
            "(UID FLAGS INTERNALDATE BODY.PEEK[])",
            WINDOW,
            asked,
            &mut handoff,
        )
        .await?;
        handoff.flush().await?;
        tx.send(Item::FolderDone {
            folder_id: plan.folder_id,
            state,
        })
        .await
        .map_err(|_| cancelled())?;
    }
    Ok(())
}

fn cancelled() -> InternetError {
    InternetError::Offline("download (cancelled)".into())
}

/// Collects one folder's fetched messages and hands them to the writer thread
/// [`HANDOFF`] at a time. A full queue suspends the fetch (an async send): the
/// runtime's thread stays free for logoff, timers and other calls.
struct Handoff<'a> {
    ready: Vec<Fetched>,
    bodies: &'a Bodies,
    folder_id: i64,
    uidvalidity: u32,
    tx: &'a Sender<Item>,
    cancel: &'a AtomicBool,
}

impl Handoff<'_> {
    async fn flush(&mut self) -> Result<()> {
        if self.ready.is_empty() {
            return Ok(());
        }
        let records = to_records(self.bodies, self.folder_id, self.uidvalidity, &self.ready)?;
        self.ready.clear();
        self.tx
            .send(Item::Messages(records))
            .await
            .map_err(|_| cancelled())
    }
}

impl EachFetched for &mut Handoff<'_> {
    async fn take(&mut self, f: Fetched) -> Result<()> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(cancelled());
        }
        self.ready.push(f);
        if self.ready.len() >= HANDOFF {
            self.flush().await?;
        }
        Ok(())
    }
}

/// Appends fetched messages' bytes to the bodies file (one write) and parses their
/// headers, here on the thread that received them: the buffers are freed where they
/// were allocated, and the writer thread only commits rows.
fn to_records(
    bodies: &Bodies,
    folder_id: i64,
    uidvalidity: u32,
    fetched: &[Fetched],
) -> Result<Vec<Record>> {
    let raws: Vec<&[u8]> = fetched
        .iter()
        .map(|f| f.body.as_deref().unwrap_or_default())
        .collect();
    let spans = bodies
        .append_all(&raws)
        .map_err(|e| InternetError::cache(bodies.path(), e))?;
    Ok(fetched
        .iter()
        .zip(raws)
        .zip(spans)
        .map(|((f, raw), span)| {
            Record::new(
                &NewMessage {
                    folder_id,
                    uidvalidity,
                    uid: f.uid,
                    flags: &f.flags,
                    internaldate: f.internaldate,
                    raw,
                },
                span,
            )
        })
        .collect())
}

/// A compact UID set (`1:5,7,9:12`) of sorted UIDs.
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// The download's writer: rows arrive with their bytes already appended to the bodies
/// file; a batch of rows commits in one transaction, after the bytes are synced.
struct Writer<'a> {
    conn: Connection,
    bodies: Bodies,
    path: &'a std::path::Path,
    support: &'a dyn Support,
    counts: &'a Counts,
    done: u64,
    batch: Vec<Record>,
}

impl Writer<'_> {
    fn err(&self, e: impl std::fmt::Display) -> InternetError {
        InternetError::cache(self.path, e)
    }

    /// Commits the batch (and a folder's final state), then reports progress.
    fn flush(&mut self, state: Option<(i64, MailboxState)>) -> Result<()> {
        if self.batch.is_empty() && state.is_none() {
            return Ok(());
        }
        self.bodies.sync().map_err(|e| self.err(e))?;
        let run = || -> rusqlite::Result<Vec<Span>> {
            self.conn.execute_batch("BEGIN")?;
            let mut unused = Vec::new();
            for r in &self.batch {
                if !cache::insert(&self.conn, r)? {
                    unused.push(r.body);
                }
            }
            if let Some((id, st)) = &state {
                cache::set_folder_state(&self.conn, *id, st)?;
            }
            self.conn.execute_batch("COMMIT")?;
            Ok(unused)
        };
        let unused = run().map_err(|e| {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.err(e)
        })?;
        let _ = self.bodies.release(&unused);
        self.done += self.batch.len() as u64;
        self.batch.clear();
        self.counts.done.store(self.done, Ordering::Relaxed);
        self.counts.report(self.support);
        Ok(())
    }
}

fn write_all(
    path: &std::path::Path,
    mut rx: Receiver<Item>,
    support: &dyn Support,
    cancel: &AtomicBool,
    counts: &Counts,
    durable: bool,
) -> Result<u64> {
    let err = |e: rusqlite::Error| InternetError::cache(path, e);
    let conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(err)?;
    // durable: every commit syncs the WAL (in this thread, while the network goes on),
    // so the last one is on disk when the download reports done
    conn.execute_batch(if durable {
        "PRAGMA synchronous=FULL"
    } else {
        "PRAGMA synchronous=NORMAL"
    })
    .map_err(err)?;
    let bodies = Bodies::open(path).map_err(|e| InternetError::cache(path, e))?;
    let mut w = Writer {
        conn,
        bodies,
        path,
        support,
        counts,
        done: 0,
        batch: Vec::with_capacity(BATCH),
    };
    while let Some(item) = rx.blocking_recv() {
        match item {
            Item::Messages(records) => {
                w.batch.extend(records);
                if w.batch.len() >= BATCH {
                    w.flush(None)?;
                }
            }
            Item::FolderDone { folder_id, state } => w.flush(Some((folder_id, state)))?,
        }
        if cancel.load(Ordering::Relaxed) {
            return Ok(w.done);
        }
    }
    w.flush(None)?;
    Ok(w.done)
}

/// Locks the cache, surviving a poisoned lock (the cache itself stays consistent:
/// every change is one transaction).
pub fn lock(db: &Mutex<Cache>) -> std::sync::MutexGuard<'_, Cache> {
    db.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::uid_set;

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[4]), "4");
        assert_eq!(uid_set(&[]), "");
    }
}
