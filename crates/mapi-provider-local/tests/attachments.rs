//! Attachments of local messages (`IMessage::CreateAttach` / `OpenAttach` /
//! `DeleteAttach` / `GetAttachmentTable`, `IAttach`) on a real store file: transacted
//! into the message and from it into the file, by value through streams and as embedded
//! messages, read-only from an imported message's MIME, in the RFC 5322 form of an
//! unsent message (read back by Python's `email`), with their return codes and bad input.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::*;
use mapi_spi::{EntryId, FolderKind, MsgStore, PropObject, PropStream};
use mapi_test_support::python_reads;
use mapi_types::attach::{
    ATTACH_BY_REFERENCE, ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG, IID_IMESSAGE, MSGFLAG_HASATTACH,
};
use mapi_types::object::{
    IID_ISTREAM, KEEP_OPEN_READWRITE, MAPI_BEST_ACCESS, MAPI_CREATE, MAPI_MODIFY, MAPI_UNICODE,
};
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO, MODRECIP_ADD};
use mapi_types::{
    Bookmark, PropTag, PropValue, Relop, Restriction, Row, SortKey, Status, TableView, tags::*,
};
use rusqlite::Connection;

struct Fixture {
    _dir: TempDir,
    path: PathBuf,
    store: Arc<dyn MsgStore>,
    drafts: EntryId,
    inbox: EntryId,
}

