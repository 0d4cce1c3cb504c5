//! [`TestSupport`]: the engine's side of a provider logon for tests and benchmarks: a
//! `Support` object with given settings, flags and data directory that records the
//! status rows and progress reports it gets, with an optional gate that holds the first
//! progress report until the test releases it.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mapi_spi::{Progress, Settings, StatusRow, Support};
use mapi_types::{LogonFlags, MapiUid, ProviderLogonFlags};

/// Recording support object.
pub struct TestSupport {
    /// The service's settings.
    pub settings: Settings,
    /// The logon's flags.
    pub flags: LogonFlags,
    /// The provider's data directory.
    pub dir: PathBuf,
    /// The timeout the provider is given (10 s by default).
    pub timeout: Duration,
    /// Every status row the provider reported, in order.
    pub rows: Mutex<Vec<StatusRow>>,
    /// Every progress report, in order.
    pub progress: Mutex<Vec<Progress>>,
    /// When set: the first progress report with `done > 0` sends on the first channel
    /// and then blocks until the second one receives.
    pub gate: Mutex<Option<(Sender<()>, Receiver<()>)>>,
}

impl TestSupport {
    /// A support object for the `internet-mail` service of profile `test`.
    pub fn new(settings: Settings, flags: LogonFlags, dir: &Path) -> Arc<TestSupport> {
        Arc::new(TestSupport {
            settings,
            flags,
            dir: dir.to_path_buf(),
            timeout: Duration::from_secs(10),
            rows: Mutex::new(Vec::new()),
            progress: Mutex::new(Vec::new()),
            gate: Mutex::new(None),
        })
    }

    /// The last status row reported.
    pub fn last_row(&self) -> Option<StatusRow> {
        self.rows.lock().unwrap().last().cloned()
    }

    /// Installs the progress gate; returns (reached, release).
    pub fn install_gate(&self) -> (Receiver<()>, Sender<()>) {
        let (reached_tx, reached_rx) = channel();
        let (release_tx, release_rx) = channel();
        *self.gate.lock().unwrap() = Some((reached_tx, release_rx));
        (reached_rx, release_tx)
    }
}

impl Support for TestSupport {
    fn profile_name(&self) -> &str {
        "test"
    }
    fn service_uid(&self) -> MapiUid {
        MapiUid([1; 16])
    }
    fn provider_uid(&self) -> MapiUid {
        MapiUid([2; 16])
    }
    fn service_name(&self) -> &str {
        "internet-mail"
    }
    fn display_name(&self) -> &str {
        "Test mail"
    }
    fn settings(&self) -> &Settings {
        &self.settings
    }
    fn logon_flags(&self) -> LogonFlags {
        self.flags
    }
    fn provider_flags(&self) -> ProviderLogonFlags {
        ProviderLogonFlags::MDB_NO_DIALOG
    }
    fn data_dir(&self) -> PathBuf {
        self.dir.clone()
    }
    fn timeout(&self) -> Duration {
        self.timeout
    }
    fn modify_status_row(&self, row: StatusRow) {
        self.rows.lock().unwrap().push(row);
    }
    fn progress(&self, progress: Progress) {
        let done = progress.done;
        self.progress.lock().unwrap().push(progress);
        if done > 0 {
            let gate = self.gate.lock().unwrap().take();
            if let Some((reached, release)) = gate {
                let _ = reached.send(());
                let _ = release.recv();
            }
        }
    }
}
