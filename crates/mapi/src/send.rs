//! [`send_draft`]: a [`Draft`] sent the MAPI way where the session allows it:
//! `CreateMessage` in the default store's Outbox, `SetProps` (class, subject, body,
//! HTML, sender), `ModifyRecipients` (To, Cc, Bcc) and `SubmitMessage`, over either link.
//!
//! The raw path ([`AnySession::submit`] of the built RFC 5322 message) is taken instead
//! when the draft has attachments (a created message cannot take attachments through
//! this API yet: `CreateAttach` is not in it), when the session has no default store or
//! its store names no Outbox (or is no property object), or when that store makes no
//! messages (`MAPI_E_NO_SUPPORT`, as the IMAP store answers both today).

use mapi_engine::{EngineError, Result, SubmitOutcome};
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO, MODRECIP_ADD};
use mapi_types::{MapiStatus, PropTag, PropValue, Row, Status, tags};

use crate::compose::Draft;
use crate::link::{AnySession, AnyStore};
use crate::object::Object;

/// How a draft went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Every envelope address (To, Cc, Bcc), in that order.
    pub recipients: Vec<String>,
    /// The engine's outcome: the Sent Items copy and any warning.
    pub outcome: SubmitOutcome,
    /// True when the message was built as a MAPI message object; false when the RFC
    /// 5322 form was submitted.
    pub as_object: bool,
}

/// Sends `draft` through `session` (see the module notes for which way). Bad addresses
/// are `MAPI_E_INVALID_PARAMETER` before anything is made; a refused submit leaves no
/// message behind unless the engine documents it (a transport failure leaves the saved
/// message unsent in the Outbox, as the raw path does).
pub fn send_draft(session: &AnySession, draft: &Draft) -> Result<Sent> {
    // Builds (and so checks) the message first, whichever way it goes.
    let message = draft.build()?;
    let recipients = message.recipients.clone();
    if draft.attachments.is_empty()
        && let Some((store, outbox)) = outbox(session)?
    {
        match store.create_message(&outbox, 0) {
            Ok(m) => {
                let outcome = compose_and_submit(&m, draft)?;
                return Ok(Sent {
                    recipients,
                    outcome,
                    as_object: true,
                });
            }
            Err(e) if e.status() == Status::MAPI_E_NO_SUPPORT => {}
            Err(e) => return Err(e),
        }
    }
    let outcome = session.submit(&message)?;
    Ok(Sent {
        recipients,
        outcome,
        as_object: false,
    })
}

/// The default store and its Outbox (PR_IPM_OUTBOX_ENTRYID), if it has both.
fn outbox(session: &AnySession) -> Result<Option<(AnyStore, Vec<u8>)>> {
    let store = match session.default_store() {
        Ok(s) => s,
        Err(e) if e.status() == Status::MAPI_E_NOT_FOUND => return Ok(None),
        Err(e) => return Err(e),
    };
    // A store that is no property object (the IMAP store today) names no Outbox.
    let object = match store.open_store_object() {
        Ok(o) => o,
        Err(e) if e.status() == Status::MAPI_E_NO_SUPPORT => return Ok(None),
        Err(e) => return Err(e),
    };
    let props = object.get_props(Some(&[tags::PR_IPM_OUTBOX_ENTRYID]), 0)?;
    Ok(match props.value.into_iter().next() {
        Some((_, PropValue::Binary(id))) if !id.is_empty() => Some((store, id)),
        _ => None,
    })
}

fn text(s: &str) -> PropValue {
    PropValue::Unicode(s.to_string())
}

fn recipient(kind: i32, address: &str) -> Row {
    let mut r = Row::default();
    r.set(tags::PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(tags::PR_DISPLAY_NAME, text(address));
    r.set(tags::PR_EMAIL_ADDRESS, text(address));
    r.set(tags::PR_ADDRTYPE, text("SMTP"));
    r
}

/// SetProps, ModifyRecipients and SubmitMessage on a created message.
fn compose_and_submit(m: &Object, draft: &Draft) -> Result<SubmitOutcome> {
    let mut values: Vec<(PropTag, PropValue)> = vec![
        (tags::PR_MESSAGE_CLASS, text("IPM.Note")),
        (tags::PR_SUBJECT, text(&draft.subject)),
        (tags::PR_BODY, text(&draft.body)),
        (tags::PR_SENDER_NAME, text(&draft.from)),
        (tags::PR_SENDER_EMAIL_ADDRESS, text(&draft.from)),
        (tags::PR_SENDER_ADDRTYPE, text("SMTP")),
        (tags::PR_SENT_REPRESENTING_NAME, text(&draft.from)),
        (tags::PR_SENT_REPRESENTING_EMAIL_ADDRESS, text(&draft.from)),
        (tags::PR_SENT_REPRESENTING_ADDRTYPE, text("SMTP")),
    ];
    if let Some(html) = &draft.html {
        values.push((tags::PR_HTML, PropValue::Binary(html.as_bytes().to_vec())));
    }
    if let Some(p) = m.set_props(&values)?.first() {
        return Err(EngineError::Status(
            p.status,
            format!("the new message refused {}: {}", p.tag, p.status),
        ));
    }
    let rows: Vec<Row> = [
        (MAPI_TO, &draft.to),
        (MAPI_CC, &draft.cc),
        (MAPI_BCC, &draft.bcc),
    ]
    .into_iter()
    .flat_map(|(kind, list)| list.iter().map(move |a| recipient(kind, a)))
    .collect();
    if !rows.is_empty() {
        m.modify_recipients(MODRECIP_ADD, &rows)?;
    }
    m.submit_message(0)
}
