//! Changes made while the store is offline: read flags, deletions and new messages
//! (APPEND) are applied to the cache at once and queued in it ([`Cache::queue`]); the
//! next online synchronisation replays the queue in order before it downloads. A
//! queued change whose folder or message is gone from the server, or whose UIDVALIDITY
//! changed, is dropped with a note for the status row, never retried; a change the
//! network interrupts stays queued. A row leaves the queue only once its change is on
//! the server, so nothing is lost; an APPEND interrupted between the server's reply and
//! that step is the one change that can reach the server twice.

use std::sync::Mutex;

use crate::cache::{Cache, Pending, PendingOp};
use crate::error::{InternetError, Result};
use crate::imap::Imap;
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
            PendingOp::Append => append(imap, db, &p).await,
            _ => change(imap, &p, &mut selected).await,
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
        |_| {
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
        PendingOp::Append => unreachable!("appends are replayed by `append`"),
    }
    Ok(None)
}

/// A message stored offline: APPENDed, and its cache row given the server's UID.
async fn append(imap: &mut Imap, db: &Mutex<Cache>, p: &Pending) -> Result<Option<String>> {
    let Some(id) = p.message_id else {
        return Ok(Some(
            "a queued message without its cache row was dropped".into(),
        ));
    };
    let (m, raw) = {
        let db = lock(db);
        match db.message(id) {
            Ok(m) => {
                let raw = db.raw(id)?;
                (m, raw)
            }
            // deleted before it reached the server: nothing to send
            Err(InternetError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
    };
    let flags = if m.seen { "\\Seen" } else { "" };
    match imap.append(&p.folder, flags, &raw).await? {
        Some((validity, uid)) => lock(db).relocate(id, m.folder_id, validity, uid)?,
        // no APPENDUID: the next download brings the message under its server UID
        None => lock(db).delete(id)?,
    }
    Ok(None)
}
