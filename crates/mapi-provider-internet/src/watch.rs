//! The change watcher behind [`InternetStore`](crate::InternetStore)'s
//! `subscribe_changes`: a connection of its own on the Inbox, waiting in IDLE (RFC 2177,
//! re-issued every `imap_idle_seconds`) or polling with NOOP every `imap_poll_seconds`
//! where the server has no IDLE. Each wake-up runs the download (every folder), which
//! updates the cache; the cache before and after is compared and the difference goes
//! to the listener (so the cache always has a change before it is reported). A
//! dropped connection is retried with backoff (1 s doubling to 60 s) with the status
//! row at STATUS_OFFLINE until it is back; the resync on reconnect reports what
//! arrived meanwhile.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use mapi_spi::{ChangeKind, ChangeListener, StatusRow, StoreChange};
use mapi_types::flags::object_type::MAPI_MESSAGE;
use mapi_types::{MapiStatus, StatusCode};

use crate::error::{InternetError, Result};
use crate::imap::Imap;
use crate::props;
use crate::store::{Shared, connect};
use crate::sync::{self, lock};

/// Cached messages: row id -> (folder id, flags).
type Snapshot = HashMap<i64, (i64, String)>;

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const LAST_BACKOFF: Duration = Duration::from_secs(60);

/// Runs until aborted (the subscription dropped, or logoff).
pub(crate) async fn run(shared: Arc<Shared>, listener: Arc<dyn ChangeListener>) {
    let mut known = match lock(&shared.db).snapshot() {
        Ok(s) => s,
        Err(e) => {
            listener.on_changes(&[StoreChange::failed(e.status(), e.to_string())]);
            return;
        }
    };
    let mut backoff = FIRST_BACKOFF;
    let mut offline = false;
    while !shared.cancel.load(Ordering::Relaxed) {
        let err = match watch(&shared, &listener, &mut known, &mut offline).await {
            Ok(()) => return,
            Err(e) => e,
        };
        if !transient(&err) {
            // not a passing transport problem: the watcher cannot go on
            listener.on_changes(&[StoreChange::failed(err.status(), err.to_string())]);
            return;
        }
        if !offline {
            offline = true;
            backoff = FIRST_BACKOFF;
            shared.online.store(false, Ordering::Relaxed);
            *shared.imap.lock().await = None;
            shared.support.modify_status_row(StatusRow {
                code: StatusCode::STATUS_OFFLINE,
                text: Some(format!("offline, retrying: {err}")),
                identity: Some(shared.account.email.clone()),
            });
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(LAST_BACKOFF);
    }
}

/// Whether an error may pass by itself (the server down or restarting): retried.
fn transient(e: &InternetError) -> bool {
    e.is_unreachable()
        || matches!(
            e,
            InternetError::Tls { .. }
                | InternetError::Offline(_)
                | InternetError::SessionLimit { .. }
        )
}

/// One watcher connection's life: connect, catch up, then wait and resync until an
/// error.
async fn watch(
    shared: &Arc<Shared>,
    listener: &Arc<dyn ChangeListener>,
    known: &mut Snapshot,
    offline: &mut bool,
) -> Result<()> {
    let mut conn = connect(&shared.account, shared.tls.clone(), shared.limit).await?;
    conn.select(b"INBOX", false).await?;
    resync(shared, listener, known).await?;
    if *offline {
        *offline = false;
        shared.online.store(true, Ordering::Relaxed);
        shared.support.modify_status_row(StatusRow {
            code: StatusCode::STATUS_AVAILABLE,
            text: Some("online again".into()),
            identity: Some(shared.account.email.clone()),
        });
    }
    let idle = conn.has("IDLE");
    while !shared.cancel.load(Ordering::Relaxed) {
        let woke = wait(&mut conn, idle, shared).await?;
        if woke {
            resync(shared, listener, known).await?;
        }
    }
    conn.logout().await;
    Ok(())
}

/// Waits for the server to say something (IDLE) or for the poll interval (NOOP).
async fn wait(conn: &mut Imap, idle: bool, shared: &Shared) -> Result<bool> {
    if idle {
        conn.idle(shared.account.idle_refresh).await
    } else {
        tokio::time::sleep(shared.account.poll_interval).await;
        conn.noop().await?;
        Ok(true)
    }
}

/// Downloads what changed (reconnecting the store's own connection when it is gone)
/// and reports the difference to `known`.
async fn resync(
    shared: &Arc<Shared>,
    listener: &Arc<dyn ChangeListener>,
    known: &mut Snapshot,
) -> Result<()> {
    {
        let mut guard = shared.imap.lock().await;
        if guard.is_none() {
            *guard = Some(connect(&shared.account, shared.tls.clone(), shared.limit).await?);
        }
    }
    let r = sync::sync_all(
        &shared.imap,
        &shared.db,
        &shared.support,
        &shared.cancel,
        false,
    )
    .await;
    if let Err(e) = &r
        && e.is_unreachable()
    {
        *shared.imap.lock().await = None;
    }
    r?;
    let (now, inbox) = {
        let db = lock(&shared.db);
        let inbox = db.folders()?.into_iter().find(|f| f.kind == "inbox");
        (db.snapshot()?, inbox.map(|f| f.id))
    };
    let changes = diff(&shared.store_uid, known, &now, inbox);
    *known = now;
    if !changes.is_empty() {
        listener.on_changes(&changes);
    }
    Ok(())
}

/// The changes from `old` to `new`, in row order: deletions, then modifications, then
/// new messages (`Created`, and `NewMail` for those in `inbox`).
fn diff(store: &[u8; 16], old: &Snapshot, new: &Snapshot, inbox: Option<i64>) -> Vec<StoreChange> {
    let change = |kind, id: i64, folder: i64, flags: &str| {
        let mut c = StoreChange::new(
            kind,
            props::message_entry(store, id),
            MAPI_MESSAGE,
            props::folder_entry(store, folder),
        );
        c.message_flags = u32::from(flags.split(' ').any(|f| f.eq_ignore_ascii_case("\\Seen")));
        if kind == ChangeKind::NewMail {
            c.message_class = "IPM.Note".into();
        }
        c
    };
    let mut out = Vec::new();
    let mut gone: Vec<_> = old.keys().filter(|id| !new.contains_key(id)).collect();
    gone.sort();
    for id in gone {
        let (folder, flags) = &old[id];
        out.push(change(ChangeKind::Deleted, *id, *folder, flags));
    }
    let mut ids: Vec<_> = new.keys().collect();
    ids.sort();
    for id in &ids {
        let (folder, flags) = &new[*id];
        if let Some((f0, fl0)) = old.get(*id)
            && (f0 != folder || fl0 != flags)
        {
            out.push(change(ChangeKind::Modified, **id, *folder, flags));
        }
    }
    for id in ids {
        if old.contains_key(id) {
            continue;
        }
        let (folder, flags) = &new[id];
        out.push(change(ChangeKind::Created, *id, *folder, flags));
        if Some(*folder) == inbox {
            out.push(change(ChangeKind::NewMail, *id, *folder, flags));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_reports_deleted_modified_then_new_in_order() {
        let store = [7u8; 16];
        let old: Snapshot = [(1, (10, String::new())), (2, (10, String::new()))].into();
        let new: Snapshot = [
            (2, (10, "\\Seen".to_string())),
            (3, (10, String::new())),
            (4, (11, String::new())),
        ]
        .into();
        let kinds: Vec<_> = diff(&store, &old, &new, Some(10))
            .iter()
            .map(|c| {
                (
                    c.kind,
                    props::parse_message(&c.entry, &store).unwrap(),
                    c.message_flags,
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (ChangeKind::Deleted, 1, 0),
                (ChangeKind::Modified, 2, 1),
                (ChangeKind::Created, 3, 0),
                (ChangeKind::NewMail, 3, 0),
                (ChangeKind::Created, 4, 0),
            ]
        );
    }
}
