//! `mapi watch --json` as a real child process: a message imported into the watched
//! folder by another `mapi` process is printed as fnevObjectCreated, fnevNewMail (with
//! its subject) and TABLE_ROW_ADDED, hex entry ids; SIGINT ends it with exit 0. On a
//! shared session (the daemon link, a real `mapid`) the same events arrive for changes
//! other processes make, and `logoff --shared` ends it with the session-shutdown
//! notification. Waits are on lines read, with deadlines.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{BIN, Home, SharedHome};
use serde_json::Value;

const DEADLINE: Duration = Duration::from_secs(20);

/// Each line of `r`, sent into the returned channel by a reader thread.
fn lines(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    rx
}

/// Lines until one satisfies `want` (failing at the deadline).
fn until(rx: &Receiver<String>, want: impl Fn(&str) -> bool) -> Vec<String> {
    let end = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(l) => {
                let done = want(&l);
                seen.push(l);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no matching line within {DEADLINE:?}; saw {seen:#?}"),
        }
    }
}

/// SIGINT, then the exit status (within the deadline).
fn interrupt(mut child: Child) -> std::process::ExitStatus {
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    rx.recv_timeout(DEADLINE)
        .expect("mapi watch did not exit after SIGINT")
        .unwrap()
}

const EML: &str = "From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>\r\n\
    Subject: watched arrival\r\nDate: Tue, 06 Feb 2024 10:00:00 +0000\r\n\
    Message-ID: <watched.arrival@example.org>\r\n\r\nHello.\r\n";

fn is_hex(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[test]
fn watch_json_prints_an_import_by_another_process_and_stops_on_sigint() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    let mut child = Command::new(BIN)
        .arg("--home")
        .arg(&h.path)
        .args([
            "watch",
            "--profile",
            "Default",
            "--folder",
            "Inbox",
            "--json",
        ])
        .env_remove("MAPI_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines(child.stdout.take().unwrap());
    let err = lines(child.stderr.take().unwrap());
    until(&err, |l| l.contains("watching"));

    let file = h.dir.path().join("m.eml");
    std::fs::write(&file, EML).unwrap();
    h.ok(&[
        "store",
        "import",
        "--profile",
        "Default",
        "--folder",
        "Inbox",
        file.to_str().unwrap(),
    ]);

    let mut events: Vec<Value> = Vec::new();
    let want = ["fnevObjectCreated", "fnevNewMail", "TABLE_ROW_ADDED"];
    let has = |events: &[Value], name: &str| events.iter().any(|e| e["event"] == name);
    while !want.iter().all(|w| has(&events, w)) {
        let l = until(&out, |_| true).pop().unwrap();
        events.push(serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l:?}")));
    }
    let new_mail = events.iter().find(|e| e["event"] == "fnevNewMail").unwrap();
    assert_eq!(new_mail["subject"], "watched arrival", "{new_mail}");
    assert!(is_hex(&new_mail["entry_id"]), "{new_mail}");
    assert!(is_hex(&new_mail["parent_id"]), "{new_mail}");
    let row = events
        .iter()
        .find(|e| e["event"] == "TABLE_ROW_ADDED")
        .unwrap();
    assert_eq!(row["subject"], "watched arrival", "{row}");
    assert_eq!(row["entry_id"], new_mail["entry_id"], "{row}");
    let created = events
        .iter()
        .find(|e| e["event"] == "fnevObjectCreated")
        .unwrap();
    assert!(is_hex(&created["entry_id"]), "{created}");

    let status = interrupt(child);
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn watch_without_a_folder_and_in_text_form() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    let mut child = Command::new(BIN)
        .arg("--home")
        .arg(&h.path)
        .args(["watch", "--profile", "Default"])
        .env_remove("MAPI_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines(child.stdout.take().unwrap());
    let err = lines(child.stderr.take().unwrap());
    until(&err, |l| l.contains("watching"));
    let file = h.dir.path().join("m.eml");
    std::fs::write(&file, EML).unwrap();
    h.ok(&[
        "store",
        "import",
        "--profile",
        "Default",
        file.to_str().unwrap(),
    ]);
    let seen = until(&out, |l| l.starts_with("fnevNewMail "));
    let l = seen.last().unwrap();
    assert!(l.contains("subject=watched arrival"), "{l}");
    assert!(l.contains(" entry_id="), "{l}");
    assert_eq!(interrupt(child).code(), Some(0));
}

/// Events until every name in `want` was seen.
fn events_until(out: &Receiver<String>, want: &[&str]) -> Vec<Value> {
    let mut events: Vec<Value> = Vec::new();
    let has = |events: &[Value], name: &str| events.iter().any(|e| e["event"] == name);
    while !want.iter().all(|w| has(&events, w)) {
        let l = until(out, |_| true).pop().unwrap();
        events.push(serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l:?}")));
    }
    events
}

#[test]
fn watch_on_a_shared_session_sees_other_processes_and_ends_with_logoff_shared() {
    let h = SharedHome::new();
    h.ok(&["quickstart"]);
    h.ok(&[
        "logon",
        "--profile",
        "Default",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    // Joins the daemon's shared session.
    let mut child = h
        .cmd(&["watch", "--folder", "Inbox", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = lines(child.stdout.take().unwrap());
    let err = lines(child.stderr.take().unwrap());
    until(&err, |l| l.contains("watching"));

    // Another process saves a message through the same shared session...
    let file = h.dir.path().join("m.eml");
    std::fs::write(&file, EML).unwrap();
    h.ok(&[
        "store",
        "import",
        "--folder",
        "Inbox",
        file.to_str().unwrap(),
    ]);
    let events = events_until(
        &out,
        &["fnevObjectCreated", "fnevNewMail", "TABLE_ROW_ADDED"],
    );
    let new_mail = events.iter().find(|e| e["event"] == "fnevNewMail").unwrap();
    assert_eq!(new_mail["subject"], "watched arrival", "{new_mail}");
    assert!(is_hex(&new_mail["entry_id"]), "{new_mail}");
    let row = events
        .iter()
        .find(|e| e["event"] == "TABLE_ROW_ADDED")
        .unwrap();
    assert_eq!(row["subject"], "watched arrival", "{row}");
    assert_eq!(row["entry_id"], new_mail["entry_id"], "{row}");

    // ...and another through a session of its own on the same store file.
    let second = h.dir.path().join("n.eml");
    std::fs::write(&second, EML.replace("watched arrival", "second arrival")).unwrap();
    h.ok(&[
        "store",
        "import",
        "--profile",
        "Default",
        "--flags",
        "NEW_SESSION",
        "--folder",
        "Inbox",
        second.to_str().unwrap(),
    ]);
    let seen = until(&out, |l| {
        l.contains("TABLE_ROW_ADDED") && l.contains("second arrival")
    });
    assert!(!seen.is_empty());

    // The shared session ends: the watcher is told (fnevExtended) and stops by itself.
    h.ok(&["logoff", "--shared"]);
    let seen = until(&out, |l| l.contains("fnevExtended"));
    let ext: Value = serde_json::from_str(seen.last().unwrap()).unwrap();
    assert_eq!(ext["extended_event"], 1, "{ext}");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = rx
        .recv_timeout(DEADLINE)
        .expect("mapi watch did not exit when the shared session ended")
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn watch_an_unknown_folder_is_not_found() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    let out = h.run(&["watch", "--profile", "Default", "--folder", "Nowhere"]);
    assert!(
        out.stderr
            .starts_with("MAPI_E_NOT_FOUND (0x8004010F): no folder named"),
        "{}",
        out.stderr
    );
}
