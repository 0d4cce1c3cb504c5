//! Advise over the socket: a client's registrations on its session handles (the
//! session, a store, a contents / hierarchy / status table, the address book), each an
//! engine registration whose sink pushes `Notification::Event` frames to the client.
//!
//! - A sink runs on the engine's notification thread and never waits: it puts the
//!   frame in the connection's bounded outgoing queue (`OUT_QUEUE` frames,
//!   `OUT_QUEUE_BYTES` bytes); a full queue means the client
//!   stopped reading, and the connection is dropped ([`ConnState::overflow`]: one log
//!   line, the queue freed), so the daemon's memory stays bounded and the other
//!   clients, served by the same thread, are not held up.
//! - Events that come before the `Advised` answer is queued wait in the registration
//!   (bounded like the queue), so the client always learns the connection number first.
//! - The session-shutdown notification (`fnevExtended`) is sent by the handle's event
//!   forwarder right before `SessionEnded` (the engine's own is dropped here), so a
//!   client gets it before it learns the session ended.
//! - Registrations are per session handle: `Unadvise` of a number this handle was not
//!   given is `MAPI_E_NOT_FOUND`; logoff, a table's release and the connection's end
//!   drop them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use mapi_engine::{AdviseSink, EngineError, LiveTable};
use mapi_proto::{AdviseTarget, Notification, RequestBody, ResponseBody};
use mapi_types::Notification as MapiNotification;
use mapi_types::notify::{EXT_SESSION_SHUTDOWN, ExtendedInfo, fnev};

use crate::conn::{ConnState, OUT_QUEUE};
use crate::error::{DaemonError, Result};
use crate::handles::Handle;
use crate::tables::Origin;

/// Where one registration's events go.
pub(crate) struct Outlet {
    conn: Weak<ConnState>,
    session: u64,
    /// The connection number and the events held until the `Advised` answer is queued
    /// (`Some` while held).
    state: Mutex<(u32, Option<Vec<Vec<MapiNotification>>>)>,
}

impl Outlet {
    fn new(conn: &Arc<ConnState>, session: u64) -> Arc<Outlet> {
        Arc::new(Outlet {
            conn: Arc::downgrade(conn),
            session,
            state: Mutex::new((0, Some(Vec::new()))),
        })
    }

    fn lock(&self) -> MutexGuard<'_, (u32, Option<Vec<Vec<MapiNotification>>>)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, conn_no: u32, notifications: Vec<MapiNotification>) {
        if let Some(c) = self.conn.upgrade() {
            c.push_event(Notification::Event {
                session: self.session,
                conn: conn_no,
                notifications,
            });
        }
    }

    /// The `Advised` answer is queued: send what was held, then send as events come.
    pub(crate) fn open(&self) {
        let mut st = self.lock();
        let held = st.1.take().unwrap_or_default();
        let conn_no = st.0;
        for n in held {
            self.push(conn_no, n);
        }
    }
}

impl AdviseSink for Outlet {
    fn on_notify(&self, notifications: &[MapiNotification]) {
        // The shutdown notification goes out with `SessionEnded` (see the module notes).
        let list: Vec<MapiNotification> = notifications
            .iter()
            .filter(|n| !is_shutdown(n))
            .cloned()
            .collect();
        if list.is_empty() {
            return;
        }
        let mut st = self.lock();
        let conn_no = st.0;
        match &mut st.1 {
            Some(held) if held.len() < OUT_QUEUE => held.push(list),
            Some(_) => {
                drop(st);
                if let Some(c) = self.conn.upgrade() {
                    c.overflow();
                }
            }
            None => {
                drop(st);
                self.push(conn_no, list);
            }
        }
    }
}

fn is_shutdown(n: &MapiNotification) -> bool {
    matches!(n, MapiNotification::Extended(x) if x.event == EXT_SESSION_SHUTDOWN)
}

/// One registration of a session handle.
struct Reg {
    /// A session registration with `fnevExtended`: gets the shutdown notification.
    shutdown: bool,
    /// The table it watches, if any.
    table: Option<u64>,
}

/// The registrations of one session handle.
#[derive(Default)]
pub(crate) struct Advised {
    regs: Mutex<HashMap<u32, Reg>>,
}

impl Advised {
    fn lock(&self) -> MutexGuard<'_, HashMap<u32, Reg>> {
        self.regs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes every registration (logoff, connection end): their numbers.
    pub(crate) fn take_all(&self) -> Vec<u32> {
        self.lock().drain().map(|(c, _)| c).collect()
    }

    /// Takes the registrations on table `table` (released).
    pub(crate) fn take_table(&self, table: u64) -> Vec<u32> {
        let mut regs = self.lock();
        let conns: Vec<u32> = regs
            .iter()
            .filter(|(_, r)| r.table == Some(table))
            .map(|(c, _)| *c)
            .collect();
        for c in &conns {
            regs.remove(c);
        }
        conns
    }

