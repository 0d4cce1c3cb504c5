//! The `internet-mail` message service: settings check, store logon (online or
//! offline from the cache, with FORCE_DOWNLOAD or a background download) and transport
//! logon.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use mapi_spi::{
    MessageService, MsgStore, ProviderCatalog, ProviderResult, ServiceEntryCall, Settings,
    StatusRow, Support, Transport,
};
use mapi_types::{LogonFlags, StatusCode};

use crate::cache::Cache;
use crate::config::Account;
use crate::error::{InternetError, Result};
use crate::smtp::InternetTransport;
use crate::store::{self, InternetStore, Shared};
use crate::tls;

/// The registry name of the service.
pub const SERVICE_NAME: &str = "internet-mail";

/// The `internet-mail` service.
#[derive(Debug, Default, Clone, Copy)]
pub struct InternetMailService;

/// Adds the `internet-mail` service to an engine's catalogue.
pub fn register(catalog: &mut ProviderCatalog) {
    catalog.register(Arc::new(InternetMailService));
}

impl InternetMailService {
    /// Logs the store on and returns the concrete type (for callers that want
    /// [`InternetStore::save_sent`], [`InternetStore::synchronize`] and friends).
    pub async fn logon_store(&self, support: Arc<dyn Support>) -> Result<Arc<InternetStore>> {
        let account = Account::from_settings(support.settings())?;
        let tls = tls::client_config(account.ca_file.as_deref())?;
        let limit = support.timeout();
        let dir = support.data_dir();
        let path = store::cache_path(&dir, &account);
        let display = account
            .display_name
            .clone()
            .or_else(|| Some(support.display_name().to_string()).filter(|s| !s.is_empty()))
            .unwrap_or_else(|| account.email.clone());
        let (imap, online, reason) = match store::connect(&account, tls.clone(), limit).await {
            Ok(imap) => (Some(imap), true, None),
            Err(e) if e.is_unreachable() && Cache::exists(&path) => (None, false, Some(e)),
            Err(e) => return Err(e),
        };
        std::fs::create_dir_all(&dir).map_err(|e| InternetError::cache(&dir, e))?;
        let cache = Cache::open(&path)?;
        let store_uid = cache.store_uid();
        let store = Arc::new(InternetStore::new(Shared {
            account: account.clone(),
            support: support.clone(),
            tls,
            limit,
            db: Mutex::new(cache),
            imap: tokio::sync::Mutex::new(imap),
            online: AtomicBool::new(online),
            cancel: Arc::new(AtomicBool::new(false)),
            store_uid,
            display,
        }));
        if !online {
            support.modify_status_row(StatusRow {
                code: StatusCode::STATUS_OFFLINE,
                text: Some(format!(
                    "offline, showing cached mail: {}",
                    reason.map(|e| e.to_string()).unwrap_or_default()
                )),
                identity: Some(account.email.clone()),
            });
            return Ok(store);
        }
        if support
            .logon_flags()
            .contains(LogonFlags::MAPI_FORCE_DOWNLOAD)
        {
            let report = match store.synchronize(true).await {
                Ok(report) => report,
                Err(e) => {
                    store.logoff().await;
                    return Err(e);
                }
            };
            support.modify_status_row(StatusRow {
                code: StatusCode::STATUS_AVAILABLE,
                text: Some(match report.warning() {
                    Some(w) => format!("online; {w}"),
                    None => "online".into(),
                }),
                identity: Some(account.email.clone()),
            });
        } else {
            support.modify_status_row(StatusRow {
                code: StatusCode::STATUS_AVAILABLE,
                text: Some("online; downloading".into()),
                identity: Some(account.email.clone()),
            });
            store.start_background_sync();
        }
        Ok(store)
    }

    /// Logs the transport on and returns the concrete type.
    pub async fn logon_transport(
        &self,
        support: Arc<dyn Support>,
    ) -> Result<Arc<InternetTransport>> {
        let account = Account::from_settings(support.settings())?;
        let tls = tls::client_config(account.ca_file.as_deref())?;
        match InternetTransport::logon(account.clone(), tls.clone(), support.timeout()).await {
            Ok(t) => {
                support.modify_status_row(StatusRow {
                    code: StatusCode::STATUS_AVAILABLE | StatusCode::STATUS_OUTBOUND_ENABLED,
                    text: Some(format!("connected to {}", account.smtp.label())),
                    identity: Some(account.email),
                });
                Ok(Arc::new(t))
            }
            // An unreachable server does not take the service down (its store may be
            // working offline from its cache): the transport connects when a message is
            // submitted. Wrong credentials and TLS failures still fail the logon.
            Err(e) if e.is_unreachable() => {
                support.modify_status_row(StatusRow {
                    code: StatusCode::STATUS_OFFLINE,
                    text: Some(format!("offline: {e}")),
                    identity: Some(account.email.clone()),
                });
                Ok(Arc::new(InternetTransport::offline(
                    account,
                    tls,
                    support.timeout(),
                )))
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl MessageService for InternetMailService {
    fn name(&self) -> &str {
        SERVICE_NAME
    }

    fn service_entry(&self, call: ServiceEntryCall, settings: &Settings) -> ProviderResult<()> {
        match call {
            ServiceEntryCall::Create | ServiceEntryCall::Configure => {
                Account::from_settings(settings)
                    .map(|_| ())
                    .map_err(Into::into)
            }
            ServiceEntryCall::Delete => Ok(()),
        }
    }

    async fn store_logon(&self, support: Arc<dyn Support>) -> ProviderResult<Arc<dyn MsgStore>> {
        Ok(self.logon_store(support).await?)
    }

    async fn transport_logon(
        &self,
        support: Arc<dyn Support>,
    ) -> ProviderResult<Arc<dyn Transport>> {
        Ok(self.logon_transport(support).await?)
    }
}
