//! Store operations on a real store file: properties, folders, import/export of real
//! MIME messages, contents order, delete, move, entry-id checks.

mod common;

use std::sync::Arc;

use common::*;
use mapi_provider_local::LOCAL_STORE_PROVIDER;
use mapi_spi::{FolderKind, MsgStore};
use mapi_types::{PropValue, Status, filetime_from_unix, tags::*};

/// A multipart/mixed message: multipart/alternative (text + HTML) and a base64
/// attachment, with encoded words in Subject (two charsets) and From.
const MULTIPART: &str = "Return-Path: <zoe@example.net>\r
From: =?UTF-8?B?Wm/DqyBNw7xsbGVy?= <zoe@example.net>\r
To: Bob Builder <bob@example.org>, =?ISO-8859-1?Q?J=F6rg?= <joerg@example.org>\r
Cc: carol@example.org\r
Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9_f=C3=BCr?= =?ISO-8859-1?Q?_Gr=FC=DFe?=\r
Date: Wed, 15 Nov 2023 09:30:00 +0100\r
Message-ID: <multi-1@example.net>\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary=\"outer\"\r
\r
This is a multi-part message in MIME format.\r
--outer\r
Content-Type: multipart/alternative; boundary=\"inner\"\r
\r
--inner\r
Content-Type: text/plain; charset=utf-8\r
Content-Transfer-Encoding: quoted-printable\r
\r
Hallo Bob, sch=C3=B6ne Gr=C3=BC=C3=9Fe aus M=C3=BCnchen.\r
--inner\r
Content-Type: text/html; charset=utf-8\r
\r
<html><body><p>Hallo Bob, <b>sch\u{f6}ne</b> Gr\u{fc}\u{df}e.</p></body></html>\r
--inner--\r
--outer\r
Content-Type: application/octet-stream; name=\"data.bin\"\r
Content-Disposition: attachment; filename=\"data.bin\"\r
Content-Transfer-Encoding: base64\r
\r
AAECAwQFBgcICQ==\r
--outer--\r
";

/// HTML only: the body falls back to text made from the HTML.
const HTML_ONLY: &str = "From: Html Sender <html@example.com>\r
To: bob@example.org\r
Subject: html only\r
Date: Thu, 16 Nov 2023 12:00:00 +0000\r
MIME-Version: 1.0\r
Content-Type: text/html; charset=us-ascii\r
\r
<html><body><h1>Title</h1><p>Some <i>text</i> here.</p></body></html>\r
";

fn new_store(dir: &TempDir) -> Arc<dyn MsgStore> {
    let path = dir.path("mail.db");
    create_store(&path);
    let mut s = settings(&path);
    s.set("display_name", PropValue::Unicode("My Mail".into()));
    store_logon(s).unwrap()
}

#[test]
fn store_properties() {
    let dir = TempDir::new();
    let store = new_store(&dir);
    let p = store.properties();
    assert_eq!(p.str(PR_DISPLAY_NAME), Some("My Mail"));
    assert_eq!(
        p.get(PR_MDB_PROVIDER),
        Some(&PropValue::Binary(LOCAL_STORE_PROVIDER.0.to_vec()))
    );
    let record_key = p
        .get(PR_RECORD_KEY)
        .and_then(PropValue::as_bytes)
        .unwrap()
        .to_vec();
    assert_eq!(record_key.len(), 16);
    let entry = p.get(PR_ENTRYID).and_then(PropValue::as_bytes).unwrap();
    assert_eq!(
        &entry[4..20],
        &record_key[..],
        "entry id carries the store uid"
    );
    let subtree = block_on(store.folder(FolderKind::IpmSubtree)).unwrap();
    assert_eq!(
        p.get(PR_IPM_SUBTREE_ENTRYID),
        Some(&PropValue::Binary(subtree))
    );
    let outbox = block_on(store.folder(FolderKind::Outbox)).unwrap();
    assert_eq!(
        p.get(PR_IPM_OUTBOX_ENTRYID),
        Some(&PropValue::Binary(outbox))
    );
    // The record key is the uid stored in the file: same on every logon, and another
    // store has another one.
    block_on(store.logoff());
    let again = store_logon(settings(&dir.path("mail.db"))).unwrap();
    assert_eq!(
        again
            .properties()
            .get(PR_RECORD_KEY)
            .and_then(PropValue::as_bytes),
        Some(&record_key[..])
    );
    // Without a display_name setting, the service's display name is shown.
    assert_eq!(again.properties().str(PR_DISPLAY_NAME), Some("Test"));
    let other_dir = TempDir::new();
    let other = new_store(&other_dir);
    assert_ne!(
        other
            .properties()
            .get(PR_RECORD_KEY)
            .and_then(PropValue::as_bytes),
        Some(&record_key[..])
    );
}

