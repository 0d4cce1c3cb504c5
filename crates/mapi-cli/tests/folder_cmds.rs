//! `mapi store mkdir / rmdir / mv / rm / flag` on the local store (each command with its
//! errors: MAPI_E_COLLISION, MAPI_E_NOT_FOUND, MAPI_E_HAS_MESSAGES / HAS_FOLDERS,
//! MAPI_E_NO_ACCESS on the Inbox, MAPI_W_PARTIAL_COMPLETION for an unknown entry id,
//! MAPI_E_INVALID_PARAMETER for one that is not hex), the same answers over the
//! daemon's shared session as in process, and mkdir + mv + flag on the IMAP store
//! against the real Dovecot.

mod common;

use common::{Home, INVALID, NO_ACCESS, NOT_FOUND, SharedHome};
use mapi_test_support::{MailStack, Options};
use serde_json::Value;

const COLLISION: &str = "MAPI_E_COLLISION (0x80040604): ";
const HAS_MESSAGES: &str = "MAPI_E_HAS_MESSAGES (0x8004060A): ";
const HAS_FOLDERS: &str = "MAPI_E_HAS_FOLDERS (0x80040609): ";
const PARTIAL: &str = "warning: MAPI_W_PARTIAL_COMPLETION (0x00040680): ";

const P: [&str; 2] = ["--profile", "Default"];

fn eml(subject: &str) -> String {
    format!(
        "From: Carol <carol@example.org>\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n"
    )
}

fn with(args: &[&str]) -> Vec<String> {
    args.iter().chain(P.iter()).map(|s| s.to_string()).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// An entry id of this store that names no message: `id` with its message number
/// replaced.
fn bogus(id: &str) -> String {
    format!("{}7fffffff", &id[..id.len() - 8])
}

fn ls(h: &Home, folder: &str) -> Vec<Value> {
    h.json(&refs(&with(&["store", "ls", folder])))
        .as_array()
        .unwrap()
        .clone()
}

fn folder_names(h: &Home) -> Vec<String> {
    h.json(&refs(&with(&["store", "folders"])))
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["display_name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn mkdir_makes_a_folder_and_refuses_a_taken_name_or_an_unknown_parent() {
    let (h, _) = Home::with_message(&eml("hello"));
    let v = h.json(&refs(&with(&["store", "mkdir", "Archive"])));
    assert_eq!(v["folder"], "Archive", "{v}");
    let id = v["entry_id"].as_str().unwrap().to_string();
    let folders = h.json(&refs(&with(&["store", "folders"])));
    let row = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["display_name"] == "Archive")
        .unwrap_or_else(|| panic!("no Archive in {folders}"));
    assert_eq!(row["entry_id"], id.as_str());
    let top = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["parent_entry_id"].is_null())
        .unwrap();
    assert_eq!(row["parent_entry_id"], top["entry_id"], "made at the top");

    let sub = h.json(&refs(&with(&[
        "store", "mkdir", "2024", "--parent", "archive",
    ])));
    let folders = h.json(&refs(&with(&["store", "folders"])));
    let row = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["display_name"] == "2024")
        .unwrap();
    assert_eq!(row["parent_entry_id"], id.as_str());
    assert_eq!(row["entry_id"], sub["entry_id"]);

    let before = folder_names(&h);
    h.run(&refs(&with(&["store", "mkdir", "Archive"])))
        .fails_with(COLLISION);
    h.run(&refs(&with(&["store", "mkdir", "X", "--parent", "Nope"])))
        .fails_with(NOT_FOUND);
    h.run(&refs(&with(&["store", "mkdir", ""])))
        .fails_with(INVALID);
    assert_eq!(folder_names(&h), before, "a refused mkdir makes nothing");
    // Plain output names the folder.
    assert!(
        h.ok(&refs(&with(&["store", "mkdir", "Plain"])))
            .starts_with("made folder Plain")
    );
}

