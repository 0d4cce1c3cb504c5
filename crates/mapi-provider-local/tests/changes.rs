//! The store's change reports: every kind of change through this store, a change made
//! by another process with the same file, a subscription that ended, and the store
//! file going away (a critical failure). Waits are on the reports, with deadlines.
//!
//! The helper process is this test binary running only its `helper_process` test,
//! with its arguments (`import <path> <subject>`) in an environment variable.

mod common;

use std::io::Write;
use std::process::Command;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use mapi_spi::{ChangeKind, ChangeListener, FolderKind, StoreChange};
use mapi_types::folder::{CLEAR_READ_FLAG, MESSAGE_MOVE};
use mapi_types::{PropValue, Status, object_type, tags};

const HELPER_ENV: &str = "MAPI_LOCAL_CHANGES_HELPER";
/// How long a report may take before the test fails (a deadline, not a pause).
const DEADLINE: Duration = Duration::from_secs(20);

#[test]
fn helper_process() {
    let Ok(args) = std::env::var(HELPER_ENV) else {
        return;
    };
    let args: Vec<String> = args.split('\u{1f}').map(str::to_string).collect();
    println!();
    match &args[..] {
        [mode, path, subject] if mode == "import" => {
            let store = store_logon(settings(std::path::Path::new(path))).unwrap();
            let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
            let msg = simple_message(subject, "Tue, 06 Feb 2024 10:00:00 +0000");
            block_on(store.import_raw(&inbox, vec![msg])).unwrap();
            block_on(store.logoff());
            println!("IMPORTED");
        }
        _ => panic!("unknown helper arguments {args:?}"),
    }
    std::io::stdout().flush().unwrap();
    std::process::exit(0);
}

struct Collect(Mutex<Sender<StoreChange>>);

impl ChangeListener for Collect {
    fn on_changes(&self, changes: &[StoreChange]) {
        let tx = self.0.lock().unwrap();
        for c in changes {
            let _ = tx.send(c.clone());
        }
    }
}

fn listener() -> (Arc<Collect>, Receiver<StoreChange>) {
    let (tx, rx) = mpsc::channel();
    (Arc::new(Collect(Mutex::new(tx))), rx)
}

/// The next reports until one satisfies `want` (failing at the deadline).
fn until(rx: &Receiver<StoreChange>, want: impl Fn(&StoreChange) -> bool) -> Vec<StoreChange> {
    let end = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(c) => {
                let done = want(&c);
                seen.push(c);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no matching change report within {DEADLINE:?}; saw {seen:?}"),
        }
    }
}

/// A new store with a change subscription.
struct Watched {
    _dir: TempDir,
    path: std::path::PathBuf,
    store: Arc<dyn mapi_spi::MsgStore>,
    rx: Receiver<StoreChange>,
    _sub: mapi_spi::ChangeSubscription,
}

impl Watched {
    fn new() -> Watched {
        let dir = TempDir::new();
        let path = dir.path("mail.db");
        create_store(&path);
        let store = store_logon(settings(&path)).unwrap();
        let (l, rx) = listener();
        let sub = store.subscribe_changes(l).unwrap().unwrap();
        Watched {
            _dir: dir,
            path,
            store,
            rx,
            _sub: sub,
        }
    }
}

fn kinds(seen: &[StoreChange]) -> Vec<ChangeKind> {
    seen.iter().map(|c| c.kind).collect()
}

#[test]
fn every_kind_of_change_is_reported_in_order() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let (l, rx) = listener();
    let _sub = store
        .subscribe_changes(l)
        .unwrap()
        .expect("the local store reports");
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let drafts = block_on(store.folder(FolderKind::Drafts)).unwrap();

    let ids = block_on(store.import_raw(
        &inbox,
        vec![simple_message("one", "Tue, 06 Feb 2024 10:00:00 +0000")],
    ))
    .unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::NewMail);
    assert_eq!(kinds(&seen), [ChangeKind::Created, ChangeKind::NewMail]);
    for c in &seen {
        assert_eq!(c.entry, ids[0]);
        assert_eq!(c.parent, inbox);
        assert_eq!(c.object_type, object_type::MAPI_MESSAGE);
    }
    assert_eq!(seen[1].message_class, "IPM.Note");
    assert_eq!(seen[1].message_flags & 0x1, 0, "imported unread");

    // Read flag on, then off: two modifications with the flags after each.
    block_on(store.set_read_flags(&inbox, Some(&ids), 0)).unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::Modified);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].message_flags & 0x1, 0x1);
    block_on(store.set_read_flags(&inbox, Some(&ids), CLEAR_READ_FLAG)).unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::Modified);
    assert_eq!(seen[0].message_flags & 0x1, 0);

    // A copy is Copied (not new mail), with the original.
    let copies = block_on(store.copy_messages(&inbox, &ids, &drafts, 0)).unwrap();
    let copy = copies.value[0].clone().unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::Copied);
    assert_eq!(kinds(&seen), [ChangeKind::Copied]);
    assert_eq!(seen[0].entry, copy);
    assert_eq!(seen[0].parent, drafts);
    assert_eq!(seen[0].old_entry, ids[0]);
    assert_eq!(seen[0].old_parent, inbox);

    // A move keeps the entry id and says where from.
    block_on(store.copy_messages(&drafts, std::slice::from_ref(&copy), &inbox, MESSAGE_MOVE))
        .unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::Moved);
    assert_eq!(kinds(&seen), [ChangeKind::Moved]);
    assert_eq!(seen[0].entry, copy);
    assert_eq!(seen[0].parent, inbox);
    assert_eq!(seen[0].old_parent, drafts);

    // A folder is created, a message deleted.
    let f = block_on(store.create_folder(&inbox, "Sub", 0)).unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::Created);
    assert_eq!(seen[0].entry, f);
    assert_eq!(seen[0].object_type, object_type::MAPI_FOLDER);
    assert_eq!(seen[0].parent, inbox);
    block_on(store.delete_message(&ids[0])).unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::Deleted);
    assert_eq!(kinds(&seen), [ChangeKind::Deleted]);
    assert_eq!(seen[0].entry, ids[0]);

    // A message composed in Drafts and saved: created, not new mail; a second save
    // of it: modified.
    let m = block_on(store.create_message(&drafts, 0)).unwrap();
    block_on(m.set_props(&[(tags::PR_SUBJECT, PropValue::Unicode("draft".into()))])).unwrap();
    block_on(m.save_changes(mapi_types::object::KEEP_OPEN_READWRITE)).unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::Created);
    assert_eq!(seen[0].parent, drafts);
    block_on(m.set_props(&[(tags::PR_SUBJECT, PropValue::Unicode("draft 2".into()))])).unwrap();
    block_on(m.save_changes(0)).unwrap();
    let seen = until(&rx, |c| c.kind != ChangeKind::Created || c.parent != drafts);
    assert_eq!(kinds(&seen), [ChangeKind::Modified], "{seen:?}");
    block_on(store.logoff());
}

