//! Advise / Unadvise: notifications to the client's [`AdviseSink`]s.
//!
//! - this module: [`AdviseSink`], the session's registry ([`Hub`]) with its connection
//!   numbers, `Session::advise` (`IMAPISession::Advise`), `Session::advise_store`
//!   (`IMsgStore::Advise`, and through it a folder's or a message's) and
//!   `Session::unadvise`.
//! - `dispatch`: the notification thread, which turns store changes and session
//!   events into notifications and calls the sinks.
//! - `status`: status-row changes as `fnevStatusObjectModified`.
//! - [`table`]: [`LiveTable`], a contents, hierarchy or status table a client can
//!   advise (`IMAPITable::Advise`), and how it learns its rows changed.
//!
//! Status objects: a status row changes when its provider says so (`ModifyStatusRow`:
//! a service going offline or online) or when a submit fails because of its transport
//! (`submit::failure`). The session's Advise with `fnevStatusObjectModified` (every
//! status object, or one by its PR_ENTRYID from the status table) and the status
//! table's Advise get the changed row.
//!
//! Delivery: every sink of a session is called on one library-owned thread
//! ("mapi-notify"), one call at a time, in the order the changes were committed, so
//! notifications of one object always come in order. No lock of the library is held
//! during the call: a sink may call back into the session (QueryRows on the table it
//! watches, Unadvise, Advise). After `unadvise` returns, the sink is not called again;
//! called from another thread while the sink is running, `unadvise` waits for that call
//! to return (from inside the sink's own call it does not wait).
//!
//! When the session ends, session registrations with `fnevExtended` get the shutdown
//! notification, then every registration is released (its sink dropped).
//!
//! Connection numbers are non-zero and unique in the session (never reused). A mask
//! with no event the object supports is `MAPI_E_NO_SUPPORT`; the bits it does support
//! are registered and the others ignored. Unadvise of a number the session did not give,
//! or already released, is `MAPI_E_NOT_FOUND`.

mod dispatch;
mod status;
pub mod table;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread::ThreadId;

use mapi_spi::{ChangeListener, ChangeSubscription, MsgStore, StoreChange};
use mapi_types::notify::fnev;
use mapi_types::{Notification, Status, object_type};

use crate::error::{EngineError, Result};
use crate::session::{STATUS_ENTRY_MARK, STORE_ENTRY_MARK, Session, SessionEvent, SessionInner};

pub use table::LiveTable;

/// A client's advise sink (`IMAPIAdviseSink`).
pub trait AdviseSink: Send + Sync {
    /// `OnNotify`: one or more notifications, in the order they happened.
    fn on_notify(&self, notifications: &[Notification]);
}

impl<F: Fn(&[Notification]) + Send + Sync> AdviseSink for F {
    fn on_notify(&self, notifications: &[Notification]) {
        self(notifications)
    }
}

/// Events a session advise (no entry id) supports.
pub const SESSION_EVENTS: u32 =
    fnev::CRITICAL_ERROR | fnev::EXTENDED | fnev::STATUS_OBJECT_MODIFIED;
/// Events an advise on one status object (a status-table PR_ENTRYID) supports.
pub const STATUS_OBJECT_EVENTS: u32 = fnev::STATUS_OBJECT_MODIFIED;
/// Events a store advise (no entry id, or a folder's) supports.
pub const STORE_EVENTS: u32 = fnev::CRITICAL_ERROR | fnev::NEW_MAIL | fnev::OBJECT_EVENTS;
/// Events a message advise supports.
pub const MESSAGE_EVENTS: u32 = fnev::CRITICAL_ERROR | fnev::OBJECT_EVENTS;
/// Events an address-book advise supports (entries added through this session).
pub const ADDRESS_BOOK_EVENTS: u32 = fnev::OBJECT_CREATED | fnev::OBJECT_MODIFIED;
/// Events a contents or hierarchy table advise supports.
pub const TABLE_EVENTS: u32 = fnev::TABLE_MODIFIED;
/// Events a status table advise supports: its rows' changes as table events and as
/// status-object events.
pub const STATUS_TABLE_EVENTS: u32 = fnev::TABLE_MODIFIED | fnev::STATUS_OBJECT_MODIFIED;

/// What a registration watches.
pub(crate) enum Target {
    /// The session; `no_mail`: the advising client logged on with `MAPI_NO_MAIL` (it
    /// sees no transport status rows).
    Session {
        no_mail: bool,
    },
    /// One status object, by its status-table PR_ENTRYID.
    StatusObject(Vec<u8>),
    /// A store (its store-table entry id), whole or one object of it.
    Store {
        store: Vec<u8>,
        object: Option<Vec<u8>>,
    },
    Table(Weak<table::TableInner>),
    /// The address book, or one container of it (its entry id).
    AddressBook {
        container: Option<Vec<u8>>,
    },
}

