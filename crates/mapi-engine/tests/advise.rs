//! Advise / Unadvise through the engine on a real local store: every return code,
//! session shutdown as fnevExtended, a removed store file as fnevCriticalError, store / folder / message registrations in order,
//! contents-table row events (import, read flag, delete), a sink that calls back into
//! the session from inside OnNotify, and a message saved by another process reaching
//! this process's contents-table sink. Waits are on notifications, with deadlines.

mod common;

use std::io::Write;
use std::process::Command;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use mapi_engine::{AdviseSink, LiveTable, Session};
use mapi_spi::{FolderKind, MsgStore};
use mapi_types::folder::{CLEAR_READ_FLAG, FOLDER_MOVE};
use mapi_types::notify::{EXT_SESSION_SHUTDOWN, PR_NULL, TableInfo, fnev, table_event};
use mapi_types::{LogoffFlags, LogonFlags, Notification, PropValue, Status, tags};

const NEW: LogonFlags = LogonFlags::MAPI_NEW_SESSION;
const DEADLINE: Duration = Duration::from_secs(20);
const HELPER_ENV: &str = "MAPI_ENGINE_ADVISE_HELPER";

/// The helper process: this binary running only this test, changing the store file
/// named in its environment through its own logon: `save` a message with a subject
/// into the Inbox, or in the IPM subtree `mkdir` a folder, `rename` one (`old`, `new`)
/// or `rmdir` one.
#[test]
fn helper_process() {
    let Ok(args) = std::env::var(HELPER_ENV) else {
        return;
    };
    println!();
    let args: Vec<&str> = args.split('\u{1f}').collect();
    let (path, op) = (args[0], args[1]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut s = mapi_spi::Settings::new();
        s.set("path", PropValue::Unicode(path.into()));
        let store = mapi_provider_local::LocalStore::logon(&s).unwrap();
        let inbox = store.folder(FolderKind::Inbox).await.unwrap();
        let folders = store.folders().await.unwrap();
        let subtree = parent_of(&folders, &inbox);
        let named = |name: &str| {
            folders
                .iter()
                .find(|r| r.str(tags::PR_DISPLAY_NAME) == Some(name))
                .and_then(|r| r.get(tags::PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
                .unwrap()
        };
        match op {
            "save" => {
                let m = store.create_message(&inbox, 0).await.unwrap();
                m.set_props(&[(tags::PR_SUBJECT, PropValue::Unicode(args[2].into()))])
                    .await
                    .unwrap();
                m.save_changes(0).await.unwrap();
            }
            "mkdir" => {
                store.create_folder(&subtree, args[2], 0).await.unwrap();
            }
            "rename" => {
                let f = named(args[2]);
                store
                    .copy_folder(&subtree, &f, &subtree, Some(args[3]), FOLDER_MOVE)
                    .await
                    .unwrap();
            }
            "rmdir" => {
                store
                    .delete_folder(&subtree, &named(args[2]), 0)
                    .await
                    .unwrap();
            }
            other => panic!("unknown helper operation {other}"),
        }
        store.logoff().await;
    });
    println!("SAVED");
    std::io::stdout().flush().unwrap();
    std::process::exit(0);
}

/// A folder's PR_PARENT_ENTRYID among the store's folder rows.
fn parent_of(folders: &[mapi_types::Row], folder: &[u8]) -> Vec<u8> {
    folders
        .iter()
        .find(|r| r.get(tags::PR_ENTRYID).and_then(PropValue::as_bytes) == Some(folder))
        .and_then(|r| {
            r.get(tags::PR_PARENT_ENTRYID)?
                .as_bytes()
                .map(<[u8]>::to_vec)
        })
        .unwrap()
}

/// Runs the helper process on the store file `path` with `op` and its arguments.
async fn helper(path: &std::path::Path, op: &[&str]) {
    let exe = std::env::current_exe().unwrap();
    let mut args = vec![path.display().to_string()];
    args.extend(op.iter().map(|a| a.to_string()));
    let args = args.join("\u{1f}");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            .args([
                "helper_process",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HELPER_ENV, args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("SAVED"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A sink sending each notification into a channel.
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

fn table(n: &Notification) -> Option<&TableInfo> {
    match n {
        Notification::TableModified(t) => Some(t),
        _ => None,
    }
}

fn is_table(event: u32) -> impl Fn(&Notification) -> bool {
    move |n| table(n).is_some_and(|t| t.event == event)
}

fn names(ns: &[Notification]) -> Vec<&'static str> {
    ns.iter().map(Notification::event_name).collect()
}

fn msg(subject: &str) -> Vec<u8> {
    format!(
        "From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n\
         Date: Tue, 06 Feb 2024 10:00:00 +0000\r\nMessage-ID: <{}@example.org>\r\n\r\nHello.\r\n",
        subject.replace(' ', ".")
    )
    .into_bytes()
}

struct Setup {
    fx: Fixture,
    path: std::path::PathBuf,
}

fn setup() -> Setup {
    let fx = Fixture::new();
    fx.profile("P", None);
    let path = fx.file("mail.db");
    fx.add_local_store("P", "Mail", &path, false);
    Setup { fx, path }
}

async fn store_of(s: &Session) -> (Vec<u8>, Arc<dyn MsgStore>, Vec<u8>) {
    let (id, store) = s.default_store_entry().unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    (id, store, inbox)
}

#[tokio::test]
async fn every_advise_and_unadvise_return_code() {
    let st = setup();
    st.fx.add_test("P", "test-a", &[]);
    let s = st.fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, store, inbox) = store_of(&s).await;
    let (k, _rx) = sink();

    // The session: critical errors and extended events only.
    assert_eq!(
        status_of(s.advise(None, 0, k.clone()).await),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(
        status_of(
            s.advise(None, fnev::NEW_MAIL | fnev::TABLE_MODIFIED, k.clone())
                .await
        ),
        Status::MAPI_E_NO_SUPPORT
    );
    let a = s
        .advise(None, fnev::CRITICAL_ERROR, k.clone())
        .await
        .unwrap();
    let b = s
        .advise(None, fnev::EXTENDED | fnev::NEW_MAIL, k.clone())
        .await
        .unwrap();
    assert!(a != 0 && b != 0 && a != b, "{a} {b}");

    // Stores, folders, messages by entry id.
    let c = s
        .advise(Some(&store_id), fnev::NEW_MAIL, k.clone())
        .await
        .unwrap();
    let d = s
        .advise_store(&store_id, Some(&inbox), fnev::OBJECT_CREATED, k.clone())
        .await
        .unwrap();
    assert_eq!(
        status_of(
            s.advise_store(&store_id, None, fnev::TABLE_MODIFIED, k.clone())
                .await
        ),
        Status::MAPI_E_NO_SUPPORT
    );
    let ids = store.import_raw(&inbox, vec![msg("a")]).await.unwrap();
    assert_eq!(
        status_of(s.advise(Some(&ids[0]), fnev::NEW_MAIL, k.clone()).await),
        Status::MAPI_E_NO_SUPPORT,
        "a message has no new mail of its own"
    );
    let e = s
        .advise(Some(&ids[0]), fnev::OBJECT_MODIFIED, k.clone())
        .await
        .unwrap();
    assert_eq!(
        status_of(
            s.advise(Some(b"garbage entry id"), fnev::OBJECT_MODIFIED, k.clone())
                .await
        ),
        Status::MAPI_E_INVALID_ENTRYID
    );
    // A store that does not report its changes.
    let test_store = store_rows(&s)
        .into_iter()
        .find(|(name, _, _)| name != "Mail")
        .map(|(_, _, id)| id)
        .unwrap();
    assert_eq!(
        status_of(
            s.advise_store(&test_store, None, fnev::NEW_MAIL, k.clone())
                .await
        ),
        Status::MAPI_E_NO_SUPPORT
    );

    // Tables: fnevTableModified only.
    let t = s.live_contents_table(&store_id, &inbox, 0).await.unwrap();
    assert_eq!(
        status_of(t.advise(fnev::NEW_MAIL, k.clone())),
        Status::MAPI_E_NO_SUPPORT
    );
    let f = t.advise(fnev::TABLE_MODIFIED, k.clone()).unwrap();
    let all = [a, b, c, d, e, f];
    for (i, x) in all.iter().enumerate() {
        assert!(*x != 0 && !all[..i].contains(x), "unique: {all:?}");
    }
    // A table's Unadvise knows only its own registrations.
    assert_eq!(status_of(t.unadvise(a)), Status::MAPI_E_NOT_FOUND);
    t.unadvise(f).unwrap();
    assert_eq!(status_of(t.unadvise(f)), Status::MAPI_E_NOT_FOUND);
    for x in [a, b, c, d, e] {
        s.unadvise(x).unwrap();
        assert_eq!(status_of(s.unadvise(x)), Status::MAPI_E_NOT_FOUND);
    }
    assert_eq!(status_of(s.unadvise(0)), Status::MAPI_E_NOT_FOUND);
    assert_eq!(status_of(s.unadvise(12345)), Status::MAPI_E_NOT_FOUND);
    // Numbers are not reused.
    let g = s
        .advise(None, fnev::CRITICAL_ERROR, k.clone())
        .await
        .unwrap();
    assert!(!all.contains(&g));
    s.logoff(LogoffFlags::default()).await;
    assert_eq!(
        status_of(s.advise(None, fnev::CRITICAL_ERROR, k).await),
        Status::MAPI_E_END_OF_SESSION
    );
}

#[tokio::test]
async fn logoff_shared_reaches_the_other_client_as_session_shutdown() {
    let st = setup();
    let first = st
        .fx
        .logon(Some("P"), NEW | LogonFlags::MAPI_ALLOW_OTHERS, None)
        .await
        .unwrap();
    let second = st
        .fx
        .logon(None, LogonFlags::default(), None)
        .await
        .unwrap();
    assert_eq!(first.id(), second.id(), "the shared session");
    let (k, rx) = sink();
    second.advise(None, fnev::EXTENDED, k).await.unwrap();
    first.logoff(LogoffFlags::MAPI_LOGOFF_SHARED).await;
    let seen = until(&rx, |_| true);
    match &seen[0] {
        Notification::Extended(x) => {
            assert_eq!(x.event, EXT_SESSION_SHUTDOWN);
            assert!(
                String::from_utf8_lossy(&x.params).contains("MAPI_LOGOFF_SHARED"),
                "{x:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_store_file_removed_under_the_session_is_a_critical_error() {
    let st = setup();
    let s = st.fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, _, _) = store_of(&s).await;
    let (k, rx) = sink();
    s.advise(None, fnev::CRITICAL_ERROR, k).await.unwrap();
    std::fs::remove_file(&st.path).unwrap();
    let seen = until(&rx, |_| true);
    match &seen[0] {
        Notification::CriticalError(e) => {
            assert_eq!(e.scode, Status::MAPI_E_NOT_FOUND);
            assert_eq!(e.entry, store_id);
            assert!(
                e.error.as_deref().unwrap_or("").contains("removed"),
                "{e:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn store_folder_and_message_registrations_get_their_events_in_order() {
    let st = setup();
    let s = st.fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, store, inbox) = store_of(&s).await;
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let (whole, whole_rx) = sink();
    let (folder, folder_rx) = sink();
    let (other, other_rx) = sink();
    s.advise(Some(&store_id), fnev::NEW_MAIL | fnev::OBJECT_EVENTS, whole)
        .await
        .unwrap();
    s.advise(Some(&inbox), fnev::NEW_MAIL, folder)
        .await
        .unwrap();
    s.advise(Some(&drafts), fnev::ALL, other).await.unwrap();

    let ids = store
        .import_raw(&inbox, vec![msg("one"), msg("two")])
        .await
        .unwrap();
    let seen = until(
        &whole_rx,
        |n| matches!(n, Notification::NewMail(m) if m.entry == ids[1]),
    );
    assert_eq!(
        names(&seen),
        [
            "fnevObjectCreated",
            "fnevNewMail",
            "fnevObjectCreated",
            "fnevNewMail"
        ]
    );
    let seen = until(
        &folder_rx,
        |n| matches!(n, Notification::NewMail(m) if m.entry == ids[1]),
    );
    assert_eq!(
        names(&seen),
        ["fnevNewMail", "fnevNewMail"],
        "the mask filters"
    );
    match &seen[0] {
        Notification::NewMail(m) => {
            assert_eq!(m.entry, ids[0]);
            assert_eq!(m.parent, inbox);
            assert_eq!(m.message_class, "IPM.Note");
            assert_eq!(m.message_flags & 0x1, 0);
        }
        other => panic!("{other:?}"),
    }

    // A message's own registration: its changes only, in order.
    let (one, one_rx) = sink();
    s.advise(Some(&ids[0]), fnev::OBJECT_EVENTS, one)
        .await
        .unwrap();
    store
        .set_read_flags(&inbox, Some(&ids[..1]), 0)
        .await
        .unwrap();
    store
        .set_read_flags(&inbox, Some(&ids[1..]), 0)
        .await
        .unwrap();
    store.move_message(&ids[0], &drafts).await.unwrap();
    store.delete_message(&ids[0]).await.unwrap();
    let seen = until(&one_rx, |n| matches!(n, Notification::ObjectDeleted(_)));
    assert_eq!(
        names(&seen),
        ["fnevObjectModified", "fnevObjectMoved", "fnevObjectDeleted"]
    );
    let moved = seen[1].object().unwrap();
    assert_eq!((&moved.parent, &moved.old_parent), (&drafts, &inbox));
    // Drafts saw the move in and the delete, nothing of the Inbox's own traffic.
    let seen = until(&other_rx, |n| matches!(n, Notification::ObjectDeleted(_)));
    assert_eq!(names(&seen), ["fnevObjectMoved", "fnevObjectDeleted"]);
}

/// A message's PR_INSTANCE_KEY, from GetProps.
async fn instance_key(store: &Arc<dyn MsgStore>, entry: &[u8]) -> PropValue {
    let m = store.open_message(entry, 0).await.unwrap();
    let got = m
        .get_props(Some(&[tags::PR_INSTANCE_KEY]), 0)
        .await
        .unwrap();
    got.value[0].1.clone()
}

fn row_subject(t: &TableInfo) -> Option<&str> {
    t.row.str(tags::PR_SUBJECT)
}

#[tokio::test]
async fn a_contents_table_reports_added_modified_and_deleted_rows() {
    let st = setup();
    let s = st.fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, store, inbox) = store_of(&s).await;
    let first = store.import_raw(&inbox, vec![msg("older")]).await.unwrap();
    let t = s.live_contents_table(&store_id, &inbox, 0).await.unwrap();
    t.view()
        .set_columns(&[tags::PR_SUBJECT, tags::PR_MESSAGE_FLAGS], 0)
        .unwrap();
    let (k, rx) = sink();
    t.advise(fnev::TABLE_MODIFIED, k).unwrap();

    // Added: the row in the current columns; same delivery time, newest id first, so
    // it comes before "older" and has no prior row.
    let ids = store.import_raw(&inbox, vec![msg("newer")]).await.unwrap();
    let seen = until(&rx, is_table(table_event::TABLE_ROW_ADDED));
    let added = table(seen.last().unwrap()).unwrap();
    assert_eq!(row_subject(added), Some("newer"));
    assert_eq!(
        added.row.0.iter().map(|(t, _)| t.id()).collect::<Vec<_>>(),
        [tags::PR_SUBJECT.id(), tags::PR_MESSAGE_FLAGS.id()],
        "the table's current columns"
    );
    // Rows are named by their PR_INSTANCE_KEY, as MAPI's TABLE_NOTIFICATION does.
    let key = instance_key(&store, &ids[0]).await;
    assert_eq!(added.index.0.id(), tags::PR_INSTANCE_KEY.id());
    assert_eq!(added.index.1, key);
    assert_eq!(added.prior.0, PR_NULL);
    assert_eq!(t.view().get_row_count(0).unwrap(), 2);

    // Read flag on "older" (the second row): modified, prior = the first row.
    store.set_read_flags(&inbox, Some(&first), 0).await.unwrap();
    let seen = until(&rx, is_table(table_event::TABLE_ROW_MODIFIED));
    let m = table(seen.last().unwrap()).unwrap();
    assert_eq!(row_subject(m), Some("older"));
    assert_eq!(m.row.int(tags::PR_MESSAGE_FLAGS).unwrap() & 0x1, 0x1);
    assert_eq!(m.prior.1, key);
    store
        .set_read_flags(&inbox, Some(&first), CLEAR_READ_FLAG)
        .await
        .unwrap();
    let seen = until(&rx, is_table(table_event::TABLE_ROW_MODIFIED));
    let m = table(seen.last().unwrap()).unwrap();
    assert_eq!(m.row.int(tags::PR_MESSAGE_FLAGS).unwrap() & 0x1, 0);

    // Deleted: its key.
    store.delete_message(&ids[0]).await.unwrap();
    let seen = until(&rx, is_table(table_event::TABLE_ROW_DELETED));
    let d = table(seen.last().unwrap()).unwrap();
    assert_eq!(d.index.1, key);
    assert_eq!(t.view().get_row_count(0).unwrap(), 1);
    // A change in another folder says nothing to this table: the next notification
    // is the Inbox's.
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    store
        .import_raw(&drafts, vec![msg("elsewhere")])
        .await
        .unwrap();
    store.import_raw(&inbox, vec![msg("here")]).await.unwrap();
    let seen = until(&rx, |_| true);
    assert_eq!(row_subject(table(&seen[0]).unwrap()), Some("here"));
}

/// A sink that, inside OnNotify, reads the table it watches and unadvises itself.
struct Reentrant {
    session: Arc<Session>,
    table: LiveTable,
    conn: OnceLock<u32>,
    out: Mutex<Sender<(Vec<String>, Status)>>,
}

impl AdviseSink for Reentrant {
    fn on_notify(&self, _: &[Notification]) {
        let rows = {
            let mut v = self.table.view();
            v.seek_row(mapi_types::Bookmark::Beginning, 0).unwrap();
            v.query_rows(10, 0).unwrap()
        };
        let subjects = rows
            .iter()
            .filter_map(|r| r.str(tags::PR_SUBJECT).map(str::to_string))
            .collect();
        let status = match self.session.unadvise(*self.conn.get().unwrap()) {
            Ok(()) => Status::S_OK,
            Err(e) => mapi_types::MapiStatus::status(&e),
        };
        let _ = self.out.lock().unwrap().send((subjects, status));
    }
}

#[tokio::test]
async fn a_sink_may_query_the_table_and_unadvise_from_inside_on_notify() {
    let st = setup();
    let s = Arc::new(st.fx.logon(Some("P"), NEW, None).await.unwrap());
    let (store_id, store, inbox) = store_of(&s).await;
    let t = s.live_contents_table(&store_id, &inbox, 0).await.unwrap();
    let (tx, rx) = mpsc::channel();
    let sink = Arc::new(Reentrant {
        session: s.clone(),
        table: t.clone(),
        conn: OnceLock::new(),
        out: Mutex::new(tx),
    });
    let conn = t.advise(fnev::TABLE_MODIFIED, sink.clone()).unwrap();
    sink.conn.set(conn).unwrap();
    // A second sink on the same table shows notifications keep flowing afterwards.
    let (k, krx) = sink_pair();
    t.advise(fnev::TABLE_MODIFIED, k).unwrap();
    store.import_raw(&inbox, vec![msg("first")]).await.unwrap();
    let (subjects, status) = rx
        .recv_timeout(DEADLINE)
        .expect("the sink ran and returned");
    assert_eq!(subjects, ["first"]);
    assert_eq!(status, Status::S_OK, "Unadvise from inside OnNotify");
    store.import_raw(&inbox, vec![msg("second")]).await.unwrap();
    until(&krx, |n| {
        table(n).is_some_and(|t| row_subject(t) == Some("second"))
    });
    assert!(
        rx.try_recv().is_err(),
        "the unadvised sink was not called again"
    );
}

fn sink_pair() -> (Arc<Chan>, Receiver<Notification>) {
    sink()
}

#[tokio::test]
async fn a_message_saved_by_another_process_reaches_the_table_sink() {
    let st = setup();
    let s = st.fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, _store, inbox) = store_of(&s).await;
    let t = s.live_contents_table(&store_id, &inbox, 0).await.unwrap();
    let (k, rx) = sink();
    t.advise(fnev::TABLE_MODIFIED, k).unwrap();
    let (nk, nrx) = sink();
    s.advise(Some(&inbox), fnev::NEW_MAIL, nk).await.unwrap();
    helper(&st.path, &["save", "saved elsewhere"]).await;
    let seen = until(&rx, is_table(table_event::TABLE_ROW_ADDED));
    let added = table(seen.last().unwrap()).unwrap();
    assert_eq!(row_subject(added), Some("saved elsewhere"));
    // Saved into the Inbox whole: new mail too.
    let seen = until(&nrx, |n| matches!(n, Notification::NewMail(_)));
    assert_eq!(names(&seen), ["fnevNewMail"]);
}

fn row_name(t: &TableInfo) -> Option<&str> {
    t.row.str(tags::PR_DISPLAY_NAME)
}

#[tokio::test]
async fn folders_changed_by_another_process_reach_the_hierarchy_table_sink() {
    let st = setup();
    let s = st.fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, store, inbox) = store_of(&s).await;
    let subtree = parent_of(&store.folders().await.unwrap(), &inbox);
    let t = s
        .live_hierarchy_table(&store_id, &subtree, 0)
        .await
        .unwrap();
    t.view()
        .set_columns(&[tags::PR_DISPLAY_NAME, tags::PR_ENTRYID], 0)
        .unwrap();
    let (k, rx) = sink();
    // A mask with no event a table has; an unknown connection number.
    assert_eq!(
        status_of(t.advise(fnev::NEW_MAIL | fnev::OBJECT_CREATED, k.clone())),
        Status::MAPI_E_NO_SUPPORT
    );
    let conn = t.advise(fnev::TABLE_MODIFIED, k).unwrap();
    assert_eq!(status_of(t.unadvise(conn + 100)), Status::MAPI_E_NOT_FOUND);

    helper(&st.path, &["mkdir", "Projects"]).await;
    let seen = until(&rx, is_table(table_event::TABLE_ROW_ADDED));
    let added = table(seen.last().unwrap()).unwrap().clone();
    assert_eq!(row_name(&added), Some("Projects"), "{seen:?}");
    // The row in the table's current columns, in their order.
    let cols: Vec<_> = added.row.0.iter().map(|(t, _)| *t).collect();
    assert_eq!(cols, [tags::PR_DISPLAY_NAME, tags::PR_ENTRYID]);
    let entry = added.row.get(tags::PR_ENTRYID).cloned().unwrap();
    assert_eq!(added.index, (tags::PR_INSTANCE_KEY, entry.clone()));
    // propPrior: the key of the row before it in the table (PR_NULL for the first).
    let rows = t.view().query_rows(100, 0).unwrap();
    let at = rows
        .iter()
        .position(|r| r.str(tags::PR_DISPLAY_NAME) == Some("Projects"))
        .expect("the new folder is in the table");
    match at.checked_sub(1) {
        None => assert_eq!(added.prior.0, PR_NULL),
        Some(p) => assert_eq!(
            added.prior,
            (
                tags::PR_INSTANCE_KEY,
                rows[p].get(tags::PR_ENTRYID).cloned().unwrap()
            )
        ),
    }

    helper(&st.path, &["rename", "Projects", "Plans"]).await;
    let seen = until(&rx, is_table(table_event::TABLE_ROW_MODIFIED));
    let modified = table(seen.last().unwrap()).unwrap();
    assert_eq!(row_name(modified), Some("Plans"), "{seen:?}");
    assert_eq!(modified.index, (tags::PR_INSTANCE_KEY, entry.clone()));

    helper(&st.path, &["rmdir", "Plans"]).await;
    let seen = until(&rx, is_table(table_event::TABLE_ROW_DELETED));
    let deleted = table(seen.last().unwrap()).unwrap();
    assert_eq!(deleted.index, (tags::PR_INSTANCE_KEY, entry));
    assert!(deleted.row.0.is_empty());

    t.unadvise(conn).unwrap();
    assert_eq!(status_of(t.unadvise(conn)), Status::MAPI_E_NOT_FOUND);
    s.logoff(LogoffFlags::default()).await;
}
