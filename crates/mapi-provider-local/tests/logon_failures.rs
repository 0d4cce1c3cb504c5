//! Store logon failures, each made for real on a real file.

mod common;

use std::time::SystemTime;

use common::*;
use mapi_spi::FolderKind;
use mapi_types::{PropValue, Status, StatusCode};

#[test]
fn missing_or_empty_path_is_unconfigured() {
    let e = err(store_logon(mapi_spi::Settings::new()));
    assert_eq!(e.status, Status::MAPI_E_UNCONFIGURED);
    assert_eq!(e.missing, ["path"]);
    let mut s = mapi_spi::Settings::new();
    s.set("path", PropValue::Unicode(String::new()));
    assert_eq!(err(store_logon(s)).status, Status::MAPI_E_UNCONFIGURED);
}

#[test]
fn unreadable_exclusive_setting_is_unconfigured() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let mut s = settings(&path);
    s.set("exclusive", PropValue::Unicode("perhaps".into()));
    let e = err(store_logon(s));
    assert_eq!(e.status, Status::MAPI_E_UNCONFIGURED);
    assert_eq!(e.missing, ["exclusive"]);
}

#[test]
fn removed_file_is_not_found_and_says_what_to_do() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    std::fs::remove_file(&path).unwrap();
    let e = err(store_logon(settings(&path)));
    assert_eq!(e.status, Status::MAPI_E_NOT_FOUND);
    assert!(e.message.contains(&path.display().to_string()), "{e}");
    assert!(e.message.contains("reconfigure"), "{e}");
    // Logon never creates the file.
    assert!(!path.exists());
}

#[test]
fn a_directory_is_not_a_store() {
    let dir = TempDir::new();
    let e = err(store_logon(settings(&dir.0)));
    assert_eq!(e.status, Status::MAPI_E_NOT_FOUND);
}

#[test]
fn newer_schema_is_version_and_the_file_is_untouched() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 9).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let e = err(store_logon(settings(&path)));
    assert_eq!(e.status, Status::MAPI_E_VERSION);
    assert!(e.message.contains("version 9"), "{e}");
    // Configure must not "upgrade" it either.
    let e = mapi_spi::MessageService::service_entry(
        &mapi_provider_local::LocalStoreService,
        mapi_spi::ServiceEntryCall::Configure,
        &settings(&path),
    )
    .unwrap_err();
    assert_eq!(e.status, Status::MAPI_E_VERSION);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    assert!(mtime <= SystemTime::now());
}

/// A store with enough messages to span many pages, logged off (checkpointed).
fn filled_store(dir: &TempDir) -> std::path::PathBuf {
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let msgs = (0..300)
        .map(|i| {
            simple_message(
                &format!("message {i} {}", "x".repeat(500)),
                "Mon, 1 Jan 2024 10:00:00 +0000",
            )
        })
        .collect();
    block_on(store.import_raw(&inbox, msgs)).unwrap();
    block_on(store.logoff());
    assert!(std::fs::metadata(&path).unwrap().len() > 200 * 1024);
    path
}

#[test]
fn truncated_file_is_corrupt_data() {
    let dir = TempDir::new();
    let path = filled_store(&dir);
    let len = std::fs::metadata(&path).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let e = err(store_logon(settings(&path)));
    assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA, "{e}");
    assert!(e.message.contains(&path.display().to_string()), "{e}");
}

#[test]
fn header_only_and_empty_files_are_corrupt_data() {
    let dir = TempDir::new();
    let path = filled_store(&dir);
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(50).unwrap();
    drop(f);
    assert_eq!(
        err(store_logon(settings(&path))).status,
        Status::MAPI_E_CORRUPT_DATA
    );
    std::fs::write(&path, b"").unwrap();
    assert_eq!(
        err(store_logon(settings(&path))).status,
        Status::MAPI_E_CORRUPT_DATA
    );
}

#[test]
fn garbage_file_is_corrupt_data() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    // Deterministic pseudo-random bytes (xorshift).
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(&path, bytes).unwrap();
    let e = err(store_logon(settings(&path)));
    assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA);
}

#[test]
fn corrupted_page_is_corrupt_data() {
    let dir = TempDir::new();
    let path = filled_store(&dir);
    let (root, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'messages'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let page_size = conn
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap();
        (root, page_size)
    };
    let mut bytes = std::fs::read(&path).unwrap();
    let start = ((root - 1) * page_size) as usize;
    for b in &mut bytes[start..start + page_size as usize] {
        *b = 0xA5;
    }
    std::fs::write(&path, bytes).unwrap();
    let e = err(store_logon(settings(&path)));
    assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA, "{e}");
}

#[test]
fn a_contacts_file_is_not_a_store() {
    let dir = TempDir::new();
    let path = dir.path("contacts.db");
    create_contacts(&path);
    let e = err(store_logon(settings(&path)));
    assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA);
    assert!(e.message.contains("not a local store file"), "{e}");
}

#[test]
fn exclusive_logons_exclude_each_other_in_one_process() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let first = store_logon(exclusive_settings(&path, true)).unwrap();
    for exclusive in [true, false] {
        let e = err(store_logon(exclusive_settings(&path, exclusive)));
        assert_eq!(e.status, Status::MAPI_E_SESSION_LIMIT);
        assert!(e.message.contains("another session holds the store"), "{e}");
    }
    block_on(first.logoff());
    // Released on logoff: shared logons now coexist, and block an exclusive one.
    let a = store_logon(settings(&path)).unwrap();
    let b = store_logon(exclusive_settings(&path, false)).unwrap();
    let e = err(store_logon(exclusive_settings(&path, true)));
    assert_eq!(e.status, Status::MAPI_E_SESSION_LIMIT);
    assert!(e.message.contains("cannot be opened exclusively"), "{e}");
    drop(a);
    block_on(b.logoff());
    // Released on drop as well.
    let c = store_logon(exclusive_settings(&path, true)).unwrap();
    drop(c);
    assert!(store_logon(exclusive_settings(&path, true)).is_ok());
}

#[test]
fn successful_logon_reports_available() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let support = TestSupport::new(settings(&path));
    let store = block_on(mapi_spi::MessageService::store_logon(
        &mapi_provider_local::LocalStoreService,
        support.clone(),
    ))
    .unwrap();
    let rows = support.rows.lock().unwrap().clone();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].code.contains(StatusCode::STATUS_AVAILABLE));
    drop(store);
    // A failed logon reports no status row.
    std::fs::remove_file(&path).unwrap();
    let support = TestSupport::new(settings(&path));
    assert!(
        block_on(mapi_spi::MessageService::store_logon(
            &mapi_provider_local::LocalStoreService,
            support.clone(),
        ))
        .is_err()
    );
    assert!(support.rows.lock().unwrap().is_empty());
}
