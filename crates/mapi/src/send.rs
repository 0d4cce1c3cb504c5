//! [`send_draft`]: a [`Draft`] sent the MAPI way where the session allows it:
//! `CreateMessage` in the default store's Outbox, `SetProps` (class, subject, body,
//! HTML, sender), `ModifyRecipients` (To, Cc, Bcc), one `CreateAttach` per attachment
//! (`ATTACH_BY_VALUE`, its bytes written through an `OpenProperty` stream on
//! PR_ATTACH_DATA_BIN, 1 MiB at a time) and `SubmitMessage`, over either link.
//!
//! The raw path ([`AnySession::submit`] of the built RFC 5322 message) is taken instead
//! when the session has no default store or its store names no Outbox (or is no
//! property object), or when that store makes no messages or takes no attachments
//! (`MAPI_E_NO_SUPPORT` from CreateMessage or CreateAttach; the unsaved message is then
//! dropped, so nothing of it is stored).

use mapi_engine::{EngineError, Result, SubmitOutcome};
use mapi_types::attach::ATTACH_BY_VALUE;
use mapi_types::object::{IID_ISTREAM, MAPI_CREATE, MAPI_MODIFY};
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO, MODRECIP_ADD};
use mapi_types::{MapiStatus, PropTag, PropValue, Row, Status, tags};

use crate::compose::{Draft, DraftAttachment};
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
    if let Some((store, outbox)) = outbox(session)? {
        match store.create_message(&outbox, 0) {
            Ok(m) => match compose_and_submit(&m, draft)? {
                Some(outcome) => {
                    return Ok(Sent {
                        recipients,
                        outcome,
                        as_object: true,
                    });
                }
                None => {
                    let _ = m.release();
                }
            },
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

/// SetProps, ModifyRecipients, CreateAttach and SubmitMessage on a created message;
/// `None` when the message takes no attachments (nothing of it was saved).
fn compose_and_submit(m: &Object, draft: &Draft) -> Result<Option<SubmitOutcome>> {
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
    for a in &draft.attachments {
        match attach(m, a) {
            Err(e) if e.status() == Status::MAPI_E_NO_SUPPORT => return Ok(None),
            r => r?,
        }
    }
    m.submit_message(0).map(Some)
}

/// One attachment by value: its properties, its bytes through a stream, its SaveChanges
/// (which hands it to the message).
fn attach(m: &Object, a: &DraftAttachment) -> Result<()> {
    let (_, att) = m.create_attach(0)?;
    let values = [
        (tags::PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
        (tags::PR_ATTACH_FILENAME, text(&a.file_name)),
        (tags::PR_ATTACH_LONG_FILENAME, text(&a.file_name)),
        (tags::PR_DISPLAY_NAME, text(&a.file_name)),
        (tags::PR_ATTACH_MIME_TAG, text(&a.mime_tag)),
    ];
    if let Some(p) = att.set_props(&values)?.first() {
        return Err(EngineError::Status(
            p.status,
            format!(
                "the attachment {} refused {}: {}",
                a.file_name, p.tag, p.status
            ),
        ));
    }
    let stream = att.open_property(
        tags::PR_ATTACH_DATA_BIN,
        &IID_ISTREAM,
        MAPI_CREATE | MAPI_MODIFY,
    )?;
    for piece in a.data.chunks(1 << 20) {
        let mut done = 0;
        while done < piece.len() {
            match stream.write(&piece[done..])? {
                0 => {
                    return Err(EngineError::Status(
                        Status::MAPI_E_CALL_FAILED,
                        format!("the attachment {}'s stream took no bytes", a.file_name),
                    ));
                }
                n => done += n,
            }
        }
    }
    stream.commit(0)?;
    stream.release()?;
    att.save_changes(0)?;
    att.release()
}
