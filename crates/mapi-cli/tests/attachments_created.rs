//! `mapi store show ID --attachments` and `mapi store save-attachment ID N FILE` on a
//! message made by CreateMessage (through the library, on the same home), in process
//! and over a shared session in a real `mapid`, answering the same: the attachment
//! table's numbers (PR_ATTACH_NUM, with the gap a DeleteAttach left), names, types and
//! sizes; a 50 KB attachment read back whole through its stream; an embedded message
//! saved as RFC 5322; a deleted number refused with MAPI_E_NOT_FOUND, leaving the
//! target file as it was.

mod common;

use common::SharedHome;
use mapi::Object;
use mapi::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG, IID_IMESSAGE};
use mapi::blocking::Mapi;
use mapi::object::{IID_ISTREAM, KEEP_OPEN_READWRITE, MAPI_CREATE, MAPI_MODIFY};
use mapi::{FolderKind, LogoffFlags, LogonFlags, LogonRequest, PropValue, tags::*};
use serde_json::json;

const P: [&str; 2] = ["--profile", "Default"];

/// 50 KB of every byte value.
fn data() -> Vec<u8> {
    (0..50 * 1024u32).map(|i| (i * 13 % 256) as u8).collect()
}

fn text(s: &str) -> PropValue {
    PropValue::Unicode(s.into())
}

fn by_value(msg: &Object, name: &str, mime: &str, bytes: &[u8]) {
    let (_, att) = msg.create_attach(0).unwrap();
    att.set_props(&[
        (PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
        (PR_ATTACH_LONG_FILENAME, text(name)),
        (PR_ATTACH_MIME_TAG, text(mime)),
    ])
    .unwrap();
    let s = att
        .open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, MAPI_CREATE | MAPI_MODIFY)
        .unwrap();
    s.write(bytes).unwrap();
    s.commit(0).unwrap();
    att.save_changes(0).unwrap();
}

