//! MAPI property rows of the store, its folders and messages, and entry ids.
//!
//! A cached message's keys follow the local store's rules, so the same message has the
//! same PR_SEARCH_KEY in both stores: PR_RECORD_KEY is its entry id; PR_SEARCH_KEY is
//! the ASCII bytes `MSGID:` followed by its PR_INTERNET_MESSAGE_ID (angle brackets
//! included, case kept), or `ENTRY:` followed by the record key when it has none;
//! PR_INSTANCE_KEY is its entry id, unique among the rows of the store's tables.

use mapi_mime::MessageParser;
use mapi_mime::MessageProps;
use mapi_types::{PropValue, Row, filetime_from_unix, tags};

use crate::cache::{FolderRow, MessageRow};
use crate::error::{InternetError, Result};

/// PR_MDB_PROVIDER of this store type.
pub const MDB_PROVIDER: [u8; 16] = *b"mapi-inet-imap\x00\x01";

const KIND_STORE: u8 = b'S';
const KIND_FOLDER: u8 = b'F';
const KIND_MESSAGE: u8 = b'M';

/// An entry id: kind byte, the store's 16-byte uid, the row id.
pub fn entry_id(kind: u8, store: &[u8; 16], id: i64) -> Vec<u8> {
    let mut v = Vec::with_capacity(25);
    v.push(kind);
    v.extend_from_slice(store);
    if kind != KIND_STORE {
        v.extend_from_slice(&id.to_le_bytes());
    }
    v
}

/// The store's entry id.
pub fn store_entry(store: &[u8; 16]) -> Vec<u8> {
    entry_id(KIND_STORE, store, 0)
}

/// A folder's entry id.
pub fn folder_entry(store: &[u8; 16], id: i64) -> Vec<u8> {
    entry_id(KIND_FOLDER, store, id)
}

/// A message's entry id.
pub fn message_entry(store: &[u8; 16], id: i64) -> Vec<u8> {
    entry_id(KIND_MESSAGE, store, id)
}

fn parse(entry: &[u8], kind: u8, store: &[u8; 16], what: &str) -> Result<i64> {
    if entry.len() != 25 || entry[0] != kind || &entry[1..17] != store {
        return Err(InternetError::InvalidEntryId(format!(
            "not a {what} of this store"
        )));
    }
    Ok(i64::from_le_bytes(
        entry[17..25].try_into().expect("8 bytes"),
    ))
}

/// The folder row id in a folder entry id.
pub fn parse_folder(entry: &[u8], store: &[u8; 16]) -> Result<i64> {
    parse(entry, KIND_FOLDER, store, "folder")
}

/// The message row id in a message entry id.
pub fn parse_message(entry: &[u8], store: &[u8; 16]) -> Result<i64> {
    parse(entry, KIND_MESSAGE, store, "message")
}

/// The header fields kept in the cache's summary columns.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// PR_SUBJECT.
    pub subject: Option<String>,
    /// PR_SENDER_NAME.
    pub sender_name: Option<String>,
    /// PR_SENDER_EMAIL_ADDRESS.
    pub sender_email: Option<String>,
    /// PR_DISPLAY_TO.
    pub display_to: Option<String>,
    /// PR_INTERNET_MESSAGE_ID, with angle brackets.
    pub message_id: Option<String>,
    /// Date header, seconds since the epoch.
    pub date: Option<i64>,
}

/// The summary columns of a message, from `mapi-mime`'s header-only mapping (the one
/// every store uses). Never fails: missing fields stay empty.
pub fn summarize(raw: &[u8]) -> Summary {
    let f = mapi_mime::header_fields(raw);
    let (sender_name, sender_email) = match f.sender {
        Some(m) => (Some(m.name), Some(m.email)),
        None => (None, None),
    };
    Summary {
        subject: Some(f.subject),
        sender_name,
        sender_email,
        display_to: Some(f.display_to),
        message_id: f.message_id,
        date: f.date,
    }
}

/// The PR_SEARCH_KEY of a message with `message_id` (PR_INTERNET_MESSAGE_ID) and
/// `record_key` (PR_RECORD_KEY).
pub fn search_key(message_id: Option<&str>, record_key: &[u8]) -> Vec<u8> {
    match message_id.map(str::trim).filter(|m| !m.is_empty()) {
        Some(id) => [b"MSGID:".as_slice(), id.as_bytes()].concat(),
        None => [b"ENTRY:".as_slice(), record_key].concat(),
    }
}

