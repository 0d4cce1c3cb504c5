//! The version handshake: the client's [`Hello`], the daemon's [`Welcome`], and a small
//! state machine for each side ([`ClientHandshake`], [`ServerHandshake`]).
//!
//! The client sends `Hello` first; the daemon answers `Welcome` when the versions are
//! equal, else a [`Response`] with id [`HANDSHAKE_ID`] and `MAPI_E_VERSION` whose message
//! names both versions. The `Hello` and `Welcome` layouts are frozen for every version,
//! and bytes after them are ignored, so two different versions can always tell each
//! other apart instead of seeing corrupt data.

use mapi_types::Status;

use crate::error::ProtoError;
use crate::message::Message;
use crate::response::{Response, ResponseBody};
use crate::wire::{Input, Writer};

/// The protocol version this crate speaks (2: `QueryIdentity`, `Submitted` with the
/// Sent copy, `Import`, `StoreOpened`, whole `DisabledService` rows; 3: property
/// objects and streams, `Object`; 4: `Folder` operations, `CreateMessage`,
/// `ModifyRecipients` and `RecipientTable` objects; 5: object `SubmitMessage` and its
/// `Submitted` reply, and attachments: `CreateAttach`, `OpenAttach`, `DeleteAttach`,
/// `AttachmentTable`, `OpenPropertyObject`, `Submit`'s envelope sender, object `SetReadFlag`;
/// 6: `Advise` / `Unadvise`, the `Advised` reply and `Event` notifications; the address
/// book: `AddressBook` requests and replies, `AbHierarchy` and `AbContents` tables). Versions
/// must be equal: a new request or operation a peer of the previous version would
/// call corrupt bumps it.
pub const PROTOCOL_VERSION: u32 = 6;

/// The four bytes after the tag of `Hello` and `Welcome`.
pub const MAGIC: [u8; 4] = *b"MAPI";

/// The response id used to refuse a handshake (requests never use it).
pub const HANDSHAKE_ID: u32 = 0;

/// The client's first message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The protocol version the client speaks.
    pub version: u32,
    /// The client's process id.
    pub client_pid: u32,
    /// The client program's name.
    pub program: String,
}

/// The daemon's acceptance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Welcome {
    /// The protocol version the daemon speaks (equal to the client's).
    pub version: u32,
    /// The daemon's process id.
    pub server_pid: u32,
}

fn get_magic(r: &mut Input<'_>, what: &'static str) -> Result<(), ProtoError> {
    if r.take(what, MAGIC.len())? != MAGIC {
        return Err(ProtoError::Malformed {
            what,
            why: "bad magic: the peer is not a MAPI client or daemon",
        });
    }
    Ok(())
}

