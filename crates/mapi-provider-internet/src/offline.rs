//! Changes made while the store is offline: read flags, deletions, new messages
//! (APPEND) and folder changes (CREATE, DELETE, RENAME) are applied to the cache at
//! once and queued in it ([`Cache::queue`]); the next online synchronisation replays
//! the queue in order before it downloads. A queued change whose folder or message is
//! gone from the server, or whose UIDVALIDITY changed, is dropped with a note for the
//! status row, never retried (a copy made offline whose original was deleted on the
//! server meanwhile too: its queued APPEND names the original); a change the network interrupts stays queued. A row
//! leaves the queue only once its change is on the server, so nothing is lost.
//!
//! No message is stored twice: before a queued APPEND is sent, its row records the
//! folder's UIDVALIDITY and UIDNEXT ([`Cache::mark_append`]). A replay cut short
//! between the server's reply and the row's removal leaves that mark, and the next
//! replay first looks among the folder's messages from that UID on for one of the same
//! size and bytes (line endings aside); finding it, it takes that copy's UID instead
//! of sending the message again.

use std::sync::Mutex;

use crate::cache::{Cache, Pending, PendingOp};
use crate::error::{InternetError, Result};
use crate::imap::{Fetched, Imap};
use crate::sync::lock;

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Changes now on the server.
    pub applied: usize,
    /// Changes dropped, each with why.
    pub dropped: Vec<String>,
}

/// Whether a failed step should stop the replay (the change stays queued) rather
/// than drop the change.
fn stops(e: &InternetError) -> bool {
    e.is_unreachable() || matches!(e, InternetError::Cache { .. })
}

/// Replays the queued changes in order.
pub async fn replay(imap: &mut Imap, db: &Mutex<Cache>) -> Result<Replayed> {
    let queue = lock(db).pending()?;
    let mut out = Replayed::default();
    // the selected folder and its UIDVALIDITY
    let mut selected: Option<(Vec<u8>, u32)> = None;
    for p in queue {
        let r = match p.op {
            PendingOp::Append => {
                selected = None;
                append(imap, db, &p).await
            }
            PendingOp::CreateFolder | PendingOp::DeleteFolder | PendingOp::RenameFolder => {
                selected = None;
                folder_change(imap, &p).await
            }
            PendingOp::Seen | PendingOp::Unseen | PendingOp::Delete => {
                change(imap, &p, &mut selected).await
            }
        };
        match r {
            Ok(None) => out.applied += 1,
            Ok(Some(why)) => out.dropped.push(why),
            Err(e) if stops(&e) => return Err(e),
            Err(e) => out.dropped.push(format!(
                "a change made offline was refused by the server and dropped: {e}"
            )),
        }
        lock(db).done(p.seq)?;
    }
    Ok(out)
}

/// A flag change or deletion; `Ok(Some(why))` when it is dropped.
async fn change(
    imap: &mut Imap,
    p: &Pending,
    selected: &mut Option<(Vec<u8>, u32)>,
) -> Result<Option<String>> {
    let folder = String::from_utf8_lossy(&p.folder).into_owned();
    let validity = match selected {
        Some((name, v)) if *name == p.folder => *v,
        _ => {
            let st = match imap.select(&p.folder, true).await {
                Ok(st) => st,
                Err(e) if stops(&e) => return Err(e),
                Err(_) => {
                    *selected = None;
                    return Ok(Some(format!(
                        "a change made offline in {folder:?} was dropped: the folder is gone from the server"
                    )));
                }
            };
            let v = st.map_or(0, |st| st.uidvalidity);
            *selected = Some((p.folder.clone(), v));
            v
        }
    };
    if validity != p.uidvalidity {
        return Ok(Some(format!(
            "a change made offline in {folder:?} was dropped: the folder's UIDVALIDITY changed"
        )));
    }
    let mut found = false;
    imap.fetch_pipelined(
        &[format!("UID FETCH {}", p.uid)],
        "(UID)",
        1,
        |u| u == p.uid,
        |_: Fetched| {
            found = true;
            Ok(())
        },
    )
    .await?;
    if !found {
        return Ok(Some(format!(
            "a change made offline to message {} of {folder:?} was dropped: the message was deleted on the server meanwhile",
            p.uid
        )));
    }
    match p.op {
        PendingOp::Seen => imap.uid_store_flag(&[p.uid], true, "\\Seen").await?,
        PendingOp::Unseen => imap.uid_store_flag(&[p.uid], false, "\\Seen").await?,
        PendingOp::Delete => imap.uid_delete_all(&[p.uid]).await?,
        PendingOp::Append
        | PendingOp::CreateFolder
        | PendingOp::DeleteFolder
        | PendingOp::RenameFolder => {
            return Ok(Some(
                "a queued folder change was replayed as a message change and dropped".into(),
            ));
        }
    }
    Ok(None)
}

