//! The engine's side for the tests: a small `Support` implementation that records
//! status rows and progress, and helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mapi_spi::{Progress, Settings, StatusRow, Support};
use mapi_test_support::{MailStack, Options};
use mapi_types::{LogonFlags, MapiUid, ProviderLogonFlags};

/// Recording support object.
pub struct TestSupport {
    pub settings: Settings,
    pub flags: LogonFlags,
    pub dir: PathBuf,
    pub timeout: Duration,
    pub rows: Mutex<Vec<StatusRow>>,
    pub progress: Mutex<Vec<Progress>>,
    /// When set: the first progress report with `done > 0` sends on the first channel
    /// and then blocks until the second one receives.
    pub gate: Mutex<Option<(Sender<()>, Receiver<()>)>>,
}

impl TestSupport {
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

/// Starts Dovecot only (connection limit 1).
pub fn dovecot() -> MailStack {
    MailStack::start(Options::default()).unwrap_or_else(|e| panic!("mail stack: {e}"))
}

/// A fresh data directory.
pub fn data_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}
