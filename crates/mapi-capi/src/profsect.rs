//! IProfSect (IMAPIProp) over the facade's [`ProfSect`]: GetProps, GetPropList,
//! SetProps, DeleteProps, SaveChanges. Secure properties never come back in clear.
//! OpenProperty, CopyTo, CopyProps and the named-property methods answer
//! `MAPI_E_NO_SUPPORT` (profile sections hold no named properties and no streams).

use std::ffi::c_void;

use mapi::Status;
use mapi::admin::ProfSect;
use mapi::table::consts::MAPI_UNICODE;

use crate::admin::read_props;
use crate::com::{self, LastError, Object, call, put};
use crate::convert::{read_tags, write_props, write_tags};
use crate::error::null;
use crate::session::get_last_error;
use crate::types::{SPropTagArray, SPropValue};
use crate::vtbl::{Guid, IProfSectVtbl, chain};

/// An IProfSect.
pub struct ProfSectObj {
    sect: ProfSect,
    last: LastError,
}

impl ProfSectObj {
    /// The interface pointer of a section object; `flags` of the open (unused beyond
    /// what the section keeps).
    pub fn new_object(sect: ProfSect, _flags: u32) -> *mut c_void {
        com::new_object(ProfSectObj {
            sect,
            last: LastError::default(),
        })
    }
}

impl Object for ProfSectObj {
    const CHAIN: &'static [&'static Guid] = chain::IProfSect;
    fn vtbl() -> *const c_void {
        &VTBL as *const IProfSectVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IProfSectVtbl = IProfSectVtbl {
    QueryInterface: com::query_interface::<ProfSectObj>,
    AddRef: com::add_ref::<ProfSectObj>,
    Release: com::release::<ProfSectObj>,
    GetLastError: get_last_error::<ProfSectObj>,
    SaveChanges: save_changes,
    GetProps: get_props,
    GetPropList: get_prop_list,
    SetProps: set_props,
    DeleteProps: delete_props,
    ..IProfSectVtbl::NO_SUPPORT
};

unsafe extern "C" fn get_props(
    this: *mut c_void,
    tags: *mut c_void,
    flags: u32,
    count: *mut u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut SPropValue;
    // SAFETY: `this` from C; pointers checked, the tag array bounded and copied.
    unsafe {
        call::<ProfSectObj>(this, |p| {
            if count.is_null() || out.is_null() {
                return Err(null("lpcValues or lppPropArray"));
            }
            let tags = if tags.is_null() {
                None
            } else {
                Some(read_tags(tags as *const SPropTagArray, "lpPropTagArray")?)
            };
            let reply = p.sect.get_props(tags.as_deref(), flags)?;
            let arr = write_props(&reply.value, flags & MAPI_UNICODE != 0)?;
            count.write(reply.value.len() as u32);
            out.write(arr);
            Ok(reply.status)
        })
    }
}

unsafe extern "C" fn get_prop_list(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut SPropTagArray;
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<ProfSectObj>(this, |p| {
            if out.is_null() {
                return Err(null("lppPropTagArray"));
            }
            let tags = p.sect.get_prop_list(flags)?;
            put(out, "lppPropTagArray", write_tags(&tags)?)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn set_props(
    this: *mut c_void,
    count: u32,
    props: *mut c_void,
    problems: *mut c_void,
) -> i32 {
    let problems = problems as *mut *mut c_void;
    // SAFETY: `this` from C; the values read and copied, bounded.
    unsafe {
        call::<ProfSectObj>(this, |p| {
            if !problems.is_null() {
                problems.write(std::ptr::null_mut());
            }
            let props = read_props(count, props)?;
            p.sect.set_props(&props)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn delete_props(
    this: *mut c_void,
    tags: *mut c_void,
    problems: *mut c_void,
) -> i32 {
    let problems = problems as *mut *mut c_void;
    // SAFETY: `this` from C; the tag array bounded and copied.
    unsafe {
        call::<ProfSectObj>(this, |p| {
            if !problems.is_null() {
                problems.write(std::ptr::null_mut());
            }
            if tags.is_null() {
                return Err(null("lpPropTagArray"));
            }
            let tags = read_tags(tags as *const SPropTagArray, "lpPropTagArray")?;
            p.sect.delete_props(&tags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn save_changes(this: *mut c_void, flags: u32) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<ProfSectObj>(this, |p| {
            p.sect.save_changes(flags)?;
            Ok(Status::S_OK)
        })
    }
}
