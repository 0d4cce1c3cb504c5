//! A message's attachments over the link (`IMessage::CreateAttach` / `OpenAttach` /
//! `DeleteAttach` / `GetAttachmentTable`, and `OpenProperty` of PR_ATTACH_DATA_OBJ as
//! `IID_IMessage`). Attachments and embedded messages are object handles like the others
//! (counted in the same bound); an attachment table goes with the session handle's
//! other tables.
//!
//! A child object keeps what it needs of its parent: releasing a message's handle
//! leaves the handles of its attachments and embedded messages valid (as MAPI keeps a
//! child valid while it is referenced); their SaveChanges still hand their changes to
//! the parent object, which reaches the store only through a SaveChanges of a message
//! still held.

use std::sync::Arc;

use mapi_engine::{EngineError, OpenedEntry};
use mapi_proto::{ObjectOp, ObjectReply};
use mapi_spi::PropObject;
use mapi_types::Status;

use crate::error::{DaemonError, Result};
use crate::handles::Handle;
use crate::objects::Held;

/// Answers an attachment operation on session handle `h` (the `Object` dispatch
/// sends only those here; another is `MAPI_E_NO_SUPPORT`).
pub(crate) async fn answer(h: &Handle, op: ObjectOp) -> Result<ObjectReply> {
    let objs = &h.objects;
    Ok(match op {
        ObjectOp::CreateAttach { object, flags } => {
            let parent = objs.entry(object)?;
            let (num, att) = parent.object.create_attach(flags).await?;
            ObjectReply::AttachCreated {
                num,
                object: objs.add(Held::Object(OpenedEntry {
                    store: parent.store,
                    object: att,
                }))?,
            }
        }
        ObjectOp::OpenAttach { object, num, flags } => {
            let parent = objs.entry(object)?;
            let att = parent.object.open_attach(num, flags).await?;
            opened(h, parent.store, att)?
        }
        ObjectOp::DeleteAttach { object, num, flags } => {
            objs.object(object)?.delete_attach(num, flags).await?;
            ObjectReply::Done
        }
        ObjectOp::AttachmentTable { object, flags } => {
            let source = objs.object(object)?.attachment_table(flags).await?;
            let default_columns = source.default_columns();
            let all_columns = source.all_columns();
            ObjectReply::TableOpened {
                table: h.tables.add(source, None)?,
                default_columns,
                all_columns,
            }
        }
        ObjectOp::OpenPropertyObject {
            object,
            tag,
            interface,
            flags,
        } => {
            let parent = objs.entry(object)?;
            let o = parent
                .object
                .open_property_object(tag, &interface, flags)
                .await?;
            opened(h, parent.store, o)?
        }
        other => {
            return Err(DaemonError::Engine(EngineError::Status(
                Status::MAPI_E_NO_SUPPORT,
                format!("{} is not an attachment operation", other.name()),
            )));
        }
    })
}

/// A child object's handle; it keeps its parent's store (an embedded message is
/// submitted through that store's session like its parent).
fn opened(h: &Handle, store: Vec<u8>, object: Arc<dyn PropObject>) -> Result<ObjectReply> {
    let object_type = object.object_type();
    Ok(ObjectReply::Opened {
        object: h.objects.add(Held::Object(OpenedEntry { store, object }))?,
        object_type,
        store: Vec::new(),
    })
}
