//! A transport failure shows on the transport's status row: a submit the transport
//! could not deliver because of the transport (its server unreachable, refusing the
//! logon, offline) sets the row to `STATUS_FAILURE` with the reason and announces the
//! change (`fnevStatusObjectModified`); the next submit through it that works puts back
//! the row it had. A message the server refused (a bad recipient) is the message's
//! failure and leaves the row alone.

use mapi_spi::{OutgoingMessage, StatusRow};
use mapi_types::{Status, StatusCode};

use super::Route;
use crate::error::Result;
use crate::session::{SessionEvent, SessionInner};

/// Whether a status from a transport's submit is the transport's failure.
pub(crate) fn is_transport_failure(status: Status) -> bool {
    [
        Status::MAPI_E_NETWORK_ERROR,
        Status::MAPI_E_TIMEOUT,
        Status::MAPI_E_LOGON_FAILED,
        Status::MAPI_E_SESSION_LIMIT,
        Status::MAPI_E_OFFLINE,
        Status::MAPI_E_FAILONEPROVIDER,
    ]
    .contains(&status)
}

/// Hands `message` to the route's transport, keeping its status row true.
pub(super) async fn send(
    s: &SessionInner,
    route: &Route<'_>,
    message: &OutgoingMessage,
) -> Result<()> {
    let r = route.transport.submit(message).await;
    let slot = route.slot;
    let changed = {
        let mut failed = slot
            .transport_failed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut row = slot.status.lock().unwrap_or_else(|p| p.into_inner());
        match &r {
            Err(e) if is_transport_failure(e.status) => {
                if failed.is_none() {
                    *failed = Some(row.clone());
                }
                let next = StatusRow {
                    code: StatusCode::STATUS_FAILURE,
                    text: Some(format!("the last submit failed: {e}")),
                    identity: row.identity.clone(),
                };
                let changed = *row != next;
                *row = next;
                changed
            }
            Ok(()) => match failed.take() {
                Some(before) => {
                    *row = before;
                    true
                }
                None => false,
            },
            Err(_) => false,
        }
    };
    if changed {
        let _ = s.events.send(SessionEvent::StatusChanged);
    }
    Ok(r?)
}
