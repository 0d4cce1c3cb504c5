//! One message, two stores, the same properties: an .eml with folded header fields, a
//! prefixed subject, an HTML part, an attachment, Cc, Bcc, Sender, Message-ID and
//! In-Reply-To is imported into a local store and APPENDed to a real Dovecot, then read
//! back through the Internet-mail store (from the APPEND's cache row, and downloaded
//! into a fresh cache). Every property of the shared MIME mapping is compared; only what
//! is each store's own (entry ids, delivery time, flags) may differ. PR_SEARCH_KEY,
//! made from the Message-ID, is the same in both, in the full row and as a contents-table
//! column; PR_RECORD_KEY and PR_INSTANCE_KEY are there in both.

use std::path::Path;
use std::sync::Arc;

use mapi_provider_internet::{InternetMailService, InternetStore};
use mapi_provider_local::LocalStore;
use mapi_spi::{FolderKind, MsgStore, Settings, Support};
use mapi_test_support::{MailStack, Options, TestSupport};
use mapi_types::{LogonFlags, PropTag, PropValue, Row, TableView, tags};

const EML: &[u8] = b"From: \"Ann Example\" <ann@example.org>\r\n\
Sender: Assistant <assist@example.org>\r\n\
To: Bob Example <bob@example.org>,\r\n\tCarol <carol@example.org>\r\n\
Cc: \"Dee\r\n Dee\" <dee@example.org>\r\n\
Bcc: eve@example.org\r\n\
Subject: Fwd: quarterly\r\n\treport and\r\n  figures\r\n\
Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
Message-ID: <same-props-1@example.org>\r\n\
In-Reply-To: <same-props-0@example.org>\r\n\
Importance: high\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
\r\n\
--outer\r\n\
Content-Type: multipart/alternative; boundary=\"alt\"\r\n\
\r\n\
--alt\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
The figures are attached. Gr=C3=BC=C3=9Fe\r\n\
--alt\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><body><p>The figures are <b>attached</b>.</p></body></html>\r\n\
--alt--\r\n\
--outer\r\n\
Content-Type: application/pdf; name=\"figures.pdf\"\r\n\
Content-Disposition: attachment; filename=\"figures.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\r\n\
--outer--\r\n";

/// Every property of the shared mapping but the store's own ones.
const COMPARED: [PropTag; 22] = [
    tags::PR_MESSAGE_CLASS,
    tags::PR_SUBJECT,
    tags::PR_SUBJECT_PREFIX,
    tags::PR_NORMALIZED_SUBJECT,
    tags::PR_BODY,
    tags::PR_HTML,
    tags::PR_SENDER_NAME,
    tags::PR_SENDER_EMAIL_ADDRESS,
    tags::PR_SENDER_ADDRTYPE,
    tags::PR_SENT_REPRESENTING_NAME,
    tags::PR_SENT_REPRESENTING_EMAIL_ADDRESS,
    tags::PR_SENT_REPRESENTING_ADDRTYPE,
    tags::PR_DISPLAY_TO,
    tags::PR_DISPLAY_CC,
    tags::PR_DISPLAY_BCC,
    tags::PR_CLIENT_SUBMIT_TIME,
    tags::PR_HASATTACH,
    tags::PR_INTERNET_MESSAGE_ID,
    tags::PR_IN_REPLY_TO_ID,
    tags::PR_TRANSPORT_MESSAGE_HEADERS,
    tags::PR_MESSAGE_SIZE,
    tags::PR_IMPORTANCE,
];

/// The contents-table columns both stores show.
const SUMMARY: [PropTag; 5] = [
    tags::PR_SUBJECT,
    tags::PR_SENDER_NAME,
    tags::PR_SENDER_EMAIL_ADDRESS,
    tags::PR_DISPLAY_TO,
    tags::PR_MESSAGE_SIZE,
];

