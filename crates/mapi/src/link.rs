//! Where a logon runs (reference §2 rule 2, design.md §2): joining the shared session
//! hosted by the per-user daemon `mapid`, making the shared session there
//! (`MAPI_ALLOW_OTHERS`, starting the daemon on demand), or an individual session in
//! this process. Also the daemon's control: status, start, stop, its sessions, and
//! `MAPI_LOGOFF_SHARED` from outside. A logon gives an [`AnySession`]: one session type
//! whose calls behave the same over either link.

use std::path::{Path, PathBuf};

use mapi_client::{Connection, DaemonLink, SessionInfo};
use mapi_engine::{EngineError, LogonRequest, Result};
use mapi_types::{LogoffFlags, LogonFlags};

use crate::any_session::client_err;
pub use crate::any_session::{AnySession, AnyStore};
use crate::blocking::Mapi;
pub use mapi_client::{MAX_IMPORT_BATCH_LEN, MAX_IMPORT_CHUNK_LEN};

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
        let flags = req.flags;
        let allow_others = flags.contains(LogonFlags::MAPI_ALLOW_OTHERS);
        // A logon the engine would refuse for its flags starts nothing.
        mapi_engine::check_flags(flags)?;
        if flags.contains(LogonFlags::MAPI_NEW_SESSION) && !allow_others {
            // An individual session in this process: no daemon is asked, so no link to
            // one is built (resolving its socket path and program name is a measurable
            // part of a logon).
            return Ok(AnySession::local(self.logon(req)?));
        }
        let link = self.daemon_link();
        let remote = |conn: Connection, joined: bool| -> Result<AnySession> {
            let session = self.block_on(conn.logon(req.clone())).map_err(client_err)?;
            Ok(AnySession::remote(self.runtime(), session, joined))
        };
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
        Ok(AnySession::local(self.logon(req)?))
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
