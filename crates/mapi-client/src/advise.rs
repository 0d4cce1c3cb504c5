//! `RemoteSession::advise` / `unadvise`: advise registrations at the daemon, whose
//! events the connection's notification thread hands to the sinks (`events`).

use mapi_proto::{AdviseTarget, RequestBody, ResponseBody};
use mapi_types::Status;
use mapi_types::notify::fnev;

use crate::conn::unexpected;
use crate::error::{ClientError, Result};
use crate::events::EventSink;
use crate::session::RemoteSession;

fn ended(e: ClientError) -> ClientError {
    match e {
        ClientError::Daemon { status, message } if status == Status::MAPI_E_END_OF_SESSION => {
            ClientError::SessionEnded { reason: message }
        }
        other => other,
    }
}

impl RemoteSession {
    /// `Advise` at the daemon (`IMAPISession::Advise`, `IMsgStore::Advise`,
    /// `IMAPITable::Advise` on a contents, hierarchy or status table opened with
    /// `open_table`, `IAddrBook::Advise`): the engine's
    /// connection number. `sink` is called on this connection's notification thread,
    /// in order, with no lock of the link held, until [`RemoteSession::unadvise`], this
    /// handle's logoff or the session's end. A session registration with
    /// `fnevExtended` is told of the session's shutdown, also when the daemon goes away.
    /// Errors are the engine's: `MAPI_E_NO_SUPPORT` for a mask with no event the object
    /// supports.
    pub async fn advise(&self, target: AdviseTarget, mask: u32, sink: EventSink) -> Result<u32> {
        self.live()?;
        let shutdown =
            matches!(target, AdviseTarget::Session { entry: None }) && mask & fnev::EXTENDED != 0;
        let conn = self.connection();
        let (id, rx) = conn.register(None)?;
        if let Err(e) = conn.sinks().expect(id, self.id(), sink, shutdown) {
            conn.unregister(id);
            return Err(ClientError::Daemon {
                status: Status::MAPI_E_NOT_ENOUGH_RESOURCES,
                message: format!("the notification thread could not be started: {e}"),
            });
        }
        let body = RequestBody::Advise {
            session: self.id(),
            target,
            mask,
        };
        let r = match conn.send(id, body) {
            Ok(()) => conn.wait(rx).await,
            Err(e) => Err(e),
        };
        match r {
            Ok(ResponseBody::Advised(c)) => Ok(c),
            other => {
                conn.sinks().answered(id, None);
                match other {
                    Ok(body) => Err(unexpected("Advise", &body)),
                    Err(e) => Err(ended(e)),
                }
            }
        }
    }

    /// `Unadvise`: the daemon drops the registration, then the sink goes here; after
    /// this returns it is not called again (a call in progress on another thread is
    /// waited for). `MAPI_E_NOT_FOUND` for a number this handle was not given.
    pub async fn unadvise(&self, conn: u32) -> Result<()> {
        let r = self
            .call(RequestBody::Unadvise {
                session: self.id(),
                conn,
            })
            .await;
        match r {
            Ok(ResponseBody::Done) => {
                self.connection().sinks().forget(self.id(), conn).await;
                Ok(())
            }
            Ok(other) => Err(unexpected("Unadvise", &other)),
            Err(e) => Err(e),
        }
    }

    /// Drops a registration without waiting for the daemon's answer (its owner was
    /// dropped): the sink is not called again once a call in progress returns.
    pub fn unadvise_unanswered(&self, conn: u32) {
        self.connection().sinks().drop_now(self.id(), conn);
        if self.ended().is_none() && self.connection().is_alive() {
            self.connection().send_unanswered(RequestBody::Unadvise {
                session: self.id(),
                conn,
            });
        }
    }
}
