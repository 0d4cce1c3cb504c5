//! `MAPILogonEx`: the flowchart of reference §3 steps 1-7 (shared session, profile
//! choice, credentials), then the service phase (steps 8-13, in `services`).

mod services;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use mapi_types::{LogonFlags, MapiStatus};

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::session::{Session, SessionInner};

/// How many times a wrong password is asked again before the logon fails.
const PASSWORD_ATTEMPTS: u32 = 3;

pub use mapi_ui::LogonRequest;

/// The checks of `MAPILogonEx`'s flags that need no profile, no UI and no daemon: what
/// the engine refuses before anything else, so a caller can refuse the same logon before
/// it starts anything (such as the daemon for `MAPI_ALLOW_OTHERS`).
///
/// ```
/// use mapi_engine::check_flags;
/// use mapi_types::{LogonFlags, MapiStatus, Status};
///
/// assert!(check_flags(LogonFlags::MAPI_LOGON_UI | LogonFlags::MAPI_ALLOW_OTHERS).is_ok());
/// let both = LogonFlags::MAPI_LOGON_UI | LogonFlags::MAPI_PASSWORD_UI;
/// assert_eq!(check_flags(both).unwrap_err().status(), Status::MAPI_E_LOGON_FAILED);
/// ```
pub fn check_flags(flags: LogonFlags) -> Result<()> {
    if flags.contains(LogonFlags::MAPI_LOGON_UI) && flags.contains(LogonFlags::MAPI_PASSWORD_UI) {
        return Err(EngineError::LogonFailed(
            "MAPI_LOGON_UI and MAPI_PASSWORD_UI are mutually exclusive: pass at most one".into(),
        ));
    }
    Ok(())
}

impl Engine {
    /// `MAPILogonEx`.
    pub async fn logon(&self, req: LogonRequest) -> Result<Session> {
        self.require_init()?;
        let flags = req.flags;
        log::debug!("logon: profile {:?}, flags {flags}", req.profile);
        // Rule 1: one logon at a time; TIMEOUT_SHORT gives up after a short wait.
        let _guard = if flags.contains(LogonFlags::MAPI_TIMEOUT_SHORT) {
            let wait = self.inner.config.short_timeout;
            tokio::time::timeout(wait, self.inner.logon_lock.lock())
                .await
                .map_err(|_| EngineError::Timeout(wait.as_millis()))?
        } else {
            self.inner.logon_lock.lock().await
        };
        // Steps 1-2: without NEW_SESSION an existing shared session is returned,
        // whatever profile was named.
        if !flags.contains(LogonFlags::MAPI_NEW_SESSION)
            && let Some(s) = self.shared_session(flags)
        {
            log::debug!(
                "logon: joined the shared session {} ({})",
                s.id(),
                s.profile()
            );
            return Ok(s);
        }
        check_flags(flags)?;
        let ui_present = req.ui.available();
        let profile = self.choose_profile(&req, ui_present).await?;
        self.check_credentials(&req, &profile, ui_present).await?;
        log::debug!("logon: profile \"{profile}\" validated");
        let phase = services::run(self, &profile, &req, ui_present).await?;
        let inner = Arc::new(SessionInner {
            id: self.inner.next_session.fetch_add(1, Ordering::SeqCst),
            profile,
            flags,
            since: SystemTime::now(),
            providers: phase.slots,
            disabled: phase.disabled,
            shared: AtomicBool::new(false),
            clients: AtomicUsize::new(0),
            ended: Mutex::new(None),
            events: phase.events,
            last_error: Mutex::new(phase.last_error),
            engine: Arc::downgrade(&self.inner),
            advise: Default::default(),
        });
        if flags.contains(LogonFlags::MAPI_ALLOW_OTHERS)
            && let Ok(mut slot) = self.inner.shared.lock()
        {
            // Decision 4: an existing shared session stays the shared one.
            let taken = slot
                .as_ref()
                .is_some_and(|s| s.ended.lock().map(|e| e.is_none()).unwrap_or(false));
            if !taken {
                inner.shared.store(true, Ordering::SeqCst);
                *slot = Some(inner.clone());
            }
        }
        Ok(Session::attach(inner, flags))
    }

