//! Restrictions and sort keys on the wire (table requests).
//!
//! A restriction is its `RES_*` type byte, then its fields; nested restrictions follow
//! in place. Reading stops past [`MAX_RESTRICTION_DEPTH`] levels (`MAPI_E_CORRUPT_DATA`),
//! so a few bytes cannot recurse the reader off its stack, and past
//! [`MAX_RESTRICTION_NODES`] nodes (`MAPI_E_TOO_BIG`), so memory stays small; a writer
//! given a deeper one notes it as too long and writes no deeper.

use mapi_types::table::consts::*;
use mapi_types::table::restriction::{MAX_RESTRICTION_DEPTH, MAX_RESTRICTION_NODES};
use mapi_types::{ContentMatch, PropTag, Relop, Restriction, SortKey};

use crate::error::ProtoError;
use crate::props::{MIN_PROP, get_prop, put_prop};
use crate::wire::{Input, Writer};

fn put_relop(w: &mut Writer, op: Relop) {
    w.u8(op.to_mapi() as u8);
}

fn get_relop(r: &mut Input<'_>) -> Result<Relop, ProtoError> {
    Relop::from_mapi(u32::from(r.u8("restriction relop")?)).map_err(|_| ProtoError::Malformed {
        what: "restriction relop",
        why: "not a RELOP_* value",
    })
}

pub(crate) fn put_restriction(w: &mut Writer, res: &Restriction) {
    put_at(w, res, 1);
}

fn put_at(w: &mut Writer, res: &Restriction, depth: usize) {
    if depth > MAX_RESTRICTION_DEPTH {
        if w.err.is_none() {
            w.err = Some(ProtoError::TooLong {
                what: "restriction depth",
                len: depth as u64,
                max: MAX_RESTRICTION_DEPTH as u64,
            });
        }
        return;
    }
    w.u8(res.res_type() as u8);
    match res {
        Restriction::And(rs) | Restriction::Or(rs) => {
            w.list("restriction list", rs, |w, r| put_at(w, r, depth + 1));
        }
        Restriction::Not(r) => put_at(w, r, depth + 1),
        Restriction::Content {
            tag,
            text,
            how,
            ignore_case,
        } => {
            w.u32(tag.0);
            w.str("restriction text", text);
            w.u8(match how {
                ContentMatch::Full => 0,
                ContentMatch::Substring => 1,
                ContentMatch::Prefix => 2,
            });
            w.bool(*ignore_case);
        }
        Restriction::Property { op, tag, value } => {
            put_relop(w, *op);
            put_prop(w, *tag, value);
        }
        Restriction::CompareProps { op, left, right } => {
            put_relop(w, *op);
            w.u32(left.0);
            w.u32(right.0);
        }
        Restriction::BitMask { tag, mask, nonzero } => {
            w.u32(tag.0);
            w.u32(*mask);
            w.bool(*nonzero);
        }
        Restriction::Size { op, tag, size } => {
            put_relop(w, *op);
            w.u32(tag.0);
            w.u32(*size);
        }
        Restriction::Exist(tag) => w.u32(tag.0),
        Restriction::Sub {
            object,
            restriction,
        } => {
            w.u32(object.0);
            put_at(w, restriction, depth + 1);
        }
        Restriction::Comment { props, restriction } => {
            w.list("restriction comment", props, |w, (t, v)| put_prop(w, *t, v));
            w.opt(restriction.as_ref(), |w, r| put_at(w, r, depth + 1));
        }
    }
}

pub(crate) fn get_restriction(r: &mut Input<'_>) -> Result<Restriction, ProtoError> {
    let mut nodes = 0;
    get_at(r, 1, &mut nodes)
}

