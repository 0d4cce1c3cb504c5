//! The notification thread of a session: takes store changes and session events in
//! the order they came, builds each registration's notifications, and calls the sinks
//! one after another with no lock held.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Weak};

use mapi_spi::{ChangeKind, StoreChange};
use mapi_types::notify::{
    EXT_SESSION_SHUTDOWN, ErrorInfo, ExtendedInfo, NewMailInfo, ObjectInfo, fnev,
};
use mapi_types::table::consts::MAPI_UNICODE;
use mapi_types::{Notification, Row, Status};

use super::{Hub, Job, Registration, Target, status};

/// Runs a provider's async call to its end on the notification thread (a hierarchy
/// table reading the store's folders again), on a runtime made at the first need.
#[derive(Default)]
pub(crate) struct Blocker(std::sync::OnceLock<Option<tokio::runtime::Runtime>>);

impl Blocker {
    pub(crate) fn block_on<T>(
        &self,
        f: impl std::future::Future<Output = crate::error::Result<T>>,
    ) -> crate::error::Result<T> {
        let rt = self.0.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| log::warn!("no runtime for the notification thread: {e}"))
                .ok()
        });
        match rt {
            Some(rt) => rt.block_on(f),
            None => Err(crate::error::EngineError::Status(
                Status::MAPI_E_CALL_FAILED,
                "the notification thread has no runtime to read the store with".into(),
            )),
        }
    }
}

pub(super) fn run(hub: Weak<Hub>, rx: Receiver<Job>) {
    let rt = Blocker::default();
    while let Ok(job) = rx.recv() {
        let Some(h) = hub.upgrade() else { return };
        let regs: Vec<Arc<Registration>> = h
            .regs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        match job {
            Job::Store { store, changes } => {
                drop(h);
                store_job(&regs, &store, &changes, &rt)
            }
            Job::Status => {
                let objects = status_objects(&h);
                drop(h);
                status_job(&regs, &objects);
            }
            Job::AddressBook(n) => address_book_job(&regs, &n),
            Job::Ended(reason) => {
                drop(h);
                ended(&regs, &reason);
                // The session is over: release every sink and store subscription
                // (a sink holding the session would otherwise keep it alive).
                if let Some(h) = hub.upgrade() {
                    h.release_all();
                }
            }
        }
    }
}

fn ended(regs: &[Arc<Registration>], reason: &str) {
    let n = [Notification::Extended(ExtendedInfo {
        event: EXT_SESSION_SHUTDOWN,
        params: reason.as_bytes().to_vec(),
    })];
    for r in regs {
        if matches!(r.target, Target::Session { .. }) && r.mask & fnev::EXTENDED != 0 {
            r.call(&n);
        }
    }
}

/// The status rows that changed since the hub last looked (the hub then keeps the new
/// rows), with their notifications.
fn status_objects(hub: &Hub) -> Vec<(Row, Notification)> {
    let Some(s) = hub.session.upgrade() else {
        return Vec::new();
    };
    let rows: Vec<Row> = s
        .status_table(false)
        .full_rows()
        .into_iter()
        .cloned()
        .collect();
    let mut last = hub.status.lock().unwrap_or_else(|p| p.into_inner());
    let out = status::changes(&last, &rows);
    *last = rows;
    out
}

fn status_job(regs: &[Arc<Registration>], objects: &[(Row, Notification)]) {
    // Each status table once, as in `store_job`.
    let mut tables: Vec<(usize, Vec<Notification>)> = Vec::new();
    for r in regs {
        if let Target::Table(w) = &r.target
            && let Some(t) = w.upgrade()
        {
            let key = Arc::as_ptr(&t) as usize;
            if !tables.iter().any(|(k, _)| *k == key) {
                tables.push((key, t.status_changed()));
            }
        }
    }
    for r in regs {
        let out: Vec<Notification> = match &r.target {
            Target::Session { no_mail } => objects
                .iter()
                .filter(|(row, _)| !(*no_mail && status::is_transport(row)))
                .map(|(_, n)| n.clone())
                .collect(),
            Target::StatusObject(entry) => objects
                .iter()
                .filter(|(_, n)| {
                    matches!(n, Notification::StatusObjectModified(i) if i.entry == *entry)
                })
                .map(|(_, n)| n.clone())
                .collect(),
            Target::Table(w) => match w.upgrade() {
                Some(t) => {
                    let key = Arc::as_ptr(&t) as usize;
                    tables
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default()
                }
                None => continue,
            },
            Target::Store { .. } | Target::AddressBook { .. } => continue,
        };
        let out: Vec<Notification> = out
            .into_iter()
            .filter(|n| r.mask & n.event_type() != 0)
            .collect();
        r.call(&out);
    }
}

