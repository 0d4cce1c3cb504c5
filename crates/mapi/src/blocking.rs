//! The blocking form of the API: the same engine, driven by a runtime of its own.

use std::path::Path;
use std::sync::{Arc, Weak};

use mapi_engine::{DisabledService, Engine, LogonRequest, MergedAddressBook, Result};
use mapi_spi::{EntryId, FolderKind, MsgStore, OutgoingMessage, PropObject, Reply};
use mapi_types::table::view::Liveness;
use mapi_types::{LogoffFlags, Row, Status, Table, TableView};
use tokio::runtime::{Builder, Runtime};

use crate::object::{Object, Spooler};
use crate::quickstart::{Quickstart, ensure_default_profile};

/// An initialized engine with a runtime to run it on.
pub struct Mapi {
    rt: Arc<Runtime>,
    engine: Engine,
}

impl Mapi {
    /// Opens the MAPI home (`None`: `MAPI_HOME`, else the XDG data dir) and initializes.
    pub fn open(home: Option<&Path>) -> Result<Mapi> {
        Mapi::open_with_store(home, None)
    }

    /// [`open`](Self::open) with the profile store named (`--profile-store`: a
    /// `postgres://` URL or a SQLite file; `None`: `MAPI_PROFILE_STORE`, else the home's
    /// `store.toml`, else its profiles.db). Logons in this process and a daemon this
    /// process starts use it.
    pub fn open_with_store(home: Option<&Path>, store: Option<&str>) -> Result<Mapi> {
        // One worker thread, so provider tasks (a background mailbox download) go on
        // between blocking calls.
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| {
                mapi_engine::EngineError::LogonFailed(format!("cannot start a runtime: {e}"))
            })?;
        let engine = crate::open_engine(home, store)?;
        Ok(Mapi {
            rt: Arc::new(rt),
            engine,
        })
    }

    /// The async engine underneath.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The runtime this handle drives futures on.
    pub fn runtime(&self) -> Arc<Runtime> {
        self.rt.clone()
    }

    /// Runs a future to completion on this handle's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// `MAPILogonEx`.
    pub fn logon(&self, req: LogonRequest) -> Result<Session> {
        let s = self.rt.block_on(self.engine.logon(req))?;
        Ok(Session {
            rt: self.rt.clone(),
            inner: Arc::new(s),
        })
    }

    /// Makes the `Default` profile (local store + contacts) when absent.
    pub fn quickstart(&self) -> Result<Quickstart> {
        ensure_default_profile(&self.engine)
    }
}

impl Drop for Mapi {
    fn drop(&mut self) {
        self.engine.uninitialize();
    }
}

/// A blocking session handle.
pub struct Session {
    rt: Arc<Runtime>,
    /// Held once here: stores and objects keep only a weak reference, so dropping this
    /// handle still leaves the session.
    inner: Arc<mapi_engine::Session>,
}

impl Session {
    /// The runtime and the engine session (the facade's address book holds both).
    pub(crate) fn parts(&self) -> (Arc<Runtime>, Arc<mapi_engine::Session>) {
        (self.rt.clone(), self.inner.clone())
    }

    /// The async session underneath.
    pub fn inner(&self) -> &mapi_engine::Session {
        &self.inner
    }

    /// The profile's name.
    pub fn profile(&self) -> &str {
        self.inner.profile()
    }

    /// Services disabled at logon.
    pub fn disabled_services(&self) -> &[DisabledService] {
        self.inner.disabled_services()
    }

    /// `GetStatusTable`.
    pub fn status_table(&self) -> Result<Table> {
        self.inner.status_table()
    }

    /// `GetMsgStoresTable`.
    pub fn store_table(&self) -> Result<Table> {
        self.inner.store_table()
    }

    /// `GetStatusTable` as a view (cursor, sort, restriction); `flags`: `MAPI_UNICODE`.
    pub fn get_status_table(&self, flags: u32) -> Result<TableView> {
        self.inner.get_status_table(flags)
    }

    /// `GetMsgStoresTable` as a view; `flags`: `MAPI_UNICODE`.
    pub fn get_msg_stores_table(&self, flags: u32) -> Result<TableView> {
        self.inner.get_msg_stores_table(flags)
    }

