//! Table views of a session over a real local store: status and store tables, the
//! hierarchy with CONVENIENT_DEPTH, contents with paging and MAPI_ASSOCIATED, the admin
//! tables, and every view answering MAPI_E_END_OF_SESSION once its session ended.

mod common;

use common::*;
use mapi_spi::FolderKind;
use mapi_types::table::consts::*;
use mapi_types::tags::*;
use mapi_types::{
    Bookmark, LogoffFlags, LogonFlags, Restriction, Row, SortKey, Status, TableView, resource_type,
};

const NEW: LogonFlags = LogonFlags::MAPI_NEW_SESSION;

fn message(i: usize) -> Vec<u8> {
    format!(
        "From: ann@example.org\r\nTo: bob@example.org\r\nSubject: message {i:03}\r\n\
         Date: Mon, 01 Jan 2024 10:{:02}:{:02} +0000\r\n\r\nbody\r\n",
        i / 60,
        i % 60
    )
    .into_bytes()
}

fn names(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| r.str(PR_DISPLAY_NAME).unwrap_or("").to_string())
        .collect()
}

fn setup(fx: &Fixture) {
    fx.profile("P", None);
    fx.add_local_store("P", "Mail", &fx.file("mail.db"), false);
    fx.add_contacts("P", "Contacts", &fx.file("contacts.db"));
}

