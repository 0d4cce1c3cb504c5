//! The properties taken from header fields: subject, sender, recipients for display,
//! times, ids, importance. The same code serves a full parse and a header-only one.

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;
use mail_parser::{Address, HeaderName, HeaderValue, Message};

use crate::header::{is_folded, last_fields, unfold};

/// `IMPORTANCE_LOW`.
pub const IMPORTANCE_LOW: i32 = 0;
/// `IMPORTANCE_NORMAL`.
pub const IMPORTANCE_NORMAL: i32 = 1;
/// `IMPORTANCE_HIGH`.
pub const IMPORTANCE_HIGH: i32 = 2;

/// One mailbox shown as a sender: its display name (the address when it has none) and
/// its SMTP address (empty when the field had none).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mailbox {
    /// Display name, or the address when the field gives no name.
    pub name: String,
    /// The address (`PR_*_ADDRTYPE` is `SMTP` when it is not empty).
    pub email: String,
}

/// The properties a message's header fields give.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    /// `Subject:`, encoded words decoded, unfolded (RFC 5322 §2.2.3); empty without one.
    pub subject: String,
    /// `Sender:`, else the first `From:` mailbox (PR_SENDER_*).
    pub sender: Option<Mailbox>,
    /// The first `From:` mailbox (PR_SENT_REPRESENTING_*).
    pub sent_representing: Option<Mailbox>,
    /// `To:` names (addresses for mailboxes without one), joined with `"; "`.
    pub display_to: String,
    /// `Cc:`, as `display_to`.
    pub display_cc: String,
    /// `Bcc:`, as `display_to`.
    pub display_bcc: String,
    /// `Date:` as a FILETIME (PR_CLIENT_SUBMIT_TIME).
    pub submit_time: Option<u64>,
    /// `Date:` in seconds since the Unix epoch.
    pub date: Option<i64>,
    /// `Message-ID:`, in angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To:`, each id in angle brackets, separated by a space.
    pub in_reply_to: Option<String>,
    /// From `Importance:` (`high`, `normal`, `low`), else `X-Priority:` (1-2 high, 3
    /// normal, 4-5 low), else [`IMPORTANCE_NORMAL`].
    pub importance: i32,
}

impl Fields {
    /// The fields of a parsed message; `raw` is what it was parsed from (folded fields
    /// are read again from it, unfolded as RFC 5322 says) and `block` its header block.
    pub fn of(msg: &Message<'_>, raw: &[u8], block: &[u8]) -> Fields {
        let [importance, priority] = last_fields(block, IMPORTANCE_FIELDS);
        Fields::of_parsed(msg, raw, importance_of(importance, priority))
    }

    /// [`Fields::of`] with PR_IMPORTANCE already read ([`importance_of`]).
    pub fn of_parsed(msg: &Message<'_>, raw: &[u8], importance: i32) -> Fields {
        let subject = text(msg, raw, HeaderName::Subject).unwrap_or_default();
        let from = address(msg, raw, HeaderName::From);
        let sender = address(msg, raw, HeaderName::Sender);
        let sent_representing = from.as_deref().and_then(first_mailbox);
        let date = msg.date().map(|d| d.to_timestamp());
        Fields {
            subject,
            sender: sender
                .as_deref()
                .and_then(first_mailbox)
                .or_else(|| sent_representing.clone()),
            sent_representing,
            display_to: display_list(address(msg, raw, HeaderName::To).as_deref()),
            display_cc: display_list(address(msg, raw, HeaderName::Cc).as_deref()),
            display_bcc: display_list(address(msg, raw, HeaderName::Bcc).as_deref()),
            submit_time: date.map(mapi_types::filetime_from_unix),
            date,
            message_id: msg.message_id().map(angle_id),
            in_reply_to: ids(msg.in_reply_to()),
            importance,
        }
    }

    /// The fields of a message with no header fields.
    pub fn none() -> Fields {
        Fields {
            importance: IMPORTANCE_NORMAL,
            ..Fields::default()
        }
    }
}

/// A message id in angle brackets, as PR_INTERNET_MESSAGE_ID and PR_IN_REPLY_TO_ID hold
/// it (mail-parser gives ids without them; an id already in brackets is kept as is).
pub fn angle_id(id: &str) -> String {
    if id.starts_with('<') && id.ends_with('>') && id.len() >= 2 {
        id.to_string()
    } else {
        format!("<{id}>")
    }
}

