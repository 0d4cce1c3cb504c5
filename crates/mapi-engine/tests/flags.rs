//! Logon flags (reference §2, §10; design.md §4 decisions 2 and 4): SERVICE_UI_ALWAYS,
//! NO_MAIL, TIMEOUT_SHORT, ALLOW_OTHERS, FORCE_DOWNLOAD, many logons, LOGOFF_SHARED.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use common::*;
use mapi_engine::{Answer, Prompt, SessionEvent};
use mapi_spi::OutgoingMessage;
use mapi_test_support::ScriptedUi;
use mapi_types::{
    LogoffFlags, LogonFlags, MapiStatus, ProviderLogonFlags, Status, StatusCode, resource_type,
};

fn message() -> OutgoingMessage {
    OutgoingMessage {
        from: Some("me@example.org".into()),
        recipients: vec!["you@example.org".into()],
        raw: b"Subject: hi\r\n\r\nhello\r\n".to_vec(),
    }
}

#[tokio::test]
async fn service_ui_always_prompts_every_service_before_any_logon() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let a = fx.add_test("P", "test-a", &[]);
    let b = fx.add_test("P", "test-b", &[]);
    let ui = Arc::new(ObservingUi {
        inner: ScriptedUi::new(vec![
            settings_answer(&[("note", "first")]),
            settings_answer(&[("note", "second")]),
        ]),
        probes: vec![fx.probe("test-a"), fx.probe("test-b")],
        attempts_at_prompt: Mutex::new(Vec::new()),
    });
    let s = fx
        .logon(
            Some("P"),
            LogonFlags::MAPI_NEW_SESSION
                | LogonFlags::MAPI_LOGON_UI
                | LogonFlags::MAPI_SERVICE_UI_ALWAYS,
            Some(ui.clone()),
        )
        .await
        .unwrap();
    let all = vec!["server".to_string(), "note".to_string()];
    assert_eq!(
        ui.inner.prompts(),
        [
            Prompt::Settings("test-a".into(), all.clone()),
            Prompt::Settings("test-b".into(), all),
        ]
    );
    // Both prompts came before any provider logged on.
    assert_eq!(*ui.attempts_at_prompt.lock().unwrap(), [0, 0]);
    assert!(s.disabled_services().is_empty());
    assert!(fx.probe("test-a").total_attempts() > 0);
    // What was entered is kept (the logon succeeded).
    assert_eq!(fx.setting("P", a, "note").as_deref(), Some("first"));
    assert_eq!(fx.setting("P", b, "note").as_deref(), Some("second"));
}

#[tokio::test]
async fn service_ui_always_cancel_disables_only_that_service() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    fx.add_test("P", "test-b", &[]);
    let ui = scripted(vec![Answer::Cancel, settings_answer(&[])]);
    let s = fx
        .logon(
            Some("P"),
            LogonFlags::MAPI_NEW_SESSION
                | LogonFlags::MAPI_LOGON_UI
                | LogonFlags::MAPI_SERVICE_UI_ALWAYS,
            Some(ui.clone()),
        )
        .await
        .unwrap();
    assert_eq!(ui.prompts().len(), 2, "{:?}", ui.prompts());
    let d = s.disabled_services();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].display_name, "test-a");
    assert_eq!(d[0].status, Status::MAPI_E_USER_CANCEL);
    assert_eq!(fx.probe("test-a").total_attempts(), 0);
    assert!(service_rows(&s, "test-a").iter().all(StatusView::failed));
    let b = service_rows(&s, "test-b");
    assert_eq!(b.len(), 3);
    assert!(b.iter().all(StatusView::available), "{b:?}");
}

