//! The attachments of a stored message, read from its RFC 5322 form (so the same code
//! serves every store and both links): a list shaped after the attachment table
//! (PR_ATTACH_NUM from 0, PR_ATTACH_LONG_FILENAME, PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE)
//! and the decoded bytes of one.

use mail_parser::{MessageParser, MimeHeaders};

use mapi_types::Status;

use crate::EngineError;

/// One attachment of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentInfo {
    /// PR_ATTACH_NUM: its position among the message's attachments, from 0.
    pub num: usize,
    /// PR_ATTACH_LONG_FILENAME, when the part names a file.
    pub file_name: Option<String>,
    /// PR_ATTACH_MIME_TAG, e.g. `application/pdf`.
    pub mime_tag: String,
    /// PR_ATTACH_SIZE: bytes once decoded.
    pub size: usize,
    /// ATTACH_EMBEDDED_MSG: the part is itself a message (`message/rfc822`).
    pub embedded_message: bool,
}

fn parse(raw: &[u8]) -> Result<mail_parser::Message<'_>, EngineError> {
    MessageParser::default().parse(raw).ok_or_else(|| {
        EngineError::Status(
            Status::MAPI_E_CORRUPT_DATA,
            "the message is not RFC 5322".into(),
        )
    })
}

fn mime_tag(part: &mail_parser::MessagePart<'_>) -> String {
    part.content_type().map_or_else(
        || "application/octet-stream".to_string(),
        |ct| match ct.subtype() {
            Some(sub) => format!("{}/{sub}", ct.ctype()).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
    )
}

/// The attachments of `raw`, in the order they appear.
pub fn list(raw: &[u8]) -> Result<Vec<AttachmentInfo>, EngineError> {
    let message = parse(raw)?;
    Ok(message
        .attachments()
        .enumerate()
        .map(|(num, part)| AttachmentInfo {
            num,
            file_name: part.attachment_name().map(str::to_string),
            mime_tag: mime_tag(part),
            size: part.contents().len(),
            embedded_message: part.message().is_some(),
        })
        .collect())
}

/// The decoded bytes of attachment `num` of `raw` (for an embedded message, that
/// message as RFC 5322); MAPI_E_NOT_FOUND when the message has no such attachment.
pub fn data(raw: &[u8], num: usize) -> Result<Vec<u8>, EngineError> {
    let message = parse(raw)?;
    let count = message.attachments().count();
    let part = message.attachment(u32::try_from(num).unwrap_or(u32::MAX));
    match part {
        Some(part) if num < count => Ok(part.contents().to_vec()),
        _ => Err(EngineError::NotFound(format!(
            "attachment {num}: the message has {count} attachment{} (numbered from 0)",
            if count == 1 { "" } else { "s" }
        ))),
    }
}
