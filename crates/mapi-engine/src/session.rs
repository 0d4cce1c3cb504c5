//! A logged-on session: its providers, status table, message-store table, stores,
//! merged address book, identity, last error, notifications and logoff.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::SystemTime;

use mapi_profile::ProviderInfo;
use mapi_spi::{AddressBook, MsgStore, StatusRow, Transport};
use mapi_types::{
    LogoffFlags, LogonFlags, PropValue, ProviderFlags, Row, Status, StatusCode, Table, object_type,
    resource_type, tags,
};
use tokio::sync::broadcast;

use crate::addrbook::MergedAddressBook;
use crate::engine::EngineInner;
use crate::error::{EngineError, Result};

/// Something that happened to a session, pushed to whoever subscribed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// A status row changed.
    StatusChanged,
    /// A provider's long task progressed.
    Progress {
        /// The service's display name.
        service: String,
        /// Units done.
        done: u64,
        /// Units in all, if known.
        total: Option<u64>,
        /// What is being done.
        text: String,
    },
    /// The session ended (`MAPI_LOGOFF_SHARED` by another client, or the last logoff).
    Ended {
        /// Why.
        reason: String,
    },
}

pub use mapi_types::{DisabledService, SubmitOutcome};

/// A provider's logged-on object.
#[derive(Clone)]
pub(crate) enum ProviderObject {
    Store(Arc<dyn MsgStore>),
    AddressBook(Arc<dyn AddressBook>),
    Transport(Arc<dyn Transport>),
}

/// One provider of the session's profile.
pub(crate) struct ProviderSlot {
    pub info: ProviderInfo,
    pub service_display: String,
    pub object: Option<ProviderObject>,
    /// Set when the provider (or its service) is disabled: the status and reason.
    pub disabled: Option<(Status, String)>,
    /// Not logged on because of `MAPI_NO_MAIL`.
    pub skipped: bool,
    pub status: Arc<Mutex<StatusRow>>,
    /// For a transport whose last submit failed: the status row it had before the
    /// engine marked it `STATUS_FAILURE` (put back by the next submit that works).
    pub transport_failed: Mutex<Option<StatusRow>>,
}

/// The state all clients of one session share.
pub(crate) struct SessionInner {
    pub id: u64,
    pub profile: String,
    /// The flags of the logon that made the session.
    pub flags: LogonFlags,
    pub since: SystemTime,
    pub providers: Vec<ProviderSlot>,
    pub disabled: Vec<DisabledService>,
    pub shared: AtomicBool,
    pub clients: AtomicUsize,
    pub ended: Mutex<Option<String>>,
    pub events: broadcast::Sender<SessionEvent>,
    pub last_error: Mutex<Option<String>>,
    pub engine: Weak<EngineInner>,
    /// The advise registry, started by the first Advise.
    pub advise: std::sync::OnceLock<Arc<crate::advise::Hub>>,
}

/// Entry ids of stores in the store table: a marker then the provider uid.
pub(crate) const STORE_ENTRY_MARK: &[u8; 8] = b"MAPISTOR";
/// Entry ids of status objects (status-table rows): a marker then the provider uid.
pub(crate) const STATUS_ENTRY_MARK: &[u8; 8] = b"MAPISTAT";

impl SessionInner {
    pub(crate) fn end_reason(&self) -> Option<String> {
        self.ended.lock().ok().and_then(|e| e.clone())
    }

    /// Ends the session for everyone: logs every provider off, tells subscribers.
    pub(crate) async fn end(&self, reason: &str) {
        {
            let Ok(mut e) = self.ended.lock() else { return };
            if e.is_some() {
                return;
            }
            *e = Some(reason.to_string());
        }
        for slot in &self.providers {
            match &slot.object {
                Some(ProviderObject::Store(s)) => s.logoff().await,
                Some(ProviderObject::AddressBook(a)) => a.logoff().await,
                Some(ProviderObject::Transport(t)) => t.logoff().await,
                None => {}
            }
        }
        let _ = self.events.send(SessionEvent::Ended {
            reason: reason.to_string(),
        });
        if let Some(engine) = self.engine.upgrade() {
            engine.forget_shared(self.id);
        }
    }

