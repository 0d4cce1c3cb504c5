//! Property objects and streams a client opened (`IMAPIProp`, `IStream`): handles
//! belonging to a session handle, at most [`MAX_OBJECTS`] at once (more is
//! `MAPI_E_NOT_ENOUGH_MEMORY`), released by `Release`, at logoff and when the
//! connection goes. A released or unknown handle is `MAPI_E_INVALID_OBJECT`. A
//! message's recipient table goes with the session handle's other tables. Each object
//! keeps its store's entry id, so `SubmitMessage` on its handle goes to the engine's
//! spooler exactly as in process.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mapi_engine::{EngineError, OpenedEntry};
use mapi_proto::{MAX_STREAM_PIECE, ObjectOp, ObjectReply, OpenKind, ResponseBody};
use mapi_spi::{PropObject, PropStream};
use mapi_types::{Row, Status};

use crate::conn::ConnState;
use crate::error::{DaemonError, Result};

/// Most objects and streams one session handle holds open.
pub(crate) const MAX_OBJECTS: usize = 1024;

#[derive(Clone)]
pub(crate) enum Held {
    /// An object with its store's store-table entry id (what SubmitMessage needs).
    Object(OpenedEntry),
    Stream(Arc<dyn PropStream>),
}

/// The open objects and streams of one session handle.
#[derive(Default)]
pub(crate) struct Objects {
    map: Mutex<HashMap<u64, Held>>,
    next: AtomicU64,
}

fn status(status: Status, text: String) -> DaemonError {
    DaemonError::Engine(EngineError::Status(status, text))
}

impl Objects {
    pub(crate) fn add(&self, held: Held) -> Result<u64> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_OBJECTS {
            return Err(status(
                Status::MAPI_E_NOT_ENOUGH_MEMORY,
                format!(
                    "a session holds at most {MAX_OBJECTS} open objects and streams: release some"
                ),
            ));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        map.insert(id, held);
        Ok(id)
    }

