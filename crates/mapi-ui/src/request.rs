//! [`LogonRequest`]: what a client passes to `MAPILogonEx`, whether the logon runs in
//! this process or in the daemon (its prompts are then answered by `ui` here).

use std::sync::Arc;

use mapi_types::LogonFlags;

use crate::{LogonUi, NoUi};

/// What a client passes to logon.
#[derive(Clone)]
pub struct LogonRequest {
    /// `lpszProfileName`: `None` or empty = no name supplied (ignored when joining the
    /// shared session).
    pub profile: Option<String>,
    /// The profile password, when the profile has one (not needed to join the shared
    /// session).
    pub password: Option<String>,
    /// `flFlags`.
    pub flags: LogonFlags,
    /// Who answers prompts (for a logon in the daemon: in this process).
    pub ui: Arc<dyn LogonUi>,
}

impl LogonRequest {
    /// A request with no password and no UI.
    pub fn new(profile: Option<&str>, flags: LogonFlags) -> LogonRequest {
        LogonRequest {
            profile: profile.map(str::to_string),
            password: None,
            flags,
            ui: Arc::new(NoUi),
        }
    }

    /// With a password.
    pub fn password(mut self, password: Option<&str>) -> LogonRequest {
        self.password = password.map(str::to_string);
        self
    }

    /// With a UI.
    pub fn ui(mut self, ui: Arc<dyn LogonUi>) -> LogonRequest {
        self.ui = ui;
        self
    }
}

impl std::fmt::Debug for LogonRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogonRequest")
            .field("profile", &self.profile)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("flags", &self.flags)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let r =
            LogonRequest::new(Some("Work"), LogonFlags::MAPI_LOGON_UI).password(Some("hunter2"));
        let text = format!("{r:?}");
        assert!(text.contains("Work") && text.contains("***"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!r.ui.available(), "a new request has no UI");
    }
}
