//! The spooler: `Session::submit` (a raw RFC 5322 message) and `Session::submit_message`
//! (`IMessage::SubmitMessage` on a message object). Both check the session may send, pick
//! the transport the same way and hand it the message the same way; they differ in where
//! the message is kept while it is queued and after it is sent.
//!
//! `envelope`: a message object's envelope recipients from its recipient table, and
//! the Bcc header taken out of the bytes sent.
//! `failure`: a transport failure sets the transport's status row and announces it.

mod envelope;
mod failure;

use std::sync::Arc;

use mapi_spi::{FolderKind, MsgStore, OutgoingMessage, PropObject, Transport};
use mapi_types::folder::MESSAGE_MOVE;
use mapi_types::object::KEEP_OPEN_READWRITE;
use mapi_types::{
    LogonFlags, PropTag, PropValue, Status, filetime_now, object_type, resource_type, tags,
};

use crate::error::{EngineError, Result};
use crate::open_entry::OpenedEntry;
use crate::session::{ProviderSlot, Session, SessionInner, SubmitOutcome, slot_store};
use envelope::{envelope, strip_bcc};

/// `MSGFLAG_SUBMIT`: the message is queued for sending (PR_MESSAGE_FLAGS).
pub const MSGFLAG_SUBMIT: i32 = 0x4;
/// `MSGFLAG_UNSENT`: the message is being composed, not sent yet (PR_MESSAGE_FLAGS).
pub const MSGFLAG_UNSENT: i32 = 0x8;
/// `FORCE_SUBMIT` (`IMessage::SubmitMessage`): "submit immediately"; MAPI documents it
/// as not in use, and every submission here is immediate.
pub const FORCE_SUBMIT: u32 = 0x1;

/// The transport a submission goes through, chosen once for both kinds of submit.
struct Route<'s> {
    slot: &'s ProviderSlot,
    transport: Arc<dyn Transport>,
}

impl Session {
    /// The session is live and this client did not log on with `MAPI_NO_MAIL`.
    fn may_send(&self) -> Result<&SessionInner> {
        let s = self.live()?;
        if self.flags().contains(LogonFlags::MAPI_NO_MAIL) {
            return Err(EngineError::NoSupport(
                "this client logged on with MAPI_NO_MAIL: it cannot submit messages".into(),
            ));
        }
        Ok(s)
    }

    /// The checks both submits make before anything changes: the session is live, this
    /// client did not log on with `MAPI_NO_MAIL`, there are recipients, and a transport
    /// is up (the first in transport order; a disabled one gives the status that
    /// disabled it).
    fn route(&self, recipients: &[String]) -> Result<(&SessionInner, Route<'_>)> {
        let s = self.may_send()?;
        if recipients.is_empty() {
            return Err(EngineError::Status(
                Status::MAPI_E_NO_RECIPIENTS,
                "the message has no recipients (MAPI_E_NO_RECIPIENTS): add a To, Cc or Bcc \
                 address"
                    .into(),
            ));
        }
        let mut transports: Vec<&ProviderSlot> = s
            .providers
            .iter()
            .filter(|p| p.info.resource_type == resource_type::MAPI_TRANSPORT_PROVIDER)
            .collect();
        transports.sort_by_key(|p| p.info.ordinal);
        let mut last = None;
        for t in transports {
            match (&t.object, &t.disabled) {
                (Some(crate::session::ProviderObject::Transport(x)), _) => {
                    return Ok((
                        s,
                        Route {
                            slot: t,
                            transport: x.clone(),
                        },
                    ));
                }
                (_, Some((status, reason))) => {
                    last = Some(EngineError::ServiceDisabled {
                        service: t.service_display.clone(),
                        status: *status,
                        reason: reason.clone(),
                    })
                }
                _ => {}
            }
        }
        Err(last.unwrap_or_else(|| {
            EngineError::NoSupport("the profile has no transport provider".into())
        }))
    }

