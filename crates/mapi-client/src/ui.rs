//! Answering the daemon's prompts in this process: each [`PromptKind`] is shown through
//! the caller's [`LogonUi`] and its answer turned into a [`UiAnswer`].

use mapi_proto::{PromptKind, Secret, UiAnswer};
use mapi_ui::{LogonUi, PromptField};

/// Per-logon prompt state: password attempts are counted here (the wire prompt does
/// not carry the attempt number).
#[derive(Default)]
pub(crate) struct PromptCounter {
    password_attempts: u32,
}

/// Shows `kind` through `ui` and returns the answer to send.
pub(crate) async fn answer(ui: &dyn LogonUi, kind: PromptKind, n: &mut PromptCounter) -> UiAnswer {
    match kind {
        PromptKind::ChooseProfile {
            profiles,
            preselect,
        } => match ui.choose_profile(&profiles, preselect.as_deref()).await {
            Some(p) => UiAnswer::Profile(p),
            None => UiAnswer::Cancel,
        },
        PromptKind::Password { profile } => {
            n.password_attempts += 1;
            match ui.password(&profile, n.password_attempts).await {
                Some(p) => UiAnswer::Password(Secret::new(p)),
                None => UiAnswer::Cancel,
            }
        }
        PromptKind::ServiceSettings { service, fields } => {
            let fields: Vec<PromptField> = fields
                .into_iter()
                .map(|f| PromptField {
                    key: f.key,
                    label: f.label,
                    secret: f.secret,
                    required: false,
                    current: f.current,
                })
                .collect();
            match ui
                .service_settings(&service, "the service needs settings", &fields)
                .await
            {
                Some(pairs) => UiAnswer::Settings(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k, Secret::new(v)))
                        .collect(),
                ),
                None => UiAnswer::Cancel,
            }
        }
        PromptKind::ServiceFailed {
            service,
            status,
            reason,
        } => UiAnswer::FailureChoice(ui.service_failed(&service, status, &reason).await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_test_support::ScriptedUi;
    use mapi_types::Status;
    use mapi_ui::{Answer, FailureChoice, Prompt};

    #[tokio::test]
    async fn prompts_are_answered_by_the_local_ui() {
        let ui = ScriptedUi::new(vec![
            Answer::Text("wrong".into()),
            Answer::Text("right".into()),
            Answer::Choice(FailureChoice::Skip),
            Answer::Cancel,
        ]);
        let mut n = PromptCounter::default();
        let pw = || PromptKind::Password {
            profile: "Work".into(),
        };
        assert_eq!(
            answer(&ui, pw(), &mut n).await,
            UiAnswer::Password(Secret::new("wrong"))
        );
        assert_eq!(
            answer(&ui, pw(), &mut n).await,
            UiAnswer::Password(Secret::new("right"))
        );
        let failed = PromptKind::ServiceFailed {
            service: "Mail".into(),
            status: Status::MAPI_E_NETWORK_ERROR,
            reason: "down".into(),
        };
        assert_eq!(
            answer(&ui, failed, &mut n).await,
            UiAnswer::FailureChoice(FailureChoice::Skip)
        );
        let choose = PromptKind::ChooseProfile {
            profiles: vec!["A".into(), "B".into()],
            preselect: Some("B".into()),
        };
        assert_eq!(answer(&ui, choose, &mut n).await, UiAnswer::Cancel);
        assert_eq!(
            ui.prompts(),
            vec![
                Prompt::Password("Work".into(), 1),
                Prompt::Password("Work".into(), 2),
                Prompt::Failed("Mail".into(), Status::MAPI_E_NETWORK_ERROR),
                Prompt::Profile(vec!["A".into(), "B".into()], Some("B".into())),
            ]
        );
    }
}
