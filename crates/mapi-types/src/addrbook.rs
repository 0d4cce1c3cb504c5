//! What the address book (`IAddrBook`, `IABContainer`, `IMailUser`, `IDistList`) shares
//! between crates: its property tags, container and display-type values, the
//! `ResolveNames` flag values, and the one-off entry id (`CreateOneOff`) with its
//! documented layout.

use crate::prop::PropTag;
use crate::uid::MapiUid;

/// `PR_CONTAINER_FLAGS` (PT_LONG): `AB_RECIPIENTS`, `AB_SUBCONTAINERS`, ...
pub const PR_CONTAINER_FLAGS: PropTag = PropTag(0x3600_0003);
/// `PR_DISPLAY_TYPE` (PT_LONG): `DT_MAILUSER`, `DT_DISTLIST`, ...
pub const PR_DISPLAY_TYPE: PropTag = PropTag(0x3900_0003);

/// `AB_RECIPIENTS`: the container holds recipients.
pub const AB_RECIPIENTS: u32 = 0x0000_0001;
/// `AB_SUBCONTAINERS`: the container holds containers.
pub const AB_SUBCONTAINERS: u32 = 0x0000_0002;
/// `AB_MODIFIABLE`: entries can be added.
pub const AB_MODIFIABLE: u32 = 0x0000_0004;
/// `AB_UNMODIFIABLE`: entries cannot be added.
pub const AB_UNMODIFIABLE: u32 = 0x0000_0008;

/// `DT_MAILUSER`.
pub const DT_MAILUSER: u32 = 0x0000_0000;
/// `DT_DISTLIST`.
pub const DT_DISTLIST: u32 = 0x0000_0001;
/// `DT_MODIFIABLE` (containers).
pub const DT_MODIFIABLE: u32 = 0x0001_0000;
/// `DT_GLOBAL` (containers).
pub const DT_GLOBAL: u32 = 0x0002_0000;
/// `DT_LOCAL` (containers).
pub const DT_LOCAL: u32 = 0x0003_0000;

/// `MAPI_UNRESOLVED` (`ResolveNames` flag list).
pub const MAPI_UNRESOLVED: u32 = 0;
/// `MAPI_AMBIGUOUS` (`ResolveNames` flag list).
pub const MAPI_AMBIGUOUS: u32 = 1;
/// `MAPI_RESOLVED` (`ResolveNames` flag list).
pub const MAPI_RESOLVED: u32 = 2;

/// `MAPI_DIALOG` (`ResolveName`): show a dialog for ambiguous names.
pub const MAPI_DIALOG: u32 = 0x0000_0008;
/// `MAPI_SEND_NO_RICH_INFO` (`CreateOneOff`).
pub const MAPI_SEND_NO_RICH_INFO: u32 = 0x0001_0000;

/// `MAPI_ONE_OFF_UID` {A41F2B81-A3BE-1910-9D6E-00DD010F5402}: the provider uid of every
/// one-off entry id.
pub const MAPI_ONE_OFF_UID: MapiUid = MapiUid([
    0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19, 0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f, 0x54, 0x02,
]);
/// `MAPI_ONE_OFF_UNICODE`: the one-off's strings are UTF-16LE.
pub const MAPI_ONE_OFF_UNICODE: u16 = 0x8000;
/// `MAPI_ONE_OFF_NO_RICH_INFO`: send without rich (TNEF) information.
pub const MAPI_ONE_OFF_NO_RICH_INFO: u16 = 0x0001;

/// Most bytes of one string in a one-off entry id read back.
const MAX_ONE_OFF_FIELD: usize = 16 * 1024;

/// A one-off recipient: a name and address no address book holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneOff {
    /// PR_DISPLAY_NAME.
    pub display_name: String,
    /// PR_ADDRTYPE (`SMTP`).
    pub addr_type: String,
    /// PR_EMAIL_ADDRESS.
    pub address: String,
    /// The entry id's flags (`MAPI_ONE_OFF_UNICODE`, `MAPI_ONE_OFF_NO_RICH_INFO`).
    pub flags: u16,
}

