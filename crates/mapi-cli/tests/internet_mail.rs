//! `internet-mail` through the CLI against real Dovecot and Postfix on loopback: logon
//! validates against the servers, send goes end to end, an unreachable server with a
//! cache comes up offline, and secrets stay out of logs, output and files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use mapi_test_support::{MailStack, Options, USERS};
use serde_json::Value;

const MAPI: &str = env!("CARGO_BIN_EXE_mapi");

fn stack(postfix: bool) -> MailStack {
    MailStack::start(Options {
        postfix,
        max_userip_connections: 10,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"))
}

fn run(home: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut c = Command::new(MAPI);
    c.arg("--home")
        .arg(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(home: &Path, args: &[&str]) -> String {
    let out = run(home, args, "", &[]);
    assert!(
        out.status.success(),
        "mapi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn password_of(user: &str) -> &'static str {
    USERS.iter().find(|(u, _)| *u == user).unwrap().1
}

/// A profile for `user` with an internet-mail service (IMAP over TLS, SMTP over
/// STARTTLS); `password` replaces the user's real password.
fn mail_profile(home: &Path, stack: &MailStack, profile: &str, user: &str, password: Option<&str>) {
    ok(home, &["profile", "create", profile]);
    let s = stack.settings(user, "tls", "starttls");
    let mut args: Vec<String> = vec![
        "service".into(),
        "add".into(),
        profile.into(),
        "internet-mail".into(),
    ];
    for (k, v) in s.iter() {
        let v = if k == "password" {
            password.unwrap_or(password_of(user)).to_string()
        } else {
            v.to_string()
        };
        args.push("--set".into());
        args.push(format!("{k}={v}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(home, &refs);
}

fn logon_json(home: &Path, profile: &str, flags: &str) -> Value {
    let out = ok(
        home,
        &[
            "logon",
            "--profile",
            profile,
            "--flags",
            flags,
            "--ui",
            "none",
            "--json",
        ],
    );
    serde_json::from_str(&out).unwrap()
}

fn provider_rows(v: &Value) -> Vec<&Value> {
    v["status"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("provider_uid").is_some())
        .collect()
}

#[test]
fn logon_validates_against_the_servers() {
    // The transport logs on to Postfix: without it the whole service would be disabled.
    let stack = stack(true);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    mail_profile(home, &stack, "Alice", "alice", None);
    let v = logon_json(home, "Alice", "");
    assert_eq!(v["disabled"], Value::Array(vec![]), "{v}");
    for row in provider_rows(&v) {
        assert_eq!(
            row["status_code"].as_u64().unwrap() & 1,
            1,
            "available: {row}"
        );
    }

    // A wrong password: retried once, then the service is disabled with LOGON_FAILED.
    mail_profile(home, &stack, "Wrong", "alice", Some("not-the-password"));
    let v = logon_json(home, "Wrong", "");
    assert_eq!(v["disabled"][0]["status"], "MAPI_E_LOGON_FAILED", "{v}");
    assert!(!v.to_string().contains("not-the-password"));
    for row in provider_rows(&v) {
        assert_eq!(
            row["status_code"].as_u64().unwrap() & 4,
            4,
            "STATUS_FAILURE: {row}"
        );
    }

    // sending through the disabled transport names its failure, not the sender
    let out = run(
        home,
        &[
            "send",
            "--profile",
            "Wrong",
            "--ui",
            "none",
            "--to",
            "bob@localhost",
            "--subject",
            "s",
            "--body",
            "b",
        ],
        "",
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let first = err.lines().next().unwrap_or("");
    assert!(
        first.contains("MAPI_E_LOGON_FAILED")
            && first.contains("transport")
            && !err.contains("not an e-mail address"),
        "{err}"
    );
}

#[test]
fn unreachable_server_is_network_error_or_offline_with_a_cache() {
    let mut stack = stack(true);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    mail_profile(home, &stack, "Alice", "alice", None);
    mail_profile(home, &stack, "Fresh", "alice", None);
    stack
        .generate_messages("alice", "cached", 0, 3, 2000)
        .unwrap();
    // The first logon downloads the mailbox into the cache.
    let v = logon_json(home, "Alice", "FORCE_DOWNLOAD");
    assert_eq!(v["disabled"], Value::Array(vec![]), "{v}");
    stack.stop_dovecot();

    // No cache: the service is disabled with NETWORK_ERROR.
    let v = logon_json(home, "Fresh", "TIMEOUT_SHORT");
    assert_eq!(v["disabled"][0]["status"], "MAPI_E_NETWORK_ERROR", "{v}");

    // With a cache: the store comes up offline and its mail is readable.
    let v = logon_json(home, "Alice", "TIMEOUT_SHORT");
    let store = provider_rows(&v)
        .into_iter()
        .find(|r| r["resource_type"] == 33)
        .cloned()
        .unwrap();
    assert_eq!(
        store["status_code"].as_u64().unwrap() & 2,
        2,
        "STATUS_OFFLINE: {v}"
    );
    let ls = ok(
        home,
        &[
            "store",
            "ls",
            "--profile",
            "Alice",
            "--ui",
            "none",
            "--json",
        ],
    );
    let msgs: Value = serde_json::from_str(&ls).unwrap();
    assert_eq!(msgs.as_array().unwrap().len(), 3, "{ls}");
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn send_goes_through_postfix_to_bobs_inbox_and_into_sent() {
    let stack = stack(true);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    mail_profile(home, &stack, "Alice", "alice", None);
    mail_profile(home, &stack, "Bob", "bob", None);
    let subject = "Meeting notes 7c1f";
    let out = ok(
        home,
        &[
            "send",
            "--profile",
            "Alice",
            "--ui",
            "none",
            "--to",
            "bob@localhost",
            "--subject",
            subject,
            "--body",
            "See you at ten.",
        ],
    );
    assert!(out.contains("sent to bob@localhost"), "{out}");
    wait_for("the message in bob's INBOX", || {
        stack
            .read_messages("bob", "INBOX")
            .iter()
            .any(|m| String::from_utf8_lossy(m).contains(subject))
    });
    let ls = ok(
        home,
        &[
            "store",
            "ls",
            "--profile",
            "Bob",
            "--flags",
            "FORCE_DOWNLOAD",
            "--ui",
            "none",
            "--json",
        ],
    );
    assert!(ls.contains(subject), "bob's INBOX over IMAP: {ls}");
    let sent = ok(
        home,
        &[
            "store",
            "ls",
            "Sent",
            "--profile",
            "Alice",
            "--flags",
            "FORCE_DOWNLOAD",
            "--ui",
            "none",
            "--json",
        ],
    );
    assert!(sent.contains(subject), "alice's Sent: {sent}");

    // A NO_MAIL session cannot submit.
    let out = run(
        home,
        &[
            "send",
            "--profile",
            "Alice",
            "--flags",
            "NO_MAIL",
            "--ui",
            "none",
            "--to",
            "bob@localhost",
            "--subject",
            "x",
        ],
        "",
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("MAPI_E_NO_SUPPORT (0x80040102)"));
}

fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_password_appears_in_no_log_output_or_file() {
    let stack = stack(true);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let secret = password_of("alice");
    // A profile with a password: service passwords are stored encrypted with its key.
    let out = run(
        home,
        &["profile", "create", "Alice", "--password-stdin"],
        "profile-pass\n",
        &[],
    );
    assert!(out.status.success());
    let s = stack.settings("alice", "tls", "starttls");
    let mut args: Vec<String> = vec![
        "service".into(),
        "add".into(),
        "Alice".into(),
        "internet-mail".into(),
        "--password-stdin".into(),
    ];
    for (k, v) in s.iter() {
        args.push("--set".into());
        args.push(format!("{k}={v}"));
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(home, &refs, "profile-pass\n", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut transcript = out.stdout.clone();
    transcript.extend(out.stderr);
    let trace = [("MAPI_LOG", "trace")];
    for cmd in [
        vec![
            "logon",
            "--profile",
            "Alice",
            "--password-stdin",
            "--flags",
            "FORCE_DOWNLOAD",
            "--ui",
            "none",
            "--json",
        ],
        vec!["service", "list", "Alice", "--json"],
        vec![
            "send",
            "--profile",
            "Alice",
            "--password-stdin",
            "--ui",
            "none",
            "--to",
            "bob@localhost",
            "--subject",
            "hi",
        ],
    ] {
        let out = run(home, &cmd, "profile-pass\n", &trace);
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        transcript.extend(out.stdout);
        transcript.extend(out.stderr);
    }
    assert!(contains(&transcript, b"[TRACE"), "trace logging was on");
    let b64 = |t: &str| {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b = t.as_bytes();
        let mut s = String::new();
        for c in b.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..=c.len() {
                s.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            }
        }
        s
    };
    let forms = [
        secret.to_string(),
        b64(secret),
        b64(&format!("\0alice\0{secret}")),
    ];
    for f in &forms {
        assert!(
            !contains(&transcript, f.as_bytes()),
            "{f:?} in the output or logs"
        );
    }
    let mut files = Vec::new();
    all_files(home, &mut files);
    assert!(!files.is_empty());
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "the password in clear in {}",
            f.display()
        );
    }
}

#[test]
fn send_with_attachments_and_html_arrives_whole() {
    let stack = stack(true);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    mail_profile(home, &stack, "Alice", "alice", None);
    mail_profile(home, &stack, "Bob", "bob", None);
    let pdf: Vec<u8> = (0..50_000u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(home.join("report.pdf"), &pdf).unwrap();
    std::fs::write(home.join("notes.txt"), "first\nsecond\n").unwrap();
    std::fs::write(home.join("body.html"), "<p>The <b>report</b>.</p>").unwrap();
    let subject = "Report with files 5d2e";
    let path = |f: &str| home.join(f).to_str().unwrap().to_string();
    let (pdf_path, notes_path, html_path) =
        (path("report.pdf"), path("notes.txt"), path("body.html"));
    ok(
        home,
        &[
            "send",
            "--profile",
            "Alice",
            "--ui",
            "none",
            "--to",
            "bob@localhost",
            "--cc",
            "carol@localhost",
            "--subject",
            subject,
            "--body",
            "The report.",
            "--html",
            &html_path,
            "--attach",
            &pdf_path,
            "--attach",
            &notes_path,
        ],
    );
    wait_for("the message in bob's INBOX", || {
        stack
            .read_messages("bob", "INBOX")
            .iter()
            .any(|m| String::from_utf8_lossy(m).contains(subject))
    });
    let bob = [
        "--profile",
        "Bob",
        "--flags",
        "FORCE_DOWNLOAD",
        "--ui",
        "none",
        "--json",
    ];
    let ls: Value =
        serde_json::from_str(&ok(home, &[&["store", "ls"][..], &bob].concat())).unwrap();
    let id = ls
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == subject)
        .and_then(|r| r["entry_id"].as_str())
        .expect("the message in bob's INBOX over IMAP")
        .to_string();
    let list: Value = serde_json::from_str(&ok(
        home,
        &[&["store", "show", &id, "--attachments"][..], &bob].concat(),
    ))
    .unwrap();
    let names: Vec<(&str, &str, u64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["file_name"].as_str().unwrap(),
                a["mime_tag"].as_str().unwrap(),
                a["size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("report.pdf", "application/pdf", 50_000),
            ("notes.txt", "text/plain", 13)
        ]
    );
    let saved = path("saved.pdf");
    ok(
        home,
        &[&["store", "save-attachment", &id, "0", &saved][..], &bob].concat(),
    );
    assert_eq!(std::fs::read(&saved).unwrap(), pdf);
    let shown: Value =
        serde_json::from_str(&ok(home, &[&["store", "show", &id][..], &bob].concat())).unwrap();
    assert_eq!(
        shown["body"].as_str().map(str::trim_end),
        Some("The report.")
    );
}
