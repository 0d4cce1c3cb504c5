//! Issue 9's test matrix: one script of MAPI calls run over both links (in process and
//! through a real `mapid`) on both store providers (the local store, and the IMAP store
//! against the real Dovecot of the test harness, sending through its real Postfix), the
//! answers of the two links compared line by line and the documented ones asserted:
//! OpenEntry and GetProps (a missing or unknown tag is PT_ERROR and
//! MAPI_W_ERRORS_RETURNED), SetProps on a read-only object, folder operations,
//! CreateMessage + SetProps + ModifyRecipients + SaveChanges read back, SetReadFlags,
//! SetReadFlag on a message (read back in a message opened again), GetContentsTable with
//! MAPI_ASSOCIATED, CopyFolder, DeleteMessages, EmptyFolder, DeleteProps, a
//! PR_TRANSPORT_MESSAGE_HEADERS stream written, a recipient's PR_ENTRYID kept by
//! ModifyRecipients,
//! CopyMessages(MESSAGE_MOVE), a contents table's SetColumns, SortTable, Restrict,
//! SeekRow, bookmarks, FindRow and QueryPosition, and SubmitMessage (MAPI_E_NO_RECIPIENTS,
//! MAPI_E_UNKNOWN_FLAGS, MAPI_E_NO_ACCESS, a send, MAPI_E_INVALID_OBJECT after it, and a
//! transport that cannot be reached leaving the message unsent). Then the bad input:
//! wrong types, a restriction nested 100,000 deep, SetColumns with 100,000 columns, a
//! bookmark freed twice, a 2 GiB SetSize, SaveChanges of one message from two processes
//! (this one and the daemon), and QueryRows once the session ended.
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR and MAPI_HOME, so its
//! daemon is its own.

mod common;

use std::time::{Duration, Instant};

use common::StopDaemon;

use mapi::blocking::Mapi;
use mapi::folder::*;
use mapi::link::{AnySession, AnyStore};
use mapi::object::*;
use mapi::recipient::*;
use mapi::table::consts::{MAPI_ASSOCIATED, TBL_NOADVANCE};
use mapi::{
    Bookmark, ContentMatch, LogoffFlags, MapiStatus, PropTag, PropType, PropValue, Restriction,
    Row, SortKey, Status, TableView, tags::*,
};
use mapi_test_support::{MailStack, Options};

const CHILD_ENV: &str = "MAPI_MATRIX_BOTH_LINKS_CHILD";
const TEST: &str = "the_matrix_agrees_over_both_links_on_both_providers";

/// `FORCE_SUBMIT` (SubmitMessage).
const FORCE_SUBMIT: u32 = 0x1;
/// `MSGFLAG_READ`, `MSGFLAG_UNSENT` and `MSGFLAG_SUBMIT` of PR_MESSAGE_FLAGS.
const MSGFLAG_READ: i64 = 0x1;
const MSGFLAG_SUBMIT: i64 = 0x4;
const MSGFLAG_UNSENT: i64 = 0x8;

#[test]
fn the_matrix_agrees_over_both_links_on_both_providers() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

fn status<T>(r: mapi::Result<T>) -> Status {
    match r {
        Ok(_) => Status::S_OK,
        Err(e) => e.status(),
    }
}

fn t_status<T>(r: Result<T, mapi::TableError>) -> Status {
    match r {
        Ok(_) => Status::S_OK,
        Err(e) => e.status,
    }
}

fn bin(r: &Row, tag: PropTag) -> Option<Vec<u8>> {
    r.get(tag)?.as_bytes().map(<[u8]>::to_vec)
}

/// The IPM root: the folder without a parent.
fn root(store: &AnyStore) -> Vec<u8> {
    store
        .folders()
        .unwrap()
        .iter()
        .find(|r| r.get(PR_PARENT_ENTRYID).is_none())
        .and_then(|r| bin(r, PR_ENTRYID))
        .expect("a root folder")
}

fn count(store: &AnyStore, folder: &[u8]) -> u32 {
    store
        .get_contents_table(folder, 0)
        .unwrap()
        .get_row_count(0)
        .unwrap()
}

fn prop(o: &Object, tag: PropTag) -> PropValue {
    o.get_props(Some(&[tag]), MAPI_UNICODE).unwrap().value[0]
        .1
        .clone()
}

fn flags(o: &Object) -> i64 {
    prop(o, PR_MESSAGE_FLAGS).as_i64().unwrap_or(-1)
}

