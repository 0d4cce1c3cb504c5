//! `Session::submit_message` (`IMessage::SubmitMessage`) through the spooler, against the
//! real local store and the real Postfix and Dovecot of the test harness: a message made
//! with CreateMessage, SetProps and ModifyRecipients is saved, sent through the SMTP
//! transport to every To, Cc and Bcc recipient (no Bcc header), and moved itself to Sent
//! Items without MSGFLAG_UNSENT; a message never saved is saved first; every refusal
//! (no recipients, read-only, MAPI_NO_MAIL, unknown flags, a transport failure, the
//! object after a submit) changes nothing it should not.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use mapi_engine::submit::{MSGFLAG_SUBMIT, MSGFLAG_UNSENT};
use mapi_engine::{OpenedEntry, Session};
use mapi_spi::{FolderKind, MsgStore, PropObject};
use mapi_test_support::{MailStack, Options};
use mapi_types::object::{KEEP_OPEN_READWRITE, MAPI_MODIFY};
use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO, MODRECIP_ADD};
use mapi_types::{LogonFlags, MapiStatus, PropTag, PropValue, Row, Status, tags::*};

const NEW: LogonFlags = LogonFlags::MAPI_NEW_SESSION;

fn stack() -> MailStack {
    MailStack::start(Options {
        postfix: true,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"))
}

/// Adds alice's internet-mail account; `smtp_port` overrides the stack's SMTP port.
fn add_account(fx: &Fixture, profile: &str, stack: &MailStack, smtp_port: Option<u16>) {
    let mut settings: Vec<(String, String)> = stack
        .settings("alice", "tls", "tls")
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if let Some(port) = smtp_port {
        for (k, v) in settings.iter_mut() {
            if k == "smtp_port" {
                *v = port.to_string();
            }
        }
    }
    fx.engine
        .create_service(profile, "internet-mail", Some("Net"), &settings)
        .unwrap();
}

/// A profile with a local store "Mail" (in `file`) and alice's account.
fn profile(fx: &Fixture, name: &str, file: &str, stack: &MailStack, smtp_port: Option<u16>) {
    fx.profile(name, None);
    fx.add_local_store(name, "Mail", &fx.file(file), false);
    add_account(fx, name, stack, smtp_port);
}

/// The local store "Mail" of a session, with its store-table entry id.
fn local_store(s: &Session) -> (Vec<u8>, Arc<dyn MsgStore>) {
    let table = s.store_table().unwrap();
    let id = table
        .full_rows()
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some("Mail"))
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .expect("the store table has the local store");
    let store = s.open_msg_store(&id).unwrap();
    (id, store)
}

fn recipient(kind: i32, name: &str, email: &str) -> Row {
    let mut r = Row::default();
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
    r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.into()));
    r.set(PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
    r
}

/// A recipient row as pywin32's mapisend.py builds its ADRLIST: 8-bit strings
/// (PR_*_A), PR_OBJECT_TYPE and PR_SEND_RICH_INFO.
fn ansi_recipient(kind: i32, name: &str, email: &str) -> Row {
    const PR_SEND_RICH_INFO: PropTag = PropTag(0x3A40_000B);
    let mut r = Row::default();
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
    let a = |t: PropTag| PropTag::new(t.id(), mapi_types::PropType::PT_STRING8);
    r.set(a(PR_ADDRTYPE), PropValue::String8("SMTP".into()));
    r.set(a(PR_EMAIL_ADDRESS), PropValue::String8(email.into()));
    r.set(a(PR_DISPLAY_NAME), PropValue::String8(name.into()));
    r.set(
        PR_OBJECT_TYPE,
        PropValue::Long(mapi_types::object_type::MAPI_MAILUSER as i32),
    );
    r.set(PR_SEND_RICH_INFO, PropValue::Boolean(false));
    r
}

