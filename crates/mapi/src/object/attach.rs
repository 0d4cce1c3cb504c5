//! A message's attachments on [`Object`] (`IMessage::CreateAttach` / `OpenAttach` /
//! `DeleteAttach` / `GetAttachmentTable`) and `OpenProperty` for an object interface
//! (PR_ATTACH_DATA_OBJ as `IID_IMessage`: an embedded message), over either link with
//! the provider's statuses.
//!
//! Attachments and embedded messages are objects like the others (through the daemon,
//! handles counted in the same per-session bound). A child keeps what it needs of its
//! parent: releasing a message leaves its open attachments and embedded messages
//! usable, as MAPI keeps a child valid while it is referenced; their SaveChanges hand
//! their changes to the parent object, which reaches the store only through the
//! message's SaveChanges (so changes under a released message are never saved).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use mapi_client::{ObjectOp, ObjectReply};
use mapi_engine::Result;
use mapi_spi::PropObject;
use mapi_types::{MapiUid, PropTag, TableView};

use super::{Object, ObjectLink, RemoteHandle, released, unexpected};
use crate::remote_table::RemoteSource;

impl Object {
    /// A child of this object (an attachment or embedded message), on the same link.
    fn child_local(&self, child: Arc<dyn PropObject>) -> Object {
        match &self.link {
            ObjectLink::Local { rt, alive, .. } => {
                Object::new_local(rt.clone(), alive.clone(), child)
            }
            ObjectLink::Remote(_) => unreachable!("a local object's child"),
        }
    }

    fn child_remote(&self, object_type: u32, handle: u64) -> Object {
        match &self.link {
            ObjectLink::Remote(h) => Object::new_remote(
                object_type,
                RemoteHandle::new(h.rt.clone(), h.session.clone(), handle),
            ),
            ObjectLink::Local { .. } => unreachable!("a remote object's child"),
        }
    }

    /// `IMessage::CreateAttach`: a new, writable attachment and its PR_ATTACH_NUM; it
    /// reaches the message at its own SaveChanges and the store at the message's.
    /// `flags`: `MAPI_DEFERRED_ERRORS`. A message opened for reading answers
    /// `MAPI_E_NO_ACCESS`; an object that is not a message, `MAPI_E_NO_SUPPORT`.
    pub fn create_attach(&self, flags: u32) -> Result<(u32, Object)> {
        if let Some(r) = self.on_local(async |o| o.create_attach(flags).await) {
            let (num, att) = r?;
            return Ok((num, self.child_local(att)));
        }
        match self.on_remote(ObjectOp::CreateAttach {
            object: self.handle(),
            flags,
        })? {
            ObjectReply::AttachCreated { num, object } => Ok((
                num,
                self.child_remote(mapi_types::object_type::MAPI_ATTACH, object),
            )),
            other => Err(unexpected("CreateAttach", &other)),
        }
    }

    /// `IMessage::OpenAttach`: attachment `num` (its PR_ATTACH_NUM). `flags`:
    /// `MAPI_MODIFY`, `MAPI_BEST_ACCESS`, `MAPI_DEFERRED_ERRORS`. An unknown number is
    /// `MAPI_E_NOT_FOUND`; `MAPI_MODIFY` on a message opened for reading,
    /// `MAPI_E_NO_ACCESS`.
    pub fn open_attach(&self, num: u32, flags: u32) -> Result<Object> {
        if let Some(r) = self.on_local(async |o| o.open_attach(num, flags).await) {
            return Ok(self.child_local(r?));
        }
        let reply = self.on_remote(ObjectOp::OpenAttach {
            object: self.handle(),
            num,
            flags,
        })?;
        self.opened_child("OpenAttach", reply)
    }

    /// `IMessage::DeleteAttach`: removes attachment `num` (kept in the message until
    /// SaveChanges). `flags`: `ATTACH_DIALOG`. An unknown number is `MAPI_E_NOT_FOUND`;
    /// a message opened for reading, `MAPI_E_NO_ACCESS`; an attachment object opened
    /// before and saved after, `MAPI_E_OBJECT_DELETED`.
    pub fn delete_attach(&self, num: u32, flags: u32) -> Result<()> {
        if let Some(r) = self.on_local(async |o| o.delete_attach(num, flags).await) {
            return r;
        }
        match self.on_remote(ObjectOp::DeleteAttach {
            object: self.handle(),
            num,
            flags,
        })? {
            ObjectReply::Done => Ok(()),
            other => Err(unexpected("DeleteAttach", &other)),
        }
    }

    /// `IMessage::GetAttachmentTable`: one row per attachment as the message holds them
    /// now (saved or not: PR_ATTACH_NUM, PR_ATTACH_METHOD, PR_ATTACH_LONG_FILENAME,
    /// PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE, ...), as a table view like the others
    /// (through the daemon its rows stay there). `flags`: `MAPI_UNICODE`.
    pub fn attachment_table(&self, flags: u32) -> Result<TableView> {
        if let ObjectLink::Local { alive, .. } = &self.link {
            let source = self
                .on_local(async |o| o.attachment_table(flags).await)
                .unwrap_or_else(|| unreachable!("a local object"))?;
            return Ok(TableView::over(source).with_liveness(alive.clone()));
        }
        let ObjectLink::Remote(h) = &self.link else {
            unreachable!("a remote object")
        };
        if self.released.load(Ordering::SeqCst) {
            return Err(released("object"));
        }
        match h.call(ObjectOp::AttachmentTable {
            object: h.handle,
            flags,
        })? {
            ObjectReply::TableOpened {
                table,
                default_columns,
                all_columns,
            } => Ok(RemoteSource::view_of(
                h.rt.clone(),
                h.session.clone(),
                table,
                default_columns,
                all_columns,
            )),
            other => Err(unexpected("GetAttachmentTable", &other)),
        }
    }

    /// `OpenProperty` for an object interface: PR_ATTACH_DATA_OBJ as `IID_IMessage` on
    /// an `ATTACH_EMBEDDED_MSG` attachment gives its embedded message, whose
    /// SaveChanges saves it into the attachment. `flags`: `MAPI_MODIFY`, `MAPI_CREATE`
    /// (a new, empty message), `MAPI_DEFERRED_ERRORS`. Another interface is
    /// `MAPI_E_INTERFACE_NOT_SUPPORTED`; a property the object lacks,
    /// `MAPI_E_NOT_FOUND`. For streams use [`Object::open_property`].
    pub fn open_property_object(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> Result<Object> {
        if let Some(r) =
            self.on_local(async |o| o.open_property_object(tag, interface, flags).await)
        {
            return Ok(self.child_local(r?));
        }
        let reply = self.on_remote(ObjectOp::OpenPropertyObject {
            object: self.handle(),
            tag,
            interface: *interface,
            flags,
        })?;
        self.opened_child("OpenProperty", reply)
    }

    fn opened_child(&self, method: &str, reply: ObjectReply) -> Result<Object> {
        match reply {
            ObjectReply::Opened {
                object,
                object_type,
                ..
            } => Ok(self.child_remote(object_type, object)),
            other => Err(unexpected(method, &other)),
        }
    }
}
