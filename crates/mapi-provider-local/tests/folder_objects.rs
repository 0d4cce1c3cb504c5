//! The store and its folders as writable property objects: a folder renamed (a
//! sibling's name is MAPI_E_COLLISION), given a comment and a container class, the
//! comment deleted; the store's display name and comment; computed properties refused
//! per problem entry with MAPI_E_NO_ACCESS; nothing kept before SaveChanges; another
//! session's save in between (MAPI_E_OBJECT_CHANGED, FORCE_SAVE), a deleted folder
//! (MAPI_E_OBJECT_DELETED), read-only objects, the change reports of a save, and an
//! open folder's live counts after another session's saves.

mod common;

use std::sync::Arc;

use common::*;
use mapi_provider_local::objects::{PR_ASSOC_CONTENT_COUNT, PR_COMMENT};
use mapi_spi::{FolderKind, MsgStore, PropObject};
use mapi_types::object::*;
use mapi_types::tags::*;
use mapi_types::{PropProblem, PropTag, PropValue, Status};

fn logon(dir: &TempDir) -> Arc<dyn MsgStore> {
    let path = dir.path("mail.db");
    if !path.exists() {
        create_store(&path);
    }
    store_logon(settings(&path)).unwrap()
}

fn text(s: &str) -> PropValue {
    PropValue::Unicode(s.into())
}

/// One property of an object (`None`: not found).
fn prop(o: &Arc<dyn PropObject>, tag: PropTag) -> Option<PropValue> {
    let r = block_on(o.get_props(Some(&[tag]), MAPI_UNICODE)).unwrap();
    match &r.value[0].1 {
        PropValue::Error(_) => None,
        v => Some(v.clone()),
    }
}

/// A folder's name as the hierarchy shows it.
fn folder_named(store: &Arc<dyn MsgStore>, entry: &[u8]) -> Option<String> {
    block_on(store.folders())
        .unwrap()
        .into_iter()
        .find(|r| r.get(PR_ENTRYID).and_then(PropValue::as_bytes) == Some(entry))
        .and_then(|r| r.str(PR_DISPLAY_NAME).map(str::to_string))
}