    /// Submits a message: it is placed in the Outbox of the transport's own store (else
    /// the default store), sent by the first transport in transport order, then moved to
    /// Sent Items. A message that could not be sent stays in the Outbox. Sessions made
    /// with `MAPI_NO_MAIL` cannot submit (`MAPI_E_NO_SUPPORT`); a message without
    /// envelope recipients is `MAPI_E_NO_RECIPIENTS`.
    pub async fn submit(&self, message: &OutgoingMessage) -> Result<SubmitOutcome> {
        let r = self.submit_inner(message).await;
        self.record(r)
    }

    async fn submit_inner(&self, message: &OutgoingMessage) -> Result<SubmitOutcome> {
        let (s, route) = self.route(&message.recipients)?;
        // The transport's own store (a tightly coupled pair such as IMAP + SMTP), else the
        // default store.
        let store = s
            .providers
            .iter()
            .find(|p| {
                p.info.service_uid == route.slot.info.service_uid
                    && p.info.resource_type == resource_type::MAPI_STORE_PROVIDER
            })
            .and_then(|p| slot_store(p).ok())
            .or_else(|| s.default_store_slot().and_then(|p| slot_store(p).ok()));
        let queued = match &store {
            Some(st) => {
                let put = async {
                    let outbox = st.folder(FolderKind::Outbox).await?;
                    st.import_raw(&outbox, vec![message.raw.clone()]).await
                }
                .await;
                match put {
                    Ok(ids) => ids.into_iter().next(),
                    // A store that keeps no messages: send without queuing.
                    Err(e) if e.status == Status::MAPI_E_NO_SUPPORT => None,
                    Err(e) => return Err(e.into()),
                }
            }
            None => None,
        };
        failure::send(s, &route, message).await?;
        let mut outcome = SubmitOutcome::default();
        if let Some(st) = &store {
            if let Some(id) = &queued
                && let Err(e) = st.delete_message(id).await
            {
                outcome.warning = Some(format!("sent, but not removed from the Outbox: {e}"));
            }
            let copied = async {
                let sent = st.folder(FolderKind::SentItems).await?;
                st.import_raw(&sent, vec![message.raw.clone()]).await
            }
            .await;
            match copied {
                Ok(ids) => outcome.sent_copy = ids.into_iter().next(),
                Err(e) if e.status == Status::MAPI_E_NO_SUPPORT => {}
                Err(e) => {
                    outcome.warning = Some(format!("sent, but not copied to Sent Items: {e}"))
                }
            }
        }
        self.note_warning(&outcome);
        Ok(outcome)
    }

