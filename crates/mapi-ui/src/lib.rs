//! The logon UI seam: who answers the prompts `MAPILogonEx` may show, and what a client
//! passes to a logon. A leaf crate (it depends on `mapi-types` only), so the engine, the
//! daemon and the daemon's client link share one definition without depending on each
//! other.
//!
//! Implementations of [`LogonUi`]: [`NoUi`] (nobody: UI flags then behave as if unset),
//! a terminal one (in the `mapi` crate), the daemon's forwarding one (in `mapi-daemon`)
//! and a scripted one for tests (in `mapi-test-support`).
//!
//! # Layout
//! - `lib.rs` (this file): [`LogonUi`], [`NoUi`], [`PromptField`], [`Prompt`],
//!   [`Answer`], [`FailureChoice`].
//! - [`request`]: [`LogonRequest`], the one logon request type (in process and through
//!   the daemon).

#![warn(missing_docs)]

pub mod request;

use async_trait::async_trait;
use mapi_types::Status;

pub use request::LogonRequest;

/// One field of a service-settings prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PromptField {
    /// The setting key.
    pub key: String,
    /// A label for people.
    pub label: String,
    /// Whether input must be hidden.
    pub secret: bool,
    /// Whether logon needs it.
    pub required: bool,
    /// The current value (never given for secrets).
    pub current: Option<String>,
}

pub use mapi_types::FailureChoice;

/// Answers logon prompts. `None` means the user cancelled. Every prompt defaults to
/// "cancelled" (a failure dialog to "skip"), so a UI that only shows progress
/// implements `available` and `progress` alone.
#[async_trait]
pub trait LogonUi: Send + Sync {
    /// Whether anyone is there to answer; `false` makes UI flags inert.
    fn available(&self) -> bool {
        true
    }

    /// The logon dialog: pick a profile (`preselect` is the default, unless
    /// `MAPI_EXPLICIT_PROFILE`).
    async fn choose_profile(&self, profiles: &[String], preselect: Option<&str>) -> Option<String> {
        let _ = (profiles, preselect);
        None
    }

    /// The password prompt for a profile; `attempt` counts from 1.
    async fn password(&self, profile: &str, attempt: u32) -> Option<String> {
        let _ = (profile, attempt);
        None
    }

    /// A service's configuration dialog: returns (key, value) pairs to set.
    async fn service_settings(
        &self,
        service: &str,
        reason: &str,
        fields: &[PromptField],
    ) -> Option<Vec<(String, String)>> {
        let _ = (service, reason, fields);
        None
    }

    /// A service failed its first logon attempt.
    async fn service_failed(&self, service: &str, status: Status, reason: &str) -> FailureChoice {
        let _ = (service, status, reason);
        FailureChoice::Skip
    }

    /// Progress of a long provider task.
    fn progress(&self, service: &str, done: u64, total: Option<u64>, text: &str) {
        let _ = (service, done, total, text);
    }
}

/// No UI at all.
pub struct NoUi;

impl LogonUi for NoUi {
    fn available(&self) -> bool {
        false
    }
}

/// A prompt a UI was shown (what a scripted test UI records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// `choose_profile` with the list and the preselection.
    Profile(Vec<String>, Option<String>),
    /// `password` for a profile, attempt number.
    Password(String, u32),
    /// `service_settings` for a service with the field keys.
    Settings(String, Vec<String>),
    /// `service_failed` for a service with its status.
    Failed(String, Status),
}

/// A scripted answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Cancel the prompt.
    Cancel,
    /// A profile name or a password.
    Text(String),
    /// Settings.
    Settings(Vec<(String, String)>),
    /// A failure choice.
    Choice(FailureChoice),
}
