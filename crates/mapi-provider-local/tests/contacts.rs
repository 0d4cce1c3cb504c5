//! The contacts address book on a real file: entries, resolve, add, and the file's
//! failure causes.

mod common;

use common::*;
use mapi_spi::Settings;
use mapi_types::{PropValue, Status, tags::*};

#[test]
fn add_list_and_resolve() {
    let dir = TempDir::new();
    let path = dir.path("contacts.db");
    create_contacts(&path);
    let mut s = settings(&path);
    s.set("display_name", PropValue::Unicode("Friends".into()));
    let book = ab_logon(s).unwrap();
    assert_eq!(book.properties().str(PR_DISPLAY_NAME), Some("Friends"));
    let ann = block_on(book.add_entry("Ann Example", "ann@example.org")).unwrap();
    block_on(book.add_entry("Édith Piaf", "edith@example.fr")).unwrap();
    block_on(book.add_entry("bob", "Robert@Example.com")).unwrap();
    block_on(book.add_entry("Annette Zed", "z@example.net")).unwrap();

    let table = block_on(book.entries()).unwrap();
    assert_eq!(
        table.columns(),
        [PR_ENTRYID, PR_DISPLAY_NAME, PR_EMAIL_ADDRESS, PR_ADDRTYPE]
    );
    let rows = table.query_rows();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r.str(PR_DISPLAY_NAME).unwrap())
        .collect();
    assert_eq!(names, ["Ann Example", "Annette Zed", "bob", "Édith Piaf"]);
    assert_eq!(rows[0].get(PR_ENTRYID), Some(&PropValue::Binary(ann)));
    assert_eq!(rows[0].str(PR_ADDRTYPE), Some("SMTP"));

    let resolve = |prefix: &str| -> Vec<String> {
        block_on(book.resolve(prefix))
            .unwrap()
            .iter()
            .map(|r| r.str(PR_EMAIL_ADDRESS).unwrap().to_string())
            .collect()
    };
    assert_eq!(resolve("ann"), ["ann@example.org", "z@example.net"]);
    assert_eq!(resolve("ANNE"), ["z@example.net"]);
    // By address, case ignored.
    assert_eq!(resolve("robert@"), ["Robert@Example.com"]);
    assert_eq!(resolve("Z@EX"), ["z@example.net"]);
    // Non-ASCII case folding.
    assert_eq!(resolve("éDITH"), ["edith@example.fr"]);
    assert!(resolve("nobody").is_empty());
    // Prefix only, not substring.
    assert!(resolve("example").is_empty());

    // Entries survive a new logon.
    block_on(book.logoff());
    let again = ab_logon(settings(&path)).unwrap();
    assert_eq!(block_on(again.entries()).unwrap().row_count(), 4);
    // Without a display_name setting the container takes the service's display name.
    assert_eq!(again.properties().str(PR_DISPLAY_NAME), Some("Test"));
}

#[test]
fn bad_addresses_are_refused() {
    let dir = TempDir::new();
    let path = dir.path("contacts.db");
    create_contacts(&path);
    let book = ab_logon(settings(&path)).unwrap();
    for email in ["", "   ", "no-at-sign"] {
        let e = block_on(book.add_entry("X", email)).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_INVALID_PARAMETER);
    }
    // A missing display name falls back to the address.
    block_on(book.add_entry("", "solo@example.org")).unwrap();
    let rows = block_on(book.entries()).unwrap().query_rows();
    assert_eq!(rows[0].str(PR_DISPLAY_NAME), Some("solo@example.org"));
    block_on(book.logoff());
    assert_eq!(
        block_on(book.entries()).unwrap_err().status,
        Status::MAPI_E_INVALID_OBJECT
    );
}

#[test]
fn file_failures() {
    let dir = TempDir::new();
    let path = dir.path("contacts.db");
    assert_eq!(
        err(ab_logon(Settings::new())).status,
        Status::MAPI_E_UNCONFIGURED
    );

    // Missing.
    let e = err(ab_logon(settings(&path)));
    assert_eq!(e.status, Status::MAPI_E_NOT_FOUND);
    assert!(e.message.contains(&path.display().to_string()), "{e}");

    // Newer schema, file untouched.
    create_contacts(&path);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    assert_eq!(
        err(ab_logon(settings(&path))).status,
        Status::MAPI_E_VERSION
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // Damaged: garbage after a valid header page, and a store file given as contacts.
    let mut bytes = before.clone();
    bytes.truncate(4096);
    bytes.extend(std::iter::repeat_n(0x5Au8, 8192));
    bytes[60..64].copy_from_slice(&1i32.to_be_bytes());
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        err(ab_logon(settings(&path))).status,
        Status::MAPI_E_CORRUPT_DATA
    );
    std::fs::write(&path, b"garbage garbage garbage").unwrap();
    assert_eq!(
        err(ab_logon(settings(&path))).status,
        Status::MAPI_E_CORRUPT_DATA
    );
    let store = dir.path("mail.db");
    create_store(&store);
    let e = err(ab_logon(settings(&store)));
    assert_eq!(e.status, Status::MAPI_E_CORRUPT_DATA);
    assert!(e.message.contains("not a contacts file"), "{e}");
}

#[test]
fn successful_logon_reports_available() {
    let dir = TempDir::new();
    let path = dir.path("contacts.db");
    create_contacts(&path);
    let support = TestSupport::new(settings(&path));
    let _book = block_on(mapi_spi::MessageService::ab_logon(
        &mapi_provider_local::ContactsService,
        support.clone(),
    ))
    .unwrap();
    let rows = support.rows.lock().unwrap().clone();
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]
            .code
            .contains(mapi_types::StatusCode::STATUS_AVAILABLE)
    );
}
