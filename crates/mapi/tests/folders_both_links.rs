//! IMAPIFolder's folder and message operations, GetReceiveFolder, CreateMessage and a
//! message's recipients give the same answers in process and through a real `mapid`, on
//! the local store: CreateFolder (MAPI_E_COLLISION, OPEN_IF_EXISTS, an empty name),
//! DeleteFolder (MAPI_E_HAS_MESSAGES / HAS_FOLDERS, MAPI_E_NO_ACCESS on the Inbox),
//! CopyFolder (MAPI_E_FOLDER_CYCLE, a copy, a name taken), EmptyFolder, CopyMessages
//! and MESSAGE_MOVE, DeleteMessages and SetReadFlags (MAPI_W_PARTIAL_COMPLETION for an
//! entry not in the folder, MAPI_E_UNKNOWN_FLAGS), ModifyRecipients and
//! GetRecipientTable on a created message.
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR (the daemon's socket
//! directory), so it never meets another test's daemon.

mod common;

use common::StopDaemon;

use mapi::blocking::Mapi;
use mapi::folder::*;
use mapi::link::{AnySession, AnyStore};
use mapi::object::*;
use mapi::recipient::*;
use mapi::{MapiStatus, PropValue, Row, Status, tags::*};

const CHILD_ENV: &str = "MAPI_FOLDERS_BOTH_LINKS_CHILD";
const TEST: &str = "folder_operations_agree_in_process_and_through_the_daemon";

#[test]
fn folder_operations_agree_in_process_and_through_the_daemon() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

fn status<T>(r: mapi::Result<T>) -> Status {
    match r {
        Ok(_) => Status::S_OK,
        Err(e) => e.status(),
    }
}

/// The entry id of the folder named `name` (the IPM subtree for `None`).
fn folder(store: &AnyStore, name: Option<&str>) -> Vec<u8> {
    store
        .folders()
        .unwrap()
        .iter()
        .find(|r| match name {
            Some(n) => r.str(PR_DISPLAY_NAME) == Some(n),
            None => r.get(PR_PARENT_ENTRYID).is_none(),
        })
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap_or_else(|| panic!("no folder {name:?}"))
}

fn count(store: &AnyStore, folder: &[u8]) -> u32 {
    store
        .get_contents_table(folder, 0)
        .unwrap()
        .get_row_count(0)
        .unwrap()
}

fn read(store: &AnyStore, entry: &[u8]) -> bool {
    let m = store.open_message(entry, 0).unwrap();
    let v = m.get_props(Some(&[PR_MESSAGE_FLAGS]), 0).unwrap();
    v.value[0].1.as_i64().unwrap() & 1 != 0
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Carol <carol@example.org>\r\nTo: alice@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\nbody\r\n"
    )
    .into_bytes()
}

fn rcpt(kind: i32, name: &str, email: &str) -> Row {
    let mut r = Row::default();
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
    r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.into()));
    r.set(PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
    r
}

