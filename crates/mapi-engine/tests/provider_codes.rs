//! Provider logon return codes and the engine's reaction (reference §3 steps 9-13, §5.5;
//! design.md §4 decision 6), with a scriptable test service for codes that have no real
//! cause.

mod common;

use common::*;
use mapi_engine::{Answer, FailureChoice, Prompt};
use mapi_types::{LogonFlags, MapiStatus, Status, resource_type};

const NEW: LogonFlags = LogonFlags::MAPI_NEW_SESSION;

fn with_ui() -> LogonFlags {
    LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI
}

#[tokio::test]
async fn unconfigured_with_ui_prompts_retries_and_saves_the_setting() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let uid = fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");
    probe.require_server();
    let ui = scripted(vec![settings_answer(&[("server", "mail.example")])]);
    let s = fx
        .logon(Some("P"), with_ui(), Some(ui.clone()))
        .await
        .unwrap();
    // Only the missing setting is asked for.
    assert_eq!(
        ui.prompts(),
        [Prompt::Settings("test-a".into(), vec!["server".into()])]
    );
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    let rows = service_rows(&s, "test-a");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(StatusView::available), "{rows:?}");
    assert_eq!(
        probe.servers_seen().last().cloned().flatten().as_deref(),
        Some("mail.example")
    );
    // Saved in the profile after the logon succeeded.
    assert_eq!(
        fx.setting("P", uid, "server").as_deref(),
        Some("mail.example")
    );
    // The next logon needs no UI.
    let s2 = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert!(s2.disabled_services().is_empty());
}

#[tokio::test]
async fn unconfigured_without_ui_disables_the_service() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let uid = fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    let probe = fx.probe("test-a");
    probe.require_server();
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let d = s.disabled_services();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].display_name, "test-a");
    assert_eq!(d[0].status, Status::MAPI_E_UNCONFIGURED);
    assert!(d[0].reason.contains("server"), "{}", d[0].reason);
    // No UI could supply it: no pointless retry.
    assert_eq!(probe.total_attempts(), 1);
    for r in service_rows(&s, "test-a") {
        assert!(r.failed(), "{r:?}");
        assert!(
            r.text
                .as_deref()
                .unwrap_or("")
                .contains("MAPI_E_UNCONFIGURED"),
            "{r:?}"
        );
    }
    assert!(service_rows(&s, "test-b").iter().all(StatusView::available));
    assert_eq!(fx.setting("P", uid, "server"), None);
}

#[tokio::test]
async fn failoneprovider_fails_only_that_provider() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");
    probe.fail_always(Kind::Store, Status::MAPI_E_FAILONEPROVIDER);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    let rows = service_rows(&s, "test-a");
    assert_eq!(rows.len(), 3);
    for r in &rows {
        if r.resource_type == resource_type::MAPI_STORE_PROVIDER {
            assert!(r.failed(), "{r:?}");
            assert!(
                r.text
                    .as_deref()
                    .unwrap_or("")
                    .contains("MAPI_E_FAILONEPROVIDER"),
                "{r:?}"
            );
        } else {
            assert!(r.available(), "{r:?}");
        }
    }
    // Not retried, and the service's other providers were not logged off.
    assert_eq!(probe.attempts(Kind::Store), 1);
    assert_eq!(probe.attempts(Kind::Ab), 1);
    assert_eq!(probe.attempts(Kind::Xp), 1);
    assert_eq!(probe.logoffs(), 0);
    assert_eq!(s.address_book().unwrap().providers(), 1);
    // Opening that store reports why.
    let stores = store_rows(&s);
    assert_eq!(stores.len(), 1);
    let e = error_of(s.open_msg_store(&stores[0].2));
    assert_eq!(e.status(), Status::MAPI_E_FAILONEPROVIDER);
}

#[tokio::test]
async fn provider_user_cancel_disables_the_service_without_retry() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    let probe = fx.probe("test-a");
    // A second attempt would succeed: it must not be made.
    probe.fail_next(Kind::Store, &[Status::MAPI_E_USER_CANCEL]);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let d = s.disabled_services();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].display_name, "test-a");
    assert_eq!(d[0].status, Status::MAPI_E_USER_CANCEL);
    assert_eq!(probe.attempts(Kind::Store), 1);
    assert_eq!(probe.attempts(Kind::Xp), 0);
    // The address book that came up first was logged off again.
    assert_eq!(probe.logoffs(), 1);
    assert!(service_rows(&s, "test-a").iter().all(StatusView::failed));
    assert!(service_rows(&s, "test-b").iter().all(StatusView::available));
}

