//! The IMAP store against a real Dovecot on loopback.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestSupport, data_dir, dovecot};
use mapi_provider_internet::imap::Imap;
use mapi_provider_internet::{InternetError, InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MessageService, MsgStore, Settings, Support};
use mapi_test_support::{MailStack, free_port};
use mapi_types::{LogonFlags, PropValue, Status, StatusCode, tags};

const FORCE: LogonFlags = LogonFlags::MAPI_FORCE_DOWNLOAD;

async fn logon(
    settings: Settings,
    flags: LogonFlags,
    dir: &std::path::Path,
) -> (
    Arc<TestSupport>,
    Result<Arc<InternetStore>, mapi_spi::ProviderError>,
) {
    let support = TestSupport::new(settings, flags, dir);
    let r = InternetMailService
        .logon_store(support.clone() as Arc<dyn Support>)
        .await
        .map_err(Into::into);
    (support, r)
}

async fn subjects(store: &InternetStore, kind: FolderKind) -> Vec<String> {
    let f = store.folder(kind).await.unwrap();
    store
        .contents(&f)
        .await
        .unwrap()
        .query_rows()
        .iter()
        .filter_map(|r| r.str(tags::PR_SUBJECT).map(str::to_string))
        .collect()
}

fn set(s: &mut Settings, k: &str, v: &str) {
    s.set(k, PropValue::Unicode(v.into()));
}

