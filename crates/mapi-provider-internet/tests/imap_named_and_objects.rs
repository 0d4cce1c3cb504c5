//! Named properties on the IMAP store (GetIDsFromNames / GetNamesFromIDs, with
//! MAPI_CREATE; `PS_INTERNET_HEADERS` names as the messages' header fields), and the
//! store and its folders as property objects (OpenEntry on a folder, the store's
//! IMAPIProp), against a real Dovecot.

mod common;

use std::sync::Arc;

use common::{TestSupport, data_dir, dovecot};
use mapi_provider_internet::{InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MsgStore, PropObject, Settings, Support};
use mapi_types::object::{
    MAPI_CREATE, MAPI_MODIFY, MAPI_NO_IDS, PS_INTERNET_HEADERS, PS_PUBLIC_STRINGS,
};
use mapi_types::{LogonFlags, NameId, PropTag, PropType, PropValue, Status, object_type, tags};

async fn logon(settings: &Settings, dir: &std::path::Path) -> Arc<InternetStore> {
    let support = TestSupport::new(settings.clone(), LogonFlags::MAPI_FORCE_DOWNLOAD, dir);
    InternetMailService
        .logon_store(support as Arc<dyn Support>)
        .await
        .expect("logon")
}

fn text(s: &str) -> PropValue {
    PropValue::Unicode(s.into())
}

fn status<T>(r: Result<T, mapi_spi::ProviderError>) -> Status {
    match r {
        Ok(_) => panic!("must fail"),
        Err(e) => e.status,
    }
}

async fn prop(m: &dyn PropObject, tag: PropTag) -> PropValue {
    m.get_props(Some(&[tag]), 0).await.unwrap().value[0]
        .1
        .clone()
}

