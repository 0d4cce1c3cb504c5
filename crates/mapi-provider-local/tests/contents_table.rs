//! Contents tables of a real store file through the SQL row source: every restriction
//! type and sort gives exactly the rows the in-memory evaluation gives over the same
//! folder, with paging, bookmarks and counts; associated contents are empty; what the
//! store cannot evaluate is MAPI_E_TOO_COMPLEX.

mod common;

use std::sync::Arc;

use common::*;
use mapi_spi::{FolderKind, MsgStore};
use mapi_types::table::consts::*;
use mapi_types::tags::*;
use mapi_types::{
    Bookmark, ContentMatch, MemorySource, PropTag, PropType, PropValue, Relop, Restriction, Row,
    SortKey, Status, TableView,
};

const SUBJECTS: [&str; 6] = [
    "Invoice March",
    "invoice april",
    "Ünïcode Grüße",
    "Meeting notes",
    "RE: INVOICE overdue",
    "lunch",
];

fn message(i: usize) -> Vec<u8> {
    let subject = format!("{} {i}", SUBJECTS[i % SUBJECTS.len()]);
    let from = [
        "ann@example.org",
        "Bob <bob@example.net>",
        "zoë@example.com",
    ][i % 3];
    let day = 1 + (i * 7) % 28;
    let body = "x".repeat(50 * (i % 9));
    let attach = if i.is_multiple_of(5) {
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: application/octet-stream\r\n\
         Content-Disposition: attachment; filename=\"a.bin\"\r\n\r\nAAAA\r\n--b--\r\n"
            .to_string()
    } else {
        format!("MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{body}\r\n")
    };
    format!(
        "From: {from}\r\nTo: Carol <carol@example.org>\r\nSubject: {subject}\r\n\
         Date: Mon, {day:02} Jan 2024 10:{:02}:00 +0000\r\n{attach}",
        i % 60
    )
    .into_bytes()
}

struct Fixture {
    _dir: TempDir,
    path: std::path::PathBuf,
    store: Arc<dyn MsgStore>,
    inbox: Vec<u8>,
}

fn fixture(n: usize) -> Fixture {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    block_on(store.import_raw(&inbox, (0..n).map(message).collect())).unwrap();
    // Some messages read (MSGFLAG_READ), through a second connection to the file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    conn.execute("UPDATE messages SET flags = flags | 1 WHERE id % 3 = 0", [])
        .unwrap();
    Fixture {
        _dir: dir,
        path,
        store,
        inbox,
    }
}

fn sql_view(f: &Fixture) -> TableView {
    TableView::over(block_on(f.store.contents_source(&f.inbox, 0)).unwrap())
}

fn memory_view(f: &Fixture) -> TableView {
    let table = block_on(f.store.contents(&f.inbox)).unwrap();
    TableView::over(Box::new(MemorySource::from_table(table)))
}

fn all_rows(v: &mut TableView) -> Vec<Row> {
    let cols = v.query_columns(TBL_ALL_COLUMNS).unwrap();
    v.set_columns(&cols, 0).unwrap();
    v.seek_row(Bookmark::Beginning, 0).unwrap();
    v.query_rows(100_000, 0).unwrap()
}

fn text(tag: PropTag, s: &str) -> PropValue {
    if tag.prop_type() == PropType::PT_STRING8 {
        PropValue::String8(s.into())
    } else {
        PropValue::Unicode(s.into())
    }
}

