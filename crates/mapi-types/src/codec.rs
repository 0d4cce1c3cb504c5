//! A compact binary form of property values, used to store profile sections and to
//! carry values over the socket. Decoding is bounded and never panics on bad input.

use crate::prop::{PropTag, PropType, PropValue};

/// Why bytes did not decode to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed property value: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

impl crate::MapiStatus for DecodeError {
    /// Malformed bytes are `MAPI_E_CORRUPT_DATA`.
    fn status(&self) -> crate::Status {
        crate::Status::MAPI_E_CORRUPT_DATA
    }
}

/// Most elements a decoded multi-valued property may hold.
pub const MAX_MULTI: usize = 65_536;

/// Appends the encoding of `value` (its type first) to `out`.
pub fn encode_value(value: &PropValue, out: &mut Vec<u8>) {
    out.extend_from_slice(&value.prop_type().0.to_le_bytes());
    encode_body(value, out);
}

fn encode_body(value: &PropValue, out: &mut Vec<u8>) {
    match value {
        PropValue::Null => {}
        PropValue::I2(v) => out.extend_from_slice(&v.to_le_bytes()),
        PropValue::Long(v) => out.extend_from_slice(&v.to_le_bytes()),
        PropValue::R4(v) => out.extend_from_slice(&v.to_le_bytes()),
        PropValue::Double(v) | PropValue::AppTime(v) => out.extend_from_slice(&v.to_le_bytes()),
        PropValue::Currency(v) | PropValue::I8(v) => out.extend_from_slice(&v.to_le_bytes()),
        PropValue::Error(v) => out.extend_from_slice(&v.to_le_bytes()),
        PropValue::Boolean(v) => out.push(*v as u8),
        PropValue::SysTime(v) => out.extend_from_slice(&v.to_le_bytes()),
        PropValue::Clsid(b) => out.extend_from_slice(b),
        PropValue::String8(s) | PropValue::Unicode(s) => put_bytes(s.as_bytes(), out),
        PropValue::Binary(b) => put_bytes(b, out),
        PropValue::Multi(_, vs) => {
            out.extend_from_slice(&(vs.len() as u32).to_le_bytes());
            for v in vs {
                encode_body(v, out);
            }
        }
    }
}

fn put_bytes(b: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

/// The encoding of one value as a fresh vector.
pub fn value_to_bytes(value: &PropValue) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(value, &mut out);
    out
}

/// Decodes one value that fills `bytes` exactly.
pub fn value_from_bytes(bytes: &[u8]) -> Result<PropValue, DecodeError> {
    let mut r = Reader { b: bytes };
    let v = decode_value(&mut r)?;
    if !r.b.is_empty() {
        return Err(DecodeError("trailing bytes"));
    }
    Ok(v)
}