/// Sets PR_RECORD_KEY, PR_SEARCH_KEY and PR_INSTANCE_KEY of message row `id` from its
/// PR_INTERNET_MESSAGE_ID in `row`.
fn set_keys(row: &mut Row, store: &[u8; 16], id: i64) {
    let record = message_entry(store, id);
    let search = search_key(row.str(tags::PR_INTERNET_MESSAGE_ID), &record);
    row.set(tags::PR_SEARCH_KEY, PropValue::Binary(search));
    row.set(tags::PR_RECORD_KEY, PropValue::Binary(record.clone()));
    row.set(tags::PR_INSTANCE_KEY, PropValue::Binary(record));
}

fn text(v: &Option<String>) -> Option<PropValue> {
    v.as_ref().map(|s| PropValue::Unicode(s.clone()))
}

/// A folder's hierarchy row.
pub fn folder_row(store: &[u8; 16], f: &FolderRow, has_children: bool) -> Row {
    let mut row = Row(Vec::new());
    row.set(
        tags::PR_ENTRYID,
        PropValue::Binary(folder_entry(store, f.id)),
    );
    if let Some(p) = f.parent_id {
        row.set(
            tags::PR_PARENT_ENTRYID,
            PropValue::Binary(folder_entry(store, p)),
        );
    }
    row.set(
        tags::PR_DISPLAY_NAME,
        PropValue::Unicode(f.display_name.clone()),
    );
    row.set(tags::PR_CONTENT_COUNT, PropValue::Long(f.count as i32));
    row.set(tags::PR_CONTENT_UNREAD, PropValue::Long(f.unread as i32));
    row.set(tags::PR_SUBFOLDERS, PropValue::Boolean(has_children));
    row.set(
        tags::PR_FOLDER_TYPE,
        PropValue::Long(if f.parent_id.is_none() { 0 } else { 1 }),
    );
    row.set(
        tags::PR_CONTAINER_CLASS,
        PropValue::Unicode("IPF.Note".into()),
    );
    row.set(
        tags::PR_OBJECT_TYPE,
        PropValue::Long(mapi_types::object_type::MAPI_FOLDER as i32),
    );
    row
}

/// A message's contents-table row.
pub fn message_row(store: &[u8; 16], m: &MessageRow) -> Row {
    let mut row = Row(Vec::new());
    row.set(
        tags::PR_ENTRYID,
        PropValue::Binary(message_entry(store, m.id)),
    );
    row.set(
        tags::PR_PARENT_ENTRYID,
        PropValue::Binary(folder_entry(store, m.folder_id)),
    );
    row.set(
        tags::PR_MESSAGE_CLASS,
        PropValue::Unicode("IPM.Note".into()),
    );
    row.set(
        tags::PR_MESSAGE_SIZE,
        PropValue::Long(m.size.min(i32::MAX as i64) as i32),
    );
    row.set(
        tags::PR_MESSAGE_FLAGS,
        PropValue::Long(if m.seen { 1 } else { 0 }),
    );
    for (tag, v) in [
        (tags::PR_SUBJECT, &m.subject),
        (tags::PR_SENDER_NAME, &m.sender_name),
        (tags::PR_SENDER_EMAIL_ADDRESS, &m.sender_email),
        (tags::PR_DISPLAY_TO, &m.display_to),
    ] {
        if let Some(v) = text(v) {
            row.set(tag, v);
        }
    }
    if let Some(id) = &m.message_id {
        // caches written before the shared mapping hold ids without brackets
        row.set(
            tags::PR_INTERNET_MESSAGE_ID,
            PropValue::Unicode(mapi_mime::angle_id(id)),
        );
    }
    if let Some(t) = m.delivery_time {
        row.set(
            tags::PR_MESSAGE_DELIVERY_TIME,
            PropValue::SysTime(filetime_from_unix(t)),
        );
    }
    set_keys(&mut row, store, m.id);
    row
}

