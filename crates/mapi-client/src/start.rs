//! [`DaemonLink`]: where the daemon is and how to reach it, starting `mapid` on demand
//! (as gpg-agent is started): find the binary next to the current executable, else in
//! `PATH`; run it detached (its own process group) with `--foreground`; wait for its
//! socket to answer.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::conn::Connection;
use crate::error::{ClientError, Result};
use crate::path::{MAPID_BIN_ENV, PROFILE_STORE_ENV, log_path, socket_path, store_path};

/// Exit status `mapid` uses when another daemon already holds the socket.
pub const EXIT_ALREADY_RUNNING: i32 = 3;

/// How long [`DaemonLink::connect_or_start`] waits for a started daemon by default.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(2);

/// How to reach the daemon of a MAPI home.
#[derive(Clone)]
pub struct DaemonLink {
    home: PathBuf,
    socket: PathBuf,
    mapid: Option<PathBuf>,
    program: String,
    start_timeout: Duration,
    profile_store: Option<String>,
}

/// Shows the store without a password a URL may hold.
impl std::fmt::Debug for DaemonLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaemonLink")
            .field("home", &self.home)
            .field("socket", &self.socket)
            .field("mapid", &self.mapid)
            .field("program", &self.program)
            .field(
                "profile_store",
                &self.profile_store.as_ref().map(|_| "(set)"),
            )
            .finish()
    }
}

