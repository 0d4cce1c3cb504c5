//! MAPI for applications. Initialize, log on to a profile (by name, the default, or chosen
//! by the user), use the session (status and store tables, stores, folders, messages, the
//! address book, identity) and log off, in an async form ([`Engine`], [`Session`]) or a
//! blocking one ([`blocking`]).
//!
//! ```no_run
//! use mapi::blocking::Mapi;
//! use mapi::{LogonFlags, LogoffFlags, LogonRequest};
//!
//! let mapi = Mapi::open(None)?;
//! let session = mapi.logon(LogonRequest::new(None, LogonFlags::MAPI_USE_DEFAULT))?;
//! for row in session.status_table()?.query_rows() {
//!     println!("{:?}", row.str(mapi::tags::PR_DISPLAY_NAME));
//! }
//! session.logoff(LogoffFlags::default());
//! # Ok::<(), mapi::EngineError>(())
//! ```
//!
//! # Layout
//! - [`address_book`]: [`address_book::AnyAddressBook`], the session's address book
//!   (`IAddrBook`: containers and their tables, OpenEntry, ResolveName, CreateOneOff,
//!   CreateEntry, Advise) over either link.
//! - [`admin`]: profile administration objects: [`admin::ProfAdmin`] (`IProfAdmin`),
//!   [`admin::ServiceAdmin`] (`IMsgServiceAdmin`), [`admin::ProviderAdmin`],
//!   [`admin::ProfSect`] (`IProfSect`), from `MAPIAdminProfiles` or a session.
//! - [`advise`]: Advise / Unadvise through the facade: the sink type and
//!   [`advise::LiveContents`], a contents, hierarchy or status table that can be
//!   advised (on both links; through the daemon the events are pushed over the
//!   socket).
//! - [`attachments`]: the attachments of a stored message (list, bytes) through its
//!   attachment table and objects, or from its RFC 5322 form.
//! - [`catalog`]: the service implementations compiled in (cargo features).
//! - [`blocking`]: [`blocking::Mapi`], [`blocking::Session`], [`blocking::Store`]: the
//!   same API without async.
//! - [`compose`]: building a message to submit (text, HTML, attachments); recipients
//!   of an existing one.
//! - [`filter`]: the `--where` / `--sort` text syntax, parsed into restrictions and
//!   sort keys.
//! - [`listing`]: [`listing::Listing`], a page of a folder's messages read through its
//!   contents table.
//! - [`link`]: where a logon runs (the daemon's shared session or this process), and
//!   the daemon's control.
//! - `any_session` (private): [`link::AnySession`] and [`link::AnyStore`], one session
//!   and one store type whose every call goes to a private link (this process or the
//!   daemon), re-exported by [`link`].
//! - [`object`]: [`Object`] and [`Stream`]: property objects (`IMAPIProp`) and their
//!   streams (`IStream`), the same over either link; messages' attachments and
//!   embedded messages as objects too (`object::attach`).
//! - [`mbox`]: files to import: mbox files split into messages, the header-block check.
//! - [`printable`](mod@printable): [`printable()`], text from outside made safe to show on a terminal.
//! - `remote_table`: the row source of a table whose rows live at the daemon.
//! - [`send`]: [`send::send_draft`], a draft sent as a MAPI message (CreateMessage in
//!   the Outbox, SetProps, ModifyRecipients, SubmitMessage) where the session allows,
//!   else as RFC 5322.
//! - [`quickstart`]: makes the embedded `Default` profile (local store + contacts).
//! - [`terminal`]: [`terminal::TerminalUi`], logon prompts on the terminal;
//!   `hidden_input` (private): a line read with echo off, the terminal restored even
//!   when a signal ends the process.
//! - Re-exports: the engine ([`Engine`], [`Session`], [`LogonRequest`], UI traits), the
//!   provider-side types a client handles ([`MsgStore`], [`FolderKind`], ...) and
//!   `mapi-types`.

#![warn(missing_docs)]

pub mod address_book;
pub mod admin;
pub mod advise;
mod any_session;
pub mod attachments;
pub mod blocking;
pub mod catalog;
pub mod compose;
pub mod filter;
mod hidden_input;
pub mod link;
pub mod listing;
pub mod mbox;
pub mod object;
pub mod printable;
pub mod quickstart;
mod remote_table;
pub mod send;
pub mod terminal;

use std::path::Path;

pub use mapi_engine::{
    Answer, DisabledService, Engine, EngineConfig, EngineError, FailureChoice, LogonRequest,
    LogonUi, MergedAddressBook, NoUi, Prompt, PromptField, Result, Session, SessionEvent,
};
pub use mapi_profile::{ProfileStore, Registry, resolve_home};
pub use mapi_spi::{AddressBook, EntryId, FolderKind, MsgStore, OutgoingMessage, Transport};
pub use mapi_types::*;
pub use object::{Object, Stream};
pub use printable::printable;

/// An initialized engine over a MAPI home (`None`: `MAPI_HOME`, else the XDG data dir)
/// with every service compiled in.
pub async fn initialize(home: Option<&Path>) -> Result<Engine> {
    open_engine(home, None)
}

pub(crate) fn open_engine(home: Option<&Path>, store: Option<&str>) -> Result<Engine> {
    let config = EngineConfig::new(resolve_home(home)).with_profile_store(store);
    let engine = Engine::new(config, catalog::catalog())?;
    engine.initialize()?;
    Ok(engine)
}
