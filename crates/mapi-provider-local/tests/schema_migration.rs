//! Store files made with schema version 1 (built here with that version's DDL) are
//! brought to the current schema at logon: the covering summary index, the position
//! index and the per-folder message counts with their triggers exist afterwards, and
//! every table answer is the one a file made new gives over the same messages. A file
//! with a schema newer than this code knows is still refused and left as it is, and an
//! upgrade that fails part way changes nothing. A version-6 file (`data/store-v6.sql`,
//! made by that version) keeps its change log and gets change ranges.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use mapi_spi::{FolderKind, MsgStore};
use mapi_types::table::consts::*;
use mapi_types::tags::*;
use mapi_types::{Bookmark, ContentMatch, Restriction, Row, SortKey, Status, TableView};
use rusqlite::Connection;

/// The version-1 store tables, as that schema made them.
const V1_TABLES: &str = "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        parent INTEGER,
        kind INTEGER UNIQUE,
        name TEXT NOT NULL,
        class TEXT NOT NULL
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        folder INTEGER NOT NULL,
        subject TEXT NOT NULL,
        sender_name TEXT NOT NULL,
        sender_email TEXT NOT NULL,
        display_to TEXT NOT NULL,
        display_cc TEXT NOT NULL,
        delivery_time INTEGER NOT NULL,
        submit_time INTEGER,
        size INTEGER NOT NULL,
        message_id TEXT,
        flags INTEGER NOT NULL,
        has_attach INTEGER NOT NULL,
        body TEXT NOT NULL,
        raw BLOB NOT NULL
    );
";
/// The first version-1 index.
const V1_INDEX: &str =
    "CREATE INDEX messages_by_folder ON messages (folder, delivery_time DESC, id DESC);";
/// The covering index some version-1 files got instead.
const V1_SUMMARY_INDEX: &str = "CREATE INDEX messages_summary ON messages (folder,
    delivery_time DESC, id DESC, flags, size, has_attach, subject, sender_name, sender_email,
    display_to);";

fn message(i: usize) -> Vec<u8> {
    let subject = match i % 4 {
        0 => format!("Invoice {i}"),
        1 => format!("re: INVOICE {i}"),
        2 => format!("Lunch {i}"),
        _ => format!("Notes {i}"),
    };
    format!(
        "From: Sender {} <s{}@example.net>\r\nTo: Bob <bob@example.org>\r\n\
         Subject: {subject}\r\nDate: Tue, {:02} Feb 2024 09:{:02}:00 +0000\r\n\
         Content-Type: text/plain\r\n\r\n{}\r\n",
        i % 7,
        i % 7,
        1 + i % 27,
        i % 60,
        "y".repeat(20 * (i % 11))
    )
    .into_bytes()
}

/// A current store at `path` with `n` messages in the Inbox, some read and a few in
/// Sent Items.
fn current_store(path: &Path, n: usize) {
    create_store(path);
    let store = store_logon(settings(path)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    block_on(store.import_raw(&inbox, (0..n).map(message).collect())).unwrap();
    block_on(store.logoff());
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "UPDATE messages SET flags = flags | 1 WHERE id % 3 = 0;
         UPDATE messages SET folder = (SELECT id FROM folders WHERE kind = 3)
             WHERE id % 10 = 0;",
    )
    .unwrap();
}

/// A version-1 file at `old` holding the same uid, folders and messages as `current`.
fn version1_copy(current: &Path, old: &Path, indexes: &[&str]) {
    let conn = Connection::open(old).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "application_id", 0x4D41_5053)
        .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute_batch(V1_TABLES).unwrap();
    for index in indexes {
        conn.execute_batch(index).unwrap();
    }
    conn.execute("ATTACH ?1 AS src", [current.display().to_string()])
        .unwrap();
    conn.execute_batch(
        "INSERT INTO meta SELECT key, value FROM src.meta;
         INSERT INTO folders SELECT id, parent, kind, name, class FROM src.folders;
         INSERT INTO messages SELECT id, folder, subject, sender_name, sender_email,
             display_to, display_cc, delivery_time, submit_time, size, message_id, flags,
             has_attach, CASE WHEN body_len IS NULL THEN body
                 ELSE CAST(substr(raw, body_offset + 1, body_len) AS TEXT) END, raw
             FROM src.messages;
         DETACH src;",
    )
    .unwrap();
}

/// A file's schema version, its objects and its indexes.
type SchemaOf = (i64, Vec<(String, String)>, Vec<String>);

