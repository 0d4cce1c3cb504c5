//! Notifications with real server causes (the Dovecot and Postfix of the test harness):
//! Postfix stopped makes a submit fail, which sets the transport's status row and
//! reaches session, status-object and status-table sinks; Dovecot stopped and started
//! while the store watches takes the store's status row offline and back; and the
//! watcher's IDLE is re-issued at the configured interval (seen on the wire by a relay
//! in front of Dovecot) and still hears new mail; with Dovecot's NOTIFY an idle session
//! sends nothing and still hears of other folders, and with NOTIFY hidden it polls with
//! one LIST-STATUS. Waits are on notifications, or polling with a deadline.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use mapi_engine::{AdviseSink, Session};
use mapi_spi::OutgoingMessage;
use mapi_test_support::{MailStack, Options};
use mapi_types::notify::{TableInfo, fnev, table_event};
use mapi_types::{
    LogoffFlags, LogonFlags, MapiStatus, Notification, PropValue, Status, StatusCode,
    resource_type, tags,
};

const NEW: LogonFlags = LogonFlags::MAPI_NEW_SESSION;
const DEADLINE: Duration = Duration::from_secs(30);

/// A sink sending each notification into a channel.
struct Chan(Mutex<Sender<Notification>>);

impl AdviseSink for Chan {
    fn on_notify(&self, ns: &[Notification]) {
        let tx = self.0.lock().unwrap();
        for n in ns {
            let _ = tx.send(n.clone());
        }
    }
}

fn sink() -> (Arc<Chan>, Receiver<Notification>) {
    let (tx, rx) = mpsc::channel();
    (Arc::new(Chan(Mutex::new(tx))), rx)
}

/// Notifications until one satisfies `want` (failing at the deadline).
fn until(rx: &Receiver<Notification>, want: impl Fn(&Notification) -> bool) -> Vec<Notification> {
    let end = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(n) => {
                let done = want(&n);
                seen.push(n);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no matching notification within {DEADLINE:?}; saw {seen:?}"),
        }
    }
}

