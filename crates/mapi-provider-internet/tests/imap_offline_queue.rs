//! Changes made while the IMAP store is offline (the real Dovecot stopped) queue in the
//! cache and replay in order at the next online logon: no loss, no duplicate, and a
//! change to a message deleted on the server meanwhile dropped with a status note.
//! Copies, moves and EmptyFolder included.

mod common;

use std::sync::Arc;

use common::{TestSupport, data_dir, dovecot};
use mapi_provider_internet::{InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MsgStore, Settings, Support};
use mapi_types::folder::CLEAR_READ_FLAG;
use mapi_types::{LogonFlags, PropValue, Status, tags};

async fn logon(
    settings: Settings,
    dir: &std::path::Path,
) -> (Arc<TestSupport>, Arc<InternetStore>) {
    let support = TestSupport::new(settings, LogonFlags::MAPI_FORCE_DOWNLOAD, dir);
    let store = InternetMailService
        .logon_store(support.clone() as Arc<dyn Support>)
        .await
        .expect("logon");
    (support, store)
}

/// (subject, read, entry id) of a folder's messages, by subject.
async fn listing(store: &InternetStore, kind: FolderKind) -> Vec<(String, bool, Vec<u8>)> {
    let f = store.folder(kind).await.unwrap();
    let mut v: Vec<_> = store
        .contents(&f)
        .await
        .unwrap()
        .query_rows()
        .iter()
        .map(|r| {
            (
                r.str(tags::PR_SUBJECT).unwrap_or("").to_string(),
                r.int(tags::PR_MESSAGE_FLAGS).unwrap_or(0) & 1 != 0,
                r.get(tags::PR_ENTRYID)
                    .and_then(PropValue::as_bytes)
                    .unwrap()
                    .to_vec(),
            )
        })
        .collect();
    v.sort();
    v
}