#[derive(Default)]
struct CallState {
    removed: bool,
    in_call: bool,
}

/// One Advise.
pub(crate) struct Registration {
    pub(crate) conn: u32,
    pub(crate) target: Target,
    pub(crate) mask: u32,
    sink: Arc<dyn AdviseSink>,
    state: Mutex<CallState>,
    done: Condvar,
}

impl Registration {
    /// Calls the sink unless it was unadvised.
    pub(crate) fn call(&self, notifications: &[Notification]) {
        if notifications.is_empty() {
            return;
        }
        {
            let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if st.removed {
                return;
            }
            st.in_call = true;
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.sink.on_notify(notifications)
        }));
        if r.is_err() {
            log::warn!("advise sink {} panicked in on_notify", self.conn);
        }
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.in_call = false;
        self.done.notify_all();
    }
}

/// What the notification thread is given.
pub(crate) enum Job {
    Store {
        store: Vec<u8>,
        changes: Vec<StoreChange>,
    },
    Ended(String),
    /// A status row may have changed.
    Status,
    /// Address-book changes made through this session.
    AddressBook(Vec<Notification>),
}

/// The advise registry of one session.
pub struct Hub {
    next: AtomicU32,
    pub(crate) regs: Mutex<BTreeMap<u32, Arc<Registration>>>,
    subs: Mutex<HashMap<Vec<u8>, ChangeSubscription>>,
    tx: Mutex<mpsc::Sender<Job>>,
    thread: ThreadId,
    /// The session, for status rows.
    pub(crate) session: Weak<SessionInner>,
    /// The status rows as last announced (every row, as a client without
    /// `MAPI_NO_MAIL` sees them).
    pub(crate) status: Mutex<Vec<mapi_types::Row>>,
}

struct Forward {
    store: Vec<u8>,
    tx: Mutex<mpsc::Sender<Job>>,
}

impl ChangeListener for Forward {
    fn on_changes(&self, changes: &[StoreChange]) {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        let _ = tx.send(Job::Store {
            store: self.store.clone(),
            changes: changes.to_vec(),
        });
    }
}

impl Hub {
    fn start(session: &Arc<SessionInner>) -> Result<Arc<Hub>> {
        let inner: &SessionInner = session;
        let (tx, rx) = mpsc::channel();
        let mut events = inner.events.subscribe();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("mapi-notify".into())
            .spawn(move || {
                let Ok(hub) = ready_rx.recv() else { return };
                dispatch::run(hub, rx)
            })
            .map_err(|e| EngineError::Status(Status::MAPI_E_CALL_FAILED, e.to_string()))?;
        let hub = Arc::new(Hub {
            next: AtomicU32::new(1),
            regs: Mutex::new(BTreeMap::new()),
            subs: Mutex::new(HashMap::new()),
            tx: Mutex::new(tx.clone()),
            thread: thread.thread().id(),
            session: Arc::downgrade(session),
            status: Mutex::new(
                inner
                    .status_table(false)
                    .full_rows()
                    .into_iter()
                    .cloned()
                    .collect(),
            ),
        });
        let _ = ready_tx.send(Arc::downgrade(&hub));
        // Session events reach the notification thread through this forwarder.
        std::thread::Builder::new()
            .name("mapi-notify-events".into())
            .spawn(move || {
                use tokio::sync::broadcast::error::RecvError;
                loop {
                    match events.blocking_recv() {
                        Ok(SessionEvent::Ended { reason }) => {
                            let _ = tx.send(Job::Ended(reason));
                            return;
                        }
                        // Missed events may have been status changes: compare again.
                        Ok(SessionEvent::StatusChanged) | Err(RecvError::Lagged(_)) => {
                            if tx.send(Job::Status).is_err() {
                                return;
                            }
                        }
                        Ok(SessionEvent::Progress { .. }) => {}
                        Err(RecvError::Closed) => return,
                    }
                }
            })
            .map_err(|e| EngineError::Status(Status::MAPI_E_CALL_FAILED, e.to_string()))?;
        Ok(hub)
    }

