//! Where a logon runs (reference §2 rule 2, design.md §2): joining the shared session
//! hosted by the per-user daemon `mapid`, making the shared session there
//! (`MAPI_ALLOW_OTHERS`, starting the daemon on demand), or an individual session in
//! this process. Also the daemon's control: status, start, stop, its sessions, and
//! `MAPI_LOGOFF_SHARED` from outside.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mapi_client::{Connection, DaemonLink, RemoteSession, SessionInfo, TableKind};
use mapi_engine::{DisabledService, EngineError, LogonRequest, Result, SubmitOutcome};
use mapi_spi::{EntryId, OutgoingMessage};
use mapi_types::table::consts::TBLTYPE_DYNAMIC;
use mapi_types::table::view::Liveness;
use mapi_types::{LogoffFlags, LogonFlags, MapiStatus, Row, Status, Table, TableError, TableView};
use tokio::runtime::Runtime;

use crate::blocking::{Mapi, Session, Store};

use crate::remote_table::RemoteSource;
pub use mapi_client::{MAX_IMPORT_BATCH_LEN, MAX_IMPORT_CHUNK_LEN};

fn client_err(e: mapi_client::ClientError) -> EngineError {
    EngineError::Status(e.status(), e.to_string())
}

/// The daemon link for a MAPI home.
pub fn daemon_link(home: &Path) -> DaemonLink {
    DaemonLink::new(home.to_path_buf()).with_program(program_name())
}

fn program_name() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "mapi".into())
}

/// A session wherever it runs.
pub enum AnySession {
    /// An individual session in this process.
    Local(Session),
    /// A session hosted by the daemon.
    Remote(RemoteHandle),
}

/// A session hosted by the daemon, with the runtime that drives its link.
pub struct RemoteHandle {
    rt: Arc<Runtime>,
    session: Arc<RemoteSession>,
    joined: bool,
}

impl Mapi {
    /// The link to this home's daemon; a daemon it starts gets this engine's profile
    /// store (`--profile-store`).
    pub fn daemon_link(&self) -> DaemonLink {
        daemon_link(&self.engine().config().home)
            .with_profile_store(self.engine().config().profile_store.as_deref())
    }

    /// Checks that the daemon behind `link` serves this engine's profile store: a
    /// daemon serving another one is never used (`MAPI_E_NO_ACCESS` naming both,
    /// without passwords).
    pub fn check_daemon_store(&self, link: &DaemonLink) -> Result<()> {
        let wanted = self.engine().store_identity()?;
        let strict = self.engine().config().profile_store.is_some();
        link.check_store(&wanted, strict).map_err(client_err)
    }

    /// `MAPILogonEx` across processes: without `MAPI_NEW_SESSION`, a running daemon's
    /// shared session is joined (profile name and password ignored, no daemon started);
    /// otherwise `MAPI_ALLOW_OTHERS` makes the shared session in the daemon (started on
    /// demand), and any other logon runs in this process.
    pub fn logon_any(&self, req: LogonRequest) -> Result<AnySession> {
        let link = self.daemon_link();
        let flags = req.flags;
        let remote = |conn: Connection, joined: bool| -> Result<AnySession> {
            let session = self.block_on(conn.logon(req.clone())).map_err(client_err)?;
            Ok(AnySession::Remote(RemoteHandle {
                rt: self.runtime(),
                session: Arc::new(session),
                joined,
            }))
        };
        let allow_others = flags.contains(LogonFlags::MAPI_ALLOW_OTHERS);
        // A logon the engine would refuse for its flags starts nothing.
        mapi_engine::check_flags(flags)?;
        if !flags.contains(LogonFlags::MAPI_NEW_SESSION) {
            // Joining needs a daemon that answers; one that cannot be reached (a socket
            // of another user, a dead daemon) only fails a logon that needs the daemon.
            let shared = self.block_on(async {
                let Some(conn) = link.connect().await? else {
                    return Ok(None);
                };
                let sessions = conn.list_sessions().await?;
                Ok(sessions.iter().any(|s| s.shared).then_some(conn))
            });
            match shared {
                Ok(Some(conn)) => {
                    self.check_daemon_store(&link)?;
                    return remote(conn, true);
                }
                Ok(None) => {}
                Err(e) if allow_others => return Err(client_err(e)),
                Err(e) => log::warn!(
                    "no shared session joined, the daemon cannot be reached ({e}); logging on in this process"
                ),
            }
        }
        if allow_others {
            let (conn, started) = self.block_on(connect_or_start(&link)).map_err(client_err)?;
            self.check_daemon_store(&link)?;
            let made = remote(conn, false);
            if made.is_err() && started {
                // A logon that fails leaves no daemon it started behind.
                self.block_on(stop_if_idle(&link));
            }
            return made;
        }
        Ok(AnySession::Local(self.logon(req)?))
    }
}