/// What one link answers to the same script; names carry `tag` so the two runs (on the
/// same store file) do not collide, and it is replaced by `TAG` in what is said.
fn script(session: &AnySession, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));
    let store = session.default_store().unwrap();
    let root = folder(&store, None);
    let inbox = folder(&store, Some("Inbox"));
    let projects_name = format!("Projects {tag}");

    // CreateFolder: made, a second time MAPI_E_COLLISION, OPEN_IF_EXISTS the same one.
    let projects = store.create_folder(&root, &projects_name, 0).unwrap();
    say(format!(
        "listed {}",
        folder(&store, Some(&projects_name)) == projects
    ));
    say(format!(
        "again {}",
        status(store.create_folder(&root, &projects_name, 0))
    ));
    say(format!(
        "open if exists same {}",
        store
            .create_folder(&root, &projects_name, OPEN_IF_EXISTS)
            .unwrap()
            == projects
    ));
    say(format!(
        "empty name {}",
        status(store.create_folder(&root, "", 0))
    ));
    let sub = store.create_folder(&projects, "Sub", 0).unwrap();

    // CopyMessages: an entry not in the folder is MAPI_W_PARTIAL_COMPLETION.
    let ids = store
        .import_raw(
            &inbox,
            vec![
                message(&format!("{tag} a")),
                message(&format!("{tag} b")),
                message(&format!("{tag} c")),
            ],
        )
        .unwrap();
    let (a, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let mut bogus = a.clone();
    let n = bogus.len();
    bogus[n - 4..].copy_from_slice(&[0x7F, 0xFF, 0xFF, 0xFF]);
    let before = count(&store, &inbox);
    let r = store
        .copy_messages(&inbox, &[a.clone(), bogus.clone()], &projects, 0)
        .unwrap();
    say(format!(
        "copy {} {:?}",
        r.status,
        r.value.iter().map(Option::is_some).collect::<Vec<_>>()
    ));
    say(format!(
        "copy leaves the inbox {}",
        count(&store, &inbox) as i64 - before as i64
    ));
    let r = store
        .copy_messages(&inbox, std::slice::from_ref(&b), &projects, MESSAGE_MOVE)
        .unwrap();
    say(format!("move {} {}", r.status, r.value[0].is_some()));
    say(format!(
        "move takes from the inbox {} projects holds {}",
        count(&store, &inbox) as i64 - before as i64,
        count(&store, &projects)
    ));
    say(format!(
        "move of a moved one {}",
        store
            .copy_messages(&inbox, std::slice::from_ref(&b), &projects, MESSAGE_MOVE)
            .unwrap()
            .status
    ));

    // SetReadFlags: read, unread, unknown flags, the whole folder.
    say(format!("new is read {}", read(&store, &c)));
    let r = store
        .set_read_flags(&inbox, Some(&[c.clone(), bogus.clone()]), 0)
        .unwrap();
    say(format!("flag {} read {}", r.status, read(&store, &c)));
    let r = store
        .set_read_flags(&inbox, Some(std::slice::from_ref(&c)), CLEAR_READ_FLAG)
        .unwrap();
    say(format!("unflag {} read {}", r.status, read(&store, &c)));
    say(format!(
        "unknown flag {}",
        status(store.set_read_flags(&inbox, Some(std::slice::from_ref(&c)), 0x1000))
    ));
    let r = store.set_read_flags(&projects, None, 0).unwrap();
    say(format!("whole folder {}", r.status));

    // DeleteMessages.
    let r = store
        .delete_messages(&inbox, &[a.clone(), bogus.clone()], 0)
        .unwrap();
    say(format!(
        "delete {} inbox {}",
        r.status,
        count(&store, &inbox) as i64 - before as i64
    ));
    say(format!(
        "opening a deleted one {}",
        status(store.open_message(&a, 0))
    ));

    // DeleteFolder: not with messages or subfolders unless asked; never the Inbox.
    say(format!(
        "rmdir with messages {}",
        status(store.delete_folder(&root, &projects, 0))
    ));
    say(format!(
        "rmdir with messages and DEL_MESSAGES {}",
        status(store.delete_folder(&root, &projects, DEL_MESSAGES))
    ));
    store
        .copy_messages(&projects, std::slice::from_ref(&b), &sub, 0)
        .unwrap();
    say(format!(
        "rmdir of a leaf with messages {}",
        status(store.delete_folder(&projects, &sub, DEL_FOLDERS))
    ));
    say(format!(
        "rmdir inbox {}",
        status(store.delete_folder(&root, &inbox, DEL_MESSAGES | DEL_FOLDERS))
    ));

    // CopyFolder: into itself is a cycle; a copy with its tree; a name taken.
    say(format!(
        "move into its own subfolder {}",
        status(store.copy_folder(&root, &projects, &sub, None, FOLDER_MOVE))
    ));
    let copy_name = format!("Copy {tag}");
    let copy = store
        .copy_folder(&root, &projects, &root, Some(&copy_name), COPY_SUBFOLDERS)
        .unwrap();
    say(format!(
        "copy holds {} listed {}",
        count(&store, &copy),
        folder(&store, Some(&copy_name)) == copy
    ));
    say(format!(
        "copy onto a taken name {}",
        status(store.copy_folder(&root, &projects, &root, Some(&copy_name), 0))
    ));
    store.empty_folder(&copy, 0).unwrap();
    say(format!("emptied holds {}", count(&store, &copy)));
    say(format!(
        "emptied rmdir {}",
        status(store.delete_folder(&root, &copy, 0))
    ));
    say(format!(
        "rmdir forced {}",
        status(store.delete_folder(&root, &projects, DEL_MESSAGES | DEL_FOLDERS))
    ));
    say(format!(
        "gone {}",
        store
            .folders()
            .unwrap()
            .iter()
            .all(|r| r.str(PR_DISPLAY_NAME) != Some(&projects_name))
    ));

    // GetReceiveFolder.
    let (recv, class) = store.get_receive_folder("IPM.Note").unwrap();
    say(format!(
        "receive folder is the inbox {} {class:?}",
        recv == inbox
    ));

    // CreateMessage, ModifyRecipients, GetRecipientTable, SaveChanges.
    let drafts = folder(&store, Some("Drafts"));
    let drafts_before = count(&store, &drafts);
    let msg = store.create_message(&drafts, 0).unwrap();
    say(format!(
        "created type {}",
        msg.object_type() == mapi::object_type::MAPI_MESSAGE
    ));
    msg.set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("{tag} draft")))])
        .unwrap();
    msg.modify_recipients(
        MODRECIP_ADD,
        &[
            rcpt(MAPI_TO, "Ann", "ann@example.org"),
            rcpt(MAPI_CC, "Bob", "bob@example.org"),
        ],
    )
    .unwrap();
    let table = |m: &Object| -> Vec<String> {
        let mut t = m.recipient_table(MAPI_UNICODE).unwrap();
        t.set_columns(
            &[
                PR_ROWID,
                PR_RECIPIENT_TYPE,
                PR_DISPLAY_NAME,
                PR_EMAIL_ADDRESS,
            ],
            0,
        )
        .unwrap();
        t.query_rows(100, 0)
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{:?} {:?} {:?} {:?}",
                    r.int(PR_ROWID),
                    r.int(PR_RECIPIENT_TYPE),
                    r.str(PR_DISPLAY_NAME),
                    r.str(PR_EMAIL_ADDRESS)
                )
            })
            .collect()
    };
    say(format!("recipients {:?}", table(&msg)));
    let mut no_type = rcpt(MAPI_TO, "Carl", "carl@example.org");
    no_type.set(PR_RECIPIENT_TYPE, PropValue::Long(99));
    say(format!(
        "bad recipient {} kept {}",
        status(msg.modify_recipients(MODRECIP_ADD, &[no_type])),
        table(&msg).len()
    ));
    let mut gone = Row::default();
    gone.set(PR_ROWID, PropValue::Long(4242));
    say(format!(
        "unknown row id {}",
        status(msg.modify_recipients(MODRECIP_REMOVE, &[gone]))
    ));
    say(format!(
        "unsaved in drafts {}",
        count(&store, &drafts) - drafts_before
    ));
    msg.save_changes(KEEP_OPEN_READWRITE).unwrap();
    say(format!(
        "saved in drafts {}",
        count(&store, &drafts) - drafts_before
    ));
    let id = msg.get_props(Some(&[PR_ENTRYID]), 0).unwrap().value[0]
        .1
        .as_bytes()
        .unwrap()
        .to_vec();
    let again = store.open_message(&id, 0).unwrap();
    say(format!("reopened recipients {:?}", table(&again)));
    let to = again
        .get_props(Some(&[PR_DISPLAY_TO]), MAPI_UNICODE)
        .unwrap();
    say(format!("display to {:?}", to.value[0].1));
    say(format!(
        "store object recipients {}",
        status(store.open_store_object().unwrap().recipient_table(0))
    ));
    msg.release().unwrap();
    say(format!(
        "released recipients {}",
        status(msg.recipient_table(0))
    ));
    out
}