fn fixture() -> Fixture {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let drafts = block_on(store.folder(FolderKind::Drafts)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    Fixture {
        _dir: dir,
        path,
        store,
        drafts,
        inbox,
    }
}

impl Fixture {
    /// Attachment rows in the file, read by a connection of its own.
    fn rows_in_file(&self) -> i64 {
        Connection::open(&self.path)
            .unwrap()
            .query_row("SELECT count(*) FROM message_attachments", [], |r| r.get(0))
            .unwrap()
    }

    fn open(&self, entry: &[u8], flags: u32) -> Arc<dyn PropObject> {
        block_on(self.store.open_message(entry, flags)).unwrap()
    }
}

fn text(v: &str) -> PropValue {
    PropValue::Unicode(v.into())
}

fn set(obj: &Arc<dyn PropObject>, values: &[(PropTag, PropValue)]) {
    let problems = block_on(obj.set_props(values)).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

fn get(obj: &Arc<dyn PropObject>, tag: PropTag) -> PropValue {
    block_on(obj.get_props(Some(&[tag]), MAPI_UNICODE))
        .unwrap()
        .value[0]
        .1
        .clone()
}

fn status<T>(r: Result<T, mapi_spi::ProviderError>) -> Status {
    err(r).status
}

fn write_stream(obj: &Arc<dyn PropObject>, tag: PropTag, data: &[u8]) {
    let s = block_on(obj.open_property(tag, &IID_ISTREAM, MAPI_CREATE | MAPI_MODIFY)).unwrap();
    for chunk in data.chunks(64 * 1024) {
        assert_eq!(block_on(s.write(chunk)).unwrap(), chunk.len());
    }
    block_on(s.commit(0)).unwrap();
}

fn read_all(s: &dyn PropStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0; 100_000];
    loop {
        let n = block_on(s.read(&mut buf)).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn data_of(att: &Arc<dyn PropObject>) -> Vec<u8> {
    let s = block_on(att.open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, 0)).unwrap();
    read_all(s.as_ref())
}

fn table(obj: &Arc<dyn PropObject>) -> Vec<Row> {
    let mut t = block_on(obj.attachment_table(MAPI_UNICODE)).unwrap();
    let n = t.count().unwrap();
    let cols = t.all_columns();
    t.rows(0, n, &cols).unwrap()
}

/// Adds a by-value attachment (saved into the message); its number.
fn add_file(msg: &Arc<dyn PropObject>, name: &str, mime: &str, data: &[u8]) -> u32 {
    let (num, att) = block_on(msg.create_attach(0)).unwrap();
    set(
        &att,
        &[
            (PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
            (PR_ATTACH_LONG_FILENAME, text(name)),
            (PR_ATTACH_MIME_TAG, text(mime)),
        ],
    );
    write_stream(&att, PR_ATTACH_DATA_BIN, data);
    block_on(att.save_changes(0)).unwrap();
    num
}

fn rcpt(kind: i32, name: &str, email: &str) -> Row {
    let mut r = Row::default();
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(PR_DISPLAY_NAME, text(name));
    r.set(PR_EMAIL_ADDRESS, text(email));
    r.set(PR_ADDRTYPE, text("SMTP"));
    r
}

fn entry_of(msg: &Arc<dyn PropObject>) -> Vec<u8> {
    get(msg, PR_ENTRYID).as_bytes().unwrap().to_vec()
}

#[test]
fn an_attachment_reaches_the_file_only_with_the_message_save() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    set(&msg, &[(PR_SUBJECT, text("with a file"))]);
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(get(&msg, PR_HASATTACH), PropValue::Boolean(false));

    let (num, att) = block_on(msg.create_attach(0)).unwrap();
    assert_eq!(num, 0);
    assert_eq!(att.object_type(), mapi_types::object_type::MAPI_ATTACH);
    assert_eq!(get(&att, PR_ATTACH_NUM), PropValue::Long(0));
    set(
        &att,
        &[
            (PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
            (PR_ATTACH_LONG_FILENAME, text("report.pdf")),
            (PR_ATTACH_MIME_TAG, text("application/pdf")),
        ],
    );
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write_stream(&att, PR_ATTACH_DATA_BIN, &data);
    assert_eq!(
        get(&att, PR_ATTACH_SIZE),
        PropValue::Long(data.len() as i32)
    );
    // Not in the message before the attachment's SaveChanges.
    assert!(table(&msg).is_empty());
    block_on(att.save_changes(0)).unwrap();
    // In the message now, not in the file.
    let rows = table(&msg);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].int(PR_ATTACH_NUM), Some(0));
    assert_eq!(rows[0].str(PR_ATTACH_LONG_FILENAME), Some("report.pdf"));
    assert_eq!(rows[0].int(PR_ATTACH_SIZE), Some(data.len() as i64));
    assert_eq!(f.rows_in_file(), 0);
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(f.rows_in_file(), 1);

    // PR_HASATTACH and MSGFLAG_HASATTACH follow, in the object and in the store.
    assert_eq!(get(&msg, PR_HASATTACH), PropValue::Boolean(true));
    let entry = entry_of(&msg);
    let again = f.open(&entry, 0);
    assert_eq!(get(&again, PR_HASATTACH), PropValue::Boolean(true));
    let flags = get(&again, PR_MESSAGE_FLAGS).as_i64().unwrap() as i32;
    assert_eq!(flags & MSGFLAG_HASATTACH, MSGFLAG_HASATTACH);
    let mut contents = block_on(f.store.contents_source(&f.drafts, 0)).unwrap();
    let row = &contents.rows(0, 1, &[PR_HASATTACH]).unwrap()[0];
    assert_eq!(row.get(PR_HASATTACH), Some(&PropValue::Boolean(true)));

    // Opened again, read through a stream, whole.
    let read = block_on(again.open_attach(0, 0)).unwrap();
    assert_eq!(get(&read, PR_ATTACH_MIME_TAG), text("application/pdf"));
    assert_eq!(data_of(&read), data);
    // Too large for GetProps: PT_ERROR MAPI_E_NOT_ENOUGH_MEMORY.
    assert_eq!(
        get(&read, PR_ATTACH_DATA_BIN),
        PropValue::Error(Status::MAPI_E_NOT_ENOUGH_MEMORY.0)
    );

    // Changed and saved again: the new value replaces the old.
    let w = block_on(msg.open_attach(0, MAPI_MODIFY)).unwrap();
    write_stream(&w, PR_ATTACH_DATA_BIN, b"short now");
    set(&w, &[(PR_ATTACH_LONG_FILENAME, text("short.txt"))]);
    block_on(w.save_changes(0)).unwrap();
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let read = block_on(f.open(&entry, 0).open_attach(0, 0)).unwrap();
    assert_eq!(data_of(&read), b"short now");
    assert_eq!(
        get(&read, PR_ATTACH_DATA_BIN),
        PropValue::Binary(b"short now".to_vec())
    );
    assert_eq!(get(&read, PR_ATTACH_LONG_FILENAME), text("short.txt"));

    // DeleteAttach: gone from the object at once, from the file at SaveChanges.
    block_on(msg.delete_attach(0, 0)).unwrap();
    assert!(table(&msg).is_empty());
    assert_eq!(f.rows_in_file(), 1);
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(f.rows_in_file(), 0);
    let chunks: i64 = Connection::open(&f.path)
        .unwrap()
        .query_row("SELECT count(*) FROM attach_chunks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(chunks, 0, "the chunks go with their attachment");
    let again = f.open(&entry, 0);
    assert_eq!(get(&again, PR_HASATTACH), PropValue::Boolean(false));
    let flags = get(&again, PR_MESSAGE_FLAGS).as_i64().unwrap() as i32;
    assert_eq!(flags & MSGFLAG_HASATTACH, 0);
    // Numbers are not reused within the object.
    let (next, _) = block_on(msg.create_attach(0)).unwrap();
    assert_eq!(next, 1);
}

#[test]
fn a_message_never_saved_leaves_no_attachment_behind() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    add_file(&msg, "a.txt", "text/plain", b"abc");
    drop(msg);
    assert_eq!(f.rows_in_file(), 0);
    // And an attachment not saved does not reach its message.
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    let (_, att) = block_on(msg.create_attach(0)).unwrap();
    set(
        &att,
        &[(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE))],
    );
    drop(att);
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert!(table(&msg).is_empty());
    assert_eq!(f.rows_in_file(), 0);
    assert_eq!(get(&msg, PR_HASATTACH), PropValue::Boolean(false));
}

