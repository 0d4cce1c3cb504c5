//! IMAPIFolder's folder and message operations on the IMAP store. Each goes to the
//! server first (CREATE, DELETE, RENAME, UID STORE, UID COPY / MOVE, UID EXPUNGE) and
//! then to the cache, so the cache never shows what the server refused; checks that
//! MAPI documents (names taken, folders not empty, well-known folders, cycles) come
//! before anything is sent. Offline, every one of them is made in the cache and
//! queued for the next online logon (`ops::offline`).

use mapi_spi::Reply;
use mapi_types::Status;
use mapi_types::folder::{
    CLEAR_NRN_PENDING, CLEAR_READ_FLAG, CLEAR_RN_PENDING, COPY_SUBFOLDERS, DEL_ASSOCIATED,
    DEL_FOLDERS, DEL_MESSAGES, DELETE_HARD_DELETE, FOLDER_DIALOG, FOLDER_MOVE,
    GENERATE_RECEIPT_ONLY, MESSAGE_DIALOG, MESSAGE_MOVE, OPEN_IF_EXISTS, SUPPRESS_RECEIPT,
};
use mapi_types::object::MAPI_DEFERRED_ERRORS;

use super::InternetStore;
use crate::cache::{FolderRow, MessageRow, NewMessage, Pending, PendingOp};
use crate::error::{InternetError, Result};
use crate::imap::{Imap, wire};
use crate::props;
use crate::sync::lock;

mod offline;

/// Folder kinds MAPI clients rely on: never deleted, moved or renamed.
const WELL_KNOWN: [&str; 5] = ["root", "inbox", "outbox", "sent", "trash"];

fn disallowed(status: Status, detail: impl Into<String>) -> InternetError {
    InternetError::Disallowed {
        status,
        detail: detail.into(),
    }
}

fn check_flags(call: &str, flags: u32, allowed: u32) -> Result<()> {
    let unknown = flags & !allowed;
    if unknown != 0 {
        return Err(disallowed(
            Status::MAPI_E_UNKNOWN_FLAGS,
            format!("{call}: unknown flags 0x{unknown:08X}"),
        ));
    }
    Ok(())
}

/// A folder name a client gives: not empty, no control characters, no delimiter.
fn check_name(name: &str, delimiter: Option<u8>) -> Result<()> {
    let bad = name.is_empty()
        || name.chars().any(char::is_control)
        || delimiter.is_some_and(|d| name.as_bytes().contains(&d));
    if bad {
        return Err(disallowed(
            Status::MAPI_E_INVALID_PARAMETER,
            format!(
                "{:?} is not a folder name (empty, a control character, or the server's delimiter)",
                name
            ),
        ));
    }
    Ok(())
}

impl InternetStore {
    /// Queues `op` on message `m` of server folder `name` for the next online
    /// synchronisation. A message not yet on the server (stored offline) has nothing
    /// to change there: a deletion takes back its queued APPEND, a flag travels with it.
    pub(super) fn queue_offline(&self, name: &[u8], m: &MessageRow, op: PendingOp) -> Result<()> {
        let db = lock(&self.shared.db);
        if m.uidvalidity == 0 {
            if op == PendingOp::Delete {
                db.unqueue_append(m.id)?;
            }
            return Ok(());
        }
        db.queue(&Pending {
            seq: 0,
            op,
            folder: name.to_vec(),
            uidvalidity: m.uidvalidity,
            uid: m.uid,
            message_id: None,
            target: None,
            source: None,
        })
    }

    /// The folder row of a server folder's entry id, or MAPI_E_NO_SUPPORT for a local one.
    fn server_folder(&self, entry: &[u8]) -> Result<(FolderRow, Vec<u8>)> {
        let f = self.folder_by_entry(entry)?;
        match f.imap_name.clone() {
            Some(name) => Ok((f, name)),
            None if f.kind == "root" => Ok((f, Vec::new())),
            None => Err(InternetError::NoSupport(format!(
                "this operation on the local folder {:?}",
                f.display_name
            ))),
        }
    }

    /// The cached messages of `folder` among `entries`, and how many were not found there.
    fn messages_in(
        &self,
        folder: &FolderRow,
        entries: &[Vec<u8>],
    ) -> Result<(Vec<MessageRow>, usize)> {
        let s = &self.shared;
        let db = lock(&s.db);
        let mut found = Vec::new();
        let mut missing = 0;
        for e in entries {
            let id = props::parse_message(e, &s.store_uid)?;
            match db.message(id) {
                Ok(m) if m.folder_id == folder.id => found.push(m),
                Ok(_) | Err(InternetError::NotFound(_)) => missing += 1,
                Err(e) => return Err(e),
            }
        }
        Ok((found, missing))
    }