fn read_flags(l: &[(String, bool, Vec<u8>)]) -> Vec<(&str, bool)> {
    l.iter().map(|(s, r, _)| (s.as_str(), *r)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_changes_replay_in_order_without_loss_or_duplicate() {
    let mut stack = dovecot();
    stack.generate_messages("alice", "m", 0, 4, 500).unwrap();
    let cache = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    let (_, store) = logon(settings.clone(), cache.path()).await;
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let l = listing(&store, FolderKind::Inbox).await;
    assert_eq!(
        read_flags(&l),
        [
            ("m 0", false),
            ("m 1", false),
            ("m 2", false),
            ("m 3", false)
        ]
    );
    // m 3 is read before going offline, to be marked unread offline
    store
        .set_read_flags(&inbox, Some(&[l[3].2.clone()]), 0)
        .await
        .unwrap();
    store.logoff().await;
    stack.stop_dovecot();

    // offline: every change applies to the cache at once
    let (_, store) = logon(settings.clone(), cache.path()).await;
    assert!(!store.is_online());
    let r = store
        .set_read_flags(&inbox, Some(&[l[0].2.clone(), l[2].2.clone()]), 0)
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK);
    store
        .set_read_flags(&inbox, Some(&[l[3].2.clone()]), CLEAR_READ_FLAG)
        .await
        .unwrap();
    store
        .delete_messages(&inbox, &[l[1].2.clone()], 0)
        .await
        .unwrap();
    let new = store
        .import_raw(
            &drafts,
            vec![
                b"Subject: written offline\r\n\r\nkept\r\n".to_vec(),
                b"Subject: offline and deleted\r\n\r\ngone\r\n".to_vec(),
            ],
        )
        .await
        .unwrap();
    store.delete_message(&new[1]).await.unwrap();
    assert_eq!(
        read_flags(&listing(&store, FolderKind::Inbox).await),
        [("m 0", true), ("m 2", true), ("m 3", false)]
    );
    assert_eq!(
        read_flags(&listing(&store, FolderKind::Drafts).await),
        [("written offline", false)]
    );
    store.logoff().await;

    // meanwhile another client deletes m 2 on the server
    stack.restart_dovecot().unwrap();
    stack
        .doveadm(&[
            "expunge", "-u", "alice", "mailbox", "INBOX", "header", "subject", "m 2",
        ])
        .unwrap();

    // online again: the queue replays before the download
    let (support, store) = logon(settings.clone(), cache.path()).await;
    assert!(store.is_online());
    let text = support.last_row().unwrap().text.unwrap_or_default();
    assert!(text.contains("deleted on the server meanwhile"), "{text}");
    assert_eq!(
        stack.count_messages("alice", "INBOX"),
        2,
        "m 1 deleted, m 2 expunged elsewhere"
    );
    assert_eq!(
        stack.count_messages("alice", "Drafts"),
        1,
        "one APPEND, not two"
    );
    let r = store.synchronize(true).await.unwrap();
    assert_eq!(
        (r.downloaded, r.replayed),
        (0, 0),
        "nothing left to replay or fetch"
    );
    store.logoff().await;

    // a fresh cache sees the server's state: the offline changes are there
    let fresh_dir = data_dir();
    let (_, fresh) = logon(settings, fresh_dir.path()).await;
    assert_eq!(
        read_flags(&listing(&fresh, FolderKind::Inbox).await),
        [("m 0", true), ("m 3", false)]
    );
    assert_eq!(
        read_flags(&listing(&fresh, FolderKind::Drafts).await),
        [("written offline", false)]
    );
    fresh.logoff().await;
}

/// The entry id of the folder named `name` whose parent is `parent`.
async fn find(store: &InternetStore, parent: &[u8], name: &str) -> Option<Vec<u8>> {
    let bin = |r: &mapi_types::Row, tag| match r.get(tag) {
        Some(PropValue::Binary(b)) => Some(b.clone()),
        _ => None,
    };
    store.folders().await.unwrap().into_iter().find_map(|r| {
        let p = bin(&r, tags::PR_PARENT_ENTRYID)?;
        (p == parent && r.str(tags::PR_DISPLAY_NAME) == Some(name))
            .then(|| bin(&r, tags::PR_ENTRYID).unwrap())
    })
}

fn status<T: std::fmt::Debug>(r: Result<T, mapi_spi::ProviderError>) -> Status {
    r.expect_err("must fail").status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_changes_made_offline_replay_in_order() {
    use mapi_types::folder::{DEL_FOLDERS, DEL_MESSAGES, FOLDER_MOVE};
    let mut stack = dovecot();
    let cache = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    let (_, store) = logon(settings.clone(), cache.path()).await;
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    for name in ["Old", "Doomed", "Vanishing"] {
        store.create_folder(&root, name, 0).await.unwrap();
    }
    store.logoff().await;
    stack.stop_dovecot();

    // offline: each change shows in the hierarchy at once
    let (_, store) = logon(settings.clone(), cache.path()).await;
    assert!(!store.is_online());
    let projects = store.create_folder(&root, "Projects", 0).await.unwrap();
    let q1 = store.create_folder(&projects, "Q1", 0).await.unwrap();
    assert_eq!(
        status(store.create_folder(&root, "Projects", 0).await),
        Status::MAPI_E_COLLISION
    );
    assert_eq!(
        status(store.create_folder(&root, "a/b", 0).await),
        Status::MAPI_E_INVALID_PARAMETER,
        "the delimiter the last LIST gave"
    );
    store
        .import_raw(
            &q1,
            vec![b"Subject: filed offline\r\n\r\nin a new folder\r\n".to_vec()],
        )
        .await
        .unwrap();
    let old = find(&store, &root, "Old").await.unwrap();
    let renamed = store
        .copy_folder(&root, &old, &root, Some("Renamed"), FOLDER_MOVE)
        .await
        .unwrap();
    assert_eq!(renamed, old, "a move keeps the folder's entry id");
    let doomed = find(&store, &root, "Doomed").await.unwrap();
    store
        .delete_folder(&root, &doomed, DEL_MESSAGES | DEL_FOLDERS)
        .await
        .unwrap();
    let vanishing = find(&store, &root, "Vanishing").await.unwrap();
    store
        .copy_folder(&root, &vanishing, &projects, None, FOLDER_MOVE)
        .await
        .unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    assert_eq!(
        status(store.delete_folder(&root, &inbox, DEL_MESSAGES).await),
        Status::MAPI_E_NO_ACCESS
    );
    let copied = store
        .copy_folder(&root, &renamed, &projects, None, 0)
        .await
        .unwrap();
    assert_ne!(copied, renamed, "a copy is a new folder");
    store.empty_folder(&renamed, 0).await.unwrap();
    assert!(find(&store, &root, "Old").await.is_none());
    assert!(find(&store, &root, "Doomed").await.is_none());
    assert!(find(&store, &root, "Renamed").await.is_some());
    assert!(find(&store, &projects, "Q1").await.is_some());
    assert!(find(&store, &projects, "Vanishing").await.is_some());
    store.logoff().await;

    // meanwhile another client deletes Vanishing on the server
    stack.restart_dovecot().unwrap();
    stack
        .doveadm(&["mailbox", "delete", "-u", "alice", "Vanishing"])
        .unwrap();

    // online again: CREATE, CREATE, APPEND, RENAME, DELETE in order; the move of the
    // vanished folder is dropped with a note
    let (support, store) = logon(settings.clone(), cache.path()).await;
    assert!(store.is_online());
    let text = support.last_row().unwrap().text.unwrap_or_default();
    assert!(text.contains("gone from the server"), "{text}");
    assert!(stack.maildir("alice", "Projects").is_dir());
    assert_eq!(stack.count_messages("alice", "Projects.Q1"), 1);
    assert!(stack.maildir("alice", "Renamed").is_dir());
    assert!(stack.maildir("alice", "Projects.Renamed").is_dir());
    for gone in ["Old", "Doomed", "Vanishing", "Projects.Vanishing"] {
        assert!(!stack.maildir("alice", gone).exists(), "{gone}");
    }
    let r = store.synchronize(true).await.unwrap();
    assert_eq!(r.replayed, 0, "the queue is empty");
    assert!(find(&store, &projects, "Vanishing").await.is_none());
    store.logoff().await;

    // a fresh cache sees the same tree
    let fresh_dir = data_dir();
    let (_, fresh) = logon(settings, fresh_dir.path()).await;
    let root = fresh.folder(FolderKind::IpmSubtree).await.unwrap();
    let projects = find(&fresh, &root, "Projects").await.unwrap();
    let q1 = find(&fresh, &projects, "Q1").await.unwrap();
    let subjects: Vec<String> = fresh
        .contents(&q1)
        .await
        .unwrap()
        .query_rows()
        .iter()
        .map(|r| r.str(tags::PR_SUBJECT).unwrap_or("").to_string())
        .collect();
    assert_eq!(subjects, ["filed offline"]);
    assert!(find(&fresh, &root, "Renamed").await.is_some());
    assert!(find(&fresh, &root, "Doomed").await.is_none());
    fresh.logoff().await;
}

/// (subject, read) of a folder's messages, by subject.
async fn subjects(store: &InternetStore, folder: &[u8]) -> Vec<(String, bool)> {
    let mut v: Vec<_> = store
        .contents(folder)
        .await
        .unwrap()
        .query_rows()
        .iter()
        .map(|r| {
            (
                r.str(tags::PR_SUBJECT).unwrap_or("").to_string(),
                r.int(tags::PR_MESSAGE_FLAGS).unwrap_or(0) & 1 != 0,
            )
        })
        .collect();
    v.sort();
    v
}

fn owned(v: &[(&str, bool)]) -> Vec<(String, bool)> {
    v.iter().map(|(s, r)| (s.to_string(), *r)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_copies_moves_and_empties_replay_without_loss_or_duplicate() {
    use mapi_types::folder::MESSAGE_MOVE;
    let mut stack = dovecot();
    stack.generate_messages("alice", "m", 0, 5, 300).unwrap();
    let cache = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    let (_, store) = logon(settings.clone(), cache.path()).await;
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let keep = store.create_folder(&root, "Keep", 0).await.unwrap();
    let full = store.create_folder(&root, "Full", 0).await.unwrap();
    let l = listing(&store, FolderKind::Inbox).await;
    let e = |i: usize| l[i].2.clone();
    // m 0 read; m 4 filed in Full, with a subfolder there
    store
        .set_read_flags(&inbox, Some(&[e(0)]), 0)
        .await
        .unwrap();
    store
        .copy_messages(&inbox, &[e(4)], &full, MESSAGE_MOVE)
        .await
        .unwrap();
    store.create_folder(&full, "Sub", 0).await.unwrap();
    store.logoff().await;
    stack.stop_dovecot();

    // offline: each change shows in the cache at once
    let (_, store) = logon(settings.clone(), cache.path()).await;
    assert!(!store.is_online());
    let r = store
        .copy_messages(&inbox, &[e(0)], &keep, 0)
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert!(r.value[0].is_some(), "the copy's entry id");
    let r = store
        .copy_messages(&inbox, &[e(1), e(2)], &keep, MESSAGE_MOVE)
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK);
    // a message moved twice while offline: INBOX -> Keep -> Full
    let r = store
        .copy_messages(&inbox, &[e(3)], &keep, MESSAGE_MOVE)
        .await
        .unwrap();
    let twice = r.value[0].clone().unwrap();
    store
        .copy_messages(&keep, &[twice], &full, MESSAGE_MOVE)
        .await
        .unwrap();
    let full_copy = store
        .copy_folder(&root, &full, &root, Some("FullCopy"), 0)
        .await
        .err();
    assert!(
        full_copy.is_some_and(|e| e.status == Status::MAPI_E_NO_SUPPORT),
        "a folder with subfolders is not copied, online or offline"
    );
    let keep_copy = store
        .copy_folder(&root, &keep, &root, Some("KeepCopy"), 0)
        .await
        .unwrap();
    store.empty_folder(&full, 0).await.unwrap();
    let want_inbox = owned(&[("m 0", true)]);
    let want_keep = owned(&[("m 0", true), ("m 1", false), ("m 2", false)]);
    assert_eq!(subjects(&store, &inbox).await, want_inbox);
    assert_eq!(subjects(&store, &keep).await, want_keep);
    assert_eq!(subjects(&store, &keep_copy).await, want_keep);
    assert!(subjects(&store, &full).await.is_empty());
    assert!(find(&store, &full, "Sub").await.is_none());
    store.logoff().await;

    // meanwhile another client deletes m 2 (the source of a move) on the server
    stack.restart_dovecot().unwrap();
    stack
        .doveadm(&[
            "expunge", "-u", "alice", "mailbox", "INBOX", "header", "subject", "m 2",
        ])
        .unwrap();

    // online again: the queue replays in order before the download
    let (support, store) = logon(settings.clone(), cache.path()).await;
    assert!(store.is_online());
    let text = support.last_row().unwrap().text.unwrap_or_default();
    assert!(text.contains("deleted on the server meanwhile"), "{text}");
    for (folder, n) in [("INBOX", 1), ("Keep", 3), ("KeepCopy", 3), ("Full", 0)] {
        assert_eq!(stack.count_messages("alice", folder), n, "{folder}");
    }
    assert!(!stack.maildir("alice", "Full.Sub").exists());
    let r = store.synchronize(true).await.unwrap();
    assert_eq!(
        (r.downloaded, r.replayed),
        (0, 0),
        "nothing left to replay or fetch"
    );
    assert_eq!(subjects(&store, &keep).await, want_keep);
    store.logoff().await;

    // a fresh cache sees the server's state
    let fresh_dir = data_dir();
    let (_, fresh) = logon(settings, fresh_dir.path()).await;
    let root = fresh.folder(FolderKind::IpmSubtree).await.unwrap();
    let inbox = fresh.folder(FolderKind::Inbox).await.unwrap();
    assert_eq!(subjects(&fresh, &inbox).await, want_inbox);
    for (name, want) in [("Keep", &want_keep), ("KeepCopy", &want_keep)] {
        let f = find(&fresh, &root, name).await.unwrap();
        assert_eq!(&subjects(&fresh, &f).await, want, "{name}");
    }
    let full = find(&fresh, &root, "Full").await.unwrap();
    assert!(subjects(&fresh, &full).await.is_empty());
    fresh.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_copy_of_a_message_deleted_on_the_server_is_dropped_with_a_note() {
    let mut stack = dovecot();
    stack.generate_messages("alice", "c", 0, 2, 300).unwrap();
    let cache = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    let (_, store) = logon(settings.clone(), cache.path()).await;
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let keep = store.create_folder(&root, "Copies", 0).await.unwrap();
    let l = listing(&store, FolderKind::Inbox).await;
    store.logoff().await;
    stack.stop_dovecot();

    // offline: both messages copied (plain copies, the originals stay)
    let (_, store) = logon(settings.clone(), cache.path()).await;
    assert!(!store.is_online());
    let r = store
        .copy_messages(&inbox, &[l[0].2.clone(), l[1].2.clone()], &keep, 0)
        .await
        .unwrap();
    assert!(r.value.iter().all(Option::is_some));
    assert_eq!(
        subjects(&store, &keep).await,
        owned(&[("c 0", false), ("c 1", false)])
    );
    store.logoff().await;

    // meanwhile another client deletes the original of one copy
    stack.restart_dovecot().unwrap();
    stack
        .doveadm(&[
            "expunge", "-u", "alice", "mailbox", "INBOX", "header", "subject", "c 1",
        ])
        .unwrap();

    let (support, store) = logon(settings, cache.path()).await;
    assert!(store.is_online());
    let text = support.last_row().unwrap().text.unwrap_or_default();
    assert!(
        text.contains("a copy made offline") && text.contains("deleted on the server meanwhile"),
        "{text}"
    );
    assert_eq!(
        stack.count_messages("alice", "Copies"),
        1,
        "only c 0's copy"
    );
    assert_eq!(subjects(&store, &keep).await, owned(&[("c 0", false)]));
    let r = store.synchronize(true).await.unwrap();
    assert_eq!((r.downloaded, r.replayed), (0, 0), "nothing left queued");
    store.logoff().await;
}
