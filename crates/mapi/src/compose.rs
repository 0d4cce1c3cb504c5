//! Building a message to submit, and reading the recipients of an existing one.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mapi_spi::OutgoingMessage;

use crate::EngineError;

/// A new plain-text message.
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
}
