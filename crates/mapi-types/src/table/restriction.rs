//! [`Restriction`] (`SRestriction`): every documented `RES_*` type, checked before use
//! ([`Restriction::check`]: bounded depth and size, unsupported parts refused with
//! `MAPI_E_TOO_COMPLEX`), evaluated against a [`Row`], and dropped without recursion so a
//! restriction nested 100,000 deep cannot overflow the stack.

use std::cmp::Ordering;

use super::consts::*;
use super::error::TableError;
use super::{Row, compare};
use crate::prop::{PropTag, PropValue};

/// Deepest nesting a restriction may have (`MAPI_E_TOO_COMPLEX` beyond).
pub const MAX_RESTRICTION_DEPTH: usize = 64;
/// Most nodes a restriction may have (`MAPI_E_TOO_COMPLEX` beyond).
pub const MAX_RESTRICTION_NODES: usize = 4096;

/// Relational operators (`RELOP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relop {
    /// `RELOP_LT`.
    Lt,
    /// `RELOP_LE`.
    Le,
    /// `RELOP_GT`.
    Gt,
    /// `RELOP_GE`.
    Ge,
    /// `RELOP_EQ`.
    Eq,
    /// `RELOP_NE`.
    Ne,
    /// `RELOP_RE` (regular expression): parsed, but refused by [`Restriction::check`]
    /// with `MAPI_E_TOO_COMPLEX`.
    Re,
}

impl Relop {
    /// From its `RELOP_*` value; anything else is `MAPI_E_INVALID_PARAMETER`.
    pub fn from_mapi(v: u32) -> Result<Relop, TableError> {
        Ok(match v {
            RELOP_LT => Relop::Lt,
            RELOP_LE => Relop::Le,
            RELOP_GT => Relop::Gt,
            RELOP_GE => Relop::Ge,
            RELOP_EQ => Relop::Eq,
            RELOP_NE => Relop::Ne,
            RELOP_RE => Relop::Re,
            other => {
                return Err(TableError::invalid(format!(
                    "{other} is not a RELOP_* value"
                )));
            }
        })
    }

    /// Its `RELOP_*` value.
    pub fn to_mapi(self) -> u32 {
        match self {
            Relop::Lt => RELOP_LT,
            Relop::Le => RELOP_LE,
            Relop::Gt => RELOP_GT,
            Relop::Ge => RELOP_GE,
            Relop::Eq => RELOP_EQ,
            Relop::Ne => RELOP_NE,
            Relop::Re => RELOP_RE,
        }
    }

    /// Whether an ordering satisfies the operator (`Re` never does: it is refused first).
    pub fn holds(self, ord: Ordering) -> bool {
        match self {
            Relop::Lt => ord == Ordering::Less,
            Relop::Le => ord != Ordering::Greater,
            Relop::Gt => ord == Ordering::Greater,
            Relop::Ge => ord != Ordering::Less,
            Relop::Eq => ord == Ordering::Equal,
            Relop::Ne => ord != Ordering::Equal,
            Relop::Re => false,
        }
    }
}

/// How `RES_CONTENT` matches a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentMatch {
    /// `FL_FULLSTRING`.
    Full,
    /// `FL_SUBSTRING`.
    Substring,
    /// `FL_PREFIX`.
    Prefix,
}

