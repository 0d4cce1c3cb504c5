//! IMsgServiceAdmin and IMsgServiceAdmin2 (one object answers both) over the facade's
//! [`ServiceAdmin`]: GetMsgServiceTable, CreateMsgService, CreateMsgServiceEx,
//! DeleteMsgService, ConfigureMsgService (SPropValues, no UI), OpenProfileSection,
//! MsgServiceTransportOrder, AdminProviders, SetPrimaryIdentity, GetProviderTable.
//! CopyMsgService and RenameMsgService (deprecated by Microsoft) answer
//! `MAPI_E_NO_SUPPORT`.

use std::ffi::c_void;
use std::sync::Arc;

use mapi::admin::ServiceAdmin;
use mapi::blocking::Mapi;
use mapi::{MapiUid, Status};

use crate::admin::{object_out, read_props, read_uid, required_string, string_arg, table_out};
use crate::com::{self, LastError, Object, call};
use crate::error::{CapiError, null};
use crate::profsect::ProfSectObj;
use crate::provadmin::ProvAdmin;
use crate::session::{check_interface, get_last_error};
use crate::vtbl::{Guid, IMsgServiceAdmin2Vtbl, chain};

/// Most transports one MsgServiceTransportOrder may list.
const MAX_UIDS: u32 = 4096;

/// An IMsgServiceAdmin2 (and so an IMsgServiceAdmin).
pub struct SvcAdmin {
    admin: ServiceAdmin,
    mapi: Arc<Mapi>,
    last: LastError,
}

impl SvcAdmin {
    /// The interface pointer of a service-admin object.
    pub fn new_object(admin: ServiceAdmin, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(SvcAdmin {
            admin,
            mapi,
            last: LastError::default(),
        })
    }
}

impl Object for SvcAdmin {
    const CHAIN: &'static [&'static Guid] = chain::IMsgServiceAdmin2;
    fn vtbl() -> *const c_void {
        &VTBL as *const IMsgServiceAdmin2Vtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IMsgServiceAdmin2Vtbl = IMsgServiceAdmin2Vtbl {
    QueryInterface: com::query_interface::<SvcAdmin>,
    AddRef: com::add_ref::<SvcAdmin>,
    Release: com::release::<SvcAdmin>,
    GetLastError: get_last_error::<SvcAdmin>,
    GetMsgServiceTable: get_msg_service_table,
    CreateMsgService: create_msg_service,
    DeleteMsgService: delete_msg_service,
    ConfigureMsgService: configure_msg_service,
    OpenProfileSection: open_profile_section,
    MsgServiceTransportOrder: msg_service_transport_order,
    AdminProviders: admin_providers,
    SetPrimaryIdentity: set_primary_identity,
    GetProviderTable: get_provider_table,
    CreateMsgServiceEx: create_msg_service_ex,
    ..IMsgServiceAdmin2Vtbl::NO_SUPPORT
};

unsafe extern "C" fn get_msg_service_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            table_out(out, flags, &a.mapi, || a.admin.get_msg_service_table(flags))
        })
    }
}

unsafe extern "C" fn get_provider_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            table_out(out, flags, &a.mapi, || a.admin.get_provider_table(flags))
        })
    }
}

/// CreateMsgService and CreateMsgServiceEx: the new service's uid.
unsafe fn create(
    a: &SvcAdmin,
    service: *mut c_void,
    display: *mut c_void,
    flags: u32,
) -> crate::error::Result<MapiUid> {
    // SAFETY: strings NUL-terminated per MAPI.
    let service = unsafe { required_string(service, flags, "lpszService") }?;
    let display = unsafe { string_arg(display, flags) }?;
    Ok(a.admin
        .create_msg_service(&service, display.as_deref(), flags)?)
}

unsafe extern "C" fn create_msg_service(
    this: *mut c_void,
    service: *mut c_void,
    display: *mut c_void,
    _ui: usize,
    flags: u32,
) -> i32 {
    // SAFETY: `this` from C; strings checked by `create`.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            create(a, service, display, flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn create_msg_service_ex(
    this: *mut c_void,
    service: *mut c_void,
    display: *mut c_void,
    _ui: usize,
    flags: u32,
    uid_out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; `uid_out` checked before anything is made.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            if uid_out.is_null() {
                return Err(null("lpuidService"));
            }
            let uid = create(a, service, display, flags)?;
            std::ptr::copy_nonoverlapping(uid.0.as_ptr(), uid_out as *mut u8, 16);
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn delete_msg_service(this: *mut c_void, uid: *mut c_void) -> i32 {
    // SAFETY: `this` from C; the uid is 16 bytes or NULL.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            let uid = read_uid(uid, "lpUID")?;
            a.admin.delete_msg_service(uid)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn configure_msg_service(
    this: *mut c_void,
    uid: *mut c_void,
    _ui: usize,
    flags: u32,
    count: u32,
    props: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; the values are read and copied, bounded.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            let uid = read_uid(uid, "lpUID")?;
            let props = read_props(count, props)?;
            a.admin.configure_msg_service(uid, &props, flags)?;
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
        call::<SvcAdmin>(this, |a| {
            let uid = read_uid(uid, "lpUID")?;
            check_interface(iid, chain::IProfSect)?;
            object_out(out, "lppProfSect", || {
                let sect = a.admin.open_profile_section(uid, flags)?;
                Ok(ProfSectObj::new_object(sect, flags))
            })
        })
    }
}

unsafe extern "C" fn msg_service_transport_order(
    this: *mut c_void,
    count: u32,
    uids: *mut c_void,
    flags: u32,
) -> i32 {
    // SAFETY: `this` from C; `count` uids of 16 bytes, bounded.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            if count > MAX_UIDS {
                return Err(CapiError::TooBig(format!("{count} transport uids")));
            }
            if count > 0 && uids.is_null() {
                return Err(null("lpUIDList"));
            }
            let order = (0..count as usize)
                .map(|i| {
                    read_uid(
                        (uids as *const u8).add(16 * i) as *const c_void,
                        "lpUIDList",
                    )
                })
                .collect::<crate::error::Result<Vec<_>>>()?;
            a.admin.msg_service_transport_order(&order, flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn admin_providers(
    this: *mut c_void,
    uid: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; pointers checked.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            let uid = read_uid(uid, "lpUID")?;
            object_out(out, "lppProviderAdmin", || {
                let p = a.admin.admin_providers(uid, flags)?;
                Ok(ProvAdmin::new_object(p, a.mapi.clone()))
            })
        })
    }
}

unsafe extern "C" fn set_primary_identity(this: *mut c_void, uid: *mut c_void, flags: u32) -> i32 {
    // SAFETY: `this` from C; the uid NULL (none) or 16 bytes.
    unsafe {
        call::<SvcAdmin>(this, |a| {
            let uid = if uid.is_null() {
                None
            } else {
                Some(read_uid(uid, "lpUID")?)
            };
            a.admin.set_primary_identity(uid, flags)?;
            Ok(Status::S_OK)
        })
    }
}
