//! `mapi send` on a profile whose default store makes messages (the local store, with
//! alice's internet-mail account as the transport): the message is made the MAPI way
//! (CreateMessage in the Outbox, SetProps, ModifyRecipients, SubmitMessage), goes through
//! the real Postfix to the real Dovecot with its HTML part and without a Bcc header, and
//! ends in the local store's Sent Items with the Outbox empty; the same output in process
//! and over the shared session; with `--attach`, one CreateAttach per file.

mod common;

use std::time::{Duration, Instant};

use common::SharedHome;
use mapi_test_support::{MailStack, Options};

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn subjects(h: &SharedHome, folder: &str) -> Vec<String> {
    let rows = h.json(&["store", "ls", folder, "--profile", "Both", "--json"]);
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

fn bobs_message(stack: &MailStack, subject: &str) -> String {
    let mut found = String::new();
    wait_for(&format!("{subject:?} in bob's INBOX"), || {
        match stack
            .read_messages("bob", "INBOX")
            .into_iter()
            .map(|m| String::from_utf8_lossy(&m).into_owned())
            .find(|m| m.contains(subject))
        {
            Some(m) => {
                found = m;
                true
            }
            None => false,
        }
    });
    found
}

#[test]
fn send_builds_a_mapi_message_and_it_arrives_over_both_links() {
    let stack = MailStack::start(Options {
        postfix: true,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    let h = SharedHome::new();
    h.ok(&["profile", "create", "Both"]);
    let store_file = h.dir.path().join("both.db");
    h.ok(&[
        "service",
        "add",
        "Both",
        "local-store",
        "--set",
        &format!("path={}", store_file.display()),
    ]);
    let mut args: Vec<String> = vec![
        "service".into(),
        "add".into(),
        "Both".into(),
        "internet-mail".into(),
    ];
    for (k, v) in stack.settings("alice", "tls", "tls").iter() {
        args.push("--set".into());
        args.push(format!("{k}={v}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    h.ok(&refs);
    let html = h.dir.path().join("body.html");
    std::fs::write(&html, "<p>Agenda in <b>bold</b></p>").unwrap();

    let send = |flags: &str, subject: &str| {
        h.json(&[
            "send",
            "--profile",
            "Both",
            "--flags",
            flags,
            "--ui",
            "none",
            "--to",
            "bob@localhost",
            "--bcc",
            "alice@localhost",
            "--subject",
            subject,
            "--body",
            "See you at ten.",
            "--html",
            html.to_str().unwrap(),
            "--json",
        ])
    };
    let local = send("NEW_SESSION", "Objects in process 5d2e");
    assert_eq!(
        local,
        serde_json::json!({
            "recipients": ["bob@localhost", "alice@localhost"],
            "sent_copy": true,
            "warning": null,
        })
    );
    let m = bobs_message(&stack, "Objects in process 5d2e");
    assert!(m.contains("See you at ten."), "{m}");
    assert!(m.contains("<b>bold</b>"), "the HTML part: {m}");
    assert!(m.contains("alice@localhost"), "the sender: {m}");
    assert!(
        !m.lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "no Bcc header: {m}"
    );
    wait_for("the Bcc copy in alice's INBOX", || {
        stack
            .read_messages("alice", "INBOX")
            .iter()
            .any(|m| String::from_utf8_lossy(m).contains("Objects in process 5d2e"))
    });
    // The message itself went from the local store's Outbox to its Sent Items.
    assert_eq!(
        subjects(&h, "Sent Items"),
        ["Objects in process 5d2e"],
        "local Sent Items"
    );
    assert!(subjects(&h, "Outbox").is_empty(), "the Outbox is empty");

    // Over the shared session: the same output, the same result.
    h.ok(&[
        "logon",
        "--profile",
        "Both",
        "--flags",
        "ALLOW_OTHERS",
        "--ui",
        "none",
        "--keep",
    ]);
    let shared = send("0", "Objects shared 5d2e");
    assert_eq!(shared, local, "the same outcome over both links");
    let m = bobs_message(&stack, "Objects shared 5d2e");
    assert!(m.contains("<b>bold</b>"), "{m}");
    let mut sent = subjects(&h, "Sent Items");
    sent.sort();
    assert_eq!(sent, ["Objects in process 5d2e", "Objects shared 5d2e"]);
    assert!(subjects(&h, "Outbox").is_empty());

    // With attachments: CreateAttach for each, the bytes through a stream; a 3 MiB
    // binary one comes back byte for byte from the Sent Items copy.
    let file = h.dir.path().join("notes.txt");
    std::fs::write(&file, "attached notes\n").unwrap();
    let big = h.dir.path().join("data.bin");
    let bytes: Vec<u8> = (0..3u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&big, &bytes).unwrap();
    let out = h.json(&[
        "send",
        "--profile",
        "Both",
        "--to",
        "bob@localhost",
        "--subject",
        "With attachment 5d2e",
        "--attach",
        file.to_str().unwrap(),
        "--attach",
        big.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out["recipients"], serde_json::json!(["bob@localhost"]));
    assert_eq!(out["sent_copy"], true);
    let m = bobs_message(&stack, "With attachment 5d2e");
    assert!(m.contains("notes.txt") && m.contains("data.bin"), "{m}");
    let rows = h.json(&["store", "ls", "Sent Items", "--profile", "Both", "--json"]);
    let sent = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == "With attachment 5d2e")
        .expect("the message is in the local Sent Items");
    let id = sent["entry_id"].as_str().unwrap();
    let list = h.json(&[
        "store",
        "show",
        id,
        "--attachments",
        "--profile",
        "Both",
        "--json",
    ]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["notes.txt", "data.bin"], "{list}");
    let n = list[1]["num"].to_string();
    let back = h.dir.path().join("back.bin");
    h.ok(&[
        "store",
        "save-attachment",
        id,
        &n,
        back.to_str().unwrap(),
        "--profile",
        "Both",
    ]);
    assert!(
        std::fs::read(&back).unwrap() == bytes,
        "the 3 MiB attachment came back whole"
    );
    h.ok(&["logoff", "--shared"]);
}