    /// The status table's rows for a client with (`no_mail`) or without
    /// `MAPI_NO_MAIL`. Each row's PR_ENTRYID (the status object's) stays the same for
    /// the session's life: `MAPISTAT` and the provider's uid (for the subsystem and
    /// spooler rows, their row number).
    pub(crate) fn status_table(&self, no_mail: bool) -> Table {
        let s = self;
        let mut rows = Vec::new();
        let mut rowid = 0;
        let mut push = |mut r: Row, uid: Option<&[u8]>| {
            r.set(tags::PR_ROWID, PropValue::Long(rowid));
            r.set(
                tags::PR_OBJECT_TYPE,
                PropValue::Long(object_type::MAPI_STATUS as i32),
            );
            let mut key = STATUS_ENTRY_MARK.to_vec();
            match uid {
                Some(u) => key.extend_from_slice(u),
                None => key.extend_from_slice(&(rowid as u32).to_le_bytes()),
            }
            r.set(tags::PR_INSTANCE_KEY, PropValue::Binary(key.clone()));
            r.set(tags::PR_ENTRYID, PropValue::Binary(key));
            rowid += 1;
            rows.push(r);
        };
        push(
            mapi_row(
                &s.profile,
                "MAPI subsystem",
                resource_type::MAPI_SUBSYSTEM,
                StatusCode::STATUS_AVAILABLE,
                None,
            ),
            None,
        );
        let spooler = if no_mail {
            (
                StatusCode::STATUS_FAILURE,
                Some("MAPI_NO_MAIL: no transports for this session".to_string()),
            )
        } else {
            (StatusCode::STATUS_AVAILABLE, None)
        };
        push(
            mapi_row(
                "MAPI spooler",
                "MAPI spooler",
                resource_type::MAPI_SPOOLER,
                spooler.0,
                spooler.1,
            ),
            None,
        );
        for p in &s.providers {
            let transport = p.info.resource_type == resource_type::MAPI_TRANSPORT_PROVIDER;
            if p.skipped || (no_mail && transport) {
                continue;
            }
            let mut r = Row::default();
            r.set(
                tags::PR_DISPLAY_NAME,
                PropValue::Unicode(p.service_display.clone()),
            );
            r.set(
                tags::PR_PROVIDER_DISPLAY,
                PropValue::Unicode(p.info.provider_display.clone()),
            );
            r.set(
                tags::PR_PROVIDER_DLL_NAME,
                PropValue::Unicode(p.info.provider_name.clone()),
            );
            r.set(
                tags::PR_RESOURCE_TYPE,
                PropValue::Long(p.info.resource_type as i32),
            );
            r.set(
                tags::PR_RESOURCE_FLAGS,
                PropValue::Long(p.info.flags.0 as i32),
            );
            r.set(tags::PR_RESOURCE_METHODS, PropValue::Long(0));
            r.set(
                tags::PR_PROVIDER_UID,
                PropValue::Binary(p.info.uid.0.to_vec()),
            );
            r.set(
                tags::PR_SERVICE_UID,
                PropValue::Binary(p.info.service_uid.0.to_vec()),
            );
            r.set(
                tags::PR_SERVICE_NAME,
                PropValue::Unicode(p.info.service_name.clone()),
            );
            match &p.disabled {
                Some((status, reason)) => {
                    r.set(
                        tags::PR_STATUS_CODE,
                        PropValue::Long(StatusCode::STATUS_FAILURE.0 as i32),
                    );
                    r.set(
                        tags::PR_STATUS_STRING,
                        PropValue::Unicode(format!("{status}: {reason}")),
                    );
                }
                None => {
                    let row = p.status.lock().map(|r| r.clone()).unwrap_or_default();
                    let code = if row.code.0 == 0 {
                        StatusCode::STATUS_AVAILABLE
                    } else {
                        row.code
                    };
                    r.set(tags::PR_STATUS_CODE, PropValue::Long(code.0 as i32));
                    if let Some(t) = row.text {
                        r.set(tags::PR_STATUS_STRING, PropValue::Unicode(t));
                    }
                    if let Some(id) = row.identity {
                        r.set(tags::PR_IDENTITY_DISPLAY, PropValue::Unicode(id));
                    }
                }
            }
            push(r, Some(&p.info.uid.0));
        }
        Table::new(
            vec![
                tags::PR_DISPLAY_NAME,
                tags::PR_PROVIDER_DISPLAY,
                tags::PR_RESOURCE_TYPE,
                tags::PR_STATUS_CODE,
                tags::PR_STATUS_STRING,
                tags::PR_RESOURCE_FLAGS,
                tags::PR_IDENTITY_DISPLAY,
            ],
            rows,
        )
    }

