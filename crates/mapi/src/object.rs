//! [`Object`] and [`Stream`]: a property object (`IMAPIProp`: a message, folder or
//! store) and a stream over one of its properties (`IStream`), whichever link their
//! session runs over. In process they call the provider's object; through the daemon
//! each call is one request on a handle the daemon holds. Every call answers the same
//! on both links: the same values, warnings (`MAPI_W_ERRORS_RETURNED`) and statuses
//! (`MAPI_E_INVALID_OBJECT` after [`Object::release`], `MAPI_E_END_OF_SESSION` once the
//! session ended). Attachments and embedded messages (`attach`) are objects too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use mapi_client::{MAX_STREAM_PIECE, ObjectOp, ObjectReply, RemoteSession};
use mapi_engine::{EngineError, OpenedEntry, Result, SubmitOutcome};
use mapi_spi::{PropNames, PropObject, PropStream, PropValues, Reply};
use mapi_types::table::view::Liveness;
use mapi_types::{MapiUid, PropTag, PropValue, Row, Status, TableView};
use tokio::runtime::Runtime;

mod attach;

use crate::any_session::client_err;
use crate::remote_table::RemoteSource;

/// The flags, GUIDs and types of `mapi_types::object` (this module takes its name).
pub use mapi_types::object::*;

/// A property object (`IMAPIProp`) of a message, folder or store.
pub struct Object {
    object_type: u32,
    link: ObjectLink,
    released: AtomicBool,
}

/// A stream over one property (`IStream`), from [`Object::open_property`].
pub struct Stream {
    link: StreamLink,
    released: AtomicBool,
}

enum ObjectLink {
    Local {
        rt: Arc<Runtime>,
        alive: Liveness,
        object: Arc<dyn PropObject>,
        spooler: Option<Spooler>,
    },
    Remote(RemoteHandle),
}

/// What an in-process object needs to be submitted: the engine session that opened it
/// (held weakly: the object does not keep the session alive) and its store's entry id
/// in the store table.
pub(crate) struct Spooler {
    session: Weak<mapi_engine::Session>,
    store: Vec<u8>,
}

impl Spooler {
    pub(crate) fn new(session: Weak<mapi_engine::Session>, store: Vec<u8>) -> Spooler {
        Spooler { session, store }
    }
}

enum StreamLink {
    Local {
        rt: Arc<Runtime>,
        alive: Liveness,
        stream: Arc<dyn PropStream>,
    },
    Remote(RemoteHandle),
}

/// A handle the daemon holds, released when dropped.
pub(crate) struct RemoteHandle {
    rt: Arc<Runtime>,
    session: Arc<RemoteSession>,
    handle: u64,
}

impl RemoteHandle {
    pub(crate) fn new(rt: Arc<Runtime>, session: Arc<RemoteSession>, handle: u64) -> RemoteHandle {
        RemoteHandle {
            rt,
            session,
            handle,
        }
    }

    fn call(&self, op: ObjectOp) -> Result<ObjectReply> {
        self.rt
            .block_on(self.session.object(op))
            .map_err(client_err)
    }

    /// `Release` of the handle at the daemon; `released` is set first.
    fn release(&self, released: &AtomicBool) -> Result<()> {
        released.store(true, Ordering::SeqCst);
        match self.call(ObjectOp::Release {
            handle: self.handle,
        })? {
            ObjectReply::Done => Ok(()),
            other => Err(unexpected("Release", &other)),
        }
    }

    /// What dropping an object or stream does: releases the handle unless `released`.
    fn drop_unless(&self, released: &AtomicBool) {
        if !released.load(Ordering::SeqCst) {
            self.session.release_object(self.handle);
        }
    }
}

/// A local object's or stream's `Release`: a second one is `MAPI_E_INVALID_OBJECT`.
fn release_local(done: &AtomicBool, what: &str) -> Result<()> {
    if done.swap(true, Ordering::SeqCst) {
        return Err(released(what));
    }
    Ok(())
}

