//! `MapiUid`: the 16-byte MAPIUID that keys services, providers and profile sections.

use std::fmt;

/// A MAPIUID: 16 bytes, shown as a GUID in Intel (little-endian) byte order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MapiUid(pub [u8; 16]);

/// `MUID_PROFILE_INSTANCE`: {00020385-0000-0000-C000-000000000046}, the MAPI-owned section
/// holding a profile's PR_SEARCH_KEY.
pub const MUID_PROFILE_INSTANCE: MapiUid = MapiUid::ole_guid(0x0002_0385);

impl MapiUid {
    /// A fresh random uid.
    pub fn random() -> MapiUid {
        let mut b = [0u8; 16];
        // The OS random source failing is not something a caller can act on; fall back
        // to a time-and-counter mix so a uid is still unique within the process.
        if getrandom::fill(&mut b).is_err() {
            use std::sync::atomic::{AtomicU64, Ordering};
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            b[..8].copy_from_slice(&nanos.to_le_bytes());
            b[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
        }
        MapiUid(b)
    }

    /// `DEFINE_OLEGUID(x)`: {x-0000-0000-C000-000000000046}.
    pub const fn ole_guid(data1: u32) -> MapiUid {
        let d = data1.to_le_bytes();
        MapiUid([
            d[0], d[1], d[2], d[3], 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46,
        ])
    }

    /// Builds a uid from a byte slice of exactly 16 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<MapiUid> {
        <[u8; 16]>::try_from(bytes).ok().map(MapiUid)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// 32 lowercase hex digits of the raw bytes (as in MAPISVC.INF `UID=` lines).
    pub fn to_hex(&self) -> String {
        crate::hex::encode(&self.0)
    }

    /// Parses 32 hex digits of raw bytes, or the GUID form `{xxxxxxxx-xxxx-...}` (with or
    /// without braces).
    pub fn parse(text: &str) -> Option<MapiUid> {
        let t = text.trim();
        let t = t
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(t);
        if t.len() == 32 {
            return hex16(t);
        }
        let parts: Vec<&str> = t.split('-').collect();
        let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        if lens != [8, 4, 4, 4, 12] {
            return None;
        }
        let raw = hex16(&parts.concat())?.0;
        // Data1, Data2, Data3 are little-endian in memory.
        let mut b = raw;
        b[0..4].reverse();
        b[4..6].reverse();
        b[6..8].reverse();
        Some(MapiUid(b))
    }
}

fn hex16(t: &str) -> Option<MapiUid> {
    crate::hex::decode(t).and_then(|b| MapiUid::from_slice(&b))
}

impl fmt::Display for MapiUid {
    /// GUID form: `{00020385-0000-0000-C000-000000000046}` for MUID_PROFILE_INSTANCE.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{{{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}}}",
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u16::from_le_bytes([b[4], b[5]]),
            u16::from_le_bytes([b[6], b[7]]),
            b[8],
            b[9],
            b[10],
            b[11],
            b[12],
            b[13],
            b[14],
            b[15]
        )
    }
}

impl fmt::Debug for MapiUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_instance_guid_renders_as_documented() {
        assert_eq!(
            MUID_PROFILE_INSTANCE.to_string(),
            "{00020385-0000-0000-C000-000000000046}"
        );
        assert_eq!(
            MapiUid::parse("{00020385-0000-0000-C000-000000000046}"),
            Some(MUID_PROFILE_INSTANCE)
        );
    }

    #[test]
    fn hex_round_trip_and_randomness() {
        let a = MapiUid::random();
        let b = MapiUid::random();
        assert_ne!(a, b);
        assert_eq!(MapiUid::parse(&a.to_hex()), Some(a));
        assert_eq!(MapiUid::parse(&a.to_string()), Some(a));
        assert_eq!(MapiUid::parse("zz"), None);
        assert_eq!(
            MapiUid::parse("{0002038-0000-0000-C000-0000000000466}"),
            None
        );
        assert_eq!(MapiUid::from_slice(&[1u8; 15]), None);
    }
}
