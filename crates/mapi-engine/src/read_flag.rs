//! `IMessage::SetReadFlag` for every provider: the message's folder
//! (`PR_PARENT_ENTRYID`) changes the read flag of the message's own entry id
//! (`PR_ENTRYID`) through the store's `SetReadFlags`.

use mapi_spi::PropObject;
use mapi_types::folder::{
    CLEAR_NRN_PENDING, CLEAR_READ_FLAG, CLEAR_RN_PENDING, GENERATE_RECEIPT_ONLY, SUPPRESS_RECEIPT,
};
use mapi_types::object::MAPI_DEFERRED_ERRORS;
use mapi_types::{Status, object_type, tags};

use crate::error::{EngineError, Result};
use crate::open_entry::OpenedEntry;
use crate::session::Session;

/// Every flag `SetReadFlag` knows.
const KNOWN: u32 = SUPPRESS_RECEIPT
    | CLEAR_READ_FLAG
    | MAPI_DEFERRED_ERRORS
    | GENERATE_RECEIPT_ONLY
    | CLEAR_RN_PENDING
    | CLEAR_NRN_PENDING;

impl Session {
    /// `IMessage::SetReadFlag`: marks the message read (unread with `CLEAR_READ_FLAG`)
    /// in its store, so PR_MESSAGE_FLAGS of the message opened again has (or lacks)
    /// `MSGFLAG_READ`. `flags`: `SUPPRESS_RECEIPT`, `CLEAR_READ_FLAG`,
    /// `MAPI_DEFERRED_ERRORS`, `GENERATE_RECEIPT_ONLY`, `CLEAR_RN_PENDING`,
    /// `CLEAR_NRN_PENDING`; another bit is `MAPI_E_UNKNOWN_FLAGS`, and an object that
    /// is not a message `MAPI_E_NO_SUPPORT`, nothing changed. A message never saved
    /// (no PR_ENTRYID or PR_PARENT_ENTRYID yet) is `MAPI_E_NOT_FOUND`.
    pub async fn set_read_flag(&self, message: &OpenedEntry, flags: u32) -> Result<()> {
        let r = self.set_read_flag_inner(message, flags).await;
        self.record(r)
    }

    async fn set_read_flag_inner(&self, message: &OpenedEntry, flags: u32) -> Result<()> {
        if flags & !KNOWN != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("SetReadFlag: unknown flags {:#010x}", flags & !KNOWN),
            ));
        }
        let object: &dyn PropObject = message.object.as_ref();
        if object.object_type() != object_type::MAPI_MESSAGE {
            return Err(EngineError::NoSupport(
                "SetReadFlag needs a message; this object is not one".into(),
            ));
        }
        let store = self.open_msg_store(&message.store)?;
        let props = object
            .get_props(Some(&[tags::PR_ENTRYID, tags::PR_PARENT_ENTRYID]), 0)
            .await?
            .value;
        let id = |tag| {
            props
                .iter()
                .find(|(t, _)| *t == tag)
                .and_then(|(_, v)| v.as_bytes().map(<[u8]>::to_vec))
                .ok_or_else(|| {
                    EngineError::Status(
                        Status::MAPI_E_NOT_FOUND,
                        "SetReadFlag: the message has no entry id in a folder yet (save it first)"
                            .into(),
                    )
                })
        };
        let entry = id(tags::PR_ENTRYID)?;
        let folder = id(tags::PR_PARENT_ENTRYID)?;
        let reply = store.set_read_flags(&folder, Some(&[entry]), flags).await?;
        if reply.status == Status::MAPI_W_PARTIAL_COMPLETION {
            return Err(EngineError::Status(
                Status::MAPI_E_NOT_FOUND,
                "SetReadFlag: the message is no longer in its folder".into(),
            ));
        }
        Ok(())
    }
}
