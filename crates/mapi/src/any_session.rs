//! [`AnySession`] and [`AnyStore`]: one session type and one store type whatever link
//! they run over. Every public call is written once and goes to a private link: the
//! in-process engine session, or the daemon's session over the socket. Both links
//! return the engine's own results (identity, default store, submit outcome, import).

use std::sync::Arc;

use mapi_client::{
    AdviseTarget, FolderOp, FolderReply, ObjectOp, ObjectReply, OpenKind, RemoteSession, TableKind,
};
use mapi_engine::{DisabledService, EngineError, Result, SubmitOutcome};
use mapi_spi::{EntryId, OutgoingMessage, Reply};
use mapi_types::table::consts::TBLTYPE_DYNAMIC;
use mapi_types::table::view::Liveness;
use mapi_types::{LogoffFlags, MapiStatus, Row, Status, Table, TableError, TableView};
use tokio::runtime::Runtime;

use crate::address_book::AnyAddressBook;
use crate::advise::{AdviseSink, LiveContents, event_sink};
use crate::blocking::{Session, Store};
use crate::object::{Object, RemoteHandle};
use crate::remote_table::RemoteSource;

/// A daemon-link failure as the engine's error, keeping its status and sentence.
pub(crate) fn client_err(e: mapi_client::ClientError) -> EngineError {
    EngineError::Status(e.status(), e.to_string())
}

