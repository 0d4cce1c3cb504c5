//! Notifications (`NOTIFICATION` and its `info` union) as owned Rust data, with the
//! `fnev*` event bits and the `TABLE_*` table events (c-abi §2.5). Entry ids are byte
//! vectors and rows [`Row`]s, so a C layer can lay them out as MAPI does.

use crate::prop::{PropTag, PropType, PropValue};
use crate::status::Status;
use crate::table::Row;

/// The `fnev*` event bits of an advise mask and of `NOTIFICATION.ulEventType`.
pub mod fnev {
    /// `fnevCriticalError`.
    pub const CRITICAL_ERROR: u32 = 0x0000_0001;
    /// `fnevNewMail`.
    pub const NEW_MAIL: u32 = 0x0000_0002;
    /// `fnevObjectCreated`.
    pub const OBJECT_CREATED: u32 = 0x0000_0004;
    /// `fnevObjectDeleted`.
    pub const OBJECT_DELETED: u32 = 0x0000_0008;
    /// `fnevObjectModified`.
    pub const OBJECT_MODIFIED: u32 = 0x0000_0010;
    /// `fnevObjectMoved`.
    pub const OBJECT_MOVED: u32 = 0x0000_0020;
    /// `fnevObjectCopied`.
    pub const OBJECT_COPIED: u32 = 0x0000_0040;
    /// `fnevSearchComplete`.
    pub const SEARCH_COMPLETE: u32 = 0x0000_0080;
    /// `fnevTableModified`.
    pub const TABLE_MODIFIED: u32 = 0x0000_0100;
    /// `fnevStatusObjectModified`.
    pub const STATUS_OBJECT_MODIFIED: u32 = 0x0000_0200;
    /// `fnevReservedForMapi`.
    pub const RESERVED_FOR_MAPI: u32 = 0x4000_0000;
    /// `fnevExtended`.
    pub const EXTENDED: u32 = 0x8000_0000;

    /// The five object events.
    pub const OBJECT_EVENTS: u32 =
        OBJECT_CREATED | OBJECT_DELETED | OBJECT_MODIFIED | OBJECT_MOVED | OBJECT_COPIED;

    /// Every bit MAPI defines.
    pub const ALL: u32 = CRITICAL_ERROR
        | NEW_MAIL
        | OBJECT_EVENTS
        | SEARCH_COMPLETE
        | TABLE_MODIFIED
        | STATUS_OBJECT_MODIFIED
        | RESERVED_FOR_MAPI
        | EXTENDED;

    /// The name MAPI gives one bit (`fnevNewMail`, ...); `None` for other values.
    pub fn name(bit: u32) -> Option<&'static str> {
        Some(match bit {
            CRITICAL_ERROR => "fnevCriticalError",
            NEW_MAIL => "fnevNewMail",
            OBJECT_CREATED => "fnevObjectCreated",
            OBJECT_DELETED => "fnevObjectDeleted",
            OBJECT_MODIFIED => "fnevObjectModified",
            OBJECT_MOVED => "fnevObjectMoved",
            OBJECT_COPIED => "fnevObjectCopied",
            SEARCH_COMPLETE => "fnevSearchComplete",
            TABLE_MODIFIED => "fnevTableModified",
            STATUS_OBJECT_MODIFIED => "fnevStatusObjectModified",
            RESERVED_FOR_MAPI => "fnevReservedForMapi",
            EXTENDED => "fnevExtended",
            _ => return None,
        })
    }
}

/// `TABLE_NOTIFICATION.ulTableEvent` values.
pub mod table_event {
    /// `TABLE_CHANGED`: many rows changed; re-read the table.
    pub const TABLE_CHANGED: u32 = 1;
    /// `TABLE_ERROR`.
    pub const TABLE_ERROR: u32 = 2;
    /// `TABLE_ROW_ADDED`.
    pub const TABLE_ROW_ADDED: u32 = 3;
    /// `TABLE_ROW_DELETED`.
    pub const TABLE_ROW_DELETED: u32 = 4;
    /// `TABLE_ROW_MODIFIED`.
    pub const TABLE_ROW_MODIFIED: u32 = 5;
    /// `TABLE_SORT_DONE`.
    pub const TABLE_SORT_DONE: u32 = 6;
    /// `TABLE_RESTRICT_DONE`.
    pub const TABLE_RESTRICT_DONE: u32 = 7;
    /// `TABLE_SETCOL_DONE`.
    pub const TABLE_SETCOL_DONE: u32 = 8;
    /// `TABLE_RELOAD`: the table's data must be read again from the start.
    pub const TABLE_RELOAD: u32 = 9;