async fn imap_logon(stack: &MailStack, dir: &Path) -> Arc<InternetStore> {
    let support = TestSupport::new(
        stack.settings("alice", "tls", "tls"),
        LogonFlags::MAPI_FORCE_DOWNLOAD,
        dir,
    );
    InternetMailService
        .logon_store(support as Arc<dyn Support>)
        .await
        .unwrap_or_else(|e| panic!("IMAP logon: {e}"))
}

fn entry(row: &Row) -> Vec<u8> {
    row.get(tags::PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .expect("PR_ENTRYID")
        .to_vec()
}

/// The only message of a folder: its contents row and its full property row.
async fn only_message(store: &dyn MsgStore) -> (Row, Row) {
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let rows = store.contents(&inbox).await.unwrap().query_rows();
    assert_eq!(rows.len(), 1, "one message in the Inbox");
    let summary = rows[0].clone();
    let full = store.read_message(&entry(&summary)).await.unwrap();
    assert_eq!(entry(&full), entry(&summary));
    (summary, full)
}

/// The message keys, as the only row of the Inbox's contents table with them as its
/// columns.
async fn key_columns(store: &dyn MsgStore) -> Row {
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let mut view = TableView::new(store.contents_source(&inbox, 0).await.unwrap(), Vec::new());
    view.set_columns(&KEYS, 0).unwrap();
    let rows = view.query_rows(10, 0).unwrap();
    assert_eq!(rows.len(), 1, "one message in the Inbox");
    rows[0].clone()
}

/// The message keys, as GetProps of the opened message gives them.
async fn key_props(store: &dyn MsgStore, entry: &[u8]) -> Row {
    let message = store.open_message(entry, 0).await.unwrap();
    let reply = message.get_props(Some(&KEYS), 0).await.unwrap();
    Row(reply.value)
}

/// The message keys every store gives.
const KEYS: [PropTag; 3] = [
    tags::PR_RECORD_KEY,
    tags::PR_SEARCH_KEY,
    tags::PR_INSTANCE_KEY,
];

/// The search key is the same as the local store's, and the cache gives every key.
fn assert_keys(what: &str, local: &Row, imap: &Row) {
    assert_same(what, &[tags::PR_SEARCH_KEY], local, imap);
    for tag in KEYS {
        assert!(
            matches!(imap.get(tag), Some(PropValue::Binary(b)) if !b.is_empty()),
            "{what}: the cache's {tag:?} is {:?}",
            imap.get(tag)
        );
    }
}

fn assert_same(what: &str, tags: &[PropTag], local: &Row, imap: &Row) {
    for &tag in tags {
        let l = local.get(tag);
        assert!(l.is_some(), "{what}: {tag:?} missing in the local store");
        assert_eq!(l, imap.get(tag), "{what}: {tag:?} differs");
    }
}

#[test]
fn one_eml_gives_the_same_properties_in_a_local_store_and_the_imap_cache() {
    let stack = MailStack::start(Options {
        postfix: false,
        max_userip_connections: 4,
    })
    .unwrap_or_else(|e| panic!("cannot start Dovecot (install dovecot-imapd): {e}"));
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // the local store
        let path = dir.path().join("local.mapistore");
        mapi_provider_local::dbfile::ensure(&mapi_provider_local::schema::STORE, &path).unwrap();
        let mut settings = Settings::new();
        settings.set("path", PropValue::Unicode(path.display().to_string()));
        let local = LocalStore::logon(&settings).unwrap();
        let inbox = local.folder(FolderKind::Inbox).await.unwrap();
        local.import_raw(&inbox, vec![EML.to_vec()]).await.unwrap();
        let (local_summary, local_full) = only_message(&local).await;

        // the values themselves, so two equally wrong stores cannot pass
        let s = |t| local_full.str(t).unwrap_or_else(|| panic!("{t:?}"));
        assert_eq!(s(tags::PR_SUBJECT), "Fwd: quarterly\treport and  figures");
        assert_eq!(s(tags::PR_SUBJECT_PREFIX), "Fwd: ");
        assert_eq!(
            s(tags::PR_NORMALIZED_SUBJECT),
            "quarterly\treport and  figures"
        );
        assert_eq!(s(tags::PR_SENDER_NAME), "Assistant");
        assert_eq!(
            s(tags::PR_SENT_REPRESENTING_EMAIL_ADDRESS),
            "ann@example.org"
        );
        assert_eq!(s(tags::PR_DISPLAY_TO), "Bob Example; Carol");
        assert_eq!(s(tags::PR_DISPLAY_CC), "Dee Dee");
        assert_eq!(s(tags::PR_DISPLAY_BCC), "eve@example.org");
        assert_eq!(
            s(tags::PR_INTERNET_MESSAGE_ID),
            "<same-props-1@example.org>"
        );
        assert_eq!(s(tags::PR_IN_REPLY_TO_ID), "<same-props-0@example.org>");
        let local_props = key_props(&local, &entry(&local_full)).await;
        assert_eq!(
            local_props.get(tags::PR_SEARCH_KEY),
            Some(&PropValue::Binary(
                b"MSGID:<same-props-1@example.org>".to_vec()
            ))
        );
        let local_keys = key_columns(&local).await;
        assert!(s(tags::PR_BODY).contains("Grüße"));
        let header_end = EML.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 2;
        assert_eq!(
            s(tags::PR_TRANSPORT_MESSAGE_HEADERS).as_bytes(),
            &EML[..header_end]
        );
        let html = local_full
            .get(tags::PR_HTML)
            .and_then(PropValue::as_bytes)
            .unwrap();
        assert!(html.starts_with(b"<html><body><p>The figures are <b>attached</b>"));
        assert_eq!(
            local_full.get(tags::PR_HASATTACH),
            Some(&PropValue::Boolean(true))
        );
        assert_eq!(
            local_full.get(tags::PR_IMPORTANCE),
            Some(&PropValue::Long(2))
        );
        assert_eq!(
            local_full.get(tags::PR_MESSAGE_SIZE),
            Some(&PropValue::Long(EML.len() as i32))
        );

        // APPEND to Dovecot; the row the APPEND cached
        let appended = dir.path().join("imap-append");
        let imap = imap_logon(&stack, &appended).await;
        let inbox = imap.folder(FolderKind::Inbox).await.unwrap();
        imap.import_raw(&inbox, vec![EML.to_vec()]).await.unwrap();
        let (summary, full) = only_message(imap.as_ref()).await;
        assert_eq!(imap.read_raw(&entry(&full)).await.unwrap(), EML);
        assert_same("APPEND, full row", &COMPARED, &local_full, &full);
        assert_same("APPEND, contents row", &SUMMARY, &local_summary, &summary);
        assert_eq!(full.get(tags::PR_RECORD_KEY), full.get(tags::PR_ENTRYID));
        let props = key_props(imap.as_ref(), &entry(&full)).await;
        assert_keys("APPEND, GetProps", &local_props, &props);
        assert_keys(
            "APPEND, contents columns",
            &local_keys,
            &key_columns(imap.as_ref()).await,
        );
        imap.logoff().await;

        // downloaded from the server into a fresh cache
        let fresh = dir.path().join("imap-fresh");
        let imap = imap_logon(&stack, &fresh).await;
        let (summary, full) = only_message(imap.as_ref()).await;
        assert_eq!(
            imap.read_raw(&entry(&full)).await.unwrap(),
            EML,
            "Dovecot keeps the bytes"
        );
        assert_same("download, full row", &COMPARED, &local_full, &full);
        assert_same("download, contents row", &SUMMARY, &local_summary, &summary);
        let props = key_props(imap.as_ref(), &entry(&full)).await;
        assert_keys("download, GetProps", &local_props, &props);
        assert_keys(
            "download, contents columns",
            &local_keys,
            &key_columns(imap.as_ref()).await,
        );
        imap.logoff().await;
        local.logoff().await;
    });
}