    /// `IMessage::SubmitMessage`: sends a message object the caller got from this
    /// session — made by `CreateMessage` ([`Session::create_message`], or the store's
    /// `create_message` wrapped in an [`OpenedEntry`] with its store-table entry id) or
    /// opened with `MAPI_MODIFY` ([`Session::open_entry`]).
    ///
    /// In order:
    /// 1. Checks, with nothing changed when one fails: `flags` is 0 or `FORCE_SUBMIT`
    ///    (else `MAPI_E_UNKNOWN_FLAGS`); the object is a message (else
    ///    `MAPI_E_NO_SUPPORT`); this client did not log on with `MAPI_NO_MAIL` (else
    ///    `MAPI_E_NO_SUPPORT`, as [`Session::submit`]); the object is writable (a
    ///    read-only one answers `MAPI_E_NO_ACCESS`, one already submitted
    ///    `MAPI_E_INVALID_OBJECT`); its recipient table (saved or not) has at least one
    ///    row (else `MAPI_E_NO_RECIPIENTS`), each of type `MAPI_TO`, `MAPI_CC` or
    ///    `MAPI_BCC` with a PR_EMAIL_ADDRESS whose PR_ADDRTYPE, when given, is one the
    ///    transport delivers to (else `MAPI_E_INVALID_PARAMETER` naming the row); a
    ///    transport is up (else the status that disabled it, or `MAPI_E_NO_SUPPORT`).
    /// 2. Marks it queued: PR_MESSAGE_FLAGS gains `MSGFLAG_SUBMIT` (`MSGFLAG_UNSENT`
    ///    stays as the message has it; a created message has it), PR_CLIENT_SUBMIT_TIME
    ///    is now, a message naming no sender gets PR_SENDER_* and PR_SENT_REPRESENTING_*
    ///    of the transport's identity (its address), and the message is saved (`SaveChanges(KEEP_OPEN_READWRITE)`), which
    ///    also saves every unsaved change and makes a never-saved message exist.
    /// 3. Sends its RFC 5322 form (the store's `read_raw`, which for an unsent message
    ///    is built from its properties; any `Bcc:` field is taken out) through the
    ///    transport [`Session::submit`] uses, to every To, Cc and Bcc address (each
    ///    once), the envelope sender being the transport account's own.
    /// 4. On success: clears `MSGFLAG_SUBMIT` and `MSGFLAG_UNSENT`, sets
    ///    PR_MESSAGE_DELIVERY_TIME to now, saves, and moves the message itself (no copy)
    ///    to the Sent Items of its store (`CopyMessages` with `MESSAGE_MOVE`, else the
    ///    store's `move_message`); `sent_copy` is its entry id there. A failure after
    ///    sending is a `warning`, not an error (the mail has gone).
    ///
    /// A save that fails in step 2 (`MAPI_E_OBJECT_CHANGED` when another session saved
    /// the message meanwhile, ...) returns its status with nothing sent and the stored
    /// message as it was. A transport failure returns the transport's status (e.g.
    /// `MAPI_E_NETWORK_ERROR`); the message stays saved in its folder, unsent
    /// (`MSGFLAG_SUBMIT` cleared again, PR_CLIENT_SUBMIT_TIME kept), and the object
    /// stays usable for another attempt, as Microsoft documents for a SubmitMessage
    /// that returns an error.
    ///
    /// After a successful submit the object is released to the spooler: Microsoft's
    /// documentation allows no further call on it but Release. Here the message was
    /// saved without `KEEP_OPEN_*`, so the store answers every later change (SetProps,
    /// ModifyRecipients, SaveChanges, another SubmitMessage) with `MAPI_E_INVALID_OBJECT`;
    /// open the Sent Items copy by its entry id to read or change it.
    pub async fn submit_message(&self, message: &OpenedEntry, flags: u32) -> Result<SubmitOutcome> {
        let r = self.submit_message_inner(message, flags).await;
        self.record(r)
    }

