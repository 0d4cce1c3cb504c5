//! What the two-link tests share: running the test's body in a child process with its
//! own runtime dir (so its daemon's socket is its own) and the workspace's `mapid`, and
//! stopping that daemon however the child ends.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use mapi::blocking::Mapi;
use mapi::link::AnySession;
use mapi::{LogonFlags, LogonRequest};

/// Runs `body` when this process is the child (`child_env` set); otherwise re-runs the
/// test `test` as that child, with a fresh 0700 `XDG_RUNTIME_DIR`, a fresh `MAPI_HOME`
/// and `MAPID_BIN` pointing at the workspace's `mapid`, and asserts it succeeds.
pub fn in_child_with_own_daemon(child_env: &str, test: &str, body: fn()) {
    if std::env::var_os(child_env).is_some() {
        body();
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mapid = exe.parent().and_then(Path::parent).map(|d| d.join("mapid"));
    assert!(
        mapid.as_ref().is_some_and(|m| m.exists()),
        "{mapid:?} is missing: build the workspace (cargo build --workspace) first"
    );
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    let home = dir.path().join("home");
    let status = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(child_env, "1")
        .env("XDG_RUNTIME_DIR", &run)
        .env("MAPI_HOME", &home)
        .env("MAPID_BIN", mapid.as_ref().unwrap())
        .env_remove("MAPI_SOCKET")
        .status()
        .unwrap();
    assert!(status.success(), "the child run failed");
}

/// Stops the daemon the child started, however the child ends.
pub struct StopDaemon<'a>(pub &'a Mapi);

impl Drop for StopDaemon<'_> {
    fn drop(&mut self) {
        let _ = mapi::link::stop_daemon(self.0);
    }
}

/// The two sessions a two-link test compares: `profile` logged on in this process
/// (MAPI_NEW_SESSION) and in the daemon (MAPI_NEW_SESSION | MAPI_ALLOW_OTHERS), each with
/// every service up.
pub fn both_links(mapi: &Mapi, profile: &str) -> (AnySession, AnySession) {
    let local = mapi
        .logon_any(LogonRequest::new(
            Some(profile),
            LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    assert!(!local.is_remote());
    assert!(local.disabled().is_empty(), "{:?}", local.disabled());
    let remote = mapi
        .logon_any(LogonRequest::new(
            Some(profile),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_ALLOW_OTHERS,
        ))
        .unwrap();
    assert!(
        remote.is_remote(),
        "ALLOW_OTHERS runs the session in the daemon"
    );
    assert!(remote.disabled().is_empty(), "{:?}", remote.disabled());
    (local, remote)
}

/// In the child: the quickstart profile's answers to `script` in process (tag `local`)
/// and through the daemon (tag `remote`), the daemon stopped after.
pub fn script_on_both_links(script: fn(&AnySession, &str) -> Vec<String>) -> [Vec<String>; 2] {
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = StopDaemon(&mapi);
    mapi.quickstart().unwrap();
    let (local, remote) = both_links(&mapi, "Default");
    [script(&local, "local"), script(&remote, "remote")]
}

/// A call's status: `S_OK`, or its error's.
pub fn status<T>(r: mapi::Result<T>) -> mapi::Status {
    use mapi::MapiStatus;
    match r {
        Ok(_) => mapi::Status::S_OK,
        Err(e) => e.status(),
    }
}
