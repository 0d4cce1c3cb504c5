//! A message's attachments give the same answers in process and through a real `mapid`,
//! on the local store: a created message gets a 50 KB attachment by value (written
//! through a PR_ATTACH_DATA_BIN stream) and an embedded message (its subject set, saved
//! into the attachment); after the message's SaveChanges the attachment table lists
//! both, OpenAttach reads them back, DeleteAttach removes one; an attachment stays
//! usable once its message is released; and every return code: MAPI_E_NOT_FOUND,
//! MAPI_E_NO_ACCESS, MAPI_E_UNKNOWN_FLAGS, MAPI_E_NO_SUPPORT,
//! MAPI_E_INTERFACE_NOT_SUPPORTED, MAPI_E_OBJECT_DELETED, MAPI_E_INVALID_OBJECT.
//! Through the daemon, attachments count in the per-session bound on open objects.
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR (the daemon's socket
//! directory), so it never meets another test's daemon.

mod common;

use common::StopDaemon;

use mapi::attach::*;
use mapi::blocking::Mapi;
use mapi::link::{AnySession, AnyStore};
use mapi::object::*;
use mapi::{MapiStatus, PropTag, PropValue, Status, TableView, object_type, tags::*};

const CHILD_ENV: &str = "MAPI_ATTACHMENTS_BOTH_LINKS_CHILD";
const TEST: &str = "attachments_agree_in_process_and_through_the_daemon";

#[test]
fn attachments_agree_in_process_and_through_the_daemon() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

fn drafts(store: &AnyStore) -> Vec<u8> {
    store
        .folders()
        .unwrap()
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some("Drafts"))
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap()
}

fn status<T>(r: mapi::Result<T>) -> Status {
    match r {
        Ok(_) => Status::S_OK,
        Err(e) => e.status(),
    }
}

fn text(s: &str) -> PropValue {
    PropValue::Unicode(s.into())
}

fn get(o: &Object, tag: PropTag) -> PropValue {
    o.get_props(Some(&[tag]), MAPI_UNICODE).unwrap().value[0]
        .1
        .clone()
}

/// 50 KB of every byte value.
fn data() -> Vec<u8> {
    (0..50 * 1024u32).map(|i| (i * 31 % 251) as u8).collect()
}

fn read_data(att: &Object) -> Vec<u8> {
    att.open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, 0)
        .unwrap()
        .read_to_end()
        .unwrap()
}

