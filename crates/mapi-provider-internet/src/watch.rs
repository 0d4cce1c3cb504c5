//! The change watcher behind [`InternetStore`](crate::InternetStore)'s
//! `subscribe_changes`: a connection of its own, watching each folder. The Inbox waits
//! in IDLE (RFC 2177, re-issued every `imap_idle_seconds`). Where the server has NOTIFY
//! (RFC 5465) and CONDSTORE, NOTIFY SET makes it tell during that IDLE of every other
//! folder too (`* STATUS` for new, expunged or re-flagged mail, `* LIST` for a folder
//! created, deleted or renamed), so an idle session sends nothing between IDLE
//! refreshes; a poll at each refresh is the safety net, and a NOTIFICATIONOVERFLOW
//! resynchronises the account and sets NOTIFY again. Elsewhere, every
//! `imap_poll_seconds` the watcher asks the server for the other folders' STATUS
//! (MESSAGES, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ) and its folder list (LIST), so new
//! mail in any folder is seen within one poll interval; with LIST-STATUS (RFC 5819)
//! both come in one round trip. Where the server has no IDLE the Inbox is polled the
//! same way. A wake-up synchronises only the folders that changed (the whole account
//! when the folder list did); the cache before and after is compared and the
//! difference goes to the listener (so the cache always has a change before it is
//! reported). A dropped connection is retried with backoff (1 s doubling to 60 s) with
//! the status row at STATUS_OFFLINE until it is back; the whole-account resync on
//! reconnect reports what arrived meanwhile.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

use mapi_spi::{ChangeKind, ChangeListener, StatusRow, StoreChange};
use mapi_types::flags::object_type::MAPI_MESSAGE;
use mapi_types::{MapiStatus, StatusCode};

use crate::cache::FolderRow;
use crate::error::{InternetError, Result};
use crate::imap::{Heard, Imap, MailboxState, wire};
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
    let idle = conn.has("IDLE");
    if idle {
        conn.select(b"INBOX", false).await?;
    }
    resync(shared, listener, known, None).await?;
    if *offline {
        *offline = false;
        shared.online.store(true, Ordering::Relaxed);
        shared.support.modify_status_row(StatusRow {
            code: StatusCode::STATUS_AVAILABLE,
            text: Some("online again".into()),
            identity: Some(shared.account.email.clone()),
        });
    }
    // what the server said while NOTIFY was being set (news of the Inbox since SELECT)
    let mut pending = Heard::default();
    let mut notify = idle && set_notify(&mut conn, &mut pending).await?;
    // with NOTIFY the server tells of every folder: the poll is a safety net, once per
    // IDLE refresh
    let interval = |notify: bool| {
        if notify {
            shared.account.idle_refresh
        } else {
            shared.account.poll_interval
        }
    };
    let mut next_poll = Instant::now() + interval(notify);
    while !shared.cancel.load(Ordering::Relaxed) {
        let mut changed = Vec::new();
        let mut tree = false;
        let left = next_poll.saturating_duration_since(Instant::now());
        if idle {
            let mut heard = std::mem::take(&mut pending);
            if !left.is_zero() && !heard.any() {
                heard = conn.idle(shared.account.idle_refresh.min(left)).await?;
            }
            tree = heard_in(shared, &heard, &mut changed)?;
            if heard.overflow {
                notify = set_notify(&mut conn, &mut pending).await?;
            }
        } else {
            tokio::time::sleep(left).await;
        }
        if Instant::now() >= next_poll {
            match polled(&mut conn, shared, idle).await? {
                Polled::Tree => tree = true,
                Polled::Folders(ids) => changed.extend(ids),
            }
            next_poll = Instant::now() + interval(notify);
        }
        if tree {
            resync(shared, listener, known, None).await?;
        } else if !changed.is_empty() {
            changed.sort_unstable();
            changed.dedup();
            resync(shared, listener, known, Some(&changed)).await?;
        }
    }
    conn.logout().await;
    Ok(())
}

/// NOTIFY SET where the server has it; what it said meanwhile goes to `pending`.
/// `false` where NOTIFY is not used.
async fn set_notify(conn: &mut Imap, pending: &mut Heard) -> Result<bool> {
    Ok(match conn.notify_set().await? {
        Some(heard) => {
            *pending = heard;
            true
        }
        None => false,
    })
}

/// Adds the cache ids of the folders `heard` names to `changed` (the Inbox for news of
/// the selected mailbox); `true` when the whole account must be synchronised: the
/// folder list changed, or a STATUS named a folder the cache does not have.
fn heard_in(shared: &Shared, heard: &Heard, changed: &mut Vec<i64>) -> Result<bool> {
    if !heard.any() {
        return Ok(false);
    }
    let folders = lock(&shared.db).folders()?;
    let inbox = || folders.iter().find(|f| f.kind == "inbox").map(|f| f.id);
    if heard.selected {
        changed.extend(inbox());
    }
    let mut tree = heard.tree;
    for name in &heard.mailboxes {
        let found = folders.iter().find(|f| is_named(f, name));
        match found {
            Some(f) => changed.push(f.id),
            None => tree = true,
        }
    }
    Ok(tree)
}