#[test]
fn return_codes_and_bad_input() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    add_file(&msg, "a.txt", "text/plain", b"abc");
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let entry = entry_of(&msg);

    // Unknown numbers.
    assert_eq!(
        status(block_on(msg.open_attach(7, 0))),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(block_on(msg.delete_attach(7, 0))),
        Status::MAPI_E_NOT_FOUND
    );
    // Unknown flags.
    assert_eq!(
        status(block_on(msg.create_attach(0x40))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(block_on(msg.open_attach(0, 0x40))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(block_on(msg.attachment_table(0x40))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );

    // A read-only message.
    let ro = f.open(&entry, 0);
    assert_eq!(
        status(block_on(ro.create_attach(0))),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(block_on(ro.delete_attach(0, 0))),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(block_on(ro.open_attach(0, MAPI_MODIFY))),
        Status::MAPI_E_NO_ACCESS
    );
    // Best access on a read-only message gives a read-only attachment.
    let att = block_on(ro.open_attach(0, MAPI_BEST_ACCESS)).unwrap();
    assert_eq!(
        status(block_on(
            att.set_props(&[(PR_ATTACH_LONG_FILENAME, text("b"))])
        )),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(block_on(att.open_property(
            PR_ATTACH_DATA_BIN,
            &IID_ISTREAM,
            MAPI_MODIFY
        ))),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(block_on(att.save_changes(0))),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(data_of(&att), b"abc");

    // Problems: computed properties and methods the store does not keep.
    let (_, att) = block_on(msg.create_attach(0)).unwrap();
    let problems = block_on(att.set_props(&[
        (PR_ATTACH_NUM, PropValue::Long(9)),
        (PR_ATTACH_SIZE, PropValue::Long(9)),
        (PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_REFERENCE)),
        (PR_ATTACH_LONG_FILENAME, PropValue::Long(1)),
        (PR_ATTACH_FILENAME, text("ok.txt")),
    ]))
    .unwrap();
    let statuses: Vec<Status> = problems.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        [
            Status::MAPI_E_COMPUTED,
            Status::MAPI_E_COMPUTED,
            Status::MAPI_E_NO_SUPPORT,
            Status::MAPI_E_BAD_VALUE
        ]
    );
    assert_eq!(get(&att, PR_ATTACH_NUM), PropValue::Long(1));
    assert_eq!(get(&att, PR_ATTACH_FILENAME), text("ok.txt"));

    // A 2 GiB SetSize on an attachment stream: MAPI_E_TOO_BIG, nothing allocated.
    let s =
        block_on(att.open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, MAPI_CREATE | MAPI_MODIFY))
            .unwrap();
    block_on(s.write(b"xyz")).unwrap();
    assert_eq!(
        status(block_on(s.set_size(2 << 30))),
        Status::MAPI_E_TOO_BIG
    );
    assert_eq!(block_on(s.stat()).unwrap().size, 3);
    let temp: u64 = std::fs::read_dir(f.path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(temp < 64 << 20, "{temp} bytes on disk");

    // Opening the data as a message, or as an unknown interface.
    assert_eq!(
        status(block_on(att.open_property_object(
            PR_ATTACH_DATA_OBJ,
            &IID_IMESSAGE,
            MAPI_CREATE | MAPI_MODIFY
        ))),
        Status::MAPI_E_NOT_FOUND,
        "not an ATTACH_EMBEDDED_MSG attachment"
    );
    assert_eq!(
        status(block_on(att.open_property_object(
            PR_ATTACH_DATA_OBJ,
            &IID_ISTREAM,
            0
        ))),
        Status::MAPI_E_INTERFACE_NOT_SUPPORTED
    );
    // Objects that are not messages have no attachments.
    let folder = block_on(f.store.open_folder(&f.drafts, 0)).unwrap();
    assert_eq!(
        status(block_on(folder.create_attach(0))),
        Status::MAPI_E_NO_SUPPORT
    );

    // A deleted attachment cannot be saved back by an object opened before.
    let stale = block_on(msg.open_attach(0, MAPI_MODIFY)).unwrap();
    block_on(msg.delete_attach(0, 0)).unwrap();
    assert_eq!(
        status(block_on(stale.save_changes(0))),
        Status::MAPI_E_OBJECT_DELETED
    );
    // Nothing changed in the file by any of it.
    assert_eq!(f.rows_in_file(), 1);
    assert_eq!(
        data_of(&block_on(f.open(&entry, 0).open_attach(0, 0)).unwrap()),
        b"abc"
    );
}

#[test]
fn an_embedded_message_saves_into_its_attachment() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    set(&msg, &[(PR_SUBJECT, text("forwarding"))]);
    let (num, att) = block_on(msg.create_attach(0)).unwrap();
    set(
        &att,
        &[
            (PR_ATTACH_METHOD, PropValue::Long(ATTACH_EMBEDDED_MSG)),
            (PR_DISPLAY_NAME, text("The original")),
        ],
    );
    let inner = block_on(att.open_property_object(
        PR_ATTACH_DATA_OBJ,
        &IID_IMESSAGE,
        MAPI_CREATE | MAPI_MODIFY,
    ))
    .unwrap();
    assert_eq!(inner.object_type(), mapi_types::object_type::MAPI_MESSAGE);
    set(
        &inner,
        &[
            (PR_SUBJECT, text("The original: Grüße")),
            (PR_BODY, text("First line.\nSecond line.\n")),
            (PR_SENDER_NAME, text("Dora")),
            (PR_SENDER_EMAIL_ADDRESS, text("dora@example.org")),
        ],
    );
    block_on(inner.modify_recipients(MODRECIP_ADD, &[rcpt(MAPI_TO, "Eve", "eve@example.org")]))
        .unwrap();
    // Its large values go through streams as a message's do.
    write_stream(&inner, PR_HTML, b"<p>First <b>line</b>.</p>");
    block_on(inner.save_changes(0)).unwrap();
    assert_eq!(
        status(block_on(inner.set_props(&[(PR_SUBJECT, text("late"))]))),
        Status::MAPI_E_INVALID_OBJECT,
        "saved without KEEP_OPEN_*"
    );
    // Saved into the attachment object only.
    assert!(table(&msg).is_empty());
    block_on(att.save_changes(0)).unwrap();
    assert_eq!(table(&msg).len(), 1);
    assert_eq!(f.rows_in_file(), 0);
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(f.rows_in_file(), 1);

    let entry = entry_of(&msg);
    let again = f.open(&entry, 0);
    let rows = table(&again);
    assert_eq!(
        rows[0].int(PR_ATTACH_METHOD),
        Some(ATTACH_EMBEDDED_MSG as i64)
    );
    assert_eq!(rows[0].str(PR_DISPLAY_NAME), Some("The original"));
    let att = block_on(again.open_attach(num, 0)).unwrap();
    // PR_ATTACH_DATA_OBJ is an object: GetProps does not return it.
    assert_eq!(
        get(
            &att,
            PR_ATTACH_DATA_OBJ.with_type(mapi_types::PropType::PT_OBJECT)
        ),
        PropValue::Error(Status::MAPI_E_NO_SUPPORT.0)
    );
    let inner = block_on(att.open_property_object(PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, 0)).unwrap();
    assert_eq!(get(&inner, PR_SUBJECT), text("The original: Grüße"));
    // Kept as MIME: its text comes back with RFC 5322's CRLF line ends.
    assert_eq!(
        get(&inner, PR_BODY),
        text("First line.\r\nSecond line.\r\n")
    );
    assert_eq!(
        get(&inner, PR_SENDER_EMAIL_ADDRESS),
        text("dora@example.org")
    );
    let html = block_on(inner.open_property(PR_HTML, &IID_ISTREAM, 0)).unwrap();
    assert_eq!(
        String::from_utf8(read_all(html.as_ref()))
            .unwrap()
            .trim_end(),
        "<p>First <b>line</b>.</p>"
    );
    assert!(
        block_on(att.get_prop_list(MAPI_UNICODE))
            .unwrap()
            .iter()
            .any(|t| t.id() == PR_ATTACH_DATA_OBJ.id())
    );
    let mut rt = block_on(inner.recipient_table(MAPI_UNICODE)).unwrap();
    let r = &rt
        .rows(0, 10, &[PR_EMAIL_ADDRESS, PR_RECIPIENT_TYPE])
        .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].str(PR_EMAIL_ADDRESS), Some("eve@example.org"));
    assert_eq!(r[0].int(PR_RECIPIENT_TYPE), Some(MAPI_TO as i64));
    // Read-only as opened.
    assert_eq!(
        status(block_on(inner.set_props(&[(PR_SUBJECT, text("x"))]))),
        Status::MAPI_E_NO_ACCESS
    );
    // The embedded message has no attachments of its own.
    assert_eq!(
        status(block_on(inner.create_attach(0))),
        Status::MAPI_E_NO_SUPPORT
    );
}

