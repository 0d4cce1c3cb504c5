//! The local message store and the personal contacts address book: the `local-store` and
//! `contacts` message services, each keeping its data in one SQLite file.
//!
//! # Layout
//! - [`service`]: [`LocalStoreService`], [`ContactsService`] (service entry, logons) and
//!   [`register`].
//! - [`store`]: [`LocalStore`], the logged-on message store (folders, contents, messages);
//!   its `folder_ops` submodule holds IMAPIFolder's folder and message operations
//!   (CreateFolder, DeleteFolder, EmptyFolder, CopyFolder, CopyMessages, DeleteMessages,
//!   SetReadFlags) and GetReceiveFolder; its `overlap` submodule, a large import parsed
//!   and inserted at once on two threads (the plain import's ids and order).
//! - [`changes`]: the store's change reports for advise: a change log the schema's
//!   triggers write, read by a watcher thread woken by inotify.
//! - `contents`: contents tables as a row source that pushes sort, restriction and
//!   paging down to SQLite; `contents_keys` adds PR_INSTANCE_KEY and PR_SEARCH_KEY to
//!   its rows.
//! - [`message`]: [`LocalMessage`], a message as a transacted property object
//!   (CreateMessage, SetProps, SaveChanges with its version check, OpenProperty), and
//!   [`message::Ctx`].
//! - `subrestriction`: `RES_SUBRESTRICTION` on a message's recipients and attachments
//!   (saved rows, or a received message's MIME), in SQL (an `EXISTS` through
//!   registered functions) and in Rust.
//! - `compose`: a created message's first row, and the RFC 5322 form of an unsent
//!   message built from its properties (`mapi-mime`'s composer).
//! - [`attach`]: a message's attachments (CreateAttach, OpenAttach, DeleteAttach,
//!   GetAttachmentTable), [`attach::LocalAttach`] objects, how they are kept, and the
//!   read-only attachments of a message that keeps its received MIME.
//! - [`embedded`]: the message of an `ATTACH_EMBEDDED_MSG` attachment, kept as its
//!   RFC 5322 form.
//! - `compose_attach`: saved attachments handed to the composer (large ones as chunk
//!   readers), the composed form written into the database, an embedded message's MIME.
//! - [`props`]: a property object's values, GetProps / GetPropList over them, the
//!   checks SetProps and DeleteProps make, and how values are stored.
//! - [`recipients`]: a message's recipient list (ModifyRecipients, GetRecipientTable)
//!   and how it is kept.
//! - [`stream`]: [`stream::LocalStream`], `IStream` over a property (blob I/O, staging
//!   in a temporary file).
//! - [`named`]: the store's named-property map (GetIDsFromNames / GetNamesFromIDs).
//! - [`objects`]: the store and folders as property objects (a folder's name, comment
//!   and container class, the store's name and comment writable).
//! - `object_impl`: the `PropObject` methods messages, attachments and embedded
//!   messages share, written once (`transacted_prop_object!`).
//! - [`contacts`]: [`Contacts`], the logged-on address book.
//! - [`dbfile`]: the `path` setting, file creation and checked opening (missing, access,
//!   version, damage), upgrading an older schema.
//! - [`schema`]: the store and contacts file kinds, their schemas, upgrades and the
//!   folder tree.
//! - [`openfiles`]: the files this process has open, so plain-read checks never cost
//!   SQLite its POSIX locks.
//! - [`idle`]: connections parked after logoff for the next logon to the unchanged file.
//! - [`lock`]: the session lock file that enforces exclusive mode across processes.
//! - [`entryid`]: entry ids carrying the file's uid.
//! - [`keys`]: PR_SEARCH_KEY and PR_INSTANCE_KEY of messages.
//! - [`mime`]: the stored columns of an imported message, from `mapi-mime`'s mapping.
//! - [`error`]: [`LocalError`] and its MAPI status codes.

pub mod attach;
pub mod changes;
mod compose;
mod compose_attach;
pub mod contacts;
mod contents;
mod contents_keys;
pub mod dbfile;
pub mod embedded;
pub mod entryid;
pub mod error;
pub mod idle;
pub mod keys;
pub mod lock;
pub mod message;
pub mod mime;
pub mod named;
mod object_impl;
pub mod objects;
pub mod openfiles;
pub mod props;
pub mod recipients;
pub mod schema;
pub mod service;
pub mod store;
pub mod stream;
mod subrestriction;

pub use contacts::Contacts;
pub use error::LocalError;
pub use message::LocalMessage;
pub use service::{ContactsService, LocalStoreService, register};
pub use store::{LOCAL_STORE_PROVIDER, LocalStore};
