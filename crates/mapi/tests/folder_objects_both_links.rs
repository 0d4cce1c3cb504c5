//! Writable folder and store objects give the same answers in process and through a
//! real `mapid`, on the local store: a folder's SetProps (a rename, PR_COMMENT,
//! PR_CONTAINER_CLASS) kept only at SaveChanges, a sibling's name MAPI_E_COLLISION,
//! computed properties a MAPI_E_NO_ACCESS problem entry, DeleteProps of the comment, a
//! folder opened read-only, another session's save (MAPI_E_OBJECT_CHANGED), and the
//! store's PR_DISPLAY_NAME and PR_COMMENT; an open folder's PR_CONTENT_COUNT,
//! PR_CONTENT_UNREAD and PR_SUBFOLDERS live after imports, while its pending SetProps
//! stay pending.
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR (the daemon's socket
//! directory), so it never meets another test's daemon.

mod common;

use common::status;

use mapi::link::{AnySession, AnyStore};
use mapi::object::*;
use mapi::{PropTag, PropValue, tags::*};

const CHILD_ENV: &str = "MAPI_FOLDER_OBJECTS_BOTH_LINKS_CHILD";
const TEST: &str = "folder_and_store_objects_agree_in_process_and_through_the_daemon";

/// `PR_COMMENT` (`PT_UNICODE`).
const PR_COMMENT: PropTag = PropTag(0x3004_001F);

#[test]
fn folder_and_store_objects_agree_in_process_and_through_the_daemon() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

fn text(s: &str) -> PropValue {
    PropValue::Unicode(s.into())
}

/// The entry id of the folder named `name` (the IPM subtree for `None`).
fn folder(store: &AnyStore, name: Option<&str>) -> Option<Vec<u8>> {
    store
        .folders()
        .unwrap()
        .iter()
        .find(|r| match name {
            Some(n) => r.str(PR_DISPLAY_NAME) == Some(n),
            None => r.get(PR_PARENT_ENTRYID).is_none(),
        })
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
}

fn prop(o: &Object, tag: PropTag) -> String {
    let r = o.get_props(Some(&[tag]), MAPI_UNICODE).unwrap();
    format!("{:?}", r.value[0].1)
}

fn problems(p: &[mapi::PropProblem]) -> String {
    let v: Vec<String> = p
        .iter()
        .map(|p| format!("{} {}", p.index, p.status.name().unwrap_or("?")))
        .collect();
    format!("{v:?}")
}

/// What one link answers to the same script; names carry `tag` so the two runs (on the
/// same store file) do not collide, and it is replaced by `TAG` in what is said.
fn script(session: &AnySession, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));
    let store = session.default_store().unwrap();
    let root = folder(&store, None).unwrap();
    let (notes, other) = (format!("Notes {tag}"), format!("Other {tag}"));
    let entry = store.create_folder(&root, &notes, 0).unwrap();
    store.create_folder(&root, &other, 0).unwrap();

    let f = store.open_folder(&entry, MAPI_MODIFY).unwrap();
    let p = f
        .set_props(&[
            (PR_DISPLAY_NAME, text(&format!("Renamed {tag}"))),
            (PR_COMMENT, text(&format!("about {tag}"))),
            (PR_CONTAINER_CLASS, text("IPF.Note.Notes")),
            (PR_CONTENT_COUNT, PropValue::Long(9)),
            (PR_ENTRYID, PropValue::Binary(vec![1])),
        ])
        .unwrap();
    say(format!("set problems {}", problems(&p)));
    say(format!(
        "before save listed {}",
        folder(&store, Some(&notes)) == Some(entry.clone())
    ));
    say(format!(
        "save {}",
        status(f.save_changes(KEEP_OPEN_READWRITE))
            .name()
            .unwrap_or("?")
    ));
    say(format!(
        "after save listed {}",
        folder(&store, Some(&format!("Renamed {tag}"))) == Some(entry.clone())
    ));
    let again = store.open_folder(&entry, 0).unwrap();
    say(format!(
        "reopened {} {} {}",
        prop(&again, PR_DISPLAY_NAME),
        prop(&again, PR_COMMENT),
        prop(&again, PR_CONTAINER_CLASS)
    ));

    f.set_props(&[(PR_DISPLAY_NAME, text(&other))]).unwrap();
    say(format!(
        "sibling's name {}",
        status(f.save_changes(KEEP_OPEN_READWRITE))
            .name()
            .unwrap_or("?")
    ));
    f.set_props(&[(PR_DISPLAY_NAME, text(&format!("Renamed {tag}")))])
        .unwrap();
    let p = f.delete_props(&[PR_COMMENT, PR_CONTENT_COUNT]).unwrap();
    say(format!("delete problems {}", problems(&p)));
    say(format!(
        "save {}",
        status(f.save_changes(0)).name().unwrap_or("?")
    ));
    say(format!(
        "comment gone {}",
        prop(&store.open_folder(&entry, 0).unwrap(), PR_COMMENT)
    ));
    say(format!(
        "read-only {}",
        status(again.set_props(&[(PR_COMMENT, text("x"))]))
            .name()
            .unwrap_or("?")
    ));

    let a = store.open_folder(&entry, MAPI_MODIFY).unwrap();
    let b = store.open_folder(&entry, MAPI_MODIFY).unwrap();
    a.set_props(&[(PR_COMMENT, text("a"))]).unwrap();
    b.set_props(&[(PR_COMMENT, text("b"))]).unwrap();
    say(format!(
        "a saves {}",
        status(a.save_changes(0)).name().unwrap_or("?")
    ));
    say(format!(
        "b saves {}",
        status(b.save_changes(0)).name().unwrap_or("?")
    ));

    let st = store.open_store_object().unwrap();
    let p = st
        .set_props(&[
            (PR_DISPLAY_NAME, text(&format!("Mail {tag}"))),
            (PR_COMMENT, text(&format!("store {tag}"))),
            (PR_MDB_PROVIDER, PropValue::Binary(vec![0; 16])),
        ])
        .unwrap();
    say(format!("store problems {}", problems(&p)));
    say(format!(
        "store save {}",
        status(st.save_changes(0)).name().unwrap_or("?")
    ));
    let st = store.open_store_object().unwrap();
    say(format!(
        "store reopened {} {}",
        prop(&st, PR_DISPLAY_NAME),
        prop(&st, PR_COMMENT)
    ));

    // An open folder's counts are live; its pending SetProps stay pending.
    let live = store
        .create_folder(&root, &format!("Live {tag}"), 0)
        .unwrap();
    let f = store.open_folder(&live, MAPI_MODIFY).unwrap();
    f.set_props(&[(PR_COMMENT, text("pending"))]).unwrap();
    let counts = |o: &Object| {
        format!(
            "{} {} {}",
            prop(o, PR_CONTENT_COUNT),
            prop(o, PR_CONTENT_UNREAD),
            prop(o, PR_SUBFOLDERS)
        )
    };
    say(format!("live opened {}", counts(&f)));
    let message = |subject: &str| {
        format!(
            "From: ann@example.org\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
             Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n"
        )
        .into_bytes()
    };
    let imported = store
        .import_raw(&live, vec![message("one"), message("two")])
        .unwrap();
    store.create_folder(&live, "Child", 0).unwrap();
    say(format!("live after import {}", counts(&f)));
    store
        .set_read_flags(&live, Some(&imported[..1]), 0)
        .unwrap();
    say(format!("live after read {}", counts(&f)));
    say(format!("live pending {}", prop(&f, PR_COMMENT)));
    say(format!(
        "live saved before {}",
        prop(&store.open_folder(&live, 0).unwrap(), PR_COMMENT)
    ));
    say(format!(
        "live save {}",
        status(f.save_changes(0)).name().unwrap_or("?")
    ));
    out
}

