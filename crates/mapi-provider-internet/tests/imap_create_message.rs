//! CreateMessage on the IMAP store against a real Dovecot: a writable message object
//! whose SaveChanges APPENDs its RFC 5322 form (standard MIME, as Python's `email`
//! reads it) and puts it in the cache under its PR_ENTRYID; a second save replaces the
//! server copy; offline the APPEND is queued and replayed. Each refusal with its code.

mod common;

use std::sync::Arc;

use common::{TestSupport, data_dir, dovecot};
use mapi_provider_internet::{InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MsgStore, PropObject, Settings, Support};
use mapi_test_support::python_reads;
use mapi_types::object::{
    IID_ISTREAM, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_CREATE, MAPI_MODIFY, STREAM_SEEK_SET,
};
use mapi_types::recipient::{
    MAPI_BCC, MAPI_CC, MAPI_TO, MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE,
};
use mapi_types::{LogonFlags, PropTag, PropType, PropValue, Row, Status, tags};

async fn logon(settings: &Settings, dir: &std::path::Path) -> Arc<InternetStore> {
    let support = TestSupport::new(settings.clone(), LogonFlags::MAPI_FORCE_DOWNLOAD, dir);
    InternetMailService
        .logon_store(support as Arc<dyn Support>)
        .await
        .expect("logon")
}

fn text(s: &str) -> PropValue {
    PropValue::Unicode(s.into())
}

