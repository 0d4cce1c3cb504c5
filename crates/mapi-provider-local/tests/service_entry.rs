//! The service entry: create, configure and delete against real files.

mod common;

use common::*;
use mapi_provider_local::{ContactsService, LocalStoreService};
use mapi_spi::{MessageService, ServiceEntryCall, Settings};
use mapi_types::{PropValue, Status, tags::*};

#[test]
fn create_makes_the_store_with_its_folder_tree() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    assert!(!path.exists());
    LocalStoreService
        .service_entry(ServiceEntryCall::Create, &settings(&path))
        .unwrap();
    assert!(path.is_file());
    let store = store_logon(settings(&path)).unwrap();
    let folders = block_on(store.folders()).unwrap();
    let names: Vec<&str> = folders
        .iter()
        .map(|r| r.str(PR_DISPLAY_NAME).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Top of Information Store",
            "Inbox",
            "Outbox",
            "Sent Items",
            "Deleted Items",
            "Drafts"
        ]
    );
    // Only the root has no parent; every other folder hangs under it.
    let root = folders[0].get(PR_ENTRYID).unwrap().clone();
    assert!(folders[0].get(PR_PARENT_ENTRYID).is_none());
    for f in &folders[1..] {
        assert_eq!(f.get(PR_PARENT_ENTRYID), Some(&root));
        assert_eq!(f.int(PR_CONTENT_COUNT), Some(0));
    }
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("creating"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn create_keeps_an_existing_store_unchanged() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let inbox = block_on(store.folder(mapi_spi::FolderKind::Inbox)).unwrap();
    block_on(store.import_raw(
        &inbox,
        vec![simple_message("kept", "Mon, 1 Jan 2024 10:00:00 +0000")],
    ))
    .unwrap();
    let record_key = store.properties().get(PR_RECORD_KEY).cloned();
    block_on(store.logoff());
    let before = std::fs::read(&path).unwrap();
    for call in [ServiceEntryCall::Create, ServiceEntryCall::Configure] {
        LocalStoreService
            .service_entry(call, &settings(&path))
            .unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), before, "file was rewritten");
    let store = store_logon(settings(&path)).unwrap();
    assert_eq!(store.properties().get(PR_RECORD_KEY).cloned(), record_key);
    assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 1);
}

#[test]
fn missing_folder_is_not_found_naming_the_path() {
    let dir = TempDir::new();
    let path = dir.path("no-such-dir").join("mail.db");
    for call in [ServiceEntryCall::Create, ServiceEntryCall::Configure] {
        let e = LocalStoreService
            .service_entry(call, &settings(&path))
            .unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_NOT_FOUND);
        assert!(e.message.contains(&path.display().to_string()), "{e}");
        let e = ContactsService
            .service_entry(call, &settings(&path))
            .unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_NOT_FOUND);
    }
    assert!(!path.exists());
}

#[test]
fn missing_path_is_unconfigured() {
    let mut empty = Settings::new();
    for services in [
        &LocalStoreService as &dyn MessageService,
        &ContactsService as &dyn MessageService,
    ] {
        let e = services
            .service_entry(ServiceEntryCall::Create, &empty)
            .unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_UNCONFIGURED);
        assert_eq!(e.missing, ["path"]);
    }
    empty.set("path", PropValue::Unicode(String::new()));
    let e = LocalStoreService
        .service_entry(ServiceEntryCall::Configure, &empty)
        .unwrap_err();
    assert_eq!(e.missing, ["path"]);
}

#[test]
fn configure_refuses_a_damaged_existing_file() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    std::fs::write(
        &path,
        b"this is not a database at all, just some text\n".repeat(100),
    )
    .unwrap();
    let e = LocalStoreService
        .service_entry(ServiceEntryCall::Configure, &settings(&path))
        .unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA);
}

#[test]
fn delete_leaves_the_files_on_disk() {
    let dir = TempDir::new();
    let store = dir.path("mail.db");
    let book = dir.path("contacts.db");
    create_store(&store);
    create_contacts(&book);
    LocalStoreService
        .service_entry(ServiceEntryCall::Delete, &settings(&store))
        .unwrap();
    ContactsService
        .service_entry(ServiceEntryCall::Delete, &settings(&book))
        .unwrap();
    assert!(store.is_file() && book.is_file());
    assert!(store_logon(settings(&store)).is_ok());
}

#[test]
fn registers_both_services() {
    let mut catalog = mapi_spi::ProviderCatalog::new();
    mapi_provider_local::register(&mut catalog);
    let names: Vec<&str> = catalog.names().collect();
    assert_eq!(names, ["contacts", "local-store"]);
    assert_eq!(catalog.get("local-store").unwrap().name(), "local-store");
}
