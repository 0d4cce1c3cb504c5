//! The header block as bytes: where it ends, its fields, and RFC 5322 §2.2.3 unfolding.

/// The header block of a message: every byte up to the first empty line, the line
/// ending of the last field included and the empty line left out. A message without
/// an empty line is all header. Lines may end in CRLF or a bare LF.
pub fn header_block(raw: &[u8]) -> &[u8] {
    let mut line_start = 0;
    while line_start < raw.len() {
        let rest = &raw[line_start..];
        if rest.starts_with(b"\r\n") || rest.starts_with(b"\n") {
            return &raw[..line_start];
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(nl) => line_start += nl + 1,
            None => break,
        }
    }
    raw
}

/// RFC 5322 §2.2.3 unfolding: a line break (CRLF, or a bare LF) followed by a space or
/// a TAB is removed; the space or TAB stays. Nothing else changes.
pub fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let brk = match &value[i..] {
            [b'\r', b'\n', b' ' | b'\t', ..] => 2,
            [b'\n', b' ' | b'\t', ..] => 1,
            _ => 0,
        };
        if brk > 0 {
            i += brk;
            continue;
        }
        out.push(value[i]);
        i += 1;
    }
    out
}

/// Whether a field's raw value (as it stands in the message, its final line break
/// included or not) is folded over more than one line.
pub fn is_folded(value: &[u8]) -> bool {
    let body = value
        .strip_suffix(b"\r\n")
        .or_else(|| value.strip_suffix(b"\n"))
        .unwrap_or(value);
    body.contains(&b'\n')
}

/// The raw value of the last field named `name` (case ignored) in a header block,
/// after the colon and up to its end (folds included).
pub fn last_field<'a>(block: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let [found] = last_fields(block, [name]);
    found
}

/// [`last_field`] for each of `names`, in one pass over the block.
pub fn last_fields<'a, const N: usize>(block: &'a [u8], names: [&str; N]) -> [Option<&'a [u8]>; N] {
    let mut found = [None; N];
    let mut start = 0;
    while start < block.len() {
        // a field runs to the line break not followed by a space or TAB
        let mut end = start;
        loop {
            match block[end..].iter().position(|&b| b == b'\n') {
                Some(nl) => {
                    end += nl + 1;
                    if !matches!(block.get(end), Some(b' ' | b'\t')) {
                        break;
                    }
                }
                None => {
                    end = block.len();
                    break;
                }
            }
        }
        let field = &block[start..end];
        if let Some(colon) = field.iter().position(|&b| b == b':') {
            for (name, slot) in names.iter().zip(found.iter_mut()) {
                if field[..colon].eq_ignore_ascii_case(name.as_bytes()) {
                    *slot = Some(&field[colon + 1..]);
                }
            }
        }
        start = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ends_at_the_first_empty_line() {
        assert_eq!(
            header_block(b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\n"),
            b"A: 1\r\nB: 2\r\n"
        );
        assert_eq!(header_block(b"A: 1\nB: 2\n\nbody"), b"A: 1\nB: 2\n");
        assert_eq!(header_block(b"A: 1\r\n"), b"A: 1\r\n");
        assert_eq!(header_block(b"A: 1"), b"A: 1");
        assert_eq!(header_block(b"\r\nbody"), b"");
        assert_eq!(header_block(b""), b"");
        // a bare LF line earlier than a CRLF one ends the block there
        assert_eq!(header_block(b"A: 1\n\nB: 2\r\n\r\n"), b"A: 1\n");
    }

    #[test]
    fn unfolding_removes_only_the_line_break() {
        assert_eq!(unfold(b"Hello\r\n World"), b"Hello World");
        assert_eq!(unfold(b"Hello\r\n\tWorld"), b"Hello\tWorld");
        assert_eq!(unfold(b"Hello \r\n  World"), b"Hello   World");
        assert_eq!(unfold(b"a\n\tb"), b"a\tb");
        // a break not followed by white space is not a fold
        assert_eq!(unfold(b"a\r\nb"), b"a\r\nb");
        assert!(is_folded(b" a\r\n b\r\n"));
        assert!(!is_folded(b" a b\r\n"));
        assert!(!is_folded(b" a b"));
    }

    #[test]
    fn last_field_by_name() {
        let block = b"Subject: one\r\nX-Priority: 1\r\nsubject: two\r\n\tthree\r\nTo: a\r\n";
        assert_eq!(
            last_field(block, "SUBJECT"),
            Some(&b" two\r\n\tthree\r\n"[..])
        );
        assert_eq!(last_field(block, "x-priority"), Some(&b" 1\r\n"[..]));
        assert_eq!(last_field(block, "Cc"), None);
        assert_eq!(last_field(b"no colon here", "no colon here"), None);
        assert_eq!(
            last_fields(block, ["cc", "X-Priority", "subject"]),
            [
                None,
                last_field(block, "x-priority"),
                last_field(block, "SUBJECT")
            ]
        );
    }
}
