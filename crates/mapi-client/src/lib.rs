//! The link between a MAPI client process and the per-user daemon `mapid`, which hosts
//! shared sessions across processes: where the socket is, starting the daemon on demand,
//! the version handshake, and [`RemoteSession`], the engine session's calls over the
//! socket. Prompts a logon needs are answered in this process by the caller's
//! [`mapi_ui::LogonUi`]; the daemon never shows UI.
//!
//! # Layout
//! - [`path`]: [`socket_path`], pid and log files: the rules of `mapi-paths`, re-exported.
//! - [`start`]: [`DaemonLink`], [`connect`], [`connect_or_start`]: reaching and starting
//!   `mapid`.
//! - [`conn`]: [`Connection`]: handshake, request/response matching, notifications,
//!   `ping`, `list_sessions`, `shutdown_daemon`.
//! - [`session`]: [`RemoteSession`] (logged on with [`LogonRequest`], the one request
//!   type of `mapi-ui`), [`SessionEvents`].
//! - `advise` (private): `RemoteSession::advise` / `unadvise` at the daemon.
//! - [`events`]: [`EventSink`]: advise sinks (`RemoteSession::advise`), called in
//!   order on a library-owned thread with no lock of the link held.
//! - `addrbook` (private): `RemoteSession::address_book`, one address-book call.
//! - `folders` (private): `RemoteSession::folder`, one folder or message operation
//!   (`IMAPIFolder`, `GetReceiveFolder`) on a store at the daemon.
//! - `objects` (private): `RemoteSession::object`, one `IMAPIProp` / `IStream` call on
//!   a daemon-held object or stream handle.
//! - `ui` (private): prompts answered through the local `LogonUi`.
//! - [`error`]: [`ClientError`] and its MAPI status codes.
//!
//! # Example
//! ```no_run
//! use mapi_client::{LogonRequest, connect_or_start};
//! use mapi_types::{LogoffFlags, LogonFlags};
//!
//! # async fn run() -> mapi_client::Result<()> {
//! let conn = connect_or_start(std::path::Path::new("/home/me/.local/share/mapi")).await?;
//! // Joins the shared session if there is one, else logs on to the default profile.
//! let session = conn
//!     .logon(LogonRequest::new(None, LogonFlags::MAPI_USE_DEFAULT | LogonFlags::MAPI_ALLOW_OTHERS))
//!     .await?;
//! println!("{} status rows", session.status_table().await?.row_count());
//! session.logoff(LogoffFlags::default()).await?;
//! # Ok(()) }
//! ```

mod addrbook;
mod advise;
pub mod conn;
pub mod error;
pub mod events;
mod folders;
mod objects;
pub mod path;
pub mod session;
pub mod start;
mod ui;

pub use conn::Connection;
pub use error::{ClientError, Result};
pub use events::EventSink;
pub use mapi_proto::{
    AbOp, AbReply, AdviseTarget, DisabledService, FolderOp, FolderReply, MAX_IMPORT_BATCH_LEN,
    MAX_IMPORT_CHUNK_LEN, MAX_STREAM_PIECE, Notification, ObjectOp, ObjectReply, OpenKind,
    PromptKind, SessionInfo, TableKind,
};
pub use mapi_ui::LogonRequest;
pub use path::{
    MAPID_BIN_ENV, PID_NAME, PROFILE_STORE_ENV, SOCKET_ENV, SOCKET_NAME, STORE_NAME,
    default_socket_dir, is_default_location, log_path, pid_path, socket_path, store_path,
};
pub use session::{RemoteSession, SessionEvents};
pub use start::{
    DEFAULT_START_TIMEOUT, DaemonLink, EXIT_ALREADY_RUNNING, connect, connect_or_start,
};
