//! Restrictions translated to SQL answer as the row-by-row evaluation does on the same
//! rows: a cache filled directly (varied subjects, case and non-ASCII letters, missing
//! senders and delivery times, read and unread), the store logged on offline (its
//! server unreachable), and every restriction of a set run through the cache's contents
//! source and through the in-memory evaluation of the same rows, under several sorts.

mod offline;

use mapi_provider_internet::InternetStore;
use mapi_spi::{FolderKind, MsgStore};
use mapi_types::table::{ContentMatch, Relop, Restriction, SortKey};
use mapi_types::{MemorySource, PropTag, PropValue, Row, TableView, tags};
use offline::{fill, logon};

const MESSAGES: usize = 90;

fn message(i: usize) -> Vec<u8> {
    let subjects = [
        "Invoice",
        "RE: invoice",
        "ÜBER die Straße",
        "über DIE strasse",
        "lunch",
        "INVOICE 2",
        "re: Lunch",
        "",
        "Kelvin \u{212A}elvin",
    ];
    let from = if i % 5 == 3 {
        String::new() // no sender: PR_SENDER_NAME missing
    } else {
        format!("From: Sender {} <s{}@example.org>\r\n", i % 4, i % 4)
    };
    let date = if i % 7 == 2 {
        String::new() // no Date and no INTERNALDATE: no delivery time
    } else {
        format!(
            "Date: Mon, {:02} Jan 2024 {:02}:00:00 +0000\r\n",
            1 + i % 28,
            i % 24
        )
    };
    let id = if i % 6 == 1 {
        String::new()
    } else {
        format!("Message-ID: <m{i}@example.org>\r\n")
    };
    format!(
        "{from}To: bob@example.org\r\nSubject: {} {}\r\n{date}{id}\r\n{}\r\n",
        subjects[i % subjects.len()],
        i / 9,
        "x".repeat(37 * (i % 13))
    )
    .into_bytes()
}

/// The row-by-row answer over the same rows.
async fn reference(store: &InternetStore, folder: &[u8]) -> TableView {
    let table = store.contents(folder).await.unwrap();
    let columns = table.columns().to_vec();
    let rows: Vec<Row> = table
        .full_rows()
        .into_iter()
        .map(|r| {
            let mut r = r.clone();
            let read = r.int(tags::PR_MESSAGE_FLAGS).unwrap_or(0) & 1 != 0;
            r.set(tags::PR_READ, PropValue::Boolean(read));
            r
        })
        .collect();
    TableView::new(Box::new(MemorySource::new(&columns, rows)), columns)
}