/// Makes, in this process, a Drafts message with attachments 0 (notes.txt), 2
/// (data.bin, 50 KB) and 3 (an embedded message); attachment 1 was deleted.
fn create_message(h: &SharedHome, subject: &str) {
    let mapi = Mapi::open(Some(&h.home)).unwrap();
    let session = mapi
        .logon(LogonRequest::new(
            Some("Default"),
            LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    let store = session.default_store().unwrap();
    let drafts = store.folder(FolderKind::Drafts).unwrap();
    let msg = store.create_message(&drafts, 0).unwrap();
    msg.set_props(&[
        (PR_SUBJECT, text(subject)),
        (PR_BODY, text("See the files.\r\n")),
    ])
    .unwrap();
    by_value(&msg, "notes.txt", "text/plain", b"a few notes\r\n");
    by_value(&msg, "gone.txt", "text/plain", b"deleted");
    by_value(&msg, "data.bin", "application/octet-stream", &data());
    let (_, emb) = msg.create_attach(0).unwrap();
    emb.set_props(&[(PR_ATTACH_METHOD, PropValue::Long(ATTACH_EMBEDDED_MSG))])
        .unwrap();
    let inner = emb
        .open_property_object(PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, MAPI_CREATE | MAPI_MODIFY)
        .unwrap();
    inner
        .set_props(&[
            (PR_SUBJECT, text("the inner one")),
            (PR_BODY, text("inner body\r\n")),
        ])
        .unwrap();
    inner.save_changes(0).unwrap();
    emb.save_changes(0).unwrap();
    msg.save_changes(KEEP_OPEN_READWRITE).unwrap();
    msg.delete_attach(1, 0).unwrap();
    msg.save_changes(0).unwrap();
    session.logoff(LogoffFlags::default());
}

/// What the commands answer for the message titled `subject`.
fn script(h: &SharedHome, subject: &str) -> Vec<String> {
    let args =
        |a: &[&str]| -> Vec<String> { a.iter().chain(P.iter()).map(|s| s.to_string()).collect() };
    let run = |a: &[&str]| {
        let v = args(a);
        h.out(&v.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let json = |a: &[&str]| -> serde_json::Value {
        let o = run(a);
        assert_eq!(o.code, Some(0), "{a:?}: {o:?}");
        serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{a:?}: {e}: {o:?}"))
    };
    let mut out = Vec::new();
    let rows = json(&["store", "ls", "Drafts", "--json"]);
    let id = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == subject)
        .and_then(|r| r["entry_id"].as_str())
        .expect("the created message in Drafts")
        .to_string();

    let list = json(&["store", "show", &id, "--attachments", "--json"]);
    let embedded = list.as_array().unwrap()[2].clone();
    assert!(
        embedded["size"].as_u64().unwrap() > 50,
        "the embedded message's RFC 5322 size: {embedded}"
    );
    out.push(format!(
        "listed {}",
        json!([list[0], list[1], {"num": embedded["num"], "embedded_message": embedded["embedded_message"], "file_name": embedded["file_name"]}])
    ));
    let shown = run(&["store", "show", &id, "--attachments"]);
    out.push(format!(
        "text {} {}",
        shown.stdout.lines().next().unwrap_or(""),
        shown.stdout.contains("data.bin") && shown.stdout.contains("notes.txt")
    ));

    let file = h.dir.path().join("saved.bin");
    let path = file.to_str().unwrap();
    let saved = json(&["store", "save-attachment", &id, "2", path, "--json"]);
    out.push(format!(
        "saved 2 {} {} same {}",
        saved["num"],
        saved["size"],
        std::fs::read(&file).unwrap() == data()
    ));
    json(&["store", "save-attachment", &id, "0", path, "--json"]);
    out.push(format!(
        "saved 0 {:?}",
        String::from_utf8(std::fs::read(&file).unwrap()).unwrap()
    ));
    let o = run(&["store", "save-attachment", &id, "3", path]);
    out.push(format!(
        "saved 3 says {:?} {}",
        o.code,
        o.stdout.starts_with("saved attachment 3 (")
    ));
    let inner = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
    out.push(format!(
        "saved 3 subject {} body {}",
        inner.contains("Subject: the inner one"),
        inner.contains("inner body")
    ));
    let o = run(&["store", "save-attachment", &id, "1", path]);
    out.push(format!(
        "saved 1 {:?} {} {}",
        o.code,
        o.stderr
            .lines()
            .next()
            .unwrap_or("")
            .split(':')
            .next()
            .unwrap_or(""),
        o.stderr.contains("has 3 attachments")
    ));
    out.push(format!(
        "file kept {}",
        String::from_utf8(std::fs::read(&file).unwrap())
            .unwrap()
            .contains("the inner one")
    ));
    out
}

#[test]
fn created_attachments_show_and_save_the_same_in_process_and_shared() {
    let h = SharedHome::new();
    h.ok(&["quickstart"]);
    create_message(&h, "made by CreateMessage");
    let in_process = script(&h, "made by CreateMessage");
    h.ok(&[
        "logon",
        "--profile",
        "Default",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    let joined = h.json(&["logon", "--json"]);
    assert_eq!(joined["daemon"], true, "{joined}");
    let shared = script(&h, "made by CreateMessage");
    let expect = [
        json!([
            {"num": 0, "file_name": "notes.txt", "mime_tag": "text/plain", "size": 13, "embedded_message": false},
            {"num": 2, "file_name": "data.bin", "mime_tag": "application/octet-stream", "size": 51200, "embedded_message": false},
            {"num": 3, "embedded_message": true, "file_name": null},
        ])
        .to_string(),
        "saved 2 2 51200 same true".to_string(),
        "saved 0 \"a few notes\\r\\n\"".to_string(),
        "saved 3 says Some(0) true".to_string(),
        "saved 3 subject true body true".to_string(),
        "saved 1 Some(1) MAPI_E_NOT_FOUND (0x8004010F) true".to_string(),
        "file kept true".to_string(),
    ];
    for e in &expect {
        assert!(
            in_process.iter().any(|l| l.contains(e.as_str())),
            "{e:?} not in {in_process:#?}"
        );
    }
    assert!(
        in_process
            .iter()
            .any(|l| l.starts_with("text NUM") && l.ends_with("true")),
        "{in_process:#?}"
    );
    assert_eq!(shared, in_process);
}
