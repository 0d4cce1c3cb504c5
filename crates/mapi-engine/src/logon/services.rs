//! The service phase of logon (reference §3 steps 8-13, §5.5; design.md §4 decisions
//! 5-7): SERVICE_UI_ALWAYS, configure-then-retry on MAPI_E_UNCONFIGURED, retry once on a
//! first failure (asking the user where UI is allowed, after a back-off where not),
//! disabling every provider of a service that fails twice, FAILONEPROVIDER disabling one
//! provider only, NO_MAIL skipping transports. Settings entered during logon are saved
//! only when the logon succeeds, and only for services that came up.

use std::sync::{Arc, Mutex};

use mapi_profile::{
    ProfileError, ProviderInfo, ServiceConfig, ServiceDef, ServiceInfo, parse_setting_value_for,
};
use mapi_spi::{ProviderError, ServiceEntryCall, Settings, StatusRow};
use mapi_types::{LogonFlags, ProviderLogonFlags, Status, resource_type};
use tokio::sync::broadcast;

use super::LogonRequest;
use crate::engine::{Engine, to_settings};
use crate::error::{EngineError, Result};
use crate::session::{DisabledService, ProviderObject, ProviderSlot, SessionEvent};
use crate::support::EngineSupport;
use crate::ui::{FailureChoice, PromptField};

/// What the service phase hands back to build the session.
pub(super) struct Phase {
    pub slots: Vec<ProviderSlot>,
    pub disabled: Vec<DisabledService>,
    pub events: broadcast::Sender<SessionEvent>,
    pub last_error: Option<String>,
}

/// One service while it is being logged on.
struct Run {
    info: ServiceInfo,
    def: Option<ServiceDef>,
    config: ServiceConfig,
    providers: Vec<ProviderInfo>,
    edits: Vec<(String, String)>,
    /// How many of `edits` the service entry has been shown (MSG_SERVICE_CONFIGURE).
    edits_configured: usize,
    up: Vec<(ProviderInfo, ProviderObject)>,
    failed_one: Vec<(ProviderInfo, Status, String)>,
    disabled: Option<(Status, String)>,
}

/// How many times an invalid answer to a settings prompt is asked again.
const PROMPT_ATTEMPTS: u32 = 3;

