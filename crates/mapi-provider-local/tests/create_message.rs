//! CreateMessage on a real store file: a message made from properties exists only after
//! SaveChanges, shows in the contents table, starts with MAPI's initial flags, and its
//! RFC 5322 form (read_raw) is standard MIME that Python's `email` reads back with the
//! same subject, addresses and bodies.

mod common;

use std::sync::Arc;

use common::*;
use mapi_spi::{EntryId, FolderKind, MsgStore, PropObject, ProviderError};
use mapi_test_support::python_reads;
use mapi_types::object::{
    IID_ISTREAM, KEEP_OPEN_READWRITE, MAPI_CREATE, MAPI_MODIFY, MAPI_UNICODE,
};
use mapi_types::table::consts::MAPI_ASSOCIATED;
use mapi_types::{PropTag, PropValue, Status, tags::*};

struct Fixture {
    _dir: TempDir,
    store: Arc<dyn MsgStore>,
    drafts: EntryId,
    inbox: EntryId,
}

fn fixture() -> Fixture {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let drafts = block_on(store.folder(FolderKind::Drafts)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    Fixture {
        _dir: dir,
        store,
        drafts,
        inbox,
    }
}

impl Fixture {
    fn count(&self, folder: &[u8]) -> i64 {
        block_on(self.store.folders())
            .unwrap()
            .into_iter()
            .find(|r| r.get(PR_ENTRYID).and_then(PropValue::as_bytes) == Some(folder))
            .and_then(|r| r.int(PR_CONTENT_COUNT))
            .unwrap()
    }

    fn table_subjects(&self, folder: &[u8]) -> Vec<String> {
        let mut src = block_on(self.store.contents_source(folder, 0)).unwrap();
        let n = src.count().unwrap();
        src.rows(0, n, &[PR_SUBJECT])
            .unwrap()
            .iter()
            .map(|r| r.str(PR_SUBJECT).unwrap_or_default().to_string())
            .collect()
    }
}

fn text(v: &str) -> PropValue {
    PropValue::Unicode(v.into())
}

fn set(msg: &Arc<dyn PropObject>, values: &[(PropTag, PropValue)]) {
    let problems = block_on(msg.set_props(values)).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

fn get(msg: &Arc<dyn PropObject>, tag: PropTag) -> PropValue {
    block_on(msg.get_props(Some(&[tag]), MAPI_UNICODE))
        .unwrap()
        .value[0]
        .1
        .clone()
}

fn status<T>(r: Result<T, ProviderError>) -> Status {
    err(r).status
}

#[test]
fn a_new_message_exists_only_after_save_changes() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    set(
        &msg,
        &[
            (PR_SUBJECT, text("Quarterly report: Grüße")),
            (PR_BODY, text("Hello Bob,\nthe report is attached.\n")),
        ],
    );
    // Before SaveChanges: no entry id, nothing in the folder.
    assert_eq!(
        get(&msg, PR_ENTRYID),
        PropValue::Error(Status::MAPI_E_NOT_FOUND.0)
    );
    assert_eq!(get(&msg, PR_MESSAGE_CLASS), text("IPM.Note"));
    assert_eq!(get(&msg, PR_SUBJECT), text("Quarterly report: Grüße"));
    assert_eq!(f.count(&f.drafts), 0);
    assert!(f.table_subjects(&f.drafts).is_empty());

    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let entry = get(&msg, PR_ENTRYID).as_bytes().unwrap().to_vec();
    assert_eq!(f.count(&f.drafts), 1);
    assert_eq!(f.table_subjects(&f.drafts), ["Quarterly report: Grüße"]);
    // MS-OXCMSG's initial flags for a message being composed: read and unsent.
    let flags = get(&msg, PR_MESSAGE_FLAGS);
    assert_eq!(flags, PropValue::Long(0x9));
    let reopened = block_on(f.store.open_message(&entry, 0)).unwrap();
    assert_eq!(get(&reopened, PR_MESSAGE_FLAGS), PropValue::Long(0x9));
    assert_eq!(get(&reopened, PR_MESSAGE_CLASS), text("IPM.Note"));
    assert_eq!(get(&reopened, PR_IMPORTANCE), PropValue::Long(1));
    assert_eq!(
        get(&reopened, PR_BODY),
        text("Hello Bob,\nthe report is attached.\n")
    );
    assert_eq!(
        get(&reopened, PR_PARENT_ENTRYID),
        PropValue::Binary(f.drafts.clone())
    );

    // A second save changes the same message.
    set(&msg, &[(PR_SUBJECT, text("Quarterly report v2"))]);
    block_on(msg.save_changes(0)).unwrap();
    assert_eq!(f.table_subjects(&f.drafts), ["Quarterly report v2"]);
    let raw = block_on(f.store.read_raw(&entry)).unwrap();
    assert_eq!(python_reads(&raw)["subject"], "Quarterly report v2");
    assert_eq!(f.count(&f.drafts), 1);

    // One never saved leaves nothing behind.
    let dropped = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    set(&dropped, &[(PR_SUBJECT, text("never saved"))]);
    drop(dropped);
    assert_eq!(f.table_subjects(&f.drafts), ["Quarterly report v2"]);
}

#[test]
fn its_rfc5322_form_is_built_from_its_properties() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    set(
        &msg,
        &[
            (PR_SUBJECT, text("Résumé für Grüße")),
            (PR_SENDER_NAME, text("Ann Example")),
            (PR_SENDER_EMAIL_ADDRESS, text("ann@example.org")),
            (
                PR_DISPLAY_TO,
                text("Bob Builder <bob@example.org>; joerg@example.org"),
            ),
            (PR_DISPLAY_CC, text("Carol <carol@example.org>")),
            (PR_BODY, text("Hallo Bob,\nschöne Grüße.\n")),
            (
                PR_HTML,
                PropValue::Binary(
                    b"<p>Hallo Bob, <b>sch\xc3\xb6ne</b> Gr\xc3\xbc\xc3\x9fe.</p>\n".to_vec(),
                ),
            ),
            (PR_IN_REPLY_TO_ID, text("<earlier@example.org>")),
        ],
    );
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let entry = get(&msg, PR_ENTRYID).as_bytes().unwrap().to_vec();
    let raw = block_on(f.store.read_raw(&entry)).unwrap();
    let m = python_reads(&raw);
    assert_eq!(m["defects"], 0, "{}", String::from_utf8_lossy(&raw));
    assert_eq!(m["subject"], "Résumé für Grüße");
    assert_eq!(m["from"], "Ann Example <ann@example.org>");
    assert_eq!(m["sender"], serde_json::Value::Null);
    assert_eq!(m["to"], "Bob Builder <bob@example.org>, joerg@example.org");
    assert_eq!(m["cc"], "Carol <carol@example.org>");
    assert_eq!(m["text"], "Hallo Bob,\nschöne Grüße.\n");
    assert_eq!(m["html"], "<p>Hallo Bob, <b>schöne</b> Grüße.</p>\n");
    assert_eq!(m["in_reply_to"], "<earlier@example.org>");
    // A message id was made and is kept from save to save.
    let mid = m["message_id"].as_str().unwrap().to_string();
    assert!(mid.starts_with('<') && mid.ends_with('>'), "{mid}");
    let row = block_on(f.store.read_message(&entry)).unwrap();
    assert_eq!(row.str(PR_INTERNET_MESSAGE_ID), Some(mid.as_str()));
    assert_eq!(row.int(PR_MESSAGE_SIZE), Some(raw.len() as i64));

    // Sent on behalf of someone: From is the represented one, Sender the sender.
    set(
        &msg,
        &[
            (PR_SENT_REPRESENTING_NAME, text("Boss")),
            (PR_SENT_REPRESENTING_EMAIL_ADDRESS, text("boss@example.org")),
        ],
    );
    block_on(msg.save_changes(0)).unwrap();
    let m = python_reads(&block_on(f.store.read_raw(&entry)).unwrap());
    assert_eq!(m["from"], "Boss <boss@example.org>");
    assert_eq!(m["sender"], "Ann Example <ann@example.org>");
    assert_eq!(m["message_id"], mid.as_str());

    // Reopened later, a draft (still unsent) is rebuilt from what changed.
    let again = block_on(f.store.open_message(&entry, MAPI_MODIFY)).unwrap();
    set(&again, &[(PR_BODY, text("Rewritten.\n"))]);
    block_on(again.save_changes(0)).unwrap();
    let m = python_reads(&block_on(f.store.read_raw(&entry)).unwrap());
    assert_eq!(m["text"], "Rewritten.\n");
    assert_eq!(m["subject"], "Résumé für Grüße");
}

