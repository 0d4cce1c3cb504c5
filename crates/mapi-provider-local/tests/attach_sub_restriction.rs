//! RES_SUBRESTRICTION on PR_MESSAGE_ATTACHMENTS in a real store's contents tables: the
//! rows are what each message's GetAttachmentTable shows (saved attachments, or the
//! MIME attachments of an imported message), evaluated in SQL or, inside a
//! restriction SQL cannot take whole, in Rust; both give exactly what the in-memory
//! evaluation gives over the same rows. A column the store cannot evaluate is
//! MAPI_E_TOO_COMPLEX and changes nothing.

mod common;

use std::sync::Arc;

use common::restrict::{self, Fixture, content, prop, subjects};
use common::*;
use mapi_spi::PropObject;
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG};
use mapi_types::object::{IID_ISTREAM, KEEP_OPEN_READWRITE, MAPI_CREATE, MAPI_MODIFY};
use mapi_types::table::consts::*;
use mapi_types::tags::*;
use mapi_types::{ContentMatch, PropValue, Query, Relop, Restriction, Status};

fn text(v: &str) -> PropValue {
    PropValue::Unicode(v.into())
}

fn add_file(msg: &Arc<dyn PropObject>, method: i32, name: Option<&str>, mime: &str, data: &[u8]) {
    let (_, att) = block_on(msg.create_attach(0)).unwrap();
    let mut values = vec![
        (PR_ATTACH_METHOD, PropValue::Long(method)),
        (PR_ATTACH_MIME_TAG, text(mime)),
    ];
    if let Some(name) = name {
        values.push((PR_ATTACH_LONG_FILENAME, text(name)));
        values.push((PR_ATTACH_FILENAME, text(&name.to_uppercase())));
    }
    let problems = block_on(att.set_props(&values)).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let s =
        block_on(att.open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, MAPI_CREATE | MAPI_MODIFY))
            .unwrap();
    for chunk in data.chunks(64 * 1024) {
        assert_eq!(block_on(s.write(chunk)).unwrap(), chunk.len());
    }
    block_on(s.commit(0)).unwrap();
    block_on(att.save_changes(0)).unwrap();
}

fn received(i: usize) -> Vec<u8> {
    format!(
        "From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>\r\n\
Subject: imported {i}\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
Message-ID: <received.{i}@example.org>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n\
--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"r{i}.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n\
--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n\
From: Carol <carol@example.org>\r\nTo: Ann <ann@example.org>\r\nSubject: inner one\r\n\r\n\
inner body\r\n\
--b--\r\n"
    )
    .into_bytes()
}

/// 12 composed messages with saved attachments (every fourth with none, one with data
/// large enough to go to chunks), 3 imported ones with MIME attachments and 2 imported
/// ones without.
fn fixture() -> Fixture {
    Fixture::new(PR_MESSAGE_ATTACHMENTS, |store, inbox| {
        for i in 0..12usize {
            let msg = block_on(store.create_message(inbox, 0)).unwrap();
            block_on(msg.set_props(&[(PR_SUBJECT, text(&format!("Note {i}")))])).unwrap();
            if i % 4 != 0 {
                let data = vec![b'x'; if i == 7 { 300 * 1024 } else { 10 * i }];
                add_file(
                    &msg,
                    ATTACH_BY_VALUE,
                    Some(&format!("report{}.pdf", i % 3)),
                    "application/pdf",
                    &data,
                );
                if i % 2 == 0 {
                    add_file(
                        &msg,
                        ATTACH_BY_VALUE,
                        Some("Ünïcode photo.JPG"),
                        "image/jpeg",
                        b"jpeg",
                    );
                }
                if i % 3 == 0 {
                    add_file(&msg, ATTACH_BY_VALUE, None, "text/plain", b"");
                }
            }
            block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
        }
        let mut imported: Vec<Vec<u8>> = (0..3).map(received).collect();
        imported.extend(
            (0..2)
                .map(|i| simple_message(&format!("plain {i}"), "Mon, 13 Nov 2023 08:00:00 +0000")),
        );
        block_on(store.import_raw(inbox, imported)).unwrap();
    })
}

fn sub(inner: Restriction) -> Restriction {
    restrict::sub(PR_MESSAGE_ATTACHMENTS, inner)
}