#[test]
fn multipart_round_trip_and_delivery_order() {
    let dir = TempDir::new();
    let store = new_store(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let older = simple_message("older one", "Mon, 13 Nov 2023 08:00:00 +0000");
    let newest = simple_message("newest one", "Fri, 17 Nov 2023 08:00:00 +0000");
    let batch = vec![
        older.clone(),
        MULTIPART.as_bytes().to_vec(),
        newest.clone(),
        HTML_ONLY.as_bytes().to_vec(),
    ];
    let ids = block_on(store.import_raw(&inbox, batch.clone())).unwrap();
    assert_eq!(ids.len(), 4);

    // Export gives back the exact bytes.
    for (id, raw) in ids.iter().zip(&batch) {
        assert_eq!(&block_on(store.read_raw(id)).unwrap(), raw);
    }

    let m = block_on(store.read_message(&ids[1])).unwrap();
    assert_eq!(m.str(PR_SUBJECT), Some("Résumé für Grüße"));
    assert_eq!(m.str(PR_SENDER_NAME), Some("Zoë Müller"));
    assert_eq!(m.str(PR_SENDER_EMAIL_ADDRESS), Some("zoe@example.net"));
    assert_eq!(m.str(PR_DISPLAY_TO), Some("Bob Builder; Jörg"));
    assert_eq!(m.str(PR_DISPLAY_CC), Some("carol@example.org"));
    assert_eq!(m.str(PR_INTERNET_MESSAGE_ID), Some("<multi-1@example.net>"));
    assert_eq!(m.int(PR_MESSAGE_SIZE), Some(MULTIPART.len() as i64));
    assert_eq!(m.get(PR_HASATTACH), Some(&PropValue::Boolean(true)));
    assert_eq!(m.int(PR_MESSAGE_FLAGS).map(|f| f & 0x10), Some(0x10));
    // 2023-11-15 08:30:00 UTC.
    assert_eq!(
        m.get(PR_MESSAGE_DELIVERY_TIME),
        Some(&PropValue::SysTime(filetime_from_unix(1_700_037_000)))
    );
    let body = m.str(PR_BODY).unwrap();
    assert!(body.contains("schöne Grüße aus München"), "{body}");
    assert!(!body.contains("<b>"), "{body}");
    assert!(
        m.str(PR_TRANSPORT_MESSAGE_HEADERS)
            .unwrap()
            .starts_with("Return-Path:")
    );
    assert_eq!(
        m.get(PR_PARENT_ENTRYID),
        Some(&PropValue::Binary(inbox.clone()))
    );

    let html = block_on(store.read_message(&ids[3])).unwrap();
    let body = html.str(PR_BODY).unwrap();
    assert!(
        body.contains("Title") && body.contains("Some text here"),
        "{body}"
    );
    assert!(!body.contains('<'), "{body}");

    // Contents: newest first, with the documented columns.
    let table = block_on(store.contents(&inbox)).unwrap();
    assert_eq!(
        table.columns(),
        [
            PR_ENTRYID,
            PR_SUBJECT,
            PR_SENDER_NAME,
            PR_SENDER_EMAIL_ADDRESS,
            PR_MESSAGE_DELIVERY_TIME,
            PR_MESSAGE_SIZE,
            PR_DISPLAY_TO,
            PR_MESSAGE_FLAGS,
            PR_HASATTACH
        ]
    );
    let rows = table.query_rows();
    let subjects: Vec<&str> = rows.iter().map(|r| r.str(PR_SUBJECT).unwrap()).collect();
    assert_eq!(
        subjects,
        ["newest one", "html only", "Résumé für Grüße", "older one"]
    );
    let times: Vec<i64> = rows
        .iter()
        .map(|r| r.int(PR_MESSAGE_DELIVERY_TIME).unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert_eq!(rows[3].int(PR_MESSAGE_SIZE), Some(older.len() as i64));
    assert_eq!(
        rows[0].get(PR_ENTRYID),
        Some(&PropValue::Binary(ids[2].clone()))
    );

    // Folder counts follow.
    let folders = block_on(store.folders()).unwrap();
    let inbox_row = folders
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some("Inbox"))
        .unwrap();
    assert_eq!(inbox_row.int(PR_CONTENT_COUNT), Some(4));
    assert_eq!(inbox_row.int(PR_CONTENT_UNREAD), Some(4));
}

#[test]
fn import_is_all_or_none() {
    let dir = TempDir::new();
    let store = new_store(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let good = simple_message("good", "Mon, 13 Nov 2023 08:00:00 +0000");
    for bad in [
        b"".to_vec(),
        b"\x00\x01\x02binary junk".to_vec(),
        b"no header here, just text\r\n\r\nmore".to_vec(),
    ] {
        let e =
            block_on(store.import_raw(&inbox, vec![good.clone(), good.clone(), bad])).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA);
        assert!(e.message.contains("message #3 (index 2)"), "{e}");
        assert!(e.message.contains("nothing was imported"), "{e}");
        assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 0);
    }
    // A big batch with the bad one late (parsed on the second thread).
    let mut batch = vec![good.clone(); 200];
    batch[150] = b"garbage".to_vec();
    let e = block_on(store.import_raw(&inbox, batch)).unwrap_err();
    assert!(e.message.contains("index 150"), "{e}");
    assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 0);
    assert_eq!(
        block_on(store.import_raw(&inbox, vec![good; 200]))
            .unwrap()
            .len(),
        200
    );
    assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 200);
}

