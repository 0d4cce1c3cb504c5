//! The mapping of the commonest message, one `text/plain` part kept as it is, from its
//! header fields alone: what the whole parse gives for it, without mail-parser's pass
//! over the body (its part scan and its byte-at-a-time UTF-8 check, most of an import's
//! parsing time). Any other message, or anything this cannot be sure of, is left to the
//! whole parse (`None`).
//!
//! mail-parser takes a message's only part as its text body, borrowed from the bytes
//! after the header block, when it has no Content-Type or `text/plain`, no
//! Content-Disposition `attachment`, no base64 or quoted-printable transfer encoding,
//! and a charset it has no decoder for (UTF-8, or none); the tests check each rule here
//! against the whole parse.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{GetHeader, HeaderName, HeaderValue, Message, MessageParser};

/// The message's header fields (parsed as the whole parse does) and its text body, when
/// it is one text part the whole parse would take as it is.
pub fn parse<'a>(parser: &MessageParser, raw: &'a [u8]) -> Option<(Message<'a>, Cow<'a, str>)> {
    let msg = parser.parse_headers(raw)?;
    let headers = &msg.root_part().headers;
    // Where the whole parse starts the body: the empty line right after the last field
    // (the header parser stops there; anything else, such as a line that is not a
    // field, is left to the whole parse).
    let last = headers.last()?;
    let rest = raw.get(last.offset_end as usize..)?;
    let blank = if rest.starts_with(b"\r\n") {
        2
    } else if rest.starts_with(b"\n") {
        1
    } else {
        return None;
    };
    let content_type = headers
        .header_value(&HeaderName::ContentType)
        .and_then(|c| c.as_content_type());
    if let Some(ct) = content_type {
        if ct.ctype() != "text" || ct.subtype() != Some("plain") {
            return None;
        }
        if ct
            .attribute("charset")
            .is_some_and(|c| charset_decoder(c.as_bytes()).is_some())
        {
            return None;
        }
    }
    if let Some(HeaderValue::Text(e)) = headers.header_value(&HeaderName::ContentTransferEncoding)
        && (e.eq_ignore_ascii_case("base64") || e.eq_ignore_ascii_case("quoted-printable"))
    {
        return None;
    }
    if headers
        .header_value(&HeaderName::ContentDisposition)
        .is_some()
    {
        return None;
    }
    let body = &raw[last.offset_end as usize + blank..];
    // What `String::from_utf8_lossy` gives, with the fast check for valid text.
    let text = match std::str::from_utf8(body) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    };
    Some((msg, text))
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use crate::header::last_field;
    use crate::map::{map_counted, map_whole};
    use crate::{MessageParser, mapping_parser};

    const TOP: &str = "From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>\r\n\
        Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
        Message-ID: <x1@example.org>\r\nReceived: from a\r\n\tby b; Tue, 14 Nov 2023\r\n";

    /// Messages with one part of each kind the fast path takes or leaves, and malformed
    /// header blocks.
    fn messages() -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        let bodies: [&[u8]; 5] = [
            b"Plain body.\r\nSecond line.\r\n",
            b"",
            "Gr\u{fc}\u{df}e, UTF-8.\r\n".as_bytes(),
            b"Latin-1 \xfc bytes, not UTF-8\r\n",
            b"=C3=BC quoted\r\nand a line with =\r\n soft break\r\n",
        ];
        let fields: [&str; 23] = [
            "",
            "MIME-Version: 1.0\r\n",
            "Content-Type: text/plain\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "Content-Type: TEXT/Plain; charset=\"UTF-8\"\r\n",
            "Content-Type: text/plain; charset=us-ascii\r\n",
            "Content-Type: text/plain; charset=iso-8859-1\r\n",
            "Content-Type: text/plain; charset=x-unknown\r\n",
            "Content-Type: text/plain; format=flowed; name=\"a.txt\"\r\n",
            "Content-Type: text/html; charset=utf-8\r\n",
            "Content-Type: text/enriched\r\n",
            "Content-Type: application/octet-stream\r\n",
            "Content-Type: message/rfc822\r\n",
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n",
            "Content-Transfer-Encoding: 7bit\r\n",
            "Content-Transfer-Encoding: 8bit\r\n",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            "Content-Transfer-Encoding: BASE64\r\n",
            "Content-Disposition: attachment; filename=a.txt\r\n",
            "Content-Type:text/plain;charset=utf-8\r\n",
            "Content-Type: (a comment) text/plain\r\n",
            "Content-Type: text/plainer\r\n",
            "Importance: high\r\nX-Priority: 5\r\n",
        ];
        for f in fields {
            for b in bodies {
                let mut m = format!("{TOP}{f}\r\n").into_bytes();
                m.extend_from_slice(b);
                out.push(m.clone());
                // The same with bare LF line endings.
                out.push(
                    String::from_utf8_lossy(&m)
                        .replace("\r\n", "\n")
                        .into_bytes(),
                );
            }
        }
        let odd: [&[u8]; 12] = [
            b"Subject: no empty line\r\nFrom: a@b",
            b"Subject: no empty line, ends in a break\r\n",
            b"Subject: x\r\n \r\nbody after a line of a space\r\n",
            b"Subject: x\r\n\t\r\nbody after a line of a TAB\r\n",
            b"Subject: x\r\nnot a field\r\n\r\nbody\r\n",
            b"Subject: x\r\n\r\n\r\nbody after two empty lines\r\n",
            b"Subject: x\r\nContent-Type: text/plain\r\n folded: on\r\n\r\nbody\r\n",
            b"Subject: x\r\r\n\r\nbody\r\n",
            b"Subject: x\n\r\nbody after LF then CRLF\r\n",
            b"Subject: folded last\r\n field\r\n\r\nbody\r\n",
            b"Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n<p>last one wins</p>",
            b"Content-Type: text/html\r\nContent-Type: text/plain\r\n\r\nlast one wins",
        ];
        out.extend(odd.iter().map(|m| m.to_vec()));
        out.push(b"Subject: x\r\n\r\n--b\r\nnot a boundary of a part\r\n--b--\r\n".to_vec());
        out
    }

    #[test]
    fn the_fast_path_maps_as_the_whole_parse_does() {
        let mut fast = 0;
        for parser in [mapping_parser(), &MessageParser::new()] {
            for raw in messages() {
                let block = crate::header_block(&raw);
                let importance = crate::fields::importance_of(
                    last_field(block, "importance"),
                    last_field(block, "x-priority"),
                );
                let whole = map_whole(parser, &raw, importance);
                let got = map_counted(parser, &raw);
                let shown = String::from_utf8_lossy(&raw);
                assert_eq!(got, whole, "{shown}");
                // Borrowed exactly when the whole parse borrows.
                assert_eq!(
                    matches!(got.0.body, Cow::Borrowed(_)),
                    matches!(whole.0.body, Cow::Borrowed(_)),
                    "{shown}"
                );
                if let Cow::Borrowed(b) = got.0.body
                    && !b.is_empty()
                {
                    let Cow::Borrowed(w) = whole.0.body else {
                        unreachable!()
                    };
                    assert_eq!(b.as_ptr(), w.as_ptr(), "the same bytes: {shown}");
                }
                fast += usize::from(super::parse(parser, &raw).is_some());
            }
        }
        // The path is taken for the plain single parts (and left for the rest).
        assert!(fast >= 2 * 2 * 5 * 6, "{fast}");
    }
}
