//! One module per command group; each parses nothing and decides nothing beyond wiring
//! arguments to the library and rendering its answers.

pub mod daemon;
pub mod folder_ops;
pub mod logon;
pub mod profile;
pub mod profile_store;
pub mod props;
pub mod provider;
pub mod send;
pub mod service;
pub mod store;
pub mod watch;

use std::path::PathBuf;

use mapi_profile::{ProfileStore, Registry};

use crate::error::CliError;

/// What every command gets: where the home is and how to print.
pub struct Ctx {
    /// The MAPI home.
    pub home: PathBuf,
    /// `--json`.
    pub json: bool,
    /// `--profile-store`.
    pub profile_store: Option<String>,
}

impl Ctx {
    /// Opens the profile store in the home.
    pub fn store(&self) -> Result<ProfileStore, CliError> {
        Ok(ProfileStore::open_location(
            &self.home,
            self.profile_store.as_deref(),
        )?)
    }

    /// Loads the service registry (built-in plus the home's files).
    pub fn registry(&self) -> Result<Registry, CliError> {
        Ok(Registry::load(&self.home)?)
    }
}

/// Splits `KEY=VALUE` arguments.
pub fn parse_sets(sets: &[String]) -> Result<Vec<(String, String)>, CliError> {
    sets.iter()
        .enumerate()
        .map(|(i, s)| match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            // The argument is not echoed: it may be a mistyped secret.
            _ => Err(CliError::invalid(format!(
                "--set argument {} is not KEY=VALUE; write e.g. --set path=/home/me/mail.store",
                i + 1
            ))),
        })
        .collect()
}