fn unexpected(method: &str, reply: &ObjectReply) -> EngineError {
    EngineError::Status(
        Status::MAPI_E_CALL_FAILED,
        format!("the daemon answered {method} with an unexpected reply {reply:?}"),
    )
}

fn released(what: &str) -> EngineError {
    EngineError::Status(
        Status::MAPI_E_INVALID_OBJECT,
        format!("the {what} has been released"),
    )
}

fn check(alive: &Liveness) -> Result<()> {
    alive().map_err(|e| EngineError::EndOfSession(e.message))
}

impl Object {
    /// An object of this process's session.
    pub(crate) fn new_local(
        rt: Arc<Runtime>,
        alive: Liveness,
        object: Arc<dyn PropObject>,
    ) -> Object {
        Object {
            object_type: object.object_type(),
            link: ObjectLink::Local {
                rt,
                alive,
                object,
                spooler: None,
            },
            released: AtomicBool::new(false),
        }
    }

    /// The session and store an in-process object is submitted through.
    pub(crate) fn with_spooler(mut self, with: Spooler) -> Object {
        if let ObjectLink::Local { spooler, .. } = &mut self.link {
            *spooler = Some(with);
        }
        self
    }

    /// An object the daemon holds as `handle`.
    pub(crate) fn new_remote(object_type: u32, handle: RemoteHandle) -> Object {
        Object {
            object_type,
            link: ObjectLink::Remote(handle),
            released: AtomicBool::new(false),
        }
    }

    /// The object's `PR_OBJECT_TYPE` (`MAPI_MESSAGE`, `MAPI_FOLDER`, `MAPI_STORE`).
    pub fn object_type(&self) -> u32 {
        self.object_type
    }

    fn on_local<T>(
        &self,
        f: impl AsyncFnOnce(&Arc<dyn PropObject>) -> mapi_spi::ProviderResult<T>,
    ) -> Option<Result<T>> {
        match &self.link {
            ObjectLink::Local {
                rt, alive, object, ..
            } => Some((|| {
                if self.released.load(Ordering::SeqCst) {
                    return Err(released("object"));
                }
                check(alive)?;
                Ok(rt.block_on(f(object))?)
            })()),
            ObjectLink::Remote(_) => None,
        }
    }

    fn on_remote(&self, op: ObjectOp) -> Result<ObjectReply> {
        match &self.link {
            ObjectLink::Remote(h) => h.call(op),
            ObjectLink::Local { .. } => unreachable!("answered by the local link"),
        }
    }

    fn handle(&self) -> u64 {
        match &self.link {
            ObjectLink::Remote(h) => h.handle,
            ObjectLink::Local { .. } => 0,
        }
    }

    /// `GetProps`: `tags` `None` asks for every property. A missing property comes back
    /// as `PT_ERROR` holding `MAPI_E_NOT_FOUND` and the reply's status is
    /// `MAPI_W_ERRORS_RETURNED`. `flags`: `MAPI_UNICODE`.
    pub fn get_props(&self, tags: Option<&[PropTag]>, flags: u32) -> Result<Reply<PropValues>> {
        if let Some(r) = self.on_local(async |o| o.get_props(tags, flags).await) {
            return r;
        }
        match self.on_remote(ObjectOp::GetProps {
            object: self.handle(),
            tags: tags.map(<[PropTag]>::to_vec),
            flags,
        })? {
            ObjectReply::Props { status, values } => Ok(Reply {
                status,
                value: values.0,
            }),
            other => Err(unexpected("GetProps", &other)),
        }
    }

    /// `GetPropList`: every property's tag. `flags`: `MAPI_UNICODE`.
    pub fn get_prop_list(&self, flags: u32) -> Result<Vec<PropTag>> {
        if let Some(r) = self.on_local(async |o| o.get_prop_list(flags).await) {
            return r;
        }
        match self.on_remote(ObjectOp::GetPropList {
            object: self.handle(),
            flags,
        })? {
            ObjectReply::Tags { tags, .. } => Ok(tags),
            other => Err(unexpected("GetPropList", &other)),
        }
    }

