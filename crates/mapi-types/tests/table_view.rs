//! Every `TableView` (IMAPITable) method with its documented return codes, over an
//! in-memory source.

use mapi_types::table::consts::*;
use mapi_types::table::restriction::{MAX_RESTRICTION_DEPTH, value_size};
use mapi_types::table::view::{MAX_BOOKMARKS, SubRows};
use mapi_types::tags::*;
use mapi_types::{
    Bookmark, ContentMatch, MemorySource, PropTag, PropType, PropValue, Relop, Restriction, Row,
    SortKey, Status, TableError, TableView,
};

fn msg(i: i32, subject: &str, size: i32, flags: i32) -> Row {
    let mut r = Row::default();
    r.set(PR_ENTRYID, PropValue::Binary(vec![i as u8]));
    r.set(PR_SUBJECT, PropValue::Unicode(subject.into()));
    r.set(PR_MESSAGE_SIZE, PropValue::Long(size));
    r.set(PR_MESSAGE_FLAGS, PropValue::Long(flags));
    r.set(
        PR_MESSAGE_DELIVERY_TIME,
        PropValue::SysTime(1000 + i as u64),
    );
    if i % 2 == 0 {
        r.set(PR_BODY, PropValue::Unicode(format!("body {i}")));
    }
    r
}

/// Ten messages: ids 0..10, subjects "Invoice 0", "note 1", ..., sizes 100 * i.
fn view() -> TableView {
    let rows = (0..10)
        .map(|i| {
            let subject = if i % 3 == 0 {
                format!("Invoice {i}")
            } else {
                format!("note {i}")
            };
            msg(i, &subject, 100 * i, if i < 5 { 1 } else { 0 })
        })
        .collect();
    TableView::new(
        Box::new(MemorySource::new(&[PR_ENTRYID, PR_SUBJECT], rows)),
        vec![PR_ENTRYID, PR_SUBJECT],
    )
}

fn ids(rows: &[Row]) -> Vec<u8> {
    rows.iter()
        .map(|r| r.get(PR_ENTRYID).and_then(|v| v.as_bytes()).unwrap()[0])
        .collect()
}

fn status<T: std::fmt::Debug>(r: Result<T, TableError>) -> Status {
    r.unwrap_err().status
}

#[test]
fn query_rows_moves_the_cursor_and_returns_nothing_at_the_end() {
    let mut v = view();
    assert_eq!(v.get_row_count(0).unwrap(), 10);
    assert_eq!(ids(&v.query_rows(4, 0).unwrap()), [0, 1, 2, 3]);
    assert_eq!(ids(&v.query_rows(4, 0).unwrap()), [4, 5, 6, 7]);
    assert_eq!(ids(&v.query_rows(4, TBL_NOADVANCE).unwrap()), [8, 9]);
    assert_eq!(ids(&v.query_rows(4, 0).unwrap()), [8, 9]);
    assert!(v.query_rows(4, 0).unwrap().is_empty());
    // Backwards: the rows before the cursor, in table order; the cursor on the first.
    assert_eq!(ids(&v.query_rows(-3, 0).unwrap()), [7, 8, 9]);
    assert_eq!(v.query_position().unwrap().row, 7);
    assert_eq!(ids(&v.query_rows(-100, 0).unwrap()), [0, 1, 2, 3, 4, 5, 6]);
    assert!(v.query_rows(-1, 0).unwrap().is_empty());
    assert_eq!(status(v.query_rows(0, 0)), Status::MAPI_E_INVALID_PARAMETER);
    assert_eq!(status(v.query_rows(1, 0x10)), Status::MAPI_E_UNKNOWN_FLAGS);
    assert_eq!(status(v.get_row_count(1)), Status::MAPI_E_UNKNOWN_FLAGS);
}

