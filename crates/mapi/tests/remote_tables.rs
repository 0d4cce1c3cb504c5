//! Table views over the daemon's shared session behave as in process: the same rows for
//! restrictions, sorts, seeks, bookmarks, FindRow and pages larger than one request,
//! the same refusals, and MAPI_E_END_OF_SESSION once the session ends. The row source
//! lives at the daemon; the cursor stays in this process.
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR (the daemon's socket
//! directory), so it never meets another test's daemon.

mod common;

use mapi::blocking::Mapi;
use mapi::link::AnyStore;
use mapi::table::consts::*;
use mapi::{
    Bookmark, ContentMatch, LogoffFlags, LogonFlags, LogonRequest, PropValue, Relop, Restriction,
    Row, SortKey, Status, TableView, tags::*,
};

const CHILD_ENV: &str = "MAPI_REMOTE_TABLES_CHILD";
const TEST: &str = "tables_over_the_daemon_behave_as_in_process";

#[test]
fn tables_over_the_daemon_behave_as_in_process() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

fn message(i: usize) -> Vec<u8> {
    let subject = if i.is_multiple_of(7) {
        format!("Invoice {i}")
    } else {
        format!("note {i}")
    };
    format!(
        "From: sender{}@example.org\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, {:02} Jan 2024 {:02}:{:02}:00 +0000\r\n\r\n{}\r\n",
        i % 13,
        1 + i % 28,
        i % 24,
        i % 60,
        "z".repeat(i % 400)
    )
    .into_bytes()
}

fn inbox(store: &AnyStore) -> Vec<u8> {
    store
        .folders()
        .unwrap()
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some("Inbox"))
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap()
}

/// Everything one view answers to a fixed script of calls.
fn script(v: &mut TableView) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s);
    let ids = |rows: &[Row]| -> Vec<String> {
        rows.iter()
            .map(|r| format!("{:?}/{:?}", r.str(PR_SUBJECT), r.int(PR_MESSAGE_SIZE)))
            .collect()
    };
    say(format!("count {}", v.get_row_count(0).unwrap()));
    v.set_columns(&[PR_SUBJECT, PR_MESSAGE_SIZE, PR_ENTRYID], 0)
        .unwrap();
    say(format!("all {:?}", ids(&v.query_rows(5000, 0).unwrap())));
    v.restrict(
        Some(Restriction::Content {
            tag: PR_SUBJECT,
            text: "INVOICE".into(),
            how: ContentMatch::Substring,
            ignore_case: true,
        }),
        0,
    )
    .unwrap();
    v.sort_table(
        &[
            SortKey::descending(PR_MESSAGE_SIZE),
            SortKey::ascending(PR_SUBJECT),
        ],
        0,
    )
    .unwrap();
    say(format!("restricted {}", v.get_row_count(0).unwrap()));
    say(format!(
        "sought {}",
        v.seek_row(Bookmark::Beginning, 100).unwrap()
    ));
    let mark = v.create_bookmark().unwrap();
    say(format!("page {:?}", ids(&v.query_rows(50, 0).unwrap())));
    say(format!("back {:?}", ids(&v.query_rows(-20, 0).unwrap())));
    say(format!("pos {:?}", v.query_position().unwrap()));
    v.seek_row(Bookmark::Mark(mark), 0).unwrap();
    say(format!("at mark {:?}", v.query_position().unwrap()));
    v.free_bookmark(Bookmark::Mark(mark)).unwrap();
    say(format!(
        "freed twice {}",
        v.free_bookmark(Bookmark::Mark(mark)).unwrap_err().status
    ));
    let small = Restriction::Property {
        op: Relop::Lt,
        tag: PR_MESSAGE_SIZE,
        value: PropValue::Long(800),
    };
    v.find_row(&small, Bookmark::Beginning, 0).unwrap();
    say(format!("found {:?}", v.query_position().unwrap()));
    v.find_row(&small, Bookmark::End, DIR_BACKWARD).unwrap();
    say(format!("found back {:?}", v.query_position().unwrap()));
    let none = Restriction::Exist(PR_DISPLAY_CC);
    say(format!(
        "none {}",
        v.find_row(&none, Bookmark::Beginning, 0)
            .unwrap_err()
            .status
    ));
    v.seek_row_approx(1, 3).unwrap();
    say(format!("approx {:?}", ids(&v.query_rows(3, 0).unwrap())));
    // Imported messages have no saved recipient rows: none matches.
    let sub = Restriction::Sub {
        object: PR_MESSAGE_RECIPIENTS,
        restriction: Box::new(Restriction::Exist(PR_EMAIL_ADDRESS)),
    };
    v.restrict(Some(sub), 0).unwrap();
    say(format!("sub recipients {}", v.get_row_count(0).unwrap()));
    v.restrict(None, 0).unwrap();
    let sub = Restriction::Sub {
        object: PR_MESSAGE_ATTACHMENTS,
        restriction: Box::new(Restriction::Exist(PR_ATTACH_DATA_BIN)),
    };
    say(format!(
        "sub attachments {}",
        v.restrict(Some(sub), 0).unwrap_err().status
    ));
    let mut deep = Restriction::Exist(PR_SUBJECT);
    for _ in 0..100_000 {
        deep = Restriction::Not(Box::new(deep));
    }
    say(format!(
        "deep {}",
        v.restrict(Some(deep), 0).unwrap_err().status
    ));
    say(format!("still {}", v.get_row_count(0).unwrap()));
    say(format!("sort {:?}", v.query_sort_order().unwrap()));
    out
}