/// The raw value of the root part's last field `name`, when it is folded.
fn folded_value(msg: &Message<'_>, raw: &[u8], name: &HeaderName<'_>) -> Option<Vec<u8>> {
    let h = msg
        .root_part()
        .headers
        .iter()
        .rev()
        .find(|h| &h.name == name)?;
    let value = raw.get(h.offset_start as usize..h.offset_end as usize)?;
    if !is_folded(value) {
        return None;
    }
    let mut line = unfold(value);
    if line.last() != Some(&b'\n') {
        line.push(b'\n');
    }
    Some(line)
}

/// A text field. mail-parser joins folded lines with one space, dropping the white
/// space at the fold; a folded value is unfolded here instead and parsed as one line.
fn text(msg: &Message<'_>, raw: &[u8], name: HeaderName<'_>) -> Option<String> {
    match folded_value(msg, raw, &name) {
        Some(line) => MessageStream::new(&line)
            .parse_unstructured()
            .into_text()
            .map(|t| t.into_owned()),
        None => msg
            .header(name)
            .and_then(HeaderValue::as_text)
            .map(str::to_string),
    }
}

/// An address field, read again from its unfolded line when it is folded (borrowed
/// from the parsed message otherwise).
fn address<'m, 'x: 'm>(
    msg: &'m Message<'x>,
    raw: &[u8],
    name: HeaderName<'x>,
) -> Option<Cow<'m, Address<'m>>> {
    match folded_value(msg, raw, &name) {
        Some(line) => MessageStream::new(&line)
            .parse_address()
            .into_address()
            .map(|a| Cow::Owned(a.into_owned())),
        None => msg
            .header(name)
            .and_then(HeaderValue::as_address)
            .map(Cow::Borrowed),
    }
}

fn first_mailbox(a: &Address<'_>) -> Option<Mailbox> {
    let first = a.first()?;
    let email = first.address().unwrap_or_default().trim().to_string();
    let name = first
        .name()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| email.clone());
    (!name.is_empty() || !email.is_empty()).then_some(Mailbox { name, email })
}

/// Names (or addresses) joined with `"; "`, as MAPI shows PR_DISPLAY_TO/CC/BCC.
fn display_list(a: Option<&Address<'_>>) -> String {
    let Some(a) = a else {
        return String::new();
    };
    let mut out = String::new();
    for x in a.iter() {
        let shown = x
            .name()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .or(x.address().map(str::trim))
            .unwrap_or_default();
        if shown.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(shown);
    }
    out
}

fn ids(v: &HeaderValue<'_>) -> Option<String> {
    let list: Vec<&str> = match v {
        HeaderValue::Text(t) => vec![t.as_ref()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.as_ref()).collect(),
        _ => Vec::new(),
    };
    let list: Vec<String> = list
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(angle_id)
        .collect();
    (!list.is_empty()).then(|| list.join(" "))
}

/// The fields PR_IMPORTANCE is read from, as [`importance_of`] takes them.
pub const IMPORTANCE_FIELDS: [&str; 2] = ["Importance", "X-Priority"];

/// PR_IMPORTANCE from the raw values of the last `Importance` and `X-Priority` fields of
/// the header block ([`IMPORTANCE_FIELDS`]).
pub fn importance_of(importance: Option<&[u8]>, priority: Option<&[u8]>) -> i32 {
    let value = |v: Option<&[u8]>| {
        v.map(|v| {
            String::from_utf8_lossy(&unfold(v))
                .trim()
                .to_ascii_lowercase()
        })
    };
    match value(importance).as_deref() {
        Some("high") => return IMPORTANCE_HIGH,
        Some("normal") => return IMPORTANCE_NORMAL,
        Some("low") => return IMPORTANCE_LOW,
        _ => {}
    }
    match value(priority).and_then(|v| v.chars().next()) {
        Some('1' | '2') => IMPORTANCE_HIGH,
        Some('4' | '5') => IMPORTANCE_LOW,
        _ => IMPORTANCE_NORMAL,
    }
}
