//! Folder and message operations while the store is offline: the change is made in
//! the cache at once and queued for the next online synchronisation, after the checks
//! the online calls make. The server's hierarchy delimiter is the one its last LIST
//! gave.
//!
//! - CreateFolder, DeleteFolder, CopyFolder with `FOLDER_MOVE`: CREATE, DELETE, RENAME.
//! - CopyMessages: the copy is stored from the cached bytes (with `\Seen` when the
//!   original is read) and its APPEND queued, as a message stored offline is; with
//!   `MESSAGE_MOVE` the original's deletion is queued after it. A source deleted on the
//!   server meanwhile drops that deletion with a status note and the moved copy, made
//!   from what the user saw, is kept, so nothing is lost and nothing is stored twice. A
//!   plain copy whose original was deleted on the server meanwhile is dropped with a
//!   status note (the queued APPEND names its original), as the deletion would be.
//! - CopyFolder without `FOLDER_MOVE`: the new folder's CREATE, then its messages'
//!   APPENDs.
//! - EmptyFolder: the subfolders' DELETEs, then each cached message's deletion (a
//!   message gone from the server meanwhile is dropped with a status note).

use mapi_types::Status;

use super::{check_name, disallowed};
use crate::cache::{FolderRow, MessageRow, Pending, PendingOp};
use crate::error::{InternetError, Result};
use crate::imap::wire;
use crate::props;
use crate::store::InternetStore;
use crate::sync::lock;

fn queued(op: PendingOp, folder: &[u8], target: Option<Vec<u8>>) -> Pending {
    Pending {
        seq: 0,
        op,
        folder: folder.to_vec(),
        uidvalidity: 0,
        uid: 0,
        message_id: None,
        target,
        source: None,
    }
}

impl InternetStore {
    /// The server name of `name` under the server folder `parent` (empty: the top).
    fn child_name(&self, parent: &[u8], name: &str) -> Result<(Vec<u8>, Option<u8>)> {
        let delimiter = lock(&self.shared.db).delimiter()?;
        check_name(name, delimiter)?;
        if delimiter.is_none() && name.contains(['/', '.']) {
            // the usual delimiters, while the server's is not known
            return Err(disallowed(
                Status::MAPI_E_INVALID_PARAMETER,
                format!("{name:?}: no '/' or '.' until the server's delimiter is known"),
            ));
        }
        let mut full = parent.to_vec();
        if !full.is_empty() {
            full.push(delimiter.ok_or_else(|| {
                InternetError::Offline(
                    "make a subfolder before the server's hierarchy delimiter is known".into(),
                )
            })?);
        }
        full.extend_from_slice(&wire::encode_mutf7(name));
        if wire::quote(&full).is_none() {
            return Err(disallowed(
                Status::MAPI_E_INVALID_PARAMETER,
                format!("{name:?} does not make a folder name this client can send"),
            ));
        }
        Ok((full, delimiter))
    }

    pub(super) fn create_folder_offline(
        &self,
        parent: &FolderRow,
        parent_name: &[u8],
        name: &str,
    ) -> Result<Vec<u8>> {
        let (full, _) = self.child_name(parent_name, name)?;
        let s = &self.shared;
        let db = lock(&s.db);
        let id = db.add_folder(parent.id, &full, name)?;
        db.queue(&queued(PendingOp::CreateFolder, &full, None))?;
        Ok(props::folder_entry(&s.store_uid, id))
    }

    /// Deletes `tree` (a folder and everything below it, parents first) from the cache
    /// and queues the DELETEs, deepest first.
    pub(super) fn delete_folder_offline(&self, tree: &[FolderRow]) -> Result<()> {
        let db = lock(&self.shared.db);
        for t in tree.iter().rev() {
            if let Some(n) = &t.imap_name {
                db.queue(&queued(PendingOp::DeleteFolder, n, None))?;
            }
        }
        let ids: Vec<i64> = tree.iter().map(|t| t.id).collect();
        db.remove_folders(&ids)
    }

