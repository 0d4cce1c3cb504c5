//! Every session call the two links share gives the same result in process and through
//! a real `mapid`: the disabled services, `QueryIdentity`, the default store, submit
//! (the Sent copy is there, no warning, and the envelope sender given with the message
//! is the Return-Path the server delivered with) and import (the count, and the imported
//! subjects readable), against real Dovecot and Postfix. Over the daemon, a batch over
//! one request's bound goes in parts and is imported whole; one message over the bound
//! is refused with MAPI_E_TOO_BIG, a batch over the daemon's staging bound with
//! MAPI_E_NOT_ENOUGH_MEMORY, and nothing is imported.
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR (the daemon's socket
//! directory), so it never meets another test's daemon.

mod common;

use common::StopDaemon;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mapi::blocking::Mapi;
use mapi::link::{AnySession, AnyStore, MAX_IMPORT_BATCH_LEN, MAX_IMPORT_CHUNK_LEN};
use mapi::{LogoffFlags, LogonFlags, LogonRequest, MapiStatus, OutgoingMessage, Status, tags::*};
use mapi_test_support::{MailStack, Options};

const CHILD_ENV: &str = "MAPI_BOTH_LINKS_CHILD";
const TEST: &str = "session_calls_agree_in_process_and_through_the_daemon";

#[test]
fn session_calls_agree_in_process_and_through_the_daemon() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

fn message(tag: &str, i: usize, body_len: usize) -> Vec<u8> {
    format!(
        "From: carol@example.org\r\nTo: alice@example.org\r\nSubject: {tag} {i}\r\n\
         Message-ID: <{tag}-{i}@example.org>\r\n\
         Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\n{}\r\n",
        "b".repeat(body_len)
    )
    .into_bytes()
}

fn folder(store: &AnyStore, name: &str) -> Vec<u8> {
    store
        .folders()
        .unwrap()
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some(name))
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap_or_else(|| panic!("no folder {name}"))
}

fn count(store: &AnyStore, folder: &[u8]) -> usize {
    store.contents(folder).unwrap().row_count()
}

