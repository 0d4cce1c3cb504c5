//! The support object (`IMAPISupport`): what the engine hands each provider at logon.

use std::path::PathBuf;
use std::time::Duration;

use mapi_types::{LogonFlags, MapiUid, ProviderLogonFlags, StatusCode};

use crate::settings::Settings;

/// A provider's own status row, as it reports it (`ModifyStatusRow`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusRow {
    /// PR_STATUS_CODE bits.
    pub code: StatusCode,
    /// PR_STATUS_STRING.
    pub text: Option<String>,
    /// PR_IDENTITY_DISPLAY, for providers that supply an identity.
    pub identity: Option<String>,
}

/// Progress of a long provider task (a mailbox download).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Units done.
    pub done: u64,
    /// Units in all, when known.
    pub total: Option<u64>,
    /// What is being done.
    pub text: String,
}

/// The support object. One per provider logon.
pub trait Support: Send + Sync {
    /// The profile's name (PR_PROFILE_NAME).
    fn profile_name(&self) -> &str;
    /// The service's PR_SERVICE_UID.
    fn service_uid(&self) -> MapiUid;
    /// This provider's PR_PROVIDER_UID.
    fn provider_uid(&self) -> MapiUid;
    /// The service's registry name (PR_SERVICE_NAME), e.g. `local-store`.
    fn service_name(&self) -> &str;
    /// The service's display name.
    fn display_name(&self) -> &str;
    /// The service's configuration.
    fn settings(&self) -> &Settings;
    /// The flags the client passed to logon.
    fn logon_flags(&self) -> LogonFlags;
    /// The provider-logon flags (`MDB_NO_DIALOG` when no UI may be shown, ...).
    fn provider_flags(&self) -> ProviderLogonFlags;
    /// A directory this provider may keep files in (caches), unique to the service.
    fn data_dir(&self) -> PathBuf;
    /// How long a network step may take (shorter under `MAPI_TIMEOUT_SHORT`).
    fn timeout(&self) -> Duration;
    /// Reports this provider's status row.
    fn modify_status_row(&self, row: StatusRow);
    /// Reports progress of a long task.
    fn progress(&self, progress: Progress);
}