#[test]
fn rmdir_refuses_a_folder_with_messages_unless_forced_and_never_the_inbox() {
    let (h, id) = Home::with_message(&eml("keep me"));
    h.ok(&refs(&with(&["store", "mkdir", "Full"])));
    h.ok(&refs(&with(&["store", "mkdir", "Empty"])));
    h.ok(&refs(&with(&["store", "mkdir", "Parent"])));
    h.ok(&refs(&with(&[
        "store", "mkdir", "Child", "--parent", "Parent",
    ])));
    h.ok(&refs(&with(&["store", "mv", &id, "Full"])));

    let out = h.run(&refs(&with(&["store", "rmdir", "Full"])));
    out.fails_with(HAS_MESSAGES);
    assert!(out.stderr.contains("--force"), "{out:?}");
    assert_eq!(ls(&h, "Full").len(), 1, "nothing was deleted");
    h.run(&refs(&with(&["store", "rmdir", "Parent"])))
        .fails_with(HAS_FOLDERS);
    h.run(&refs(&with(&["store", "rmdir", "Inbox"])))
        .fails_with(NO_ACCESS);
    h.run(&refs(&with(&["store", "rmdir", "Inbox", "--force"])))
        .fails_with(NO_ACCESS);
    h.run(&refs(&with(&[
        "store",
        "rmdir",
        "Top of Information Store",
    ])))
    .fails_with(NO_ACCESS);
    h.run(&refs(&with(&["store", "rmdir", "Nope"])))
        .fails_with(NOT_FOUND);

    let v = h.json(&refs(&with(&["store", "rmdir", "Empty"])));
    assert_eq!(
        v,
        serde_json::json!({"folder": "Empty", "deleted": true, "force": false})
    );
    h.json(&refs(&with(&["store", "rmdir", "Full", "--force"])));
    h.json(&refs(&with(&["store", "rmdir", "Parent", "--force"])));
    let names = folder_names(&h);
    for gone in ["Empty", "Full", "Parent", "Child"] {
        assert!(!names.iter().any(|n| n == gone), "{gone} in {names:?}");
    }
    assert!(names.iter().any(|n| n == "Inbox"));
}

