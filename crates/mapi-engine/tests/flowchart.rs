//! The logon flowchart (reference §3 steps 1-7, §2 rules 1-6) and initialize /
//! uninitialize, through `Engine::logon`.

mod common;

use common::*;
use mapi_engine::{Answer, Prompt};
use mapi_types::{LogonFlags, Status, resource_type};

const NONE: LogonFlags = LogonFlags(0);

#[tokio::test]
async fn without_new_session_the_shared_session_is_joined_whatever_the_name() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.profile("Q", None);
    let shared = fx
        .logon(Some("P"), LogonFlags::MAPI_ALLOW_OTHERS, None)
        .await
        .unwrap();
    assert!(shared.is_shared());
    // Step 2: the profile name is ignored, even a name that names no profile.
    let mut handles = Vec::new();
    for name in [Some("Q"), Some("No such profile"), None, Some("")] {
        let joined = fx.logon(name, NONE, None).await.unwrap();
        assert_eq!(joined.id(), shared.id(), "name {name:?}");
        assert_eq!(joined.profile(), "P");
        assert!(joined.is_shared());
        handles.push(joined);
    }
    assert_eq!(shared.clients(), 5);
    // Step 1: NEW_SESSION skips the shared session and uses the name.
    let own = fx
        .logon(Some("Q"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
    assert_ne!(own.id(), shared.id());
    assert_eq!(own.profile(), "Q");
    assert!(!own.is_shared());
    assert_eq!(
        status_of(
            fx.logon(Some("No such profile"), LogonFlags::MAPI_NEW_SESSION, None)
                .await
        ),
        Status::MAPI_E_LOGON_FAILED
    );
}

#[tokio::test]
async fn a_named_profile_is_used_case_insensitively() {
    let fx = Fixture::new();
    fx.profile("Work", None);
    fx.profile("Home", None);
    let s = fx
        .logon(Some("home"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
    assert_eq!(s.profile(), "Home");
    let rows = status_rows(&s);
    // A profile without services: the subsystem and spooler rows only.
    assert_eq!(rows.len(), 2, "{rows:?}");
    let sub = row_of_type(&s, resource_type::MAPI_SUBSYSTEM).unwrap();
    assert_eq!(sub.display, "Home");
    assert!(sub.available());
}

#[tokio::test]
async fn an_unknown_profile_name_is_logon_failed_naming_it() {
    let fx = Fixture::new();
    fx.profile("Work", None);
    let e = error_of(
        fx.logon(Some("Nope"), LogonFlags::MAPI_NEW_SESSION, None)
            .await,
    );
    assert_eq!(
        mapi_types::MapiStatus::status(&e),
        Status::MAPI_E_LOGON_FAILED
    );
    let text = e.to_string();
    assert!(
        text.contains("no profile named") && text.contains("Nope"),
        "{text}"
    );
}

#[tokio::test]
async fn no_name_with_use_default_takes_the_default_profile() {
    let fx = Fixture::new();
    fx.profile("A", None);
    fx.profile("B", None);
    fx.set_default("B");
    for name in [None, Some("")] {
        let s = fx
            .logon(
                name,
                LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_USE_DEFAULT,
                None,
            )
            .await
            .unwrap();
        assert_eq!(s.profile(), "B");
    }
    // A given name wins over USE_DEFAULT.
    let s = fx
        .logon(
            Some("A"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_USE_DEFAULT,
            None,
        )
        .await
        .unwrap();
    assert_eq!(s.profile(), "A");
}

#[tokio::test]
async fn use_default_without_a_default_profile_is_logon_failed() {
    let fx = Fixture::new();
    fx.profile("A", None);
    let e = error_of(
        fx.logon(
            None,
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_USE_DEFAULT,
            None,
        )
        .await,
    );
    assert_eq!(
        mapi_types::MapiStatus::status(&e),
        Status::MAPI_E_LOGON_FAILED
    );
    assert!(e.to_string().contains("no default profile"), "{e}");
}

#[tokio::test]
async fn no_name_with_logon_ui_shows_the_chooser_with_the_default_preselected() {
    let fx = Fixture::new();
    fx.profile("A", None);
    fx.profile("B", None);
    fx.set_default("B");
    let ui = scripted(vec![text("A")]);
    let s = fx
        .logon(
            None,
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI,
            Some(ui.clone()),
        )
        .await
        .unwrap();
    assert_eq!(s.profile(), "A");
    assert_eq!(
        ui.prompts(),
        [Prompt::Profile(
            vec!["A".into(), "B".into()],
            Some("B".into())
        )]
    );
}

#[tokio::test]
async fn explicit_profile_preselects_nothing_in_the_chooser() {
    let fx = Fixture::new();
    fx.profile("A", None);
    fx.profile("B", None);
    fx.set_default("B");
    let ui = scripted(vec![text("B")]);
    let s = fx
        .logon(
            None,
            LogonFlags::MAPI_NEW_SESSION
                | LogonFlags::MAPI_LOGON_UI
                | LogonFlags::MAPI_EXPLICIT_PROFILE,
            Some(ui.clone()),
        )
        .await
        .unwrap();
    assert_eq!(s.profile(), "B");
    assert_eq!(
        ui.prompts(),
        [Prompt::Profile(vec!["A".into(), "B".into()], None)]
    );
}

#[tokio::test]
async fn cancelling_the_chooser_is_user_cancel() {
    let fx = Fixture::new();
    fx.profile("A", None);
    let ui = scripted(vec![Answer::Cancel]);
    let r = fx
        .logon(
            None,
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI,
            Some(ui.clone()),
        )
        .await;
    assert_eq!(status_of(r), Status::MAPI_E_USER_CANCEL);
    assert_eq!(ui.prompts().len(), 1);
}

#[tokio::test]
async fn no_name_and_no_way_to_get_one_is_logon_failed() {
    let fx = Fixture::new();
    fx.profile("A", None);
    fx.set_default("A");
    // No UI flag, no USE_DEFAULT (a default exists but must not be used).
    for flags in [
        LogonFlags::MAPI_NEW_SESSION,
        LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_EXPLICIT_PROFILE,
    ] {
        let ui = scripted(vec![text("A")]);
        let r = fx.logon(None, flags, Some(ui.clone())).await;
        assert_eq!(status_of(r), Status::MAPI_E_LOGON_FAILED, "{flags:?}");
        assert!(
            ui.prompts().is_empty(),
            "{flags:?}: no prompt without UI flag"
        );
    }
    // LOGON_UI with nobody to answer behaves as if unset.
    let r = fx
        .logon(
            None,
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI,
            None,
        )
        .await;
    assert_eq!(status_of(r), Status::MAPI_E_LOGON_FAILED);
}

#[tokio::test]
async fn right_password_logs_on_and_wrong_or_missing_without_ui_is_logon_failed() {
    let fx = Fixture::new();
    fx.profile("Locked", Some("secret-pw"));
    let req = |pw: Option<&str>| {
        mapi_engine::LogonRequest::new(Some("Locked"), LogonFlags::MAPI_NEW_SESSION).password(pw)
    };
    let s = fx.engine.logon(req(Some("secret-pw"))).await.unwrap();
    assert_eq!(s.profile(), "Locked");
    for pw in [Some("bad-guess"), None] {
        let e = error_of(fx.engine.logon(req(pw)).await);
        assert_eq!(
            mapi_types::MapiStatus::status(&e),
            Status::MAPI_E_LOGON_FAILED
        );
        let t = e.to_string();
        assert!(t.contains("wrong password"), "{t}");
        assert!(!t.contains("bad-guess") && !t.contains("secret-pw"), "{t}");
    }
}

#[tokio::test]
async fn password_ui_prompts_and_the_right_password_logs_on() {
    let fx = Fixture::new();
    fx.profile("Locked", Some("secret-pw"));
    let ui = scripted(vec![text("secret-pw")]);
    let s = fx
        .logon(
            Some("Locked"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_PASSWORD_UI,
            Some(ui.clone()),
        )
        .await
        .unwrap();
    assert_eq!(s.profile(), "Locked");
    assert_eq!(ui.prompts(), [Prompt::Password("Locked".into(), 1)]);
}

#[tokio::test]
async fn a_profile_without_password_is_not_prompted_for_one() {
    let fx = Fixture::new();
    fx.profile("Open", None);
    let ui = scripted(vec![]);
    fx.logon(
        Some("Open"),
        LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_PASSWORD_UI,
        Some(ui.clone()),
    )
    .await
    .unwrap();
    assert!(ui.prompts().is_empty());
}

#[tokio::test]
async fn cancelling_the_password_prompt_is_user_cancel() {
    let fx = Fixture::new();
    fx.profile("Locked", Some("secret-pw"));
    let ui = scripted(vec![Answer::Cancel]);
    let r = fx
        .logon(
            Some("Locked"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_PASSWORD_UI,
            Some(ui.clone()),
        )
        .await;
    assert_eq!(status_of(r), Status::MAPI_E_USER_CANCEL);
    assert_eq!(ui.prompts(), [Prompt::Password("Locked".into(), 1)]);
}

#[tokio::test]
async fn three_wrong_passwords_are_logon_failed() {
    let fx = Fixture::new();
    fx.profile("Locked", Some("secret-pw"));
    // A fourth, right answer must not be asked for.
    let ui = scripted(vec![text("w1"), text("w2"), text("w3"), text("secret-pw")]);
    let e = error_of(
        fx.logon(
            Some("Locked"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_PASSWORD_UI,
            Some(ui.clone()),
        )
        .await,
    );
    assert_eq!(
        mapi_types::MapiStatus::status(&e),
        Status::MAPI_E_LOGON_FAILED
    );
    assert!(e.to_string().contains("wrong password"), "{e}");
    assert_eq!(
        ui.prompts(),
        [
            Prompt::Password("Locked".into(), 1),
            Prompt::Password("Locked".into(), 2),
            Prompt::Password("Locked".into(), 3),
        ]
    );
}

#[tokio::test]
async fn logon_ui_and_password_ui_together_are_logon_failed() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let ui = scripted(vec![text("P")]);
    let e = error_of(
        fx.logon(
            Some("P"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI | LogonFlags::MAPI_PASSWORD_UI,
            Some(ui.clone()),
        )
        .await,
    );
    assert_eq!(
        mapi_types::MapiStatus::status(&e),
        Status::MAPI_E_LOGON_FAILED
    );
    assert!(e.to_string().contains("MAPI_PASSWORD_UI"), "{e}");
    assert!(ui.prompts().is_empty());
}

#[tokio::test]
async fn logon_needs_initialize_and_balanced_uninitialize_ends_it() {
    let fx = Fixture::uninitialized();
    fx.profile("P", None);
    assert!(!fx.engine.is_initialized());
    let r = fx
        .logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await;
    assert_eq!(status_of(r), Status::MAPI_E_NOT_INITIALIZED);

    fx.engine.initialize().unwrap();
    fx.engine.initialize().unwrap();
    fx.logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
    // One uninitialize of two: still initialized.
    fx.engine.uninitialize();
    assert!(fx.engine.is_initialized());
    fx.logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
    // Balanced: later calls fail again.
    fx.engine.uninitialize();
    assert!(!fx.engine.is_initialized());
    let r = fx
        .logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await;
    assert_eq!(status_of(r), Status::MAPI_E_NOT_INITIALIZED);
    // An extra uninitialize does not underflow: one initialize is enough again.
    fx.engine.uninitialize();
    fx.engine.initialize().unwrap();
    fx.logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
}