    /// `SetProps`: the properties that could not be set, each a problem.
    pub fn set_props(&self, values: &[(PropTag, PropValue)]) -> Result<Vec<PropProblem>> {
        if let Some(r) = self.on_local(async |o| o.set_props(values).await) {
            return r;
        }
        match self.on_remote(ObjectOp::SetProps {
            object: self.handle(),
            values: Row(values.to_vec()),
        })? {
            ObjectReply::Problems(p) => Ok(p),
            other => Err(unexpected("SetProps", &other)),
        }
    }

    /// `DeleteProps`: the properties that could not be removed, each a problem.
    pub fn delete_props(&self, tags: &[PropTag]) -> Result<Vec<PropProblem>> {
        if let Some(r) = self.on_local(async |o| o.delete_props(tags).await) {
            return r;
        }
        match self.on_remote(ObjectOp::DeleteProps {
            object: self.handle(),
            tags: tags.to_vec(),
        })? {
            ObjectReply::Problems(p) => Ok(p),
            other => Err(unexpected("DeleteProps", &other)),
        }
    }

    /// `SaveChanges` (`KEEP_OPEN_READONLY`, `KEEP_OPEN_READWRITE`, `FORCE_SAVE`): another
    /// session having saved the object meanwhile is `MAPI_E_OBJECT_CHANGED`.
    pub fn save_changes(&self, flags: u32) -> Result<()> {
        if let Some(r) = self.on_local(async |o| o.save_changes(flags).await) {
            return r;
        }
        match self.on_remote(ObjectOp::SaveChanges {
            object: self.handle(),
            flags,
        })? {
            ObjectReply::Done => Ok(()),
            other => Err(unexpected("SaveChanges", &other)),
        }
    }

    /// `OpenProperty` with `IID_IStream`: a stream over a large property. `flags`:
    /// `MAPI_MODIFY`, `MAPI_CREATE`, `STREAM_APPEND`.
    pub fn open_property(&self, tag: PropTag, interface: &MapiUid, flags: u32) -> Result<Stream> {
        if let ObjectLink::Local { rt, alive, .. } = &self.link {
            let stream = self
                .on_local(async |o| o.open_property(tag, interface, flags).await)
                .unwrap_or_else(|| unreachable!("a local object"))?;
            return Ok(Stream {
                link: StreamLink::Local {
                    rt: rt.clone(),
                    alive: alive.clone(),
                    stream: Arc::from(stream),
                },
                released: AtomicBool::new(false),
            });
        }
        let ObjectLink::Remote(h) = &self.link else {
            unreachable!("a remote object")
        };
        match h.call(ObjectOp::OpenProperty {
            object: h.handle,
            tag,
            interface: *interface,
            flags,
        })? {
            ObjectReply::StreamOpened { stream } => Ok(Stream {
                link: StreamLink::Remote(RemoteHandle::new(
                    h.rt.clone(),
                    h.session.clone(),
                    stream,
                )),
                released: AtomicBool::new(false),
            }),
            other => Err(unexpected("OpenProperty", &other)),
        }
    }

    /// `GetIDsFromNames`: each name's tag (`PT_UNSPECIFIED`); with `MAPI_CREATE` an
    /// unknown name gets a new id, without it its tag is `PT_ERROR` and the status
    /// `MAPI_W_ERRORS_RETURNED`.
    pub fn get_ids_from_names(&self, names: &[NameId], flags: u32) -> Result<Reply<Vec<PropTag>>> {
        if let Some(r) = self.on_local(async |o| o.get_ids_from_names(names, flags).await) {
            return r;
        }
        match self.on_remote(ObjectOp::GetIdsFromNames {
            object: self.handle(),
            names: names.to_vec(),
            flags,
        })? {
            ObjectReply::Tags { status, tags } => Ok(Reply {
                status,
                value: tags,
            }),
            other => Err(unexpected("GetIDsFromNames", &other)),
        }
    }

