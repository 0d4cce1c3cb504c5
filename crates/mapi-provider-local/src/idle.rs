//! Connections kept open after a logoff, so the next logon to the same, unchanged file
//! in this process skips opening it, the full integrity check, and SQLite's
//! checkpoint-and-delete of the WAL that closing the last connection costs.
//!
//! A parked connection is reused only while the file at the path is the same inode
//! with the same size and modification time; its identity and schema version are
//! checked again through SQLite (which sees changes made by other processes, WAL
//! included). A removed, replaced, truncated or rewritten file gets a full open.

use std::fs;
use std::path::Path;
use std::sync::Mutex;
use std::time::SystemTime;

use crate::dbfile::{Db, FileKind, recheck};
use crate::error::LocalError;
use crate::openfiles::FileKey;

/// How many idle connections the process keeps in all.
const MAX_IDLE: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    key: FileKey,
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let key = FileKey::of(path)?;
    let m = fs::metadata(path).ok()?;
    Some(Stamp {
        key,
        len: m.len(),
        modified: m.modified().ok(),
    })
}

static IDLE: Mutex<Vec<(Stamp, Db)>> = Mutex::new(Vec::new());

/// Keeps a connection for the next logon to `path` (dropping the oldest one beyond the
/// limit).
pub fn park(path: &Path, db: Db) {
    // What the session wrote goes into the file now, as a close would do; a session
    // that wrote nothing costs nothing here.
    if db
        .conn
        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .is_err()
    {
        return;
    }
    let Some(s) = stamp(path) else { return };
    let evicted = {
        let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
        idle.push((s, db));
        if idle.len() > MAX_IDLE {
            Some(idle.remove(0))
        } else {
            None
        }
    };
    // Closed outside the registry lock.
    drop(evicted);
}

/// A parked connection to `path` if the file is unchanged since it was parked, checked
/// again for identity and schema version.
pub fn take(kind: &FileKind, path: &Path) -> Result<Option<Db>, LocalError> {
    let Some(now) = stamp(path) else {
        return Ok(None);
    };
    let found = {
        let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
        let at = idle.iter().position(|(s, _)| s.key == now.key);
        at.map(|i| idle.remove(i))
    };
    match found {
        Some((s, db)) if s == now => {
            recheck(kind, path, &db)?;
            Ok(Some(db))
        }
        // Changed since it was parked: close it and open afresh.
        _ => Ok(None),
    }
}