/// A restriction (`SRestriction`).
#[derive(Clone, Debug, PartialEq)]
pub enum Restriction {
    /// `RES_AND`: every one holds (an empty list holds).
    And(Vec<Restriction>),
    /// `RES_OR`: one of them holds (an empty list does not).
    Or(Vec<Restriction>),
    /// `RES_NOT`.
    Not(Box<Restriction>),
    /// `RES_PROPERTY`: compare a column with a value. A row without the column fails.
    Property {
        /// The comparison.
        op: Relop,
        /// The column.
        tag: PropTag,
        /// The value compared against.
        value: PropValue,
    },
    /// `RES_COMPAREPROPS`: compare two columns of the row. Fails when either is absent.
    CompareProps {
        /// The comparison.
        op: Relop,
        /// The left column.
        left: PropTag,
        /// The right column.
        right: PropTag,
    },
    /// `RES_BITMASK`: `BMR_NEZ` when `nonzero`, else `BMR_EQZ`.
    BitMask {
        /// The column (an integer).
        tag: PropTag,
        /// The mask.
        mask: u32,
        /// Whether `value & mask` must be non-zero.
        nonzero: bool,
    },
    /// `RES_SIZE`: compare the size in bytes of a column's value ([`value_size`]).
    Size {
        /// The comparison.
        op: Relop,
        /// The column.
        tag: PropTag,
        /// The size compared against.
        size: u32,
    },
    /// `RES_EXIST`: the column has a value.
    Exist(PropTag),
    /// `RES_CONTENT` on a string column (`FL_IGNORECASE` when `ignore_case`).
    Content {
        /// The column.
        tag: PropTag,
        /// The text looked for.
        text: String,
        /// Full, substring or prefix.
        how: ContentMatch,
        /// Whether case is ignored.
        ignore_case: bool,
    },
    /// `RES_SUBRESTRICTION`: some row of a message's recipient table
    /// (`PR_MESSAGE_RECIPIENTS`) or attachment table (`PR_MESSAGE_ATTACHMENTS`) satisfies
    /// the restriction.
    Sub {
        /// `PR_MESSAGE_RECIPIENTS` or `PR_MESSAGE_ATTACHMENTS`.
        object: PropTag,
        /// What a sub-row must satisfy.
        restriction: Box<Restriction>,
    },
    /// `RES_COMMENT`: annotations on a restriction; evaluates as its restriction, and
    /// as true when it has none.
    Comment {
        /// The annotations.
        props: Vec<(PropTag, PropValue)>,
        /// The restriction annotated.
        restriction: Option<Box<Restriction>>,
    },
}

/// Rows below a row: a message's recipients and attachments, for `RES_SUBRESTRICTION`.
pub trait SubObjects {
    /// The rows of `object` (`PR_MESSAGE_RECIPIENTS` / `PR_MESSAGE_ATTACHMENTS`) of
    /// `row`; `MAPI_E_TOO_COMPLEX` when the source cannot tell.
    fn sub_rows(&self, row: &Row, object: PropTag) -> Result<Vec<Row>, TableError>;
}

/// A source without sub-objects: every `RES_SUBRESTRICTION` is `MAPI_E_TOO_COMPLEX`.
pub struct NoSubObjects;

impl SubObjects for NoSubObjects {
    fn sub_rows(&self, _row: &Row, object: PropTag) -> Result<Vec<Row>, TableError> {
        Err(TableError::too_complex(format!(
            "this table cannot evaluate a RES_SUBRESTRICTION on {object}"
        )))
    }
}

impl Restriction {
    /// `RES_CONTENT` from an `ulFuzzyLevel`: `FL_FULLSTRING` / `FL_SUBSTRING` /
    /// `FL_PREFIX` with optional `FL_IGNORECASE`. `FL_IGNORENONSPACE` and `FL_LOOSE`
    /// are `MAPI_E_TOO_COMPLEX`; other bits `MAPI_E_INVALID_PARAMETER`.
    pub fn content(tag: PropTag, text: &str, fuzzy: u32) -> Result<Restriction, TableError> {
        if fuzzy & (FL_IGNORENONSPACE | FL_LOOSE) != 0 {
            return Err(TableError::too_complex(
                "FL_IGNORENONSPACE and FL_LOOSE are not supported",
            ));
        }
        if fuzzy & !(0xFFFF | FL_IGNORECASE) != 0 {
            return Err(TableError::invalid(format!(
                "unknown fuzzy-level bits 0x{fuzzy:08X}"
            )));
        }
        let how = match fuzzy & 0xFFFF {
            FL_FULLSTRING => ContentMatch::Full,
            FL_SUBSTRING => ContentMatch::Substring,
            FL_PREFIX => ContentMatch::Prefix,
            other => {
                return Err(TableError::invalid(format!(
                    "{other} is not FL_FULLSTRING, FL_SUBSTRING or FL_PREFIX"
                )));
            }
        };
        Ok(Restriction::Content {
            tag,
            text: text.to_string(),
            how,
            ignore_case: fuzzy & FL_IGNORECASE != 0,
        })
    }

    /// Its `RES_*` type.
    pub fn res_type(&self) -> u32 {
        match self {
            Restriction::And(_) => RES_AND,
            Restriction::Or(_) => RES_OR,
            Restriction::Not(_) => RES_NOT,
            Restriction::Content { .. } => RES_CONTENT,
            Restriction::Property { .. } => RES_PROPERTY,
            Restriction::CompareProps { .. } => RES_COMPAREPROPS,
            Restriction::BitMask { .. } => RES_BITMASK,
            Restriction::Size { .. } => RES_SIZE,
            Restriction::Exist(_) => RES_EXIST,
            Restriction::Sub { .. } => RES_SUBRESTRICTION,
            Restriction::Comment { .. } => RES_COMMENT,
        }
    }