#[tokio::test]
async fn no_mail_has_no_transports_a_failed_spooler_and_cannot_submit() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");

    let s = fx
        .logon(
            Some("P"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_NO_MAIL,
            None,
        )
        .await
        .unwrap();
    let rows = status_rows(&s);
    assert!(
        rows.iter()
            .all(|r| r.resource_type != resource_type::MAPI_TRANSPORT_PROVIDER),
        "{rows:?}"
    );
    // subsystem, spooler, the address book and the store.
    assert_eq!(rows.len(), 4, "{rows:?}");
    let spooler = row_of_type(&s, resource_type::MAPI_SPOOLER).unwrap();
    assert_eq!(spooler.code, StatusCode::STATUS_FAILURE.0);
    assert_eq!(probe.attempts(Kind::Xp), 0);
    assert!(
        probe
            .provider_flags()
            .iter()
            .all(|f| f.contains(ProviderLogonFlags::MDB_NO_MAIL))
    );
    let r = s.submit(&message()).await;
    assert!(r.is_err());
    assert!(probe.submitted().is_empty());
    s.logoff(LogoffFlags::default()).await;

    // The same profile without NO_MAIL: a transport row, a working spooler, submit works.
    let s = fx
        .logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
    let xp = row_of_type(&s, resource_type::MAPI_TRANSPORT_PROVIDER).unwrap();
    assert!(xp.available(), "{xp:?}");
    let spooler = row_of_type(&s, resource_type::MAPI_SPOOLER).unwrap();
    assert!(spooler.available());
    assert_eq!(status_rows(&s).len(), 5);
    s.submit(&message()).await.unwrap();
    assert_eq!(probe.submitted(), [message()]);
}

// Paused clock: the short timeout and the wait below pass in virtual time, at once.
#[tokio::test(start_paused = true)]
async fn timeout_short_gives_up_while_another_logon_holds_the_mutex() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let gate = GateUi::new("P");
    let first = fx.logon(
        None,
        LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI,
        Some(gate.clone()),
    );
    let second = async {
        // Wait until the first logon sits in its profile prompt (holding the mutex).
        gate.entered.notified().await;
        let t0 = Instant::now();
        let r = fx
            .logon(
                Some("P"),
                LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_TIMEOUT_SHORT,
                None,
            )
            .await;
        let waited = t0.elapsed();
        gate.release.notify_one();
        (r, waited)
    };
    let (first, (second, waited)) = tokio::join!(first, second);
    assert_eq!(first.unwrap().profile(), "P");
    let e = error_of(second);
    assert_eq!(e.status(), Status::MAPI_E_TIMEOUT);
    assert!(e.to_string().contains("MAPI_TIMEOUT_SHORT"), "{e}");
    // The fixture's short timeout, to the millisecond of the paused clock.
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_millis(310), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn without_timeout_short_a_logon_waits_for_the_mutex_and_succeeds() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let gate = GateUi::new("P");
    let first = fx.logon(
        None,
        LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI,
        Some(gate.clone()),
    );
    let second = async {
        gate.entered.notified().await;
        let t0 = Instant::now();
        let waiter = fx.logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None);
        let releaser = async {
            // Longer than the short timeout: this logon must still be waiting.
            tokio::time::sleep(Duration::from_millis(600)).await;
            gate.release.notify_one();
        };
        let (r, ()) = tokio::join!(waiter, releaser);
        (r, t0.elapsed())
    };
    let (first, (second, waited)) = tokio::join!(first, second);
    let first = first.unwrap();
    let second = second.unwrap();
    assert_ne!(first.id(), second.id());
    assert!(waited >= Duration::from_millis(600), "{waited:?}");
}

#[tokio::test]
async fn allow_others_makes_the_shared_session() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    assert!(
        fx.engine
            .shared_session(mapi_types::LogonFlags::default())
            .is_none()
    );
    let s = fx
        .logon(Some("P"), LogonFlags::MAPI_ALLOW_OTHERS, None)
        .await
        .unwrap();
    assert!(s.is_shared());
    let via_engine = fx
        .engine
        .shared_session(mapi_types::LogonFlags::default())
        .unwrap();
    assert_eq!(via_engine.id(), s.id());
    // Joining runs no provider logon again.
    let attempts = fx.probe("test-a").total_attempts();
    let j = fx.logon(None, LogonFlags::default(), None).await.unwrap();
    assert_eq!(j.id(), s.id());
    assert_eq!(fx.probe("test-a").total_attempts(), attempts);
    // Without ALLOW_OTHERS a session is individual.
    let i = fx
        .logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
    assert!(!i.is_shared());
}