    /// The session-shutdown event for each registration that asked for it.
    pub(crate) fn shutdown_events(&self, session: u64, reason: &str) -> Vec<Notification> {
        let mut conns: Vec<u32> = self
            .lock()
            .iter()
            .filter(|(_, r)| r.shutdown)
            .map(|(c, _)| *c)
            .collect();
        conns.sort_unstable();
        conns
            .into_iter()
            .map(|conn| Notification::Event {
                session,
                conn,
                notifications: vec![MapiNotification::Extended(ExtendedInfo {
                    event: EXT_SESSION_SHUTDOWN,
                    params: reason.as_bytes().to_vec(),
                })],
            })
            .collect()
    }
}

/// Answers `Advise` and `Unadvise`. For `Advise`, the outlet to open once the answer
/// is queued.
pub(crate) async fn answer(
    conn: &Arc<ConnState>,
    body: RequestBody,
    after: &mut Option<Arc<Outlet>>,
) -> Result<ResponseBody> {
    match body {
        RequestBody::Advise {
            session,
            target,
            mask,
        } => {
            let h = conn.handle(session)?;
            let s = h.live()?;
            let outlet = Outlet::new(conn, session);
            let sink: Arc<dyn AdviseSink> = outlet.clone();
            let (conn_no, reg) = match target {
                AdviseTarget::Session { entry } => {
                    let c = s.advise(entry.as_deref(), mask, sink).await?;
                    let shutdown = entry.is_none() && mask & fnev::EXTENDED != 0;
                    (
                        c,
                        Reg {
                            shutdown,
                            table: None,
                        },
                    )
                }
                AdviseTarget::Store { store, entry } => {
                    let c = s.advise_store(&store, entry.as_deref(), mask, sink).await?;
                    (
                        c,
                        Reg {
                            shutdown: false,
                            table: None,
                        },
                    )
                }
                AdviseTarget::AddressBook { container } => {
                    let c = s.advise_address_book(container.as_deref(), mask, sink)?;
                    (
                        c,
                        Reg {
                            shutdown: false,
                            table: None,
                        },
                    )
                }
                AdviseTarget::Table { table } => {
                    let live = live_table(&h, table).await?;
                    let c = live.advise(mask, sink)?;
                    (
                        c,
                        Reg {
                            shutdown: false,
                            table: Some(table),
                        },
                    )
                }
            };
            outlet.lock().0 = conn_no;
            h.advised.lock().insert(conn_no, reg);
            *after = Some(outlet);
            Ok(ResponseBody::Advised(conn_no))
        }
        RequestBody::Unadvise { session, conn: c } => {
            let h = conn.handle(session)?;
            let s = h.live()?;
            if h.advised.lock().remove(&c).is_none() {
                return Err(DaemonError::Engine(EngineError::NotFound(format!(
                    "Unadvise: this session handle has no advise registration with connection \
                     number {c}"
                ))));
            }
            s.unadvise(c)?;
            Ok(ResponseBody::Done)
        }
        other => Err(DaemonError::Engine(EngineError::NoSupport(format!(
            "{} is not an advise request",
            other.name()
        )))),
    }
}

/// The live form of contents, hierarchy or status table `table` (made on its first
/// Advise, kept with it).
async fn live_table(h: &Arc<Handle>, table: u64) -> Result<LiveTable> {
    if let Some(l) = h.tables.live(table)? {
        return Ok(l);
    }
    let (origin, query, columns) = h.tables.origin(table)?;
    let s = h.live()?;
    let live = match origin {
        Origin::Contents(store, folder, flags) => {
            s.live_contents_table(&store, &folder, flags).await?
        }
        Origin::Hierarchy(store, folder, flags) => {
            s.live_hierarchy_table(&store, &folder, flags).await?
        }
        Origin::Status(flags) => s.live_status_table(flags)?,
    };
    {
        let table_err = |e| DaemonError::Engine(EngineError::Table(e));
        let mut view = live.view();
        view.set_columns(&columns, 0).map_err(table_err)?;
        if query.restriction.is_some() {
            view.restrict(query.restriction.clone(), 0)
                .map_err(table_err)?;
        }
        if !query.sort.is_empty() {
            view.sort_table(&query.sort, 0).map_err(table_err)?;
        }
    }
    h.tables.set_live(table, live)
}

/// Drops registrations on the engine session (logoff, table release, connection end).
pub(crate) fn drop_all(session: &mapi_engine::Session, conns: Vec<u32>) {
    for c in conns {
        // Gone already when the session ended: nothing to drop.
        let _ = session.unadvise(c);
    }
}
