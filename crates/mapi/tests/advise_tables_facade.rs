//! Advise on a hierarchy table and on the status table through the facade, on both
//! links (in process, and a session in a real `mapid` whose events come over the
//! socket), with the same assertions: folders created and deleted in the Default
//! profile's local store reach the hierarchy table's sink as `TABLE_ROW_ADDED` /
//! `TABLE_ROW_DELETED`, the added row in the view's columns; the status table takes
//! `fnevTableModified | fnevStatusObjectModified` and refuses a mask with neither
//! (`MAPI_E_NO_SUPPORT`); the session takes `fnevStatusObjectModified`; Unadvise twice
//! is `MAPI_E_NOT_FOUND`.

mod common;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::StopDaemon;

use mapi::advise::AdviseSink;
use mapi::blocking::Mapi;
use mapi::link::AnySession;
use mapi::notify::{fnev, table_event};
use mapi::{MapiStatus, Notification, PropValue, Status, tags::*};

const CHILD_ENV: &str = "MAPI_ADVISE_TABLES_FACADE_CHILD";
const TEST: &str = "hierarchy_and_status_tables_through_the_facade";
const DEADLINE: Duration = Duration::from_secs(20);

#[test]
fn hierarchy_and_status_tables_through_the_facade() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
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

/// The first table notification of `event` (failing at the deadline).
fn next_table(rx: &Receiver<Notification>, event: u32) -> mapi::notify::TableInfo {
    let end = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(Notification::TableModified(t)) if t.event == event => return t,
            Ok(n) => seen.push(n),
            Err(_) => panic!("no table event {event} within {DEADLINE:?}; saw {seen:?}"),
        }
    }
}

fn body() {
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = StopDaemon(&mapi);
    mapi.quickstart().unwrap();
    let (local, remote) = common::both_links(&mapi, "Default");
    exercise(&local, "local");
    exercise(&remote, "remote");
    local.logoff(mapi::LogoffFlags::default());
    remote.logoff(mapi::LogoffFlags::MAPI_LOGOFF_SHARED);
}

fn exercise(session: &AnySession, link: &str) {
    let (k, _rx) = sink();
    let status = session.live_status_table(0).unwrap();
    let e = status
        .advise(fnev::NEW_MAIL, k.clone())
        .expect_err("the status table has no new mail");
    assert_eq!(e.status(), Status::MAPI_E_NO_SUPPORT, "{link}");
    let c = status
        .advise(
            fnev::TABLE_MODIFIED | fnev::STATUS_OBJECT_MODIFIED,
            k.clone(),
        )
        .unwrap();
    assert!(status.query_rows(10).unwrap().len() >= 3, "{link}");
    status.unadvise(c).unwrap();
    assert_eq!(
        status.unadvise(c).expect_err("already gone").status(),
        Status::MAPI_E_NOT_FOUND,
        "{link}"
    );
    let c = session
        .advise(None, fnev::STATUS_OBJECT_MODIFIED, k.clone())
        .unwrap();
    session.unadvise(c).unwrap();

    let store = session.default_store().unwrap();
    let folders = store.folders().unwrap();
    let subtree = folders
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some("Inbox"))
        .and_then(|r| r.get(PR_PARENT_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap();
    let h = store.live_hierarchy_table(&subtree, 0).unwrap();
    let e = h
        .advise(fnev::OBJECT_CREATED, k)
        .expect_err("a table has only table events");
    assert_eq!(e.status(), Status::MAPI_E_NO_SUPPORT, "{link}");
    let (hk, hrx) = sink();
    let c = h.advise(fnev::TABLE_MODIFIED, hk).unwrap();
    let before = h.with_view(|v| v.get_row_count(0)).unwrap();
    let name = format!("Facade {link}");
    let id = store.create_folder(&subtree, &name, 0).unwrap();
    let added = next_table(&hrx, table_event::TABLE_ROW_ADDED);
    assert_eq!(
        added.row.str(PR_DISPLAY_NAME),
        Some(name.as_str()),
        "{link}"
    );
    assert_eq!(added.index.1, PropValue::Binary(id.clone()), "{link}");
    let columns = h.with_view(|v| v.columns().to_vec());
    let row_tags: Vec<_> = added.row.0.iter().map(|(t, _)| t.id()).collect();
    let column_ids: Vec<_> = columns.iter().map(|t| t.id()).collect();
    assert_eq!(
        row_tags, column_ids,
        "the row is in the view's columns ({link})"
    );
    // The view read its rows again: the new folder is in it.
    assert_eq!(
        h.with_view(|v| v.get_row_count(0)).unwrap(),
        before + 1,
        "{link}"
    );
    let names: Vec<String> = h
        .query_rows(100)
        .unwrap()
        .iter()
        .filter_map(|r| r.str(PR_DISPLAY_NAME).map(str::to_owned))
        .collect();
    assert!(names.contains(&name), "{link}: {names:?}");
    store.delete_folder(&subtree, &id, 0).unwrap();
    let deleted = next_table(&hrx, table_event::TABLE_ROW_DELETED);
    assert_eq!(deleted.index.1, PropValue::Binary(id), "{link}");
    h.unadvise(c).unwrap();
    assert_eq!(
        h.unadvise(c).expect_err("already gone").status(),
        Status::MAPI_E_NOT_FOUND,
        "{link}"
    );
}
