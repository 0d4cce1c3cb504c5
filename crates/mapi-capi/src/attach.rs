//! IAttach: an attachment of a message, IMAPIProp only (GetProps, SetProps,
//! DeleteProps, SaveChanges into its message, OpenProperty of PR_ATTACH_DATA_BIN as an
//! IStream or of PR_ATTACH_DATA_OBJ as the embedded IMessage).

use std::ffi::c_void;
use std::sync::Arc;

use mapi::Object as PropObject;
use mapi::blocking::Mapi;
use mapi::link::AnyStore;

use crate::com::{self, LastError, Object};
use crate::prop::{self, HasProp};
use crate::session::get_last_error;
use crate::vtbl::{Guid, IAttachVtbl, chain};

/// An IAttach.
pub struct Attach {
    object: PropObject,
    store: Arc<AnyStore>,
    mapi: Arc<Mapi>,
    last: LastError,
}

impl Attach {
    /// An attachment object.
    pub fn new_object(object: PropObject, store: Arc<AnyStore>, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(Attach {
            object,
            store,
            mapi,
            last: LastError::default(),
        })
    }
}

impl Object for Attach {
    const CHAIN: &'static [&'static Guid] = chain::IAttach;
    fn vtbl() -> *const c_void {
        &VTBL as *const IAttachVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

impl HasProp for Attach {
    fn prop(&self) -> &PropObject {
        &self.object
    }
    fn store(&self) -> &Arc<AnyStore> {
        &self.store
    }
    fn mapi(&self) -> &Arc<Mapi> {
        &self.mapi
    }
}

static VTBL: IAttachVtbl = IAttachVtbl {
    QueryInterface: com::query_interface::<Attach>,
    AddRef: com::add_ref::<Attach>,
    Release: com::release::<Attach>,
    GetLastError: get_last_error::<Attach>,
    SaveChanges: prop::save_changes::<Attach>,
    GetProps: prop::get_props::<Attach>,
    GetPropList: prop::get_prop_list::<Attach>,
    OpenProperty: prop::open_property::<Attach>,
    SetProps: prop::set_props::<Attach>,
    DeleteProps: prop::delete_props::<Attach>,
    ..IAttachVtbl::NO_SUPPORT
};
