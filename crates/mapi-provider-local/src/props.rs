//! A property object's values as it holds them ([`PropSet`]), GetProps and GetPropList
//! answered from them, the checks SetProps and DeleteProps make on each tag and value,
//! and how a value is kept in the `message_props` table.

use std::collections::BTreeMap;
use std::sync::Arc;

use mapi_spi::{PropValues, Reply};
use mapi_types::object::MAPI_UNICODE;
use mapi_types::prop::PROP_TYPES;
use mapi_types::tags::*;
use mapi_types::{PropTag, PropType, PropValue, Row, Status, codec};

use crate::error::LocalError;
use crate::stream::Staged;

/// Values up to this size come back from GetProps; larger ones are `PT_ERROR`
/// `MAPI_E_NOT_ENOUGH_MEMORY` and are read through OpenProperty.
pub const GETPROPS_LIMIT: u64 = 256 * 1024;
/// Most tags (or values) one GetProps, SetProps or DeleteProps may carry.
pub const MAX_PER_CALL: usize = 4096;

/// Where a stored large value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// `messages.body` of the message.
    Body,
    /// The message's `messages.raw` from this offset: a body kept as a part of the raw
    /// bytes (schema 8); its length is the value's.
    Raw(u64),
    /// `message_props.value` of this row (a large value set through SetProps).
    Inline(i64),
    /// The `prop_chunks` of this `message_props` row (a value written through a stream).
    Chunks(i64),
    /// The `attach_chunks` of this attachment row and property id.
    AttachChunks(i64, u16),
}

/// One property as an object holds it.
#[derive(Clone, Debug)]
pub enum Held {
    /// A value small enough to keep.
    Value(PropValue),
    /// A stored value too large to keep: its size and where it is.
    Large(u64, Place),
    /// A value written through a stream and committed, not yet saved.
    Staged(Arc<Staged>),
}

/// A property object's properties by id: (tag with its type, value).
#[derive(Clone, Debug, Default)]
pub struct PropSet {
    props: BTreeMap<u16, (PropTag, Held)>,
}

fn is_string(t: PropType) -> bool {
    t == PropType::PT_STRING8 || t == PropType::PT_UNICODE
}

/// A string value in the width a tag asks for.
fn in_width(value: PropValue, want: PropType) -> PropValue {
    match (value, want) {
        (PropValue::Unicode(s), PropType::PT_STRING8) => PropValue::String8(s),
        (PropValue::String8(s), PropType::PT_UNICODE) => PropValue::Unicode(s),
        (v, _) => v,
    }
}

fn error(tag: PropTag, status: Status) -> (PropTag, PropValue) {
    (
        tag.with_type(PropType::PT_ERROR),
        PropValue::Error(status.0),
    )
}

impl PropSet {
    /// The properties of a row.
    pub fn from_row(row: Row) -> PropSet {
        let mut set = PropSet::default();
        for (tag, value) in row.0 {
            if !matches!(value, PropValue::Error(_)) {
                set.put(tag, Held::Value(value));
            }
        }
        set
    }

    /// Sets or replaces a property.
    pub fn put(&mut self, tag: PropTag, held: Held) {
        self.props.insert(tag.id(), (tag, held));
    }

    /// Removes a property; whether it was there.
    pub fn remove(&mut self, id: u16) -> bool {
        self.props.remove(&id).is_some()
    }

    /// Every property, by id.
    pub fn iter(&self) -> impl Iterator<Item = &(PropTag, Held)> {
        self.props.values()
    }

    /// A property by id.
    pub fn get(&self, id: u16) -> Option<&(PropTag, Held)> {
        self.props.get(&id)
    }

    /// `GetPropList`.
    pub fn list(&self, flags: u32) -> Result<Vec<PropTag>, LocalError> {
        check_flags("GetPropList", flags, MAPI_UNICODE)?;
        Ok(self
            .props
            .values()
            .map(|(tag, _)| shown_tag(*tag, flags))
            .collect())
    }