/// Whether the server lists a folder named `name`.
async fn listed(imap: &mut Imap, name: &[u8]) -> Result<bool> {
    Ok(imap.list().await?.iter().any(|e| e.name == name))
}

/// A folder created, deleted or renamed offline; `Ok(Some(why))` when it is dropped.
async fn folder_change(imap: &mut Imap, p: &Pending) -> Result<Option<String>> {
    let folder = String::from_utf8_lossy(&p.folder).into_owned();
    let r = match (p.op, &p.target) {
        (PendingOp::CreateFolder, _) => imap.create(&p.folder).await,
        (PendingOp::DeleteFolder, _) => imap.delete_mailbox(&p.folder).await,
        (PendingOp::RenameFolder, Some(to)) => imap.rename(&p.folder, to).await,
        _ => {
            return Ok(Some(format!(
                "a folder change made offline to {folder:?} was dropped: the queue row is incomplete"
            )));
        }
    };
    let e = match r {
        Ok(()) => return Ok(None),
        Err(e) if stops(&e) => return Err(e),
        Err(e) => e,
    };
    // refused: say why, from what the server has now
    let exists = listed(imap, &p.folder).await?;
    Ok(match p.op {
        // already there: what the change wanted
        PendingOp::CreateFolder if exists => None,
        PendingOp::CreateFolder => Some(format!(
            "the folder {folder:?} made offline was dropped: the server refused to create it ({e})"
        )),
        PendingOp::DeleteFolder if !exists => Some(format!(
            "deleting {folder:?} offline was dropped: the folder is gone from the server"
        )),
        PendingOp::RenameFolder if !exists => Some(format!(
            "moving {folder:?} offline was dropped: the folder is gone from the server"
        )),
        _ => Some(format!(
            "a folder change made offline to {folder:?} was refused by the server and dropped: {e}"
        )),
    })
}

/// The bytes with every line ending CRLF (how a server counts and returns them).
fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// The most same-sized candidates whose bytes a replay compares.
const MAX_CANDIDATES: usize = 64;

/// The UID of a copy of `raw` in the selected folder from UID `from` on, if one is there.
async fn stored_copy(imap: &mut Imap, from: u32, raw: &[u8]) -> Result<Option<u32>> {
    let want = crlf(raw);
    let sizes = [raw.len() as u64, want.len() as u64];
    let mut candidates = Vec::new();
    imap.fetch_pipelined(
        &[format!("UID FETCH {from}:*")],
        "(UID RFC822.SIZE)",
        1,
        |u| u >= from,
        |f: Fetched| {
            if f.size.is_some_and(|n| sizes.contains(&n)) && candidates.len() < MAX_CANDIDATES {
                candidates.push(f.uid);
            }
            Ok(())
        },
    )
    .await?;
    for uid in candidates {
        let mut same = false;
        imap.fetch_pipelined(
            &[format!("UID FETCH {uid}")],
            "(UID BODY.PEEK[])",
            1,
            |u| u == uid,
            |f: Fetched| {
                same |= f.body.is_some_and(|b| crlf(&b) == want);
                Ok(())
            },
        )
        .await?;
        if same {
            return Ok(Some(uid));
        }
    }
    Ok(None)
}

