//! [`Daemon`]: binds the socket (after the directory check and the one-daemon lock),
//! accepts connections, and shuts down cleanly on SIGTERM / SIGINT / a `Shutdown`
//! request: stop accepting, let requests in flight finish, end and log off every
//! session (clients get `SessionEnded`), remove the socket and pid file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mapi_engine::Engine;
use tokio::net::UnixListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::conn::{ConnState, serve};
use crate::error::{DaemonError, Result};
use crate::log::log;
use crate::sockdir;

/// The reason clients are given when the daemon stops.
pub const SHUTDOWN_REASON: &str = "the MAPI daemon is shutting down";

/// How the daemon runs.
#[derive(Clone, Debug)]
pub struct DaemonConfig {
    /// The socket to listen on.
    pub socket: PathBuf,
    /// Check the socket directory strictly (the default directory: no group/other
    /// permission at all) rather than only refusing group/other write.
    pub strict_dir: bool,
    /// The pid file (next to the socket: `mapid.pid`).
    pub pid_file: PathBuf,
    /// How long shutdown waits for requests in flight.
    pub drain_timeout: Duration,
}

impl DaemonConfig {
    /// The configuration for a MAPI home: `socket` if given, else
    /// [`mapi_paths::socket_path`]; the directory check is strict for the default
    /// location.
    pub fn new(home: &Path, socket: Option<PathBuf>) -> DaemonConfig {
        let socket = socket.unwrap_or_else(|| mapi_paths::socket_path(home));
        DaemonConfig {
            strict_dir: mapi_paths::is_default_location(home, &socket),
            pid_file: mapi_paths::pid_path(&socket),
            socket,
            drain_timeout: Duration::from_secs(10),
        }
    }
}

/// What every connection task shares.
pub(crate) struct DaemonState {
    pub engine: Engine,
    pub uid: u32,
    pub pid: u32,
    pub next_conn: AtomicU64,
    conns: Mutex<HashMap<u64, Arc<ConnState>>>,
    /// The daemon's own handles on shared sessions kept alive after their last client
    /// leaves (`Keep`), until `MAPI_LOGOFF_SHARED` or shutdown.
    pub kept: Mutex<Vec<mapi_engine::Session>>,
    draining: AtomicBool,
    stop: watch::Sender<bool>,
    inflight: watch::Sender<usize>,
}

