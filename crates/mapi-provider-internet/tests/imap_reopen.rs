//! Saved IMAP messages opened again with MAPI_MODIFY, against a real Dovecot: SetProps
//! and SaveChanges replace the server copy (APPEND of the new version, expunge of the
//! old; the cache row and so the entry id stay), another session's save in between is
//! MAPI_E_OBJECT_CHANGED, and a message saved after DeleteProps(PR_BODY) has no body.

mod common;

use std::sync::Arc;

use common::{TestSupport, data_dir};
use mapi_provider_internet::{InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MsgStore, PropObject, Settings, Support};
use mapi_test_support::{MailStack, Options, python_reads};
use mapi_types::object::{FORCE_SAVE, KEEP_OPEN_READWRITE, MAPI_MODIFY};
use mapi_types::{LogonFlags, PropTag, PropType, PropValue, Status, tags};

fn stack() -> MailStack {
    MailStack::start(Options {
        max_userip_connections: 4,
        ..Options::default()
    })
    .unwrap_or_else(|e| panic!("mail stack: {e}"))
}

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

async fn prop(m: &dyn PropObject, tag: PropTag) -> PropValue {
    m.get_props(Some(&[tag]), 0).await.unwrap().value[0]
        .1
        .clone()
}

fn status<T>(r: Result<T, mapi_spi::ProviderError>) -> Status {
    match r {
        Ok(_) => panic!("must fail"),
        Err(e) => e.status,
    }
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

const MESSAGE: &[u8] = b"From: Bob <bob@example.org>\r\nTo: Alice <alice@localhost>\r\n\
Cc: Carol <carol@example.org>\r\nSubject: Plans\r\nMessage-ID: <plans@example.org>\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe plans.\r\n\
--b1\r\nContent-Type: application/octet-stream\r\n\
Content-Disposition: attachment; filename=\"plan.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--b1--\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_message_reopened_with_modify_replaces_the_server_copy() {
    let stack = stack();
    let dir = data_dir();
    let settings = stack.settings("alice", "tls", "tls");
    let store = logon(&settings, dir.path()).await;
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let entry = store
        .import_raw(&inbox, vec![MESSAGE.to_vec()])
        .await
        .unwrap()
        .remove(0);

    let m = store.open_message(&entry, MAPI_MODIFY).await.unwrap();
    assert_eq!(prop(&*m, tags::PR_SUBJECT).await, text("Plans"));
    assert_eq!(m.recipient_table(0).await.unwrap().count().unwrap(), 2);
    assert_eq!(m.attachment_table(0).await.unwrap().count().unwrap(), 1);
    let problems = m
        .set_props(&[
            (tags::PR_SUBJECT, text("Plans, revised")),
            (tags::PR_BODY, text("The revised plans.")),
        ])
        .await
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    // nothing changes before SaveChanges
    assert!(stack.read_messages("alice", "INBOX")[0].starts_with(b"From: Bob"));
    m.save_changes(KEEP_OPEN_READWRITE).await.unwrap();

    // the server has the new version only, with its recipients and attachment
    let on_server = stack.read_messages("alice", "INBOX");
    assert_eq!(on_server.len(), 1, "APPEND of the new, expunge of the old");
    let parsed = python_reads(&on_server[0]);
    assert_eq!(parsed["subject"], "Plans, revised");
    assert!(
        parsed["to"].as_str().unwrap().contains("alice@localhost"),
        "{parsed}"
    );
    assert!(
        parsed["cc"].as_str().unwrap().contains("carol@example.org"),
        "{parsed}"
    );
    assert!(
        parsed["text"].as_str().unwrap().contains("revised plans"),
        "{parsed}"
    );
    assert_eq!(parsed["attachments"][0][0], "plan.bin", "{parsed}");
    assert_eq!(parsed["attachments"][0][2], "0001020304", "{parsed}");
    // the cache too, under the same entry id
    assert_eq!(
        listing(&store, &inbox).await,
        [("Plans, revised".to_string(), entry.clone())]
    );
    let back = store.read_message(&entry).await.unwrap();
    assert_eq!(back.str(tags::PR_SUBJECT), Some("Plans, revised"));
    assert_eq!(
        prop(&*m, tags::PR_ENTRYID).await,
        PropValue::Binary(entry.clone())
    );

    // saved again from the same object: not another session's change
    m.set_props(&[(tags::PR_SUBJECT, text("Plans, final"))])
        .await
        .unwrap();
    m.save_changes(0).await.unwrap();
    assert_eq!(stack.read_messages("alice", "INBOX").len(), 1);
    assert_eq!(
        listing(&store, &inbox).await,
        [("Plans, final".to_string(), entry.clone())]
    );
    store.logoff().await;

    // a fresh cache sees the server's one message
    let fresh_dir = data_dir();
    let fresh = logon(&settings, fresh_dir.path()).await;
    let subjects: Vec<String> = listing(&fresh, &inbox_of(&fresh).await)
        .await
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(subjects, ["Plans, final"]);
    fresh.logoff().await;
}