fn entry_id(o: &Object) -> Vec<u8> {
    prop(o, PR_ENTRYID).as_bytes().unwrap().to_vec()
}

fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Carol <carol@example.org>\r\nTo: alice@localhost\r\nSubject: {subject}\r\n\
         Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <{}@example.org>\r\n\r\n{body}\r\n",
        subject.replace(' ', ".")
    )
    .into_bytes()
}

fn rcpt(kind: i32, name: &str, email: &str) -> Row {
    let mut r = Row::default();
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
    r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
    r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.into()));
    r.set(PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
    r
}

fn subjects(t: &mut TableView, n: i32) -> Vec<String> {
    t.query_rows(n, 0)
        .unwrap()
        .iter()
        .map(|r| r.str(PR_SUBJECT).unwrap_or("-").to_string())
        .collect()
}

fn content(text: &str) -> Restriction {
    Restriction::Content {
        tag: PR_SUBJECT,
        text: text.into(),
        how: ContentMatch::Substring,
        ignore_case: true,
    }
}

/// A store-table row's entry id: the default store's (`default`) or the other one's.
fn store_id(session: &AnySession, default: bool) -> Vec<u8> {
    session
        .store_table()
        .unwrap()
        .full_rows()
        .iter()
        .find(|r| matches!(r.get(PR_DEFAULT_STORE), Some(PropValue::Boolean(d)) if *d == default))
        .and_then(|r| bin(r, PR_ENTRYID))
        .unwrap_or_else(|| panic!("no store with PR_DEFAULT_STORE {default}"))
}

