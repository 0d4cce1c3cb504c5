//! Restrictions on the IMAP cache's contents rows as SQL `WHERE` conditions. A
//! restriction (or a conjunct of one) is translated only when the condition is true on
//! exactly the rows where `Restriction::evaluate` is true over the row
//! `props::message_row` builds (plus PR_READ): every condition here yields 0 or 1,
//! never NULL, so NOT and OR keep their meaning where a cached column is empty (the
//! property missing). Content matches and FILETIME conversions run in SQLite through
//! two functions that call the very code the in-memory evaluation uses
//! ([`content_matches`], [`filetime_from_unix`]). Anything else (string order, sizes
//! of strings, entry ids and keys, COMPAREPROPS, SUBRESTRICTION) is left to Rust.

use mapi_types::table::restriction::{content_matches, relate, value_size};
use mapi_types::tags::*;
use mapi_types::{ContentMatch, PropTag, PropValue, Relop, Restriction, filetime_from_unix};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value;

/// What a cached column holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// PT_UNICODE, NULL when the message has none.
    Text,
    /// PT_LONG, never NULL.
    Int,
    /// PT_SYSTIME from Unix seconds, NULL when unknown.
    Time,
    /// PT_BOOLEAN as 0/1, never NULL.
    Bool,
    /// PR_MESSAGE_CLASS: the same for every message.
    Class,
    /// Binary (entry ids, keys) or the bracketed message id: always left to Rust, but
    /// known to be present (`Some(sql)`: present where `sql` is true).
    Other(Option<&'static str>),
}

struct Column {
    tag: PropTag,
    sql: &'static str,
    kind: Kind,
}

/// The class every cached message has.
const MESSAGE_CLASS: &str = "IPM.Note";

/// Every property of a cached contents row.
const COLUMNS: [Column; 15] = [
    Column {
        tag: PR_SUBJECT,
        sql: "subject",
        kind: Kind::Text,
    },
    Column {
        tag: PR_SENDER_NAME,
        sql: "sender_name",
        kind: Kind::Text,
    },
    Column {
        tag: PR_SENDER_EMAIL_ADDRESS,
        sql: "sender_email",
        kind: Kind::Text,
    },
    Column {
        tag: PR_DISPLAY_TO,
        sql: "display_to",
        kind: Kind::Text,
    },
    Column {
        tag: PR_MESSAGE_SIZE,
        sql: "min(size, 2147483647)",
        kind: Kind::Int,
    },
    Column {
        tag: PR_MESSAGE_FLAGS,
        sql: "(seen <> 0)",
        kind: Kind::Int,
    },
    Column {
        tag: PR_READ,
        sql: "(seen <> 0)",
        kind: Kind::Bool,
    },
    Column {
        tag: PR_MESSAGE_DELIVERY_TIME,
        sql: "mapi_filetime(delivery_time)",
        kind: Kind::Time,
    },
    Column {
        tag: PR_MESSAGE_CLASS,
        sql: "'IPM.Note'",
        kind: Kind::Class,
    },
    Column {
        tag: PR_ENTRYID,
        sql: "",
        kind: Kind::Other(Some("1")),
    },
    Column {
        tag: PR_PARENT_ENTRYID,
        sql: "",
        kind: Kind::Other(Some("1")),
    },
    Column {
        tag: PR_RECORD_KEY,
        sql: "",
        kind: Kind::Other(Some("1")),
    },
    Column {
        tag: PR_SEARCH_KEY,
        sql: "",
        kind: Kind::Other(Some("1")),
    },
    Column {
        tag: PR_INSTANCE_KEY,
        sql: "",
        kind: Kind::Other(Some("1")),
    },
    Column {
        tag: PR_INTERNET_MESSAGE_ID,
        sql: "",
        kind: Kind::Other(Some("(message_id IS NOT NULL)")),
    },
];

fn column(tag: PropTag) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.tag.id() == tag.id())
}

/// Registers the functions the conditions call (`mapi_content`, `mapi_filetime`).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("mapi_content", 4, flags, |ctx| {
        let s: Option<String> = ctx.get(0)?;
        let text: String = ctx.get(1)?;
        let how = match ctx.get::<i64>(2)? {
            0 => ContentMatch::Full,
            1 => ContentMatch::Substring,
            _ => ContentMatch::Prefix,
        };
        let ignore_case = ctx.get::<i64>(3)? != 0;
        Ok(s.is_some_and(|s| content_matches(&s, &text, how, ignore_case)))
    })?;
    conn.create_scalar_function("mapi_filetime", 1, flags, |ctx| {
        let t: Option<i64> = ctx.get(0)?;
        // as `PropValue::as_i64` sees the PT_SYSTIME
        Ok(t.map(|t| filetime_from_unix(t) as i64))
    })
}