impl DaemonLink {
    /// The link for a MAPI home: socket by [`socket_path`], `mapid` searched for, the
    /// current executable's name as program name, a 2 s start timeout.
    pub fn new(home: impl Into<PathBuf>) -> DaemonLink {
        let home = home.into();
        let program = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "mapi-client".into());
        DaemonLink {
            socket: socket_path(&home),
            home,
            mapid: None,
            program,
            start_timeout: DEFAULT_START_TIMEOUT,
            profile_store: None,
        }
    }

    /// A daemon this link starts serves this profile store (`--profile-store`), given
    /// to it in `MAPI_PROFILE_STORE` (the environment, not the command line: a URL may
    /// hold a password).
    pub fn with_profile_store(mut self, store: Option<&str>) -> DaemonLink {
        self.profile_store = store.map(str::to_string);
        self
    }

    /// The store the daemon on this socket serves, from its store file (`None`: no
    /// daemon wrote one).
    pub fn daemon_store(&self) -> Option<String> {
        std::fs::read_to_string(store_path(&self.socket))
            .ok()
            .map(|s| s.trim_end().to_string())
    }

    /// Checks that the daemon on this socket serves the store named `wanted` (a
    /// password-free identity). A daemon that wrote no store file passes unless
    /// `strict` (the logon named its store explicitly).
    pub fn check_store(&self, wanted: &str, strict: bool) -> Result<()> {
        match self.daemon_store() {
            Some(d) if d == wanted => Ok(()),
            None if !strict => Ok(()),
            other => Err(ClientError::OtherStore {
                socket: self.socket.clone(),
                daemon: other.unwrap_or_else(|| "an unknown store".into()),
                wanted: wanted.to_string(),
            }),
        }
    }

    /// Uses this socket instead.
    pub fn with_socket(mut self, socket: impl Into<PathBuf>) -> DaemonLink {
        self.socket = socket.into();
        self
    }

    /// Starts this `mapid` binary instead of searching for one.
    pub fn with_mapid(mut self, mapid: impl Into<PathBuf>) -> DaemonLink {
        self.mapid = Some(mapid.into());
        self
    }

    /// The program name the daemon shows for this client.
    pub fn with_program(mut self, program: impl Into<String>) -> DaemonLink {
        self.program = program.into();
        self
    }

    /// How long to wait for a started daemon's socket.
    pub fn with_start_timeout(mut self, timeout: Duration) -> DaemonLink {
        self.start_timeout = timeout;
        self
    }

    /// The MAPI home.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Connects and shakes hands; `Ok(None)` when no daemon listens. Never starts one.
    pub async fn connect(&self) -> Result<Option<Connection>> {
        Connection::open(&self.socket, &self.program).await
    }

    /// Connects, starting `mapid` first when no daemon listens (or the one there died
    /// during the handshake).
    pub async fn connect_or_start(&self) -> Result<Connection> {
        match self.try_connect().await? {
            Some(c) => Ok(c),
            None => self.start().await,
        }
    }

    /// [`DaemonLink::connect`], counting a daemon that closed the connection during the
    /// handshake (a dying daemon's listener can still accept) as no daemon.
    async fn try_connect(&self) -> Result<Option<Connection>> {
        match self.connect().await {
            Err(ClientError::Disconnected { .. }) => Ok(None),
            other => other,
        }
    }

    /// The `mapid` binary to start: the configured one, else `MAPID_BIN`, else next to
    /// the current executable, else the first in `PATH`.
    pub fn find_mapid(&self) -> Result<PathBuf> {
        if let Some(p) = &self.mapid {
            return Ok(p.clone());
        }
        if let Some(p) = std::env::var_os(MAPID_BIN_ENV).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        let mut looked = Vec::new();
        if let Some(dir) = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf))
        {
            let p = dir.join("mapid");
            if p.is_file() {
                return Ok(p);
            }
            looked.push(dir.display().to_string());
        }
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                let p = dir.join("mapid");
                if p.is_file() {
                    return Ok(p);
                }
            }
            looked.push("PATH".into());
        }
        Err(ClientError::DaemonNotFound {
            looked: looked.join(", "),
        })
    }

    /// Starts `mapid --foreground` detached (own process group, no terminal input,
    /// logging to [`log_path`] once it listens) and waits until its socket answers. If another daemon wins a start race, connects to
    /// that one.
    pub async fn start(&self) -> Result<Connection> {
        let bin = self.find_mapid()?;
        let mut cmd = Command::new(&bin);
        cmd.arg("--foreground")
            .arg("--home")
            .arg(&self.home)
            .arg("--socket")
            .arg(&self.socket)
            .arg("--log-file")
            .arg(log_path(&self.socket))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(store) = &self.profile_store {
            cmd.env(PROFILE_STORE_ENV, store);
        }
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().map_err(|e| ClientError::StartFailed {
            reason: format!("cannot run {}: {e}", bin.display()),
        })?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        let mut lost_race = false;
        loop {
            if let Some(c) = self.try_connect().await? {
                reap_in_background(child);
                return Ok(c);
            }
            if !lost_race && let Ok(Some(status)) = child.try_wait() {
                if status.code() == Some(EXIT_ALREADY_RUNNING) {
                    // Another daemon holds the socket's lock: it is about to listen.
                    lost_race = true;
                } else {
                    if let Some(c) = self.try_connect().await? {
                        return Ok(c);
                    }
                    let mut err = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = e.read_to_string(&mut err);
                    }
                    let err = err.trim();
                    return Err(ClientError::StartFailed {
                        reason: if err.is_empty() {
                            format!("{} exited with {status}", bin.display())
                        } else {
                            format!("{} exited with {status}: {err}", bin.display())
                        },
                    });
                }
            }
            if started.elapsed() >= self.start_timeout {
                if !lost_race {
                    reap_in_background(child);
                }
                return Err(ClientError::StartTimeout {
                    path: self.socket.clone(),
                    waited_ms: started.elapsed().as_millis(),
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

/// Waits for the daemon on a thread so it never lingers as a zombie of this process.
/// Its stderr pipe is closed first: from now on the daemon logs to its log file.
fn reap_in_background(mut child: Child) {
    drop(child.stderr.take());
    let _ = std::thread::Builder::new()
        .name("mapid-reaper".into())
        .spawn(move || {
            let _ = child.wait();
        });
}

/// Connects to the daemon of `home` (socket by [`socket_path`]); `Ok(None)` when none
/// listens. Never starts a daemon.
pub async fn connect(home: &Path) -> Result<Option<Connection>> {
    DaemonLink::new(home).connect().await
}

/// Connects to the daemon of `home`, starting `mapid` when none listens.
pub async fn connect_or_start(home: &Path) -> Result<Connection> {
    DaemonLink::new(home).connect_or_start().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::{MapiStatus, Status};

    #[test]
    fn a_daemon_of_another_store_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = DaemonLink::new(dir.path()).with_socket(dir.path().join("mapid.sock"));
        // No store file (a daemon that wrote none): passes unless the store was named.
        assert!(link.check_store("sqlite:/a", false).is_ok());
        let e = link.check_store("sqlite:/a", true).unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_NO_ACCESS);
        assert!(e.to_string().contains("an unknown store"), "{e}");
        std::fs::write(dir.path().join(crate::STORE_NAME), "sqlite:/a\n").unwrap();
        assert_eq!(link.daemon_store().as_deref(), Some("sqlite:/a"));
        assert!(link.check_store("sqlite:/a", true).is_ok());
        let e = link.check_store("postgres://u@h/db", false).unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_NO_ACCESS);
        let text = e.to_string();
        assert!(
            text.contains("sqlite:/a") && text.contains("postgres://u@h/db"),
            "{text}"
        );
    }
}
