//! A store's folder and message operations (`IMAPIFolder`, `GetReceiveFolder`) asked
//! by entry id: run on the store the request names, with the provider's status
//! (`MAPI_W_PARTIAL_COMPLETION` included) passed back as in process.

use std::sync::Arc;

use mapi_proto::{FolderOp, FolderReply, ResponseBody};

use crate::conn::ConnState;
use crate::error::Result;

/// Answers a `Folder` request.
pub(crate) async fn answer(
    conn: &Arc<ConnState>,
    session: u64,
    store: &[u8],
    op: FolderOp,
) -> Result<ResponseBody> {
    let h = conn.handle(session)?;
    let st = h.live()?.open_msg_store(store)?;
    let reply = match op {
        FolderOp::CreateFolder {
            parent,
            name,
            flags,
        } => FolderReply::EntryId(st.create_folder(&parent, &name, flags).await?),
        FolderOp::DeleteFolder {
            parent,
            folder,
            flags,
        } => {
            st.delete_folder(&parent, &folder, flags).await?;
            FolderReply::Done
        }
        FolderOp::EmptyFolder { folder, flags } => {
            st.empty_folder(&folder, flags).await?;
            FolderReply::Done
        }
        FolderOp::CopyFolder {
            parent,
            folder,
            dest_parent,
            new_name,
            flags,
        } => FolderReply::EntryId(
            st.copy_folder(&parent, &folder, &dest_parent, new_name.as_deref(), flags)
                .await?,
        ),
        FolderOp::CopyMessages {
            folder,
            messages,
            dest,
            flags,
        } => {
            let r = st.copy_messages(&folder, &messages, &dest, flags).await?;
            FolderReply::Copied {
                status: r.status,
                entry_ids: r.value,
            }
        }
        FolderOp::DeleteMessages {
            folder,
            messages,
            flags,
        } => FolderReply::Status(st.delete_messages(&folder, &messages, flags).await?.status),
        FolderOp::SetReadFlags {
            folder,
            messages,
            flags,
        } => FolderReply::Status(
            st.set_read_flags(&folder, messages.as_deref(), flags)
                .await?
                .status,
        ),
        FolderOp::GetReceiveFolder { message_class } => {
            let (entry_id, message_class) = st.get_receive_folder(&message_class).await?;
            FolderReply::ReceiveFolder {
                entry_id,
                message_class,
            }
        }
    };
    Ok(ResponseBody::Folder(reply))
}