#[test]
fn a_change_made_by_another_process_is_reported() {
    let w = Watched::new();
    let (path, store, rx) = (&w.path, &w.store, &w.rx);
    let exe = std::env::current_exe().unwrap();
    let args = [
        "import",
        &path.display().to_string(),
        "from the other process",
    ]
    .join("\u{1f}");
    let out = Command::new(exe)
        .args([
            "helper_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("IMPORTED"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = until(rx, |c| c.kind == ChangeKind::NewMail);
    let entry = &seen.last().unwrap().entry;
    let row = block_on(store.read_message(entry)).unwrap();
    assert_eq!(row.str(tags::PR_SUBJECT), Some("from the other process"));
    block_on(store.logoff());
}

#[test]
fn a_large_import_is_one_log_row_reported_per_message() {
    let w = Watched::new();
    let (path, store, rx) = (&w.path, &w.store, &w.rx);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    // More messages than the watcher expands at a time: the range is read in parts.
    let n = 5000;
    let batch = (0..n)
        .map(|i| simple_message(&format!("bulk {i}"), "Tue, 06 Feb 2024 10:00:00 +0000"))
        .collect();
    let ids = block_on(store.import_raw(&inbox, batch)).unwrap();
    // A change after it is reported after all of the batch.
    let f = block_on(store.create_folder(&inbox, "After", 0)).unwrap();
    let seen = until(rx, |c| c.entry == f);
    let created: Vec<&StoreChange> = seen
        .iter()
        .filter(|c| c.kind == ChangeKind::Created && c.object_type == object_type::MAPI_MESSAGE)
        .collect();
    let new_mail = seen
        .iter()
        .filter(|c| c.kind == ChangeKind::NewMail)
        .count();
    assert_eq!((created.len(), new_mail), (n, n));
    let mut reported: Vec<&[u8]> = created.iter().map(|c| c.entry.as_slice()).collect();
    let mut expected: Vec<&[u8]> = ids.iter().map(|e| e.as_slice()).collect();
    reported.sort();
    expected.sort();
    assert_eq!(reported, expected);
    assert!(created.iter().all(|c| c.parent == inbox));
    // Each Created is followed by its NewMail.
    for w in seen.windows(2) {
        if w[0].kind == ChangeKind::Created && w[0].object_type == object_type::MAPI_MESSAGE {
            assert_eq!((w[1].kind, &w[1].entry), (ChangeKind::NewMail, &w[0].entry));
        }
    }
    assert!(!seen.iter().any(|c| c.kind == ChangeKind::Lost));
    block_on(store.logoff());
    let rows: i64 = rusqlite::Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM store_changes WHERE kind = 1 AND is_folder = 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1, "one log row for the whole import");
}

#[test]
fn a_dropped_subscription_gets_nothing_more() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let (a, a_rx) = listener();
    let (b, b_rx) = listener();
    let sub_a = store.subscribe_changes(a).unwrap().unwrap();
    let _sub_b = store.subscribe_changes(b).unwrap().unwrap();
    drop(sub_a);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    block_on(store.import_raw(
        &inbox,
        vec![simple_message("x", "Tue, 06 Feb 2024 10:00:00 +0000")],
    ))
    .unwrap();
    // B is called after A would have been, in the same delivery.
    until(&b_rx, |c| c.kind == ChangeKind::NewMail);
    assert!(a_rx.try_recv().is_err(), "A was unsubscribed");
    block_on(store.logoff());
}

#[test]
fn removing_the_store_file_is_a_reported_failure() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let (l, rx) = listener();
    let _s = store.subscribe_changes(l).unwrap().unwrap();
    std::fs::remove_file(&path).unwrap();
    let seen = until(&rx, |c| c.kind == ChangeKind::Failed);
    let (status, why) = seen.last().unwrap().error.clone().unwrap();
    assert_eq!(status, Status::MAPI_E_NOT_FOUND);
    assert!(why.contains("removed"), "{why}");
    block_on(store.logoff());
}