pub(super) async fn run(
    engine: &Engine,
    profile: &str,
    req: &LogonRequest,
    ui_present: bool,
) -> Result<Phase> {
    let reg = engine.registry();
    let (services, providers) =
        engine.with_store(|s| Ok((s.msg_service_table(profile)?, s.provider_table(profile)?)))?;
    let mut runs = Vec::new();
    for info in services {
        let config = engine.with_store(|s| match s.service_config(reg, profile, info.uid) {
            Ok(c) => Ok(Some(c)),
            // A service no longer in the registry: it cannot be configured or loaded.
            Err(ProfileError::UnknownService(_)) => Ok(None),
            Err(e) => Err(e.into()),
        })?;
        let mine: Vec<ProviderInfo> = providers
            .iter()
            .filter(|p| p.service_uid == info.uid)
            .cloned()
            .collect();
        let def = reg.get(&info.service_name).cloned();
        let (config, disabled) = match config {
            Some(c) => (c, None),
            None => (
                ServiceConfig {
                    service: info.clone(),
                    settings: Vec::new(),
                    missing: Vec::new(),
                },
                Some((
                    Status::MAPI_E_NOT_FOUND,
                    format!(
                        "service \"{}\" is not in the registry of installable services",
                        info.service_name
                    ),
                )),
            ),
        };
        runs.push(Run {
            info,
            def,
            config,
            providers: mine,
            edits: Vec::new(),
            edits_configured: 0,
            up: Vec::new(),
            failed_one: Vec::new(),
            disabled,
        });
    }

    let flags = req.flags;
    let ui_allowed = ui_present
        && (flags.contains(LogonFlags::MAPI_LOGON_UI)
            || flags.contains(LogonFlags::MAPI_PASSWORD_UI));
    let (events, _) = broadcast::channel(256);
    let statuses: Vec<(ProviderInfo, Arc<Mutex<StatusRow>>)> = providers
        .iter()
        .map(|p| (p.clone(), Arc::new(Mutex::new(StatusRow::default()))))
        .collect();
    let ctx = Ctx {
        engine,
        profile,
        req,
        ui_allowed,
        events: &events,
        statuses: &statuses,
    };

    // Step 8: SERVICE_UI_ALWAYS shows every service's settings before any logs on.
    if flags.contains(LogonFlags::MAPI_SERVICE_UI_ALWAYS) && ui_present {
        for r in runs.iter_mut().filter(|r| r.disabled.is_none()) {
            let fields = fields(r, |_| true);
            match ctx
                .prompt_settings(r, "review the service's settings", &fields)
                .await
            {
                Some(edits) => r.edits.extend(edits),
                None => {
                    r.disabled = Some((
                        Status::MAPI_E_USER_CANCEL,
                        "configuration was cancelled".into(),
                    ))
                }
            }
        }
    }

    for i in 0..runs.len() {
        if runs[i].disabled.is_some() {
            continue;
        }
        if let Err(e) = ctx.logon_service(&mut runs[i]).await {
            // The logon fails as a whole: providers that came up are logged off.
            for r in &mut runs {
                for (_, obj) in r.up.drain(..) {
                    logoff(obj).await;
                }
            }
            return Err(e);
        }
    }

    // Decision 7: save what the user entered, for services that came up.
    let mut last_error = None;
    for r in runs
        .iter()
        .filter(|r| r.disabled.is_none() && !r.edits.is_empty())
    {
        let saved =
            engine.with_store(|s| Ok(s.configure_msg_service(reg, profile, r.info.uid, &r.edits)?));
        if let Err(e) = saved {
            last_error = Some(format!(
                "settings of \"{}\" were not saved: {e}",
                r.info.display_name
            ));
        }
    }

    let mut slots = Vec::new();
    let mut disabled = Vec::new();
    for (info, status) in statuses {
        let r = runs.iter().find(|r| r.info.uid == info.service_uid);
        let skipped = flags.contains(LogonFlags::MAPI_NO_MAIL)
            && info.resource_type == resource_type::MAPI_TRANSPORT_PROVIDER;
        let object = r
            .and_then(|r| r.up.iter().find(|(p, _)| p.uid == info.uid))
            .map(|(_, o)| o.clone());
        let off = r.and_then(|r| {
            r.disabled.clone().or_else(|| {
                r.failed_one
                    .iter()
                    .find(|(p, _, _)| p.uid == info.uid)
                    .map(|(_, s, m)| (*s, m.clone()))
            })
        });
        slots.push(ProviderSlot {
            service_display: r.map(|r| r.info.display_name.clone()).unwrap_or_default(),
            info,
            object,
            disabled: if skipped { None } else { off },
            skipped,
            status,
            transport_failed: std::sync::Mutex::new(None),
        });
    }
    for r in &runs {
        if let Some((status, reason)) = &r.disabled {
            disabled.push(DisabledService {
                service_uid: r.info.uid,
                service_name: r.info.service_name.clone(),
                display_name: r.info.display_name.clone(),
                status: *status,
                reason: reason.clone(),
            });
        }
    }
    if last_error.is_none()
        && let Some(d) = disabled.first()
    {
        last_error = Some(format!(
            "service \"{}\" was disabled: {}: {}",
            d.display_name, d.status, d.reason
        ));
    }
    Ok(Phase {
        slots,
        disabled,
        events,
        last_error,
    })
}

struct Ctx<'a> {
    engine: &'a Engine,
    profile: &'a str,
    req: &'a LogonRequest,
    ui_allowed: bool,
    events: &'a broadcast::Sender<SessionEvent>,
    statuses: &'a [(ProviderInfo, Arc<Mutex<StatusRow>>)],
}