fn schema_of(path: &Path) -> SchemaOf {
    let conn = Connection::open(path).unwrap();
    let version = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    let objects = conn
        .prepare(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'
             ORDER BY type, name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let folder_columns = conn
        .prepare("SELECT name FROM pragma_table_info('folders') ORDER BY cid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (version, objects, folder_columns)
}

/// Every answer a set of views gives: counts, all rows, pages after seeks.
fn answers(store: &Arc<dyn MsgStore>) -> Vec<(u32, Vec<Row>)> {
    let invoice = Restriction::Content {
        tag: PR_SUBJECT,
        text: "invoice".into(),
        how: ContentMatch::Substring,
        ignore_case: true,
    };
    let unread = Restriction::BitMask {
        tag: PR_MESSAGE_FLAGS,
        mask: 1,
        nonzero: false,
    };
    let mut out = Vec::new();
    for kind in [FolderKind::Inbox, FolderKind::SentItems, FolderKind::Drafts] {
        let folder = block_on(store.folder(kind)).unwrap();
        for restriction in [None, Some(invoice.clone()), Some(unread.clone())] {
            for sort in [
                vec![],
                vec![SortKey::descending(PR_MESSAGE_SIZE)],
                vec![SortKey::ascending(PR_SUBJECT)],
            ] {
                let open = || {
                    let mut v =
                        TableView::over(block_on(store.contents_source(&folder, 0)).unwrap());
                    v.restrict(restriction.clone(), 0).unwrap();
                    v.sort_table(&sort, 0).unwrap();
                    v
                };
                let mut v = open();
                let count = v.get_row_count(0).unwrap();
                let cols = v.query_columns(TBL_ALL_COLUMNS).unwrap();
                v.set_columns(&cols, 0).unwrap();
                out.push((count, v.query_rows(100_000, 0).unwrap()));
                let mut fresh = open();
                fresh
                    .seek_row(Bookmark::Beginning, count as i32 / 2 + 3)
                    .unwrap();
                out.push((count, fresh.query_rows(25, 0).unwrap()));
            }
        }
    }
    out
}

#[test]
fn version1_files_are_brought_to_the_current_schema_with_the_same_answers() {
    let dir = TempDir::new();
    let current = dir.path("current.db");
    current_store(&current, 700);
    let expected_schema = schema_of(&current);
    assert_eq!(expected_schema.0, 8);
    let expected = {
        let store = store_logon(settings(&current)).unwrap();
        let a = answers(&store);
        block_on(store.logoff());
        a
    };
    assert!(
        expected.iter().any(|(n, _)| *n > 300),
        "a view pages by position"
    );
    for (name, indexes) in [
        ("first.db", &[V1_INDEX][..]),
        ("summary.db", &[V1_SUMMARY_INDEX][..]),
        ("both.db", &[V1_INDEX, V1_SUMMARY_INDEX][..]),
    ] {
        let old = dir.path(name);
        version1_copy(&current, &old, indexes);
        let before = schema_of(&old);
        assert_eq!(before.0, 1);
        assert!(!before.2.contains(&"msg_count".to_string()));
        let store = store_logon(settings(&old)).unwrap();
        // The same objects (tables, both indexes, the count triggers) and columns as a
        // new file.
        assert_eq!(schema_of(&old), expected_schema, "{name}");
        assert_eq!(answers(&store), expected, "{name}");
        // The migrated counts follow changes.
        let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
        block_on(store.import_raw(&inbox, (0..5).map(message).collect())).unwrap();
        let mut v = TableView::over(block_on(store.contents_source(&inbox, 0)).unwrap());
        assert_eq!(v.get_row_count(0).unwrap(), expected[0].0 + 5);
        block_on(store.logoff());
        // A second logon finds nothing to do.
        let store = store_logon(settings(&old)).unwrap();
        assert_eq!(schema_of(&old), expected_schema);
        block_on(store.logoff());
    }
}

#[test]
fn a_failed_upgrade_changes_nothing() {
    let dir = TempDir::new();
    let current = dir.path("current.db");
    current_store(&current, 10);
    let old = dir.path("old.db");
    version1_copy(&current, &old, &[V1_INDEX]);
    // The upgrade's last statement fails: a trigger of that name already exists.
    Connection::open(&old)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER messages_count_move AFTER DELETE ON folders BEGIN SELECT 1; END;",
        )
        .unwrap();
    let before = schema_of(&old);
    let e = err(store_logon(settings(&old)));
    assert_eq!(e.status, Status::MAPI_E_CALL_FAILED);
    assert!(e.message.contains("messages_count_move"), "{e}");
    assert_eq!(schema_of(&old), before);
}

#[test]
fn a_newer_schema_is_still_refused_and_left_alone() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    current_store(&path, 3);
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 9)
        .unwrap();
    let before = schema_of(&path);
    let e = err(store_logon(settings(&path)));
    assert_eq!(e.status, Status::MAPI_E_VERSION);
    assert!(e.message.contains("version 9"), "{e}");
    // Nothing was upgraded or rolled back.
    assert_eq!(schema_of(&path), before);
    assert_eq!(before.0, 9);
}

