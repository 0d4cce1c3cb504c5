//! The `PropObject` methods the transacted objects (a message, an attachment, an
//! embedded message) answer the same way, written once: [`transacted_prop_object!`]
//! makes a type's `impl PropObject` with them, over its `inner` object (`lock()` giving
//! a state with `props`, and `set_props_now`, `delete_props_now`, `save_now`,
//! `open_property_now`), plus the methods the type adds.

/// `impl PropObject for $ty`: `object_type` is `$object_type`; GetPropList, SetProps,
/// DeleteProps, SaveChanges and OpenProperty go to `self.inner`; with `get_props`
/// GetProps answers from the held properties too; the items in braces are the rest.
macro_rules! transacted_prop_object {
    ($ty:ty, $object_type:expr, get_props, { $($extra:tt)* }) => {
        $crate::object_impl::transacted_prop_object!($ty, $object_type, {
            async fn get_props(
                &self,
                tags: Option<&[mapi_types::PropTag]>,
                flags: u32,
            ) -> mapi_spi::ProviderResult<mapi_spi::Reply<mapi_spi::PropValues>> {
                Ok(self.inner.lock().props.get_props(tags, flags)?)
            }

            $($extra)*
        });
    };
    ($ty:ty, $object_type:expr, { $($extra:tt)* }) => {
        #[mapi_spi::async_trait]
        impl mapi_spi::PropObject for $ty {
            fn object_type(&self) -> u32 {
                $object_type
            }

            async fn get_prop_list(
                &self,
                flags: u32,
            ) -> mapi_spi::ProviderResult<Vec<mapi_types::PropTag>> {
                Ok(self.inner.lock().props.list(flags)?)
            }

            async fn set_props(
                &self,
                values: &[(mapi_types::PropTag, mapi_types::PropValue)],
            ) -> mapi_spi::ProviderResult<Vec<mapi_types::PropProblem>> {
                Ok(self.inner.set_props_now(values)?)
            }

            async fn delete_props(
                &self,
                tags: &[mapi_types::PropTag],
            ) -> mapi_spi::ProviderResult<Vec<mapi_types::PropProblem>> {
                Ok(self.inner.delete_props_now(tags)?)
            }

            async fn save_changes(&self, flags: u32) -> mapi_spi::ProviderResult<()> {
                Ok(self.inner.save_now(flags)?)
            }

            async fn open_property(
                &self,
                tag: mapi_types::PropTag,
                interface: &mapi_types::MapiUid,
                flags: u32,
            ) -> mapi_spi::ProviderResult<Box<dyn mapi_spi::PropStream>> {
                Ok(Box::new(self.inner.open_property_now(tag, interface, flags)?))
            }

            $($extra)*
        }
    };
}

pub(crate) use transacted_prop_object;