fn restrictions() -> Vec<Restriction> {
    let content = |tag, t: &str, how, ignore_case| Restriction::Content {
        tag,
        text: t.into(),
        how,
        ignore_case,
    };
    let prop = |op, tag, value| Restriction::Property { op, tag, value };
    let mut out = vec![
        content(PR_SUBJECT, "invoice", ContentMatch::Substring, true),
        content(PR_SUBJECT, "invoice", ContentMatch::Substring, false),
        content(PR_SUBJECT, "Invoice", ContentMatch::Prefix, false),
        content(PR_SUBJECT, "INVOICE", ContentMatch::Prefix, true),
        content(PR_SUBJECT, "lunch 5", ContentMatch::Full, false),
        content(PR_SUBJECT, "LUNCH 5", ContentMatch::Full, true),
        content(PR_SUBJECT, "grüsse", ContentMatch::Substring, true),
        content(PR_SUBJECT, "ÜNÏ", ContentMatch::Prefix, true),
        content(
            PR_SENDER_EMAIL_ADDRESS,
            "example.net",
            ContentMatch::Substring,
            false,
        ),
        content(PR_MESSAGE_CLASS, "ipm.", ContentMatch::Prefix, true),
        content(PR_MESSAGE_SIZE, "1", ContentMatch::Substring, false),
        content(PR_BODY, "x", ContentMatch::Substring, false),
        Restriction::BitMask {
            tag: PR_MESSAGE_FLAGS,
            mask: 1,
            nonzero: false,
        },
        Restriction::BitMask {
            tag: PR_MESSAGE_FLAGS,
            mask: 0x11,
            nonzero: true,
        },
        Restriction::BitMask {
            tag: PR_SUBJECT,
            mask: 1,
            nonzero: false,
        },
        Restriction::Exist(PR_SUBJECT),
        Restriction::Exist(PR_BODY),
        Restriction::Exist(PR_ENTRYID),
        Restriction::Size {
            op: Relop::Gt,
            tag: PR_SUBJECT,
            size: 30,
        },
        Restriction::Size {
            op: Relop::Eq,
            tag: PR_MESSAGE_SIZE,
            size: 4,
        },
        Restriction::Size {
            op: Relop::Lt,
            tag: PR_ENTRYID,
            size: 10,
        },
        Restriction::CompareProps {
            op: Relop::Gt,
            left: PR_MESSAGE_SIZE,
            right: PR_MESSAGE_FLAGS,
        },
        Restriction::CompareProps {
            op: Relop::Eq,
            left: PR_SENDER_NAME,
            right: PR_SENDER_EMAIL_ADDRESS,
        },
        Restriction::CompareProps {
            op: Relop::Lt,
            left: PR_SUBJECT,
            right: PR_DISPLAY_TO,
        },
        Restriction::CompareProps {
            op: Relop::Ne,
            left: PR_SUBJECT,
            right: PR_MESSAGE_SIZE,
        },
        prop(Relop::Eq, PR_HASATTACH, PropValue::Boolean(true)),
        prop(Relop::Eq, PR_READ, PropValue::Boolean(false)),
        prop(Relop::Gt, PR_READ, PropValue::Boolean(false)),
        prop(Relop::Lt, PR_HASATTACH, PropValue::Boolean(true)),
        prop(Relop::Ne, PR_HASATTACH, PropValue::Long(1)),
        prop(Relop::Eq, PR_HASATTACH, PropValue::Long(1)),
        prop(Relop::Eq, PR_SUBJECT, text(PR_SUBJECT, "lunch 11")),
        prop(
            Relop::Ne,
            PR_SUBJECT.with_type(PropType::PT_STRING8),
            PropValue::String8("lunch 11".into()),
        ),
        prop(Relop::Ge, PR_SUBJECT, text(PR_SUBJECT, "m")),
        prop(
            Relop::Eq,
            PR_MESSAGE_CLASS,
            text(PR_MESSAGE_CLASS, "IPM.Note"),
        ),
        prop(Relop::Ne, PR_SUBJECT, PropValue::Long(3)),
        prop(Relop::Eq, PR_SUBJECT, PropValue::Long(3)),
        prop(Relop::Eq, PR_BODY, text(PR_BODY, "x")),
        prop(Relop::Ne, PR_BODY, text(PR_BODY, "x")),
    ];
    for op in [
        Relop::Lt,
        Relop::Le,
        Relop::Gt,
        Relop::Ge,
        Relop::Eq,
        Relop::Ne,
    ] {
        out.push(prop(op, PR_MESSAGE_SIZE, PropValue::Long(300)));
        out.push(prop(
            op,
            PR_MESSAGE_DELIVERY_TIME,
            PropValue::SysTime(mapi_types::filetime_from_unix(1_704_880_000)),
        ));
        out.push(prop(op, PR_MESSAGE_FLAGS, PropValue::I8(1)));
        out.push(prop(op, PR_MESSAGE_SIZE, PropValue::Double(250.5)));
    }
    let a = out[0].clone();
    let b = out[12].clone();
    let c = out[18].clone();
    out.push(Restriction::And(vec![a.clone(), b.clone()]));
    out.push(Restriction::And(vec![a.clone(), c.clone(), b.clone()]));
    out.push(Restriction::Or(vec![a.clone(), b.clone()]));
    out.push(Restriction::Not(Box::new(Restriction::And(vec![
        a.clone(),
        b.clone(),
    ]))));
    out.push(Restriction::And(vec![]));
    out.push(Restriction::Or(vec![]));
    out.push(Restriction::Comment {
        props: vec![(PR_DISPLAY_NAME, PropValue::Unicode("note".into()))],
        restriction: Some(Box::new(a.clone())),
    });
    out.push(Restriction::Comment {
        props: vec![],
        restriction: None,
    });
    out.push(Restriction::Not(Box::new(Restriction::Comment {
        props: vec![],
        restriction: Some(Box::new(Restriction::Or(vec![b, c]))),
    })));
    out
}

