//! The two file kinds: the message store and the contacts file, with their schemas, the
//! upgrades from older store schemas, and the store's folder tree.

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

/// The indexes of schema version 2.
macro_rules! store_indexes {
    () => {
        "
        CREATE INDEX IF NOT EXISTS messages_by_folder
            ON messages (folder, delivery_time DESC, id DESC);
        CREATE INDEX IF NOT EXISTS messages_summary ON messages (folder, delivery_time DESC,
            id DESC, flags, size, has_attach, subject, sender_name, sender_email, display_to);
        "
    };
}

/// The trigger counting an inserted message into `folders.msg_count` (schema version
/// 2). An import drops it for its transaction and counts its batch at once
/// ([`SUSPEND_INSERT_TRIGGERS`]).
macro_rules! store_count_insert_trigger {
    () => {
        "
        CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN
            UPDATE folders SET msg_count = msg_count + 1 WHERE id = NEW.folder;
        END;
        "
    };
}

/// The triggers keeping `folders.msg_count` (schema version 2).
macro_rules! store_count_triggers {
    () => {
        concat!(
            store_count_insert_trigger!(),
            "
        CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN
            UPDATE folders SET msg_count = msg_count - 1 WHERE id = OLD.folder;
        END;
        CREATE TRIGGER messages_count_move AFTER UPDATE OF folder ON messages
            WHEN OLD.folder IS NOT NEW.folder BEGIN
            UPDATE folders SET msg_count = msg_count - 1 WHERE id = OLD.folder;
            UPDATE folders SET msg_count = msg_count + 1 WHERE id = NEW.folder;
        END;
        "
        )
    };
}

/// What schema version 3 adds for property objects: properties set through SetProps
/// or streams (`message_props`: a small value inline in `value`; a large one, written
/// through a stream, in `chunks` rows of `prop_chunks` of up to 1 MiB each, so it is
/// never one record SQLite builds in memory; neither: the property was deleted and
/// hides what the columns or the MIME give), one version counter per message (bumped
/// by every SaveChanges, and when a message is deleted, so an object opened before sees
/// `MAPI_E_OBJECT_CHANGED` even if the row id is reused), and the store's
/// named-property map (`name_key` is the number, or the name, lowercased for
/// `PS_INTERNET_HEADERS`).
macro_rules! store_v3_objects {
    () => {
        "
        CREATE TABLE message_props (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL,
            prop_id INTEGER NOT NULL,
            tag INTEGER NOT NULL,
            size INTEGER NOT NULL DEFAULT 0,
            chunks INTEGER NOT NULL DEFAULT 0,
            value BLOB,
            UNIQUE (message, prop_id)
        );
        CREATE TABLE prop_chunks (
            id INTEGER PRIMARY KEY,
            prop INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (prop, seq)
        );
        CREATE TABLE message_versions (
            message INTEGER PRIMARY KEY,
            version INTEGER NOT NULL
        );
        CREATE TABLE named_props (
            id INTEGER PRIMARY KEY CHECK (id BETWEEN 32768 AND 65534),
            guid BLOB NOT NULL,
            kind INTEGER NOT NULL,
            lid INTEGER,
            name TEXT,
            name_key TEXT NOT NULL,
            UNIQUE (guid, kind, name_key)
        );
        CREATE TRIGGER message_props_delete AFTER DELETE ON message_props BEGIN
            DELETE FROM prop_chunks WHERE prop = OLD.id;
        END;
        CREATE TRIGGER messages_objects_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_props WHERE message = OLD.id;
            INSERT INTO message_versions (message, version) VALUES (OLD.id, 1)
                ON CONFLICT (message) DO UPDATE SET version = version + 1;
        END;
        "
    };
}

