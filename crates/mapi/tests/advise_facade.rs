//! Advise / Unadvise through the facade on the Default profile's local store: the
//! session (with the Inbox's entry id), the store and a contents table each get their
//! events for a message imported by another process (`fnevNewMail`,
//! `fnevObjectCreated`, `TABLE_ROW_ADDED`); Unadvise stops delivery; the engine's return
//! codes (an unknown connection -> `MAPI_E_NOT_FOUND`, a mask with no supported event
//! -> `MAPI_E_NO_SUPPORT`). Over the daemon link Advise answers `MAPI_E_NO_SUPPORT`
//! (not carried yet) and Unadvise `MAPI_E_NOT_FOUND`.
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR and MAPI_HOME; the
//! importing process is this binary again, run with `IMPORT_ENV`.

mod common;

use std::process::Command;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::StopDaemon;

use mapi::advise::AdviseSink;
use mapi::blocking::Mapi;
use mapi::link::AnyStore;
use mapi::notify::{fnev, table_event};
use mapi::{LogonFlags, LogonRequest, MapiStatus, Notification, Status, tags::*};

const CHILD_ENV: &str = "MAPI_ADVISE_FACADE_CHILD";
const IMPORT_ENV: &str = "MAPI_ADVISE_FACADE_IMPORT";
const TEST: &str = "advise_through_the_facade";
const DEADLINE: Duration = Duration::from_secs(20);

#[test]
fn advise_through_the_facade() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

/// The importing process: this binary, run with `IMPORT_ENV` naming the subject.
#[test]
fn import_helper() {
    let Ok(subject) = std::env::var(IMPORT_ENV) else {
        return;
    };
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let s = mapi
        .logon_any(LogonRequest::new(
            Some("Default"),
            LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    let store = s.default_store().unwrap();
    let ids = store
        .import_raw(&inbox(&store), vec![message(&subject)])
        .unwrap();
    assert_eq!(ids.len(), 1);
    println!("IMPORTED");
}

struct Chan(Mutex<Sender<Notification>>);

impl AdviseSink for Chan {
    fn on_notify(&self, ns: &[Notification]) {
        let tx = self.0.lock().unwrap();
        for n in ns {
            let _ = tx.send(n.clone());
        }
    }
}

fn sink() -> (Arc<Chan>, Receiver<Notification>) {
    let (tx, rx) = mpsc::channel();
    (Arc::new(Chan(Mutex::new(tx))), rx)
}

/// Notifications until one satisfies `want` (failing at the deadline).
fn until(rx: &Receiver<Notification>, want: impl Fn(&Notification) -> bool) -> Vec<Notification> {
    let end = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(n) => {
                let done = want(&n);
                seen.push(n);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no matching notification within {DEADLINE:?}; saw {seen:?}"),
        }
    }
}

fn inbox(store: &AnyStore) -> Vec<u8> {
    store
        .folders()
        .unwrap()
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some("Inbox"))
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap()
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n\
         Date: Tue, 06 Feb 2024 10:00:00 +0000\r\nMessage-ID: <{}@example.org>\r\n\r\nHi.\r\n",
        subject.replace(' ', ".")
    )
    .into_bytes()
}