#[test]
fn version3_files_get_the_recipients_and_attachment_tables() {
    let dir = TempDir::new();
    let current = dir.path("current.db");
    current_store(&current, 20);
    let expected_schema = schema_of(&current);
    let old = dir.path("v3.db");
    // Everything in the main file first, so a plain copy holds it all.
    Connection::open(&current)
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    std::fs::copy(&current, &old).unwrap();
    // What a version-3 file is: the same without the version-4 and -5 additions.
    Connection::open(&old)
        .unwrap()
        .execute_batch(&format!("{DROP_BODY_IN_RAW}{DROP_CHANGE_LOG}"))
        .unwrap();
    Connection::open(&old)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER messages_recipients_delete;
             DROP TABLE message_recipients;
             DROP TRIGGER messages_attachments_delete;
             DROP TRIGGER message_attachments_delete;
             DROP TABLE message_attachments;
             DROP TABLE attach_chunks;
             PRAGMA user_version = 3;",
        )
        .unwrap();
    assert_eq!(schema_of(&old).0, 3);
    let store = store_logon(settings(&old)).unwrap();
    assert_eq!(schema_of(&old), expected_schema);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let first = block_on(store.contents(&inbox)).unwrap().full_rows()[0]
        .get(mapi_types::tags::PR_ENTRYID)
        .and_then(mapi_types::PropValue::as_bytes)
        .unwrap()
        .to_vec();
    let msg = block_on(store.open_message(&first, mapi_types::object::MAPI_MODIFY)).unwrap();
    let mut r = mapi_types::Row::default();
    r.set(
        mapi_types::tags::PR_RECIPIENT_TYPE,
        mapi_types::PropValue::Long(mapi_types::recipient::MAPI_TO),
    );
    r.set(
        mapi_types::tags::PR_EMAIL_ADDRESS,
        mapi_types::PropValue::Unicode("bob@example.org".into()),
    );
    block_on(msg.modify_recipients(mapi_types::recipient::MODRECIP_ADD, &[r])).unwrap();
    block_on(msg.save_changes(0)).unwrap();
    let again = block_on(store.open_message(&first, 0)).unwrap();
    let mut table = block_on(again.recipient_table(0)).unwrap();
    // The imported message showed its MIME's To; the added recipient follows it.
    assert_eq!(table.count().unwrap(), 2);
    block_on(store.logoff());
}

/// What turns a version-8 file into a version-7 one: bodies kept as a part of the raw
/// bytes get their copy in `body`, and the columns saying where they are go.
const DROP_BODY_IN_RAW: &str = "
    UPDATE messages SET body = CAST(substr(raw, body_offset + 1, body_len) AS TEXT)
        WHERE body_len IS NOT NULL;
    ALTER TABLE messages DROP COLUMN body_offset;
    ALTER TABLE messages DROP COLUMN body_len;
    PRAGMA user_version = 7;
";

/// What turns a version-7 file (a version-8 one after [`DROP_BODY_IN_RAW`]) into a
/// version-5 one: the folder comments and the change log (with its range column) and
/// its triggers go.
const DROP_CHANGE_LOG: &str = "
    DROP TRIGGER changes_folder_props;
    ALTER TABLE folders DROP COLUMN comment;
    DROP TRIGGER changes_message_insert;
    DROP TRIGGER changes_message_delete;
    DROP TRIGGER changes_message_move;
    DROP TRIGGER changes_message_update;
    DROP TRIGGER changes_version_insert;
    DROP TRIGGER changes_version_update;
    DROP TRIGGER changes_folder_insert;
    DROP TRIGGER changes_folder_delete;
    DROP TRIGGER changes_folder_move;
    DROP TRIGGER changes_folder_rename;
    DROP TABLE store_changes;
    PRAGMA user_version = 5;
";

/// A store file like `current_store`'s, its WAL checkpointed so a plain copy holds it.
fn checkpointed_store(dir: &TempDir) -> (std::path::PathBuf, SchemaOf) {
    let current = dir.path("current.db");
    current_store(&current, 20);
    let expected_schema = schema_of(&current);
    Connection::open(&current)
        .unwrap()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    (current, expected_schema)
}

