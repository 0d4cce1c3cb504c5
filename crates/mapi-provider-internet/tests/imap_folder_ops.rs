//! IMAPIFolder's folder and message operations on the IMAP store against a real Dovecot:
//! each reaches the server (checked on disk and by a second, fresh logon) and the cache,
//! and each refusal MAPI documents comes before anything changes.

mod common;

use std::sync::Arc;

use common::{TestSupport, data_dir, dovecot};
use mapi_provider_internet::{InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MsgStore, Settings, Support};
use mapi_test_support::MailStack;
use mapi_types::PropValue;
use mapi_types::folder::{
    CLEAR_READ_FLAG, DEL_FOLDERS, DEL_MESSAGES, FOLDER_MOVE, MESSAGE_MOVE, OPEN_IF_EXISTS,
};
use mapi_types::{LogonFlags, Row, Status, tags};

async fn logon(settings: Settings, dir: &std::path::Path) -> Arc<InternetStore> {
    let support = TestSupport::new(settings, LogonFlags::MAPI_FORCE_DOWNLOAD, dir);
    InternetMailService
        .logon_store(support as Arc<dyn Support>)
        .await
        .expect("logon")
}

async fn folder_rows(store: &InternetStore) -> Vec<Row> {
    store.folders().await.unwrap()
}

/// The entry id of the folder named `name` whose parent is `parent`.
async fn find(store: &InternetStore, parent: &[u8], name: &str) -> Option<Vec<u8>> {
    let bin = |r: &Row, tag| match r.get(tag) {
        Some(PropValue::Binary(b)) => Some(b.clone()),
        _ => None,
    };
    folder_rows(store).await.into_iter().find_map(|r| {
        let p = bin(&r, tags::PR_PARENT_ENTRYID)?;
        (p == parent && r.str(tags::PR_DISPLAY_NAME) == Some(name))
            .then(|| bin(&r, tags::PR_ENTRYID).unwrap())
    })
}

