//! A store's folder and message operations at the daemon: one request per
//! `IMAPIFolder` method (and `GetReceiveFolder`), naming folders and messages by entry
//! id.

use mapi_proto::{FolderOp, FolderReply, RequestBody, ResponseBody};

use crate::conn::unexpected;
use crate::error::Result;
use crate::session::RemoteSession;

impl RemoteSession {
    /// One folder or message operation on the store `store` (its store-table entry id)
    /// and its reply, warning included. A session that ended is `MAPI_E_END_OF_SESSION`.
    pub async fn folder(&self, store: &[u8], op: FolderOp) -> Result<FolderReply> {
        let name = op.name();
        match self
            .call(RequestBody::Folder {
                session: self.id(),
                store: store.to_vec(),
                op,
            })
            .await?
        {
            ResponseBody::Folder(reply) => Ok(reply),
            other => Err(unexpected(name, &other)),
        }
    }
}