/// A batch bigger than one insert statement, in no date order and with ties: every
/// returned id is its own message, the view is newest first with ties later-in-batch
/// first (as inserting in batch order gives), and the commit is visible to another
/// connection to the file at once.
#[test]
fn a_large_batch_keeps_its_ids_and_the_view_order() {
    let dir = TempDir::new();
    let store = new_store(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let n = 100;
    // Three distinct dates, repeated: 0 -> 10 Nov, 1 -> 12 Nov, 2 -> 11 Nov.
    let day = |i: usize| [10, 12, 11][i % 3];
    let batch: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let date = format!("Fri, {} Nov 2023 08:00:00 +0000", day(i));
            simple_message(&format!("m{i}"), &date)
        })
        .collect();
    let ids = block_on(store.import_raw(&inbox, batch.clone())).unwrap();
    assert_eq!(ids.len(), n);
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(
            block_on(store.read_raw(id)).unwrap(),
            batch[i],
            "message {i}"
        );
        let m = block_on(store.read_message(id)).unwrap();
        assert_eq!(m.str(PR_SUBJECT), Some(format!("m{i}").as_str()));
    }
    let mut want: Vec<usize> = (0..n).collect();
    // Newest first; the same day: the later in the batch first.
    want.sort_by(|a, b| day(*b).cmp(&day(*a)).then(b.cmp(a)));
    let table = block_on(store.contents(&inbox)).unwrap();
    let shown: Vec<String> = table
        .full_rows()
        .iter()
        .map(|r| r.str(PR_SUBJECT).unwrap().to_string())
        .collect();
    let want: Vec<String> = want.iter().map(|i| format!("m{i}")).collect();
    assert_eq!(shown, want);
    let other = rusqlite::Connection::open(dir.path("mail.db")).unwrap();
    let count: i64 = other
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, n as i64);
}

/// Bodies and raw messages over 64 KiB are written into the row in place (incremental
/// blob I/O): they read back exactly, beside small ones, and a failed batch leaves none.
#[test]
fn large_messages_round_trip() {
    let dir = TempDir::new();
    let store = new_store(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let text: String = (0..20_000)
        .map(|i| format!("Zeile {i}: Grüße\r\n"))
        .collect();
    let big_text = format!(
        "From: a@example.org\r\nSubject: big text\r\nDate: Mon, 13 Nov 2023 08:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}"
    )
    .into_bytes();
    let attachment: String = (0..5_000)
        .map(|_| "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY\r\n")
        .collect();
    let big_attachment = format!(
        "From: a@example.org\r\nSubject: big attachment\r\nDate: Tue, 14 Nov 2023 08:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
         --b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"x.bin\"\r\n\r\n{attachment}--b--\r\n"
    )
    .into_bytes();
    let small = simple_message("small", "Wed, 15 Nov 2023 08:00:00 +0000");
    assert!(big_text.len() > 64 * 1024 && big_attachment.len() > 64 * 1024);

    let mut failing = vec![big_text.clone(); 2];
    failing.push(b"not a message".to_vec());
    let e = block_on(store.import_raw(&inbox, failing)).unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA);
    assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 0);

    let batch = vec![big_text.clone(), small.clone(), big_attachment.clone()];
    let ids = block_on(store.import_raw(&inbox, batch.clone())).unwrap();
    for (id, raw) in ids.iter().zip(&batch) {
        assert_eq!(&block_on(store.read_raw(id)).unwrap(), raw);
    }
    let m = block_on(store.read_message(&ids[0])).unwrap();
    assert_eq!(m.str(PR_BODY), Some(text.as_str()));
    assert_eq!(m.int(PR_MESSAGE_SIZE), Some(big_text.len() as i64));
    let m = block_on(store.read_message(&ids[2])).unwrap();
    assert_eq!(m.str(PR_BODY).map(str::trim_end), Some("see attached"));
    assert_eq!(m.get(PR_HASATTACH), Some(&PropValue::Boolean(true)));
    let m = block_on(store.read_message(&ids[1])).unwrap();
    assert_eq!(m.str(PR_SUBJECT), Some("small"));
    assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 3);
}