#[tokio::test]
async fn status_and_store_tables_are_views() {
    let fx = Fixture::new();
    setup(&fx);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let mut status = s.get_status_table(MAPI_UNICODE).unwrap();
    assert_eq!(status.get_row_count(0).unwrap(), 4);
    assert_eq!(
        status.get_status().unwrap(),
        (TBLSTAT_COMPLETE, TBLTYPE_DYNAMIC)
    );
    status
        .restrict(
            Some(Restriction::Property {
                op: mapi_types::Relop::Eq,
                tag: PR_RESOURCE_TYPE,
                value: mapi_types::PropValue::Long(resource_type::MAPI_STORE_PROVIDER as i32),
            }),
            0,
        )
        .unwrap();
    assert_eq!(names(&status.query_rows(10, 0).unwrap()), ["Mail"]);
    let mut stores = s.get_msg_stores_table(0).unwrap();
    stores
        .set_columns(&[PR_DISPLAY_NAME, PR_DEFAULT_STORE], 0)
        .unwrap();
    let rows = stores.query_rows(10, 0).unwrap();
    assert_eq!(names(&rows), ["Mail"]);
    assert_eq!(
        rows[0].get(PR_DEFAULT_STORE).and_then(|v| v.as_bool()),
        Some(true)
    );
    assert!(stores.query_rows(10, 0).unwrap().is_empty());
    assert_eq!(
        status_of(s.get_msg_stores_table(0x4)),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
}

#[tokio::test]
async fn hierarchy_with_and_without_convenient_depth() {
    let fx = Fixture::new();
    setup(&fx);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let store = s.default_store().unwrap();
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    let mut h = s.get_hierarchy_table(&store, &root, 0).await.unwrap();
    let rows = h.query_rows(50, 0).unwrap();
    assert_eq!(
        names(&rows),
        ["Inbox", "Outbox", "Sent Items", "Deleted Items", "Drafts"]
    );
    assert!(rows.iter().all(|r| r.int(PR_DEPTH) == Some(0)));
    let mut deep = s
        .get_hierarchy_table(&store, &root, CONVENIENT_DEPTH)
        .await
        .unwrap();
    assert_eq!(deep.get_row_count(0).unwrap(), 5);
    deep.sort_table(&[SortKey::descending(PR_DISPLAY_NAME)], 0)
        .unwrap();
    assert_eq!(names(&deep.query_rows(1, 0).unwrap()), ["Sent Items"]);
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let mut none = s
        .get_hierarchy_table(&store, &inbox, CONVENIENT_DEPTH)
        .await
        .unwrap();
    assert_eq!(none.get_row_count(0).unwrap(), 0);
    assert_eq!(
        status_of(s.get_hierarchy_table(&store, b"nope", 0).await),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status_of(s.get_hierarchy_table(&store, &root, MAPI_ASSOCIATED).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
}

#[tokio::test]
async fn contents_tables_page_and_end_with_their_session() {
    let fx = Fixture::new();
    setup(&fx);
    let s = fx.logon(Some("P"), NEW, None).await.unwrap();
    let store = s.default_store().unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    store
        .import_raw(&inbox, (0..120).map(message).collect())
        .await
        .unwrap();
    let mut t = s
        .get_contents_table(&store, &inbox, MAPI_UNICODE)
        .await
        .unwrap();
    assert_eq!(t.get_row_count(0).unwrap(), 120);
    t.set_columns(&[PR_SUBJECT, PR_MESSAGE_DELIVERY_TIME], 0)
        .unwrap();
    t.sort_table(&[SortKey::ascending(PR_MESSAGE_DELIVERY_TIME)], 0)
        .unwrap();
    let subjects = |v: &mut TableView, n| -> Vec<String> {
        v.query_rows(n, 0)
            .unwrap()
            .iter()
            .map(|r| r.str(PR_SUBJECT).unwrap().to_string())
            .collect()
    };
    assert_eq!(subjects(&mut t, 2), ["message 000", "message 001"]);
    assert_eq!(t.seek_row(Bookmark::Beginning, 60).unwrap(), 60);
    assert_eq!(subjects(&mut t, 1), ["message 060"]);
    let mut assoc = s
        .get_contents_table(&store, &inbox, MAPI_ASSOCIATED)
        .await
        .unwrap();
    assert_eq!(assoc.get_row_count(0).unwrap(), 0);
    assert_eq!(
        status_of(s.get_contents_table(&store, &inbox, 0x1000_0000).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    let mut status = s.get_status_table(0).unwrap();
    s.logoff(LogoffFlags::default()).await;
    for e in [
        t.query_rows(5, 0).unwrap_err(),
        t.get_row_count(0).unwrap_err(),
        assoc.query_rows(1, 0).unwrap_err(),
        status.query_rows(1, 0).unwrap_err(),
        t.free_bookmark(Bookmark::Mark(5)).unwrap_err(),
    ] {
        assert_eq!(e.status, Status::MAPI_E_END_OF_SESSION, "{e}");
    }
    assert_eq!(
        status_of(s.get_contents_table(&store, &inbox, 0).await),
        Status::MAPI_E_END_OF_SESSION
    );
}

#[tokio::test]
async fn one_handle_logging_off_ends_only_its_own_views() {
    let fx = Fixture::new();
    setup(&fx);
    let shared = LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_ALLOW_OTHERS;
    let a = fx.logon(Some("P"), shared, None).await.unwrap();
    let b = fx.logon(None, LogonFlags::default(), None).await.unwrap();
    assert_eq!(a.id(), b.id(), "b joined the shared session");
    let mut ta = a.get_status_table(0).unwrap();
    let mut tb = b.get_status_table(0).unwrap();
    b.logoff(LogoffFlags::default()).await;
    assert_eq!(
        tb.query_rows(1, 0).unwrap_err().status,
        Status::MAPI_E_END_OF_SESSION
    );
    assert_eq!(ta.query_rows(1, 0).unwrap().len(), 1);
    a.logoff(LogoffFlags::default()).await;
    assert_eq!(
        ta.query_rows(1, 0).unwrap_err().status,
        Status::MAPI_E_END_OF_SESSION
    );
}

#[tokio::test]
async fn admin_tables_are_views() {
    let fx = Fixture::new();
    setup(&fx);
    fx.profile("Other", None);
    let engine = &fx.engine;
    let mut profiles = engine.get_profile_table().unwrap();
    assert_eq!(names(&profiles.query_rows(10, 0).unwrap()), ["Other", "P"]);
    let mut services = engine.get_msg_service_table("P").unwrap();
    services
        .sort_table(&[SortKey::ascending(PR_DISPLAY_NAME)], 0)
        .unwrap();
    assert_eq!(
        names(&services.query_rows(10, 0).unwrap()),
        ["Contacts", "Mail"]
    );
    let mut providers = engine.get_provider_table("P").unwrap();
    assert_eq!(providers.get_row_count(0).unwrap(), 2);
    let cols = providers.query_columns(0).unwrap();
    assert!(cols.contains(&PR_PROVIDER_ORDINAL) && cols.contains(&PR_SERVICE_UID));
    assert_eq!(
        status_of(engine.get_msg_service_table("nobody")),
        Status::MAPI_E_NOT_FOUND
    );
}