/// What schema version 4 adds: the recipients a message's ModifyRecipients saved, one
/// row each (`row_id` is its PR_ROWID; `props` its properties in `mapi_types::codec`'s
/// encoding), going with their message.
macro_rules! store_v4_recipients {
    () => {
        "
        CREATE TABLE message_recipients (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL,
            row_id INTEGER NOT NULL,
            props BLOB NOT NULL,
            UNIQUE (message, row_id)
        );
        CREATE TRIGGER messages_recipients_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_recipients WHERE message = OLD.id;
        END;
        "
    };
}

/// What schema version 5 adds: the attachments a message's SaveChanges saved, one row
/// each (`num` is its PR_ATTACH_NUM; `props` its small properties in
/// `mapi_types::codec`'s encoding), and their large values (PR_ATTACH_DATA_BIN, an
/// embedded message's RFC 5322 form) in chunks of up to 1 MiB, going with their
/// attachment and message.
macro_rules! store_v5_attachments {
    () => {
        "
        CREATE TABLE message_attachments (
            id INTEGER PRIMARY KEY,
            message INTEGER NOT NULL,
            num INTEGER NOT NULL,
            props BLOB NOT NULL,
            UNIQUE (message, num)
        );
        CREATE TABLE attach_chunks (
            id INTEGER PRIMARY KEY,
            attach INTEGER NOT NULL,
            prop_id INTEGER NOT NULL,
            tag INTEGER NOT NULL,
            size INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (attach, prop_id, seq)
        );
        CREATE TRIGGER message_attachments_delete AFTER DELETE ON message_attachments BEGIN
            DELETE FROM attach_chunks WHERE attach = OLD.id;
        END;
        CREATE TRIGGER messages_attachments_delete AFTER DELETE ON messages BEGIN
            DELETE FROM message_attachments WHERE message = OLD.id;
        END;
        "
    };
}

/// What schema version 6 adds, a separate upgrade step of its own: the change log
/// `crate::changes` reads, and the triggers that write it in the transaction of every
/// change. `kind`: 1 created, 2 deleted, 3 modified, 4 moved, 5 copied; `is_folder` 1
/// for folders. The last 65536 rows are kept (pruned 1024 at a time).
macro_rules! store_change_log {
    () => {
        concat!(
            "
    CREATE TABLE store_changes (
        seq INTEGER PRIMARY KEY,
        kind INTEGER NOT NULL,
        is_folder INTEGER NOT NULL,
        object INTEGER NOT NULL,
        parent INTEGER,
        old_object INTEGER,
        old_parent INTEGER,
        flags INTEGER NOT NULL DEFAULT 0
    );
    CREATE TRIGGER changes_prune AFTER INSERT ON store_changes
        WHEN NEW.seq % 1024 = 0 BEGIN
        DELETE FROM store_changes WHERE seq <= NEW.seq - 65536;
    END;
        ",
            store_change_insert_trigger!(),
            "
    CREATE TRIGGER changes_message_delete AFTER DELETE ON messages BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            VALUES (2, 0, OLD.id, OLD.folder, OLD.flags);
    END;
    CREATE TRIGGER changes_message_move AFTER UPDATE OF folder ON messages
        WHEN OLD.folder IS NOT NEW.folder BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, old_object, old_parent, flags)
            VALUES (4, 0, NEW.id, NEW.folder, OLD.id, OLD.folder, NEW.flags);
    END;
    CREATE TRIGGER changes_message_update AFTER UPDATE ON messages
        WHEN OLD.folder IS NEW.folder BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            VALUES (3, 0, NEW.id, NEW.folder, NEW.flags);
    END;
    CREATE TRIGGER changes_version_insert AFTER INSERT ON message_versions BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            SELECT 3, 0, id, folder, flags FROM messages WHERE id = NEW.message;
    END;
    CREATE TRIGGER changes_version_update AFTER UPDATE ON message_versions BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            SELECT 3, 0, id, folder, flags FROM messages WHERE id = NEW.message;
    END;
    CREATE TRIGGER changes_folder_insert AFTER INSERT ON folders BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent)
            VALUES (1, 1, NEW.id, NEW.parent);
    END;
    CREATE TRIGGER changes_folder_delete AFTER DELETE ON folders BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent)
            VALUES (2, 1, OLD.id, OLD.parent);
    END;
    CREATE TRIGGER changes_folder_move AFTER UPDATE OF parent ON folders
        WHEN OLD.parent IS NOT NEW.parent BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, old_object, old_parent)
            VALUES (4, 1, NEW.id, NEW.parent, OLD.id, OLD.parent);
    END;
    CREATE TRIGGER changes_folder_rename AFTER UPDATE OF name ON folders
        WHEN OLD.parent IS NEW.parent AND OLD.name IS NOT NEW.name BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent)
            VALUES (3, 1, NEW.id, NEW.parent);
    END;
        "
        )
    };
}

