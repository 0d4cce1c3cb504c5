//! CreateFolder, DeleteFolder and CopyFolder with `FOLDER_MOVE` while the store is
//! offline: the change is made in the cache at once and queued (CREATE, DELETE,
//! RENAME) for the next online synchronisation, after the checks the online calls
//! make. The server's hierarchy delimiter is the one its last LIST gave.

use mapi_types::Status;

use super::{check_name, disallowed};
use crate::cache::{FolderRow, Pending, PendingOp};
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
}