const RECEIVED: &str = "From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>\r\n\
Subject: received with files\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
Message-ID: <received.1@example.org>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n\
--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n\
--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n\
From: Carol <carol@example.org>\r\nTo: Ann <ann@example.org>\r\nSubject: inner one\r\n\r\n\
inner body\r\n\
--b--\r\n";

#[test]
fn an_imported_message_lists_its_mime_attachments_read_only() {
    let f = fixture();
    let ids = block_on(
        f.store
            .import_raw(&f.inbox, vec![RECEIVED.as_bytes().to_vec()]),
    )
    .unwrap();
    let msg = f.open(&ids[0], MAPI_MODIFY);
    assert_eq!(get(&msg, PR_HASATTACH), PropValue::Boolean(true));
    let rows = table(&msg);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].str(PR_ATTACH_LONG_FILENAME), Some("r.pdf"));
    assert_eq!(rows[0].str(PR_ATTACH_MIME_TAG), Some("application/pdf"));
    assert_eq!(rows[0].int(PR_ATTACH_SIZE), Some(8));
    assert_eq!(rows[0].int(PR_ATTACH_METHOD), Some(ATTACH_BY_VALUE as i64));
    assert_eq!(
        rows[1].int(PR_ATTACH_METHOD),
        Some(ATTACH_EMBEDDED_MSG as i64)
    );
    assert_eq!(rows[1].str(PR_DISPLAY_NAME), Some("inner one"));
    let att = block_on(msg.open_attach(0, MAPI_BEST_ACCESS)).unwrap();
    assert_eq!(data_of(&att), b"%PDF-1.4");
    assert_eq!(
        status(block_on(att.set_props(&[(PR_ATTACH_FILENAME, text("x"))]))),
        Status::MAPI_E_NO_ACCESS
    );
    let inner = block_on(
        block_on(msg.open_attach(1, 0))
            .unwrap()
            .open_property_object(PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, 0),
    )
    .unwrap();
    assert_eq!(get(&inner, PR_SUBJECT), text("inner one"));
    assert_eq!(
        get(&inner, PR_SENDER_EMAIL_ADDRESS),
        text("carol@example.org")
    );
    // The received MIME's attachments are read-only, even on a writable message.
    for s in [
        status(block_on(msg.open_attach(0, MAPI_MODIFY))),
        status(block_on(msg.create_attach(0))),
        status(block_on(msg.delete_attach(1, 0))),
    ] {
        assert_eq!(s, Status::MAPI_E_NO_ACCESS);
    }
    assert_eq!(
        status(block_on(msg.open_attach(2, 0))),
        Status::MAPI_E_NOT_FOUND
    );
}

