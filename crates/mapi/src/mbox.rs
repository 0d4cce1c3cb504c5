//! Files to import: mbox files (mboxo and mboxrd) split into RFC 5322 messages, and the
//! check that a message starts with a header block.
//!
//! An mbox is recognised by its first line, a `From ` separator (`From sender date`).
//! A message starts after each separator line that opens the file or follows an empty
//! line; the empty line before the next separator belongs to the file format, not to
//! the message. Lines that start with `From ` after one or more `>` lose one `>`: the
//! mboxrd rule, which also undoes mboxo's escaping of `From ` lines.

/// Whether `data` is an mbox file (or a single message preceded by a `From ` line).
pub fn is_mbox(data: &[u8]) -> bool {
    data.starts_with(b"From ")
}

/// Length of the first line, its line break included.
fn first_line(data: &[u8]) -> usize {
    data.iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |i| i + 1)
}

/// The messages of an mbox, separators removed and `>From ` lines unescaped. A file
/// holding one message is rewritten in place (no second copy of a large message).
pub fn messages(mut data: Vec<u8>) -> Vec<Vec<u8>> {
    let ranges = message_ranges(&data);
    if ranges.is_empty() {
        return vec![data]; // not an mbox: the file is one message
    }
    if ranges.len() == 1 {
        let (start, end) = ranges[0];
        let len = unescape_within(&mut data, start, end);
        data.truncate(len);
        data.shrink_to_fit();
        return vec![data];
    }
    ranges
        .into_iter()
        .map(|(start, end)| {
            let mut out = data[start..end].to_vec();
            let len = unescape_within(&mut out, 0, end - start);
            out.truncate(len);
            out
        })
        .collect()
}

/// Byte ranges of the messages (without separator lines and the empty line before the
/// next separator).
fn message_ranges(data: &[u8]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    // the first line opens the first message, whatever its date looks like
    let mut start: Option<usize> = is_mbox(data).then(|| first_line(data));
    let mut pos = start.unwrap_or(0);
    let mut prev_blank = false;
    let mut prev_start = 0; // where the previous line began
    while pos < data.len() {
        let end = data[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |i| pos + i + 1);
        let line = &data[pos..end];
        if prev_blank && is_separator(line) {
            if let Some(s) = start {
                // the blank line before this separator is not part of the message
                ranges.push((s, prev_start.max(s)));
            }
            start = Some(end);
        }
        prev_blank = line == b"\n" || line == b"\r\n";
        prev_start = pos;
        pos = end;
    }
    if let Some(s) = start {
        let mut e = data.len();
        // the file's last empty line ends the format, not the message
        if data[s..e].ends_with(b"\n\n") {
            e -= 1;
        } else if data[s..e].ends_with(b"\r\n\r\n") {
            e -= 2;
        }
        ranges.push((s, e.max(s)));
    }
    ranges
}

/// A separator line: `From `, a sender, and a date with a time of day (`hh:mm`), so a
/// body line such as `From there on...` is not taken for one.
fn is_separator(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let has_sender = rest
        .first()
        .is_some_and(|&b| b != b' ' && b != b'\r' && b != b'\n');
    let has_time = rest.windows(5).any(|w| {
        w[0].is_ascii_digit()
            && w[1].is_ascii_digit()
            && w[2] == b':'
            && w[3].is_ascii_digit()
            && w[4].is_ascii_digit()
    });
    has_sender && has_time
}

/// Moves `buf[start..end]` to the front of `buf`, dropping one `>` from each line that
/// is `>...>From `; returns the new length.
fn unescape_within(buf: &mut [u8], start: usize, end: usize) -> usize {
    let mut w = 0;
    let mut r = start;
    while r < end {
        let line_end = buf[r..end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(end, |i| r + i + 1);
        let line = &buf[r..line_end];
        let quotes = line.iter().take_while(|&&b| b == b'>').count();
        let from = if quotes > 0 && line[quotes..].starts_with(b"From ") {
            r + 1
        } else {
            r
        };
        buf.copy_within(from..line_end, w);
        w += line_end - from;
        r = line_end;
    }
    w
}

/// Checks that a message starts with a header field (`name:` with a printable ASCII
/// name), as RFC 5322 requires; the error says what is wrong.
pub fn check_header_block(raw: &[u8]) -> Result<(), String> {
    if raw.is_empty() {
        return Err("it is empty".into());
    }
    let name_len = raw
        .iter()
        .take_while(|&&b| (33..=126).contains(&b) && b != b':')
        .count();
    if name_len == 0 || raw.get(name_len) != Some(&b':') {
        return Err("it does not start with a header block".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mboxrd_and_mboxo_split_and_unescape() {
        let mbox = b"From a@x Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From here\n>>From there\nplain\n\nFrom b@x Tue Jan  2 00:00:00 2024\nSubject: two\n\nbody\n\n";
        let m = messages(mbox.to_vec());
        assert_eq!(m.len(), 2);
        assert_eq!(
            m[0],
            b"Subject: one\n\nFrom here\n>From there\nplain\n".to_vec()
        );
        assert_eq!(m[1], b"Subject: two\n\nbody\n".to_vec());
    }

    #[test]
    fn a_single_message_with_a_from_line_and_crlf() {
        let one = b"From a@x Mon Jan  1 00:00:00 2024\r\nSubject: s\r\n\r\nFrom inside the body stays\r\n";
        let m = messages(one.to_vec());
        assert_eq!(
            m,
            [b"Subject: s\r\n\r\nFrom inside the body stays\r\n".to_vec()]
        );
        assert!(is_mbox(one));
        assert!(!is_mbox(b"Subject: s\r\n"));
    }

    #[test]
    fn header_block_check() {
        assert!(check_header_block(b"Subject: x\n\nb").is_ok());
        assert!(check_header_block(b"").is_err());
        assert!(check_header_block(b"no header here\n").is_err());
        assert!(check_header_block(b": empty name\n").is_err());
    }

    #[test]
    fn odd_input_never_panics() {
        for input in [
            &b"From "[..],
            b"From \n",
            b"From x 00:00\n\nFrom y 00:00\n",
            b"From x\n>",
            b"From x\n\n\n\n",
        ] {
            let _ = messages(input.to_vec());
        }
    }
}
