//! Where the profile store is: `--profile-store`, else `MAPI_PROFILE_STORE`, else the
//! `url` of `store.toml` in the MAPI home, else `profiles.db` in the home. A
//! `postgres://` (or `postgresql://`) URL names a PostgreSQL store; anything else a
//! SQLite file. `store.toml` also holds the PostgreSQL options:
//!
//! ```toml
//! url = "postgres://alice@db.example/mapi?sslmode=require"
//! cache = true        # keep a local read-only copy for logons while the database is away
//! timeout_ms = 5000   # how long to wait for a connection
//! pool_size = 4       # connections per process
//! ```
//!
//! TLS: `sslmode=require` verifies the server against the system's CAs;
//! `sslrootcert=PATH` (this crate's URL parameter) trusts only the CAs in that PEM file
//! and requires TLS. Certificates and host names are always verified.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{ProfileError, Result};

/// The environment variable naming the profile store.
pub use mapi_paths::PROFILE_STORE_ENV;
/// The store configuration file in the MAPI home.
pub const STORE_TOML: &str = "store.toml";

/// A PostgreSQL store and its options.
#[derive(Clone, Debug)]
pub struct PgConfig {
    /// The connection URL (may hold a password: never shown).
    pub url: String,
    /// Keep and use a local read-only copy while the database is away.
    pub cache: bool,
    /// How long to wait for a connection.
    pub timeout: Duration,
    /// Connections per process.
    pub pool_size: u32,
}

/// A resolved store location.
#[derive(Clone, Debug)]
pub enum Location {
    /// A SQLite file (`None`: `profiles.db` in the home).
    Sqlite(Option<PathBuf>),
    /// A PostgreSQL database.
    Postgres(PgConfig),
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StoreToml {
    url: Option<String>,
    cache: Option<bool>,
    timeout_ms: Option<u64>,
    pool_size: Option<u32>,
}

/// Whether `s` is a PostgreSQL URL.
pub fn is_postgres_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// Resolves the location for the home `home`; `explicit` (`--profile-store`) wins. A
/// `store.toml` that does not parse -> `MAPI_E_INVALID_PARAMETER`.
pub fn resolve(home: &Path, explicit: Option<&str>) -> Result<Location> {
    let file = home.join(STORE_TOML);
    let toml_cfg: StoreToml = match std::fs::read_to_string(&file) {
        Ok(text) => toml::from_str(&text).map_err(|e| ProfileError::StoreConfig {
            origin: file.display().to_string(),
            detail: e.message().to_string(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => StoreToml::default(),
        Err(e) => {
            return Err(ProfileError::NoAccess {
                path: file.display().to_string(),
                detail: e.to_string(),
            });
        }
    };
    let env = std::env::var(PROFILE_STORE_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty());
    let chosen = explicit
        .map(str::to_string)
        .or(env)
        .or(toml_cfg.url.clone());
    Ok(match chosen {
        None => Location::Sqlite(None),
        Some(url) if is_postgres_url(&url) => Location::Postgres(PgConfig {
            url,
            cache: toml_cfg.cache.unwrap_or(false),
            timeout: Duration::from_millis(toml_cfg.timeout_ms.unwrap_or(5000).clamp(1, 600_000)),
            pool_size: toml_cfg.pool_size.unwrap_or(4).clamp(1, 64),
        }),
        Some(path) => {
            let p = path.strip_prefix("sqlite:").unwrap_or(&path);
            Location::Sqlite(Some(PathBuf::from(p)))
        }
    })
}

/// The store `resolve(home, explicit)` picks, as a password-free text that names it
/// (`sqlite:/abs/path/profiles.db`, or the PostgreSQL URL without its password): two
/// processes use the same store when their identities are equal.
pub fn identity(home: &Path, explicit: Option<&str>) -> Result<String> {
    Ok(match resolve(home, explicit)? {
        Location::Sqlite(path) => {
            let p = path.unwrap_or_else(|| home.join(crate::PROFILES_DB));
            let p = std::path::absolute(&p).unwrap_or(p);
            format!("sqlite:{}", p.display())
        }
        Location::Postgres(cfg) => crate::db::pg::redact(&cfg.url),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_toml_names_postgres_with_options() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join(STORE_TOML),
            "url = \"postgres://a@h/db\"\ncache = true\ntimeout_ms = 250\n",
        )
        .unwrap();
        match resolve(d.path(), None).unwrap() {
            Location::Postgres(c) => {
                assert!(c.cache);
                assert_eq!(c.timeout, Duration::from_millis(250));
                assert_eq!(c.url, "postgres://a@h/db");
            }
            other => panic!("{other:?}"),
        }
        // An explicit file wins.
        assert!(matches!(
            resolve(d.path(), Some("/x/p.db")).unwrap(),
            Location::Sqlite(Some(_))
        ));
    }

    #[test]
    fn a_bad_store_toml_is_invalid_parameter() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(STORE_TOML), "urll = 3\n").unwrap();
        let e = resolve(d.path(), None).unwrap_err();
        assert_eq!(
            mapi_types::MapiStatus::status(&e),
            mapi_types::Status::MAPI_E_INVALID_PARAMETER
        );
    }
}
