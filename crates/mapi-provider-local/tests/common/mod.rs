//! Shared test parts: the engine's side of the SPI (a `Support` that records status rows),
//! a tiny executor, temporary directories and logon helpers.
#![allow(dead_code)]

pub mod restrict;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use mapi_provider_local::{ContactsService, LocalStoreService};
use mapi_spi::{
    AddressBook, MessageService, MsgStore, Progress, ProviderError, ServiceEntryCall, Settings,
    StatusRow, Support,
};
use mapi_types::{LogonFlags, MapiUid, PropValue, ProviderLogonFlags};

/// The support object the engine would hand a provider: settings in, status rows out.
pub struct TestSupport {
    pub settings: Settings,
    pub rows: Mutex<Vec<StatusRow>>,
}

impl TestSupport {
    pub fn new(settings: Settings) -> Arc<TestSupport> {
        Arc::new(TestSupport {
            settings,
            rows: Mutex::new(Vec::new()),
        })
    }
}

impl Support for TestSupport {
    fn profile_name(&self) -> &str {
        "test"
    }
    fn service_uid(&self) -> MapiUid {
        MapiUid::ole_guid(1)
    }
    fn provider_uid(&self) -> MapiUid {
        MapiUid::ole_guid(2)
    }
    fn service_name(&self) -> &str {
        "local-store"
    }
    fn display_name(&self) -> &str {
        "Test"
    }
    fn settings(&self) -> &Settings {
        &self.settings
    }
    fn logon_flags(&self) -> LogonFlags {
        LogonFlags::default()
    }
    fn provider_flags(&self) -> ProviderLogonFlags {
        ProviderLogonFlags::default()
    }
    fn data_dir(&self) -> PathBuf {
        std::env::temp_dir()
    }
    fn timeout(&self) -> Duration {
        Duration::from_secs(5)
    }
    fn modify_status_row(&self, row: StatusRow) {
        self.rows.lock().unwrap().push(row);
    }
    fn progress(&self, _progress: Progress) {}
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "mapi-local-test-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn settings(path: &Path) -> Settings {
    let mut s = Settings::new();
    s.set("path", PropValue::Unicode(path.display().to_string()));
    s
}

pub fn exclusive_settings(path: &Path, exclusive: bool) -> Settings {
    let mut s = settings(path);
    s.set("exclusive", PropValue::Boolean(exclusive));
    s
}

/// Creates a store file through the service entry.
pub fn create_store(path: &Path) {
    LocalStoreService
        .service_entry(ServiceEntryCall::Create, &settings(path))
        .expect("create store");
}

/// Creates a contacts file through the service entry.
pub fn create_contacts(path: &Path) {
    ContactsService
        .service_entry(ServiceEntryCall::Create, &settings(path))
        .expect("create contacts");
}

pub fn store_logon(settings: Settings) -> Result<Arc<dyn MsgStore>, ProviderError> {
    block_on(LocalStoreService.store_logon(TestSupport::new(settings)))
}

pub fn ab_logon(settings: Settings) -> Result<Arc<dyn AddressBook>, ProviderError> {
    block_on(ContactsService.ab_logon(TestSupport::new(settings)))
}

/// A small plain message with a given subject and date.
pub fn simple_message(subject: &str, date: &str) -> Vec<u8> {
    format!(
        "From: Ann Example <ann@example.org>\r\nTo: Bob <bob@example.org>\r\n\
         Subject: {subject}\r\nDate: {date}\r\nMessage-ID: <{}@example.org>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Body of {subject}.\r\n",
        subject.replace(' ', ".")
    )
    .into_bytes()
}

/// The error of a result that must have failed.
pub fn err<T>(r: Result<T, ProviderError>) -> ProviderError {
    match r {
        Ok(_) => panic!("expected a failure"),
        Err(e) => e,
    }
}

/// The status of a result that must have failed.
pub fn status<T>(r: Result<T, ProviderError>) -> mapi_types::Status {
    err(r).status
}