/// Whether message `uid` of `folder` (under UIDVALIDITY `validity`) is on the server.
async fn original_there(imap: &mut Imap, folder: &[u8], validity: u32, uid: u32) -> Result<bool> {
    // selected afresh, so its UIDVALIDITY is known
    imap.unselect().await?;
    let st = match imap.select(folder, false).await {
        Ok(st) => st,
        Err(e) if stops(&e) => return Err(e),
        Err(_) => return Ok(false),
    };
    if st.is_some_and(|st| st.uidvalidity != validity) {
        return Ok(false);
    }
    uid_exists(imap, uid).await
}

/// Whether the selected folder has a message with UID `uid`.
pub(crate) async fn uid_exists(imap: &mut Imap, uid: u32) -> Result<bool> {
    let mut found = false;
    imap.fetch_pipelined(
        &[format!("UID FETCH {uid}")],
        "(UID)",
        1,
        |u| u == uid,
        |_: Fetched| {
            found = true;
            Ok(())
        },
    )
    .await?;
    Ok(found)
}

/// A message stored offline: APPENDed (unless an interrupted replay already stored
/// it), and its cache row given the server's UID.
async fn append(imap: &mut Imap, db: &Mutex<Cache>, p: &Pending) -> Result<Option<String>> {
    let Some(id) = p.message_id else {
        return Ok(Some(
            "a queued message without its cache row was dropped".into(),
        ));
    };
    let (m, raw, flags) = {
        let db = lock(db);
        match db.message(id) {
            Ok(m) => {
                let raw = db.raw(id)?;
                let flags = db.message_flags(id)?;
                (m, raw, flags)
            }
            // deleted before it reached the server: nothing to send
            Err(InternetError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
    };
    if let Some((from, validity, uid)) = &p.source
        && !original_there(imap, from, *validity, *uid).await?
    {
        // a copy of a message deleted on the server meanwhile: not stored
        lock(db).delete(id)?;
        return Ok(Some(format!(
            "a copy made offline of message {uid} of {:?} was dropped: the original was deleted on the server meanwhile",
            String::from_utf8_lossy(from)
        )));
    }
    let folder = String::from_utf8_lossy(&p.folder).into_owned();
    let st = match imap.select(&p.folder, false).await {
        Ok(st) => st.unwrap_or_default(),
        Err(e) if stops(&e) => return Err(e),
        Err(_) => {
            return Ok(Some(format!(
                "a message stored offline in {folder:?} was dropped: the folder is gone from the server"
            )));
        }
    };
    if p.uid != 0 && p.uidvalidity == st.uidvalidity {
        // an earlier replay sent it: is it there?
        if let Some(uid) = stored_copy(imap, p.uid, &raw).await? {
            lock(db).relocate(id, m.folder_id, st.uidvalidity, uid)?;
            return Ok(None);
        }
    } else {
        lock(db).mark_append(p.seq, st.uidvalidity, st.uidnext.max(1))?;
    }
    let flags: Vec<&str> = flags
        .iter()
        .map(String::as_str)
        .filter(|f| !f.eq_ignore_ascii_case("\\Recent"))
        .collect();
    let key = imap.append(&p.folder, &flags.join(" "), &raw).await?;
    #[cfg(test)]
    failpoint::after_append(lock(db).path())?;
    match key {
        Some((validity, uid)) => lock(db).relocate(id, m.folder_id, validity, uid)?,
        // no APPENDUID: the next download brings the message under its server UID
        None => lock(db).delete(id)?,
    }
    Ok(None)
}

/// Test builds only: a replay cut short right after the server stored a message.
#[cfg(test)]
pub(crate) mod failpoint {
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    use crate::error::{InternetError, Result};

    static ARMED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    /// The next APPEND replayed for the cache at `path` stops the replay after the
    /// server's reply, before the cache learns of it (once).
    pub fn arm(path: &Path) {
        ARMED.lock().unwrap().push(path.to_path_buf());
    }

    pub(super) fn after_append(path: &Path) -> Result<()> {
        let mut armed = ARMED.lock().unwrap_or_else(|p| p.into_inner());
        match armed.iter().position(|p| p == path) {
            Some(i) => {
                armed.remove(i);
                Err(InternetError::Unreachable {
                    server: "test".into(),
                    detail: "replay interrupted by a test after the server stored a message".into(),
                })
            }
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    //! A replay interrupted right after the server stored a queued message, before the
    //! cache heard of it (a real Dovecot; the failpoint stops the replay there).

    use std::sync::Arc;

    use mapi_spi::{FolderKind, MsgStore, Support};
    use mapi_test_support::{MailStack, Options, TestSupport};
    use mapi_types::{LogonFlags, tags};

    use super::*;
    use crate::{InternetMailService, InternetStore};

    async fn logon(
        settings: &mapi_spi::Settings,
        dir: &std::path::Path,
    ) -> crate::error::Result<Arc<InternetStore>> {
        let support = TestSupport::new(settings.clone(), LogonFlags::MAPI_FORCE_DOWNLOAD, dir);
        InternetMailService
            .logon_store(support as Arc<dyn Support>)
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_append_interrupted_after_the_servers_reply_is_not_stored_twice() {
        let mut stack = MailStack::start(Options::default()).expect("mail stack");
        let dir = tempfile::tempdir().unwrap();
        let settings = stack.settings("alice", "starttls", "tls");
        logon(&settings, dir.path()).await.unwrap().logoff().await;
        stack.stop_dovecot();

        let store = logon(&settings, dir.path()).await.unwrap();
        assert!(!store.is_online());
        let drafts = store.folder(FolderKind::Drafts).await.unwrap();
        store
            .import_raw(
                &drafts,
                vec![
                    b"Subject: once only\nMessage-ID: <once@example.org>\n\nbare LF lines\n"
                        .to_vec(),
                ],
            )
            .await
            .unwrap();
        let path = store.cache_file();
        store.logoff().await;

        stack.restart_dovecot().unwrap();
        failpoint::arm(&path);
        let e = logon(&settings, dir.path())
            .await
            .err()
            .expect("the replay is cut short");
        assert!(e.is_unreachable(), "{e}");
        assert_eq!(
            stack.count_messages("alice", "Drafts"),
            1,
            "it reached the server"
        );
        let queued = Cache::open(&path).unwrap().pending().unwrap();
        assert_eq!(queued.len(), 1, "and is still queued");
        assert!(
            queued[0].uid != 0 && queued[0].uidvalidity != 0,
            "{queued:?}"
        );

        // the next replay finds the stored copy instead of sending it again
        let store = logon(&settings, dir.path()).await.unwrap();
        assert_eq!(
            stack.count_messages("alice", "Drafts"),
            1,
            "one copy, not two"
        );
        assert!(Cache::open(&path).unwrap().pending().unwrap().is_empty());
        let rows = store.contents(&drafts).await.unwrap().query_rows();
        let subjects: Vec<_> = rows.iter().map(|r| r.str(tags::PR_SUBJECT)).collect();
        assert_eq!(subjects, [Some("once only")]);
        let r = store.synchronize(true).await.unwrap();
        assert_eq!(
            (r.downloaded, r.replayed),
            (0, 0),
            "the cache row has its UID"
        );
        store.logoff().await;
    }

    #[test]
    fn line_endings_become_crlf_once() {
        assert_eq!(crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(crlf(b""), b"");
    }
}
