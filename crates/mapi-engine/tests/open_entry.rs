//! `IMAPISession::OpenEntry` on a real local store: store, folder and message entry ids
//! give those objects; an id of no open store is `MAPI_E_INVALID_ENTRYID`; a recognised
//! id of a deleted message is `MAPI_E_NOT_FOUND`; unknown flags are refused; an ended
//! session is `MAPI_E_END_OF_SESSION`.

mod common;

use common::*;
use mapi_engine::Session;
use mapi_spi::FolderKind;
use mapi_types::object::{MAPI_MODIFY, MAPI_UNICODE};
use mapi_types::{LogoffFlags, LogonFlags, MapiStatus, PropValue, Status, object_type, tags};

const MESSAGE: &[u8] = b"From: Ann <ann@example.org>\r\nTo: bob@example.org\r\n\
Subject: Open me\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n\r\nHello.\r\n";

async fn session(fx: &Fixture) -> Session {
    fx.profile("P", None);
    fx.add_local_store("P", "Mail", &fx.file("mail.db"), false);
    fx.logon(Some("P"), LogonFlags::MAPI_NEW_SESSION, None)
        .await
        .unwrap()
}

fn status<T>(r: mapi_engine::Result<T>) -> Status {
    match r {
        Ok(_) => panic!("expected a failure"),
        Err(e) => e.status(),
    }
}

#[tokio::test]
async fn entry_ids_of_store_folder_and_message_open_those_objects() {
    let fx = Fixture::new();
    let s = session(&fx).await;
    let (store_id, store) = s.default_store_entry().unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let ids = store
        .import_raw(&inbox, vec![MESSAGE.to_vec()])
        .await
        .unwrap();

    let m = s.open_entry(&ids[0], MAPI_MODIFY).await.unwrap();
    assert_eq!(m.store, store_id);
    assert_eq!(m.object.object_type(), object_type::MAPI_MESSAGE);
    let props = m
        .object
        .get_props(Some(&[tags::PR_SUBJECT]), MAPI_UNICODE)
        .await
        .unwrap();
    assert_eq!(props.value[0].1, PropValue::Unicode("Open me".into()));

    let f = s.open_entry(&inbox, 0).await.unwrap();
    assert_eq!(f.object.object_type(), object_type::MAPI_FOLDER);
    let st = s.open_entry(&store_id, 0).await.unwrap();
    assert_eq!(st.object.object_type(), object_type::MAPI_STORE);

    // A message deleted meanwhile: the store knows the id, the object is gone.
    store.delete_message(&ids[0]).await.unwrap();
    assert_eq!(
        status(s.open_entry(&ids[0], 0).await),
        Status::MAPI_E_NOT_FOUND
    );
    s.logoff(LogoffFlags::default()).await;
}

#[tokio::test]
async fn unknown_ids_flags_and_ended_sessions_are_refused() {
    let fx = Fixture::new();
    let s = session(&fx).await;
    let (_, store) = s.default_store_entry().unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let mut foreign = inbox.clone();
    foreign[4..20].copy_from_slice(&[0xAB; 16]);
    for bad in [
        &[][..],
        &[0, 0][..],
        &foreign[..],
        b"MAPISTOR-no-such-store",
    ] {
        assert_eq!(
            status(s.open_entry(bad, 0).await),
            Status::MAPI_E_INVALID_ENTRYID,
            "{bad:02X?}"
        );
    }
    assert_eq!(
        status(s.open_entry(&inbox, 0x0100_0000).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    s.logoff(LogoffFlags::default()).await;
    assert_eq!(
        status(s.open_entry(&inbox, 0).await),
        Status::MAPI_E_END_OF_SESSION
    );
}