    /// Moves folder `f` (server name `old`) under `dest` as `name` in the cache and
    /// queues the RENAME.
    pub(super) fn move_folder_offline(
        &self,
        f: &FolderRow,
        old: &[u8],
        dest: &FolderRow,
        dest_name: &[u8],
        name: &str,
    ) -> Result<Vec<u8>> {
        let (full, delimiter) = self.child_name(dest_name, name)?;
        let s = &self.shared;
        let db = lock(&s.db);
        db.rename_folder(old, &full, delimiter)?;
        db.move_folder(f.id, dest.id, name)?;
        db.queue(&queued(PendingOp::RenameFolder, old, Some(full)))?;
        Ok(props::folder_entry(&s.store_uid, f.id))
    }

    /// A copy of message `m` stored in `dest` from its cached bytes, its APPEND queued.
    /// For a plain copy `source` names `m`'s server folder: the queued APPEND records
    /// the original, and the replay drops the copy (with a status note) when the
    /// original left the server meanwhile.
    pub(super) async fn copy_message_offline(
        &self,
        m: &MessageRow,
        source: Option<&[u8]>,
        dest: &FolderRow,
    ) -> Result<Option<Vec<u8>>> {
        let raw = lock(&self.shared.db).raw(m.id)?;
        let seen = if m.seen { "\\Seen" } else { "" };
        let copy = self.append(dest, vec![raw], seen).await?.into_iter().next();
        if let (Some(entry), Some(name)) = (&copy, source)
            && m.uidvalidity != 0
        {
            let id = props::parse_message(entry, &self.shared.store_uid)?;
            lock(&self.shared.db).set_append_source(id, (name, m.uidvalidity, m.uid))?;
        }
        Ok(copy)
    }

    /// Message `m` of `src` moved to `dest`: a copy as [`Self::copy_message_offline`],
    /// then the original's deletion queued and the original taken from the cache.
    pub(super) async fn move_message_offline(
        &self,
        m: &MessageRow,
        src: &FolderRow,
        dest: &FolderRow,
    ) -> Result<Option<Vec<u8>>> {
        let copy = self.copy_message_offline(m, None, dest).await?;
        if let Some(name) = &src.imap_name {
            self.queue_offline(name, m, PendingOp::Delete)?;
        }
        lock(&self.shared.db).apply_changes(&[m.id], &[])?;
        Ok(copy)
    }

    /// Folder `f` (no subfolders) copied under `dest` as `name`: the new folder made
    /// and its CREATE queued, then a copy of each cached message.
    pub(super) async fn copy_folder_offline(
        &self,
        f: &FolderRow,
        dest: &FolderRow,
        dest_name: &[u8],
        name: &str,
    ) -> Result<Vec<u8>> {
        let entry = self.create_folder_offline(dest, dest_name, name)?;
        let s = &self.shared;
        let (new, messages) = {
            let db = lock(&s.db);
            let new = db.folder(props::parse_folder(&entry, &s.store_uid)?)?;
            (new, db.messages(f.id)?)
        };
        for m in &messages {
            self.copy_message_offline(m, f.imap_name.as_deref(), &new)
                .await?;
        }
        Ok(entry)
    }

    /// `tree` (a folder and everything below it, parents first) emptied: the
    /// subfolders deleted as DeleteFolder does offline, then each message of the
    /// folder deleted and its deletion queued.
    pub(super) fn empty_folder_offline(&self, tree: &[FolderRow]) -> Result<()> {
        let Some((f, below)) = tree.split_first() else {
            return Ok(());
        };
        if !below.is_empty() {
            self.delete_folder_offline(below)?;
        }
        let messages = lock(&self.shared.db).messages(f.id)?;
        if let Some(name) = &f.imap_name {
            for m in &messages {
                self.queue_offline(name, m, PendingOp::Delete)?;
            }
        }
        let gone: Vec<i64> = messages.iter().map(|m| m.id).collect();
        lock(&self.shared.db).apply_changes(&gone, &[])
    }
}