/// What a session does, per link.
trait SessionLink: Send + Sync {
    fn profile(&self) -> &str;
    fn is_shared(&self) -> bool;
    fn disabled_services(&self) -> &[DisabledService];
    fn status_table(&self) -> Result<Table>;
    fn store_table(&self) -> Result<Table>;
    fn get_status_table(&self, flags: u32) -> Result<TableView>;
    fn get_msg_stores_table(&self, flags: u32) -> Result<TableView>;
    fn default_store(&self) -> Result<AnyStore>;
    fn open_msg_store(&self, entry: &[u8]) -> Result<AnyStore>;
    fn query_identity(&self) -> Result<(Status, String)>;
    fn submit(&self, message: &OutgoingMessage) -> Result<SubmitOutcome>;
    fn keep(&self) -> Result<()>;
    fn open_entry(&self, entry: &[u8], flags: u32) -> Result<(Vec<u8>, Object)>;
    fn logoff(&self, flags: LogoffFlags);
    fn advise(&self, entry: Option<&[u8]>, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32>;
    fn unadvise(&self, conn: u32) -> Result<()>;
    fn live_status_table(&self, flags: u32) -> Result<LiveContents>;
    fn open_address_book(&self) -> Result<AnyAddressBook>;
}

/// What a store does, per link.
trait StoreLink: Send + Sync {
    fn folders(&self) -> Result<Vec<Row>>;
    fn contents(&self, folder: &[u8]) -> Result<Table>;
    fn get_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<TableView>;
    fn get_contents_table(&self, folder: &[u8], flags: u32) -> Result<TableView>;
    fn read_message(&self, entry: &[u8]) -> Result<Row>;
    fn read_raw(&self, entry: &[u8]) -> Result<Vec<u8>>;
    fn import_raw(&self, folder: &[u8], messages: Vec<Vec<u8>>) -> Result<Vec<EntryId>>;
    fn open_message(&self, entry: &[u8], flags: u32) -> Result<Object>;
    fn open_folder(&self, entry: &[u8], flags: u32) -> Result<Object>;
    fn open_store_object(&self) -> Result<Object>;
    fn create_folder(&self, parent: &[u8], name: &str, flags: u32) -> Result<EntryId>;
    fn delete_folder(&self, parent: &[u8], folder: &[u8], flags: u32) -> Result<()>;
    fn empty_folder(&self, folder: &[u8], flags: u32) -> Result<()>;
    fn copy_folder(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> Result<EntryId>;
    fn copy_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> Result<Reply<Vec<Option<EntryId>>>>;
    fn delete_messages(&self, folder: &[u8], messages: &[EntryId], flags: u32)
    -> Result<Reply<()>>;
    fn set_read_flags(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> Result<Reply<()>>;
    fn get_receive_folder(&self, message_class: &str) -> Result<(EntryId, String)>;
    fn create_message(&self, folder: &[u8], flags: u32) -> Result<Object>;
    fn advise(&self, entry: Option<&[u8]>, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32>;
    fn unadvise(&self, conn: u32) -> Result<()>;
    fn live_contents_table(&self, folder: &[u8], flags: u32) -> Result<LiveContents>;
    fn live_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<LiveContents>;
}

/// A session wherever it runs: in this process or in the daemon `mapid`.
pub struct AnySession {
    link: Box<dyn SessionLink>,
    remote: bool,
    joined: bool,
}

/// A message store wherever its session runs.
pub struct AnyStore {
    link: Box<dyn StoreLink>,
}

impl AnySession {
    /// An individual session in this process.
    pub(crate) fn local(session: Session) -> AnySession {
        AnySession {
            link: Box::new(session),
            remote: false,
            joined: false,
        }
    }

    /// A session hosted by the daemon; `joined`: this logon joined an existing shared
    /// session.
    pub(crate) fn remote(rt: Arc<Runtime>, session: RemoteSession, joined: bool) -> AnySession {
        AnySession {
            link: Box::new(Remote {
                rt,
                session: Arc::new(session),
            }),
            remote: true,
            joined,
        }
    }

    /// The profile's name.
    pub fn profile(&self) -> &str {
        self.link.profile()
    }

    /// Whether this is the shared session.
    pub fn is_shared(&self) -> bool {
        self.link.is_shared()
    }

    /// Whether the daemon hosts it.
    pub fn is_remote(&self) -> bool {
        self.remote
    }

    /// Whether this logon joined an existing shared session.
    pub fn joined(&self) -> bool {
        self.joined
    }

    /// Services disabled at logon, as the engine recorded them.
    pub fn disabled_services(&self) -> &[DisabledService] {
        self.link.disabled_services()
    }

    /// Services disabled at logon: (service display name, status, reason).
    pub fn disabled(&self) -> Vec<(String, Status, String)> {
        self.disabled_services()
            .iter()
            .map(|d| (d.display_name.clone(), d.status, d.reason.clone()))
            .collect()
    }

    /// `GetStatusTable`.
    pub fn status_table(&self) -> Result<Table> {
        self.link.status_table()
    }

    /// `GetMsgStoresTable`.
    pub fn store_table(&self) -> Result<Table> {
        self.link.store_table()
    }

    /// `GetStatusTable` as a view; `flags`: `MAPI_UNICODE`. A daemon-hosted session's
    /// rows stay at the daemon; the cursor is here.
    pub fn get_status_table(&self, flags: u32) -> Result<TableView> {
        self.link.get_status_table(flags)
    }

    /// `GetMsgStoresTable` as a view; `flags`: `MAPI_UNICODE`.
    pub fn get_msg_stores_table(&self, flags: u32) -> Result<TableView> {
        self.link.get_msg_stores_table(flags)
    }

    /// The default store, as the engine picks it (opening it checks it is up: a
    /// disabled store fails with its status).
    pub fn default_store(&self) -> Result<AnyStore> {
        self.link.default_store()
    }

    /// `OpenMsgStore` by the PR_ENTRYID of a message-store table row (a store not in
    /// the session's table is `MAPI_E_NOT_FOUND`).
    pub fn open_msg_store(&self, entry: &[u8]) -> Result<AnyStore> {
        self.link.open_msg_store(entry)
    }

    /// `QueryIdentity`, computed by the engine (in the daemon for a daemon-hosted
    /// session): `S_OK` and the primary identity, or `MAPI_W_NO_SERVICE` and the
    /// profile's name.
    pub fn query_identity(&self) -> Result<(Status, String)> {
        self.link.query_identity()
    }

    /// Submits a message: Outbox, transport, Sent Items; the Sent copy's entry id and
    /// any warning, over either link.
    pub fn submit(&self, message: &OutgoingMessage) -> Result<SubmitOutcome> {
        self.link.submit(message)
    }

    /// Keeps the daemon's shared session alive after this client leaves.
    pub fn keep(&self) -> Result<()> {
        self.link.keep()
    }

    /// `OpenEntry`: the message, folder or store an entry id names, in whichever open
    /// store owns it (found by the engine, in the daemon for a daemon-hosted session),
    /// with that store's entry id in the store table. An id no open store recognises
    /// is `MAPI_E_INVALID_ENTRYID`; a deleted object's, `MAPI_E_NOT_FOUND`.
    pub fn open_entry(&self, entry: &[u8], flags: u32) -> Result<(Vec<u8>, Object)> {
        self.link.open_entry(entry, flags)
    }

    /// `Logoff`.
    pub fn logoff(&self, flags: LogoffFlags) {
        self.link.logoff(flags)
    }

    /// `IMAPISession::Advise`: without an entry id the session's events
    /// (`fnevCriticalError`, `fnevExtended`, `fnevStatusObjectModified`); with one, the
    /// registration goes to the store, folder, message or status object it names.
    /// Returns the engine's connection number.
    pub fn advise(
        &self,
        entry: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        self.link.advise(entry, mask, sink)
    }

    /// `IMAPISession::Unadvise`; `MAPI_E_NOT_FOUND` for an unknown connection number.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        self.link.unadvise(conn)
    }

    /// `GetStatusTable` as a table that can be advised (`fnevTableModified`,
    /// `fnevStatusObjectModified`).
    pub fn live_status_table(&self, flags: u32) -> Result<LiveContents> {
        self.link.live_status_table(flags)
    }

    /// `IMAPISession::OpenAddressBook`: every address-book provider merged under one
    /// root container, computed by the engine (in the daemon for a daemon-hosted
    /// session).
    pub fn open_address_book(&self) -> Result<AnyAddressBook> {
        self.link.open_address_book()
    }
}

impl AnyStore {
    /// The folder hierarchy.
    pub fn folders(&self) -> Result<Vec<Row>> {
        self.link.folders()
    }

    /// A folder's contents table.
    pub fn contents(&self, folder: &[u8]) -> Result<Table> {
        self.link.contents(folder)
    }

    /// `GetHierarchyTable` of a folder (`CONVENIENT_DEPTH`: every level, with
    /// `PR_DEPTH`).
    pub fn get_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        self.link.get_hierarchy_table(folder, flags)
    }

    /// `GetContentsTable` of a folder (`MAPI_ASSOCIATED`: its associated messages). The
    /// store evaluates sort, restriction and paging (the local store in SQL), in this
    /// process or at the daemon for a daemon-hosted session (the cursor stays here).
    pub fn get_contents_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        self.link.get_contents_table(folder, flags)
    }

