//! IMailUser, and the small IMAPIProp every address-book object shares (GetProps,
//! GetPropList, SetProps, SaveChanges over the facade's [`mapi::Object`]). A mail user
//! opened from the address book is read-only (SetProps answers `MAPI_E_NO_ACCESS`); one
//! made by `IABContainer::CreateEntry` takes PR_DISPLAY_NAME / PR_EMAIL_ADDRESS and is
//! added at SaveChanges.

use std::ffi::c_void;
use std::sync::Arc;

use mapi::blocking::Mapi;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{Object as PropObject, PropProblem, PropTag, PropType, PropValue, Status};

use crate::alloc::{allocate, free};
use crate::com::{self, LastError, Object, call, put};
use crate::convert::{read_tags, read_value, write_props, write_tags};
use crate::error::{CapiError, Result, null};
use crate::session::get_last_error;
use crate::types::{SPropTagArray, SPropValue};
use crate::vtbl::{Guid, IMailUserVtbl, chain};

/// Most values one SetProps (or one ADRENTRY) takes from C.
pub const MAX_VALUES: usize = 4096;

/// An address-book object with properties.
pub trait AbProp: Object {
    /// The facade's property object.
    fn prop(&self) -> Result<&PropObject>;
}

/// An IMailUser (also the IMAPIProp of a new entry).
pub struct MailUser {
    object: PropObject,
    last: LastError,
    _mapi: Arc<Mapi>,
}

impl MailUser {
    /// A mail-user object.
    pub fn new_object(object: PropObject, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(MailUser {
            object,
            last: LastError::default(),
            _mapi: mapi,
        })
    }
}

impl Object for MailUser {
    const CHAIN: &'static [&'static Guid] = chain::IMailUser;
    fn vtbl() -> *const c_void {
        &VTBL as *const IMailUserVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

impl AbProp for MailUser {
    fn prop(&self) -> Result<&PropObject> {
        Ok(&self.object)
    }
}

static VTBL: IMailUserVtbl = IMailUserVtbl {
    QueryInterface: com::query_interface::<MailUser>,
    AddRef: com::add_ref::<MailUser>,
    Release: com::release::<MailUser>,
    GetLastError: get_last_error::<MailUser>,
    SaveChanges: save_changes::<MailUser>,
    GetProps: get_props::<MailUser>,
    GetPropList: get_prop_list::<MailUser>,
    SetProps: set_props::<MailUser>,
    ..IMailUserVtbl::NO_SUPPORT
};

/// A string tag in the width `unicode` asks for; other tags as they are.
pub fn shown_tag(tag: PropTag, unicode: bool) -> PropTag {
    let t = tag.prop_type();
    if t == PropType::PT_UNICODE || t == PropType::PT_STRING8 {
        PropTag::new(
            tag.id(),
            if unicode {
                PropType::PT_UNICODE
            } else {
                PropType::PT_STRING8
            },
        )
    } else {
        tag
    }
}

/// `IMAPIProp::GetProps` of an address-book object: one root with its data as
/// children; missing tags PT_ERROR with `MAPI_W_ERRORS_RETURNED`.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn get_props<T: AbProp>(
    this: *mut c_void,
    tags: *mut c_void,
    flags: u32,
    count: *mut u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut SPropValue;
    // SAFETY: `this` from C; pointers checked.
    unsafe {
        call::<T>(this, |o| {
            if count.is_null() || out.is_null() {
                return Err(null("lpcValues or lppPropArray"));
            }
            if flags & !MAPI_UNICODE != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "GetProps flags {flags:#x}"
                )));
            }
            let tags = if tags.is_null() {
                None
            } else {
                Some(read_tags(tags as *const SPropTagArray, "lpPropTagArray")?)
            };
            let reply = o.prop()?.get_props(tags.as_deref(), flags)?;
            let arr = write_props(&reply.value, flags & MAPI_UNICODE != 0)?;
            put(count, "lpcValues", reply.value.len() as u32)?;
            put(out, "lppPropArray", arr)?;
            Ok(reply.status)
        })
    }
}

/// `IMAPIProp::GetPropList` of an address-book object.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn get_prop_list<T: AbProp>(
    this: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut SPropTagArray;
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<T>(this, |o| {
            if out.is_null() {
                return Err(null("lppPropTagArray"));
            }
            let tags = o.prop()?.get_prop_list(flags)?;
            put(out, "lppPropTagArray", write_tags(&tags)?)?;
            Ok(Status::S_OK)
        })
    }
}

/// Reads `count` values from C (each copied).
///
/// # Safety
/// `p` must be NULL (with `count` 0) or valid for `count` values.
pub unsafe fn read_values(count: u32, p: *const SPropValue) -> Result<Vec<(PropTag, PropValue)>> {
    let n = count as usize;
    if n > MAX_VALUES {
        return Err(CapiError::TooBig(format!(
            "{n} property values (at most {MAX_VALUES})"
        )));
    }
    if n > 0 && p.is_null() {
        return Err(null("lpPropArray"));
    }
    // SAFETY: per the caller's promise.
    (0..n).map(|i| unsafe { read_value(p.add(i)) }).collect()
}

/// An SPropProblemArray (one root): `cProblem` then `{ulIndex, ulPropTag, scode}`s.
fn write_problems(problems: &[PropProblem]) -> Result<*mut c_void> {
    let root = allocate(4 + 12 * problems.len().max(1))?;
    let p = root as *mut u32;
    // SAFETY: room for the count and every problem.
    unsafe {
        p.write(problems.len() as u32);
        for (i, pr) in problems.iter().enumerate() {
            p.add(1 + 3 * i).write(pr.index as u32);
            p.add(2 + 3 * i).write(pr.tag.0);
            p.add(3 + 3 * i).write(pr.status.0);
        }
    }
    Ok(root)
}

/// `IMAPIProp::SetProps` of an address-book object.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn set_props<T: AbProp>(
    this: *mut c_void,
    count: u32,
    values: *mut c_void,
    problems: *mut c_void,
) -> i32 {
    let problems = problems as *mut *mut c_void;
    // SAFETY: `this` from C; the values are bounded and copied.
    unsafe {
        call::<T>(this, |o| {
            let values = read_values(count, values as *const SPropValue)?;
            let found = o.prop()?.set_props(&values)?;
            if !problems.is_null() {
                if found.is_empty() {
                    problems.write(std::ptr::null_mut());
                } else {
                    problems.write(write_problems(&found)?);
                }
            }
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPIProp::SaveChanges` of an address-book object.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn save_changes<T: AbProp>(this: *mut c_void, flags: u32) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<T>(this, |o| {
            o.prop()?.save_changes(flags)?;
            Ok(Status::S_OK)
        })
    }
}

/// Frees a root if not NULL (an allocation the caller no longer hands out).
///
/// # Safety
/// `p` must be NULL or a MAPIAllocateBuffer root.
pub unsafe fn free_root(p: *mut c_void) {
    if !p.is_null() {
        // SAFETY: per the caller's promise.
        let _ = unsafe { free(p) };
    }
}