    /// `GetNamesFromIDs`: each tag's name (`None` for an unmapped one, status
    /// `MAPI_W_ERRORS_RETURNED`); `tags` `None` asks for every mapped name (of property
    /// set `guid` when given). `flags`: `MAPI_NO_STRINGS`, `MAPI_NO_IDS`.
    pub fn get_names_from_ids(
        &self,
        tags: Option<&[PropTag]>,
        guid: Option<&MapiUid>,
        flags: u32,
    ) -> Result<Reply<PropNames>> {
        if let Some(r) = self.on_local(async |o| o.get_names_from_ids(tags, guid, flags).await) {
            return r;
        }
        match self.on_remote(ObjectOp::GetNamesFromIds {
            object: self.handle(),
            tags: tags.map(<[PropTag]>::to_vec),
            guid: guid.copied(),
            flags,
        })? {
            ObjectReply::Names { status, names } => Ok(Reply {
                status,
                value: names,
            }),
            other => Err(unexpected("GetNamesFromIDs", &other)),
        }
    }

    /// `IMessage::ModifyRecipients`: `MODRECIP_ADD` (each row gets a PR_ROWID),
    /// `MODRECIP_MODIFY` (rows replace the recipients with their PR_ROWID),
    /// `MODRECIP_REMOVE`, or 0 (the rows replace the list); kept in the message until
    /// SaveChanges. A row without a valid PR_RECIPIENT_TYPE or a name or address is
    /// `MAPI_E_INVALID_PARAMETER`, an unknown PR_ROWID `MAPI_E_NOT_FOUND`, and nothing
    /// changes; an object that is not a message answers `MAPI_E_NO_SUPPORT`.
    pub fn modify_recipients(&self, flags: u32, rows: &[Row]) -> Result<()> {
        if let Some(r) = self.on_local(async |o| o.modify_recipients(flags, rows).await) {
            return r;
        }
        match self.on_remote(ObjectOp::ModifyRecipients {
            object: self.handle(),
            flags,
            rows: rows.to_vec(),
        })? {
            ObjectReply::Done => Ok(()),
            other => Err(unexpected("ModifyRecipients", &other)),
        }
    }