fn how_code(how: ContentMatch) -> i64 {
    match how {
        ContentMatch::Full => 0,
        ContentMatch::Substring => 1,
        ContentMatch::Prefix => 2,
    }
}

fn relop_sql(op: Relop) -> Option<&'static str> {
    Some(match op {
        Relop::Lt => "<",
        Relop::Le => "<=",
        Relop::Gt => ">",
        Relop::Ge => ">=",
        Relop::Eq => "=",
        Relop::Ne => "<>",
        Relop::Re => return None,
    })
}

fn constant(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

/// The condition "the property is present", for a column.
fn present(c: &Column) -> &'static str {
    match c.kind {
        Kind::Text | Kind::Time => match c.tag.id() {
            id if id == PR_MESSAGE_DELIVERY_TIME.id() => "(delivery_time IS NOT NULL)",
            id if id == PR_SUBJECT.id() => "(subject IS NOT NULL)",
            id if id == PR_SENDER_NAME.id() => "(sender_name IS NOT NULL)",
            id if id == PR_SENDER_EMAIL_ADDRESS.id() => "(sender_email IS NOT NULL)",
            _ => "(display_to IS NOT NULL)",
        },
        Kind::Other(Some(p)) => p,
        Kind::Int | Kind::Bool | Kind::Class | Kind::Other(None) => "1",
    }
}

/// A value of the column's type, to ask `compare` whether two types compare at all.
fn sample(c: &Column) -> Option<PropValue> {
    Some(match c.kind {
        Kind::Text | Kind::Class => PropValue::Unicode(String::new()),
        Kind::Int => PropValue::Long(0),
        Kind::Time => PropValue::SysTime(0),
        Kind::Bool => PropValue::Boolean(false),
        Kind::Other(_) => return None,
    })
}

/// The most expression depth a `WHERE` built here may reach (SQLite refuses trees
/// deeper than 1,000; a list of n terms joined by AND or OR is n deep).
pub(crate) const MAX_SQL_DEPTH: usize = 400;

/// An upper bound of the expression depth of `r`'s translation (`r` has passed
/// `Restriction::check`, so this recursion is bounded).
pub(crate) fn sql_depth(r: &Restriction) -> usize {
    match r {
        Restriction::And(rs) | Restriction::Or(rs) => {
            rs.len() + rs.iter().map(sql_depth).max().unwrap_or(0)
        }
        Restriction::Not(r) => 1 + sql_depth(r),
        Restriction::Comment {
            restriction: Some(r),
            ..
        } => sql_depth(r),
        _ => 4,
    }
}

/// SQL meaning the same as `r` on a cached contents row, or `None` when it must be
/// evaluated in Rust (also when its translation would be deeper than
/// [`MAX_SQL_DEPTH`]). Parameters are appended to `params` only on success.
pub(crate) fn to_sql(r: &Restriction, params: &mut Vec<Value>) -> Option<String> {
    if sql_depth(r) > MAX_SQL_DEPTH {
        return None;
    }
    let mut local = Vec::new();
    let sql = inner(r, &mut local)?;
    params.extend(local);
    Some(sql)
}