impl Hello {
    pub(crate) fn put(&self, w: &mut Writer) {
        w.buf.extend_from_slice(&MAGIC);
        w.u32(self.version);
        w.u32(self.client_pid);
        w.str("Hello.program", &self.program);
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<Hello, ProtoError> {
        get_magic(r, "Hello.magic")?;
        let hello = Hello {
            version: r.u32("Hello.version")?,
            client_pid: r.u32("Hello.client_pid")?,
            program: r.string("Hello.program")?,
        };
        r.rest = &[];
        Ok(hello)
    }
}

impl Welcome {
    pub(crate) fn put(&self, w: &mut Writer) {
        w.buf.extend_from_slice(&MAGIC);
        w.u32(self.version);
        w.u32(self.server_pid);
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<Welcome, ProtoError> {
        get_magic(r, "Welcome.magic")?;
        let welcome = Welcome {
            version: r.u32("Welcome.version")?,
            server_pid: r.u32("Welcome.server_pid")?,
        };
        r.rest = &[];
        Ok(welcome)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Waiting,
    Done,
}

/// The client's side: [`ClientHandshake::start`] gives the `Hello` to send, then
/// [`ClientHandshake::receive`] takes the daemon's first message.
#[derive(Debug)]
pub struct ClientHandshake {
    version: u32,
    state: State,
}

impl ClientHandshake {
    /// Starts a handshake at [`PROTOCOL_VERSION`]; returns the `Hello` to send.
    pub fn start(client_pid: u32, program: impl Into<String>) -> (ClientHandshake, Message) {
        ClientHandshake::start_with_version(PROTOCOL_VERSION, client_pid, program)
    }

    /// Starts a handshake at another version (for tests and compatibility probes).
    pub fn start_with_version(
        version: u32,
        client_pid: u32,
        program: impl Into<String>,
    ) -> (ClientHandshake, Message) {
        let hello = Message::Hello(Hello {
            version,
            client_pid,
            program: program.into(),
        });
        (
            ClientHandshake {
                version,
                state: State::Waiting,
            },
            hello,
        )
    }

    /// Takes the daemon's answer: the [`Welcome`] when the connection is established,
    /// else why not (`MAPI_E_VERSION` naming both versions, or the daemon's refusal).
    /// The handshake is over after the first call; later calls fail.
    pub fn receive(&mut self, msg: &Message) -> Result<Welcome, ProtoError> {
        if self.state == State::Done {
            return Err(ProtoError::UnexpectedMessage {
                expected: "nothing (handshake finished)",
                got: msg.name(),
            });
        }
        self.state = State::Done;
        match msg {
            Message::Welcome(w) if w.version == self.version => Ok(w.clone()),
            Message::Welcome(w) => Err(ProtoError::VersionMismatch {
                client: self.version,
                daemon: w.version,
            }),
            Message::Response(Response {
                id: HANDSHAKE_ID,
                body: ResponseBody::Error { status, message },
            }) => Err(ProtoError::Refused {
                status: *status,
                message: message.clone(),
            }),
            other => Err(ProtoError::UnexpectedMessage {
                expected: "Welcome",
                got: other.name(),
            }),
        }
    }

    /// Whether [`ClientHandshake::receive`] has been called.
    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }
}

/// What the daemon does with a client's first message.
#[derive(Clone, Debug, PartialEq)]
pub struct ServerStep {
    /// Send this: a `Welcome`, or an error `Response` with id [`HANDSHAKE_ID`].
    pub reply: Message,
    /// The client's `Hello` if the connection is established; else the error (after
    /// sending `reply`, close the connection).
    pub outcome: Result<Hello, ProtoError>,
}

/// The daemon's side: feed the client's first message to [`ServerHandshake::receive`].
#[derive(Debug)]
pub struct ServerHandshake {
    version: u32,
    server_pid: u32,
    state: State,
}

impl ServerHandshake {
    /// A daemon-side handshake at [`PROTOCOL_VERSION`].
    pub fn new(server_pid: u32) -> ServerHandshake {
        ServerHandshake::with_version(PROTOCOL_VERSION, server_pid)
    }

    /// A daemon-side handshake at another version (for tests).
    pub fn with_version(version: u32, server_pid: u32) -> ServerHandshake {
        ServerHandshake {
            version,
            server_pid,
            state: State::Waiting,
        }
    }

    /// Takes the client's first message. A `Hello` at the same version is accepted;
    /// anything else is refused with a reply that says why.
    pub fn receive(&mut self, msg: &Message) -> ServerStep {
        let outcome = if self.state == State::Done {
            Err(ProtoError::UnexpectedMessage {
                expected: "nothing (handshake finished)",
                got: msg.name(),
            })
        } else {
            match msg {
                Message::Hello(h) if h.version == self.version => Ok(h.clone()),
                Message::Hello(h) => Err(ProtoError::VersionMismatch {
                    client: h.version,
                    daemon: self.version,
                }),
                other => Err(ProtoError::UnexpectedMessage {
                    expected: "Hello",
                    got: other.name(),
                }),
            }
        };
        self.state = State::Done;
        let reply = match &outcome {
            Ok(_) => Message::Welcome(Welcome {
                version: self.version,
                server_pid: self.server_pid,
            }),
            Err(e) => self.refusal(e),
        };
        ServerStep { reply, outcome }
    }

    /// The reply refusing a connection whose first frame did not even decode (or any
    /// other error `err`): an error `Response` with id [`HANDSHAKE_ID`].
    pub fn refusal(&mut self, err: &ProtoError) -> Message {
        self.state = State::Done;
        Message::Response(Response::from_proto_error(HANDSHAKE_ID, err))
    }

