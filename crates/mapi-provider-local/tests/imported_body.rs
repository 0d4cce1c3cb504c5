//! The body of an imported message (under 64 KiB) whose text is a verbatim part of its
//! raw bytes is kept as where it is in them, not as a second copy (schema 8): every
//! reader (GetProps, the PR_BODY stream, the row API, a copy) gives the same text as for
//! a body that had to be decoded, and a body set afterwards replaces it for good.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use mapi_spi::{FolderKind, MsgStore, PropObject, PropStream};
use mapi_types::PropValue;
use mapi_types::object::*;
use mapi_types::tags::*;
use rusqlite::Connection;

const HEADERS: &str = "From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>\r\n\
    Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMIME-Version: 1.0\r\n";

/// A single-part text/plain message, no transfer encoding: its body is in the raw bytes.
fn plain(subject: &str, body: &str) -> Vec<u8> {
    format!("{HEADERS}Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}")
        .into_bytes()
}

fn quoted_printable() -> Vec<u8> {
    format!(
        "{HEADERS}Subject: qp\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe, a long li=\r\nne.\r\n"
    )
    .into_bytes()
}

fn multipart() -> Vec<u8> {
    format!(
        "{HEADERS}Subject: multi\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe plain part.\r\n\
         --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>The HTML part.</p>\r\n--b--\r\n"
    )
    .into_bytes()
}

fn stream(obj: &Arc<dyn PropObject>, flags: u32) -> Box<dyn PropStream> {
    block_on(obj.open_property(PR_BODY, &IID_ISTREAM, flags)).unwrap()
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

/// PR_BODY through GetProps (`None` when it is too large for it).
fn get_body(obj: &Arc<dyn PropObject>) -> Option<String> {
    let r = block_on(obj.get_props(Some(&[PR_BODY]), MAPI_UNICODE)).unwrap();
    match &r.value[0].1 {
        PropValue::Unicode(s) => Some(s.clone()),
        PropValue::Error(_) => None,
        other => panic!("PR_BODY is {other:?}"),
    }
}

/// Message `id`'s stored body: the `body` column's length and where in `raw` it is.
fn stored(path: &Path, id: &[u8]) -> (i64, Option<(i64, i64)>) {
    let row = id_of(id);
    Connection::open(path)
        .unwrap()
        .query_row(
            "SELECT octet_length(body), body_offset, body_len FROM messages WHERE id = ?1",
            [row],
            |r| {
                let at: Option<i64> = r.get(1)?;
                let len: Option<i64> = r.get(2)?;
                Ok((r.get(0)?, at.zip(len)))
            },
        )
        .unwrap()
}

/// The row id in a local-store message entry id (its last 8 bytes, little-endian).
fn id_of(entry: &[u8]) -> i64 {
    i64::from_le_bytes(entry[entry.len() - 8..].try_into().unwrap())
}

/// The body every reader gives: GetProps, the stream, the row API; all the same.
fn body_everywhere(store: &Arc<dyn MsgStore>, entry: &[u8]) -> Vec<u8> {
    let msg = block_on(store.open_message(entry, 0)).unwrap();
    let streamed = read_all(&*stream(&msg, 0));
    if let Some(got) = get_body(&msg) {
        assert_eq!(got.as_bytes(), streamed, "GetProps and the stream differ");
    }
    let row = block_on(store.read_message(entry)).unwrap();
    assert!(
        row.str(PR_BODY).map(str::as_bytes) == Some(&streamed[..]),
        "the row API and the stream differ"
    );
    streamed
}

fn logon(dir: &TempDir) -> (std::path::PathBuf, Arc<dyn MsgStore>) {
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    (path, store)
}

#[test]
fn verbatim_and_decoded_bodies_read_the_same_through_every_reader() {
    let dir = TempDir::new();
    let (path, store) = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    // Past GetProps' limit (256 KiB): only a stream reads it.
    let big: String = (0..300_000)
        .map(|i| {
            if i % 80 == 79 {
                '\n'
            } else {
                (b'a' + (i % 26) as u8) as char
            }
        })
        .collect();
    let raws = vec![
        plain("plain", "Hello, \u{e9}t\u{e9}.\r\nSecond line.\r\n"),
        quoted_printable(),
        multipart(),
        plain("big", &big),
    ];
    let ids = block_on(store.import_raw(&inbox, raws.clone())).unwrap();

    // Where each body is kept: the verbatim ones only in the raw bytes.
    let plain_at = stored(&path, &ids[0]);
    assert_eq!(plain_at.0, 0);
    let (at, len) = plain_at
        .1
        .expect("the plain body is a part of the raw bytes");
    assert_eq!(
        &raws[0][at as usize..(at + len) as usize],
        "Hello, \u{e9}t\u{e9}.\r\nSecond line.\r\n".as_bytes()
    );
    assert_eq!(
        stored(&path, &ids[1]).1,
        None,
        "a decoded body has its copy"
    );
    assert!(stored(&path, &ids[1]).0 > 0);
    // A message past 64 KiB is written in place, its body with it (as before schema 8).
    assert_eq!(stored(&path, &ids[3]), (big.len() as i64, None));

    assert_eq!(
        body_everywhere(&store, &ids[0]),
        "Hello, \u{e9}t\u{e9}.\r\nSecond line.\r\n".as_bytes()
    );
    assert_eq!(
        body_everywhere(&store, &ids[1]),
        "Gr\u{fc}\u{df}e, a long line.\r\n".as_bytes()
    );
    assert_eq!(
        String::from_utf8(body_everywhere(&store, &ids[2]))
            .unwrap()
            .trim_end(),
        "The plain part."
    );
    let msg = block_on(store.open_message(&ids[3], 0)).unwrap();
    assert_eq!(get_body(&msg), None, "too large for GetProps");
    assert!(body_everywhere(&store, &ids[3]) == big.as_bytes());
    // The same body kept as a part of the raw bytes (as a file may hold it) is read
    // from there through a stream, seeks included.
    let at = raws[3].len() - big.len();
    Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE messages SET body = '', body_offset = ?1, body_len = ?2 WHERE id = ?3",
            [at as i64, big.len() as i64, id_of(&ids[3])],
        )
        .unwrap();
    assert_eq!(
        stored(&path, &ids[3]),
        (0, Some((at as i64, big.len() as i64)))
    );
    let msg = block_on(store.open_message(&ids[3], 0)).unwrap();
    assert_eq!(get_body(&msg), None, "too large for GetProps");
    assert!(body_everywhere(&store, &ids[3]) == big.as_bytes());
    let s = stream(&msg, 0);
    block_on(s.seek(-10, STREAM_SEEK_END)).unwrap();
    assert_eq!(read_all(&*s), &big.as_bytes()[big.len() - 10..]);
    // A stream seeks and reads part of a body kept in the raw bytes.
    let s = stream(&block_on(store.open_message(&ids[0], 0)).unwrap(), 0);
    block_on(s.seek(7, STREAM_SEEK_SET)).unwrap();
    let mut four = [0u8; 4];
    assert_eq!(block_on(s.read(&mut four)).unwrap(), 4);
    assert_eq!(four, "Hello, \u{e9}t\u{e9}".as_bytes()[7..11]);

    // A copy reads the same bodies, and keeps the plain one in its raw bytes too.
    let drafts = block_on(store.folder(FolderKind::Drafts)).unwrap();
    let copies: Vec<_> = block_on(store.copy_messages(&inbox, &ids, &drafts, 0))
        .unwrap()
        .value
        .into_iter()
        .map(|c| c.expect("copied"))
        .collect();
    for (copy, id) in copies.iter().zip(&ids) {
        assert!(body_everywhere(&store, copy) == body_everywhere(&store, id));
    }
    assert!(stored(&path, &copies[0]).1.is_some());
    block_on(store.logoff());
}

