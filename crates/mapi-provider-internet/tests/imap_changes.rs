//! Changes on the IMAP server reach `subscribe_changes` listeners (IDLE, NOOP polling,
//! reconnects), against a real Dovecot on loopback.

mod common;

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use common::{TestSupport, data_dir};
use mapi_provider_internet::imap::Imap;
use mapi_provider_internet::{Account, InternetMailService, InternetStore};
use mapi_spi::{ChangeKind, ChangeListener, MsgStore, Settings, StoreChange, Support};
use mapi_test_support::{MailStack, Options};
use mapi_types::{LogonFlags, PropValue, StatusCode, tags};

/// Records changes; `wait_for` blocks (with a deadline) until one matches.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<StoreChange>>,
    more: Condvar,
}

impl ChangeListener for Recorder {
    fn on_changes(&self, changes: &[StoreChange]) {
        self.seen.lock().unwrap().extend(changes.iter().cloned());
        self.more.notify_all();
    }
}

impl Recorder {
    /// The first recorded change (from `from` on) that `want` accepts, and its index.
    fn wait_for(
        &self,
        from: usize,
        what: &str,
        want: impl Fn(&StoreChange) -> bool,
    ) -> (usize, StoreChange) {
        let deadline = Instant::now() + Duration::from_secs(8);
        let mut seen = self.seen.lock().unwrap();
        loop {
            if let Some((i, c)) = seen.iter().enumerate().skip(from).find(|(_, c)| want(c)) {
                return (i, c.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no {what} within 8 s; got {:?}", *seen);
            seen = self.more.wait_timeout(seen, left).unwrap().0;
        }
    }
}

fn stack() -> MailStack {
    MailStack::start(Options {
        max_userip_connections: 4,
        ..Options::default()
    })
    .unwrap_or_else(|e| panic!("mail stack: {e}"))
}

fn settings(stack: &MailStack, extra: &[(&str, &str)]) -> Settings {
    let mut s = stack.settings("alice", "tls", "tls");
    for (k, v) in extra {
        s.set(k, PropValue::Unicode((*v).into()));
    }
    s
}

async fn logon(s: Settings, dir: &std::path::Path) -> (Arc<TestSupport>, Arc<InternetStore>) {
    let support = TestSupport::new(s, LogonFlags::MAPI_FORCE_DOWNLOAD, dir);
    let store = InternetMailService
        .logon_store(support.clone() as Arc<dyn Support>)
        .await
        .unwrap_or_else(|e| panic!("logon: {e}"));
    (support, store)
}

/// Another IMAP client of alice's, with the Inbox selected read-write.
async fn other_client(stack: &MailStack) -> Imap {
    let account = Account::from_settings(&stack.settings("alice", "tls", "tls")).unwrap();
    let tls = mapi_provider_internet::tls::client_config(account.ca_file.as_deref()).unwrap();
    let mut imap = Imap::connect(&account.imap, tls, Duration::from_secs(10))
        .await
        .unwrap();
    imap.login(&account.user, &account.password).await.unwrap();
    imap.select(b"INBOX", true).await.unwrap();
    imap
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Bob <bob@example.org>\r\nTo: alice@localhost\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.org>\r\n\r\nhello\r\n"
    )
    .into_bytes()
}

async fn subject_of(store: &InternetStore, entry: &[u8]) -> String {
    let m = store.open_message(entry, 0).await.unwrap();
    let got = m.get_props(Some(&[tags::PR_SUBJECT]), 0).await.unwrap();
    match &got.value[0].1 {
        PropValue::Unicode(s) => s.clone(),
        other => panic!("PR_SUBJECT: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_reports_new_mail_flag_changes_and_expunges() {
    let stack = stack();
    let dir = data_dir();
    // IDLE re-issued every second: news is not lost across the re-issues
    let (_support, store) =
        logon(settings(&stack, &[("imap_idle_seconds", "1")]), dir.path()).await;
    let rec = Arc::new(Recorder::default());
    let _sub = store
        .subscribe_changes(rec.clone())
        .unwrap()
        .expect("the IMAP store reports changes");
    let mut other = other_client(&stack).await;
    let (_, uid) = other
        .append(b"INBOX", "", &message("pushed"))
        .await
        .unwrap()
        .expect("APPENDUID");
    let (i, new) = rec.wait_for(0, "NewMail", |c| c.kind == ChangeKind::NewMail);
    assert_eq!(new.message_class, "IPM.Note");
    assert_eq!(new.message_flags, 0);
    let inbox = store.folder(mapi_spi::FolderKind::Inbox).await.unwrap();
    assert_eq!(new.parent, inbox);
    // the cache had it before the event: open it from the event's entry id
    assert_eq!(subject_of(&store, &new.entry).await, "pushed");

    other.uid_store_flag(&[uid], true, "\\Seen").await.unwrap();
    let (j, modified) = rec.wait_for(i + 1, "Modified", |c| c.kind == ChangeKind::Modified);
    assert_eq!(modified.entry, new.entry);
    assert_eq!(modified.message_flags, 1, "MSGFLAG_READ after \\Seen");

    other.uid_delete(uid).await.unwrap();
    let (_, deleted) = rec.wait_for(j + 1, "Deleted", |c| c.kind == ChangeKind::Deleted);
    assert_eq!(deleted.entry, new.entry);
    assert!(store.open_message(&new.entry, 0).await.is_err());
    other.logout().await;
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_idle_noop_polling_finds_new_mail() {
    let mut stack = stack();
    stack
        .set_imap_capability("IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE UIDPLUS MOVE")
        .unwrap();
    let dir = data_dir();
    let (_support, store) =
        logon(settings(&stack, &[("imap_poll_seconds", "1")]), dir.path()).await;
    let rec = Arc::new(Recorder::default());
    let _sub = store.subscribe_changes(rec.clone()).unwrap().unwrap();
    let mut other = other_client(&stack).await;
    assert!(!other.has("IDLE"), "the capability override must hide IDLE");
    other
        .append(b"INBOX", "", &message("polled"))
        .await
        .unwrap();
    let (_, new) = rec.wait_for(0, "NewMail", |c| c.kind == ChangeKind::NewMail);
    assert_eq!(subject_of(&store, &new.entry).await, "polled");
    other.logout().await;
    store.logoff().await;
}

/// Polls the status row until `want` (deadline 8 s).
fn wait_status(support: &TestSupport, want: StatusCode) {
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        if support.last_row().is_some_and(|r| r.code == want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "status row not {want:?} within 8 s: {:?}",
            support.last_row()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_restart_goes_offline_and_back_and_misses_nothing() {
    let mut stack = stack();
    let dir = data_dir();
    let (support, store) = logon(settings(&stack, &[]), dir.path()).await;
    let rec = Arc::new(Recorder::default());
    let _sub = store.subscribe_changes(rec.clone()).unwrap().unwrap();
    wait_status(&support, StatusCode::STATUS_AVAILABLE);
    stack.stop_dovecot();
    let waiting = support.clone();
    let r = tokio::task::spawn_blocking(move || wait_status(&waiting, StatusCode::STATUS_OFFLINE))
        .await;
    assert!(r.is_ok(), "{:?}", rec.seen.lock().unwrap());
    assert!(!store.is_online());
    // delivered while the server is down
    stack
        .generate_messages("alice", "while-down", 0, 1, 500)
        .unwrap();
    stack.restart_dovecot().unwrap();
    let waiting = support.clone();
    tokio::task::spawn_blocking(move || wait_status(&waiting, StatusCode::STATUS_AVAILABLE))
        .await
        .unwrap();
    let (_, new) = rec.wait_for(0, "NewMail", |c| c.kind == ChangeKind::NewMail);
    assert_eq!(subject_of(&store, &new.entry).await, "while-down 0");
    assert!(store.is_online());
    store.logoff().await;
}

/// APPENDs `raw` to `folder` of alice's account with Python's imaplib (another client,
/// over IMAPS, trusting the stack's CA).
fn python_append(stack: &MailStack, folder: &str, raw: &[u8]) {
    use std::io::Write;
    let s = stack.settings("alice", "tls", "tls");
    let script = "import imaplib, os, ssl, sys\n\
        ctx = ssl.create_default_context(cafile=os.environ['CA'])\n\
        m = imaplib.IMAP4_SSL('localhost', int(os.environ['PORT']), ssl_context=ctx)\n\
        m.login(os.environ['USER_NAME'], os.environ['PASSWORD'])\n\
        typ, data = m.append(os.environ['FOLDER'], None, None, sys.stdin.buffer.read())\n\
        assert typ == 'OK', (typ, data)\n\
        m.logout()\n";
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .env("CA", s.str("ca_file").unwrap())
        .env("PORT", s.str("imap_port").unwrap())
        .env("USER_NAME", s.str("user").unwrap())
        .env("PASSWORD", s.str("password").unwrap())
        .env("FOLDER", folder)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python3 must be installed for this test");
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "imaplib APPEND failed: {out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_mail_in_another_folder_is_reported_within_the_poll_interval() {
    let stack = stack();
    let dir = data_dir();
    // IDLE stays on the Inbox (re-issued after the default 25 minutes); the other
    // folders are polled every second
    let (_support, store) =
        logon(settings(&stack, &[("imap_poll_seconds", "1")]), dir.path()).await;
    let root = store
        .folder(mapi_spi::FolderKind::IpmSubtree)
        .await
        .unwrap();
    let work = store.create_folder(&root, "Work", 0).await.unwrap();
    let rec = Arc::new(Recorder::default());
    let _sub = store.subscribe_changes(rec.clone()).unwrap().unwrap();
    python_append(&stack, "Work", &message("filed"));
    let (i, created) = rec.wait_for(0, "Created in Work", |c| {
        c.kind == ChangeKind::Created && c.parent == work
    });
    assert_eq!(subject_of(&store, &created.entry).await, "filed");
    assert!(
        !rec.seen.lock().unwrap()[..=i]
            .iter()
            .any(|c| c.kind == ChangeKind::NewMail),
        "new mail is the Inbox's"
    );
    // the Inbox still comes through IDLE, and a second folder's mail too
    python_append(&stack, "INBOX", &message("pushed-too"));
    let (_, new) = rec.wait_for(i + 1, "NewMail", |c| c.kind == ChangeKind::NewMail);
    assert_eq!(subject_of(&store, &new.entry).await, "pushed-too");
    python_append(&stack, "Work", &message("filed-too"));
    let (_, again) = rec.wait_for(i + 1, "Created in Work again", |c| {
        c.kind == ChangeKind::Created && c.parent == work && c.entry != created.entry
    });
    assert_eq!(subject_of(&store, &again.entry).await, "filed-too");
    store.logoff().await;
}