#[test]
fn mv_moves_messages_and_reports_unknown_entry_ids() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    let files: Vec<String> = (0..3)
        .map(|i| {
            let f = h.dir.path().join(format!("{i}.eml"));
            std::fs::write(&f, eml(&format!("note {i}"))).unwrap();
            f.to_str().unwrap().to_string()
        })
        .collect();
    let mut args = vec!["store", "import"];
    args.extend(files.iter().map(String::as_str));
    h.ok(&refs(&with(&args)));
    h.ok(&refs(&with(&["store", "mkdir", "Archive"])));
    let ids: Vec<String> = ls(&h, "Inbox")
        .iter()
        .map(|r| r["entry_id"].as_str().unwrap().to_string())
        .collect();

    let v = h.json(&refs(&with(&["store", "mv", &ids[0], &ids[1], "Archive"])));
    assert_eq!(v["status"], "S_OK", "{v}");
    assert_eq!(v["moved"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["moved"][0]["entry_id"], ids[0].as_str());
    let moved: Vec<Value> = v["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["new_entry_id"].clone())
        .collect();
    let archive: Vec<Value> = ls(&h, "Archive")
        .iter()
        .map(|r| r["entry_id"].clone())
        .collect();
    for m in &moved {
        assert!(archive.contains(m), "{m} not in {archive:?}");
    }
    assert_eq!(ls(&h, "Inbox").len(), 1);

    // An unknown entry id: reported, the others moved.
    let missing = bogus(&ids[2]);
    let out = h.run(&refs(&with(&["store", "mv", &missing, &ids[2], "Archive"])));
    assert!(
        out.ok().starts_with("moved 1 message(s) to Archive"),
        "{out:?}"
    );
    assert!(out.stderr.starts_with(PARTIAL), "{out:?}");
    assert!(out.stderr.contains(&missing), "{out:?}");
    assert!(ls(&h, "Inbox").is_empty());
    assert_eq!(ls(&h, "Archive").len(), 3);

    // Nothing found, not hex, an unknown folder: refused, nothing moves.
    h.run(&refs(&with(&["store", "mv", &missing, "Inbox"])))
        .fails_with(NOT_FOUND);
    let a = moved[0].as_str().unwrap();
    h.run(&refs(&with(&["store", "mv", a, "zz-not-hex", "Inbox"])))
        .fails_with(INVALID);
    h.run(&refs(&with(&["store", "mv", a, "Nope"])))
        .fails_with(NOT_FOUND);
    assert_eq!(ls(&h, "Archive").len(), 3);
    assert!(ls(&h, "Inbox").is_empty());
}

#[test]
fn rm_deletes_messages_and_reports_unknown_entry_ids() {
    let (h, id) = Home::with_message(&eml("delete me"));
    let missing = bogus(&id);
    h.run(&refs(&with(&["store", "rm", &missing])))
        .fails_with(NOT_FOUND);
    assert_eq!(ls(&h, "Inbox").len(), 1);
    let v = h.json(&refs(&with(&["store", "rm", &id, &missing])));
    assert_eq!(v["deleted"], 1, "{v}");
    assert_eq!(v["status"], "MAPI_W_PARTIAL_COMPLETION", "{v}");
    assert_eq!(v["not_found"], serde_json::json!([missing]), "{v}");
    assert!(ls(&h, "Inbox").is_empty());
    h.run(&refs(&with(&["store", "rm", &id])))
        .fails_with(NOT_FOUND);
}

#[test]
fn flag_marks_read_and_unread() {
    let (h, id) = Home::with_message(&eml("flag me"));
    assert_eq!(ls(&h, "Inbox")[0]["unread"], true);
    let v = h.json(&refs(&with(&["store", "flag", &id, "--read"])));
    assert_eq!(
        v,
        serde_json::json!({"flagged": 1, "read": true, "status": "S_OK", "not_found": []})
    );
    assert_eq!(ls(&h, "Inbox")[0]["unread"], false);
    let listed = h.json(&refs(&with(&["store", "ls", "--where", "unread"])));
    assert!(listed.as_array().unwrap().is_empty());
    let out = h.run(&refs(&with(&[
        "store",
        "flag",
        &id,
        &bogus(&id),
        "--unread",
    ])));
    assert!(
        out.ok().starts_with("marked 1 message(s) unread"),
        "{out:?}"
    );
    assert!(out.stderr.starts_with(PARTIAL), "{out:?}");
    assert_eq!(ls(&h, "Inbox")[0]["unread"], true);
    // Exactly one of --read / --unread.
    h.run(&refs(&with(&["store", "flag", &id])))
        .fails_with(INVALID);
    h.run(&refs(&with(&["store", "flag", &id, "--read", "--unread"])))
        .fails_with(INVALID);
    assert_eq!(ls(&h, "Inbox")[0]["unread"], true);
}

/// The same commands, with what they answer stripped of entry ids (which differ).
fn shared_script(h: &SharedHome, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let p = |args: &[&str]| -> Vec<String> {
        args.iter().chain(P.iter()).map(|s| s.to_string()).collect()
    };
    let run = |args: &[&str]| h.out(&refs(&p(args)));
    let first = |o: &common::Out| {
        let line = o.stderr.lines().next().unwrap_or("").to_string();
        format!("{:?} {}", o.code, line.split(':').next().unwrap_or(""))
    };
    let folder = format!("Folder {tag}");
    let mails = h.dir.path().join(format!("mails-{tag}"));
    std::fs::create_dir_all(&mails).unwrap();
    for i in 0..3 {
        std::fs::write(mails.join(format!("{i}.eml")), eml(&format!("{tag} {i}"))).unwrap();
    }
    h.ok(&refs(&p(&["store", "import", mails.to_str().unwrap()])));
    let ids: Vec<String> = h
        .json(&refs(&p(&[
            "store",
            "ls",
            "--where",
            &format!("subject~{tag}"),
            "--json",
        ])))
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["entry_id"].as_str().unwrap().to_string())
        .collect();
    out.push(format!("listed {}", ids.len()));
    let v = h.json(&refs(&p(&["store", "mkdir", &folder, "--json"])));
    out.push(format!(
        "mkdir {}",
        v["folder"].as_str().unwrap().replace(tag, "TAG")
    ));
    out.push(format!(
        "mkdir again {}",
        first(&run(&["store", "mkdir", &folder]))
    ));
    let v = h.json(&refs(&p(&[
        "store",
        "flag",
        &ids[0],
        &bogus(&ids[0]),
        "--read",
        "--json",
    ])));
    out.push(format!(
        "flag {} {} {}",
        v["status"],
        v["flagged"],
        v["not_found"].as_array().unwrap().len()
    ));
    let v = h.json(&refs(&p(&[
        "store", "mv", &ids[0], &ids[1], &folder, "--json",
    ])));
    out.push(format!(
        "mv {} {}",
        v["status"],
        v["moved"].as_array().unwrap().len()
    ));
    let rows = h.json(&refs(&p(&["store", "ls", &folder, "--json"])));
    let listed = rows.as_array().unwrap();
    let unread = listed.iter().filter(|r| r["unread"] == true).count();
    out.push(format!("in the folder {} unread {unread}", listed.len()));
    out.push(format!(
        "rmdir {}",
        first(&run(&["store", "rmdir", &folder]))
    ));
    let moved = rows[0]["entry_id"].as_str().unwrap().to_string();
    let v = h.json(&refs(&p(&[
        "store",
        "rm",
        &moved,
        &bogus(&moved),
        "--json",
    ])));
    out.push(format!("rm {} {}", v["status"], v["deleted"]));
    out.push(format!(
        "rm again {}",
        first(&run(&["store", "rm", &moved]))
    ));
    out.push(format!(
        "rmdir inbox {}",
        first(&run(&["store", "rmdir", "Inbox"]))
    ));
    let v = h.json(&refs(&p(&["store", "rmdir", &folder, "--force", "--json"])));
    out.push(format!("rmdir forced {}", v["deleted"]));
    let names = h.json(&refs(&p(&["store", "folders", "--json"])));
    out.push(format!("gone {}", !names.to_string().contains(&folder)));
    out
}

