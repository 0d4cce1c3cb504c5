//! ModifyRecipients and GetRecipientTable on a real store file: MODRECIP_ADD / MODIFY /
//! REMOVE and replacement by PR_ROWID, the checks that change nothing, persistence
//! through SaveChanges only, PR_DISPLAY_* kept from the recipients, copies carrying
//! them, and the MIME form's To and Cc.

mod common;

use std::sync::Arc;

use common::*;
use mapi_spi::{EntryId, FolderKind, MsgStore, PropObject, ProviderError};
use mapi_test_support::python_reads;
use mapi_types::object::{KEEP_OPEN_READWRITE, MAPI_MODIFY, MAPI_UNICODE};
use mapi_types::recipient::*;
use mapi_types::{PropValue, Row, Status, tags::*};

fn rcpt(kind: i32, name: &str, email: &str) -> Row {
    let mut r = Row::default();
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
    r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.into()));
    r.set(PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
    r
}

fn with_rowid(mut r: Row, id: i32) -> Row {
    r.set(PR_ROWID, PropValue::Long(id));
    r
}

fn status<T>(r: Result<T, ProviderError>) -> Status {
    err(r).status
}

/// (PR_ROWID, PR_RECIPIENT_TYPE, PR_DISPLAY_NAME, PR_EMAIL_ADDRESS) of every row.
fn table(msg: &Arc<dyn PropObject>) -> Vec<(i64, i64, String, String)> {
    let mut src = block_on(msg.recipient_table(MAPI_UNICODE)).unwrap();
    let n = src.count().unwrap();
    let cols = [
        PR_ROWID,
        PR_RECIPIENT_TYPE,
        PR_DISPLAY_NAME,
        PR_EMAIL_ADDRESS,
    ];
    src.rows(0, n, &cols)
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.int(PR_ROWID).unwrap(),
                r.int(PR_RECIPIENT_TYPE).unwrap(),
                r.str(PR_DISPLAY_NAME).unwrap_or_default().to_string(),
                r.str(PR_EMAIL_ADDRESS).unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn get(msg: &Arc<dyn PropObject>, tag: mapi_types::PropTag) -> PropValue {
    block_on(msg.get_props(Some(&[tag]), MAPI_UNICODE))
        .unwrap()
        .value[0]
        .1
        .clone()
}

fn setup() -> (TempDir, Arc<dyn MsgStore>, EntryId) {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let drafts = block_on(store.folder(FolderKind::Drafts)).unwrap();
    (dir, store, drafts)
}

#[test]
fn add_modify_remove_and_replace_by_rowid() {
    let (_dir, store, drafts) = setup();
    let msg = block_on(store.create_message(&drafts, 0)).unwrap();
    assert!(table(&msg).is_empty());
    block_on(msg.modify_recipients(
        MODRECIP_ADD,
        &[
            rcpt(MAPI_TO, "Bob", "bob@example.org"),
            // A PR_ROWID given with ADD is the store's to choose.
            with_rowid(rcpt(MAPI_CC, "Carol", "carol@example.org"), 77),
        ],
    ))
    .unwrap();
    block_on(msg.modify_recipients(MODRECIP_ADD, &[rcpt(MAPI_BCC, "Dave", "dave@example.org")]))
        .unwrap();
    assert_eq!(
        table(&msg),
        [
            (1, 1, "Bob".into(), "bob@example.org".into()),
            (2, 2, "Carol".into(), "carol@example.org".into()),
            (3, 3, "Dave".into(), "dave@example.org".into()),
        ]
    );
    block_on(msg.modify_recipients(
        MODRECIP_MODIFY,
        &[with_rowid(
            rcpt(MAPI_TO, "Carol C.", "carol@example.net"),
            2,
        )],
    ))
    .unwrap();
    block_on(msg.modify_recipients(MODRECIP_REMOVE, &[with_rowid(Row::default(), 1)])).unwrap();
    assert_eq!(
        table(&msg),
        [
            (2, 1, "Carol C.".into(), "carol@example.net".into()),
            (3, 3, "Dave".into(), "dave@example.org".into()),
        ]
    );
    // The next added one gets a fresh PR_ROWID.
    block_on(msg.modify_recipients(MODRECIP_ADD, &[rcpt(MAPI_CC, "Eve", "eve@example.org")]))
        .unwrap();
    assert_eq!(table(&msg).last().unwrap().0, 4);

    // Saved: the store keeps PR_DISPLAY_* from the recipients, and the MIME form has
    // To and Cc (never Bcc).
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(
        get(&msg, PR_DISPLAY_TO),
        PropValue::Unicode("Carol C.".into())
    );
    assert_eq!(get(&msg, PR_DISPLAY_CC), PropValue::Unicode("Eve".into()));
    assert_eq!(get(&msg, PR_DISPLAY_BCC), PropValue::Unicode("Dave".into()));
    let entry = get(&msg, PR_ENTRYID).as_bytes().unwrap().to_vec();
    let raw = block_on(store.read_raw(&entry)).unwrap();
    let py = python_reads(&raw);
    assert_eq!(py["to"], "\"Carol C.\" <carol@example.net>");
    assert_eq!(py["cc"], "Eve <eve@example.org>");
    assert_eq!(
        py["bcc"],
        serde_json::Value::Null,
        "Bcc stays out of the message"
    );
    let reopened = block_on(store.open_message(&entry, MAPI_MODIFY)).unwrap();
    assert_eq!(table(&reopened), table(&msg));
    assert_eq!(
        block_on(store.read_message(&entry))
            .unwrap()
            .str(PR_DISPLAY_TO),
        Some("Carol C.")
    );

    // No flag: the rows replace the whole list.
    block_on(reopened.modify_recipients(0, &[rcpt(MAPI_TO, "Zoë", "zoe@example.net")])).unwrap();
    assert_eq!(
        table(&reopened),
        [(1, 1, "Zoë".into(), "zoe@example.net".into())]
    );
    // Not saved yet: the store still has the old list.
    let third = block_on(store.open_message(&entry, 0)).unwrap();
    assert_eq!(table(&third).len(), 3);
    block_on(reopened.save_changes(0)).unwrap();
    let fourth = block_on(store.open_message(&entry, 0)).unwrap();
    assert_eq!(
        table(&fourth),
        [(1, 1, "Zoë".into(), "zoe@example.net".into())]
    );
    let raw = block_on(store.read_raw(&entry)).unwrap();
    assert_eq!(python_reads(&raw)["to"], "Zoë <zoe@example.net>");
}

#[test]
fn bad_rows_and_flags_change_nothing() {
    let (_dir, store, drafts) = setup();
    let msg = block_on(store.create_message(&drafts, 0)).unwrap();
    block_on(msg.modify_recipients(MODRECIP_ADD, &[rcpt(MAPI_TO, "Bob", "bob@example.org")]))
        .unwrap();
    let before = table(&msg);
    let mut no_type = rcpt(MAPI_TO, "X", "x@example.org");
    no_type.0.retain(|(t, _)| *t != PR_RECIPIENT_TYPE);
    let mut wrong_type = rcpt(MAPI_TO, "X", "x@example.org");
    wrong_type.set(PR_RECIPIENT_TYPE, PropValue::Unicode("to".into()));
    let mut nameless = Row::default();
    nameless.set(PR_RECIPIENT_TYPE, PropValue::Long(MAPI_TO));
    for (flags, rows, want) in [
        (
            MODRECIP_ADD,
            vec![rcpt(MAPI_CC, "Ok", "ok@example.org"), no_type],
            Status::MAPI_E_INVALID_PARAMETER,
        ),
        (
            MODRECIP_ADD,
            vec![wrong_type],
            Status::MAPI_E_INVALID_PARAMETER,
        ),
        (
            MODRECIP_ADD,
            vec![nameless],
            Status::MAPI_E_INVALID_PARAMETER,
        ),
        (
            MODRECIP_ADD,
            vec![rcpt(MAPI_ORIG, "Me", "me@example.org")],
            Status::MAPI_E_INVALID_PARAMETER,
        ),
        (
            MODRECIP_MODIFY,
            vec![with_rowid(rcpt(MAPI_TO, "Y", "y@example.org"), 9)],
            Status::MAPI_E_NOT_FOUND,
        ),
        (
            MODRECIP_MODIFY,
            vec![rcpt(MAPI_TO, "Y", "y@example.org")],
            Status::MAPI_E_INVALID_PARAMETER,
        ),
        (
            MODRECIP_REMOVE,
            vec![with_rowid(Row::default(), 1), with_rowid(Row::default(), 2)],
            Status::MAPI_E_NOT_FOUND,
        ),
        (
            MODRECIP_ADD | MODRECIP_MODIFY,
            vec![],
            Status::MAPI_E_INVALID_PARAMETER,
        ),
        (0x100, vec![], Status::MAPI_E_UNKNOWN_FLAGS),
    ] {
        let s = status(block_on(msg.modify_recipients(flags, &rows)));
        assert_eq!(s, want, "{flags:#x} {rows:?}");
        assert_eq!(table(&msg), before);
    }
    let many = vec![rcpt(MAPI_TO, "Many", "many@example.org"); 10_001];
    assert_eq!(
        status(block_on(msg.modify_recipients(MODRECIP_ADD, &many))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(table(&msg), before);

    // Read-only objects refuse; objects that are not messages do not offer it.
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let entry = get(&msg, PR_ENTRYID).as_bytes().unwrap().to_vec();
    let ro = block_on(store.open_message(&entry, 0)).unwrap();
    assert_eq!(
        status(block_on(ro.modify_recipients(
            MODRECIP_ADD,
            &[rcpt(MAPI_TO, "Z", "z@example.org")]
        ))),
        Status::MAPI_E_NO_ACCESS
    );
    let folder = block_on(store.open_folder(&drafts, 0)).unwrap();
    assert_eq!(
        status(block_on(folder.recipient_table(0))),
        Status::MAPI_E_NO_SUPPORT
    );
}

#[test]
fn copies_carry_their_recipients() {
    let (_dir, store, drafts) = setup();
    let root = block_on(store.folder(FolderKind::IpmSubtree)).unwrap();
    let other = block_on(store.create_folder(&root, "Other", 0)).unwrap();
    let msg = block_on(store.create_message(&drafts, 0)).unwrap();
    block_on(msg.modify_recipients(
        MODRECIP_ADD,
        &[
            rcpt(MAPI_TO, "Bob", "bob@example.org"),
            rcpt(MAPI_CC, "Carol", "carol@example.org"),
        ],
    ))
    .unwrap();
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let entry = get(&msg, PR_ENTRYID).as_bytes().unwrap().to_vec();
    let r =
        block_on(store.copy_messages(&drafts, std::slice::from_ref(&entry), &other, 0)).unwrap();
    let copy = r.value[0].clone().unwrap();
    let copy = block_on(store.open_message(&copy, 0)).unwrap();
    assert_eq!(table(&copy), table(&msg));
    // Deleting the original leaves the copy's recipients.
    block_on(store.delete_messages(&drafts, &[entry], 0)).unwrap();
    assert_eq!(table(&copy).len(), 2);
}
