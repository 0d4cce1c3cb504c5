//! IMAP wire format: responses with their literals, classification, a tokenizer for
//! data responses, quoting, modified UTF-7 and INTERNALDATE.

/// A piece of a response: a line's text, or a literal's bytes.
#[derive(Debug)]
pub enum Part {
    /// Text of a line (without CRLF), ending in `{n}` when a literal follows.
    Text(Vec<u8>),
    /// The bytes of a literal.
    Lit(Vec<u8>),
}

/// One response, literals included.
#[derive(Debug)]
pub struct Raw(pub Vec<Part>);

impl Raw {
    /// The first line.
    pub fn head(&self) -> &[u8] {
        match self.0.first() {
            Some(Part::Text(t)) => t,
            _ => b"",
        }
    }
}

/// Status of a status response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    /// OK.
    Ok,
    /// NO.
    No,
    /// BAD.
    Bad,
    /// BYE (untagged only).
    Bye,
    /// PREAUTH (greeting only).
    PreAuth,
}

/// A classified response.
#[derive(Debug)]
pub enum Response {
    /// `tag OK/NO/BAD` or `* OK/NO/BAD/BYE/PREAUTH`, with its `[code]` and text.
    Status {
        /// The tag; `None` for untagged.
        tag: Option<String>,
        /// The condition.
        cond: Cond,
        /// The response code inside the brackets, when present.
        code: Option<String>,
        /// The human-readable text.
        text: String,
    },
    /// `+ ...`: the server waits for a literal.
    Continue,
    /// An untagged data response (`* 3 EXISTS`, `* LIST ...`, `* 1 FETCH ...`).
    Data(Raw),
}

impl Response {
    /// Bytes it holds (for the bound on held responses).
    pub fn size(&self) -> usize {
        match self {
            Response::Status { code, text, .. } => {
                code.as_ref().map_or(0, String::len) + text.len() + 16
            }
            Response::Continue => 16,
            Response::Data(raw) => {
                raw.0
                    .iter()
                    .map(|p| match p {
                        Part::Text(t) | Part::Lit(t) => t.len(),
                    })
                    .sum::<usize>()
                    + 16
            }
        }
    }
}

/// Deepest nesting of parenthesised lists accepted in a response.
pub const MAX_DEPTH: usize = 64;

/// A number as IMAP writes it (digits only), at most 64 bits; `None` otherwise.
pub fn parse_number(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A UID set (`1:5,7,9:12`) as sorted-in-each ranges, without expanding them; `None`
/// when it is not one (`*` is not allowed in a server's set).
pub fn parse_uid_set(s: &str) -> Option<Vec<(u32, u32)>> {
    let num = |t: &str| -> Option<u32> {
        let n = u32::try_from(parse_number(t)?).ok()?;
        (n != 0).then_some(n)
    };
    s.split(',')
        .map(|part| match part.split_once(':') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                Some((a.min(b), a.max(b)))
            }
            None => num(part).map(|n| (n, n)),
        })
        .collect()
}

/// Whether a line's last space-separated word is `word` (any case).
pub fn ends_with_word(line: &[u8], word: &[u8]) -> bool {
    line.len() > word.len()
        && line[line.len() - word.len() - 1] == b' '
        && line[line.len() - word.len()..].eq_ignore_ascii_case(word)
}

/// Server text for an error message: quoted, control characters escaped, at most 40
/// characters.
pub fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(40).flat_map(char::escape_debug).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    format!("\"{out}\"")
}

