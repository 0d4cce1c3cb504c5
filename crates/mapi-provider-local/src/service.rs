//! The two message services: [`LocalStoreService`] (`local-store`) and [`ContactsService`]
//! (`contacts`), their service entries and logons, and [`register`].

use std::sync::Arc;

use mapi_spi::{
    AddressBook, MessageService, MsgStore, ProviderCatalog, ProviderResult, ServiceEntryCall,
    Settings, StatusRow, Support, async_trait,
};
use mapi_types::PropValue;
use mapi_types::StatusCode;

use crate::contacts::Contacts;
use crate::dbfile::{self, FileKind, path_setting};
use crate::schema::{CONTACTS, STORE};
use crate::store::LocalStore;

/// The `local-store` service: one message store in one SQLite file.
///
/// Settings: `path` (required), `display_name`, `exclusive` (default false).
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalStoreService;

/// The `contacts` service: a personal address book in one SQLite file.
///
/// Settings: `path` (required), `display_name`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ContactsService;

/// Adds both services to a catalogue.
pub fn register(catalog: &mut ProviderCatalog) {
    catalog.register(Arc::new(LocalStoreService));
    catalog.register(Arc::new(ContactsService));
}

/// Create/Configure make the file when it is absent and check it otherwise; Delete
/// leaves it on disk (removing a service never deletes the user's data).
fn service_entry(
    kind: &FileKind,
    call: ServiceEntryCall,
    settings: &Settings,
) -> ProviderResult<()> {
    match call {
        ServiceEntryCall::Create | ServiceEntryCall::Configure => {
            let path = path_setting(settings)?;
            dbfile::ensure(kind, &path)?;
            Ok(())
        }
        ServiceEntryCall::Delete => Ok(()),
    }
}

fn report_available(support: &dyn Support) {
    support.modify_status_row(StatusRow {
        code: StatusCode::STATUS_AVAILABLE,
        text: Some("Available".into()),
        identity: None,
    });
}

#[async_trait]
impl MessageService for LocalStoreService {
    fn name(&self) -> &str {
        "local-store"
    }

    fn service_entry(&self, call: ServiceEntryCall, settings: &Settings) -> ProviderResult<()> {
        service_entry(&STORE, call, settings)
    }

    async fn store_logon(&self, support: Arc<dyn Support>) -> ProviderResult<Arc<dyn MsgStore>> {
        // Without its own display name the store takes the service's.
        let mut settings = support.settings().clone();
        if settings.str("display_name").is_none() && !support.display_name().is_empty() {
            settings.set(
                "display_name",
                PropValue::Unicode(support.display_name().to_string()),
            );
        }
        let store = LocalStore::logon(&settings)?;
        report_available(support.as_ref());
        Ok(Arc::new(store))
    }
}

#[async_trait]
impl MessageService for ContactsService {
    fn name(&self) -> &str {
        "contacts"
    }

    fn service_entry(&self, call: ServiceEntryCall, settings: &Settings) -> ProviderResult<()> {
        service_entry(&CONTACTS, call, settings)
    }

    async fn ab_logon(&self, support: Arc<dyn Support>) -> ProviderResult<Arc<dyn AddressBook>> {
        let mut settings = support.settings().clone();
        if settings.str("display_name").is_none() && !support.display_name().is_empty() {
            settings.set(
                "display_name",
                PropValue::Unicode(support.display_name().to_string()),
            );
        }
        let book = Contacts::logon(&settings)?;
        report_available(support.as_ref());
        Ok(Arc::new(book))
    }
}
