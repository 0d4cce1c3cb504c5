//! The daemon's edges a user meets: its log (where it is, what reaches it, no secret in
//! it), a failed logon that must start no daemon (checked in the process table), a
//! runtime directory that is not the user's own or is open to others (ignored, as if
//! unset), and error text printed once.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::SharedHome as Home;
const NOBODY: u32 = 65534;

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `mapid` processes serving `home`, from the process table.
fn daemons_of(home: &Path) -> Vec<u32> {
    let home = home.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if args.first().is_some_and(|a| a.ends_with("mapid")) && args.contains(&home) {
            found.push(pid);
        }
    }
    found
}

#[test]
fn a_shared_sessions_logon_is_in_the_daemons_log_at_debug_without_its_secret() {
    let h = Home::new().env("MAPI_LOG", "debug");
    let secret = "Sekr1t-pass-9d0c";
    h.ok(&["quickstart"]);
    h.ok(&[
        "service",
        "add",
        "Default",
        "internet-mail",
        "--set",
        "email=me@example.org",
        "--set",
        "user=me",
        "--set",
        &format!("password={secret}"),
        "--set",
        "imap_host=127.0.0.1",
        "--set",
        "imap_port=1",
        "--set",
        "smtp_host=127.0.0.1",
        "--set",
        "smtp_port=1",
        "--set",
        "imap_security=none",
        "--set",
        "smtp_security=none",
    ]);
    let made = h.run(&[
        "logon",
        "--profile",
        "Default",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    assert!(made.status.success(), "{}", stderr(&made));

    // `daemon status` says where the log is: next to the socket, for a daemon started
    // on demand.
    let log = h.run.join("mapi").join("mapid.log");
    let status = h.ok(&["daemon", "status"]);
    assert!(
        status.contains(&format!("log: {}", log.display())),
        "{status}"
    );
    let v = h.json(&["daemon", "status", "--json"]);
    assert_eq!(v["log"], log.display().to_string(), "{v}");
    assert_eq!(
        std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o600
    );

    h.ok(&["daemon", "stop"]);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("listening on"),
        "the daemon's own events: {text}"
    );
    assert!(
        text.contains("[DEBUG mapi_engine"),
        "the engine's debug records: {text}"
    );
    assert!(
        text.contains("logon: profile \"Default\" validated"),
        "the shared session's logon: {text}"
    );
    assert!(!text.contains(secret), "a secret in the log: {text}");
}

#[test]
fn a_daemon_started_by_hand_logs_to_its_stderr() {
    let h = Home::new().env("MAPI_LOG", "debug");
    h.ok(&["quickstart"]);
    let mapid = Path::new(common::BIN).with_file_name("mapid");
    let log = h.dir.path().join("by-hand.err");
    let mut child = Command::new(&mapid)
        .args(["--foreground", "--home"])
        .arg(&h.home)
        .env("XDG_RUNTIME_DIR", &h.run)
        .env("MAPI_LOG", "debug")
        .env_remove("MAPI_SOCKET")
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while h.json(&["daemon", "status", "--json"])["running"] != true {
        assert!(std::time::Instant::now() < deadline, "mapid did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let v = h.json(&["daemon", "status", "--json"]);
    assert_eq!(v["log"], log.display().to_string(), "{v}");
    h.ok(&["logon", "--profile", "Default", "--flags", "ALLOW_OTHERS"]);
    h.ok(&["daemon", "stop"]);
    child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("[DEBUG mapi_engine"), "{text}");
    assert!(!h.run.join("mapi").join("mapid.log").exists());
}

#[test]
fn a_logon_refused_for_its_flags_starts_no_daemon() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    assert!(daemons_of(&h.home).is_empty());
    let out = h.run(&["logon", "--profile", "Default", "--flags", "0xFFFFFFFF"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.starts_with("MAPI_E_LOGON_FAILED (0x80040111): ") && err.contains("mutually exclusive"),
        "{err}"
    );
    assert_eq!(
        err.matches("MAPI_E_LOGON_FAILED").count(),
        1,
        "the status once: {err}"
    );
    assert_eq!(
        daemons_of(&h.home),
        Vec::<u32>::new(),
        "a daemon was started"
    );
    assert_eq!(h.json(&["daemon", "status", "--json"])["running"], false);
}

#[test]
fn a_daemons_error_shows_its_status_once() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    h.ok(&["daemon", "start"]);
    // NEW_SESSION | ALLOW_OTHERS for a profile that does not exist: the daemon refuses.
    let out = h.run(&[
        "logon",
        "--profile",
        "Ghost",
        "--flags",
        "NEW_SESSION|ALLOW_OTHERS",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.starts_with("MAPI_E_LOGON_FAILED (0x80040111): ") && err.contains("Ghost"),
        "{err}"
    );
    assert_eq!(err.matches("0x80040111").count(), 1, "{err}");
}

#[test]
fn the_store_warning_is_prefixed_once() {
    let h = Home::new();
    h.ok(&["profile", "create", "P"]);
    let out = h.run(&[
        "service",
        "add",
        "P",
        "internet-mail",
        "--set",
        "password=x",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("warning: no profile password"), "{err}");
    assert!(!err.contains("warning: warning"), "{err}");
}

/// Puts the socket in the fallback place and checks a shared session works there.
fn shared_session_falls_back_to_the_home(h: &Home) {
    h.ok(&["logon", "--profile", "Default"]);
    h.ok(&[
        "logon",
        "--profile",
        "Default",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    let v = h.json(&["daemon", "status", "--json"]);
    assert_eq!(v["running"], true, "{v}");
    assert_eq!(
        v["socket"],
        h.home.join("run").join("mapid.sock").display().to_string(),
        "{v}"
    );
    assert!(!h.run.join("mapi").exists(), "the runtime dir was used");
}

#[test]
fn a_world_writable_runtime_dir_is_ignored() {
    let h = Home::new();
    chmod(&h.run, 0o777);
    h.ok(&["quickstart"]);
    shared_session_falls_back_to_the_home(&h);
}

#[test]
fn a_runtime_dir_of_another_user_is_ignored_and_never_fails_a_logon() {
    let mut h = Home::new();
    if current_uid() == 0 {
        // Play the user left with root's runtime dir after `su`: run as nobody, with a
        // private (0700) runtime dir that root owns.
        std::os::unix::fs::chown(h.dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
        h.uid = Some(NOBODY);
    } else {
        // Not root: the runtime dir of root, which this user cannot enter.
        assert!(
            Path::new("/root").is_dir(),
            "this test needs root, or a /root directory it cannot enter"
        );
        h.run = PathBuf::from("/root");
    }
    h.ok(&["quickstart"]);
    shared_session_falls_back_to_the_home(&h);
}

fn current_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap_or(u32::MAX)
}

#[test]
fn a_daemon_that_cannot_be_reached_fails_only_logons_that_need_it() {
    let mut h = Home::new();
    let closed = h.dir.path().join("closed");
    std::fs::create_dir(&closed).unwrap();
    chmod(&closed, 0o700);
    if current_uid() == 0 {
        // A socket in a directory root owns, reached as nobody: permission denied.
        std::os::unix::fs::chown(h.dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
        chmod(&h.run, 0o700);
        std::os::unix::fs::chown(&h.run, Some(NOBODY), Some(NOBODY)).unwrap();
        h.uid = Some(NOBODY);
    } else {
        assert!(
            Path::new("/root").is_dir(),
            "this test needs root, or a /root directory it cannot enter"
        );
    }
    let socket = if h.uid.is_some() {
        closed.join("mapid.sock")
    } else {
        PathBuf::from("/root/mapid.sock")
    };
    let h = h.env("MAPI_SOCKET", &socket.display().to_string());
    h.ok(&["quickstart"]);
    // An individual logon needs no daemon: it goes on in this process.
    let v = h.json(&["logon", "--profile", "Default", "--json"]);
    assert_eq!(v["daemon"], false, "{v}");
    // A shared one does, and says why it cannot have one.
    let out = h.run(&["logon", "--profile", "Default", "--flags", "ALLOW_OTHERS"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.starts_with("MAPI_E_NO_ACCESS (0x80070005): ") && err.contains("cannot connect"),
        "{err}"
    );
}

#[test]
fn a_shared_logon_that_fails_leaves_no_daemon_behind() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    let out = h.run(&["logon", "--profile", "Ghost", "--flags", "ALLOW_OTHERS"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.starts_with("MAPI_E_LOGON_FAILED (0x80040111): ") && err.contains("Ghost"),
        "{err}"
    );
    // The daemon it started was told to shut down before the command returned.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !daemons_of(&h.home).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "mapid still runs: {:?}",
            daemons_of(&h.home)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // A daemon that was already running is left alone.
    h.ok(&["daemon", "start"]);
    let out = h.run(&["logon", "--profile", "Ghost", "--flags", "ALLOW_OTHERS"]);
    assert!(!out.status.success());
    assert_eq!(h.json(&["daemon", "status", "--json"])["running"], true);
}
