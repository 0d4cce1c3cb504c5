//! The other direction: an RFC 5322 message built (with `mail-builder`) from a
//! message's MAPI properties and recipient rows, for stores that keep a message
//! written through SetProps as MIME.
//!
//! The rules: PR_SUBJECT as Subject; From from PR_SENT_REPRESENTING_NAME /
//! _EMAIL_ADDRESS (else PR_SENDER_*), and Sender from PR_SENDER_* when its address
//! differs; To and Cc from the recipient rows (MAPI_TO / MAPI_CC, PR_DISPLAY_NAME and
//! PR_EMAIL_ADDRESS or PR_SMTP_ADDRESS; MAPI_BCC ones are not written), or for a message
//! without recipients from PR_DISPLAY_TO / PR_DISPLAY_CC, items separated by `;` or
//! `,`, each `Name <address>` or a bare address (an item without an `@` names no
//! mailbox and is left out); PR_BODY as text/plain and PR_HTML as text/html;
//! PR_CLIENT_SUBMIT_TIME as Date; PR_INTERNET_MESSAGE_ID as Message-ID (the caller gives
//! one for a message without it); PR_IN_REPLY_TO_ID as In-Reply-To.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_P1, MAPI_SUBMITTED, MAPI_TO};
use mapi_types::tags::*;
use mapi_types::{PropValue, Row};

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

/// The RFC 5322 form of a message with properties `props` and recipient rows
/// `recipients`; `message_id` (without angle brackets) is used when `props` has no
/// PR_INTERNET_MESSAGE_ID.
pub fn compose(props: &Row, recipients: &[Row], message_id: &str) -> Vec<u8> {
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
        "" => bare_id(message_id).to_string(),
        id => id.to_string(),
    };
    let (to, cc) = if recipients.is_empty() {
        (
            display_mailboxes(&get(PR_DISPLAY_TO)),
            display_mailboxes(&get(PR_DISPLAY_CC)),
        )
    } else {
        (
            recipient_mailboxes(recipients, MAPI_TO),
            recipient_mailboxes(recipients, MAPI_CC),
        )
    };
    let mut b = MessageBuilder::new()
        .subject(subject.as_str())
        .message_id(id)
        .text_body(body.as_str());
    if rep_email.contains('@') {
        b = b.from(mailbox(&rep_name, &rep_email));
        if sender_email.contains('@') && !sender_email.eq_ignore_ascii_case(&rep_email) {
            b = b.sender(mailbox(&sender_name, &sender_email));
        }
    } else if sender_email.contains('@') {
        b = b.from(mailbox(&sender_name, &sender_email));
    }
    if !to.is_empty() {
        b = b.to(address_list(&to));
    }
    if !cc.is_empty() {
        b = b.cc(address_list(&cc));
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
    let mut out = Vec::new();
    // writing to a Vec cannot fail
    let _ = b.write_to(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageProps;

    fn rcpt(kind: i32, name: &str, email: &str) -> Row {
        let mut r = Row::default();
        r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
        r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
        r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.into()));
        r
    }

    #[test]
    fn display_lists_give_their_mailboxes() {
        assert_eq!(
            display_mailboxes("Bob Builder <bob@example.org>; carol@example.org, Dave"),
            vec![
                (Some("Bob Builder".into()), "bob@example.org".into()),
                (None, "carol@example.org".into()),
            ]
        );
        assert!(display_mailboxes("").is_empty());
    }

    #[test]
    fn a_composed_message_maps_back_to_its_properties() {
        let mut p = Row::default();
        p.set(PR_SUBJECT, PropValue::Unicode("Grüße".into()));
        p.set(PR_BODY, PropValue::Unicode("plain text\n".into()));
        p.set(PR_HTML, PropValue::Binary(b"<p>html</p>".to_vec()));
        p.set(PR_SENDER_NAME, PropValue::Unicode("Ann".into()));
        p.set(
            PR_SENDER_EMAIL_ADDRESS,
            PropValue::Unicode("ann@example.org".into()),
        );
        p.set(PR_IN_REPLY_TO_ID, PropValue::Unicode("<orig@x>".into()));
        let rcpts = [
            rcpt(MAPI_TO, "Bob", "bob@example.org"),
            rcpt(MAPI_CC, "Carol", "carol@example.org"),
            rcpt(MAPI_BCC, "Dave", "dave@example.org"),
        ];
        let raw = compose(&p, &rcpts, "<made@here>");
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("dave@example.org"), "no Bcc header: {text}");
        let row = MessageProps::map(&crate::MessageParser::new(), &raw).into_row(None);
        assert_eq!(row.str(PR_SUBJECT), Some("Grüße"));
        assert_eq!(row.str(PR_INTERNET_MESSAGE_ID), Some("<made@here>"));
        assert_eq!(row.str(PR_IN_REPLY_TO_ID), Some("<orig@x>"));
        assert_eq!(row.str(PR_SENDER_EMAIL_ADDRESS), Some("ann@example.org"));
        assert_eq!(row.str(PR_DISPLAY_TO), Some("Bob"));
        assert_eq!(row.str(PR_DISPLAY_CC), Some("Carol"));
        assert!(row.str(PR_BODY).unwrap().starts_with("plain text"));
        assert_eq!(display_lists(&rcpts)[2], "Dave");
    }
}
