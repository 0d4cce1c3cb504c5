//! What the administration objects share: MAPIUIDs and SPropValue arrays read from C,
//! strings of either width, tables handed out, and a session's admin entry points
//! (IMAPISession::AdminServices and OpenProfileSection).

use std::ffi::c_void;
use std::sync::Arc;

use mapi::admin::{ProfSect, ServiceAdmin};
use mapi::blocking::Mapi;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{MapiUid, PropTag, PropValue, Status, TableView};

use crate::com::call;
use crate::convert::{read_string, read_value};
use crate::error::{CapiError, Result, null};
use crate::profsect::ProfSectObj;
use crate::session::{Session, check_interface};
use crate::svcadmin::SvcAdmin;
use crate::table::Table;
use crate::types::SPropValue;
use crate::vtbl::chain;

/// Most values one SPropValue array from C may hold.
pub const MAX_VALUES: usize = 4096;

/// A MAPIUID from C.
///
/// # Safety
/// `p` must be NULL or point at 16 readable bytes.
pub unsafe fn read_uid(p: *const c_void, what: &str) -> Result<MapiUid> {
    if p.is_null() {
        return Err(null(what));
    }
    let mut b = [0u8; 16];
    // SAFETY: per the caller's promise.
    unsafe { std::ptr::copy_nonoverlapping(p as *const u8, b.as_mut_ptr(), 16) };
    Ok(MapiUid(b))
}

/// An array of `count` SPropValues from C, copied.
///
/// # Safety
/// `p` must be NULL or point at `count` valid SPropValues.
pub unsafe fn read_props(count: u32, p: *const c_void) -> Result<Vec<(PropTag, PropValue)>> {
    let n = count as usize;
    if n > MAX_VALUES {
        return Err(CapiError::TooBig(format!(
            "{n} property values (at most {MAX_VALUES})"
        )));
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() {
        return Err(null("lpProps"));
    }
    let arr = p as *const SPropValue;
    // SAFETY: per the caller's promise, `n` values.
    (0..n).map(|i| unsafe { read_value(arr.add(i)) }).collect()
}

/// A string argument: `wchar_t*` with MAPI_UNICODE in `flags`, UTF-8 otherwise.
///
/// # Safety
/// `p` must be NULL or NUL-terminated of that width.
pub unsafe fn string_arg(p: *mut c_void, flags: u32) -> Result<Option<String>> {
    // SAFETY: forwarded.
    unsafe { read_string(p, flags & MAPI_UNICODE != 0) }
}

/// A required string argument.
///
/// # Safety
/// As for [`string_arg`].
pub unsafe fn required_string(p: *mut c_void, flags: u32, what: &str) -> Result<String> {
    // SAFETY: forwarded.
    unsafe { string_arg(p, flags) }?.ok_or_else(|| null(what))
}

/// Hands a table to C through `out` (refusing NULL).
///
/// # Safety
/// `out` must be NULL or valid for a pointer write.
pub unsafe fn table_out(
    out: *mut c_void,
    flags: u32,
    mapi: &Arc<Mapi>,
    view: impl FnOnce() -> mapi::Result<TableView>,
) -> Result<Status> {
    let out = out as *mut *mut c_void;
    if out.is_null() {
        return Err(null("lppTable"));
    }
    let view = view()?;
    // SAFETY: checked non-NULL.
    unsafe { out.write(Table::new_object(view, flags, mapi.clone())) };
    Ok(Status::S_OK)
}

/// Hands a new object to C through `out` (refusing NULL before making it).
///
/// # Safety
/// `out` must be NULL or valid for a pointer write.
pub unsafe fn object_out(
    out: *mut c_void,
    what: &str,
    make: impl FnOnce() -> Result<*mut c_void>,
) -> Result<Status> {
    let out = out as *mut *mut c_void;
    if out.is_null() {
        return Err(null(what));
    }
    let obj = make()?;
    // SAFETY: checked non-NULL.
    unsafe { out.write(obj) };
    Ok(Status::S_OK)
}

/// `IMAPISession::AdminServices`: an IMsgServiceAdmin(2) over the session's profile.
///
/// # Safety
/// Called by C through the session's vtable.
pub unsafe extern "C" fn session_admin_services(
    this: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<Session>(this, |s| {
            object_out(out, "lppServiceAdmin", || {
                let admin = s.with_live(|a| Ok(ServiceAdmin::for_session(s.mapi(), a, flags)?))?;
                Ok(SvcAdmin::new_object(admin, s.mapi().clone()))
            })
        })
    }
}

/// `IMAPISession::OpenProfileSection`: a section of the session's profile as an
/// IProfSect (`MAPI_MODIFY` to write).
///
/// # Safety
/// Called by C through the session's vtable.
pub unsafe extern "C" fn session_open_profile_section(
    this: *mut c_void,
    uid: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; pointers checked.
    unsafe {
        call::<Session>(this, |s| {
            let uid = read_uid(uid, "lpUID")?;
            check_interface(iid, chain::IProfSect)?;
            object_out(out, "lppProfSect", || {
                let sect = s.with_live(|a| Ok(ProfSect::for_session(s.mapi(), a, uid, flags)?))?;
                Ok(ProfSectObj::new_object(sect, flags))
            })
        })
    }
}
