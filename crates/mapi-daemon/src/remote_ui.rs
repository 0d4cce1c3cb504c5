//! [`RemoteUi`]: the engine's logon UI for a client that can show prompts. Each prompt
//! goes to that client as `Notification::Prompt`; the logon waits for its `UiReply`.
//! The daemon itself never shows anything.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use mapi_proto::{Notification, PromptKind, UiAnswer};
use mapi_types::Status;
use mapi_ui::{FailureChoice, LogonUi, PromptField};

use crate::conn::ConnState;

/// How long a prompt waits for the client's answer before it counts as cancelled (the
/// engine's logon mutex is held meanwhile).
pub const PROMPT_TIMEOUT: Duration = Duration::from_secs(300);

/// Prompts for the logon request `request` of one connection.
pub(crate) struct RemoteUi {
    pub conn: Arc<ConnState>,
    pub request: u32,
}

impl RemoteUi {
    async fn ask(&self, kind: PromptKind) -> Option<UiAnswer> {
        let (prompt_id, rx) = self.conn.open_prompt(&kind)?;
        self.conn
            .send(Notification::Prompt {
                prompt_id,
                request: self.request,
                kind,
            })
            .await;
        let answer = tokio::time::timeout(PROMPT_TIMEOUT, rx).await;
        self.conn.forget_prompt(prompt_id);
        answer.ok()?.ok()
    }
}

/// The kind of answer a prompt takes (besides `Cancel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnswerKind {
    Profile,
    Password,
    Settings,
    FailureChoice,
}

impl AnswerKind {
    pub(crate) fn of(kind: &PromptKind) -> AnswerKind {
        match kind {
            PromptKind::ChooseProfile { .. } => AnswerKind::Profile,
            PromptKind::Password { .. } => AnswerKind::Password,
            PromptKind::ServiceSettings { .. } => AnswerKind::Settings,
            PromptKind::ServiceFailed { .. } => AnswerKind::FailureChoice,
        }
    }

    /// Whether `answer` fits a prompt of this kind.
    pub(crate) fn fits(self, answer: &UiAnswer) -> bool {
        matches!(
            (self, answer),
            (_, UiAnswer::Cancel)
                | (AnswerKind::Profile, UiAnswer::Profile(_))
                | (AnswerKind::Password, UiAnswer::Password(_))
                | (AnswerKind::Settings, UiAnswer::Settings(_))
                | (AnswerKind::FailureChoice, UiAnswer::FailureChoice(_))
        )
    }
}

#[async_trait]
impl LogonUi for RemoteUi {
    async fn choose_profile(&self, profiles: &[String], preselect: Option<&str>) -> Option<String> {
        match self
            .ask(PromptKind::ChooseProfile {
                profiles: profiles.to_vec(),
                preselect: preselect.map(str::to_string),
            })
            .await?
        {
            UiAnswer::Profile(p) => Some(p),
            _ => None,
        }
    }

    async fn password(&self, profile: &str, _attempt: u32) -> Option<String> {
        match self
            .ask(PromptKind::Password {
                profile: profile.to_string(),
            })
            .await?
        {
            UiAnswer::Password(p) => Some(p.into_inner()),
            _ => None,
        }
    }

    async fn service_settings(
        &self,
        service: &str,
        _reason: &str,
        fields: &[PromptField],
    ) -> Option<Vec<(String, String)>> {
        let fields = fields
            .iter()
            .map(|f| mapi_proto::PromptField {
                key: f.key.clone(),
                label: f.label.clone(),
                secret: f.secret,
                current: if f.secret { None } else { f.current.clone() },
            })
            .collect();
        match self
            .ask(PromptKind::ServiceSettings {
                service: service.to_string(),
                fields,
            })
            .await?
        {
            UiAnswer::Settings(pairs) => Some(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, v.into_inner()))
                    .collect(),
            ),
            _ => None,
        }
    }

    async fn service_failed(&self, service: &str, status: Status, reason: &str) -> FailureChoice {
        match self
            .ask(PromptKind::ServiceFailed {
                service: service.to_string(),
                status,
                reason: reason.to_string(),
            })
            .await
        {
            Some(UiAnswer::FailureChoice(c)) => c,
            _ => FailureChoice::Cancel,
        }
    }

    fn progress(&self, service: &str, done: u64, total: Option<u64>, text: &str) {
        self.conn.try_send(Notification::Progress {
            session: 0,
            done,
            total,
            text: format!("{service}: {text}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_proto::Secret;

    #[test]
    fn answers_must_fit_their_prompt() {
        let pw = AnswerKind::of(&PromptKind::Password {
            profile: "p".into(),
        });
        assert!(pw.fits(&UiAnswer::Password(Secret::new("x"))));
        assert!(pw.fits(&UiAnswer::Cancel));
        assert!(!pw.fits(&UiAnswer::Profile("p".into())));
        let failed = AnswerKind::of(&PromptKind::ServiceFailed {
            service: "s".into(),
            status: Status::MAPI_E_NETWORK_ERROR,
            reason: "r".into(),
        });
        assert!(failed.fits(&UiAnswer::FailureChoice(FailureChoice::Skip)));
        assert!(!failed.fits(&UiAnswer::Settings(vec![])));
    }
}