/// Connects to the daemon, starting it when none listens; `true` when this call started
/// it.
async fn connect_or_start(link: &DaemonLink) -> mapi_client::Result<(Connection, bool)> {
    match link.connect().await {
        Ok(Some(c)) => Ok((c, false)),
        Ok(None) | Err(mapi_client::ClientError::Disconnected { .. }) => {
            Ok((link.start().await?, true))
        }
        Err(e) => Err(e),
    }
}

/// Shuts the daemon down when it hosts no session (nobody else began using it).
async fn stop_if_idle(link: &DaemonLink) {
    let Ok(Some(conn)) = link.connect().await else {
        return;
    };
    if conn.list_sessions().await.is_ok_and(|s| s.is_empty()) {
        let pid = conn.daemon_pid();
        match conn.shutdown_daemon().await {
            Ok(()) => log::debug!("stopped the daemon (pid {pid}) started for a failed logon"),
            Err(e) => {
                log::warn!("cannot stop the daemon (pid {pid}) started for a failed logon: {e}")
            }
        }
    }
}

/// Whether the daemon for a home is running: its pid and socket.
pub fn daemon_status(mapi: &Mapi) -> Result<Option<(u32, PathBuf)>> {
    let link = mapi.daemon_link();
    Ok(mapi
        .block_on(link.connect())
        .map_err(client_err)?
        .map(|c| (c.daemon_pid(), c.socket().to_path_buf())))
}

/// Where the running daemon with this pid logs: what its standard error is (the log file
/// next to its socket when it was started on demand, the terminal or file it was given
/// when started by hand). `None` when that cannot be seen (no `/proc`).
pub fn daemon_log(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/fd/2")).ok()
}

/// Starts the daemon when it is not running; returns its pid and socket.
pub fn start_daemon(mapi: &Mapi) -> Result<(u32, PathBuf)> {
    let link = mapi.daemon_link();
    let c = mapi.block_on(link.connect_or_start()).map_err(client_err)?;
    Ok((c.daemon_pid(), c.socket().to_path_buf()))
}

/// Stops the running daemon (its sessions log off); `false` when none was running.
pub fn stop_daemon(mapi: &Mapi) -> Result<bool> {
    let link = mapi.daemon_link();
    match mapi.block_on(link.connect()).map_err(client_err)? {
        None => Ok(false),
        Some(c) => {
            mapi.block_on(c.shutdown_daemon()).map_err(client_err)?;
            Ok(true)
        }
    }
}

/// The daemon's live sessions (empty when no daemon runs; none is started).
pub fn daemon_sessions(mapi: &Mapi) -> Result<Vec<SessionInfo>> {
    let link = mapi.daemon_link();
    match mapi.block_on(link.connect()).map_err(client_err)? {
        None => Ok(Vec::new()),
        Some(c) => mapi.block_on(c.list_sessions()).map_err(client_err),
    }
}

/// `Logoff(MAPI_LOGOFF_SHARED)` on the daemon's shared session: it ends for every client.
pub fn logoff_shared(mapi: &Mapi) -> Result<String> {
    let link = mapi.daemon_link();
    let none =
        || EngineError::NotFound("there is no shared session (no MAPI daemon runs one)".into());
    let conn = mapi
        .block_on(link.connect())
        .map_err(client_err)?
        .ok_or_else(none)?;
    let sessions = mapi.block_on(conn.list_sessions()).map_err(client_err)?;
    let shared = sessions.into_iter().find(|s| s.shared).ok_or_else(none)?;
    let s = mapi
        .block_on(conn.logon(LogonRequest::new(None, LogonFlags::default())))
        .map_err(client_err)?;
    mapi.block_on(s.logoff(LogoffFlags::MAPI_LOGOFF_SHARED))
        .map_err(client_err)?;
    Ok(shared.profile)
}

impl AnySession {
    /// The profile's name.
    pub fn profile(&self) -> &str {
        match self {
            AnySession::Local(s) => s.profile(),
            AnySession::Remote(r) => r.session.profile(),
        }
    }