    /// `IMessage::GetRecipientTable`: the recipients as the message holds them now
    /// (saved or not), as a table view like the others (through the daemon its rows
    /// stay there). `flags`: `MAPI_UNICODE`.
    pub fn recipient_table(&self, flags: u32) -> Result<TableView> {
        if let ObjectLink::Local { alive, .. } = &self.link {
            let source = self
                .on_local(async |o| o.recipient_table(flags).await)
                .unwrap_or_else(|| unreachable!("a local object"))?;
            return Ok(TableView::over(source).with_liveness(alive.clone()));
        }
        let ObjectLink::Remote(h) = &self.link else {
            unreachable!("a remote object")
        };
        if self.released.load(Ordering::SeqCst) {
            return Err(released("object"));
        }
        match h.call(ObjectOp::RecipientTable {
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
            other => Err(unexpected("GetRecipientTable", &other)),
        }
    }

    /// `IMessage::SubmitMessage` (`flags`: 0 or `FORCE_SUBMIT`) through the session's
    /// spooler, in this process or in the daemon: the message is saved, sent by the
    /// first transport and moved to Sent Items; the outcome names it there and carries
    /// any warning. The statuses are the engine's on both links: `MAPI_E_UNKNOWN_FLAGS`,
    /// `MAPI_E_NO_RECIPIENTS`, `MAPI_E_NO_ACCESS` (a read-only object), a transport's
    /// failure such as `MAPI_E_NETWORK_ERROR` (the message stays saved and unsent), and
    /// `MAPI_E_INVALID_OBJECT` for any change after a successful submit.
    pub fn submit_message(&self, flags: u32) -> Result<SubmitOutcome> {
        match &self.link {
            ObjectLink::Local {
                rt,
                alive,
                object,
                spooler,
            } => {
                if self.released.load(Ordering::SeqCst) {
                    return Err(released("object"));
                }
                check(alive)?;
                let spooler = spooler.as_ref().ok_or_else(|| {
                    EngineError::NoSupport(
                        "this object was not opened through a session: it cannot be submitted"
                            .into(),
                    )
                })?;
                let session = spooler.session.upgrade().ok_or_else(|| {
                    EngineError::EndOfSession("the object's session has ended".into())
                })?;
                let entry = OpenedEntry {
                    store: spooler.store.clone(),
                    object: object.clone(),
                };
                rt.block_on(session.submit_message(&entry, flags))
            }
            ObjectLink::Remote(h) => {
                if self.released.load(Ordering::SeqCst) {
                    return Err(released("object"));
                }
                match h.call(ObjectOp::SubmitMessage {
                    object: h.handle,
                    flags,
                })? {
                    ObjectReply::Submitted(outcome) => Ok(outcome),
                    other => Err(unexpected("SubmitMessage", &other)),
                }
            }
        }
    }

    /// `IMessage::SetReadFlag`, in this process or in the daemon: the message's folder
    /// marks it read (unread with `CLEAR_READ_FLAG`), so a message opened again shows
    /// it in PR_MESSAGE_FLAGS. `flags`: `SUPPRESS_RECEIPT`, `CLEAR_READ_FLAG`,
    /// `MAPI_DEFERRED_ERRORS`, `GENERATE_RECEIPT_ONLY`, `CLEAR_RN_PENDING`,
    /// `CLEAR_NRN_PENDING`; another bit is `MAPI_E_UNKNOWN_FLAGS`. A message never
    /// saved is `MAPI_E_NOT_FOUND`.
    pub fn set_read_flag(&self, flags: u32) -> Result<()> {
        if self.released.load(Ordering::SeqCst) {
            return Err(released("object"));
        }
        match &self.link {
            ObjectLink::Local {
                rt,
                alive,
                object,
                spooler,
            } => {
                check(alive)?;
                let spooler = spooler.as_ref().ok_or_else(|| {
                    EngineError::NoSupport(
                        "this object was not opened through a session: SetReadFlag needs its store"
                            .into(),
                    )
                })?;
                let session = spooler.session.upgrade().ok_or_else(|| {
                    EngineError::EndOfSession("the object's session has ended".into())
                })?;
                let entry = OpenedEntry {
                    store: spooler.store.clone(),
                    object: object.clone(),
                };
                rt.block_on(session.set_read_flag(&entry, flags))
            }
            ObjectLink::Remote(h) => match h.call(ObjectOp::SetReadFlag {
                object: h.handle,
                flags,
            })? {
                ObjectReply::Done => Ok(()),
                other => Err(unexpected("SetReadFlag", &other)),
            },
        }
    }

    /// `Release`: later calls are `MAPI_E_INVALID_OBJECT`, as is a second release.
    /// Dropping the object releases it too.
    pub fn release(&self) -> Result<()> {
        match &self.link {
            ObjectLink::Local { .. } => release_local(&self.released, "object"),
            ObjectLink::Remote(h) => h.release(&self.released),
        }
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        if let ObjectLink::Remote(h) = &self.link {
            h.drop_unless(&self.released);
        }
    }
}

impl Stream {
    fn on_local<T>(
        &self,
        f: impl AsyncFnOnce(&Arc<dyn PropStream>) -> mapi_spi::ProviderResult<T>,
    ) -> Option<Result<T>> {
        match &self.link {
            StreamLink::Local { rt, alive, stream } => Some((|| {
                if self.released.load(Ordering::SeqCst) {
                    return Err(released("stream"));
                }
                check(alive)?;
                Ok(rt.block_on(f(stream))?)
            })()),
            StreamLink::Remote(_) => None,
        }
    }