async fn inbox_of(store: &InternetStore) -> Vec<u8> {
    store.folder(FolderKind::Inbox).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_by_another_session_in_between_is_object_changed() {
    let stack = stack();
    let settings = stack.settings("alice", "tls", "tls");
    let (dir_a, dir_b) = (data_dir(), data_dir());
    let a = logon(&settings, dir_a.path()).await;
    let entry_a = a
        .import_raw(&inbox_of(&a).await, vec![MESSAGE.to_vec()])
        .await
        .unwrap()
        .remove(0);
    // a second session, with a cache of its own
    let b = logon(&settings, dir_b.path()).await;
    let entry_b = listing(&b, &inbox_of(&b).await).await.remove(0).1;

    let ma = a.open_message(&entry_a, MAPI_MODIFY).await.unwrap();
    let mb = b.open_message(&entry_b, MAPI_MODIFY).await.unwrap();
    ma.set_props(&[(tags::PR_SUBJECT, text("A's version"))])
        .await
        .unwrap();
    mb.set_props(&[(tags::PR_SUBJECT, text("B's version"))])
        .await
        .unwrap();
    ma.save_changes(0).await.unwrap();
    assert_eq!(
        status(mb.save_changes(KEEP_OPEN_READWRITE).await),
        Status::MAPI_E_OBJECT_CHANGED
    );
    let on_server = stack.read_messages("alice", "INBOX");
    assert_eq!(on_server.len(), 1, "B's refused save changed nothing");
    assert_eq!(python_reads(&on_server[0])["subject"], "A's version");

    // two objects of one session: the second save is refused the same way
    let first = a.open_message(&entry_a, MAPI_MODIFY).await.unwrap();
    let second = a.open_message(&entry_a, MAPI_MODIFY).await.unwrap();
    first
        .set_props(&[(tags::PR_SUBJECT, text("first"))])
        .await
        .unwrap();
    first.save_changes(0).await.unwrap();
    second
        .set_props(&[(tags::PR_SUBJECT, text("second"))])
        .await
        .unwrap();
    assert_eq!(
        status(second.save_changes(KEEP_OPEN_READWRITE).await),
        Status::MAPI_E_OBJECT_CHANGED
    );
    // FORCE_SAVE overwrites
    second.save_changes(FORCE_SAVE).await.unwrap();
    let on_server = stack.read_messages("alice", "INBOX");
    assert_eq!(on_server.len(), 1);
    assert_eq!(python_reads(&on_server[0])["subject"], "second");
    a.logoff().await;
    b.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_saved_after_delete_props_body_reads_back_without_a_body() {
    let stack = stack();
    let dir = data_dir();
    let store = logon(&stack.settings("alice", "tls", "tls"), dir.path()).await;
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let m = store.create_message(&drafts, 0).await.unwrap();
    m.set_props(&[
        (tags::PR_SUBJECT, text("no body")),
        (tags::PR_BODY, text("gone")),
    ])
    .await
    .unwrap();
    assert!(m.delete_props(&[tags::PR_BODY]).await.unwrap().is_empty());
    m.save_changes(0).await.unwrap();
    let entry = listing(&store, &drafts).await.remove(0).1;
    let not_found = (
        tags::PR_BODY.with_type(PropType::PT_ERROR),
        PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
    );
    for flags in [0, MAPI_MODIFY] {
        let back = store.open_message(&entry, flags).await.unwrap();
        let r = back.get_props(Some(&[tags::PR_BODY]), 0).await.unwrap();
        assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
        assert_eq!(r.value[0], not_found, "opened with flags {flags:#x}");
        assert_eq!(prop(&*back, tags::PR_SUBJECT).await, text("no body"));
    }
    assert!(
        python_reads(&stack.read_messages("alice", "Drafts")[0])["text"]
            .as_str()
            .unwrap_or("")
            .trim()
            .is_empty()
    );
    store.logoff().await;
}