fn sorts() -> Vec<Vec<SortKey>> {
    vec![
        vec![],
        vec![SortKey::descending(PR_MESSAGE_DELIVERY_TIME)],
        vec![SortKey::ascending(PR_MESSAGE_DELIVERY_TIME)],
        vec![SortKey::ascending(PR_MESSAGE_SIZE)],
        vec![
            SortKey::ascending(PR_HASATTACH),
            SortKey::descending(PR_MESSAGE_SIZE),
        ],
        vec![SortKey::ascending(PR_SUBJECT)],
        vec![
            SortKey::descending(PR_SENDER_EMAIL_ADDRESS),
            SortKey::ascending(PR_MESSAGE_FLAGS),
        ],
        vec![SortKey::ascending(PR_ENTRYID)],
        vec![
            SortKey::descending(PR_READ),
            SortKey::ascending(PR_MESSAGE_SIZE),
        ],
        vec![
            SortKey::ascending(PR_MESSAGE_CLASS),
            SortKey::ascending(PR_BODY),
        ],
    ]
}

#[test]
fn sql_and_memory_give_the_same_rows_for_every_restriction_and_sort() {
    let f = fixture(90);
    let mut sql = sql_view(&f);
    let mut mem = memory_view(&f);
    assert_eq!(sql.get_row_count(0).unwrap(), 90);
    assert_eq!(all_rows(&mut sql), all_rows(&mut mem));
    let mut nonempty = 0;
    for r in restrictions() {
        for keys in sorts() {
            sql.restrict(Some(r.clone()), 0).unwrap();
            mem.restrict(Some(r.clone()), 0).unwrap();
            sql.sort_table(&keys, 0).unwrap();
            mem.sort_table(&keys, 0).unwrap();
            // Before a count (LIMIT / OFFSET) and after it (by row id).
            let twelve = mem.query_rows(12, TBL_NOADVANCE).unwrap();
            let first: Vec<Row> = twelve.iter().take(7).cloned().collect();
            let next: Vec<Row> = twelve.iter().skip(7).cloned().collect();
            let mut fresh = sql_view(&f);
            fresh.restrict(Some(r.clone()), 0).unwrap();
            fresh.sort_table(&keys, 0).unwrap();
            let cols = mem.query_columns(0).unwrap();
            fresh.set_columns(&cols, 0).unwrap();
            assert_eq!(
                fresh.query_rows(7, 0).unwrap(),
                first,
                "first page of {r:?} / {keys:?}"
            );
            assert_eq!(fresh.query_rows(5, 0).unwrap(), next);
            let count = mem.get_row_count(0).unwrap();
            assert_eq!(
                sql.get_row_count(0).unwrap(),
                count,
                "count of {r:?} / {keys:?}"
            );
            let rows = all_rows(&mut mem);
            assert_eq!(all_rows(&mut sql), rows, "rows of {r:?} sorted by {keys:?}");
            if count > 0 && count < 90 {
                nonempty += 1;
            }
        }
    }
    // The comparison is not vacuous: most restrictions select some rows, not all.
    assert!(nonempty > 300, "only {nonempty} selective cases");
}