const MESSAGE: &[u8] = b"From: Bob <bob@example.org>\r\nTo: alice@localhost\r\n\
Subject: tagged\r\nX-Mailer: Tool 1.0\r\nX-Folded: first\r\n second\r\n\r\nhello\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_properties_map_stably_and_header_names_are_header_fields() {
    let stack = dovecot();
    let dir = data_dir();
    let settings = stack.settings("alice", "starttls", "tls");
    let store = logon(&settings, dir.path()).await;
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let entry = store
        .import_raw(&inbox, vec![MESSAGE.to_vec()])
        .await
        .unwrap()
        .remove(0);
    let msg = store.open_message(&entry, 0).await.unwrap();
    let names = [
        NameId::name(PS_PUBLIC_STRINGS, "Project"),
        NameId::name(PS_INTERNET_HEADERS, "X-Mailer"),
        NameId::id(PS_PUBLIC_STRINGS, 0x1234),
        NameId::name(PS_INTERNET_HEADERS, "x-folded"),
    ];
    let unmapped = PropTag::new(0, PropType::PT_ERROR);
    let r = msg.get_ids_from_names(&names, 0).await.unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(r.value, [unmapped; 4]);

    let r = msg.get_ids_from_names(&names, MAPI_CREATE).await.unwrap();
    assert_eq!(r.status, Status::S_OK);
    let ids: Vec<u16> = r.value.iter().map(|t| t.id()).collect();
    assert!(
        ids.iter().all(|id| (0x8000..=0xFFFE).contains(id)),
        "{ids:?}"
    );
    assert!(
        r.value
            .iter()
            .all(|t| t.prop_type() == PropType::PT_UNSPECIFIED)
    );
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4);
    // header names compare with case ignored; public strings do not
    let r = msg
        .get_ids_from_names(
            &[
                NameId::name(PS_INTERNET_HEADERS, "x-MAILER"),
                NameId::name(PS_PUBLIC_STRINGS, "project"),
            ],
            0,
        )
        .await
        .unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        r.value,
        [PropTag::new(ids[1], PropType::PT_UNSPECIFIED), unmapped]
    );

    // PS_INTERNET_HEADERS names are the message's header fields (unfolded)
    let mailer = PropTag::new(ids[1], PropType::PT_UNICODE);
    let folded = PropTag::new(ids[3], PropType::PT_UNICODE);
    assert_eq!(prop(&*msg, mailer).await, text("Tool 1.0"));
    assert_eq!(prop(&*msg, folded).await, text("first second"));
    assert_eq!(
        prop(&*msg, PropTag::new(ids[0], PropType::PT_UNICODE)).await,
        PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
        "a public string the message does not have"
    );
    assert!(msg.get_prop_list(0).await.unwrap().contains(&mailer));

    // back from ids; an unknown id is None with the warning
    let back = [
        PropTag::new(ids[0], PropType::PT_UNICODE),
        PropTag::new(0xFFF0, PropType::PT_LONG),
        PropTag::new(ids[2], PropType::PT_LONG),
    ];
    let r = msg.get_names_from_ids(Some(&back), None, 0).await.unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(r.value[0].1, Some(names[0].clone()));
    assert_eq!(r.value[1].1, None);
    assert_eq!(r.value[2].1, Some(names[2].clone()));
    let headers = msg
        .get_names_from_ids(None, Some(&PS_INTERNET_HEADERS), 0)
        .await
        .unwrap();
    assert_eq!(headers.value.len(), 2);
    let strings = msg
        .get_names_from_ids(None, None, MAPI_NO_IDS)
        .await
        .unwrap();
    assert_eq!(strings.value.len(), 3);

    // one map for the store, its folders and messages, kept across logons
    let st = store.open_store_object().await.unwrap();
    let folder = store.open_folder(&inbox, 0).await.unwrap();
    for obj in [&st, &folder] {
        assert_eq!(obj.get_ids_from_names(&names, 0).await.unwrap().value, {
            let v: Vec<PropTag> = ids
                .iter()
                .map(|id| PropTag::new(*id, PropType::PT_UNSPECIFIED))
                .collect();
            v
        });
    }
    store.logoff().await;
    let store = logon(&settings, dir.path()).await;
    let msg = store.open_message(&entry, 0).await.unwrap();
    let again = msg.get_ids_from_names(&names, 0).await.unwrap();
    assert_eq!(again.value.iter().map(|t| t.id()).collect::<Vec<_>>(), ids);

    // a draft writes a header name as a header field; other named ids are problems
    let drafts = store.folder(FolderKind::Drafts).await.unwrap();
    let d = store.create_message(&drafts, 0).await.unwrap();
    let problems = d
        .set_props(&[
            (tags::PR_SUBJECT, text("with a mailer")),
            (mailer, text("mapi test")),
            (PropTag::new(ids[0], PropType::PT_UNICODE), text("Apollo")),
            (PropTag::new(0xFFF0, PropType::PT_UNICODE), text("unmapped")),
            (mailer.with_type(PropType::PT_LONG), PropValue::Long(1)),
            (mailer, text("two\r\nlines")),
        ])
        .await
        .unwrap();
    let codes: Vec<(usize, Status)> = problems.iter().map(|p| (p.index, p.status)).collect();
    assert_eq!(
        codes,
        [
            (2, Status::MAPI_E_NO_SUPPORT),
            (3, Status::MAPI_E_UNEXPECTED_ID),
            (4, Status::MAPI_E_INVALID_TYPE),
            (5, Status::MAPI_E_BAD_VALUE),
        ]
    );
    // a field the composer writes is not taken as a named property
    let subject_name = d
        .get_ids_from_names(&[NameId::name(PS_INTERNET_HEADERS, "Subject")], MAPI_CREATE)
        .await
        .unwrap()
        .value[0];
    let p = d
        .set_props(&[(subject_name.with_type(PropType::PT_UNICODE), text("x"))])
        .await
        .unwrap();
    assert_eq!(p[0].status, Status::MAPI_E_COMPUTED);
    d.save_changes(0).await.unwrap();
    let saved = stack.read_messages("alice", "Drafts");
    let saved = String::from_utf8_lossy(&saved[0]);
    let has_mailer = |m: &str| m.lines().any(|l| l.trim_end() == "X-Mailer: mapi test");
    assert!(has_mailer(&saved), "{saved}");
    assert_eq!(saved.matches("Subject:").count(), 1, "{saved}");
    let d_entry = store
        .contents(&drafts)
        .await
        .unwrap()
        .query_rows()
        .remove(0)
        .get(tags::PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .unwrap()
        .to_vec();
    let read = store.open_message(&d_entry, 0).await.unwrap();
    assert_eq!(prop(&*read, mailer).await, text("mapi test"));
    // reopened with MAPI_MODIFY and saved again, the field stays
    let w = store.open_message(&d_entry, MAPI_MODIFY).await.unwrap();
    assert_eq!(prop(&*w, mailer).await, text("mapi test"));
    w.set_props(&[(tags::PR_SUBJECT, text("renamed"))])
        .await
        .unwrap();
    w.save_changes(0).await.unwrap();
    let saved = stack.read_messages("alice", "Drafts");
    assert_eq!(saved.len(), 1);
    assert!(has_mailer(&String::from_utf8_lossy(&saved[0])));

    // bad names: empty, not a field name, too many
    for bad in [
        NameId::name(PS_PUBLIC_STRINGS, ""),
        NameId::name(PS_INTERNET_HEADERS, "Bad: name"),
    ] {
        assert_eq!(
            status(msg.get_ids_from_names(&[bad], MAPI_CREATE).await),
            Status::MAPI_E_INVALID_PARAMETER
        );
    }
    let many = vec![NameId::id(PS_PUBLIC_STRINGS, 1); 100_000];
    assert_eq!(
        status(msg.get_ids_from_names(&many, MAPI_CREATE).await),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(msg.get_ids_from_names(&names, 0x10).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folders_and_the_store_open_as_property_objects() {
    let stack = dovecot();
    let dir = data_dir();
    let store = logon(&stack.settings("alice", "starttls", "tls"), dir.path()).await;
    let root = store.folder(FolderKind::IpmSubtree).await.unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    let ids = store
        .import_raw(&inbox, vec![MESSAGE.to_vec(), MESSAGE.to_vec()])
        .await
        .unwrap();
    store
        .set_read_flags(&inbox, Some(&ids[..1]), 0)
        .await
        .unwrap();
    let work = store.create_folder(&root, "Work", 0).await.unwrap();

    let f = store.open_folder(&inbox, 0).await.unwrap();
    assert_eq!(f.object_type(), object_type::MAPI_FOLDER);
    let want = [
        tags::PR_DISPLAY_NAME,
        tags::PR_CONTENT_COUNT,
        tags::PR_CONTENT_UNREAD,
        tags::PR_SUBFOLDERS,
        tags::PR_ENTRYID,
        tags::PR_FOLDER_TYPE,
        tags::PR_OBJECT_TYPE,
    ];
    let r = f.get_props(Some(&want), 0).await.unwrap();
    assert_eq!(r.status, Status::S_OK);
    let values: Vec<PropValue> = r.value.into_iter().map(|(_, v)| v).collect();
    assert_eq!(
        values,
        [
            text("Inbox"),
            PropValue::Long(2),
            PropValue::Long(1),
            PropValue::Boolean(false),
            PropValue::Binary(inbox.clone()),
            PropValue::Long(1),
            PropValue::Long(object_type::MAPI_FOLDER as i32),
        ]
    );
    let list = f.get_prop_list(0).await.unwrap();
    assert!(want.iter().all(|t| list.contains(t)), "{list:?}");
    let r = f.get_props(Some(&[tags::PR_SUBJECT]), 0).await.unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        status(f.set_props(&[(tags::PR_DISPLAY_NAME, text("x"))]).await),
        Status::MAPI_E_NO_ACCESS
    );
    let root_obj = store.open_folder(&root, MAPI_MODIFY).await.unwrap();
    assert_eq!(
        prop(&*root_obj, tags::PR_SUBFOLDERS).await,
        PropValue::Boolean(true)
    );
    assert_eq!(
        prop(&*root_obj, tags::PR_FOLDER_TYPE).await,
        PropValue::Long(0)
    );
    let w = store.open_folder(&work, 0).await.unwrap();
    assert_eq!(prop(&*w, tags::PR_CONTENT_COUNT).await, PropValue::Long(0));
    assert_eq!(prop(&*w, tags::PR_DISPLAY_NAME).await, text("Work"));
    assert_eq!(
        status(store.open_folder(&ids[0], 0).await),
        Status::MAPI_E_INVALID_ENTRYID
    );
    assert_eq!(
        status(store.open_folder(&inbox, 0x4000_0000).await),
        Status::MAPI_E_UNKNOWN_FLAGS
    );

    let s = store.open_store_object().await.unwrap();
    assert_eq!(s.object_type(), object_type::MAPI_STORE);
    let r = s
        .get_props(
            Some(&[
                tags::PR_DISPLAY_NAME,
                tags::PR_STORE_SUPPORT_MASK,
                tags::PR_IPM_SUBTREE_ENTRYID,
                tags::PR_IPM_OUTBOX_ENTRYID,
                tags::PR_IPM_SENTMAIL_ENTRYID,
                tags::PR_IPM_WASTEBASKET_ENTRYID,
                tags::PR_OBJECT_TYPE,
                tags::PR_ENTRYID,
            ]),
            0,
        )
        .await
        .unwrap();
    assert_eq!(r.status, Status::S_OK, "{:?}", r.value);
    assert_eq!(
        r.value[0].1,
        PropValue::Unicode(
            store
                .properties()
                .str(tags::PR_DISPLAY_NAME)
                .unwrap()
                .into()
        )
    );
    let mask = match r.value[1].1 {
        PropValue::Long(m) => m,
        ref other => panic!("mask {other:?}"),
    };
    // STORE_ENTRYID_UNIQUE, STORE_MODIFY_OK, STORE_CREATE_OK, STORE_UNICODE_OK
    assert_eq!(
        mask & (0x1 | 0x8 | 0x10 | 0x4_0000),
        0x1 | 0x8 | 0x10 | 0x4_0000
    );
    assert_eq!(r.value[2].1, PropValue::Binary(root.clone()));
    assert_eq!(
        r.value[3].1,
        PropValue::Binary(store.folder(FolderKind::Outbox).await.unwrap())
    );
    assert_eq!(
        r.value[6].1,
        PropValue::Long(object_type::MAPI_STORE as i32)
    );
    assert_eq!(
        status(s.delete_props(&[tags::PR_DISPLAY_NAME]).await),
        Status::MAPI_E_NO_ACCESS
    );
    store.logoff().await;
}