/// The attachment table's rows, shown as text.
fn rows(t: &mut TableView) -> String {
    t.set_columns(
        &[
            PR_ATTACH_NUM,
            PR_ATTACH_METHOD,
            PR_ATTACH_LONG_FILENAME,
            PR_ATTACH_MIME_TAG,
            PR_ATTACH_SIZE,
            PR_DISPLAY_NAME,
        ],
        0,
    )
    .unwrap();
    t.query_rows(100, 0)
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "num {:?} method {:?} name {:?} mime {:?} size {:?} display {:?}",
                r.int(PR_ATTACH_NUM),
                r.int(PR_ATTACH_METHOD),
                r.str(PR_ATTACH_LONG_FILENAME),
                r.str(PR_ATTACH_MIME_TAG),
                // An embedded message's size is its RFC 5322 form's (dates vary).
                match r.int(PR_ATTACH_METHOD) {
                    Some(m) if m == i64::from(ATTACH_EMBEDDED_MSG) => r
                        .int(PR_ATTACH_SIZE)
                        .map(|n| if n > 100 { "RFC 5322" } else { "too small" }.to_string()),
                    _ => r.int(PR_ATTACH_SIZE).map(|n| n.to_string()),
                },
                r.str(PR_DISPLAY_NAME),
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// What one link answers to the same script.
fn script(session: &AnySession, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));
    let store = session.default_store().unwrap();
    let folder = drafts(&store);
    let msg = store.create_message(&folder, 0).unwrap();
    msg.set_props(&[(PR_SUBJECT, text(&format!("{tag} with files")))])
        .unwrap();

    // By value: properties, then 50 KB through the stream.
    let (num, att) = msg.create_attach(0).unwrap();
    say(format!(
        "created {num} type {}",
        att.object_type() == object_type::MAPI_ATTACH
    ));
    let problems = att
        .set_props(&[
            (PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
            (PR_ATTACH_LONG_FILENAME, text("numbers.bin")),
            (PR_ATTACH_MIME_TAG, text("application/octet-stream")),
        ])
        .unwrap();
    say(format!("set problems {problems:?}"));
    let w = att
        .open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, MAPI_CREATE | MAPI_MODIFY)
        .unwrap();
    let mut written = 0;
    for piece in data().chunks(8 * 1024) {
        written += w.write(piece).unwrap();
    }
    say(format!(
        "written {written} stat {:?}",
        w.stat().unwrap().size
    ));
    w.commit(0).unwrap();
    w.release().unwrap();
    // Not in the message before the attachment's SaveChanges.
    say(format!(
        "table before attach save [{}]",
        rows(&mut msg.attachment_table(MAPI_UNICODE).unwrap())
    ));
    att.save_changes(0).unwrap();

    // Embedded: a new message inside the attachment, saved into it.
    let (enum_, emb) = msg.create_attach(0).unwrap();
    say(format!("created embedded {enum_}"));
    emb.set_props(&[
        (PR_ATTACH_METHOD, PropValue::Long(ATTACH_EMBEDDED_MSG)),
        (PR_DISPLAY_NAME, text("The original")),
    ])
    .unwrap();
    let inner = emb
        .open_property_object(PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, MAPI_CREATE | MAPI_MODIFY)
        .unwrap();
    say(format!(
        "inner type {}",
        inner.object_type() == object_type::MAPI_MESSAGE
    ));
    inner
        .set_props(&[
            (PR_SUBJECT, text(&format!("{tag} inner subject"))),
            (PR_BODY, text("inner body\r\n")),
        ])
        .unwrap();
    say(format!(
        "inner has attachments {}",
        status(inner.create_attach(0))
    ));
    inner.save_changes(0).unwrap();
    emb.save_changes(0).unwrap();
    say(format!(
        "table before message save [{}]",
        rows(&mut msg.attachment_table(MAPI_UNICODE).unwrap())
    ));
    msg.save_changes(KEEP_OPEN_READWRITE).unwrap();
    let entry = get(&msg, PR_ENTRYID).as_bytes().unwrap().to_vec();

    // Read back through a fresh open.
    let ro = store.open_message(&entry, 0).unwrap();
    say(format!("hasattach {:?}", get(&ro, PR_HASATTACH)));
    let mut table = ro.attachment_table(MAPI_UNICODE).unwrap();
    say(format!("rows {}", table.get_row_count(0).unwrap()));
    say(format!("table [{}]", rows(&mut table)));
    let a = ro.open_attach(num, 0).unwrap();
    say(format!("read back same {}", read_data(&a) == data()));
    say(format!(
        "name {:?} size {:?}",
        get(&a, PR_ATTACH_LONG_FILENAME),
        get(&a, PR_ATTACH_SIZE)
    ));
    let e = ro.open_attach(enum_, 0).unwrap();
    let inner = e
        .open_property_object(PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, 0)
        .unwrap();
    say(format!("inner subject {:?}", get(&inner, PR_SUBJECT)));
    say(format!(
        "inner read-only {}",
        status(inner.set_props(&[(PR_SUBJECT, text("x"))]))
    ));

    // The return codes.
    say(format!("open 99 {}", status(msg.open_attach(99, 0))));
    say(format!("delete 99 {}", status(msg.delete_attach(99, 0))));
    say(format!("create flags {}", status(msg.create_attach(0x40))));
    say(format!("open flags {}", status(msg.open_attach(num, 0x40))));
    say(format!(
        "table flags {}",
        status(msg.attachment_table(0x40))
    ));
    say(format!("ro create {}", status(ro.create_attach(0))));
    say(format!("ro delete {}", status(ro.delete_attach(num, 0))));
    say(format!(
        "ro open modify {}",
        status(ro.open_attach(num, MAPI_MODIFY))
    ));
    let best = ro.open_attach(num, MAPI_BEST_ACCESS).unwrap();
    say(format!(
        "best access set {}",
        status(best.set_props(&[(PR_ATTACH_LONG_FILENAME, text("b"))]))
    ));
    say(format!(
        "by value as message {}",
        status(a.open_property_object(PR_ATTACH_DATA_OBJ, &IID_IMESSAGE, 0))
    ));
    say(format!(
        "object as stream interface {}",
        status(a.open_property_object(PR_ATTACH_DATA_OBJ, &IID_ISTREAM, 0))
    ));
    let folder_obj = store.open_folder(&folder, 0).unwrap();
    say(format!(
        "folder attach {} table {}",
        status(folder_obj.create_attach(0)),
        status(folder_obj.attachment_table(0))
    ));

    // A child outlives its parent's release.
    let held = store.open_message(&entry, 0).unwrap();
    let child = held.open_attach(num, 0).unwrap();
    held.release().unwrap();
    say(format!(
        "parent released {}",
        status(held.open_attach(num, 0))
    ));
    say(format!("child still reads {}", read_data(&child) == data()));
    child.release().unwrap();
    say(format!(
        "child released {}",
        status(child.get_props(None, 0))
    ));

    // DeleteAttach: an attachment opened before cannot be saved back; the table and the
    // store lose the attachment at the message's SaveChanges.
    let stale = msg.open_attach(num, MAPI_MODIFY).unwrap();
    msg.delete_attach(num, 0).unwrap();
    say(format!("stale save {}", status(stale.save_changes(0))));
    say(format!(
        "after delete [{}]",
        rows(&mut msg.attachment_table(MAPI_UNICODE).unwrap())
    ));
    say(format!(
        "stored before save {}",
        store
            .open_message(&entry, 0)
            .unwrap()
            .attachment_table(0)
            .unwrap()
            .get_row_count(0)
            .unwrap()
    ));
    msg.save_changes(0).unwrap();
    let again = store.open_message(&entry, 0).unwrap();
    say(format!(
        "stored after save [{}]",
        rows(&mut again.attachment_table(MAPI_UNICODE).unwrap())
    ));
    say(format!(
        "deleted opens {}",
        status(again.open_attach(num, 0))
    ));
    out
}