/// What one link answers to the script on one store; names carry `tag` so the runs do
/// not collide, and it is replaced by `TAG` in what is said.
fn script(session: &AnySession, store_entry: &[u8], tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));
    let store = session.open_msg_store(store_entry).unwrap();
    let root = root(&store);
    let (inbox, _) = store.get_receive_folder("IPM.Note").unwrap();
    say(format!(
        "inbox is not the root {}",
        inbox != root && !inbox.is_empty()
    ));

    // Folder operations.
    let work_name = format!("Work {tag}");
    let work = store.create_folder(&root, &work_name, 0).unwrap();
    say(format!(
        "mkdir again {}",
        status(store.create_folder(&root, &work_name, 0))
    ));
    say(format!(
        "mkdir open if exists {}",
        store
            .create_folder(&root, &work_name, OPEN_IF_EXISTS)
            .unwrap()
            == work
    ));
    let sub = store.create_folder(&work, "Sub", 0).unwrap();
    let ids = store
        .import_raw(
            &work,
            vec![
                message(&format!("{tag} alpha"), "one"),
                message(&format!("{tag} beta"), "two two"),
                message(&format!("{tag} gamma"), "three three three"),
            ],
        )
        .unwrap();
    say(format!(
        "imported {} work holds {}",
        ids.len(),
        count(&store, &work)
    ));

    // OpenEntry and GetProps: a missing and an unknown tag are PT_ERROR.
    let (opened_store, msg) = session.open_entry(&ids[0], 0).unwrap();
    say(format!(
        "open entry store {} type {}",
        opened_store == store_entry,
        msg.object_type() == mapi::object_type::MAPI_MESSAGE
    ));
    let unknown = PropTag::new(0x7FF0, PropType::PT_LONG);
    let r = msg
        .get_props(Some(&[PR_SUBJECT, PR_DISPLAY_CC, unknown]), MAPI_UNICODE)
        .unwrap();
    say(format!("get props {} {:?}", r.status, r.value));
    let wrong = PropTag::new(PR_SUBJECT.id(), PropType::PT_LONG);
    let r = msg.get_props(Some(&[wrong]), 0);
    say(format!(
        "subject as PT_LONG {:?}",
        r.map(|r| (r.status, r.value)).map_err(|e| e.status())
    ));

    // A 2 GiB SetSize on a stream of a read-only object: refused, nothing allocated.
    let s = msg.open_property(PR_BODY, &IID_ISTREAM, 0).unwrap();
    say(format!(
        "read-only stream 2 GiB {} size {}",
        status(s.set_size(2 << 30)),
        s.stat().unwrap().size < 1024
    ));

    // SetProps on a read-only object.
    say(format!(
        "read-only set {:?}",
        msg.set_props(&[(PR_SUBJECT, PropValue::Unicode("no".into()))])
            .map_err(|e| e.status())
    ));

    // SetReadFlags, read back through the message.
    say(format!(
        "new is read {}",
        flags(&store.open_message(&ids[0], 0).unwrap()) & MSGFLAG_READ
    ));
    let r = store
        .set_read_flags(&work, Some(&ids[..1]), 0)
        .unwrap()
        .status;
    say(format!(
        "set read {r} read {}",
        flags(&store.open_message(&ids[0], 0).unwrap()) & MSGFLAG_READ
    ));
    let r = store
        .set_read_flags(&work, Some(&ids[..1]), CLEAR_READ_FLAG)
        .unwrap()
        .status;
    say(format!(
        "clear read {r} read {}",
        flags(&store.open_message(&ids[0], 0).unwrap()) & MSGFLAG_READ
    ));

    // IMessage::SetReadFlag on the (read-only) opened message, read back through the
    // message opened again.
    let read_again = || flags(&store.open_message(&ids[0], 0).unwrap()) & MSGFLAG_READ;
    say(format!(
        "set read flag {} read {}",
        status(msg.set_read_flag(SUPPRESS_RECEIPT)),
        read_again()
    ));
    say(format!(
        "clear read flag {} read {}",
        status(msg.set_read_flag(CLEAR_READ_FLAG)),
        read_again()
    ));
    say(format!(
        "read flag unknown flags {} read {}",
        status(msg.set_read_flag(0x8000_0000)),
        read_again()
    ));

    // CopyMessages with MESSAGE_MOVE.
    let r = store
        .copy_messages(&work, &ids[1..2], &sub, MESSAGE_MOVE)
        .unwrap();
    say(format!(
        "move {} {} work {} sub {}",
        r.status,
        r.value[0].is_some(),
        count(&store, &work),
        count(&store, &sub)
    ));
    let moved = r.value[0].clone().unwrap();
    say(format!(
        "moved subject {:?}",
        prop(&store.open_message(&moved, 0).unwrap(), PR_SUBJECT)
    ));
    store
        .copy_messages(&sub, &[moved], &work, MESSAGE_MOVE)
        .unwrap();

    // A contents table: columns, sort, restriction, seek, bookmarks, find, position.
    let mut t = store.get_contents_table(&work, 0).unwrap();
    t.set_columns(&[PR_SUBJECT, PR_MESSAGE_SIZE, PR_ENTRYID], 0)
        .unwrap();
    say(format!("columns {:?}", t.query_columns(0).unwrap()));
    t.sort_table(&[SortKey::descending(PR_SUBJECT)], 0).unwrap();
    say(format!("sorted {:?}", subjects(&mut t, 10)));
    say(format!("at the end {:?}", subjects(&mut t, 10)));
    say(format!("sort order {:?}", t.query_sort_order().unwrap()));
    t.restrict(Some(content("ALPHA")), 0).unwrap();
    say(format!(
        "restricted {} {:?}",
        t.get_row_count(0).unwrap(),
        subjects(&mut t, 10)
    ));
    t.restrict(None, 0).unwrap();
    say(format!(
        "seek {}",
        t.seek_row(Bookmark::Beginning, 1).unwrap()
    ));
    let mark = t.create_bookmark().unwrap();
    say(format!("after the mark {:?}", subjects(&mut t, 1)));
    say(format!("position {:?}", t.query_position().unwrap()));
    t.seek_row(Bookmark::Mark(mark), 0).unwrap();
    say(format!("back at the mark {:?}", subjects(&mut t, 1)));
    say(format!(
        "seek past the end {}",
        t.seek_row(Bookmark::Beginning, 50).unwrap()
    ));
    t.find_row(&content("gamma"), Bookmark::Beginning, 0)
        .unwrap();
    say(format!(
        "found {:?} at {:?}",
        t.query_rows(1, TBL_NOADVANCE).unwrap()[0].str(PR_SUBJECT),
        t.query_position().unwrap().row
    ));
    say(format!(
        "find none {}",
        t_status(t.find_row(&content("delta"), Bookmark::Beginning, 0))
    ));
    t.free_bookmark(Bookmark::Mark(mark)).unwrap();
    say(format!(
        "freed twice {}",
        t_status(t.free_bookmark(Bookmark::Mark(mark)))
    ));
    say(format!(
        "seek to a freed mark {}",
        t_status(t.seek_row(Bookmark::Mark(mark), 0))
    ));

    // Bad input on the table: 100,000 columns, a restriction 100,000 deep; nothing
    // changes.
    let many: Vec<PropTag> = (0..100_000u32)
        .map(|i| PropTag::new(0x8000 + (i % 0x7FFF) as u16, PropType::PT_LONG))
        .collect();
    say(format!(
        "100000 columns {}",
        t_status(t.set_columns(&many, 0))
    ));
    let mut deep = Restriction::Exist(PR_SUBJECT);
    for _ in 0..100_000 {
        deep = Restriction::Not(Box::new(deep));
    }
    say(format!(
        "100000 deep {}",
        t_status(t.restrict(Some(deep), 0))
    ));
    say(format!(
        "still {} columns {}",
        t.get_row_count(0).unwrap(),
        t.query_columns(0).unwrap().len()
    ));

    // CreateMessage and the rest, where the store makes messages.
    out.extend(compose(session, &store, &work, tag));
    out.extend(more_paths(&store, &root, &work, tag));

    // Cleanup: the work folder goes with its messages and subfolder.
    out.push(format!(
        "rmdir {}",
        status(store.delete_folder(&root, &work, DEL_MESSAGES | DEL_FOLDERS))
    ));
    out
}

