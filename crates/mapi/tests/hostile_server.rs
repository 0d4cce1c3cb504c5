//! Logons through the engine (no UI) to a profile whose Internet-mail service points at
//! a misbehaving IMAP server (mapi-test-support's `hostile`). A server that never speaks
//! and one that only sends unsolicited lines: each logon succeeds in bounded time with
//! the service disabled (no cache yet: status row STATUS_FAILURE) or, once a cache
//! exists, its store offline showing the cached mail (STATUS_OFFLINE). A response that
//! breaks the protocol disables the service; a flood of untagged lines is dropped and
//! the service stays available. Every reason names the server and what it did. Short
//! provider timeouts keep each case to seconds.

use std::path::Path;
use std::time::{Duration, Instant};

use mapi::{
    Engine, EngineConfig, FolderKind, LogoffFlags, LogonFlags, LogonRequest, PropValue, Session,
    Status, StatusCode, resource_type, tags,
};
use mapi_test_support::hostile::{Behaviour, HostileImap};
use tokio::runtime::Runtime;

const PROFILE: &str = "Hostile";
const SERVICE: &str = "Mail";

/// An engine over `home` with short provider timeouts and back-off.
fn engine(home: &Path, timeout: Duration) -> Engine {
    let config = EngineConfig {
        retry_backoff: Duration::from_millis(50),
        provider_timeout: timeout,
        provider_timeout_short: timeout,
        ..EngineConfig::new(home)
    };
    let engine = Engine::new(config, mapi::catalog::catalog()).unwrap();
    engine.initialize().unwrap();
    engine
}

