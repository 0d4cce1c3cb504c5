//! A logged-on address-book provider (`IABLogon` with its one container).

use async_trait::async_trait;
use mapi_types::{Row, Table};

use crate::error::ProviderResult;
use crate::store::EntryId;

/// An address book a provider has logged on to.
#[async_trait]
pub trait AddressBook: Send + Sync {
    /// Container properties: at least PR_DISPLAY_NAME.
    fn properties(&self) -> Row;

    /// Every entry: PR_ENTRYID, PR_DISPLAY_NAME, PR_EMAIL_ADDRESS, PR_ADDRTYPE.
    async fn entries(&self) -> ProviderResult<Table>;

    /// Entries whose display name or address starts with `prefix` (case ignored).
    async fn resolve(&self, prefix: &str) -> ProviderResult<Vec<Row>>;

    /// Adds an entry.
    async fn add_entry(&self, display_name: &str, email: &str) -> ProviderResult<EntryId>;

    /// `IABLogon::Logoff`.
    async fn logoff(&self);
}
