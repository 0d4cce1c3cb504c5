//! MAPI codes and types: everything the other crates share, with no I/O.
//!
//! # Layout
//! - [`status`]: status codes (HRESULTs) with their real values, names, classes and the
//!   `MAPI_E_X (0x........)` rendering; the [`MapiStatus`] trait every error enum implements.
//! - [`flags`]: logon, logoff, resource, status-code, service-entry and provider-logon flags,
//!   parsed from names or hex; resource types, object types and service-entry contexts.
//! - [`folder`]: the flags of IMAPIFolder's folder and message operations.
//! - [`addrbook`]: address-book tags and values (PR_CONTAINER_FLAGS, PR_DISPLAY_TYPE,
//!   `DT_*`, `MAPI_RESOLVED`, ...) and [`addrbook::OneOff`], the one-off entry id.
//! - [`attach`]: PR_ATTACH_METHOD values, `IID_IMessage`, MSGFLAG_HASATTACH.
//! - [`prop`]: property types, tags (the named tags in [`tags`]), and [`PropValue`].
//! - [`object`]: what property objects share: SaveChanges / OpenProperty / IStream flags,
//!   named-property names ([`NameId`]) and property sets, [`PropProblem`], [`StreamStat`].
//! - [`uid`]: [`MapiUid`], the 16-byte MAPIUID.
//! - [`choice`]: [`FailureChoice`], the answer to a failed service's dialog.
//! - [`hex`]: hex text of bytes and back.
//! - [`session`]: [`DisabledService`] and [`SubmitOutcome`], what session calls return
//!   over either link.
//! - [`codec`]: a bounded binary encoding of property values (storage and wire).
//! - [`notify`]: [`Notification`] (`NOTIFICATION` and its info variants), the `fnev*`
//!   bits and `TABLE_*` table events.
//! - [`table`]: rows, the in-memory [`Table`], restrictions, and [`TableView`]
//!   (`IMAPITable`: cursor, bookmarks, seek, find, sort, restrict) over a [`RowSource`].
//! - `status_table`: [`assert_status_table!`], the exhaustive error-to-status table test.

#![warn(missing_docs)]

pub mod addrbook;
pub mod attach;
pub mod choice;
pub mod codec;
pub mod flags;
pub mod folder;
pub mod hex;
pub mod notify;
pub mod object;
pub mod prop;
pub mod recipient;
pub mod session;
pub mod status;
mod status_table;
pub mod table;
pub mod uid;

pub use choice::FailureChoice;
pub use flags::{
    LogoffFlags, LogonFlags, ProfAdminFlags, ProviderFlags, ProviderLogonFlags, ServiceFlags,
    ServiceUiFlags, StatusCode, TransportLogonFlags, object_type, resource_type, service_context,
};
pub use notify::Notification;
pub use object::{NameId, NameKind, PropProblem, StreamStat};
pub use prop::{
    PropTag, PropType, PropValue, filetime_from_unix, filetime_now, tags, unix_from_filetime,
};
pub use session::{DisabledService, SubmitOutcome};
pub use status::{MapiStatus, Status, StatusClass};
pub use table::{
    Bookmark, ContentMatch, MemorySource, Query, Relop, Restriction, Row, RowSource, SortKey,
    Table, TableError, TableView,
};
pub use uid::{MUID_PROFILE_INSTANCE, MapiUid};

#[cfg(test)]
mod error_status_tests {
    use super::*;

    /// Every error type of this crate (two structs), mapped to its MAPI status.
    #[test]
    fn every_error_maps_to_its_status() {
        assert_status_table!(codec::DecodeError;
            codec::DecodeError(_)
                => codec::DecodeError("truncated")
                => Status::MAPI_E_CORRUPT_DATA,
        );
        assert_status_table!(flags::FlagParseError;
            flags::FlagParseError { .. }
                => flags::FlagParseError {
                    word: "X".into(),
                    set: "logon",
                }
                => Status::MAPI_E_UNKNOWN_FLAGS,
        );
        assert_status_table!(table::TableError;
            table::TableError { .. }
                => table::TableError::too_complex("x")
                => Status::MAPI_E_TOO_COMPLEX,
        );
    }
}
