//! Advise / Unadvise through the facade on the Default profile's local store: the
//! session (with the Inbox's entry id), the store and a contents table each get their
//! events for a message imported by another process (`fnevNewMail`,
//! `fnevObjectCreated`, `TABLE_ROW_ADDED`); Unadvise stops delivery; the engine's return
//! codes (an unknown connection -> `MAPI_E_NOT_FOUND`, a mask with no supported event
//! -> `MAPI_E_NO_SUPPORT`). The same runs over the daemon link (a session in a real
//! `mapid`, events pushed over the socket), where the table sink also calls QueryRows
//! and Unadvise from inside OnNotify.
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
use mapi::link::{AnySession, AnyStore};
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

fn is_row_added(subject: &str) -> impl Fn(&Notification) -> bool + '_ {
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
    exercise(&local, "in process");
    exercise(&remote, "daemon");
    reentrant_table_sink(&remote);
}

/// A table sink that calls QueryRows on its table and then Unadvise from inside
/// OnNotify (over the daemon link: both are requests on the socket the event came on).
fn reentrant_table_sink(session: &AnySession) {
    let store = session.default_store().unwrap();
    let inbox_id = inbox(&store);
    let table = Arc::new(store.live_contents_table(&inbox_id, 0).unwrap());
    let (tx, rx) = mpsc::channel::<(Vec<String>, Status)>();
    let conn = Arc::new(Mutex::new(0u32));
    struct Reentrant {
        table: std::sync::Weak<mapi::advise::LiveContents>,
        conn: Arc<Mutex<u32>>,
        tx: Mutex<Sender<(Vec<String>, Status)>>,
    }
    impl AdviseSink for Reentrant {
        fn on_notify(&self, _: &[Notification]) {
            let Some(t) = self.table.upgrade() else {
                return;
            };
            let subjects = t
                .with_view(|v| {
                    v.seek_row(mapi::Bookmark::Beginning, 0)?;
                    v.query_rows(100, 0)
                })
                .unwrap()
                .iter()
                .filter_map(|r| r.str(PR_SUBJECT).map(str::to_string))
                .collect();
            let c = *self.conn.lock().unwrap();
            let st = match t.unadvise(c) {
                Ok(()) => Status::S_OK,
                Err(e) => e.status(),
            };
            let _ = self.tx.lock().unwrap().send((subjects, st));
        }
    }
    let sink = Arc::new(Reentrant {
        table: Arc::downgrade(&table),
        conn: conn.clone(),
        tx: Mutex::new(tx),
    });
    // Hold the number before the first event can read it.
    let mut held = conn.lock().unwrap();
    *held = table.advise(fnev::TABLE_MODIFIED, sink).unwrap();
    drop(held);
    import_elsewhere("reentrant import");
    let (subjects, st) = rx
        .recv_timeout(DEADLINE)
        .expect("the table sink was called");
    assert!(
        subjects.iter().any(|s| s == "reentrant import"),
        "QueryRows inside OnNotify sees the new row: {subjects:?}"
    );
    assert_eq!(st, Status::S_OK, "Unadvise inside OnNotify");
    import_elsewhere("after reentrant unadvise");
    // Wait for that import on another sink, then check the table sink stayed quiet.
    let (k, krx) = sink_pair();
    let c = store.advise(None, fnev::NEW_MAIL, k).unwrap();
    import_elsewhere("fence");
    until(&krx, |n| matches!(n, Notification::NewMail(_)));
    store.unadvise(c).unwrap();
    assert!(
        rx.try_recv().is_err(),
        "called again after its own Unadvise"
    );
}

fn sink_pair() -> (Arc<Chan>, Receiver<Notification>) {
    sink()
}

fn exercise(session: &AnySession, link: &str) {
    let store = session.default_store().unwrap();
    let inbox_id = inbox(&store);

    // Return codes, as the engine gives them.
    let (k, _) = sink();
    assert_eq!(
        status(session.advise(None, fnev::TABLE_MODIFIED, k.clone())),
        Status::MAPI_E_NO_SUPPORT,
        "{link}"
    );
    assert_eq!(status(session.unadvise(999_999)), Status::MAPI_E_NOT_FOUND);
    assert_eq!(status(store.unadvise(999_999)), Status::MAPI_E_NOT_FOUND);
    let table = store.live_contents_table(&inbox_id, 0).unwrap();
    assert_eq!(
        status(table.advise(fnev::NEW_MAIL, k.clone())),
        Status::MAPI_E_NO_SUPPORT,
        "{link}"
    );
    assert_eq!(status(table.unadvise(999_999)), Status::MAPI_E_NOT_FOUND);

    // Registrations: the session with the Inbox's id, the whole store, the table.
    let (sk, srx) = sink();
    let c_session = session
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

    let first = format!("first import {link}");
    import_elsewhere(&first);
    let seen = until(&srx, |n| matches!(n, Notification::NewMail(_)));
    let names: Vec<_> = seen.iter().map(Notification::event_name).collect();
    assert!(names.contains(&"fnevObjectCreated"), "{names:?}");
    let Some(Notification::NewMail(nm)) = seen.last() else {
        unreachable!()
    };
    assert_eq!(nm.parent, inbox_id);
    assert!(!nm.entry.is_empty());
    assert_eq!(nm.message_class, "IPM.Note", "{link}");
    let seen = until(&strx, |n| matches!(n, Notification::ObjectCreated(_)));
    let created = seen.last().unwrap().object().unwrap();
    assert_eq!(created.entry, nm.entry, "the same message for both sinks");
    let seen = until(&trx, is_row_added(&first));
    let Some(Notification::TableModified(t)) = seen.last() else {
        unreachable!()
    };
    // The row comes in the view's current columns.
    let columns = table.with_view(|v| v.columns().to_vec());
    let row_tags: Vec<_> = t.row.0.iter().map(|(tag, _)| *tag).collect();
    assert_eq!(row_tags, columns, "{link}");
    // The sink may call back into the table: its row is there.
    let rows = table.query_rows(50).unwrap();
    assert!(
        rows.iter()
            .any(|r| r.str(PR_SUBJECT) == Some(first.as_str())),
        "{rows:?}"
    );

    // Unadvise the session's and the table's; the store's keeps getting events. Two
    // more imports, each waited for on the store's sink: the notification thread has
    // then finished with the earlier one, so nothing more can come to the others.
    session.unadvise(c_session).unwrap();
    table.unadvise(c_table).unwrap();
    assert_eq!(status(table.unadvise(c_table)), Status::MAPI_E_NOT_FOUND);
    while srx.try_recv().is_ok() {}
    while trx.try_recv().is_ok() {}
    for subject in ["second import", "third import"] {
        import_elsewhere(&format!("{subject} {link}"));
        until(&strx, |n| matches!(n, Notification::NewMail(_)));
    }
    assert!(
        srx.try_recv().is_err(),
        "the session sink was called after Unadvise ({link})"
    );
    assert!(
        trx.try_recv().is_err(),
        "the table sink was called after Unadvise ({link})"
    );
    store.unadvise(c_store).unwrap();
    assert_eq!(status(session.unadvise(c_store)), Status::MAPI_E_NOT_FOUND);
}
