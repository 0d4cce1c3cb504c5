//! design.md §4 decisions: error texts naming the cause (1), cancelling a service prompt
//! (5), logon succeeding with disabled services and never changing the profile when it
//! fails (7), and disabled stores reporting why.

mod common;

use common::*;
use mapi_engine::{Answer, FailureChoice, Prompt};
use mapi_types::{LogonFlags, MapiStatus, Status};

const NEW: LogonFlags = LogonFlags::MAPI_NEW_SESSION;

fn with_ui() -> LogonFlags {
    LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI
}

#[tokio::test]
async fn decision_1_error_texts_name_the_cause() {
    let fx = Fixture::new();
    fx.profile("Locked", Some("pw"));
    let cases = [
        (
            fx.logon(Some("Ghost"), NEW, None).await,
            "no profile named \"Ghost\"",
        ),
        (
            fx.logon(None, NEW | LogonFlags::MAPI_USE_DEFAULT, None)
                .await,
            "no default profile",
        ),
        (fx.logon(Some("Locked"), NEW, None).await, "wrong password"),
    ];
    for (r, want) in cases {
        let e = error_of(r);
        assert_eq!(e.status(), Status::MAPI_E_LOGON_FAILED);
        assert!(e.to_string().contains(want), "{e} lacks {want}");
    }
}

#[tokio::test]
async fn decision_1_no_profiles_to_choose_from_is_a_logon_failure_not_a_cancel() {
    let fx = Fixture::new();
    let ui = scripted(vec![]);
    let e = error_of(fx.logon(None, with_ui(), Some(ui.clone())).await);
    assert_eq!(e.status(), Status::MAPI_E_LOGON_FAILED, "{e}");
    assert!(e.to_string().contains("there are no profiles"), "{e}");
    assert!(
        ui.prompts().is_empty(),
        "no chooser shown: {:?}",
        ui.prompts()
    );
}

#[tokio::test]
async fn decision_1_a_name_with_control_characters_is_named_escaped() {
    let fx = Fixture::new();
    let e = error_of(fx.logon(Some("\u{1b}[2J\nX"), NEW, None).await);
    assert_eq!(e.status(), Status::MAPI_E_LOGON_FAILED);
    let text = e.to_string();
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert!(
        text.contains(r#"no profile named "\u{1b}[2J\nX""#),
        "{text}"
    );
}

#[tokio::test]
async fn decision_5_cancelling_a_service_prompt_disables_that_service_only() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let a = fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    fx.probe("test-a").require_server();
    let before = fx.dump_profiles_db();
    let ui = scripted(vec![Answer::Cancel]);
    let s = fx
        .logon(Some("P"), with_ui(), Some(ui.clone()))
        .await
        .unwrap();
    assert_eq!(
        ui.prompts(),
        [Prompt::Settings("test-a".into(), vec!["server".into()])]
    );
    let d = s.disabled_services();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].display_name, "test-a");
    assert_eq!(d[0].status, Status::MAPI_E_USER_CANCEL);
    assert!(service_rows(&s, "test-b").iter().all(StatusView::available));
    assert_eq!(fx.setting("P", a, "server"), None);
    assert_eq!(fx.dump_profiles_db(), before);
}

#[tokio::test]
async fn decision_7_logon_succeeds_with_disabled_services_and_says_which() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    fx.add_test("P", "test-c", &[]);
    fx.probe("test-a")
        .fail_always(Kind::Ab, Status::MAPI_E_NETWORK_ERROR);
    fx.probe("test-c")
        .fail_always(Kind::Xp, Status::MAPI_E_SESSION_LIMIT);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let mut d: Vec<(String, Status)> = s
        .disabled_services()
        .iter()
        .map(|d| (d.display_name.clone(), d.status))
        .collect();
    d.sort();
    assert_eq!(
        d,
        [
            ("test-a".to_string(), Status::MAPI_E_NETWORK_ERROR),
            ("test-c".to_string(), Status::MAPI_E_SESSION_LIMIT),
        ]
    );
    assert_eq!(s.active_services(), ["test-b"]);
    // 2 MAPI rows + 3 providers x 3 services.
    assert_eq!(status_rows(&s).len(), 11);
    let failed = status_rows(&s).iter().filter(|r| r.failed()).count();
    assert_eq!(failed, 6);
}

