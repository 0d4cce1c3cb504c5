//! A small text syntax for restrictions and sort orders over the columns of a message
//! listing (`mapi store ls --where/--sort`), turned into [`Restriction`]s and
//! [`SortKey`]s the contents table evaluates (in SQL for the local store).
//!
//! # Columns
//! `entry_id` (hex), `subject`, `from` (sender name or address), `to`, `size` (bytes),
//! `delivery_time` (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`, UTC), `unread`.
//!
//! # Where
//! ```text
//! expr  := term ("or" term)*
//! term  := factor ("and" factor)*
//! factor:= "not" factor | "(" expr ")" | "unread" | COLUMN OP VALUE
//! OP    := "~"  substring, case ignored (text columns)
//!        | "="  equal (text: whole value, case ignored) | "!=" not equal
//!        | "<" | ">"  (size, delivery_time, subject, to)
//! VALUE := a word, or "a quoted string" with \" and \\ escapes
//! ```
//! Keywords are case-insensitive. Example: `subject~invoice and unread and size>10000`.
//! Anything malformed is `MAPI_E_INVALID_PARAMETER` naming the position (1-based
//! character) where it went wrong. Input is bounded: at most [`MAX_WHERE_LEN`]
//! characters and [`MAX_WHERE_DEPTH`] nested `not`s or parentheses.
//!
//! # Sort
//! Comma-separated columns, each ascending or with a trailing `-` descending:
//! `delivery_time-`, `from,size-`.

use mapi_engine::{EngineError, Result};
use mapi_types::tags::*;
use mapi_types::{ContentMatch, PropTag, PropValue, Relop, Restriction, SortKey};

/// Longest `--where` text, in characters.
pub const MAX_WHERE_LEN: usize = 4096;
/// Deepest nesting of `not` and parentheses.
pub const MAX_WHERE_DEPTH: usize = 16;
/// `MSGFLAG_READ`.
const MSGFLAG_READ: u32 = 0x1;

/// The listing columns, as their JSON keys.
pub const COLUMNS: [&str; 7] = [
    "entry_id",
    "subject",
    "from",
    "to",
    "size",
    "delivery_time",
    "unread",
];

