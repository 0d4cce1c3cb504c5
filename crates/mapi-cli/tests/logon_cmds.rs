//! `mapi quickstart`, `mapi logon` and `mapi store ...` on real local stores.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const MAPI: &str = env!("CARGO_BIN_EXE_mapi");

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(MAPI)
        .arg("--home")
        .arg(home)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = run(home, args);
    assert!(
        out.status.success(),
        "mapi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(home: &Path, args: &[&str], status: &str) -> String {
    let out = run(home, args);
    assert!(!out.status.success(), "mapi {args:?} succeeded");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with(status), "mapi {args:?}: {err}");
    err
}

fn eml(subject: &str, date: &str) -> String {
    format!(
        "From: Ann Example <ann@example.org>\r\nTo: bob@example.org\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of {subject}.\r\n",
        subject.replace(' ', ".")
    )
}

#[test]
fn quickstart_makes_the_default_profile_once_and_logs_on() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path();
    let out = ok(h, &["quickstart"]);
    assert!(out.contains("created profile \"Default\""), "{out}");
    assert!(
        out.contains("MAPI_STORE_PROVIDER") && out.contains("MAPI_AB_PROVIDER"),
        "{out}"
    );
    let out = ok(h, &["quickstart"]);
    assert!(out.contains("already exists"), "{out}");
    let list: Value = serde_json::from_str(&ok(h, &["profile", "list", "--json"])).unwrap();
    assert_eq!(
        list,
        serde_json::json!([{"name": "Default", "default": true}])
    );
}

#[test]
fn logon_json_has_profile_status_stores_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path();
    ok(h, &["quickstart"]);
    let v: Value =
        serde_json::from_str(&ok(h, &["logon", "--flags", "USE_DEFAULT", "--json"])).unwrap();
    assert_eq!(v["profile"], "Default");
    assert_eq!(v["disabled"], serde_json::json!([]));
    let status = v["status"].as_array().unwrap();
    // Subsystem, spooler, store provider, address-book provider.
    assert_eq!(status.len(), 4, "{v}");
    assert_eq!(status[0]["resource_type"], 39);
    assert_eq!(status[0]["display_name"], "Default");
    assert!(status.iter().all(|r| r["status_code"] == 1), "{v}");
    let stores = v["stores"].as_array().unwrap();
    assert_eq!(stores.len(), 1);
    assert_eq!(stores[0]["default_store"], true);
    assert_eq!(stores[0]["display_name"], "Personal Folders");
    assert_eq!(stores[0]["object_type"], 1);
}

#[test]
fn logon_without_a_profile_says_what_to_pass_and_bad_flags_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path();
    ok(h, &["quickstart"]);
    let err = fails(h, &["logon"], "MAPI_E_LOGON_FAILED (0x80040111)");
    assert!(err.contains("MAPI_USE_DEFAULT"), "{err}");
    let err = fails(
        h,
        &["logon", "--flags", "USE_DEFAULT|BOGUS"],
        "MAPI_E_INVALID_PARAMETER (0x80070057)",
    );
    assert!(err.contains("BOGUS"), "{err}");
    fails(
        h,
        &["logon", "--profile", "Nope"],
        "MAPI_E_LOGON_FAILED (0x80040111)",
    );
    fails(
        h,
        &["logon", "--flags", "LOGON_UI|PASSWORD_UI", "--ui", "none"],
        "MAPI_E_LOGON_FAILED",
    );
    // Numeric flags work: 0x40 is MAPI_USE_DEFAULT.
    assert!(ok(h, &["logon", "--flags", "0x40"]).contains("logged on to profile \"Default\""));
}

#[test]
fn a_disabled_service_is_reported_and_its_store_fails_with_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path();
    ok(h, &["quickstart"]);
    std::fs::write(
        h.join("Default.store"),
        b"this is not a database at all, just text",
    )
    .unwrap();
    let v: Value =
        serde_json::from_str(&ok(h, &["logon", "--profile", "Default", "--json"])).unwrap();
    assert_eq!(v["disabled"][0]["status"], "MAPI_E_CORRUPT_DATA", "{v}");
    assert_eq!(v["disabled"][0]["service"], "Personal Folders");
    fails(
        h,
        &["store", "folders", "--profile", "Default"],
        "MAPI_E_CORRUPT_DATA (0x8004011B)",
    );
}

#[test]
fn store_import_ls_show_and_folders() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path();
    ok(h, &["quickstart"]);
    let mails = h.join("mails");
    std::fs::create_dir(&mails).unwrap();
    std::fs::write(
        mails.join("a.eml"),
        eml("Older note", "Mon, 1 Jan 2024 10:00:00 +0000"),
    )
    .unwrap();
    std::fs::write(
        mails.join("b.eml"),
        eml("Newer note", "Tue, 2 Jan 2024 10:00:00 +0000"),
    )
    .unwrap();
    std::fs::write(mails.join("skip.txt"), "not mail").unwrap();
    let out = ok(
        h,
        &[
            "store",
            "import",
            "--profile",
            "Default",
            mails.to_str().unwrap(),
        ],
    );
    assert!(out.contains("imported 2 message(s) into Inbox"), "{out}");

    let v: Value =
        serde_json::from_str(&ok(h, &["store", "ls", "--profile", "Default", "--json"])).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["subject"], "Newer note", "newest first");
    assert_eq!(rows[1]["subject"], "Older note");
    assert_eq!(rows[0]["from"], "Ann Example <ann@example.org>");
    assert_eq!(rows[0]["delivery_time"], "2024-01-02T10:00:00Z");
    assert!(rows[0]["size"].as_i64().unwrap() > 100);

    let id = rows[0]["entry_id"].as_str().unwrap();
    let shown = ok(h, &["store", "show", "--profile", "Default", id]);
    assert!(
        shown.contains("Subject: Newer note") && shown.contains("Body of Newer note."),
        "{shown}"
    );
    let raw = ok(h, &["store", "show", "--profile", "Default", "--raw", id]);
    assert!(raw.starts_with("From: Ann Example"), "{raw}");

    let folders: Value = serde_json::from_str(&ok(
        h,
        &["store", "folders", "--profile", "Default", "--json"],
    ))
    .unwrap();
    let inbox = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["display_name"] == "Inbox")
        .unwrap();
    assert_eq!(inbox["content_count"], 2);
    for name in ["Outbox", "Sent Items", "Deleted Items", "Drafts"] {
        assert!(
            folders
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["display_name"] == name),
            "{name}"
        );
    }

    // Bad input changes nothing.
    fails(
        h,
        &["store", "ls", "--profile", "Default", "Nowhere"],
        "MAPI_E_NOT_FOUND (0x8004010F)",
    );
    fails(
        h,
        &["store", "show", "--profile", "Default", "zz"],
        "MAPI_E_INVALID_PARAMETER",
    );
    std::fs::write(mails.join("c.eml"), [0xffu8, 0xfe, 0x00, 0x01]).unwrap();
    fails(
        h,
        &[
            "store",
            "import",
            "--profile",
            "Default",
            mails.to_str().unwrap(),
        ],
        "MAPI_E_CORRUPT_DATA",
    );
    let v: Value =
        serde_json::from_str(&ok(h, &["store", "ls", "--profile", "Default", "--json"])).unwrap();
    assert_eq!(
        v.as_array().unwrap().len(),
        2,
        "a failed import stores nothing"
    );
}
