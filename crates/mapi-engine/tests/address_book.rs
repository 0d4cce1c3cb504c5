//! The address book as MAPI objects through the engine, over the real contacts provider:
//! the root's hierarchy table, a container's contents table, OpenEntry of every kind,
//! ResolveName over an ADRLIST with its documented statuses, CreateOneOff, CreateEntry
//! and Advise (fnevObjectCreated).

mod common;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use mapi_engine::Session;
use mapi_engine::addrbook::{AB_ROOT_ENTRY, AB_SMTP_TEMPLATE, MergedAddressBook};
use mapi_types::addrbook::{
    AB_MODIFIABLE, AB_RECIPIENTS, DT_DISTLIST, DT_MAILUSER, MAPI_AMBIGUOUS, MAPI_RESOLVED,
    MAPI_UNRESOLVED, OneOff, PR_CONTAINER_FLAGS, PR_DISPLAY_TYPE,
};
use mapi_types::notify::fnev;
use mapi_types::table::consts::{MAPI_UNICODE, PR_DEPTH};
use mapi_types::{
    LogonFlags, MapiStatus, Notification, PropTag, PropType, PropValue, Row, Status, object_type,
    tags,
};

async fn logon(fx: &Fixture) -> Session {
    fx.profile("P", None);
    fx.add_contacts("P", "Contacts", &fx.file("contacts.db"));
    let s = fx
        .logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
    let ab = s.address_book().unwrap();
    for (n, e) in [
        ("Ann Example", "ann@example.org"),
        ("Anna Other", "anna@example.org"),
        ("Bob Builder", "bob@example.org"),
    ] {
        ab.add_entry(n, e).await.unwrap();
    }
    s
}

fn name_row(name: &str) -> Row {
    let mut r = Row::default();
    r.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
    r.set(tags::PR_RECIPIENT_TYPE, PropValue::Long(1));
    r
}

fn container(ab: &MergedAddressBook) -> Vec<u8> {
    ab.container_id(0)
}