fn address_book_job(regs: &[Arc<Registration>], n: &[Notification]) {
    for r in regs {
        let Target::AddressBook { container } = &r.target else {
            continue;
        };
        let out: Vec<Notification> = n
            .iter()
            .filter(|x| r.mask & x.event_type() != 0)
            .filter(|x| match (container, x) {
                (None, _) => true,
                (Some(c), Notification::ObjectCreated(o) | Notification::ObjectModified(o)) => {
                    &o.parent == c
                }
                (Some(_), _) => false,
            })
            .cloned()
            .collect();
        r.call(&out);
    }
}

fn store_job(regs: &[Arc<Registration>], store: &[u8], changes: &[StoreChange], rt: &Blocker) {
    // Tables first work out their notifications (each table once), then every sink is
    // called in registration order.
    let mut tables: Vec<(usize, Vec<Notification>)> = Vec::new();
    for r in regs {
        if let Target::Table(w) = &r.target
            && r.mask & fnev::TABLE_MODIFIED != 0
            && let Some(t) = w.upgrade()
            && t.store == store
        {
            let key = Arc::as_ptr(&t) as usize;
            if !tables.iter().any(|(k, _)| *k == key) {
                tables.push((key, t.changed(changes, rt)));
            }
        }
    }
    for r in regs {
        let out = match &r.target {
            Target::Session { .. } => critical(changes, store, r.mask),
            Target::StatusObject(_) => continue,
            Target::Store { store: s, object } if s == store => {
                object_notifications(changes, object.as_deref(), store, r.mask)
            }
            Target::Store { .. } | Target::AddressBook { .. } => continue,
            Target::Table(w) => match w.upgrade() {
                Some(t) if t.store == store => {
                    let key = Arc::as_ptr(&t) as usize;
                    tables
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, n)| n.clone())
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|n| r.mask & n.event_type() != 0)
                        .collect()
                }
                _ => continue,
            },
        };
        r.call(&out);
    }
}

/// `fnevCriticalError` for a store that can no longer report changes.
fn critical(changes: &[StoreChange], store: &[u8], mask: u32) -> Vec<Notification> {
    if mask & fnev::CRITICAL_ERROR == 0 {
        return Vec::new();
    }
    changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Failed)
        .map(|c| {
            let (scode, text) = c
                .error
                .clone()
                .unwrap_or((Status::MAPI_E_CALL_FAILED, String::new()));
            Notification::CriticalError(ErrorInfo {
                entry: store.to_vec(),
                scode,
                flags: MAPI_UNICODE,
                error: Some(text),
            })
        })
        .collect()
}

/// Whether a change concerns the watched object: the object itself, or (for a folder)
/// something in it or moved out of it.
fn concerns(c: &StoreChange, object: &[u8]) -> bool {
    c.entry == object || c.old_entry == object || c.parent == object || c.old_parent == object
}

fn object_notifications(
    changes: &[StoreChange],
    object: Option<&[u8]>,
    store: &[u8],
    mask: u32,
) -> Vec<Notification> {
    let mut out = critical(changes, store, mask);
    for c in changes {
        if let Some(o) = object
            && !concerns(c, o)
        {
            continue;
        }
        let info = || ObjectInfo {
            entry: c.entry.clone(),
            object_type: c.object_type,
            parent: c.parent.clone(),
            old_entry: c.old_entry.clone(),
            old_parent: c.old_parent.clone(),
            props: Vec::new(),
        };
        let n = match c.kind {
            ChangeKind::Created => Notification::ObjectCreated(info()),
            ChangeKind::Deleted => Notification::ObjectDeleted(info()),
            ChangeKind::Modified => Notification::ObjectModified(info()),
            ChangeKind::Moved => Notification::ObjectMoved(info()),
            ChangeKind::Copied => Notification::ObjectCopied(info()),
            ChangeKind::NewMail => Notification::NewMail(NewMailInfo {
                entry: c.entry.clone(),
                parent: c.parent.clone(),
                flags: MAPI_UNICODE,
                message_class: c.message_class.clone(),
                message_flags: c.message_flags,
            }),
            ChangeKind::Lost | ChangeKind::Failed => continue,
        };
        if mask & n.event_type() != 0 {
            out.push(n);
        }
    }
    out
}
