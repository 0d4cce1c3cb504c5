//! Messages, folders and the store as property objects on real store files: GetProps /
//! GetPropList, SetProps / DeleteProps / SaveChanges (nothing persists before it; a save
//! by another connection or process in between is MAPI_E_OBJECT_CHANGED), streams
//! through OpenProperty, named properties, and bad input answered with a status that
//! changes nothing.
//!
//! The second process of the OBJECT_CHANGED test is this test binary running only its
//! `helper_process` test, with the helper's arguments in an environment variable.

mod common;

use std::io::Write;
use std::process::Command;
use std::sync::Arc;

use common::*;
use mapi_spi::{FolderKind, MsgStore, PropObject, PropStream};
use mapi_types::object::*;
use mapi_types::tags::*;
use mapi_types::{MapiUid, NameId, PropProblem, PropTag, PropType, PropValue, Status, hex};

/// Makes [`helper_process`] the helper: its arguments, separated by U+001F.
const HELPER_ENV: &str = "MAPI_PROPS_TEST_HELPER";

/// A store file holding one message; the logged-on store and the message's entry id.
fn store_with_message(dir: &TempDir) -> (Arc<dyn MsgStore>, Vec<u8>) {
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let ids = block_on(store.import_raw(
        &inbox,
        vec![simple_message(
            "Quarterly report",
            "Tue, 14 Nov 2023 22:13:20 +0000",
        )],
    ))
    .unwrap();
    (store, ids[0].clone())
}

fn open(store: &Arc<dyn MsgStore>, entry: &[u8], flags: u32) -> Arc<dyn PropObject> {
    block_on(store.open_message(entry, flags)).unwrap()
}

fn get(obj: &Arc<dyn PropObject>, tag: PropTag) -> PropValue {
    let r = block_on(obj.get_props(Some(&[tag]), MAPI_UNICODE)).unwrap();
    r.value[0].1.clone()
}

fn subject(obj: &Arc<dyn PropObject>) -> String {
    get(obj, PR_SUBJECT)
        .as_str()
        .unwrap_or("(none)")
        .to_string()
}

fn set(obj: &Arc<dyn PropObject>, tag: PropTag, v: PropValue) -> Vec<PropProblem> {
    block_on(obj.set_props(&[(tag, v)])).unwrap()
}

fn status<T>(r: Result<T, mapi_spi::ProviderError>) -> Status {
    err(r).status
}

fn not_found(tag: PropTag) -> (PropTag, PropValue) {
    (
        tag.with_type(PropType::PT_ERROR),
        PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
    )
}

fn stream(obj: &Arc<dyn PropObject>, tag: PropTag, flags: u32) -> Box<dyn PropStream> {
    block_on(obj.open_property(tag, &IID_ISTREAM, flags)).unwrap()
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

#[test]
fn get_props_answers_missing_tags_with_pt_error_and_a_warning() {
    let dir = TempDir::new();
    let (store, entry) = store_with_message(&dir);
    let msg = open(&store, &entry, 0);
    assert_eq!(msg.object_type(), mapi_types::object_type::MAPI_MESSAGE);
    let missing = PropTag(0x6700_001F);
    let r =
        block_on(msg.get_props(Some(&[PR_SUBJECT, missing, PR_ENTRYID]), MAPI_UNICODE)).unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        r.value[0],
        (PR_SUBJECT, PropValue::Unicode("Quarterly report".into()))
    );
    assert_eq!(r.value[1], not_found(missing));
    assert_eq!(r.value[1].0, PropTag(0x6700_000A));
    assert_eq!(r.value[2], (PR_ENTRYID, PropValue::Binary(entry.clone())));

    // Every property: S_OK, strings in the width MAPI_UNICODE asks for.
    let all = block_on(msg.get_props(None, MAPI_UNICODE)).unwrap();
    assert_eq!(all.status, Status::S_OK);
    let tags: Vec<PropTag> = all.value.iter().map(|(t, _)| *t).collect();
    for want in [
        PR_SUBJECT,
        PR_BODY,
        PR_MESSAGE_CLASS,
        PR_SENDER_NAME,
        PR_DISPLAY_TO,
        PR_MESSAGE_DELIVERY_TIME,
        PR_INTERNET_MESSAGE_ID,
        PR_TRANSPORT_MESSAGE_HEADERS,
        PR_PARENT_ENTRYID,
        PR_RECORD_KEY,
    ] {
        assert!(tags.contains(&want), "{want:?} missing from {tags:?}");
    }
    let narrow = block_on(msg.get_props(None, 0)).unwrap();
    assert!(narrow.value.contains(&(
        PR_SUBJECT.with_type(PropType::PT_STRING8),
        PropValue::String8("Quarterly report".into())
    )));
    let list = block_on(msg.get_prop_list(MAPI_UNICODE)).unwrap();
    assert_eq!(list, tags);
    let headers = get(&msg, PR_TRANSPORT_MESSAGE_HEADERS);
    assert!(
        headers
            .as_str()
            .unwrap()
            .contains("Subject: Quarterly report\r\n"),
        "{headers:?}"
    );
    // An id asked for with another type is not found; PT_UNSPECIFIED gets the stored type.
    let r = block_on(msg.get_props(
        Some(&[
            PR_SUBJECT.with_type(PropType::PT_LONG),
            PR_MESSAGE_FLAGS.with_type(PropType::PT_UNSPECIFIED),
        ]),
        0,
    ))
    .unwrap();
    assert_eq!(r.value[0], not_found(PR_SUBJECT));
    assert_eq!(r.value[1].0, PR_MESSAGE_FLAGS);
}