fn bad(pos: usize, what: impl std::fmt::Display) -> EngineError {
    EngineError::InvalidParameter(format!("at position {pos}: {what}"))
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Op(&'static str),
    Open,
    Close,
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_WHERE_LEN {
        return Err(bad(
            MAX_WHERE_LEN + 1,
            format!("the expression is longer than {MAX_WHERE_LEN} characters"),
        ));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push((pos, Tok::Open));
                i += 1;
            }
            ')' => {
                out.push((pos, Tok::Close));
                i += 1;
            }
            '~' | '=' | '<' | '>' => {
                let op = match c {
                    '~' => "~",
                    '=' => "=",
                    '<' => "<",
                    _ => ">",
                };
                out.push((pos, Tok::Op(op)));
                i += 1;
            }
            '!' => {
                if chars.get(i + 1) == Some(&'=') {
                    out.push((pos, Tok::Op("!=")));
                    i += 2;
                } else {
                    return Err(bad(pos, "\"!\" must be followed by \"=\""));
                }
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(bad(pos, "unterminated quoted string")),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => match chars.get(i + 1) {
                            Some(e @ ('"' | '\\')) => {
                                s.push(*e);
                                i += 2;
                            }
                            _ => return Err(bad(i + 1, "only \\\" and \\\\ may follow \\")),
                        },
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push((pos, Tok::Quoted(s)));
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(chars[i], '(' | ')' | '~' | '=' | '<' | '>' | '!' | '"')
                {
                    i += 1;
                }
                out.push((pos, Tok::Word(chars[start..i].iter().collect())));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(_, t)| t)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |(p, _)| *p)
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
    }

    fn expr(&mut self, depth: usize) -> Result<Restriction> {
        let mut parts = vec![self.term(depth)?];
        while self.keyword("or") {
            self.at += 1;
            parts.push(self.term(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Restriction::Or(parts)
        })
    }

    fn term(&mut self, depth: usize) -> Result<Restriction> {
        let mut parts = vec![self.factor(depth)?];
        while self.keyword("and") {
            self.at += 1;
            parts.push(self.factor(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Restriction::And(parts)
        })
    }

    fn factor(&mut self, depth: usize) -> Result<Restriction> {
        let pos = self.pos();
        if depth >= MAX_WHERE_DEPTH {
            return Err(bad(
                pos,
                format!("more than {MAX_WHERE_DEPTH} nested \"not\"s or parentheses"),
            ));
        }
        match self.peek().cloned() {
            None => Err(bad(
                pos,
                "the expression ends where a condition was expected",
            )),
            Some(Tok::Open) => {
                self.at += 1;
                let inner = self.expr(depth + 1)?;
                match self.peek() {
                    Some(Tok::Close) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err(bad(
                        self.pos(),
                        format!("\")\" expected to close \"(\" at {pos}"),
                    )),
                }
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") => {
                self.at += 1;
                Ok(Restriction::Not(Box::new(self.factor(depth + 1)?)))
            }
            Some(Tok::Word(w))
                if w.eq_ignore_ascii_case("unread")
                    && !matches!(self.toks.get(self.at + 1), Some((_, Tok::Op(_)))) =>
            {
                self.at += 1;
                Ok(unread())
            }
            Some(Tok::Word(w)) => {
                self.at += 1;
                let column = w.to_ascii_lowercase();
                if !COLUMNS.contains(&column.as_str()) {
                    return Err(bad(
                        pos,
                        format!("unknown column \"{w}\" (columns: {})", COLUMNS.join(", ")),
                    ));
                }
                let op_pos = self.pos();
                let op = match self.peek() {
                    Some(Tok::Op(op)) => *op,
                    _ => {
                        return Err(bad(
                            op_pos,
                            format!("an operator (~ = != < >) expected after \"{w}\""),
                        ));
                    }
                };
                self.at += 1;
                let value_pos = self.pos();
                let value = match self.peek() {
                    Some(Tok::Word(v) | Tok::Quoted(v)) => v.clone(),
                    _ => return Err(bad(value_pos, format!("a value expected after \"{op}\""))),
                };
                self.at += 1;
                condition(&column, op, &value, op_pos, value_pos)
            }
            Some(Tok::Close) => Err(bad(pos, "unexpected \")\"")),
            Some(Tok::Op(op)) => Err(bad(
                pos,
                format!("unexpected \"{op}\": a column comes first"),
            )),
            Some(Tok::Quoted(_)) => Err(bad(pos, "unexpected string: a column comes first")),
        }
    }
}

fn unread() -> Restriction {
    Restriction::BitMask {
        tag: PR_MESSAGE_FLAGS,
        mask: MSGFLAG_READ,
        nonzero: false,
    }
}

fn text_condition(tag: PropTag, op: &str, value: &str) -> Restriction {
    let content = |how| Restriction::Content {
        tag,
        text: value.to_string(),
        how,
        ignore_case: true,
    };
    match op {
        "~" => content(ContentMatch::Substring),
        "=" => content(ContentMatch::Full),
        "!=" => Restriction::Not(Box::new(content(ContentMatch::Full))),
        "<" => Restriction::Property {
            op: Relop::Lt,
            tag,
            value: PropValue::Unicode(value.to_string()),
        },
        _ => Restriction::Property {
            op: Relop::Gt,
            tag,
            value: PropValue::Unicode(value.to_string()),
        },
    }
}

fn relop(op: &str) -> Relop {
    match op {
        "=" => Relop::Eq,
        "!=" => Relop::Ne,
        "<" => Relop::Lt,
        _ => Relop::Gt,
    }
}

fn condition(
    column: &str,
    op: &str,
    value: &str,
    op_pos: usize,
    value_pos: usize,
) -> Result<Restriction> {
    Ok(match column {
        "subject" => text_condition(PR_SUBJECT, op, value),
        "to" => text_condition(PR_DISPLAY_TO, op, value),
        "from" => {
            if matches!(op, "<" | ">") {
                return Err(bad(op_pos, "\"from\" takes ~, = or !="));
            }
            let either = |op| {
                Restriction::Or(vec![
                    text_condition(PR_SENDER_NAME, op, value),
                    text_condition(PR_SENDER_EMAIL_ADDRESS, op, value),
                ])
            };
            match op {
                "!=" => Restriction::Not(Box::new(either("="))),
                op => either(op),
            }
        }
        "size" => {
            if op == "~" {
                return Err(bad(op_pos, "\"size\" takes =, !=, < or >"));
            }
            let n: i32 = value
                .parse()
                .map_err(|_| bad(value_pos, format!("\"{value}\" is not a size in bytes")))?;
            Restriction::Property {
                op: relop(op),
                tag: PR_MESSAGE_SIZE,
                value: PropValue::Long(n),
            }
        }
        "delivery_time" => {
            if op == "~" {
                return Err(bad(op_pos, "\"delivery_time\" takes =, !=, < or >"));
            }
            let secs = parse_time(value).ok_or_else(|| {
                bad(
                    value_pos,
                    format!("\"{value}\" is not a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)"),
                )
            })?;
            Restriction::Property {
                op: relop(op),
                tag: PR_MESSAGE_DELIVERY_TIME,
                value: PropValue::SysTime(mapi_types::filetime_from_unix(secs)),
            }
        }
        "entry_id" => {
            if !matches!(op, "=" | "!=") {
                return Err(bad(op_pos, "\"entry_id\" takes = or !="));
            }
            let bytes = mapi_types::hex::decode(value)
                .ok_or_else(|| bad(value_pos, format!("\"{value}\" is not hex")))?;
            Restriction::Property {
                op: relop(op),
                tag: PR_ENTRYID,
                value: PropValue::Binary(bytes),
            }
        }
        // "unread" as a column: unread=true / unread=false.
        _ => {
            let want = match value.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" => false,
                _ => return Err(bad(value_pos, format!("\"{value}\" is not true or false"))),
            };
            let is = match op {
                "=" => want,
                "!=" => !want,
                _ => return Err(bad(op_pos, "\"unread\" takes = or != (or stands alone)")),
            };
            if is {
                unread()
            } else {
                Restriction::Not(Box::new(unread()))
            }
        }
    })
}

