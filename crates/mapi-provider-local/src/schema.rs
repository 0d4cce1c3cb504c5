//! The two file kinds: the message store and the contacts file, with their schemas and
//! the store's folder tree.

use mapi_spi::FolderKind;
use rusqlite::Connection;

use crate::dbfile::FileKind;

/// Every well-known folder: kind, its code in the `folders.kind` column, display name.
pub const FOLDERS: [(FolderKind, i64, &str); 6] = [
    (FolderKind::IpmSubtree, 0, "Top of Information Store"),
    (FolderKind::Inbox, 1, "Inbox"),
    (FolderKind::Outbox, 2, "Outbox"),
    (FolderKind::SentItems, 3, "Sent Items"),
    (FolderKind::DeletedItems, 4, "Deleted Items"),
    (FolderKind::Drafts, 5, "Drafts"),
];

/// The code of a well-known folder kind.
pub fn folder_code(kind: FolderKind) -> i64 {
    FOLDERS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, code, _)| *code)
        .unwrap_or(0)
}

/// The message store file.
pub const STORE: FileKind = FileKind {
    label: "local store",
    // "MAPS"
    application_id: 0x4D41_5053,
    schema_version: 1,
    schema: "
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
        CREATE INDEX messages_summary ON messages (folder, delivery_time DESC, id DESC,
            flags, size, has_attach, subject, sender_name, sender_email, display_to);
    ",
    tables: &["folders", "messages"],
    init: init_folders,
};

fn init_folders(conn: &Connection) -> rusqlite::Result<()> {
    let mut root = None;
    for (_, code, name) in FOLDERS {
        conn.execute(
            "INSERT INTO folders (parent, kind, name, class) VALUES (?1, ?2, ?3, 'IPF.Note')",
            rusqlite::params![root, code, name],
        )?;
        if root.is_none() {
            root = Some(conn.last_insert_rowid());
        }
    }
    Ok(())
}

/// The contacts file.
pub const CONTACTS: FileKind = FileKind {
    label: "contacts",
    // "MAPC"
    application_id: 0x4D41_5043,
    schema_version: 1,
    schema: "
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            display_name TEXT NOT NULL,
            email TEXT NOT NULL,
            name_key TEXT NOT NULL,
            email_key TEXT NOT NULL
        );
        CREATE INDEX entries_by_name ON entries (name_key);
        CREATE INDEX entries_by_email ON entries (email_key);
    ",
    tables: &["entries"],
    init: |_| Ok(()),
};
