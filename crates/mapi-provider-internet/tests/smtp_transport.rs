//! The SMTP transport against a real Postfix (AUTH through Dovecot, delivery through
//! Dovecot LMTP), end to end into the recipient's IMAP INBOX.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestSupport, data_dir};
use mapi_provider_internet::InternetMailService;
use mapi_spi::{FolderKind, MessageService, MsgStore, OutgoingMessage, Support};
use mapi_test_support::{MailStack, Options};
use mapi_types::{LogonFlags, PropValue, Status, StatusCode, tags};

fn stack() -> MailStack {
    MailStack::start(Options {
        postfix: true,
        max_userip_connections: 1,
    })
    .unwrap_or_else(|e| panic!("mail stack: {e}"))
}

fn message(subject: &str) -> Vec<u8> {
    format!("From: Alice <alice@localhost>\r\nTo: Bob <bob@localhost>\r\nSubject: {subject}\r\nMessage-ID: <{subject}@localhost>\r\n\r\nHello Bob.\r\n.leading dot line\r\n").into_bytes()
}

fn wait_delivered(stack: &MailStack, user: &str, n: usize) {
    let end = Instant::now() + Duration::from_secs(30);
    while stack.count_messages(user, "INBOX") < n {
        assert!(
            Instant::now() < end,
            "mail for {user} not delivered: {}",
            std::fs::read_to_string(stack.dir().join("postfix/maillog")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alice_sends_to_bob_over_each_security_and_keeps_a_sent_copy() {
    let stack = stack();
    let alice_dir = data_dir();
    for (i, mode) in ["starttls", "tls", "none"].into_iter().enumerate() {
        let support = TestSupport::new(
            stack.settings("alice", "tls", mode),
            LogonFlags(0),
            alice_dir.path(),
        );
        let transport = InternetMailService
            .transport_logon(support.clone() as Arc<dyn Support>)
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert_eq!(transport.address_types(), ["SMTP"]);
        assert!(
            support
                .last_row()
                .unwrap()
                .code
                .contains(StatusCode::STATUS_AVAILABLE)
        );
        let raw = message(&format!("greeting-{mode}"));
        transport
            .submit(&OutgoingMessage {
                from: None,
                recipients: vec!["bob@localhost".into()],
                raw,
            })
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        transport.logoff().await;
        wait_delivered(&stack, "bob", i + 1);
    }

    // bob finds them over IMAP
    let bob_dir = data_dir();
    let bob = InternetMailService
        .logon_store(TestSupport::new(
            stack.settings("bob", "tls", "tls"),
            LogonFlags::MAPI_FORCE_DOWNLOAD,
            bob_dir.path(),
        ))
        .await
        .unwrap();
    let inbox = bob.folder(FolderKind::Inbox).await.unwrap();
    let rows = bob.contents(&inbox).await.unwrap().query_rows();
    let mut subjects: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.str(tags::PR_SUBJECT))
        .collect();
    subjects.sort();
    assert_eq!(
        subjects,
        ["greeting-none", "greeting-starttls", "greeting-tls"]
    );
    let e = rows[0]
        .get(tags::PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap()
        .to_vec();
    let body = bob.read_message(&e).await.unwrap();
    assert!(
        body.str(tags::PR_BODY)
            .unwrap()
            .contains("\n.leading dot line"),
        "dot-stuffing undone by the server"
    );
    assert_eq!(
        body.str(tags::PR_SENDER_EMAIL_ADDRESS),
        Some("alice@localhost")
    );
    bob.logoff().await;

    // alice's store keeps a copy in Sent (APPEND)
    let alice = InternetMailService
        .logon_store(TestSupport::new(
            stack.settings("alice", "tls", "tls"),
            LogonFlags::MAPI_FORCE_DOWNLOAD,
            alice_dir.path(),
        ))
        .await
        .unwrap();
    let sent_id = alice.save_sent(&message("greeting-tls")).await.unwrap();
    assert_eq!(stack.count_messages("alice", "Sent"), 1);
    let sent = alice.folder(FolderKind::SentItems).await.unwrap();
    let rows = alice.contents(&sent).await.unwrap().query_rows();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].get(tags::PR_ENTRYID).and_then(PropValue::as_bytes),
        Some(&sent_id[..])
    );
    assert_eq!(
        rows[0].int(tags::PR_MESSAGE_FLAGS),
        Some(1),
        "the Sent copy is read"
    );
    alice.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_smtp_password_and_empty_recipients() {
    let stack = stack();
    let dir = data_dir();
    let mut s = stack.settings("alice", "tls", "starttls");
    s.set("password", PropValue::Unicode("N0t-The-Pass".into()));
    let e = InternetMailService
        .transport_logon(TestSupport::new(s, LogonFlags(0), dir.path()))
        .await
        .err()
        .unwrap();
    assert_eq!(e.status, Status::MAPI_E_LOGON_FAILED, "{e}");
    assert!(!e.message.contains("N0t-The-Pass"));
    // the refused AUTH ends with QUIT: Postfix logs the session's commands
    let log = stack.dir().join("postfix/maillog");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let ended: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("disconnect from") && l.contains("auth=0/1"))
            .collect();
        if let Some(line) = ended.first() {
            assert!(
                line.contains("quit=1"),
                "no QUIT after the refused AUTH: {line}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no disconnect line in the Postfix log:\n{text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // polling interval
    }

    let t = InternetMailService
        .transport_logon(TestSupport::new(
            stack.settings("alice", "tls", "tls"),
            LogonFlags(0),
            dir.path(),
        ))
        .await
        .unwrap();
    let e = t
        .submit(&OutgoingMessage {
            from: None,
            recipients: vec![],
            raw: message("x"),
        })
        .await
        .err()
        .unwrap();
    assert_eq!(e.status, Status::MAPI_E_NO_RECIPIENTS);
    let e = t
        .submit(&OutgoingMessage {
            from: None,
            recipients: vec!["bad address@@localhost".into()],
            raw: message("x"),
        })
        .await
        .err()
        .unwrap();
    assert_eq!(
        e.status,
        Status::MAPI_E_CALL_FAILED,
        "recipient refused: {e}"
    );
    // the connection is still usable after a refusal
    t.submit(&OutgoingMessage {
        from: None,
        recipients: vec!["bob@localhost".into()],
        raw: message("after-refusal"),
    })
    .await
    .unwrap();
    t.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_reply_line_is_refused_at_the_reply_bound() {
    let server = mapi_test_support::hostile::EndlessSmtpGreeting::start();
    let dir = common::data_dir();
    let mut s = mapi_spi::Settings::new();
    for (k, v) in [
        ("email", "alice@localhost".to_string()),
        ("user", "alice".into()),
        ("password", "pw".into()),
        ("imap_host", "127.0.0.1".into()),
        ("smtp_host", "127.0.0.1".into()),
        ("smtp_port", server.port().to_string()),
        ("smtp_security", "none".into()),
    ] {
        s.set(k, mapi_types::PropValue::Unicode(v));
    }
    let start = std::time::Instant::now();
    let e = InternetMailService
        .transport_logon(TestSupport::new(s, LogonFlags(0), dir.path()))
        .await
        .err()
        .expect("must fail");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    // refused by mail-send's reply parser or by our reply bound, whichever first
    assert!(
        (e.message.contains("reply longer than") || e.message.contains("not an SMTP reply"))
            && e.message.contains(&format!("127.0.0.1:{}", server.port())),
        "{e}"
    );
    assert!(server.sent() < 16 << 20, "read {} bytes", server.sent());
}