    /// The name of a table event (`TABLE_ROW_ADDED`, ...); `None` for other values.
    pub fn name(event: u32) -> Option<&'static str> {
        Some(match event {
            TABLE_CHANGED => "TABLE_CHANGED",
            TABLE_ERROR => "TABLE_ERROR",
            TABLE_ROW_ADDED => "TABLE_ROW_ADDED",
            TABLE_ROW_DELETED => "TABLE_ROW_DELETED",
            TABLE_ROW_MODIFIED => "TABLE_ROW_MODIFIED",
            TABLE_SORT_DONE => "TABLE_SORT_DONE",
            TABLE_RESTRICT_DONE => "TABLE_RESTRICT_DONE",
            TABLE_SETCOL_DONE => "TABLE_SETCOL_DONE",
            TABLE_RELOAD => "TABLE_RELOAD",
            _ => return None,
        })
    }
}

/// The `ulEvent` of our one extended notification: the session is shutting down
/// (`MAPI_LOGOFF_SHARED` by another client, or the session ended); the parameters are
/// the reason as UTF-8. MAPI leaves extended codes to whoever sends them.
pub const EXT_SESSION_SHUTDOWN: u32 = 1;

/// `PR_NULL`: the tag of an empty `propPrior` (the row is the first of the table).
pub const PR_NULL: PropTag = PropTag::new(0, PropType::PT_NULL);

/// `ERROR_NOTIFICATION`.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorInfo {
    /// The object the error is about (empty: the session or store itself).
    pub entry: Vec<u8>,
    /// `scode`.
    pub scode: Status,
    /// `ulFlags` (0 or `MAPI_UNICODE`).
    pub flags: u32,
    /// `lpMAPIError`'s text, if any.
    pub error: Option<String>,
}

/// `NEWMAIL_NOTIFICATION`.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMailInfo {
    /// The new message's entry id.
    pub entry: Vec<u8>,
    /// Its folder's entry id.
    pub parent: Vec<u8>,
    /// `ulFlags`: 0 or `MAPI_UNICODE` (how the C layer presents the class).
    pub flags: u32,
    /// `lpszMessageClass`.
    pub message_class: String,
    /// `ulMessageFlags` (PR_MESSAGE_FLAGS).
    pub message_flags: u32,
}

/// `OBJECT_NOTIFICATION`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObjectInfo {
    /// The object's entry id (its new one, for a move or copy).
    pub entry: Vec<u8>,
    /// `ulObjType` (`MAPI_MESSAGE`, `MAPI_FOLDER`, ...).
    pub object_type: u32,
    /// Its parent folder's entry id (empty when unknown or none).
    pub parent: Vec<u8>,
    /// For moves and copies: the entry id it had (or was copied from).
    pub old_entry: Vec<u8>,
    /// For moves and copies: the parent it came from.
    pub old_parent: Vec<u8>,
    /// The properties that changed, when known (`lpPropTagArray`).
    pub props: Vec<PropTag>,
}

/// `TABLE_NOTIFICATION`.
#[derive(Clone, Debug, PartialEq)]
pub struct TableInfo {
    /// `ulTableEvent` ([`table_event`]).
    pub event: u32,
    /// `hResult` (for `TABLE_ERROR`; `S_OK` otherwise).
    pub hresult: Status,
    /// `propIndex`: the row's PR_INSTANCE_KEY (`PR_NULL` for table-wide events).
    pub index: (PropTag, PropValue),
    /// `propPrior`: the PR_INSTANCE_KEY of the row before it (`PR_NULL` when the row
    /// is the first).
    pub prior: (PropTag, PropValue),
    /// `row`: the row in the table's current columns (empty for deletions and
    /// table-wide events).
    pub row: Row,
}

impl TableInfo {
    /// A table-wide event (`TABLE_CHANGED`, `TABLE_RELOAD`, ...).
    pub fn table_wide(event: u32) -> TableInfo {
        TableInfo {
            event,
            hresult: Status::S_OK,
            index: (PR_NULL, PropValue::Null),
            prior: (PR_NULL, PropValue::Null),
            row: Row::default(),
        }
    }
}