fn inner(r: &Restriction, p: &mut Vec<Value>) -> Option<String> {
    Some(match r {
        Restriction::And(rs) | Restriction::Or(rs) => {
            let (join, empty) = match r {
                Restriction::And(_) => (" AND ", "1"),
                _ => (" OR ", "0"),
            };
            if rs.is_empty() {
                return Some(empty.to_string());
            }
            let parts: Option<Vec<String>> = rs.iter().map(|c| inner(c, p)).collect();
            format!("({})", parts?.join(join))
        }
        Restriction::Not(r) => format!("(NOT {})", inner(r, p)?),
        Restriction::Exist(tag) => match column(*tag) {
            None => constant(false),
            Some(c) => present(c).to_string(),
        },
        Restriction::Property { op, tag, value } => {
            let Some(c) = column(*tag) else {
                return Some(constant(false));
            };
            let sample = sample(c)?;
            if mapi_types::table::compare(&sample, value).is_none() {
                // present values compare with nothing of this type: only RELOP_NE holds
                return Some(if *op == Relop::Ne {
                    present(c).to_string()
                } else {
                    constant(false)
                });
            }
            let sop = relop_sql(*op)?;
            match (c.kind, value) {
                (Kind::Class, v) => {
                    constant(relate(*op, &PropValue::Unicode(MESSAGE_CLASS.into()), v))
                }
                (Kind::Int | Kind::Time, v) => {
                    p.push(Value::Integer(v.as_i64()?));
                    format!("({} AND {} {sop} ?)", present(c), c.sql)
                }
                (Kind::Bool, PropValue::Boolean(b)) => {
                    p.push(Value::Integer(*b as i64));
                    format!("({} {sop} ?)", c.sql)
                }
                // equal strings are equal byte for byte (`compare` breaks ties by bytes)
                (Kind::Text, PropValue::Unicode(s) | PropValue::String8(s))
                    if matches!(op, Relop::Eq | Relop::Ne) =>
                {
                    p.push(Value::Text(s.clone()));
                    format!("({} AND {} {sop} ?)", present(c), c.sql)
                }
                _ => return None,
            }
        }
        Restriction::BitMask { tag, mask, nonzero } => match column(*tag) {
            // the mask keeps only the low 32 bits, as `v as u32 & mask` does
            Some(c) if matches!(c.kind, Kind::Int | Kind::Time) => format!(
                "({} AND ({} & {mask}) {} 0)",
                present(c),
                c.sql,
                if *nonzero { "<>" } else { "=" }
            ),
            Some(c) if matches!(c.kind, Kind::Other(_)) => return None,
            // no integer value: the row fails
            _ => constant(false),
        },
        Restriction::Size { op, tag, size } => match column(*tag) {
            None => constant(false),
            Some(c) => {
                let width = match c.kind {
                    Kind::Int => 4,
                    Kind::Time => 8,
                    Kind::Bool => 2,
                    Kind::Class => value_size(&PropValue::Unicode(MESSAGE_CLASS.into())),
                    Kind::Text | Kind::Other(_) => return None,
                };
                if op.holds(width.cmp(&(*size as usize))) {
                    present(c).to_string()
                } else {
                    constant(false)
                }
            }
        },
        Restriction::Content {
            tag,
            text,
            how,
            ignore_case,
        } => match column(*tag) {
            Some(c) if c.kind == Kind::Class => {
                constant(content_matches(MESSAGE_CLASS, text, *how, *ignore_case))
            }
            Some(c) if c.kind == Kind::Text => {
                p.push(Value::Text(text.clone()));
                format!(
                    "({} AND mapi_content({}, ?, {}, {}))",
                    present(c),
                    c.sql,
                    how_code(*how),
                    *ignore_case as i64
                )
            }
            Some(c) if c.tag.id() == PR_INTERNET_MESSAGE_ID.id() => return None,
            // no string value: the row fails
            _ => constant(false),
        },
        Restriction::Comment { restriction, .. } => match restriction {
            Some(r) => inner(r, p)?,
            None => constant(true),
        },
        Restriction::CompareProps { .. } | Restriction::Sub { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(r: &Restriction) -> Option<String> {
        to_sql(r, &mut Vec::new())
    }

    #[test]
    fn what_goes_to_sql_and_what_stays_in_rust() {
        let content = Restriction::Content {
            tag: PR_SUBJECT,
            text: "invoice".into(),
            how: ContentMatch::Substring,
            ignore_case: true,
        };
        assert!(sql(&content).is_some());
        assert!(sql(&Restriction::Not(Box::new(content.clone()))).is_some());
        assert!(
            sql(&Restriction::BitMask {
                tag: PR_MESSAGE_FLAGS,
                mask: 1,
                nonzero: false
            })
            .is_some()
        );
        assert!(sql(&Restriction::Exist(PR_SENDER_NAME)).is_some());
        // string order and entry ids stay in Rust
        assert!(
            sql(&Restriction::Property {
                op: Relop::Lt,
                tag: PR_SUBJECT,
                value: PropValue::Unicode("m".into())
            })
            .is_none()
        );
        assert!(
            sql(&Restriction::Property {
                op: Relop::Eq,
                tag: PR_ENTRYID,
                value: PropValue::Binary(vec![1])
            })
            .is_none()
        );
        assert!(
            sql(&Restriction::Or(vec![
                content,
                Restriction::CompareProps {
                    op: Relop::Eq,
                    left: PR_SUBJECT,
                    right: PR_DISPLAY_TO
                }
            ]))
            .is_none()
        );
    }
}
