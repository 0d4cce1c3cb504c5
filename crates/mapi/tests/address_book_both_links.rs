//! The address book as MAPI objects gives the same answers in process and through a
//! real `mapid`, on the quickstart profile's contacts: the root's hierarchy table of
//! containers, CreateEntry + SetProps + SaveChanges, a container's contents table,
//! OpenEntry of a container, a mail user and a one-off (GetProps with a missing tag),
//! ResolveName with its per-entry flags and documented statuses, CreateOneOff. Advise
//! on the address book reports an entry added, on both links (through the daemon the
//! event comes over the socket).
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR (the daemon's socket
//! directory), so it never meets another test's daemon.

mod common;

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use common::StopDaemon;

use mapi::addrbook::{
    MAPI_AMBIGUOUS, MAPI_RESOLVED, MAPI_UNRESOLVED, OneOff, PR_CONTAINER_FLAGS, PR_DISPLAY_TYPE,
};
use mapi::address_book::{AB_SMTP_TEMPLATE, AnyAddressBook, PR_DEF_CREATE_MAILUSER};
use mapi::blocking::Mapi;
use mapi::link::AnySession;
use mapi::notify::fnev;
use mapi::table::consts::{MAPI_UNICODE, PR_DEPTH};
use mapi::{MapiStatus, Notification, PropTag, PropType, PropValue, Row, Status, tags::*};

const CHILD_ENV: &str = "MAPI_AB_BOTH_LINKS_CHILD";
const TEST: &str = "the_address_book_agrees_in_process_and_through_the_daemon";

#[test]
fn the_address_book_agrees_in_process_and_through_the_daemon() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

fn status<T>(r: mapi::Result<T>) -> Status {
    match r {
        Ok(_) => Status::S_OK,
        Err(e) => e.status(),
    }
}

fn name_row(name: &str) -> Row {
    let mut r = Row::default();
    r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
    r.set(PR_RECIPIENT_TYPE, PropValue::Long(1));
    r
}

fn shown(v: &[(PropTag, PropValue)]) -> Vec<String> {
    v.iter()
        .map(|(t, v)| match v {
            PropValue::Error(code) => format!("{t:?} PT_ERROR {}", Status(*code)),
            PropValue::Binary(_) => format!("{t:?} binary"),
            v => format!("{t:?} {v:?}"),
        })
        .collect()
}

fn container(ab: &AnyAddressBook) -> Vec<u8> {
    let mut h = ab.get_hierarchy_table(&[], 0).unwrap();
    let rows = h.query_rows(10, 0).unwrap();
    rows[0]
        .get(PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap()
        .to_vec()
}

/// What one link answers to the same script; names carry `tag` so both links' entries
/// (in the one contacts file) stay apart.
fn script(session: &AnySession, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));
    let ab = session.open_address_book().unwrap();
    say(format!("warning {}", ab.warning()));

    // The root's hierarchy: one container (the contacts).
    let mut h = ab.get_hierarchy_table(&[], MAPI_UNICODE).unwrap();
    say(format!("containers {}", h.get_row_count(0).unwrap()));
    let row = &h.query_rows(10, 0).unwrap()[0];
    say(format!(
        "container {:?} flags {:?} depth {:?} type {:?} dt {:?}",
        row.str(PR_DISPLAY_NAME),
        row.int(PR_CONTAINER_FLAGS),
        row.int(PR_DEPTH),
        row.int(PR_OBJECT_TYPE),
        row.int(PR_DISPLAY_TYPE)
    ));
    let c = container(&ab);

    // CreateEntry from the container's template; nothing is added before SaveChanges.
    let cont = ab.open_entry(&c, 0).unwrap();
    let t = cont
        .get_props(
            Some(&[PR_DEF_CREATE_MAILUSER, PR_DISPLAY_NAME]),
            MAPI_UNICODE,
        )
        .unwrap();
    say(format!(
        "container props {} {}",
        t.status,
        shown(&t.value).join("; ")
    ));
    let template = t.value[0].1.as_bytes().unwrap().to_vec();
    say(format!("template {}", template == AB_SMTP_TEMPLATE));
    for (n, e) in [
        (
            format!("{tag} Ann Example"),
            format!("ann.{tag}@example.org"),
        ),
        (
            format!("{tag} Anna Other"),
            format!("anna.{tag}@example.org"),
        ),
        (
            format!("{tag} Bob Builder"),
            format!("bob.{tag}@example.org"),
        ),
    ] {
        let o = ab.create_entry(&c, &template, 0).unwrap();
        o.set_props(&[
            (PR_DISPLAY_NAME, PropValue::Unicode(n.clone())),
            (PR_EMAIL_ADDRESS, PropValue::Unicode(e)),
        ])
        .unwrap();
        o.save_changes(0).unwrap();
    }
    say(format!(
        "bad template {}",
        status(ab.create_entry(&c, b"nope", 0))
    ));

    // The container's contents table.
    let mut t = ab.get_contents_table(&c, MAPI_UNICODE).unwrap();
    let rows: Vec<Row> = t
        .query_rows(1000, 0)
        .unwrap()
        .into_iter()
        .filter(|r| r.str(PR_DISPLAY_NAME).is_some_and(|n| n.starts_with(tag)))
        .collect();
    for r in &rows {
        say(format!(
            "entry {:?} {:?} {:?} type {:?} dt {:?} id {}",
            r.str(PR_DISPLAY_NAME),
            r.str(PR_EMAIL_ADDRESS),
            r.str(PR_ADDRTYPE),
            r.int(PR_OBJECT_TYPE),
            r.int(PR_DISPLAY_TYPE),
            r.get(PR_ENTRYID).is_some()
        ));
    }
    say(format!(
        "root contents {}",
        status(ab.get_contents_table(&[], 0))
    ));

    // OpenEntry of a mail user: GetProps with a missing tag.
    let bob = rows[2]
        .get(PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap();
    let u = ab.open_entry(bob, 0).unwrap();
    say(format!("mail user type {}", u.object_type()));
    let g = u
        .get_props(
            Some(&[
                PR_DISPLAY_NAME,
                PropTag::new(PR_EMAIL_ADDRESS.id(), PropType::PT_STRING8),
                PR_SMTP_ADDRESS,
                PR_ENTRYID,
                PropTag::new(0x6001, PropType::PT_LONG),
            ]),
            MAPI_UNICODE,
        )
        .unwrap();
    say(format!(
        "mail user props {} {}",
        g.status,
        shown(&g.value).join("; ")
    ));
    let mut wrong = bob.to_vec();
    *wrong.last_mut().unwrap() ^= 0x5a;
    say(format!("unknown id {}", status(ab.open_entry(&wrong, 0))));
    say(format!("modify {}", status(ab.open_entry(bob, 0x1))));

    // ResolveName.
    let r = ab
        .resolve_name(
            0,
            vec![
                name_row(&format!("{tag} bob")),
                name_row(&format!("ann.{tag}@example.org")),
            ],
        )
        .unwrap();
    say(format!("resolve {} {:?}", r.status, r.flags));
    say(format!(
        "resolved {:?} {:?} recipient type {:?} id {}",
        r.rows[0].str(PR_DISPLAY_NAME),
        r.rows[1].str(PR_DISPLAY_NAME),
        r.rows[0].int(PR_RECIPIENT_TYPE),
        r.rows[0].get(PR_ENTRYID).and_then(PropValue::as_bytes) == Some(bob)
    ));
    let r = ab
        .resolve_name(
            0x8,
            vec![
                name_row(&format!("{tag} Ann")),
                name_row(&format!("{tag} Nobody")),
                name_row(&format!("{tag} Anna")),
            ],
        )
        .unwrap();
    say(format!("mixed {} {:?}", r.status, r.flags));
    say(format!(
        "ambiguous unchanged {}",
        r.rows[0] == name_row(&format!("{tag} Ann"))
    ));
    let r = ab
        .resolve_name(0, vec![name_row(&format!("{tag} Nobody"))])
        .unwrap();
    say(format!("none {} {:?}", r.status, r.flags));
    let r = ab
        .resolve_names(&c, 0, vec![name_row(&format!("{tag} Bob"))])
        .unwrap();
    say(format!("in container {} {:?}", r.status, r.flags));
    say(format!(
        "bad flags {}",
        status(ab.resolve_name(0x2, vec![]))
    ));

    // CreateOneOff, and OpenEntry of it.
    let oo =
        AnyAddressBook::create_one_off("Zed", "SMTP", "zed@example.org", MAPI_UNICODE).unwrap();
    say(format!("one-off {:?}", OneOff::parse(&oo)));
    let z = ab.open_entry(&oo, 0).unwrap();
    let g = z
        .get_props(Some(&[PR_EMAIL_ADDRESS, PR_ADDRTYPE]), MAPI_UNICODE)
        .unwrap();
    say(format!("one-off props {}", shown(&g.value).join("; ")));
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
    expect("warning S_OK");
    expect("containers 1");
    expect("flags Some(5) depth Some(0) type Some(4) dt Some(196608)");
    expect("template true");
    expect("bad template MAPI_E_INVALID_ENTRYID");
    expect(
        "entry Some(\"TAG Bob Builder\") Some(\"bob.TAG@example.org\") Some(\"SMTP\") type Some(6) dt Some(0) id true",
    );
    expect("root contents MAPI_E_NO_SUPPORT");
    expect("mail user type 6");
    expect("String8(\"bob.TAG@example.org\")");
    expect("PT_ERROR MAPI_E_NOT_FOUND");
    expect("mail user props MAPI_W_ERRORS_RETURNED");
    expect("unknown id MAPI_E_UNKNOWN_ENTRYID");
    expect("modify MAPI_E_NO_ACCESS");
    expect(&format!(
        "resolve S_OK (0x00000000) [{MAPI_RESOLVED}, {MAPI_RESOLVED}]"
    ));
    expect(
        "resolved Some(\"TAG Bob Builder\") Some(\"TAG Ann Example\") recipient type Some(1) id true",
    );
    expect(&format!(
        "mixed MAPI_E_AMBIGUOUS_RECIP (0x80040700) [{MAPI_AMBIGUOUS}, {MAPI_UNRESOLVED}, {MAPI_RESOLVED}]"
    ));
    expect("ambiguous unchanged true");
    expect("none MAPI_E_NOT_FOUND");
    expect("in container S_OK");
    expect("bad flags MAPI_E_UNKNOWN_FLAGS");
    expect("address: \"zed@example.org\"");
    expect("Unicode(\"SMTP\")");
    assert_eq!(in_process, through_daemon);

    advise(&local, "local");
    advise(&remote, "remote");
    local.logoff(mapi::LogoffFlags::default());
    remote.logoff(mapi::LogoffFlags::MAPI_LOGOFF_SHARED);
}

/// Advise on the address book: an entry added is announced with its container; a
/// mask with no address-book event is `MAPI_E_NO_SUPPORT`; Unadvise twice is
/// `MAPI_E_NOT_FOUND`.
fn advise(session: &AnySession, link: &str) {
    let ab = session.open_address_book().unwrap();
    assert_eq!(
        status(ab.advise(None, fnev::NEW_MAIL, Arc::new(|_: &[Notification]| {}))),
        Status::MAPI_E_NO_SUPPORT,
        "{link}"
    );
    let (tx, rx) = mpsc::channel::<Vec<Notification>>();
    let tx = Mutex::new(tx);
    let conn = ab
        .advise(
            None,
            fnev::OBJECT_CREATED,
            Arc::new(move |n: &[Notification]| {
                let _ = tx.lock().unwrap().send(n.to_vec());
            }),
        )
        .unwrap();
    let c = container(&ab);
    let o = ab.create_entry(&c, AB_SMTP_TEMPLATE, 0).unwrap();
    o.set_props(&[
        (
            PR_DISPLAY_NAME,
            PropValue::Unicode(format!("Eve Advised {link}")),
        ),
        (
            PR_EMAIL_ADDRESS,
            PropValue::Unicode(format!("eve.{link}@example.org")),
        ),
    ])
    .unwrap();
    o.save_changes(0).unwrap();
    let n = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("fnevObjectCreated within 20 s ({link})"));
    match &n[0] {
        Notification::ObjectCreated(info) => assert_eq!(info.parent, c, "{link}"),
        other => panic!("{link}: {other:?}"),
    }
    ab.unadvise(conn).unwrap();
    assert_eq!(
        status(ab.unadvise(conn)),
        Status::MAPI_E_NOT_FOUND,
        "{link}"
    );
}