    /// Steps 3-5: the profile's name.
    async fn choose_profile(&self, req: &LogonRequest, ui_present: bool) -> Result<String> {
        let flags = req.flags;
        let given = req.profile.as_deref().filter(|p| !p.is_empty());
        let name = if let Some(n) = given {
            n.to_string()
        } else if flags.contains(LogonFlags::MAPI_USE_DEFAULT) {
            self.with_store(|s| Ok(s.default_profile()?))?.ok_or_else(|| {
                EngineError::LogonFailed(
                    "no default profile (MAPI_USE_DEFAULT): set one with `mapi profile default NAME`".into(),
                )
            })?
        } else if flags.contains(LogonFlags::MAPI_LOGON_UI) && ui_present {
            let (names, default) = self.with_store(|s| {
                let t = s.profile_table()?;
                let d = t.iter().find(|p| p.default).map(|p| p.name.clone());
                Ok((t.into_iter().map(|p| p.name).collect::<Vec<_>>(), d))
            })?;
            // Rule 1: nothing to choose from is a flowchart error exit, not a cancel.
            if names.is_empty() {
                return Err(EngineError::LogonFailed(
                    "there are no profiles to choose from: create one with `mapi profile create NAME`"
                        .into(),
                ));
            }
            // Decision 3: EXPLICIT_PROFILE preselects nothing.
            let pre = if flags.contains(LogonFlags::MAPI_EXPLICIT_PROFILE) {
                None
            } else {
                default
            };
            req.ui
                .choose_profile(&names, pre.as_deref())
                .await
                .ok_or(EngineError::UserCancel)?
        } else {
            return Err(EngineError::LogonFailed(
                "no profile name was given: name a profile, or pass MAPI_USE_DEFAULT for the default \
                 profile, or MAPI_LOGON_UI to choose one"
                    .into(),
            ));
        };
        // The exact stored name (names match ignoring case).
        self.with_store(|s| Ok(s.profile(&name)?.name))
            .map_err(|e| match e.status() {
                mapi_types::Status::MAPI_E_NOT_FOUND => {
                    EngineError::LogonFailed(format!("no profile named {name:?}"))
                }
                _ => e,
            })
    }

    /// Steps 6-7: the profile password, prompted for with PASSWORD_UI (or LOGON_UI).
    async fn check_credentials(
        &self,
        req: &LogonRequest,
        profile: &str,
        ui_present: bool,
    ) -> Result<()> {
        // A validated password also unlocks the profile's encrypted service secrets.
        let check = |pw: Option<&str>| {
            self.with_store(|s| {
                s.check_password(profile, pw)?;
                if let Some(pw) = pw {
                    s.unlock(profile, pw)?;
                }
                Ok(())
            })
        };
        match check(req.password.as_deref()) {
            Ok(()) => return Ok(()),
            Err(e) if e.status() != mapi_types::Status::MAPI_E_LOGON_FAILED => return Err(e),
            Err(_) => {}
        }
        let may_prompt = ui_present
            && (req.flags.contains(LogonFlags::MAPI_PASSWORD_UI)
                || req.flags.contains(LogonFlags::MAPI_LOGON_UI));
        if !may_prompt {
            return Err(EngineError::LogonFailed(format!(
                "wrong password for profile \"{profile}\" (pass MAPI_PASSWORD_UI to be asked)"
            )));
        }
        for attempt in 1..=PASSWORD_ATTEMPTS {
            let pw = req
                .ui
                .password(profile, attempt)
                .await
                .ok_or(EngineError::UserCancel)?;
            if check(Some(&pw)).is_ok() {
                return Ok(());
            }
        }
        Err(EngineError::LogonFailed(format!(
            "wrong password for profile \"{profile}\""
        )))
    }
}