    /// Drops every registration and store subscription (the session ended).
    pub(crate) fn release_all(&self) {
        let regs = std::mem::take(&mut *self.regs.lock().unwrap_or_else(|p| p.into_inner()));
        for r in regs.values() {
            r.state.lock().unwrap_or_else(|p| p.into_inner()).removed = true;
        }
        drop(regs);
        self.subs.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Hands address-book changes to the notification thread.
    pub(crate) fn address_book_changed(&self, n: Vec<Notification>) {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        let _ = tx.send(Job::AddressBook(n));
    }

    /// Makes sure the store's changes come to this hub.
    pub(crate) fn watch_store(&self, store_id: &[u8], store: &Arc<dyn MsgStore>) -> Result<()> {
        let mut subs = self.subs.lock().unwrap_or_else(|p| p.into_inner());
        if subs.contains_key(store_id) {
            return Ok(());
        }
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let listener = Arc::new(Forward {
            store: store_id.to_vec(),
            tx: Mutex::new(tx),
        });
        match store.subscribe_changes(listener)? {
            Some(sub) => {
                subs.insert(store_id.to_vec(), sub);
                Ok(())
            }
            None => Err(EngineError::NoSupport(
                "this store does not report its changes: Advise is not supported on it".into(),
            )),
        }
    }

    pub(crate) fn register(&self, target: Target, mask: u32, sink: Arc<dyn AdviseSink>) -> u32 {
        let conn = self.next.fetch_add(1, Ordering::SeqCst);
        let reg = Arc::new(Registration {
            conn,
            target,
            mask,
            sink,
            state: Mutex::new(CallState::default()),
            done: Condvar::new(),
        });
        self.regs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(conn, reg);
        conn
    }

    /// Removes a registration; `only` restricts it to one table's.
    pub(crate) fn unadvise(&self, conn: u32, only: Option<&Arc<table::TableInner>>) -> Result<()> {
        let reg = {
            let mut regs = self.regs.lock().unwrap_or_else(|p| p.into_inner());
            let belongs = regs.get(&conn).is_some_and(|r| match (only, &r.target) {
                (None, _) => true,
                (Some(t), Target::Table(w)) => w.as_ptr() == Arc::as_ptr(t),
                (Some(_), _) => false,
            });
            if !belongs {
                return Err(EngineError::NotFound(format!(
                    "Unadvise: no advise registration with connection number {conn}"
                )));
            }
            regs.remove(&conn)
        };
        if let Some(reg) = reg {
            let mut st = reg.state.lock().unwrap_or_else(|p| p.into_inner());
            st.removed = true;
            if std::thread::current().id() != self.thread {
                while st.in_call {
                    st = reg.done.wait(st).unwrap_or_else(|p| p.into_inner());
                }
            }
        }
        Ok(())
    }
}

/// The part of `mask` that `supported` covers, or `MAPI_E_NO_SUPPORT` (what) when none.
pub(crate) fn supported(mask: u32, supported: u32, what: &str) -> Result<u32> {
    let m = mask & supported;
    if m == 0 {
        return Err(EngineError::NoSupport(format!(
            "Advise with event mask 0x{mask:08X}: {what} supports none of those events (it supports 0x{supported:08X})"
        )));
    }
    Ok(m)
}

impl Session {
    /// The session's advise registry (started by the first Advise).
    pub(crate) fn hub(&self) -> Result<Arc<Hub>> {
        let s = self.live()?;
        if let Some(h) = s.advise.get() {
            return Ok(h.clone());
        }
        // One start at a time, so two first Advises do not both start threads.
        static STARTING: Mutex<()> = Mutex::new(());
        let _one = STARTING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = s.advise.get() {
            return Ok(h.clone());
        }
        let hub = Hub::start(&self.inner)?;
        Ok(s.advise.get_or_init(|| hub).clone())
    }

    /// `IMAPISession::Advise`. Without an entry id: the session's own events,
    /// `fnevCriticalError` (a store of the session can no longer report its changes:
    /// its file was removed, its change log cannot be read), `fnevExtended` (session
    /// shutdown, [`mapi_types::notify::EXT_SESSION_SHUTDOWN`]) and
    /// `fnevStatusObjectModified` (a status row changed: the row's PR_ENTRYID and its
    /// changed PR_STATUS_CODE / PR_STATUS_STRING / PR_IDENTITY_DISPLAY). With a status
    /// object's entry id (a status-table PR_ENTRYID): that status object's
    /// `fnevStatusObjectModified`. With another: the registration goes to the store
    /// owning it, as [`Session::advise_store`] (a store-table entry id is the whole
    /// store). An id no open store knows is `MAPI_E_INVALID_ENTRYID`.
    /// Returns the connection number.
    pub async fn advise(
        &self,
        entry: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        let r = self.advise_inner(entry, mask, sink).await;
        self.record(r)
    }

