//! The engine: initialize / uninitialize (reference-counted), the provider catalogue, the
//! registry, the logon mutex, the shared-session slot, and service administration that
//! calls each service's entry point.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use mapi_profile::{ProfileStore, Registry, ServiceConfig};
use mapi_spi::{ProviderCatalog, ServiceEntryCall, Settings};
use mapi_types::{MapiUid, PropValue};

use crate::config::EngineConfig;
use crate::error::{EngineError, Result};
use crate::session::{Session, SessionInner};

pub(crate) struct EngineInner {
    pub config: EngineConfig,
    pub catalog: ProviderCatalog,
    pub registry: Registry,
    pub init_count: AtomicUsize,
    pub logon_lock: tokio::sync::Mutex<()>,
    pub shared: Mutex<Option<Arc<SessionInner>>>,
    pub store: Mutex<Option<ProfileStore>>,
    pub next_session: AtomicU64,
}

impl EngineInner {
    /// Clears the shared slot if it holds session `id`.
    pub(crate) fn forget_shared(&self, id: u64) {
        if let Ok(mut slot) = self.shared.lock()
            && slot.as_ref().is_some_and(|s| s.id == id)
        {
            *slot = None;
        }
    }
}

/// The MAPI engine. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

impl Engine {
    /// An engine over a MAPI home with these service implementations. Loads the
    /// registry (a bad `mapisvc.*` file is an error naming file and line).
    pub fn new(config: EngineConfig, catalog: ProviderCatalog) -> Result<Engine> {
        let registry = Registry::load(&config.home)?;
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config,
                catalog,
                registry,
                init_count: AtomicUsize::new(0),
                logon_lock: tokio::sync::Mutex::new(()),
                shared: Mutex::new(None),
                store: Mutex::new(None),
                next_session: AtomicU64::new(1),
            }),
        })
    }

    /// `MAPIInitialize`: counts up; also checks the profile store opens.
    pub fn initialize(&self) -> Result<()> {
        self.with_store(|_| Ok(()))?;
        self.inner.init_count.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// `MAPIUninitialize`: counts down; at zero, later calls fail with
    /// `MAPI_E_NOT_INITIALIZED`.
    pub fn uninitialize(&self) {
        let _ = self
            .inner
            .init_count
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    }

    /// Whether `initialize` calls outnumber `uninitialize` calls.
    pub fn is_initialized(&self) -> bool {
        self.inner.init_count.load(Ordering::SeqCst) > 0
    }

    pub(crate) fn require_init(&self) -> Result<()> {
        if self.is_initialized() {
            Ok(())
        } else {
            Err(EngineError::NotInitialized)
        }
    }

    /// The engine's settings.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// The service registry.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// The service implementations.
    pub fn catalog(&self) -> &ProviderCatalog {
        &self.inner.catalog
    }

    /// The shared session, as a new client handle with these logon flags, if one exists.
    pub fn shared_session(&self, flags: mapi_types::LogonFlags) -> Option<Session> {
        let slot = self.inner.shared.lock().ok()?;
        let s = slot.as_ref()?;
        if s.ended.lock().ok()?.is_some() {
            return None;
        }
        Some(Session::attach(s.clone(), flags))
    }

    /// The password-free name of the profile store this engine uses
    /// ([`mapi_profile::location::identity`]).
    pub fn store_identity(&self) -> Result<String> {
        let config = &self.inner.config;
        Ok(mapi_profile::location::identity(
            &config.home,
            config.profile_store.as_deref(),
        )?)
    }

    /// Runs `f` on the profile store (opened once, kept open).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut ProfileStore) -> Result<T>) -> Result<T> {
        let mut guard =
            self.inner.store.lock().map_err(|_| {
                EngineError::LogonFailed("the profile store lock is poisoned".into())
            })?;
        if guard.is_none() {
            let config = &self.inner.config;
            *guard = Some(ProfileStore::open_location(
                &config.home,
                config.profile_store.as_deref(),
            )?);
        }
        match guard.as_mut() {
            Some(store) => f(store),
            None => Err(EngineError::NotFound("profile store".into())),
        }
    }

    /// `CreateMsgServiceEx` plus the service entry (`MSG_SERVICE_CREATE`): adds the
    /// service and lets it prepare (a local store creates its file). If the entry point
    /// refuses, the service is removed again and its error returned.
    pub fn create_service(
        &self,
        profile: &str,
        service: &str,
        display_name: Option<&str>,
        settings: &[(String, String)],
    ) -> Result<MapiUid> {
        let reg = &self.inner.registry;
        let uid = self.with_store(|s| {
            Ok(s.create_msg_service(reg, profile, service, display_name, settings)?)
        })?;
        if let Err(e) = self.call_entry(profile, uid, ServiceEntryCall::Create) {
            let _ = self.with_store(|s| Ok(s.delete_msg_service(profile, uid)?));
            return Err(e);
        }
        Ok(uid)
    }

    /// `ConfigureMsgService` with values: stores them, then the entry point
    /// (`MSG_SERVICE_CONFIGURE`) checks them; if it refuses, the old values are put back.
    pub fn configure_service(
        &self,
        profile: &str,
        uid: MapiUid,
        settings: &[(String, String)],
    ) -> Result<()> {
        let reg = &self.inner.registry;
        let before = self.with_store(|s| Ok(s.service_config(reg, profile, uid)?))?;
        self.with_store(|s| Ok(s.configure_msg_service(reg, profile, uid, settings)?))?;
        if let Err(e) = self.call_entry(profile, uid, ServiceEntryCall::Configure) {
            let restore = restore_pairs(&before, settings);
            let _ = self.with_store(|s| Ok(s.configure_msg_service(reg, profile, uid, &restore)?));
            return Err(e);
        }
        Ok(())
    }

    /// `DeleteMsgService`: the entry point (`MSG_SERVICE_DELETE`) first, then the service.
    pub fn remove_service(&self, profile: &str, uid: MapiUid) -> Result<()> {
        self.call_entry(profile, uid, ServiceEntryCall::Delete)?;
        self.with_store(|s| Ok(s.delete_msg_service(profile, uid)?))
    }

    /// The settings of a service as its providers see them.
    pub fn service_settings(
        &self,
        profile: &str,
        uid: MapiUid,
    ) -> Result<(ServiceConfig, Settings)> {
        let reg = &self.inner.registry;
        let cfg = self.with_store(|s| Ok(s.service_config(reg, profile, uid)?))?;
        let settings = to_settings(&cfg);
        Ok((cfg, settings))
    }

    fn call_entry(&self, profile: &str, uid: MapiUid, call: ServiceEntryCall) -> Result<()> {
        let (cfg, settings) = self.service_settings(profile, uid)?;
        match self.inner.catalog.get(&cfg.service.service_name) {
            Some(svc) => match svc.service_entry(call, &settings) {
                // A service may be added or left with required settings missing: it is
                // then unconfigured, and logon asks for them.
                Err(e) if e.status == mapi_types::Status::MAPI_E_UNCONFIGURED => Ok(()),
                other => Ok(other?),
            },
            // A service with no implementation here can still be administered.
            None => Ok(()),
        }
    }
}

/// The provider-side view of a service's configuration.
pub(crate) fn to_settings(cfg: &ServiceConfig) -> Settings {
    let mut s = Settings::new();
    for sv in &cfg.settings {
        if let Some(v) = &sv.value {
            s.set(&sv.def.key, v.clone());
        }
        if sv.def.secret {
            s.mark_secret(&sv.def.key);
        }
    }
    s
}

/// (key, text) pairs that put back the values `before` had for the keys in `changed`.
fn restore_pairs(before: &ServiceConfig, changed: &[(String, String)]) -> Vec<(String, String)> {
    changed
        .iter()
        .map(|(k, _)| {
            let old = before
                .settings
                .iter()
                .find(|s| &s.def.key == k && !s.is_default)
                .and_then(|s| s.value.as_ref())
                .map(|v| match v {
                    PropValue::Boolean(b) => b.to_string(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            (k.clone(), old)
        })
        .collect()
}