fn stack(postfix: bool) -> MailStack {
    MailStack::start(Options {
        postfix,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"))
}

/// Adds alice's internet-mail account with `imap` security and `extra` settings.
fn add_account(fx: &Fixture, stack: &MailStack, imap: &str, extra: &[(&str, String)]) {
    let mut settings: Vec<(String, String)> = stack
        .settings("alice", imap, "tls")
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in extra {
        settings.retain(|(key, _)| key != k);
        settings.push((k.to_string(), v.clone()));
    }
    fx.profile("P", None);
    fx.engine
        .create_service("P", "internet-mail", Some("Net"), &settings)
        .unwrap();
}

/// The PR_ENTRYID of the session's (first) status row of `resource` type.
fn status_entry(s: &Session, resource: u32) -> Vec<u8> {
    s.status_table()
        .unwrap()
        .full_rows()
        .iter()
        .find(|r| r.int(tags::PR_RESOURCE_TYPE) == Some(resource as i64))
        .and_then(|r| r.get(tags::PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .expect("a status row of that type")
}

/// A status-object notification for `entry` whose PR_STATUS_CODE has `code`.
fn status_is(entry: &[u8], code: StatusCode) -> impl Fn(&Notification) -> bool + '_ {
    move |n| match n {
        Notification::StatusObjectModified(i) => {
            i.entry == entry
                && i.props.iter().any(|(t, v)| {
                    *t == tags::PR_STATUS_CODE
                        && matches!(v, PropValue::Long(c) if (*c as u32) & code.0 != 0)
                })
        }
        _ => false,
    }
}

fn table(n: &Notification) -> Option<&TableInfo> {
    match n {
        Notification::TableModified(t) => Some(t),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transport_failure_and_an_imap_outage_reach_the_status_sinks() {
    let mut stack = stack(true);
    let fx = Fixture::new();
    add_account(&fx, &stack, "tls", &[]);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let transport = status_entry(&s, resource_type::MAPI_TRANSPORT_PROVIDER);
    let store_row = status_entry(&s, resource_type::MAPI_STORE_PROVIDER);

    let (k, rx) = sink();
    s.advise(None, fnev::STATUS_OBJECT_MODIFIED, k.clone())
        .await
        .unwrap();
    // One status object: a mask without fnevStatusObjectModified has nothing it supports.
    assert_eq!(
        status_of(s.advise(Some(&transport), fnev::NEW_MAIL, k).await),
        Status::MAPI_E_NO_SUPPORT
    );
    let (ok, orx) = sink();
    s.advise(Some(&transport), fnev::STATUS_OBJECT_MODIFIED, ok)
        .await
        .unwrap();
    let status = s.live_status_table(0).unwrap();
    status
        .view()
        .set_columns(&[tags::PR_ENTRYID, tags::PR_STATUS_CODE], 0)
        .unwrap();
    let (tk, trx) = sink();
    assert_eq!(
        status_of(status.advise(fnev::NEW_MAIL | fnev::OBJECT_MODIFIED, tk.clone())),
        Status::MAPI_E_NO_SUPPORT
    );
    let conn = status
        .advise(fnev::TABLE_MODIFIED | fnev::STATUS_OBJECT_MODIFIED, tk)
        .unwrap();
    assert_eq!(
        status_of(status.unadvise(conn + 100)),
        Status::MAPI_E_NOT_FOUND
    );

    // Postfix stopped: the submit fails because of the transport, whose row says so.
    stack.stop_postfix();
    let e = s
        .submit(&OutgoingMessage {
            from: None,
            recipients: vec!["bob@localhost".into()],
            raw: b"From: alice@localhost\r\nTo: bob@localhost\r\nSubject: down\r\n\r\nx\r\n"
                .to_vec(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_NETWORK_ERROR, "{e}");
    let failed = status_is(&transport, StatusCode::STATUS_FAILURE);
    until(&rx, &failed);
    until(&orx, &failed);
    let seen = until(&trx, |n| {
        table(n).is_some_and(|t| {
            t.event == table_event::TABLE_ROW_MODIFIED
                && t.row.get(tags::PR_ENTRYID) == Some(&PropValue::Binary(transport.clone()))
        })
    });
    let row = &table(seen.last().unwrap()).unwrap().row;
    let cols: Vec<_> = row.0.iter().map(|(t, _)| *t).collect();
    assert_eq!(cols, [tags::PR_ENTRYID, tags::PR_STATUS_CODE]);
    assert_eq!(
        row.int(tags::PR_STATUS_CODE),
        Some(StatusCode::STATUS_FAILURE.0 as i64)
    );
    until(&trx, &failed);
    let now = s.status_table().unwrap();
    let t = now
        .full_rows()
        .into_iter()
        .find(|r| r.get(tags::PR_ENTRYID) == Some(&PropValue::Binary(transport.clone())))
        .unwrap();
    assert!(
        t.str(tags::PR_STATUS_STRING)
            .is_some_and(|x| x.contains("MAPI_E_NETWORK_ERROR")),
        "{t:?}"
    );

    // Dovecot stopped and started while the store watches: offline, then online.
    let (store_id, _) = s.default_store_entry().unwrap();
    let (nk, _nrx) = sink();
    s.advise_store(&store_id, None, fnev::NEW_MAIL, nk)
        .await
        .unwrap();
    stack.stop_dovecot();
    until(&rx, status_is(&store_row, StatusCode::STATUS_OFFLINE));
    stack.restart_dovecot().unwrap();
    until(&rx, status_is(&store_row, StatusCode::STATUS_AVAILABLE));

    status.unadvise(conn).unwrap();
    assert_eq!(status_of(status.unadvise(conn)), Status::MAPI_E_NOT_FOUND);
    s.logoff(LogoffFlags::default()).await;
}

/// A relay in front of an IMAP server's plain port, counting the commands its clients
/// send.
struct Relay {
    port: u16,
    /// Every command line (a tag and a command name; DONE too).
    commands: Arc<AtomicUsize>,
    /// NOTIFY commands.
    notifies: Arc<AtomicUsize>,
    idles: Arc<AtomicUsize>,
    /// STATUS commands of one mailbox.
    statuses: Arc<AtomicUsize>,
    /// LIST commands returning every mailbox's STATUS (LIST-STATUS).
    list_statuses: Arc<AtomicUsize>,
}

fn relay(upstream: u16) -> Relay {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let commands = Arc::new(AtomicUsize::new(0));
    let notifies = Arc::new(AtomicUsize::new(0));
    let idles = Arc::new(AtomicUsize::new(0));
    let statuses = Arc::new(AtomicUsize::new(0));
    let list_statuses = Arc::new(AtomicUsize::new(0));
    let counters = [
        commands.clone(),
        notifies.clone(),
        idles.clone(),
        statuses.clone(),
        list_statuses.clone(),
    ];
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut s_in, mut c_out) = (server, client);
            let [commands, notifies, idles, statuses, list_statuses] = counters.clone();
            std::thread::spawn(move || {
                let mut line = Vec::new();
                let mut buf = [0u8; 8192];
                while let Ok(n) = c_in.read(&mut buf) {
                    if n == 0 || s_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    for &b in &buf[..n] {
                        line.push(b);
                        if line.ends_with(b"\r\n") {
                            let text = String::from_utf8_lossy(&line).to_ascii_uppercase();
                            let words: Vec<&str> = text.split_whitespace().collect();
                            if words.len() == 1 || words.get(1).is_some_and(|w| is_command(w)) {
                                commands.fetch_add(1, Ordering::SeqCst);
                            }
                            match words.get(1) {
                                Some(&"NOTIFY") => notifies.fetch_add(1, Ordering::SeqCst),
                                Some(&"IDLE") => idles.fetch_add(1, Ordering::SeqCst),
                                Some(&"STATUS") => statuses.fetch_add(1, Ordering::SeqCst),
                                Some(&"LIST") if text.contains("RETURN (STATUS") => {
                                    list_statuses.fetch_add(1, Ordering::SeqCst)
                                }
                                _ => 0,
                            };
                            line.clear();
                        } else if line.len() > 1024 {
                            line.clear();
                        }
                    }
                }
                let _ = s_out.shutdown(std::net::Shutdown::Both);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_in, &mut c_out);
                let _ = c_out.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    Relay {
        port,
        commands,
        notifies,
        idles,
        statuses,
        list_statuses,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_notify_an_idle_sessions_poll_is_one_list_status_exchange() {
    let mut stack = stack(false);
    stack.set_imap_capability(WITHOUT_NOTIFY).unwrap();
    let r = relayed(stack, "imap_poll_seconds").await;
    let relay = &r.relay;
    list_status_polls(relay, 2).await;
    let before = relay.statuses.load(Ordering::SeqCst);
    list_status_polls(relay, 4).await;
    assert_eq!(
        relay.statuses.load(Ordering::SeqCst),
        before,
        "polls with LIST-STATUS send no STATUS of their own"
    );
    python_append(r.imap_port, "between polls");
    let seen = until(&r.rx, |n| matches!(n, Notification::NewMail(_)));
    let new_mail = seen
        .iter()
        .filter(|n| matches!(n, Notification::NewMail(_)));
    assert_eq!(new_mail.count(), 1, "{seen:?}");
    r.session.logoff(LogoffFlags::default()).await;
}

/// Dovecot's capabilities after login, less NOTIFY.
const WITHOUT_NOTIFY: &str = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT \
     CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED CONDSTORE QRESYNC ESEARCH LIST-STATUS \
     MOVE SPECIAL-USE LITERAL+ UNSELECT";

/// Whether `word` is an IMAP command name (letters only, as a client line's second word).
fn is_command(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_notify_an_idle_session_sends_nothing_and_still_hears_other_folders() {
    // Dovecot has NOTIFY (RFC 5465): with a poll interval of one second, the watcher
    // still polls nothing, because the server tells it of every folder during IDLE.
    let stack = stack(false);
    let plain = stack.settings("alice", "none", "tls");
    let imap_port: u16 = plain.str("imap_port").unwrap().parse().unwrap();
    python_imap(imap_port, "m.create('Projekte')");
    let r = relayed(stack, "imap_poll_seconds").await;
    let relay = &r.relay;
    let end = Instant::now() + DEADLINE;
    while relay.notifies.load(Ordering::SeqCst) == 0 || relay.idles.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < end, "no NOTIFY and IDLE in {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let quiet = relay.commands.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        relay.commands.load(Ordering::SeqCst),
        quiet,
        "an idle session with NOTIFY sent commands over 4 s (poll interval 1 s)"
    );
    python_imap(
        r.imap_port,
        "m.append('Projekte', None, None, b'From: bob@localhost\\r\\nSubject: elsewhere\\r\\n\\r\\nhi\\r\\n')",
    );
    let created = until(
        &r.rx,
        |n| matches!(n, Notification::ObjectCreated(o) if o.object_type == mapi_types::object_type::MAPI_MESSAGE),
    );
    let Some(Notification::ObjectCreated(message)) = created.last() else {
        unreachable!()
    };
    python_imap(
        r.imap_port,
        "m.select('Projekte'); m.store('1', '+FLAGS', '\\\\Flagged')",
    );
    until(
        &r.rx,
        |n| matches!(n, Notification::ObjectModified(o) if o.entry == message.entry),
    );
    // The account was never polled (a poll is one LIST-STATUS here); the changed
    // folder's synchronisation asks its own STATUS.
    assert_eq!(
        relay.list_statuses.load(Ordering::SeqCst),
        0,
        "the watcher polled: NOTIFY should have told of both changes"
    );
    r.session.logoff(LogoffFlags::default()).await;
}

/// Alice's account reached through a counting relay with `setting` (one of the
/// watcher's intervals), logged on and advised for new mail on its default store.
struct Relayed {
    stack: MailStack,
    imap_port: u16,
    relay: Relay,
    _fx: Fixture,
    session: Session,
    rx: Receiver<Notification>,
}

async fn relayed(stack: MailStack, setting: &str) -> Relayed {
    let plain = stack.settings("alice", "none", "tls");
    let imap_port: u16 = plain.str("imap_port").unwrap().parse().unwrap();
    let relay = relay(imap_port);
    let fx = Fixture::new();
    add_account(
        &fx,
        &stack,
        "none",
        &[("imap_port", relay.port.to_string()), (setting, "1".into())],
    );
    let session = fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, _) = session.default_store_entry().unwrap();
    let (k, rx) = sink();
    session
        .advise_store(
            &store_id,
            None,
            fnev::NEW_MAIL | fnev::OBJECT_CREATED | fnev::OBJECT_MODIFIED,
            k,
        )
        .await
        .unwrap();
    Relayed {
        stack,
        imap_port,
        relay,
        _fx: fx,
        session,
        rx,
    }
}

/// Waits until the relay has seen `n` LIST-STATUS commands.
async fn list_status_polls(relay: &Relay, n: usize) {
    let end = Instant::now() + DEADLINE;
    while relay.list_statuses.load(Ordering::SeqCst) < n {
        assert!(
            Instant::now() < end,
            "{} LIST-STATUS polls in {DEADLINE:?}",
            relay.list_statuses.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// APPENDs a message to alice's Inbox with Python's imaplib, as another mail client.
fn python_append(port: u16, subject: &str) {
    python_imap(
        port,
        &format!(
            "m.append('INBOX', None, None, b'From: bob@localhost\\r\\nTo: alice@localhost\\r\\nSubject: {subject}\\r\\n\\r\\nhi\\r\\n')"
        ),
    );
}

/// Runs `body` (Python, with `m` an imaplib connection logged on as alice).
fn python_imap(port: u16, body: &str) {
    let script = format!(
        "import imaplib\n\
         m = imaplib.IMAP4('127.0.0.1', {port})\n\
         m.login('alice', 'alice-pw-1')\n\
         {body}\n\
         m.logout()\n"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "imaplib ({body}) failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_is_reissued_at_the_configured_interval_and_still_hears_new_mail() {
    let r = relayed(stack(false), "imap_idle_seconds").await;
    // Without the setting the watcher re-issues IDLE within RFC 2177's 29 minutes.
    let plain = r.stack.settings("alice", "none", "tls");
    let default = mapi_provider_internet::Account::from_settings(&plain).unwrap();
    assert!(default.idle_refresh < Duration::from_secs(29 * 60));
    let relay = &r.relay;
    // IDLE, then DONE and IDLE again every second with nothing happening.
    let end = Instant::now() + DEADLINE;
    while relay.idles.load(Ordering::SeqCst) < 4 {
        assert!(
            Instant::now() < end,
            "IDLE was sent {} times in {DEADLINE:?}",
            relay.idles.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    python_append(r.imap_port, "after reissues");
    let seen = until(&r.rx, |n| matches!(n, Notification::NewMail(_)));
    let new_mail = seen
        .iter()
        .filter(|n| matches!(n, Notification::NewMail(_)));
    assert_eq!(new_mail.count(), 1, "{seen:?}");
    r.session.logoff(LogoffFlags::default()).await;
}
