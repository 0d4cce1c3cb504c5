//! What the local-store benchmarks share: a support object and a minimal executor.

use std::future::Future;
use std::path::PathBuf;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use mapi_spi::{Progress, Settings, StatusRow, Support};
use mapi_types::{LogonFlags, MapiUid, ProviderLogonFlags};

pub struct BenchSupport(pub Settings, pub Mutex<Vec<StatusRow>>);

impl Support for BenchSupport {
    fn profile_name(&self) -> &str {
        "bench"
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
        "Bench"
    }
    fn settings(&self) -> &Settings {
        &self.0
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
        self.1.lock().unwrap().push(row);
    }
    fn progress(&self, _progress: Progress) {}
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

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
