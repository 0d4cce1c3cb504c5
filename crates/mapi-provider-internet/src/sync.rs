//! Mailbox download: compare each folder's UIDVALIDITY / UIDNEXT / HIGHESTMODSEQ /
//! message count with the cache, list UIDs and flags of changed folders, then fetch the
//! missing messages with pipelined `UID FETCH` ranges. A writer thread parses headers
//! and inserts in batches of [`BATCH`], one transaction each, reporting progress after
//! every commit; a folder's new state is recorded only once all its messages are in.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use mapi_spi::{Progress, Support};
use rusqlite::Connection;

use crate::cache::{self, Cache, NewMessage};
use crate::error::{InternetError, Result};
use crate::imap::{Fetched, Imap, MailboxState};

/// Messages per commit.
pub const BATCH: usize = 500;
/// Messages per `UID FETCH` command.
const CHUNK: usize = 250;
/// `UID FETCH` commands in flight at once.
const WINDOW: usize = 4;
/// Messages buffered between the network and the writer.
const QUEUE: usize = 512;

/// Counts of one synchronisation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Folders whose state had changed.
    pub changed_folders: usize,
    /// Messages downloaded.
    pub downloaded: u64,
    /// Cached messages removed because they left the server.
    pub removed: u64,
}

struct Plan {
    folder_id: i64,
    name: Vec<u8>,
    state: MailboxState,
    missing: Vec<u32>,
    /// When nothing is cached: fetch sequence numbers 1..=all instead.
    all: u32,
}

impl Plan {
    fn count(&self) -> u64 {
        if self.all > 0 {
            self.all as u64
        } else {
            self.missing.len() as u64
        }
    }

    fn commands(&self) -> Vec<String> {
        if self.all > 0 {
            (1..=self.all)
                .step_by(CHUNK)
                .map(|a| format!("FETCH {a}:{}", (a + CHUNK as u32 - 1).min(self.all)))
                .collect()
        } else {
            self.missing
                .chunks(CHUNK)
                .map(|c| format!("UID FETCH {}", uid_set(c)))
                .collect()
        }
    }
}

enum Item {
    Message {
        folder_id: i64,
        uidvalidity: u32,
        f: Fetched,
    },
    FolderDone {
        folder_id: i64,
        state: MailboxState,
    },
}

/// Synchronises every folder. `imap` is locked per step so other store calls can
/// interleave between folders. With `durable`, the last commit is synced to disk (WAL
/// checkpointed into the main file).
pub async fn sync_all(
    imap: &tokio::sync::Mutex<Option<Imap>>,
    db: &Mutex<Cache>,
    support: &Arc<dyn Support>,
    cancel: &Arc<AtomicBool>,
    durable: bool,
) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    let mut plans = Vec::new();
    {
        let mut guard = imap.lock().await;
        let conn = guard
            .as_mut()
            .ok_or_else(|| InternetError::Offline("synchronise".into()))?;
        conn.unselect().await?;
        let list = conn.list().await?;
        lock(db).apply_list(&list)?;
        let folders = lock(db).folders()?;
        for f in folders.iter().filter(|f| f.selectable) {
            let Some(name) = f.imap_name.clone() else {
                continue;
            };
            let st = conn.status(&name).await?;
            if st.uidvalidity != f.uidvalidity {
                if f.uidvalidity != 0 || f.count > 0 {
                    lock(db).reset_folder(f.id, st.uidvalidity)?;
                }
            } else if st.uidnext == f.uidnext
                && st.exists as i64 == f.count
                && (st.highestmodseq.is_none() || st.highestmodseq == f.highestmodseq)
            {
                continue;
            }
            report.changed_folders += 1;
            let cached = lock(db).uids(f.id, st.uidvalidity)?;
            if cached.is_empty() {
                // nothing cached: fetch everything by sequence number, no UID listing
                if st.exists == 0 {
                    lock(db).set_folder_state(f.id, &st)?;
                } else {
                    plans.push(Plan {
                        folder_id: f.id,
                        name,
                        state: st,
                        missing: Vec::new(),
                        all: st.exists,
                    });
                }
                continue;
            }
            let mut server: Vec<(u32, Vec<String>)> = Vec::new();
            if st.exists > 0 {
                conn.select(&name, false).await?;
                conn.fetch_pipelined(&["UID FETCH 1:*".to_string()], "(UID FLAGS)", 1, |m| {
                    server.push((m.uid, m.flags));
                    Ok(())
                })
                .await?;
            }
            let on_server: HashSet<u32> = server.iter().map(|(u, _)| *u).collect();
            let gone: Vec<i64> = cached
                .iter()
                .filter(|(u, _)| !on_server.contains(u))
                .map(|(_, (id, _))| *id)
                .collect();
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
            lock(db).apply_changes(&gone, &changed)?;
            missing.sort_unstable();
            if missing.is_empty() {
                lock(db).set_folder_state(f.id, &st)?;
            } else {
                plans.push(Plan {
                    folder_id: f.id,
                    name,
                    state: st,
                    missing,
                    all: 0,
                });
            }
        }
    }
    let total: u64 = plans.iter().map(Plan::count).sum();
    if total == 0 {
        if durable {
            checkpoint(&lock(db))?;
        }
        return Ok(report);
    }
    support.progress(Progress {
        done: 0,
        total: Some(total),
        text: "downloading mail".into(),
    });
    let path = lock(db).path().to_path_buf();
    let (tx, rx) = sync_channel::<Item>(QUEUE);
    let writer = {
        let support = support.clone();
        let cancel = cancel.clone();
        std::thread::spawn(move || write_all(&path, rx, &*support, &cancel, total, durable))
    };
    let fetched = fetch_plans(imap, &plans, &tx, cancel).await;
    drop(tx);
    let written = tokio::task::spawn_blocking(move || writer.join())
        .await
        .map_err(|e| InternetError::cache(std::path::Path::new("-"), e))?
        .map_err(|_| InternetError::cache(std::path::Path::new("-"), "download writer panicked"))?;
    fetched?;
    report.downloaded = written?;
    Ok(report)
}