/// SetProps of a subject and body, every value taken.
async fn compose(m: &dyn PropObject, subject: &str, body: &str) {
    let problems = m
        .set_props(&[
            (PR_SUBJECT, PropValue::Unicode(subject.into())),
            (PR_BODY, PropValue::Unicode(body.into())),
        ])
        .await
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

async fn prop(m: &dyn PropObject, tag: PropTag) -> Option<PropValue> {
    let got = m.get_props(Some(&[tag]), 0).await.unwrap();
    got.value
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .filter(|v| v.prop_type() != mapi_types::PropType::PT_ERROR)
}

async fn flags_of(m: &dyn PropObject) -> i32 {
    prop(m, PR_MESSAGE_FLAGS)
        .await
        .and_then(|v| v.as_i64())
        .expect("PR_MESSAGE_FLAGS") as i32
}

async fn entry_of(m: &dyn PropObject) -> Vec<u8> {
    prop(m, PR_ENTRYID)
        .await
        .and_then(|v| v.as_bytes().map(<[u8]>::to_vec))
        .expect("a saved message has PR_ENTRYID")
}

/// Subjects of a well-known folder of the store.
async fn subjects(store: &dyn MsgStore, kind: FolderKind) -> Vec<String> {
    let folder = store.folder(kind).await.unwrap();
    store
        .contents(&folder)
        .await
        .unwrap()
        .full_rows()
        .iter()
        .filter_map(|r| r.str(PR_SUBJECT).map(str::to_string))
        .collect()
}

/// The header block of a raw message.
fn headers(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let end = text.find("\r\n\r\n").or_else(|| text.find("\n\n"));
    text[..end.unwrap_or(text.len())].to_string()
}

/// Waits (polling, 30 s deadline) for a message with `subject` in a user's INBOX.
fn arrived(stack: &MailStack, user: &str, subject: &str) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let wanted = format!("Subject: {subject}");
    loop {
        if let Some(m) = stack
            .read_messages(user, "INBOX")
            .into_iter()
            .find(|m| String::from_utf8_lossy(m).contains(&wanted))
        {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "no message \"{subject}\" reached {user}'s INBOX within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitted_messages_reach_dovecot_and_move_to_sent_items() {
    let stack = stack();
    let fx = Fixture::new();
    profile(&fx, "P", "mail.db", &stack, None);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    let (store_id, store) = local_store(&s);
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let sent = store.folder(FolderKind::SentItems).await.unwrap();

    // A draft: SetProps, To + Bcc, saved, then submitted.
    let draft = s.create_message(&store_id, &drafts, 0).await.unwrap();
    let m = draft.object.as_ref();
    compose(
        m,
        "Quarterly figures",
        "The figures are attached in spirit.",
    )
    .await;
    m.modify_recipients(
        MODRECIP_ADD,
        &[
            recipient(MAPI_TO, "Bob", "bob@localhost"),
            recipient(MAPI_BCC, "Alice (blind)", "alice@localhost"),
        ],
    )
    .await
    .unwrap();
    m.save_changes(KEEP_OPEN_READWRITE).await.unwrap();
    let entry = entry_of(m).await;
    assert_ne!(flags_of(m).await & MSGFLAG_UNSENT, 0, "a draft is unsent");
    assert_eq!(
        subjects(store.as_ref(), FolderKind::Drafts).await,
        ["Quarterly figures"]
    );

    let outcome = s.submit_message(&draft, 0).await.unwrap();
    assert_eq!(outcome.warning, None);
    assert_eq!(
        outcome.sent_copy.as_deref(),
        Some(entry.as_slice()),
        "the message itself moved to Sent Items (same entry id), not a new copy"
    );

    // Bob (To) got it with the subject and body; Alice (Bcc) got it too; no Bcc header.
    for user in ["bob", "alice"] {
        let raw = arrived(&stack, user, "Quarterly figures");
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("The figures are attached in spirit."),
            "{text}"
        );
        let h = headers(&raw).to_ascii_lowercase();
        assert!(h.contains("\nto: ") || h.starts_with("to: "), "{h}");
        assert!(h.contains("bob@localhost"), "{h}");
        assert!(
            !h.contains("\nbcc:") && !h.starts_with("bcc:"),
            "a Bcc header: {h}"
        );
        assert!(!h.contains("alice (blind)"), "the Bcc recipient shows: {h}");
    }

    // In Sent Items, sent: no MSGFLAG_UNSENT / MSGFLAG_SUBMIT, submit and delivery times.
    assert_eq!(
        subjects(store.as_ref(), FolderKind::SentItems).await,
        ["Quarterly figures"]
    );
    assert!(
        subjects(store.as_ref(), FolderKind::Drafts)
            .await
            .is_empty()
    );
    assert!(
        subjects(store.as_ref(), FolderKind::Outbox)
            .await
            .is_empty()
    );
    let copy = s.open_entry(&entry, 0).await.unwrap();
    let c = copy.object.as_ref();
    assert_eq!(flags_of(c).await & (MSGFLAG_UNSENT | MSGFLAG_SUBMIT), 0);
    assert!(prop(c, PR_CLIENT_SUBMIT_TIME).await.is_some());
    assert!(prop(c, PR_MESSAGE_DELIVERY_TIME).await.is_some());
    assert_eq!(
        prop(c, PR_PARENT_ENTRYID)
            .await
            .and_then(|v| v.as_bytes().map(<[u8]>::to_vec)),
        Some(sent.clone())
    );

    // The submitted object is released: changes and a second submit are refused.
    let e = m
        .set_props(&[(PR_SUBJECT, PropValue::Unicode("again".into()))])
        .await
        .unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_INVALID_OBJECT, "{e}");
    let e = s.submit_message(&draft, 0).await.unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_INVALID_OBJECT, "{e}");
    assert_eq!(
        subjects(store.as_ref(), FolderKind::SentItems).await.len(),
        1
    );

    // A message never saved (made in the Outbox, as mapisend.py does) is saved first.
    let outbox = store.folder(FolderKind::Outbox).await.unwrap();
    let fresh = s.create_message(&store_id, &outbox, 0).await.unwrap();
    let f = fresh.object.as_ref();
    compose(f, "Never saved", "Saved by SubmitMessage.").await;
    f.modify_recipients(MODRECIP_ADD, &[recipient(MAPI_CC, "Bob", "bob@localhost")])
        .await
        .unwrap();
    assert!(prop(f, PR_ENTRYID).await.is_none(), "not saved yet");
    let outcome = s.submit_message(&fresh, 0).await.unwrap();
    assert_eq!(outcome.warning, None);
    let raw = arrived(&stack, "bob", "Never saved");
    assert!(String::from_utf8_lossy(&raw).contains("Saved by SubmitMessage."));
    let id = outcome.sent_copy.expect("moved to Sent Items");
    let row = store.read_message(&id).await.unwrap();
    assert_eq!(row.str(PR_SUBJECT), Some("Never saved"));
    assert!(
        subjects(store.as_ref(), FolderKind::Outbox)
            .await
            .is_empty()
    );
    let mut in_sent = subjects(store.as_ref(), FolderKind::SentItems).await;
    in_sent.sort();
    assert_eq!(in_sent, ["Never saved", "Quarterly figures"]);

    // A saved message opened with MAPI_MODIFY and changed: the change is saved and sent.
    let saved = s.create_message(&store_id, &drafts, 0).await.unwrap();
    compose(saved.object.as_ref(), "Opened later", "first text").await;
    saved
        .object
        .modify_recipients(MODRECIP_ADD, &[recipient(MAPI_TO, "Bob", "bob@localhost")])
        .await
        .unwrap();
    saved.object.save_changes(0).await.unwrap();
    let saved_id = entry_of(saved.object.as_ref()).await;
    let reopened = s.open_entry(&saved_id, MAPI_MODIFY).await.unwrap();
    compose(
        reopened.object.as_ref(),
        "Opened later",
        "changed text, unsaved",
    )
    .await;
    s.submit_message(&reopened, 0).await.unwrap();
    let raw = arrived(&stack, "bob", "Opened later");
    assert!(
        String::from_utf8_lossy(&raw).contains("changed text, unsaved"),
        "the unsaved change was saved before sending"
    );
    assert!(
        subjects(store.as_ref(), FolderKind::Drafts)
            .await
            .is_empty()
    );
    s.logoff(mapi_types::LogoffFlags::default()).await;
}