    pub(crate) fn default_store_slot(&self) -> Option<&ProviderSlot> {
        self.providers.iter().find(|p| {
            p.info.resource_type == resource_type::MAPI_STORE_PROVIDER
                && p.info.flags.contains(ProviderFlags::STATUS_DEFAULT_STORE)
        })
    }
}

/// A client's handle on a session (`IMAPISession`). Several handles may share one
/// session (the shared session); each logs off on its own.
pub struct Session {
    pub(crate) inner: Arc<SessionInner>,
    /// This client's own logon flags: members of a shared session keep their own
    /// characteristics (a `MAPI_NO_MAIL` member cannot submit; a messaging one can).
    flags: LogonFlags,
    pub(crate) logged_off: Arc<AtomicBool>,
}

impl Session {
    pub(crate) fn attach(inner: Arc<SessionInner>, flags: LogonFlags) -> Session {
        inner.clients.fetch_add(1, Ordering::SeqCst);
        Session {
            inner,
            flags,
            logged_off: Arc::new(AtomicBool::new(false)),
        }
    }

    pub(crate) fn live(&self) -> Result<&SessionInner> {
        if self.logged_off.load(Ordering::SeqCst) {
            return Err(EngineError::EndOfSession(
                "this handle has logged off".into(),
            ));
        }
        if let Some(reason) = self.inner.end_reason() {
            return Err(EngineError::EndOfSession(reason));
        }
        Ok(&self.inner)
    }

    /// The session's number in this engine.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The profile this session runs on.
    pub fn profile(&self) -> &str {
        &self.inner.profile
    }

    /// This client's logon flags.
    pub fn flags(&self) -> LogonFlags {
        self.flags
    }

    /// The flags of the logon that made the session (the shared session's creator).
    pub fn creator_flags(&self) -> LogonFlags {
        self.inner.flags
    }

    /// Whether this is the shared session (`MAPI_ALLOW_OTHERS`).
    pub fn is_shared(&self) -> bool {
        self.inner.shared.load(Ordering::SeqCst)
    }

    /// How many client handles use the session.
    pub fn clients(&self) -> usize {
        self.inner.clients.load(Ordering::SeqCst)
    }

    /// When the session was made.
    pub fn since(&self) -> SystemTime {
        self.inner.since
    }

    /// The services disabled at logon, with their status and reason.
    pub fn disabled_services(&self) -> &[DisabledService] {
        &self.inner.disabled
    }

    /// Display names of the services that are up.
    pub fn active_services(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.inner.providers {
            if p.object.is_some() && !out.contains(&p.service_display) {
                out.push(p.service_display.clone());
            }
        }
        out
    }

    /// `GetLastError`: the extended text of the last failure in this session.
    pub fn last_error(&self) -> Option<String> {
        self.inner.last_error.lock().ok().and_then(|e| e.clone())
    }

    pub(crate) fn record<T>(&self, r: Result<T>) -> Result<T> {
        if let Err(e) = &r
            && let Ok(mut le) = self.inner.last_error.lock()
        {
            *le = Some(e.to_string());
        }
        r
    }

    /// Subscribes to the session's events.
    pub fn subscribe(&self) -> broadcast::Receiver<SessionEvent> {
        self.inner.events.subscribe()
    }

    /// `GetStatusTable`: the subsystem and spooler rows, then one row per provider
    /// (transports absent under `MAPI_NO_MAIL`).
    pub fn status_table(&self) -> Result<Table> {
        let s = self.live()?;
        Ok(s.status_table(self.flags.contains(LogonFlags::MAPI_NO_MAIL)))
    }