#[test]
fn nothing_persists_before_save_changes() {
    let dir = TempDir::new();
    let (store, entry) = store_with_message(&dir);
    let msg = open(&store, &entry, MAPI_MODIFY);
    assert!(set(&msg, PR_SUBJECT, PropValue::Unicode("Changed".into())).is_empty());
    assert!(set(&msg, PR_HTML, PropValue::Binary(b"<p>x</p>".to_vec())).is_empty());
    let problems = block_on(msg.delete_props(&[PR_DISPLAY_CC, PR_SENDER_NAME])).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(subject(&msg), "Changed");
    assert_eq!(get(&msg, PR_SENDER_NAME), not_found(PR_SENDER_NAME).1);

    // A second open, the row API and the contents table still see the old values.
    let other = open(&store, &entry, 0);
    assert_eq!(subject(&other), "Quarterly report");
    assert_eq!(get(&other, PR_HTML), not_found(PR_HTML).1);
    let row = block_on(store.read_message(&entry)).unwrap();
    assert_eq!(row.str(PR_SUBJECT), Some("Quarterly report"));

    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let after = open(&store, &entry, 0);
    assert_eq!(subject(&after), "Changed");
    assert_eq!(
        get(&after, PR_HTML),
        PropValue::Binary(b"<p>x</p>".to_vec())
    );
    assert_eq!(get(&after, PR_SENDER_NAME), not_found(PR_SENDER_NAME).1);
    // The object opened before keeps what it read.
    assert_eq!(subject(&other), "Quarterly report");
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let table = block_on(store.contents(&inbox)).unwrap();
    assert_eq!(table.query_rows()[0].str(PR_SUBJECT), Some("Changed"));

    // KEEP_OPEN_READWRITE: the object saves again, from its new version.
    assert!(set(&msg, PR_SUBJECT, PropValue::Unicode("Twice".into())).is_empty());
    block_on(msg.save_changes(0)).unwrap();

    // It all survives a new logon.
    block_on(store.logoff());
    let store = store_logon(settings(&dir.path("mail.db"))).unwrap();
    let again = open(&store, &entry, 0);
    assert_eq!(subject(&again), "Twice");
    assert_eq!(
        get(&again, PR_HTML),
        PropValue::Binary(b"<p>x</p>".to_vec())
    );
    assert_eq!(get(&again, PR_DISPLAY_CC), not_found(PR_DISPLAY_CC).1);
}

