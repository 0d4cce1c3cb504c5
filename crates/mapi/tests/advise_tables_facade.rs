//! Advise on a hierarchy table and on the status table through the facade (this
//! process's link): folders created and deleted in the Default profile's local store
//! reach the hierarchy table's sink as `TABLE_ROW_ADDED` / `TABLE_ROW_DELETED`; the
//! status table takes `fnevTableModified | fnevStatusObjectModified` and refuses a mask
//! with neither (`MAPI_E_NO_SUPPORT`); the session takes `fnevStatusObjectModified`.

mod common;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::StopDaemon;

use mapi::advise::AdviseSink;
use mapi::blocking::Mapi;
use mapi::notify::{fnev, table_event};
use mapi::{LogonFlags, LogonRequest, MapiStatus, Notification, PropValue, Status, tags::*};

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
    let local = mapi
        .logon_any(LogonRequest::new(
            Some("Default"),
            LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    assert!(!local.is_remote());

    let (k, _rx) = sink();
    let status = local.live_status_table(0).unwrap();
    let e = status
        .advise(fnev::NEW_MAIL, k.clone())
        .expect_err("the status table has no new mail");
    assert_eq!(e.status(), Status::MAPI_E_NO_SUPPORT);
    let c = status
        .advise(
            fnev::TABLE_MODIFIED | fnev::STATUS_OBJECT_MODIFIED,
            k.clone(),
        )
        .unwrap();
    assert!(status.query_rows(10).unwrap().len() >= 3);
    status.unadvise(c).unwrap();
    let c = local
        .advise(None, fnev::STATUS_OBJECT_MODIFIED, k.clone())
        .unwrap();
    local.unadvise(c).unwrap();

    let store = local.default_store().unwrap();
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
    assert_eq!(e.status(), Status::MAPI_E_NO_SUPPORT);
    let (hk, hrx) = sink();
    let c = h.advise(fnev::TABLE_MODIFIED, hk).unwrap();
    let id = store.create_folder(&subtree, "Facade", 0).unwrap();
    let added = next_table(&hrx, table_event::TABLE_ROW_ADDED);
    assert_eq!(added.row.str(PR_DISPLAY_NAME), Some("Facade"));
    assert_eq!(added.index.1, PropValue::Binary(id.clone()));
    store.delete_folder(&subtree, &id, 0).unwrap();
    let deleted = next_table(&hrx, table_event::TABLE_ROW_DELETED);
    assert_eq!(deleted.index.1, PropValue::Binary(id));
    h.unadvise(c).unwrap();
    assert_eq!(
        h.unadvise(c).expect_err("already gone").status(),
        Status::MAPI_E_NOT_FOUND
    );
}