fn ids(rows: &[Row]) -> Vec<Vec<u8>> {
    rows.iter()
        .map(|r| match r.get(tags::PR_ENTRYID) {
            Some(PropValue::Binary(b)) => b.clone(),
            other => panic!("no entry id: {other:?}"),
        })
        .collect()
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

fn not(r: Restriction) -> Restriction {
    Restriction::Not(Box::new(r))
}

fn restrictions() -> Vec<Restriction> {
    use ContentMatch::*;
    use tags::*;
    let ft = mapi_types::filetime_from_unix(1_705_000_000);
    vec![
        content(PR_SUBJECT, "invoice", Substring, true),
        content(PR_SUBJECT, "INVOICE", Substring, false),
        content(PR_SUBJECT, "re:", Prefix, true),
        content(PR_SUBJECT, "Invoice 0", Full, false),
        content(PR_SUBJECT, "invoice 0", Full, true),
        content(PR_SUBJECT, "über", Substring, true),
        content(PR_SUBJECT, "STRASSE", Substring, true),
        content(PR_SUBJECT, "kelvin", Substring, true),
        content(PR_SUBJECT, "", Substring, true),
        not(content(PR_SENDER_NAME, "sender 1", Full, true)),
        content(PR_SENDER_EMAIL_ADDRESS, "S2@", Substring, true),
        content(PR_DISPLAY_TO, "BOB", Prefix, true),
        content(PR_MESSAGE_SIZE, "1", Substring, false),
        content(PR_MESSAGE_CLASS, "ipm", Prefix, true),
        content(PR_INTERNET_MESSAGE_ID, "<m1", Prefix, false),
        prop(Relop::Eq, PR_SUBJECT, PropValue::Unicode("lunch 0".into())),
        not(prop(
            Relop::Ne,
            PR_SUBJECT,
            PropValue::Unicode("lunch 0".into()),
        )),
        prop(Relop::Ne, PR_SENDER_NAME, PropValue::Long(3)),
        prop(Relop::Eq, PR_SENDER_NAME, PropValue::Long(3)),
        prop(Relop::Lt, PR_SUBJECT, PropValue::Unicode("m".into())),
        prop(Relop::Gt, PR_MESSAGE_SIZE, PropValue::Long(200)),
        prop(Relop::Le, PR_MESSAGE_SIZE, PropValue::I8(300)),
        prop(Relop::Ge, PR_MESSAGE_DELIVERY_TIME, PropValue::SysTime(ft)),
        not(prop(
            Relop::Lt,
            PR_MESSAGE_DELIVERY_TIME,
            PropValue::SysTime(ft),
        )),
        prop(Relop::Eq, PR_READ, PropValue::Boolean(false)),
        prop(Relop::Eq, PR_READ, PropValue::Long(0)),
        prop(Relop::Eq, PR_MESSAGE_FLAGS, PropValue::Long(1)),
        prop(Relop::Gt, PR_MESSAGE_SIZE, PropValue::Double(100.5)),
        prop(
            Relop::Eq,
            PR_MESSAGE_CLASS,
            PropValue::Unicode("IPM.NOTE".into()),
        ),
        prop(Relop::Eq, PR_BODY, PropValue::Unicode("x".into())),
        Restriction::BitMask {
            tag: PR_MESSAGE_FLAGS,
            mask: 1,
            nonzero: false,
        },
        not(Restriction::BitMask {
            tag: PR_MESSAGE_DELIVERY_TIME,
            mask: 0x0100_0000,
            nonzero: true,
        }),
        Restriction::BitMask {
            tag: PR_READ,
            mask: 1,
            nonzero: false,
        },
        Restriction::Exist(PR_SENDER_NAME),
        not(Restriction::Exist(PR_MESSAGE_DELIVERY_TIME)),
        Restriction::Exist(PR_INTERNET_MESSAGE_ID),
        Restriction::Exist(PR_BODY),
        Restriction::Size {
            op: Relop::Eq,
            tag: PR_MESSAGE_DELIVERY_TIME,
            size: 8,
        },
        Restriction::Size {
            op: Relop::Gt,
            tag: PR_SUBJECT,
            size: 20,
        },
        Restriction::Comment {
            props: Vec::new(),
            restriction: Some(Box::new(content(PR_SUBJECT, "lunch", Substring, true))),
        },
        Restriction::Or(vec![
            not(content(PR_SUBJECT, "invoice", Substring, true)),
            Restriction::BitMask {
                tag: PR_MESSAGE_FLAGS,
                mask: 1,
                nonzero: true,
            },
        ]),
        // part SQL, part Rust
        Restriction::And(vec![
            content(PR_SUBJECT, "invoice", Substring, true),
            prop(Relop::Lt, PR_SUBJECT, PropValue::Unicode("RE".into())),
            not(Restriction::Exist(PR_SENDER_NAME)),
        ]),
        Restriction::And(vec![]),
        Restriction::Or(vec![]),
        // too wide and too deep for one SQL expression: partly or wholly in Rust
        Restriction::Or(
            (0..3000)
                .map(|n| prop(Relop::Eq, PR_MESSAGE_SIZE, PropValue::Long(37 * (n % 13))))
                .chain([content(PR_SUBJECT, "lunch", Substring, true)])
                .collect(),
        ),
        Restriction::And(
            (0..1000)
                .map(|n| prop(Relop::Ne, PR_MESSAGE_SIZE, PropValue::Long(37 * (n % 5))))
                .collect(),
        ),
        (0..60).fold(Restriction::Exist(PR_SENDER_NAME), |r, n| {
            if n % 2 == 0 {
                not(r)
            } else {
                Restriction::Or(vec![r, content(PR_SUBJECT, "ZZZ", Full, false)])
            }
        }),
        not(Restriction::And(vec![
            Restriction::Or(vec![
                Restriction::Exist(PR_MESSAGE_DELIVERY_TIME),
                content(PR_SENDER_NAME, "0", Substring, false),
            ]),
            prop(Relop::Ne, PR_MESSAGE_SIZE, PropValue::Long(0)),
        ])),
    ]
}

#[tokio::test]
async fn restrictions_in_sql_answer_as_the_row_by_row_evaluation() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), &(0..MESSAGES).map(message).collect::<Vec<_>>());
    let store = logon(dir.path()).await;
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();

    let key = |tag: PropTag, descending: bool| SortKey { tag, descending };
    let sorts: Vec<Vec<SortKey>> = vec![
        vec![],
        vec![key(tags::PR_MESSAGE_DELIVERY_TIME, true)],
        vec![key(tags::PR_READ, false), key(tags::PR_MESSAGE_SIZE, true)],
        vec![key(tags::PR_SUBJECT, false)],
    ];
    let mut nonempty = 0;
    for sort in &sorts {
        for restriction in restrictions() {
            let source = store.contents_source(&inbox, 0).await.unwrap();
            let columns = source.all_columns();
            let mut ours = TableView::new(source, columns.clone());
            let mut memory = reference(&store, &inbox).await;
            memory.set_columns(&columns, 0).unwrap();
            let what = format!("sort {sort:?} restriction {restriction:?}");
            for v in [&mut ours, &mut memory] {
                v.sort_table(sort, 0).unwrap();
                v.restrict(Some(restriction.clone()), 0).unwrap();
            }
            let n = memory.get_row_count(0).unwrap();
            assert_eq!(ours.get_row_count(0).unwrap(), n, "{what}");
            let (a, b) = (
                ours.query_rows(MESSAGES as i32 + 1, 0).unwrap(),
                memory.query_rows(MESSAGES as i32 + 1, 0).unwrap(),
            );
            assert_eq!(ids(&a), ids(&b), "{what}");
            if n > 0 && (n as usize) < MESSAGES {
                nonempty += 1;
            }
        }
    }
    // the set discriminates: most restrictions keep some rows and drop others
    assert!(
        nonempty > sorts.len() * restrictions().len() / 2,
        "{nonempty}"
    );
    store.logoff().await;
}
