//! `MAPIAdminProfiles` and IProfAdmin over the facade's [`ProfAdmin`]: the profile
//! table, CreateProfile, DeleteProfile, ChangeProfilePassword, CopyProfile,
//! RenameProfile, SetDefaultProfile and AdminServices. Names and passwords are
//! `wchar_t*` with MAPI_UNICODE in the call's flags, UTF-8 otherwise.

#![allow(non_snake_case)]

use std::ffi::c_void;
use std::sync::Arc;

use mapi::Status;
use mapi::admin::ProfAdmin;
use mapi::blocking::Mapi;

use crate::admin::{object_out, required_string, string_arg, table_out};
use crate::com::{self, LastError, Object, call, guard};
use crate::session::get_last_error;
use crate::svcadmin::SvcAdmin;
use crate::vtbl::{Guid, IProfAdminVtbl, chain};

/// An IProfAdmin.
pub struct ProfAdminObj {
    admin: ProfAdmin,
    mapi: Arc<Mapi>,
    last: LastError,
}

impl Object for ProfAdminObj {
    const CHAIN: &'static [&'static Guid] = chain::IProfAdmin;
    fn vtbl() -> *const c_void {
        &VTBL as *const IProfAdminVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IProfAdminVtbl = IProfAdminVtbl {
    QueryInterface: com::query_interface::<ProfAdminObj>,
    AddRef: com::add_ref::<ProfAdminObj>,
    Release: com::release::<ProfAdminObj>,
    GetLastError: get_last_error::<ProfAdminObj>,
    GetProfileTable: get_profile_table,
    CreateProfile: create_profile,
    DeleteProfile: delete_profile,
    ChangeProfilePassword: change_profile_password,
    CopyProfile: copy_profile,
    RenameProfile: rename_profile,
    SetDefaultProfile: set_default_profile,
    AdminServices: admin_services,
};

/// `MAPIAdminProfiles(ulFlags, lppProfAdmin)`: needs MAPIInitialize first.
///
/// # Safety
/// `out` must be NULL or valid for a pointer write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MAPIAdminProfiles(flags: u32, out: *mut c_void) -> i32 {
    guard(|| {
        let mapi = crate::global::mapi()?;
        // SAFETY: `out` checked by object_out.
        unsafe {
            object_out(out, "lppProfAdmin", || {
                let admin = mapi.admin_profiles(flags)?;
                Ok(com::new_object(ProfAdminObj {
                    admin,
                    mapi: mapi.clone(),
                    last: LastError::default(),
                }))
            })
        }
    })
}

unsafe extern "C" fn get_profile_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<ProfAdminObj>(this, |p| {
            table_out(out, flags, &p.mapi, || p.admin.get_profile_table(flags))
        })
    }
}

unsafe extern "C" fn create_profile(
    this: *mut c_void,
    name: *mut c_void,
    password: *mut c_void,
    _ui: usize,
    flags: u32,
) -> i32 {
    // SAFETY: `this` from C; strings NUL-terminated per MAPI.
    unsafe {
        call::<ProfAdminObj>(this, |p| {
            let name = required_string(name, flags, "lpszProfileName")?;
            let password = string_arg(password, flags)?;
            p.admin.create_profile(&name, password.as_deref(), flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn delete_profile(this: *mut c_void, name: *mut c_void, flags: u32) -> i32 {
    // SAFETY: `this` from C; the string NUL-terminated per MAPI.
    unsafe {
        call::<ProfAdminObj>(this, |p| {
            let name = required_string(name, flags, "lpszProfileName")?;
            p.admin.delete_profile(&name, flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn change_profile_password(
    this: *mut c_void,
    name: *mut c_void,
    old: *mut c_void,
    new: *mut c_void,
    flags: u32,
) -> i32 {
    // SAFETY: `this` from C; strings NUL-terminated per MAPI.
    unsafe {
        call::<ProfAdminObj>(this, |p| {
            let name = required_string(name, flags, "lpszProfileName")?;
            let old = string_arg(old, flags)?;
            let new = string_arg(new, flags)?;
            p.admin
                .change_profile_password(&name, old.as_deref(), new.as_deref(), flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn copy_profile(
    this: *mut c_void,
    from: *mut c_void,
    password: *mut c_void,
    to: *mut c_void,
    _ui: usize,
    flags: u32,
) -> i32 {
    // SAFETY: `this` from C; strings NUL-terminated per MAPI.
    unsafe {
        call::<ProfAdminObj>(this, |p| {
            let from = required_string(from, flags, "lpszOldProfileName")?;
            let password = string_arg(password, flags)?;
            let to = required_string(to, flags, "lpszNewProfileName")?;
            p.admin
                .copy_profile(&from, password.as_deref(), &to, flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn rename_profile(
    this: *mut c_void,
    from: *mut c_void,
    password: *mut c_void,
    to: *mut c_void,
    _ui: usize,
    flags: u32,
) -> i32 {
    // SAFETY: `this` from C; strings NUL-terminated per MAPI.
    unsafe {
        call::<ProfAdminObj>(this, |p| {
            let from = required_string(from, flags, "lpszOldProfileName")?;
            let password = string_arg(password, flags)?;
            let to = required_string(to, flags, "lpszNewProfileName")?;
            p.admin
                .rename_profile(&from, password.as_deref(), &to, flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn set_default_profile(this: *mut c_void, name: *mut c_void, flags: u32) -> i32 {
    // SAFETY: `this` from C; the string NULL (no default) or NUL-terminated.
    unsafe {
        call::<ProfAdminObj>(this, |p| {
            let name = string_arg(name, flags)?;
            p.admin.set_default_profile(name.as_deref(), flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn admin_services(
    this: *mut c_void,
    name: *mut c_void,
    password: *mut c_void,
    _ui: usize,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; strings NUL-terminated per MAPI; `out` checked.
    unsafe {
        call::<ProfAdminObj>(this, |p| {
            let name = required_string(name, flags, "lpszProfileName")?;
            let password = string_arg(password, flags)?;
            object_out(out, "lppServiceAdmin", || {
                let admin = p.admin.admin_services(&name, password.as_deref(), flags)?;
                Ok(SvcAdmin::new_object(admin, p.mapi.clone()))
            })
        })
    }
}