#[test]
fn the_commands_answer_the_same_over_the_shared_session() {
    let h = SharedHome::new();
    h.ok(&["quickstart"]);
    let in_process = shared_script(&h, "local");
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
    let shared = shared_script(&h, "shared");
    let expect = [
        "listed 3",
        "mkdir Folder TAG",
        "mkdir again Some(1) MAPI_E_COLLISION (0x80040604)",
        "flag \"MAPI_W_PARTIAL_COMPLETION\" 1 1",
        "mv \"S_OK\" 2",
        "in the folder 2 unread 1",
        "rmdir Some(1) MAPI_E_HAS_MESSAGES (0x8004060A)",
        "rm \"MAPI_W_PARTIAL_COMPLETION\" 1",
        "rm again Some(1) MAPI_E_NOT_FOUND (0x8004010F)",
        "rmdir inbox Some(1) MAPI_E_NO_ACCESS (0x80070005)",
        "rmdir forced true",
        "gone true",
    ];
    for e in expect {
        assert!(
            in_process.iter().any(|l| l == e),
            "{e:?} not in {in_process:#?}"
        );
    }
    assert_eq!(shared, in_process);
}

/// `mapi --home HOME args...` for the IMAP test (no daemon involved).
fn imap_home(stack: &MailStack) -> Home {
    let h = Home::new();
    h.ok(&["profile", "create", "Alice"]);
    let mut args: Vec<String> = ["service", "add", "Alice", "internet-mail"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for (k, v) in stack.settings("alice", "tls", "starttls").iter() {
        args.push("--set".into());
        args.push(format!("{k}={v}"));
    }
    h.ok(&refs(&args));
    h
}

/// The Maildir flags of the INBOX message whose file holds `subject`.
fn maildir_flags(stack: &MailStack, folder: &str, subject: &str) -> Option<String> {
    let d = stack.maildir("alice", folder);
    for sub in ["cur", "new"] {
        for e in std::fs::read_dir(d.join(sub))
            .into_iter()
            .flatten()
            .flatten()
        {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            if text.contains(&format!("Subject: {subject}\r\n")) {
                let name = e.file_name().to_string_lossy().into_owned();
                return Some(
                    name.rsplit_once(":2,")
                        .map(|(_, f)| f.to_string())
                        .unwrap_or_default(),
                );
            }
        }
    }
    None
}

#[test]
fn mkdir_mv_and_flag_reach_the_imap_server() {
    let stack = MailStack::start(Options {
        postfix: true,
        max_userip_connections: 10,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    stack.generate_messages("alice", "imap", 0, 2, 500).unwrap();
    let h = imap_home(&stack);
    let a = ["--profile", "Alice", "--ui", "none"];
    let run = |args: &[&str]| -> common::Out {
        let mut all = args.to_vec();
        all.extend_from_slice(&a);
        h.run(&all)
    };
    let json = |args: &[&str]| -> Value {
        let mut all = args.to_vec();
        all.extend_from_slice(&a);
        all.push("--json");
        h.run(&all).json()
    };
    // The first logon downloads the mailbox into the cache the listings read.
    h.ok(&[
        "logon",
        "--profile",
        "Alice",
        "--ui",
        "none",
        "--flags",
        "FORCE_DOWNLOAD",
    ]);
    let inbox = json(&["store", "ls"]);
    assert_eq!(inbox.as_array().unwrap().len(), 2, "{inbox}");

    // mkdir: a real IMAP folder (a Maildir++ directory on Dovecot's side).
    let v = json(&["store", "mkdir", "Projects"]);
    assert_eq!(v["folder"], "Projects", "{v}");
    assert!(
        stack.maildir("alice", "Projects").is_dir(),
        "no folder on the server"
    );
    run(&["store", "mkdir", "Projects"]).fails_with(COLLISION);

    // flag: the \Seen flag on the server.
    let row = |subject: &str| -> Value {
        inbox
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["subject"] == subject)
            .cloned()
            .unwrap()
    };
    let first = row("imap 0")["entry_id"].as_str().unwrap().to_string();
    let second = row("imap 1")["entry_id"].as_str().unwrap().to_string();
    let v = json(&["store", "flag", &first, "--read"]);
    assert_eq!(v["status"], "S_OK", "{v}");
    let flags = maildir_flags(&stack, "INBOX", "imap 0").expect("message on the server");
    assert!(flags.contains('S'), "not \\Seen on the server: {flags:?}");
    let ls = json(&["store", "ls"]);
    let listed = ls
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == "imap 0")
        .unwrap();
    assert_eq!(listed["unread"], false, "{ls}");

    // mv: the message leaves the server's INBOX for Projects.
    let v = json(&["store", "mv", &second, "Projects"]);
    assert_eq!(v["status"], "S_OK", "{v}");
    assert_eq!(v["moved"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(stack.count_messages("alice", "Projects"), 1);
    assert!(
        maildir_flags(&stack, "INBOX", "imap 1").is_none(),
        "still in INBOX"
    );
    let moved = json(&["store", "ls", "Projects"]);
    assert_eq!(moved[0]["subject"], "imap 1", "{moved}");
    assert_eq!(json(&["store", "ls"]).as_array().unwrap().len(), 1);
}