#[test]
fn columns_are_projected_and_all_columns_listed() {
    let mut v = view();
    assert_eq!(v.query_columns(0).unwrap(), [PR_ENTRYID, PR_SUBJECT]);
    let all = v.query_columns(TBL_ALL_COLUMNS).unwrap();
    for t in [
        PR_MESSAGE_SIZE,
        PR_MESSAGE_FLAGS,
        PR_MESSAGE_DELIVERY_TIME,
        PR_BODY,
    ] {
        assert!(all.contains(&t), "{t:?} missing from {all:?}");
    }
    assert_eq!(status(v.query_columns(2)), Status::MAPI_E_UNKNOWN_FLAGS);
    let subject8 = PR_SUBJECT.with_type(PropType::PT_STRING8);
    v.set_columns(&[PR_BODY, subject8, PR_MESSAGE_SIZE], 0)
        .unwrap();
    assert_eq!(
        v.query_columns(0).unwrap(),
        [PR_BODY, subject8, PR_MESSAGE_SIZE]
    );
    let rows = v.query_rows(2, 0).unwrap();
    assert_eq!(rows[0].0[0].1, PropValue::Unicode("body 0".into()));
    // Row 1 has no body: PT_ERROR holding MAPI_E_NOT_FOUND.
    assert_eq!(rows[1].0[0].0, PR_BODY.with_type(PropType::PT_ERROR));
    assert_eq!(rows[1].0[0].1, PropValue::Error(Status::MAPI_E_NOT_FOUND.0));
    // A column asked for as PT_STRING8 comes back as PT_STRING8.
    assert_eq!(
        rows[1].0[1],
        (subject8, PropValue::String8("note 1".into()))
    );
    assert_eq!(
        status(v.set_columns(&[], 0)),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(v.set_columns(&[PR_BODY], 0x100)),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
}

#[test]
fn set_columns_with_100000_columns_is_refused_and_changes_nothing() {
    let mut v = view();
    let many: Vec<PropTag> = (0..100_000u32)
        .map(|i| PropTag(((i % 0xFFFF) << 16) | 3))
        .collect();
    assert_eq!(status(v.set_columns(&many, 0)), Status::MAPI_E_TOO_BIG);
    assert_eq!(v.query_columns(0).unwrap(), [PR_ENTRYID, PR_SUBJECT]);
}

#[test]
fn seek_row_reports_rows_sought_and_stops_at_the_ends() {
    let mut v = view();
    assert_eq!(v.seek_row(Bookmark::Beginning, 3).unwrap(), 3);
    assert_eq!(v.seek_row(Bookmark::Current, 2).unwrap(), 2);
    assert_eq!(v.query_position().unwrap().row, 5);
    assert_eq!(v.seek_row(Bookmark::Current, -7).unwrap(), -5);
    assert_eq!(v.query_position().unwrap().row, 0);
    assert_eq!(v.seek_row(Bookmark::Beginning, 50).unwrap(), 10);
    assert!(v.query_rows(1, 0).unwrap().is_empty());
    assert_eq!(v.seek_row(Bookmark::End, -2).unwrap(), -2);
    assert_eq!(ids(&v.query_rows(5, 0).unwrap()), [8, 9]);
    assert_eq!(v.seek_row(Bookmark::End, 1).unwrap(), 0);
    assert_eq!(
        status(v.seek_row(Bookmark::Mark(77), 0)),
        Status::MAPI_E_INVALID_BOOKMARK
    );
}

#[test]
fn seek_row_approx_and_query_position() {
    let mut v = view();
    v.seek_row_approx(1, 2).unwrap();
    let p = v.query_position().unwrap();
    assert_eq!((p.row, p.numerator, p.denominator), (5, 5, 10));
    v.seek_row_approx(3, 3).unwrap();
    assert_eq!(v.query_position().unwrap().row, 10);
    v.seek_row_approx(0, 7).unwrap();
    assert_eq!(v.query_position().unwrap().row, 0);
    assert_eq!(
        status(v.seek_row_approx(1, 0)),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(v.seek_row_approx(3, 2)),
        Status::MAPI_E_INVALID_PARAMETER
    );
    // An empty table: the denominator stays non-zero.
    v.restrict(Some(Restriction::Or(vec![])), 0).unwrap();
    let p = v.query_position().unwrap();
    assert_eq!((p.row, p.numerator, p.denominator), (0, 0, 1));
}

#[test]
fn bookmarks_mark_rows_and_a_freed_one_is_invalid() {
    let mut v = view();
    v.seek_row(Bookmark::Beginning, 6).unwrap();
    let b = v.create_bookmark().unwrap();
    assert!(b > BOOKMARK_END);
    v.seek_row(Bookmark::Beginning, 0).unwrap();
    assert_eq!(v.seek_row(Bookmark::Mark(b), 1).unwrap(), 1);
    assert_eq!(ids(&v.query_rows(1, 0).unwrap()), [7]);
    v.free_bookmark(Bookmark::Mark(b)).unwrap();
    assert_eq!(
        status(v.free_bookmark(Bookmark::Mark(b))),
        Status::MAPI_E_INVALID_BOOKMARK
    );
    assert_eq!(
        status(v.seek_row(Bookmark::Mark(b), 0)),
        Status::MAPI_E_INVALID_BOOKMARK
    );
    assert_eq!(
        status(v.free_bookmark(Bookmark::Mark(12345))),
        Status::MAPI_E_INVALID_BOOKMARK
    );
    // The predefined ones need no freeing.
    v.free_bookmark(Bookmark::Beginning).unwrap();
    v.free_bookmark(Bookmark::from_raw(BOOKMARK_END)).unwrap();
    // Sorting invalidates bookmarks.
    let c = v.create_bookmark().unwrap();
    v.sort_table(&[SortKey::descending(PR_MESSAGE_SIZE)], 0)
        .unwrap();
    assert_eq!(
        status(v.seek_row(Bookmark::Mark(c), 0)),
        Status::MAPI_E_INVALID_BOOKMARK
    );
    // Bounded.
    for _ in 0..MAX_BOOKMARKS {
        v.create_bookmark().unwrap();
    }
    assert_eq!(
        status(v.create_bookmark()),
        Status::MAPI_E_NOT_ENOUGH_RESOURCES
    );
}

#[test]
fn find_row_forward_and_backward() {
    let mut v = view();
    let invoice = Restriction::Content {
        tag: PR_SUBJECT,
        text: "invoice".into(),
        how: ContentMatch::Prefix,
        ignore_case: true,
    };
    v.find_row(&invoice, Bookmark::Beginning, 0).unwrap();
    assert_eq!(v.query_position().unwrap().row, 0);
    v.seek_row(Bookmark::Current, 1).unwrap();
    v.find_row(&invoice, Bookmark::Current, 0).unwrap();
    assert_eq!(v.query_position().unwrap().row, 3);
    v.find_row(&invoice, Bookmark::End, DIR_BACKWARD).unwrap();
    assert_eq!(v.query_position().unwrap().row, 9);
    v.find_row(&invoice, Bookmark::Current, DIR_BACKWARD)
        .unwrap();
    assert_eq!(v.query_position().unwrap().row, 6);
    let none = Restriction::Exist(PR_DISPLAY_TO);
    assert_eq!(
        status(v.find_row(&none, Bookmark::Beginning, 0)),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(v.query_position().unwrap().row, 6);
    assert_eq!(
        status(v.find_row(&invoice, Bookmark::Beginning, 4)),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(v.find_row(&invoice, Bookmark::Mark(99), 0)),
        Status::MAPI_E_INVALID_BOOKMARK
    );
}

#[test]
fn sort_table_with_several_keys_and_query_sort_order() {
    let mut v = view();
    v.set_columns(&[PR_ENTRYID], 0).unwrap();
    let keys = [
        SortKey::ascending(PR_MESSAGE_FLAGS),
        SortKey::descending(PR_MESSAGE_SIZE),
    ];
    v.seek_row(Bookmark::Beginning, 4).unwrap();
    v.sort_table(&keys, 0).unwrap();
    assert_eq!(v.query_position().unwrap().row, 0);
    assert_eq!(v.query_sort_order().unwrap(), keys);
    assert_eq!(
        ids(&v.query_rows(10, 0).unwrap()),
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    );
    // Strings sort with case ignored first.
    v.sort_table(&[SortKey::ascending(PR_SUBJECT)], 0).unwrap();
    assert_eq!(ids(&v.query_rows(3, 0).unwrap()), [0, 3, 6]);
    let mv = PropTag(0x8001_101F);
    assert_eq!(
        status(v.sort_table(&[SortKey::ascending(mv)], 0)),
        Status::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(
        v.query_sort_order().unwrap(),
        [SortKey::ascending(PR_SUBJECT)]
    );
    let too_many = vec![SortKey::ascending(PR_SUBJECT); 33];
    assert_eq!(
        status(v.sort_table(&too_many, 0)),
        Status::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(
        SortKey::from_mapi(PR_SUBJECT, TABLE_SORT_DESCEND).unwrap(),
        SortKey::descending(PR_SUBJECT)
    );
    assert_eq!(
        SortKey::from_mapi(PR_SUBJECT, TABLE_SORT_COMBINE)
            .unwrap_err()
            .status,
        Status::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(
        SortKey::from_mapi(PR_SUBJECT, 77).unwrap_err().status,
        Status::MAPI_E_INVALID_PARAMETER
    );
}

fn count_with(v: &mut TableView, r: Restriction) -> u32 {
    v.restrict(Some(r), 0).unwrap();
    v.get_row_count(0).unwrap()
}

fn prop(op: Relop, value: i32) -> Restriction {
    Restriction::Property {
        op,
        tag: PR_MESSAGE_SIZE,
        value: PropValue::Long(value),
    }
}

#[test]
fn restrict_covers_every_documented_type() {
    let mut v = view();
    // PROPERTY with every supported RELOP.
    assert_eq!(count_with(&mut v, prop(Relop::Lt, 300)), 3);
    assert_eq!(count_with(&mut v, prop(Relop::Le, 300)), 4);
    assert_eq!(count_with(&mut v, prop(Relop::Gt, 300)), 6);
    assert_eq!(count_with(&mut v, prop(Relop::Ge, 300)), 7);
    assert_eq!(count_with(&mut v, prop(Relop::Eq, 300)), 1);
    assert_eq!(count_with(&mut v, prop(Relop::Ne, 300)), 9);
    // AND, OR, NOT.
    let and = Restriction::And(vec![prop(Relop::Ge, 200), prop(Relop::Lt, 500)]);
    assert_eq!(count_with(&mut v, and.clone()), 3);
    let or = Restriction::Or(vec![prop(Relop::Lt, 100), prop(Relop::Gt, 800)]);
    assert_eq!(count_with(&mut v, or), 2);
    assert_eq!(count_with(&mut v, Restriction::Not(Box::new(and))), 7);
    // CONTENT: full string, substring, prefix, with and without case.
    let content = |text: &str, how, ignore_case| Restriction::Content {
        tag: PR_SUBJECT,
        text: text.into(),
        how,
        ignore_case,
    };
    assert_eq!(
        count_with(&mut v, content("invoice 3", ContentMatch::Full, true)),
        1
    );
    assert_eq!(
        count_with(&mut v, content("invoice 3", ContentMatch::Full, false)),
        0
    );
    assert_eq!(
        count_with(&mut v, content("OTE", ContentMatch::Substring, true)),
        6
    );
    assert_eq!(
        count_with(&mut v, content("OTE", ContentMatch::Substring, false)),
        0
    );
    assert_eq!(
        count_with(&mut v, content("Inv", ContentMatch::Prefix, false)),
        4
    );
    assert_eq!(
        Restriction::content(PR_SUBJECT, "x", FL_SUBSTRING | FL_IGNORECASE).unwrap(),
        content("x", ContentMatch::Substring, true)
    );
    // COMPAREPROPS: size (Long) against flags (Long).
    let cmp = Restriction::CompareProps {
        op: Relop::Gt,
        left: PR_MESSAGE_FLAGS,
        right: PR_MESSAGE_SIZE,
    };
    assert_eq!(count_with(&mut v, cmp), 1); // only message 0: flags 1 > size 0
    // BITMASK.
    let bm = |nonzero| Restriction::BitMask {
        tag: PR_MESSAGE_FLAGS,
        mask: 1,
        nonzero,
    };
    assert_eq!(count_with(&mut v, bm(true)), 5);
    assert_eq!(count_with(&mut v, bm(false)), 5);
    // SIZE: "note N" as PT_UNICODE is 7 UTF-16 units incl. terminator... 6 + 1 = 14 bytes.
    assert_eq!(value_size(&PropValue::Unicode("note 1".into())), 14);
    let size = Restriction::Size {
        op: Relop::Eq,
        tag: PR_SUBJECT,
        size: 14,
    };
    assert_eq!(count_with(&mut v, size), 6);
    // EXIST.
    assert_eq!(count_with(&mut v, Restriction::Exist(PR_BODY)), 5);
    // COMMENT: evaluates as what it annotates; alone it holds.
    let comment = Restriction::Comment {
        props: vec![(PR_DISPLAY_NAME, PropValue::Unicode("why".into()))],
        restriction: Some(Box::new(Restriction::Exist(PR_BODY))),
    };
    assert_eq!(count_with(&mut v, comment), 5);
    let bare = Restriction::Comment {
        props: vec![],
        restriction: None,
    };
    assert_eq!(count_with(&mut v, bare), 10);
    // A restriction on a column no row has: nothing passes, NOT of it everything.
    assert_eq!(count_with(&mut v, Restriction::Exist(PR_DISPLAY_TO)), 0);
    // None removes it.
    v.restrict(None, 0).unwrap();
    assert_eq!(v.get_row_count(0).unwrap(), 10);
}

#[test]
fn unsupported_restrictions_are_too_complex_and_change_nothing() {
    let mut v = view();
    v.restrict(Some(prop(Relop::Lt, 300)), 0).unwrap();
    v.seek_row(Bookmark::Beginning, 2).unwrap();
    let re = Restriction::Property {
        op: Relop::Re,
        tag: PR_SUBJECT,
        value: PropValue::Unicode("^inv".into()),
    };
    assert_eq!(status(v.restrict(Some(re), 0)), Status::MAPI_E_TOO_COMPLEX);
    // The memory source has no sub-rows here: a sub-restriction is refused.
    let sub = Restriction::Sub {
        object: PR_MESSAGE_RECIPIENTS,
        restriction: Box::new(Restriction::Exist(PR_EMAIL_ADDRESS)),
    };
    let mut plain = TableView::new(
        Box::new(MemorySource::new(&[PR_SUBJECT], vec![msg(1, "a", 1, 0)])),
        vec![PR_SUBJECT],
    );
    assert_eq!(
        status(plain.restrict(Some(sub.clone()), 0)),
        Status::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(plain.get_row_count(0).unwrap(), 1);
    let bad_sub = Restriction::Sub {
        object: PR_SUBJECT,
        restriction: Box::new(Restriction::Exist(PR_EMAIL_ADDRESS)),
    };
    assert_eq!(
        status(v.restrict(Some(bad_sub), 0)),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        Restriction::content(PR_SUBJECT, "x", FL_LOOSE)
            .unwrap_err()
            .status,
        Status::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(
        Restriction::content(PR_SUBJECT, "x", FL_IGNORENONSPACE)
            .unwrap_err()
            .status,
        Status::MAPI_E_TOO_COMPLEX
    );
    assert_eq!(
        Restriction::content(PR_SUBJECT, "x", 7).unwrap_err().status,
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        Relop::from_mapi(9).unwrap_err().status,
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(Relop::from_mapi(RELOP_GE).unwrap(), Relop::Ge);
    // Nothing changed: the earlier restriction and cursor hold.
    assert_eq!(v.get_row_count(0).unwrap(), 3);
    assert_eq!(v.query_position().unwrap().row, 2);
}

#[test]
fn sub_restrictions_on_recipients_when_the_source_has_them() {
    let recipient = |addr: &str| {
        let mut r = Row::default();
        r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(addr.into()));
        r
    };
    let subs: Vec<SubRows> = vec![
        vec![(
            PR_MESSAGE_RECIPIENTS,
            vec![recipient("a@x"), recipient("b@x")],
        )],
        vec![(PR_MESSAGE_RECIPIENTS, vec![recipient("c@x")])],
    ];
    let source = MemorySource::new(&[PR_ENTRYID], vec![msg(0, "a", 1, 0), msg(1, "b", 1, 0)])
        .with_sub_rows(subs);
    let mut v = TableView::new(Box::new(source), vec![PR_ENTRYID]);
    let to = |addr: &str| Restriction::Sub {
        object: PR_MESSAGE_RECIPIENTS,
        restriction: Box::new(Restriction::Property {
            op: Relop::Eq,
            tag: PR_EMAIL_ADDRESS,
            value: PropValue::Unicode(addr.into()),
        }),
    };
    v.restrict(Some(to("b@x")), 0).unwrap();
    assert_eq!(ids(&v.query_rows(5, 0).unwrap()), [0]);
    v.restrict(Some(to("c@x")), 0).unwrap();
    assert_eq!(ids(&v.query_rows(5, 0).unwrap()), [1]);
    let attach = Restriction::Sub {
        object: PR_MESSAGE_ATTACHMENTS,
        restriction: Box::new(Restriction::Exist(PR_DISPLAY_NAME)),
    };
    assert_eq!(count_with(&mut v, attach), 0);
}

#[test]
fn restrictions_nested_100000_deep_get_a_status_without_overflow() {
    let mut v = view();
    let mut deep = Restriction::Exist(PR_SUBJECT);
    for _ in 0..100_000 {
        deep = Restriction::Not(Box::new(deep));
    }
    assert_eq!(
        status(v.restrict(Some(deep), 0)),
        Status::MAPI_E_TOO_COMPLEX
    );
    let mut deep_and = Restriction::Exist(PR_SUBJECT);
    for _ in 0..100_000 {
        deep_and = Restriction::And(vec![deep_and, Restriction::Exist(PR_BODY)]);
    }
    assert_eq!(
        status(v.find_row(&deep_and, Bookmark::Beginning, 0)),
        Status::MAPI_E_TOO_COMPLEX
    );
    drop(deep_and);
    let wide = Restriction::Or(vec![Restriction::Exist(PR_SUBJECT); 100_000]);
    assert_eq!(
        status(v.restrict(Some(wide), 0)),
        Status::MAPI_E_TOO_COMPLEX
    );
    // At the limit it works.
    let mut fits = Restriction::Exist(PR_BODY);
    for _ in 1..MAX_RESTRICTION_DEPTH {
        fits = Restriction::Comment {
            props: vec![],
            restriction: Some(Box::new(fits)),
        };
    }
    assert_eq!(count_with(&mut v, fits), 5);
    assert_eq!(v.get_row_count(0).unwrap(), 5);
}

#[test]
fn a_view_whose_session_ended_answers_end_of_session() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let ended = Arc::new(AtomicBool::new(false));
    let flag = ended.clone();
    let mut v = view().with_liveness(Arc::new(move || {
        if flag.load(Ordering::SeqCst) {
            Err(TableError::new(Status::MAPI_E_END_OF_SESSION, "logged off"))
        } else {
            Ok(())
        }
    }));
    assert_eq!(v.query_rows(1, 0).unwrap().len(), 1);
    ended.store(true, Ordering::SeqCst);
    assert_eq!(status(v.query_rows(1, 0)), Status::MAPI_E_END_OF_SESSION);
    assert_eq!(status(v.get_row_count(0)), Status::MAPI_E_END_OF_SESSION);
    assert_eq!(
        status(v.seek_row(Bookmark::Beginning, 1)),
        Status::MAPI_E_END_OF_SESSION
    );
    assert_eq!(status(v.create_bookmark()), Status::MAPI_E_END_OF_SESSION);
    assert_eq!(status(v.get_status()), Status::MAPI_E_END_OF_SESSION);
}

#[test]
fn get_status_and_abort() {
    let v = view();
    assert_eq!(
        v.get_status().unwrap(),
        (TBLSTAT_COMPLETE, TBLTYPE_SNAPSHOT)
    );
    v.abort().unwrap();
}
