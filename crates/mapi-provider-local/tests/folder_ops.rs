//! IMAPIFolder's folder and message operations and GetReceiveFolder on a real store
//! file: CreateFolder, DeleteFolder, EmptyFolder, CopyFolder, CopyMessages,
//! DeleteMessages, SetReadFlags, with their documented return codes, the folders'
//! counts and the contents tables.

mod common;

use std::sync::Arc;

use common::*;
use mapi_spi::{EntryId, FolderKind, MsgStore, ProviderError};
use mapi_types::folder::*;
use mapi_types::object::{KEEP_OPEN_READWRITE, MAPI_MODIFY, MAPI_UNICODE};
use mapi_types::{PropValue, Row, Status, tags::*};

struct Fixture {
    dir: TempDir,
    store: Arc<dyn MsgStore>,
    root: EntryId,
    inbox: EntryId,
}

fn fixture() -> Fixture {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let root = block_on(store.folder(FolderKind::IpmSubtree)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    Fixture {
        dir,
        store,
        root,
        inbox,
    }
}

impl Drop for Fixture {
    /// Every test ends with each folder's `msg_count` (kept by the schema's triggers,
    /// read by unrestricted contents tables) equal to its real message count.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let conn = rusqlite::Connection::open(self.dir.path("mail.db")).unwrap();
        let wrong: i64 = conn
            .query_row(
                "SELECT count(*) FROM folders f
                 WHERE msg_count != (SELECT count(*) FROM messages m WHERE m.folder = f.id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(wrong, 0, "folders whose msg_count is wrong");
    }
}

impl Fixture {
    fn import(&self, folder: &[u8], subjects: &[&str]) -> Vec<EntryId> {
        let raw = subjects
            .iter()
            .enumerate()
            .map(|(i, s)| simple_message(s, &format!("Tue, 14 Nov 2023 10:{i:02}:00 +0000")))
            .collect();
        block_on(self.store.import_raw(folder, raw)).unwrap()
    }

    fn mkdir(&self, parent: &[u8], name: &str) -> EntryId {
        block_on(self.store.create_folder(parent, name, 0)).unwrap()
    }

    fn folder_row(&self, entry: &[u8]) -> Option<Row> {
        block_on(self.store.folders())
            .unwrap()
            .into_iter()
            .find(|r| r.get(PR_ENTRYID).and_then(PropValue::as_bytes) == Some(entry))
    }

    /// PR_CONTENT_COUNT and PR_CONTENT_UNREAD of a folder.
    fn counts(&self, entry: &[u8]) -> (i64, i64) {
        let row = self.folder_row(entry).expect("folder exists");
        (
            row.int(PR_CONTENT_COUNT).unwrap(),
            row.int(PR_CONTENT_UNREAD).unwrap(),
        )
    }

    /// The subjects of a folder's contents table, through the SQL row source.
    fn subjects(&self, folder: &[u8]) -> Vec<String> {
        let mut src = block_on(self.store.contents_source(folder, 0)).unwrap();
        let n = src.count().unwrap();
        let rows = src.rows(0, n, &[PR_SUBJECT]).unwrap();
        let mut out: Vec<String> = rows
            .iter()
            .map(|r| r.str(PR_SUBJECT).unwrap_or_default().to_string())
            .collect();
        out.sort();
        out
    }

    fn names_under(&self, parent: &[u8]) -> Vec<String> {
        let mut names: Vec<String> = block_on(self.store.folders())
            .unwrap()
            .into_iter()
            .filter(|r| r.get(PR_PARENT_ENTRYID).and_then(PropValue::as_bytes) == Some(parent))
            .map(|r| r.str(PR_DISPLAY_NAME).unwrap().to_string())
            .collect();
        names.sort();
        names
    }
}

fn status<T>(r: Result<T, ProviderError>) -> Status {
    err(r).status
}

fn bad_entry(good: &[u8]) -> Vec<u8> {
    let mut e = good.to_vec();
    e.truncate(e.len() - 3);
    e
}

#[test]
fn create_folder_names_collisions_and_open_if_exists() {
    let f = fixture();
    let a = f.mkdir(&f.root, "Projects");
    assert_eq!(f.counts(&a), (0, 0));
    let row = f.folder_row(&a).unwrap();
    assert_eq!(row.str(PR_DISPLAY_NAME), Some("Projects"));
    assert_eq!(
        row.get(PR_PARENT_ENTRYID).and_then(PropValue::as_bytes),
        Some(&f.root[..])
    );
    // The name is taken, case ignored; OPEN_IF_EXISTS answers the existing one.
    assert_eq!(
        status(block_on(f.store.create_folder(&f.root, "projects", 0))),
        Status::MAPI_E_COLLISION
    );
    assert_eq!(
        block_on(f.store.create_folder(&f.root, "PROJECTS", OPEN_IF_EXISTS)).unwrap(),
        a
    );
    // The same name under another parent is fine.
    let sub = f.mkdir(&a, "Projects");
    assert_ne!(sub, a);
    for bad in ["", "   ", "tab\there"] {
        assert_eq!(
            status(block_on(f.store.create_folder(&f.root, bad, 0))),
            Status::MAPI_E_INVALID_PARAMETER,
            "{bad:?}"
        );
    }
    assert_eq!(
        status(block_on(f.store.create_folder(
            &f.root,
            &"x".repeat(300),
            0
        ))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(block_on(f.store.create_folder(&f.root, "New", 0x100))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(block_on(f.store.create_folder(&bad_entry(&a), "New", 0))),
        Status::MAPI_E_INVALID_ENTRYID
    );
    block_on(f.store.delete_folder(&a, &sub, 0)).unwrap();
    assert_eq!(
        status(block_on(f.store.create_folder(&sub, "New", 0))),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(f.names_under(&a), Vec::<String>::new());
    // Unicode names round-trip.
    let u = block_on(f.store.create_folder(&f.root, "Grüße", MAPI_UNICODE)).unwrap();
    assert_eq!(
        f.folder_row(&u).unwrap().str(PR_DISPLAY_NAME),
        Some("Grüße")
    );
}

#[test]
fn delete_folder_needs_its_flags_and_spares_well_known_folders() {
    let f = fixture();
    let a = f.mkdir(&f.root, "A");
    let b = f.mkdir(&a, "B");
    f.import(&b, &["in b"]);
    let before = block_on(f.store.folders()).unwrap();
    assert_eq!(
        status(block_on(f.store.delete_folder(&f.root, &a, 0))),
        Status::MAPI_E_HAS_FOLDERS
    );
    // Subfolders allowed, but a message below: nothing is deleted.
    assert_eq!(
        status(block_on(f.store.delete_folder(&f.root, &a, DEL_FOLDERS))),
        Status::MAPI_E_HAS_MESSAGES
    );
    assert_eq!(
        status(block_on(f.store.delete_folder(&a, &b, 0))),
        Status::MAPI_E_HAS_MESSAGES
    );
    assert_eq!(block_on(f.store.folders()).unwrap(), before);
    // Not a subfolder of the parent given.
    assert_eq!(
        status(block_on(f.store.delete_folder(&f.root, &b, DEL_MESSAGES))),
        Status::MAPI_E_NOT_FOUND
    );
    for kind in [
        FolderKind::Inbox,
        FolderKind::Outbox,
        FolderKind::SentItems,
        FolderKind::DeletedItems,
        FolderKind::Drafts,
    ] {
        let e = block_on(f.store.folder(kind)).unwrap();
        let s = status(block_on(f.store.delete_folder(
            &f.root,
            &e,
            DEL_MESSAGES | DEL_FOLDERS,
        )));
        assert_eq!(s, Status::MAPI_E_NO_ACCESS, "{kind:?}");
    }
    assert_eq!(
        status(block_on(f.store.delete_folder(&f.root, &a, 0x1000))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    block_on(
        f.store
            .delete_folder(&f.root, &a, DEL_FOLDERS | DEL_MESSAGES | DELETE_HARD_DELETE),
    )
    .unwrap();
    assert!(f.folder_row(&a).is_none() && f.folder_row(&b).is_none());
    assert_eq!(
        status(block_on(f.store.contents_source(&b, 0))),
        Status::MAPI_E_NOT_FOUND
    );
    // The well-known folders are all still there.
    assert_eq!(block_on(f.store.folders()).unwrap().len(), 6);
}

#[test]
fn empty_folder_deletes_messages_and_subfolders_only() {
    let f = fixture();
    let a = f.mkdir(&f.root, "A");
    let b = f.mkdir(&a, "B");
    f.mkdir(&b, "C");
    f.import(&a, &["one", "two"]);
    f.import(&b, &["three"]);
    assert_eq!(f.counts(&a), (2, 2));
    block_on(f.store.empty_folder(&a, 0)).unwrap();
    assert_eq!(f.counts(&a), (0, 0));
    assert_eq!(f.names_under(&a), Vec::<String>::new());
    assert!(f.folder_row(&b).is_none());
    assert_eq!(f.subjects(&a), Vec::<String>::new());
    // Emptying the IPM subtree keeps the well-known folders and what they hold.
    f.import(&f.inbox, &["kept"]);
    f.mkdir(&f.root, "Gone");
    block_on(f.store.empty_folder(&f.root, DEL_ASSOCIATED)).unwrap();
    assert_eq!(
        f.names_under(&f.root),
        ["Deleted Items", "Drafts", "Inbox", "Outbox", "Sent Items"]
    );
    assert_eq!(f.subjects(&f.inbox), ["kept"]);
    assert_eq!(
        status(block_on(f.store.empty_folder(&f.inbox, 0x4))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(block_on(f.store.empty_folder(&a, 0))),
        Status::MAPI_E_NOT_FOUND
    );
}

#[test]
fn copy_folder_copies_moves_and_refuses_cycles_and_collisions() {
    let f = fixture();
    let a = f.mkdir(&f.root, "A");
    let b = f.mkdir(&a, "B");
    f.import(&a, &["a1", "a2"]);
    f.import(&b, &["b1"]);
    let target = f.mkdir(&f.root, "Target");

    // Into itself or its subfolder.
    for dest in [&a, &b] {
        assert_eq!(
            status(block_on(f.store.copy_folder(&f.root, &a, dest, None, 0))),
            Status::MAPI_E_FOLDER_CYCLE
        );
        assert_eq!(
            status(block_on(f.store.copy_folder(
                &f.root,
                &a,
                dest,
                None,
                FOLDER_MOVE
            ))),
            Status::MAPI_E_FOLDER_CYCLE
        );
    }
    // A copy next to itself under its own name.
    assert_eq!(
        status(block_on(f.store.copy_folder(&f.root, &a, &f.root, None, 0))),
        Status::MAPI_E_COLLISION
    );
    // A shallow copy: messages, no subfolders; new entry ids.
    let shallow = block_on(
        f.store
            .copy_folder(&f.root, &a, &target, Some("Shallow"), 0),
    )
    .unwrap();
    assert_eq!(f.subjects(&shallow), ["a1", "a2"]);
    assert_eq!(f.names_under(&shallow), Vec::<String>::new());
    assert_eq!(f.counts(&shallow), (2, 2));
    // A deep copy.
    let deep = block_on(
        f.store
            .copy_folder(&f.root, &a, &target, None, COPY_SUBFOLDERS),
    )
    .unwrap();
    assert_eq!(f.names_under(&deep), ["B"]);
    let deep_b = block_on(f.store.folders())
        .unwrap()
        .into_iter()
        .find(|r| r.get(PR_PARENT_ENTRYID).and_then(PropValue::as_bytes) == Some(&deep[..]))
        .unwrap();
    let deep_b = deep_b
        .get(PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap();
    assert_eq!(f.subjects(deep_b), ["b1"]);
    // The source is untouched.
    assert_eq!(f.subjects(&a), ["a1", "a2"]);
    assert_eq!(f.subjects(&b), ["b1"]);
    // The name is now taken in Target.
    assert_eq!(
        status(block_on(f.store.copy_folder(
            &f.root,
            &a,
            &target,
            None,
            FOLDER_MOVE
        ))),
        Status::MAPI_E_COLLISION
    );
    // A move keeps the entry id and takes the subfolders.
    let moved = block_on(
        f.store
            .copy_folder(&f.root, &a, &target, Some("Moved"), FOLDER_MOVE),
    )
    .unwrap();
    assert_eq!(moved, a);
    let row = f.folder_row(&a).unwrap();
    assert_eq!(row.str(PR_DISPLAY_NAME), Some("Moved"));
    assert_eq!(
        row.get(PR_PARENT_ENTRYID).and_then(PropValue::as_bytes),
        Some(&target[..])
    );
    assert_eq!(f.names_under(&a), ["B"]);
    // A move renaming in place.
    block_on(
        f.store
            .copy_folder(&target, &a, &target, Some("Renamed"), FOLDER_MOVE),
    )
    .unwrap();
    assert_eq!(
        f.folder_row(&a).unwrap().str(PR_DISPLAY_NAME),
        Some("Renamed")
    );
    // Well-known folders may be copied but not moved.
    assert_eq!(
        status(block_on(f.store.copy_folder(
            &f.root,
            &f.inbox,
            &target,
            None,
            FOLDER_MOVE
        ))),
        Status::MAPI_E_NO_ACCESS
    );
    let inbox_copy = block_on(f.store.copy_folder(&f.root, &f.inbox, &target, None, 0)).unwrap();
    let copy = f.folder_row(&inbox_copy).unwrap();
    assert_eq!(copy.str(PR_DISPLAY_NAME), Some("Inbox"));
    // ... and the copy is an ordinary folder, so it can be deleted.
    block_on(f.store.delete_folder(&target, &inbox_copy, 0)).unwrap();
    // Wrong parent, unknown flags.
    assert_eq!(
        status(block_on(f.store.copy_folder(&f.root, &b, &f.root, None, 0))),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(block_on(
            f.store.copy_folder(&target, &a, &f.root, None, 0x4)
        )),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
}

#[test]
fn copy_and_move_messages_keep_counts_and_property_changes() {
    let f = fixture();
    let dest = f.mkdir(&f.root, "Dest");
    let ids = f.import(&f.inbox, &["first", "second", "third"]);
    // A property-object change on the first message, saved.
    let msg = block_on(f.store.open_message(&ids[0], MAPI_MODIFY)).unwrap();
    block_on(msg.set_props(&[(PR_SUBJECT, PropValue::Unicode("changed".into()))])).unwrap();
    block_on(msg.set_props(&[(PR_IMPORTANCE, PropValue::Long(2))])).unwrap();
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();

    // Copy: new entry ids, the source keeps its messages.
    let r = block_on(f.store.copy_messages(&f.inbox, &ids[..2], &dest, 0)).unwrap();
    assert_eq!(r.status, Status::S_OK);
    let copies: Vec<EntryId> = r.value.into_iter().map(Option::unwrap).collect();
    assert!(copies.iter().all(|c| !ids.contains(c)));
    assert_eq!(f.counts(&f.inbox), (3, 3));
    assert_eq!(f.counts(&dest), (2, 2));
    assert_eq!(f.subjects(&dest), ["changed", "second"]);
    let copy = block_on(f.store.open_message(&copies[0], 0)).unwrap();
    let got = block_on(copy.get_props(Some(&[PR_SUBJECT, PR_IMPORTANCE]), MAPI_UNICODE))
        .unwrap()
        .value;
    assert_eq!(got[0].1, PropValue::Unicode("changed".into()));
    assert_eq!(got[1].1, PropValue::Long(2));

    // Move: the entry id stays; one not in the folder is None with a warning.
    let r = block_on(f.store.copy_messages(
        &f.inbox,
        &[ids[0].clone(), copies[1].clone(), ids[2].clone()],
        &dest,
        MESSAGE_MOVE,
    ))
    .unwrap();
    assert_eq!(r.status, Status::MAPI_W_PARTIAL_COMPLETION);
    assert_eq!(
        r.value,
        vec![Some(ids[0].clone()), None, Some(ids[2].clone())]
    );
    assert_eq!(f.counts(&f.inbox), (1, 1));
    assert_eq!(f.counts(&dest), (4, 4));
    assert_eq!(f.subjects(&f.inbox), ["second"]);
    let moved = block_on(f.store.read_message(&ids[0])).unwrap();
    assert_eq!(moved.str(PR_SUBJECT), Some("changed"));
    assert_eq!(
        moved.get(PR_PARENT_ENTRYID).and_then(PropValue::as_bytes),
        Some(&dest[..])
    );
    // The object opened before the move still saves.
    block_on(msg.set_props(&[(PR_SUBJECT, PropValue::Unicode("again".into()))])).unwrap();
    block_on(msg.save_changes(0)).unwrap();
    assert!(f.subjects(&dest).contains(&"again".to_string()));

    // A malformed entry id fails the call and changes nothing.
    let before = block_on(f.store.folders()).unwrap();
    assert_eq!(
        status(block_on(f.store.copy_messages(
            &dest,
            &[ids[0].clone(), bad_entry(&ids[1])],
            &f.inbox,
            MESSAGE_MOVE,
        ))),
        Status::MAPI_E_INVALID_ENTRYID
    );
    assert_eq!(block_on(f.store.folders()).unwrap(), before);
    assert_eq!(
        status(block_on(
            f.store.copy_messages(&dest, &ids, &f.inbox, 0x8000)
        )),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(block_on(f.store.copy_messages(
            &dest,
            &ids,
            &bad_entry(&f.inbox),
            0
        ))),
        Status::MAPI_E_INVALID_ENTRYID
    );
}

#[test]
fn delete_messages_reports_the_ones_not_there() {
    let f = fixture();
    let other = f.mkdir(&f.root, "Other");
    let ids = f.import(&f.inbox, &["one", "two", "three"]);
    let elsewhere = f.import(&other, &["elsewhere"]);
    let r = block_on(f.store.delete_messages(
        &f.inbox,
        &[ids[0].clone(), elsewhere[0].clone()],
        DELETE_HARD_DELETE,
    ))
    .unwrap();
    assert_eq!(r.status, Status::MAPI_W_PARTIAL_COMPLETION);
    assert_eq!(f.counts(&f.inbox), (2, 2));
    assert_eq!(f.counts(&other), (1, 1));
    assert_eq!(f.subjects(&f.inbox), ["three", "two"]);
    let r = block_on(f.store.delete_messages(&f.inbox, &ids[1..], 0)).unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(f.counts(&f.inbox), (0, 0));
    assert_eq!(
        status(block_on(f.store.read_message(&ids[1]))),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(block_on(f.store.delete_messages(&other, &elsewhere, 0x1))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(block_on(f.store.delete_messages(
            &other,
            &[elsewhere[0].clone(), bad_entry(&elsewhere[0])],
            0
        ))),
        Status::MAPI_E_INVALID_ENTRYID
    );
    assert_eq!(f.counts(&other), (1, 1));
}

#[test]
fn set_read_flags_changes_unread_counts_and_table_rows() {
    let f = fixture();
    let ids = f.import(&f.inbox, &["one", "two", "three"]);
    let r = block_on(f.store.set_read_flags(&f.inbox, Some(&ids[..2]), 0)).unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(f.counts(&f.inbox), (3, 1));
    let flags = |e: &[u8]| {
        block_on(f.store.read_message(e))
            .unwrap()
            .int(PR_MESSAGE_FLAGS)
            .unwrap()
    };
    assert_eq!(flags(&ids[0]) & 1, 1);
    let mut src = block_on(f.store.contents_source(&f.inbox, 0)).unwrap();
    let rows = src.rows(0, 3, &[PR_MESSAGE_FLAGS]).unwrap();
    let read: Vec<bool> = rows
        .iter()
        .map(|r| r.int(PR_MESSAGE_FLAGS).unwrap() & 1 == 1)
        .collect();
    assert_eq!(read.iter().filter(|r| **r).count(), 2);
    // GENERATE_RECEIPT_ONLY changes no flag.
    block_on(
        f.store
            .set_read_flags(&f.inbox, None, GENERATE_RECEIPT_ONLY),
    )
    .unwrap();
    assert_eq!(f.counts(&f.inbox), (3, 1));
    // Every message, then unread again.
    block_on(f.store.set_read_flags(&f.inbox, None, SUPPRESS_RECEIPT)).unwrap();
    assert_eq!(f.counts(&f.inbox), (3, 0));
    let other = f.mkdir(&f.root, "Other");
    let elsewhere = f.import(&other, &["elsewhere"]);
    let r = block_on(f.store.set_read_flags(
        &f.inbox,
        Some(&[ids[0].clone(), elsewhere[0].clone()]),
        CLEAR_READ_FLAG,
    ))
    .unwrap();
    assert_eq!(r.status, Status::MAPI_W_PARTIAL_COMPLETION);
    assert_eq!(f.counts(&f.inbox), (3, 1));
    assert_eq!(f.counts(&other), (1, 1));
    assert_eq!(flags(&ids[0]) & 1, 0);
    // MESSAGE_DIALOG and MAPI_DEFERRED_ERRORS are known (and change nothing here).
    block_on(f.store.set_read_flags(
        &f.inbox,
        Some(&[]),
        MESSAGE_DIALOG | mapi_types::object::MAPI_DEFERRED_ERRORS,
    ))
    .unwrap();
    assert_eq!(
        status(block_on(f.store.set_read_flags(&f.inbox, None, 0x100))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    assert_eq!(
        status(block_on(f.store.set_read_flags(
            &f.inbox,
            None,
            CLEAR_READ_FLAG | GENERATE_RECEIPT_ONLY
        ))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(f.counts(&f.inbox), (3, 1));
}

#[test]
fn receive_folder_is_the_inbox_with_the_registered_class() {
    let f = fixture();
    for (class, registered) in [
        ("", ""),
        ("IPM", "IPM"),
        ("IPM.Note", "IPM.Note"),
        ("ipm.note", "IPM.Note"),
        ("IPM.Note.Signed", "IPM.Note"),
        ("IPM.Contact", "IPM"),
        ("IPM.Notes", "IPM"),
        ("REPORT.IPM.Note.NDR", ""),
    ] {
        let (entry, got) = block_on(f.store.get_receive_folder(class)).unwrap();
        assert_eq!(entry, f.inbox, "{class}");
        assert_eq!(got, registered, "{class}");
    }
    assert_eq!(
        status(block_on(f.store.get_receive_folder("IPM.\nNote"))),
        Status::MAPI_E_INVALID_PARAMETER
    );
}

#[test]
fn deep_trees_copy_and_delete_whole() {
    let f = fixture();
    let top = f.mkdir(&f.root, "Deep");
    let mut parent = top.clone();
    for i in 0..300 {
        parent = f.mkdir(&parent, &format!("level {i}"));
    }
    f.import(&parent, &["at the bottom"]);
    let target = f.mkdir(&f.root, "Target");
    let copy = block_on(
        f.store
            .copy_folder(&f.root, &top, &target, None, COPY_SUBFOLDERS),
    )
    .unwrap();
    let all = block_on(f.store.folders()).unwrap();
    assert_eq!(all.len(), 6 + 2 * 301 + 1);
    let bottoms: Vec<&Row> = all
        .iter()
        .filter(|r| r.str(PR_DISPLAY_NAME) == Some("level 299"))
        .collect();
    assert_eq!(bottoms.len(), 2);
    for b in bottoms {
        assert_eq!(b.int(PR_CONTENT_COUNT), Some(1));
    }
    block_on(
        f.store
            .delete_folder(&target, &copy, DEL_FOLDERS | DEL_MESSAGES),
    )
    .unwrap();
    assert_eq!(block_on(f.store.folders()).unwrap().len(), 6 + 301 + 1);
    assert_eq!(f.subjects(&parent), ["at the bottom"]);
}
