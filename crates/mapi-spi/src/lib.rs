//! The provider interface (SPI): what a message service and its providers implement, and
//! the support object the engine hands them. Providers depend on this crate and
//! `mapi-types` only; they never see the engine, the profile store or each other.
//!
//! # Layout
//! - [`error`]: [`ProviderError`], a status code plus a sentence; the codes of reference §5.5.
//! - [`settings`]: [`Settings`], a service's configuration as the provider reads it.
//! - [`support`]: the [`Support`] object: own profile section, status row, progress, flags.
//! - [`provider`]: [`MessageService`] (service entry and provider logons) and [`ProviderCatalog`].
//! - [`store`]: [`MsgStore`], a logged-on message store (folders, contents, messages).
//! - [`object`]: [`PropObject`] (`IMAPIProp`) and [`PropStream`] (`IStream`): the
//!   property objects a store opens (the store, folders, messages, attachments).
//! - [`events`]: [`StoreChange`] and [`ChangeListener`]: how a store reports its
//!   changes (for advise notifications), with the ordering it guarantees.
//! - [`addrbook`]: [`AddressBook`], a logged-on address-book provider.
//! - [`transport`]: [`Transport`], a logged-on transport provider.

#![warn(missing_docs)]

pub mod addrbook;
pub mod error;
pub mod events;
pub mod object;
pub mod provider;
pub mod settings;
pub mod store;
pub mod support;
pub mod transport;

pub use addrbook::AddressBook;
pub use async_trait::async_trait;
pub use error::{ProviderError, ProviderResult};
pub use events::{ChangeKind, ChangeListener, ChangeSubscription, StoreChange};
pub use object::{Access, PropNames, PropObject, PropStream, PropValues, Reply};
pub use provider::{MessageService, ProviderCatalog, ServiceEntryCall};
pub use settings::Settings;
pub use store::{EntryId, FolderKind, MsgStore};
pub use support::{Progress, StatusRow, Support};
pub use transport::{OutgoingMessage, Transport};