/// Length of a literal announced at the end of a line (`{123}` or `{123+}`).
pub fn literal_len(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    let digits = &body[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 12 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Classifies a response.
pub fn classify(raw: Raw) -> Response {
    let head = raw.head();
    if head.starts_with(b"+") {
        return Response::Continue;
    }
    // `* 12 FETCH ...`, `* 3 EXISTS`: numbered data, never a status (the common case
    // of a download, decided without converting the line)
    if head.starts_with(b"* ") && head.get(2).is_some_and(u8::is_ascii_digit) {
        return Response::Data(raw);
    }
    let text = String::from_utf8_lossy(head);
    let (tag, rest) = match text.split_once(' ') {
        Some((t, r)) => (t.to_string(), r),
        None => return Response::Data(raw),
    };
    let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
    let cond = match word.to_ascii_uppercase().as_str() {
        "OK" => Cond::Ok,
        "NO" => Cond::No,
        "BAD" => Cond::Bad,
        "BYE" if tag == "*" => Cond::Bye,
        "PREAUTH" if tag == "*" => Cond::PreAuth,
        _ => return Response::Data(raw),
    };
    let (code, text) = match after.strip_prefix('[').and_then(|s| s.split_once(']')) {
        Some((code, text)) => (Some(code.to_string()), text.trim_start().to_string()),
        None => (None, after.to_string()),
    };
    Response::Status {
        tag: (tag != "*").then_some(tag),
        cond,
        code,
        text,
    }
}

/// A token of a data response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// An atom or number (`FLAGS`, `\Seen`, `12`, `BODY[]`).
    Atom(String),
    /// A quoted string or literal.
    Str(Vec<u8>),
    /// `NIL`.
    Nil,
    /// A parenthesised list.
    List(Vec<Tok>),
}

impl Tok {
    /// The atom's text.
    pub fn atom(&self) -> Option<&str> {
        match self {
            Tok::Atom(a) => Some(a),
            _ => None,
        }
    }
    /// A number.
    pub fn num(&self) -> Option<u64> {
        self.atom()?.parse().ok()
    }
    /// Bytes of a string, literal or atom.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Tok::Str(b) => Some(b),
            Tok::Atom(a) => Some(a.as_bytes()),
            _ => None,
        }
    }
    /// Consumes a string/literal token into its bytes.
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        match self {
            Tok::Str(b) => Some(b),
            Tok::Atom(a) => Some(a.into_bytes()),
            _ => None,
        }
    }
}

struct Cursor<'a> {
    parts: &'a mut [Part],
    part: usize,
    pos: usize,
    depth: usize,
}

impl Cursor<'_> {
    fn text(&self) -> &[u8] {
        match self.parts.get(self.part) {
            Some(Part::Text(t)) => &t[self.pos.min(t.len())..],
            _ => b"",
        }
    }
    fn peek(&self) -> Option<u8> {
        self.text().first().copied()
    }
    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }
    fn token(&mut self) -> Result<Option<Tok>, String> {
        self.skip_spaces();
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        match c {
            b'(' => {
                if self.depth >= MAX_DEPTH {
                    return Err(format!("lists nested deeper than {MAX_DEPTH}"));
                }
                self.depth += 1;
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_spaces();
                    match self.peek() {
                        Some(b')') => {
                            self.pos += 1;
                            self.depth -= 1;
                            return Ok(Some(Tok::List(items)));
                        }
                        None => return Err("unterminated list".into()),
                        _ => match self.token()? {
                            Some(t) => items.push(t),
                            None => return Err("unterminated list".into()),
                        },
                    }
                }
            }
            b')' => Err("unexpected ')'".into()),
            b'"' => {
                self.pos += 1;
                let mut out = Vec::new();
                loop {
                    let Some(c) = self.peek() else {
                        return Err("unterminated quoted string".into());
                    };
                    self.pos += 1;
                    match c {
                        b'"' => return Ok(Some(Tok::Str(out))),
                        b'\\' => {
                            let Some(n) = self.peek() else {
                                return Err("bad escape".into());
                            };
                            self.pos += 1;
                            out.push(n);
                        }
                        _ => out.push(c),
                    }
                }
            }
            b'{' => {
                let rest = self.text();
                if literal_len(rest).is_none() {
                    return Err("bad literal marker".into());
                }
                self.part += 1;
                self.pos = 0;
                let lit = match self.parts.get_mut(self.part) {
                    Some(Part::Lit(b)) => std::mem::take(b),
                    _ => return Err("literal missing".into()),
                };
                self.part += 1;
                Ok(Some(Tok::Str(lit)))
            }
            _ => {
                let rest = self.text();
                let mut end = 0;
                let mut depth = 0usize;
                while end < rest.len() {
                    match rest[end] {
                        b'[' => depth += 1,
                        b']' => depth = depth.saturating_sub(1),
                        b' ' | b')' | b'(' if depth == 0 => break,
                        _ => {}
                    }
                    end += 1;
                }
                let word = String::from_utf8_lossy(&rest[..end]).into_owned();
                self.pos += end;
                if word.eq_ignore_ascii_case("NIL") {
                    Ok(Some(Tok::Nil))
                } else {
                    Ok(Some(Tok::Atom(word)))
                }
            }
        }
    }
}