/// A saved draft in the local store with `recipients`; returns it and its entry id.
async fn saved_draft(
    s: &Session,
    store_id: &[u8],
    store: &dyn MsgStore,
    subject: &str,
    recipients: &[Row],
) -> (OpenedEntry, Vec<u8>) {
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let d = s.create_message(store_id, &drafts, 0).await.unwrap();
    compose(d.object.as_ref(), subject, "body").await;
    if !recipients.is_empty() {
        d.object
            .modify_recipients(MODRECIP_ADD, recipients)
            .await
            .unwrap();
    }
    d.object.save_changes(KEEP_OPEN_READWRITE).await.unwrap();
    let id = entry_of(d.object.as_ref()).await;
    (d, id)
}

/// The draft is still in Drafts, unsent and not queued, and nothing is in Sent Items.
async fn unchanged(s: &Session, store: &dyn MsgStore, entry: &[u8], subject: &str) {
    assert!(
        subjects(store, FolderKind::Drafts)
            .await
            .contains(&subject.to_string())
    );
    assert!(subjects(store, FolderKind::SentItems).await.is_empty());
    let now = s.open_entry(entry, 0).await.unwrap();
    let flags = flags_of(now.object.as_ref()).await;
    assert_ne!(flags & MSGFLAG_UNSENT, 0, "{flags:#x}");
    assert_eq!(flags & MSGFLAG_SUBMIT, 0, "{flags:#x}");
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_submits_change_nothing() {
    let stack = stack();
    let fx = Fixture::new();
    profile(&fx, "P", "mail.db", &stack, None);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, store) = local_store(&s);
    let bob = [recipient(MAPI_TO, "Bob", "bob@localhost")];

    // No recipients: MAPI_E_NO_RECIPIENTS (0x80040607); the object stays usable.
    let (d, id) = saved_draft(&s, &store_id, store.as_ref(), "No one", &[]).await;
    let e = s.submit_message(&d, 0).await.unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_NO_RECIPIENTS, "{e}");
    assert_eq!(Status::MAPI_E_NO_RECIPIENTS.0, 0x8004_0607);
    unchanged(&s, store.as_ref(), &id, "No one").await;
    assert!(
        prop(d.object.as_ref(), PR_CLIENT_SUBMIT_TIME)
            .await
            .is_none()
    );
    d.object
        .set_props(&[(PR_SUBJECT, PropValue::Unicode("No one".into()))])
        .await
        .expect("the object stays open after a refused submit");

    // Unknown flags: MAPI_E_UNKNOWN_FLAGS.
    let (d, id) = saved_draft(&s, &store_id, store.as_ref(), "Flags", &bob).await;
    let e = s.submit_message(&d, 0x100).await.unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_UNKNOWN_FLAGS, "{e}");
    unchanged(&s, store.as_ref(), &id, "Flags").await;

    // A read-only object: MAPI_E_NO_ACCESS.
    let read_only = s.open_entry(&id, 0).await.unwrap();
    let e = s.submit_message(&read_only, 0).await.unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_NO_ACCESS, "{e}");
    unchanged(&s, store.as_ref(), &id, "Flags").await;

    // A recipient with no address: MAPI_E_INVALID_PARAMETER naming it.
    let mut nameless = Row::default();
    nameless.set(PR_RECIPIENT_TYPE, PropValue::Long(MAPI_TO));
    nameless.set(PR_DISPLAY_NAME, PropValue::Unicode("Just A Name".into()));
    let (d, id) = saved_draft(&s, &store_id, store.as_ref(), "Nameless", &[nameless]).await;
    let e = s.submit_message(&d, 0).await.unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER, "{e}");
    assert!(e.to_string().contains("Just A Name"), "{e}");
    unchanged(&s, store.as_ref(), &id, "Nameless").await;

    // A folder is not a message: MAPI_E_NO_SUPPORT.
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let folder = s.open_entry(&drafts, 0).await.unwrap();
    let e = s.submit_message(&folder, 0).await.unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_NO_SUPPORT, "{e}");

    // A MAPI_NO_MAIL client: as submit, MAPI_E_NO_SUPPORT.
    let no_mail = fx
        .logon(Some("P"), NEW | LogonFlags::MAPI_NO_MAIL, None)
        .await
        .unwrap();
    let (nm_id, nm_store) = local_store(&no_mail);
    let (d, id) = saved_draft(&no_mail, &nm_id, nm_store.as_ref(), "No mail", &bob).await;
    let e = no_mail.submit_message(&d, 0).await.unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_NO_SUPPORT, "{e}");
    assert!(e.to_string().contains("MAPI_NO_MAIL"), "{e}");
    unchanged(&no_mail, nm_store.as_ref(), &id, "No mail").await;
    no_mail.logoff(mapi_types::LogoffFlags::default()).await;
    s.logoff(mapi_types::LogoffFlags::default()).await;

    // The SMTP server unreachable: the transport's MAPI_E_NETWORK_ERROR; the message
    // stays in its folder, unsent, and the object can be submitted again.
    profile(&fx, "Down", "down.db", &stack, Some(closed_port()));
    let s = fx.logon(Some("Down"), NEW, None).await.unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    let (store_id, store) = local_store(&s);
    let (d, id) = saved_draft(&s, &store_id, store.as_ref(), "Unreachable", &bob).await;
    let e = s.submit_message(&d, 0).await.unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_NETWORK_ERROR, "{e}");
    unchanged(&s, store.as_ref(), &id, "Unreachable").await;
    assert_ne!(flags_of(d.object.as_ref()).await & MSGFLAG_UNSENT, 0);
    let e = s.submit_message(&d, 0).await.unwrap_err();
    assert_eq!(
        e.status(),
        Status::MAPI_E_NETWORK_ERROR,
        "the object stays usable after a failed send: {e}"
    );
    unchanged(&s, store.as_ref(), &id, "Unreachable").await;
    s.logoff(mapi_types::LogoffFlags::default()).await;
}