#[test]
fn a_large_body_written_through_a_stream_reaches_the_mime_form() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.drafts, 0)).unwrap();
    set(&msg, &[(PR_SUBJECT, text("big"))]);
    let line = "All work and no play makes a long body.\n";
    let body: String = line.repeat(400_000 / line.len());
    let s = block_on(msg.open_property(PR_BODY, &IID_ISTREAM, MAPI_MODIFY | MAPI_CREATE)).unwrap();
    for chunk in body.as_bytes().chunks(64 * 1024) {
        assert_eq!(block_on(s.write(chunk)).unwrap(), chunk.len());
    }
    block_on(s.commit(0)).unwrap();
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let entry = get(&msg, PR_ENTRYID).as_bytes().unwrap().to_vec();
    let m = python_reads(&block_on(f.store.read_raw(&entry)).unwrap());
    assert_eq!(m["subject"], "big");
    assert_eq!(m["text"].as_str().unwrap().len(), body.len());
    assert_eq!(m["text"], body.as_str());
}

#[test]
fn a_message_created_in_the_receive_folder_is_not_unsent() {
    let f = fixture();
    let msg = block_on(f.store.create_message(&f.inbox, 0)).unwrap();
    set(
        &msg,
        &[
            (PR_SUBJECT, text("filed by hand")),
            (PR_SENDER_EMAIL_ADDRESS, text("ann@example.org")),
        ],
    );
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(get(&msg, PR_MESSAGE_FLAGS), PropValue::Long(0x1));
    assert_eq!(f.table_subjects(&f.inbox), ["filed by hand"]);
    let entry = get(&msg, PR_ENTRYID).as_bytes().unwrap().to_vec();
    let m = python_reads(&block_on(f.store.read_raw(&entry)).unwrap());
    assert_eq!(m["subject"], "filed by hand");
    assert_eq!(m["from"], "ann@example.org");
}

