//! Property objects (`IMAPIProp`) and their streams (`IStream`), the seam MAPI's message,
//! folder and store objects sit on. The methods and their return codes follow
//! Microsoft's documentation of IMAPIProp and IStream, so the C interface maps each
//! method to one call here.
//!
//! Strings in a stream are UTF-8 (`PT_STRING8` in code page 65001); the C layer converts
//! for a caller asking for a wide-character stream.

use std::sync::Arc;

use async_trait::async_trait;
use mapi_types::object::{KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE};
use mapi_types::{
    MapiUid, NameId, PropProblem, PropTag, PropValue, Row, RowSource, Status, StreamStat,
};

use crate::error::{ProviderError, ProviderResult};

/// A result that succeeded, with the call's status: `S_OK`, or a warning such as
/// `MAPI_W_ERRORS_RETURNED` when some entries are `PT_ERROR`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply<T> {
    /// `S_OK` or a `MAPI_W_*` warning.
    pub status: Status,
    /// The values.
    pub value: T,
}

impl<T> Reply<T> {
    /// `S_OK` with a value.
    pub fn ok(value: T) -> Reply<T> {
        Reply {
            status: Status::S_OK,
            value,
        }
    }

    /// `MAPI_W_ERRORS_RETURNED` when `errors`, else `S_OK`.
    pub fn warn_if(errors: bool, value: T) -> Reply<T> {
        let status = if errors {
            Status::MAPI_W_ERRORS_RETURNED
        } else {
            Status::S_OK
        };
        Reply { status, value }
    }
}

/// What a transacted object (a message, an attachment) still allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Opened with `MAPI_MODIFY` (or created), or saved with `KEEP_OPEN_READWRITE`.
    ReadWrite,
    /// Opened for reading, or saved with `KEEP_OPEN_READONLY`.
    ReadOnly,
    /// Saved without `KEEP_OPEN_*`: nothing more can be done with it.
    Closed,
}

impl Access {
    /// What a successful SaveChanges with `flags` leaves.
    pub fn after_save(flags: u32) -> Access {
        if flags & KEEP_OPEN_READWRITE != 0 {
            Access::ReadWrite
        } else if flags & KEEP_OPEN_READONLY != 0 {
            Access::ReadOnly
        } else {
            Access::Closed
        }
    }
}

/// The values a GetProps returns, in the order asked for.
pub type PropValues = Vec<(PropTag, PropValue)>;

/// What a GetNamesFromIDs returns: each tag with its name (`None` when unmapped).
pub type PropNames = Vec<(PropTag, Option<NameId>)>;

fn no_support(method: &str) -> ProviderError {
    ProviderError::no_support(format!("this object does not support {method}"))
}

/// An object with properties (`IMAPIProp`). Transacted objects (messages) keep every
/// change in the object until [`PropObject::save_changes`].
#[async_trait]
pub trait PropObject: Send + Sync {
    /// The object's `PR_OBJECT_TYPE` (`MAPI_MESSAGE`, `MAPI_FOLDER`, `MAPI_STORE`, ...).
    fn object_type(&self) -> u32;