impl OneOff {
    /// The one-off entry id: 4 zero flag bytes, `MAPI_ONE_OFF_UID`, version 0 (u16), the
    /// flags (u16, little-endian), then display name, address type and address, each
    /// NUL-terminated: UTF-16LE with `MAPI_ONE_OFF_UNICODE`, else 8-bit (UTF-8).
    pub fn entry_id(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            24 + 2 * (self.display_name.len() + self.addr_type.len() + self.address.len() + 3),
        );
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(MAPI_ONE_OFF_UID.as_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&self.flags.to_le_bytes());
        let unicode = self.flags & MAPI_ONE_OFF_UNICODE != 0;
        for s in [&self.display_name, &self.addr_type, &self.address] {
            if unicode {
                for u in s.encode_utf16() {
                    out.extend_from_slice(&u.to_le_bytes());
                }
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(s.as_bytes());
                out.push(0);
            }
        }
        out
    }

    /// Reads a one-off entry id back; `None` when `bytes` is not one (another
    /// provider's id, a wrong version, a field without its NUL or too long).
    pub fn parse(bytes: &[u8]) -> Option<OneOff> {
        if bytes.len() < 24
            || bytes[..4] != [0; 4]
            || bytes[4..20] != *MAPI_ONE_OFF_UID.as_bytes()
            || bytes[20..22] != [0, 0]
        {
            return None;
        }
        let flags = u16::from_le_bytes([bytes[22], bytes[23]]);
        let unicode = flags & MAPI_ONE_OFF_UNICODE != 0;
        let mut rest = &bytes[24..];
        let mut fields = Vec::with_capacity(3);
        for _ in 0..3 {
            let (s, used) = if unicode {
                let end = rest
                    .chunks_exact(2)
                    .take(MAX_ONE_OFF_FIELD)
                    .position(|c| c == [0, 0])?;
                let units: Vec<u16> = rest[..2 * end]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                (String::from_utf16(&units).ok()?, 2 * end + 2)
            } else {
                let end = rest.iter().take(MAX_ONE_OFF_FIELD).position(|b| *b == 0)?;
                (String::from_utf8(rest[..end].to_vec()).ok()?, end + 1)
            };
            fields.push(s);
            rest = &rest[used..];
        }
        if !rest.is_empty() {
            return None;
        }
        let address = fields.pop()?;
        let addr_type = fields.pop()?;
        let display_name = fields.pop()?;
        Some(OneOff {
            display_name,
            addr_type,
            address,
            flags,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unicode_one_off_has_the_documented_bytes() {
        let o = OneOff {
            display_name: "Ann".into(),
            addr_type: "SMTP".into(),
            address: "a@x.org".into(),
            flags: MAPI_ONE_OFF_UNICODE | MAPI_ONE_OFF_NO_RICH_INFO,
        };
        let id = o.entry_id();
        assert_eq!(&id[..4], &[0; 4]);
        assert_eq!(
            &id[4..20],
            &[
                0x81, 0x2b, 0x1f, 0xa4, 0xbe, 0xa3, 0x10, 0x19, 0x9d, 0x6e, 0x00, 0xdd, 0x01, 0x0f,
                0x54, 0x02
            ]
        );
        assert_eq!(&id[20..24], &[0, 0, 0x01, 0x80]);
        assert_eq!(&id[24..32], &[b'A', 0, b'n', 0, b'n', 0, 0, 0]);
        assert_eq!(id.len(), 24 + 2 * (4 + 5 + 8));
        assert_eq!(OneOff::parse(&id), Some(o));
    }

    #[test]
    fn an_8bit_one_off_round_trips_and_junk_is_refused() {
        let o = OneOff {
            display_name: "Bé".into(),
            addr_type: "SMTP".into(),
            address: "b@x.org".into(),
            flags: 0,
        };
        let id = o.entry_id();
        assert_eq!(OneOff::parse(&id), Some(o));
        assert_eq!(OneOff::parse(&id[..id.len() - 1]), None);
        assert_eq!(OneOff::parse(&[0; 24]), None);
        let mut more = id.clone();
        more.push(7);
        assert_eq!(OneOff::parse(&more), None);
    }
}
