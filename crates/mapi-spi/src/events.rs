//! How a store reports its changes to the engine, which turns them into advise
//! notifications: [`StoreChange`]s handed to a [`ChangeListener`] that
//! [`MsgStore::subscribe_changes`](crate::MsgStore::subscribe_changes) registered.
//!
//! Guarantees a store gives (and the engine relies on):
//! - **Committed only, in commit order.** A change is reported after the transaction
//!   that made it committed, and changes come in the order they were committed, whichever
//!   session, connection or process made them.
//! - **One call at a time.** A listener is never called concurrently with itself. A
//!   call holds whole committed transactions in the order their changes were made (a
//!   transaction of more than a few thousand changes may be split over consecutive
//!   calls, never interleaved with another).
//! - **Not on the caller's stack.** Calls come from a thread the store owns, never from
//!   inside the store method that made the change, so a listener may call the store.
//! - **Lost changes are said.** If a store cannot tell what changed (it fell behind its
//!   change log), it reports [`ChangeKind::Lost`] and the engine reloads tables.
//!
//! Listeners must return quickly (the engine's queues a batch and returns).

use mapi_types::Status;

use crate::store::EntryId;

/// What happened to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// The object was created (`fnevObjectCreated`).
    Created,
    /// It was deleted (`fnevObjectDeleted`).
    Deleted,
    /// Its properties changed (`fnevObjectModified`).
    Modified,
    /// It moved to another folder (`fnevObjectMoved`): `old_parent` says where from.
    Moved,
    /// It is a copy of `old_entry` (`fnevObjectCopied`).
    Copied,
    /// A message arrived whole (delivered or imported, not being composed): also
    /// reported as `Created` first (`fnevNewMail`).
    NewMail,
    /// Changes were lost (the store cannot say which): every view of the store must be
    /// read again (`TABLE_RELOAD`).
    Lost,
    /// The store can no longer report changes (`fnevCriticalError`): `error` says why.
    Failed,
}

/// One change of a store.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreChange {
    /// What happened.
    pub kind: ChangeKind,
    /// The object's entry id (its new one for moves and copies); empty for `Lost`
    /// and `Failed`.
    pub entry: EntryId,
    /// `MAPI_MESSAGE` or `MAPI_FOLDER` (0 for `Lost` and `Failed`).
    pub object_type: u32,
    /// Its parent folder (where it is now); empty when it has none.
    pub parent: EntryId,
    /// The entry id it had, or was copied from (moves and copies).
    pub old_entry: EntryId,
    /// The folder it was in (moves, copies).
    pub old_parent: EntryId,
    /// For new mail: PR_MESSAGE_CLASS.
    pub message_class: String,
    /// For messages: PR_MESSAGE_FLAGS after the change (0 when unknown).
    pub message_flags: u32,
    /// For `Failed`: the status and why.
    pub error: Option<(Status, String)>,
}

impl StoreChange {
    /// A change of `kind` to `entry` (of `object_type`, in `parent`), nothing else known.
    pub fn new(kind: ChangeKind, entry: EntryId, object_type: u32, parent: EntryId) -> Self {
        StoreChange {
            kind,
            entry,
            object_type,
            parent,
            old_entry: Vec::new(),
            old_parent: Vec::new(),
            message_class: String::new(),
            message_flags: 0,
            error: None,
        }
    }

    /// `Lost`: the store fell behind.
    pub fn lost() -> Self {
        StoreChange::new(ChangeKind::Lost, Vec::new(), 0, Vec::new())
    }

    /// `Failed` with a status and a sentence.
    pub fn failed(status: Status, why: impl Into<String>) -> Self {
        let mut c = StoreChange::new(ChangeKind::Failed, Vec::new(), 0, Vec::new());
        c.error = Some((status, why.into()));
        c
    }
}

/// Who receives a store's changes (the engine).
pub trait ChangeListener: Send + Sync {
    /// The changes of one or more committed transactions, in commit order.
    fn on_changes(&self, changes: &[StoreChange]);
}

/// A registration of a [`ChangeListener`]: dropping it stops the calls (a call the
/// store's thread had already begun may still complete).
pub struct ChangeSubscription {
    _guard: Box<dyn Send + Sync>,
}

impl ChangeSubscription {
    /// A subscription that ends when `guard` is dropped.
    pub fn new(guard: Box<dyn Send + Sync>) -> ChangeSubscription {
        ChangeSubscription { _guard: guard }
    }
}

impl std::fmt::Debug for ChangeSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeSubscription")
    }
}