    fn partial(missing: usize) -> Status {
        if missing > 0 {
            Status::MAPI_W_PARTIAL_COMPLETION
        } else {
            Status::S_OK
        }
    }

    /// Re-reads the folder tree from the server into the cache.
    async fn refresh_tree(&self, imap: &mut Imap) -> Result<Vec<crate::imap::ListEntry>> {
        let list: Vec<_> = imap
            .list()
            .await?
            .into_iter()
            .filter(|e| wire::quote(&e.name).is_some())
            .collect();
        lock(&self.shared.db).apply_list(&list)?;
        Ok(list)
    }

    fn children(&self, folder: &FolderRow) -> Result<Vec<FolderRow>> {
        Ok(lock(&self.shared.db)
            .folders()?
            .into_iter()
            .filter(|f| f.parent_id == Some(folder.id))
            .collect())
    }

    /// `folder` and every folder below it.
    fn subtree(&self, folder: &FolderRow) -> Result<Vec<FolderRow>> {
        let all = lock(&self.shared.db).folders()?;
        let mut out = vec![folder.clone()];
        let mut i = 0;
        while i < out.len() {
            let id = out[i].id;
            out.extend(all.iter().filter(|f| f.parent_id == Some(id)).cloned());
            i += 1;
        }
        Ok(out)
    }

    pub(super) async fn create_folder_now(
        &self,
        parent: &[u8],
        name: &str,
        flags: u32,
    ) -> Result<Vec<u8>> {
        check_flags(
            "CreateFolder",
            flags,
            OPEN_IF_EXISTS | MAPI_DEFERRED_ERRORS | 0x8000_0000,
        )?;
        let (parent, parent_name) = self.server_folder(parent)?;
        let s = &self.shared;
        let existing = self
            .children(&parent)?
            .into_iter()
            .find(|f| f.display_name == name);
        if let Some(f) = existing {
            if flags & OPEN_IF_EXISTS != 0 {
                return Ok(props::folder_entry(&s.store_uid, f.id));
            }
            return Err(disallowed(
                Status::MAPI_E_COLLISION,
                format!("a folder {name:?} already exists there"),
            ));
        }
        if !self.is_online() {
            return self.create_folder_offline(&parent, &parent_name, name);
        }
        let full = self
            .with_imap("create a folder", async |imap| {
                let list = imap.list().await?;
                let delimiter = if parent_name.is_empty() {
                    list.iter().find_map(|e| e.delimiter)
                } else {
                    list.iter()
                        .find(|e| e.name == parent_name)
                        .and_then(|e| e.delimiter)
                };
                check_name(name, delimiter)?;
                let mut full = parent_name.clone();
                if !full.is_empty() {
                    let d = delimiter.ok_or_else(|| {
                        InternetError::NoSupport(
                            "subfolders on a server without a hierarchy delimiter".into(),
                        )
                    })?;
                    full.push(d);
                }
                full.extend_from_slice(&wire::encode_mutf7(name));
                imap.create(&full).await?;
                self.refresh_tree(imap).await?;
                Ok(full)
            })
            .await?;
        let db = lock(&s.db);
        let f = db
            .folders()?
            .into_iter()
            .find(|f| f.imap_name.as_deref() == Some(&full[..]))
            .ok_or_else(|| {
                InternetError::NotFound(format!("the new folder {name:?} in the server's list"))
            })?;
        Ok(props::folder_entry(&s.store_uid, f.id))
    }