fn rcpt(kind: i32, name: &str, email: &str) -> Row {
    let mut r = Row::default();
    r.set(tags::PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(tags::PR_DISPLAY_NAME, text(name));
    r.set(tags::PR_EMAIL_ADDRESS, text(email));
    r.set(tags::PR_ADDRTYPE, text("SMTP"));
    r
}

fn status<T>(r: Result<T, mapi_spi::ProviderError>) -> Status {
    match r {
        Ok(_) => panic!("must fail"),
        Err(e) => e.status,
    }
}

async fn prop(m: &dyn PropObject, tag: PropTag) -> PropValue {
    let r = m.get_props(Some(&[tag]), 0).await.unwrap();
    r.value[0].1.clone()
}

/// (subject, entry id) of a folder's messages.
async fn listing(store: &InternetStore, folder: &[u8]) -> Vec<(String, Vec<u8>)> {
    store
        .contents(folder)
        .await
        .unwrap()
        .query_rows()
        .iter()
        .map(|r| {
            (
                r.str(tags::PR_SUBJECT).unwrap_or("").to_string(),
                r.get(tags::PR_ENTRYID)
                    .and_then(PropValue::as_bytes)
                    .unwrap()
                    .to_vec(),
            )
        })
        .collect()
}

/// Writes `data` into a new stream over `tag` and commits it.
async fn stream_in(m: &dyn PropObject, tag: PropTag, data: &[u8]) {
    let s = m
        .open_property(tag, &IID_ISTREAM, MAPI_MODIFY | MAPI_CREATE)
        .await
        .unwrap();
    assert_eq!(s.write(data).await.unwrap(), data.len());
    s.commit(0).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_message_is_appended_cached_and_replaced_on_a_second_save() {
    let stack = dovecot();
    let dir = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    let store = logon(&settings, dir.path()).await;
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let m = store.create_message(&drafts, 0).await.unwrap();

    // nothing exists before SaveChanges
    let r = m
        .get_props(Some(&[tags::PR_ENTRYID, tags::PR_MESSAGE_CLASS]), 0)
        .await
        .unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(r.value[0].1, PropValue::Error(Status::MAPI_E_NOT_FOUND.0));
    assert_eq!(r.value[1].1, text("IPM.Note"));
    assert_eq!(stack.count_messages("alice", "Drafts"), 0);

    let problems = m
        .set_props(&[
            (tags::PR_SUBJECT, text("Quarterly figures")),
            (tags::PR_SENDER_NAME, text("Alice")),
            (tags::PR_SENDER_EMAIL_ADDRESS, text("alice@example.org")),
            (tags::PR_ENTRYID, PropValue::Binary(vec![1, 2, 3])),
            (
                tags::PR_SUBJECT.with_type(PropType::PT_LONG),
                text("wrong type"),
            ),
        ])
        .await
        .unwrap();
    let codes: Vec<(usize, Status)> = problems.iter().map(|p| (p.index, p.status)).collect();
    assert_eq!(
        codes,
        [(3, Status::MAPI_E_COMPUTED), (4, Status::MAPI_E_BAD_VALUE)]
    );
    m.modify_recipients(
        MODRECIP_ADD,
        &[
            rcpt(MAPI_TO, "Bob", "bob@example.org"),
            rcpt(MAPI_CC, "Carol", "carol@example.org"),
            rcpt(MAPI_BCC, "Dave", "dave@example.org"),
        ],
    )
    .await
    .unwrap();
    // a row with no type, and a PR_ROWID the message does not have: nothing changes
    let mut untyped = rcpt(MAPI_TO, "Eve", "eve@example.org");
    untyped
        .0
        .retain(|(t, _)| t.id() != tags::PR_RECIPIENT_TYPE.id());
    assert_eq!(
        status(m.modify_recipients(MODRECIP_ADD, &[untyped]).await),
        Status::MAPI_E_INVALID_PARAMETER
    );
    let mut stranger = rcpt(MAPI_TO, "Eve", "eve@example.org");
    stranger.set(tags::PR_ROWID, PropValue::Long(99));
    assert_eq!(
        status(m.modify_recipients(MODRECIP_MODIFY, &[stranger]).await),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(
            m.modify_recipients(MODRECIP_ADD | MODRECIP_REMOVE, &[])
                .await
        ),
        Status::MAPI_E_INVALID_PARAMETER
    );
    let mut table = m.recipient_table(0).await.unwrap();
    assert_eq!(table.count().unwrap(), 3);
    assert_eq!(
        prop(&*m, tags::PR_DISPLAY_TO).await,
        text("Bob"),
        "PR_DISPLAY_TO from the recipients"
    );

    // the bodies through streams
    stream_in(&*m, tags::PR_BODY, b"Figures attached.\r\n").await;
    stream_in(&*m, tags::PR_HTML, b"<p>Figures <b>attached</b>.</p>").await;
    let s = m
        .open_property(tags::PR_BODY, &IID_ISTREAM, MAPI_MODIFY)
        .await
        .unwrap();
    assert_eq!(status(s.set_size(2 << 30).await), Status::MAPI_E_TOO_BIG);
    s.seek(0, STREAM_SEEK_SET).await.unwrap();
    let mut buf = [0u8; 7];
    assert_eq!(s.read(&mut buf).await.unwrap(), 7);
    assert_eq!(&buf, b"Figures");
    let ro = m
        .open_property(tags::PR_BODY, &IID_ISTREAM, 0)
        .await
        .unwrap();
    assert_eq!(status(ro.write(b"x").await), Status::MAPI_E_NO_ACCESS);

    assert_eq!(
        status(
            m.save_changes(KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE)
                .await
        ),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(m.save_changes(0x100).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    m.save_changes(KEEP_OPEN_READWRITE).await.unwrap();

    // on the server (a \Draft), in the cache under its PR_ENTRYID
    let entry = prop(&*m, tags::PR_ENTRYID)
        .await
        .as_bytes()
        .unwrap()
        .to_vec();
    assert_eq!(stack.count_messages("alice", "Drafts"), 1);
    let on_disk = stack.read_messages("alice", "Drafts");
    let names: Vec<_> = std::fs::read_dir(stack.maildir("alice", "Drafts").join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.ends_with(":2,DS")),
        "\\Draft and \\Seen: {names:?}"
    );
    assert_eq!(
        listing(&store, &drafts).await,
        [("Quarterly figures".to_string(), entry.clone())]
    );
    let py = python_reads(&on_disk[0]);
    assert_eq!(py["subject"], "Quarterly figures");
    assert_eq!(py["from"], "Alice <alice@example.org>");
    assert_eq!(py["to"], "Bob <bob@example.org>");
    assert_eq!(py["cc"], "Carol <carol@example.org>");
    assert!(py["bcc"].is_null(), "Bcc is not written");
    assert_eq!(py["text"], "Figures attached.\n");
    assert_eq!(py["html"], "<p>Figures <b>attached</b>.</p>");
    assert_eq!(py["defects"], 0);
    let id = prop(&*m, tags::PR_INTERNET_MESSAGE_ID).await;
    assert_eq!(
        py["message_id"].as_str(),
        id.as_str(),
        "the Message-ID the object shows"
    );

    // saved again: the server copy is replaced, the entry id stays
    m.set_props(&[(tags::PR_SUBJECT, text("Quarterly figures, corrected"))])
        .await
        .unwrap();
    m.modify_recipients(
        MODRECIP_REMOVE,
        &[{
            let mut r = Row::default();
            r.set(tags::PR_ROWID, PropValue::Long(2));
            r
        }],
    )
    .await
    .unwrap();
    m.save_changes(0).await.unwrap();
    assert_eq!(
        stack.count_messages("alice", "Drafts"),
        1,
        "replaced, not added"
    );
    let py = python_reads(&stack.read_messages("alice", "Drafts")[0]);
    assert_eq!(py["subject"], "Quarterly figures, corrected");
    assert!(py["cc"].is_null(), "Carol was removed");
    assert_eq!(
        listing(&store, &drafts).await,
        [("Quarterly figures, corrected".to_string(), entry.clone())]
    );
    let raw = store.read_raw(&entry).await.unwrap();
    assert_eq!(
        python_reads(&raw)["subject"],
        "Quarterly figures, corrected"
    );
    // saved without KEEP_OPEN_*: the object is done
    assert_eq!(
        status(m.set_props(&[(tags::PR_SUBJECT, text("late"))]).await),
        Status::MAPI_E_INVALID_OBJECT
    );

    // KEEP_OPEN_READONLY: readable, not writable
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let n = store.create_message(&inbox, 0).await.unwrap();
    n.set_props(&[(tags::PR_SUBJECT, text("filed"))])
        .await
        .unwrap();
    n.save_changes(KEEP_OPEN_READONLY).await.unwrap();
    assert_eq!(prop(&*n, tags::PR_SUBJECT).await, text("filed"));
    assert_eq!(
        status(n.set_props(&[(tags::PR_SUBJECT, text("again"))]).await),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(stack.count_messages("alice", "INBOX"), 1);
    let inbox_names: Vec<_> = std::fs::read_dir(stack.maildir("alice", "INBOX").join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        inbox_names.iter().all(|n| !n.contains('D')),
        "no \\Draft outside Drafts: {inbox_names:?}"
    );

    // where no message can be made
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    assert_eq!(
        status(store.create_message(&root, 0).await),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(
        status(store.create_message(&drafts, 0x1000).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(store.create_message(&drafts, 0x40).await),
        Status::MAPI_E_NO_SUPPORT,
        "MAPI_ASSOCIATED"
    );
    assert_eq!(
        status(store.create_message(b"not an entry id", 0).await),
        Status::MAPI_E_INVALID_ENTRYID
    );
    store.logoff().await;

    // a fresh cache downloads what the server holds
    let fresh_dir = data_dir();
    let fresh = logon(&settings, fresh_dir.path()).await;
    let drafts = fresh.folder(FolderKind::Drafts).await.unwrap();
    let l = listing(&fresh, &drafts).await;
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].0, "Quarterly figures, corrected");
    fresh.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_created_offline_is_appended_at_the_next_online_logon() {
    let mut stack = dovecot();
    let dir = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    logon(&settings, dir.path()).await.logoff().await;
    stack.stop_dovecot();

    let store = logon(&settings, dir.path()).await;
    assert!(!store.is_online());
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let m = store.create_message(&drafts, 0).await.unwrap();
    m.set_props(&[(tags::PR_SUBJECT, text("written on the train"))])
        .await
        .unwrap();
    m.modify_recipients(0, &[rcpt(MAPI_TO, "Bob", "bob@example.org")])
        .await
        .unwrap();
    m.save_changes(KEEP_OPEN_READWRITE).await.unwrap();
    let entry = prop(&*m, tags::PR_ENTRYID)
        .await
        .as_bytes()
        .unwrap()
        .to_vec();
    assert_eq!(
        listing(&store, &drafts).await,
        [("written on the train".to_string(), entry.clone())]
    );
    // saved again offline: still one queued message, with the new bytes
    m.set_props(&[(tags::PR_SUBJECT, text("written on the train, v2"))])
        .await
        .unwrap();
    m.save_changes(0).await.unwrap();
    assert_eq!(
        listing(&store, &drafts).await,
        [("written on the train, v2".to_string(), entry)]
    );
    // made in a folder that is moved (offline too) before the message is saved: it
    // goes where the folder is then
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    let notes = store.create_folder(&root, "Notes", 0).await.unwrap();
    let n = store.create_message(&notes, 0).await.unwrap();
    n.set_props(&[(tags::PR_SUBJECT, text("a note"))])
        .await
        .unwrap();
    store
        .copy_folder(
            &root,
            &notes,
            &root,
            Some("Notebook"),
            mapi_types::folder::FOLDER_MOVE,
        )
        .await
        .unwrap();
    n.save_changes(0).await.unwrap();
    store.logoff().await;

    stack.restart_dovecot().unwrap();
    let store = logon(&settings, dir.path()).await;
    assert!(store.is_online());
    assert_eq!(stack.count_messages("alice", "Drafts"), 1, "one APPEND");
    let py = python_reads(&stack.read_messages("alice", "Drafts")[0]);
    assert_eq!(py["subject"], "written on the train, v2");
    assert_eq!(py["to"], "Bob <bob@example.org>");
    let names: Vec<_> = std::fs::read_dir(stack.maildir("alice", "Drafts").join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.ends_with(":2,DS")),
        "\\Draft and \\Seen kept in the queue: {names:?}"
    );
    assert!(!stack.maildir("alice", "Notes").exists());
    assert_eq!(stack.count_messages("alice", "Notebook"), 1);
    let r = store.synchronize(true).await.unwrap();
    assert_eq!(r.replayed, 0);
    assert_eq!(listing(&store, &drafts).await.len(), 1);

    store.logoff().await;
}