#[test]
fn save_flags_decide_what_the_object_may_do_next() {
    let dir = TempDir::new();
    let (store, entry) = store_with_message(&dir);
    let msg = open(&store, &entry, MAPI_BEST_ACCESS);
    set(&msg, PR_SUBJECT, PropValue::Unicode("A".into()));
    assert_eq!(
        status(block_on(
            msg.save_changes(KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE)
        )),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(block_on(msg.save_changes(0x100))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    block_on(msg.save_changes(KEEP_OPEN_READONLY)).unwrap();
    assert_eq!(
        status(block_on(
            msg.set_props(&[(PR_SUBJECT, PropValue::Unicode("B".into()))])
        )),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(subject(&msg), "A");

    let msg = open(&store, &entry, MAPI_MODIFY);
    set(&msg, PR_SUBJECT, PropValue::Unicode("C".into()));
    block_on(msg.save_changes(0)).unwrap();
    assert_eq!(
        status(block_on(
            msg.set_props(&[(PR_SUBJECT, PropValue::Unicode("D".into()))])
        )),
        Status::MAPI_E_INVALID_OBJECT
    );
    assert_eq!(subject(&open(&store, &entry, 0)), "C");
}

#[test]
fn a_read_only_object_refuses_every_change() {
    let dir = TempDir::new();
    let (store, entry) = store_with_message(&dir);
    let msg = open(&store, &entry, 0);
    let no_access = Status::MAPI_E_NO_ACCESS;
    assert_eq!(
        status(block_on(
            msg.set_props(&[(PR_SUBJECT, PropValue::Unicode("x".into()))])
        )),
        no_access
    );
    assert_eq!(status(block_on(msg.delete_props(&[PR_SUBJECT]))), no_access);
    assert_eq!(
        status(block_on(msg.open_property(
            PR_BODY,
            &IID_ISTREAM,
            MAPI_MODIFY
        ))),
        no_access
    );
    assert_eq!(status(block_on(msg.save_changes(0))), no_access);
    // A stream opened for reading refuses writes too.
    let s = stream(&msg, PR_BODY, 0);
    assert_eq!(status(block_on(s.write(b"x"))), no_access);
    assert_eq!(status(block_on(s.set_size(1))), no_access);
    assert_eq!(block_on(s.stat()).unwrap().mode, STGM_READ);
    assert_eq!(subject(&open(&store, &entry, 0)), "Quarterly report");
    assert_eq!(
        status(block_on(store.open_message(&entry, 0x4000))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    let mut bad = entry.clone();
    bad[21] = 2;
    assert_eq!(
        status(block_on(store.open_message(&bad, 0))),
        Status::MAPI_E_INVALID_ENTRYID
    );
}

#[test]
fn bad_tags_and_values_are_problems_that_change_nothing() {
    let dir = TempDir::new();
    let (store, entry) = store_with_message(&dir);
    let msg = open(&store, &entry, MAPI_MODIFY);
    let before = block_on(msg.get_props(None, MAPI_UNICODE)).unwrap();
    let values = [
        (PR_ENTRYID, PropValue::Binary(vec![1, 2, 3])),
        (PR_SUBJECT, PropValue::Long(7)),
        (PropTag(0x6701_0999), PropValue::Long(1)),
        (PR_SUBJECT.with_type(PropType::PT_LONG), PropValue::Long(1)),
        (PropTag(0x8123_001F), PropValue::Unicode("x".into())),
        (PropTag(0x0000_0003), PropValue::Long(1)),
        (
            PropTag(0x6702_001F),
            PropValue::Unicode("nul\0inside".into()),
        ),
        (PR_DISPLAY_TO, PropValue::Unicode("Carol".into())),
    ];
    let problems = block_on(msg.set_props(&values)).unwrap();
    let got: Vec<(usize, Status)> = problems.iter().map(|p| (p.index, p.status)).collect();
    assert_eq!(
        got,
        [
            (0, Status::MAPI_E_COMPUTED),
            (1, Status::MAPI_E_BAD_VALUE),
            (2, Status::MAPI_E_INVALID_TYPE),
            (3, Status::MAPI_E_UNEXPECTED_TYPE),
            (4, Status::MAPI_E_UNEXPECTED_ID),
            (5, Status::MAPI_E_INVALID_PARAMETER),
            (6, Status::MAPI_E_BAD_VALUE),
        ]
    );
    assert_eq!(problems[3].tag, PR_SUBJECT.with_type(PropType::PT_LONG));
    // Only the good value changed.
    let after = block_on(msg.get_props(None, MAPI_UNICODE)).unwrap();
    let changed: Vec<_> = after
        .value
        .iter()
        .filter(|v| !before.value.contains(v))
        .collect();
    assert_eq!(
        changed,
        [&(PR_DISPLAY_TO, PropValue::Unicode("Carol".into()))]
    );
    let problems = block_on(msg.delete_props(&[PR_MESSAGE_SIZE, PropTag(0x6703_0003)])).unwrap();
    let got: Vec<(usize, Status)> = problems.iter().map(|p| (p.index, p.status)).collect();
    assert_eq!(
        got,
        [(0, Status::MAPI_E_COMPUTED), (1, Status::MAPI_E_NOT_FOUND)]
    );

    // 100,000 tags or values: refused whole, bounded, nothing changed.
    let many: Vec<PropTag> = (0..100_000u32)
        .map(|i| PropTag::new(0x4000 + (i % 0x3000) as u16, PropType::PT_LONG))
        .collect();
    assert_eq!(
        status(block_on(msg.get_props(Some(&many), 0))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    let many_values: Vec<(PropTag, PropValue)> =
        many.iter().map(|t| (*t, PropValue::Long(1))).collect();
    assert_eq!(
        status(block_on(msg.set_props(&many_values))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(block_on(msg.delete_props(&many))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(block_on(msg.get_props(None, 0x1))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(block_on(msg.get_props(None, MAPI_UNICODE)).unwrap(), after);

    block_on(msg.save_changes(0)).unwrap();
    let saved = open(&store, &entry, 0);
    let stored = block_on(saved.get_props(None, MAPI_UNICODE)).unwrap();
    assert_eq!(stored.value, after.value);
}

#[test]
fn a_save_by_another_connection_in_between_is_object_changed() {
    let dir = TempDir::new();
    let (a, entry) = store_with_message(&dir);
    let b = store_logon(settings(&dir.path("mail.db"))).unwrap();
    let first = open(&a, &entry, MAPI_MODIFY);
    let second = open(&b, &entry, MAPI_MODIFY);
    set(&first, PR_SUBJECT, PropValue::Unicode("first".into()));
    set(&second, PR_SUBJECT, PropValue::Unicode("second".into()));
    block_on(first.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(
        status(block_on(second.save_changes(KEEP_OPEN_READWRITE))),
        Status::MAPI_E_OBJECT_CHANGED
    );
    assert_eq!(subject(&open(&b, &entry, 0)), "first");
    // FORCE_SAVE overwrites.
    block_on(second.save_changes(FORCE_SAVE | KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(subject(&open(&a, &entry, 0)), "second");
    // The first object's version is now behind.
    set(&first, PR_SUBJECT, PropValue::Unicode("late".into()));
    assert_eq!(
        status(block_on(first.save_changes(0))),
        Status::MAPI_E_OBJECT_CHANGED
    );

    // A message deleted in between.
    let third = open(&a, &entry, MAPI_MODIFY);
    set(&third, PR_SUBJECT, PropValue::Unicode("gone".into()));
    block_on(b.delete_message(&entry)).unwrap();
    assert_eq!(
        status(block_on(third.save_changes(0))),
        Status::MAPI_E_OBJECT_DELETED
    );
    assert_eq!(
        status(block_on(a.open_message(&entry, 0))),
        Status::MAPI_E_NOT_FOUND
    );
}

/// The helper process: opens a message, sets its subject and saves; prints the status.
#[test]
fn helper_process() {
    let Ok(args) = std::env::var(HELPER_ENV) else {
        return;
    };
    let args: Vec<String> = args.split('\u{1f}').map(str::to_string).collect();
    println!();
    let [path, entry, text] = &args[..] else {
        panic!("unknown helper arguments {args:?}");
    };
    let store = store_logon(settings(std::path::Path::new(path))).unwrap();
    let msg = open(&store, &hex::decode(entry).unwrap(), MAPI_MODIFY);
    set(&msg, PR_SUBJECT, PropValue::Unicode(text.clone()));
    let r = block_on(msg.save_changes(0));
    println!(
        "STATUS {}",
        r.map_or_else(
            |e| e.status.name().unwrap_or("?").to_string(),
            |()| "S_OK".into()
        )
    );
    block_on(store.logoff());
    std::io::stdout().flush().unwrap();
    std::process::exit(0);
}

fn helper_save(path: &std::path::Path, entry: &[u8], text: &str) -> String {
    let args = [
        path.display().to_string(),
        hex::encode(entry),
        text.to_string(),
    ];
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "helper_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, args.join("\u{1f}"))
        .output()
        .expect("start the helper process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "helper failed: {stdout}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("STATUS "))
        .unwrap_or_else(|| panic!("no status from the helper: {stdout}"))
        .to_string()
}

#[test]
fn a_save_by_another_process_in_between_is_object_changed() {
    let dir = TempDir::new();
    let (store, entry) = store_with_message(&dir);
    let mine = open(&store, &entry, MAPI_MODIFY);
    set(&mine, PR_SUBJECT, PropValue::Unicode("parent".into()));
    assert_eq!(helper_save(&dir.path("mail.db"), &entry, "child"), "S_OK");
    assert_eq!(
        status(block_on(mine.save_changes(KEEP_OPEN_READWRITE))),
        Status::MAPI_E_OBJECT_CHANGED
    );
    assert_eq!(subject(&open(&store, &entry, 0)), "child");
    // And the other way round: our save first, the helper's object is then behind only
    // if it opened before; it opens after, so it saves.
    let fresh = open(&store, &entry, MAPI_MODIFY);
    set(
        &fresh,
        PR_SUBJECT,
        PropValue::Unicode("parent again".into()),
    );
    block_on(fresh.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(
        helper_save(&dir.path("mail.db"), &entry, "child again"),
        "S_OK"
    );
    assert_eq!(subject(&open(&store, &entry, 0)), "child again");
}

#[test]
fn streams_read_write_seek_set_size_stat_and_commit() {
    let dir = TempDir::new();
    let (store, entry) = store_with_message(&dir);
    let msg = open(&store, &entry, MAPI_MODIFY);

    // Reading the body and the header block.
    let body = stream(&msg, PR_BODY, 0);
    assert_eq!(read_all(&*body), b"Body of Quarterly report.\r\n");
    assert_eq!(block_on(body.seek(-3, STREAM_SEEK_END)).unwrap(), 24);
    assert_eq!(read_all(&*body), b".\r\n");
    assert_eq!(
        status(block_on(body.seek(-1, STREAM_SEEK_SET))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(block_on(body.seek(0, 7))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    let headers = read_all(&*stream(&msg, PR_TRANSPORT_MESSAGE_HEADERS, 0));
    assert!(String::from_utf8(headers).unwrap().starts_with("From: Ann"));

    // Writing a 3 MiB body.
    let big: Vec<u8> = (0..3 * 1024 * 1024)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    let w = stream(&msg, PR_BODY, MAPI_MODIFY | MAPI_CREATE);
    assert_eq!(
        block_on(w.stat()).unwrap(),
        mapi_types::StreamStat {
            size: 0,
            mode: STGM_READWRITE
        }
    );
    for chunk in big.chunks(100_000) {
        assert_eq!(block_on(w.write(chunk)).unwrap(), chunk.len());
    }
    // 2 GiB is past what the store keeps: refused, size unchanged.
    assert_eq!(
        status(block_on(w.set_size(2 << 30))),
        Status::MAPI_E_TOO_BIG
    );
    assert_eq!(block_on(w.stat()).unwrap().size, big.len() as u64);
    // So is a write that would end past it.
    assert_eq!(block_on(w.seek(2 << 30, STREAM_SEEK_SET)).unwrap(), 2 << 30);
    assert_eq!(status(block_on(w.write(b"x"))), Status::MAPI_E_TOO_BIG);
    assert_eq!(block_on(w.stat()).unwrap().size, big.len() as u64);
    assert_eq!(block_on(w.seek(10, STREAM_SEEK_SET)).unwrap(), 10);
    let mut five = [0u8; 5];
    assert_eq!(block_on(w.read(&mut five)).unwrap(), 5);
    assert_eq!(&five, &big[10..15]);
    // Not committed yet: the object still has the old body.
    assert_eq!(
        get(&msg, PR_BODY),
        PropValue::Unicode("Body of Quarterly report.\r\n".into())
    );
    block_on(w.commit(0)).unwrap();
    // Too large for GetProps now.
    let r = block_on(msg.get_props(Some(&[PR_BODY]), MAPI_UNICODE)).unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        r.value[0],
        (
            PR_BODY.with_type(PropType::PT_ERROR),
            PropValue::Error(Status::MAPI_E_NOT_ENOUGH_MEMORY.0)
        )
    );
    // Another object sees the old body until the save.
    assert_eq!(
        read_all(&*stream(&open(&store, &entry, 0), PR_BODY, 0)).len(),
        27
    );
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let reread = read_all(&*stream(&open(&store, &entry, 0), PR_BODY, 0));
    assert!(reread == big, "the body read back differs");
    // The row API sees the same body.
    let row = block_on(store.read_message(&entry)).unwrap();
    assert!(row.str(PR_BODY).map(str::as_bytes) == Some(&big[..]));

    // Truncating with SetSize, extending with zeros; a binary property created.
    let t = stream(&msg, PR_BODY, MAPI_MODIFY);
    block_on(t.set_size(4)).unwrap();
    block_on(t.seek(0, STREAM_SEEK_END)).unwrap();
    block_on(t.write(b"!")).unwrap();
    block_on(t.commit(0)).unwrap();
    assert_eq!(get(&msg, PR_BODY), PropValue::Unicode("abcd!".into()));
    let html = stream(&msg, PR_HTML, MAPI_CREATE);
    block_on(html.set_size(3)).unwrap();
    block_on(html.commit(0)).unwrap();
    assert_eq!(get(&msg, PR_HTML), PropValue::Binary(vec![0, 0, 0]));
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let saved = open(&store, &entry, 0);
    assert_eq!(get(&saved, PR_BODY), PropValue::Unicode("abcd!".into()));
    let row = block_on(store.read_message(&entry)).unwrap();
    assert_eq!(row.str(PR_BODY), Some("abcd!"));
    assert_eq!(get(&saved, PR_HTML), PropValue::Binary(vec![0, 0, 0]));

    // Refusals.
    assert_eq!(
        status(block_on(msg.open_property(
            PR_BODY,
            &MapiUid::ole_guid(0x20303),
            0
        ))),
        Status::MAPI_E_INTERFACE_NOT_SUPPORTED
    );
    assert_eq!(
        status(block_on(msg.open_property(
            PR_MESSAGE_FLAGS,
            &IID_ISTREAM,
            0
        ))),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(
        status(block_on(msg.open_property(
            PropTag(0x6710_0102),
            &IID_ISTREAM,
            0
        ))),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(block_on(msg.open_property(
            PR_ENTRYID,
            &IID_ISTREAM,
            MAPI_MODIFY
        ))),
        Status::MAPI_E_NO_ACCESS
    );
    let bad = stream(&msg, PR_BODY, MAPI_CREATE);
    block_on(bad.write(&[b'o', b'k', 0xC3])).unwrap();
    assert_eq!(status(block_on(bad.commit(0))), Status::MAPI_E_BAD_VALUE);
    assert_eq!(get(&msg, PR_BODY), PropValue::Unicode("abcd!".into()));
    // A sequence split across the 1 MiB read chunks is still UTF-8.
    let split = stream(&msg, PR_BODY, MAPI_CREATE);
    let mut text = vec![b'x'; 1024 * 1024 - 1];
    text.extend_from_slice("é".as_bytes());
    block_on(split.write(&text)).unwrap();
    block_on(split.commit(0)).unwrap();
}

#[test]
fn named_properties_map_stably_and_refuse_unknown_names_without_create() {
    let dir = TempDir::new();
    let (store, entry) = store_with_message(&dir);
    let msg = open(&store, &entry, MAPI_MODIFY);
    let names = [
        NameId::name(PS_PUBLIC_STRINGS, "Project"),
        NameId::name(PS_INTERNET_HEADERS, "X-Mailer"),
        NameId::id(PS_PUBLIC_STRINGS, 0x1234),
    ];
    let unmapped = PropTag::new(0, PropType::PT_ERROR);
    let r = block_on(msg.get_ids_from_names(&names, 0)).unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(r.value, [unmapped; 3]);
    assert_eq!(r.value[0].0, 0x0000_000A);

    let r = block_on(msg.get_ids_from_names(&names, MAPI_CREATE)).unwrap();
    assert_eq!(r.status, Status::S_OK);
    let ids: Vec<u16> = r.value.iter().map(|t| t.id()).collect();
    assert!(
        ids.iter().all(|id| (0x8000..=0xFFFE).contains(id)),
        "{ids:?}"
    );
    assert!(
        r.value
            .iter()
            .all(|t| t.prop_type() == PropType::PT_UNSPECIFIED)
    );
    assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2]);
    // Header names compare with case ignored; public strings do not.
    let r = block_on(msg.get_ids_from_names(
        &[
            NameId::name(PS_INTERNET_HEADERS, "x-mailer"),
            NameId::name(PS_PUBLIC_STRINGS, "project"),
        ],
        0,
    ))
    .unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        r.value,
        [PropTag::new(ids[1], PropType::PT_UNSPECIFIED), unmapped]
    );

    // Back from ids; an unknown id is None with the warning.
    let tags = [
        PropTag::new(ids[0], PropType::PT_UNICODE),
        PropTag::new(0xFFF0, PropType::PT_LONG),
        PropTag::new(ids[2], PropType::PT_LONG),
    ];
    let r = block_on(msg.get_names_from_ids(Some(&tags), None, 0)).unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(r.value[0].1, Some(names[0].clone()));
    assert_eq!(r.value[1].1, None);
    assert_eq!(r.value[2].1, Some(names[2].clone()));
    let only_headers =
        block_on(msg.get_names_from_ids(None, Some(&PS_INTERNET_HEADERS), 0)).unwrap();
    assert_eq!(only_headers.value.len(), 1);
    assert_eq!(only_headers.value[0].1, Some(names[1].clone()));
    let strings = block_on(msg.get_names_from_ids(None, None, MAPI_NO_IDS)).unwrap();
    assert_eq!(strings.value.len(), 2);

    // A named property set on the message, saved, read back after a new logon with the
    // same id.
    let project = PropTag::new(ids[0], PropType::PT_UNICODE);
    assert!(set(&msg, project, PropValue::Unicode("Apollo".into())).is_empty());
    block_on(msg.save_changes(0)).unwrap();
    block_on(store.logoff());
    let store = store_logon(settings(&dir.path("mail.db"))).unwrap();
    let msg = open(&store, &entry, 0);
    let r = block_on(msg.get_ids_from_names(&names, 0)).unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(r.value.iter().map(|t| t.id()).collect::<Vec<_>>(), ids);
    assert_eq!(get(&msg, project), PropValue::Unicode("Apollo".into()));
    // The store object shares the map.
    let st = block_on(store.open_store_object()).unwrap();
    assert_eq!(
        block_on(st.get_ids_from_names(&names, 0)).unwrap().value,
        r.value
    );

    // Bad names: empty, too many.
    assert_eq!(
        status(block_on(msg.get_ids_from_names(
            &[NameId::name(PS_PUBLIC_STRINGS, "")],
            MAPI_CREATE
        ))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    let many = vec![NameId::id(PS_PUBLIC_STRINGS, 1); 100_000];
    assert_eq!(
        status(block_on(msg.get_ids_from_names(&many, MAPI_CREATE))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        block_on(msg.get_names_from_ids(None, None, 0))
            .unwrap()
            .value
            .len(),
        3
    );
}

#[test]
fn the_store_and_its_folders_answer_get_props() {
    let dir = TempDir::new();
    let (store, _) = store_with_message(&dir);
    let st = block_on(store.open_store_object()).unwrap();
    assert_eq!(st.object_type(), mapi_types::object_type::MAPI_STORE);
    let r = block_on(st.get_props(
        Some(&[PR_DISPLAY_NAME, PR_IPM_SUBTREE_ENTRYID, PR_SUBJECT]),
        MAPI_UNICODE,
    ))
    .unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        r.value[0],
        (PR_DISPLAY_NAME, PropValue::Unicode("Test".into()))
    );
    let subtree = r.value[1].1.as_bytes().unwrap().to_vec();
    assert_eq!(r.value[2], not_found(PR_SUBJECT));

    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let folder = block_on(store.open_folder(&inbox, 0)).unwrap();
    assert_eq!(folder.object_type(), mapi_types::object_type::MAPI_FOLDER);
    let r = block_on(folder.get_props(
        Some(&[PR_DISPLAY_NAME, PR_CONTENT_COUNT, PR_PARENT_ENTRYID]),
        MAPI_UNICODE,
    ))
    .unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(r.value[0].1, PropValue::Unicode("Inbox".into()));
    assert_eq!(r.value[1].1, PropValue::Long(1));
    assert_eq!(r.value[2].1, PropValue::Binary(subtree));
    // Opened without MAPI_MODIFY: read-only.
    assert_eq!(
        status(block_on(folder.set_props(&[(
            PR_DISPLAY_NAME,
            PropValue::Unicode("x".into())
        )]))),
        Status::MAPI_E_NO_ACCESS
    );
    let mut missing = inbox.clone();
    missing[22] = 0x7F;
    assert_eq!(
        status(block_on(store.open_folder(&missing, 0))),
        Status::MAPI_E_NOT_FOUND
    );
}

#[test]
fn large_values_stream_from_the_body_column_and_from_chunks() {
    let dir = TempDir::new();
    let (store, _) = store_with_message(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let mut raw = simple_message("Big", "Tue, 14 Nov 2023 22:13:20 +0000");
    for i in 0..60_000 {
        raw.extend_from_slice(format!("line {i:06} of the long body\r\n").as_bytes());
    }
    let entry = block_on(store.import_raw(&inbox, vec![raw])).unwrap()[0].clone();
    let body = block_on(store.read_message(&entry))
        .unwrap()
        .str(PR_BODY)
        .unwrap()
        .to_string();
    assert!(body.len() > 1024 * 1024);
    let msg = open(&store, &entry, MAPI_MODIFY);
    assert_eq!(
        get(&msg, PR_BODY),
        PropValue::Error(Status::MAPI_E_NOT_ENOUGH_MEMORY.0)
    );
    // Small reads of the imported body column.
    let s = stream(&msg, PR_BODY, 0);
    let mut got = Vec::new();
    let mut buf = [0u8; 10_000];
    loop {
        let n = block_on(s.read(&mut buf)).unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got == body.as_bytes(), "the streamed body differs");

    // A 2.5 MiB binary property written through a stream is kept in chunks.
    let html: Vec<u8> = (0..2_621_440u32).map(|i| (i % 251) as u8).collect();
    let w = stream(&msg, PR_HTML, MAPI_CREATE);
    block_on(w.write(&html)).unwrap();
    block_on(w.commit(0)).unwrap();
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let chunks = || -> i64 {
        rusqlite::Connection::open(dir.path("mail.db"))
            .unwrap()
            .query_row("SELECT count(*) FROM prop_chunks", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(chunks(), 3);
    let again = open(&store, &entry, 0);
    assert_eq!(
        get(&again, PR_HTML),
        PropValue::Error(Status::MAPI_E_NOT_ENOUGH_MEMORY.0)
    );
    let r = stream(&again, PR_HTML, 0);
    block_on(r.seek(1024 * 1024 - 5, STREAM_SEEK_SET)).unwrap();
    let mut ten = [0u8; 10];
    let mut n = 0;
    while n < 10 {
        n += block_on(r.read(&mut ten[n..])).unwrap();
    }
    assert_eq!(&ten[..], &html[1024 * 1024 - 5..1024 * 1024 + 5]);
    block_on(r.seek(0, STREAM_SEEK_SET)).unwrap();
    assert!(read_all(&*r) == html, "the streamed binary differs");
    // Deleting it removes its chunks.
    assert!(block_on(msg.delete_props(&[PR_HTML])).unwrap().is_empty());
    block_on(msg.save_changes(0)).unwrap();
    assert_eq!(chunks(), 0);
    assert_eq!(get(&open(&store, &entry, 0), PR_HTML), not_found(PR_HTML).1);
}

#[test]
fn header_properties_come_from_the_shared_mime_mapping() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let raw = b"From: Ann <ann@example.org>\r\nSender: Bo <bo@example.org>\r\n\
        To: bob@example.org\r\nBcc: Cy <cy@example.org>\r\nSubject: RE: the plan\r\n\
        In-Reply-To: <a1@example.org>\r\nImportance: high\r\n\r\nbody\r\n"
        .to_vec();
    let ids = block_on(store.import_raw(&inbox, vec![raw.clone()])).unwrap();
    let msg = open(&store, &ids[0], 0);
    let text = |s: &str| PropValue::Unicode(s.into());
    assert_eq!(get(&msg, PR_SUBJECT), text("RE: the plan"));
    assert_eq!(get(&msg, PR_SUBJECT_PREFIX), text("RE: "));
    assert_eq!(get(&msg, PR_NORMALIZED_SUBJECT), text("the plan"));
    assert_eq!(get(&msg, PR_SENT_REPRESENTING_NAME), text("Ann"));
    assert_eq!(
        get(&msg, PR_SENT_REPRESENTING_EMAIL_ADDRESS),
        text("ann@example.org")
    );
    assert_eq!(get(&msg, PR_SENDER_NAME), text("Bo"));
    assert_eq!(get(&msg, PR_DISPLAY_BCC), text("Cy"));
    assert_eq!(get(&msg, PR_IN_REPLY_TO_ID), text("<a1@example.org>"));
    assert_eq!(get(&msg, PR_IMPORTANCE), PropValue::Long(2));
    // and the row API gives the same values
    let row = block_on(store.read_message(&ids[0])).unwrap();
    for tag in [
        PR_SUBJECT_PREFIX,
        PR_NORMALIZED_SUBJECT,
        PR_DISPLAY_BCC,
        PR_IMPORTANCE,
    ] {
        assert_eq!(row.get(tag), Some(&get(&msg, tag)), "{tag:?}");
    }
}
