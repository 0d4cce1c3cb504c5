//! The attachments of a MIME message as MAPI attachment properties: each part
//! mail-parser counts as an attachment, in order, numbered from 0.
//!
//! A `message/rfc822` part is `ATTACH_EMBEDDED_MSG` (its data is the embedded message's
//! RFC 5322 form, PR_ATTACH_DATA_OBJ); any other is `ATTACH_BY_VALUE` (its decoded bytes,
//! PR_ATTACH_DATA_BIN). PR_ATTACH_LONG_FILENAME and PR_ATTACH_FILENAME are the part's
//! file name, PR_ATTACH_EXTENSION its extension with the dot, PR_ATTACH_MIME_TAG its
//! content type in lower case, PR_ATTACH_CONTENT_ID its Content-ID without angle
//! brackets, PR_DISPLAY_NAME the file name (an embedded message's subject when it has
//! no file name), PR_RENDERING_POSITION -1 (not rendered in the body). [`recipients`]
//! gives a message's To / Cc / Bcc as recipient rows (for an embedded message).

use mail_parser::{MessageParser, MessagePart, MimeHeaders};
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG};
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO};
use mapi_types::tags::*;
use mapi_types::{PropValue, Row};

/// One attachment of a MIME message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MimeAttachment {
    /// PR_ATTACH_NUM: its position among the attachments, from 0.
    pub num: u32,
    /// The part's file name, when it names one.
    pub file_name: Option<String>,
    /// PR_ATTACH_MIME_TAG, e.g. `application/pdf`.
    pub mime_tag: String,
    /// The Content-ID, without angle brackets.
    pub content_id: Option<String>,
    /// The part is a message (`message/rfc822`).
    pub embedded: bool,
    /// The subject of an embedded message.
    pub subject: Option<String>,
    /// The decoded bytes (an embedded message's RFC 5322 form).
    pub data: Vec<u8>,
}

fn mime_tag(part: &MessagePart<'_>) -> String {
    part.content_type().map_or_else(
        || "application/octet-stream".to_string(),
        |ct| match ct.subtype() {
            Some(sub) => format!("{}/{sub}", ct.ctype()).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
    )
}

/// The attachments of `raw`, in the order they appear (none for bytes that are not a
/// message).
pub fn attachments(parser: &MessageParser, raw: &[u8]) -> Vec<MimeAttachment> {
    let Some(message) = parser.parse(raw) else {
        return Vec::new();
    };
    message
        .attachments()
        .enumerate()
        .map(|(num, part)| {
            let embedded = part.message().is_some();
            let data = match part.message() {
                Some(m) => m.raw_message().to_vec(),
                None => part.contents().to_vec(),
            };
            MimeAttachment {
                num: num as u32,
                file_name: part.attachment_name().map(str::to_string),
                mime_tag: mime_tag(part),
                content_id: part
                    .content_id()
                    .map(|c| c.trim().trim_matches(['<', '>']).to_string()),
                embedded,
                subject: part.message().and_then(|m| m.subject()).map(str::to_string),
                data,
            }
        })
        .collect()
}

/// The To, Cc and Bcc mailboxes of a message as recipient rows: PR_ROWID (from 1),
/// PR_RECIPIENT_TYPE, PR_DISPLAY_NAME (the address when the field gives no name),
/// PR_EMAIL_ADDRESS and PR_ADDRTYPE `SMTP`. Groups give their members.
pub fn recipients(parser: &MessageParser, raw: &[u8]) -> Vec<Row> {
    let Some(message) = parser.parse(raw) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (kind, list) in [
        (MAPI_TO, message.to()),
        (MAPI_CC, message.cc()),
        (MAPI_BCC, message.bcc()),
    ] {
        for addr in list.into_iter().flat_map(|a| a.iter()) {
            let email = addr.address().unwrap_or_default().trim().to_string();
            if email.is_empty() {
                continue;
            }
            let name = addr
                .name()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or(&email)
                .to_string();
            let mut r = Row::default();
            r.set(PR_ROWID, PropValue::Long(out.len() as i32 + 1));
            r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
            r.set(PR_DISPLAY_NAME, PropValue::Unicode(name));
            r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email));
            r.set(PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
            out.push(r);
        }
    }
    out
}