/// Tokenizes a data response from byte `start` of its first line to the end.
pub fn tokenize(raw: &mut Raw, start: usize) -> Result<Vec<Tok>, String> {
    let mut cur = Cursor {
        parts: &mut raw.0,
        part: 0,
        pos: start,
        depth: 0,
    };
    let mut out = Vec::new();
    while let Some(t) = cur.token()? {
        out.push(t);
    }
    if cur.part < cur.parts.len().saturating_sub(1) {
        return Err("trailing data".into());
    }
    Ok(out)
}

/// An IMAP astring argument: an atom or quoted string when possible, `None` when it
/// needs a literal (line breaks, NUL, 8-bit).
pub fn quote(s: &[u8]) -> Option<String> {
    if s.iter()
        .any(|&b| b == b'\r' || b == b'\n' || b == 0 || b >= 0x80)
    {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push('\\');
        }
        out.push(b as char);
    }
    out.push('"');
    Some(out)
}

/// Decodes a modified-UTF-7 mailbox name (RFC 3501 §5.1.3); bad input is kept as is.
pub fn decode_mutf7(name: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < name.len() {
        if name[i] == b'&' {
            let Some(len) = name[i + 1..].iter().position(|&b| b == b'-') else {
                out.push_str(&String::from_utf8_lossy(&name[i..]));
                break;
            };
            let chunk = &name[i + 1..i + 1 + len];
            if chunk.is_empty() {
                out.push('&');
            } else {
                let mut bits = 0u32;
                let mut nbits = 0;
                let mut units = Vec::new();
                for &c in chunk {
                    let v = match c {
                        b'A'..=b'Z' => c - b'A',
                        b'a'..=b'z' => c - b'a' + 26,
                        b'0'..=b'9' => c - b'0' + 52,
                        b'+' => 62,
                        b',' => 63,
                        _ => 0,
                    };
                    bits = (bits << 6) | v as u32;
                    nbits += 6;
                    if nbits >= 16 {
                        nbits -= 16;
                        units.push((bits >> nbits) as u16);
                        bits &= (1 << nbits) - 1;
                    }
                }
                out.push_str(&String::from_utf16_lossy(&units));
            }
            i += len + 2;
        } else {
            out.push(name[i] as char);
            i += 1;
        }
    }
    out
}

