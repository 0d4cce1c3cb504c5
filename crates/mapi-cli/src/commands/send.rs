//! `mapi send`: a message through the session's transport, copied to Sent Items.

use mapi::LogoffFlags;
use mapi::compose::{Draft, from_raw};
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
        let message = match &args.eml {
            Some(path) => {
                let raw = std::fs::read(path).map_err(|e| {
                    CliError::new(
                        mapi::Status::MAPI_E_NOT_FOUND,
                        format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                from_raw(raw)?
            }
            None => {
                let from = match &args.from {
                    Some(f) => f.clone(),
                    None => session.query_identity()?.1,
                };
                Draft {
                    from,
                    to: args.to.clone(),
                    cc: args.cc.clone(),
                    bcc: args.bcc.clone(),
                    subject: args.subject.clone(),
                    body: args.body.clone(),
                }
                .build()?
            }
        };
        let outcome = session.submit(&message)?;
        if ctx.json {
            print_json(&json!({
                "recipients": message.recipients,
                "sent_copy": outcome.sent_copy.is_some(),
                "warning": outcome.warning,
            }));
        } else {
            println!("sent to {}", message.recipients.join(", "));
            if let Some(w) = &outcome.warning {
                crate::output::warn(w);
            }
        }
        Ok(())
    })();
    session.logoff(LogoffFlags::default());
    out
}
