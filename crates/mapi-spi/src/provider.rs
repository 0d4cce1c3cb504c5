//! The message-service entry and the provider logons, and the catalogue of services the
//! engine can load.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use mapi_types::Status;

use crate::addrbook::AddressBook;
use crate::error::{ProviderError, ProviderResult};
use crate::settings::Settings;
use crate::store::MsgStore;
use crate::support::Support;
use crate::transport::Transport;

/// Why the service entry is called (reference §4.6 contexts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceEntryCall {
    /// `MSG_SERVICE_CREATE`: the service is being added to a profile.
    Create,
    /// `MSG_SERVICE_CONFIGURE`: new settings are being written.
    Configure,
    /// `MSG_SERVICE_DELETE`: the service is being removed from a profile.
    Delete,
}

/// A message service: its entry point and its providers' logons. Each logon returns a
/// new provider object; a service without a provider of some type keeps the default
/// (`MAPI_E_NO_SUPPORT`).
#[async_trait]
pub trait MessageService: Send + Sync {
    /// The registry name of the service (`PR_SERVICE_NAME`).
    fn name(&self) -> &str;

    /// The service entry: check settings on create/configure, clean up on delete.
    /// An error refuses the change.
    fn service_entry(&self, call: ServiceEntryCall, settings: &Settings) -> ProviderResult<()> {
        let _ = (call, settings);
        Ok(())
    }

    /// `IMSProvider::Logon`.
    async fn store_logon(&self, support: Arc<dyn Support>) -> ProviderResult<Arc<dyn MsgStore>> {
        let _ = support;
        Err(no_provider(self.name(), "message store"))
    }

    /// `IABProvider::Logon`.
    async fn ab_logon(&self, support: Arc<dyn Support>) -> ProviderResult<Arc<dyn AddressBook>> {
        let _ = support;
        Err(no_provider(self.name(), "address book"))
    }

    /// `IXPProvider::TransportLogon`.
    async fn transport_logon(
        &self,
        support: Arc<dyn Support>,
    ) -> ProviderResult<Arc<dyn Transport>> {
        let _ = support;
        Err(no_provider(self.name(), "transport"))
    }
}

fn no_provider(service: &str, kind: &str) -> ProviderError {
    ProviderError::new(
        Status::MAPI_E_NO_SUPPORT,
        format!("service \"{service}\" has no {kind} provider"),
    )
}

/// The services the engine can load, by registry name.
#[derive(Clone, Default)]
pub struct ProviderCatalog {
    services: BTreeMap<String, Arc<dyn MessageService>>,
}

impl ProviderCatalog {
    /// An empty catalogue.
    pub fn new() -> ProviderCatalog {
        ProviderCatalog::default()
    }

    /// Adds (or replaces) a service implementation.
    pub fn register(&mut self, service: Arc<dyn MessageService>) {
        self.services.insert(service.name().to_string(), service);
    }

    /// The implementation of a service.
    pub fn get(&self, name: &str) -> Option<Arc<dyn MessageService>> {
        self.services.get(name).cloned()
    }

    /// The names of every registered service.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.services.keys().map(String::as_str)
    }
}
