//! What property objects (`IMAPIProp` and its streams) share with their callers: the
//! flags of SaveChanges, OpenProperty, GetIDsFromNames and IStream, named-property names
//! (`MAPINAMEID`) with the well-known property sets, and per-property problems
//! (`SPropProblem`).

use std::fmt;

use crate::prop::PropTag;
use crate::status::Status;
use crate::uid::MapiUid;

/// `KEEP_OPEN_READONLY`: after SaveChanges the object stays open for reading.
pub const KEEP_OPEN_READONLY: u32 = 0x0000_0001;
/// `KEEP_OPEN_READWRITE`: after SaveChanges the object stays open for writing.
pub const KEEP_OPEN_READWRITE: u32 = 0x0000_0002;
/// `FORCE_SAVE`: save even when another session saved the object in between.
pub const FORCE_SAVE: u32 = 0x0000_0004;
/// `MAPI_DEFERRED_ERRORS`: errors may be reported by a later call.
pub const MAPI_DEFERRED_ERRORS: u32 = 0x0000_0008;
/// `MAPI_MODIFY`: open for writing (OpenEntry, OpenProperty).
pub const MAPI_MODIFY: u32 = 0x0000_0001;
/// `MAPI_CREATE`: create the property (OpenProperty) or the name's id (GetIDsFromNames).
pub const MAPI_CREATE: u32 = 0x0000_0002;
/// `STREAM_APPEND` (OpenProperty): the stream's position starts at its end.
pub const STREAM_APPEND: u32 = 0x0000_0004;
/// `MAPI_BEST_ACCESS`: open for writing where allowed, else for reading.
pub const MAPI_BEST_ACCESS: u32 = 0x0000_0010;
/// `MAPI_UNICODE`: string values as `PT_UNICODE`.
pub const MAPI_UNICODE: u32 = 0x8000_0000;
/// `MAPI_NO_STRINGS` (GetNamesFromIDs): leave out names that are strings.
pub const MAPI_NO_STRINGS: u32 = 0x0000_0001;
/// `MAPI_NO_IDS` (GetNamesFromIDs): leave out names that are numbers.
pub const MAPI_NO_IDS: u32 = 0x0000_0002;

/// `STREAM_SEEK_SET`: seek from the start.
pub const STREAM_SEEK_SET: u32 = 0;
/// `STREAM_SEEK_CUR`: seek from the current position.
pub const STREAM_SEEK_CUR: u32 = 1;
/// `STREAM_SEEK_END`: seek from the end.
pub const STREAM_SEEK_END: u32 = 2;
/// `STGM_READ`: a stream open for reading (its `Stat` mode).
pub const STGM_READ: u32 = 0x0000_0000;
/// `STGM_READWRITE`: a stream open for reading and writing.
pub const STGM_READWRITE: u32 = 0x0000_0002;

/// `IID_IStream`: {0000000C-0000-0000-C000-000000000046}.
pub const IID_ISTREAM: MapiUid = MapiUid::ole_guid(0x0000_000C);
/// `PS_MAPI`: names whose number is the property id itself.
pub const PS_MAPI: MapiUid = MapiUid::ole_guid(0x0002_0328);
/// `PS_PUBLIC_STRINGS`: the property set for string-named properties of any client.
pub const PS_PUBLIC_STRINGS: MapiUid = MapiUid::ole_guid(0x0002_0329);
/// `PS_INTERNET_HEADERS`: properties named after Internet header fields (names
/// compare with case ignored).
pub const PS_INTERNET_HEADERS: MapiUid = MapiUid::ole_guid(0x0002_0386);

/// First id of the named-property range.
pub const NAMED_PROP_MIN: u16 = 0x8000;
/// Last id a named property can be mapped to.
pub const NAMED_PROP_MAX: u16 = 0xFFFE;

/// The name part of a `MAPINAMEID`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameKind {
    /// `MNID_ID`: a number (`Kind.lID`).
    Id(i32),
    /// `MNID_STRING`: a string (`Kind.lpwstrName`).
    Name(String),
}

impl NameKind {
    /// `MNID_ID` (0) or `MNID_STRING` (1).
    pub fn mnid(&self) -> u32 {
        match self {
            NameKind::Id(_) => 0,
            NameKind::Name(_) => 1,
        }
    }
}

/// A `MAPINAMEID`: a property set GUID and a number or string in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NameId {
    /// The property set (`lpguid`).
    pub guid: MapiUid,
    /// The number or string.
    pub kind: NameKind,
}

impl NameId {
    /// A numbered name.
    pub fn id(guid: MapiUid, lid: i32) -> NameId {
        NameId {
            guid,
            kind: NameKind::Id(lid),
        }
    }

    /// A string name.
    pub fn name(guid: MapiUid, name: &str) -> NameId {
        NameId {
            guid,
            kind: NameKind::Name(name.to_string()),
        }
    }
}

impl fmt::Display for NameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            NameKind::Id(lid) => write!(f, "{}:0x{lid:08X}", self.guid),
            NameKind::Name(name) => write!(f, "{}:{name:?}", self.guid),
        }
    }
}

/// An `SPropProblem`: one property a SetProps or DeleteProps could not handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropProblem {
    /// Its index in the caller's array (`ulIndex`).
    pub index: usize,
    /// The tag as the caller gave it (`ulPropTag`).
    pub tag: PropTag,
    /// Why (`scode`), e.g. `MAPI_E_COMPUTED`, `MAPI_E_INVALID_TYPE`.
    pub status: Status,
}

/// What `IStream::Stat` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamStat {
    /// `cbSize`: the stream's size in bytes.
    pub size: u64,
    /// `grfMode`: [`STGM_READ`] or [`STGM_READWRITE`].
    pub mode: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_and_flags_have_their_values() {
        assert_eq!(
            PS_PUBLIC_STRINGS.to_string(),
            "{00020329-0000-0000-C000-000000000046}"
        );
        assert_eq!(
            PS_INTERNET_HEADERS.to_string(),
            "{00020386-0000-0000-C000-000000000046}"
        );
        assert_eq!(
            PS_MAPI.to_string(),
            "{00020328-0000-0000-C000-000000000046}"
        );
        assert_eq!(
            IID_ISTREAM.to_string(),
            "{0000000C-0000-0000-C000-000000000046}"
        );
        assert_eq!(
            (KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, FORCE_SAVE),
            (1, 2, 4)
        );
        assert_eq!((MAPI_MODIFY, MAPI_CREATE, MAPI_BEST_ACCESS), (1, 2, 0x10));
        assert_eq!(NameKind::Id(1).mnid(), 0);
        assert_eq!(NameKind::Name("x".into()).mnid(), 1);
    }
}
