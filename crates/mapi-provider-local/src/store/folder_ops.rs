//! `IMAPIFolder`'s folder and message operations on the local store (CreateFolder,
//! DeleteFolder, EmptyFolder, CopyFolder, CopyMessages, DeleteMessages, SetReadFlags) and
//! `IMsgStore::GetReceiveFolder`. Each call runs in one immediate transaction: it checks
//! everything first and changes all or nothing. The store keeps no soft-deleted items,
//! so `DELETE_HARD_DELETE` changes nothing in what a delete does. Folder message counts
//! follow from the `msg_count` triggers; PR_CONTENT_UNREAD is counted from the flags.

use mapi_spi::{EntryId, FolderKind, Reply};
use mapi_types::Status;
use mapi_types::folder::{
    CLEAR_NRN_PENDING, CLEAR_READ_FLAG, CLEAR_RN_PENDING, COPY_SUBFOLDERS, DEL_ASSOCIATED,
    DEL_FOLDERS, DEL_MESSAGES, DELETE_HARD_DELETE, FOLDER_DIALOG, FOLDER_MOVE,
    GENERATE_RECEIPT_ONLY, MESSAGE_DIALOG, MESSAGE_MOVE, OPEN_IF_EXISTS, SUPPRESS_RECEIPT,
};
use mapi_types::object::{MAPI_DEFERRED_ERRORS, MAPI_UNICODE};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::LocalStore;
use crate::entryid::{self, ObjectKind};
use crate::error::LocalError;
use crate::props::check_flags;
use crate::schema::FOLDERS;

/// `MSGFLAG_READ`.
const MSGFLAG_READ: i64 = 0x1;
/// `MSGFLAG_RN_PENDING`.
const MSGFLAG_RN_PENDING: i64 = 0x100;
/// `MSGFLAG_NRN_PENDING`.
const MSGFLAG_NRN_PENDING: i64 = 0x200;
/// The longest folder name the store takes, in characters.
const MAX_NAME: usize = 256;
/// The message classes the Inbox is registered for, longest first.
const RECEIVE_CLASSES: [&str; 3] = ["IPM.Note", "IPM", ""];

/// A folder's row.
struct FolderRow {
    parent: Option<i64>,
    kind: Option<i64>,
    name: String,
}

/// The name of a well-known folder kind code.
fn well_known_name(code: i64) -> String {
    FOLDERS
        .iter()
        .find(|(_, c, _)| *c == code)
        .map_or_else(|| format!("kind {code}"), |(_, _, n)| (*n).to_string())
}

pub(crate) fn check_name(name: &str) -> Result<(), LocalError> {
    if name.trim().is_empty() {
        return Err(LocalError::InvalidParameter {
            detail: "a folder name may not be empty".into(),
        });
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(LocalError::InvalidParameter {
            detail: format!(
                "a folder name has at most {MAX_NAME} characters and no control characters"
            ),
        });
    }
    Ok(())
}

/// The subfolder of `parent` named `name` (names compare with case ignored).
pub(crate) fn child_named(
    conn: &Connection,
    parent: i64,
    name: &str,
) -> rusqlite::Result<Option<i64>> {
    let wanted = name.to_lowercase();
    let mut stmt = conn.prepare_cached("SELECT id, name FROM folders WHERE parent = ?1")?;
    let rows = stmt
        .query_map([parent], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .find(|(_, n)| n.to_lowercase() == wanted)
        .map(|(id, _)| id))
}

