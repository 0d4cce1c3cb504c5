//! The IMAP cache's contents table (pushed down to SQLite) answers every query as the
//! in-memory evaluation does over the same rows: sorts on every column, both
//! directions, several keys, restrictions of each kind, paging and counts. Real Dovecot.

mod common;

use std::sync::Arc;

use common::{TestSupport, data_dir, dovecot};
use mapi_provider_internet::{InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MsgStore, Support};
use mapi_types::table::{ContentMatch, Relop, Restriction, SortKey};
use mapi_types::{LogonFlags, MemorySource, PropTag, PropValue, Row, TableView, tags};

const MSGFLAG_READ: i64 = 1;

fn message(i: usize) -> Vec<u8> {
    let subjects = [
        "Invoice",
        "lunch",
        "RE: invoice",
        "Minutes",
        "weekend",
        "invoice 2",
    ];
    let day = 1 + (i * 7) % 28;
    let date = if i % 9 == 4 {
        String::new() // no Date: the cache keeps the server's INTERNALDATE
    } else {
        format!("Date: Mon, {day:02} Jan 2024 {:02}:00:00 +0000\r\n", i % 24)
    };
    format!(
        "From: Sender {} <s{}@example.org>\r\nTo: bob@example.org\r\nSubject: {} {}\r\n{date}\r\n{}\r\n",
        i % 4,
        i % 4,
        subjects[i % subjects.len()],
        i / 3,
        "x".repeat(40 * (i % 11))
    )
    .into_bytes()
}

/// The in-memory answer over the same rows: what the SPI's default contents source
/// gives (the folder's contents rows, PR_READ from PR_MESSAGE_FLAGS).
async fn reference(store: &InternetStore, folder: &[u8]) -> TableView {
    let table = store.contents(folder).await.unwrap();
    let columns = table.columns().to_vec();
    let rows: Vec<Row> = table
        .full_rows()
        .into_iter()
        .map(|r| {
            let mut r = r.clone();
            let read = r.int(tags::PR_MESSAGE_FLAGS).unwrap_or(0) & MSGFLAG_READ != 0;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pushed_down_contents_table_answers_as_the_in_memory_one() {
    let stack = dovecot();
    let dir = data_dir();
    let support = TestSupport::new(
        stack.settings("alice", "starttls", "tls"),
        LogonFlags::MAPI_FORCE_DOWNLOAD,
        dir.path(),
    );
    let store = InternetMailService
        .logon_store(support as Arc<dyn Support>)
        .await
        .unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let ids_in = store
        .import_raw(&inbox, (0..60).map(message).collect())
        .await
        .unwrap();
    let read: Vec<Vec<u8>> = ids_in.iter().step_by(3).cloned().collect();
    store.set_read_flags(&inbox, Some(&read), 0).await.unwrap();

    let key = |tag: PropTag, descending: bool| SortKey { tag, descending };
    let sorts: Vec<Vec<SortKey>> = vec![
        vec![],
        vec![key(tags::PR_MESSAGE_DELIVERY_TIME, false)],
        vec![key(tags::PR_MESSAGE_DELIVERY_TIME, true)],
        vec![
            key(tags::PR_MESSAGE_SIZE, true),
            key(tags::PR_MESSAGE_DELIVERY_TIME, false),
        ],
        vec![key(tags::PR_READ, false), key(tags::PR_MESSAGE_SIZE, false)],
        vec![key(tags::PR_SUBJECT, false)],
        vec![key(tags::PR_SENDER_NAME, true), key(tags::PR_SUBJECT, true)],
    ];
    let invoice = Restriction::Content {
        tag: tags::PR_SUBJECT,
        text: "INVOICE".into(),
        how: ContentMatch::Substring,
        ignore_case: true,
    };
    let restrictions: Vec<Option<Restriction>> = vec![
        None,
        Some(invoice.clone()),
        Some(Restriction::And(vec![
            invoice.clone(),
            Restriction::Property {
                op: Relop::Gt,
                tag: tags::PR_MESSAGE_SIZE,
                value: PropValue::Long(200),
            },
        ])),
        Some(Restriction::Or(vec![
            Restriction::Not(Box::new(invoice)),
            Restriction::BitMask {
                tag: tags::PR_MESSAGE_FLAGS,
                mask: 1,
                nonzero: true,
            },
        ])),
        Some(Restriction::Exist(tags::PR_MESSAGE_DELIVERY_TIME)),
    ];
    let mut checked = 0;
    for sort in &sorts {
        for restriction in &restrictions {
            let mut ours = TableView::new(
                store.contents_source(&inbox, 0).await.unwrap(),
                store
                    .contents_source(&inbox, 0)
                    .await
                    .unwrap()
                    .default_columns(),
            );
            let mut memory = reference(&store, &inbox).await;
            for v in [&mut ours, &mut memory] {
                v.sort_table(sort, 0).unwrap();
                v.restrict(restriction.clone(), 0).unwrap();
            }
            let what = format!("sort {sort:?} restriction {restriction:?}");
            assert_eq!(
                ours.get_row_count(0).unwrap(),
                memory.get_row_count(0).unwrap(),
                "{what}"
            );
            // page through in 7s: every page the same
            loop {
                let (a, b) = (
                    ours.query_rows(7, 0).unwrap(),
                    memory.query_rows(7, 0).unwrap(),
                );
                assert_eq!(ids(&a), ids(&b), "{what}");
                if a.is_empty() {
                    break;
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, sorts.len() * restrictions.len());

    // the message keys as columns: the record key is the entry id, the search key (these
    // messages have no Message-ID) is `ENTRY:` + the record key, instance keys unique
    let mut keyed = TableView::new(store.contents_source(&inbox, 0).await.unwrap(), Vec::new());
    keyed
        .set_columns(
            &[
                tags::PR_ENTRYID,
                tags::PR_RECORD_KEY,
                tags::PR_SEARCH_KEY,
                tags::PR_INSTANCE_KEY,
            ],
            0,
        )
        .unwrap();
    let rows = keyed.query_rows(100, 0).unwrap();
    assert_eq!(rows.len(), 60);
    let bytes = |r: &Row, t: PropTag| match r.get(t) {
        Some(PropValue::Binary(b)) => b.clone(),
        other => panic!("{t:?} is {other:?}"),
    };
    let mut instances = std::collections::HashSet::new();
    for r in &rows {
        let entry = bytes(r, tags::PR_ENTRYID);
        assert_eq!(bytes(r, tags::PR_RECORD_KEY), entry);
        assert_eq!(
            bytes(r, tags::PR_SEARCH_KEY),
            [b"ENTRY:".as_slice(), &entry].concat()
        );
        assert!(instances.insert(bytes(r, tags::PR_INSTANCE_KEY)));
    }
    // a restriction on a key is evaluated like any other column
    let one = bytes(&rows[5], tags::PR_SEARCH_KEY);
    keyed
        .restrict(
            Some(Restriction::Property {
                op: Relop::Eq,
                tag: tags::PR_SEARCH_KEY,
                value: PropValue::Binary(one),
            }),
            0,
        )
        .unwrap();
    assert_eq!(keyed.get_row_count(0).unwrap(), 1);
    store.logoff().await;
}
