//! The MAPI engine: `MAPIInitialize`, `MAPILogonEx` with its flowchart and service
//! phase, sessions (status table, store table, stores, address book, identity, logoff),
//! the in-process shared session, and the logon UI callbacks.
//!
//! # Layout
//! - [`engine`]: [`Engine`]: initialize / uninitialize, registry and provider catalogue,
//!   the profile store, service administration through service entry points.
//! - [`logon`]: [`LogonRequest`] and `Engine::logon`: flowchart steps 1-7; `logon::services`
//!   runs the service phase (configure, retry once, disable).
//! - [`session`]: [`Session`]: tables, stores, identity, events, logoff.
//! - [`submit`]: the spooler: `Session::submit` (raw RFC 5322) and
//!   `Session::submit_message` (`IMessage::SubmitMessage`), one transport path for both;
//!   `Session::create_message`.
//! - [`open_entry`]: `Session::open_entry` (`IMAPISession::OpenEntry`) and
//!   [`OpenedEntry`].
//! - `read_flag`: `Session::set_read_flag` (`IMessage::SetReadFlag`) through the
//!   message's folder.
//! - [`tables`]: table views (`IMAPITable`): status, stores, hierarchy, contents,
//!   profiles, services, providers.
//! - [`advise`]: Advise / Unadvise on the session, stores, folders, messages, status
//!   objects and contents, hierarchy and status tables ([`LiveTable`]), with
//!   [`AdviseSink`]s called on the session's notification thread.
//! - [`submit`]'s `failure`: a transport failure on the transport's status row.
//! - [`addrbook`]: the merged address book.
//! - [`addrbook`]: the merged address book (`OpenAddressBook`): containers, their
//!   hierarchy and contents tables, OpenEntry, CreateOneOff, CreateEntry.
//! - [`ab_object`]: address-book containers, mail users and distribution lists as
//!   property objects; a new entry until its SaveChanges.
//! - [`ab_resolve`]: ResolveName / ResolveNames over an ADRLIST ([`Resolved`]).
//! - `support`: the support object handed to providers.
//! - [`ui`]: [`LogonUi`] with [`NoUi`], re-exported from `mapi-ui`.
//! - [`config`]: [`EngineConfig`] timings.
//! - [`error`]: [`EngineError`] and its MAPI status codes.

#![warn(missing_docs)]

pub mod ab_object;
pub mod ab_resolve;
pub mod addrbook;
pub mod advise;
pub mod config;
pub mod engine;
pub mod error;
pub mod logon;
pub mod open_entry;
mod read_flag;
pub mod session;
pub mod submit;
mod support;
pub mod tables;
pub mod ui;

pub use ab_resolve::Resolved;
pub use addrbook::MergedAddressBook;
pub use advise::{AdviseSink, LiveTable};
pub use config::EngineConfig;
pub use engine::Engine;
pub use error::{EngineError, Result};
pub use logon::{LogonRequest, check_flags};
pub use open_entry::OpenedEntry;
pub use session::{DisabledService, Session, SessionEvent, SubmitOutcome};
pub use ui::{Answer, FailureChoice, LogonUi, NoUi, Prompt, PromptField};