    /// The restrictions directly inside this one.
    pub fn children(&self) -> Vec<&Restriction> {
        match self {
            Restriction::And(rs) | Restriction::Or(rs) => rs.iter().collect(),
            Restriction::Not(r) | Restriction::Sub { restriction: r, .. } => vec![r],
            Restriction::Comment {
                restriction: Some(r),
                ..
            } => vec![r],
            _ => Vec::new(),
        }
    }

    /// Checks the restriction before any use, without recursion: at most
    /// [`MAX_RESTRICTION_DEPTH`] deep and [`MAX_RESTRICTION_NODES`] nodes, no
    /// `RELOP_RE` (all `MAPI_E_TOO_COMPLEX`), a sub-restriction only on
    /// `PR_MESSAGE_RECIPIENTS` or `PR_MESSAGE_ATTACHMENTS` (`MAPI_E_INVALID_PARAMETER`).
    pub fn check(&self) -> Result<(), TableError> {
        let mut stack: Vec<(&Restriction, usize)> = vec![(self, 1)];
        let mut nodes = 0usize;
        while let Some((r, depth)) = stack.pop() {
            nodes += 1;
            if depth > MAX_RESTRICTION_DEPTH {
                return Err(TableError::too_complex(format!(
                    "the restriction is nested more than {MAX_RESTRICTION_DEPTH} deep"
                )));
            }
            if nodes > MAX_RESTRICTION_NODES {
                return Err(TableError::too_complex(format!(
                    "the restriction has more than {MAX_RESTRICTION_NODES} parts"
                )));
            }
            match r {
                Restriction::Property { op: Relop::Re, .. }
                | Restriction::CompareProps { op: Relop::Re, .. }
                | Restriction::Size { op: Relop::Re, .. } => {
                    return Err(TableError::too_complex(
                        "RELOP_RE (regular expressions) is not supported",
                    ));
                }
                Restriction::Sub { object, .. }
                    if *object != PR_MESSAGE_RECIPIENTS && *object != PR_MESSAGE_ATTACHMENTS =>
                {
                    return Err(TableError::invalid(format!(
                        "a RES_SUBRESTRICTION applies to PR_MESSAGE_RECIPIENTS or PR_MESSAGE_ATTACHMENTS, not {object}"
                    )));
                }
                _ => {}
            }
            // A list longer than the node limit fails on the next pops; do not push it all.
            let children = r.children();
            if nodes + stack.len() + children.len() > MAX_RESTRICTION_NODES {
                return Err(TableError::too_complex(format!(
                    "the restriction has more than {MAX_RESTRICTION_NODES} parts"
                )));
            }
            stack.extend(children.into_iter().map(|c| (c, depth + 1)));
        }
        Ok(())
    }

    /// Whether a row satisfies the restriction. Call [`Restriction::check`] first: the
    /// evaluation recurses (bounded by the checked depth).
    pub fn evaluate(&self, row: &Row, subs: &dyn SubObjects) -> Result<bool, TableError> {
        Ok(match self {
            Restriction::And(rs) => {
                for r in rs {
                    if !r.evaluate(row, subs)? {
                        return Ok(false);
                    }
                }
                true
            }
            Restriction::Or(rs) => {
                for r in rs {
                    if r.evaluate(row, subs)? {
                        return Ok(true);
                    }
                }
                false
            }
            Restriction::Not(r) => !r.evaluate(row, subs)?,
            Restriction::Property { op, tag, value } => match row.get(*tag) {
                None => false,
                Some(v) => relate(*op, v, value),
            },
            Restriction::CompareProps { op, left, right } => {
                match (row.get(*left), row.get(*right)) {
                    (Some(a), Some(b)) => relate(*op, a, b),
                    _ => false,
                }
            }
            Restriction::BitMask { tag, mask, nonzero } => match row.int(*tag) {
                None => false,
                Some(v) => ((v as u32 & mask) != 0) == *nonzero,
            },
            Restriction::Size { op, tag, size } => match row.get(*tag) {
                None => false,
                Some(v) => op.holds(value_size(v).cmp(&(*size as usize))),
            },
            Restriction::Exist(tag) => row.get(*tag).is_some(),
            Restriction::Content {
                tag,
                text,
                how,
                ignore_case,
            } => match row.str(*tag) {
                None => false,
                Some(s) => content_matches(s, text, *how, *ignore_case),
            },
            Restriction::Sub {
                object,
                restriction,
            } => {
                for sub in subs.sub_rows(row, *object)? {
                    if restriction.evaluate(&sub, subs)? {
                        return Ok(true);
                    }
                }
                false
            }
            Restriction::Comment { restriction, .. } => match restriction {
                Some(r) => r.evaluate(row, subs)?,
                None => true,
            },
        })
    }

