//! The `internet-mail` message service: an IMAP message store with a local SQLite
//! offline cache, and an SMTP transport. The engine adds it with [`register`].
//!
//! # Layout
//! - [`service`]: [`InternetMailService`] (the [`mapi_spi::MessageService`]) and [`register`].
//! - [`config`]: the account settings ([`Account`]), checked and defaulted.
//! - [`error`]: [`InternetError`], mapped to MAPI status codes.
//! - [`tls`]: TCP/TLS connections (rustls, `ring`), system roots plus `ca_file`.
//! - [`imap`]: a small IMAP client, bounded in what it reads ([`imap::Limits`]);
//!   [`imap::wire`]: the response reader, framing and decoding on `imap-codec` within
//!   the bounds; [`imap::replay`] reads a recorded byte stream the same way (fuzzing);
//!   `imap::push` (private): IDLE and NOTIFY (RFC 5465), waiting for the server to speak.
//! - [`cache`]: the per-account SQLite offline cache; [`bodies`]: its message bytes, in an
//!   append-only file beside it.
//! - [`sync`]: the download (pipelined `UID FETCH`, batched inserts on a writer thread
//!   fed over a bounded async channel, so a slow writer suspends the fetch task only).
//! - [`object`]: [`object::CachedMessage`], a cached message as a read-only property
//!   object with streams and its MIME attachments; [`cached_attach`]: one of those
//!   attachments, a read-only `IAttach` (PR_ATTACH_DATA_BIN as a stream).
//! - [`draft`]: [`draft::DraftMessage`], a message made by CreateMessage: writable,
//!   saved as RFC 5322 (`mapi_mime::Composer`) by APPEND (queued offline);
//!   [`draft_attach`]: its attachments (CreateAttach / OpenAttach / DeleteAttach /
//!   GetAttachmentTable, by value), in the APPENDed MIME.
//! - [`offline`]: changes made offline, queued in the cache and replayed in order by
//!   the next online synchronisation.
//! - [`props`]: property rows and entry ids.
//! - [`named`]: the named-property map (in the cache), `PS_INTERNET_HEADERS` names as
//!   the messages' header fields.
//! - [`store`]: [`InternetStore`], the [`mapi_spi::MsgStore`]; `store::ops` (private):
//!   IMAPIFolder's folder and message operations; `store::info` (private): the store
//!   and its folders as read-only property objects (a folder's counts read live);
//!   `store::contents` (private): contents tables paged, sorted and restricted in
//!   SQLite where they can be; `store::contents_sql` (private): restrictions as SQL.
//! - `watch` (private): the change watcher behind `subscribe_changes` (IDLE on the
//!   Inbox, NOTIFY for every folder where the server has it, STATUS polling where it
//!   has not, on a connection of its own; a wake-up
//!   synchronises only the folders that changed; resync on reconnect).
//! - [`smtp`]: SMTP submission on `mail-send` and [`InternetTransport`], the
//!   [`mapi_spi::Transport`]; [`smtp::replay`] reads recorded replies (fuzzing).
//!
//! # Sent mail
//! A transport only sends. To keep a copy, the engine (or client) stores the same bytes
//! in the account's Sent folder: `store.import_raw(&store.folder(FolderKind::SentItems)
//! .await?, vec![raw])` (an IMAP APPEND), or [`InternetStore::save_sent`], which also
//! flags the copy `\Seen`.

pub mod bodies;
pub mod cache;
pub mod cached_attach;
pub mod config;
pub mod draft;
pub mod draft_attach;
pub mod error;
pub mod imap;
pub mod named;
pub mod object;
pub mod offline;
pub mod props;
pub mod service;
pub mod smtp;
pub mod store;
pub mod sync;
pub mod tls;
mod watch;

pub use config::{Account, Security};
pub use error::InternetError;
pub use service::{InternetMailService, SERVICE_NAME, register};
pub use smtp::InternetTransport;
pub use store::InternetStore;
pub use sync::SyncReport;