/// Whether the server's mailbox `name` is the cached folder `f` (INBOX in any case).
fn is_named(f: &FolderRow, name: &[u8]) -> bool {
    f.imap_name
        .as_deref()
        .is_some_and(|n| n == name || (f.kind == "inbox" && n.eq_ignore_ascii_case(name)))
}

/// What a poll found.
#[derive(Debug, PartialEq)]
enum Polled {
    /// The folder list changed: synchronise the whole account.
    Tree,
    /// These folders' state differs from the cache.
    Folders(Vec<i64>),
}

/// One poll on the watcher's connection: LIST, compared with the cached folder tree,
/// then STATUS of every server folder (but the Inbox while it is watched with IDLE),
/// compared with its cached state. Where the server has LIST-STATUS (RFC 5819) the
/// list and the statuses come in one round trip, so an idle session's poll is one
/// exchange; a folder the reply gave no status is asked on its own.
async fn polled(conn: &mut Imap, shared: &Shared, idle: bool) -> Result<Polled> {
    let (entries, statuses) = match conn.list_status().await? {
        Some(reply) => (reply.entries, reply.statuses),
        None => (conn.list().await?, Vec::new()),
    };
    let listed: BTreeSet<Vec<u8>> = entries
        .into_iter()
        .filter(|e| wire::quote(&e.name).is_some())
        .map(|e| e.name)
        .collect();
    let folders = lock(&shared.db).folders()?;
    let cached: BTreeSet<Vec<u8>> = folders.iter().filter_map(|f| f.imap_name.clone()).collect();
    if listed != cached {
        return Ok(Polled::Tree);
    }
    let mut changed = Vec::new();
    for f in folders.iter().filter(|f| f.selectable) {
        let Some(name) = &f.imap_name else { continue };
        let given = statuses
            .iter()
            .find(|(n, _)| is_named(f, n))
            .map(|(_, st)| *st);
        // the IDLE watches the Inbox: it is compared too when LIST-STATUS gave its
        // state for free (news of it that came during this poll is not lost), but not
        // asked with a STATUS of its own (RFC 3501 advises against STATUS on the
        // selected mailbox)
        if idle && f.kind == "inbox" && given.is_none() {
            continue;
        }
        let st = match given {
            Some(st) => st,
            None => conn.status(name).await?,
        };
        if differs(f, &st) {
            changed.push(f.id);
        }
    }
    Ok(Polled::Folders(changed))
}

/// Whether a folder's STATUS says something changed since the cache's last
/// synchronisation of it.
fn differs(f: &FolderRow, st: &MailboxState) -> bool {
    st.uidvalidity != f.uidvalidity
        || st.uidnext != f.uidnext
        || i64::from(st.exists) != f.count
        || (st.highestmodseq.is_some() && st.highestmodseq != f.highestmodseq)
}

/// Downloads what changed in `only` (every folder when `None`), reconnecting the
/// store's own connection when it is gone, and reports the difference to `known`.
async fn resync(
    shared: &Arc<Shared>,
    listener: &Arc<dyn ChangeListener>,
    known: &mut Snapshot,
    only: Option<&[i64]>,
) -> Result<()> {
    {
        let mut guard = shared.imap.lock().await;
        if guard.is_none() {
            *guard = Some(connect(&shared.account, shared.tls.clone(), shared.limit).await?);
        }
    }
    let r = sync::sync_folders(
        &shared.imap,
        &shared.db,
        &shared.support,
        &shared.cancel,
        false,
        only,
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
    fn a_folder_differs_when_its_status_moved_on() {
        let f = FolderRow {
            id: 3,
            imap_name: Some(b"Work".to_vec()),
            kind: "normal".into(),
            parent_id: Some(1),
            display_name: "Work".into(),
            selectable: true,
            uidvalidity: 7,
            uidnext: 10,
            highestmodseq: Some(40),
            count: 9,
            unread: 0,
        };
        let same = MailboxState {
            exists: 9,
            uidvalidity: 7,
            uidnext: 10,
            highestmodseq: Some(40),
        };
        assert!(!differs(&f, &same));
        assert!(
            differs(
                &f,
                &MailboxState {
                    uidnext: 11,
                    ..same
                }
            ),
            "new mail"
        );
        assert!(
            differs(&f, &MailboxState { exists: 8, ..same }),
            "an expunge"
        );
        assert!(
            differs(
                &f,
                &MailboxState {
                    highestmodseq: Some(41),
                    ..same
                }
            ),
            "a flag change"
        );
        assert!(differs(
            &f,
            &MailboxState {
                uidvalidity: 8,
                ..same
            }
        ));
        assert!(!differs(
            &f,
            &MailboxState {
                highestmodseq: None,
                ..same
            }
        ));
    }

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