    /// A message's properties.
    pub fn read_message(&self, entry: &[u8]) -> Result<Row> {
        self.link.read_message(entry)
    }

    /// A message as RFC 5322 bytes.
    pub fn read_raw(&self, entry: &[u8]) -> Result<Vec<u8>> {
        self.link.read_raw(entry)
    }

    /// Imports RFC 5322 messages into a folder, all or none (through the daemon: in
    /// parts of at most [`crate::link::MAX_IMPORT_CHUNK_LEN`] bytes, imported at once).
    pub fn import_raw(&self, folder: &[u8], messages: Vec<Vec<u8>>) -> Result<Vec<EntryId>> {
        self.link.import_raw(folder, messages)
    }

    /// `OpenEntry` of a message as a property object (`MAPI_MODIFY` to change it).
    pub fn open_message(&self, entry: &[u8], flags: u32) -> Result<Object> {
        self.link.open_message(entry, flags)
    }

    /// `OpenEntry` of a folder as a property object.
    pub fn open_folder(&self, entry: &[u8], flags: u32) -> Result<Object> {
        self.link.open_folder(entry, flags)
    }

    /// The store as a property object.
    pub fn open_store_object(&self) -> Result<Object> {
        self.link.open_store_object()
    }

    /// `IMAPIFolder::CreateFolder`: a subfolder `name` of `parent` (FOLDER_GENERIC);
    /// its entry id. With `OPEN_IF_EXISTS` an existing one is returned, without it an
    /// existing name is `MAPI_E_COLLISION`; an empty name, `MAPI_E_INVALID_PARAMETER`.
    pub fn create_folder(&self, parent: &[u8], name: &str, flags: u32) -> Result<EntryId> {
        self.link.create_folder(parent, name, flags)
    }

    /// `IMAPIFolder::DeleteFolder` of `folder`, a subfolder of `parent`. `flags`:
    /// `DEL_MESSAGES`, `DEL_FOLDERS`, `DELETE_HARD_DELETE`. A folder holding messages or
    /// subfolders without the flag for them is `MAPI_E_HAS_MESSAGES` /
    /// `MAPI_E_HAS_FOLDERS`; a well-known folder (Inbox, ...) is `MAPI_E_NO_ACCESS`.
    pub fn delete_folder(&self, parent: &[u8], folder: &[u8], flags: u32) -> Result<()> {
        self.link.delete_folder(parent, folder, flags)
    }

    /// `IMAPIFolder::EmptyFolder`: every message and subfolder of `folder` goes.
    /// `flags`: `DEL_ASSOCIATED`, `DELETE_HARD_DELETE`.
    pub fn empty_folder(&self, folder: &[u8], flags: u32) -> Result<()> {
        self.link.empty_folder(folder, flags)
    }

