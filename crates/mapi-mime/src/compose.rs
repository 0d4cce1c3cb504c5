//! The other direction: an RFC 5322 message built (with `mail-builder`) from a
//! message's MAPI properties, recipient rows and attachments. Both message-store
//! providers use this one [`Composer`]: the local store for unsent messages and embedded
//! messages, the IMAP store for the drafts it APPENDs.
//!
//! The rules: PR_SUBJECT as Subject; From from PR_SENT_REPRESENTING_NAME /
//! _EMAIL_ADDRESS (else PR_SENDER_*), and Sender from PR_SENDER_* when its address
//! differs (RFC 5322 §3.6.2: Sender names the agent that sent for the author; an
//! embedded message gets it too); To and Cc from the recipient rows (MAPI_TO / MAPI_CC,
//! PR_DISPLAY_NAME and PR_EMAIL_ADDRESS or PR_SMTP_ADDRESS), or for a message without
//! recipients from PR_DISPLAY_TO / PR_DISPLAY_CC, items separated by `;` or `,`, each
//! `Name <address>` or a bare address (an item without an `@` names no mailbox and is
//! left out); MAPI_BCC rows only with [`Composer::keep_bcc`] (RFC 5322 §3.6.3: a message
//! that is sent carries no Bcc, a copy kept as an embedded message may); PR_BODY as
//! text/plain and PR_HTML as text/html; PR_CLIENT_SUBMIT_TIME as Date;
//! PR_INTERNET_MESSAGE_ID as Message-ID (else the one given to
//! [`Composer::message_id`]); PR_IN_REPLY_TO_ID as In-Reply-To. The attachments are
//! described in [`crate::compose_attach`].
//!
//! [`Composer::build`] gives a [`Composed`]: the message with each streamed attachment
//! still a reader, so its total size is known before a byte of base64 is written
//! ([`Composed::len`]) and [`Composed::write_to`] encodes the readers a line at a time.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_P1, MAPI_SUBMITTED, MAPI_TO};
use mapi_types::tags::*;
use mapi_types::{PropValue, Row};

pub use crate::compose_attach::{AttachBody, Attachment, Composed};

/// A (display name, address) pair.
pub type MailboxPair = (Option<String>, String);

/// The mailboxes of a PR_DISPLAY_TO-style list.
pub fn display_mailboxes(list: &str) -> Vec<MailboxPair> {
    list.split([';', ','])
        .map(str::trim)
        .filter(|item| item.contains('@'))
        .map(|item| match (item.rfind('<'), item.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                let name = item[..open].trim().trim_matches('"').trim();
                let name = (!name.is_empty()).then(|| name.to_string());
                (name, item[open + 1..close].trim().to_string())
            }
            _ => (None, item.to_string()),
        })
        .collect()
}

/// A recipient row's type without the `MAPI_P1` / `MAPI_SUBMITTED` bits.
pub fn recipient_kind(row: &Row) -> Option<i32> {
    row.int(PR_RECIPIENT_TYPE)
        .map(|t| t as i32 & !(MAPI_P1 | MAPI_SUBMITTED))
}

/// The mailboxes of the recipient rows of one kind (`MAPI_TO`, `MAPI_CC`, `MAPI_BCC`).
pub fn recipient_mailboxes(rows: &[Row], kind: i32) -> Vec<MailboxPair> {
    rows.iter()
        .filter(|r| recipient_kind(r) == Some(kind))
        .filter_map(|r| {
            let email = r
                .str(PR_EMAIL_ADDRESS)
                .or_else(|| r.str(PR_SMTP_ADDRESS))?
                .trim();
            if !email.contains('@') {
                return None;
            }
            let name = r
                .str(PR_DISPLAY_NAME)
                .map(str::trim)
                .filter(|n| !n.is_empty() && *n != email)
                .map(str::to_string);
            Some((name, email.to_string()))
        })
        .collect()
}

