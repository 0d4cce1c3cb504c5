//! Engine settings: where the MAPI home is and the timing decisions of design.md §4.

use std::path::PathBuf;
use std::time::Duration;

/// How an engine behaves.
#[derive(Clone, Debug)]
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
        }
    }
}
