//! The profile store: profiles, message services, providers and property sections in one
//! SQLite file under the MAPI home, or in a PostgreSQL database that many hosts share
//! (roaming profiles for farms), administered the way `IProfAdmin`, `IMsgServiceAdmin`
//! and `IProviderAdmin` do; and the registry of installable services.
//!
//! # Layout
//! - [`store`]: [`ProfileStore`]: open by location, one transaction per write, integrity
//!   check; the SQLite open (version check, migrations, WAL).
//! - [`location`]: which store: `--profile-store`, `MAPI_PROFILE_STORE`, `store.toml`.
//! - [`db`]: the seam both backends implement: the [`db::Db`] trait (`?N` placeholders,
//!   [`db::Val`] values), `db::sqlite` and `db::pg` (pool, TLS, error mapping).
//!   One set of admin queries runs on both engines rather than a trait of admin
//!   operations implemented twice: the admin logic (name rules, single-copy services,
//!   transport order, sealing) is most of the code and must behave the same on both,
//!   and the SQL differences are few enough to avoid (`ON CONFLICT`, `RETURNING`,
//!   `CAST`); only the schemas, the open and the transaction are per engine.
//! - `pg_store`: the PostgreSQL open (migrations under an advisory lock) and its
//!   writes that lock the profile they change, run again when a concurrent host wins.
//! - [`schema`]: the versioned schemas (SQLite, PostgreSQL with row-level security) and
//!   their migrations.
//! - [`cache`]: the local read-only copy of a PostgreSQL store (`cache = true`), used
//!   for logons while the database is away.
//! - [`transfer`]: copying a user's profiles between stores (export / import).
//! - [`profiles`]: `IProfAdmin`: profile table, create, delete, copy, rename, default,
//!   password.
//! - [`services`]: `IMsgServiceAdmin`: service table, create, configure, delete, copy,
//!   transport order, primary identity, settings.
//! - [`providers`]: `IProviderAdmin` and the provider table.
//! - [`sections`]: profile sections (`IProfSect`) with secure properties.
//! - [`secrets`]: secrets at rest: secure properties sealed under the profile-password
//!   key, in the OS keyring, in the mode-0600 side file, or (PostgreSQL) under the
//!   user's mode-0600 key file; `unlock`.
//! - [`registry`]: installable services from the built-in TOML, `mapisvc.toml` and
//!   `mapisvc.inf`.
//! - [`name`], [`password`], [`home`]: profile-name rules, argon2 hashes, the MAPI home.
//! - [`error`]: [`ProfileError`] and its MAPI status codes.

#![warn(missing_docs)]

pub mod cache;
pub mod db;
pub mod error;
pub mod home;
pub mod location;
pub mod name;
pub mod password;
mod pg_store;
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
