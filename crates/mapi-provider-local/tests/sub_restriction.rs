//! RES_SUBRESTRICTION on PR_MESSAGE_RECIPIENTS in a real store's contents tables: the
//! rows are what each message's GetRecipientTable shows (its saved recipients, or an
//! imported message's MIME recipients), evaluated
//! in SQL (an EXISTS over the recipients table) or, inside a restriction SQL cannot
//! take whole, in Rust; both give exactly what the in-memory evaluation gives over the
//! same rows and recipients. What the store cannot evaluate is MAPI_E_TOO_COMPLEX and
//! changes nothing, however deep.

mod common;

use common::restrict::{self, Fixture, content, prop, subjects};
use common::*;
use mapi_types::object::{KEEP_OPEN_READWRITE, MAPI_UNICODE};
use mapi_types::recipient::*;
use mapi_types::table::consts::*;
use mapi_types::tags::*;
use mapi_types::{Bookmark, ContentMatch, PropValue, Query, Relop, Restriction, Row, Status};

fn rcpt(kind: i32, name: &str, email: &str) -> Row {
    let mut r = Row::default();
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
    r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.into()));
    r.set(PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
    r
}

/// An imported message's MIME: recipients in its To, Cc and Bcc.
fn received(i: usize) -> Vec<u8> {
    let mut head = format!(
        "From: Ann <ann@example.org>\r\nTo: \"Bob {i}\" <bob{}@example.org>, mime{i}@example.com\r\n",
        i % 3
    );
    if i.is_multiple_of(2) {
        head.push_str("Cc: Carol <carol@example.net>\r\n");
    }
    if i == 3 {
        head.push_str("Bcc: \"Dave Mime\" <DAVE@EXAMPLE.ORG>\r\n");
    }
    format!(
        "{head}Subject: imported {i}\r\nDate: Mon, 13 Nov 2023 08:00:00 +0000\r\n\
         Message-ID: <imported.{i}@example.org>\r\n\r\nBody {i}.\r\n"
    )
    .into_bytes()
}

/// 15 messages with saved recipients (every fifth with none) and 5 imported ones
/// (which have no saved recipient rows: they show their MIME's).
fn fixture() -> Fixture {
    Fixture::new(PR_MESSAGE_RECIPIENTS, |store, inbox| {
        for i in 0..15 {
            let msg = block_on(store.create_message(inbox, 0)).unwrap();
            block_on(msg.set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("Note {i}")))]))
                .unwrap();
            let mut rows = Vec::new();
            if i % 5 != 0 {
                rows.push(rcpt(
                    MAPI_TO,
                    &format!("Bob {i}"),
                    &format!("bob{}@example.org", i % 3),
                ));
                if i % 2 == 0 {
                    rows.push(rcpt(MAPI_CC, "Carol", "carol@example.net"));
                }
                if i % 4 == 0 {
                    rows.push(rcpt(MAPI_BCC, "Dave Ünïcode", "DAVE@EXAMPLE.ORG"));
                }
                block_on(msg.modify_recipients(MODRECIP_ADD, &rows)).unwrap();
            }
            block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
        }
        let imported = (0..5).map(received).collect();
        block_on(store.import_raw(inbox, imported)).unwrap();
    })
}

fn sub(inner: Restriction) -> Restriction {
    restrict::sub(PR_MESSAGE_RECIPIENTS, inner)
}

fn inner_restrictions() -> Vec<Restriction> {
    use ContentMatch::*;
    vec![
        content(PR_EMAIL_ADDRESS, "BOB1", Substring, true),
        content(PR_EMAIL_ADDRESS, "BOB1", Substring, false),
        content(PR_DISPLAY_NAME, "Carol", Full, false),
        content(PR_DISPLAY_NAME, "bo", Prefix, true),
        content(PR_DISPLAY_NAME, "dave ünï", Prefix, true),
        prop(Relop::Eq, PR_RECIPIENT_TYPE, PropValue::Long(MAPI_CC)),
        prop(Relop::Ne, PR_RECIPIENT_TYPE, PropValue::Long(MAPI_TO)),
        prop(Relop::Ge, PR_RECIPIENT_TYPE, PropValue::Long(MAPI_BCC)),
        prop(
            Relop::Eq,
            PR_EMAIL_ADDRESS,
            PropValue::Unicode("carol@example.net".into()),
        ),
        prop(
            Relop::Gt,
            PR_DISPLAY_NAME,
            PropValue::Unicode("bob 5".into()),
        ),
        // A value of another type compares with nothing (only RELOP_NE holds).
        prop(Relop::Ne, PR_RECIPIENT_TYPE, PropValue::Unicode("1".into())),
        Restriction::And(vec![
            prop(Relop::Eq, PR_RECIPIENT_TYPE, PropValue::Long(MAPI_TO)),
            content(PR_EMAIL_ADDRESS, "bob0", Substring, false),
        ]),
        Restriction::Or(vec![
            content(PR_EMAIL_ADDRESS, "dave", Substring, true),
            prop(Relop::Eq, PR_ROWID, PropValue::Long(2)),
        ]),
        Restriction::Not(Box::new(content(
            PR_EMAIL_ADDRESS,
            "example.org",
            Substring,
            false,
        ))),
        Restriction::BitMask {
            tag: PR_RECIPIENT_TYPE,
            mask: 2,
            nonzero: true,
        },
        Restriction::Exist(PR_SMTP_ADDRESS),
        Restriction::Exist(PR_INSTANCE_KEY),
    ]
}

