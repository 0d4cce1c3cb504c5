//! Rows and property tags on the wire, through `mapi_types::codec`.
//!
//! A row is a property list as [`mapi_types::codec::encode_props`] writes it. Before
//! handing a value to the codec, the reader refuses a multi-valued `PT_NULL`: MAPI defines
//! no such type, and its elements take no bytes, so a few bytes could claim tens of
//! thousands of values.

use mapi_types::codec::{self, Reader};
use mapi_types::{PropTag, PropType, Row};

use crate::error::ProtoError;
use crate::wire::{Input, Writer};

/// Smallest encoding of one (tag, value) pair: a tag and a `PT_NULL` type.
pub(crate) const MIN_PROP: usize = 6;

pub(crate) fn put_row(w: &mut Writer, row: &Row) {
    w.list("row", &row.0, |_, _| {});
    // `list` wrote the count and checked the limit; the codec writes the pairs.
    for (tag, value) in &row.0 {
        put_prop(w, *tag, value);
    }
}

/// One (tag, value) pair, as a row holds it.
pub(crate) fn put_prop(w: &mut Writer, tag: PropTag, value: &mapi_types::PropValue) {
    w.u32(tag.0);
    codec::encode_value(value, &mut w.buf);
}

/// One (tag, value) pair; a multi-valued `PT_NULL` is refused.
pub(crate) fn get_prop(r: &mut Input<'_>) -> Result<(PropTag, mapi_types::PropValue), ProtoError> {
    let tag = PropTag(r.u32("row property tag")?);
    let ty = match r.rest {
        [lo, hi, ..] => PropType(u16::from_le_bytes([*lo, *hi])),
        _ => {
            return Err(ProtoError::Truncated {
                what: "row property type",
            });
        }
    };
    if ty.is_multi() && ty.base() == PropType::PT_NULL {
        return Err(ProtoError::Malformed {
            what: "row property type",
            why: "multi-valued PT_NULL is not a property type",
        });
    }
    let mut cr = Reader { b: r.rest };
    let value = codec::decode_value(&mut cr).map_err(|e| ProtoError::Malformed {
        what: "row property value",
        why: e.0,
    })?;
    r.rest = cr.b;
    Ok((tag, value))
}

pub(crate) fn get_row(r: &mut Input<'_>) -> Result<Row, ProtoError> {
    let props = r.list("row", MIN_PROP, get_prop)?;
    Ok(Row(props))
}

pub(crate) fn put_rows(w: &mut Writer, what: &'static str, rows: &[Row]) {
    w.list(what, rows, put_row);
}

pub(crate) fn get_rows(r: &mut Input<'_>, what: &'static str) -> Result<Vec<Row>, ProtoError> {
    r.list(what, 4, get_row)
}

pub(crate) fn put_tags(w: &mut Writer, what: &'static str, tags: &[PropTag]) {
    w.list(what, tags, |w, t| w.u32(t.0));
}

pub(crate) fn get_tags(r: &mut Input<'_>, what: &'static str) -> Result<Vec<PropTag>, ProtoError> {
    r.list(what, 4, |r| r.u32(what).map(PropTag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::{PropValue, tags};

    #[test]
    fn rows_round_trip_through_the_codec() {
        let row = Row(vec![
            (tags::PR_DISPLAY_NAME, PropValue::Unicode("Inbox".into())),
            (tags::PR_RESOURCE_FLAGS, PropValue::Long(7)),
            (
                PropTag(0x8001_1003),
                PropValue::Multi(PropType::PT_LONG, vec![PropValue::Long(1)]),
            ),
        ]);
        let mut w = Writer::default();
        put_row(&mut w, &row);
        let mut r = Input::new(&w.buf);
        assert_eq!(get_row(&mut r).unwrap(), row);
        assert!(r.rest.is_empty());
    }

    #[test]
    fn multi_valued_null_is_refused() {
        // One property, tag 0x80010000 | PT_MV_NULL, claiming 65,536 elements.
        let mut bytes = 1u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&0x8001_1001u32.to_le_bytes());
        bytes.extend_from_slice(&0x1001u16.to_le_bytes());
        bytes.extend_from_slice(&65_536u32.to_le_bytes());
        let err = get_row(&mut Input::new(&bytes)).unwrap_err();
        assert!(matches!(
            err,
            ProtoError::Malformed {
                what: "row property type",
                ..
            }
        ));
    }
}
