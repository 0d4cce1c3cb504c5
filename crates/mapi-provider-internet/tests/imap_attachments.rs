//! Attachments on the IMAP store against a real Dovecot: a cached message lists and
//! opens its MIME attachments read-only (PR_ATTACH_DATA_BIN as a stream, every change
//! MAPI_E_NO_ACCESS, an embedded message as a read-only message); a draft made by
//! CreateMessage takes attachments by value (CreateAttach, OpenAttach, DeleteAttach,
//! GetAttachmentTable) and APPENDs them in its MIME, which Python's `email` reads back
//! from the Maildir file with the same bytes.

mod common;

use std::borrow::Cow;
use std::sync::Arc;

use common::{TestSupport, data_dir, dovecot};
use mapi_mime::{AttachBody, Attachment, Composer};
use mapi_provider_internet::{InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MsgStore, PropObject, PropStream, Settings, Support};
use mapi_test_support::python_reads;
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG, IID_IMESSAGE};
use mapi_types::object::{
    IID_ISTREAM, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_BEST_ACCESS, MAPI_CREATE,
    MAPI_MODIFY, MAPI_UNICODE,
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

fn status<T>(r: Result<T, mapi_spi::ProviderError>) -> Status {
    match r {
        Ok(_) => panic!("must fail"),
        Err(e) => e.status,
    }
}

async fn table(m: &dyn PropObject) -> Vec<Row> {
    let mut t = m.attachment_table(MAPI_UNICODE).await.unwrap();
    let n = t.count().unwrap();
    let cols = t.all_columns();
    t.rows(0, n, &cols).unwrap()
}

async fn read_all(s: &dyn PropStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = s.read(&mut buf).await.unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Bytes that are not text, `n` of them.
fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + i / 97) as u8).collect()
}