    /// The default store.
    pub fn default_store(&self) -> Result<Store> {
        let (entry, store) = self.inner.default_store_entry()?;
        Ok(self.store(entry, store))
    }

    /// `OpenMsgStore`.
    pub fn open_msg_store(&self, entry_id: &[u8]) -> Result<Store> {
        let store = self.inner.open_msg_store(entry_id)?;
        Ok(self.store(entry_id.to_vec(), store))
    }

    fn store(&self, entry: Vec<u8>, inner: Arc<dyn MsgStore>) -> Store {
        Store {
            rt: self.rt.clone(),
            inner,
            alive: self.inner.liveness(),
            session: Arc::downgrade(&self.inner),
            entry,
        }
    }

    /// `GetStatusTable` as a table that can be advised (`fnevTableModified`,
    /// `fnevStatusObjectModified`); `flags`: `MAPI_UNICODE`.
    pub fn live_status_table(&self, flags: u32) -> Result<crate::advise::LiveContents> {
        Ok(crate::advise::LiveContents::new(
            self.inner.live_status_table(flags)?,
        ))
    }

    /// `IMAPISession::Advise` (see [`mapi_engine::Session::advise`]): without an entry
    /// id the session's events, with one the store's, folder's, message's or status
    /// object's it names. Returns the connection number.
    pub fn advise(
        &self,
        entry: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn crate::advise::AdviseSink>,
    ) -> Result<u32> {
        self.rt.block_on(self.inner.advise(entry, mask, sink))
    }

    /// `Unadvise` of any registration of this session; `MAPI_E_NOT_FOUND` when none.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        self.inner.unadvise(conn)
    }

    /// `OpenEntry`: the message, folder or store an entry id names, in whichever open
    /// store owns it, with that store's entry id in the store table.
    /// `flags`: `MAPI_MODIFY`, `MAPI_BEST_ACCESS`, `MAPI_DEFERRED_ERRORS`.
    pub fn open_entry(&self, entry_id: &[u8], flags: u32) -> Result<(Vec<u8>, Object)> {
        let e = self.rt.block_on(self.inner.open_entry(entry_id, flags))?;
        let spooler = Spooler::new(Arc::downgrade(&self.inner), e.store.clone());
        Ok((
            e.store,
            Object::new_local(self.rt.clone(), self.inner.liveness(), e.object)
                .with_spooler(spooler),
        ))
    }

    /// `OpenAddressBook`.
    pub fn address_book(&self) -> Result<AddressBook> {
        Ok(AddressBook {
            rt: self.rt.clone(),
            inner: self.inner.address_book()?,
        })
    }

    /// `QueryIdentity`.
    pub fn query_identity(&self) -> Result<(Status, String)> {
        self.inner.query_identity()
    }

    /// `GetLastError`.
    pub fn last_error(&self) -> Option<String> {
        self.inner.last_error()
    }

    /// Submits a message: Outbox, transport, Sent Items.
    pub fn submit(&self, message: &OutgoingMessage) -> Result<mapi_engine::SubmitOutcome> {
        self.rt.block_on(self.inner.submit(message))
    }

    /// `Logoff`.
    pub fn logoff(&self, flags: LogoffFlags) {
        self.rt.block_on(self.inner.logoff(flags))
    }
}

/// A blocking message-store handle.
pub struct Store {
    rt: Arc<Runtime>,
    inner: Arc<dyn MsgStore>,
    /// Whether the session that opened the store lives (for its tables).
    alive: Liveness,
    /// The session that opened the store (for CreateMessage and SubmitMessage).
    session: Weak<mapi_engine::Session>,
    /// The store's entry id in the store table.
    entry: Vec<u8>,
}

impl Store {
    /// The async store underneath.
    pub fn inner(&self) -> &Arc<dyn MsgStore> {
        &self.inner
    }

    /// Store properties.
    pub fn properties(&self) -> Row {
        self.inner.properties()
    }

    /// The folder hierarchy.
    pub fn folders(&self) -> Result<Vec<Row>> {
        Ok(self.rt.block_on(self.inner.folders())?)
    }