    /// Whether this is the shared session.
    pub fn is_shared(&self) -> bool {
        match self {
            AnySession::Local(s) => s.inner().is_shared(),
            AnySession::Remote(r) => r.session.is_shared(),
        }
    }

    /// Whether the daemon hosts it.
    pub fn is_remote(&self) -> bool {
        matches!(self, AnySession::Remote(_))
    }

    /// Whether this logon joined an existing shared session.
    pub fn joined(&self) -> bool {
        matches!(self, AnySession::Remote(r) if r.joined)
    }

    /// Services disabled at logon, as the engine recorded them.
    pub fn disabled_services(&self) -> &[DisabledService] {
        match self {
            AnySession::Local(s) => s.disabled_services(),
            AnySession::Remote(r) => r.session.disabled_services(),
        }
    }

    /// Services disabled at logon: (service display name, status, reason).
    pub fn disabled(&self) -> Vec<(String, Status, String)> {
        self.disabled_services()
            .iter()
            .map(|d| (d.display_name.clone(), d.status, d.reason.clone()))
            .collect()
    }

    /// `GetStatusTable`.
    pub fn status_table(&self) -> Result<Table> {
        match self {
            AnySession::Local(s) => s.status_table(),
            AnySession::Remote(r) => r.rt.block_on(r.session.status_table()).map_err(client_err),
        }
    }

    /// `GetMsgStoresTable`.
    pub fn store_table(&self) -> Result<Table> {
        match self {
            AnySession::Local(s) => s.store_table(),
            AnySession::Remote(r) => r.rt.block_on(r.session.store_table()).map_err(client_err),
        }
    }

    /// `GetStatusTable` as a view; `flags`: `MAPI_UNICODE`. A daemon-hosted session's
    /// table is fetched once and evaluated here.
    pub fn get_status_table(&self, flags: u32) -> Result<TableView> {
        match self {
            AnySession::Local(s) => s.get_status_table(flags),
            AnySession::Remote(r) => Ok(RemoteSource::open_view(
                r.rt.clone(),
                r.session.clone(),
                TableKind::Status,
                None,
                None,
                flags,
            )?
            .with_table_type(TBLTYPE_DYNAMIC)),
        }
    }

    /// `GetMsgStoresTable` as a view; `flags`: `MAPI_UNICODE`.
    pub fn get_msg_stores_table(&self, flags: u32) -> Result<TableView> {
        match self {
            AnySession::Local(s) => s.get_msg_stores_table(flags),
            AnySession::Remote(r) => Ok(RemoteSource::open_view(
                r.rt.clone(),
                r.session.clone(),
                TableKind::Stores,
                None,
                None,
                flags,
            )?
            .with_table_type(TBLTYPE_DYNAMIC)),
        }
    }

    /// The default store.
    pub fn default_store(&self) -> Result<AnyStore> {
        match self {
            AnySession::Local(s) => Ok(AnyStore::Local(s.default_store()?)),
            AnySession::Remote(r) => {
                // The engine in the daemon picks the default store, and opening it
                // checks it is up (a disabled store fails with its status).
                let (id, _) =
                    r.rt.block_on(r.session.open_store(None))
                        .map_err(client_err)?;
                Ok(AnyStore::Remote {
                    rt: r.rt.clone(),
                    session: r.session.clone(),
                    store: id,
                })
            }
        }
    }

    /// `QueryIdentity`, computed by the engine (in the daemon for a daemon-hosted
    /// session).
    pub fn query_identity(&self) -> Result<(Status, String)> {
        match self {
            AnySession::Local(s) => s.query_identity(),
            AnySession::Remote(r) => {
                r.rt.block_on(r.session.query_identity())
                    .map_err(client_err)
            }
        }
    }

    /// Submits a message: Outbox, transport, Sent Items (the Sent copy's entry id and
    /// any warning, over either link).
    pub fn submit(&self, message: &OutgoingMessage) -> Result<SubmitOutcome> {
        match self {
            AnySession::Local(s) => s.submit(message),
            AnySession::Remote(r) => {
                r.rt.block_on(r.session.submit(&message.raw, &message.recipients))
                    .map_err(client_err)
            }
        }
    }