/// `EXTENDED_NOTIFICATION`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExtendedInfo {
    /// `ulEvent` (ours: [`EXT_SESSION_SHUTDOWN`]).
    pub event: u32,
    /// `pbEventParameters`.
    pub params: Vec<u8>,
}

/// `STATUS_OBJECT_NOTIFICATION`.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusObjectInfo {
    /// The status object's entry id.
    pub entry: Vec<u8>,
    /// Its changed properties.
    pub props: Vec<(PropTag, PropValue)>,
}

/// One `NOTIFICATION`: the event and its information. The event type
/// (`ulEventType`) follows from the variant: [`Notification::event_type`].
#[derive(Clone, Debug, PartialEq)]
pub enum Notification {
    /// `fnevCriticalError`.
    CriticalError(ErrorInfo),
    /// `fnevNewMail`.
    NewMail(NewMailInfo),
    /// `fnevObjectCreated`.
    ObjectCreated(ObjectInfo),
    /// `fnevObjectDeleted`.
    ObjectDeleted(ObjectInfo),
    /// `fnevObjectModified`.
    ObjectModified(ObjectInfo),
    /// `fnevObjectMoved`.
    ObjectMoved(ObjectInfo),
    /// `fnevObjectCopied`.
    ObjectCopied(ObjectInfo),
    /// `fnevSearchComplete`.
    SearchComplete(ObjectInfo),
    /// `fnevTableModified`.
    TableModified(TableInfo),
    /// `fnevStatusObjectModified`.
    StatusObjectModified(StatusObjectInfo),
    /// `fnevExtended`.
    Extended(ExtendedInfo),
}

impl Notification {
    /// `ulEventType`: the one `fnev*` bit of this notification.
    pub fn event_type(&self) -> u32 {
        match self {
            Notification::CriticalError(_) => fnev::CRITICAL_ERROR,
            Notification::NewMail(_) => fnev::NEW_MAIL,
            Notification::ObjectCreated(_) => fnev::OBJECT_CREATED,
            Notification::ObjectDeleted(_) => fnev::OBJECT_DELETED,
            Notification::ObjectModified(_) => fnev::OBJECT_MODIFIED,
            Notification::ObjectMoved(_) => fnev::OBJECT_MOVED,
            Notification::ObjectCopied(_) => fnev::OBJECT_COPIED,
            Notification::SearchComplete(_) => fnev::SEARCH_COMPLETE,
            Notification::TableModified(_) => fnev::TABLE_MODIFIED,
            Notification::StatusObjectModified(_) => fnev::STATUS_OBJECT_MODIFIED,
            Notification::Extended(_) => fnev::EXTENDED,
        }
    }

    /// The name a watcher prints: the `fnev*` name, or for a table notification its
    /// `TABLE_*` event.
    pub fn event_name(&self) -> &'static str {
        if let Notification::TableModified(t) = self
            && let Some(n) = table_event::name(t.event)
        {
            return n;
        }
        fnev::name(self.event_type()).unwrap_or("fnevUnknown")
    }

    /// The object information of an object event (created, deleted, modified, moved,
    /// copied, search complete).
    pub fn object(&self) -> Option<&ObjectInfo> {
        match self {
            Notification::ObjectCreated(o)
            | Notification::ObjectDeleted(o)
            | Notification::ObjectModified(o)
            | Notification::ObjectMoved(o)
            | Notification::ObjectCopied(o)
            | Notification::SearchComplete(o) => Some(o),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_and_names_are_mapis() {
        assert_eq!(fnev::ALL, 0xC000_03FF);
        for bit in (0..32).map(|i| 1u32 << i) {
            assert_eq!(fnev::name(bit).is_some(), fnev::ALL & bit != 0, "{bit:#x}");
        }
        assert_eq!(fnev::name(fnev::NEW_MAIL), Some("fnevNewMail"));
        assert_eq!(table_event::name(9), Some("TABLE_RELOAD"));
        assert_eq!(table_event::name(10), None);
        assert_eq!(PR_NULL.0, 0x0000_0001);
        let n = Notification::TableModified(TableInfo::table_wide(table_event::TABLE_CHANGED));
        assert_eq!(n.event_type(), fnev::TABLE_MODIFIED);
        assert_eq!(n.event_name(), "TABLE_CHANGED");
        let o = Notification::ObjectMoved(ObjectInfo::default());
        assert_eq!(o.event_name(), "fnevObjectMoved");
        assert!(o.object().is_some());
    }
}