#[tokio::test]
async fn new_session_allow_others_while_a_shared_one_exists_stays_individual() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.profile("Q", None);
    let shared = fx
        .logon(Some("P"), LogonFlags::MAPI_ALLOW_OTHERS, None)
        .await
        .unwrap();
    let second = fx
        .logon(
            Some("Q"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_ALLOW_OTHERS,
            None,
        )
        .await
        .unwrap();
    assert_eq!(second.profile(), "Q");
    assert!(!second.is_shared());
    assert!(shared.is_shared());
    let joined = fx.logon(None, LogonFlags::default(), None).await.unwrap();
    assert_eq!(joined.id(), shared.id());
    assert_eq!(joined.profile(), "P");
}

#[tokio::test]
async fn force_download_and_dialog_flags_reach_the_providers() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let probe = fx.probe("test-a");
    fx.logon(
        Some("P"),
        LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_FORCE_DOWNLOAD,
        None,
    )
    .await
    .unwrap();
    let seen = probe.logon_flags();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|f| f.contains(LogonFlags::MAPI_FORCE_DOWNLOAD)),
        "{seen:?}"
    );
    // No UI: the providers may not show dialogs.
    assert!(
        probe
            .provider_flags()
            .iter()
            .all(|f| f.contains(ProviderLogonFlags::MDB_NO_DIALOG))
    );

    let probe_b = fx.probe("test-b");
    fx.profile("Q", None);
    fx.add_test("Q", "test-b", &[]);
    fx.logon(
        Some("Q"),
        LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_LOGON_UI,
        Some(scripted(vec![])),
    )
    .await
    .unwrap();
    assert!(
        probe_b
            .logon_flags()
            .iter()
            .all(|f| !f.contains(LogonFlags::MAPI_FORCE_DOWNLOAD))
    );
    assert!(
        probe_b
            .provider_flags()
            .iter()
            .all(|f| !f.contains(ProviderLogonFlags::MDB_NO_DIALOG))
    );
}

#[tokio::test]
async fn many_logons_to_one_profile_are_allowed() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_local_store("P", "Mail", &fx.file("mail.db"), false);
    fx.add_test("P", "test-a", &[]);
    let mut sessions = Vec::new();
    for _ in 0..5 {
        let s = fx
            .logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
            .await
            .unwrap();
        assert!(
            s.disabled_services().is_empty(),
            "{:?}",
            s.disabled_services()
        );
        s.default_store().unwrap();
        sessions.push(s);
    }
    let mut ids: Vec<u64> = sessions.iter().map(|s| s.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    assert_eq!(fx.probe("test-a").attempts(Kind::Store), 5);
}

#[tokio::test]
async fn logoff_shared_ends_the_session_for_every_handle() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.profile("Q", None);
    fx.add_test("P", "test-a", &[]);
    let owner = fx
        .logon(Some("P"), LogonFlags::MAPI_ALLOW_OTHERS, None)
        .await
        .unwrap();
    let other = fx.logon(None, LogonFlags::default(), None).await.unwrap();
    assert_eq!(other.id(), owner.id());
    let mut events = other.subscribe();
    other.status_table().unwrap();

    owner.logoff(LogoffFlags::MAPI_LOGOFF_SHARED).await;

    assert_eq!(
        status_of(other.status_table()),
        Status::MAPI_E_END_OF_SESSION
    );
    assert_eq!(
        status_of(other.store_table()),
        Status::MAPI_E_END_OF_SESSION
    );
    assert_eq!(
        status_of(other.submit(&message()).await),
        Status::MAPI_E_END_OF_SESSION
    );
    let ended = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match events.recv().await {
                Ok(SessionEvent::Ended { reason }) => break Some(reason),
                Ok(_) => continue,
                Err(_) => break None,
            }
        }
    })
    .await
    .expect("no Ended event");
    let reason = ended.expect("the event channel closed without Ended");
    assert!(reason.contains("MAPI_LOGOFF_SHARED"), "{reason}");
    // Providers were logged off.
    assert_eq!(fx.probe("test-a").logoffs(), 3);
    // The shared slot is free: a logon without NEW_SESSION now uses its name.
    assert!(
        fx.engine
            .shared_session(mapi_types::LogonFlags::default())
            .is_none()
    );
    let next = fx
        .logon(Some("Q"), LogonFlags::default(), None)
        .await
        .unwrap();
    assert_ne!(next.id(), owner.id());
    assert_eq!(next.profile(), "Q");
}