    fn get(&self, id: u64) -> Result<Held> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
            .ok_or_else(|| {
                status(
                    Status::MAPI_E_INVALID_OBJECT,
                    format!("no object or stream {id} is open on this session (released?)"),
                )
            })
    }

    pub(crate) fn object(&self, id: u64) -> Result<Arc<dyn PropObject>> {
        Ok(self.entry(id)?.object)
    }

    pub(crate) fn entry(&self, id: u64) -> Result<OpenedEntry> {
        match self.get(id)? {
            Held::Object(o) => Ok(o),
            Held::Stream(_) => Err(status(
                Status::MAPI_E_INVALID_OBJECT,
                format!("handle {id} is a stream, not a property object"),
            )),
        }
    }

    fn stream(&self, id: u64) -> Result<Arc<dyn PropStream>> {
        match self.get(id)? {
            Held::Stream(s) => Ok(s),
            Held::Object(_) => Err(status(
                Status::MAPI_E_INVALID_OBJECT,
                format!("handle {id} is a property object, not a stream"),
            )),
        }
    }

    fn remove(&self, id: u64) -> Result<()> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| {
                status(
                    Status::MAPI_E_INVALID_OBJECT,
                    format!("no object or stream {id} is open on this session (released twice?)"),
                )
            })
    }

    /// Releases everything (logoff).
    pub(crate) fn clear(&self) {
        self.map.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Answers an `Object` request.
pub(crate) async fn answer(
    conn: &Arc<ConnState>,
    session: u64,
    op: ObjectOp,
) -> Result<ResponseBody> {
    let h = conn.handle(session)?;
    let s = h.live()?;
    let objs = &h.objects;
    let reply = match op {
        ObjectOp::Open {
            kind,
            store,
            entry_id,
            flags,
        } => {
            let (store, object) = match (kind, store) {
                (OpenKind::Entry, _) => {
                    let e = s.open_entry(&entry_id, flags).await?;
                    (e.store, e.object)
                }
                (_, None) => {
                    return Err(status(
                        Status::MAPI_E_INVALID_PARAMETER,
                        "opening a message, folder or store object needs the store's entry id"
                            .into(),
                    ));
                }
                (kind, Some(store_id)) => {
                    let st = s.open_msg_store(&store_id)?;
                    let object = match kind {
                        OpenKind::Message => st.open_message(&entry_id, flags).await?,
                        OpenKind::Folder => st.open_folder(&entry_id, flags).await?,
                        _ => st.open_store_object().await?,
                    };
                    (store_id, object)
                }
            };
            let object_type = object.object_type();
            let object = objs.add(Held::Object(OpenedEntry {
                store: store.clone(),
                object,
            }))?;
            ObjectReply::Opened {
                object,
                object_type,
                store,
            }
        }
        ObjectOp::GetProps {
            object,
            tags,
            flags,
        } => {
            let r = objs
                .object(object)?
                .get_props(tags.as_deref(), flags)
                .await?;
            ObjectReply::Props {
                status: r.status,
                values: Row(r.value),
            }
        }
        ObjectOp::GetPropList { object, flags } => ObjectReply::Tags {
            status: Status::S_OK,
            tags: objs.object(object)?.get_prop_list(flags).await?,
        },
        ObjectOp::SetProps { object, values } => {
            ObjectReply::Problems(objs.object(object)?.set_props(&values.0).await?)
        }
        ObjectOp::DeleteProps { object, tags } => {
            ObjectReply::Problems(objs.object(object)?.delete_props(&tags).await?)
        }
        ObjectOp::SaveChanges { object, flags } => {
            objs.object(object)?.save_changes(flags).await?;
            ObjectReply::Done
        }
        ObjectOp::OpenProperty {
            object,
            tag,
            interface,
            flags,
        } => {
            let stream = objs
                .object(object)?
                .open_property(tag, &interface, flags)
                .await?;
            ObjectReply::StreamOpened {
                stream: objs.add(Held::Stream(Arc::from(stream)))?,
            }
        }
        ObjectOp::GetIdsFromNames {
            object,
            names,
            flags,
        } => {
            let r = objs
                .object(object)?
                .get_ids_from_names(&names, flags)
                .await?;
            ObjectReply::Tags {
                status: r.status,
                tags: r.value,
            }
        }
        ObjectOp::GetNamesFromIds {
            object,
            tags,
            guid,
            flags,
        } => {
            let r = objs
                .object(object)?
                .get_names_from_ids(tags.as_deref(), guid.as_ref(), flags)
                .await?;
            ObjectReply::Names {
                status: r.status,
                names: r.value,
            }
        }
        ObjectOp::Read { stream, len } => {
            let mut buf = vec![0; (len as usize).min(MAX_STREAM_PIECE)];
            let n = objs.stream(stream)?.read(&mut buf).await?;
            buf.truncate(n);
            ObjectReply::Data(buf)
        }
        ObjectOp::Write { stream, data } => {
            let n = objs.stream(stream)?.write(&data).await?;
            ObjectReply::Count(n as u64)
        }
        ObjectOp::Seek {
            stream,
            offset,
            origin,
        } => ObjectReply::Count(objs.stream(stream)?.seek(offset, origin).await?),
        ObjectOp::SetSize { stream, size } => {
            objs.stream(stream)?.set_size(size).await?;
            ObjectReply::Done
        }
        ObjectOp::Stat { stream } => ObjectReply::Stat(objs.stream(stream)?.stat().await?),
        ObjectOp::Commit { stream, flags } => {
            objs.stream(stream)?.commit(flags).await?;
            ObjectReply::Done
        }
        ObjectOp::Release { handle } => {
            objs.remove(handle)?;
            ObjectReply::Done
        }
        ObjectOp::CreateMessage {
            store,
            folder,
            flags,
        } => {
            let created = s.create_message(&store, &folder, flags).await?;
            let object_type = created.object.object_type();
            let object = objs.add(Held::Object(created))?;
            ObjectReply::Opened {
                object,
                object_type,
                store,
            }
        }
        ObjectOp::ModifyRecipients {
            object,
            flags,
            rows,
        } => {
            objs.object(object)?.modify_recipients(flags, &rows).await?;
            ObjectReply::Done
        }
        ObjectOp::RecipientTable { object, flags } => {
            let source = objs.object(object)?.recipient_table(flags).await?;
            let default_columns = source.default_columns();
            let all_columns = source.all_columns();
            ObjectReply::TableOpened {
                table: h.tables.add(source, None)?,
                default_columns,
                all_columns,
            }
        }
        ObjectOp::SubmitMessage { object, flags } => {
            ObjectReply::Submitted(s.submit_message(&objs.entry(object)?, flags).await?)
        }
        ObjectOp::SetReadFlag { object, flags } => {
            s.set_read_flag(&objs.entry(object)?, flags).await?;
            ObjectReply::Done
        }
        op @ (ObjectOp::CreateAttach { .. }
        | ObjectOp::OpenAttach { .. }
        | ObjectOp::DeleteAttach { .. }
        | ObjectOp::AttachmentTable { .. }
        | ObjectOp::OpenPropertyObject { .. }) => crate::attachments::answer(&h, op).await?,
    };
    Ok(ResponseBody::Object(reply))
}