#[test]
fn version4_files_get_the_attachment_tables() {
    let dir = TempDir::new();
    let (current, expected_schema) = checkpointed_store(&dir);
    let old = dir.path("v4.db");
    std::fs::copy(&current, &old).unwrap();
    // What a version-4 file is: the same without the version-5 and -6 additions.
    Connection::open(&old)
        .unwrap()
        .execute_batch(&format!("{DROP_BODY_IN_RAW}{DROP_CHANGE_LOG}"))
        .unwrap();
    Connection::open(&old)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER messages_attachments_delete;
             DROP TRIGGER message_attachments_delete;
             DROP TABLE message_attachments;
             DROP TABLE attach_chunks;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    assert_eq!(schema_of(&old).0, 4);
    let store = store_logon(settings(&old)).unwrap();
    assert_eq!(schema_of(&old), expected_schema);
    let drafts = block_on(store.folder(FolderKind::Drafts)).unwrap();
    let msg = block_on(store.create_message(&drafts, 0)).unwrap();
    let (_, att) = block_on(msg.create_attach(0)).unwrap();
    block_on(att.set_props(&[(
        PR_ATTACH_METHOD,
        mapi_types::PropValue::Long(mapi_types::attach::ATTACH_BY_VALUE),
    )]))
    .unwrap();
    block_on(att.save_changes(0)).unwrap();
    block_on(msg.save_changes(mapi_types::object::KEEP_OPEN_READWRITE)).unwrap();
    let entry = block_on(msg.get_props(Some(&[PR_ENTRYID]), 0))
        .unwrap()
        .value[0]
        .1
        .as_bytes()
        .unwrap()
        .to_vec();
    block_on(store.logoff());
    let store = store_logon(settings(&old)).unwrap();
    let again = block_on(store.open_message(&entry, 0)).unwrap();
    let mut table = block_on(again.attachment_table(0)).unwrap();
    assert_eq!(table.count().unwrap(), 1);
    block_on(store.logoff());
}

#[test]
fn version5_files_get_the_change_log() {
    let dir = TempDir::new();
    let (current, expected_schema) = checkpointed_store(&dir);
    let old = dir.path("v5.db");
    std::fs::copy(&current, &old).unwrap();
    Connection::open(&old)
        .unwrap()
        .execute_batch(&format!("{DROP_BODY_IN_RAW}{DROP_CHANGE_LOG}"))
        .unwrap();
    let v5 = schema_of(&old);
    assert_eq!(v5.0, 5);
    assert!(
        !v5.1.iter().any(|(_, name)| name == "store_changes"),
        "{v5:?}"
    );
    let store = store_logon(settings(&old)).unwrap();
    assert_eq!(schema_of(&old), expected_schema);
    // The upgraded file logs changes: an import leaves its range row in the log.
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    block_on(store.import_raw(&inbox, vec![message(1), message(2)])).unwrap();
    block_on(store.logoff());
    assert_eq!(message_log(&old), [(21, Some(1))]);
}