/// CreateMessage, SetProps (a wrong type among them), ModifyRecipients, SaveChanges,
/// read back, a stream's 2 GiB SetSize, and SubmitMessage, in `work` (holding three
/// messages). A store that makes no messages says so and nothing more.
fn compose(session: &AnySession, store: &AnyStore, work: &[u8], tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));
    let work = work.to_vec();
    let created = match store.create_message(&work, 0) {
        Ok(m) => m,
        Err(e) => {
            say(format!("create message {}", e.status()));
            return out;
        }
    };
    say(format!(
        "created flags unsent {}",
        flags(&created) & MSGFLAG_UNSENT != 0
    ));
    let problems = created
        .set_props(&[
            (PR_SUBJECT, PropValue::Unicode(format!("{tag} composed"))),
            (PR_BODY, PropValue::Unicode("Hello Bob.".into())),
            (
                PropTag::new(PR_IMPORTANCE.id(), PropType::PT_UNICODE),
                PropValue::Long(2),
            ),
        ])
        .map_err(|e| e.status());
    say(format!("set with a wrong type {problems:?}"));
    created
        .modify_recipients(MODRECIP_ADD, &[rcpt(MAPI_TO, "Bob", "bob@localhost")])
        .unwrap();
    say(format!("unsaved work {}", count(store, &work)));
    created.save_changes(KEEP_OPEN_READWRITE).unwrap();
    say(format!("saved work {}", count(store, &work)));
    let created_id = entry_id(&created);
    let back = store.open_message(&created_id, 0).unwrap();
    say(format!(
        "read back {:?} {:?} {:?}",
        prop(&back, PR_SUBJECT),
        prop(&back, PR_BODY),
        prop(&back, PR_DISPLAY_TO)
    ));
    // A saved message's recipient table (the IMAP store's shows its MIME recipients).
    match back.recipient_table(MAPI_UNICODE) {
        Ok(mut rt) => say(format!("recipients {}", rt.get_row_count(0).unwrap())),
        Err(e) => say(format!("recipients {}", e.status())),
    }

    // A 2 GiB SetSize on a stream: MAPI_E_TOO_BIG, the stream as it was.
    let s = created
        .open_property(PR_BODY, &IID_ISTREAM, MAPI_MODIFY)
        .unwrap();
    let before = s.stat().unwrap().size;
    say(format!("set size 2 GiB {}", status(s.set_size(2 << 30))));
    say(format!("size kept {}", s.stat().unwrap().size == before));
    s.release().unwrap();

    // SubmitMessage: the refusals change nothing.
    let empty = store.create_message(&work, 0).unwrap();
    empty
        .set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("{tag} nobody")))])
        .unwrap();
    say(format!("no recipients {}", status(empty.submit_message(0))));
    say(format!(
        "unknown flags {}",
        status(created.submit_message(0x100))
    ));
    say(format!("read-only {}", status(back.submit_message(0))));
    say(format!("not sent yet work {}", count(store, &work)));

    // SubmitMessage: sent, moved to Sent Items without MSGFLAG_UNSENT.
    let outcome = created.submit_message(0).unwrap();
    say(format!(
        "submitted copy {} warning {:?} work {}",
        outcome.sent_copy.is_some(),
        outcome.warning,
        count(store, &work)
    ));
    let sent = store
        .open_message(outcome.sent_copy.as_ref().unwrap(), 0)
        .unwrap();
    let f = flags(&sent);
    say(format!(
        "sent copy {:?} unsent {} queued {}",
        prop(&sent, PR_SUBJECT),
        f & MSGFLAG_UNSENT != 0,
        f & MSGFLAG_SUBMIT != 0
    ));
    say(format!(
        "sent copy times {} {}",
        prop(&sent, PR_CLIENT_SUBMIT_TIME).prop_type() == PropType::PT_SYSTIME,
        prop(&sent, PR_MESSAGE_DELIVERY_TIME).prop_type() == PropType::PT_SYSTIME
    ));
    say(format!(
        "after submit set {}",
        status(created.set_props(&[(PR_SUBJECT, PropValue::Unicode("x".into()))]))
    ));
    say(format!(
        "after submit submit {}",
        status(created.submit_message(0))
    ));

    // A draft saved, released, opened again by the session's OpenEntry with
    // MAPI_MODIFY, and submitted from there.
    let draft = store.create_message(&work, 0).unwrap();
    draft
        .set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("{tag} reopened")))])
        .unwrap();
    draft
        .modify_recipients(MODRECIP_ADD, &[rcpt(MAPI_CC, "Bob", "bob@localhost")])
        .unwrap();
    draft.save_changes(0).unwrap();
    let draft_id = entry_id(&draft);
    draft.release().unwrap();
    let reopened = match session.open_entry(&draft_id, MAPI_MODIFY) {
        Ok((_, m)) => m,
        Err(e) => {
            say(format!("reopened with MAPI_MODIFY {}", e.status()));
            return out;
        }
    };
    let outcome = reopened.submit_message(FORCE_SUBMIT).unwrap();
    let sent = store
        .open_message(outcome.sent_copy.as_ref().unwrap(), 0)
        .unwrap();
    say(format!(
        "reopened and submitted {:?} unsent {} work {}",
        prop(&sent, PR_SUBJECT),
        flags(&sent) & MSGFLAG_UNSENT != 0,
        count(store, &work)
    ));
    out
}