#[test]
fn a_body_set_after_import_replaces_the_part_of_the_raw_bytes() {
    let dir = TempDir::new();
    let (path, store) = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let raws = vec![
        plain("set", "The imported body.\r\n"),
        plain("streamed", "Another imported body.\r\n"),
        plain("deleted", "A third imported body.\r\n"),
    ];
    let ids = block_on(store.import_raw(&inbox, raws)).unwrap();
    assert!(ids.iter().all(|id| stored(&path, id).1.is_some()));

    // SetProps.
    let msg = block_on(store.open_message(&ids[0], MAPI_MODIFY)).unwrap();
    block_on(msg.set_props(&[(PR_BODY, PropValue::Unicode("Edited.".into()))])).unwrap();
    block_on(msg.save_changes(0)).unwrap();
    assert_eq!(stored(&path, &ids[0]).1, None);
    assert_eq!(body_everywhere(&store, &ids[0]), b"Edited.");

    // A stream, rewriting the start and keeping the rest.
    let msg = block_on(store.open_message(&ids[1], MAPI_MODIFY)).unwrap();
    let s = stream(&msg, MAPI_MODIFY);
    block_on(s.write(b"ANOTHER")).unwrap();
    block_on(s.commit(0)).unwrap();
    block_on(msg.save_changes(0)).unwrap();
    assert_eq!(stored(&path, &ids[1]).1, None);
    assert_eq!(
        body_everywhere(&store, &ids[1]),
        b"ANOTHER imported body.\r\n"
    );

    // DeleteProps: no body at all, not the imported one.
    let msg = block_on(store.open_message(&ids[2], MAPI_MODIFY)).unwrap();
    block_on(msg.delete_props(&[PR_BODY])).unwrap();
    block_on(msg.save_changes(0)).unwrap();
    assert_eq!(stored(&path, &ids[2]).1, None);
    let again = block_on(store.open_message(&ids[2], 0)).unwrap();
    let r = block_on(again.get_props(Some(&[PR_BODY]), MAPI_UNICODE)).unwrap();
    assert!(
        matches!(r.value[0].1, PropValue::Error(_)),
        "{:?}",
        r.value[0]
    );

    // After a logoff and logon, the edits are what is read.
    block_on(store.logoff());
    let store = store_logon(settings(&path)).unwrap();
    assert_eq!(body_everywhere(&store, &ids[0]), b"Edited.");
    assert_eq!(
        body_everywhere(&store, &ids[1]),
        b"ANOTHER imported body.\r\n"
    );
    block_on(store.logoff());
}
