//! Entry ids of this crate's objects: the MAPI layout (4 flag bytes, then the provider's
//! MAPIUID) followed by our own part: a format byte, an object-kind byte and the row id.
//!
//! The MAPIUID is the uid stored in the file, so an id from another store or address
//! book is refused with `MAPI_E_INVALID_ENTRYID` instead of naming some other row.

use mapi_spi::EntryId;
use mapi_types::MapiUid;

use crate::error::LocalError;

/// The format byte of the ids this code writes.
const FORMAT: u8 = 1;
/// 4 flag bytes + 16 uid bytes + format + kind + 8-byte row id.
pub(crate) const LEN: usize = 4 + 16 + 1 + 1 + 8;

/// What an entry id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    /// The store itself.
    Store = 1,
    /// A folder.
    Folder = 2,
    /// A message.
    Message = 3,
    /// A contact (mail user) in an address book.
    MailUser = 4,
    /// The address-book container.
    Container = 5,
}

impl ObjectKind {
    fn name(self) -> &'static str {
        match self {
            ObjectKind::Store => "store",
            ObjectKind::Folder => "folder",
            ObjectKind::Message => "message",
            ObjectKind::MailUser => "contact",
            ObjectKind::Container => "address-book container",
        }
    }
}

/// Builds the entry id of object `id` of `kind` in the file with uid `uid`.
pub fn encode(uid: &MapiUid, kind: ObjectKind, id: i64) -> EntryId {
    let mut out = Vec::with_capacity(LEN);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(uid.as_bytes());
    out.push(FORMAT);
    out.push(kind as u8);
    out.extend_from_slice(&id.to_le_bytes());
    out
}

/// Reads the row id out of an entry id that must be one of `uid`'s, of `kind`.
pub fn decode(uid: &MapiUid, kind: ObjectKind, bytes: &[u8]) -> Result<i64, LocalError> {
    let invalid = |detail: String| LocalError::InvalidEntryId { detail };
    if bytes.len() != LEN {
        return Err(invalid(format!(
            "{} bytes, but a {} id of this provider has {LEN}",
            bytes.len(),
            kind.name()
        )));
    }
    if bytes[4..20] != uid.as_bytes()[..] {
        return Err(invalid(format!(
            "the id belongs to provider {}, not to this one ({uid})",
            MapiUid::from_slice(&bytes[4..20]).unwrap_or_default()
        )));
    }
    if bytes[20] != FORMAT {
        return Err(invalid(format!("unknown id format {}", bytes[20])));
    }
    if bytes[21] != kind as u8 {
        return Err(invalid(format!("the id does not name a {}", kind.name())));
    }
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[22..30]);
    Ok(i64::from_le_bytes(raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::{MapiStatus, Status};

    #[test]
    fn round_trip_and_refusals() {
        let uid = MapiUid::random();
        let id = encode(&uid, ObjectKind::Message, 42);
        assert_eq!(&id[4..20], uid.as_bytes());
        assert_eq!(decode(&uid, ObjectKind::Message, &id), Ok(42));
        let refuse = |r: Result<i64, LocalError>| r.unwrap_err().status();
        assert_eq!(
            refuse(decode(&uid, ObjectKind::Folder, &id)),
            Status::MAPI_E_INVALID_ENTRYID
        );
        assert_eq!(
            refuse(decode(&MapiUid::random(), ObjectKind::Message, &id)),
            Status::MAPI_E_INVALID_ENTRYID
        );
        assert_eq!(
            refuse(decode(&uid, ObjectKind::Message, &id[..10])),
            Status::MAPI_E_INVALID_ENTRYID
        );
        let mut bad = id.clone();
        bad[20] = 9;
        assert_eq!(
            refuse(decode(&uid, ObjectKind::Message, &bad)),
            Status::MAPI_E_INVALID_ENTRYID
        );
    }
}
