//! [`ScriptedUi`]: a logon UI that answers prompts from a script, in order, and records
//! every prompt it was shown (the test double of `mapi_ui::LogonUi`).

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use mapi_types::{FailureChoice, Status};
use mapi_ui::{Answer, LogonUi, Prompt, PromptField};

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
