//! The support object handed to each provider at logon.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mapi_spi::{Progress, Settings, StatusRow, Support};
use mapi_types::{LogonFlags, MapiUid, ProviderLogonFlags};
use tokio::sync::broadcast;

use crate::session::SessionEvent;

/// One provider's support object.
pub(crate) struct EngineSupport {
    pub profile: String,
    pub service_uid: MapiUid,
    pub provider_uid: MapiUid,
    pub service_name: String,
    pub display_name: String,
    pub settings: Settings,
    pub logon_flags: LogonFlags,
    pub provider_flags: ProviderLogonFlags,
    pub data_dir: PathBuf,
    pub timeout: Duration,
    /// Where this provider's status row lives (shared with the session).
    pub status: Arc<Mutex<StatusRow>>,
    /// Session events (progress, status changes).
    pub events: broadcast::Sender<SessionEvent>,
    /// The logon UI's progress callback, while the logon runs.
    pub progress_ui: Option<Arc<dyn crate::ui::LogonUi>>,
}

impl Support for EngineSupport {
    fn profile_name(&self) -> &str {
        &self.profile
    }
    fn service_uid(&self) -> MapiUid {
        self.service_uid
    }
    fn provider_uid(&self) -> MapiUid {
        self.provider_uid
    }
    fn service_name(&self) -> &str {
        &self.service_name
    }
    fn display_name(&self) -> &str {
        &self.display_name
    }
    fn settings(&self) -> &Settings {
        &self.settings
    }
    fn logon_flags(&self) -> LogonFlags {
        self.logon_flags
    }
    fn provider_flags(&self) -> ProviderLogonFlags {
        self.provider_flags
    }
    fn data_dir(&self) -> PathBuf {
        self.data_dir.clone()
    }
    fn timeout(&self) -> Duration {
        self.timeout
    }
    fn modify_status_row(&self, row: StatusRow) {
        if let Ok(mut s) = self.status.lock() {
            *s = row;
        }
        let _ = self.events.send(SessionEvent::StatusChanged);
    }
    fn progress(&self, p: Progress) {
        if let Some(ui) = &self.progress_ui {
            ui.progress(&self.display_name, p.done, p.total, &p.text);
        }
        let _ = self.events.send(SessionEvent::Progress {
            service: self.display_name.clone(),
            done: p.done,
            total: p.total,
            text: p.text,
        });
    }
}
