//! A logged-on message store (`IMsgStore` with its folders and messages). Folders and
//! messages are property rows, as MAPI presents them.

use std::sync::Arc;

use async_trait::async_trait;
use mapi_types::table::consts::MAPI_ASSOCIATED;
use mapi_types::{MemorySource, PropValue, Row, RowSource, Table, tags};

/// `MSGFLAG_READ`.
const MSGFLAG_READ: i64 = 0x1;

use crate::error::{ProviderError, ProviderResult};
use crate::events::{ChangeListener, ChangeSubscription};
use crate::object::{PropObject, Reply};

/// A PR_ENTRYID: opaque bytes the provider understands.
pub type EntryId = Vec<u8>;

/// The well-known folders of an IPM store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FolderKind {
    /// The root of the IPM subtree ("Top of Information Store").
    IpmSubtree,
    /// Inbox.
    Inbox,
    /// Outbox.
    Outbox,
    /// Sent Items.
    SentItems,
    /// Deleted Items.
    DeletedItems,
    /// Drafts.
    Drafts,
}

/// A message store a provider has logged on to.
#[async_trait]
pub trait MsgStore: Send + Sync {
    /// Store properties: at least PR_DISPLAY_NAME, PR_RECORD_KEY, PR_MDB_PROVIDER,
    /// PR_ENTRYID.
    fn properties(&self) -> Row;

    /// The folder hierarchy, one row per folder: PR_ENTRYID, PR_PARENT_ENTRYID (absent
    /// for the IPM subtree), PR_DISPLAY_NAME, PR_CONTENT_COUNT, PR_CONTENT_UNREAD.
    async fn folders(&self) -> ProviderResult<Vec<Row>>;

    /// The entry id of a well-known folder.
    async fn folder(&self, kind: FolderKind) -> ProviderResult<EntryId>;

    /// A folder's contents table (PR_ENTRYID, PR_SUBJECT, PR_SENDER_NAME,
    /// PR_SENDER_EMAIL_ADDRESS, PR_MESSAGE_DELIVERY_TIME, PR_MESSAGE_SIZE, ...), sorted by
    /// delivery time, newest first.
    async fn contents(&self, folder: &[u8]) -> ProviderResult<Table>;

