//! [`RowObject`]: the store and its folders as read-only property objects: GetProps and
//! GetPropList over the properties they had when opened, and the store's named-property
//! map. Changing them is not supported yet (`MAPI_E_NO_SUPPORT`).

use std::sync::Arc;

use mapi_spi::{PropNames, PropObject, PropValues, ProviderResult, Reply, async_trait};
use mapi_types::{MapiUid, NameId, PropTag, Row};

use crate::message::Ctx;
use crate::named;
use crate::props::PropSet;

/// A store or folder object.
pub struct RowObject {
    ctx: Arc<Ctx>,
    object_type: u32,
    props: PropSet,
}

impl RowObject {
    /// An object of type `object_type` (`MAPI_STORE`, `MAPI_FOLDER`) with a row's
    /// properties.
    pub fn new(ctx: Arc<Ctx>, object_type: u32, row: Row) -> RowObject {
        RowObject {
            ctx,
            object_type,
            props: PropSet::from_row(row),
        }
    }
}

#[async_trait]
impl PropObject for RowObject {
    fn object_type(&self) -> u32 {
        self.object_type
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        Ok(self.props.get_props(tags, flags)?)
    }

    async fn get_prop_list(&self, flags: u32) -> ProviderResult<Vec<PropTag>> {
        Ok(self.props.list(flags)?)
    }

    async fn get_ids_from_names(
        &self,
        names: &[NameId],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<PropTag>>> {
        Ok(named::get_ids(&self.ctx, names, flags)?)
    }

    async fn get_names_from_ids(
        &self,
        tags: Option<&[PropTag]>,
        guid: Option<&MapiUid>,
        flags: u32,
    ) -> ProviderResult<Reply<PropNames>> {
        Ok(named::get_names(&self.ctx, tags, guid, flags)?)
    }
}