impl Ctx<'_> {
    /// Logs one service on with the retry-once rule; on a second failure (or a skip)
    /// the service is disabled. Only a cancel of the failure dialog fails the logon.
    async fn logon_service(&self, r: &mut Run) -> Result<()> {
        let mut attempt = 1;
        loop {
            let err = match self.attempt(r).await {
                Ok(()) => {
                    log::debug!(
                        "service \"{}\": up (attempt {attempt})",
                        r.info.display_name
                    );
                    return Ok(());
                }
                Err(e) => e,
            };
            log::debug!(
                "service \"{}\": attempt {attempt} failed: {err}",
                r.info.display_name
            );
            if attempt >= 2 || err.status == Status::MAPI_E_USER_CANCEL {
                r.disabled = Some((err.status, err.message));
                return Ok(());
            }
            attempt += 1;
            if err.status == Status::MAPI_E_UNCONFIGURED {
                // Step 13: configure, then retry. Without UI nothing can supply the
                // settings, so the retry could only fail the same way.
                if !self.ui_allowed {
                    r.disabled = Some((
                        err.status,
                        format!(
                            "{}; no UI is allowed to ask for them (configure the service, or log on with UI)",
                            err.message
                        ),
                    ));
                    return Ok(());
                }
                let missing: Vec<String> = if err.missing.is_empty() {
                    r.config.missing.clone()
                } else {
                    err.missing.clone()
                };
                let f = fields(r, |k| missing.iter().any(|m| m == k));
                match self.prompt_settings(r, &err.message, &f).await {
                    Some(edits) => r.edits.extend(edits),
                    None => {
                        r.disabled = Some((
                            Status::MAPI_E_USER_CANCEL,
                            "configuration was cancelled".into(),
                        ));
                        return Ok(());
                    }
                }
                continue;
            }
            if !self.ui_allowed {
                tokio::time::sleep(self.engine.config().retry_backoff).await;
                continue;
            }
            let has_secret = r
                .def
                .as_ref()
                .is_some_and(|d| d.settings.iter().any(|s| s.secret));
            if err.status == Status::MAPI_E_LOGON_FAILED && has_secret {
                // Bad credentials: ask for the secret settings (the password) again.
                let f = fields(r, |k| {
                    r.def
                        .as_ref()
                        .and_then(|d| d.setting(k))
                        .is_some_and(|s| s.secret)
                });
                match self.prompt_settings(r, &err.message, &f).await {
                    Some(edits) => r.edits.extend(edits),
                    None => {
                        r.disabled = Some((err.status, err.message));
                        return Ok(());
                    }
                }
                continue;
            }
            match self
                .req
                .ui
                .service_failed(&r.info.display_name, err.status, &err.message)
                .await
            {
                FailureChoice::Retry => {}
                FailureChoice::Edit => {
                    let f = fields(r, |_| true);
                    match self.prompt_settings(r, &err.message, &f).await {
                        Some(edits) => r.edits.extend(edits),
                        None => {
                            r.disabled = Some((err.status, err.message));
                            return Ok(());
                        }
                    }
                }
                FailureChoice::Skip => {
                    r.disabled = Some((err.status, err.message));
                    return Ok(());
                }
                FailureChoice::Cancel => return Err(EngineError::UserCancel),
            }
        }
    }

    /// One attempt: address-book providers, then stores, then transports (none under
    /// NO_MAIL). A failure other than FAILONEPROVIDER logs off what came up and fails the
    /// attempt.
    async fn attempt(&self, r: &mut Run) -> std::result::Result<(), ProviderError> {
        let settings = merged_settings(r)?;
        let required: Vec<&str> = r
            .def
            .as_ref()
            .map(|d| d.required_keys())
            .unwrap_or_default();
        let missing = settings.missing(&required);
        if !missing.is_empty() {
            return Err(ProviderError::unconfigured(missing));
        }
        let service = self
            .engine
            .catalog()
            .get(&r.info.service_name)
            .ok_or_else(|| {
                ProviderError::new(
                    Status::MAPI_E_NO_SUPPORT,
                    format!(
                        "this build has no implementation of service \"{}\"",
                        r.info.service_name
                    ),
                )
            })?;
        if r.edits.len() > r.edits_configured {
            // Step 13: the service entry sees the new settings (MSG_SERVICE_CONFIGURE)
            // before its providers log on again.
            service.service_entry(ServiceEntryCall::Configure, &settings)?;
            r.edits_configured = r.edits.len();
        }
        let no_mail = self.req.flags.contains(LogonFlags::MAPI_NO_MAIL);
        let mut order = r.providers.clone();
        order.sort_by_key(|p| match p.resource_type {
            resource_type::MAPI_AB_PROVIDER => 0,
            resource_type::MAPI_STORE_PROVIDER => 1,
            _ => 2,
        });
        r.failed_one.clear();
        let mut up: Vec<(ProviderInfo, ProviderObject)> = Vec::new();
        for p in order {
            if no_mail && p.resource_type == resource_type::MAPI_TRANSPORT_PROVIDER {
                continue;
            }
            let support = Arc::new(self.support(r, &p, settings.clone()));
            let res = match p.resource_type {
                resource_type::MAPI_AB_PROVIDER => service
                    .ab_logon(support)
                    .await
                    .map(ProviderObject::AddressBook),
                resource_type::MAPI_STORE_PROVIDER => service
                    .store_logon(support)
                    .await
                    .map(ProviderObject::Store),
                resource_type::MAPI_TRANSPORT_PROVIDER => service
                    .transport_logon(support)
                    .await
                    .map(ProviderObject::Transport),
                other => Err(ProviderError::no_support(format!(
                    "resource type {other} cannot log on"
                ))),
            };
            match res {
                Ok(obj) => up.push((p, obj)),
                Err(e) if e.status == Status::MAPI_E_FAILONEPROVIDER => {
                    r.failed_one.push((p, e.status, e.message))
                }
                Err(e) => {
                    for (_, obj) in up {
                        logoff(obj).await;
                    }
                    return Err(e);
                }
            }
        }
        r.up = up;
        Ok(())
    }

    fn support(&self, r: &Run, p: &ProviderInfo, settings: Settings) -> EngineSupport {
        let flags = self.req.flags;
        let mut pflags = ProviderLogonFlags::MDB_WRITE;
        if !self.ui_allowed {
            pflags |= ProviderLogonFlags::MDB_NO_DIALOG;
        }
        if flags.contains(LogonFlags::MAPI_NO_MAIL) {
            pflags |= ProviderLogonFlags::MDB_NO_MAIL;
        }
        let cfg = self.engine.config();
        let timeout = if flags.contains(LogonFlags::MAPI_TIMEOUT_SHORT) {
            cfg.provider_timeout_short
        } else {
            cfg.provider_timeout
        };
        let status = self
            .statuses
            .iter()
            .find(|(i, _)| i.uid == p.uid)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        EngineSupport {
            profile: self.profile.to_string(),
            service_uid: r.info.uid,
            provider_uid: p.uid,
            service_name: r.info.service_name.clone(),
            display_name: r.info.display_name.clone(),
            settings,
            logon_flags: flags,
            provider_flags: pflags,
            data_dir: cfg.home.join("data").join(r.info.uid.to_hex()),
            timeout,
            status,
            events: self.events.clone(),
            progress_ui: Some(self.req.ui.clone()),
        }
    }

    /// Shows a settings prompt until the answers parse (or the user cancels).
    async fn prompt_settings(
        &self,
        r: &Run,
        reason: &str,
        f: &[PromptField],
    ) -> Option<Vec<(String, String)>> {
        let def = r.def.as_ref()?;
        let mut why = reason.to_string();
        for _ in 0..PROMPT_ATTEMPTS {
            let answers = self
                .req
                .ui
                .service_settings(&r.info.display_name, &why, f)
                .await?;
            let bad: Vec<String> = answers
                .iter()
                .filter_map(|(k, v)| match parse_setting_value_for(def, k, v) {
                    Ok(_) => None,
                    Err(e) => Some(e.to_string()),
                })
                .collect();
            if bad.is_empty() {
                return Some(answers);
            }
            why = bad.join("; ");
        }
        None
    }
}