/// A profile with one Internet-mail service on `server` (SMTP on a closed port).
fn profile(engine: &Engine, server: &HostileImap) {
    engine
        .with_store(|s| Ok(s.create_profile(PROFILE, None).map(|_| ())?))
        .unwrap();
    let settings: Vec<(String, String)> = [
        ("email", "alice@localhost".to_string()),
        ("user", "alice".into()),
        ("password", "secret-pw".into()),
        ("imap_host", "127.0.0.1".into()),
        ("imap_port", server.port().to_string()),
        ("imap_security", "none".into()),
        ("smtp_host", "127.0.0.1".into()),
        ("smtp_port", "1".into()),
        ("smtp_security", "none".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    engine
        .create_service(PROFILE, "internet-mail", Some(SERVICE), &settings)
        .unwrap();
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn logon(rt: &Runtime, engine: &Engine, flags: LogonFlags) -> (Session, Duration) {
    let start = Instant::now();
    let session = rt
        .block_on(engine.logon(LogonRequest::new(Some(PROFILE), flags)))
        .expect("the logon succeeds whatever the service does");
    (session, start.elapsed())
}

/// The status row of the service's message store: (PR_STATUS_CODE, PR_STATUS_STRING).
fn store_status(session: &Session) -> (u32, String) {
    let table = session.status_table().unwrap();
    let rows = table.query_rows();
    let row = rows
        .iter()
        .find(|r| {
            r.str(tags::PR_DISPLAY_NAME) == Some(SERVICE)
                && r.int(tags::PR_RESOURCE_TYPE) == Some(resource_type::MAPI_STORE_PROVIDER as i64)
        })
        .unwrap_or_else(|| panic!("no store row for {SERVICE}: {rows:?}"));
    (
        row.int(tags::PR_STATUS_CODE).unwrap() as u32,
        row.str(tags::PR_STATUS_STRING)
            .unwrap_or_default()
            .to_string(),
    )
}

/// Subjects in the service's Inbox (the store opened from the session's store table).
fn inbox_subjects(rt: &Runtime, session: &Session) -> Vec<String> {
    let table = session.store_table().unwrap();
    let entry = table
        .query_rows()
        .iter()
        .find(|r| r.str(tags::PR_DISPLAY_NAME) == Some(SERVICE))
        .and_then(|r| match r.get(tags::PR_ENTRYID) {
            Some(PropValue::Binary(b)) => Some(b.clone()),
            _ => None,
        })
        .expect("the service's store in the store table");
    let store = session.open_msg_store(&entry).unwrap();
    rt.block_on(async {
        let inbox = store.folder(FolderKind::Inbox).await.unwrap();
        let mut v: Vec<String> = store
            .contents(&inbox)
            .await
            .unwrap()
            .query_rows()
            .iter()
            .filter_map(|r| r.str(tags::PR_SUBJECT).map(str::to_string))
            .collect();
        v.sort();
        v
    })
}

/// Runs one behaviour: first with no cache (the service is disabled), then after an
/// honest download filled the cache (the store comes up offline with its mail).
/// `what` is the words the reason must hold for what the server did.
fn disabled_then_offline(behaviour: Behaviour, timeout: Duration, what: &[&str]) {
    let home = tempfile::tempdir().unwrap();
    let rt = runtime();
    let server = HostileImap::start(behaviour.clone(), HostileImap::messages(2, "m"));
    let engine = engine(home.path(), timeout);
    profile(&engine, &server);
    let names_it = |text: &str| {
        assert!(text.contains(&server.label()), "names the server: {text}");
        for w in what {
            assert!(text.contains(w), "says {w:?}: {text}");
        }
    };
    // Two attempts (the automatic retry without UI) of at most the timeout each, with
    // room for a slow machine; without the bounds the logon would not end.
    let bound = timeout * 2 + Duration::from_secs(10);

    // No cache: disabled, with MAPI_E_NETWORK_ERROR and the reason.
    let (session, took) = logon(&rt, &engine, LogonFlags::default());
    assert!(took < bound, "logon took {took:?}");
    let disabled = session.disabled_services();
    assert_eq!(disabled.len(), 1, "{disabled:?}");
    assert_eq!(disabled[0].display_name, SERVICE);
    assert_eq!(
        disabled[0].status,
        Status::MAPI_E_NETWORK_ERROR,
        "{disabled:?}"
    );
    names_it(&disabled[0].reason);
    let (code, text) = store_status(&session);
    assert_eq!(code, StatusCode::STATUS_FAILURE.0, "{text}");
    names_it(&text);
    rt.block_on(session.logoff(LogoffFlags::default()));

    // An honest download fills the cache.
    server.set(Behaviour::Honest);
    let (session, _) = logon(&rt, &engine, LogonFlags::MAPI_FORCE_DOWNLOAD);
    assert!(session.disabled_services().is_empty());
    assert_eq!(store_status(&session).0, StatusCode::STATUS_AVAILABLE.0);
    assert_eq!(inbox_subjects(&rt, &session), ["m 1", "m 2"]);
    rt.block_on(session.logoff(LogoffFlags::default()));

    // With the cache: the store is offline, showing the cached mail, and says why.
    server.set(behaviour);
    let (session, took) = logon(&rt, &engine, LogonFlags::default());
    assert!(took < bound, "logon took {took:?}");
    assert!(
        session.disabled_services().is_empty(),
        "{:?}",
        session.disabled_services()
    );
    let (code, text) = store_status(&session);
    assert_eq!(code, StatusCode::STATUS_OFFLINE.0, "{text}");
    assert!(text.contains("offline"), "{text}");
    names_it(&text);
    assert_eq!(inbox_subjects(&rt, &session), ["m 1", "m 2"]);
    rt.block_on(session.logoff(LogoffFlags::default()));
    engine.uninitialize();
}

#[test]
fn a_silent_server_disables_the_service_or_leaves_it_offline() {
    disabled_then_offline(Behaviour::Silent, Duration::from_secs(1), &["greeting"]);
}

#[test]
fn unsolicited_lines_disable_the_service_or_leave_it_offline() {
    disabled_then_offline(
        Behaviour::Drip {
            every: Duration::from_millis(100),
        },
        Duration::from_millis(800),
        &["did not answer", "brought no progress"],
    );
}

/// A response that breaks the protocol (here nested 500,000 deep) during a forced
/// download: the service is disabled (a protocol error, so a cache would not make it
/// offline), with the reason, and the process is still up.
#[test]
fn a_protocol_violation_disables_the_service() {
    let home = tempfile::tempdir().unwrap();
    let rt = runtime();
    let server = HostileImap::start(
        Behaviour::DeepNesting { depth: 500_000 },
        HostileImap::messages(2, "m"),
    );
    let engine = engine(home.path(), Duration::from_secs(5));
    profile(&engine, &server);
    let (session, _) = logon(&rt, &engine, LogonFlags::MAPI_FORCE_DOWNLOAD);
    let disabled = session.disabled_services();
    assert_eq!(disabled.len(), 1, "{disabled:?}");
    assert_eq!(
        disabled[0].status,
        Status::MAPI_E_CALL_FAILED,
        "{disabled:?}"
    );
    let (code, text) = store_status(&session);
    assert_eq!(code, StatusCode::STATUS_FAILURE.0, "{text}");
    assert!(
        text.contains(&server.label()) && text.contains("nested deeper"),
        "{text}"
    );
    rt.block_on(session.logoff(LogoffFlags::default()));
    engine.uninitialize();
}

/// 40 MB of unsolicited `* 1 RECENT` lines before LIST's reply (more than the 32 MiB of
/// untagged responses held for a command): dropped as they come, the forced download
/// ends and the service is available with the server's mail.
#[test]
fn a_flood_of_untagged_lines_leaves_the_service_available() {
    let home = tempfile::tempdir().unwrap();
    let rt = runtime();
    let server = HostileImap::start(
        Behaviour::FloodOnList { bytes: 40 << 20 },
        HostileImap::messages(2, "m"),
    );
    let engine = engine(home.path(), Duration::from_secs(20));
    profile(&engine, &server);
    let (session, _) = logon(&rt, &engine, LogonFlags::MAPI_FORCE_DOWNLOAD);
    assert!(
        session.disabled_services().is_empty(),
        "{:?}",
        session.disabled_services()
    );
    let (code, text) = store_status(&session);
    assert_eq!(code, StatusCode::STATUS_AVAILABLE.0, "{text}");
    assert_eq!(inbox_subjects(&rt, &session), ["m 1", "m 2"]);
    rt.block_on(session.logoff(LogoffFlags::default()));
    engine.uninitialize();
}
