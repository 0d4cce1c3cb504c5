//! An open folder's computed properties (PR_CONTENT_COUNT, PR_CONTENT_UNREAD,
//! PR_SUBFOLDERS) follow changes made after it was opened: GetProps reads them from the
//! cache at the call. Offline store (changes go to the cache and the queue).

mod offline;

use mapi_spi::{FolderKind, MsgStore, PropObject};
use mapi_types::{PropTag, PropValue, tags};
use offline::{fill, logon};

fn message(i: usize) -> Vec<u8> {
    format!(
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: m{i}\r\n\
         Date: Mon, 01 Jan 2024 10:{i:02}:00 +0000\r\n\r\nbody {i}\r\n"
    )
    .into_bytes()
}

async fn props(f: &dyn PropObject) -> Vec<PropValue> {
    let want: [PropTag; 3] = [
        tags::PR_CONTENT_COUNT,
        tags::PR_CONTENT_UNREAD,
        tags::PR_SUBFOLDERS,
    ];
    let r = f.get_props(Some(&want), 0).await.unwrap();
    let all = f.get_props(None, 0).await.unwrap().value;
    for (t, v) in &r.value {
        assert!(
            all.contains(&(*t, v.clone())),
            "GetProps(all) agrees on {t:?}"
        );
    }
    r.value.into_iter().map(|(_, v)| v).collect()
}

#[tokio::test]
async fn an_open_folder_shows_its_counts_as_they_are_now() {
    let dir = tempfile::tempdir().unwrap();
    // 6 messages, 0 and 3 unread
    fill(dir.path(), &(0..6).map(message).collect::<Vec<_>>());
    let store = logon(dir.path()).await;
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let folder = store.open_folder(&inbox, 0).await.unwrap();
    let (long, boolean) = (PropValue::Long, PropValue::Boolean);
    assert_eq!(props(&*folder).await, [long(6), long(2), boolean(false)]);

    let entries: Vec<Vec<u8>> = store
        .contents(&inbox)
        .await
        .unwrap()
        .full_rows()
        .iter()
        .map(|r| match r.get(tags::PR_ENTRYID) {
            Some(PropValue::Binary(b)) => b.clone(),
            other => panic!("no entry id: {other:?}"),
        })
        .collect();
    // mark all read: unread 0
    store.set_read_flags(&inbox, None, 0).await.unwrap();
    assert_eq!(props(&*folder).await, [long(6), long(0), boolean(false)]);
    // delete two: count 4
    store
        .delete_messages(&inbox, &entries[..2], 0)
        .await
        .unwrap();
    assert_eq!(props(&*folder).await, [long(4), long(0), boolean(false)]);
    // a subfolder: PR_SUBFOLDERS
    store.create_folder(&inbox, "Sub", 0).await.unwrap();
    assert_eq!(props(&*folder).await, [long(4), long(0), boolean(true)]);
    store.logoff().await;
}
