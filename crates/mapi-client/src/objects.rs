//! Property objects and streams held by the daemon: one request per `IMAPIProp` /
//! `IStream` method on a handle.

use mapi_proto::{ObjectOp, ObjectReply, RequestBody, ResponseBody};

use crate::conn::unexpected;
use crate::error::Result;
use crate::session::RemoteSession;

impl RemoteSession {
    /// One object or stream call (open, a method, release) and its reply. A session
    /// that ended is `MAPI_E_END_OF_SESSION`; a released handle, `MAPI_E_INVALID_OBJECT`
    /// from the daemon.
    pub async fn object(&self, op: ObjectOp) -> Result<ObjectReply> {
        let name = op.name();
        match self
            .call(RequestBody::Object {
                session: self.id(),
                op,
            })
            .await?
        {
            ResponseBody::Object(reply) => Ok(reply),
            other => Err(unexpected(name, &other)),
        }
    }

    /// Releases an object or stream handle without waiting for the answer (a handle
    /// dropped by its owner).
    pub fn release_object(&self, handle: u64) {
        if self.ended().is_none() && self.connection().is_alive() {
            self.connection().send_unanswered(RequestBody::Object {
                session: self.id(),
                op: ObjectOp::Release { handle },
            });
        }
    }
}