    /// `GetContentsTable`: the rows of a folder's contents table for a view to page
    /// through (sort, restriction and paging evaluated by the source). `flags` are
    /// `GetContentsTable`'s: with `MAPI_ASSOCIATED` the folder's associated messages.
    ///
    /// The default loads [`MsgStore::contents`] and evaluates in memory; associated
    /// contents are empty. A provider overrides it to push the work down (the local
    /// store runs SQL and never loads a whole folder).
    async fn contents_source(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> ProviderResult<Box<dyn RowSource>> {
        let table = self.contents(folder).await?;
        if flags & MAPI_ASSOCIATED != 0 {
            return Ok(Box::new(MemorySource::new(table.columns(), Vec::new())));
        }
        // PR_READ is computed from PR_MESSAGE_FLAGS (MSGFLAG_READ) where a row lacks it.
        let columns = table.columns().to_vec();
        let rows = table
            .full_rows()
            .into_iter()
            .map(|r| {
                let mut r = r.clone();
                if r.get(tags::PR_READ).is_none()
                    && let Some(f) = r.int(tags::PR_MESSAGE_FLAGS)
                {
                    r.set(tags::PR_READ, PropValue::Boolean(f & MSGFLAG_READ != 0));
                }
                r
            })
            .collect();
        Ok(Box::new(MemorySource::new(&columns, rows)))
    }

    /// All properties of one message, PR_BODY included.
    async fn read_message(&self, entry: &[u8]) -> ProviderResult<Row>;

    /// The message as RFC 5322 bytes.
    async fn read_raw(&self, entry: &[u8]) -> ProviderResult<Vec<u8>>;

    /// Stores RFC 5322 messages into a folder, all or none; returns their entry ids.
    async fn import_raw(
        &self,
        folder: &[u8],
        messages: Vec<Vec<u8>>,
    ) -> ProviderResult<Vec<EntryId>>;

    /// Deletes a message.
    async fn delete_message(&self, entry: &[u8]) -> ProviderResult<()>;

    /// Moves a message to another folder; returns its new entry id.
    async fn move_message(&self, entry: &[u8], folder: &[u8]) -> ProviderResult<EntryId>;

    /// `IMAPIFolder::CreateFolder` (FOLDER_GENERIC): a subfolder of `parent` named `name`.
    /// `flags`: `OPEN_IF_EXISTS` (then an existing subfolder of that name is returned);
    /// without it an existing name is `MAPI_E_COLLISION`. An empty name, or one the store
    /// cannot represent, is `MAPI_E_INVALID_PARAMETER`.
    async fn create_folder(
        &self,
        parent: &[u8],
        name: &str,
        flags: u32,
    ) -> ProviderResult<EntryId> {
        let _ = (parent, name, flags);
        Err(ProviderError::no_support(
            "this store cannot create folders",
        ))
    }

    /// `IMAPIFolder::DeleteFolder`: `folder`, a subfolder of `parent`. `flags`:
    /// `DEL_MESSAGES`, `DEL_FOLDERS`, `DELETE_HARD_DELETE`. A folder still holding
    /// messages or subfolders without the flag for them is `MAPI_E_HAS_MESSAGES` /
    /// `MAPI_E_HAS_FOLDERS`, and nothing is deleted; a well-known folder (Inbox, Outbox,
    /// Sent Items, Deleted Items, the IPM subtree) is `MAPI_E_NO_ACCESS`.
    async fn delete_folder(&self, parent: &[u8], folder: &[u8], flags: u32) -> ProviderResult<()> {
        let _ = (parent, folder, flags);
        Err(ProviderError::no_support(
            "this store cannot delete folders",
        ))
    }

    /// `IMAPIFolder::EmptyFolder`: deletes every message and subfolder of `folder` (the
    /// folder stays). `flags`: `DEL_ASSOCIATED`, `DELETE_HARD_DELETE`.
    async fn empty_folder(&self, folder: &[u8], flags: u32) -> ProviderResult<()> {
        let _ = (folder, flags);
        Err(ProviderError::no_support("this store cannot empty folders"))
    }

    /// `IMAPIFolder::CopyFolder`: copies `folder`, a subfolder of `parent`, under
    /// `dest_parent` (named `new_name`, or its own name); with `FOLDER_MOVE` moves it.
    /// `flags`: `FOLDER_MOVE`, `COPY_SUBFOLDERS`. A destination inside the folder is
    /// `MAPI_E_FOLDER_CYCLE`; a name taken there is `MAPI_E_COLLISION`. Returns the entry
    /// id of the copy (of the moved folder, for a move).
    async fn copy_folder(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> ProviderResult<EntryId> {
        let _ = (parent, folder, dest_parent, new_name, flags);
        Err(ProviderError::no_support("this store cannot copy folders"))
    }

    /// `IMAPIFolder::CopyMessages`: copies `messages` of `folder` into `dest`; with
    /// `MESSAGE_MOVE` moves them. Returns, in the order given, each message's entry id in
    /// `dest`, or `None` for one that was not found in `folder` (the status is then
    /// `MAPI_W_PARTIAL_COMPLETION`).
    async fn copy_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<Option<EntryId>>>> {
        let _ = (folder, messages, dest, flags);
        Err(ProviderError::no_support("this store cannot copy messages"))
    }

    /// `IMAPIFolder::DeleteMessages`: deletes `messages` of `folder`. `flags`:
    /// `DELETE_HARD_DELETE`. One not found there makes the status
    /// `MAPI_W_PARTIAL_COMPLETION`; the others are deleted.
    async fn delete_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        flags: u32,
    ) -> ProviderResult<Reply<()>> {
        let _ = (folder, messages, flags);
        Err(ProviderError::no_support(
            "this store cannot delete messages",
        ))
    }

    /// `IMAPIFolder::SetReadFlags`: marks `messages` of `folder` (every message of it when
    /// `None`) read, or unread with `CLEAR_READ_FLAG`. `flags`: `SUPPRESS_RECEIPT`,
    /// `CLEAR_READ_FLAG`, `GENERATE_RECEIPT_ONLY`, `CLEAR_RN_PENDING`,
    /// `CLEAR_NRN_PENDING`, `MAPI_DEFERRED_ERRORS`; an unknown bit is
    /// `MAPI_E_UNKNOWN_FLAGS`. One not found makes the status
    /// `MAPI_W_PARTIAL_COMPLETION`.
    async fn set_read_flags(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> ProviderResult<Reply<()>> {
        let _ = (folder, messages, flags);
        Err(ProviderError::no_support(
            "this store cannot change read flags",
        ))
    }

    /// `IMsgStore::GetReceiveFolder`: the folder that receives messages of
    /// `message_class`, and the class it is registered for (the longest registered
    /// prefix; `""` for the default). The default answers the Inbox for every class.
    async fn get_receive_folder(&self, message_class: &str) -> ProviderResult<(EntryId, String)> {
        let _ = message_class;
        Ok((self.folder(FolderKind::Inbox).await?, String::new()))
    }

    /// `IMsgStore::OpenEntry` on a message: the message as a property object
    /// (`IMessage`'s IMAPIProp part). `flags`: `MAPI_MODIFY`, `MAPI_BEST_ACCESS`,
    /// `MAPI_DEFERRED_ERRORS`; without `MAPI_MODIFY` (or `MAPI_BEST_ACCESS`) it is
    /// read-only. A store without property objects answers `MAPI_E_NO_SUPPORT`.
    async fn open_message(&self, entry: &[u8], flags: u32) -> ProviderResult<Arc<dyn PropObject>> {
        let _ = (entry, flags);
        Err(ProviderError::no_support(
            "this store does not open messages as objects",
        ))
    }

    /// `IMAPIFolder::CreateMessage`: a new, writable message in `folder` as a property
    /// object. It exists only after its first `SaveChanges` (then it has its PR_ENTRYID
    /// and shows in the folder's contents table). `flags`: `MAPI_DEFERRED_ERRORS`,
    /// `MAPI_ASSOCIATED`. A store without property objects answers `MAPI_E_NO_SUPPORT`.
    async fn create_message(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> ProviderResult<Arc<dyn PropObject>> {
        let _ = (folder, flags);
        Err(ProviderError::no_support(
            "this store cannot create messages",
        ))
    }

    /// `IMsgStore::OpenEntry` on a folder: the folder as a property object.
    async fn open_folder(&self, entry: &[u8], flags: u32) -> ProviderResult<Arc<dyn PropObject>> {
        let _ = (entry, flags);
        Err(ProviderError::no_support(
            "this store does not open folders as objects",
        ))
    }

    /// The store itself as a property object (`IMsgStore`'s IMAPIProp part).
    async fn open_store_object(&self) -> ProviderResult<Arc<dyn PropObject>> {
        Err(ProviderError::no_support(
            "this store is not available as a property object",
        ))
    }

    /// Starts reporting the store's changes (made through any session, connection or
    /// process) to `listener`, with the guarantees of [`crate::events`], until the
    /// subscription is dropped or the store logs off. The default reports nothing:
    /// `Ok(None)`, which the engine answers Advise with `MAPI_E_NO_SUPPORT`.
    fn subscribe_changes(
        &self,
        listener: Arc<dyn ChangeListener>,
    ) -> ProviderResult<Option<ChangeSubscription>> {
        let _ = listener;
        Ok(None)
    }

    /// `IMSLogon::Logoff`: release files and connections.
    async fn logoff(&self);
}