impl MimeAttachment {
    /// The attachment's properties, without its data: PR_ATTACH_NUM, PR_ATTACH_METHOD,
    /// PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE, PR_RENDERING_POSITION, PR_DISPLAY_NAME, and
    /// when the part gives them PR_ATTACH_LONG_FILENAME, PR_ATTACH_FILENAME,
    /// PR_ATTACH_EXTENSION and PR_ATTACH_CONTENT_ID.
    pub fn row(&self) -> Row {
        let mut r = Row::default();
        let text = |s: &str| PropValue::Unicode(s.to_string());
        r.set(PR_ATTACH_NUM, PropValue::Long(self.num as i32));
        let method = if self.embedded {
            ATTACH_EMBEDDED_MSG
        } else {
            ATTACH_BY_VALUE
        };
        r.set(PR_ATTACH_METHOD, PropValue::Long(method));
        r.set(PR_ATTACH_MIME_TAG, text(&self.mime_tag));
        r.set(
            PR_ATTACH_SIZE,
            PropValue::Long(self.data.len().min(i32::MAX as usize) as i32),
        );
        r.set(PR_RENDERING_POSITION, PropValue::Long(-1));
        if let Some(name) = &self.file_name {
            r.set(PR_ATTACH_LONG_FILENAME, text(name));
            r.set(PR_ATTACH_FILENAME, text(name));
            if let Some(dot) = name.rfind('.').filter(|&d| d > 0) {
                r.set(PR_ATTACH_EXTENSION, text(&name[dot..]));
            }
        }
        let display = self
            .file_name
            .clone()
            .or_else(|| self.subject.clone())
            .unwrap_or_default();
        r.set(PR_DISPLAY_NAME, PropValue::Unicode(display));
        if let Some(cid) = self.content_id.as_deref().filter(|c| !c.is_empty()) {
            r.set(PR_ATTACH_CONTENT_ID, text(cid));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &[u8] = b"From: a@example.org\r\nSubject: two\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n\
--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n\
Subject: inner\r\nFrom: b@example.org\r\n\r\ninner body\r\n\
--b--\r\n";

    #[test]
    fn parts_become_attachments_in_order() {
        let list = attachments(&MessageParser::new(), RAW);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].data, b"%PDF");
        assert_eq!(list[0].file_name.as_deref(), Some("r.pdf"));
        let row = list[0].row();
        assert_eq!(row.int(PR_ATTACH_METHOD), Some(ATTACH_BY_VALUE as i64));
        assert_eq!(row.str(PR_ATTACH_EXTENSION), Some(".pdf"));
        assert_eq!(row.str(PR_ATTACH_MIME_TAG), Some("application/pdf"));
        assert_eq!(row.int(PR_ATTACH_SIZE), Some(4));
        assert!(list[1].embedded);
        assert_eq!(list[1].row().str(PR_DISPLAY_NAME), Some("inner"));
        assert!(list[1].data.starts_with(b"Subject: inner"));
        assert!(attachments(&MessageParser::new(), b"").is_empty());
        let inner = &list[1].data;
        let r = recipients(
            &MessageParser::new(),
            b"To: Bob <bob@example.org>, c@example.org\r\nCc: d@example.org\r\n\r\nx",
        );
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].str(PR_DISPLAY_NAME), Some("Bob"));
        assert_eq!(r[1].str(PR_DISPLAY_NAME), Some("c@example.org"));
        assert_eq!(r[2].int(PR_RECIPIENT_TYPE), Some(MAPI_CC as i64));
        assert!(recipients(&MessageParser::new(), inner).is_empty());
    }
}
