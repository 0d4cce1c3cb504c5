//! Against real Dovecot and Postfix: a wrong service password is MAPI_E_LOGON_FAILED; with
//! UI allowed the user is asked for the password again (only the secret field), the
//! logon succeeds, and the new password is saved for the next logon.

use std::sync::Arc;

use mapi::blocking::Mapi;
use mapi::{Answer, LogoffFlags, LogonFlags, LogonRequest, Prompt, Status};
use mapi_test_support::ScriptedUi;
use mapi_test_support::{MailStack, Options, USERS};

#[test]
fn wrong_password_is_asked_again_with_ui_and_the_answer_is_saved() {
    let stack = MailStack::start(Options {
        postfix: true,
        max_userip_connections: 10,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    let dir = tempfile::tempdir().unwrap();
    let mapi = Mapi::open(Some(dir.path())).unwrap();
    let engine = mapi.engine();
    engine
        .with_store(|s| Ok(s.create_profile("Alice", None).map(|_| ())?))
        .unwrap();
    let mut settings: Vec<(String, String)> = stack
        .settings("alice", "tls", "tls")
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in &mut settings {
        if k == "password" {
            *v = "not-the-password".into();
        }
    }
    engine
        .create_service("Alice", "internet-mail", Some("Mail"), &settings)
        .unwrap();

    // Without UI: retried once, then disabled with MAPI_E_LOGON_FAILED.
    let s = mapi
        .logon(LogonRequest::new(Some("Alice"), LogonFlags::default()))
        .unwrap();
    assert_eq!(s.disabled_services()[0].status, Status::MAPI_E_LOGON_FAILED);
    s.logoff(LogoffFlags::default());

    // With UI: one prompt for the secret field only; the right answer logs on.
    let real = USERS.iter().find(|(u, _)| *u == "alice").unwrap().1;
    let ui = Arc::new(ScriptedUi::new(vec![Answer::Settings(vec![(
        "password".into(),
        real.into(),
    )])]));
    let s = mapi
        .logon(LogonRequest::new(Some("Alice"), LogonFlags::MAPI_LOGON_UI).ui(ui.clone()))
        .unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    assert_eq!(
        ui.prompts(),
        vec![Prompt::Settings("Mail".into(), vec!["password".into()])]
    );
    s.logoff(LogoffFlags::default());

    // Saved: the next logon, without UI, succeeds.
    let s = mapi
        .logon(LogonRequest::new(Some("Alice"), LogonFlags::default()))
        .unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    s.logoff(LogoffFlags::default());
}