    fn on_remote(&self, method: &str, op: impl FnOnce(u64) -> ObjectOp) -> Result<ObjectReply> {
        match &self.link {
            StreamLink::Remote(h) => h.call(op(h.handle)),
            StreamLink::Local { .. } => Err(EngineError::Status(
                Status::MAPI_E_CALL_FAILED,
                format!("{method}: not a daemon stream"),
            )),
        }
    }

    /// `Read`: up to `buf.len()` bytes from the position (through the daemon at most
    /// [`MAX_STREAM_PIECE`] per call); 0 at the end.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        if let Some(r) = self.on_local(async |s| s.read(buf).await) {
            return r;
        }
        let len = buf.len().min(MAX_STREAM_PIECE) as u32;
        match self.on_remote("Read", |stream| ObjectOp::Read { stream, len })? {
            ObjectReply::Data(d) if d.len() <= buf.len() => {
                buf[..d.len()].copy_from_slice(&d);
                Ok(d.len())
            }
            other => Err(unexpected("Read", &other)),
        }
    }

    /// Reads from the position to the end.
    pub fn read_to_end(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = vec![0; MAX_STREAM_PIECE];
        loop {
            let n = self.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    /// `Write` at the position (through the daemon in pieces of at most
    /// [`MAX_STREAM_PIECE`] bytes); the bytes written.
    pub fn write(&self, data: &[u8]) -> Result<usize> {
        if let Some(r) = self.on_local(async |s| s.write(data).await) {
            return r;
        }
        let mut done = 0;
        for piece in data.chunks(MAX_STREAM_PIECE) {
            let data = piece.to_vec();
            match self.on_remote("Write", |stream| ObjectOp::Write { stream, data })? {
                ObjectReply::Count(n) => done += n as usize,
                other => return Err(unexpected("Write", &other)),
            }
        }
        Ok(done)
    }

    /// `Seek` (`STREAM_SEEK_SET` / `CUR` / `END`): the new position.
    pub fn seek(&self, offset: i64, origin: u32) -> Result<u64> {
        if let Some(r) = self.on_local(async |s| s.seek(offset, origin).await) {
            return r;
        }
        match self.on_remote("Seek", |stream| ObjectOp::Seek {
            stream,
            offset,
            origin,
        })? {
            ObjectReply::Count(n) => Ok(n),
            other => Err(unexpected("Seek", &other)),
        }
    }

    /// `SetSize`: truncates or extends with zeros.
    pub fn set_size(&self, size: u64) -> Result<()> {
        if let Some(r) = self.on_local(async |s| s.set_size(size).await) {
            return r;
        }
        match self.on_remote("SetSize", |stream| ObjectOp::SetSize { stream, size })? {
            ObjectReply::Done => Ok(()),
            other => Err(unexpected("SetSize", &other)),
        }
    }

    /// `Stat`: size and mode.
    pub fn stat(&self) -> Result<StreamStat> {
        if let Some(r) = self.on_local(async |s| s.stat().await) {
            return r;
        }
        match self.on_remote("Stat", |stream| ObjectOp::Stat { stream })? {
            ObjectReply::Stat(s) => Ok(s),
            other => Err(unexpected("Stat", &other)),
        }
    }

    /// `Commit`: hands what was written to the object (the store gets it at the
    /// object's SaveChanges).
    pub fn commit(&self, flags: u32) -> Result<()> {
        if let Some(r) = self.on_local(async |s| s.commit(flags).await) {
            return r;
        }
        match self.on_remote("Commit", |stream| ObjectOp::Commit { stream, flags })? {
            ObjectReply::Done => Ok(()),
            other => Err(unexpected("Commit", &other)),
        }
    }

    /// `Release`: later calls are `MAPI_E_INVALID_OBJECT`. Dropping releases too.
    pub fn release(&self) -> Result<()> {
        match &self.link {
            StreamLink::Local { .. } => release_local(&self.released, "stream"),
            StreamLink::Remote(h) => h.release(&self.released),
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let StreamLink::Remote(h) = &self.link {
            h.drop_unless(&self.released);
        }
    }
}