#[test]
fn an_unsent_message_with_attachments_is_mime_python_reads_back() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    set(
        &msg,
        &[
            (PR_SUBJECT, text("Two files and a message")),
            (PR_SENDER_NAME, text("Ann Example")),
            (PR_SENDER_EMAIL_ADDRESS, text("ann@example.org")),
            (PR_BODY, text("Hello,\nthree attachments.\n")),
            (
                PR_HTML,
                PropValue::Binary(b"<p>Hello, <b>three</b>.</p>\n".to_vec()),
            ),
        ],
    );
    block_on(msg.modify_recipients(
        MODRECIP_ADD,
        &[
            rcpt(MAPI_TO, "Bob Builder", "bob@example.org"),
            rcpt(MAPI_CC, "Carol", "carol@example.org"),
            rcpt(MAPI_BCC, "Dave", "dave@example.org"),
        ],
    ))
    .unwrap();
    // Large enough to be kept in chunks (its base64 text is written a chunk at a time).
    let pdf: Vec<u8> = (0..2_500_001u32).map(|i| (i * 7 % 256) as u8).collect();
    add_file(&msg, "report.pdf", "application/pdf", &pdf);
    add_file(&msg, "Grüße.txt", "text/plain", "schöne Grüße\n".as_bytes());
    let (_, att) = block_on(msg.create_attach(0)).unwrap();
    set(
        &att,
        &[
            (PR_ATTACH_METHOD, PropValue::Long(ATTACH_EMBEDDED_MSG)),
            (PR_ATTACH_LONG_FILENAME, text("original.eml")),
        ],
    );
    let inner = block_on(att.open_property_object(
        PR_ATTACH_DATA_OBJ,
        &IID_IMESSAGE,
        MAPI_CREATE | MAPI_MODIFY,
    ))
    .unwrap();
    set(
        &inner,
        &[
            (PR_SUBJECT, text("The original")),
            (PR_BODY, text("Original text.\n")),
            (PR_SENDER_NAME, text("Eve")),
            (PR_SENDER_EMAIL_ADDRESS, text("eve@example.org")),
        ],
    );
    block_on(inner.modify_recipients(
        MODRECIP_ADD,
        &[rcpt(MAPI_TO, "Ann Example", "ann@example.org")],
    ))
    .unwrap();
    block_on(inner.save_changes(0)).unwrap();
    block_on(att.save_changes(0)).unwrap();
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();

    let entry = entry_of(&msg);
    let raw = block_on(f.store.read_raw(&entry)).unwrap();
    let m = python_reads(&raw);
    assert_eq!(m["defects"], 0, "{}", String::from_utf8_lossy(&raw));
    assert_eq!(m["subject"], "Two files and a message");
    assert_eq!(m["from"], "Ann Example <ann@example.org>");
    assert_eq!(m["to"], "Bob Builder <bob@example.org>");
    assert_eq!(m["cc"], "Carol <carol@example.org>");
    // Bcc recipients are not written into the message's header.
    assert_eq!(m["bcc"], serde_json::Value::Null);
    assert_eq!(m["text"], "Hello,\nthree attachments.\n");
    assert_eq!(m["html"], "<p>Hello, <b>three</b>.</p>\n");
    let a = m["attachments"].as_array().unwrap();
    assert_eq!(a.len(), 3, "{}", String::from_utf8_lossy(&raw));
    assert_eq!(a[0][0], "report.pdf");
    assert_eq!(a[0][1], "application/pdf");
    assert_eq!(a[0][2], mapi_types::hex::encode(&pdf));
    assert_eq!(a[1][0], "Grüße.txt");
    assert_eq!(a[1][1], "text/plain");
    assert_eq!(
        a[1][2],
        mapi_types::hex::encode("schöne Grüße\n".as_bytes())
    );
    assert_eq!(a[2][0], "original.eml");
    assert_eq!(a[2][1], "message/rfc822");
    assert_eq!(a[2][2]["subject"], "The original");
    assert_eq!(a[2][2]["from"], "Eve <eve@example.org>");
    assert_eq!(a[2][2]["to"], "Ann Example <ann@example.org>");
    assert_eq!(a[2][2]["text"], "Original text.\n");
    // The size the store reports is that form's.
    let row = block_on(f.store.read_message(&entry)).unwrap();
    assert_eq!(row.int(PR_MESSAGE_SIZE), Some(raw.len() as i64));
}