/// The change log's message creations: (`object`, `last_object - object`) per row.
fn message_log(path: &Path) -> Vec<(i64, Option<i64>)> {
    Connection::open(path)
        .unwrap()
        .prepare(
            "SELECT object, last_object - object FROM store_changes
             WHERE kind = 1 AND is_folder = 0 ORDER BY seq",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A store file as schema version 6 made it (`data/store-v6.sql`: a store made by that
/// version's code, two messages imported, as sqlite3's `.dump` gives it), with the
/// file settings a dump leaves out.
fn version6_file(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "page_size", 16384).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(include_str!("data/store-v6.sql"))
        .unwrap();
    conn.pragma_update(None, "application_id", 0x4D41_5053)
        .unwrap();
    conn.pragma_update(None, "user_version", 6).unwrap();
}

#[test]
fn version6_files_get_change_ranges_and_keep_their_log() {
    let dir = TempDir::new();
    let (_, expected_schema) = checkpointed_store(&dir);
    let old = dir.path("v6.db");
    version6_file(&old);
    let v6 = schema_of(&old);
    assert_eq!(v6.0, 6);
    assert_ne!(v6, expected_schema);
    // What version 6 logged: one row per imported message.
    let logged: Vec<i64> = Connection::open(&old)
        .unwrap()
        .prepare("SELECT object FROM store_changes WHERE kind = 1 AND is_folder = 0")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(logged, [1, 2]);

    let store = store_logon(settings(&old)).unwrap();
    assert_eq!(schema_of(&old), expected_schema);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let subjects = |store: &Arc<dyn MsgStore>| {
        let mut v: Vec<String> = block_on(store.contents(&inbox))
            .unwrap()
            .query_rows()
            .iter()
            .filter_map(|r| r.str(PR_SUBJECT).map(str::to_string))
            .collect();
        v.sort();
        v
    };
    assert_eq!(subjects(&store), ["First v6 message", "Second v6 message"]);
    // The version-6 rows are still read: a subscriber that starts now sees only what
    // follows, an import's batch as one row, one Created and one NewMail per message.
    let ids = block_on(store.import_raw(&inbox, vec![message(1), message(2), message(3)])).unwrap();
    assert_eq!(subjects(&store).len(), 5);
    block_on(store.logoff());
    assert_eq!(message_log(&old), [(1, None), (2, None), (3, Some(2))]);
    assert_eq!(ids.len(), 3);
    let counted: i64 = Connection::open(&old)
        .unwrap()
        .query_row("SELECT msg_count FROM folders WHERE kind = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(counted, 5);
    // The insert triggers an import suspends are back as they were.
    let triggers: i64 = Connection::open(&old)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'
             AND name IN ('messages_count_insert', 'changes_message_insert')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 2);
}

/// The columns of a file's `messages` table.
fn message_columns(path: &Path) -> Vec<String> {
    Connection::open(path)
        .unwrap()
        .prepare("SELECT name FROM pragma_table_info('messages') ORDER BY cid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// PR_BODY of every Inbox message by subject, through GetProps and the row API (which
/// must agree), sorted by subject.
fn inbox_bodies(store: &Arc<dyn MsgStore>) -> Vec<(String, String)> {
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let mut out: Vec<(String, String)> = block_on(store.contents(&inbox))
        .unwrap()
        .full_rows()
        .iter()
        .map(|r| {
            let entry = r.get(PR_ENTRYID).and_then(|v| v.as_bytes()).unwrap();
            let msg = block_on(store.open_message(entry, 0)).unwrap();
            let got = block_on(msg.get_props(Some(&[PR_SUBJECT, PR_BODY]), 0)).unwrap();
            let text = |i: usize| got.value[i].1.as_str().unwrap_or("(none)").to_string();
            let row = block_on(store.read_message(entry)).unwrap();
            assert_eq!(row.str(PR_BODY), Some(text(1).as_str()));
            (text(0), text(1))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn version7_files_keep_their_bodies_and_new_imports_keep_them_in_the_raw_bytes() {
    let dir = TempDir::new();
    let (current, expected_schema) = checkpointed_store(&dir);
    let old = dir.path("v7.db");
    {
        let conn = Connection::open(&old).unwrap();
        conn.pragma_update(None, "page_size", 16384).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch(include_str!("data/store-v7.sql"))
            .unwrap();
        conn.pragma_update(None, "application_id", 0x4D41_5053)
            .unwrap();
        conn.pragma_update(None, "user_version", 7).unwrap();
    }
    assert_eq!(schema_of(&old).0, 7);
    assert!(!message_columns(&old).contains(&"body_len".to_string()));

    let store = store_logon(settings(&old)).unwrap();
    assert_eq!(schema_of(&old), expected_schema);
    assert_eq!(message_columns(&old), message_columns(&current));
    // The version-7 bodies, one verbatim and one decoded, both in `body`, read as before.
    let v7 = [
        (
            "First v7 message".to_string(),
            "Plain v7 body, kept as is.\r\n".to_string(),
        ),
        (
            "Second v7 message".to_string(),
            "Gr\u{fc}\u{df}e from v7.\r\n".to_string(),
        ),
    ];
    assert_eq!(inbox_bodies(&store), v7);
    // A message imported now keeps its body in its raw bytes only.
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    block_on(store.import_raw(&inbox, vec![message(3)])).unwrap();
    let mut bodies = inbox_bodies(&store);
    assert_eq!(bodies.len(), 3);
    let new = bodies.remove(1);
    assert_eq!(
        new,
        ("Notes 3".to_string(), format!("{}\r\n", "y".repeat(60)))
    );
    assert_eq!(bodies, v7);
    block_on(store.logoff());
    let kept: Vec<(i64, Option<i64>)> = Connection::open(&old)
        .unwrap()
        .prepare("SELECT octet_length(body), body_len FROM messages ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Row 1 is the second message (the newer one, imported first), row 3 the new one.
    let len = |s: &str| s.len() as i64;
    assert_eq!(
        kept,
        [(len(&v7[1].1), None), (len(&v7[0].1), None), (0, Some(62))]
    );
}