/// GetContentsTable with MAPI_ASSOCIATED; CopyFolder, DeleteMessages and EmptyFolder;
/// and on a created message: DeleteProps (kept out of the saved message), a
/// PR_TRANSPORT_MESSAGE_HEADERS stream written, and a recipient's PR_ENTRYID kept by
/// ModifyRecipients.
fn more_paths(store: &AnyStore, root: &[u8], work: &[u8], tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));

    let mut assoc = store.get_contents_table(work, MAPI_ASSOCIATED).unwrap();
    say(format!(
        "associated rows {}",
        assoc.get_row_count(0).unwrap()
    ));

    let src = store.create_folder(work, "Copy source", 0).unwrap();
    let ids = store
        .import_raw(
            &src,
            vec![
                message(&format!("{tag} one"), "1"),
                message(&format!("{tag} two"), "2"),
            ],
        )
        .unwrap();
    let copy = store.copy_folder(work, &src, root, Some(&format!("Copied {tag}")), 0);
    match &copy {
        Ok(c) => say(format!("copy folder S_OK holds {}", count(store, c))),
        Err(e) => say(format!("copy folder {}", e.status())),
    }
    let r = store.delete_messages(&src, &ids[..1], 0);
    say(format!(
        "delete messages {} source holds {}",
        status(r),
        count(store, &src)
    ));
    if let Ok(c) = &copy {
        say(format!(
            "empty folder {} copy holds {}",
            status(store.empty_folder(c, 0)),
            count(store, c)
        ));
        say(format!(
            "rmdir copy {}",
            status(store.delete_folder(root, c, DEL_MESSAGES | DEL_FOLDERS))
        ));
    }

    let Ok(m) = store.create_message(work, 0) else {
        return out;
    };
    m.set_props(&[
        (PR_SUBJECT, PropValue::Unicode(format!("{tag} trimmed"))),
        (PR_BODY, PropValue::Unicode("gone".into())),
    ])
    .unwrap();
    let problems = m.delete_props(&[PR_BODY]).map_err(|e| e.status());
    say(format!(
        "delete props {problems:?} body {:?}",
        prop(&m, PR_BODY).prop_type() == PropType::PT_ERROR
    ));
    let headers = "Received: from a.example.org by b.example.org\r\n";
    let written = m
        .open_property(
            PR_TRANSPORT_MESSAGE_HEADERS,
            &IID_ISTREAM,
            MAPI_MODIFY | MAPI_CREATE,
        )
        .and_then(|s| {
            s.write(headers.as_bytes())?;
            s.commit(0)?;
            s.release()
        });
    say(format!(
        "headers stream {} read {:?}",
        status(written),
        prop(&m, PR_TRANSPORT_MESSAGE_HEADERS)
    ));
    let mut bob = rcpt(MAPI_TO, "Bob", "bob@localhost");
    bob.set(PR_ENTRYID, PropValue::Binary(b"bob's entry id".to_vec()));
    m.modify_recipients(MODRECIP_ADD, &[bob]).unwrap();
    let kept = m
        .recipient_table(MAPI_UNICODE)
        .map(|mut t| t.query_rows(10, 0).map_err(|e| e.status))
        .map(|rows| rows.map(|rows| rows.iter().map(|r| bin(r, PR_ENTRYID)).collect::<Vec<_>>()));
    say(format!("recipient entry id {kept:?}"));
    m.save_changes(0).unwrap();
    let back = store.open_message(&entry_id(&m), 0).unwrap();
    say(format!(
        "saved without the deleted body {}",
        prop(&back, PR_BODY).prop_type() == PropType::PT_ERROR
    ));
    out
}