#[tokio::test]
async fn missing_settings_are_unconfigured() {
    let dir = data_dir();
    let mut s = Settings::new();
    set(&mut s, "email", "a@x");
    set(&mut s, "imap_host", "localhost");
    let support = TestSupport::new(s, LogonFlags(0), dir.path());
    let err = InternetMailService
        .store_logon(support)
        .await
        .err()
        .expect("must fail");
    assert_eq!(err.status, Status::MAPI_E_UNCONFIGURED);
    assert_eq!(err.missing, ["user", "password", "smtp_host"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_starttls_and_tls_logons_download_everything() {
    let stack = dovecot();
    stack
        .generate_messages("alice", "hello", 0, 30, 2000)
        .unwrap();
    let on_disk: HashSet<Vec<u8>> = stack.read_messages("alice", "INBOX").into_iter().collect();
    for mode in ["none", "starttls", "tls"] {
        let dir = data_dir();
        let (support, store) = logon(stack.settings("alice", mode, "tls"), FORCE, dir.path()).await;
        let store = store.unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(store.is_online());
        let mut subj = subjects(&store, FolderKind::Inbox).await;
        subj.sort();
        let mut want: Vec<String> = (0..30).map(|i| format!("hello {i}")).collect();
        want.sort();
        assert_eq!(subj, want, "{mode}");
        let inbox = store.folder(FolderKind::Inbox).await.unwrap();
        let table = store.contents(&inbox).await.unwrap();
        for row in table.query_rows() {
            let e = row
                .get(tags::PR_ENTRYID)
                .and_then(PropValue::as_bytes)
                .unwrap()
                .to_vec();
            assert!(
                on_disk.contains(&store.read_raw(&e).await.unwrap()),
                "raw bytes equal the server's"
            );
            let full = store.read_message(&e).await.unwrap();
            assert!(full.str(tags::PR_BODY).unwrap().contains("Lorem ipsum"));
        }
        let names: Vec<String> = store
            .folders()
            .await
            .unwrap()
            .iter()
            .filter_map(|r| r.str(tags::PR_DISPLAY_NAME).map(str::to_string))
            .collect();
        for n in ["Inbox", "Sent", "Drafts", "Trash", "Outbox"] {
            assert!(names.iter().any(|x| x == n), "{names:?}");
        }
        for k in [
            FolderKind::SentItems,
            FolderKind::Drafts,
            FolderKind::DeletedItems,
            FolderKind::Outbox,
            FolderKind::IpmSubtree,
        ] {
            store.folder(k).await.unwrap();
        }
        let p = support.progress.lock().unwrap().clone();
        assert_eq!(
            p.last().map(|p| (p.done, p.total)),
            Some((30, Some(30))),
            "{mode}: progress reported"
        );
        assert_eq!(
            support.last_row().unwrap().code,
            StatusCode::STATUS_AVAILABLE
        );
        store.logoff().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_logon_failed_without_the_password() {
    let stack = dovecot();
    let dir = data_dir();
    let mut s = stack.settings("alice", "tls", "tls");
    set(&mut s, "password", "Wr0ng-Secret-xyz");
    let (_, r) = logon(s, LogonFlags(0), dir.path()).await;
    let e = r.err().expect("must fail");
    assert_eq!(e.status, Status::MAPI_E_LOGON_FAILED, "{e}");
    assert!(!e.message.contains("Wr0ng-Secret-xyz"), "{e}");
    assert!(e.message.contains("password"), "{e}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no cache made by a failed logon"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_network_error() {
    let stack = dovecot();
    let dir = data_dir();
    let mut s = stack.settings("alice", "tls", "tls");
    set(&mut s, "imap_port", &free_port().to_string());
    let (_, r) = logon(s, LogonFlags(0), dir.path()).await;
    assert_eq!(r.err().unwrap().status, Status::MAPI_E_NETWORK_ERROR);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_times_out_within_the_support_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stack = dovecot();
    let dir = data_dir();
    let mut s = stack.settings("alice", "none", "tls");
    set(&mut s, "imap_port", &port.to_string());
    let support = Arc::new(TestSupport {
        timeout: Duration::from_millis(400),
        ..Arc::into_inner(TestSupport::new(s, LogonFlags(0), dir.path())).unwrap()
    });
    let start = Instant::now();
    let e = InternetMailService
        .store_logon(support)
        .await
        .err()
        .unwrap();
    assert_eq!(e.status, Status::MAPI_E_NETWORK_ERROR, "{e}");
    assert!(e.message.contains("did not answer"), "{e}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    drop(listener);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_server_fails_without_cache_and_comes_up_offline_with_one() {
    let mut stack = dovecot();
    stack
        .generate_messages("alice", "cached", 0, 12, 1500)
        .unwrap();
    let with_cache = data_dir();
    let (_, store) = logon(
        stack.settings("alice", "tls", "tls"),
        FORCE,
        with_cache.path(),
    )
    .await;
    let store = store.unwrap();
    let first_ids: Vec<Vec<u8>> = {
        let inbox = store.folder(FolderKind::Inbox).await.unwrap();
        store
            .contents(&inbox)
            .await
            .unwrap()
            .query_rows()
            .iter()
            .map(|r| {
                r.get(tags::PR_ENTRYID)
                    .and_then(PropValue::as_bytes)
                    .unwrap()
                    .to_vec()
            })
            .collect()
    };
    store.logoff().await;
    stack.stop_dovecot();

    let empty = data_dir();
    let (_, r) = logon(stack.settings("alice", "tls", "tls"), FORCE, empty.path()).await;
    assert_eq!(r.err().unwrap().status, Status::MAPI_E_NETWORK_ERROR);

    let (support, store) = logon(
        stack.settings("alice", "tls", "tls"),
        FORCE,
        with_cache.path(),
    )
    .await;
    let store = store.expect("offline from the cache");
    assert!(!store.is_online());
    let row = support.last_row().unwrap();
    assert_eq!(row.code, StatusCode::STATUS_OFFLINE);
    assert!(row.text.unwrap().contains("offline"));
    assert_eq!(subjects(&store, FolderKind::Inbox).await.len(), 12);
    let raw = store.read_raw(&first_ids[0]).await.unwrap();
    assert!(raw.starts_with(b"From: Sender"));
    let trash = store.folder(FolderKind::DeletedItems).await.unwrap();
    let e = store
        .move_message(&first_ids[0], &trash)
        .await
        .err()
        .unwrap();
    assert_eq!(e.status, Status::MAPI_E_OFFLINE, "{e}");
    let outbox = store.folder(FolderKind::Outbox).await.unwrap();
    store
        .import_raw(&outbox, vec![b"Subject: queued\r\n\r\nx".to_vec()])
        .await
        .expect("the local Outbox works offline");
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_connection_hits_the_session_limit() {
    let stack = dovecot();
    let (d1, d2) = (data_dir(), data_dir());
    let (_, first) = logon(stack.settings("alice", "tls", "tls"), FORCE, d1.path()).await;
    let first = first.unwrap();
    let (_, second) = logon(stack.settings("alice", "tls", "tls"), FORCE, d2.path()).await;
    let e = second.err().expect("limit");
    assert_eq!(e.status, Status::MAPI_E_SESSION_LIMIT, "{e}");
    first.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_certificate_is_a_clear_tls_error() {
    let stack = dovecot();
    for mode in ["tls", "starttls"] {
        let dir = data_dir();
        let mut s = stack.settings("alice", mode, "tls");
        set(&mut s, "ca_file", "");
        let (_, r) = logon(s, LogonFlags(0), dir.path()).await;
        let e = r.err().unwrap();
        assert_eq!(e.status, Status::MAPI_E_NETWORK_ERROR, "{e}");
        assert!(
            e.message.contains("certificate") && e.message.contains("ca_file"),
            "{e}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_sync_and_uidvalidity_change() {
    let stack = dovecot();
    stack.generate_messages("alice", "m", 0, 20, 1000).unwrap();
    let dir = data_dir();
    let (_, store) = logon(stack.settings("alice", "tls", "tls"), FORCE, dir.path()).await;
    let store = store.unwrap();
    let old_inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let old_first = store.contents(&old_inbox).await.unwrap().query_rows()[0]
        .get(tags::PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap()
        .to_vec();
    let again = store.synchronize(true).await.unwrap();
    assert_eq!(
        (again.changed_folders, again.downloaded),
        (0, 0),
        "nothing new"
    );
    stack.generate_messages("alice", "m", 20, 5, 1000).unwrap();
    let more = store.synchronize(true).await.unwrap();
    assert_eq!(more.downloaded, 5);
    assert_eq!(subjects(&store, FolderKind::Inbox).await.len(), 25);
    store.logoff().await;

    // A new UIDVALIDITY, as a server gives when it renumbers a mailbox (Dovecot's own
    // is the creation time, far above this value, so this one is always different).
    stack
        .doveadm(&[
            "mailbox",
            "update",
            "-u",
            "alice",
            "--uid-validity",
            "12345",
            "INBOX",
        ])
        .unwrap();
    let (_, store) = logon(stack.settings("alice", "tls", "tls"), FORCE, dir.path()).await;
    let store = store.unwrap();
    let subj = subjects(&store, FolderKind::Inbox).await;
    let unique: HashSet<&String> = subj.iter().collect();
    assert_eq!(
        (subj.len(), unique.len()),
        (25, 25),
        "refetched once, no duplicates"
    );
    assert_eq!(
        store.read_raw(&old_first).await.err().unwrap().status,
        Status::MAPI_E_NOT_FOUND,
        "old entries were dropped with the folder cache"
    );
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_download_resumes_without_duplicates() {
    let stack = dovecot();
    stack.generate_messages("alice", "r", 0, 1300, 800).unwrap();
    let dir = data_dir();
    let support = TestSupport::new(
        stack.settings("alice", "tls", "tls"),
        LogonFlags(0),
        dir.path(),
    );
    let (reached, release) = support.install_gate();
    let store = InternetMailService
        .logon_store(support.clone())
        .await
        .unwrap();
    reached
        .recv_timeout(Duration::from_secs(30))
        .expect("first batch committed");
    // The download is held at its gate: a logoff that waited for it instead of
    // aborting it would never return.
    tokio::time::timeout(Duration::from_secs(30), store.logoff())
        .await
        .expect("logoff returns without waiting for the held download");
    let _ = release.send(());
    let row = support.last_row().expect("a status row");
    assert!(
        row.text
            .as_deref()
            .unwrap_or("")
            .contains("download cut short at logoff"),
        "{row:?}"
    );
    let cache = store.cache_file();
    drop(store);
    let partial = count_rows(&cache);
    assert!(
        partial > 0 && partial < 1300,
        "partial download kept: {partial}"
    );

    let (_, store) = logon(stack.settings("alice", "tls", "tls"), FORCE, dir.path()).await;
    let store = store.unwrap();
    let subj = subjects(&store, FolderKind::Inbox).await;
    let unique: HashSet<&String> = subj.iter().collect();
    assert_eq!((subj.len(), unique.len()), (1300, 1300));
    store.logoff().await;
}

fn count_rows(cache: &std::path::Path) -> i64 {
    let c = rusqlite_count(cache);
    c.expect("cache readable")
}

fn rusqlite_count(cache: &std::path::Path) -> Option<i64> {
    let store = mapi_provider_internet::cache::Cache::open(cache).ok()?;
    store.message_count().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_download_is_complete_in_the_files_when_it_returns() {
    use mapi_provider_internet::bodies::Bodies;
    use mapi_provider_internet::cache::Cache;
    let stack = dovecot();
    stack.generate_messages("alice", "d", 0, 600, 1000).unwrap();
    let dir = data_dir();
    let (_, store) = logon(stack.settings("alice", "tls", "tls"), FORCE, dir.path()).await;
    let store = store.unwrap();
    let cache = store.cache_file();
    // copy the cache's files while the store is still open, as a crash would leave
    // them: everything must already be in them
    let copy = dir.path().join("copy.sqlite");
    std::fs::copy(&cache, &copy).unwrap();
    let wal = |p: &std::path::Path| std::path::PathBuf::from(format!("{}-wal", p.display()));
    if wal(&cache).exists() {
        std::fs::copy(wal(&cache), wal(&copy)).unwrap();
    }
    std::fs::copy(Bodies::path_for(&cache), Bodies::path_for(&copy)).unwrap();
    let c = Cache::open(&copy).unwrap();
    assert_eq!(c.message_count().unwrap(), 600);
    let mut read = 0;
    for f in c.folders().unwrap() {
        for m in c.messages(f.id).unwrap() {
            let raw = c.raw(m.id).unwrap();
            assert_eq!(raw.len() as i64, m.size);
            assert!(
                raw.starts_with(b"From: Sender "),
                "message {} intact",
                m.uid
            );
            read += 1;
        }
    }
    assert_eq!(read, 600);
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_download_then_append_delete_move_reach_the_server() {
    let stack = dovecot();
    stack.generate_messages("alice", "bg", 0, 40, 1000).unwrap();
    let dir = data_dir();
    let (support, store) = logon(
        stack.settings("alice", "starttls", "tls"),
        LogonFlags(0),
        dir.path(),
    )
    .await;
    let store = store.unwrap();
    store.wait_for_sync().await;
    assert_eq!(subjects(&store, FolderKind::Inbox).await.len(), 40);
    assert!(
        support
            .last_row()
            .unwrap()
            .text
            .unwrap()
            .contains("40 new messages")
    );

    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let ids = store
        .import_raw(
            &drafts,
            vec![
                b"From: a@x\r\nSubject: draft one\r\n\r\none\r\n".to_vec(),
                b"Subject: draft two\r\n\r\ntwo\r\n".to_vec(),
            ],
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        stack.count_messages("alice", "Drafts"),
        2,
        "APPENDed on the server"
    );
    assert_eq!(
        store
            .read_message(&ids[0])
            .await
            .unwrap()
            .str(tags::PR_SUBJECT),
        Some("draft one")
    );

    store.delete_message(&ids[1]).await.unwrap();
    assert_eq!(
        stack.count_messages("alice", "Drafts"),
        1,
        "deleted on the server"
    );
    assert_eq!(
        store.read_raw(&ids[1]).await.err().unwrap().status,
        Status::MAPI_E_NOT_FOUND
    );

    let trash = store.folder(FolderKind::DeletedItems).await.unwrap();
    let moved = store.move_message(&ids[0], &trash).await.unwrap();
    assert_eq!(
        (
            stack.count_messages("alice", "Drafts"),
            stack.count_messages("alice", "Trash")
        ),
        (0, 1)
    );
    assert_eq!(
        subjects(&store, FolderKind::DeletedItems).await,
        ["draft one"]
    );
    assert!(store.read_raw(&moved).await.unwrap().ends_with(b"one\r\n"));
    // the cache agrees with the server after a fresh synchronisation
    let r = store.synchronize(true).await.unwrap();
    assert_eq!(
        r.downloaded, 0,
        "moves and appends were recorded under their server UIDs"
    );
    assert_eq!(
        store
            .import_raw(b"bogus", vec![])
            .await
            .err()
            .unwrap()
            .status,
        Status::MAPI_E_INVALID_ENTRYID
    );
    store.logoff().await;
    let _: &MailStack = &stack;
}

/// Read flags of the Inbox's messages, as the contents table shows them.
async fn read_flags(store: &InternetStore) -> Vec<bool> {
    let f = store.folder(FolderKind::Inbox).await.unwrap();
    store
        .contents(&f)
        .await
        .unwrap()
        .query_rows()
        .iter()
        .map(|r| r.int(tags::PR_MESSAGE_FLAGS).unwrap_or(0) & 1 != 0)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_changed_elsewhere_reach_the_cache_without_condstore() {
    let mut stack = dovecot();
    // Dovecot acting as a server without CONDSTORE and QRESYNC (as Courier)
    stack
        .set_imap_capability(
            "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT",
        )
        .unwrap();
    stack.generate_messages("alice", "f", 0, 20, 500).unwrap();
    let dir = data_dir();
    let (_, store) = logon(stack.settings("alice", "none", "tls"), FORCE, dir.path()).await;
    let store = store.unwrap();
    assert_eq!(read_flags(&store).await, [false; 20]);
    // another client marks everything read: no message is added or removed
    stack
        .doveadm(&[
            "flags", "add", "-u", "alice", "\\Seen", "mailbox", "INBOX", "all",
        ])
        .unwrap();
    let report = store.synchronize(true).await.unwrap();
    assert_eq!((report.flags_changed, report.downloaded), (20, 0));
    assert_eq!(read_flags(&store).await, [true; 20]);
    // and nothing changed: nothing to do
    let report = store.synchronize(true).await.unwrap();
    assert_eq!(
        (report.flags_changed, report.downloaded, report.removed),
        (0, 0, 0)
    );
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_store_aborts_its_background_download() {
    let stack = dovecot();
    stack.generate_messages("alice", "a", 0, 1300, 800).unwrap();
    let dir = data_dir();
    let support = TestSupport::new(
        stack.settings("alice", "tls", "tls"),
        LogonFlags(0),
        dir.path(),
    );
    let (reached, release) = support.install_gate();
    let store = InternetMailService
        .logon_store(support.clone())
        .await
        .unwrap();
    reached
        .recv_timeout(Duration::from_secs(30))
        .expect("first batch committed");
    let cache = store.cache_file();
    drop(store); // no logoff
    let row = support.last_row().expect("a status row");
    assert!(
        row.text
            .as_deref()
            .unwrap_or("")
            .contains("download cut short"),
        "{row:?}"
    );
    let _ = release.send(());
    // the aborted task gives its IMAP connection back (the server allows one per
    // user): a new connection gets in once it has
    let account =
        mapi_provider_internet::Account::from_settings(&stack.settings("alice", "tls", "tls"))
            .unwrap();
    let tls = mapi_provider_internet::tls::client_config(account.ca_file.as_deref()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut imap = Imap::connect(&account.imap, tls.clone(), Duration::from_secs(10))
            .await
            .unwrap();
        match imap.login(&account.user, &account.password).await {
            Ok(()) => {
                imap.logout().await;
                break;
            }
            Err(InternetError::SessionLimit { .. }) if Instant::now() < deadline => {
                tokio::task::yield_now().await
            }
            Err(e) => panic!("{e}"),
        }
    }
    let partial = count_rows(&cache);
    assert!(partial < 1300, "the download went on: {partial} rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qresync_brings_only_the_changes() {
    let stack = dovecot();
    stack.generate_messages("alice", "q", 0, 30, 500).unwrap();
    let dir = data_dir();
    let (_, store) = logon(stack.settings("alice", "tls", "tls"), FORCE, dir.path()).await;
    let store = store.unwrap();
    assert_eq!(read_flags(&store).await.len(), 30);
    // another client: reads five, deletes two
    stack
        .doveadm(&[
            "flags", "add", "-u", "alice", "\\Seen", "mailbox", "INBOX", "uid", "10:14",
        ])
        .unwrap();
    stack
        .doveadm(&["expunge", "-u", "alice", "mailbox", "INBOX", "uid", "1:2"])
        .unwrap();
    let report = store.synchronize(true).await.unwrap();
    assert_eq!(report.qresync_folders, 1, "{report:?}");
    assert_eq!(
        (report.flags_changed, report.removed, report.downloaded),
        (5, 2, 0),
        "{report:?}"
    );
    let flags = read_flags(&store).await;
    assert_eq!(flags.len(), 28);
    assert_eq!(flags.iter().filter(|r| **r).count(), 5);
    store.logoff().await;
}
