//! [`MessageProps`]: a whole message mapped to MAPI properties, and its property row.

use std::borrow::Cow;
use std::sync::OnceLock;

use mail_parser::{HeaderName, MessageParser, PartType};
use mapi_types::{PropValue, Row, tags};

use crate::error::MimeError;
use crate::fields::{Fields, IMPORTANCE_FIELDS, importance_of};
use crate::header::{header_block, last_fields};
use crate::subject;

/// PR_MESSAGE_CLASS of every mapped message.
pub const MESSAGE_CLASS: &str = "IPM.Note";

/// A message's properties. Text the message holds as it is (a body part that is not
/// transfer-encoded, a header block in UTF-8) is borrowed from its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageProps<'a> {
    /// What the header fields give.
    pub fields: Fields,
    /// PR_BODY: the first text part, or the HTML one converted to text; empty without.
    pub body: Cow<'a, str>,
    /// PR_HTML: the first `text/html` body part, when there is one (its UTF-8 bytes).
    pub html: Option<Cow<'a, str>>,
    /// PR_HASATTACH: whether the message has attachments.
    pub has_attach: bool,
    /// The header block as it is in the message (see [`MessageProps::headers`]).
    pub header_block: &'a [u8],
    /// PR_MESSAGE_SIZE: the message's length in bytes.
    pub size: usize,
}

impl<'a> MessageProps<'a> {
    /// Maps a message. Never fails: what is missing or unreadable stays empty (a
    /// message store shows whatever its server holds); see [`import`] for the check
    /// the bytes of an import must pass.
    pub fn map(parser: &MessageParser, raw: &'a [u8]) -> MessageProps<'a> {
        map_counted(parser, raw).0
    }

    /// PR_TRANSPORT_MESSAGE_HEADERS: the header block as it is in the message, line
    /// endings kept (bytes that are not UTF-8 become U+FFFD).
    pub fn headers(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.header_block)
    }

    /// PR_SUBJECT_PREFIX (see [`crate::subject`] for the rule).
    pub fn subject_prefix(&self) -> &str {
        subject::split(&self.fields.subject).0
    }

    /// PR_NORMALIZED_SUBJECT.
    pub fn normalized_subject(&self) -> &str {
        subject::split(&self.fields.subject).1
    }

    /// The property row: every property above, plus PR_MESSAGE_DELIVERY_TIME when the
    /// store gives one (a FILETIME; the store knows when it received the message).
    pub fn into_row(self, delivery_time: Option<u64>) -> Row {
        let mut row = Row::default();
        let text = |s: &str| PropValue::Unicode(s.to_string());
        row.set(tags::PR_MESSAGE_CLASS, text(MESSAGE_CLASS));
        row.set(tags::PR_SUBJECT_PREFIX, text(self.subject_prefix()));
        row.set(
            tags::PR_TRANSPORT_MESSAGE_HEADERS,
            PropValue::Unicode(self.headers().into_owned()),
        );
        row.set(tags::PR_NORMALIZED_SUBJECT, text(self.normalized_subject()));
        let f = self.fields;
        row.set(tags::PR_SUBJECT, PropValue::Unicode(f.subject));
        for (mailbox, name, email, addrtype) in [
            (
                f.sender,
                tags::PR_SENDER_NAME,
                tags::PR_SENDER_EMAIL_ADDRESS,
                tags::PR_SENDER_ADDRTYPE,
            ),
            (
                f.sent_representing,
                tags::PR_SENT_REPRESENTING_NAME,
                tags::PR_SENT_REPRESENTING_EMAIL_ADDRESS,
                tags::PR_SENT_REPRESENTING_ADDRTYPE,
            ),
        ] {
            if let Some(m) = mailbox {
                if !m.email.is_empty() {
                    row.set(addrtype, text("SMTP"));
                }
                row.set(name, PropValue::Unicode(m.name));
                row.set(email, PropValue::Unicode(m.email));
            }
        }
        row.set(tags::PR_DISPLAY_TO, PropValue::Unicode(f.display_to));
        row.set(tags::PR_DISPLAY_CC, PropValue::Unicode(f.display_cc));
        row.set(tags::PR_DISPLAY_BCC, PropValue::Unicode(f.display_bcc));
        if let Some(t) = delivery_time {
            row.set(tags::PR_MESSAGE_DELIVERY_TIME, PropValue::SysTime(t));
        }
        if let Some(t) = f.submit_time {
            row.set(tags::PR_CLIENT_SUBMIT_TIME, PropValue::SysTime(t));
        }
        if let Some(id) = f.message_id {
            row.set(tags::PR_INTERNET_MESSAGE_ID, PropValue::Unicode(id));
        }
        if let Some(id) = f.in_reply_to {
            row.set(tags::PR_IN_REPLY_TO_ID, PropValue::Unicode(id));
        }
        row.set(tags::PR_IMPORTANCE, PropValue::Long(f.importance));
        row.set(tags::PR_HASATTACH, PropValue::Boolean(self.has_attach));
        row.set(tags::PR_BODY, PropValue::Unicode(self.body.into_owned()));
        if let Some(html) = self.html {
            row.set(
                tags::PR_HTML,
                PropValue::Binary(html.into_owned().into_bytes()),
            );
        }
        row.set(
            tags::PR_MESSAGE_SIZE,
            PropValue::Long(i32::try_from(self.size).unwrap_or(i32::MAX)),
        );
        row
    }
}

