//! The exported C functions (the version script lists exactly these and the IIDs):
//! MAPIInitialize, MAPIUninitialize, MAPILogonEx, the allocators, HrQueryAllRows,
//! FreeProws and OpenStreamOnFile; the other mapiutil functions are in `mapiutil`,
//! re-exported here.

#![allow(non_snake_case)]

use std::ffi::c_void;
use std::sync::Arc;

use mapi::table::consts::{BOOKMARK_BEGINNING, MAPI_UNICODE};
use mapi::terminal::TerminalUi;
use mapi::{LogonFlags, LogonRequest, Status, TableError};

use crate::alloc;
use crate::com::{guard, put};
use crate::convert::{free_rows, read_string};
use crate::error::{CapiError, null};
pub use crate::profadmin::MAPIAdminProfiles;
use crate::session::Session;
use crate::types::{MapiInit0, SRowSet};
use crate::vtbl::IMAPITableVtbl;

pub use crate::mapiutil::*;

const MAPI_MULTITHREAD_NOTIFICATIONS: u32 = 0x1;
const MAPI_NO_COINIT: u32 = 0x8;
const MAPI_NT_SERVICE_INIT: u32 = 0x10000;

/// `MAPIInitialize(NULL or MAPIINIT_0*)`: counted; the first call opens the engine.
///
/// # Safety
/// `init` must be NULL or point at a MAPIINIT_0.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MAPIInitialize(init: *mut c_void) -> i32 {
    guard(|| {
        if !init.is_null() {
            // SAFETY: per the caller's promise.
            let i = unsafe { &*(init as *const MapiInit0) };
            if i.ul_version != 0 {
                return Err(CapiError::Version(format!(
                    "MAPIINIT_0 version {} (MAPI_INIT_VERSION is 0)",
                    i.ul_version
                )));
            }
            let known = MAPI_MULTITHREAD_NOTIFICATIONS | MAPI_NO_COINIT | MAPI_NT_SERVICE_INIT;
            if i.ul_flags & !known != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "MAPIINIT_0 flags {:#x}",
                    i.ul_flags
                )));
            }
        }
        crate::global::initialize()?;
        Ok(Status::S_OK)
    })
}

/// `MAPIUninitialize`: one less MAPIInitialize; the last closes the engine.
///
/// # Safety
/// Objects still held answer `MAPI_E_NOT_INITIALIZED` after the last call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MAPIUninitialize() {
    guard(|| {
        crate::global::uninitialize();
        Ok(Status::S_OK)
    });
}

/// `MAPILogonEx`: the profile name and password are `wchar_t*` with MAPI_UNICODE,
/// UTF-8 `char*` otherwise; every flag goes to the engine as it has them. With
/// MAPI_LOGON_UI or MAPI_PASSWORD_UI the controlling terminal (if any) prompts.
///
/// # Safety
/// The strings must be NULL or NUL-terminated; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MAPILogonEx(
    _ui: usize,
    profile: *mut c_void,
    password: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    guard(|| {
        if out.is_null() {
            return Err(null("lppSession"));
        }
        let mapi = crate::global::mapi()?;
        let unicode = flags & MAPI_UNICODE != 0;
        // SAFETY: per the caller's promise.
        let profile = unsafe { read_string(profile, unicode)? };
        let password = unsafe { read_string(password, unicode)? };
        let lf = LogonFlags(flags);
        let mut req = LogonRequest::new(profile.as_deref(), lf).password(password.as_deref());
        if lf.contains(LogonFlags::MAPI_LOGON_UI) || lf.contains(LogonFlags::MAPI_PASSWORD_UI) {
            req = req.ui(Arc::new(TerminalUi::new()));
        }
        let session = mapi.logon_any(req)?;
        // SAFETY: checked non-NULL.
        unsafe { out.write(Session::new_object(mapi, session)) };
        Ok(Status::S_OK)
    })
}

/// `MAPIAllocateBuffer`.
///
/// # Safety
/// `out` must be NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MAPIAllocateBuffer(cb: u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut c_void;
    guard(|| {
        if out.is_null() {
            return Err(null("lppBuffer"));
        }
        let p = alloc::allocate(cb as usize)?;
        // SAFETY: checked non-NULL.
        unsafe { put(out, "lppBuffer", p)? };
        Ok(Status::S_OK)
    })
}