/// The Return-Path of the message with `subject` delivered to `user`'s INBOX, once it
/// is there (polled, bounded by a deadline).
fn delivered_return_path(stack: &MailStack, user: &str, subject: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let header = format!("Subject: {subject}");
    loop {
        for m in stack.read_messages(user, "INBOX") {
            let text = String::from_utf8_lossy(&m).into_owned();
            let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
            if lines.clone().any(|l| l == header) {
                return lines
                    .find(|l| l.starts_with("Return-Path:"))
                    .unwrap_or_else(|| panic!("no Return-Path in {text}"))
                    .to_string();
            }
        }
        assert!(
            Instant::now() < deadline,
            "{subject:?} was not delivered to {user}: {}",
            std::fs::read_to_string(stack.dir().join("postfix/maillog")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What one link answers to the same script of calls.
fn script(stack: &MailStack, session: &AnySession, tag: &str, sent_to: &str) -> Vec<String> {
    let mut out = Vec::new();
    let disabled: Vec<String> = session
        .disabled_services()
        .iter()
        .map(|d| {
            format!(
                "{:?} {} {} {}",
                d.service_uid, d.service_name, d.display_name, d.status
            )
        })
        .collect();
    out.push(format!("disabled {disabled:?}"));
    out.push(format!("identity {:?}", session.query_identity().unwrap()));
    let store = session.default_store().unwrap();
    out.push(format!(
        "default store {:?}",
        store_name(&session.store_table().unwrap())
    ));

    // Submit: sent with its own envelope sender, copied to Sent Items, no warning.
    let raw = format!(
        "From: alice@example.org\r\nTo: {sent_to}\r\nSubject: {tag} sent\r\n\
         Message-ID: <{tag}-sent@example.org>\r\n\r\nhello\r\n"
    );
    let outcome = session
        .submit(&OutgoingMessage {
            from: Some("bounces@example.org".into()),
            recipients: vec![sent_to.to_string()],
            raw: raw.into_bytes(),
        })
        .unwrap();
    out.push(format!("warning {:?}", outcome.warning));
    let user = sent_to.split('@').next().unwrap();
    out.push(delivered_return_path(stack, user, &format!("{tag} sent")));
    let copy = outcome.sent_copy.expect("submit returns the Sent copy");
    let row = store.read_message(&copy).unwrap();
    out.push(format!(
        "sent copy {:?}",
        row.str(PR_SUBJECT).map(|s| s.replace(tag, "TAG"))
    ));

    // Import: every message in, readable by its entry id.
    let inbox = folder(&store, "Inbox");
    let before = count(&store, &inbox);
    let ids = store
        .import_raw(&inbox, (0..3).map(|i| message(tag, i, 100)).collect())
        .unwrap();
    out.push(format!("imported {}", ids.len()));
    out.push(format!("inbox grew {}", count(&store, &inbox) - before));
    for id in &ids {
        let row = store.read_message(id).unwrap();
        out.push(format!(
            "subject {:?}",
            row.str(PR_SUBJECT).map(|s| s.replace(tag, "TAG"))
        ));
    }
    out
}

fn store_name(table: &mapi::Table) -> Option<String> {
    table
        .full_rows()
        .iter()
        .find(|r| r.get(PR_DEFAULT_STORE).and_then(|v| v.as_bool()) == Some(true))
        .and_then(|r| r.str(PR_DISPLAY_NAME).map(str::to_string))
}

fn body() {
    let stack = MailStack::start(Options {
        postfix: true,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    let home = PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = StopDaemon(&mapi);
    let engine = mapi.engine();
    engine
        .with_store(|s| Ok(s.create_profile("Alice", None).map(|_| ())?))
        .unwrap();
    let settings: Vec<(String, String)> = stack
        .settings("alice", "tls", "tls")
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    engine
        .create_service("Alice", "internet-mail", Some("Mail"), &settings)
        .unwrap();
    // A second service whose store's folder is gone: disabled at every logon.
    let gone = home.join("gone");
    std::fs::create_dir_all(&gone).unwrap();
    engine
        .create_service(
            "Alice",
            "local-store",
            Some("Archive"),
            &[(
                "path".into(),
                gone.join("archive.store").display().to_string(),
            )],
        )
        .unwrap();
    std::fs::remove_dir_all(&gone).unwrap();

    let local = mapi
        .logon_any(LogonRequest::new(
            Some("Alice"),
            LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    assert!(!local.is_remote());
    let remote = mapi
        .logon_any(LogonRequest::new(
            Some("Alice"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_ALLOW_OTHERS,
        ))
        .unwrap();
    assert!(
        remote.is_remote(),
        "ALLOW_OTHERS runs the session in the daemon"
    );

    let in_process = script(&stack, &local, "local", "bob@localhost");
    let through_daemon = script(&stack, &remote, "remote", "bob@localhost");
    assert!(
        in_process.contains(&"Return-Path: <bounces@example.org>".to_string()),
        "{in_process:?}"
    );
    assert!(
        in_process[0].contains("Archive") && in_process[0].contains("local-store"),
        "{in_process:?}"
    );
    assert!(
        in_process[1].contains("alice@") && in_process[1].contains("S_OK"),
        "{in_process:?}"
    );
    assert_eq!(through_daemon, in_process);

    // A Sent Items the server cannot write to (its Maildir read-only for the Dovecot
    // user): the mail goes, the Sent copy fails, and both links warn alike.
    let sent_dir = stack.maildir("alice", "Sent");
    let set_mode = |mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        for sub in ["tmp", "new", "cur"] {
            std::fs::set_permissions(sent_dir.join(sub), std::fs::Permissions::from_mode(mode))
                .unwrap();
        }
    };
    set_mode(0o555);
    let warning = |session: &AnySession, tag: &str| {
        session
            .submit(&OutgoingMessage {
                from: None,
                recipients: vec!["bob@localhost".into()],
                raw: message(tag, 0, 10),
            })
            .unwrap()
            .warning
    };
    let local_warning = warning(&local, "no-sent-local");
    let remote_warning = warning(&remote, "no-sent-remote");
    set_mode(0o700);
    assert!(
        local_warning
            .as_deref()
            .is_some_and(|w| w.starts_with("sent, but not copied to Sent Items")),
        "{local_warning:?}"
    );
    assert_eq!(remote_warning, local_warning);

    let rstore = remote.default_store().unwrap();
    let rinbox = folder(&rstore, "Inbox");

    // Over the daemon, a batch over one request's bound goes in parts, imported whole.
    let part = MAX_IMPORT_CHUNK_LEN / 2;
    let before = count(&rstore, &rinbox);
    let ids = rstore
        .import_raw(&rinbox, (0..3).map(|i| message("big", i, part)).collect())
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert_eq!(count(&rstore, &rinbox), before + 3);
    let row = rstore.read_message(&ids[2]).unwrap();
    assert_eq!(row.str(PR_SUBJECT), Some("big 2"));

    // One message over the bound: MAPI_E_TOO_BIG naming it, nothing imported.
    let before = count(&rstore, &rinbox);
    let err = rstore
        .import_raw(
            &rinbox,
            vec![
                message("small", 0, 10),
                message("huge", 1, MAX_IMPORT_CHUNK_LEN),
            ],
        )
        .unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_TOO_BIG, "{err}");
    assert!(err.to_string().contains("MAX_IMPORT_CHUNK_LEN"), "{err}");
    assert_eq!(count(&rstore, &rinbox), before);

    // A batch over what the daemon stages: MAPI_E_NOT_ENOUGH_MEMORY, nothing sent.
    // (Zeroed buffers the test never touches: they cost no memory.)
    let n = MAX_IMPORT_BATCH_LEN / (MAX_IMPORT_CHUNK_LEN / 2) + 1;
    let err = rstore
        .import_raw(
            &rinbox,
            (0..n)
                .map(|_| vec![0u8; MAX_IMPORT_CHUNK_LEN / 2])
                .collect(),
        )
        .unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_NOT_ENOUGH_MEMORY, "{err}");
    assert!(err.to_string().contains("MAX_IMPORT_BATCH_LEN"), "{err}");
    assert_eq!(count(&rstore, &rinbox), before);

    remote.logoff(LogoffFlags::MAPI_LOGOFF_SHARED);
    local.logoff(LogoffFlags::default());
}