/// While the transport has the message, the store holds it saved with MSGFLAG_SUBMIT
/// and MSGFLAG_UNSENT (read from the store file by another connection); the envelope
/// names the Bcc recipient (given as mapisend.py gives recipients) and the bytes do
/// not. (The test service's transport lets the
/// test look in the middle of a send, which no real server offers on demand.)
#[tokio::test]
async fn a_message_is_saved_and_queued_while_the_transport_sends_it() {
    let fx = Fixture::new();
    fx.profile("P", None);
    let file = fx.file("mail.db");
    fx.add_local_store("P", "Mail", &file, false);
    fx.add_test("P", "test-a", &[]);
    let seen: Arc<Mutex<Vec<Queued>>> = Arc::default();
    let (seen2, path) = (seen.clone(), file.clone());
    fx.probe("test-a").on_submit(Box::new(move |_| {
        seen2.lock().unwrap().push(queued_state(&path, "Queued"));
    }));
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let (store_id, store) = local_store(&s);
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let d = s.create_message(&store_id, &drafts, 0).await.unwrap();
    compose(d.object.as_ref(), "Queued", "body").await;
    d.object
        .modify_recipients(
            MODRECIP_ADD,
            &[
                recipient(MAPI_TO, "Bob", "bob@example.org"),
                ansi_recipient(MAPI_BCC, "Carol", "carol@example.org"),
            ],
        )
        .await
        .unwrap();
    s.submit_message(&d, 0).await.unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (flags, submit_time) = seen[0];
    assert_eq!(
        flags as i32 & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT),
        MSGFLAG_SUBMIT | MSGFLAG_UNSENT,
        "{flags:#x}"
    );
    assert!(
        submit_time.is_some(),
        "PR_CLIENT_SUBMIT_TIME saved before sending"
    );
    let sent = fx.probe("test-a").submitted();
    assert_eq!(sent[0].recipients, ["bob@example.org", "carol@example.org"]);
    let h = headers(&sent[0].raw).to_ascii_lowercase();
    assert!(h.contains("bob@example.org"), "{h}");
    assert!(
        !h.contains("carol"),
        "the Bcc recipient is in the headers: {h}"
    );
    // After: sent, in Sent Items, flags cleared.
    let (flags, _) = queued_state(&file, "Queued");
    assert_eq!(flags as i32 & (MSGFLAG_SUBMIT | MSGFLAG_UNSENT), 0);
    assert_eq!(
        subjects(store.as_ref(), FolderKind::SentItems).await,
        ["Queued"]
    );

    // The raw submit shares the checks: no envelope recipients is MAPI_E_NO_RECIPIENTS,
    // and the transport is not called.
    let e = s
        .submit(&mapi_spi::OutgoingMessage {
            from: None,
            recipients: Vec::new(),
            raw: b"Subject: nobody\r\n\r\nbody\r\n".to_vec(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_NO_RECIPIENTS, "{e}");
    assert_eq!(fx.probe("test-a").submitted().len(), 1);
    s.logoff(mapi_types::LogoffFlags::default()).await;
}

/// PR_MESSAGE_FLAGS and PR_CLIENT_SUBMIT_TIME of a message as the store file holds them.
type Queued = (i64, Option<i64>);

/// The [`Queued`] state of the message with `subject`, read from the store file through
/// a connection of its own.
fn queued_state(file: &Path, subject: &str) -> Queued {
    let conn =
        rusqlite::Connection::open_with_flags(file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(
        "SELECT flags, submit_time FROM messages WHERE subject = ?1",
        [subject],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}
