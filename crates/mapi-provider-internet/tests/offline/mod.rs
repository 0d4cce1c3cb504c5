//! An IMAP account whose server cannot be reached, its cache filled directly
//! (`Cache::insert_batch`), and its store logged on offline.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use mapi_provider_internet::cache::{Cache, NewMessage};
use mapi_provider_internet::imap::ListEntry;
use mapi_provider_internet::{Account, InternetMailService, InternetStore, store};
use mapi_spi::{Settings, Support};
use mapi_test_support::TestSupport;
use mapi_types::{LogonFlags, PropValue};

/// An account whose IMAP server cannot be reached (nothing listens on port 1).
pub fn settings() -> Settings {
    let mut s = Settings::new();
    for (k, v) in [
        ("email", "sql@localhost"),
        ("user", "sql"),
        ("password", "unused"),
        ("imap_host", "127.0.0.1"),
        ("smtp_host", "127.0.0.1"),
        ("imap_port", "1"),
        ("smtp_port", "1"),
        ("imap_security", "plain"),
        ("smtp_security", "plain"),
    ] {
        s.set(k, PropValue::Unicode(v.to_string()));
    }
    s
}

/// Fills the Inbox of the account's cache in `dir` with `raws`; every third message
/// (from the first) unread.
pub fn fill(dir: &Path, raws: &[Vec<u8>]) {
    let account = Account::from_settings(&settings()).unwrap();
    let mut cache = Cache::open(&store::cache_path(dir, &account)).unwrap();
    cache
        .apply_list(&[ListEntry {
            name: b"INBOX".to_vec(),
            delimiter: Some(b'/'),
            attributes: Vec::new(),
        }])
        .unwrap();
    let inbox = cache
        .folders()
        .unwrap()
        .into_iter()
        .find(|f| f.kind == "inbox")
        .unwrap()
        .id;
    let seen = vec!["\\Seen".to_string()];
    let batch: Vec<NewMessage<'_>> = raws
        .iter()
        .enumerate()
        .map(|(i, raw)| NewMessage {
            folder_id: inbox,
            uidvalidity: 1,
            uid: i as u32 + 1,
            flags: if i % 3 == 0 { &[] } else { &seen },
            internaldate: None,
            raw,
        })
        .collect();
    cache.insert_batch(&batch).unwrap();
}

/// The store of the account in `dir`, logged on from its cache only.
pub async fn logon(dir: &Path) -> Arc<InternetStore> {
    let support = TestSupport::new(settings(), LogonFlags::MAPI_EXTENDED, dir);
    let store = InternetMailService
        .logon_store(support as Arc<dyn Support>)
        .await
        .unwrap();
    assert!(!store.is_online(), "the test runs from the cache only");
    store
}