fn body() {
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = StopDaemon(&mapi);
    mapi.quickstart().unwrap();
    let (local, remote) = common::both_links(&mapi, "Default");

    let in_process = script(&local, "local");
    let through_daemon = script(&remote, "remote");
    let expect = |needle: &str| {
        assert!(
            in_process.iter().any(|l| l.contains(needle)),
            "{needle:?} not in {in_process:#?}"
        )
    };
    expect("created 0 type true");
    expect("set problems []");
    expect("written 51200 stat 51200");
    expect("table before attach save []");
    expect("created embedded 1");
    expect("inner type true");
    expect("inner has attachments MAPI_E_NO_SUPPORT");
    expect("hasattach Boolean(true)");
    expect("rows 2");
    expect(
        "num Some(0) method Some(1) name Some(\"numbers.bin\") \
         mime Some(\"application/octet-stream\") size Some(\"51200\")",
    );
    expect("num Some(1) method Some(5) name None mime None size Some(\"RFC 5322\")");
    expect("display Some(\"The original\")");
    expect("read back same true");
    expect("size Long(51200)");
    expect("inner subject Unicode(\"TAG inner subject\")");
    expect("inner read-only MAPI_E_NO_ACCESS");
    expect("open 99 MAPI_E_NOT_FOUND");
    expect("delete 99 MAPI_E_NOT_FOUND");
    expect("create flags MAPI_E_UNKNOWN_FLAGS");
    expect("open flags MAPI_E_UNKNOWN_FLAGS");
    expect("table flags MAPI_E_UNKNOWN_FLAGS");
    expect("ro create MAPI_E_NO_ACCESS");
    expect("ro delete MAPI_E_NO_ACCESS");
    expect("ro open modify MAPI_E_NO_ACCESS");
    expect("best access set MAPI_E_NO_ACCESS");
    expect("by value as message MAPI_E_NOT_FOUND");
    expect("object as stream interface MAPI_E_INTERFACE_NOT_SUPPORTED");
    expect("folder attach MAPI_E_NO_SUPPORT");
    expect("table MAPI_E_NO_SUPPORT");
    expect("parent released MAPI_E_INVALID_OBJECT");
    expect("child still reads true");
    expect("child released MAPI_E_INVALID_OBJECT");
    expect("stale save MAPI_E_OBJECT_DELETED");
    expect("stored before save 2");
    expect("deleted opens MAPI_E_NOT_FOUND");
    let after = in_process
        .iter()
        .find(|l| l.starts_with("stored after save"))
        .unwrap();
    assert!(
        after.contains("num Some(1) method Some(5)") && !after.contains("num Some(0)"),
        "{after}"
    );
    assert_eq!(through_daemon, in_process);

    // Through the daemon, attachments are handles in the same bound as other objects:
    // past it, MAPI_E_NOT_ENOUGH_MEMORY; a release makes room again.
    let rstore = remote.default_store().unwrap();
    let msg = rstore.create_message(&drafts(&rstore), 0).unwrap();
    let (num, first) = msg.create_attach(0).unwrap();
    first.save_changes(KEEP_OPEN_READWRITE).unwrap();
    let mut held = vec![first];
    let err = loop {
        match msg.open_attach(num, 0) {
            Ok(o) => held.push(o),
            Err(e) => break e,
        }
        assert!(
            held.len() <= 1024,
            "the daemon holds more than 1024 objects"
        );
    };
    assert_eq!(err.status(), Status::MAPI_E_NOT_ENOUGH_MEMORY, "{err}");
    assert!(held.len() > 1000, "only {} attachments held", held.len());
    held.pop().unwrap().release().unwrap();
    let o = msg.open_attach(num, 0).unwrap();
    assert_eq!(o.object_type(), object_type::MAPI_ATTACH);
    for o in held.drain(..) {
        o.release().unwrap();
    }
}
