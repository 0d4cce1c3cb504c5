//! The protocol between MAPI clients and the per-user daemon `mapid`, without I/O: types,
//! their compact binary encoding, framing, and the version handshake. The daemon and the
//! client link feed it bytes and send what it returns; nothing here touches a socket.
//!
//! # Layout
//! - [`frame`]: 4-byte little-endian length + body; [`FrameDecoder`], [`encode_frame`].
//! - [`message`]: [`Message`], one per frame, with `encode` / `decode`.
//! - [`handshake`]: [`Hello`], [`Welcome`], [`ClientHandshake`], [`ServerHandshake`].
//! - [`request`]: [`Request`] / [`RequestBody`] (client -> daemon), [`UiAnswer`].
//! - [`response`]: [`Response`] / [`ResponseBody`] (daemon -> client).
//! - [`object`]: [`ObjectOp`] / [`ObjectReply`]: property objects and streams
//!   (`IMAPIProp`, `IStream`) as handles, stream data in pieces of at most
//!   [`MAX_STREAM_PIECE`] bytes.
//! - [`folder`]: [`FolderOp`] / [`FolderReply`]: a store's folder and message
//!   operations (`IMAPIFolder`, `GetReceiveFolder`) by entry id.
//! - [`addrbook`]: [`AbOp`] / [`AbReply`]: the session's address book (OpenAddressBook,
//!   OpenEntry, ResolveName, CreateEntry); its objects are property-object handles.
//! - [`notification`]: [`Notification`] (daemon -> client), [`PromptKind`] prompts,
//!   `Event`: one `OnNotify` of an advise registration.
//! - [`event`]: [`AdviseTarget`] (what `Advise` watches) and the encoding of
//!   `mapi_types::Notification` (`NOTIFICATION`) inside an `Event`.
//! - [`secret`]: [`Secret`], a string whose `Debug` prints `***`.
//! - [`limits`]: frame, string, entry-id, blob and list limits.
//! - [`error`]: [`ProtoError`], mapped to MAPI status codes.
//! - `wire`, `props`, `restrict` (private): the primitive encoding, rows via
//!   `mapi_types::codec`, restrictions and sort keys.
//!
//! # Choices
//! - An oversize frame length is `MAPI_E_TOO_BIG` (the bytes may be fine; they are just
//!   more than we accept), as is any string, blob or list over its limit.
//! - An unknown message, response, notification, prompt or answer tag is
//!   `MAPI_E_CORRUPT_DATA`: both sides passed the version handshake, so it means damage.
//!   An unknown *request kind* is `MAPI_E_NO_SUPPORT` ([`ProtoError::UnknownRequest`]
//!   carries the request id, so the daemon answers that request and keeps the connection).
//! - Import: one request carries at most [`MAX_IMPORT_CHUNK_LEN`] message bytes. A
//!   larger batch is sent as `ImportPart`s split between messages, which the daemon
//!   stages (at most [`MAX_IMPORT_BATCH_LEN`] bytes, else `MAPI_E_NOT_ENOUGH_MEMORY`)
//!   and imports with the final `Import`, all or none as in process. One message over
//!   the chunk bound is refused with `MAPI_E_TOO_BIG` naming the bound: messages are
//!   not split.
//!
//! # Example
//! ```
//! use mapi_proto::*;
//!
//! // Client: say hello. Daemon: decode the frame, check the version, answer.
//! let (mut client, hello) = ClientHandshake::start(4242, "mail-app");
//! let mut daemon_in = FrameDecoder::new();
//! daemon_in.push(&hello.to_frame()?);
//! let frame = daemon_in.next_frame()?.expect("one whole frame");
//! let step = ServerHandshake::new(1).receive(&Message::decode(&frame)?);
//! assert_eq!(step.outcome?.program, "mail-app");
//!
//! // Client: read the Welcome, then send requests.
//! let welcome = client.receive(&Message::decode(&step.reply.encode())?)?;
//! assert_eq!(welcome.version, PROTOCOL_VERSION);
//! let ping = Message::Request(Request { id: 1, body: RequestBody::Ping });
//! assert_eq!(Message::decode(&ping.encode())?, ping);
//! # Ok::<(), ProtoError>(())
//! ```

pub mod addrbook;
pub mod error;
pub mod event;
pub mod folder;
pub mod frame;
pub mod handshake;
pub mod limits;
pub mod message;
pub mod notification;
pub mod object;
mod props;
pub mod request;
pub mod response;
mod restrict;
pub mod secret;
mod wire;

pub use addrbook::{AbOp, AbReply};
pub use error::ProtoError;
pub use event::AdviseTarget;
pub use folder::{FolderOp, FolderReply};
pub use frame::{FRAME_HEADER_LEN, FrameDecoder, encode_frame};
pub use handshake::{
    ClientHandshake, HANDSHAKE_ID, Hello, MAGIC, PROTOCOL_VERSION, ServerHandshake, ServerStep,
    Welcome,
};
pub use limits::{
    MAX_BLOB_LEN, MAX_ENTRY_ID_LEN, MAX_FRAME_LEN, MAX_IMPORT_BATCH_LEN, MAX_IMPORT_CHUNK_LEN,
    MAX_LIST_LEN, MAX_STRING_LEN,
};
pub use message::Message;
pub use notification::{Notification, PromptField, PromptKind};
pub use object::{MAX_STREAM_PIECE, ObjectOp, ObjectReply, OpenKind};
pub use request::{FailureChoice, Request, RequestBody, TableKind, UiAnswer};
pub use response::{DisabledService, Response, ResponseBody, SessionInfo};
pub use secret::Secret;