#[test]
fn recipients_sub_restrictions_match_the_memory_evaluation() {
    fixture().assert_matches_memory(inner_restrictions(), 20, 40);
}

#[test]
fn find_row_sees_the_saved_recipients() {
    let mut sql = fixture().assert_find_row_matches(inner_restrictions());
    // From the beginning, the first message with a Cc is found and the cursor is on it.
    let cc = sub(prop(Relop::Eq, PR_RECIPIENT_TYPE, PropValue::Long(MAPI_CC)));
    sql.find_row(&cc, Bookmark::Beginning, 0).unwrap();
    let row = sql.query_rows(1, 0).unwrap().remove(0);
    assert!(row.str(PR_SUBJECT).unwrap().starts_with("Note"));
    let attachments = Restriction::Sub {
        object: PR_MESSAGE_ATTACHMENTS,
        restriction: Box::new(Restriction::Exist(PR_ATTACH_DATA_BIN)),
    };
    let e = sql
        .find_row(&attachments, Bookmark::Beginning, 0)
        .unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX);
}

#[test]
fn imported_messages_match_their_mime_recipients() {
    let f = fixture();
    let mut v = f.sql_view();
    let any = sub(Restriction::Exist(PR_EMAIL_ADDRESS));
    v.restrict(Some(any.clone()), 0).unwrap();
    // 12 of the 15 composed messages have recipients, and every imported one.
    assert_eq!(v.get_row_count(0).unwrap(), 17);
    v.restrict(Some(Restriction::Not(Box::new(any))), 0)
        .unwrap();
    assert_eq!(subjects(&mut v), ["Note 10", "Note 5", "Note 0"]);
    let mime = sub(content(
        PR_EMAIL_ADDRESS,
        "mime",
        ContentMatch::Substring,
        false,
    ));
    v.restrict(Some(mime), 0).unwrap();
    assert_eq!(v.get_row_count(0).unwrap(), 5);
    let bcc = sub(Restriction::And(vec![
        prop(Relop::Eq, PR_RECIPIENT_TYPE, PropValue::Long(MAPI_BCC)),
        content(PR_DISPLAY_NAME, "dave mime", ContentMatch::Full, true),
    ]));
    v.restrict(Some(bcc), 0).unwrap();
    assert_eq!(subjects(&mut v), ["imported 3"]);
    // The table shows the same rows, numbered from 1, with their types.
    v.set_columns(&[PR_ENTRYID], 0).unwrap();
    v.seek_row(Bookmark::Beginning, 0).unwrap();
    let row = v.query_rows(1, 0).unwrap().remove(0);
    let entry = row.get(PR_ENTRYID).and_then(PropValue::as_bytes).unwrap();
    let msg = block_on(f.store.open_message(entry, 0)).unwrap();
    let mut table = block_on(msg.recipient_table(MAPI_UNICODE)).unwrap();
    let n = table.count().unwrap();
    let rows = table.rows(0, n, &table.all_columns()).unwrap();
    let seen: Vec<(i64, i64, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.int(PR_ROWID).unwrap(),
                r.int(PR_RECIPIENT_TYPE).unwrap(),
                r.str(PR_EMAIL_ADDRESS).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, MAPI_TO as i64, "bob0@example.org"),
            (2, MAPI_TO as i64, "mime3@example.com"),
            (3, MAPI_BCC as i64, "DAVE@EXAMPLE.ORG"),
        ]
    );
}

#[test]
fn what_the_store_cannot_evaluate_is_too_complex_and_changes_nothing() {
    let f = fixture();
    let mut v = f.sql_view();
    let cc = sub(prop(Relop::Eq, PR_RECIPIENT_TYPE, PropValue::Long(MAPI_CC)));
    v.restrict(Some(cc.clone()), 0).unwrap();
    let before = v.get_row_count(0).unwrap();
    assert_eq!(before, 9);
    // Made afresh for each use: a restriction nested this deep is never cloned
    // (a derived clone recurses).
    let refused = |k: usize| match k {
        0 => Restriction::Sub {
            object: PR_MESSAGE_ATTACHMENTS,
            restriction: Box::new(Restriction::Exist(PR_ATTACH_DATA_BIN)),
        },
        1 => sub(sub(Restriction::Exist(PR_EMAIL_ADDRESS))),
        // 100,000 deep: NOTs around a sub-restriction, and inside one.
        2 => (0..100_000).fold(cc.clone(), |r, _| Restriction::Not(Box::new(r))),
        _ => sub(
            (0..100_000).fold(Restriction::Exist(PR_EMAIL_ADDRESS), |r, _| {
                Restriction::Not(Box::new(r))
            }),
        ),
    };
    for k in 0..4 {
        let e = v.restrict(Some(refused(k)), 0).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX, "{e}");
        assert_eq!(v.get_row_count(0).unwrap(), before, "nothing changed");
        // The row source itself refuses it too, without the view's check.
        let mut src = block_on(f.store.contents_source(&f.inbox, 0)).unwrap();
        let query = Query {
            restriction: Some(refused(k)),
            sort: Vec::new(),
        };
        let e = src.set_query(&query).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_TOO_COMPLEX);
        assert_eq!(src.count().unwrap(), 20);
    }
}