#[test]
fn paging_seeking_and_finding_match_the_memory_view() {
    let f = fixture(120);
    let mut sql = sql_view(&f);
    let mut mem = memory_view(&f);
    for v in [&mut sql, &mut mem] {
        v.set_columns(&[PR_ENTRYID, PR_SUBJECT, PR_MESSAGE_SIZE], 0)
            .unwrap();
        v.restrict(
            Some(Restriction::Content {
                tag: PR_SUBJECT,
                text: "invoice".into(),
                how: ContentMatch::Substring,
                ignore_case: true,
            }),
            0,
        )
        .unwrap();
        v.sort_table(&[SortKey::descending(PR_MESSAGE_SIZE)], 0)
            .unwrap();
    }
    let n = mem.get_row_count(0).unwrap();
    assert_eq!(n, 60);
    assert_eq!(sql.get_row_count(0).unwrap(), n);
    assert_eq!(sql.seek_row(Bookmark::Beginning, 25).unwrap(), 25);
    mem.seek_row(Bookmark::Beginning, 25).unwrap();
    let mark = sql.create_bookmark().unwrap();
    assert_eq!(
        sql.query_rows(10, 0).unwrap(),
        mem.query_rows(10, 0).unwrap()
    );
    assert_eq!(
        sql.query_rows(-4, 0).unwrap(),
        mem.query_rows(-4, 0).unwrap()
    );
    sql.seek_row(Bookmark::Mark(mark), 0).unwrap();
    assert_eq!(sql.query_position().unwrap().row, 25);
    sql.seek_row_approx(1, 2).unwrap();
    mem.seek_row_approx(1, 2).unwrap();
    assert_eq!(
        sql.query_rows(100, 0).unwrap(),
        mem.query_rows(100, 0).unwrap()
    );
    assert!(sql.query_rows(1, 0).unwrap().is_empty());
    let big = Restriction::Property {
        op: Relop::Lt,
        tag: PR_MESSAGE_SIZE,
        value: PropValue::Long(250),
    };
    for v in [&mut sql, &mut mem] {
        v.find_row(&big, Bookmark::Beginning, 0).unwrap();
    }
    assert_eq!(sql.query_position().unwrap(), mem.query_position().unwrap());
    for v in [&mut sql, &mut mem] {
        v.find_row(&big, Bookmark::Beginning, DIR_BACKWARD)
            .unwrap_err();
        v.find_row(&big, Bookmark::End, DIR_BACKWARD).unwrap();
    }
    assert_eq!(sql.query_position().unwrap(), mem.query_position().unwrap());
    assert_eq!(
        sql.query_rows(1, TBL_NOADVANCE).unwrap(),
        mem.query_rows(1, TBL_NOADVANCE).unwrap()
    );
}

#[test]
fn associated_contents_are_empty_and_sub_restrictions_too_complex() {
    let f = fixture(5);
    let mut assoc =
        TableView::over(block_on(f.store.contents_source(&f.inbox, MAPI_ASSOCIATED)).unwrap());
    assert_eq!(assoc.get_row_count(0).unwrap(), 0);
    assert!(assoc.query_rows(10, 0).unwrap().is_empty());
    assert!(assoc.query_columns(0).unwrap().contains(&PR_SUBJECT));
    let mut v = sql_view(&f);
    // The store keeps no attachment rows (recipients: see tests/sub_restriction.rs).
    let sub = Restriction::Sub {
        object: PR_MESSAGE_ATTACHMENTS,
        restriction: Box::new(Restriction::Exist(PR_ATTACH_DATA_BIN)),
    };
    let e = v.restrict(Some(sub.clone()), 0).unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX);
    assert_eq!(v.get_row_count(0).unwrap(), 5);
    let e = v.find_row(&sub, Bookmark::Beginning, 0).unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX);
}

#[test]
fn unknown_folders_fail_and_a_logged_off_store_stops_its_tables() {
    let f = fixture(3);
    let ghost = {
        let mut id = f.inbox.clone();
        let n = id.len();
        id[n - 8..].copy_from_slice(&999i64.to_le_bytes());
        id
    };
    let e = block_on(f.store.contents_source(&ghost, 0)).err().unwrap();
    assert_eq!(e.status, Status::MAPI_E_NOT_FOUND);
    let e = block_on(f.store.contents_source(b"junk", 0)).err().unwrap();
    assert_eq!(e.status, Status::MAPI_E_INVALID_ENTRYID);
    let mut v = sql_view(&f);
    assert_eq!(v.query_rows(1, 0).unwrap().len(), 1);
    block_on(f.store.logoff());
    let e = v.query_rows(1, 0).unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_INVALID_OBJECT);
}