#[tokio::test]
async fn decision_7_a_failed_logon_leaves_the_profile_file_unchanged() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let a = fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    fx.probe("test-a").require_server();
    fx.probe("test-b")
        .fail_always(Kind::Store, Status::MAPI_E_NETWORK_ERROR);
    let before = fx.dump_profiles_db();
    // The user fills in test-a's missing setting (test-a then comes up), then cancels
    // test-b's failure dialog: the whole logon fails.
    let ui = scripted(vec![
        settings_answer(&[("server", "entered.example")]),
        Answer::Choice(FailureChoice::Cancel),
    ]);
    let r = fx.logon(Some("P"), with_ui(), Some(ui.clone())).await;
    assert_eq!(status_of(r), Status::MAPI_E_USER_CANCEL);
    assert_eq!(
        ui.prompts(),
        [
            Prompt::Settings("test-a".into(), vec!["server".into()]),
            Prompt::Failed("test-b".into(), Status::MAPI_E_NETWORK_ERROR),
        ]
    );
    // test-a did come up with the entered value during the failed logon.
    assert_eq!(
        fx.probe("test-a")
            .servers_seen()
            .last()
            .cloned()
            .flatten()
            .as_deref(),
        Some("entered.example")
    );
    assert_eq!(fx.dump_profiles_db(), before);
    assert_eq!(fx.setting("P", a, "server"), None);
}

#[tokio::test]
async fn decision_7_settings_entered_for_a_service_that_stays_down_are_not_saved() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");
    probe.require_server();
    probe.fail_always(Kind::Store, Status::MAPI_E_NETWORK_ERROR);
    let before = fx.dump_profiles_db();
    let ui = scripted(vec![settings_answer(&[("server", "entered.example")])]);
    let s = fx
        .logon(Some("P"), with_ui(), Some(ui.clone()))
        .await
        .unwrap();
    assert_eq!(s.disabled_services().len(), 1);
    assert_eq!(fx.dump_profiles_db(), before);
}

#[tokio::test]
async fn a_failed_password_logon_leaves_the_profile_file_unchanged() {
    let fx = Fixture::new();
    fx.profile("Locked", Some("pw"));
    fx.add_test("Locked", "test-a", &[]);
    let before = fx.dump_profiles_db();
    let ui = scripted(vec![text("a"), text("b"), text("c")]);
    let r = fx
        .logon(Some("Locked"), NEW | LogonFlags::MAPI_PASSWORD_UI, Some(ui))
        .await;
    assert_eq!(status_of(r), Status::MAPI_E_LOGON_FAILED);
    assert_eq!(fx.probe("test-a").total_attempts(), 0);
    assert_eq!(fx.dump_profiles_db(), before);
}

#[tokio::test]
async fn a_cancelled_logon_logs_off_the_providers_that_came_up() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    fx.probe("test-b")
        .fail_always(Kind::Store, Status::MAPI_E_NETWORK_ERROR);
    let ui = scripted(vec![Answer::Choice(FailureChoice::Cancel)]);
    let r = fx.logon(Some("P"), with_ui(), Some(ui)).await;
    assert_eq!(status_of(r), Status::MAPI_E_USER_CANCEL);
    // test-a's three providers came up before test-b failed; the logon failed, so
    // each must be logged off (reference §5.6), not just dropped.
    assert_eq!(fx.probe("test-a").total_attempts(), 3);
    assert_eq!(fx.probe("test-a").logoffs(), 3);
}

#[tokio::test]
async fn the_store_of_a_disabled_service_fails_with_the_status_that_disabled_it() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let path = fx.file("mail.db");
    fx.add_local_store("P", "Mail", &path, false);
    truncate_half(&path);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_eq!(s.disabled_services()[0].status, Status::MAPI_E_CORRUPT_DATA);
    // Still listed, still the default store...
    let stores = store_rows(&s);
    assert_eq!(stores.len(), 1);
    assert_eq!(stores[0].0, "Mail");
    assert!(stores[0].1, "PR_DEFAULT_STORE");
    // ... but opening it says why it is down.
    let e = error_of(s.default_store());
    assert_eq!(e.status(), Status::MAPI_E_CORRUPT_DATA);
    assert!(e.to_string().contains("Mail"), "{e}");
    let e = error_of(s.open_msg_store(&stores[0].2));
    assert_eq!(e.status(), Status::MAPI_E_CORRUPT_DATA);
    assert!(s.last_error().unwrap_or_default().contains("Mail"));
    // An entry id of no store is NOT_FOUND.
    assert_eq!(
        status_of(s.open_msg_store(b"nonsense")),
        Status::MAPI_E_NOT_FOUND
    );
}