/// PR_DISPLAY_TO, PR_DISPLAY_CC and PR_DISPLAY_BCC of recipient rows: each kind's
/// names (else addresses), `; ` between them.
pub fn display_lists(rows: &[Row]) -> [String; 3] {
    [MAPI_TO, MAPI_CC, MAPI_BCC].map(|kind| {
        rows.iter()
            .filter(|r| recipient_kind(r) == Some(kind))
            .filter_map(|r| {
                r.str(PR_DISPLAY_NAME)
                    .filter(|s| !s.trim().is_empty())
                    .or_else(|| r.str(PR_EMAIL_ADDRESS))
            })
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// A Message-ID without its angle brackets and surrounding space.
pub fn bare_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

fn address_list(list: &[MailboxPair]) -> Address<'_> {
    Address::new_list(
        list.iter()
            .map(|(name, addr)| Address::new_address(name.as_deref(), addr.as_str()))
            .collect(),
    )
}

fn mailbox<'a>(name: &'a str, email: &'a str) -> Address<'a> {
    Address::new_address((!name.is_empty()).then_some(name), email)
}

fn text(props: &Row, tag: mapi_types::PropTag) -> Option<String> {
    match props.get(tag)? {
        PropValue::Unicode(s) | PropValue::String8(s) => Some(s.clone()),
        PropValue::Binary(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// Builds the RFC 5322 form of one message (see the module's rules).
pub struct Composer<'a> {
    props: &'a Row,
    recipients: &'a [Row],
    message_id: Option<String>,
    keep_bcc: bool,
    attachments: Vec<Attachment<'a>>,
}

impl<'a> Composer<'a> {
    /// A message with properties `props` and recipient rows `recipients`.
    pub fn new(props: &'a Row, recipients: &'a [Row]) -> Composer<'a> {
        Composer {
            props,
            recipients,
            message_id: None,
            keep_bcc: false,
            attachments: Vec::new(),
        }
    }

    /// The Message-ID (angle brackets optional) used when the properties have no
    /// PR_INTERNET_MESSAGE_ID; without either, mail-builder makes one.
    pub fn message_id(mut self, id: &str) -> Composer<'a> {
        self.message_id = Some(bare_id(id).to_string()).filter(|i| !i.is_empty());
        self
    }

    /// Writes a Bcc field from the MAPI_BCC rows (for a message that is kept, not sent).
    pub fn keep_bcc(mut self) -> Composer<'a> {
        self.keep_bcc = true;
        self
    }

    /// Adds an attachment, after those added before.
    pub fn attach(mut self, attachment: Attachment<'a>) -> Composer<'a> {
        self.attachments.push(attachment);
        self
    }

    /// The message, its streamed attachments not read yet.
    pub fn build(self) -> Composed<'a> {
        let props = self.props;
        let get = |tag| text(props, tag).unwrap_or_default();
        let subject = get(PR_SUBJECT);
        let body = get(PR_BODY);
        let html = text(props, PR_HTML);
        let (sender_name, sender_email) = (get(PR_SENDER_NAME), get(PR_SENDER_EMAIL_ADDRESS));
        let (rep_name, rep_email) = (
            get(PR_SENT_REPRESENTING_NAME),
            get(PR_SENT_REPRESENTING_EMAIL_ADDRESS),
        );
        let own_id = get(PR_INTERNET_MESSAGE_ID);
        let id = match bare_id(&own_id) {
            "" => self.message_id.clone(),
            id => Some(id.to_string()),
        };
        let rows = self.recipients;
        let (to, cc) = if rows.is_empty() {
            (
                display_mailboxes(&get(PR_DISPLAY_TO)),
                display_mailboxes(&get(PR_DISPLAY_CC)),
            )
        } else {
            (
                recipient_mailboxes(rows, MAPI_TO),
                recipient_mailboxes(rows, MAPI_CC),
            )
        };
        let bcc = if self.keep_bcc {
            recipient_mailboxes(rows, MAPI_BCC)
        } else {
            Vec::new()
        };
        let mut b = MessageBuilder::new()
            .subject(subject.as_str())
            .text_body(body.as_str());
        if let Some(id) = id {
            b = b.message_id(id);
        }
        if rep_email.contains('@') {
            b = b.from(mailbox(&rep_name, &rep_email));
            if sender_email.contains('@') && !sender_email.eq_ignore_ascii_case(&rep_email) {
                b = b.sender(mailbox(&sender_name, &sender_email));
            }
        } else if sender_email.contains('@') {
            b = b.from(mailbox(&sender_name, &sender_email));
        }
        for (list, field) in [(&to, "To"), (&cc, "Cc"), (&bcc, "Bcc")] {
            if !list.is_empty() {
                b = b.header(field, address_list(list));
            }
        }
        if let Some(html) = &html {
            b = b.html_body(html.as_str());
        }
        let reply = get(PR_IN_REPLY_TO_ID);
        if !bare_id(&reply).is_empty() {
            b = b.in_reply_to(bare_id(&reply).to_string());
        }
        if let Some(PropValue::SysTime(t)) = props.get(PR_CLIENT_SUBMIT_TIME) {
            b = b.date(mapi_types::unix_from_filetime(*t));
        }
        crate::compose_attach::finish(b, self.attachments)
    }
}

/// The RFC 5322 form of a message with properties `props` and recipient rows
/// `recipients` and no attachments, whole in memory; `message_id` (angle brackets
/// optional) is used when `props` has no PR_INTERNET_MESSAGE_ID.
pub fn compose(props: &Row, recipients: &[Row], message_id: &str) -> Vec<u8> {
    Composer::new(props, recipients)
        .message_id(message_id)
        .build()
        .into_vec()
        // without attachment readers nothing can fail
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "compose_tests.rs"]
mod tests;