    /// `IMAPIFolder::CopyFolder`: `folder` (a subfolder of `parent`) copied under
    /// `dest_parent`, or moved with `FOLDER_MOVE`; `COPY_SUBFOLDERS` copies its tree. A
    /// destination inside the folder is `MAPI_E_FOLDER_CYCLE`; a name taken there,
    /// `MAPI_E_COLLISION`. The copy's (the moved folder's) entry id.
    pub fn copy_folder(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> Result<EntryId> {
        self.link
            .copy_folder(parent, folder, dest_parent, new_name, flags)
    }

    /// `IMAPIFolder::CopyMessages`: `messages` of `folder` copied into `dest`, or moved
    /// with `MESSAGE_MOVE`; each one's entry id in `dest`, in order (`None` for one not
    /// found in `folder`, and then the status is `MAPI_W_PARTIAL_COMPLETION`).
    pub fn copy_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> Result<Reply<Vec<Option<EntryId>>>> {
        self.link.copy_messages(folder, messages, dest, flags)
    }

    /// `IMAPIFolder::DeleteMessages` (`DELETE_HARD_DELETE`): one not found in `folder`
    /// makes the status `MAPI_W_PARTIAL_COMPLETION`; the others are deleted.
    pub fn delete_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        flags: u32,
    ) -> Result<Reply<()>> {
        self.link.delete_messages(folder, messages, flags)
    }

    /// `IMAPIFolder::SetReadFlags`: `messages` of `folder` (all of them when `None`)
    /// marked read, or unread with `CLEAR_READ_FLAG`. One not found makes the status
    /// `MAPI_W_PARTIAL_COMPLETION`; an unknown flag is `MAPI_E_UNKNOWN_FLAGS`.
    pub fn set_read_flags(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> Result<Reply<()>> {
        self.link.set_read_flags(folder, messages, flags)
    }

    /// `IMsgStore::GetReceiveFolder`: the folder receiving `message_class` and the
    /// class it is registered for (`""` for the default).
    pub fn get_receive_folder(&self, message_class: &str) -> Result<(EntryId, String)> {
        self.link.get_receive_folder(message_class)
    }

    /// `IMAPIFolder::CreateMessage`: a new, writable message in `folder` (through the
    /// daemon a handle it holds, like an opened message). It exists after its first
    /// SaveChanges. `flags`: `MAPI_DEFERRED_ERRORS`, `MAPI_ASSOCIATED`.
    pub fn create_message(&self, folder: &[u8], flags: u32) -> Result<Object> {
        self.link.create_message(folder, flags)
    }

    /// `IMsgStore::Advise`: with no `entry` every change of the store (`fnevNewMail`,
    /// `fnevObject*`, `fnevCriticalError`), with a folder's or a message's entry id that
    /// object's. Returns the engine's connection number.
    pub fn advise(
        &self,
        entry: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        self.link.advise(entry, mask, sink)
    }

    /// `IMsgStore::Unadvise`; `MAPI_E_NOT_FOUND` for an unknown connection number.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        self.link.unadvise(conn)
    }

    /// `GetContentsTable` of `folder` as a table that can be advised
    /// (`fnevTableModified`).
    pub fn live_contents_table(&self, folder: &[u8], flags: u32) -> Result<LiveContents> {
        self.link.live_contents_table(folder, flags)
    }