/// Maps the bytes of a message to import, refusing what is not an RFC 5322 message:
/// empty input, a first line that is not a header field, or one the parser finds no
/// header fields in.
pub fn import<'a>(parser: &MessageParser, raw: &'a [u8]) -> Result<MessageProps<'a>, MimeError> {
    check_first_field(raw)?;
    let (props, fields) = map_counted(parser, raw);
    if fields == 0 {
        return Err(MimeError::Unreadable);
    }
    Ok(props)
}

/// The parser the mapping is fastest with: the MIME fields and the fields the mapping
/// reads are parsed as `MessageParser::new()` parses them; every other field (trace
/// fields such as `Received:` above all) is skipped instead of being decoded. The
/// mapping gives the same properties with it as with `MessageParser::new()`.
pub fn mapping_parser() -> &'static MessageParser {
    static MAPPING: OnceLock<MessageParser> = OnceLock::new();
    MAPPING.get_or_init(|| {
        MessageParser::new()
            .with_mime_headers()
            .header_text(HeaderName::Subject)
            .header_address(HeaderName::From)
            .header_address(HeaderName::Sender)
            .header_address(HeaderName::To)
            .header_address(HeaderName::Cc)
            .header_address(HeaderName::Bcc)
            .header_id(HeaderName::MessageId)
            .header_id(HeaderName::InReplyTo)
            .header_date(HeaderName::Date)
            .default_header_ignore()
    })
}

/// The `Date:` of a message (Unix seconds) as its mapping reads it in a well-formed
/// header block (the last `Date` field), from that field alone: a quick forecast of
/// [`Fields::date`] for ordering a batch before it is parsed. A caller must check it
/// against the mapping's, which is the one that counts (malformed header blocks may
/// differ).
pub fn date_forecast(raw: &[u8]) -> Option<i64> {
    let value = crate::header::last_field(header_block(raw), "Date")?;
    mail_parser::parsers::MessageStream::new(value)
        .parse_date()
        .as_datetime()
        .map(|d| d.to_timestamp())
}

/// The header fields alone, parsed from the header block only (what a store keeps in
/// its summary columns for every message it downloads).
pub fn header_fields(raw: &[u8]) -> Fields {
    static HEADERS: OnceLock<MessageParser> = OnceLock::new();
    let parser = HEADERS.get_or_init(|| {
        MessageParser::new()
            .header_text(HeaderName::Subject)
            .header_address(HeaderName::From)
            .header_address(HeaderName::Sender)
            .header_address(HeaderName::To)
            .header_address(HeaderName::Cc)
            .header_address(HeaderName::Bcc)
            .header_id(HeaderName::MessageId)
            .header_id(HeaderName::InReplyTo)
            .header_date(HeaderName::Date)
            .default_header_ignore()
    });
    match parser.parse_headers(raw) {
        Some(m) => Fields::of(&m, raw, header_block(raw)),
        None => Fields::none(),
    }
}