#[tokio::test]
async fn a_generic_failure_is_retried_once_then_every_provider_of_the_service_is_disabled() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    let probe = fx.probe("test-a");
    probe.fail_always(Kind::Store, Status::MAPI_E_NETWORK_ERROR);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    // Two attempts of the service, the second without any UI.
    assert_eq!(probe.attempts(Kind::Ab), 2);
    assert_eq!(probe.attempts(Kind::Store), 2);
    assert_eq!(probe.attempts(Kind::Xp), 0);
    assert_eq!(
        probe.logoffs(),
        2,
        "the address book is logged off after each failure"
    );
    let d = s.disabled_services();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].status, Status::MAPI_E_NETWORK_ERROR);
    assert!(d[0].reason.contains("told to fail"), "{}", d[0].reason);
    let rows = service_rows(&s, "test-a");
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert!(r.failed(), "{r:?}");
        let t = r.text.as_deref().unwrap_or("");
        assert!(
            t.contains("MAPI_E_NETWORK_ERROR") && t.contains("told to fail"),
            "{r:?}"
        );
    }
    // The rest of the session works.
    let b = service_rows(&s, "test-b");
    assert!(b.iter().all(StatusView::available), "{b:?}");
    let ab = s.address_book().unwrap();
    assert_eq!(ab.providers(), 1);
    assert_eq!(ab.warning(), Status::MAPI_W_ERRORS_RETURNED);
    s.submit(&mapi_spi::OutgoingMessage {
        from: None,
        recipients: vec!["x@example.org".into()],
        raw: b"Subject: x\r\n\r\nx\r\n".to_vec(),
    })
    .await
    .unwrap();
    assert_eq!(fx.probe("test-b").submitted().len(), 1);
    assert!(s.last_error().unwrap_or_default().contains("test-a"));
}

#[tokio::test]
async fn a_first_failure_then_success_brings_the_service_up() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");
    probe.fail_next(Kind::Store, &[Status::MAPI_E_NETWORK_ERROR]);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert_eq!(probe.attempts(Kind::Store), 2);
    assert!(s.disabled_services().is_empty());
    assert!(service_rows(&s, "test-a").iter().all(StatusView::available));
}

#[tokio::test]
async fn failure_dialog_retry_tries_again() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");
    probe.fail_next(Kind::Store, &[Status::MAPI_E_NETWORK_ERROR]);
    let ui = scripted(vec![Answer::Choice(FailureChoice::Retry)]);
    let s = fx
        .logon(Some("P"), with_ui(), Some(ui.clone()))
        .await
        .unwrap();
    assert_eq!(
        ui.prompts(),
        [Prompt::Failed(
            "test-a".into(),
            Status::MAPI_E_NETWORK_ERROR
        )]
    );
    assert_eq!(probe.attempts(Kind::Store), 2);
    assert!(s.disabled_services().is_empty());
    assert!(service_rows(&s, "test-a").iter().all(StatusView::available));
}

#[tokio::test]
async fn failure_dialog_retry_that_fails_again_disables_without_asking_twice() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");
    probe.fail_always(Kind::Store, Status::MAPI_E_NETWORK_ERROR);
    let ui = scripted(vec![
        Answer::Choice(FailureChoice::Retry),
        Answer::Choice(FailureChoice::Retry),
    ]);
    let s = fx
        .logon(Some("P"), with_ui(), Some(ui.clone()))
        .await
        .unwrap();
    assert_eq!(ui.prompts().len(), 1, "{:?}", ui.prompts());
    assert_eq!(probe.attempts(Kind::Store), 2);
    assert_eq!(s.disabled_services().len(), 1);
    assert_eq!(
        s.disabled_services()[0].status,
        Status::MAPI_E_NETWORK_ERROR
    );
}

#[tokio::test]
async fn failure_dialog_edit_shows_the_settings_then_retries_and_saves() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let uid = fx.add_test("P", "test-a", &[("server", "bad.example")]);
    let probe = fx.probe("test-a");
    probe.only_reach("good.example");
    let ui = scripted(vec![
        Answer::Choice(FailureChoice::Edit),
        settings_answer(&[("server", "good.example")]),
    ]);
    let s = fx
        .logon(Some("P"), with_ui(), Some(ui.clone()))
        .await
        .unwrap();
    assert_eq!(
        ui.prompts(),
        [
            Prompt::Failed("test-a".into(), Status::MAPI_E_NETWORK_ERROR),
            Prompt::Settings("test-a".into(), vec!["server".into(), "note".into()]),
        ]
    );
    assert!(s.disabled_services().is_empty());
    assert_eq!(
        probe.servers_seen().last().cloned().flatten().as_deref(),
        Some("good.example")
    );
    assert_eq!(
        fx.setting("P", uid, "server").as_deref(),
        Some("good.example")
    );
}

#[tokio::test]
async fn failure_dialog_skip_disables_the_service_and_the_logon_goes_on() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    let probe = fx.probe("test-a");
    probe.fail_next(Kind::Store, &[Status::MAPI_E_NETWORK_ERROR]);
    let ui = scripted(vec![Answer::Choice(FailureChoice::Skip)]);
    let s = fx
        .logon(Some("P"), with_ui(), Some(ui.clone()))
        .await
        .unwrap();
    assert_eq!(ui.prompts().len(), 1);
    assert_eq!(probe.attempts(Kind::Store), 1);
    let d = s.disabled_services();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].display_name, "test-a");
    assert_eq!(d[0].status, Status::MAPI_E_NETWORK_ERROR);
    assert!(service_rows(&s, "test-a").iter().all(StatusView::failed));
    assert!(service_rows(&s, "test-b").iter().all(StatusView::available));
}

#[tokio::test]
async fn failure_dialog_cancel_fails_the_whole_logon() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");
    probe.fail_next(Kind::Store, &[Status::MAPI_E_NETWORK_ERROR]);
    let ui = scripted(vec![Answer::Choice(FailureChoice::Cancel)]);
    let r = fx.logon(Some("P"), with_ui(), Some(ui.clone())).await;
    assert_eq!(status_of(r), Status::MAPI_E_USER_CANCEL);
    assert_eq!(probe.attempts(Kind::Store), 1);
    assert!(
        fx.engine
            .shared_session(mapi_types::LogonFlags::default())
            .is_none()
    );
}