    /// Keeps the daemon's shared session alive after this client leaves.
    pub fn keep(&self) -> Result<()> {
        match self {
            AnySession::Remote(r) if r.session.is_shared() => {
                r.rt.block_on(r.session.keep()).map_err(client_err)
            }
            _ => Err(EngineError::InvalidParameter(
                "only a shared session in the daemon can be kept: log on with MAPI_ALLOW_OTHERS"
                    .into(),
            )),
        }
    }

    /// `Logoff`.
    pub fn logoff(&self, flags: LogoffFlags) {
        match self {
            AnySession::Local(s) => s.logoff(flags),
            AnySession::Remote(r) => {
                let _ = r.rt.block_on(r.session.logoff(flags));
            }
        }
    }
}

/// A remote session's liveness: ended once the daemon or another sharer ended it.
pub(crate) fn remote_liveness(session: Arc<RemoteSession>) -> Liveness {
    Arc::new(move || match session.ended() {
        Some(reason) => Err(TableError::new(
            Status::MAPI_E_END_OF_SESSION,
            format!("the table's session has ended: {reason}"),
        )),
        None => Ok(()),
    })
}

/// A message store wherever its session runs.
pub enum AnyStore {
    /// In this process.
    Local(Store),
    /// In the daemon.
    Remote {
        /// The runtime of the link.
        rt: Arc<Runtime>,
        /// The session.
        session: Arc<RemoteSession>,
        /// The store's entry id in the store table.
        store: Vec<u8>,
    },
}

impl AnyStore {
    /// The folder hierarchy.
    pub fn folders(&self) -> Result<Vec<Row>> {
        match self {
            AnyStore::Local(s) => s.folders(),
            AnyStore::Remote { rt, session, store } => Ok(rt
                .block_on(session.folders(store))
                .map_err(client_err)?
                .full_rows()
                .into_iter()
                .cloned()
                .collect()),
        }
    }

    /// A folder's contents table.
    pub fn contents(&self, folder: &[u8]) -> Result<Table> {
        match self {
            AnyStore::Local(s) => s.contents(folder),
            AnyStore::Remote { rt, session, store } => rt
                .block_on(session.contents(store, folder))
                .map_err(client_err),
        }
    }

    /// `GetHierarchyTable` of a folder (`CONVENIENT_DEPTH`: every level, with
    /// `PR_DEPTH`).
    pub fn get_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        match self {
            AnyStore::Local(s) => s.get_hierarchy_table(folder, flags),
            AnyStore::Remote { rt, session, store } => Ok(RemoteSource::open_view(
                rt.clone(),
                session.clone(),
                TableKind::Hierarchy,
                Some(store),
                Some(folder),
                flags,
            )?),
        }
    }

    /// `GetContentsTable` of a folder (`MAPI_ASSOCIATED`: its associated messages). The
    /// store evaluates sort, restriction and paging (the local store in SQL), in this
    /// process or at the daemon for a daemon-hosted session (the cursor stays here).
    pub fn get_contents_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        match self {
            AnyStore::Local(s) => s.get_contents_table(folder, flags),
            AnyStore::Remote { rt, session, store } => Ok(RemoteSource::open_view(
                rt.clone(),
                session.clone(),
                TableKind::Contents,
                Some(store),
                Some(folder),
                flags,
            )?),
        }
    }

    /// A message's properties.
    pub fn read_message(&self, entry: &[u8]) -> Result<Row> {
        match self {
            AnyStore::Local(s) => s.read_message(entry),
            AnyStore::Remote { rt, session, store } => rt
                .block_on(session.read_message(store, entry))
                .map_err(client_err),
        }
    }

    /// A message as RFC 5322 bytes.
    pub fn read_raw(&self, entry: &[u8]) -> Result<Vec<u8>> {
        match self {
            AnyStore::Local(s) => s.read_raw(entry),
            AnyStore::Remote { rt, session, store } => rt
                .block_on(session.read_raw(store, entry))
                .map_err(client_err),
        }
    }

    /// Imports RFC 5322 messages into a folder, all or none (through the daemon: in
    /// parts of at most `mapi_proto::MAX_IMPORT_CHUNK_LEN` bytes, imported at once).
    pub fn import_raw(&self, folder: &[u8], messages: Vec<Vec<u8>>) -> Result<Vec<EntryId>> {
        match self {
            AnyStore::Local(s) => s.import_raw(folder, messages),
            AnyStore::Remote { rt, session, store } => rt
                .block_on(session.import_raw(store, folder, messages))
                .map_err(client_err),
        }
    }
}