    /// `GetProps` over the held values.
    pub fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        flags: u32,
    ) -> Result<Reply<PropValues>, LocalError> {
        check_flags("GetProps", flags, MAPI_UNICODE)?;
        let mut out = Vec::new();
        match tags {
            None => {
                for (tag, held) in self.props.values() {
                    let shown = shown_tag(*tag, flags);
                    out.push(value_of(shown, shown.prop_type(), held));
                }
            }
            Some(tags) => {
                crate::props::check_count(tags.len())?;
                out.reserve(tags.len());
                for &asked in tags {
                    let want = asked.prop_type();
                    out.push(match self.props.get(&asked.id()) {
                        Some((stored, held))
                            if want == stored.prop_type()
                                || (is_string(want) && is_string(stored.prop_type())) =>
                        {
                            value_of(asked, want, held)
                        }
                        Some((stored, held)) if want == PropType::PT_UNSPECIFIED => {
                            let shown = shown_tag(*stored, flags);
                            value_of(shown, shown.prop_type(), held)
                        }
                        _ => error(asked, Status::MAPI_E_NOT_FOUND),
                    });
                }
            }
        }
        let errors = out.iter().any(|(t, _)| t.prop_type() == PropType::PT_ERROR);
        Ok(Reply::warn_if(errors, out))
    }
}

/// A string tag in the width `MAPI_UNICODE` asks for.
fn shown_tag(tag: PropTag, flags: u32) -> PropTag {
    if is_string(tag.prop_type()) {
        let ty = if flags & MAPI_UNICODE != 0 {
            PropType::PT_UNICODE
        } else {
            PropType::PT_STRING8
        };
        tag.with_type(ty)
    } else {
        tag
    }
}

fn value_of(tag: PropTag, want: PropType, held: &Held) -> (PropTag, PropValue) {
    match held {
        Held::Value(v) => (tag, in_width(v.clone(), want)),
        Held::Staged(s) if s.len() <= GETPROPS_LIMIT => match s.read_small() {
            Ok(bytes) => (tag, in_width(decode_raw(tag, bytes), want)),
            Err(_) => error(tag, Status::MAPI_E_DISK_ERROR),
        },
        Held::Staged(_) | Held::Large(..) => error(tag, Status::MAPI_E_NOT_ENOUGH_MEMORY),
    }
}

/// Whether an object may be changed: one opened for reading (or saved with
/// `KEEP_OPEN_READONLY`) is `MAPI_E_NO_ACCESS`, one saved without `KEEP_OPEN_*`
/// `MAPI_E_INVALID_OBJECT`.
pub fn check_writable(
    access: mapi_spi::Access,
    what: impl FnOnce() -> String,
) -> Result<(), LocalError> {
    match access {
        mapi_spi::Access::ReadWrite => Ok(()),
        mapi_spi::Access::ReadOnly => Err(LocalError::ReadOnly { what: what() }),
        mapi_spi::Access::Closed => Err(LocalError::Closed),
    }
}

/// Checks SaveChanges's flags: `KEEP_OPEN_READONLY`, `KEEP_OPEN_READWRITE` (not both),
/// `FORCE_SAVE`, `MAPI_DEFERRED_ERRORS`.
pub fn check_save_flags(flags: u32) -> Result<(), LocalError> {
    use mapi_types::object::{
        FORCE_SAVE, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_DEFERRED_ERRORS,
    };
    check_flags(
        "SaveChanges",
        flags,
        KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE | FORCE_SAVE | MAPI_DEFERRED_ERRORS,
    )?;
    if flags & KEEP_OPEN_READONLY != 0 && flags & KEEP_OPEN_READWRITE != 0 {
        return Err(LocalError::InvalidParameter {
            detail: "SaveChanges takes KEEP_OPEN_READONLY or KEEP_OPEN_READWRITE, not both".into(),
        });
    }
    Ok(())
}

/// Refuses flags outside `known`.
pub fn check_flags(call: &'static str, flags: u32, known: u32) -> Result<(), LocalError> {
    match flags & !known {
        0 => Ok(()),
        unknown => Err(LocalError::UnknownFlags {
            call,
            flags: unknown,
        }),
    }
}

