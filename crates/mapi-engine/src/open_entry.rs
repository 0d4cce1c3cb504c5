//! `IMAPISession::OpenEntry`: the object an entry id names, in whichever open store
//! owns it.

use std::sync::Arc;

use mapi_spi::{MsgStore, PropObject, ProviderError};
use mapi_types::object::{MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS, MAPI_MODIFY};
use mapi_types::{PropValue, Status, resource_type, tags};

use crate::error::{EngineError, Result};
use crate::session::{ProviderObject, STORE_ENTRY_MARK, Session, store_entry_id};

/// The flags `OpenEntry` knows.
const OPEN_FLAGS: u32 = MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS;

/// A logged-on store with its store-table entry id.
type StoreWithId = (Vec<u8>, Arc<dyn MsgStore>);

/// An object opened by entry id, with the store-table entry id of its store.
#[derive(Clone)]
pub struct OpenedEntry {
    /// The store's PR_ENTRYID in the message-store table.
    pub store: Vec<u8>,
    /// The object (message, folder or store).
    pub object: Arc<dyn PropObject>,
}

fn invalid(detail: impl Into<String>) -> EngineError {
    EngineError::Status(Status::MAPI_E_INVALID_ENTRYID, detail.into())
}

/// Whether a provider's answer means "not one of my ids": try the next store.
fn not_mine(e: &ProviderError) -> bool {
    e.status == Status::MAPI_E_INVALID_ENTRYID
        || e.status == Status::MAPI_E_UNKNOWN_ENTRYID
        || e.status == Status::MAPI_E_NO_SUPPORT
}

impl Session {
    /// `OpenEntry`: a store entry id (the store table's PR_ENTRYID) gives the store
    /// object; a message or folder entry id gives that object from the open store
    /// owning it (the store whose uid the id carries is asked first, then every other
    /// open store). `flags`: `MAPI_MODIFY`, `MAPI_BEST_ACCESS`, `MAPI_DEFERRED_ERRORS`;
    /// others are `MAPI_E_UNKNOWN_FLAGS`. An id no open store recognises is
    /// `MAPI_E_INVALID_ENTRYID`; a recognised id of an object that is gone,
    /// `MAPI_E_NOT_FOUND`.
    pub async fn open_entry(&self, entry: &[u8], flags: u32) -> Result<OpenedEntry> {
        let r = self.open_entry_inner(entry, flags).await;
        self.record(r)
    }

    async fn open_entry_inner(&self, entry: &[u8], flags: u32) -> Result<OpenedEntry> {
        if flags & !OPEN_FLAGS != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!(
                    "OpenEntry does not know flags 0x{:08X}",
                    flags & !OPEN_FLAGS
                ),
            ));
        }
        let stores = self.open_stores()?;
        if entry.len() < 4 {
            return Err(invalid(format!(
                "an entry id has at least 4 bytes (flags), this one {}",
                entry.len()
            )));
        }
        if entry.starts_with(STORE_ENTRY_MARK) {
            let (store, s) = stores
                .into_iter()
                .find(|(id, _)| id == entry)
                .ok_or_else(|| invalid("no store of this session has that entry id"))?;
            let object = s.open_store_object().await?;
            return Ok(OpenedEntry { store, object });
        }
        // The store whose uid the id carries (bytes 4..20, MAPI's layout) goes first.
        let uid = entry.get(4..20);
        let (mut first, rest): (Vec<_>, Vec<_>) = stores
            .into_iter()
            .partition(|(_, s)| uid.is_some() && store_uid(s.as_ref()).as_deref() == uid);
        first.extend(rest);
        for (store, s) in first {
            match s.open_message(entry, flags).await {
                Ok(object) => return Ok(OpenedEntry { store, object }),
                Err(e) if not_mine(&e) => {}
                Err(e) => return Err(e.into()),
            }
            match s.open_folder(entry, flags).await {
                Ok(object) => return Ok(OpenedEntry { store, object }),
                Err(e) if not_mine(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(invalid(
            "no open store of this session recognises that entry id",
        ))
    }

    /// The session's logged-on stores with their store-table entry ids.
    fn open_stores(&self) -> Result<Vec<StoreWithId>> {
        let s = self.live()?;
        Ok(s.providers
            .iter()
            .filter(|p| p.info.resource_type == resource_type::MAPI_STORE_PROVIDER)
            .filter(|p| p.disabled.is_none())
            .filter_map(|p| match &p.object {
                Some(ProviderObject::Store(st)) => Some((store_entry_id(&p.info), st.clone())),
                _ => None,
            })
            .collect())
    }
}

/// The uid a store writes into its entry ids (its PR_STORE_RECORD_KEY, else its
/// PR_RECORD_KEY).
fn store_uid(s: &dyn MsgStore) -> Option<Vec<u8>> {
    let props = s.properties();
    [tags::PR_STORE_RECORD_KEY, tags::PR_RECORD_KEY]
        .into_iter()
        .find_map(|t| match props.get(t) {
            Some(PropValue::Binary(b)) => Some(b.clone()),
            _ => None,
        })
}