#[tokio::test]
async fn a_plain_logoff_leaves_the_shared_session_to_the_others() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let owner = fx
        .logon(Some("P"), LogonFlags::MAPI_ALLOW_OTHERS, None)
        .await
        .unwrap();
    let other = fx.logon(None, LogonFlags::default(), None).await.unwrap();
    assert_eq!(owner.clients(), 2);
    owner.logoff(LogoffFlags::default()).await;
    // The handle that logged off is done; the other one goes on.
    assert_eq!(
        status_of(owner.status_table()),
        Status::MAPI_E_END_OF_SESSION
    );
    assert_eq!(status_rows(&other).len(), 5);
    assert_eq!(other.clients(), 1);
    assert_eq!(fx.probe("test-a").logoffs(), 0);
    let third = fx.logon(None, LogonFlags::default(), None).await.unwrap();
    assert_eq!(third.id(), other.id());
    // The last handle leaving ends it.
    other.logoff(LogoffFlags::default()).await;
    third.logoff(LogoffFlags::default()).await;
    assert_eq!(fx.probe("test-a").logoffs(), 3);
    assert!(
        fx.engine
            .shared_session(mapi_types::LogonFlags::default())
            .is_none()
    );
}

#[tokio::test]
async fn a_no_mail_member_of_a_shared_session_cannot_submit_while_the_messaging_one_can() {
    // Reference §2 rule 10 / §10: members of one shared session keep their own
    // characteristics; a NO_MAIL member cannot send, a messaging member still can.
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-a", &[]);
    let messaging = fx
        .logon(Some("P"), LogonFlags::MAPI_ALLOW_OTHERS, None)
        .await
        .unwrap();
    let no_mail = fx
        .logon(None, LogonFlags::MAPI_NO_MAIL, None)
        .await
        .unwrap();
    assert_eq!(no_mail.id(), messaging.id());
    messaging.submit(&message()).await.unwrap();
    assert_eq!(fx.probe("test-a").submitted().len(), 1);
    let r = no_mail.submit(&message()).await;
    assert!(
        r.is_err(),
        "a MAPI_NO_MAIL member of a shared session submitted a message"
    );
    assert_eq!(fx.probe("test-a").submitted().len(), 1);
}

#[tokio::test]
async fn logoff_shared_from_an_individual_session_leaves_the_shared_one_alone() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.profile("Q", None);
    let shared = fx
        .logon(Some("P"), LogonFlags::MAPI_ALLOW_OTHERS, None)
        .await
        .unwrap();
    let other = fx.logon(None, LogonFlags::default(), None).await.unwrap();
    let individual = fx
        .logon(
            Some("Q"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_ALLOW_OTHERS,
            None,
        )
        .await
        .unwrap();
    individual.logoff(LogoffFlags::MAPI_LOGOFF_SHARED).await;
    assert_eq!(
        status_of(individual.status_table()),
        Status::MAPI_E_END_OF_SESSION
    );
    shared.status_table().unwrap();
    other.status_table().unwrap();
    assert_eq!(
        fx.engine
            .shared_session(mapi_types::LogonFlags::default())
            .unwrap()
            .id(),
        shared.id()
    );
}