/// Refuses a list longer than [`MAX_PER_CALL`].
pub fn check_count(n: usize) -> Result<(), LocalError> {
    if n > MAX_PER_CALL {
        return Err(too_many(n));
    }
    Ok(())
}

/// The error for a list longer than [`MAX_PER_CALL`].
pub fn too_many(n: usize) -> LocalError {
    LocalError::InvalidParameter {
        detail: format!("{n} properties in one call; at most {MAX_PER_CALL} are accepted"),
    }
}

/// Properties MAPI computes: never set or deleted by a client (`MAPI_E_COMPUTED`).
pub const COMPUTED: [PropTag; 11] = [
    PR_ENTRYID,
    PR_PARENT_ENTRYID,
    PR_OBJECT_TYPE,
    PR_MESSAGE_SIZE,
    PR_HASATTACH,
    PR_READ,
    PR_RECORD_KEY,
    PR_INSTANCE_KEY,
    PR_STORE_ENTRYID,
    PR_STORE_RECORD_KEY,
    PR_MDB_PROVIDER,
];

/// Properties whose type is fixed: a tag with their id and another type is
/// `MAPI_E_UNEXPECTED_TYPE` (strings may come in either width).
pub const FIXED_TYPES: [PropTag; 13] = [
    PR_SUBJECT,
    PR_SENDER_NAME,
    PR_SENDER_EMAIL_ADDRESS,
    PR_DISPLAY_TO,
    PR_DISPLAY_CC,
    PR_MESSAGE_DELIVERY_TIME,
    PR_CLIENT_SUBMIT_TIME,
    PR_INTERNET_MESSAGE_ID,
    PR_MESSAGE_FLAGS,
    PR_BODY,
    PR_HTML,
    PR_MESSAGE_CLASS,
    PR_TRANSPORT_MESSAGE_HEADERS,
];

/// Whether values of a type can be stored: every single-valued type but `PT_ERROR`,
/// `PT_NULL`, `PT_OBJECT`, `PT_PTR` and `PT_UNSPECIFIED`, and their multi-valued forms.
fn storable(t: PropType) -> bool {
    let base = t.base();
    let known = PROP_TYPES.iter().any(|(_, v)| *v == base.0);
    let excluded = [
        PropType::PT_UNSPECIFIED,
        PropType::PT_NULL,
        PropType::PT_ERROR,
        PropType::PT_OBJECT,
        PropType::PT_PTR,
    ];
    known && !excluded.contains(&base) && t.0 & PropType::MV_INSTANCE == 0
}

/// The problem (if any) with changing `tag` on a message. `named` tells whether a named
/// id has a name in the store's map.
pub fn tag_problem(tag: PropTag, named: impl FnOnce(u16) -> bool) -> Option<Status> {
    let id = tag.id();
    if !storable(tag.prop_type()) {
        return Some(Status::MAPI_E_INVALID_TYPE);
    }
    if id == 0 || id == 0xFFFF {
        return Some(Status::MAPI_E_INVALID_PARAMETER);
    }
    if COMPUTED.iter().any(|t| t.id() == id) {
        return Some(Status::MAPI_E_COMPUTED);
    }
    if let Some(fixed) = FIXED_TYPES.iter().find(|t| t.id() == id) {
        let (want, have) = (fixed.prop_type(), tag.prop_type());
        if want != have && !(is_string(want) && is_string(have)) {
            return Some(Status::MAPI_E_UNEXPECTED_TYPE);
        }
    }
    if tag.is_named() && !named(id) {
        return Some(Status::MAPI_E_UNEXPECTED_ID);
    }
    None
}

/// The problem (if any) with a value for `tag`: its type must be the tag's (either
/// string width), every element of a multi-value the base type, and strings without NUL.
pub fn value_problem(tag: PropTag, value: &PropValue) -> Option<Status> {
    let have = value.prop_type();
    let want = tag.prop_type();
    let same = have == want || (is_string(want) && is_string(have));
    let elements_ok = match value {
        PropValue::Multi(base, vs) => vs.iter().all(|v| v.prop_type() == *base && !has_nul(v)),
        v => !has_nul(v),
    };
    (!same || !elements_ok || have == PropType::PT_ERROR).then_some(Status::MAPI_E_BAD_VALUE)
}