    pub(super) async fn delete_folder_now(
        &self,
        parent: &[u8],
        folder: &[u8],
        flags: u32,
    ) -> Result<()> {
        check_flags(
            "DeleteFolder",
            flags,
            DEL_MESSAGES | DEL_FOLDERS | FOLDER_DIALOG | DELETE_HARD_DELETE,
        )?;
        let (parent, _) = self.server_folder(parent)?;
        let (f, name) = self.server_folder(folder)?;
        if f.parent_id != Some(parent.id) {
            return Err(InternetError::NotFound(format!(
                "folder {:?} under {:?}",
                f.display_name, parent.display_name
            )));
        }
        if WELL_KNOWN.contains(&f.kind.as_str()) || f.kind == "drafts" {
            return Err(disallowed(
                Status::MAPI_E_NO_ACCESS,
                format!(
                    "{:?} is a well-known folder and is not deleted",
                    f.display_name
                ),
            ));
        }
        let tree = self.subtree(&f)?;
        if tree.len() > 1 && flags & DEL_FOLDERS == 0 {
            return Err(disallowed(
                Status::MAPI_E_HAS_FOLDERS,
                format!("{:?} has subfolders (give DEL_FOLDERS)", f.display_name),
            ));
        }
        if !self.is_online() {
            if flags & DEL_MESSAGES == 0
                && let Some(t) = tree.iter().find(|t| t.count > 0)
            {
                return Err(disallowed(
                    Status::MAPI_E_HAS_MESSAGES,
                    format!("{:?} holds messages (give DEL_MESSAGES)", t.display_name),
                ));
            }
            return self.delete_folder_offline(&tree);
        }
        self.with_imap("delete a folder", async |imap| {
            if flags & DEL_MESSAGES == 0 {
                for t in &tree {
                    if let Some(n) = &t.imap_name
                        && t.selectable
                        && imap.status(n).await?.exists > 0
                    {
                        return Err(disallowed(
                            Status::MAPI_E_HAS_MESSAGES,
                            format!("{:?} holds messages (give DEL_MESSAGES)", t.display_name),
                        ));
                    }
                }
            }
            // deepest first: a server may refuse to delete a folder with children
            for t in tree.iter().rev() {
                if let Some(n) = &t.imap_name {
                    imap.delete_mailbox(n).await?;
                }
            }
            let _ = &name;
            self.refresh_tree(imap).await.map(|_| ())
        })
        .await
    }

    pub(super) async fn empty_folder_now(&self, folder: &[u8], flags: u32) -> Result<()> {
        check_flags(
            "EmptyFolder",
            flags,
            DEL_ASSOCIATED | FOLDER_DIALOG | DELETE_HARD_DELETE,
        )?;
        let (f, name) = self.server_folder(folder)?;
        let tree = self.subtree(&f)?;
        if !self.is_online() {
            return self.empty_folder_offline(&tree);
        }
        let s = &self.shared;
        self.with_imap("empty a folder", async |imap| {
            for t in tree.iter().skip(1).rev() {
                if let Some(n) = &t.imap_name {
                    imap.delete_mailbox(n).await?;
                }
            }
            if f.selectable && !name.is_empty() {
                let st = imap.select(&name, true).await?;
                if st.is_none_or(|st| st.exists > 0) {
                    imap.run_ok("UID STORE 1:* +FLAGS.SILENT (\\Deleted)")
                        .await?;
                    imap.run_ok("EXPUNGE").await?;
                }
            }
            self.refresh_tree(imap).await.map(|_| ())
        })
        .await?;
        let db = lock(&s.db);
        let gone: Vec<i64> = db.messages(f.id)?.iter().map(|m| m.id).collect();
        db.apply_changes(&gone, &[])
    }