fn body() {
    let [in_process, through_daemon] = common::script_on_both_links(script);
    let expect = [
        "set problems [\"3 MAPI_E_NO_ACCESS\", \"4 MAPI_E_NO_ACCESS\"]",
        "before save listed true",
        "save S_OK",
        "after save listed true",
        "reopened Unicode(\"Renamed TAG\") Unicode(\"about TAG\") Unicode(\"IPF.Note.Notes\")",
        "sibling's name MAPI_E_COLLISION",
        "delete problems [\"1 MAPI_E_NO_ACCESS\"]",
        "save S_OK",
        "comment gone Error(2147746063)",
        "read-only MAPI_E_NO_ACCESS",
        "a saves S_OK",
        "b saves MAPI_E_OBJECT_CHANGED",
        "store problems [\"2 MAPI_E_NO_ACCESS\"]",
        "store save S_OK",
        "store reopened Unicode(\"Mail TAG\") Unicode(\"store TAG\")",
        "live opened Long(0) Long(0) Boolean(false)",
        "live after import Long(2) Long(2) Boolean(true)",
        "live after read Long(2) Long(1) Boolean(true)",
        "live pending Unicode(\"pending\")",
        "live saved before Error(2147746063)",
        "live save S_OK",
    ];
    assert_eq!(in_process, expect);
    assert_eq!(through_daemon, in_process);
}