/// Parses a `--where` expression.
pub fn parse_where(text: &str) -> Result<Restriction> {
    let toks = lex(text)?;
    let end = text.chars().count() + 1;
    if toks.is_empty() {
        return Err(bad(1, "the expression is empty"));
    }
    let mut p = Parser { toks, at: 0, end };
    let r = p.expr(0)?;
    if p.at < p.toks.len() {
        return Err(bad(p.pos(), "\"and\", \"or\" or the end expected"));
    }
    Ok(r)
}

/// Parses a `--sort` list: `col`, `col-` (descending), comma-separated.
pub fn parse_sort(text: &str) -> Result<Vec<SortKey>> {
    let mut keys = Vec::new();
    let mut pos = 1;
    for part in text.split(',') {
        let word = part.trim();
        let at = pos + (part.len() - part.trim_start().len());
        pos += part.chars().count() + 1;
        let (name, descending) = match word.strip_suffix('-') {
            Some(n) => (n, true),
            None => (word, false),
        };
        let tags: &[PropTag] = match name.to_ascii_lowercase().as_str() {
            "entry_id" => &[PR_ENTRYID],
            "subject" => &[PR_SUBJECT],
            "from" => &[PR_SENDER_NAME, PR_SENDER_EMAIL_ADDRESS],
            "to" => &[PR_DISPLAY_TO],
            "size" => &[PR_MESSAGE_SIZE],
            "delivery_time" => &[PR_MESSAGE_DELIVERY_TIME],
            // Unread (PR_READ false) sorts after read when ascending: false < true.
            "unread" => {
                keys.push(SortKey {
                    tag: PR_READ,
                    descending: !descending,
                });
                continue;
            }
            "" => return Err(bad(at, "a column name expected")),
            _ => {
                return Err(bad(
                    at,
                    format!(
                        "unknown column \"{name}\" (columns: {})",
                        COLUMNS.join(", ")
                    ),
                ));
            }
        };
        keys.extend(tags.iter().map(|tag| SortKey {
            tag: *tag,
            descending,
        }));
    }
    Ok(keys)
}