    pub(super) async fn copy_folder_now(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> Result<Vec<u8>> {
        check_flags(
            "CopyFolder",
            flags,
            FOLDER_MOVE | FOLDER_DIALOG | COPY_SUBFOLDERS | 0x8000_0000 | 0x4,
        )?;
        let (parent, _) = self.server_folder(parent)?;
        let (f, old) = self.server_folder(folder)?;
        let (dest, dest_name) = self.server_folder(dest_parent)?;
        if f.parent_id != Some(parent.id) {
            return Err(InternetError::NotFound(format!(
                "folder {:?} under {:?}",
                f.display_name, parent.display_name
            )));
        }
        if self.subtree(&f)?.iter().any(|t| t.id == dest.id) {
            return Err(disallowed(
                Status::MAPI_E_FOLDER_CYCLE,
                format!("{:?} cannot go inside itself", f.display_name),
            ));
        }
        let moving = flags & FOLDER_MOVE != 0;
        if moving && WELL_KNOWN.contains(&f.kind.as_str()) {
            return Err(disallowed(
                Status::MAPI_E_NO_ACCESS,
                format!(
                    "{:?} is a well-known folder and is not moved",
                    f.display_name
                ),
            ));
        }
        if !moving && !self.children(&f)?.is_empty() {
            return Err(InternetError::NoSupport(
                "copying a folder that has subfolders (move it, or copy its subfolders one by one)"
                    .into(),
            ));
        }
        let name = new_name.unwrap_or(&f.display_name).to_string();
        if self.children(&dest)?.iter().any(|c| c.display_name == name) {
            return Err(disallowed(
                Status::MAPI_E_COLLISION,
                format!("a folder {name:?} already exists there"),
            ));
        }
        if !self.is_online() {
            return if moving {
                self.move_folder_offline(&f, &old, &dest, &dest_name, &name)
            } else {
                self.copy_folder_offline(&f, &dest, &dest_name, &name).await
            };
        }
        let s = &self.shared;
        let full = self
            .with_imap(
                if moving {
                    "move a folder"
                } else {
                    "copy a folder"
                },
                async |imap| {
                    let list = imap.list().await?;
                    let delimiter = list.iter().find_map(|e| e.delimiter);
                    check_name(&name, delimiter)?;
                    let mut full = dest_name.clone();
                    if !full.is_empty() {
                        full.push(delimiter.ok_or_else(|| {
                            InternetError::NoSupport(
                                "subfolders on a server without a hierarchy delimiter".into(),
                            )
                        })?);
                    }
                    full.extend_from_slice(&wire::encode_mutf7(&name));
                    if moving {
                        imap.rename(&old, &full).await?;
                        // the rows keep their ids and cached messages under the new names
                        lock(&s.db).rename_folder(&old, &full, delimiter)?;
                    } else {
                        imap.create(&full).await?;
                        if f.selectable {
                            let st = imap.select(&old, false).await?;
                            if st.is_none_or(|st| st.exists > 0) {
                                let arg = wire::quote(&full).ok_or_else(|| {
                                    InternetError::NoSupport(
                                        "mailbox names with 8-bit characters".into(),
                                    )
                                })?;
                                imap.run_ok(&format!("UID COPY 1:* {arg}")).await?;
                            }
                        }
                    }
                    self.refresh_tree(imap).await?;
                    Ok(full)
                },
            )
            .await?;
        let row = lock(&s.db)
            .folders()?
            .into_iter()
            .find(|r| r.imap_name.as_deref() == Some(&full[..]))
            .ok_or_else(|| {
                InternetError::NotFound(format!("folder {name:?} in the server's list"))
            })?;
        if !moving && f.selectable {
            // the copy's messages into the cache now, so its counts are right at once
            crate::sync::sync_folders(
                &s.imap,
                &s.db,
                &s.support,
                &s.cancel,
                false,
                Some(&[row.id]),
            )
            .await?;
        }
        Ok(props::folder_entry(&s.store_uid, row.id))
    }

    pub(super) async fn copy_messages_now(
        &self,
        folder: &[u8],
        messages: &[Vec<u8>],
        dest: &[u8],
        flags: u32,
    ) -> Result<Reply<Vec<Option<Vec<u8>>>>> {
        check_flags("CopyMessages", flags, MESSAGE_MOVE | MESSAGE_DIALOG | 0x4)?;
        let src = self.folder_by_entry(folder)?;
        let dest_row = self.folder_by_entry(dest)?;
        let s = &self.shared;
        let mut out = Vec::with_capacity(messages.len());
        let mut missing = 0;
        for e in messages {
            let id = props::parse_message(e, &s.store_uid)?;
            let m = match lock(&s.db).message(id) {
                Ok(m) if m.folder_id == src.id => m,
                Ok(_) | Err(InternetError::NotFound(_)) => {
                    missing += 1;
                    out.push(None);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let on_server = src.imap_name.is_some() || dest_row.imap_name.is_some();
            if on_server && !self.is_online() {
                out.push(if flags & MESSAGE_MOVE != 0 && src.id == dest_row.id {
                    Some(e.clone())
                } else if flags & MESSAGE_MOVE != 0 {
                    self.move_message_offline(&m, &src, &dest_row).await?
                } else {
                    self.copy_message_offline(&m, src.imap_name.as_deref(), &dest_row)
                        .await?
                });
                continue;
            }
            if flags & MESSAGE_MOVE != 0 {
                out.push(Some(
                    mapi_spi::MsgStore::move_message(self, e, dest)
                        .await
                        .map_err(|p| disallowed(p.status, p.message))?,
                ));
                continue;
            }
            // a copy: server side when both folders are on the server, else the bytes
            let copied = match (&src.imap_name, &dest_row.imap_name) {
                (Some(from), Some(to)) => {
                    let key = self
                        .with_imap("copy a message", async |imap| {
                            imap.select(from, false).await?;
                            imap.uid_copy(m.uid, to).await
                        })
                        .await?;
                    match key {
                        Some((validity, uid)) => {
                            let raw = lock(&s.db).raw(m.id)?;
                            let flags: Vec<String> = if m.seen {
                                vec!["\\Seen".into()]
                            } else {
                                Vec::new()
                            };
                            let db = lock(&s.db);
                            let new = db.insert(&NewMessage {
                                folder_id: dest_row.id,
                                uidvalidity: validity,
                                uid,
                                flags: &flags,
                                internaldate: m.delivery_time,
                                raw: &raw,
                            })?;
                            Some(props::message_entry(&s.store_uid, new))
                        }
                        // no COPYUID: the next synchronisation downloads the copy
                        None => None,
                    }
                }
                _ => {
                    let raw = lock(&s.db).raw(m.id)?;
                    let seen = if m.seen { "\\Seen" } else { "" };
                    self.append(&dest_row, vec![raw], seen)
                        .await?
                        .into_iter()
                        .next()
                }
            };
            out.push(copied);
        }
        Ok(Reply {
            status: Self::partial(missing),
            value: out,
        })
    }

    pub(super) async fn delete_messages_now(
        &self,
        folder: &[u8],
        messages: &[Vec<u8>],
        flags: u32,
    ) -> Result<Reply<()>> {
        check_flags("DeleteMessages", flags, MESSAGE_DIALOG | DELETE_HARD_DELETE)?;
        let f = self.folder_by_entry(folder)?;
        let (found, missing) = self.messages_in(&f, messages)?;
        if let Some(name) = f.imap_name.clone() {
            if self.is_online() {
                let uids: Vec<u32> = found.iter().map(|m| m.uid).collect();
                if !uids.is_empty() {
                    self.with_imap("delete messages", async |imap| {
                        imap.select(&name, true).await?;
                        imap.uid_delete_all(&uids).await
                    })
                    .await?;
                }
            } else {
                for m in &found {
                    self.queue_offline(&name, m, PendingOp::Delete)?;
                }
            }
        }
        let gone: Vec<i64> = found.iter().map(|m| m.id).collect();
        lock(&self.shared.db).apply_changes(&gone, &[])?;
        Ok(Reply {
            status: Self::partial(missing),
            value: (),
        })
    }

    pub(super) async fn set_read_flags_now(
        &self,
        folder: &[u8],
        messages: Option<&[Vec<u8>]>,
        flags: u32,
    ) -> Result<Reply<()>> {
        check_flags(
            "SetReadFlags",
            flags,
            SUPPRESS_RECEIPT
                | CLEAR_READ_FLAG
                | GENERATE_RECEIPT_ONLY
                | CLEAR_RN_PENDING
                | CLEAR_NRN_PENDING
                | MAPI_DEFERRED_ERRORS
                | MESSAGE_DIALOG,
        )?;
        let f = self.folder_by_entry(folder)?;
        let (found, missing) = match messages {
            Some(entries) => self.messages_in(&f, entries)?,
            None => (lock(&self.shared.db).messages(f.id)?, 0),
        };
        if flags & GENERATE_RECEIPT_ONLY != 0 {
            // no receipts are generated by this store; the flags stay as they are
            return Ok(Reply {
                status: Self::partial(missing),
                value: (),
            });
        }
        let read = flags & CLEAR_READ_FLAG == 0;
        let change: Vec<&MessageRow> = found.iter().filter(|m| m.seen != read).collect();
        if let Some(name) = f.imap_name.clone()
            && !change.is_empty()
        {
            if self.is_online() {
                let uids: Vec<u32> = change.iter().map(|m| m.uid).collect();
                self.with_imap("change read flags", async |imap| {
                    imap.select(&name, true).await?;
                    imap.uid_store_flag(&uids, read, "\\Seen").await
                })
                .await?;
            } else {
                let op = if read {
                    PendingOp::Seen
                } else {
                    PendingOp::Unseen
                };
                for m in &change {
                    self.queue_offline(&name, m, op)?;
                }
            }
        }
        let db = lock(&self.shared.db);
        let flags_now = db.uids(f.id, f.uidvalidity)?;
        let changed: Vec<(i64, Vec<String>)> = change
            .iter()
            .map(|m| {
                let mut list: Vec<String> = flags_now
                    .get(&m.uid)
                    .map(|(_, fl)| fl.split_whitespace().map(str::to_string).collect())
                    .unwrap_or_default();
                list.retain(|x| !x.eq_ignore_ascii_case("\\Seen"));
                if read {
                    list.push("\\Seen".into());
                }
                (m.id, list)
            })
            .collect();
        db.apply_changes(&[], &changed)?;
        Ok(Reply {
            status: Self::partial(missing),
            value: (),
        })
    }
}