/// The mapping, and how many header fields the parser found.
pub(crate) fn map_counted<'a>(parser: &MessageParser, raw: &'a [u8]) -> (MessageProps<'a>, usize) {
    let block = header_block(raw);
    let [importance, priority, content_type] = last_fields(
        block,
        [IMPORTANCE_FIELDS[0], IMPORTANCE_FIELDS[1], "Content-Type"],
    );
    let importance = importance_of(importance, priority);
    // Only a message that may be one text part is tried without the whole parse (a
    // multipart one would have its fields parsed twice).
    let maybe_text = content_type.is_none_or(|v| {
        v.trim_ascii_start()
            .get(..10)
            .is_some_and(|t| t.eq_ignore_ascii_case(b"text/plain"))
    });
    let Some((msg, body)) = maybe_text
        .then(|| crate::single_part::parse(parser, raw))
        .flatten()
    else {
        return map_whole(parser, raw, importance);
    };
    // One text part taken as it is: no HTML, no attachment (as the whole parse finds).
    let props = MessageProps {
        fields: Fields::of_parsed(&msg, raw, importance),
        body,
        html: None,
        has_attach: false,
        header_block: block,
        size: raw.len(),
    };
    (props, msg.headers().len())
}

/// [`map_counted`] from the whole parse (structure and every part), PR_IMPORTANCE
/// already read.
pub(crate) fn map_whole<'a>(
    parser: &MessageParser,
    raw: &'a [u8],
    importance: i32,
) -> (MessageProps<'a>, usize) {
    let block = header_block(raw);
    let Some(mut msg) = parser.parse(raw) else {
        let props = MessageProps {
            fields: Fields::none(),
            body: Cow::Borrowed(""),
            html: None,
            has_attach: false,
            header_block: block,
            size: raw.len(),
        };
        return (props, 0);
    };
    let count = msg.headers().len();
    let fields = Fields::of_parsed(&msg, raw, importance);
    let has_attach = msg.attachment_count() > 0;
    // A text part is taken as it is (borrowed from `raw` when not transfer-encoded); a
    // message with only HTML gets its text converted from the HTML.
    let text_part = msg.text_body.first().map(|&i| i as usize);
    let body = match text_part.and_then(|i| msg.parts.get_mut(i)) {
        Some(part) if matches!(part.body, PartType::Text(_)) => {
            match std::mem::replace(&mut part.body, PartType::Text(Cow::Borrowed(""))) {
                PartType::Text(t) => t,
                _ => Cow::Borrowed(""),
            }
        }
        _ => Cow::Owned(msg.body_text(0).map(Cow::into_owned).unwrap_or_default()),
    };
    let html_part = msg.html_body.first().map(|&i| i as usize);
    let html = match html_part.and_then(|i| msg.parts.get_mut(i)) {
        Some(part) if matches!(part.body, PartType::Html(_)) => {
            match std::mem::replace(&mut part.body, PartType::Html(Cow::Borrowed(""))) {
                PartType::Html(h) => Some(h),
                _ => None,
            }
        }
        _ => None,
    };
    let props = MessageProps {
        fields,
        body,
        html,
        has_attach,
        header_block: block,
        size: raw.len(),
    };
    (props, count)
}