#[test]
fn search_and_instance_keys() {
    let f = fixture();
    let ids = block_on(f.store.import_raw(
        &f.inbox,
        vec![
            RECEIVED.as_bytes().to_vec(),
            simple_message("second", "Tue, 14 Nov 2023 22:13:20 +0000"),
        ],
    ))
    .unwrap();
    let first = f.open(&ids[0], 0);
    assert_eq!(
        get(&first, PR_SEARCH_KEY),
        PropValue::Binary(b"MSGID:<received.1@example.org>".to_vec())
    );
    let second = f.open(&ids[1], 0);
    assert_ne!(get(&first, PR_INSTANCE_KEY), get(&second, PR_INSTANCE_KEY));
    assert!(get(&first, PR_INSTANCE_KEY).as_bytes().is_some());
    // A copy keeps the search key, and has an instance key of its own.
    let copied = block_on(f.store.copy_messages(&f.inbox, &ids[..1], &f.drafts, 0))
        .unwrap()
        .value;
    let copy = f.open(copied[0].as_ref().unwrap(), 0);
    assert_eq!(get(&copy, PR_SEARCH_KEY), get(&first, PR_SEARCH_KEY));
    assert_ne!(get(&copy, PR_INSTANCE_KEY), get(&first, PR_INSTANCE_KEY));
    // A created message gets its key with its Message-ID, at its first save.
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    assert_eq!(
        get(&msg, PR_SEARCH_KEY),
        PropValue::Error(Status::MAPI_E_NOT_FOUND.0)
    );
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let mid = get(&msg, PR_INTERNET_MESSAGE_ID);
    let key = get(&msg, PR_SEARCH_KEY);
    assert_eq!(
        key.as_bytes().unwrap(),
        [b"MSGID:".as_slice(), mid.as_str().unwrap().as_bytes()].concat()
    );
    assert_eq!(get(&f.open(&entry_of(&msg), 0), PR_SEARCH_KEY), key);

    // Contents-table columns, as GetProps gives them, one instance key per row.
    let mut view = TableView::over(block_on(f.store.contents_source(&f.inbox, 0)).unwrap());
    view.set_columns(&[PR_ENTRYID, PR_INSTANCE_KEY, PR_SEARCH_KEY], 0)
        .unwrap();
    let rows = view.query_rows(10, 0).unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let obj = f.open(row.get(PR_ENTRYID).unwrap().as_bytes().unwrap(), 0);
        assert_eq!(row.get(PR_INSTANCE_KEY), Some(&get(&obj, PR_INSTANCE_KEY)));
        assert_eq!(row.get(PR_SEARCH_KEY), Some(&get(&obj, PR_SEARCH_KEY)));
    }
    assert_ne!(rows[0].get(PR_INSTANCE_KEY), rows[1].get(PR_INSTANCE_KEY));
    // FindRow by instance key (the way MAPI clients find a row again).
    let wanted = rows[1].get(PR_INSTANCE_KEY).unwrap().clone();
    view.seek_row(Bookmark::Beginning, 0).unwrap();
    view.find_row(
        &Restriction::Property {
            op: Relop::Eq,
            tag: PR_INSTANCE_KEY,
            value: wanted,
        },
        Bookmark::Beginning,
        0,
    )
    .unwrap();
    assert_eq!(view.query_rows(1, 0).unwrap()[0], rows[1]);
    // Restricting or sorting on a key is too complex, never a wrong answer.
    let e = view
        .restrict(Some(Restriction::Exist(PR_SEARCH_KEY)), 0)
        .unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX);
    let e = view
        .sort_table(&[SortKey::ascending(PR_INSTANCE_KEY)], 0)
        .unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX);
}

#[test]
fn a_copy_has_the_attachments_and_a_move_keeps_them() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    let data: Vec<u8> = (0..1_500_000u32).map(|i| (i % 13) as u8).collect();
    add_file(&msg, "big.bin", "application/octet-stream", &data);
    add_file(&msg, "small.txt", "text/plain", b"small");
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let entry = entry_of(&msg);
    let copied =
        block_on(
            f.store
                .copy_messages(&f.drafts, std::slice::from_ref(&entry), &f.inbox, 0),
        )
        .unwrap()
        .value;
    let copy = f.open(copied[0].as_ref().unwrap(), MAPI_MODIFY);
    assert_eq!(table(&copy).len(), 2);
    assert_eq!(get(&copy, PR_HASATTACH), PropValue::Boolean(true));
    assert_eq!(data_of(&block_on(copy.open_attach(0, 0)).unwrap()), data);
    // The copy is its own: deleting its attachment leaves the original's.
    block_on(copy.delete_attach(0, 0)).unwrap();
    block_on(copy.save_changes(0)).unwrap();
    assert_eq!(table(&f.open(&entry, 0)).len(), 2);
    assert_eq!(
        data_of(&block_on(f.open(&entry, 0).open_attach(0, 0)).unwrap()),
        data
    );
}
