//! Logon UI callbacks: who answers the prompts logon may show. Three implementations:
//! [`NoUi`] (nobody: UI flags then behave as if unset), a terminal one (in the `mapi`
//! crate) and [`ScriptedUi`] (tests).

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use mapi_types::Status;

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

/// A prompt a [`ScriptedUi`] saw.
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

/// Answers prompts from a script, in order, and records every prompt. Running out of
/// answers cancels.
#[derive(Default)]
pub struct ScriptedUi {
    answers: Mutex<VecDeque<Answer>>,
    seen: Mutex<Vec<Prompt>>,
}

impl ScriptedUi {
    /// A UI giving these answers in order.
    pub fn new(answers: Vec<Answer>) -> ScriptedUi {
        ScriptedUi {
            answers: Mutex::new(answers.into()),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// The prompts shown so far.
    pub fn prompts(&self) -> Vec<Prompt> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn next(&self, prompt: Prompt) -> Answer {
        if let Ok(mut s) = self.seen.lock() {
            s.push(prompt);
        }
        self.answers
            .lock()
            .ok()
            .and_then(|mut a| a.pop_front())
            .unwrap_or(Answer::Cancel)
    }
}

#[async_trait]
impl LogonUi for ScriptedUi {
    async fn choose_profile(&self, profiles: &[String], preselect: Option<&str>) -> Option<String> {
        match self.next(Prompt::Profile(
            profiles.to_vec(),
            preselect.map(str::to_string),
        )) {
            Answer::Text(t) => Some(t),
            _ => None,
        }
    }
    async fn password(&self, profile: &str, attempt: u32) -> Option<String> {
        match self.next(Prompt::Password(profile.to_string(), attempt)) {
            Answer::Text(t) => Some(t),
            _ => None,
        }
    }
    async fn service_settings(
        &self,
        service: &str,
        _reason: &str,
        fields: &[PromptField],
    ) -> Option<Vec<(String, String)>> {
        let keys = fields.iter().map(|f| f.key.clone()).collect();
        match self.next(Prompt::Settings(service.to_string(), keys)) {
            Answer::Settings(s) => Some(s),
            _ => None,
        }
    }
    async fn service_failed(&self, service: &str, status: Status, _reason: &str) -> FailureChoice {
        match self.next(Prompt::Failed(service.to_string(), status)) {
            Answer::Choice(c) => c,
            _ => FailureChoice::Cancel,
        }
    }
}
