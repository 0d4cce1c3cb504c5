//! Large imports, whose parsing and inserting overlap: the row ids and order are the
//! plain import's (newest first, ties in batch order), also when a message's date field
//! misleads the forecast that orders the batch; a bad message still fails the whole
//! batch, naming the first bad one, and leaves nothing behind.

mod common;

use std::sync::Arc;

use common::*;
use mapi_spi::{FolderKind, MsgStore};
use mapi_types::Status;
use mapi_types::tags::*;

/// Message `i` with date `day` of February 2024 (`None`: no Date field).
fn dated(i: usize, day: Option<usize>) -> Vec<u8> {
    let date = day.map_or(String::new(), |d| {
        format!("Date: Thu, {d:02} Feb 2024 10:00:00 +0000\r\n")
    });
    format!(
        "From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: m{i}\r\n\
         {date}Content-Type: text/plain\r\n\r\nBody {i}.\r\n"
    )
    .into_bytes()
}

/// The row id in a local-store message entry id (its last 8 bytes, little-endian).
fn row_of(entry: &[u8]) -> i64 {
    i64::from_le_bytes(entry[entry.len() - 8..].try_into().unwrap())
}

/// The row ids the plain import gives a batch with these delivery days (`None`: now,
/// the newest): newest first, ties in batch order, from `first`.
fn expected_rows(days: &[Option<usize>], first: i64) -> Vec<i64> {
    let mut order: Vec<usize> = (0..days.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(days[i].map_or(usize::MAX, |d| d)));
    let mut rows = vec![0; days.len()];
    for (rank, i) in order.into_iter().enumerate() {
        rows[i] = first + rank as i64;
    }
    rows
}

fn logon(dir: &TempDir) -> Arc<dyn MsgStore> {
    let path = dir.path("mail.db");
    create_store(&path);
    store_logon(settings(&path)).unwrap()
}

fn subjects_in_view_order(store: &Arc<dyn MsgStore>) -> Vec<String> {
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    block_on(store.contents(&inbox))
        .unwrap()
        .query_rows()
        .iter()
        .map(|r| r.str(PR_SUBJECT).unwrap().to_string())
        .collect()
}

#[test]
fn a_large_batch_gets_the_ids_and_order_of_the_plain_import() {
    let dir = TempDir::new();
    let store = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    // 1000 messages over 9 days (many ties), some without a date.
    let days: Vec<Option<usize>> = (0..1000)
        .map(|i| (i % 37 != 5).then_some(1 + (i * 7) % 9))
        .collect();
    let batch: Vec<Vec<u8>> = days.iter().enumerate().map(|(i, d)| dated(i, *d)).collect();
    let ids = block_on(store.import_raw(&inbox, batch)).unwrap();
    let rows: Vec<i64> = ids.iter().map(|e| row_of(e)).collect();
    assert_eq!(rows, expected_rows(&days, 1));
    // The view: newest first, ties the later row first.
    let mut view: Vec<usize> = (0..days.len()).collect();
    view.sort_by_key(|&i| std::cmp::Reverse((days[i].map_or(usize::MAX, |d| d), rows[i])));
    let expected: Vec<String> = view.iter().map(|i| format!("m{i}")).collect();
    assert_eq!(subjects_in_view_order(&store), expected);
    // Each message is the one its id names.
    for (i, id) in ids.iter().enumerate().step_by(97) {
        let row = block_on(store.read_message(id)).unwrap();
        assert_eq!(row.str(PR_SUBJECT), Some(format!("m{i}").as_str()));
        assert_eq!(row.str(PR_BODY), Some(format!("Body {i}.\r\n").as_str()));
    }
    // A second batch follows the first's ids.
    let more =
        block_on(store.import_raw(&inbox, (0..300).map(|i| dated(i, Some(3))).collect())).unwrap();
    let more_rows: Vec<i64> = more.iter().map(|e| row_of(e)).collect();
    assert_eq!(more_rows, (1001..1301).collect::<Vec<_>>());
    block_on(store.logoff());
}

#[test]
fn a_date_field_the_forecast_misreads_still_gives_the_plain_order() {
    let dir = TempDir::new();
    let store = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let mut days: Vec<Option<usize>> = (0..400).map(|i| Some(1 + i % 20)).collect();
    let mut batch: Vec<Vec<u8>> = days.iter().enumerate().map(|(i, d)| dated(i, *d)).collect();
    // The parser reads `Date :` as the Date field (1 February, the oldest); the
    // field-name match of the forecast does not, so it forecasts "now" (the newest).
    batch[321] =
        b"Subject: m321\r\nDate : Thu, 01 Feb 2024 10:00:00 +0000\r\n\r\nBody.\r\n".to_vec();
    days[321] = Some(1);
    let ids = block_on(store.import_raw(&inbox, batch)).unwrap();
    let rows: Vec<i64> = ids.iter().map(|e| row_of(e)).collect();
    assert_eq!(rows, expected_rows(&days, 1));
    assert!(
        rows[321] > 380,
        "dated 1 February, among the oldest: {}",
        rows[321]
    );
    block_on(store.logoff());
}

#[test]
fn a_bad_message_in_a_large_batch_fails_it_naming_the_first() {
    let dir = TempDir::new();
    let store = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let mut batch: Vec<Vec<u8>> = (0..600).map(|i| dated(i, Some(1 + i % 28))).collect();
    // Inserted early (newest) and late: the first in the batch is named.
    batch[450] = b"not a message".to_vec();
    batch[40] = b"\x00\x01 junk".to_vec();
    let e = block_on(store.import_raw(&inbox, batch)).unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA);
    assert!(e.message.contains("message #41 (index 40)"), "{e}");
    assert!(e.message.contains("nothing was imported"), "{e}");
    assert!(subjects_in_view_order(&store).is_empty());
    // The store takes the next batch from row 1.
    let ids =
        block_on(store.import_raw(&inbox, (0..300).map(|i| dated(i, Some(2))).collect())).unwrap();
    assert_eq!(row_of(&ids[0]), 1);
    block_on(store.logoff());
}
