//! Building a message to submit (plain text, an HTML alternative, attachments), and
//! reading the recipients of an existing one.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mapi_spi::OutgoingMessage;

use crate::EngineError;

/// A file attached to a [`Draft`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DraftAttachment {
    /// The file name the recipient sees.
    pub file_name: String,
    /// Its MIME type, e.g. `application/pdf`.
    pub mime_tag: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

impl DraftAttachment {
    /// An attachment named after the last component of `path`, its MIME type guessed
    /// from the extension (`application/octet-stream` when unknown).
    pub fn from_file(path: &std::path::Path, data: Vec<u8>) -> DraftAttachment {
        let file_name = path
            .file_name()
            .map_or_else(|| "attachment".into(), |n| n.to_string_lossy().into_owned());
        let mime_tag = mime_guess::from_path(path)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_string();
        DraftAttachment {
            file_name,
            mime_tag,
            data,
        }
    }
}

/// A new message: plain text, optionally an HTML alternative, and attachments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    /// The sender's address (`From:`).
    pub from: String,
    /// `To:` addresses.
    pub to: Vec<String>,
    /// `Cc:` addresses.
    pub cc: Vec<String>,
    /// `Bcc:` addresses (envelope only, not in the headers).
    pub bcc: Vec<String>,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// HTML body, sent as an alternative to the plain text.
    pub html: Option<String>,
    /// Attached files, in order.
    pub attachments: Vec<DraftAttachment>,
}

fn check_address(a: &str) -> Result<(), EngineError> {
    let ok = a.contains('@')
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',');
    if ok {
        Ok(())
    } else {
        Err(EngineError::InvalidParameter(format!(
            "{a:?} is not an e-mail address (write name@example.org)"
        )))
    }
}

fn address_list(v: &[String]) -> Address<'_> {
    Address::new_list(
        v.iter()
            .map(|a| Address::new_address(None::<&str>, a.as_str()))
            .collect(),
    )
}

impl Draft {
    /// The RFC 5322 message and its envelope.
    pub fn build(&self) -> Result<OutgoingMessage, EngineError> {
        check_address(&self.from)?;
        for a in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            check_address(a)?;
        }
        let mut b = MessageBuilder::new()
            .from(self.from.as_str())
            .subject(self.subject.as_str())
            .text_body(self.body.as_str());
        if let Some(html) = &self.html {
            b = b.html_body(html.as_str());
        }
        for a in &self.attachments {
            b = b.attachment(a.mime_tag.as_str(), a.file_name.as_str(), a.data.as_slice());
        }
        if !self.to.is_empty() {
            b = b.to(address_list(&self.to));
        }
        if !self.cc.is_empty() {
            b = b.cc(address_list(&self.cc));
        }
        let raw = b
            .write_to_vec()
            .map_err(|e| EngineError::InvalidParameter(format!("cannot build the message: {e}")))?;
        Ok(OutgoingMessage {
            from: Some(self.from.clone()),
            recipients: self
                .to
                .iter()
                .chain(&self.cc)
                .chain(&self.bcc)
                .cloned()
                .collect(),
            raw,
        })
    }
}

/// An existing RFC 5322 message, with its To, Cc and Bcc addresses as the envelope.
pub fn from_raw(raw: Vec<u8>) -> Result<OutgoingMessage, EngineError> {
    let parsed = mail_parser::MessageParser::default()
        .parse_headers(&raw)
        .ok_or_else(|| {
            EngineError::InvalidParameter("the file is not an RFC 5322 message".into())
        })?;
    let mut recipients = Vec::new();
    for addr in [parsed.to(), parsed.cc(), parsed.bcc()]
        .into_iter()
        .flatten()
    {
        for a in addr.iter() {
            if let Some(e) = a.address() {
                recipients.push(e.to_string());
            }
        }
    }
    let from = parsed
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .map(str::to_string);
    Ok(OutgoingMessage {
        from,
        recipients,
        raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_reads_back_recipients() {
        let d = Draft {
            from: "alice@localhost".into(),
            to: vec!["bob@localhost".into()],
            cc: vec!["carol@localhost".into()],
            bcc: vec!["dave@localhost".into()],
            subject: "Grüße".into(),
            body: "hello".into(),
            ..Draft::default()
        };
        let m = d.build().unwrap();
        assert_eq!(
            m.recipients,
            ["bob@localhost", "carol@localhost", "dave@localhost"]
        );
        let text = String::from_utf8_lossy(&m.raw).to_string();
        assert!(
            !text.contains("dave@localhost"),
            "Bcc stays out of the headers"
        );
        let back = from_raw(m.raw.clone()).unwrap();
        assert_eq!(back.recipients, ["bob@localhost", "carol@localhost"]);
        assert_eq!(back.from.as_deref(), Some("alice@localhost"));
    }

    #[test]
    fn bad_addresses_are_invalid_parameter() {
        let d = Draft {
            from: "alice@localhost".into(),
            to: vec!["not an address".into()],
            ..Draft::default()
        };
        assert!(d.build().is_err());
        assert!(
            from_raw(b"\xff\xfe".to_vec())
                .map(|m| m.recipients.is_empty())
                .unwrap_or(true)
        );
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn html_and_attachments_are_standard_mime_python_reads_back() {
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let d = Draft {
            from: "alice@localhost".into(),
            to: vec!["bob@localhost".into()],
            cc: vec!["carol@localhost".into()],
            subject: "Quarterly report: Grüße".into(),
            body: "See the attached files.\n".into(),
            html: Some("<p>See the <b>attached</b> files.</p>\n".into()),
            attachments: vec![
                DraftAttachment::from_file(
                    std::path::Path::new("dir/notes.txt"),
                    b"line one\nline two\n".to_vec(),
                ),
                DraftAttachment::from_file(std::path::Path::new("report.pdf"), binary.clone()),
                DraftAttachment::from_file(std::path::Path::new("blob.unknownext"), vec![0, 1, 2]),
            ],
            ..Draft::default()
        };
        let m = d.build().unwrap();
        let py = mapi_test_support::python_reads(&m.raw);
        assert_eq!(py["subject"], "Quarterly report: Grüße");
        assert_eq!(py["from"], "alice@localhost");
        assert_eq!(py["to"], "bob@localhost");
        assert_eq!(py["cc"], "carol@localhost");
        assert_eq!(py["text"], "See the attached files.\n");
        assert_eq!(py["html"], "<p>See the <b>attached</b> files.</p>\n");
        assert_eq!(
            py["attachments"],
            serde_json::json!([
                ["notes.txt", "text/plain", hex(b"line one\nline two\n")],
                ["report.pdf", "application/pdf", hex(&binary)],
                ["blob.unknownext", "application/octet-stream", "000102"],
            ])
        );
        // and our own reading of it agrees
        let list = crate::attachments::list(&m.raw).unwrap();
        let names: Vec<_> = list.iter().map(|a| a.file_name.as_deref()).collect();
        assert_eq!(
            names,
            [
                Some("notes.txt"),
                Some("report.pdf"),
                Some("blob.unknownext")
            ]
        );
        assert_eq!(list[1].size, binary.len());
        assert_eq!(list[1].mime_tag, "application/pdf");
        assert_eq!(crate::attachments::data(&m.raw, 1).unwrap(), binary);
        let e = crate::attachments::data(&m.raw, 3).unwrap_err();
        assert!(e.to_string().contains("has 3 attachments"), "{e}");
    }
}