    /// Whether a row satisfies the restriction, for restrictions that passed
    /// [`Restriction::check`] and hold no sub-restriction (a sub-restriction or any
    /// other failure counts as no match).
    pub fn matches(&self, row: &Row) -> bool {
        self.evaluate(row, &NoSubObjects).unwrap_or(false)
    }
}

/// `op` applied to two values: values that cannot be compared satisfy only `RELOP_NE`.
pub fn relate(op: Relop, a: &PropValue, b: &PropValue) -> bool {
    match compare(a, b) {
        None => op == Relop::Ne,
        Some(ord) => op.holds(ord),
    }
}

/// `RES_CONTENT` on one string. Case is ignored by Unicode lower-casing of both sides.
pub fn content_matches(s: &str, text: &str, how: ContentMatch, ignore_case: bool) -> bool {
    // ASCII on both sides: ASCII case folding is Unicode lower-casing; no allocation.
    if ignore_case && s.is_ascii() && text.is_ascii() {
        let (h, n) = (s.as_bytes(), text.as_bytes());
        return match how {
            ContentMatch::Full => h.eq_ignore_ascii_case(n),
            ContentMatch::Prefix => h.len() >= n.len() && h[..n.len()].eq_ignore_ascii_case(n),
            ContentMatch::Substring => {
                n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
            }
        };
    }
    let (s, t) = if ignore_case {
        (
            std::borrow::Cow::Owned(s.to_lowercase()),
            std::borrow::Cow::Owned(text.to_lowercase()),
        )
    } else {
        (
            std::borrow::Cow::Borrowed(s),
            std::borrow::Cow::Borrowed(text),
        )
    };
    match how {
        ContentMatch::Full => s == t,
        ContentMatch::Substring => s.contains(&*t),
        ContentMatch::Prefix => s.starts_with(&*t),
    }
}

/// The size `RES_SIZE` compares: bytes of the value as MAPI holds it (strings with their
/// terminator: UTF-8 bytes + 1 for `PT_STRING8`, UTF-16 units x 2 + 2 for `PT_UNICODE`;
/// binaries their length; fixed-size types their width; multi-valued ones the sum).
pub fn value_size(v: &PropValue) -> usize {
    match v {
        PropValue::Null => 0,
        PropValue::I2(_) | PropValue::Boolean(_) => 2,
        PropValue::Long(_) | PropValue::R4(_) | PropValue::Error(_) => 4,
        PropValue::Double(_)
        | PropValue::Currency(_)
        | PropValue::AppTime(_)
        | PropValue::I8(_)
        | PropValue::SysTime(_) => 8,
        PropValue::String8(s) => s.len() + 1,
        PropValue::Unicode(s) => s.encode_utf16().count() * 2 + 2,
        PropValue::Clsid(_) => 16,
        PropValue::Binary(b) => b.len(),
        PropValue::Multi(_, vs) => vs.iter().map(value_size).sum(),
    }
}

impl Drop for Restriction {
    /// Drops nested restrictions with a heap stack instead of recursion.
    fn drop(&mut self) {
        fn take(r: &mut Restriction, out: &mut Vec<Restriction>) {
            match r {
                Restriction::And(rs) | Restriction::Or(rs) => out.append(rs),
                Restriction::Not(b) | Restriction::Sub { restriction: b, .. }
                    if !b.children().is_empty() =>
                {
                    out.push(std::mem::replace(&mut **b, Restriction::And(Vec::new())));
                }
                Restriction::Comment { restriction, .. } => {
                    out.extend(restriction.take().map(|b| *b))
                }
                _ => {}
            }
        }
        let mut pending = Vec::new();
        take(self, &mut pending);
        while let Some(mut r) = pending.pop() {
            take(&mut r, &mut pending);
        }
    }
}
