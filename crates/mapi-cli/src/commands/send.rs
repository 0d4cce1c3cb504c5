//! `mapi send`: a message through the session's transport, kept in Sent Items. A
//! message composed from the flags is made the MAPI way where the session allows it
//! (`mapi::send::send_draft`: CreateMessage in the Outbox, SetProps, ModifyRecipients,
//! SubmitMessage); one with `--attach`, or `--eml`, is submitted as RFC 5322.

use mapi::LogoffFlags;
use mapi::compose::{Draft, DraftAttachment, from_raw};
use mapi::link::AnySession;
use mapi::send::{Sent, send_draft};
use serde_json::json;

use super::Ctx;
use super::logon::{logon, open};
use crate::cli::SendArgs;
use crate::error::CliError;
use crate::output::print_json;

/// Runs `mapi send`.
pub fn run(ctx: &Ctx, args: SendArgs) -> Result<(), CliError> {
    let mapi = open(ctx)?;
    let session = logon(&mapi, &args.logon)?;
    let out = (|| {
        let sent = match &args.eml {
            Some(path) => {
                let message = from_raw(read_file(path)?)?;
                let outcome = session.submit(&message)?;
                Sent {
                    recipients: message.recipients,
                    outcome,
                    as_object: false,
                }
            }
            None => {
                let from = match &args.from {
                    Some(f) => f.clone(),
                    None => match session.query_identity()? {
                        (mapi::Status::S_OK, id) => id,
                        // no identity: a disabled transport says why, before any
                        // complaint about the sender
                        (_, id) => return Err(disabled_transport(&session).unwrap_or_else(
                            || CliError::new(
                                mapi::Status::MAPI_E_INVALID_PARAMETER,
                                format!("no sender address: the session has no identity ({id}); give --from"),
                            ),
                        )),
                    },
                };
                let html = match &args.html {
                    Some(path) => Some(String::from_utf8(read_file(path)?).map_err(|_| {
                        CliError::new(
                            mapi::Status::MAPI_E_INVALID_PARAMETER,
                            format!("{} is not UTF-8 text", path.display()),
                        )
                    })?),
                    None => None,
                };
                let attachments = args
                    .attach
                    .iter()
                    .map(|p| Ok(DraftAttachment::from_file(p, read_file(p)?)))
                    .collect::<Result<Vec<_>, CliError>>()?;
                let draft = Draft {
                    from,
                    to: args.to.clone(),
                    cc: args.cc.clone(),
                    bcc: args.bcc.clone(),
                    subject: args.subject.clone(),
                    body: args.body.clone(),
                    html,
                    attachments,
                };
                send_draft(&session, &draft)?
            }
        };
        log::debug!(
            "sent {}",
            if sent.as_object {
                "as a message object (CreateMessage, SubmitMessage)"
            } else {
                "as RFC 5322"
            }
        );
        if ctx.json {
            print_json(&json!({
                "recipients": sent.recipients,
                "sent_copy": sent.outcome.sent_copy.is_some(),
                "warning": sent.outcome.warning,
            }));
        } else {
            println!("sent to {}", sent.recipients.join(", "));
            if let Some(w) = &sent.outcome.warning {
                crate::output::warn(w);
            }
        }
        Ok(())
    })();
    session.logoff(LogoffFlags::default());
    out
}

/// A file named on the command line, or MAPI_E_NOT_FOUND naming it.
fn read_file(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| {
        CliError::new(
            mapi::Status::MAPI_E_NOT_FOUND,
            format!("cannot read {}: {e}", path.display()),
        )
    })
}

/// The failure of a disabled transport, from the session's status table.
fn disabled_transport(session: &AnySession) -> Option<CliError> {
    let table = session.status_table().ok()?;
    table.full_rows().iter().find_map(|r| {
        let transport = r.int(mapi::tags::PR_RESOURCE_TYPE)
            == Some(i64::from(mapi::resource_type::MAPI_TRANSPORT_PROVIDER));
        let failed = r
            .int(mapi::tags::PR_STATUS_CODE)
            .is_some_and(|c| c as u32 & mapi::StatusCode::STATUS_FAILURE.0 != 0);
        if !(transport && failed) {
            return None;
        }
        let text = r.str(mapi::tags::PR_STATUS_STRING).unwrap_or("disabled");
        let status = text
            .split_whitespace()
            .next()
            .and_then(mapi::Status::from_name)
            .unwrap_or(mapi::Status::MAPI_E_LOGON_FAILED);
        let name = r
            .str(mapi::tags::PR_DISPLAY_NAME)
            .unwrap_or("the transport");
        let reason = text.split_once(": ").map_or(text, |(_, rest)| rest);
        Some(CliError::new(
            status,
            format!("cannot send: {name} (transport) is disabled: {reason}"),
        ))
    })
}