/// The change log's trigger for an inserted message (schema version 6). An import
/// drops it for its transaction and logs its batch as one range row
/// ([`SUSPEND_INSERT_TRIGGERS`]).
macro_rules! store_change_insert_trigger {
    () => {
        "
    CREATE TRIGGER changes_message_insert AFTER INSERT ON messages BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent, flags)
            VALUES (1, 0, NEW.id, NEW.folder, NEW.flags);
    END;
        "
    };
}

/// What schema version 7 adds: a change-log row can stand for a range of messages
/// created at once (`last_object`: the last row id; `object` the first), which is how
/// an import logs its batch: one row, not one per message; and a folder's PR_COMMENT
/// (`folders.comment`), with a change of it or of the container class logged as a
/// modification of the folder, as a rename is.
macro_rules! store_v7 {
    () => {
        "
    ALTER TABLE store_changes ADD COLUMN last_object INTEGER;
    ALTER TABLE folders ADD COLUMN comment TEXT;
    CREATE TRIGGER changes_folder_props AFTER UPDATE OF class, comment ON folders
        WHEN OLD.parent IS NEW.parent AND OLD.name IS NEW.name
            AND (OLD.class IS NOT NEW.class OR OLD.comment IS NOT NEW.comment) BEGIN
        INSERT INTO store_changes (kind, is_folder, object, parent)
            VALUES (3, 1, NEW.id, NEW.parent);
    END;
        "
    };
}

/// What schema version 8 adds: an imported message whose body text is a verbatim part
/// of its raw bytes (a text part stored as is, no transfer decoding) keeps only where it
/// is (`body_offset`, `body_len`: bytes into `raw`), not a second copy in `body`, which
/// is then empty. Without them (NULL) the body is `body`. Anything that sets the body or
/// rewrites `raw` clears them ([`BODY_FROM_RAW_TO_COLUMN`] first when `raw` changes).
macro_rules! store_v8 {
    () => {
        "
    ALTER TABLE messages ADD COLUMN body_offset INTEGER;
    ALTER TABLE messages ADD COLUMN body_len INTEGER;
        "
    };
}

/// The body text of a `messages` row in SQL: the `body` column, or its part of `raw`
/// (schema version 8, `store_v8`).
pub const BODY_SQL: &str =
    "CASE WHEN body_len IS NULL THEN body ELSE substr(raw, body_offset + 1, body_len) END";

/// The length in bytes of a `messages` row's body text in SQL.
pub const BODY_LEN_SQL: &str = "coalesce(body_len, octet_length(body))";

/// Gives the message `?1` whose body is a part of its `raw` bytes a copy of it in
/// `body`, so `raw` can be rewritten; does nothing for another message.
pub const BODY_FROM_RAW_TO_COLUMN: &str =
    "UPDATE messages SET body = CAST(substr(raw, body_offset + 1, body_len) AS TEXT),
         body_offset = NULL, body_len = NULL
     WHERE id = ?1 AND body_len IS NOT NULL";