/// A send whose SMTP server cannot be reached: the transport's status, the message
/// saved and unsent in its folder, the object still usable.
fn unreachable_transport(session: &AnySession, store_entry: &[u8], tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));
    let store = session.open_msg_store(store_entry).unwrap();
    let root = root(&store);
    let work = store
        .create_folder(&root, &format!("Down {tag}"), 0)
        .unwrap();
    let m = store.create_message(&work, 0).unwrap();
    m.set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("{tag} stuck")))])
        .unwrap();
    m.modify_recipients(MODRECIP_ADD, &[rcpt(MAPI_TO, "Bob", "bob@localhost")])
        .unwrap();
    say(format!("submit {}", status(m.submit_message(0))));
    let f = flags(&m);
    say(format!(
        "held unsent {} queued {} work {}",
        f & MSGFLAG_UNSENT != 0,
        f & MSGFLAG_SUBMIT != 0,
        count(&store, &work)
    ));
    let again = store.open_message(&entry_id(&m), 0).unwrap();
    say(format!("saved {:?}", prop(&again, PR_SUBJECT)));
    say(format!(
        "still usable {}",
        status(m.set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("{tag} again")))]))
    ));
    say(format!(
        "rmdir {}",
        status(store.delete_folder(&root, &work, DEL_MESSAGES | DEL_FOLDERS))
    ));
    out
}

/// SaveChanges of one message from this process and from the daemon: the second save
/// is MAPI_E_OBJECT_CHANGED and the first one's change is kept.
fn two_processes(local: &AnySession, remote: &AnySession, store_entry: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let lstore = local.open_msg_store(store_entry).unwrap();
    let rstore = remote.open_msg_store(store_entry).unwrap();
    let root = root(&lstore);
    let folder = lstore.create_folder(&root, "Concurrent", 0).unwrap();
    let id = lstore
        .import_raw(&folder, vec![message("concurrent", "body")])
        .unwrap()
        .remove(0);
    match (
        lstore.open_message(&id, MAPI_MODIFY),
        rstore.open_message(&id, MAPI_MODIFY),
    ) {
        (Ok(a), Ok(b)) => {
            let set = |o: &Object, s: &str| {
                status(o.set_props(&[(PR_SUBJECT, PropValue::Unicode(s.into()))]))
            };
            out.push(format!(
                "set {} {}",
                set(&a, "by this process"),
                set(&b, "by the daemon")
            ));
            out.push(format!(
                "this process saves {}",
                status(a.save_changes(KEEP_OPEN_READWRITE))
            ));
            out.push(format!("the daemon saves {}", status(b.save_changes(0))));
        }
        (a, b) => out.push(format!("open for writing {} {}", status(a), status(b))),
    }
    out.push(format!(
        "kept {:?} {:?}",
        prop(&lstore.open_message(&id, 0).unwrap(), PR_SUBJECT),
        prop(&rstore.open_message(&id, 0).unwrap(), PR_SUBJECT)
    ));
    lstore
        .delete_folder(&root, &folder, DEL_MESSAGES | DEL_FOLDERS)
        .unwrap();
    out
}

