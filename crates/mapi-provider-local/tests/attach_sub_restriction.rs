//! RES_SUBRESTRICTION on PR_MESSAGE_ATTACHMENTS in a real store's contents tables: the
//! rows are what each message's GetAttachmentTable shows (saved attachments, or the
//! MIME attachments of an imported message), evaluated in SQL or, inside a
//! restriction SQL cannot take whole, in Rust; both give exactly what the in-memory
//! evaluation gives over the same rows. A column the store cannot evaluate is
//! MAPI_E_TOO_COMPLEX and changes nothing.

mod common;

use std::sync::Arc;

use common::*;
use mapi_spi::{EntryId, FolderKind, MsgStore, PropObject};
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG};
use mapi_types::object::{
    IID_ISTREAM, KEEP_OPEN_READWRITE, MAPI_CREATE, MAPI_MODIFY, MAPI_UNICODE,
};
use mapi_types::table::consts::*;
use mapi_types::table::view::SubRows;
use mapi_types::tags::*;
use mapi_types::{
    Bookmark, ContentMatch, MemorySource, PropTag, PropValue, Query, Relop, Restriction, Row,
    Status, TableView,
};

struct Fixture {
    _dir: TempDir,
    store: Arc<dyn MsgStore>,
    inbox: EntryId,
}

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
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    for i in 0..12usize {
        let msg = block_on(store.create_message(&inbox, 0)).unwrap();
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
        (0..2).map(|i| simple_message(&format!("plain {i}"), "Mon, 13 Nov 2023 08:00:00 +0000")),
    );
    block_on(store.import_raw(&inbox, imported)).unwrap();
    Fixture {
        _dir: dir,
        store,
        inbox,
    }
}

fn sql_view(f: &Fixture) -> TableView {
    TableView::over(block_on(f.store.contents_source(&f.inbox, 0)).unwrap())
}

/// The same folder in memory, each row with the rows its message's
/// GetAttachmentTable gives.
fn memory_view(f: &Fixture) -> TableView {
    let table = block_on(f.store.contents(&f.inbox)).unwrap();
    let columns = table.columns().to_vec();
    let rows: Vec<Row> = table.full_rows().into_iter().cloned().collect();
    let subs: Vec<SubRows> = rows
        .iter()
        .map(|r| {
            let entry = r.get(PR_ENTRYID).and_then(PropValue::as_bytes).unwrap();
            let msg = block_on(f.store.open_message(entry, 0)).unwrap();
            let mut src = block_on(msg.attachment_table(MAPI_UNICODE)).unwrap();
            let n = src.count().unwrap();
            let cols = src.all_columns();
            vec![(PR_MESSAGE_ATTACHMENTS, src.rows(0, n, &cols).unwrap())]
        })
        .collect();
    TableView::over(Box::new(
        MemorySource::new(&columns, rows).with_sub_rows(subs),
    ))
}

fn all_rows(v: &mut TableView) -> Vec<Row> {
    v.set_columns(&[PR_ENTRYID, PR_SUBJECT], 0).unwrap();
    v.seek_row(Bookmark::Beginning, 0).unwrap();
    v.query_rows(1000, 0).unwrap()
}

fn content(tag: PropTag, text: &str, how: ContentMatch, ignore_case: bool) -> Restriction {
    Restriction::Content {
        tag,
        text: text.into(),
        how,
        ignore_case,
    }
}

fn prop(op: Relop, tag: PropTag, value: PropValue) -> Restriction {
    Restriction::Property { op, tag, value }
}

fn sub(inner: Restriction) -> Restriction {
    Restriction::Sub {
        object: PR_MESSAGE_ATTACHMENTS,
        restriction: Box::new(inner),
    }
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

/// Each inner restriction as the whole restriction, negated, beside an SQL part, and
/// inside an OR with a case-ignoring match on the subject (evaluated in Rust).
fn restrictions() -> Vec<Restriction> {
    let mut out = Vec::new();
    for inner in inner_restrictions() {
        out.push(sub(inner.clone()));
        out.push(Restriction::Not(Box::new(sub(inner.clone()))));
        out.push(Restriction::And(vec![
            sub(inner.clone()),
            content(PR_SUBJECT, "Note 1", ContentMatch::Prefix, false),
        ]));
        out.push(Restriction::Or(vec![
            content(PR_SUBJECT, "NOTE 3", ContentMatch::Full, true),
            sub(inner),
        ]));
    }
    out
}

#[test]
fn attachment_sub_restrictions_match_the_memory_evaluation() {
    let f = fixture();
    let mut sql = sql_view(&f);
    let mut mem = memory_view(&f);
    assert_eq!(all_rows(&mut sql), all_rows(&mut mem));
    assert_eq!(sql.get_row_count(0).unwrap(), 17);
    let mut selective = 0;
    for r in restrictions() {
        sql.restrict(Some(r.clone()), 0).unwrap();
        mem.restrict(Some(r.clone()), 0).unwrap();
        let count = mem.get_row_count(0).unwrap();
        assert_eq!(sql.get_row_count(0).unwrap(), count, "count of {r:?}");
        assert_eq!(all_rows(&mut sql), all_rows(&mut mem), "rows of {r:?}");
        let mut fresh = sql_view(&f);
        fresh.restrict(Some(r.clone()), 0).unwrap();
        fresh.set_columns(&[PR_ENTRYID, PR_SUBJECT], 0).unwrap();
        mem.seek_row(Bookmark::Beginning, 0).unwrap();
        assert_eq!(
            fresh.query_rows(3, 0).unwrap(),
            mem.query_rows(3, 0).unwrap(),
            "first page of {r:?}"
        );
        if count > 0 && count < 17 {
            selective += 1;
        }
    }
    assert!(selective > 50, "only {selective} selective cases");
}

#[test]
fn find_row_sees_the_attachments() {
    let f = fixture();
    let mut sql = sql_view(&f);
    let mut mem = memory_view(&f);
    for inner in inner_restrictions() {
        let r = sub(inner);
        for (from, flags) in [(Bookmark::Beginning, 0), (Bookmark::End, DIR_BACKWARD)] {
            let found = [&mut sql, &mut mem].map(|v| {
                let status = v.find_row(&r, from, flags).err().map(|e| e.status);
                (status, v.query_position().unwrap().row)
            });
            assert_eq!(found[0], found[1], "FindRow {r:?} from {from:?}");
        }
    }
}

#[test]
fn imported_mime_attachments_count_and_chunked_sizes_are_seen() {
    let f = fixture();
    let mut v = sql_view(&f);
    let subjects = |v: &mut TableView| -> Vec<String> {
        all_rows(v)
            .iter()
            .map(|r| r.str(PR_SUBJECT).unwrap().to_string())
            .collect()
    };
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
    let mut v = sql_view(&f);
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