    /// `GetMsgStoresTable`: every store of the profile (disabled ones too: opening them
    /// fails with the status that disabled them), PR_DEFAULT_STORE on the default.
    pub fn store_table(&self) -> Result<Table> {
        let s = self.live()?;
        let default = s.default_store_slot().map(|p| p.info.uid);
        let rows = s
            .providers
            .iter()
            .filter(|p| p.info.resource_type == resource_type::MAPI_STORE_PROVIDER)
            .map(|p| {
                let props = match &p.object {
                    Some(ProviderObject::Store(st)) => st.properties(),
                    _ => Row::default(),
                };
                let mut r = Row::default();
                let name = props
                    .str(tags::PR_DISPLAY_NAME)
                    .map(str::to_string)
                    .unwrap_or_else(|| p.service_display.clone());
                r.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(name));
                r.set(tags::PR_ENTRYID, PropValue::Binary(store_entry_id(&p.info)));
                r.set(
                    tags::PR_INSTANCE_KEY,
                    PropValue::Binary(p.info.uid.0.to_vec()),
                );
                let record = props
                    .get(tags::PR_RECORD_KEY)
                    .cloned()
                    .unwrap_or_else(|| PropValue::Binary(p.info.uid.0.to_vec()));
                r.set(tags::PR_RECORD_KEY, record);
                let mdb = props
                    .get(tags::PR_MDB_PROVIDER)
                    .cloned()
                    .unwrap_or_else(|| PropValue::Binary(vec![0; 16]));
                r.set(tags::PR_MDB_PROVIDER, mdb);
                r.set(
                    tags::PR_OBJECT_TYPE,
                    PropValue::Long(object_type::MAPI_STORE as i32),
                );
                r.set(
                    tags::PR_PROVIDER_DISPLAY,
                    PropValue::Unicode(p.info.provider_display.clone()),
                );
                r.set(
                    tags::PR_RESOURCE_FLAGS,
                    PropValue::Long(p.info.flags.0 as i32),
                );
                r.set(
                    tags::PR_RESOURCE_TYPE,
                    PropValue::Long(resource_type::MAPI_STORE_PROVIDER as i32),
                );
                r.set(
                    tags::PR_DEFAULT_STORE,
                    PropValue::Boolean(Some(p.info.uid) == default),
                );
                r
            })
            .collect();
        Ok(Table::new(
            vec![
                tags::PR_DISPLAY_NAME,
                tags::PR_DEFAULT_STORE,
                tags::PR_PROVIDER_DISPLAY,
                tags::PR_RESOURCE_FLAGS,
                tags::PR_ENTRYID,
                tags::PR_MDB_PROVIDER,
                tags::PR_RECORD_KEY,
                tags::PR_INSTANCE_KEY,
                tags::PR_OBJECT_TYPE,
                tags::PR_RESOURCE_TYPE,
            ],
            rows,
        ))
    }

    /// `OpenMsgStore` by the PR_ENTRYID of a store-table row.
    pub fn open_msg_store(&self, entry_id: &[u8]) -> Result<Arc<dyn MsgStore>> {
        let r = self.open_store_inner(entry_id);
        self.record(r)
    }

    fn open_store_inner(&self, entry_id: &[u8]) -> Result<Arc<dyn MsgStore>> {
        let s = self.live()?;
        let slot = s
            .providers
            .iter()
            .find(|p| {
                p.info.resource_type == resource_type::MAPI_STORE_PROVIDER
                    && store_entry_id(&p.info) == entry_id
            })
            .ok_or_else(|| {
                EngineError::NotFound("no store with that entry id in this session".into())
            })?;
        slot_store(slot)
    }

    /// The default store (first store with STATUS_DEFAULT_STORE in profile order).
    pub fn default_store(&self) -> Result<Arc<dyn MsgStore>> {
        let r = (|| {
            let s = self.live()?;
            let slot = s.default_store_slot().ok_or_else(|| {
                EngineError::NotFound(format!("profile \"{}\" has no default store", s.profile))
            })?;
            slot_store(slot)
        })();
        self.record(r)
    }

    /// The default store with its entry id in the store table (PR_ENTRYID of its row):
    /// what a client names it by afterwards, in process or through the daemon.
    pub fn default_store_entry(&self) -> Result<(Vec<u8>, Arc<dyn MsgStore>)> {
        let r = (|| {
            let s = self.live()?;
            let slot = s.default_store_slot().ok_or_else(|| {
                EngineError::NotFound(format!("profile \"{}\" has no default store", s.profile))
            })?;
            Ok((store_entry_id(&slot.info), slot_store(slot)?))
        })();
        self.record(r)
    }

    /// `OpenAddressBook`: every address-book provider merged; `warning` is
    /// `MAPI_W_ERRORS_RETURNED` when some of them are disabled.
    pub fn address_book(&self) -> Result<MergedAddressBook> {
        let s = self.live()?;
        let mut books = Vec::new();
        let mut failed = false;
        for p in &s.providers {
            if p.info.resource_type != resource_type::MAPI_AB_PROVIDER {
                continue;
            }
            match &p.object {
                Some(ProviderObject::AddressBook(a)) => books.push(a.clone()),
                _ => failed = true,
            }
        }
        Ok(MergedAddressBook::new(
            books,
            if failed {
                Status::MAPI_W_ERRORS_RETURNED
            } else {
                Status::S_OK
            },
            Arc::downgrade(&self.inner),
        ))
    }

    /// `QueryIdentity`: the display of the primary identity, with `S_OK`, or
    /// `MAPI_W_NO_SERVICE` and the profile's name when no provider supplies one.
    pub fn query_identity(&self) -> Result<(Status, String)> {
        let s = self.live()?;
        let identities: Vec<(bool, String)> = s
            .providers
            .iter()
            .filter(|p| p.disabled.is_none() && p.object.is_some())
            .filter_map(|p| {
                let row = p.status.lock().ok()?.clone();
                row.identity.map(|i| {
                    (
                        p.info
                            .flags
                            .contains(ProviderFlags::STATUS_PRIMARY_IDENTITY),
                        i,
                    )
                })
            })
            .collect();
        if let Some((_, i)) = identities.iter().find(|(primary, _)| *primary) {
            return Ok((Status::S_OK, i.clone()));
        }
        if let Some((_, i)) = identities.first() {
            return Ok((Status::S_OK, i.clone()));
        }
        Ok((Status::MAPI_W_NO_SERVICE, s.profile.clone()))
    }

    /// `Logoff`. With `MAPI_LOGOFF_SHARED` on the shared session, the session ends for
    /// every client (they are notified; their next call fails with
    /// `MAPI_E_END_OF_SESSION`). Otherwise only this handle leaves; the session ends
    /// when its last handle leaves.
    pub async fn logoff(&self, flags: LogoffFlags) {
        if self.logged_off.swap(true, Ordering::SeqCst) {
            return;
        }
        let left = self.inner.clients.fetch_sub(1, Ordering::SeqCst) - 1;
        if flags.contains(LogoffFlags::MAPI_LOGOFF_SHARED) && self.is_shared() {
            self.inner
                .end("the shared session was logged off (MAPI_LOGOFF_SHARED)")
                .await;
        } else if left == 0 {
            self.inner.end("logged off").await;
        }
    }
}