    /// A well-known folder's entry id.
    pub fn folder(&self, kind: FolderKind) -> Result<EntryId> {
        Ok(self.rt.block_on(self.inner.folder(kind))?)
    }

    /// A folder's contents table.
    pub fn contents(&self, folder: &[u8]) -> Result<Table> {
        Ok(self.rt.block_on(self.inner.contents(folder))?)
    }

    /// `GetHierarchyTable` of a folder: its subfolders, or with `CONVENIENT_DEPTH` every
    /// level below it (rows carry `PR_DEPTH`).
    pub fn get_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        self.rt.block_on(mapi_engine::tables::hierarchy_table(
            &self.inner,
            folder,
            flags,
            self.alive.clone(),
        ))
    }

    /// `GetContentsTable` of a folder (`MAPI_ASSOCIATED`: its associated messages).
    /// The store evaluates sort, restriction and paging (the local store in SQL).
    pub fn get_contents_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        self.rt.block_on(mapi_engine::tables::contents_table(
            &self.inner,
            folder,
            flags,
            self.alive.clone(),
        ))
    }

    /// A message's properties.
    pub fn read_message(&self, entry: &[u8]) -> Result<Row> {
        Ok(self.rt.block_on(self.inner.read_message(entry))?)
    }

    /// A message as RFC 5322 bytes.
    pub fn read_raw(&self, entry: &[u8]) -> Result<Vec<u8>> {
        Ok(self.rt.block_on(self.inner.read_raw(entry))?)
    }

    /// Imports RFC 5322 messages into a folder, all or none.
    pub fn import_raw(&self, folder: &[u8], messages: Vec<Vec<u8>>) -> Result<Vec<EntryId>> {
        Ok(self.rt.block_on(self.inner.import_raw(folder, messages))?)
    }

    /// The store's entry id in the message-store table.
    pub fn entry_id(&self) -> &[u8] {
        &self.entry
    }

    fn object(&self, object: Arc<dyn PropObject>) -> Object {
        Object::new_local(self.rt.clone(), self.alive.clone(), object)
            .with_spooler(Spooler::new(self.session.clone(), self.entry.clone()))
    }

    /// `OpenEntry` of a message (`MAPI_MODIFY` to change it; nothing persists before
    /// its SaveChanges).
    pub fn open_message(&self, entry: &[u8], flags: u32) -> Result<Object> {
        let o = self.rt.block_on(self.inner.open_message(entry, flags))?;
        Ok(self.object(o))
    }

    /// `OpenEntry` of a folder.
    pub fn open_folder(&self, entry: &[u8], flags: u32) -> Result<Object> {
        let o = self.rt.block_on(self.inner.open_folder(entry, flags))?;
        Ok(self.object(o))
    }

    /// The store itself as a property object.
    pub fn open_store_object(&self) -> Result<Object> {
        let o = self.rt.block_on(self.inner.open_store_object())?;
        Ok(self.object(o))
    }

    /// `IMAPIFolder::CreateFolder`: a subfolder `name` of `parent`; its entry id.
    pub fn create_folder(&self, parent: &[u8], name: &str, flags: u32) -> Result<EntryId> {
        Ok(self
            .rt
            .block_on(self.inner.create_folder(parent, name, flags))?)
    }

    /// `IMAPIFolder::DeleteFolder` of `folder`, a subfolder of `parent`.
    pub fn delete_folder(&self, parent: &[u8], folder: &[u8], flags: u32) -> Result<()> {
        Ok(self
            .rt
            .block_on(self.inner.delete_folder(parent, folder, flags))?)
    }

    /// `IMAPIFolder::EmptyFolder`.
    pub fn empty_folder(&self, folder: &[u8], flags: u32) -> Result<()> {
        Ok(self.rt.block_on(self.inner.empty_folder(folder, flags))?)
    }

    /// `IMAPIFolder::CopyFolder` (`FOLDER_MOVE` moves); the copy's entry id.
    pub fn copy_folder(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> Result<EntryId> {
        Ok(self.rt.block_on(self.inner.copy_folder(
            parent,
            folder,
            dest_parent,
            new_name,
            flags,
        ))?)
    }

    /// `IMAPIFolder::CopyMessages` (`MESSAGE_MOVE` moves).
    pub fn copy_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> Result<Reply<Vec<Option<EntryId>>>> {
        Ok(self
            .rt
            .block_on(self.inner.copy_messages(folder, messages, dest, flags))?)
    }

    /// `IMAPIFolder::DeleteMessages`.
    pub fn delete_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        flags: u32,
    ) -> Result<Reply<()>> {
        Ok(self
            .rt
            .block_on(self.inner.delete_messages(folder, messages, flags))?)
    }

    /// `IMAPIFolder::SetReadFlags` (`messages` `None`: the whole folder).
    pub fn set_read_flags(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> Result<Reply<()>> {
        Ok(self
            .rt
            .block_on(self.inner.set_read_flags(folder, messages, flags))?)
    }

    /// `IMsgStore::GetReceiveFolder`.
    pub fn get_receive_folder(&self, message_class: &str) -> Result<(EntryId, String)> {
        Ok(self
            .rt
            .block_on(self.inner.get_receive_folder(message_class))?)
    }

    fn live_session(&self) -> Result<Arc<mapi_engine::Session>> {
        self.session.upgrade().ok_or_else(|| {
            mapi_engine::EngineError::EndOfSession("the store's session has ended".into())
        })
    }

    /// `IMsgStore::Advise`: with no `entry` every change of the store, with a folder's
    /// or a message's entry id that object's (see [`mapi_engine::Session::advise_store`]).
    /// Returns the connection number (unadvise it on the store or the session).
    pub fn advise(
        &self,
        entry: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn crate::advise::AdviseSink>,
    ) -> Result<u32> {
        let session = self.live_session()?;
        self.rt
            .block_on(session.advise_store(&self.entry, entry, mask, sink))
    }

    /// `IMsgStore::Unadvise`; `MAPI_E_NOT_FOUND` for an unknown connection number.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        self.live_session()?.unadvise(conn)
    }

    /// `GetContentsTable` of `folder` as a table that can be advised.
    pub fn live_contents_table(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> Result<crate::advise::LiveContents> {
        let session = self.live_session()?;
        let t = self
            .rt
            .block_on(session.live_contents_table(&self.entry, folder, flags))?;
        Ok(crate::advise::LiveContents::new(t))
    }

    /// `GetHierarchyTable` of `folder` as a table that can be advised.
    pub fn live_hierarchy_table(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> Result<crate::advise::LiveContents> {
        let session = self.live_session()?;
        let t = self
            .rt
            .block_on(session.live_hierarchy_table(&self.entry, folder, flags))?;
        Ok(crate::advise::LiveContents::new(t))
    }

    /// `IMAPIFolder::CreateMessage` through the engine's session: a new message object
    /// (saved by its SaveChanges, sent by its SubmitMessage).
    pub fn create_message(&self, folder: &[u8], flags: u32) -> Result<Object> {
        let session = self.session.upgrade().ok_or_else(|| {
            mapi_engine::EngineError::EndOfSession("the store's session has ended".into())
        })?;
        let e = self
            .rt
            .block_on(session.create_message(&self.entry, folder, flags))?;
        Ok(self.object(e.object))
    }
}

/// A blocking address-book handle.
pub struct AddressBook {
    rt: Arc<Runtime>,
    inner: MergedAddressBook,
}

impl AddressBook {
    /// Every entry.
    pub fn entries(&self) -> Result<Vec<Row>> {
        self.rt.block_on(self.inner.entries())
    }

    /// Entries by prefix.
    pub fn resolve(&self, prefix: &str) -> Result<Vec<Row>> {
        self.rt.block_on(self.inner.resolve(prefix))
    }

    /// Adds an entry.
    pub fn add_entry(&self, name: &str, email: &str) -> Result<Vec<u8>> {
        self.rt.block_on(self.inner.add_entry(name, email))
    }

    /// `MAPI_W_ERRORS_RETURNED` when some address-book providers are disabled.
    pub fn warning(&self) -> Status {
        self.inner.warning()
    }
}
