//! IProviderAdmin over the facade's [`ProviderAdmin`]: GetProviderTable,
//! CreateProvider, DeleteProvider and OpenProfileSection for one service.

use std::ffi::c_void;
use std::sync::Arc;

use mapi::Status;
use mapi::admin::ProviderAdmin;
use mapi::blocking::Mapi;

use crate::admin::{object_out, read_props, read_uid, required_string, table_out};
use crate::com::{self, LastError, Object, call};
use crate::error::null;
use crate::profsect::ProfSectObj;
use crate::session::{check_interface, get_last_error};
use crate::vtbl::{Guid, IProviderAdminVtbl, chain};

/// An IProviderAdmin.
pub struct ProvAdmin {
    admin: ProviderAdmin,
    mapi: Arc<Mapi>,
    last: LastError,
}

impl ProvAdmin {
    /// The interface pointer of a provider-admin object.
    pub fn new_object(admin: ProviderAdmin, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(ProvAdmin {
            admin,
            mapi,
            last: LastError::default(),
        })
    }
}

impl Object for ProvAdmin {
    const CHAIN: &'static [&'static Guid] = chain::IProviderAdmin;
    fn vtbl() -> *const c_void {
        &VTBL as *const IProviderAdminVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IProviderAdminVtbl = IProviderAdminVtbl {
    QueryInterface: com::query_interface::<ProvAdmin>,
    AddRef: com::add_ref::<ProvAdmin>,
    Release: com::release::<ProvAdmin>,
    GetLastError: get_last_error::<ProvAdmin>,
    GetProviderTable: get_provider_table,
    CreateProvider: create_provider,
    DeleteProvider: delete_provider,
    OpenProfileSection: open_profile_section,
};

unsafe extern "C" fn get_provider_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<ProvAdmin>(this, |a| {
            table_out(out, flags, &a.mapi, || a.admin.get_provider_table(flags))
        })
    }
}

unsafe extern "C" fn create_provider(
    this: *mut c_void,
    name: *mut c_void,
    count: u32,
    props: *mut c_void,
    _ui: usize,
    flags: u32,
    uid_out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; the values are read and copied; `uid_out` checked first.
    unsafe {
        call::<ProvAdmin>(this, |a| {
            if uid_out.is_null() {
                return Err(null("lpUID"));
            }
            let name = required_string(name, flags, "lpszProvider")?;
            let props = read_props(count, props)?;
            let uid = a.admin.create_provider(&name, &props, flags)?;
            std::ptr::copy_nonoverlapping(uid.0.as_ptr(), uid_out as *mut u8, 16);
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn delete_provider(this: *mut c_void, uid: *mut c_void) -> i32 {
    // SAFETY: `this` from C; the uid 16 bytes or NULL.
    unsafe {
        call::<ProvAdmin>(this, |a| {
            a.admin.delete_provider(read_uid(uid, "lpUID")?)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn open_profile_section(
    this: *mut c_void,
    uid: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; pointers checked.
    unsafe {
        call::<ProvAdmin>(this, |a| {
            let uid = read_uid(uid, "lpUID")?;
            check_interface(iid, chain::IProfSect)?;
            object_out(out, "lppProfSect", || {
                let sect = a.admin.open_profile_section(uid, flags)?;
                Ok(ProfSectObj::new_object(sect, flags))
            })
        })
    }
}
