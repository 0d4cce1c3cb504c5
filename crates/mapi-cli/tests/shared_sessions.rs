//! Shared sessions through the CLI and the per-user daemon `mapid`: `--keep`, joining
//! from other processes without credentials, `logoff --shared`, `sessions`, `daemon`,
//! and 20 processes sharing one IMAP logon on a server that allows one connection.

use std::process::Stdio;

use mapi_test_support::{MailStack, Options};
use serde_json::Value;

mod common;

use common::SharedHome as Home;

#[test]
fn keep_join_logoff_shared_and_daemon_control() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    // A second profile with a password: joining the shared session needs none.
    let mut c = h.cmd(&["profile", "create", "Locked", "--password-stdin"]);
    c.stdin(Stdio::piped());
    let mut child = c.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"secret-pw\n")
        .unwrap();
    assert!(child.wait().unwrap().success());

    // A plain logon does not start a daemon.
    h.ok(&["logon", "--profile", "Default"]);
    assert_eq!(h.json(&["daemon", "status", "--json"])["running"], false);

    // ALLOW_OTHERS --keep makes the shared session in a daemon started on demand.
    let made = h.ok(&[
        "logon",
        "--profile",
        "Default",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    assert!(made.contains("shared session in the MAPI daemon"), "{made}");
    assert_eq!(h.json(&["daemon", "status", "--json"])["running"], true);
    let sessions = h.json(&["sessions", "--json"]);
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    assert_eq!(sessions[0]["profile"], "Default");
    assert_eq!(sessions[0]["shared"], true);
    assert_eq!(sessions[0]["clients"], 0);
    assert!(sessions[0]["since"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        sessions[0]["services"],
        serde_json::json!(["Personal Folders", "Contacts"])
    );

    // Another process joins it whatever profile it names, and is asked no password.
    let v = h.json(&["logon", "--profile", "Locked", "--json"]);
    assert_eq!(
        v["profile"], "Default",
        "the shared session wins over the name"
    );
    assert_eq!(v["daemon"], true);
    assert_eq!(v["shared"], true);
    assert!(h.ok(&["store", "folders"]).contains("Inbox"));

    // NEW_SESSION gets an individual session in this process (with the password).
    let out = h.run(&[
        "logon",
        "--profile",
        "Locked",
        "--flags",
        "NEW_SESSION",
        "--json",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("MAPI_E_LOGON_FAILED (0x80040111)"));

    // LOGOFF_SHARED ends it; later logons run in-process again.
    let out = h.ok(&["logoff", "--shared"]);
    assert!(out.contains("for every client"), "{out}");
    assert_eq!(h.json(&["sessions", "--json"]), serde_json::json!([]));
    let v = h.json(&["logon", "--profile", "Default", "--json"]);
    assert_eq!(v["daemon"], false);
    let out = h.run(&["logoff", "--shared"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("MAPI_E_NOT_FOUND (0x8004010F)"));

    assert!(h.ok(&["daemon", "stop"]).contains("stopped"));
    assert_eq!(h.json(&["daemon", "status", "--json"])["running"], false);
    assert!(h.ok(&["daemon", "start"]).contains("mapid running"));
}

#[test]
fn twenty_processes_share_one_imap_logon_on_a_one_connection_server() {
    let stack = MailStack::start(Options {
        postfix: true,
        max_userip_connections: 1,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    stack
        .generate_messages("alice", "shared", 0, 5, 1500)
        .unwrap();
    let h = Home::new();
    h.ok(&["profile", "create", "Alice"]);
    let s = stack.settings("alice", "tls", "tls");
    let mut args: Vec<String> = vec![
        "service".into(),
        "add".into(),
        "Alice".into(),
        "internet-mail".into(),
    ];
    for (k, v) in s.iter() {
        args.push("--set".into());
        args.push(format!("{k}={v}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    h.ok(&refs);
    let v = h.json(&[
        "logon",
        "--profile",
        "Alice",
        "--flags",
        "ALLOW_OTHERS|FORCE_DOWNLOAD",
        "--keep",
        "--json",
    ]);
    assert_eq!(v["disabled"], serde_json::json!([]), "{v}");

    // A second, individual logon needs a second IMAP connection: the server refuses it.
    let v = h.json(&[
        "logon",
        "--profile",
        "Alice",
        "--flags",
        "NEW_SESSION",
        "--ui",
        "none",
        "--json",
    ]);
    assert_eq!(v["disabled"][0]["status"], "MAPI_E_SESSION_LIMIT", "{v}");

    // Twenty processes at once join the one shared logon and read the mailbox.
    let children: Vec<_> = (0..20)
        .map(|_| {
            h.cmd(&["store", "ls", "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(rows.as_array().unwrap().len(), 5);
    }
    let sessions = h.json(&["sessions", "--json"]);
    assert_eq!(
        sessions.as_array().unwrap().len(),
        1,
        "one session for all: {sessions}"
    );
    h.ok(&["logoff", "--shared"]);
}

#[test]
fn profile_store_flag_reaches_logons_and_the_daemon_it_starts() {
    let h = Home::new();
    let base = h.dir.path();
    let db = base.join("elsewhere.db");
    let store = db.to_str().unwrap();
    let mail = base.join("m.store");
    let path_set = format!("path={}", mail.display());
    h.ok(&["--profile-store", store, "profile", "create", "Elsewhere"]);
    h.ok(&[
        "--profile-store",
        store,
        "service",
        "add",
        "Elsewhere",
        "local-store",
        "--set",
        &path_set,
    ]);

    // In this process: the named store is used, the home's own is not.
    let v = h.json(&[
        "--profile-store",
        store,
        "logon",
        "--profile",
        "Elsewhere",
        "--json",
    ]);
    assert_eq!(v["profile"], "Elsewhere");
    assert_eq!(v["daemon"], false);
    let plain = h.run(&["logon", "--profile", "Elsewhere"]);
    assert!(!plain.status.success());
    assert!(
        String::from_utf8_lossy(&plain.stderr).starts_with("MAPI_E_LOGON_FAILED"),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert!(
        h.ok(&[
            "--profile-store",
            store,
            "store",
            "folders",
            "--profile",
            "Elsewhere"
        ])
        .contains("Inbox")
    );

    // A daemon it starts serves the same store, and says so in its store file.
    h.ok(&[
        "--profile-store",
        store,
        "logon",
        "--profile",
        "Elsewhere",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    let sessions = h.json(&["--profile-store", store, "sessions", "--json"]);
    assert_eq!(sessions[0]["profile"], "Elsewhere", "{sessions}");
    let declared = std::fs::read_to_string(h.run.join("mapi").join("mapid.store")).unwrap();
    let want = std::path::absolute(&db).unwrap();
    assert_eq!(declared.trim_end(), format!("sqlite:{}", want.display()));

    // Joining it with the same store works; naming another store, or none while the
    // home's own store differs, is refused rather than silently joined.
    let v = h.json(&["--profile-store", store, "logon", "--json"]);
    assert_eq!(
        (v["profile"].as_str(), v["daemon"].as_bool()),
        (Some("Elsewhere"), Some(true))
    );
    let other = base.join("other.db");
    for args in [
        vec!["--profile-store", other.to_str().unwrap(), "logon"],
        vec!["logon"],
    ] {
        let out = h.run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} joined: {err}");
        assert!(err.starts_with("MAPI_E_NO_ACCESS (0x80070005): "), "{err}");
        assert!(
            err.contains("elsewhere.db"),
            "names the daemon's store: {err}"
        );
    }
    let sessions = h.json(&["--profile-store", store, "sessions", "--json"]);
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
}

#[test]
fn store_import_works_over_the_shared_session() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    h.ok(&[
        "logon",
        "--profile",
        "Default",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    let mails = h.home.join("mails");
    std::fs::create_dir_all(&mails).unwrap();
    for (name, subject) in [("a.eml", "Shared one"), ("b.eml", "Shared two")] {
        std::fs::write(
            mails.join(name),
            format!(
                "From: ann@example.org\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
                 Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nBody.\r\n"
            ),
        )
        .unwrap();
    }
    // Joins the daemon's shared session (no NEW_SESSION) and imports through it.
    let v = h.json(&["store", "import", "--json", mails.to_str().unwrap()]);
    assert_eq!(v["imported"], 2, "{v}");
    let subjects = |rows: &Value| -> Vec<String> {
        let mut s: Vec<String> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["subject"].as_str().unwrap().to_string())
            .collect();
        s.sort();
        s
    };
    let shared = h.json(&["store", "ls", "--json"]);
    assert_eq!(subjects(&shared), ["Shared one", "Shared two"]);
    h.ok(&["logoff", "--shared"]);
    // The same messages, read in process once the shared session is gone.
    let local = h.json(&[
        "store",
        "ls",
        "--profile",
        "Default",
        "--flags",
        "NEW_SESSION",
        "--json",
    ]);
    assert_eq!(subjects(&local), ["Shared one", "Shared two"]);
}

#[test]
fn send_reports_the_sent_copy_in_process_and_over_the_shared_session() {
    let stack = MailStack::start(Options {
        postfix: true,
        max_userip_connections: 10,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    let h = Home::new();
    h.ok(&["profile", "create", "Alice"]);
    let mut args: Vec<String> = vec![
        "service".into(),
        "add".into(),
        "Alice".into(),
        "internet-mail".into(),
    ];
    for (k, v) in stack.settings("alice", "tls", "tls").iter() {
        args.push("--set".into());
        args.push(format!("{k}={v}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    h.ok(&refs);
    let send = |flags: &str, subject: &str| {
        h.json(&[
            "send",
            "--profile",
            "Alice",
            "--flags",
            flags,
            "--ui",
            "none",
            "--to",
            "bob@localhost",
            "--subject",
            subject,
            "--body",
            "hello",
            "--json",
        ])
    };
    let local = send("NEW_SESSION", "in process");
    h.ok(&[
        "logon",
        "--profile",
        "Alice",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    // No NEW_SESSION: joins the daemon's shared session.
    let shared = send("0", "through the daemon");
    assert_eq!(local["sent_copy"], true, "{local}");
    assert_eq!(shared, local, "the same outcome over both links");
    // The identity the engine computed is the sender on both links.
    let sent = h.json(&["store", "ls", "Sent", "--json"]);
    let froms: Vec<&str> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["from"].as_str().unwrap())
        .collect();
    assert_eq!(froms.len(), 2, "{sent}");
    assert_eq!(froms[0], froms[1], "{sent}");
    assert!(froms[0].contains("alice@"), "{sent}");
    h.ok(&["logoff", "--shared"]);
}
