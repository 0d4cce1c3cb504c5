//! The IMAP store and its folders as property objects (OpenEntry on a folder, the
//! store's IMAPIProp part): read-only GetProps and GetPropList over their rows as the
//! store has them now (a folder's counts are its cached messages), and the store's
//! named-property map. Folders change through IMAPIFolder's operations, not SetProps.

use std::sync::Arc;

use mapi_spi::{PropNames, PropObject, PropValues, ProviderResult, Reply, async_trait};
use mapi_types::{MapiUid, NameId, PropTag, Row};

use crate::store::Shared;

/// A store or folder, read-only.
pub(crate) struct InfoObject {
    shared: Arc<Shared>,
    object_type: u32,
    row: Row,
}

impl InfoObject {
    pub(crate) fn new(shared: Arc<Shared>, object_type: u32, row: Row) -> InfoObject {
        InfoObject {
            shared,
            object_type,
            row,
        }
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
        crate::object::row_props(&self.row, tags)
    }

    async fn get_prop_list(&self, _flags: u32) -> ProviderResult<Vec<PropTag>> {
        Ok(crate::object::row_prop_list(&self.row))
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
