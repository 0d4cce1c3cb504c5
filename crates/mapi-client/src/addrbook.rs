//! The session's address book at the daemon: one request per `IAddrBook` /
//! `IABContainer` call the daemon answers ([`AbOp`]).

use mapi_proto::{AbOp, AbReply, RequestBody, ResponseBody};

use crate::conn::unexpected;
use crate::error::Result;
use crate::session::RemoteSession;

impl RemoteSession {
    /// One address-book call and its reply. A session that ended is
    /// `MAPI_E_END_OF_SESSION`.
    pub async fn address_book(&self, op: AbOp) -> Result<AbReply> {
        let name = op.name();
        match self
            .call(RequestBody::AddressBook {
                session: self.id(),
                op,
            })
            .await?
        {
            ResponseBody::AddressBook(reply) => Ok(reply),
            other => Err(unexpected(name, &other)),
        }
    }
}