#[test]
fn bad_folders_and_flags_are_refused() {
    let f = fixture();
    let mut bad = f.drafts.clone();
    bad.pop();
    assert_eq!(
        status(block_on(f.store.create_message(&bad, 0))),
        Status::MAPI_E_INVALID_ENTRYID
    );
    assert_eq!(
        status(block_on(f.store.create_message(&f.drafts, 0x100))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(block_on(f.store.create_message(&f.drafts, MAPI_ASSOCIATED))),
        Status::MAPI_E_NO_SUPPORT
    );
    let root = block_on(f.store.folder(FolderKind::IpmSubtree)).unwrap();
    let tmp = block_on(f.store.create_folder(&root, "Temporary", 0)).unwrap();
    let msg = block_on(f.store.create_message(&tmp, 0)).unwrap();
    set(&msg, &[(PR_SUBJECT, text("orphan"))]);
    block_on(f.store.delete_folder(&root, &tmp, 0)).unwrap();
    assert_eq!(
        status(block_on(msg.save_changes(0))),
        Status::MAPI_E_OBJECT_DELETED
    );
    assert_eq!(
        status(block_on(f.store.create_message(&tmp, 0))),
        Status::MAPI_E_NOT_FOUND
    );
    // Nothing was written anywhere.
    for kind in [FolderKind::Inbox, FolderKind::Drafts, FolderKind::Outbox] {
        let e = block_on(f.store.folder(kind)).unwrap();
        assert_eq!(f.count(&e), 0);
    }
}