/// (subject, read) of a folder's messages, sorted by subject.
async fn listing(store: &InternetStore, folder: &[u8]) -> Vec<(String, bool)> {
    let mut v: Vec<(String, bool)> = store
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

fn status<T: std::fmt::Debug>(r: Result<T, mapi_spi::ProviderError>) -> Status {
    r.expect_err("must fail").status
}

fn message(subject: &str) -> Vec<u8> {
    format!("From: a@example.org\r\nSubject: {subject}\r\n\r\n{subject} body\r\n").into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_operations_reach_the_server_and_the_cache() {
    let stack: MailStack = dovecot();
    let dir = data_dir();
    let store = logon(stack.settings("alice", "starttls", "tls"), dir.path()).await;
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();

    // CreateFolder, with a name outside ASCII (modified UTF-7 on the server)
    let projects = store.create_folder(&root, "Projects", 0).await.unwrap();
    assert!(
        stack.maildir("alice", "Projects").is_dir(),
        "created on the server"
    );
    assert_eq!(
        find(&store, &root, "Projects").await,
        Some(projects.clone())
    );
    assert_eq!(
        status(store.create_folder(&root, "Projects", 0).await),
        Status::MAPI_E_COLLISION
    );
    assert_eq!(
        store
            .create_folder(&root, "Projects", OPEN_IF_EXISTS)
            .await
            .unwrap(),
        projects
    );
    let drafts2 = store.create_folder(&projects, "Entwürfe", 0).await.unwrap();
    assert!(stack.maildir("alice", "Projects.Entw&APw-rfe").is_dir());
    // a name the server refuses (Maildir++ keeps `.` for itself): its refusal, nothing cached
    let e = store
        .create_folder(&root, "a.b", 0)
        .await
        .expect_err("refused");
    assert_eq!(e.status, Status::MAPI_E_CALL_FAILED, "{e}");
    assert_eq!(find(&store, &root, "a.b").await, None);
    assert_eq!(
        find(&store, &projects, "Entwürfe").await,
        Some(drafts2.clone())
    );
    // the harness's Dovecot has `/` as its hierarchy delimiter
    for bad in ["", "a/b", "tab\there"] {
        assert_eq!(
            status(store.create_folder(&root, bad, 0).await),
            Status::MAPI_E_INVALID_PARAMETER,
            "{bad:?}"
        );
    }
    assert_eq!(
        status(store.create_folder(&root, "X", 0x100).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );

    // messages in it; SetReadFlags both ways
    let ids = store
        .import_raw(
            &projects,
            vec![message("one"), message("two"), message("three")],
        )
        .await
        .unwrap();
    // a cached message as a read-only property object
    let obj = store.open_message(&ids[1], 0).await.unwrap();
    let got = obj
        .get_props(Some(&[tags::PR_SUBJECT, tags::PR_BODY]), 0)
        .await
        .unwrap();
    assert_eq!(got.value[0].1, PropValue::Unicode("two".into()));
    // read-only unless opened with MAPI_MODIFY (tests/imap_reopen.rs saves one)
    assert_eq!(
        status(
            obj.set_props(&[(tags::PR_SUBJECT, PropValue::Unicode("x".into()))])
                .await
        ),
        Status::MAPI_E_NO_ACCESS
    );
    let writable = store
        .open_message(&ids[1], mapi_types::object::MAPI_MODIFY)
        .await
        .unwrap();
    assert!(
        writable
            .set_props(&[(tags::PR_SUBJECT, PropValue::Unicode("x".into()))])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        status(store.open_message(&ids[1], 0x4000_0000).await.map(|_| ())),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    let r = store
        .set_read_flags(&projects, Some(&ids[..2]), 0)
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(
        listing(&store, &projects).await,
        [
            ("one".into(), true),
            ("three".into(), false),
            ("two".into(), true)
        ]
    );
    store
        .set_read_flags(&projects, Some(&ids[1..2]), CLEAR_READ_FLAG)
        .await
        .unwrap();
    // a message of another folder is not found there: partial completion
    let foreign = store
        .import_raw(&inbox, vec![message("inbox mail")])
        .await
        .unwrap();
    let r = store
        .set_read_flags(&projects, Some(&[ids[2].clone(), foreign[0].clone()]), 0)
        .await
        .unwrap();
    assert_eq!(r.status, Status::MAPI_W_PARTIAL_COMPLETION);
    assert_eq!(
        listing(&store, &projects).await,
        [
            ("one".into(), true),
            ("three".into(), true),
            ("two".into(), false)
        ]
    );

    // CopyMessages (server side) and MESSAGE_MOVE
    let r = store
        .copy_messages(&projects, &ids[..1], &inbox, 0)
        .await
        .unwrap();
    assert!(r.value[0].is_some());
    let r = store
        .copy_messages(&projects, &ids[1..2], &inbox, MESSAGE_MOVE)
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(
        (
            stack.count_messages("alice", "Projects"),
            stack.count_messages("alice", "INBOX")
        ),
        (2, 3)
    );

    // DeleteFolder refuses a folder that is not empty, and well-known folders
    assert_eq!(
        status(store.delete_folder(&root, &projects, 0).await),
        Status::MAPI_E_HAS_FOLDERS
    );
    assert_eq!(
        status(store.delete_folder(&root, &projects, DEL_FOLDERS).await),
        Status::MAPI_E_HAS_MESSAGES
    );
    assert_eq!(
        status(store.delete_folder(&root, &inbox, DEL_MESSAGES).await),
        Status::MAPI_E_NO_ACCESS
    );
    assert!(
        stack.maildir("alice", "Projects").is_dir(),
        "nothing deleted"
    );

    // CopyFolder with FOLDER_MOVE renames on the server; a cycle is refused
    assert_eq!(
        status(
            store
                .copy_folder(&root, &projects, &drafts2, None, FOLDER_MOVE)
                .await
        ),
        Status::MAPI_E_FOLDER_CYCLE
    );
    let moved = store
        .copy_folder(&projects, &drafts2, &root, Some("Archive"), FOLDER_MOVE)
        .await
        .unwrap();
    assert_eq!(moved, drafts2, "a moved folder keeps its entry id");
    assert!(stack.maildir("alice", "Archive").is_dir());
    assert!(!stack.maildir("alice", "Projects.Entw&APw-rfe").exists());

    // DeleteMessages with one not there: partial; then EmptyFolder and DeleteFolder
    let r = store
        .delete_messages(&projects, &[ids[0].clone(), foreign[0].clone()], 0)
        .await
        .unwrap();
    assert_eq!(r.status, Status::MAPI_W_PARTIAL_COMPLETION);
    assert_eq!(stack.count_messages("alice", "Projects"), 1);
    store.empty_folder(&projects, 0).await.unwrap();
    assert_eq!(stack.count_messages("alice", "Projects"), 0);
    assert!(listing(&store, &projects).await.is_empty());
    store.delete_folder(&root, &projects, 0).await.unwrap();
    assert!(!stack.maildir("alice", "Projects").exists());
    assert_eq!(find(&store, &root, "Projects").await, None);
    store.logoff().await;

    // a second logon into a new cache sees what the server now holds
    let dir2 = data_dir();
    let fresh = logon(stack.settings("alice", "starttls", "tls"), dir2.path()).await;
    let root2 = fresh.folder(FolderKind::IpmSubtree).await.unwrap();
    assert!(find(&fresh, &root2, "Archive").await.is_some());
    assert!(find(&fresh, &root2, "Projects").await.is_none());
    let inbox2 = fresh.folder(FolderKind::Inbox).await.unwrap();
    assert_eq!(
        listing(&fresh, &inbox2).await,
        [
            ("inbox mail".into(), false),
            ("one".into(), true),
            ("two".into(), false)
        ]
    );
    fresh.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_folder_counts_its_messages_right_after_copy_folder() {
    let stack: MailStack = dovecot();
    let dir = data_dir();
    let store = logon(stack.settings("alice", "starttls", "tls"), dir.path()).await;
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    let src = store.create_folder(&root, "Source", 0).await.unwrap();
    let ids = store
        .import_raw(&src, vec![message("one"), message("two"), message("three")])
        .await
        .unwrap();
    store
        .set_read_flags(&src, Some(&ids[..1]), 0)
        .await
        .unwrap();
    let copy = store
        .copy_folder(&root, &src, &root, Some("Copy"), 0)
        .await
        .unwrap();
    // no synchronisation in between: the cache has the copy's messages already
    let row = folder_rows(&store)
        .await
        .into_iter()
        .find(|r| r.get(tags::PR_ENTRYID) == Some(&PropValue::Binary(copy.clone())))
        .expect("the copy's hierarchy row");
    assert_eq!(row.int(tags::PR_CONTENT_COUNT), Some(3));
    assert_eq!(row.int(tags::PR_CONTENT_UNREAD), Some(2));
    assert_eq!(listing(&store, &copy).await, listing(&store, &src).await);
    assert_eq!(stack.count_messages("alice", "Copy"), 3);
    store.logoff().await;
}