fn get_at(r: &mut Input<'_>, depth: usize, nodes: &mut usize) -> Result<Restriction, ProtoError> {
    if depth > MAX_RESTRICTION_DEPTH {
        return Err(ProtoError::Malformed {
            what: "restriction",
            why: "nested deeper than a restriction may be",
        });
    }
    *nodes += 1;
    if *nodes > MAX_RESTRICTION_NODES {
        return Err(ProtoError::TooLong {
            what: "restriction nodes",
            len: *nodes as u64,
            max: MAX_RESTRICTION_NODES as u64,
        });
    }
    // A list's count is checked against what is left of the node budget before the
    // list is read (and allocated).
    if matches!(
        r.rest.first().map(|k| u32::from(*k)),
        Some(RES_AND | RES_OR)
    ) && let [_, a, b, c, d, ..] = r.rest
    {
        let n = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
        if n > MAX_RESTRICTION_NODES - *nodes {
            return Err(ProtoError::TooLong {
                what: "restriction list",
                len: n as u64,
                max: (MAX_RESTRICTION_NODES - *nodes) as u64,
            });
        }
    }
    let kind = r.u8("restriction type")?;
    Ok(match u32::from(kind) {
        RES_AND => {
            Restriction::And(r.list("restriction list", 1, |r| get_at(r, depth + 1, nodes))?)
        }
        RES_OR => Restriction::Or(r.list("restriction list", 1, |r| get_at(r, depth + 1, nodes))?),
        RES_NOT => Restriction::Not(Box::new(get_at(r, depth + 1, nodes)?)),
        RES_CONTENT => {
            let tag = PropTag(r.u32("restriction tag")?);
            let text = r.string("restriction text")?;
            let how = match r.u8("restriction content match")? {
                0 => ContentMatch::Full,
                1 => ContentMatch::Substring,
                2 => ContentMatch::Prefix,
                tag => {
                    return Err(ProtoError::UnknownTag {
                        what: "content match",
                        tag,
                    });
                }
            };
            Restriction::Content {
                tag,
                text,
                how,
                ignore_case: r.bool("restriction ignore case")?,
            }
        }
        RES_PROPERTY => {
            let op = get_relop(r)?;
            let (tag, value) = get_prop(r)?;
            Restriction::Property { op, tag, value }
        }
        RES_COMPAREPROPS => Restriction::CompareProps {
            op: get_relop(r)?,
            left: PropTag(r.u32("restriction tag")?),
            right: PropTag(r.u32("restriction tag")?),
        },
        RES_BITMASK => Restriction::BitMask {
            tag: PropTag(r.u32("restriction tag")?),
            mask: r.u32("restriction mask")?,
            nonzero: r.bool("restriction nonzero")?,
        },
        RES_SIZE => Restriction::Size {
            op: get_relop(r)?,
            tag: PropTag(r.u32("restriction tag")?),
            size: r.u32("restriction size")?,
        },
        RES_EXIST => Restriction::Exist(PropTag(r.u32("restriction tag")?)),
        RES_SUBRESTRICTION => Restriction::Sub {
            object: PropTag(r.u32("restriction object")?),
            restriction: Box::new(get_at(r, depth + 1, nodes)?),
        },
        RES_COMMENT => Restriction::Comment {
            props: r.list("restriction comment", MIN_PROP, get_prop)?,
            restriction: r
                .opt("restriction comment", |r| get_at(r, depth + 1, nodes))?
                .map(Box::new),
        },
        _ => {
            return Err(ProtoError::UnknownTag {
                what: "restriction",
                tag: kind,
            });
        }
    })
}

pub(crate) fn put_sort(w: &mut Writer, keys: &[SortKey]) {
    w.list("sort keys", keys, |w, k| {
        w.u32(k.tag.0);
        w.bool(k.descending);
    });
}

pub(crate) fn get_sort(r: &mut Input<'_>) -> Result<Vec<SortKey>, ProtoError> {
    r.list("sort keys", 5, |r| {
        Ok(SortKey {
            tag: PropTag(r.u32("sort key tag")?),
            descending: r.bool("sort key order")?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::tags::*;

    #[test]
    fn a_restriction_nested_100000_deep_is_refused_without_recursing() {
        // 100,000 RES_NOT bytes, then an exist.
        let mut bytes = vec![RES_NOT as u8; 100_000];
        bytes.push(RES_EXIST as u8);
        bytes.extend_from_slice(&PR_SUBJECT.0.to_le_bytes());
        let err = get_restriction(&mut Input::new(&bytes)).unwrap_err();
        assert!(matches!(
            err,
            ProtoError::Malformed {
                what: "restriction",
                ..
            }
        ));
        // An AND claiming a million parts is refused before anything is allocated.
        let mut wide = vec![RES_AND as u8];
        wide.extend_from_slice(&1_000_000u32.to_le_bytes());
        wide.extend(std::iter::repeat_n(RES_AND as u8, 64));
        let err = get_restriction(&mut Input::new(&wide)).unwrap_err();
        assert!(matches!(
            err,
            ProtoError::TooLong {
                what: "restriction list",
                ..
            }
        ));
        let mut deep = Restriction::Exist(PR_SUBJECT);
        for _ in 0..100_000 {
            deep = Restriction::Not(Box::new(deep));
        }
        let mut w = Writer::default();
        put_restriction(&mut w, &deep);
        assert!(matches!(
            w.err,
            Some(ProtoError::TooLong {
                what: "restriction depth",
                ..
            })
        ));
    }
}