#[test]
fn delete_and_move() {
    let dir = TempDir::new();
    let store = new_store(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let deleted = block_on(store.folder(FolderKind::DeletedItems)).unwrap();
    let ids = block_on(store.import_raw(
        &inbox,
        vec![
            simple_message("one", "Mon, 13 Nov 2023 08:00:00 +0000"),
            simple_message("two", "Tue, 14 Nov 2023 08:00:00 +0000"),
        ],
    ))
    .unwrap();
    let moved = block_on(store.move_message(&ids[0], &deleted)).unwrap();
    let in_deleted = block_on(store.contents(&deleted)).unwrap().query_rows();
    assert_eq!(in_deleted.len(), 1);
    assert_eq!(in_deleted[0].str(PR_SUBJECT), Some("one"));
    assert_eq!(
        in_deleted[0].get(PR_ENTRYID),
        Some(&PropValue::Binary(moved.clone()))
    );
    let m = block_on(store.read_message(&moved)).unwrap();
    assert_eq!(
        m.get(PR_PARENT_ENTRYID),
        Some(&PropValue::Binary(deleted.clone()))
    );
    assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 1);

    block_on(store.delete_message(&ids[1])).unwrap();
    assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 0);
    for e in [
        block_on(store.read_message(&ids[1])).unwrap_err(),
        block_on(store.read_raw(&ids[1])).unwrap_err(),
        block_on(store.delete_message(&ids[1])).unwrap_err(),
        block_on(store.move_message(&ids[1], &inbox)).unwrap_err(),
    ] {
        assert_eq!(e.status, Status::MAPI_E_NOT_FOUND, "{e}");
    }
}

#[test]
fn foreign_and_malformed_entry_ids_are_refused() {
    let dir = TempDir::new();
    let store = new_store(&dir);
    let other_dir = TempDir::new();
    let other = new_store(&other_dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let other_inbox = block_on(other.folder(FolderKind::Inbox)).unwrap();
    let ids = block_on(other.import_raw(
        &other_inbox,
        vec![simple_message("x", "Mon, 13 Nov 2023 08:00:00 +0000")],
    ))
    .unwrap();
    let invalid = |e: mapi_spi::ProviderError| {
        assert_eq!(e.status, Status::MAPI_E_INVALID_ENTRYID, "{e}");
    };
    invalid(block_on(store.read_message(&ids[0])).unwrap_err());
    invalid(block_on(store.contents(&other_inbox)).unwrap_err());
    invalid(block_on(store.import_raw(&other_inbox, vec![])).unwrap_err());
    invalid(block_on(store.read_raw(&[1, 2, 3])).unwrap_err());
    invalid(block_on(store.read_message(&[])).unwrap_err());
    // A folder id where a message id belongs, and the reverse.
    invalid(block_on(store.read_message(&inbox)).unwrap_err());
    let own = block_on(store.import_raw(
        &inbox,
        vec![simple_message("y", "Mon, 13 Nov 2023 08:00:00 +0000")],
    ))
    .unwrap();
    invalid(block_on(store.contents(&own[0])).unwrap_err());
    invalid(block_on(store.move_message(&own[0], &own[0])).unwrap_err());
    // A well-formed id of this store naming no folder.
    let mut ghost = inbox.clone();
    let n = ghost.len();
    ghost[n - 8..].copy_from_slice(&999i64.to_le_bytes());
    assert_eq!(
        block_on(store.contents(&ghost)).unwrap_err().status,
        Status::MAPI_E_NOT_FOUND
    );
}

#[test]
fn calls_after_logoff_fail_cleanly() {
    let dir = TempDir::new();
    let store = new_store(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    block_on(store.logoff());
    let e = block_on(store.contents(&inbox)).unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_INVALID_OBJECT);
    block_on(store.logoff());
    // The session lock went with the logoff.
    assert!(store_logon(exclusive_settings(&dir.path("mail.db"), true)).is_ok());
}