async fn logoff(obj: ProviderObject) {
    match obj {
        ProviderObject::Store(s) => s.logoff().await,
        ProviderObject::AddressBook(a) => a.logoff().await,
        ProviderObject::Transport(t) => t.logoff().await,
    }
}

/// The service's stored settings with this logon's edits applied.
fn merged_settings(r: &Run) -> std::result::Result<Settings, ProviderError> {
    let mut settings = to_settings(&r.config);
    if let Some(def) = &r.def {
        for (k, v) in &r.edits {
            let value = parse_setting_value_for(def, k, v)
                .map_err(|e| ProviderError::new(Status::MAPI_E_INVALID_PARAMETER, e.to_string()))?;
            settings.set(k, value);
        }
    }
    Ok(settings)
}

/// Prompt fields for the settings whose key passes `want`.
fn fields(r: &Run, want: impl Fn(&str) -> bool) -> Vec<PromptField> {
    let Some(def) = &r.def else { return Vec::new() };
    let current = merged_settings(r).ok();
    def.settings
        .iter()
        .filter(|s| want(&s.key))
        .map(|s| PromptField {
            key: s.key.clone(),
            label: s.label.clone(),
            secret: s.secret,
            required: s.required,
            current: if s.secret {
                None
            } else {
                current
                    .as_ref()
                    .and_then(|c| c.get(&s.key))
                    .map(|v| v.to_string())
            },
        })
        .collect()
}