fn body() {
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = StopDaemon(&mapi);
    mapi.quickstart().unwrap();
    let (local, remote) = common::both_links(&mapi, "Default");

    let in_process = script(&local, "local");
    let through_daemon = script(&remote, "remote");
    let expect = |needle: &str| {
        assert!(
            in_process.iter().any(|l| l.starts_with(needle)),
            "{needle:?} not in {in_process:#?}"
        )
    };
    expect("listed true");
    expect("again MAPI_E_COLLISION");
    expect("open if exists same true");
    expect("empty name MAPI_E_INVALID_PARAMETER");
    expect("copy MAPI_W_PARTIAL_COMPLETION (0x00040680) [true, false]");
    expect("copy leaves the inbox 0");
    expect("move S_OK (0x00000000) true");
    expect("move takes from the inbox -1 projects holds 2");
    expect("move of a moved one MAPI_W_PARTIAL_COMPLETION");
    expect("new is read false");
    expect("flag MAPI_W_PARTIAL_COMPLETION (0x00040680) read true");
    expect("unflag S_OK (0x00000000) read false");
    expect("unknown flag MAPI_E_UNKNOWN_FLAGS");
    expect("whole folder S_OK");
    expect("delete MAPI_W_PARTIAL_COMPLETION (0x00040680) inbox -2");
    expect("opening a deleted one MAPI_E_NOT_FOUND");
    expect("rmdir with messages MAPI_E_HAS_FOLDERS");
    expect("rmdir of a leaf with messages MAPI_E_HAS_MESSAGES");
    expect("rmdir with messages and DEL_MESSAGES MAPI_E_HAS_FOLDERS");
    expect("rmdir inbox MAPI_E_NO_ACCESS");
    expect("move into its own subfolder MAPI_E_FOLDER_CYCLE");
    expect("copy holds 2 listed true");
    expect("copy onto a taken name MAPI_E_COLLISION");
    expect("emptied holds 0");
    expect("emptied rmdir S_OK");
    expect("rmdir forced S_OK");
    expect("gone true");
    expect("receive folder is the inbox true \"IPM.Note\"");
    expect("created type true");
    expect(
        "recipients [\"Some(1) Some(1) Some(\\\"Ann\\\") Some(\\\"ann@example.org\\\")\", \
         \"Some(2) Some(2) Some(\\\"Bob\\\") Some(\\\"bob@example.org\\\")\"]",
    );
    expect("bad recipient MAPI_E_INVALID_PARAMETER");
    expect("unknown row id MAPI_E_NOT_FOUND");
    expect("unsaved in drafts 0");
    expect("saved in drafts 1");
    expect("display to Unicode(\"Ann\")");
    expect("store object recipients MAPI_E_NO_SUPPORT");
    expect("released recipients MAPI_E_INVALID_OBJECT");
    assert_eq!(through_daemon, in_process);
}