fn has_nul(v: &PropValue) -> bool {
    v.as_str().is_some_and(|s| s.contains('\0'))
}

/// Whether a property of this type can be opened as a stream.
pub fn streamable(t: PropType) -> bool {
    t == PropType::PT_BINARY || is_string(t)
}

/// The bytes a value is kept as in `message_props.value`: the bytes of a binary, the
/// UTF-8 of a string, the [`codec`] encoding of anything else.
pub fn encode_stored(value: &PropValue) -> Vec<u8> {
    match value {
        PropValue::Binary(b) => b.clone(),
        PropValue::String8(s) | PropValue::Unicode(s) => s.as_bytes().to_vec(),
        v => codec::value_to_bytes(v),
    }
}

/// A value from its stored bytes and tag (the reverse of [`encode_stored`]); `None`
/// for bytes that do not decode.
pub fn decode_stored(tag: PropTag, bytes: Vec<u8>) -> Option<PropValue> {
    let t = tag.prop_type();
    if streamable(t) {
        return Some(decode_raw(tag, bytes));
    }
    codec::value_from_bytes(&bytes)
        .ok()
        .filter(|v| v.prop_type() == t)
}

/// A binary or string value from its bytes (invalid UTF-8 replaced).
pub fn decode_raw(tag: PropTag, bytes: Vec<u8>) -> PropValue {
    match tag.prop_type() {
        PropType::PT_STRING8 => PropValue::String8(utf8(bytes)),
        PropType::PT_UNICODE => PropValue::Unicode(utf8(bytes)),
        _ => PropValue::Binary(bytes),
    }
}

fn utf8(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_and_value_checks() {
        let none = |_| false;
        assert_eq!(tag_problem(PR_SUBJECT, none), None);
        assert_eq!(
            tag_problem(PR_SUBJECT.with_type(PropType::PT_STRING8), none),
            None
        );
        assert_eq!(
            tag_problem(PR_SUBJECT.with_type(PropType::PT_LONG), none),
            Some(Status::MAPI_E_UNEXPECTED_TYPE)
        );
        assert_eq!(tag_problem(PR_ENTRYID, none), Some(Status::MAPI_E_COMPUTED));
        assert_eq!(
            tag_problem(PropTag(0x6700_0999), none),
            Some(Status::MAPI_E_INVALID_TYPE)
        );
        assert_eq!(
            tag_problem(PropTag(0x8001_0003), none),
            Some(Status::MAPI_E_UNEXPECTED_ID)
        );
        assert_eq!(tag_problem(PropTag(0x8001_0003), |_| true), None);
        assert_eq!(
            value_problem(PR_SUBJECT, &PropValue::Long(1)),
            Some(Status::MAPI_E_BAD_VALUE)
        );
        assert_eq!(
            value_problem(PR_SUBJECT, &PropValue::Unicode("a\0b".into())),
            Some(Status::MAPI_E_BAD_VALUE)
        );
        let mv = PropValue::Multi(PropType::PT_LONG, vec![PropValue::I2(1)]);
        assert_eq!(
            value_problem(PropTag(0x6700_1003), &mv),
            Some(Status::MAPI_E_BAD_VALUE)
        );
    }

    #[test]
    fn stored_values_round_trip() {
        for (tag, v) in [
            (PR_SUBJECT, PropValue::Unicode("Grüße".into())),
            (PR_HTML, PropValue::Binary(vec![0, 1, 2])),
            (PR_MESSAGE_FLAGS, PropValue::Long(-3)),
            (
                PropTag(0x6700_101F),
                PropValue::Multi(PropType::PT_UNICODE, vec![PropValue::Unicode("a".into())]),
            ),
        ] {
            assert_eq!(decode_stored(tag, encode_stored(&v)), Some(v));
        }
        assert_eq!(decode_stored(PR_MESSAGE_FLAGS, vec![1]), None);
    }
}