    /// `GetProps`. `tags` `None` asks for every property. A property the object lacks
    /// comes back as `PROP_TAG(PT_ERROR, id)` holding `MAPI_E_NOT_FOUND`, and one too
    /// large to return whole as `PT_ERROR` `MAPI_E_NOT_ENOUGH_MEMORY` (read it with
    /// [`PropObject::open_property`]); then the reply's status is
    /// `MAPI_W_ERRORS_RETURNED`. `flags`: `MAPI_UNICODE`.
    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        flags: u32,
    ) -> ProviderResult<Reply<PropValues>>;

    /// `GetPropList`: the tags of every property the object has. `flags`: `MAPI_UNICODE`.
    async fn get_prop_list(&self, flags: u32) -> ProviderResult<Vec<PropTag>>;

    /// `SetProps`: sets properties; each one that cannot be set is a problem in the
    /// reply (its value is left as it was). An object opened for reading answers
    /// `MAPI_E_NO_ACCESS`.
    async fn set_props(&self, values: &[(PropTag, PropValue)]) -> ProviderResult<Vec<PropProblem>> {
        let _ = values;
        Err(no_support("SetProps"))
    }

    /// `DeleteProps`: removes properties; each one that cannot be removed is a problem.
    async fn delete_props(&self, tags: &[PropTag]) -> ProviderResult<Vec<PropProblem>> {
        let _ = tags;
        Err(no_support("DeleteProps"))
    }

    /// `SaveChanges`: makes the changes permanent. `flags`: `KEEP_OPEN_READONLY`,
    /// `KEEP_OPEN_READWRITE`, `FORCE_SAVE`, `MAPI_DEFERRED_ERRORS`. Another session
    /// having saved the object since it was opened gives `MAPI_E_OBJECT_CHANGED` (unless
    /// `FORCE_SAVE`); the object deleted meanwhile, `MAPI_E_OBJECT_DELETED`.
    async fn save_changes(&self, flags: u32) -> ProviderResult<()> {
        let _ = flags;
        Err(no_support("SaveChanges"))
    }

    /// `IMessage::ModifyRecipients`: changes the message's recipient list (kept in the
    /// object until SaveChanges). `flags`: `MODRECIP_ADD` (the rows are new recipients;
    /// each gets its PR_ROWID), `MODRECIP_MODIFY` (each row replaces the recipient with
    /// its PR_ROWID), `MODRECIP_REMOVE` (the rows' PR_ROWID go), or none (the rows
    /// replace the whole list). A row without a PR_RECIPIENT_TYPE of `MAPI_TO`,
    /// `MAPI_CC` or `MAPI_BCC`, or without a name or address, is
    /// `MAPI_E_INVALID_PARAMETER`; a PR_ROWID the message does not have is
    /// `MAPI_E_NOT_FOUND`; either way nothing changes. Objects that are not messages
    /// answer `MAPI_E_NO_SUPPORT`.
    async fn modify_recipients(&self, flags: u32, rows: &[Row]) -> ProviderResult<()> {
        let _ = (flags, rows);
        Err(no_support("ModifyRecipients"))
    }

    /// `IMessage::GetRecipientTable`: the recipients as the object holds them now (saved
    /// or not), one row each with PR_ROWID, PR_RECIPIENT_TYPE, PR_DISPLAY_NAME,
    /// PR_EMAIL_ADDRESS, PR_ADDRTYPE and whatever else was set. `flags`: `MAPI_UNICODE`.
    async fn recipient_table(&self, flags: u32) -> ProviderResult<Box<dyn RowSource>> {
        let _ = flags;
        Err(no_support("GetRecipientTable"))
    }

    /// `IMessage::CreateAttach`: a new attachment (`IAttach`), writable, with the next
    /// PR_ATTACH_NUM of the message; it reaches the message at its own SaveChanges and the
    /// store at the message's. `flags`: `MAPI_DEFERRED_ERRORS`. A message opened for
    /// reading answers `MAPI_E_NO_ACCESS`; an object that is not a message,
    /// `MAPI_E_NO_SUPPORT`.
    async fn create_attach(&self, flags: u32) -> ProviderResult<(u32, Arc<dyn PropObject>)> {
        let _ = flags;
        Err(no_support("CreateAttach"))
    }

    /// `IMessage::OpenAttach`: attachment `num` (its PR_ATTACH_NUM). `flags`:
    /// `MAPI_MODIFY`, `MAPI_BEST_ACCESS`, `MAPI_DEFERRED_ERRORS`. A number the message does
    /// not have is `MAPI_E_NOT_FOUND`; `MAPI_MODIFY` on a message opened for reading,
    /// `MAPI_E_NO_ACCESS`.
    async fn open_attach(&self, num: u32, flags: u32) -> ProviderResult<Arc<dyn PropObject>> {
        let _ = (num, flags);
        Err(no_support("OpenAttach"))
    }

    /// `IMessage::DeleteAttach`: removes attachment `num` from the message (kept in the
    /// object until SaveChanges). `flags`: `ATTACH_DIALOG` (there is no progress to show).
    /// An unknown number is `MAPI_E_NOT_FOUND`; a message opened for reading,
    /// `MAPI_E_NO_ACCESS`.
    async fn delete_attach(&self, num: u32, flags: u32) -> ProviderResult<()> {
        let _ = (num, flags);
        Err(no_support("DeleteAttach"))
    }

    /// `IMessage::GetAttachmentTable`: one row per attachment as the object holds them
    /// now, with PR_ATTACH_NUM, PR_INSTANCE_KEY, PR_RECORD_KEY, PR_ATTACH_METHOD,
    /// PR_ATTACH_FILENAME, PR_ATTACH_LONG_FILENAME, PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE,
    /// PR_RENDERING_POSITION and PR_DISPLAY_NAME. `flags`: `MAPI_UNICODE`.
    async fn attachment_table(&self, flags: u32) -> ProviderResult<Box<dyn RowSource>> {
        let _ = flags;
        Err(no_support("GetAttachmentTable"))
    }

    /// `OpenProperty` for an interface other than `IID_IStream`: at least
    /// PR_ATTACH_DATA_OBJ as `IID_IMessage` on an `ATTACH_EMBEDDED_MSG` attachment, the
    /// embedded message, whose SaveChanges saves it into the attachment. `flags`:
    /// `MAPI_MODIFY`, `MAPI_CREATE` (a new, empty message), `MAPI_DEFERRED_ERRORS`. Another
    /// interface is `MAPI_E_INTERFACE_NOT_SUPPORTED`; a property the object lacks,
    /// `MAPI_E_NOT_FOUND`.
    async fn open_property_object(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Arc<dyn PropObject>> {
        let _ = (tag, interface, flags);
        Err(no_support("OpenProperty"))
    }

    /// `OpenProperty` for `interface` `IID_IStream`: a stream over a large binary or
    /// string property. `flags`: `MAPI_MODIFY`, `MAPI_CREATE` (create or empty the
    /// property), `STREAM_APPEND`, `MAPI_DEFERRED_ERRORS`.
    async fn open_property(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Box<dyn PropStream>> {
        let _ = (tag, interface, flags);
        Err(no_support("OpenProperty"))
    }

    /// `GetIDsFromNames`: the property tag (type `PT_UNSPECIFIED`) of each name. Without
    /// `MAPI_CREATE` an unknown name is `PROP_TAG(PT_ERROR, 0)` and the status
    /// `MAPI_W_ERRORS_RETURNED`; with it the name gets a new id in 0x8000..=0xFFFE.
    async fn get_ids_from_names(
        &self,
        names: &[NameId],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<PropTag>>> {
        let _ = (names, flags);
        Err(no_support("GetIDsFromNames"))
    }

    /// `GetNamesFromIDs`: the name of each tag's id (`None`, status
    /// `MAPI_W_ERRORS_RETURNED`, for an unmapped one). `tags` `None` asks for every
    /// mapped name, restricted to property set `guid` when given. `flags`:
    /// `MAPI_NO_STRINGS`, `MAPI_NO_IDS`.
    async fn get_names_from_ids(
        &self,
        tags: Option<&[PropTag]>,
        guid: Option<&MapiUid>,
        flags: u32,
    ) -> ProviderResult<Reply<PropNames>> {
        let _ = (tags, guid, flags);
        Err(no_support("GetNamesFromIDs"))
    }
}

/// A stream over one property (`IStream`). Writes go to the object holding the
/// property at [`PropStream::commit`], and to the store at that object's SaveChanges.
#[async_trait]
pub trait PropStream: Send + Sync {
    /// `Read`: up to `buf.len()` bytes from the position; 0 at the end.
    async fn read(&self, buf: &mut [u8]) -> ProviderResult<usize>;

    /// `Write`: writes at the position, growing the stream as needed. A stream opened
    /// for reading answers `MAPI_E_NO_ACCESS`; one that would pass the store's limit,
    /// `MAPI_E_TOO_BIG`.
    async fn write(&self, data: &[u8]) -> ProviderResult<usize>;

    /// `Seek`: moves the position (`STREAM_SEEK_SET` / `CUR` / `END`); returns the new
    /// position. A position before the start is `MAPI_E_INVALID_PARAMETER`.
    async fn seek(&self, offset: i64, origin: u32) -> ProviderResult<u64>;

    /// `SetSize`: truncates or extends (with zeros). A size past the store's limit is
    /// `MAPI_E_TOO_BIG`, answered without allocating it.
    async fn set_size(&self, size: u64) -> ProviderResult<()>;

    /// `Stat`: size and mode.
    async fn stat(&self) -> ProviderResult<StreamStat>;

    /// `Commit`: hands what was written to the property's object.
    async fn commit(&self, flags: u32) -> ProviderResult<()>;
}