#[test]
fn a_folder_is_renamed_commented_and_classed_at_save() {
    let dir = TempDir::new();
    let store = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let sub = block_on(store.create_folder(&inbox, "Projects", 0)).unwrap();
    block_on(store.create_folder(&inbox, "Archive", 0)).unwrap();
    let f = block_on(store.open_folder(&sub, MAPI_MODIFY)).unwrap();
    let problems = block_on(f.set_props(&[
        (PR_DISPLAY_NAME, text("Projects 2026")),
        (PR_COMMENT, text("what is running")),
        (PR_CONTAINER_CLASS, text("IPF.Note.Projects")),
    ]))
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    // The object shows the changes; the store has none of them before SaveChanges.
    assert_eq!(prop(&f, PR_DISPLAY_NAME), Some(text("Projects 2026")));
    assert_eq!(folder_named(&store, &sub).as_deref(), Some("Projects"));
    let other = block_on(store.open_folder(&sub, 0)).unwrap();
    assert_eq!(prop(&other, PR_COMMENT), None);
    block_on(f.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(folder_named(&store, &sub).as_deref(), Some("Projects 2026"));
    let again = block_on(store.open_folder(&sub, 0)).unwrap();
    assert_eq!(prop(&again, PR_COMMENT), Some(text("what is running")));
    assert_eq!(
        prop(&again, PR_CONTAINER_CLASS),
        Some(text("IPF.Note.Projects"))
    );

    // The comment goes; a name cannot; a missing comment is not found.
    let problems = block_on(f.delete_props(&[PR_COMMENT, PR_DISPLAY_NAME])).unwrap();
    assert_eq!(
        problems,
        [PropProblem {
            index: 1,
            tag: PR_DISPLAY_NAME,
            status: Status::MAPI_E_NO_ACCESS
        }]
    );
    let problems = block_on(f.delete_props(&[PR_COMMENT])).unwrap();
    assert_eq!(problems[0].status, Status::MAPI_E_NOT_FOUND);
    block_on(f.save_changes(0)).unwrap();
    let again = block_on(store.open_folder(&sub, 0)).unwrap();
    assert_eq!(prop(&again, PR_COMMENT), None);
    // Saved without KEEP_OPEN_*: the object is done.
    assert_eq!(
        status(block_on(f.set_props(&[(PR_COMMENT, text("x"))]))),
        Status::MAPI_E_INVALID_OBJECT
    );

    // A sibling's name, in any case, is a collision and changes nothing.
    let f = block_on(store.open_folder(&sub, MAPI_MODIFY)).unwrap();
    block_on(f.set_props(&[(PR_DISPLAY_NAME, text("ARCHIVE"))])).unwrap();
    assert_eq!(
        status(block_on(f.save_changes(KEEP_OPEN_READWRITE))),
        Status::MAPI_E_COLLISION
    );
    assert_eq!(folder_named(&store, &sub).as_deref(), Some("Projects 2026"));
    // Its own name in another case is no collision.
    block_on(f.set_props(&[(PR_DISPLAY_NAME, text("projects 2026"))])).unwrap();
    block_on(f.save_changes(KEEP_OPEN_READONLY)).unwrap();
    assert_eq!(folder_named(&store, &sub).as_deref(), Some("projects 2026"));
    assert_eq!(
        status(block_on(f.set_props(&[(PR_COMMENT, text("x"))]))),
        Status::MAPI_E_NO_ACCESS
    );
    block_on(store.logoff());

    // Kept in the file.
    let store = logon(&dir);
    assert_eq!(folder_named(&store, &sub).as_deref(), Some("projects 2026"));
    block_on(store.logoff());
}

#[test]
fn computed_and_bad_values_are_problem_entries_and_change_nothing() {
    let dir = TempDir::new();
    let store = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let f = block_on(store.open_folder(&inbox, MAPI_BEST_ACCESS)).unwrap();
    let values = [
        (PR_CONTENT_COUNT, PropValue::Long(7)),
        (PR_ENTRYID, PropValue::Binary(vec![1, 2, 3])),
        (PR_SUBFOLDERS, PropValue::Boolean(true)),
        (PR_DISPLAY_NAME, PropValue::Long(3)),
        (
            PR_DISPLAY_NAME.with_type(mapi_types::PropType::PT_LONG),
            PropValue::Long(3),
        ),
        (PR_DISPLAY_NAME, text("")),
        (PR_DISPLAY_NAME, text("tab\there")),
        (PR_COMMENT, text(&"c".repeat(70_000))),
        (PR_SUBJECT, text("not a folder property")),
        (PR_COMMENT, text("kept")),
    ];
    let problems = block_on(f.set_props(&values)).unwrap();
    let statuses: Vec<(usize, Status)> = problems.iter().map(|p| (p.index, p.status)).collect();
    assert_eq!(
        statuses,
        [
            (0, Status::MAPI_E_NO_ACCESS),
            (1, Status::MAPI_E_NO_ACCESS),
            (2, Status::MAPI_E_NO_ACCESS),
            (3, Status::MAPI_E_BAD_VALUE),
            (4, Status::MAPI_E_UNEXPECTED_TYPE),
            (5, Status::MAPI_E_BAD_VALUE),
            (6, Status::MAPI_E_BAD_VALUE),
            (7, Status::MAPI_E_TOO_BIG),
            (8, Status::MAPI_E_NO_ACCESS),
        ]
    );
    assert_eq!(prop(&f, PR_DISPLAY_NAME), Some(text("Inbox")));
    assert_eq!(prop(&f, PR_CONTENT_COUNT), Some(PropValue::Long(0)));
    assert_eq!(
        block_on(f.delete_props(&[PR_CONTENT_COUNT, PR_ENTRYID])).unwrap()[1].status,
        Status::MAPI_E_NO_ACCESS
    );
    let many = vec![(PR_COMMENT, text("x")); 100_000];
    assert_eq!(
        status(block_on(f.set_props(&many))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(block_on(f.save_changes(0x8000))),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    block_on(f.save_changes(0)).unwrap();
    let again = block_on(store.open_folder(&inbox, 0)).unwrap();
    assert_eq!(prop(&again, PR_COMMENT), Some(text("kept")));
    assert_eq!(prop(&again, PR_DISPLAY_NAME), Some(text("Inbox")));
    block_on(store.logoff());
}

#[test]
fn another_sessions_save_and_a_deleted_folder_are_reported() {
    let dir = TempDir::new();
    let store = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let sub = block_on(store.create_folder(&inbox, "Shared", 0)).unwrap();
    let a = block_on(store.open_folder(&sub, MAPI_MODIFY)).unwrap();
    let b = block_on(store.open_folder(&sub, MAPI_MODIFY)).unwrap();
    block_on(a.set_props(&[(PR_COMMENT, text("from a"))])).unwrap();
    block_on(b.set_props(&[(PR_COMMENT, text("from b"))])).unwrap();
    block_on(a.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(
        status(block_on(b.save_changes(KEEP_OPEN_READWRITE))),
        Status::MAPI_E_OBJECT_CHANGED
    );
    let now = block_on(store.open_folder(&sub, 0)).unwrap();
    assert_eq!(prop(&now, PR_COMMENT), Some(text("from a")));
    block_on(b.save_changes(FORCE_SAVE | KEEP_OPEN_READWRITE)).unwrap();
    let now = block_on(store.open_folder(&sub, 0)).unwrap();
    assert_eq!(prop(&now, PR_COMMENT), Some(text("from b")));
    // A saves again after B: its own save is not "another session's".
    block_on(b.set_props(&[(PR_DISPLAY_NAME, text("Shared 2"))])).unwrap();
    block_on(b.save_changes(KEEP_OPEN_READWRITE)).unwrap();

    block_on(store.delete_folder(&inbox, &sub, 0)).unwrap();
    block_on(b.set_props(&[(PR_COMMENT, text("too late"))])).unwrap();
    assert_eq!(
        status(block_on(b.save_changes(0))),
        Status::MAPI_E_OBJECT_DELETED
    );
    block_on(store.logoff());
}

#[test]
fn the_store_takes_a_display_name_and_a_comment() {
    let dir = TempDir::new();
    let store = logon(&dir);
    let st = block_on(store.open_store_object()).unwrap();
    let problems = block_on(st.set_props(&[
        (PR_DISPLAY_NAME, text("My mail")),
        (PR_COMMENT, text("the local one")),
        (PR_MDB_PROVIDER, PropValue::Binary(vec![0; 16])),
        (PR_IPM_SUBTREE_ENTRYID, PropValue::Binary(vec![1])),
        (PR_CONTAINER_CLASS, text("IPF.Note")),
    ]))
    .unwrap();
    let statuses: Vec<(usize, Status)> = problems.iter().map(|p| (p.index, p.status)).collect();
    assert_eq!(
        statuses,
        [
            (2, Status::MAPI_E_NO_ACCESS),
            (3, Status::MAPI_E_NO_ACCESS),
            (4, Status::MAPI_E_NO_ACCESS),
        ]
    );
    assert_eq!(store.properties().str(PR_DISPLAY_NAME), Some("Test"));
    block_on(st.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(store.properties().str(PR_DISPLAY_NAME), Some("My mail"));
    let again = block_on(store.open_store_object()).unwrap();
    assert_eq!(prop(&again, PR_COMMENT), Some(text("the local one")));

    // Another store object saved in between.
    let other = block_on(store.open_store_object()).unwrap();
    block_on(other.set_props(&[(PR_COMMENT, text("other"))])).unwrap();
    block_on(other.save_changes(0)).unwrap();
    block_on(st.set_props(&[(PR_COMMENT, text("mine"))])).unwrap();
    assert_eq!(
        status(block_on(st.save_changes(0))),
        Status::MAPI_E_OBJECT_CHANGED
    );
    block_on(st.delete_props(&[PR_COMMENT])).unwrap();
    block_on(st.save_changes(FORCE_SAVE)).unwrap();
    block_on(store.logoff());

    // Kept in the file, over the profile's name.
    let store = logon(&dir);
    assert_eq!(store.properties().str(PR_DISPLAY_NAME), Some("My mail"));
    let st = block_on(store.open_store_object()).unwrap();
    assert_eq!(prop(&st, PR_DISPLAY_NAME), Some(text("My mail")));
    assert_eq!(prop(&st, PR_COMMENT), None);
    block_on(store.logoff());
}

/// The computed properties of an open folder, read as GetProps answers them now.
fn counts(o: &Arc<dyn PropObject>) -> (Option<PropValue>, Option<PropValue>, Option<PropValue>) {
    (
        prop(o, PR_CONTENT_COUNT),
        prop(o, PR_CONTENT_UNREAD),
        prop(o, PR_SUBFOLDERS),
    )
}

#[test]
fn an_open_folders_computed_properties_are_live() {
    let dir = TempDir::new();
    let mine = logon(&dir);
    // Another session on the same store file: its own connection, its own saves.
    let other = logon(&dir);
    let inbox = block_on(mine.folder(FolderKind::Inbox)).unwrap();
    let folder = block_on(mine.create_folder(&inbox, "Live", 0)).unwrap();
    let open = block_on(mine.open_folder(&folder, MAPI_MODIFY)).unwrap();
    assert_eq!(
        counts(&open),
        (
            Some(PropValue::Long(0)),
            Some(PropValue::Long(0)),
            Some(PropValue::Boolean(false))
        )
    );
    assert_eq!(
        prop(&open, PR_ASSOC_CONTENT_COUNT),
        Some(PropValue::Long(0))
    );
    // A pending change of the open folder, not saved.
    block_on(open.set_props(&[
        (PR_DISPLAY_NAME, text("Live renamed")),
        (PR_COMMENT, text("pending")),
    ]))
    .unwrap();

    // The other session imports two messages (unread) and saves one it built.
    let imported = block_on(other.import_raw(
        &folder,
        vec![
            simple_message("one", "Mon, 30 Nov 2026 10:00:00 +0000"),
            simple_message("two", "Mon, 30 Nov 2026 11:00:00 +0000"),
        ],
    ))
    .unwrap();
    let built = block_on(other.create_message(&folder, 0)).unwrap();
    block_on(built.set_props(&[(PR_SUBJECT, text("three"))])).unwrap();
    block_on(built.save_changes(0)).unwrap();
    // The imported two are unread; a message built outside the Inbox is read.
    assert_eq!(prop(&open, PR_CONTENT_COUNT), Some(PropValue::Long(3)));
    assert_eq!(prop(&open, PR_CONTENT_UNREAD), Some(PropValue::Long(2)));
    // One of the imported messages read by the other session: one fewer unread.
    block_on(other.set_read_flags(&folder, Some(&imported[..1]), 0)).unwrap();
    assert_eq!(prop(&open, PR_CONTENT_UNREAD), Some(PropValue::Long(1)));
    // A subfolder made by the other session.
    block_on(other.create_folder(&folder, "Child", 0)).unwrap();
    assert_eq!(prop(&open, PR_SUBFOLDERS), Some(PropValue::Boolean(true)));
    // GetProps of every property answers the live count too.
    let all = block_on(open.get_props(None, MAPI_UNICODE)).unwrap();
    let count = all.value.iter().find(|(t, _)| *t == PR_CONTENT_COUNT);
    assert_eq!(count.map(|(_, v)| v.clone()), Some(PropValue::Long(3)));

    // The pending values still show, and nothing of them was saved.
    assert_eq!(prop(&open, PR_DISPLAY_NAME), Some(text("Live renamed")));
    assert_eq!(prop(&open, PR_COMMENT), Some(text("pending")));
    assert_eq!(folder_named(&other, &folder).as_deref(), Some("Live"));
    // The other session's messages are not a change of the folder object: it saves.
    block_on(open.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    assert_eq!(
        folder_named(&other, &folder).as_deref(),
        Some("Live renamed")
    );
    // A deleted message counts out at once as well.
    block_on(other.delete_message(&imported[1])).unwrap();
    assert_eq!(prop(&open, PR_CONTENT_COUNT), Some(PropValue::Long(2)));
    // Computed properties stay refused by SetProps.
    let problems = block_on(open.set_props(&[
        (PR_CONTENT_COUNT, PropValue::Long(9)),
        (PR_ASSOC_CONTENT_COUNT, PropValue::Long(9)),
    ]))
    .unwrap();
    assert!(
        problems
            .iter()
            .all(|p| p.status == Status::MAPI_E_NO_ACCESS)
    );
    assert_eq!(problems.len(), 2);
    assert_eq!(prop(&open, PR_CONTENT_COUNT), Some(PropValue::Long(2)));
    block_on(other.logoff());
    block_on(mine.logoff());
}