/// Seconds since 1970 of `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
fn parse_time(text: &str) -> Option<i64> {
    let (date, time) = match text.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t.strip_suffix(['Z', 'z'])?)),
        None => (text, None),
    };
    let mut d = date.split('-');
    let (y, m, day) = (d.next()?, d.next()?, d.next()?);
    if d.next().is_some() || y.len() != 4 || m.len() != 2 || day.len() != 2 {
        return None;
    }
    let (y, m, day): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, day.parse().ok()?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1601..=9999).contains(&y) || !(1..=12).contains(&m) || day < 1 {
        return None;
    }
    if day > month_days[(m - 1) as usize] {
        return None;
    }
    let secs_of_day = match time {
        None => 0,
        Some(t) => {
            let mut it = t.split(':');
            let (h, mi, s) = (it.next()?, it.next()?, it.next()?);
            if it.next().is_some() || h.len() != 2 || mi.len() != 2 || s.len() != 2 {
                return None;
            }
            let (h, mi, s): (i64, i64, i64) = (h.parse().ok()?, mi.parse().ok()?, s.parse().ok()?);
            if h > 23 || mi > 59 || s > 59 {
                return None;
            }
            h * 3600 + mi * 60 + s
        }
    };
    // Days since 1970-01-01 of a civil date (the inverse of the CLI's formatting).
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + secs_of_day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::MapiStatus;

    fn err(text: &str) -> String {
        let e = parse_where(text).unwrap_err();
        assert_eq!(e.status(), mapi_types::Status::MAPI_E_INVALID_PARAMETER);
        e.to_string()
    }

    #[test]
    fn the_example_parses_to_what_it_says() {
        let r = parse_where("subject~invoice and unread and size>10000").unwrap();
        assert_eq!(
            r,
            Restriction::And(vec![
                Restriction::Content {
                    tag: PR_SUBJECT,
                    text: "invoice".into(),
                    how: ContentMatch::Substring,
                    ignore_case: true,
                },
                unread(),
                Restriction::Property {
                    op: Relop::Gt,
                    tag: PR_MESSAGE_SIZE,
                    value: PropValue::Long(10_000),
                },
            ])
        );
    }

    #[test]
    fn precedence_parentheses_not_and_quotes() {
        let a = parse_where("to=bob or subject~x and not unread").unwrap();
        assert!(
            matches!(&a, Restriction::Or(v) if v.len() == 2 && matches!(v[1], Restriction::And(_)))
        );
        let b = parse_where("(to=bob OR subject~x) AND NOT unread").unwrap();
        assert!(matches!(&b, Restriction::And(v) if matches!(v[0], Restriction::Or(_))));
        let q = parse_where(r#"subject="a \"b\" (c)""#).unwrap();
        assert!(matches!(&q, Restriction::Content { text, .. } if text == "a \"b\" (c)"));
        let t = parse_where("delivery_time>2024-01-31T12:00:00Z").unwrap();
        assert_eq!(
            t,
            Restriction::Property {
                op: Relop::Gt,
                tag: PR_MESSAGE_DELIVERY_TIME,
                value: PropValue::SysTime(mapi_types::filetime_from_unix(1_706_702_400)),
            }
        );
        assert_eq!(parse_time("1970-01-01"), Some(0));
        assert_eq!(parse_time("2000-03-01"), Some(951_868_800));
        assert_eq!(parse_time("2023-02-29"), None);
        assert!(parse_where("unread=false").is_ok());
        assert!(parse_where("from!=ann@example.org").is_ok());
    }

    #[test]
    fn malformed_expressions_name_the_position() {
        assert!(err("").contains("position 1"));
        assert!(
            err("subject~").contains("position 9"),
            "{}",
            err("subject~")
        );
        assert!(err("subjet~x").contains("position 1: unknown column"));
        assert!(err("subject~x and").contains("position 14"));
        assert!(err("(unread").contains("position 8"));
        assert!(err("unread)").contains("position 7"));
        assert!(err("size>big").contains("position 6"));
        assert!(err("size~1").contains("position 5"));
        assert!(err("subject ! x").contains("position 9"));
        assert!(err("subject=\"open").contains("position 9: unterminated"));
        assert!(err("unread unread").contains("position 8"));
        assert!(err("from<x").contains("position 5"));
        assert!(err("delivery_time>2024-13-01").contains("position 15"));
        let deep = format!("{}unread{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(err(&deep).contains("longer than"));
        let nested = format!("{}unread", "not ".repeat(40));
        assert!(err(&nested).contains("nested"));
    }

    #[test]
    fn sort_lists() {
        assert_eq!(
            parse_sort("delivery_time-").unwrap(),
            [SortKey::descending(PR_MESSAGE_DELIVERY_TIME)]
        );
        assert_eq!(
            parse_sort("from, size-").unwrap(),
            [
                SortKey::ascending(PR_SENDER_NAME),
                SortKey::ascending(PR_SENDER_EMAIL_ADDRESS),
                SortKey::descending(PR_MESSAGE_SIZE)
            ]
        );
        assert_eq!(
            parse_sort("unread").unwrap(),
            [SortKey::descending(PR_READ)]
        );
        let e = parse_sort("size,colour-").unwrap_err().to_string();
        assert!(e.contains("position 6") && e.contains("colour"), "{e}");
        assert!(
            parse_sort("")
                .unwrap_err()
                .to_string()
                .contains("position 1")
        );
    }
}
