//! The per-user MAPI daemon's logic: one [`mapi_engine::Engine`] over a MAPI home,
//! served on a Unix socket to processes of the same user, so that a shared session
//! (`MAPI_ALLOW_OTHERS`) is shared across processes. The binary `mapid` only parses
//! arguments and calls [`Daemon::bind`] / [`Daemon::run`].
//!
//! Every connection's peer uid is checked (another user gets `MAPI_E_NO_ACCESS`), then
//! the version handshake (`MAPI_E_VERSION` naming both versions). Session ids on the
//! wire are per-connection handles on engine sessions. Logon prompts go to the client
//! that logged on (`Notification::Prompt`, answered by `UiReply`); the daemon never
//! shows UI. A client that disappears has its handles logged off; a shared session stays
//! for the others; `MAPI_LOGOFF_SHARED` ends it for everyone (`SessionEnded`, after the
//! session-shutdown notification to their advise registrations). Advise events are
//! pushed as `Event` frames; a client that stops reading is dropped.
//!
//! # Layout
//! - [`server`]: [`Daemon`], [`DaemonConfig`]: bind, accept, signals, clean shutdown.
//! - `conn` (private): one connection: peer check, handshake, reader, writer, cleanup.
//! - `dispatch` (private): a request run against the engine.
//! - `handles` (private): wire session ids and the event forwarder of each.
//! - `remote_ui` (private): the engine's `LogonUi` forwarding prompts to the client.
//! - `staging` (private): import batches sent in parts, bounded, per session handle.
//! - `folders` (private): a store's folder and message operations by entry id.
//! - `objects` (private): property objects and streams clients opened, as bounded
//!   handles per session handle.
//! - `attachments` (private): a message's attachments and embedded messages as object
//!   handles, its attachment table.
//! - `tables` (private): the row sources of tables clients opened, per session handle,
//!   and a contents table's live form once advised.
//! - `advise` (private): `Advise` / `Unadvise`: registrations per session handle whose
//!   sinks push `Event` frames into the client's bounded queue (a client that stops
//!   reading is dropped).
//! - `addrbook` (private): the session's address book (OpenAddressBook, OpenEntry,
//!   ResolveName, CreateEntry); its objects are property-object handles.
//! - [`sockdir`]: socket directory check, one-daemon lock, pid file, cleanup.
//! - [`log`]: the daemon's logger (its events and the engine's and providers' records,
//!   at `MAPI_LOG`'s level) on stderr or a size-capped log file.
//! - [`error`]: [`DaemonError`] and its MAPI status codes.

mod addrbook;
mod advise;
mod attachments;
mod conn;
mod dispatch;
pub mod error;
mod folders;
mod handles;
pub mod log;
mod objects;
mod remote_ui;
pub mod server;
pub mod sockdir;
mod staging;
mod tables;

pub use error::{DaemonError, Result};
pub use remote_ui::PROMPT_TIMEOUT;
pub use server::{Daemon, DaemonConfig, SHUTDOWN_REASON};