/// `MAPIAllocateMore`: a buffer freed with `base`'s root.
///
/// # Safety
/// `base` must be a live buffer of this library; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MAPIAllocateMore(cb: u32, base: *mut c_void, out: *mut c_void) -> i32 {
    let out = out as *mut *mut c_void;
    guard(|| {
        if out.is_null() {
            return Err(null("lppBuffer"));
        }
        if base.is_null() {
            return Err(null("lpObject"));
        }
        // SAFETY: per the caller's promise.
        let p = unsafe { alloc::allocate_more(cb as usize, base)? };
        unsafe { put(out, "lppBuffer", p)? };
        Ok(Status::S_OK)
    })
}

/// `MAPIFreeBuffer`: frees a root and everything allocated onto it (NULL: nothing).
///
/// # Safety
/// `p` must be NULL or a live root of this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MAPIFreeBuffer(p: *mut c_void) -> u32 {
    // SAFETY: per the caller's promise.
    guard(|| unsafe { alloc::free(p) }.map(|()| Status::S_OK)) as u32
}

/// `HrQueryAllRows`: sets the columns, restriction and sort order given, then reads
/// every row from the beginning through the table's own vtable (any IMAPITable).
/// More than `crowsMax` rows (when > 0) is `MAPI_E_TABLE_TOO_BIG`.
///
/// # Safety
/// `table` must be an IMAPITable; the others NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn HrQueryAllRows(
    table: *mut c_void,
    tags: *mut c_void,
    res: *mut c_void,
    sort: *mut c_void,
    max: i32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut SRowSet;
    guard(|| {
        if table.is_null() {
            return Err(null("lpTable"));
        }
        if out.is_null() {
            return Err(null("lppRows"));
        }
        // SAFETY: an interface pointer's first word is its vtable.
        let v = unsafe { &**(table as *const *const IMAPITableVtbl) };
        let check = |hr: i32| -> Result<(), CapiError> {
            if hr < 0 {
                Err(CapiError::Table(TableError::new(
                    Status(hr as u32),
                    "a call of HrQueryAllRows on the table failed",
                )))
            } else {
                Ok(())
            }
        };
        // SAFETY: calls through the table's own vtable with the caller's arguments.
        unsafe {
            if !tags.is_null() {
                check((v.SetColumns)(table, tags, 0))?;
            }
            if !res.is_null() {
                check((v.Restrict)(table, res, 0))?;
            }
            if !sort.is_null() {
                check((v.SortTable)(table, sort, 0))?;
            }
            if max > 0 {
                let mut n = 0u32;
                check((v.GetRowCount)(table, 0, &mut n))?;
                if n > max as u32 {
                    return Err(CapiError::Table(TableError::new(
                        Status::MAPI_E_TABLE_TOO_BIG,
                        format!("{n} rows, more than crowsMax {max}"),
                    )));
                }
            }
            check((v.SeekRow)(
                table,
                BOOKMARK_BEGINNING as usize,
                0,
                std::ptr::null_mut(),
            ))?;
            let want = if max > 0 { max } else { i32::MAX };
            let mut rows: *mut c_void = std::ptr::null_mut();
            check((v.QueryRows)(
                table,
                want,
                0,
                &mut rows as *mut *mut c_void as *mut c_void,
            ))?;
            out.write(rows as *mut SRowSet);
        }
        Ok(Status::S_OK)
    })
}

/// `FreeProws`: every row's root, then the set.
///
/// # Safety
/// `rows` must be NULL or a row set from this library (or built the same way).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn FreeProws(rows: *mut c_void) {
    guard(|| {
        // SAFETY: per the caller's promise.
        unsafe { free_rows(rows as *mut SRowSet) };
        Ok(Status::S_OK)
    });
}

/// `OpenStreamOnFile`: an IStream over a file (see the `stream` module for the flags;
/// the names are UTF-8 `char*`; the allocator arguments are not used).
///
/// # Safety
/// The strings must be NULL or NUL-terminated; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn OpenStreamOnFile(
    _alloc: *mut c_void,
    _free: *mut c_void,
    flags: u32,
    name: *mut c_void,
    prefix: *mut c_void,
    out: *mut c_void,
) -> i32 {
    // SAFETY: per the caller's promise.
    unsafe { crate::stream::open_stream_on_file(flags, name, prefix, out) }
}