/// Imports one message into the Default profile's Inbox from another process.
fn import_elsewhere(subject: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "import_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(IMPORT_ENV, subject)
        .env_remove(CHILD_ENV)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("IMPORTED"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_row_added(subject: &'static str) -> impl Fn(&Notification) -> bool {
    move |n| match n {
        Notification::TableModified(t) => {
            t.event == table_event::TABLE_ROW_ADDED && t.row.str(PR_SUBJECT) == Some(subject)
        }
        _ => false,
    }
}

fn status(r: mapi::Result<impl std::fmt::Debug>) -> Status {
    r.expect_err("an error").status()
}

fn body() {
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = StopDaemon(&mapi);
    mapi.quickstart().unwrap();
    let (local, remote) = common::both_links(&mapi, "Default");
    let store = local.default_store().unwrap();
    let inbox_id = inbox(&store);

    // Return codes, as the engine gives them.
    let (k, _) = sink();
    assert_eq!(
        status(local.advise(None, fnev::TABLE_MODIFIED, k.clone())),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(status(local.unadvise(999_999)), Status::MAPI_E_NOT_FOUND);
    assert_eq!(status(store.unadvise(999_999)), Status::MAPI_E_NOT_FOUND);
    let table = store.live_contents_table(&inbox_id, 0).unwrap();
    assert_eq!(
        status(table.advise(fnev::NEW_MAIL, k.clone())),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(status(table.unadvise(999_999)), Status::MAPI_E_NOT_FOUND);

    // The daemon link does not carry Advise yet, and says so.
    let rstore = remote.default_store().unwrap();
    let e = remote
        .advise(None, fnev::EXTENDED, k.clone())
        .expect_err("no Advise over the daemon link");
    assert_eq!(e.status(), Status::MAPI_E_NO_SUPPORT);
    assert!(e.to_string().contains("daemon link"), "{e}");
    assert_eq!(
        status(rstore.advise(None, fnev::NEW_MAIL, k.clone())),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(
        status(rstore.live_contents_table(&inbox_id, 0)),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(status(remote.unadvise(1)), Status::MAPI_E_NOT_FOUND);

    // Registrations: the session with the Inbox's id, the whole store, the table.
    let (sk, srx) = sink();
    let c_session = local
        .advise(Some(&inbox_id), fnev::NEW_MAIL | fnev::OBJECT_CREATED, sk)
        .unwrap();
    let (stk, strx) = sink();
    let c_store = store
        .advise(None, fnev::OBJECT_CREATED | fnev::NEW_MAIL, stk)
        .unwrap();
    let (tk, trx) = sink();
    let c_table = table.advise(fnev::TABLE_MODIFIED, tk).unwrap();
    let conns = [c_session, c_store, c_table];
    assert!(conns.iter().all(|c| *c != 0), "{conns:?}");
    assert!(
        conns[0] != conns[1] && conns[1] != conns[2] && conns[0] != conns[2],
        "{conns:?}"
    );

    import_elsewhere("first import");
    let seen = until(&srx, |n| matches!(n, Notification::NewMail(_)));
    let names: Vec<_> = seen.iter().map(Notification::event_name).collect();
    assert!(names.contains(&"fnevObjectCreated"), "{names:?}");
    let Some(Notification::NewMail(nm)) = seen.last() else {
        unreachable!()
    };
    assert_eq!(nm.parent, inbox_id);
    assert!(!nm.entry.is_empty());
    let seen = until(&strx, |n| matches!(n, Notification::ObjectCreated(_)));
    let created = seen.last().unwrap().object().unwrap();
    assert_eq!(created.entry, nm.entry, "the same message for both sinks");
    let seen = until(&trx, is_row_added("first import"));
    assert_eq!(seen.last().unwrap().event_name(), "TABLE_ROW_ADDED");
    // The sink may call back into the table: its row is there.
    let rows = table.query_rows(50).unwrap();
    assert!(
        rows.iter()
            .any(|r| r.str(PR_SUBJECT) == Some("first import")),
        "{rows:?}"
    );

    // Unadvise the session's and the table's; the store's keeps getting events. Two
    // more imports, each waited for on the store's sink: the notification thread has
    // then finished with the earlier one, so nothing more can come to the others.
    local.unadvise(c_session).unwrap();
    table.unadvise(c_table).unwrap();
    assert_eq!(status(table.unadvise(c_table)), Status::MAPI_E_NOT_FOUND);
    while srx.try_recv().is_ok() {}
    while trx.try_recv().is_ok() {}
    for subject in ["second import", "third import"] {
        import_elsewhere(subject);
        until(&strx, |n| matches!(n, Notification::NewMail(_)));
    }
    assert!(
        srx.try_recv().is_err(),
        "the session sink was called after Unadvise"
    );
    assert!(
        trx.try_recv().is_err(),
        "the table sink was called after Unadvise"
    );
    store.unadvise(c_store).unwrap();
    assert_eq!(status(local.unadvise(c_store)), Status::MAPI_E_NOT_FOUND);
}