    async fn advise_inner(
        &self,
        entry: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        let Some(entry) = entry else {
            let mask = supported(mask, SESSION_EVENTS, "the session")?;
            let hub = self.hub()?;
            if mask & fnev::CRITICAL_ERROR != 0 {
                // A store failing is a session's critical error: watch every store
                // that reports (the others have nothing to say).
                for row in self.store_table()?.full_rows() {
                    if let Some(id) = row
                        .get(mapi_types::tags::PR_ENTRYID)
                        .and_then(mapi_types::PropValue::as_bytes)
                        && let Ok(store) = self.open_msg_store(id)
                    {
                        match hub.watch_store(id, &store) {
                            Ok(()) | Err(EngineError::NoSupport(_)) => {}
                            Err(e) => return Err(e),
                        }
                    }
                }
            }
            let no_mail = self.flags().contains(mapi_types::LogonFlags::MAPI_NO_MAIL);
            return Ok(hub.register(Target::Session { no_mail }, mask, sink));
        };
        if entry.starts_with(STATUS_ENTRY_MARK) {
            let known = self.status_table()?.full_rows().iter().any(|r| {
                r.get(mapi_types::tags::PR_ENTRYID)
                    .and_then(mapi_types::PropValue::as_bytes)
                    == Some(entry)
            });
            if !known {
                return Err(EngineError::Status(
                    Status::MAPI_E_INVALID_ENTRYID,
                    "Advise: no status object of this session has that entry id".into(),
                ));
            }
            let mask = supported(mask, STATUS_OBJECT_EVENTS, "a status object")?;
            let hub = self.hub()?;
            return Ok(hub.register(Target::StatusObject(entry.to_vec()), mask, sink));
        }
        if entry.starts_with(STORE_ENTRY_MARK) {
            return self.advise_store_inner(entry, None, mask, sink).await;
        }
        let opened = self.open_entry(entry, 0).await?;
        self.advise_store_inner(&opened.store, Some(entry), mask, sink)
            .await
    }

    /// `IMsgStore::Advise` on the store with store-table entry id `store`: with no
    /// `entry`, every change of the store (`fnevNewMail`, `fnevObject*`,
    /// `fnevCriticalError`); with a folder's entry id, changes of that folder and of
    /// what is in it (the folder's Advise); with a message's, changes of that message
    /// (`fnevObject*` only). A store that does not report changes answers
    /// `MAPI_E_NO_SUPPORT`.
    pub async fn advise_store(
        &self,
        store: &[u8],
        entry: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        let r = self.advise_store_inner(store, entry, mask, sink).await;
        self.record(r)
    }

    async fn advise_store_inner(
        &self,
        store_id: &[u8],
        entry: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        let store = self.open_msg_store(store_id)?;
        let mask = match entry {
            None => supported(mask, STORE_EVENTS, "a message store")?,
            Some(e) => {
                let opened = self.open_entry(e, 0).await?;
                if opened.store != store_id {
                    return Err(EngineError::Status(
                        Status::MAPI_E_INVALID_ENTRYID,
                        "Advise: that entry id is not of this store".into(),
                    ));
                }
                if opened.object.object_type() == object_type::MAPI_MESSAGE {
                    supported(mask, MESSAGE_EVENTS, "a message")?
                } else {
                    supported(mask, STORE_EVENTS, "a folder")?
                }
            }
        };
        let hub = self.hub()?;
        hub.watch_store(store_id, &store)?;
        Ok(hub.register(
            Target::Store {
                store: store_id.to_vec(),
                object: entry.map(<[u8]>::to_vec),
            },
            mask,
            sink,
        ))
    }

    /// `IAddrBook::Advise`: with no `container` every entry added through this
    /// session's address book (`fnevObjectCreated`; `fnevObjectModified` is accepted,
    /// and no entry is modified in place today), with a container's entry id only those
    /// added to it. Changes made by another process to a provider's file are not seen.
    /// Returns the connection number.
    pub fn advise_address_book(
        &self,
        container: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        let r = (|| {
            let mask = supported(mask, ADDRESS_BOOK_EVENTS, "an address book")?;
            let container = match container {
                None => None,
                Some(c) if c.is_empty() || c == crate::addrbook::AB_ROOT_ENTRY => None,
                Some(c) => {
                    let book = self.address_book()?;
                    if !(0..book.providers()).any(|i| book.container_id(i) == c) {
                        return Err(EngineError::Status(
                            Status::MAPI_E_INVALID_ENTRYID,
                            "Advise: that entry id is not an address-book container".into(),
                        ));
                    }
                    Some(c.to_vec())
                }
            };
            let hub = self.hub()?;
            Ok(hub.register(Target::AddressBook { container }, mask, sink))
        })();
        self.record(r)
    }

    /// `Unadvise`: ends the registration with that connection number (of any object
    /// of this session); `MAPI_E_NOT_FOUND` when there is none.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        let r = (|| {
            let s = self.live()?;
            match s.advise.get() {
                Some(h) => h.unadvise(conn, None),
                None => Err(EngineError::NotFound(format!(
                    "Unadvise: no advise registration with connection number {conn}"
                ))),
            }
        })();
        self.record(r)
    }
}
