//! `mapi store import` of mbox files and of messages preceded by a `From ` line.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const MAPI: &str = env!("CARGO_BIN_EXE_mapi");

fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(MAPI)
        .arg("--home")
        .arg(home)
        .args(args)
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

fn subjects(home: &Path) -> Vec<String> {
    let v: Value = serde_json::from_str(&ok(
        home,
        &["store", "ls", "--profile", "Default", "--json"],
    ))
    .unwrap();
    let mut s: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap_or("").to_string())
        .collect();
    s.sort();
    s
}

#[test]
fn mbox_files_and_from_line_messages_import() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path();
    ok(h, &["quickstart"]);
    // mboxrd with an escaped body line, then an mboxo message
    let mbox = h.join("mail.mbox");
    std::fs::write(
        &mbox,
        "From ann@example.org Mon Jan  1 10:00:00 2024\n\
         From: Ann <ann@example.org>\nSubject: first\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n\
         >From the start\nbye\n\n\
         From bob@example.org Tue Jan  2 10:00:00 2024\n\
         From: Bob <bob@example.org>\nSubject: second\nDate: Tue, 2 Jan 2024 10:00:00 +0000\n\nhi\n\n",
    )
    .unwrap();
    let single = h.join("single.eml");
    std::fs::write(
        &single,
        "From cy@example.org Wed Jan  3 10:00:00 2024\r\nFrom: Cy <cy@example.org>\r\nSubject: third\r\n\r\nbody\r\n",
    )
    .unwrap();
    let out = ok(
        h,
        &[
            "store",
            "import",
            "--profile",
            "Default",
            mbox.to_str().unwrap(),
            single.to_str().unwrap(),
        ],
    );
    assert!(out.contains("imported 3 message(s)"), "{out}");
    assert_eq!(subjects(h), ["first", "second", "third"]);
    // the separator is gone and `>From ` is unescaped
    let v: Value =
        serde_json::from_str(&ok(h, &["store", "ls", "--profile", "Default", "--json"])).unwrap();
    let first = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == "first")
        .unwrap();
    let raw = ok(
        h,
        &[
            "store",
            "show",
            "--profile",
            "Default",
            "--raw",
            first["entry_id"].as_str().unwrap(),
        ],
    );
    assert!(raw.starts_with("From: Ann"), "{raw}");
    assert!(
        raw.contains("\nFrom the start\nbye\n") && !raw.ends_with("\n\n"),
        "{raw:?}"
    );
}

#[test]
fn a_file_without_a_header_block_is_corrupt_data_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path();
    ok(h, &["quickstart"]);
    let good = h.join("good.eml");
    std::fs::write(&good, "Subject: fine\n\nbody\n").unwrap();
    let bad = h.join("bad.mbox");
    std::fs::write(
        &bad,
        "From x@example.org Mon Jan  1 10:00:00 2024\nSubject: ok\n\nb\n\nFrom y@example.org Mon Jan  1 11:00:00 2024\nno header block here\n",
    )
    .unwrap();
    let out = run(
        h,
        &[
            "store",
            "import",
            "--profile",
            "Default",
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("MAPI_E_CORRUPT_DATA")
            && err.contains("message 2 of")
            && err.contains("bad.mbox"),
        "{err}"
    );
    assert_eq!(subjects(h), Vec::<String>::new(), "nothing imported");
}
