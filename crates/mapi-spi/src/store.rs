//! A logged-on message store (`IMsgStore` with its folders and messages). Folders and
//! messages are property rows, as MAPI presents them.

use std::sync::Arc;

use async_trait::async_trait;
use mapi_types::table::consts::MAPI_ASSOCIATED;
use mapi_types::{MemorySource, PropValue, Row, RowSource, Table, tags};

/// `MSGFLAG_READ`.
const MSGFLAG_READ: i64 = 0x1;

use crate::error::{ProviderError, ProviderResult};
use crate::object::PropObject;

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

    /// `IMSLogon::Logoff`: release files and connections.
    async fn logoff(&self);
}