    async fn submit_message_inner(
        &self,
        message: &OpenedEntry,
        flags: u32,
    ) -> Result<SubmitOutcome> {
        if flags & !FORCE_SUBMIT != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!(
                    "SubmitMessage knows only FORCE_SUBMIT, not flags 0x{:08X}",
                    flags & !FORCE_SUBMIT
                ),
            ));
        }
        let object = message.object.as_ref();
        if object.object_type() != object_type::MAPI_MESSAGE {
            return Err(EngineError::NoSupport(
                "SubmitMessage needs a message; this object is not one".into(),
            ));
        }
        self.may_send()?;
        let store = self.open_msg_store(&message.store)?;
        // A writable object takes an empty SetProps; a read-only one refuses it.
        object.set_props(&[]).await?;
        let envelope = envelope(object).await?;
        let (s, route) = self.route(&envelope.addresses)?;
        envelope.check_types(&route.transport.address_types())?;

        // The flags to go back to if the send fails: unsent as before, not queued.
        let before = message_flags(object).await? & !MSGFLAG_SUBMIT;
        let now = PropValue::SysTime(filetime_now());
        let mut marks = vec![
            (
                tags::PR_MESSAGE_FLAGS,
                PropValue::Long(before | MSGFLAG_SUBMIT),
            ),
            (tags::PR_CLIENT_SUBMIT_TIME, now.clone()),
        ];
        marks.extend(sender_props(object, route.slot).await?);
        set(object, &marks).await?;
        if let Err(e) = object.save_changes(KEEP_OPEN_READWRITE).await {
            // Not queued: the stored message is as it was; the flags are put back.
            let _ = object
                .set_props(&[(tags::PR_MESSAGE_FLAGS, PropValue::Long(before))])
                .await;
            return Err(e.into());
        }
        let (entry, folder) = saved_ids(object).await?;

        let sent = async {
            let raw = strip_bcc(store.read_raw(&entry).await?);
            let out = OutgoingMessage {
                from: None,
                recipients: envelope.addresses.clone(),
                raw,
            };
            failure::send(s, &route, &out).await?;
            Ok::<(), EngineError>(())
        }
        .await;
        if let Err(e) = sent {
            // Unsent: no longer queued, kept where it is, the object still open.
            let restored = async {
                set(object, &[(tags::PR_MESSAGE_FLAGS, PropValue::Long(before))]).await?;
                object.save_changes(KEEP_OPEN_READWRITE).await?;
                Ok::<(), EngineError>(())
            }
            .await;
            return Err(match restored {
                Ok(()) => e,
                Err(r) => EngineError::Status(
                    e_status(&e),
                    format!("{e} (and MSGFLAG_SUBMIT could not be cleared: {r})"),
                ),
            });
        }

        let mut outcome = SubmitOutcome::default();
        let mut warn = |w: String| {
            if outcome.warning.is_none() {
                outcome.warning = Some(w);
            }
        };
        let done = async {
            set(
                object,
                &[
                    (
                        tags::PR_MESSAGE_FLAGS,
                        PropValue::Long(before & !(MSGFLAG_SUBMIT | MSGFLAG_UNSENT)),
                    ),
                    (tags::PR_MESSAGE_DELIVERY_TIME, now),
                ],
            )
            .await?;
            // No KEEP_OPEN_*: the object is released to the spooler.
            object.save_changes(0).await?;
            Ok::<(), EngineError>(())
        }
        .await;
        if let Err(e) = done {
            warn(format!("sent, but not marked sent: {e}"));
        }
        match move_to_sent(store.as_ref(), &folder, &entry).await {
            Ok(id) => outcome.sent_copy = id,
            Err(e) => warn(format!("sent, but not moved to Sent Items: {e}")),
        }
        self.note_warning(&outcome);
        Ok(outcome)
    }

    /// A warning after sending is the session's last error text too.
    fn note_warning(&self, outcome: &SubmitOutcome) {
        if let Some(w) = &outcome.warning
            && let Ok(mut le) = self.inner.last_error.lock()
        {
            *le = Some(w.clone());
        }
    }

    /// `IMAPIFolder::CreateMessage` in a folder of a store of this session: the store's
    /// PR_ENTRYID in the message-store table, the folder's entry id, `CreateMessage`'s
    /// flags. The new message is writable and exists once saved (or submitted with
    /// [`Session::submit_message`]).
    pub async fn create_message(
        &self,
        store: &[u8],
        folder: &[u8],
        flags: u32,
    ) -> Result<OpenedEntry> {
        let r = async {
            let st = self.open_msg_store(store)?;
            let object = st.create_message(folder, flags).await?;
            Ok(OpenedEntry {
                store: store.to_vec(),
                object,
            })
        }
        .await;
        self.record(r)
    }
}

fn e_status(e: &EngineError) -> Status {
    mapi_types::MapiStatus::status(e)
}

/// SetProps where every value must take: a problem is the call's error.
async fn set(object: &dyn PropObject, values: &[(PropTag, PropValue)]) -> Result<()> {
    let problems = object.set_props(values).await?;
    match problems.first() {
        None => Ok(()),
        Some(p) => Err(EngineError::Status(
            p.status,
            format!("the message refused {}: {}", p.tag, p.status),
        )),
    }
}