impl LocalStore {
    fn tx<'c>(&self, conn: &'c mut Connection) -> Result<Transaction<'c>, LocalError> {
        conn.transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(self.sql())
    }

    fn folder_row(&self, conn: &Connection, id: i64) -> Result<FolderRow, LocalError> {
        conn.prepare_cached("SELECT parent, kind, name FROM folders WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([id], |r| {
                    Ok(FolderRow {
                        parent: r.get(0)?,
                        kind: r.get(1)?,
                        name: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(self.sql())?
            .ok_or_else(|| LocalError::NotFound {
                what: format!("folder {id}"),
            })
    }

    /// The row id of an existing folder (entry id checked).
    fn existing_folder(&self, conn: &Connection, entry: &[u8]) -> Result<i64, LocalError> {
        self.folder_id(conn, entry)
    }

    /// `folder`'s row, checked to be a subfolder of `parent`.
    fn child_of(
        &self,
        conn: &Connection,
        parent: &[u8],
        folder: &[u8],
    ) -> Result<(i64, i64, FolderRow), LocalError> {
        let parent = self.existing_folder(conn, parent)?;
        let id = entryid::decode(&self.uid, ObjectKind::Folder, folder)?;
        let row = self.folder_row(conn, id)?;
        if row.parent != Some(parent) {
            return Err(LocalError::NotFound {
                what: format!("folder {id} in folder {parent}"),
            });
        }
        Ok((parent, id, row))
    }

    /// The subfolder of `parent` whose name equals `name` (case ignored).
    fn child_named(
        &self,
        conn: &Connection,
        parent: i64,
        name: &str,
    ) -> Result<Option<i64>, LocalError> {
        child_named(conn, parent, name).map_err(self.sql())
    }

    /// `root` and every folder below it, parents before children.
    fn subtree(&self, conn: &Connection, root: i64) -> Result<Vec<i64>, LocalError> {
        let mut stmt = conn
            .prepare_cached(
                "WITH RECURSIVE t(id, depth) AS (
                     SELECT ?1, 0
                     UNION ALL SELECT f.id, t.depth + 1 FROM folders f JOIN t ON f.parent = t.id
                 ) SELECT id FROM t ORDER BY depth, id",
            )
            .map_err(self.sql())?;
        stmt.query_map([root], |r| r.get(0))
            .and_then(|rows| rows.collect::<Result<Vec<i64>, _>>())
            .map_err(self.sql())
    }

    fn count(&self, conn: &Connection, sql: &str, id: i64) -> Result<i64, LocalError> {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.query_row([id], |r| r.get(0)))
            .map_err(self.sql())
    }

    /// Deletes the folders of `ids` and their messages.
    fn delete_folders(&self, tx: &Transaction<'_>, ids: &[i64]) -> Result<(), LocalError> {
        for &id in ids.iter().rev() {
            tx.prepare_cached("DELETE FROM messages WHERE folder = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(self.sql())?;
            tx.prepare_cached("DELETE FROM folders WHERE id = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(self.sql())?;
        }
        Ok(())
    }

    /// Copies one message into `dest` with its property-object values; returns its id.
    fn copy_message_row(
        &self,
        tx: &Transaction<'_>,
        id: i64,
        dest: i64,
    ) -> Result<i64, LocalError> {
        tx.prepare_cached(
            "INSERT INTO messages (folder, subject, sender_name, sender_email, display_to,
                 display_cc, delivery_time, submit_time, size, message_id, flags, has_attach,
                 body, raw, body_offset, body_len)
             SELECT ?1, subject, sender_name, sender_email, display_to, display_cc,
                 delivery_time, submit_time, size, message_id, flags, has_attach, body, raw,
                 body_offset, body_len
             FROM messages WHERE id = ?2",
        )
        .and_then(|mut s| s.execute([dest, id]))
        .map_err(self.sql())?;
        let new = tx.last_insert_rowid();
        crate::changes::mark_copy(tx, new, id).map_err(self.sql())?;
        crate::recipients::copy(tx, id, new).map_err(self.sql())?;
        crate::attach::copy(tx, id, new).map_err(self.sql())?;
        let props: Vec<i64> = tx
            .prepare_cached("SELECT id FROM message_props WHERE message = ?1 ORDER BY id")
            .and_then(|mut s| {
                s.query_map([id], |r| r.get(0))
                    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            })
            .map_err(self.sql())?;
        for prop in props {
            tx.prepare_cached(
                "INSERT INTO message_props (message, prop_id, tag, size, chunks, value)
                 SELECT ?1, prop_id, tag, size, chunks, value FROM message_props WHERE id = ?2",
            )
            .and_then(|mut s| s.execute([new, prop]))
            .map_err(self.sql())?;
            let copy = tx.last_insert_rowid();
            tx.prepare_cached(
                "INSERT INTO prop_chunks (prop, seq, data)
                 SELECT ?1, seq, data FROM prop_chunks WHERE prop = ?2 ORDER BY seq",
            )
            .and_then(|mut s| s.execute([copy, prop]))
            .map_err(self.sql())?;
        }
        Ok(new)
    }

    /// Copies folder `id` (named `name`) under `dest`, with its messages and, when
    /// `deep`, its subfolders (a work list, not recursion: any depth is fine); returns
    /// the copy's id.
    fn copy_folder_rows(
        &self,
        tx: &Transaction<'_>,
        id: i64,
        dest: i64,
        name: &str,
        deep: bool,
    ) -> Result<i64, LocalError> {
        let mut work = vec![(id, dest, name.to_string())];
        let mut top = None;
        while let Some((source, parent, name)) = work.pop() {
            tx.prepare_cached(
                "INSERT INTO folders (parent, kind, name, class)
                 SELECT ?1, NULL, ?2, class FROM folders WHERE id = ?3",
            )
            .and_then(|mut s| s.execute(params![parent, name, source]))
            .map_err(self.sql())?;
            let copy = tx.last_insert_rowid();
            top.get_or_insert(copy);
            let messages: Vec<i64> = tx
                .prepare_cached("SELECT id FROM messages WHERE folder = ?1 ORDER BY id")
                .and_then(|mut s| {
                    s.query_map([source], |r| r.get(0))
                        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                })
                .map_err(self.sql())?;
            for m in messages {
                self.copy_message_row(tx, m, copy)?;
            }
            if deep {
                let children: Vec<(i64, String)> = tx
                    .prepare_cached("SELECT id, name FROM folders WHERE parent = ?1 ORDER BY id")
                    .and_then(|mut s| {
                        s.query_map([source], |r| Ok((r.get(0)?, r.get(1)?)))
                            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                    })
                    .map_err(self.sql())?;
                work.extend(
                    children
                        .into_iter()
                        .map(|(child, child_name)| (child, copy, child_name)),
                );
            }
        }
        Ok(top.unwrap_or_default())
    }

    /// Decodes every message entry id before anything changes.
    fn message_ids(&self, messages: &[EntryId]) -> Result<Vec<i64>, LocalError> {
        messages
            .iter()
            .map(|e| entryid::decode(&self.uid, ObjectKind::Message, e))
            .collect()
    }

    pub(super) fn create_folder_now(
        &self,
        parent: &[u8],
        name: &str,
        flags: u32,
    ) -> Result<EntryId, LocalError> {
        check_flags(
            "CreateFolder",
            flags,
            OPEN_IF_EXISTS | MAPI_UNICODE | MAPI_DEFERRED_ERRORS,
        )?;
        check_name(name)?;
        self.with_conn(|conn| {
            let tx = self.tx(conn)?;
            let parent = self.existing_folder(&tx, parent)?;
            if let Some(id) = self.child_named(&tx, parent, name)? {
                if flags & OPEN_IF_EXISTS != 0 {
                    return Ok(self.folder_entry(id));
                }
                return Err(LocalError::Collision { name: name.into() });
            }
            tx.prepare_cached(
                "INSERT INTO folders (parent, kind, name, class) VALUES (?1, NULL, ?2, 'IPF.Note')",
            )
            .and_then(|mut s| s.execute(params![parent, name]))
            .map_err(self.sql())?;
            let id = tx.last_insert_rowid();
            tx.commit().map_err(self.sql())?;
            Ok(self.folder_entry(id))
        })
    }

    pub(super) fn delete_folder_now(
        &self,
        parent: &[u8],
        folder: &[u8],
        flags: u32,
    ) -> Result<(), LocalError> {
        check_flags(
            "DeleteFolder",
            flags,
            DEL_MESSAGES | DEL_FOLDERS | DELETE_HARD_DELETE | FOLDER_DIALOG,
        )?;
        self.with_conn(|conn| {
            let tx = self.tx(conn)?;
            let (_, id, row) = self.child_of(&tx, parent, folder)?;
            if let Some(kind) = row.kind {
                return Err(LocalError::WellKnownFolder {
                    name: well_known_name(kind),
                });
            }
            let what = format!("the folder \"{}\"", row.name);
            let tree = self.subtree(&tx, id)?;
            if tree.len() > 1 && flags & DEL_FOLDERS == 0 {
                return Err(LocalError::HasFolders { what });
            }
            if flags & DEL_MESSAGES == 0 {
                for &f in &tree {
                    if self.count(&tx, "SELECT msg_count FROM folders WHERE id = ?1", f)? > 0 {
                        return Err(LocalError::HasMessages { what });
                    }
                }
            }
            self.delete_folders(&tx, &tree)?;
            tx.commit().map_err(self.sql())
        })
    }

    pub(super) fn empty_folder_now(&self, folder: &[u8], flags: u32) -> Result<(), LocalError> {
        check_flags(
            "EmptyFolder",
            flags,
            DEL_ASSOCIATED | DELETE_HARD_DELETE | FOLDER_DIALOG,
        )?;
        self.with_conn(|conn| {
            let tx = self.tx(conn)?;
            let id = self.existing_folder(&tx, folder)?;
            tx.prepare_cached("DELETE FROM messages WHERE folder = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(self.sql())?;
            // Well-known subfolders (under the IPM subtree) stay, with what they hold.
            let children: Vec<i64> = tx
                .prepare_cached("SELECT id FROM folders WHERE parent = ?1 AND kind IS NULL")
                .and_then(|mut s| {
                    s.query_map([id], |r| r.get(0))
                        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                })
                .map_err(self.sql())?;
            for child in children {
                let tree = self.subtree(&tx, child)?;
                self.delete_folders(&tx, &tree)?;
            }
            tx.commit().map_err(self.sql())
        })
    }

    pub(super) fn copy_folder_now(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> Result<EntryId, LocalError> {
        check_flags(
            "CopyFolder",
            flags,
            FOLDER_MOVE | COPY_SUBFOLDERS | FOLDER_DIALOG | MAPI_UNICODE,
        )?;
        if let Some(name) = new_name {
            check_name(name)?;
        }
        self.with_conn(|conn| {
            let tx = self.tx(conn)?;
            let (_, id, row) = self.child_of(&tx, parent, folder)?;
            let dest = self.existing_folder(&tx, dest_parent)?;
            let moving = flags & FOLDER_MOVE != 0;
            if moving && let Some(kind) = row.kind {
                return Err(LocalError::WellKnownFolder {
                    name: well_known_name(kind),
                });
            }
            if self.subtree(&tx, id)?.contains(&dest) {
                return Err(LocalError::FolderCycle {
                    what: format!("the folder \"{}\"", row.name),
                });
            }
            let name = new_name.unwrap_or(&row.name);
            match self.child_named(&tx, dest, name)? {
                // Moving a folder where it is, under its own name, changes nothing.
                Some(other) if moving && other == id && name == row.name => {
                    return Ok(self.folder_entry(id));
                }
                Some(other) if !(moving && other == id) => {
                    return Err(LocalError::Collision { name: name.into() });
                }
                _ => {}
            }
            let result = if moving {
                tx.prepare_cached("UPDATE folders SET parent = ?1, name = ?2 WHERE id = ?3")
                    .and_then(|mut s| s.execute(params![dest, name, id]))
                    .map_err(self.sql())?;
                id
            } else {
                self.copy_folder_rows(&tx, id, dest, name, flags & COPY_SUBFOLDERS != 0)?
            };
            tx.commit().map_err(self.sql())?;
            Ok(self.folder_entry(result))
        })
    }

    pub(super) fn copy_messages_now(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> Result<Reply<Vec<Option<EntryId>>>, LocalError> {
        check_flags(
            "CopyMessages",
            flags,
            MESSAGE_MOVE | MESSAGE_DIALOG | MAPI_DEFERRED_ERRORS,
        )?;
        let ids = self.message_ids(messages)?;
        self.with_conn(|conn| {
            let tx = self.tx(conn)?;
            let source = self.existing_folder(&tx, folder)?;
            let dest = self.existing_folder(&tx, dest)?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let here = self.count(
                    &tx,
                    &format!("SELECT count(*) FROM messages WHERE id = ?1 AND folder = {source}"),
                    id,
                )? > 0;
                if !here {
                    out.push(None);
                    continue;
                }
                let new = if flags & MESSAGE_MOVE != 0 {
                    // The row moves: its id, entry id and property-object values stay.
                    tx.prepare_cached("UPDATE messages SET folder = ?1 WHERE id = ?2")
                        .and_then(|mut s| s.execute([dest, id]))
                        .map_err(self.sql())?;
                    id
                } else {
                    self.copy_message_row(&tx, id, dest)?
                };
                out.push(Some(self.message_entry(new)));
            }
            tx.commit().map_err(self.sql())?;
            Ok(partial(out.iter().any(Option::is_none), out))
        })
    }

    pub(super) fn delete_messages_now(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        flags: u32,
    ) -> Result<Reply<()>, LocalError> {
        check_flags("DeleteMessages", flags, DELETE_HARD_DELETE | MESSAGE_DIALOG)?;
        let ids = self.message_ids(messages)?;
        self.with_conn(|conn| {
            let tx = self.tx(conn)?;
            let folder = self.existing_folder(&tx, folder)?;
            let mut missing = false;
            for id in ids {
                let n = tx
                    .prepare_cached("DELETE FROM messages WHERE id = ?1 AND folder = ?2")
                    .and_then(|mut s| s.execute([id, folder]))
                    .map_err(self.sql())?;
                missing |= n == 0;
            }
            tx.commit().map_err(self.sql())?;
            Ok(partial(missing, ()))
        })
    }

    pub(super) fn set_read_flags_now(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> Result<Reply<()>, LocalError> {
        check_flags(
            "SetReadFlags",
            flags,
            SUPPRESS_RECEIPT
                | CLEAR_READ_FLAG
                | GENERATE_RECEIPT_ONLY
                | CLEAR_RN_PENDING
                | CLEAR_NRN_PENDING
                | MESSAGE_DIALOG
                | MAPI_DEFERRED_ERRORS,
        )?;
        if flags & CLEAR_READ_FLAG != 0 && flags & GENERATE_RECEIPT_ONLY != 0 {
            return Err(LocalError::InvalidParameter {
                detail: "SetReadFlags takes CLEAR_READ_FLAG or GENERATE_RECEIPT_ONLY, not both"
                    .into(),
            });
        }
        let (mut set, mut clear) = (0i64, 0i64);
        if flags & GENERATE_RECEIPT_ONLY == 0 {
            if flags & CLEAR_READ_FLAG != 0 {
                clear |= MSGFLAG_READ;
            } else {
                set |= MSGFLAG_READ;
            }
        }
        if flags & CLEAR_RN_PENDING != 0 {
            clear |= MSGFLAG_RN_PENDING;
        }
        if flags & CLEAR_NRN_PENDING != 0 {
            clear |= MSGFLAG_NRN_PENDING;
        }
        let ids = messages.map(|m| self.message_ids(m)).transpose()?;
        self.with_conn(|conn| {
            let tx = self.tx(conn)?;
            let folder = self.existing_folder(&tx, folder)?;
            let mut missing = false;
            match ids {
                None => {
                    tx.prepare_cached(
                        "UPDATE messages SET flags = (flags | ?1) & ~?2 WHERE folder = ?3",
                    )
                    .and_then(|mut s| s.execute([set, clear, folder]))
                    .map_err(self.sql())?;
                }
                Some(ids) => {
                    for id in ids {
                        let n = tx
                            .prepare_cached(
                                "UPDATE messages SET flags = (flags | ?1) & ~?2
                                 WHERE id = ?3 AND folder = ?4",
                            )
                            .and_then(|mut s| s.execute([set, clear, id, folder]))
                            .map_err(self.sql())?;
                        missing |= n == 0;
                    }
                }
            }
            tx.commit().map_err(self.sql())?;
            Ok(partial(missing, ()))
        })
    }

    pub(super) fn receive_folder_now(
        &self,
        message_class: &str,
    ) -> Result<(EntryId, String), LocalError> {
        if message_class.chars().any(|c| c.is_control() || c == ' ') || message_class.len() > 255 {
            return Err(LocalError::InvalidParameter {
                detail: "a message class is at most 255 printable characters without spaces".into(),
            });
        }
        let lower = message_class.to_ascii_lowercase();
        let class = RECEIVE_CLASSES
            .iter()
            .find(|c| {
                let c = c.to_ascii_lowercase();
                c.is_empty()
                    || lower == c
                    || (lower.starts_with(&c) && lower.as_bytes().get(c.len()) == Some(&b'.'))
            })
            .copied()
            .unwrap_or("");
        let inbox = self
            .folders
            .iter()
            .find(|(k, _)| *k == FolderKind::Inbox)
            .map(|(_, id)| *id)
            .ok_or_else(|| LocalError::NotFound {
                what: "the Inbox".into(),
            })?;
        Ok((self.folder_entry(inbox), class.to_string()))
    }
}

/// `MAPI_W_PARTIAL_COMPLETION` when something was not found, else `S_OK`.
fn partial<T>(missing: bool, value: T) -> Reply<T> {
    Reply {
        status: if missing {
            Status::MAPI_W_PARTIAL_COMPLETION
        } else {
            Status::S_OK
        },
        value,
    }
}