/// Every property of a message: `mapi-mime`'s mapping of its bytes (the one every store
/// uses), plus what is this store's own (entry ids, keys, object type, flags, delivery
/// time). A message whose text is empty has no PR_BODY (GetProps answers
/// MAPI_E_NOT_FOUND), as a message saved after DeleteProps(PR_BODY) has none.
pub fn full_message(store: &[u8; 16], m: &MessageRow, raw: &[u8]) -> Row {
    let mut row = MessageProps::map(&MessageParser::new(), raw)
        .into_row(m.delivery_time.map(filetime_from_unix));
    if row.str(tags::PR_BODY).is_some_and(str::is_empty) {
        // an empty text (a message saved without PR_BODY): no PR_BODY
        row.0.retain(|(t, _)| t.id() != tags::PR_BODY.id());
    }
    row.set(
        tags::PR_ENTRYID,
        PropValue::Binary(message_entry(store, m.id)),
    );
    row.set(
        tags::PR_PARENT_ENTRYID,
        PropValue::Binary(folder_entry(store, m.folder_id)),
    );
    row.set(
        tags::PR_OBJECT_TYPE,
        PropValue::Long(mapi_types::object_type::MAPI_MESSAGE as i32),
    );
    row.set(
        tags::PR_MESSAGE_FLAGS,
        PropValue::Long(if m.seen { 1 } else { 0 }),
    );
    set_keys(&mut row, store, m.id);
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_ids_round_trip_and_reject_foreign() {
        let s = [7u8; 16];
        let e = message_entry(&s, 42);
        assert_eq!(parse_message(&e, &s).unwrap(), 42);
        assert!(parse_folder(&e, &s).is_err());
        assert!(parse_message(&e, &[8u8; 16]).is_err());
        assert!(parse_message(b"short", &s).is_err());
    }

    #[test]
    fn search_keys_follow_the_identity() {
        assert_eq!(search_key(Some("<a@b>"), b"rk"), b"MSGID:<a@b>");
        assert_ne!(
            search_key(Some("<A@b>"), b"rk"),
            search_key(Some("<a@b>"), b"rk")
        );
        assert_eq!(search_key(None, b"rk"), b"ENTRY:rk");
        assert_eq!(search_key(Some("  "), b"rk"), b"ENTRY:rk");
    }

    #[test]
    fn summary_and_full_row() {
        let raw = b"From: \"Alice A\" <alice@localhost>\r\nTo: bob@localhost, Carol <c@x>\r\nCc: d@x\r\nSubject: =?utf-8?q?H=C3=A9llo?=\r\nMessage-ID: <m1@x>\r\nDate: Thu, 01 Jan 1970 00:01:00 +0000\r\n\r\nBody text\r\n";
        let s = summarize(raw);
        assert_eq!(s.subject.as_deref(), Some("Héllo"));
        assert_eq!(
            (s.sender_name.as_deref(), s.sender_email.as_deref()),
            (Some("Alice A"), Some("alice@localhost"))
        );
        assert_eq!(s.display_to.as_deref(), Some("bob@localhost; Carol"));
        assert_eq!(
            (s.message_id.as_deref(), s.date),
            (Some("<m1@x>"), Some(60))
        );
        let m = MessageRow {
            id: 1,
            folder_id: 2,
            uidvalidity: 1,
            uid: 1,
            seen: false,
            size: raw.len() as i64,
            delivery_time: Some(60),
            subject: s.subject.clone(),
            sender_name: None,
            sender_email: None,
            display_to: None,
            message_id: None,
        };
        let row = full_message(&[1; 16], &m, raw);
        assert_eq!(row.str(tags::PR_BODY).map(str::trim), Some("Body text"));
        assert_eq!(row.str(tags::PR_DISPLAY_CC), Some("d@x"));
        assert!(
            row.str(tags::PR_TRANSPORT_MESSAGE_HEADERS)
                .unwrap()
                .contains("Message-ID")
        );
        let entry = message_entry(&[1; 16], 1);
        assert_eq!(
            row.get(tags::PR_RECORD_KEY),
            Some(&PropValue::Binary(entry.clone()))
        );
        assert_eq!(
            row.get(tags::PR_SEARCH_KEY),
            Some(&PropValue::Binary(b"MSGID:<m1@x>".to_vec()))
        );
        assert_eq!(
            row.get(tags::PR_INSTANCE_KEY),
            Some(&PropValue::Binary(entry.clone()))
        );
        let listed = message_row(&[1; 16], &m);
        assert_eq!(
            listed.get(tags::PR_SEARCH_KEY),
            Some(&PropValue::Binary([b"ENTRY:".as_slice(), &entry].concat())),
            "no Message-ID in the cache row: the record key"
        );
        assert_eq!(summarize(b"\x00\x01garbage"), summarize(b"\x00\x01garbage"));
    }
}
