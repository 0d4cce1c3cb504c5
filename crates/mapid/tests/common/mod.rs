//! Shared parts of the daemon tests: MAPI homes with profiles, the real `mapid` binary,
//! client processes (this test binary re-invoked as `child`) driven line by line.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mapi_engine::{Engine, EngineConfig, LogonRequest, Session};
use mapi_types::{LogonFlags, Status};

/// The daemon binary under test.
pub const MAPID: &str = env!("CARGO_BIN_EXE_mapid");

/// Password of the `Work` profile when a fixture has one.
pub const PASSWORD: &str = "s3cret";

/// A MAPI home with profiles `Work` (local store, optionally a password), `Other`, and
/// `Exclusive` (the same store file as `Work`, opened exclusively), plus a private
/// socket directory.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub socket: PathBuf,
    pub store: PathBuf,
}

pub fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn engine(home: &Path) -> Engine {
    let e = Engine::new(EngineConfig::new(home), mapi::catalog::catalog()).unwrap();
    e.initialize().unwrap();
    e
}

impl Fixture {
    pub fn new(password: Option<&str>) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let run = dir.path().join("run");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir(&run).unwrap();
        chmod(&run, 0o700);
        let store = home.join("work.store");
        let other = home.join("other.store");
        let e = engine(&home);
        let local = |profile: &str, path: &Path, exclusive: bool| {
            e.create_service(
                profile,
                "local-store",
                Some("Personal Folders"),
                &[
                    ("path".into(), path.display().to_string()),
                    ("exclusive".into(), exclusive.to_string()),
                ],
            )
            .unwrap();
        };
        e.with_store(|s| Ok(s.create_profile("Work", password).map(|_| ())?))
            .unwrap();
        local("Work", &store, false);
        e.with_store(|s| Ok(s.create_profile("Other", None).map(|_| ())?))
            .unwrap();
        local("Other", &other, false);
        e.with_store(|s| Ok(s.create_profile("Exclusive", None).map(|_| ())?))
            .unwrap();
        local("Exclusive", &store, true);
        e.with_store(|s| Ok(s.set_default_profile(Some("Work"))?))
            .unwrap();
        Fixture {
            socket: run.join("mapid.sock"),
            dir,
            home,
            store,
        }
    }

    /// Whether an in-process logon opening `Work`'s store exclusively gets it (no other
    /// session holds the store).
    pub fn exclusive_logon_succeeds(&self) -> bool {
        let e = engine(&self.home);
        let rt = rt();
        rt.block_on(async {
            let s: Session = e
                .logon(LogonRequest::new(
                    Some("Exclusive"),
                    LogonFlags::MAPI_NEW_SESSION,
                ))
                .await
                .unwrap();
            let ok = s.disabled_services().is_empty();
            if !ok {
                assert_eq!(
                    s.disabled_services()[0].status,
                    Status::MAPI_E_SESSION_LIMIT,
                    "{:?}",
                    s.disabled_services()
                );
            }
            s.logoff(Default::default()).await;
            ok
        })
    }
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Output collected from a process's pipe by a thread.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<String>>);

impl Captured {
    pub fn from(mut r: impl Read + Send + 'static) -> Captured {
        let c = Captured::default();
        let buf = c.0.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = r.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        c
    }

    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }

    /// Waits (10 s at most) until the captured text contains `needle`; the text.
    pub fn wait_for(&self, needle: &str) -> String {
        let t = Instant::now();
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no {needle:?} in:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A `mapid --foreground` the test started.
pub struct Daemon {
    pub child: Child,
    pub stderr: Captured,
    pub stdout: Captured,
}

impl Daemon {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        let t = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                t.elapsed() < within,
                "mapid did not exit within {within:?}; log:\n{}",
                self.stderr.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `mapid --foreground --home H --socket S` and waits until it listens.
pub fn start_daemon(home: &Path, socket: &Path) -> Daemon {
    let mut child = Command::new(MAPID)
        .args(["--foreground", "--home"])
        .arg(home)
        .arg("--socket")
        .arg(socket)
        .env_remove("MAPI_SOCKET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Captured::from(child.stderr.take().unwrap());
    let stdout = Captured::from(child.stdout.take().unwrap());
    let t = Instant::now();
    while std::os::unix::net::UnixStream::connect(socket).is_err() {
        if let Some(s) = child.try_wait().unwrap() {
            panic!("mapid exited with {s}: {}", stderr.text());
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "mapid did not listen"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    Daemon {
        child,
        stderr,
        stdout,
    }
}

/// Runs `mapid` to completion (for start failures) and returns (status, stderr).
pub fn run_mapid(
    args: &[&std::ffi::OsStr],
    envs: &[(&str, &std::ffi::OsStr)],
) -> (ExitStatus, String) {
    let mut cmd = Command::new(MAPID);
    cmd.args(args)
        .env_remove("MAPI_SOCKET")
        .env_remove("XDG_RUNTIME_DIR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Set in a client process's environment: it runs the client, not the tests.
pub const CLIENT_ENV: &str = "MAPID_TEST_CLIENT";

/// The line a client process prints before its first answer.
pub const CLIENT_READY: &str = "CLIENT READY";

/// A client process: this test binary running only its `client_process` test, driven
/// by commands on stdin, one answer line each on stdout.
pub struct Client {
    pub child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl Client {
    /// A client for a fixture's home and socket, able to start `mapid` on demand.
    pub fn spawn(home: &Path, socket: &Path) -> Client {
        Client::spawn_with(Command::new(std::env::current_exe().unwrap()), home, socket)
    }

    pub fn spawn_with(mut cmd: Command, home: &Path, socket: &Path) -> Client {
        cmd.args([
            "client_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CLIENT_ENV, "1")
        .env("MAPI_HOME", home)
        .env("MAPI_SOCKET", socket)
        .env("MAPID_BIN", MAPID)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            let mut ready = false;
            for line in out.lines() {
                let Ok(line) = line else { break };
                if !ready {
                    ready = line == CLIENT_READY;
                    continue;
                }
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            lines,
        }
    }

    /// Sends a command without reading its answer.
    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next output line.
    pub fn line(&mut self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("client gave no answer: {e}"))
    }

    /// Sends a command and returns its answer line.
    pub fn cmd(&mut self, line: &str) -> String {
        self.send(line);
        self.line()
    }

    /// Polls `sessions` until `pred` holds for the answer (or fails after 10 s).
    pub fn sessions_until(&mut self, pred: impl Fn(&str) -> bool) -> String {
        let t = Instant::now();
        loop {
            let s = self.cmd("sessions");
            if pred(&s) {
                return s;
            }
            assert!(t.elapsed() < Duration::from_secs(10), "last answer: {s}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