    /// `GetHierarchyTable` of `folder` as a table that can be advised
    /// (`fnevTableModified`: folders created, deleted, renamed).
    pub fn live_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<LiveContents> {
        self.link.live_hierarchy_table(folder, flags)
    }
}

// The in-process link: the engine session in this process.

impl SessionLink for Session {
    fn profile(&self) -> &str {
        Session::profile(self)
    }
    fn is_shared(&self) -> bool {
        self.inner().is_shared()
    }
    fn disabled_services(&self) -> &[DisabledService] {
        Session::disabled_services(self)
    }
    fn status_table(&self) -> Result<Table> {
        Session::status_table(self)
    }
    fn store_table(&self) -> Result<Table> {
        Session::store_table(self)
    }
    fn get_status_table(&self, flags: u32) -> Result<TableView> {
        Session::get_status_table(self, flags)
    }
    fn get_msg_stores_table(&self, flags: u32) -> Result<TableView> {
        Session::get_msg_stores_table(self, flags)
    }
    fn default_store(&self) -> Result<AnyStore> {
        Ok(AnyStore {
            link: Box::new(Session::default_store(self)?),
        })
    }
    fn open_msg_store(&self, entry: &[u8]) -> Result<AnyStore> {
        Ok(AnyStore {
            link: Box::new(Session::open_msg_store(self, entry)?),
        })
    }
    fn query_identity(&self) -> Result<(Status, String)> {
        Session::query_identity(self)
    }
    fn submit(&self, message: &OutgoingMessage) -> Result<SubmitOutcome> {
        Session::submit(self, message)
    }
    fn keep(&self) -> Result<()> {
        Err(not_keepable())
    }
    fn open_entry(&self, entry: &[u8], flags: u32) -> Result<(Vec<u8>, Object)> {
        Session::open_entry(self, entry, flags)
    }
    fn logoff(&self, flags: LogoffFlags) {
        Session::logoff(self, flags)
    }
    fn advise(&self, entry: Option<&[u8]>, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32> {
        Session::advise(self, entry, mask, sink)
    }
    fn unadvise(&self, conn: u32) -> Result<()> {
        Session::unadvise(self, conn)
    }
    fn live_status_table(&self, flags: u32) -> Result<LiveContents> {
        Session::live_status_table(self, flags)
    }

    fn open_address_book(&self) -> Result<AnyAddressBook> {
        AnyAddressBook::local(self)
    }
}

impl StoreLink for Store {
    fn folders(&self) -> Result<Vec<Row>> {
        Store::folders(self)
    }
    fn contents(&self, folder: &[u8]) -> Result<Table> {
        Store::contents(self, folder)
    }
    fn get_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        Store::get_hierarchy_table(self, folder, flags)
    }
    fn get_contents_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        Store::get_contents_table(self, folder, flags)
    }
    fn read_message(&self, entry: &[u8]) -> Result<Row> {
        Store::read_message(self, entry)
    }
    fn read_raw(&self, entry: &[u8]) -> Result<Vec<u8>> {
        Store::read_raw(self, entry)
    }
    fn import_raw(&self, folder: &[u8], messages: Vec<Vec<u8>>) -> Result<Vec<EntryId>> {
        Store::import_raw(self, folder, messages)
    }
    fn open_message(&self, entry: &[u8], flags: u32) -> Result<Object> {
        Store::open_message(self, entry, flags)
    }
    fn open_folder(&self, entry: &[u8], flags: u32) -> Result<Object> {
        Store::open_folder(self, entry, flags)
    }
    fn open_store_object(&self) -> Result<Object> {
        Store::open_store_object(self)
    }
    fn create_folder(&self, parent: &[u8], name: &str, flags: u32) -> Result<EntryId> {
        Store::create_folder(self, parent, name, flags)
    }
    fn delete_folder(&self, parent: &[u8], folder: &[u8], flags: u32) -> Result<()> {
        Store::delete_folder(self, parent, folder, flags)
    }
    fn empty_folder(&self, folder: &[u8], flags: u32) -> Result<()> {
        Store::empty_folder(self, folder, flags)
    }
    fn copy_folder(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> Result<EntryId> {
        Store::copy_folder(self, parent, folder, dest_parent, new_name, flags)
    }
    fn copy_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> Result<Reply<Vec<Option<EntryId>>>> {
        Store::copy_messages(self, folder, messages, dest, flags)
    }
    fn delete_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        flags: u32,
    ) -> Result<Reply<()>> {
        Store::delete_messages(self, folder, messages, flags)
    }
    fn set_read_flags(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> Result<Reply<()>> {
        Store::set_read_flags(self, folder, messages, flags)
    }
    fn get_receive_folder(&self, message_class: &str) -> Result<(EntryId, String)> {
        Store::get_receive_folder(self, message_class)
    }
    fn create_message(&self, folder: &[u8], flags: u32) -> Result<Object> {
        Store::create_message(self, folder, flags)
    }
    fn advise(&self, entry: Option<&[u8]>, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32> {
        Store::advise(self, entry, mask, sink)
    }
    fn unadvise(&self, conn: u32) -> Result<()> {
        Store::unadvise(self, conn)
    }
    fn live_contents_table(&self, folder: &[u8], flags: u32) -> Result<LiveContents> {
        Store::live_contents_table(self, folder, flags)
    }
    fn live_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<LiveContents> {
        Store::live_hierarchy_table(self, folder, flags)
    }
}

fn not_keepable() -> EngineError {
    EngineError::InvalidParameter(
        "only a shared session in the daemon can be kept: log on with MAPI_ALLOW_OTHERS".into(),
    )
}

// The daemon link: the session in `mapid`, with the runtime that drives the socket.

struct Remote {
    rt: Arc<Runtime>,
    session: Arc<RemoteSession>,
}

struct RemoteStore {
    rt: Arc<Runtime>,
    session: Arc<RemoteSession>,
    /// The store's entry id in the store table.
    store: Vec<u8>,
}

impl Remote {
    fn run<T>(&self, f: impl std::future::Future<Output = mapi_client::Result<T>>) -> Result<T> {
        self.rt.block_on(f).map_err(client_err)
    }

    fn view(&self, kind: TableKind, flags: u32) -> Result<TableView> {
        Ok(RemoteSource::open_view(
            self.rt.clone(),
            self.session.clone(),
            kind,
            None,
            None,
            flags,
        )?
        .with_table_type(TBLTYPE_DYNAMIC))
    }
}

impl Remote {
    fn store(&self, entry: Option<&[u8]>) -> Result<AnyStore> {
        let (store, _) = self.run(self.session.open_store(entry))?;
        Ok(AnyStore {
            link: Box::new(RemoteStore {
                rt: self.rt.clone(),
                session: self.session.clone(),
                store,
            }),
        })
    }
}

impl SessionLink for Remote {
    fn profile(&self) -> &str {
        self.session.profile()
    }
    fn is_shared(&self) -> bool {
        self.session.is_shared()
    }
    fn disabled_services(&self) -> &[DisabledService] {
        self.session.disabled_services()
    }
    fn status_table(&self) -> Result<Table> {
        self.run(self.session.status_table())
    }
    fn store_table(&self) -> Result<Table> {
        self.run(self.session.store_table())
    }
    fn get_status_table(&self, flags: u32) -> Result<TableView> {
        self.view(TableKind::Status, flags)
    }
    fn get_msg_stores_table(&self, flags: u32) -> Result<TableView> {
        self.view(TableKind::Stores, flags)
    }
    fn default_store(&self) -> Result<AnyStore> {
        self.store(None)
    }
    fn open_msg_store(&self, entry: &[u8]) -> Result<AnyStore> {
        self.store(Some(entry))
    }
    fn query_identity(&self) -> Result<(Status, String)> {
        self.run(self.session.query_identity())
    }
    fn submit(&self, message: &OutgoingMessage) -> Result<SubmitOutcome> {
        self.run(
            self.session
                .submit(message.from.as_deref(), &message.raw, &message.recipients),
        )
    }
    fn keep(&self) -> Result<()> {
        if !self.session.is_shared() {
            return Err(not_keepable());
        }
        self.run(self.session.keep())
    }
    fn open_entry(&self, entry: &[u8], flags: u32) -> Result<(Vec<u8>, Object)> {
        remote_open(&self.rt, &self.session, OpenKind::Entry, None, entry, flags)
    }
    fn logoff(&self, flags: LogoffFlags) {
        if let Err(e) = self.rt.block_on(self.session.logoff(flags)) {
            log::debug!("logoff through the daemon: {e}");
        }
    }
    fn advise(&self, entry: Option<&[u8]>, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32> {
        let target = AdviseTarget::Session {
            entry: entry.map(<[u8]>::to_vec),
        };
        self.run(self.session.advise(target, mask, event_sink(sink)))
    }
    fn live_status_table(&self, flags: u32) -> Result<LiveContents> {
        remote_live(&self.rt, &self.session, TableKind::Status, None, flags)
    }
    fn unadvise(&self, conn: u32) -> Result<()> {
        self.run(self.session.unadvise(conn))
    }
    fn open_address_book(&self) -> Result<AnyAddressBook> {
        AnyAddressBook::remote(self.rt.clone(), self.session.clone())
    }
}

impl RemoteStore {
    fn run<T>(&self, f: impl std::future::Future<Output = mapi_client::Result<T>>) -> Result<T> {
        self.rt.block_on(f).map_err(client_err)
    }

    fn view(&self, kind: TableKind, folder: &[u8], flags: u32) -> Result<TableView> {
        Ok(RemoteSource::open_view(
            self.rt.clone(),
            self.session.clone(),
            kind,
            Some(&self.store),
            Some(folder),
            flags,
        )?)
    }
}

impl StoreLink for RemoteStore {
    fn folders(&self) -> Result<Vec<Row>> {
        Ok(self
            .run(self.session.folders(&self.store))?
            .full_rows()
            .into_iter()
            .cloned()
            .collect())
    }
    fn contents(&self, folder: &[u8]) -> Result<Table> {
        self.run(self.session.contents(&self.store, folder))
    }
    fn get_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        self.view(TableKind::Hierarchy, folder, flags)
    }
    fn get_contents_table(&self, folder: &[u8], flags: u32) -> Result<TableView> {
        self.view(TableKind::Contents, folder, flags)
    }
    fn read_message(&self, entry: &[u8]) -> Result<Row> {
        self.run(self.session.read_message(&self.store, entry))
    }
    fn read_raw(&self, entry: &[u8]) -> Result<Vec<u8>> {
        self.run(self.session.read_raw(&self.store, entry))
    }
    fn import_raw(&self, folder: &[u8], messages: Vec<Vec<u8>>) -> Result<Vec<EntryId>> {
        self.run(self.session.import_raw(&self.store, folder, messages))
    }
    fn open_message(&self, entry: &[u8], flags: u32) -> Result<Object> {
        self.open(OpenKind::Message, entry, flags)
    }
    fn open_folder(&self, entry: &[u8], flags: u32) -> Result<Object> {
        self.open(OpenKind::Folder, entry, flags)
    }
    fn open_store_object(&self) -> Result<Object> {
        self.open(OpenKind::Store, &[], 0)
    }
    fn create_folder(&self, parent: &[u8], name: &str, flags: u32) -> Result<EntryId> {
        match self.folder(FolderOp::CreateFolder {
            parent: parent.to_vec(),
            name: name.to_string(),
            flags,
        })? {
            FolderReply::EntryId(id) => Ok(id),
            other => Err(unexpected_folder("CreateFolder", &other)),
        }
    }
    fn delete_folder(&self, parent: &[u8], folder: &[u8], flags: u32) -> Result<()> {
        self.done(FolderOp::DeleteFolder {
            parent: parent.to_vec(),
            folder: folder.to_vec(),
            flags,
        })
    }
    fn empty_folder(&self, folder: &[u8], flags: u32) -> Result<()> {
        self.done(FolderOp::EmptyFolder {
            folder: folder.to_vec(),
            flags,
        })
    }
    fn copy_folder(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> Result<EntryId> {
        match self.folder(FolderOp::CopyFolder {
            parent: parent.to_vec(),
            folder: folder.to_vec(),
            dest_parent: dest_parent.to_vec(),
            new_name: new_name.map(str::to_string),
            flags,
        })? {
            FolderReply::EntryId(id) => Ok(id),
            other => Err(unexpected_folder("CopyFolder", &other)),
        }
    }
    fn copy_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> Result<Reply<Vec<Option<EntryId>>>> {
        match self.folder(FolderOp::CopyMessages {
            folder: folder.to_vec(),
            messages: messages.to_vec(),
            dest: dest.to_vec(),
            flags,
        })? {
            FolderReply::Copied { status, entry_ids } if entry_ids.len() == messages.len() => {
                Ok(Reply {
                    status,
                    value: entry_ids,
                })
            }
            other => Err(unexpected_folder("CopyMessages", &other)),
        }
    }
    fn delete_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        flags: u32,
    ) -> Result<Reply<()>> {
        self.status(FolderOp::DeleteMessages {
            folder: folder.to_vec(),
            messages: messages.to_vec(),
            flags,
        })
    }
    fn set_read_flags(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> Result<Reply<()>> {
        self.status(FolderOp::SetReadFlags {
            folder: folder.to_vec(),
            messages: messages.map(<[EntryId]>::to_vec),
            flags,
        })
    }
    fn get_receive_folder(&self, message_class: &str) -> Result<(EntryId, String)> {
        match self.folder(FolderOp::GetReceiveFolder {
            message_class: message_class.to_string(),
        })? {
            FolderReply::ReceiveFolder {
                entry_id,
                message_class,
            } => Ok((entry_id, message_class)),
            other => Err(unexpected_folder("GetReceiveFolder", &other)),
        }
    }
    fn create_message(&self, folder: &[u8], flags: u32) -> Result<Object> {
        let reply = self.run(self.session.object(ObjectOp::CreateMessage {
            store: self.store.clone(),
            folder: folder.to_vec(),
            flags,
        }))?;
        Ok(opened(&self.rt, &self.session, "CreateMessage", reply)?.1)
    }
    fn advise(&self, entry: Option<&[u8]>, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32> {
        let target = AdviseTarget::Store {
            store: self.store.clone(),
            entry: entry.map(<[u8]>::to_vec),
        };
        self.run(self.session.advise(target, mask, event_sink(sink)))
    }
    fn unadvise(&self, conn: u32) -> Result<()> {
        self.run(self.session.unadvise(conn))
    }
    fn live_contents_table(&self, folder: &[u8], flags: u32) -> Result<LiveContents> {
        let at = Some((self.store.as_slice(), folder));
        remote_live(&self.rt, &self.session, TableKind::Contents, at, flags)
    }
    fn live_hierarchy_table(&self, folder: &[u8], flags: u32) -> Result<LiveContents> {
        let at = Some((self.store.as_slice(), folder));
        remote_live(&self.rt, &self.session, TableKind::Hierarchy, at, flags)
    }
}

/// A table the daemon opens (`at`: its store and folder) as one that can be advised
/// there, with its view here.
fn remote_live(
    rt: &Arc<Runtime>,
    session: &Arc<RemoteSession>,
    kind: TableKind,
    at: Option<(&[u8], &[u8])>,
    flags: u32,
) -> Result<LiveContents> {
    let (table, default_columns, all_columns) = rt
        .block_on(session.open_table(kind, at.map(|a| a.0), at.map(|a| a.1), flags))
        .map_err(client_err)?;
    let mut view = RemoteSource::view_of(
        rt.clone(),
        session.clone(),
        table,
        default_columns,
        all_columns,
    );
    if kind == TableKind::Status {
        view = view.with_table_type(TBLTYPE_DYNAMIC);
    }
    Ok(LiveContents::remote(
        rt.clone(),
        session.clone(),
        table,
        view,
    ))
}

impl RemoteStore {
    fn open(&self, kind: OpenKind, entry: &[u8], flags: u32) -> Result<Object> {
        let store = Some(self.store.clone());
        Ok(remote_open(&self.rt, &self.session, kind, store, entry, flags)?.1)
    }

    fn folder(&self, op: FolderOp) -> Result<FolderReply> {
        self.run(self.session.folder(&self.store, op))
    }

    fn done(&self, op: FolderOp) -> Result<()> {
        let name = op.name();
        match self.folder(op)? {
            FolderReply::Done => Ok(()),
            other => Err(unexpected_folder(name, &other)),
        }
    }

    fn status(&self, op: FolderOp) -> Result<Reply<()>> {
        let name = op.name();
        match self.folder(op)? {
            FolderReply::Status(status) => Ok(Reply { status, value: () }),
            other => Err(unexpected_folder(name, &other)),
        }
    }
}

fn unexpected_folder(method: &str, reply: &FolderReply) -> EngineError {
    EngineError::Status(
        Status::MAPI_E_CALL_FAILED,
        format!("the daemon answered {method} with an unexpected reply {reply:?}"),
    )
}

/// Opens an object at the daemon: its store's entry id and the object.
fn remote_open(
    rt: &Arc<Runtime>,
    session: &Arc<RemoteSession>,
    kind: OpenKind,
    store: Option<Vec<u8>>,
    entry: &[u8],
    flags: u32,
) -> Result<(Vec<u8>, Object)> {
    let reply = rt
        .block_on(session.object(ObjectOp::Open {
            kind,
            store,
            entry_id: entry.to_vec(),
            flags,
        }))
        .map_err(client_err)?;
    opened(rt, session, "OpenEntry", reply)
}

/// The object an `Opened` reply names, with its store's entry id.
fn opened(
    rt: &Arc<Runtime>,
    session: &Arc<RemoteSession>,
    method: &str,
    reply: ObjectReply,
) -> Result<(Vec<u8>, Object)> {
    match reply {
        ObjectReply::Opened {
            object,
            object_type,
            store,
        } => Ok((
            store,
            Object::new_remote(
                object_type,
                RemoteHandle::new(rt.clone(), session.clone(), object),
            ),
        )),
        other => {
            // Not an object: nothing to keep.
            Err(EngineError::Status(
                Status::MAPI_E_CALL_FAILED,
                format!("the daemon answered {method} with {other:?}"),
            ))
        }
    }
}

/// A remote session's liveness: ended once the daemon or another sharer ended it.
pub(crate) fn remote_liveness(session: Arc<RemoteSession>) -> Liveness {
    Arc::new(move || match session.ended() {
        Some(reason) => Err(TableError::new(
            Status::MAPI_E_END_OF_SESSION,
            format!("the table's session has ended: {reason}"),
        )),
        None => Ok(()),
    })
}