/// A cursor over input bytes.
pub struct Reader<'a> {
    /// What is left to read.
    pub b: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Takes `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.b.len() < n {
            return Err(DecodeError("truncated"));
        }
        let (head, tail) = self.b.split_at(n);
        self.b = tail;
        Ok(head)
    }

    /// Takes a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Takes a little-endian u32.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// Takes a u32 length then that many bytes.
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    /// Takes a length-prefixed UTF-8 string.
    pub fn string(&mut self) -> Result<String, DecodeError> {
        let b = self.bytes()?;
        std::str::from_utf8(b)
            .map(str::to_string)
            .map_err(|_| DecodeError("string is not UTF-8"))
    }
}

/// Decodes one value (type first) from the reader.
pub fn decode_value(r: &mut Reader<'_>) -> Result<PropValue, DecodeError> {
    let ty = PropType(u16::from_le_bytes(r.array()?));
    if ty.is_multi() {
        let n = r.u32()? as usize;
        if n > MAX_MULTI {
            return Err(DecodeError("too many values"));
        }
        let base = ty.base();
        if base == PropType::PT_NULL || n > r.b.len() {
            // Every element takes at least one byte: a count larger than the input left
            // is malformed, and zero-size elements could inflate a tiny input.
            return Err(DecodeError("multi-valued count exceeds the input"));
        }
        let mut vs = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            vs.push(decode_body(base, r)?);
        }
        return Ok(PropValue::Multi(base, vs));
    }
    decode_body(ty, r)
}

fn decode_body(ty: PropType, r: &mut Reader<'_>) -> Result<PropValue, DecodeError> {
    Ok(match ty {
        PropType::PT_NULL => PropValue::Null,
        PropType::PT_I2 => PropValue::I2(i16::from_le_bytes(r.array()?)),
        PropType::PT_LONG => PropValue::Long(i32::from_le_bytes(r.array()?)),
        PropType::PT_R4 => PropValue::R4(f32::from_le_bytes(r.array()?)),
        PropType::PT_DOUBLE => PropValue::Double(f64::from_le_bytes(r.array()?)),
        PropType::PT_APPTIME => PropValue::AppTime(f64::from_le_bytes(r.array()?)),
        PropType::PT_CURRENCY => PropValue::Currency(i64::from_le_bytes(r.array()?)),
        PropType::PT_I8 => PropValue::I8(i64::from_le_bytes(r.array()?)),
        PropType::PT_ERROR => PropValue::Error(r.u32()?),
        PropType::PT_BOOLEAN => match r.take(1)?[0] {
            0 => PropValue::Boolean(false),
            1 => PropValue::Boolean(true),
            _ => return Err(DecodeError("boolean is neither 0 nor 1")),
        },
        PropType::PT_SYSTIME => PropValue::SysTime(u64::from_le_bytes(r.array()?)),
        PropType::PT_CLSID => PropValue::Clsid(r.array()?),
        PropType::PT_STRING8 => PropValue::String8(r.string()?),
        PropType::PT_UNICODE => PropValue::Unicode(r.string()?),
        PropType::PT_BINARY => PropValue::Binary(r.bytes()?.to_vec()),
        _ => return Err(DecodeError("unsupported property type")),
    })
}

/// Encodes a list of (tag, value) pairs.
pub fn encode_props(props: &[(PropTag, PropValue)], out: &mut Vec<u8>) {
    out.extend_from_slice(&(props.len() as u32).to_le_bytes());
    for (tag, v) in props {
        out.extend_from_slice(&tag.0.to_le_bytes());
        encode_value(v, out);
    }
}

/// Decodes a list written by [`encode_props`].
pub fn decode_props(r: &mut Reader<'_>) -> Result<Vec<(PropTag, PropValue)>, DecodeError> {
    let n = r.u32()? as usize;
    if n > MAX_MULTI {
        return Err(DecodeError("too many properties"));
    }
    let mut out = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let tag = PropTag(r.u32()?);
        out.push((tag, decode_value(r)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<PropValue> {
        vec![
            PropValue::Null,
            PropValue::I2(-2),
            PropValue::Long(-70000),
            PropValue::R4(1.5),
            PropValue::Double(2.25),
            PropValue::Currency(123_4567),
            PropValue::AppTime(3.5),
            PropValue::Error(0x8004_010F),
            PropValue::Boolean(true),
            PropValue::I8(1 << 40),
            PropValue::String8("ansi".into()),
            PropValue::Unicode("héllo".into()),
            PropValue::SysTime(133_000_000_000_000_000),
            PropValue::Clsid([7; 16]),
            PropValue::Binary(vec![0, 1, 2, 255]),
            PropValue::Multi(
                PropType::PT_UNICODE,
                vec![
                    PropValue::Unicode("a".into()),
                    PropValue::Unicode("b".into()),
                ],
            ),
            PropValue::Multi(
                PropType::PT_LONG,
                vec![PropValue::Long(1), PropValue::Long(2)],
            ),
        ]
    }

    #[test]
    fn every_type_round_trips() {
        for v in samples() {
            let bytes = value_to_bytes(&v);
            assert_eq!(value_from_bytes(&bytes).unwrap(), v);
        }
    }

    #[test]
    fn every_prefix_of_every_encoding_is_rejected_without_panic() {
        for v in samples() {
            let bytes = value_to_bytes(&v);
            for cut in 0..bytes.len() {
                assert!(
                    value_from_bytes(&bytes[..cut]).is_err(),
                    "{v:?} cut at {cut}"
                );
            }
        }
        assert!(value_from_bytes(&[0x0B, 0x00, 7]).is_err());
        assert!(value_from_bytes(&[0x1F, 0x00, 2, 0, 0, 0, 0xff, 0xfe]).is_err());
        assert!(value_from_bytes(&[0x03, 0x10, 0xff, 0xff, 0xff, 0xff]).is_err());
        // A multi-valued PT_NULL would decode 65,536 values from 6 bytes.
        assert!(value_from_bytes(&[0x01, 0x10, 0x00, 0x00, 0x01, 0x00]).is_err());
    }

    #[test]
    fn prop_lists_round_trip() {
        let props = vec![
            (crate::tags::PR_DISPLAY_NAME, PropValue::Unicode("x".into())),
            (crate::tags::PR_RESOURCE_FLAGS, PropValue::Long(2)),
        ];
        let mut out = Vec::new();
        encode_props(&props, &mut out);
        let mut r = Reader { b: &out };
        assert_eq!(decode_props(&mut r).unwrap(), props);
    }
}