/// For a message that names no sender (no PR_SENDER_EMAIL_ADDRESS and no
/// PR_SENT_REPRESENTING_EMAIL_ADDRESS), the sender and sent-representing properties of
/// the transport's identity (its status row's PR_IDENTITY_DISPLAY, when that is an
/// address), as the spooler sets them; otherwise none.
async fn sender_props(
    object: &dyn PropObject,
    slot: &ProviderSlot,
) -> Result<Vec<(PropTag, PropValue)>> {
    let got = object
        .get_props(
            Some(&[
                tags::PR_SENDER_EMAIL_ADDRESS,
                tags::PR_SENT_REPRESENTING_EMAIL_ADDRESS,
            ]),
            0,
        )
        .await?;
    let named = got
        .value
        .iter()
        .any(|(_, v)| v.as_str().is_some_and(|a| !a.trim().is_empty()));
    let identity = slot.status.lock().ok().and_then(|r| r.identity.clone());
    let Some(address) = identity.filter(|a| !named && a.contains('@')) else {
        return Ok(Vec::new());
    };
    let text = |s: &str| PropValue::Unicode(s.to_string());
    Ok(vec![
        (tags::PR_SENDER_NAME, text(&address)),
        (tags::PR_SENDER_EMAIL_ADDRESS, text(&address)),
        (tags::PR_SENDER_ADDRTYPE, text("SMTP")),
        (tags::PR_SENT_REPRESENTING_NAME, text(&address)),
        (tags::PR_SENT_REPRESENTING_EMAIL_ADDRESS, text(&address)),
        (tags::PR_SENT_REPRESENTING_ADDRTYPE, text("SMTP")),
    ])
}

/// The message's PR_MESSAGE_FLAGS (a message without them: `MSGFLAG_UNSENT`).
async fn message_flags(object: &dyn PropObject) -> Result<i32> {
    let got = object.get_props(Some(&[tags::PR_MESSAGE_FLAGS]), 0).await?;
    Ok(match got.value.first() {
        Some((_, PropValue::Long(f))) => *f,
        _ => MSGFLAG_UNSENT,
    })
}

/// A saved message's PR_ENTRYID and PR_PARENT_ENTRYID.
async fn saved_ids(object: &dyn PropObject) -> Result<(Vec<u8>, Vec<u8>)> {
    let got = object
        .get_props(Some(&[tags::PR_ENTRYID, tags::PR_PARENT_ENTRYID]), 0)
        .await?;
    let mut ids = got.value.into_iter().map(|(_, v)| match v {
        PropValue::Binary(b) => Some(b),
        _ => None,
    });
    match (ids.next().flatten(), ids.next().flatten()) {
        (Some(entry), Some(folder)) => Ok((entry, folder)),
        _ => Err(EngineError::Status(
            Status::MAPI_E_CALL_FAILED,
            "the saved message has no PR_ENTRYID or PR_PARENT_ENTRYID".into(),
        )),
    }
}

/// Moves a sent message to its store's Sent Items; its entry id there (`None` for a
/// store without a Sent Items folder).
async fn move_to_sent(
    store: &dyn MsgStore,
    folder: &[u8],
    entry: &[u8],
) -> Result<Option<Vec<u8>>> {
    let sent = match store.folder(FolderKind::SentItems).await {
        Ok(f) => f,
        Err(e) if e.status == Status::MAPI_E_NO_SUPPORT => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if sent == folder {
        return Ok(Some(entry.to_vec()));
    }
    let ids = [entry.to_vec()];
    match store.copy_messages(folder, &ids, &sent, MESSAGE_MOVE).await {
        Ok(reply) => match reply.value.into_iter().next().flatten() {
            Some(id) => Ok(Some(id)),
            None => Err(EngineError::NotFound(
                "the message was not found in its folder".into(),
            )),
        },
        Err(e) if e.status == Status::MAPI_E_NO_SUPPORT => {
            Ok(Some(store.move_message(entry, &sent).await?))
        }
        Err(e) => Err(e.into()),
    }
}