fn expect_all(lines: &[String], wanted: &[&str]) {
    for w in wanted {
        assert!(
            lines.iter().any(|l| l.starts_with(w)),
            "{w:?} not in {lines:#?}"
        );
    }
}

/// Waits (polling, with a deadline) until bob's Inbox on disk holds `n` messages.
fn wait_for_bob(stack: &MailStack, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while stack.count_messages("bob", "INBOX") < n {
        assert!(
            Instant::now() < deadline,
            "bob's Inbox never reached {n} messages (has {})",
            stack.count_messages("bob", "INBOX")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn account(stack: &MailStack, smtp_port: Option<u16>) -> Vec<(String, String)> {
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
    settings
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

fn body() {
    let stack = MailStack::start(Options {
        postfix: true,
        max_userip_connections: 40,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = StopDaemon(&mapi);
    // "Default": the local store (the default store) and contacts, plus alice's
    // internet-mail account (IMAP store and SMTP transport).
    mapi.quickstart().unwrap();
    mapi.engine()
        .create_service(
            "Default",
            "internet-mail",
            Some("Net"),
            &account(&stack, None),
        )
        .unwrap();
    let (local, remote) = common::both_links(&mapi, "Default");
    let local_store = store_id(&local, true);
    let imap_store = store_id(&local, false);
    assert_eq!(store_id(&remote, true), local_store);
    assert_eq!(store_id(&remote, false), imap_store);

    let common: &[&str] = &[
        "inbox is not the root true",
        "mkdir again MAPI_E_COLLISION",
        "mkdir open if exists true",
        "imported 3 work holds 3",
        "open entry store true type true",
        "get props MAPI_W_ERRORS_RETURNED (0x00040380) [(PR_SUBJECT (0x0037001F), \
         Unicode(\"TAG alpha\"))",
        "read-only stream 2 GiB MAPI_E_NO_ACCESS (0x80070005) size true",
        "read-only set Err(MAPI_E_NO_ACCESS",
        "set read S_OK (0x00000000) read 1",
        "clear read S_OK (0x00000000) read 0",
        "set read flag S_OK (0x00000000) read 1",
        "clear read flag S_OK (0x00000000) read 0",
        "read flag unknown flags MAPI_E_UNKNOWN_FLAGS (0x80040106) read 0",
        "move S_OK (0x00000000) true work 2 sub 1",
        "moved subject Unicode(\"TAG beta\")",
        "sorted [\"TAG gamma\", \"TAG beta\", \"TAG alpha\"]",
        "at the end []",
        "restricted 1 [\"TAG alpha\"]",
        "seek 1",
        "after the mark [\"TAG beta\"]",
        "position Position { row: 2, numerator: 2, denominator: 3 }",
        "back at the mark [\"TAG beta\"]",
        "seek past the end 3",
        "found Some(\"TAG gamma\") at 0",
        "find none MAPI_E_NOT_FOUND",
        "freed twice MAPI_E_INVALID_BOOKMARK",
        "seek to a freed mark MAPI_E_INVALID_BOOKMARK",
        "100000 columns MAPI_E_TOO_BIG",
        "100000 deep MAPI_E_TOO_COMPLEX",
        "still 3 columns 3",
        "associated rows 0",
        "copy folder S_OK holds",
        "delete messages S_OK (0x00000000) source holds 1",
        "empty folder S_OK (0x00000000) copy holds 0",
        "rmdir copy S_OK",
        "delete props Ok([]) body true",
        "recipient entry id Ok(Ok([Some([98, 111, 98, 39, 115, 32, 101, 110, 116, 114, 121, 32, 105, 100])]))",
        "saved without the deleted body",
        "rmdir S_OK",
    ];
    // Both stores make messages, and send the composed one and the reopened draft.
    let composed: Vec<&str> = {
        let mut v = vec![
            "created flags unsent true",
            "set with a wrong type Ok([PropProblem { index: 2, tag: 0x0017001F (0x0017001F), \
             status: MAPI_E_BAD_VALUE",
            "unsaved work 3",
            "saved work 4",
            "read back Unicode(\"TAG composed\") Unicode(\"Hello Bob.\") Unicode(\"Bob\")",
            "set size 2 GiB MAPI_E_TOO_BIG",
            "size kept true",
            "no recipients MAPI_E_NO_RECIPIENTS",
            "unknown flags MAPI_E_UNKNOWN_FLAGS",
            "read-only MAPI_E_NO_ACCESS",
            "not sent yet work 4",
            "submitted copy true warning None work 3",
            "sent copy Unicode(\"TAG composed\") unsent false queued false",
            "sent copy times true true",
            "after submit set MAPI_E_INVALID_OBJECT",
            "after submit submit MAPI_E_INVALID_OBJECT",
        ];
        // Both stores alike: saved messages reopen with MAPI_MODIFY, a copied folder
        // counts its messages at once, a body deleted before the save stays deleted.
        v.push("recipients 1");
        v.push("copy folder S_OK holds 2");
        v.push("saved without the deleted body true");
        v.push(
            "headers stream S_OK (0x00000000) read \
             Unicode(\"Received: from a.example.org by b.example.org\\r\\n\")",
        );
        v.push("reopened and submitted Unicode(\"TAG reopened\") unsent false work 3");
        v
    };
    let mut sent = 0;
    for (name, store) in [("local", &local_store), ("imap", &imap_store)] {
        // messages one script sends: the composed one, and the reopened draft
        let sends = 2;
        let in_process = script(&local, store, &format!("{name}-in-process"));
        expect_all(&in_process, common);
        expect_all(&in_process, &composed);
        sent += sends;
        wait_for_bob(&stack, sent);
        // The unknown tag: PT_ERROR holding MAPI_E_NOT_FOUND (0x8004010F).
        let not_found = Status::MAPI_E_NOT_FOUND.0;
        assert!(
            in_process.iter().any(|l| l.starts_with("get props")
                && l.ends_with(&format!("(0x7FF0000A (0x7FF0000A), Error({not_found}))]"))),
            "{in_process:#?}"
        );
        let through_daemon = script(&remote, store, &format!("{name}-via-daemon"));
        sent += sends;
        wait_for_bob(&stack, sent);
        assert_eq!(through_daemon, in_process, "{name}: the links differ");
        eprintln!("{name}: {in_process:#?}");

        let concurrent = two_processes(&local, &remote, store);
        eprintln!("{name}: {concurrent:#?}");
        // Both providers: the second writer's save, by another process, is refused.
        assert_eq!(
            concurrent,
            [
                "set S_OK (0x00000000) S_OK (0x00000000)",
                "this process saves S_OK (0x00000000)",
                "the daemon saves MAPI_E_OBJECT_CHANGED (0x80040109)",
                "kept Unicode(\"by this process\") Unicode(\"by this process\")",
            ],
            "{name}"
        );
    }

    // The session ends: a table of it answers QueryRows with MAPI_E_END_OF_SESSION.
    for s in [&remote, &local] {
        let store = s.open_msg_store(&imap_store).unwrap();
        let mut t = store.get_contents_table(&root(&store), 0).unwrap();
        s.logoff(LogoffFlags::MAPI_LOGOFF_SHARED);
        assert_eq!(
            t.query_rows(1, 0).unwrap_err().status,
            Status::MAPI_E_END_OF_SESSION
        );
    }

    // A transport that cannot be reached, on both providers and links.
    mapi.engine()
        .with_store(|s| Ok(s.create_profile("Down", None).map(|_| ())?))
        .unwrap();
    mapi.engine()
        .create_service(
            "Down",
            "local-store",
            Some("Mail"),
            &[(
                "path".to_string(),
                home.join("down.db").display().to_string(),
            )],
        )
        .unwrap();
    mapi.engine()
        .create_service(
            "Down",
            "internet-mail",
            Some("Net"),
            &account(&stack, Some(closed_port())),
        )
        .unwrap();
    let (local, remote) = common::both_links(&mapi, "Down");
    // On both stores, sent through the IMAP account's SMTP transport.
    for (name, store) in [
        ("local", store_id(&local, true)),
        ("imap", store_id(&local, false)),
    ] {
        let in_process = unreachable_transport(&local, &store, &format!("{name}-in-process"));
        expect_all(
            &in_process,
            &[
                "submit MAPI_E_NETWORK_ERROR",
                "held unsent true queued false work 1",
                "saved Unicode(\"TAG stuck\")",
                "still usable S_OK",
                "rmdir S_OK",
            ],
        );
        let through_daemon = unreachable_transport(&remote, &store, &format!("{name}-via-daemon"));
        assert_eq!(through_daemon, in_process, "{name}: the links differ");
    }
    assert_eq!(stack.count_messages("bob", "INBOX"), sent);
    remote.logoff(LogoffFlags::MAPI_LOGOFF_SHARED);
    local.logoff(LogoffFlags::default());
}