/// Stops the daemon the child started, however the child ends.
fn body() {
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = common::StopDaemon(&mapi);
    mapi.quickstart().unwrap();
    let local = mapi
        .logon_any(LogonRequest::new(
            Some("Default"),
            LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    assert!(!local.is_remote());
    let store = local.default_store().unwrap();
    let folder = inbox(&store);
    store
        .import_raw(&folder, (0..2500).map(message).collect())
        .unwrap();

    let remote = mapi
        .logon_any(LogonRequest::new(
            Some("Default"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_ALLOW_OTHERS,
        ))
        .unwrap();
    assert!(
        remote.is_remote(),
        "ALLOW_OTHERS runs the session in the daemon"
    );
    let rstore = remote.default_store().unwrap();
    let rfolder = inbox(&rstore);

    let mut lv = store.get_contents_table(&folder, 0).unwrap();
    let mut rv = rstore.get_contents_table(&rfolder, 0).unwrap();
    let expected = script(&mut lv);
    assert!(expected[0] == "count 2500", "{:?}", expected[0]);
    assert_eq!(script(&mut rv), expected);

    // Associated contents, hierarchy, status and store tables.
    let mut assoc = rstore
        .get_contents_table(&rfolder, MAPI_ASSOCIATED)
        .unwrap();
    assert_eq!(assoc.get_row_count(0).unwrap(), 0);
    let root = rstore
        .folders()
        .unwrap()
        .iter()
        .find(|r| r.get(PR_PARENT_ENTRYID).is_none())
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap();
    let mut h = rstore.get_hierarchy_table(&root, CONVENIENT_DEPTH).unwrap();
    let rows = h.query_rows(100, 0).unwrap();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter()
            .all(|r| r.int(mapi::table::consts::PR_DEPTH) == Some(0))
    );
    let mut st = remote.get_status_table(0).unwrap();
    let mut lst = local.get_status_table(0).unwrap();
    assert_eq!(st.get_row_count(0).unwrap(), lst.get_row_count(0).unwrap());
    let mut stores = remote.get_msg_stores_table(0).unwrap();
    assert_eq!(stores.query_rows(10, 0).unwrap().len(), 1);
    assert_eq!(
        remote
            .get_status_table(0x4)
            .err()
            .map(|e| mapi::MapiStatus::status(&e)),
        Some(Status::MAPI_E_UNKNOWN_FLAGS)
    );
    assert_eq!(
        rstore
            .get_contents_table(b"no such folder", 0)
            .err()
            .map(|e| mapi::MapiStatus::status(&e)),
        Some(Status::MAPI_E_INVALID_ENTRYID)
    );

    // The session ends: every remote view answers MAPI_E_END_OF_SESSION.
    remote.logoff(LogoffFlags::MAPI_LOGOFF_SHARED);
    for e in [
        rv.query_rows(1, 0).unwrap_err(),
        h.get_row_count(0).unwrap_err(),
        st.query_rows(1, 0).unwrap_err(),
    ] {
        assert_eq!(e.status, Status::MAPI_E_END_OF_SESSION, "{e}");
    }
    local.logoff(LogoffFlags::default());
    assert_eq!(
        lv.query_rows(1, 0).unwrap_err().status,
        Status::MAPI_E_END_OF_SESSION
    );
}