/// Seconds since the Unix epoch of an INTERNALDATE (`17-Jul-1996 02:44:25 -0700`).
pub fn parse_internaldate(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, rest) = s.split_once(' ')?;
    let (time, zone) = rest.split_once(' ')?;
    let mut d = date.split('-');
    let day: i64 = d.next()?.trim().parse().ok()?;
    let mon = d.next()?;
    let year: i64 = d.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i64 + 1;
    let mut t = time.split(':');
    let (h, m, sec): (i64, i64, i64) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    let z = zone.as_bytes();
    if z.len() != 5 || !z[1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sign = match z[0] {
        b'-' => -1,
        b'+' => 1,
        _ => return None,
    };
    let zh = i64::from(z[1] - b'0') * 10 + i64::from(z[2] - b'0');
    let zm = i64::from(z[3] - b'0') * 10 + i64::from(z[4] - b'0');
    if !(1..=31).contains(&day)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&m)
        || !(0..=60).contains(&sec)
        || !(1..=9999).contains(&year)
    {
        return None;
    }
    // days from civil (Howard Hinnant's algorithm)
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + sec - sign * (zh * 3600 + zm * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(parts: &[&[u8]]) -> Raw {
        Raw(parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i % 2 == 0 {
                    Part::Text(p.to_vec())
                } else {
                    Part::Lit(p.to_vec())
                }
            })
            .collect())
    }

    #[test]
    fn fetch_with_literal_tokenizes() {
        let mut r = raw(&[
            b"* 3 FETCH (UID 7 FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" BODY[] {5}",
            b"hello",
            b")",
        ]);
        let toks = tokenize(&mut r, 10).unwrap();
        let Tok::List(items) = &toks[0] else { panic!() };
        assert_eq!(items[0], Tok::Atom("UID".into()));
        assert_eq!(items[1].num(), Some(7));
        assert_eq!(items[3], Tok::List(vec![Tok::Atom("\\Seen".into())]));
        assert_eq!(items[6], Tok::Atom("BODY[]".into()));
        assert_eq!(items[7], Tok::Str(b"hello".to_vec()));
    }

    #[test]
    fn status_codes_and_classes() {
        match classify(raw(&[b"A1 OK [APPENDUID 5 9] done"])) {
            Response::Status {
                tag,
                cond,
                code,
                text,
            } => {
                assert_eq!(
                    (tag.as_deref(), cond, code.as_deref(), text.as_str()),
                    (Some("A1"), Cond::Ok, Some("APPENDUID 5 9"), "done")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(raw(&[b"* BYE bye"])),
            Response::Status {
                cond: Cond::Bye,
                tag: None,
                ..
            }
        ));
        assert!(matches!(classify(raw(&[b"* 4 EXISTS"])), Response::Data(_)));
        assert!(matches!(classify(raw(&[b"+ go"])), Response::Continue));
        assert_eq!(literal_len(b"x {12}"), Some(12));
        assert_eq!(literal_len(b"x {12+}"), Some(12));
        assert_eq!(literal_len(b"x {}"), None);
        let mut bad = raw(&[b"* LIST (\\X \"/\" a"]);
        assert!(tokenize(&mut bad, 7).is_err());
    }

    #[test]
    fn quoting_mutf7_and_dates() {
        assert_eq!(quote(b"a\"b").as_deref(), Some("\"a\\\"b\""));
        assert_eq!(quote("pä".as_bytes()), None);
        assert_eq!(decode_mutf7(b"Entw&APw-rfe"), "Entwürfe");
        assert_eq!(decode_mutf7(b"A&-B"), "A&B");
        assert_eq!(parse_internaldate("01-Jan-1970 00:00:00 +0000"), Some(0));
        assert_eq!(
            parse_internaldate("17-Jul-1996 02:44:25 -0700"),
            Some(837_596_665)
        );
        assert_eq!(
            parse_internaldate(" 1-Mar-2000 12:00:00 +0100"),
            Some(951_908_400)
        );
        assert_eq!(parse_internaldate("garbage"), None);
        // a multibyte zone never panics
        assert_eq!(parse_internaldate("17-Jul-1996 02:44:25 -ä00"), None);
        assert_eq!(parse_internaldate("17-Jul-1996 02:44:25 äääää"), None);
        assert_eq!(parse_internaldate("17-Jul-1996 99:44:25 +0000"), None);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut line = b"* LIST ".to_vec();
        line.extend(std::iter::repeat_n(b'(', 200_000));
        let mut r = raw(&[&line]);
        let e = tokenize(&mut r, 7).unwrap_err();
        assert!(e.contains("nested deeper"), "{e}");
        let mut ok = b"* X ".to_vec();
        ok.extend(std::iter::repeat_n(b'(', MAX_DEPTH));
        ok.extend(std::iter::repeat_n(b')', MAX_DEPTH));
        assert!(tokenize(&mut raw(&[&ok]), 4).is_ok());
    }

    #[test]
    fn replay_reads_as_the_client_does() {
        use super::super::{Limits, replay};
        let limits = Limits::new(std::time::Duration::from_secs(5));
        let ok = b"* OK hi\r\n* 1 FETCH (UID 3 BODY[] {2}\r\nab)\r\nA1 OK done\r\n";
        let (n, e) = replay(ok, limits);
        assert_eq!(n, 3);
        assert!(e.is_none(), "{e:?}");
        let (_, e) = replay(b"* 1 FETCH (UID 4294967297)\r\n", limits);
        assert!(e.unwrap().to_string().contains("32-bit"));
        let small = Limits {
            literal: 4,
            ..limits
        };
        let (_, e) = replay(b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n", small);
        assert!(e.unwrap().to_string().contains("literal of 5 bytes"));
    }

    #[test]
    fn uid_sets_parse_without_expanding() {
        assert_eq!(
            parse_uid_set("1:3,7,9:8"),
            Some(vec![(1, 3), (7, 7), (8, 9)])
        );
        assert_eq!(parse_uid_set("1:4294967295"), Some(vec![(1, u32::MAX)]));
        assert_eq!(parse_uid_set("1:4294967296"), None);
        assert_eq!(parse_uid_set("0"), None);
        assert_eq!(parse_uid_set("1:*"), None);
        assert_eq!(parse_uid_set(""), None);
    }

    #[test]
    fn numbers_at_full_width() {
        assert_eq!(parse_number("4294967297"), Some(4_294_967_297));
        assert_eq!(parse_number("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_number("18446744073709551616"), None);
        assert_eq!(parse_number("-1"), None);
        assert_eq!(parse_number("+1"), None);
        assert_eq!(parse_number(""), None);
    }
}