/// Counts a request in flight until dropped.
pub(crate) struct InFlight(watch::Sender<usize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl DaemonState {
    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub(crate) fn request_stop(&self) {
        let _ = self.stop.send(true);
    }

    pub(crate) fn begin_request(&self) -> InFlight {
        self.inflight.send_modify(|n| *n += 1);
        InFlight(self.inflight.clone())
    }

    pub(crate) fn add_conn(&self, c: Arc<ConnState>) {
        self.conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(c.id, c);
    }

    pub(crate) fn remove_conn(&self, id: u64) {
        self.conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }

    pub(crate) fn conns(&self) -> Vec<Arc<ConnState>> {
        self.conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }
}

/// A daemon with its socket bound, ready to [`Daemon::run`].
pub struct Daemon {
    state: Arc<DaemonState>,
    listener: UnixListener,
    config: DaemonConfig,
    socket_id: Option<(u64, u64)>,
    _lock: sockdir::SocketLock,
    sigterm: Signal,
    sigint: Signal,
}

impl Daemon {
    /// Checks the socket directory (creating it 0700), takes the one-daemon lock
    /// (`MAPI_E_BUSY` if another daemon serves the socket), replaces a stale socket,
    /// binds, writes the store file (which profile store it serves) and the pid file and installs the SIGTERM/SIGINT handlers. Call inside
    /// a tokio runtime; `engine` must be initialized.
    pub fn bind(engine: Engine, config: DaemonConfig) -> Result<Daemon> {
        let dir = sockdir::socket_dir(&config.socket);
        sockdir::check_dir(&dir, config.strict_dir)?;
        let lock = sockdir::lock(&config.socket, &config.pid_file)?;
        sockdir::remove_stale(&config.socket)?;
        let sock_err = |what: &'static str| {
            let path = config.socket.clone();
            move |source| DaemonError::Socket { what, path, source }
        };
        let listener = UnixListener::bind(&config.socket).map_err(sock_err("listen"))?;
        sockdir::set_socket_mode(&config.socket)?;
        let socket_id = sockdir::file_id(&config.socket);
        let sigterm =
            signal(SignalKind::terminate()).map_err(sock_err("install a SIGTERM handler for"))?;
        let sigint =
            signal(SignalKind::interrupt()).map_err(sock_err("install a SIGINT handler for"))?;
        let identity = engine.store_identity().ok();
        let store_file = mapi_paths::store_path(&config.socket);
        if let Err(e) = sockdir::write_store(&store_file, identity.as_deref())
            .and_then(|()| sockdir::write_pid(&config.pid_file))
        {
            let _ = std::fs::remove_file(&store_file);
            sockdir::cleanup(&config.socket, socket_id, &config.pid_file);
            return Err(e);
        }
        let state = Arc::new(DaemonState {
            engine,
            uid: sockdir::current_uid(),
            pid: std::process::id(),
            next_conn: AtomicU64::new(1),
            conns: Mutex::new(HashMap::new()),
            kept: Mutex::new(Vec::new()),
            draining: AtomicBool::new(false),
            stop: watch::channel(false).0,
            inflight: watch::channel(0).0,
        });
        Ok(Daemon {
            state,
            listener,
            config,
            socket_id,
            _lock: lock,
            sigterm,
            sigint,
        })
    }

    /// The socket it listens on.
    pub fn socket(&self) -> &Path {
        &self.config.socket
    }

    /// Serves until SIGTERM, SIGINT or a `Shutdown` request, then shuts down cleanly.
    pub async fn run(self) -> Result<()> {
        self.run_until(std::future::pending()).await
    }

    /// [`Daemon::run`], also stopping when `stop` completes.
    pub async fn run_until(mut self, stop: impl std::future::Future<Output = ()>) -> Result<()> {
        log(format!(
            "listening on {} (uid {}, home {})",
            self.config.socket.display(),
            self.state.uid,
            self.state.engine.config().home.display()
        ));
        let mut conns = JoinSet::new();
        let mut stop_rx = self.state.stop.subscribe();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                r = self.listener.accept() => match r {
                    Ok((s, _)) => {
                        conns.spawn(serve(self.state.clone(), s));
                    }
                    Err(e) => {
                        log(format!("accept failed: {e}"));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                _ = self.sigterm.recv() => { log("SIGTERM received"); break; }
                _ = self.sigint.recv() => { log("SIGINT received"); break; }
                _ = stop_rx.wait_for(|s| *s) => break,
                _ = &mut stop => break,
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
        self.shutdown(conns).await;
        Ok(())
    }

    async fn shutdown(self, mut conns: JoinSet<()>) {
        let Daemon {
            state,
            listener,
            config,
            socket_id,
            _lock,
            ..
        } = self;
        // 1. Stop accepting; refuse new requests (prompt answers still pass).
        drop(listener);
        state.draining.store(true, Ordering::SeqCst);
        // 2. Let requests in flight finish.
        let mut inflight = state.inflight.subscribe();
        let n = *inflight.borrow();
        if n > 0 {
            log(format!("waiting for {n} request(s) in flight"));
        }
        if tokio::time::timeout(config.drain_timeout, inflight.wait_for(|n| *n == 0))
            .await
            .is_err()
        {
            log(format!(
                "requests still running after {} s; ending sessions anyway",
                config.drain_timeout.as_secs()
            ));
        }
        // 3. End every session: clients are told, handles logged off (providers log
        //    off when a session's last handle leaves).
        let mut ended = 0;
        let kept: Vec<mapi_engine::Session> = state
            .kept
            .lock()
            .map(|mut k| k.drain(..).collect())
            .unwrap_or_default();
        for k in kept {
            k.logoff(mapi_types::LogoffFlags::default()).await;
            ended += 1;
        }
        for conn in state.conns() {
            ended += conn.all_handles().len();
            conn.end_sessions(SHUTDOWN_REASON).await;
            conn.close();
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while conns.join_next().await.is_some() {}
        })
        .await;
        // 4. Remove the socket and pid file.
        sockdir::cleanup(&config.socket, socket_id, &config.pid_file);
        log(format!("stopped; logged off {ended} session handle(s)"));
    }
}
