//! The IMAP store and its folders as property objects (OpenEntry on a folder, the
//! store's IMAPIProp part): read-only GetProps and GetPropList over their rows, and the
//! store's named-property map. A folder's computed properties (PR_CONTENT_COUNT,
//! PR_CONTENT_UNREAD, PR_SUBFOLDERS) are read from the cache at each call, in one
//! query, so an open folder shows changes made after it was opened. Folders change
//! through IMAPIFolder's operations, not SetProps; SaveChanges, having nothing to
//! save, succeeds.

use std::sync::Arc;

use mapi_spi::{PropNames, PropObject, PropValues, ProviderResult, Reply, async_trait};
use mapi_types::{MapiUid, NameId, PropTag, PropValue, Row, tags};

use crate::store::Shared;
use crate::sync::lock;

/// A store or folder, read-only.
pub(crate) struct InfoObject {
    shared: Arc<Shared>,
    object_type: u32,
    row: Row,
    /// The folder's cache row id, for its computed properties; `None` for the store.
    folder: Option<i64>,
}

impl InfoObject {
    /// The store's object.
    pub(crate) fn store(shared: Arc<Shared>, row: Row) -> InfoObject {
        InfoObject {
            shared,
            object_type: mapi_types::object_type::MAPI_STORE,
            row,
            folder: None,
        }
    }

    /// Folder `id`'s object; `row` holds its fixed properties.
    pub(crate) fn folder(shared: Arc<Shared>, id: i64, row: Row) -> InfoObject {
        InfoObject {
            shared,
            object_type: mapi_types::object_type::MAPI_FOLDER,
            row,
            folder: Some(id),
        }
    }

    /// The row with its computed properties as the cache has them now.
    fn current(&self) -> ProviderResult<std::borrow::Cow<'_, Row>> {
        let Some(id) = self.folder else {
            return Ok(std::borrow::Cow::Borrowed(&self.row));
        };
        let (count, unread, children) = lock(&self.shared.db).folder_counts(id)?;
        let clamp = |n: i64| PropValue::Long(n.clamp(0, i32::MAX as i64) as i32);
        let mut row = self.row.clone();
        row.set(tags::PR_CONTENT_COUNT, clamp(count));
        row.set(tags::PR_CONTENT_UNREAD, clamp(unread));
        row.set(tags::PR_SUBFOLDERS, PropValue::Boolean(children));
        Ok(std::borrow::Cow::Owned(row))
    }
}

#[async_trait]
impl PropObject for InfoObject {
    fn object_type(&self) -> u32 {
        self.object_type
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        _flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        crate::object::row_props(&*self.current()?, tags)
    }

    async fn get_prop_list(&self, _flags: u32) -> ProviderResult<Vec<PropTag>> {
        Ok(crate::object::row_prop_list(&*self.current()?))
    }

    async fn set_props(
        &self,
        _values: &[(PropTag, mapi_types::PropValue)],
    ) -> ProviderResult<Vec<mapi_types::PropProblem>> {
        Err(read_only("SetProps"))
    }

    async fn delete_props(
        &self,
        _tags: &[PropTag],
    ) -> ProviderResult<Vec<mapi_types::PropProblem>> {
        Err(read_only("DeleteProps"))
    }

    /// Nothing is ever pending on these objects (SetProps is refused), so SaveChanges
    /// succeeds, as clients expect after folder operations (pywin32's mapisend.py
    /// saves the Outbox before submitting).
    async fn save_changes(&self, _flags: u32) -> ProviderResult<()> {
        Ok(())
    }

    async fn get_ids_from_names(
        &self,
        names: &[NameId],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<PropTag>>> {
        crate::named::get_ids(&self.shared.db, names, flags)
    }

    async fn get_names_from_ids(
        &self,
        tags: Option<&[PropTag]>,
        guid: Option<&MapiUid>,
        flags: u32,
    ) -> ProviderResult<Reply<PropNames>> {
        crate::named::get_names(&self.shared.db, tags, guid, flags)
    }
}

fn read_only(what: &str) -> mapi_spi::ProviderError {
    mapi_spi::ProviderError::new(
        mapi_types::Status::MAPI_E_NO_ACCESS,
        format!(
            "{what}: the IMAP store's folders and the store are read-only objects \
             (change them with the folder operations)"
        ),
    )
}
