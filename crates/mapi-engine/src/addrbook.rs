//! The session's address book: every address-book provider merged (`OpenAddressBook`).

use std::sync::Arc;

use mapi_spi::AddressBook;
use mapi_types::{Row, Status, tags};

use crate::error::Result;

/// The merged address book of a session.
pub struct MergedAddressBook {
    books: Vec<Arc<dyn AddressBook>>,
    warning: Status,
}

impl MergedAddressBook {
    pub(crate) fn new(books: Vec<Arc<dyn AddressBook>>, warning: Status) -> MergedAddressBook {
        MergedAddressBook { books, warning }
    }

    /// `S_OK`, or `MAPI_W_ERRORS_RETURNED` when some providers are disabled.
    pub fn warning(&self) -> Status {
        self.warning
    }

    /// How many providers are merged.
    pub fn providers(&self) -> usize {
        self.books.len()
    }

    /// Every entry of every provider, sorted by display name.
    pub async fn entries(&self) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        for b in &self.books {
            out.extend(b.entries().await?.full_rows().into_iter().cloned());
        }
        sort_by_name(&mut out);
        Ok(out)
    }

    /// `ResolveName` by prefix across every provider.
    pub async fn resolve(&self, prefix: &str) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        for b in &self.books {
            out.extend(b.resolve(prefix).await?);
        }
        sort_by_name(&mut out);
        Ok(out)
    }

    /// Adds an entry to the first provider.
    pub async fn add_entry(&self, display_name: &str, email: &str) -> Result<Vec<u8>> {
        let first = self.books.first().ok_or_else(|| {
            crate::error::EngineError::NoSupport("the session has no address-book provider".into())
        })?;
        Ok(first.add_entry(display_name, email).await?)
    }
}

fn sort_by_name(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        let ka = a.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_lowercase();
        let kb = b.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_lowercase();
        ka.cmp(&kb)
    });
}