async fn fetch_plans(
    imap: &tokio::sync::Mutex<Option<Imap>>,
    plans: &[Plan],
    tx: &SyncSender<Item>,
    cancel: &AtomicBool,
) -> Result<()> {
    for plan in plans {
        let mut guard = imap.lock().await;
        let conn = guard
            .as_mut()
            .ok_or_else(|| InternetError::Offline("synchronise".into()))?;
        conn.select(&plan.name, false).await?;
        let sets = plan.commands();
        let stopped = || InternetError::Offline("download (cancelled)".into());
        conn.fetch_pipelined(&sets, "(UID FLAGS INTERNALDATE BODY.PEEK[])", WINDOW, |f| {
            if cancel.load(Ordering::Relaxed) {
                return Err(stopped());
            }
            tx.send(Item::Message {
                folder_id: plan.folder_id,
                uidvalidity: plan.state.uidvalidity,
                f,
            })
            .map_err(|_| stopped())
        })
        .await?;
        tx.send(Item::FolderDone {
            folder_id: plan.folder_id,
            state: plan.state,
        })
        .map_err(|_| stopped())?;
    }
    Ok(())
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

fn write_all(
    path: &std::path::Path,
    rx: Receiver<Item>,
    support: &dyn Support,
    cancel: &AtomicBool,
    total: u64,
    durable: bool,
) -> Result<u64> {
    let err = |e: rusqlite::Error| InternetError::cache(path, e);
    let conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(err)?;
    conn.execute_batch("PRAGMA synchronous=NORMAL")
        .map_err(err)?;
    let mut done = 0u64;
    let mut in_tx = 0usize;
    let commit = |conn: &Connection, done: u64| -> Result<bool> {
        conn.execute_batch("COMMIT").map_err(err)?;
        support.progress(Progress {
            done,
            total: Some(total),
            text: "downloading mail".into(),
        });
        Ok(!cancel.load(Ordering::Relaxed))
    };
    for item in rx.iter() {
        if in_tx == 0 {
            conn.execute_batch("BEGIN").map_err(err)?;
        }
        match item {
            Item::Message {
                folder_id,
                uidvalidity,
                f,
            } => {
                let raw = f.body.unwrap_or_default();
                cache::insert(
                    &conn,
                    &NewMessage {
                        folder_id,
                        uidvalidity,
                        uid: f.uid,
                        flags: &f.flags,
                        internaldate: f.internaldate,
                        raw: &raw,
                    },
                )
                .map_err(err)?;
                done += 1;
                in_tx += 1;
                if in_tx >= BATCH {
                    in_tx = 0;
                    if !commit(&conn, done)? {
                        return Ok(done);
                    }
                }
            }
            Item::FolderDone { folder_id, state } => {
                cache::set_folder_state(&conn, folder_id, &state).map_err(err)?;
                in_tx = 0;
                if !commit(&conn, done)? {
                    return Ok(done);
                }
            }
        }
    }
    if in_tx > 0 {
        commit(&conn, done)?;
    }
    if durable && !cancel.load(Ordering::Relaxed) {
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(err)?;
    }
    Ok(done)
}

fn checkpoint(cache: &Cache) -> Result<()> {
    let conn = Connection::open(cache.path()).map_err(|e| InternetError::cache(cache.path(), e))?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(|e| InternetError::cache(cache.path(), e))
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