/// The store schema (version 8, with [`store_v8`]; version 7, with [`store_v7`]; version 6, with [`store_change_log`]; version 5, with [`store_v5_attachments`]; version 4, with [`store_v4_recipients`]; version 3; version 2 without [`store_v3_objects`]). `folders.msg_count` is each folder's message count,
/// kept by triggers in the same transaction as every insert, delete and move of a
/// message, whichever connection or process makes it: an unrestricted contents table
/// counts its rows with one lookup. `messages_by_folder` gives a row's position in the
/// default order (newest first) cheaply; `messages_summary` covers every summary column.
const STORE_SCHEMA: &str = concat!(
    "
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        parent INTEGER,
        kind INTEGER UNIQUE,
        name TEXT NOT NULL,
        class TEXT NOT NULL,
        msg_count INTEGER NOT NULL DEFAULT 0
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
    ",
    store_indexes!(),
    store_count_triggers!(),
    store_v3_objects!(),
    store_v4_recipients!(),
    store_v5_attachments!(),
    store_change_log!(),
    store_v7!(),
    store_v8!(),
);

/// Version 1 to 2: the per-folder message count (column, its value now, the triggers
/// that keep it) and the covering summary index. A version-1 file has
/// `messages_by_folder` and, if made while the summary index was being introduced,
/// `messages_summary` as well; both are kept or made.
const STORE_V1_TO_V2: &str = concat!(
    "
    ALTER TABLE folders ADD COLUMN msg_count INTEGER NOT NULL DEFAULT 0;
    UPDATE folders SET msg_count = (SELECT count(*) FROM messages m WHERE m.folder = folders.id);
    ",
    store_indexes!(),
    store_count_triggers!(),
);

/// Version 2 to 3: the property-object tables.
const STORE_V2_TO_V3: &str = store_v3_objects!();

/// Version 3 to 4: the recipients table.
const STORE_V3_TO_V4: &str = store_v4_recipients!();

/// Version 4 to 5: the attachment tables.
const STORE_V4_TO_V5: &str = store_v5_attachments!();

/// Version 5 to 6: the change log.
const STORE_ADD_CHANGE_LOG: &str = store_change_log!();

/// Version 6 to 7: change-log rows for a range of messages, folder comments.
const STORE_V6_TO_V7: &str = store_v7!();

/// Version 7 to 8: the body as a part of the raw bytes.
const STORE_V7_TO_V8: &str = store_v8!();

/// What an import runs first in its write transaction: the per-message insert triggers
/// go (the folder count and the change log), so its inserts fire none and need no
/// statement journal. It counts and logs its batch itself, then puts them back
/// ([`RESTORE_INSERT_TRIGGERS`]) before its commit: no other connection ever sees the
/// schema without them, and a rollback brings them back too.
pub const SUSPEND_INSERT_TRIGGERS: &str =
    "DROP TRIGGER messages_count_insert; DROP TRIGGER changes_message_insert;";

/// The triggers [`SUSPEND_INSERT_TRIGGERS`] dropped, as the schema makes them.
pub const RESTORE_INSERT_TRIGGERS: &str = concat!(
    store_count_insert_trigger!(),
    store_change_insert_trigger!()
);

/// The message store file.
pub const STORE: FileKind = FileKind {
    label: "local store",
    // "MAPS"
    application_id: 0x4D41_5053,
    schema_version: 8,
    schema: STORE_SCHEMA,
    migrations: &[
        STORE_V1_TO_V2,
        STORE_V2_TO_V3,
        STORE_V3_TO_V4,
        STORE_V4_TO_V5,
        STORE_ADD_CHANGE_LOG,
        STORE_V6_TO_V7,
        STORE_V7_TO_V8,
    ],
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
    migrations: &[],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_older_version_has_its_upgrade() {
        for kind in [&STORE, &CONTACTS] {
            assert_eq!(
                kind.migrations.len() as i64,
                kind.schema_version - 1,
                "{}",
                kind.label
            );
        }
    }
}