fn inner_restrictions() -> Vec<Restriction> {
    use ContentMatch::*;
    vec![
        content(PR_ATTACH_LONG_FILENAME, ".PDF", Substring, true),
        content(PR_ATTACH_LONG_FILENAME, "report1.pdf", Full, false),
        content(PR_ATTACH_FILENAME, "REPORT", Prefix, false),
        content(PR_ATTACH_FILENAME, "r1.pdf", Full, true),
        content(PR_ATTACH_LONG_FILENAME, "ünïcode", Prefix, true),
        content(PR_ATTACH_MIME_TAG, "image/", Prefix, false),
        prop(Relop::Eq, PR_ATTACH_MIME_TAG, text("application/pdf")),
        prop(
            Relop::Eq,
            PR_ATTACH_METHOD,
            PropValue::Long(ATTACH_EMBEDDED_MSG),
        ),
        prop(
            Relop::Ne,
            PR_ATTACH_METHOD,
            PropValue::Long(ATTACH_BY_VALUE),
        ),
        prop(Relop::Gt, PR_ATTACH_SIZE, PropValue::Long(60)),
        prop(Relop::Ge, PR_ATTACH_SIZE, PropValue::Long(256 * 1024)),
        prop(Relop::Eq, PR_ATTACH_SIZE, PropValue::Long(8)),
        prop(Relop::Lt, PR_ATTACH_SIZE, PropValue::Long(5)),
        Restriction::Size {
            op: Relop::Gt,
            tag: PR_ATTACH_LONG_FILENAME,
            size: 24,
        },
        Restriction::BitMask {
            tag: PR_ATTACH_METHOD,
            mask: 4,
            nonzero: true,
        },
        Restriction::Exist(PR_ATTACH_FILENAME),
        Restriction::Not(Box::new(Restriction::Exist(PR_ATTACH_LONG_FILENAME))),
        Restriction::CompareProps {
            op: Relop::Ne,
            left: PR_ATTACH_FILENAME,
            right: PR_ATTACH_LONG_FILENAME,
        },
        Restriction::And(vec![
            content(PR_ATTACH_MIME_TAG, "pdf", Substring, false),
            prop(Relop::Le, PR_ATTACH_SIZE, PropValue::Long(30)),
        ]),
        Restriction::Or(vec![
            content(PR_ATTACH_MIME_TAG, "JPEG", Substring, true),
            prop(Relop::Eq, PR_ATTACH_SIZE, PropValue::Long(0)),
        ]),
    ]
}

#[test]
fn attachment_sub_restrictions_match_the_memory_evaluation() {
    fixture().assert_matches_memory(inner_restrictions(), 17, 50);
}

#[test]
fn find_row_sees_the_attachments() {
    fixture().assert_find_row_matches(inner_restrictions());
}

#[test]
fn imported_mime_attachments_count_and_chunked_sizes_are_seen() {
    let f = fixture();
    let mut v = f.sql_view();
    v.restrict(
        Some(sub(content(
            PR_ATTACH_FILENAME,
            "r1.pdf",
            ContentMatch::Full,
            false,
        ))),
        0,
    )
    .unwrap();
    assert_eq!(subjects(&mut v), ["imported 1"]);
    v.restrict(
        Some(sub(prop(
            Relop::Eq,
            PR_ATTACH_METHOD,
            PropValue::Long(ATTACH_EMBEDDED_MSG),
        ))),
        0,
    )
    .unwrap();
    assert_eq!(v.get_row_count(0).unwrap(), 3);
    v.restrict(
        Some(sub(prop(
            Relop::Ge,
            PR_ATTACH_SIZE,
            PropValue::Long(300 * 1024),
        ))),
        0,
    )
    .unwrap();
    assert_eq!(subjects(&mut v), ["Note 7"]);
    // Messages with no attachment at all: 3 composed, 2 imported.
    v.restrict(
        Some(Restriction::Not(Box::new(sub(
            Restriction::And(Vec::new()),
        )))),
        0,
    )
    .unwrap();
    assert_eq!(v.get_row_count(0).unwrap(), 5);
}

#[test]
fn other_attachment_columns_are_too_complex_and_change_nothing() {
    let f = fixture();
    let mut v = f.sql_view();
    let pdf = sub(content(
        PR_ATTACH_MIME_TAG,
        "pdf",
        ContentMatch::Substring,
        false,
    ));
    v.restrict(Some(pdf), 0).unwrap();
    let before = v.get_row_count(0).unwrap();
    assert_eq!(before, 12);
    let refused = [
        sub(Restriction::Exist(PR_ATTACH_DATA_BIN)),
        sub(content(
            PR_DISPLAY_NAME,
            "x",
            ContentMatch::Substring,
            false,
        )),
        sub(Restriction::Or(vec![
            Restriction::Exist(PR_ATTACH_MIME_TAG),
            prop(Relop::Eq, PR_ATTACH_NUM, PropValue::Long(0)),
        ])),
        sub(Restriction::CompareProps {
            op: Relop::Eq,
            left: PR_ATTACH_FILENAME,
            right: PR_ATTACH_EXTENSION,
        }),
        sub(sub(Restriction::Exist(PR_ATTACH_MIME_TAG))),
        Restriction::Sub {
            object: PR_MESSAGE_RECIPIENTS,
            restriction: Box::new(sub(Restriction::Exist(PR_ATTACH_MIME_TAG))),
        },
    ];
    for r in refused {
        let e = v.restrict(Some(r.clone()), 0).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX, "{r:?}: {e}");
        assert_eq!(v.get_row_count(0).unwrap(), before, "nothing changed");
        let mut src = block_on(f.store.contents_source(&f.inbox, 0)).unwrap();
        let query = Query {
            restriction: Some(r),
            sort: Vec::new(),
        };
        let e = src.set_query(&query).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX);
        assert_eq!(src.count().unwrap(), 17);
    }
}