fn props(subject: &str) -> Row {
    let mut p = Row::default();
    p.set(tags::PR_SUBJECT, text(subject));
    p.set(tags::PR_BODY, text("see attached\n"));
    p.set(tags::PR_SENDER_EMAIL_ADDRESS, text("alice@example.org"));
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_message_opens_its_mime_attachments_read_only() {
    let stack = dovecot();
    let dir = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    let store = logon(&settings, dir.path()).await;
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();

    let big = data(700 * 1024);
    let small = data(1000);
    let outer = props("with three attachments");
    let inner_props = props("the inner one");
    let inner = Composer::new(&inner_props, &[])
        .message_id("inner@example.org")
        .attach(Attachment {
            file_name: Some("deep.bin".into()),
            mime_tag: None,
            content_id: None,
            body: AttachBody::Bytes(Cow::Borrowed(&small)),
        })
        .build()
        .into_vec()
        .unwrap();
    let raw = Composer::new(&outer, &[])
        .attach(Attachment {
            file_name: Some("big.bin".into()),
            mime_tag: Some("application/x-test".into()),
            content_id: None,
            body: AttachBody::Stream {
                len: big.len() as u64,
                reader: Box::new(&big[..]),
            },
        })
        .attach(Attachment {
            file_name: Some("small.dat".into()),
            mime_tag: None,
            content_id: Some("part2@example.org".into()),
            body: AttachBody::Bytes(Cow::Borrowed(&small)),
        })
        .attach(Attachment {
            file_name: None,
            mime_tag: None,
            content_id: None,
            body: AttachBody::Message(Cow::Borrowed(&inner)),
        })
        .build()
        .into_vec()
        .unwrap();
    let entry = store.import_raw(&inbox, vec![raw]).await.unwrap().remove(0);
    // a fresh logon downloads it from the server
    drop(store);
    let store = logon(&settings, dir.path()).await;
    let m = store.open_message(&entry, MAPI_BEST_ACCESS).await.unwrap();
    let r = m.get_props(Some(&[tags::PR_HASATTACH]), 0).await.unwrap();
    assert_eq!(r.value[0].1, PropValue::Boolean(true));

    let rows = table(m.as_ref()).await;
    assert_eq!(rows.len(), 3);
    let nums: Vec<_> = rows.iter().map(|r| r.int(tags::PR_ATTACH_NUM)).collect();
    assert_eq!(nums, [Some(0), Some(1), Some(2)]);
    assert_eq!(rows[0].str(tags::PR_ATTACH_LONG_FILENAME), Some("big.bin"));
    assert_eq!(
        rows[0].str(tags::PR_ATTACH_MIME_TAG),
        Some("application/x-test")
    );
    assert_eq!(rows[0].int(tags::PR_ATTACH_SIZE), Some(big.len() as i64));
    assert_eq!(
        rows[0].int(tags::PR_ATTACH_METHOD),
        Some(ATTACH_BY_VALUE as i64)
    );
    assert_eq!(
        rows[2].int(tags::PR_ATTACH_METHOD),
        Some(ATTACH_EMBEDDED_MSG as i64)
    );
    // the composer names an attachment given no file name by its place
    assert_eq!(rows[2].str(tags::PR_DISPLAY_NAME), Some("attachment-3"));

    // the large one: too big for GetProps, whole through the stream
    let a = m.open_attach(0, 0).await.unwrap();
    let r = a
        .get_props(Some(&[tags::PR_ATTACH_DATA_BIN]), 0)
        .await
        .unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        r.value[0],
        (
            tags::PR_ATTACH_DATA_BIN.with_type(PropType::PT_ERROR),
            PropValue::Error(Status::MAPI_E_NOT_ENOUGH_MEMORY.0)
        )
    );
    assert!(
        a.get_prop_list(0)
            .await
            .unwrap()
            .contains(&tags::PR_ATTACH_DATA_BIN)
    );
    let s = a
        .open_property(tags::PR_ATTACH_DATA_BIN, &IID_ISTREAM, 0)
        .await
        .unwrap();
    assert_eq!(s.stat().await.unwrap().size, big.len() as u64);
    assert!(
        read_all(s.as_ref()).await == big,
        "the stream gives the bytes"
    );

    // the small one comes back from GetProps too
    let b = m.open_attach(1, MAPI_BEST_ACCESS).await.unwrap();
    let r = b
        .get_props(
            Some(&[tags::PR_ATTACH_DATA_BIN, tags::PR_ATTACH_CONTENT_ID]),
            0,
        )
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(r.value[0].1, PropValue::Binary(small.clone()));
    assert_eq!(r.value[1].1, text("part2@example.org"));

    // the embedded message opens as a read-only message with its own attachment
    let c = m.open_attach(2, 0).await.unwrap();
    let e = c
        .open_property_object(tags::PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, 0)
        .await
        .unwrap();
    let r = e.get_props(Some(&[tags::PR_SUBJECT]), 0).await.unwrap();
    assert_eq!(r.value[0].1, text("the inner one"));
    let deep = table(e.as_ref()).await;
    assert_eq!(deep[0].str(tags::PR_ATTACH_FILENAME), Some("deep.bin"));
    assert_eq!(
        status(
            c.open_property_object(tags::PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, MAPI_MODIFY)
                .await
        ),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(
            b.open_property_object(tags::PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, 0)
                .await
        ),
        Status::MAPI_E_NOT_FOUND
    );

    // every change is refused, and so are unknown numbers and flags
    let bin = PropTag(tags::PR_ATTACH_DATA_BIN.0);
    for st in [
        status(s.write(b"x").await),
        status(s.set_size(0).await),
        status(a.set_props(&[(tags::PR_DISPLAY_NAME, text("x"))]).await),
        status(a.delete_props(&[tags::PR_DISPLAY_NAME]).await),
        status(a.save_changes(0).await),
        status(a.open_property(bin, &IID_ISTREAM, MAPI_MODIFY).await),
        status(m.open_attach(0, MAPI_MODIFY).await),
        status(m.create_attach(0).await),
        status(m.delete_attach(0, 0).await),
    ] {
        assert_eq!(st, Status::MAPI_E_NO_ACCESS);
    }
    assert_eq!(status(m.open_attach(3, 0).await), Status::MAPI_E_NOT_FOUND);
    assert_eq!(
        status(m.delete_attach(3, 0).await),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(m.attachment_table(0x40).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(m.open_attach(0, 0x4000_0000).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    // nothing changed on the server
    let again = store.read_raw(&entry).await.unwrap();
    let msg = mapi_mime::MessageParser::new().parse(&again[..]).unwrap();
    assert_eq!(msg.attachments().count(), 3);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Adds a by-value attachment; its data written through a stream when `stream`.
async fn add(m: &dyn PropObject, name: &str, mime: &str, data: &[u8], stream: bool) -> u32 {
    let (num, a) = m.create_attach(0).await.unwrap();
    let mut values = vec![
        (tags::PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
        (tags::PR_ATTACH_LONG_FILENAME, text(name)),
        (tags::PR_ATTACH_MIME_TAG, text(mime)),
    ];
    if !stream {
        values.push((tags::PR_ATTACH_DATA_BIN, PropValue::Binary(data.to_vec())));
    }
    assert!(a.set_props(&values).await.unwrap().is_empty());
    if stream {
        let s = a
            .open_property(
                tags::PR_ATTACH_DATA_BIN,
                &IID_ISTREAM,
                MAPI_MODIFY | MAPI_CREATE,
            )
            .await
            .unwrap();
        for piece in data.chunks(64 * 1024) {
            assert_eq!(s.write(piece).await.unwrap(), piece.len());
        }
        s.commit(0).await.unwrap();
    }
    a.save_changes(0).await.unwrap();
    num
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_appends_its_attachments_in_its_mime() {
    let stack = dovecot();
    let dir = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    let store = logon(&settings, dir.path()).await;
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let m = store.create_message(&drafts, 0).await.unwrap();
    m.set_props(&[
        (tags::PR_SUBJECT, text("report attached")),
        (tags::PR_BODY, text("here it is\n")),
        (tags::PR_SENDER_EMAIL_ADDRESS, text("alice@example.org")),
    ])
    .await
    .unwrap();
    let big = data(600 * 1024);
    let small = data(2000);
    assert_eq!(
        add(m.as_ref(), "report.pdf", "application/pdf", &big, true).await,
        0
    );
    assert_eq!(
        add(
            m.as_ref(),
            "notes.bin",
            "application/octet-stream",
            &small,
            false
        )
        .await,
        1
    );
    let gone = add(m.as_ref(), "gone.txt", "text/plain", b"x", false).await;
    assert_eq!(table(m.as_ref()).await.len(), 3);
    m.delete_attach(gone, 0).await.unwrap();
    assert_eq!(
        status(m.delete_attach(gone, 0).await),
        Status::MAPI_E_NOT_FOUND
    );
    // an attachment not saved does not reach the message
    let (_, unsaved) = m.create_attach(0).await.unwrap();
    unsaved
        .set_props(&[(tags::PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE))])
        .await
        .unwrap();

    let rows = table(m.as_ref()).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].str(tags::PR_ATTACH_LONG_FILENAME),
        Some("report.pdf")
    );
    assert_eq!(rows[0].int(tags::PR_ATTACH_SIZE), Some(big.len() as i64));
    assert_eq!(rows[1].int(tags::PR_ATTACH_NUM), Some(1));
    let r = m.get_props(Some(&[tags::PR_HASATTACH]), 0).await.unwrap();
    assert_eq!(r.value[0].1, PropValue::Boolean(true));

    // return codes of the attachment calls and objects
    let a = m.open_attach(0, MAPI_MODIFY).await.unwrap();
    let r = a
        .get_props(Some(&[tags::PR_ATTACH_DATA_BIN]), 0)
        .await
        .unwrap();
    assert_eq!(
        r.value[0].1,
        PropValue::Error(Status::MAPI_E_NOT_ENOUGH_MEMORY.0)
    );
    let s = a
        .open_property(tags::PR_ATTACH_DATA_BIN, &IID_ISTREAM, 0)
        .await
        .unwrap();
    assert!(read_all(s.as_ref()).await == big);
    let problems = a
        .set_props(&[
            (tags::PR_ATTACH_NUM, PropValue::Long(7)),
            (tags::PR_ATTACH_METHOD, PropValue::Long(ATTACH_EMBEDDED_MSG)),
        ])
        .await
        .unwrap();
    let codes: Vec<_> = problems.iter().map(|p| (p.index, p.status)).collect();
    assert_eq!(
        codes,
        [(0, Status::MAPI_E_COMPUTED), (1, Status::MAPI_E_NO_SUPPORT)]
    );
    let ro = m.open_attach(1, 0).await.unwrap();
    assert_eq!(
        status(ro.set_props(&[(tags::PR_DISPLAY_NAME, text("x"))]).await),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(status(m.open_attach(9, 0).await), Status::MAPI_E_NOT_FOUND);
    assert_eq!(
        status(m.create_attach(0x40).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(m.attachment_table(0x40).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );

    m.save_changes(KEEP_OPEN_READWRITE).await.unwrap();
    let on_disk = stack.read_messages("alice", "Drafts");
    assert_eq!(on_disk.len(), 1);
    let py = python_reads(&on_disk[0]);
    assert_eq!(py["subject"], "report attached");
    let atts = py["attachments"].as_array().expect("attachments");
    assert_eq!(atts.len(), 2, "{py}");
    assert_eq!(atts[0][0], "report.pdf");
    assert_eq!(atts[0][1], "application/pdf");
    assert!(atts[0][2] == hex(&big).as_str(), "the bytes on the server");
    assert_eq!(atts[1][0], "notes.bin");
    assert!(atts[1][2] == hex(&small).as_str());

    // saved again without one: the server copy is replaced
    m.delete_attach(1, 0).await.unwrap();
    m.save_changes(KEEP_OPEN_READONLY).await.unwrap();
    let on_disk = stack.read_messages("alice", "Drafts");
    assert_eq!(on_disk.len(), 1);
    let py = python_reads(&on_disk[0]);
    assert_eq!(py["attachments"].as_array().unwrap().len(), 1);
    // read-only now
    assert_eq!(status(m.create_attach(0).await), Status::MAPI_E_NO_ACCESS);
    assert_eq!(
        status(m.delete_attach(0, 0).await),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(m.open_attach(0, MAPI_MODIFY).await),
        Status::MAPI_E_NO_ACCESS
    );
    // an attachment open for writing cannot save into a message that is read-only
    a.set_props(&[(tags::PR_DISPLAY_NAME, text("late"))])
        .await
        .unwrap();
    assert_eq!(status(a.save_changes(0).await), Status::MAPI_E_NO_ACCESS);
}