    /// A refusal for reasons outside the protocol (e.g. the peer is another user:
    /// `MAPI_E_NO_ACCESS`).
    pub fn refuse(&mut self, status: Status, message: impl Into<String>) -> Message {
        self.state = State::Done;
        Message::Response(Response {
            id: HANDSHAKE_ID,
            body: ResponseBody::Error {
                status,
                message: message.into(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::MapiStatus;

    #[test]
    fn same_versions_connect() {
        let (mut client, hello) = ClientHandshake::start(100, "mapi-cli");
        let hello = Message::decode(&hello.encode()).unwrap();
        let mut server = ServerHandshake::new(200);
        let step = server.receive(&hello);
        assert_eq!(
            step.outcome.unwrap(),
            Hello {
                version: PROTOCOL_VERSION,
                client_pid: 100,
                program: "mapi-cli".into()
            }
        );
        let reply = Message::decode(&step.reply.encode()).unwrap();
        let welcome = client.receive(&reply).unwrap();
        assert_eq!(
            welcome,
            Welcome {
                version: PROTOCOL_VERSION,
                server_pid: 200
            }
        );
        assert!(client.is_finished());
        assert!(
            client.receive(&reply).is_err(),
            "a second Welcome is refused"
        );
    }

    #[test]
    fn version_mismatch_is_refused_naming_both_versions() {
        let (mut client, hello) = ClientHandshake::start_with_version(1, 100, "old-client");
        let mut server = ServerHandshake::with_version(2, 200);
        let step = server.receive(&hello);
        let err = step.outcome.unwrap_err();
        assert_eq!(err.status(), Status::MAPI_E_VERSION);
        let expected = "client speaks protocol 1, daemon speaks protocol 2";
        assert!(err.to_string().contains(expected), "{err}");

        // The refusal crosses the wire and the client reports the daemon's words.
        let reply = Message::decode(&step.reply.encode()).unwrap();
        let client_err = client.receive(&reply).unwrap_err();
        assert_eq!(client_err.status(), Status::MAPI_E_VERSION);
        assert!(client_err.to_string().contains(expected), "{client_err}");
    }

    #[test]
    fn client_checks_the_welcome_version_too() {
        let (mut client, _) = ClientHandshake::start_with_version(3, 1, "p");
        let err = client
            .receive(&Message::Welcome(Welcome {
                version: 2,
                server_pid: 9,
            }))
            .unwrap_err();
        assert_eq!(
            err,
            ProtoError::VersionMismatch {
                client: 3,
                daemon: 2
            }
        );
        assert!(
            err.to_string()
                .contains("client speaks protocol 3, daemon speaks protocol 2")
        );
    }

    #[test]
    fn anything_but_hello_first_is_refused() {
        let mut server = ServerHandshake::new(1);
        let step = server.receive(&Message::Request(crate::Request {
            id: 5,
            body: crate::RequestBody::Ping,
        }));
        assert_eq!(
            step.outcome.unwrap_err().status(),
            Status::MAPI_E_CALL_FAILED
        );
        match step.reply {
            Message::Response(Response {
                id: HANDSHAKE_ID,
                body: ResponseBody::Error { status, .. },
            }) => assert_eq!(status, Status::MAPI_E_CALL_FAILED),
            other => panic!("unexpected reply {other:?}"),
        }
        // Once finished, even a good Hello is refused.
        let (_, hello) = ClientHandshake::start(1, "p");
        assert!(server.receive(&hello).outcome.is_err());
    }

    #[test]
    fn client_reports_a_refusal_for_other_reasons() {
        let mut server = ServerHandshake::new(1);
        let reply = server.refuse(Status::MAPI_E_NO_ACCESS, "socket owned by another user");
        let (mut client, _) = ClientHandshake::start(1, "p");
        let err = client.receive(&reply).unwrap_err();
        assert_eq!(err.status(), Status::MAPI_E_NO_ACCESS);
        assert!(err.to_string().contains("socket owned by another user"));
    }

    #[test]
    fn client_refuses_other_first_messages() {
        let (mut client, _) = ClientHandshake::start(1, "p");
        let err = client
            .receive(&Message::Notification(crate::Notification::StatusChanged {
                session: 1,
            }))
            .unwrap_err();
        assert_eq!(
            err,
            ProtoError::UnexpectedMessage {
                expected: "Welcome",
                got: "Notification"
            }
        );
    }

    #[test]
    fn hello_and_welcome_ignore_later_extensions_but_check_magic() {
        let mut bytes = Message::Hello(Hello {
            version: 9,
            client_pid: 1,
            program: "future".into(),
        })
        .encode();
        bytes.extend_from_slice(b"new fields of version 9");
        match Message::decode(&bytes).unwrap() {
            Message::Hello(h) => assert_eq!(h.version, 9),
            other => panic!("{other:?}"),
        }
        bytes[1] = b'X';
        assert!(matches!(
            Message::decode(&bytes),
            Err(ProtoError::Malformed {
                what: "Hello.magic",
                ..
            })
        ));
    }
}