/// RFC 5322 §2.2: a message starts with a header field, `name:` where the name is
/// printable ASCII other than `:`.
fn check_first_field(raw: &[u8]) -> Result<(), MimeError> {
    if raw.is_empty() {
        return Err(MimeError::Empty);
    }
    let name_len = raw
        .iter()
        .take_while(|&&b| (33..=126).contains(&b) && b != b':')
        .count();
    if name_len == 0 || raw.get(name_len) != Some(&b':') {
        return Err(MimeError::NoHeaderField);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{IMPORTANCE_HIGH, IMPORTANCE_LOW, IMPORTANCE_NORMAL, Mailbox};

    const MESSAGE: &[u8] = b"From: \"Ann Example\" <ann@example.org>\r\n\
Sender: Sec <sec@example.org>\r\n\
To: Bob <bob@example.org>,\r\n carl@example.org\r\n\
Cc: \"Dee\" <dee@example.org>\r\n\
Bcc: eve@example.org\r\n\
Subject: RE: a folded\r\n\tsubject with\r\n  spaces\r\n\
Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
Message-ID: <x1@example.org>\r\n\
In-Reply-To: <x0@example.org>\r\n\
X-Priority: 1 (Highest)\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: multipart/alternative; boundary=\"b2\"\r\n\
\r\n\
--b2\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Plain text\r\n\
--b2\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>HTML text</p>\r\n\
--b2--\r\n\
--b1\r\n\
Content-Type: application/octet-stream; name=\"a.bin\"\r\n\
Content-Disposition: attachment; filename=\"a.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
AAECAw==\r\n\
--b1--\r\n";

    fn header_end(raw: &[u8]) -> usize {
        raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 2
    }

    #[test]
    fn the_date_forecast_is_the_mapped_date() {
        let dated = b"Subject: x\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nbody";
        for raw in [
            MESSAGE,
            &dated[..],
            b"Date: Mon, 1 Jan 2024 10:00:00 +0100\nDate: Tue, 2 Jan 2024 10:00:00 +0000\n\nb",
            b"Date: not a date\r\n\r\nbody",
            b"Subject: no date\r\n\r\nbody",
            b"Date: Tue, 14 Nov\r\n 2023 22:13:20 +0000\r\n\r\nfolded",
        ] {
            let mapped = import(mapping_parser(), raw).unwrap().fields.date;
            assert_eq!(
                date_forecast(raw),
                mapped,
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        assert_eq!(date_forecast(dated), Some(1_700_000_000));
    }

    #[test]
    fn every_property_of_a_full_message() {
        let p = import(&MessageParser::new(), MESSAGE).unwrap();
        let f = &p.fields;
        // only the CRLFs of the folds go: the TAB and the two spaces stay
        assert_eq!(f.subject, "RE: a folded\tsubject with  spaces");
        assert_eq!(p.subject_prefix(), "RE: ");
        assert_eq!(p.normalized_subject(), "a folded\tsubject with  spaces");
        assert_eq!(
            f.sender,
            Some(Mailbox {
                name: "Sec".into(),
                email: "sec@example.org".into()
            })
        );
        assert_eq!(
            f.sent_representing,
            Some(Mailbox {
                name: "Ann Example".into(),
                email: "ann@example.org".into()
            })
        );
        assert_eq!(f.display_to, "Bob; carl@example.org");
        assert_eq!(f.display_cc, "Dee");
        assert_eq!(f.display_bcc, "eve@example.org");
        assert_eq!(f.date, Some(1_700_000_000));
        assert_eq!(f.message_id.as_deref(), Some("<x1@example.org>"));
        assert_eq!(f.in_reply_to.as_deref(), Some("<x0@example.org>"));
        assert_eq!(f.importance, IMPORTANCE_HIGH);
        assert_eq!(p.body.trim_end(), "Plain text");
        assert_eq!(
            p.html.as_deref().map(str::trim_end),
            Some("<p>HTML text</p>")
        );
        assert!(p.has_attach);
        assert_eq!(p.headers().as_bytes(), &MESSAGE[..header_end(MESSAGE)]);
        assert_eq!(header_fields(MESSAGE), p.fields, "header-only parse agrees");

        let row = p.into_row(Some(42));
        let s = |t| row.str(t).unwrap_or_else(|| panic!("{t:?} missing"));
        assert_eq!(s(tags::PR_MESSAGE_CLASS), "IPM.Note");
        assert_eq!(s(tags::PR_SUBJECT_PREFIX), "RE: ");
        assert_eq!(s(tags::PR_SENDER_NAME), "Sec");
        assert_eq!(s(tags::PR_SENDER_EMAIL_ADDRESS), "sec@example.org");
        assert_eq!(s(tags::PR_SENDER_ADDRTYPE), "SMTP");
        assert_eq!(s(tags::PR_SENT_REPRESENTING_NAME), "Ann Example");
        assert_eq!(
            s(tags::PR_SENT_REPRESENTING_EMAIL_ADDRESS),
            "ann@example.org"
        );
        assert_eq!(s(tags::PR_SENT_REPRESENTING_ADDRTYPE), "SMTP");
        assert_eq!(s(tags::PR_INTERNET_MESSAGE_ID), "<x1@example.org>");
        assert_eq!(s(tags::PR_IN_REPLY_TO_ID), "<x0@example.org>");
        assert!(s(tags::PR_TRANSPORT_MESSAGE_HEADERS).ends_with("boundary=\"b1\"\r\n"));
        assert_eq!(
            row.get(tags::PR_HTML)
                .and_then(PropValue::as_bytes)
                .map(<[u8]>::trim_ascii_end),
            Some(&b"<p>HTML text</p>"[..])
        );
        assert_eq!(
            row.get(tags::PR_MESSAGE_DELIVERY_TIME),
            Some(&PropValue::SysTime(42))
        );
        assert_eq!(
            row.get(tags::PR_CLIENT_SUBMIT_TIME),
            Some(&PropValue::SysTime(mapi_types::filetime_from_unix(
                1_700_000_000
            )))
        );
        assert_eq!(row.get(tags::PR_HASATTACH), Some(&PropValue::Boolean(true)));
        assert_eq!(row.get(tags::PR_IMPORTANCE), Some(&PropValue::Long(2)));
        assert_eq!(
            row.get(tags::PR_MESSAGE_SIZE),
            Some(&PropValue::Long(MESSAGE.len() as i32))
        );
    }

    #[test]
    fn the_mapping_parser_maps_as_the_default_one() {
        let messages: [&[u8]; 5] = [
            MESSAGE,
            b"Received: from a (a [192.0.2.1])\r\n\tby b; Mon, 1 Jan 2024 00:00:00 +0000\r\n\
From: =?UTF-8?Q?N=C2=BA1?= <a@x>\r\nTo: B <b@x>, c@x\r\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n\
Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m@x>\r\n\r\nbody\r\n",
            b"Subject: x\r\nContent-Type: text/html\r\n\r\n<p>Only <b>HTML</b></p>\r\n",
            b"Subject: q\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n",
            b"From: <<<@@@>>>\r\nTo: ,,,\r\nDate: 99 Foo 99999 99:99:99\r\n\r\n",
        ];
        for raw in messages {
            assert_eq!(
                MessageProps::map(mapping_parser(), raw),
                MessageProps::map(&MessageParser::new(), raw),
                "{}",
                String::from_utf8_lossy(raw)
            );
            assert_eq!(
                import(mapping_parser(), raw),
                import(&MessageParser::new(), raw)
            );
        }
    }

    #[test]
    fn mail_parser_alone_would_lose_the_white_space_of_folds() {
        let msg = MessageParser::new().parse(MESSAGE).unwrap();
        assert_eq!(msg.subject(), Some("RE: a folded subject with spaces"));
        assert_ne!(
            header_fields(MESSAGE).subject,
            msg.subject().unwrap(),
            "the correction is needed"
        );
    }

    #[test]
    fn a_plain_message_gets_defaults() {
        let raw = b"From: ann@example.org\r\nSubject: Hello\r\n\r\nHi\r\n";
        let p = import(&MessageParser::new(), raw).unwrap();
        assert_eq!(
            p.fields.sender, p.fields.sent_representing,
            "From without Sender"
        );
        assert_eq!(p.fields.sender.as_ref().unwrap().name, "ann@example.org");
        assert_eq!((p.subject_prefix(), p.normalized_subject()), ("", "Hello"));
        assert_eq!(p.fields.importance, IMPORTANCE_NORMAL);
        assert!(p.html.is_none() && !p.has_attach);
        let row = p.into_row(None);
        for absent in [
            tags::PR_HTML,
            tags::PR_MESSAGE_DELIVERY_TIME,
            tags::PR_CLIENT_SUBMIT_TIME,
            tags::PR_INTERNET_MESSAGE_ID,
            tags::PR_IN_REPLY_TO_ID,
        ] {
            assert!(row.get(absent).is_none(), "{absent:?}");
        }
        assert_eq!(row.str(tags::PR_DISPLAY_TO), Some(""));
        assert_eq!(row.str(tags::PR_DISPLAY_BCC), Some(""));
    }

    #[test]
    fn html_only_gets_a_text_body_and_importance_headers_are_read() {
        let raw = b"Subject: x\r\nImportance: Low\r\nX-Priority: 1\r\n\
Content-Type: text/html\r\n\r\n<p>Only <b>HTML</b></p>\r\n";
        let p = MessageProps::map(&MessageParser::new(), raw);
        assert!(
            p.body.contains("Only") && !p.body.contains("<p>"),
            "{:?}",
            p.body
        );
        assert!(p.html.as_deref().unwrap().contains("<b>HTML</b>"));
        assert_eq!(p.fields.importance, IMPORTANCE_LOW, "Importance: wins");
        for (header, want) in [
            ("Importance: high", IMPORTANCE_HIGH),
            ("Importance: NORMAL", IMPORTANCE_NORMAL),
            ("X-Priority: 5", IMPORTANCE_LOW),
            ("X-Priority: 3 (Normal)", IMPORTANCE_NORMAL),
            ("X-Priority: 2", IMPORTANCE_HIGH),
            ("X-Priority: junk", IMPORTANCE_NORMAL),
        ] {
            let raw = format!("Subject: x\r\n{header}\r\n\r\nb");
            assert_eq!(header_fields(raw.as_bytes()).importance, want, "{header}");
        }
    }

    #[test]
    fn folded_addresses_and_lf_messages() {
        let raw = b"To: \"Long\r\n\tName\" <a@x>, B\r\n <b@x>\nSubject: lf\n folded\n\nbody\n";
        let f = header_fields(raw);
        assert_eq!(f.display_to, "Long\tName; B");
        assert_eq!(f.subject, "lf folded");
        let p = MessageProps::map(&MessageParser::new(), raw);
        assert_eq!(p.fields, f);
        assert_eq!(
            p.headers(),
            "To: \"Long\r\n\tName\" <a@x>, B\r\n <b@x>\nSubject: lf\n folded\n"
        );
    }

    #[test]
    fn non_messages_are_refused_and_never_panic() {
        let parser = MessageParser::new();
        assert_eq!(import(&parser, b""), Err(MimeError::Empty));
        assert_eq!(
            import(&parser, b"\x00\x01garbage"),
            Err(MimeError::NoHeaderField)
        );
        assert_eq!(
            import(&parser, b"just a line of text\r\n"),
            Err(MimeError::NoHeaderField)
        );
        // whatever the bytes, the lenient mapping gives a row
        for raw in [
            &b""[..],
            b"\x00\x01garbage",
            b"Subject: =?utf-8?q?=FF?=\r\n\r\n",
            b"From: <<<@@@>>>\r\nTo: ,,,\r\nDate: 99 Foo 99999 99:99:99\r\n\r\n",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
            b"Subject:\r\n \r\n \r\n\r\n",
        ] {
            let row = MessageProps::map(&parser, raw).into_row(None);
            assert_eq!(row.str(tags::PR_MESSAGE_CLASS), Some("IPM.Note"));
            let _ = header_fields(raw);
        }
    }
}
