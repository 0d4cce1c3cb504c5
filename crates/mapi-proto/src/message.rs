//! [`Message`]: everything that crosses the socket, one per frame.
//!
//! Encoding: a tag byte (1 `Hello`, 2 `Welcome`, 3 `Request`, 4 `Response`,
//! 5 `Notification`), then the message. Decoding reads the whole body and fails on
//! leftover bytes (except after `Hello`/`Welcome`, see [`crate::handshake`]).

use crate::error::ProtoError;
use crate::frame::encode_frame;
use crate::handshake::{Hello, Welcome};
use crate::notification::Notification;
use crate::request::Request;
use crate::response::Response;
use crate::wire::{Input, Writer};

/// One protocol message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// Client -> daemon, first.
    Hello(Hello),
    /// Daemon -> client, accepting the `Hello`.
    Welcome(Welcome),
    /// Client -> daemon.
    Request(Request),
    /// Daemon -> client, answering a request (or refusing the handshake, id 0).
    Response(Response),
    /// Daemon -> client, unsolicited.
    Notification(Notification),
}

impl Message {
    /// The variant's name (for logs and errors).
    pub fn name(&self) -> &'static str {
        match self {
            Message::Hello(_) => "Hello",
            Message::Welcome(_) => "Welcome",
            Message::Request(_) => "Request",
            Message::Response(_) => "Response",
            Message::Notification(_) => "Notification",
        }
    }

    fn write(&self) -> Writer {
        let mut w = Writer::default();
        match self {
            Message::Hello(m) => {
                w.u8(1);
                m.put(&mut w);
            }
            Message::Welcome(m) => {
                w.u8(2);
                m.put(&mut w);
            }
            Message::Request(m) => {
                w.u8(3);
                m.put(&mut w);
            }
            Message::Response(m) => {
                w.u8(4);
                m.put(&mut w);
            }
            Message::Notification(m) => {
                w.u8(5);
                m.put(&mut w);
            }
        }
        w
    }

    /// The message's encoding (a frame body). Never fails; a field over its limit is
    /// encoded anyway and the peer will refuse it: use [`Message::try_encode`] to check.
    pub fn encode(&self) -> Vec<u8> {
        self.write().buf
    }

    /// The encoding, or `MAPI_E_TOO_BIG` naming the first field over its limit.
    pub fn try_encode(&self) -> Result<Vec<u8>, ProtoError> {
        let w = self.write();
        match w.err {
            Some(e) => Err(e),
            None => Ok(w.buf),
        }
    }

    /// The encoding framed for sending, or `MAPI_E_TOO_BIG` if a field or the whole
    /// message is over its limit (answer with an error instead).
    pub fn to_frame(&self) -> Result<Vec<u8>, ProtoError> {
        encode_frame(&self.try_encode()?)
    }

    /// Decodes one frame body. Total and bounded: any input gives a message or an error,
    /// never a panic, and memory stays proportional to the input.
    pub fn decode(bytes: &[u8]) -> Result<Message, ProtoError> {
        let mut r = Input::new(bytes);
        let msg = match r.u8("message tag")? {
            1 => Message::Hello(Hello::get(&mut r)?),
            2 => Message::Welcome(Welcome::get(&mut r)?),
            3 => Message::Request(Request::get(&mut r)?),
            4 => Message::Response(Response::get(&mut r)?),
            5 => Message::Notification(Notification::get(&mut r)?),
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "message",
                    tag,
                });
            }
        };
        r.finish(msg.name())?;
        Ok(msg)
    }
}

impl From<Request> for Message {
    fn from(m: Request) -> Message {
        Message::Request(m)
    }
}

impl From<Response> for Message {
    fn from(m: Response) -> Message {
        Message::Response(m)
    }
}

impl From<Notification> for Message {
    fn from(m: Notification) -> Message {
        Message::Notification(m)
    }
}