#[tokio::test]
async fn hierarchy_and_contents_tables_have_the_documented_columns() {
    let fx = Fixture::new();
    let s = logon(&fx).await;
    let ab = s.address_book().unwrap();
    let mut h = ab.get_hierarchy_table(&[], 0).unwrap();
    let rows = h.query_rows(10, 0).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let c = &rows[0];
    assert_eq!(c.str(tags::PR_DISPLAY_NAME), Some("Contacts"));
    assert_eq!(
        c.int(PR_CONTAINER_FLAGS),
        Some((AB_RECIPIENTS | AB_MODIFIABLE) as i64)
    );
    assert_eq!(c.int(PR_DEPTH), Some(0));
    assert_eq!(
        c.int(tags::PR_OBJECT_TYPE),
        Some(object_type::MAPI_ABCONT as i64)
    );
    let id = c
        .get(tags::PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap();
    assert_eq!(id, &container(&ab)[..]);
    // The same through the root's own entry id; a container has no subcontainers.
    assert_eq!(
        ab.get_hierarchy_table(AB_ROOT_ENTRY, 0)
            .unwrap()
            .get_row_count(0)
            .unwrap(),
        1
    );
    assert_eq!(
        ab.get_hierarchy_table(id, 0)
            .unwrap()
            .get_row_count(0)
            .unwrap(),
        0
    );

    let mut t = ab.get_contents_table(id, MAPI_UNICODE).await.unwrap();
    assert_eq!(t.get_row_count(0).unwrap(), 3);
    let rows = t.query_rows(2, 0).unwrap();
    assert_eq!(rows[0].str(tags::PR_DISPLAY_NAME), Some("Ann Example"));
    assert_eq!(rows[0].str(tags::PR_EMAIL_ADDRESS), Some("ann@example.org"));
    assert_eq!(rows[0].str(tags::PR_ADDRTYPE), Some("SMTP"));
    assert_eq!(rows[0].int(PR_DISPLAY_TYPE), Some(DT_MAILUSER as i64));
    assert_eq!(
        rows[0].int(tags::PR_OBJECT_TYPE),
        Some(object_type::MAPI_MAILUSER as i64)
    );
    assert_eq!(t.query_rows(10, 0).unwrap().len(), 1);
    assert_eq!(t.query_rows(10, 0).unwrap().len(), 0);

    // The root holds containers only; a bad id and a bad flag are refused.
    assert_eq!(
        ab.get_contents_table(&[], 0).await.err().unwrap().status(),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(
        ab.get_contents_table(b"nope", 0)
            .await
            .err()
            .unwrap()
            .status(),
        Status::MAPI_E_INVALID_ENTRYID
    );
    assert_eq!(
        ab.get_hierarchy_table(&[], 0x4000).err().unwrap().status(),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
}

#[tokio::test]
async fn open_entry_gives_containers_mail_users_and_one_offs() {
    let fx = Fixture::new();
    let s = logon(&fx).await;
    let ab = s.address_book().unwrap();
    let root = ab.open_entry(&[], 0).await.unwrap();
    assert_eq!(root.object_type(), object_type::MAPI_ABCONT);
    let c = ab.open_entry(&container(&ab), 0).await.unwrap();
    assert_eq!(c.object_type(), object_type::MAPI_ABCONT);
    let got = c
        .get_props(Some(&[tags::PR_DISPLAY_NAME]), MAPI_UNICODE)
        .await
        .unwrap();
    assert_eq!(got.value[0].1, PropValue::Unicode("Contacts".into()));

    let bob = ab.resolve("Bob").await.unwrap();
    let bob_id = bob[0]
        .get(tags::PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap();
    let u = ab.open_entry(bob_id, 0).await.unwrap();
    assert_eq!(u.object_type(), object_type::MAPI_MAILUSER);
    let want = [
        PropTag::new(tags::PR_DISPLAY_NAME.id(), PropType::PT_STRING8),
        tags::PR_EMAIL_ADDRESS,
        tags::PR_ADDRTYPE,
        tags::PR_SMTP_ADDRESS,
        tags::PR_ENTRYID,
        PropTag::new(0x6001, PropType::PT_LONG),
    ];
    let got = u.get_props(Some(&want), 0).await.unwrap();
    assert_eq!(got.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(got.value[0].1, PropValue::String8("Bob Builder".into()));
    assert_eq!(got.value[1].1, PropValue::Unicode("bob@example.org".into()));
    assert_eq!(got.value[3].1, PropValue::Unicode("bob@example.org".into()));
    assert_eq!(got.value[4].1, PropValue::Binary(bob_id.to_vec()));
    assert_eq!(got.value[5].1, PropValue::Error(Status::MAPI_E_NOT_FOUND.0));
    assert_eq!(
        u.set_props(&[(tags::PR_DISPLAY_NAME, PropValue::Unicode("x".into()))])
            .await
            .err()
            .unwrap()
            .status,
        Status::MAPI_E_NO_ACCESS
    );

    let oo =
        MergedAddressBook::create_one_off("Zed", "SMTP", "zed@example.org", MAPI_UNICODE).unwrap();
    let parsed = OneOff::parse(&oo).unwrap();
    assert_eq!(parsed.address, "zed@example.org");
    let z = ab.open_entry(&oo, 0).await.unwrap();
    let got = z
        .get_props(Some(&[tags::PR_EMAIL_ADDRESS]), MAPI_UNICODE)
        .await
        .unwrap();
    assert_eq!(got.value[0].1, PropValue::Unicode("zed@example.org".into()));

    let mut other = bob_id.to_vec();
    *other.last_mut().unwrap() ^= 0x55;
    assert_eq!(
        ab.open_entry(&other, 0).await.err().unwrap().status(),
        Status::MAPI_E_UNKNOWN_ENTRYID
    );
    assert_eq!(
        ab.open_entry(bob_id, 0x1).await.err().unwrap().status(),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        MergedAddressBook::create_one_off("x", "", "a", 0)
            .err()
            .unwrap()
            .status(),
        Status::MAPI_E_INVALID_PARAMETER
    );
}

#[tokio::test]
async fn resolve_name_answers_per_entry_as_documented() {
    let fx = Fixture::new();
    let s = logon(&fx).await;
    let ab = s.address_book().unwrap();

    let r = ab
        .resolve_name(0, vec![name_row("bob"), name_row("Ann Example")])
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(r.flags, vec![MAPI_RESOLVED, MAPI_RESOLVED]);
    assert_eq!(r.rows[0].str(tags::PR_DISPLAY_NAME), Some("Bob Builder"));
    assert_eq!(
        r.rows[0].str(tags::PR_EMAIL_ADDRESS),
        Some("bob@example.org")
    );
    assert_eq!(r.rows[0].int(tags::PR_RECIPIENT_TYPE), Some(1), "kept");
    assert!(r.rows[0].get(tags::PR_ENTRYID).is_some());
    assert_eq!(
        r.rows[1].str(tags::PR_EMAIL_ADDRESS),
        Some("ann@example.org")
    );

    // "Ann" starts two names and equals none: ambiguous; unknown names are not found;
    // ambiguity wins; the resolvable entry is resolved all the same.
    let r = ab
        .resolve_name(
            0x8, // MAPI_DIALOG: no UI, answered as without it
            vec![
                name_row("Ann"),
                name_row("Nobody"),
                name_row("anna@example.org"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(r.status, Status::MAPI_E_AMBIGUOUS_RECIP);
    assert_eq!(
        r.flags,
        vec![MAPI_AMBIGUOUS, MAPI_UNRESOLVED, MAPI_RESOLVED]
    );
    assert_eq!(r.rows[0], name_row("Ann"), "unchanged");
    assert_eq!(r.rows[2].str(tags::PR_DISPLAY_NAME), Some("Anna Other"));
    let r = ab.resolve_name(0, vec![name_row("Nobody")]).await.unwrap();
    assert_eq!(r.status, Status::MAPI_E_NOT_FOUND);

    // One-off syntax resolves to a one-off entry id.
    let r = ab
        .resolve_name(0, vec![name_row("[SMTP:carol@example.net]")])
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK);
    let id = r.rows[0]
        .get(tags::PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap();
    assert_eq!(OneOff::parse(id).unwrap().address, "carol@example.net");

    // Per container, with the flag list.
    let r = ab
        .resolve_names(&container(&ab), 0, vec![name_row("Ann"), name_row("Bob")])
        .await
        .unwrap();
    assert_eq!(r.flags, vec![MAPI_AMBIGUOUS, MAPI_RESOLVED]);
    assert_eq!(
        ab.resolve_name(0x1, vec![]).await.err().unwrap().status(),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
}

#[tokio::test]
async fn create_entry_adds_and_advise_reports_it() {
    let fx = Fixture::new();
    let s = logon(&fx).await;
    let ab = s.address_book().unwrap();
    let c = container(&ab);
    let (tx, rx) = mpsc::channel::<Vec<Notification>>();
    let tx = std::sync::Mutex::new(tx);
    let conn = s
        .advise_address_book(
            None,
            fnev::OBJECT_CREATED,
            Arc::new(move |n: &[Notification]| {
                let _ = tx.lock().unwrap().send(n.to_vec());
            }),
        )
        .unwrap();
    let e = ab.create_entry(&c, AB_SMTP_TEMPLATE, 0).unwrap();
    e.set_props(&[
        (tags::PR_DISPLAY_NAME, PropValue::Unicode("Dora New".into())),
        (
            tags::PR_EMAIL_ADDRESS,
            PropValue::Unicode("dora@example.org".into()),
        ),
    ])
    .await
    .unwrap();
    // Nothing is added before SaveChanges.
    assert_eq!(ab.resolve("Dora").await.unwrap().len(), 0);
    e.save_changes(0).await.unwrap();
    let found = ab.resolve("Dora").await.unwrap();
    assert_eq!(found.len(), 1);
    let n = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("fnevObjectCreated");
    match &n[0] {
        Notification::ObjectCreated(o) => {
            assert_eq!(
                Some(&o.entry[..]),
                found[0].get(tags::PR_ENTRYID).and_then(PropValue::as_bytes)
            );
            assert_eq!(o.parent, c);
            assert_eq!(o.object_type, object_type::MAPI_MAILUSER);
        }
        other => panic!("{other:?}"),
    }
    s.unadvise(conn).unwrap();
    assert_eq!(
        s.advise_address_book(None, fnev::NEW_MAIL, Arc::new(|_: &[Notification]| {}))
            .err()
            .unwrap()
            .status(),
        Status::MAPI_E_NO_SUPPORT
    );
    assert_eq!(
        ab.create_entry(&c, b"other", 0).err().unwrap().status(),
        Status::MAPI_E_INVALID_ENTRYID
    );
    assert_eq!(
        ab.create_entry(&[], AB_SMTP_TEMPLATE, 0)
            .err()
            .unwrap()
            .status(),
        Status::MAPI_E_NO_SUPPORT
    );
}

#[tokio::test]
async fn a_distribution_list_opens_as_one_and_resolves() {
    let fx = Fixture::new();
    fx.profile("P", None);
    fx.add_test("P", "test-b", &[]);
    let s = fx
        .logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap();
    let ab = s.address_book().unwrap();
    // The provider gave its container no entry id: the engine made one.
    let c = container(&ab);
    assert!(c.starts_with(b"MAPIABCT"), "{c:?}");
    let mut t = ab.get_contents_table(&c, 0).await.unwrap();
    let rows = t.query_rows(10, 0).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].int(PR_DISPLAY_TYPE), Some(DT_DISTLIST as i64));
    let dl = ab.open_entry(TEST_DL_ENTRY, 0).await.unwrap();
    assert_eq!(dl.object_type(), object_type::MAPI_DISTLIST);
    let got = dl
        .get_props(
            Some(&[tags::PR_DISPLAY_NAME, PR_DISPLAY_TYPE]),
            MAPI_UNICODE,
        )
        .await
        .unwrap();
    assert_eq!(got.value[0].1, PropValue::Unicode("Team".into()));
    assert_eq!(got.value[1].1, PropValue::Long(DT_DISTLIST as i32));
    let r = ab.resolve_name(0, vec![name_row("team")]).await.unwrap();
    assert_eq!(r.status, Status::S_OK);
    assert_eq!(
        r.rows[0].int(tags::PR_OBJECT_TYPE),
        Some(object_type::MAPI_DISTLIST as i64)
    );
}