pub(crate) fn slot_store(slot: &ProviderSlot) -> Result<Arc<dyn MsgStore>> {
    if let Some((status, reason)) = &slot.disabled {
        return Err(EngineError::ServiceDisabled {
            service: slot.service_display.clone(),
            status: *status,
            reason: reason.clone(),
        });
    }
    match &slot.object {
        Some(ProviderObject::Store(s)) => Ok(s.clone()),
        _ => Err(EngineError::NotFound("the store is not logged on".into())),
    }
}

pub(crate) fn store_entry_id(info: &ProviderInfo) -> Vec<u8> {
    let mut id = STORE_ENTRY_MARK.to_vec();
    id.extend_from_slice(&info.uid.0);
    id
}

fn mapi_row(name: &str, display: &str, rt: u32, code: StatusCode, text: Option<String>) -> Row {
    let mut r = Row::default();
    r.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(name.to_string()));
    r.set(
        tags::PR_PROVIDER_DISPLAY,
        PropValue::Unicode(display.to_string()),
    );
    r.set(
        tags::PR_PROVIDER_DLL_NAME,
        PropValue::Unicode("mapi".into()),
    );
    r.set(tags::PR_RESOURCE_TYPE, PropValue::Long(rt as i32));
    r.set(tags::PR_RESOURCE_FLAGS, PropValue::Long(0));
    r.set(tags::PR_RESOURCE_METHODS, PropValue::Long(1));
    r.set(tags::PR_STATUS_CODE, PropValue::Long(code.0 as i32));
    if let Some(t) = text {
        r.set(tags::PR_STATUS_STRING, PropValue::Unicode(t));
    }
    r
}

impl Drop for Session {
    fn drop(&mut self) {
        // A handle dropped without Logoff still leaves the session: when the last one
        // goes, the session ends and its provider objects are released with it.
        if !self.logged_off.swap(true, Ordering::SeqCst) {
            let left = self.inner.clients.fetch_sub(1, Ordering::SeqCst) - 1;
            if left == 0
                && let Ok(mut e) = self.inner.ended.lock()
                && e.is_none()
            {
                *e = Some("all clients have gone".into());
                let _ = self.inner.events.send(SessionEvent::Ended {
                    reason: "all clients have gone".into(),
                });
                if let Some(engine) = self.inner.engine.upgrade() {
                    engine.forget_shared(self.inner.id);
                }
            }
        }
    }
}
