//! Engine settings: where the MAPI home is and the timing decisions of design.md §4.

use std::path::PathBuf;
use std::time::Duration;

/// How an engine behaves.
#[derive(Clone)]
pub struct EngineConfig {
    /// The MAPI home (profiles.db, mapisvc.*, provider data).
    pub home: PathBuf,
    /// How long a `MAPI_TIMEOUT_SHORT` logon waits for the logon mutex (decision 2).
    pub short_timeout: Duration,
    /// Pause before the automatic retry of a failed service when no UI is allowed.
    pub retry_backoff: Duration,
    /// How long a provider's network step may take.
    pub provider_timeout: Duration,
    /// The same under `MAPI_TIMEOUT_SHORT`.
    pub provider_timeout_short: Duration,
    /// The profile store (`--profile-store`): a `postgres://` URL or a SQLite file;
    /// `None`: `MAPI_PROFILE_STORE`, else the home's `store.toml`, else its profiles.db.
    pub profile_store: Option<String>,
}

impl EngineConfig {
    /// Defaults for a home: 3 s short timeout, 250 ms back-off, 30 s / 5 s provider timeouts.
    pub fn new(home: impl Into<PathBuf>) -> EngineConfig {
        EngineConfig {
            home: home.into(),
            short_timeout: Duration::from_secs(3),
            retry_backoff: Duration::from_millis(250),
            provider_timeout: Duration::from_secs(30),
            provider_timeout_short: Duration::from_secs(5),
            profile_store: None,
        }
    }

    /// Uses this profile store (`None`: resolved from the environment and the home).
    pub fn with_profile_store(mut self, store: Option<&str>) -> EngineConfig {
        self.profile_store = store.map(str::to_string);
        self
    }
}

/// Shows the store without a password a URL may hold.
impl std::fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineConfig")
            .field("home", &self.home)
            .field("short_timeout", &self.short_timeout)
            .field("retry_backoff", &self.retry_backoff)
            .field("provider_timeout", &self.provider_timeout)
            .field("provider_timeout_short", &self.provider_timeout_short)
            .field(
                "profile_store",
                &self.profile_store.as_deref().map(
                    |s| match mapi_profile::location::is_postgres_url(s) {
                        true => mapi_profile::db::pg::redact(s),
                        false => s.to_string(),
                    },
                ),
            )
            .finish()
    }
}
