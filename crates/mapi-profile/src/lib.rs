//! The profile store: profiles, message services, providers and property sections in one
//! SQLite file under the MAPI home, administered the way `IProfAdmin`,
//! `IMsgServiceAdmin` and `IProviderAdmin` do; and the registry of installable services.
//!
//! # Layout
//! - [`store`]: [`ProfileStore`]: open (version check, migrations, WAL), one transaction
//!   per write, integrity check.
//! - [`schema`]: the versioned schema and its migrations.
//! - [`profiles`]: `IProfAdmin`: profile table, create, delete, copy, rename, default,
//!   password.
//! - [`services`]: `IMsgServiceAdmin`: service table, create, configure, delete, copy,
//!   transport order, primary identity, settings.
//! - [`providers`]: `IProviderAdmin` and the provider table.
//! - [`sections`]: profile sections (`IProfSect`) with secure properties.
//! - [`secrets`]: secrets at rest: secure properties sealed under the profile-password
//!   key, in the OS keyring, or in the mode-0600 side file; `unlock`.
//! - [`registry`]: installable services from the built-in TOML, `mapisvc.toml` and
//!   `mapisvc.inf`.
//! - [`name`], [`password`], [`home`]: profile-name rules, argon2 hashes, the MAPI home.
//! - [`error`]: [`ProfileError`] and its MAPI status codes.

#![warn(missing_docs)]

pub mod db;
pub mod error;
pub mod home;
pub mod location;
pub mod name;
pub mod password;
mod pg_store;
#[cfg(feature = "test-harness")]
pub mod pg_test_server;
pub mod profiles;
pub mod providers;
pub mod registry;
pub mod schema;
pub mod secrets;
pub mod sections;
pub mod services;
pub mod store;
pub mod transfer;

pub use error::{ProfileError, Result};
pub use home::{PROFILES_DB, resolve_home};
pub use profiles::ProfileInfo;
pub use providers::ProviderInfo;
pub use registry::{
    ProviderDef, Registry, ServiceDef, SettingDef, SettingKind, parse_setting_value,
    parse_setting_value_for,
};
pub use secrets::{SECRETS_DB, Sealing, SecretBackend, SecretTool};
pub use services::{ServiceConfig, ServiceInfo, SettingValue};
pub use store::ProfileStore;
pub use transfer::TransferCounts;