/// Counts and pages of `folder` in a fresh view match the in-memory view over the same
/// rows (and a plain `count(*)`), unrestricted and restricted, with pages read past the
/// point where an unrestricted view finds them by position.
fn check_folder(f: &Fixture, folder: &[u8], truth: i64) {
    let mut sql = TableView::over(block_on(f.store.contents_source(folder, 0)).unwrap());
    let table = block_on(f.store.contents(folder)).unwrap();
    let mut mem = TableView::over(Box::new(MemorySource::from_table(table)));
    assert_eq!(sql.get_row_count(0).unwrap() as i64, truth);
    assert_eq!(mem.get_row_count(0).unwrap() as i64, truth);
    let n = truth as i32;
    for (origin, rows) in [
        (Bookmark::Beginning, n / 2),
        (Bookmark::Beginning, n - 7),
        (Bookmark::End, -30),
        (Bookmark::Beginning, 3),
    ] {
        let mut fresh = TableView::over(block_on(f.store.contents_source(folder, 0)).unwrap());
        for v in [&mut fresh, &mut mem] {
            v.seek_row(origin, rows).unwrap();
        }
        assert_eq!(
            fresh.query_rows(20, 0).unwrap(),
            mem.query_rows(20, 0).unwrap(),
            "page at {origin:?} {rows}"
        );
    }
    let invoice = Restriction::Content {
        tag: PR_SUBJECT,
        text: "invoice".into(),
        how: ContentMatch::Substring,
        ignore_case: true,
    };
    let unread = Restriction::BitMask {
        tag: PR_MESSAGE_FLAGS,
        mask: 1,
        nonzero: false,
    };
    for r in [invoice, unread] {
        sql.restrict(Some(r.clone()), 0).unwrap();
        mem.restrict(Some(r.clone()), 0).unwrap();
        let count = mem.get_row_count(0).unwrap();
        assert!(count > 0 && (count as i64) < truth, "{r:?} selects {count}");
        assert_eq!(sql.get_row_count(0).unwrap(), count, "count of {r:?}");
        assert_eq!(all_rows(&mut sql), all_rows(&mut mem), "rows of {r:?}");
    }
    sql.restrict(None, 0).unwrap();
    assert_eq!(sql.get_row_count(0).unwrap() as i64, truth);
}

#[test]
fn whole_folder_counts_stay_exact_when_another_connection_changes_the_folder() {
    let f = fixture(600);
    let sent = block_on(f.store.folder(FolderKind::SentItems)).unwrap();
    let truth = |kind: i64| -> i64 {
        let conn = rusqlite::Connection::open(&f.path).unwrap();
        conn.query_row(
            "SELECT count(*) FROM messages m JOIN folders f ON m.folder = f.id WHERE f.kind = ?1",
            [kind],
            |r| r.get(0),
        )
        .unwrap()
    };
    check_folder(&f, &f.inbox, 600);
    // Another connection to the file (as another process would) deletes, moves, copies
    // and rolls back; the store's count follows every committed change.
    let other = rusqlite::Connection::open(&f.path).unwrap();
    other
        .busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    other
        .execute_batch(
            "DELETE FROM messages WHERE id % 7 = 0;
             UPDATE messages SET folder = (SELECT id FROM folders WHERE kind = 3)
                 WHERE id % 11 = 0;
             UPDATE messages SET folder = folder, flags = flags WHERE id % 13 = 0;
             INSERT INTO messages (folder, subject, sender_name, sender_email, display_to,
                 display_cc, delivery_time, submit_time, size, message_id, flags,
                 has_attach, body, raw, body_offset, body_len)
             SELECT folder, subject || ' copy', sender_name, sender_email, display_to,
                 display_cc, delivery_time + 1, submit_time, size, NULL, flags,
                 has_attach, body, raw, body_offset, body_len
             FROM messages WHERE id % 5 = 1;
             BEGIN; DELETE FROM messages; UPDATE messages SET folder = 1; ROLLBACK;",
        )
        .unwrap();
    let inbox_now = truth(1);
    assert!(inbox_now != 600 && truth(3) > 0, "the changes were made");
    check_folder(&f, &f.inbox, inbox_now);
    check_folder(&f, &sent, truth(3));
    // The store's own calls keep it too.
    let mut v = sql_view(&f);
    v.set_columns(&[PR_ENTRYID], 0).unwrap();
    let ids: Vec<Vec<u8>> = v
        .query_rows(3, 0)
        .unwrap()
        .iter()
        .map(|r| match r.get(PR_ENTRYID) {
            Some(PropValue::Binary(b)) => b.clone(),
            other => panic!("entry id {other:?}"),
        })
        .collect();
    block_on(f.store.delete_message(&ids[0])).unwrap();
    block_on(f.store.move_message(&ids[1], &sent)).unwrap();
    block_on(f.store.import_raw(&f.inbox, (0..4).map(message).collect())).unwrap();
    assert_eq!(truth(1), inbox_now - 2 + 4);
    check_folder(&f, &f.inbox, inbox_now + 2);
    check_folder(&f, &sent, truth(3));
    // An empty folder counts 0.
    let drafts = block_on(f.store.folder(FolderKind::Drafts)).unwrap();
    let mut empty = TableView::over(block_on(f.store.contents_source(&drafts, 0)).unwrap());
    assert_eq!(empty.get_row_count(0).unwrap(), 0);
    assert_eq!(empty.seek_row(Bookmark::Beginning, 300).unwrap(), 0);
    assert!(empty.query_rows(10, 0).unwrap().is_empty());
}
