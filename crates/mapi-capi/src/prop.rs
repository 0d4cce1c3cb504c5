//! IMAPIProp for every property object (folders, messages, attachments) over the
//! facade's [`mapi::Object`]: GetProps, GetPropList, SetProps and DeleteProps (with an
//! `SPropProblemArray`), SaveChanges, OpenProperty (`IID_IStream` over PR_BODY,
//! PR_ATTACH_DATA_BIN...; `IID_IMessage` over an embedded message's PR_ATTACH_DATA_OBJ).
//! GetLastError is the shared one. Results follow the memory contract of c-abi.md §5:
//! GetProps one root with its children, problem arrays one root, and everything read
//! from C copied before the call returns.

use std::ffi::c_void;
use std::sync::Arc;

use mapi::blocking::Mapi;
use mapi::link::AnyStore;
use mapi::object::PropProblem;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{MapiUid, Object as PropObject, PropTag, PropType, PropValue, Status};

use crate::alloc::allocate;
use crate::com::{Object, call, put};
use crate::convert::{read_string, read_tags, read_value, write_props, write_tags};
use crate::error::{CapiError, Result, null};
use crate::types::{MvArray, SBinary, SPropTagArray, SPropValue};
use crate::vtbl::{Guid, IID_IMessage, IID_IStream};

/// Most values one SetProps (or one recipient row) may carry.
const MAX_VALUES: usize = 4096;
/// Most elements of one multi-valued value read from C.
const MAX_MV: usize = 65_536;

/// An object whose IMAPIProp methods are the facade object's.
pub trait HasProp: Object {
    /// The property object.
    fn prop(&self) -> &PropObject;
    /// The store the object lives in (for objects it opens: embedded messages).
    fn store(&self) -> &Arc<AnyStore>;
    /// The engine its tables keep alive.
    fn mapi(&self) -> &Arc<Mapi>;
}

/// A GUID from C as the engine's uid (the same 16 bytes).
///
/// # Safety
/// `p` must be NULL or point at a GUID.
pub unsafe fn read_uid(p: *const c_void, what: &str) -> Result<MapiUid> {
    if p.is_null() {
        return Err(null(what));
    }
    // SAFETY: a GUID is 16 readable bytes.
    let b = unsafe { std::slice::from_raw_parts(p as *const u8, 16) };
    Ok(MapiUid::from_slice(b).unwrap_or_else(|| unreachable!("16 bytes")))
}

/// The uid of one of our IIDs.
pub fn uid_of(g: &Guid) -> MapiUid {
    // SAFETY: a Guid is 16 bytes laid out as C's GUID.
    unsafe { read_uid(g as *const Guid as *const c_void, "iid") }
        .unwrap_or_else(|_| unreachable!("not NULL"))
}

/// One value handed in by C (SetProps, ModifyRecipients): every scalar type, strings
/// of either width, binaries and the multi-valued arrays.
///
/// # Safety
/// `p` must point at a valid `SPropValue` whose pointers match its type.
pub unsafe fn read_prop(p: *const SPropValue) -> Result<(PropTag, PropValue)> {
    // SAFETY: per the caller's promise.
    let spv = unsafe { &*p };
    let tag = PropTag(spv.ul_prop_tag);
    let ty = tag.prop_type();
    if ty.is_multi() {
        // SAFETY: an MV tag's union member is the S*Array.
        let mv = unsafe { spv.value.mv };
        return unsafe { read_multi(tag, ty.base(), mv) };
    }
    match ty {
        PropType::PT_UNSPECIFIED | PropType::PT_OBJECT => {
            Err(CapiError::InvalidParameter(format!(
                "property 0x{:08X}: a value of type {} cannot be set",
                tag.0,
                ty.name()
            )))
        }
        // SAFETY: per the caller's promise.
        _ => unsafe { read_value(p) },
    }
}

/// A multi-valued array from C.
///
/// # Safety
/// `mv` must hold `c_values` elements of `elem` at `lp`.
unsafe fn read_multi(tag: PropTag, elem: PropType, mv: MvArray) -> Result<(PropTag, PropValue)> {
    let n = mv.c_values as usize;
    if n > MAX_MV {
        return Err(CapiError::TooBig(format!(
            "{n} values in one multi-valued property"
        )));
    }
    if n > 0 && mv.lp.is_null() {
        return Err(null("the multi-valued array"));
    }
    let mut vals = Vec::with_capacity(n);
    for i in 0..n {
        // SAFETY: `n` elements of the tag's type follow `lp`.
        let v = unsafe {
            match elem {
                PropType::PT_I2 => PropValue::I2(*(mv.lp as *const i16).add(i)),
                PropType::PT_LONG => PropValue::Long(*(mv.lp as *const i32).add(i)),
                PropType::PT_R4 => PropValue::R4(*(mv.lp as *const f32).add(i)),
                PropType::PT_DOUBLE => PropValue::Double(*(mv.lp as *const f64).add(i)),
                PropType::PT_APPTIME => PropValue::AppTime(*(mv.lp as *const f64).add(i)),
                PropType::PT_CURRENCY => PropValue::Currency(*(mv.lp as *const i64).add(i)),
                PropType::PT_I8 => PropValue::I8(*(mv.lp as *const i64).add(i)),
                PropType::PT_SYSTIME => PropValue::SysTime(*(mv.lp as *const u64).add(i)),
                PropType::PT_CLSID => {
                    let mut g = [0u8; 16];
                    std::ptr::copy_nonoverlapping(
                        (mv.lp as *const u8).add(16 * i),
                        g.as_mut_ptr(),
                        16,
                    );
                    PropValue::Clsid(g)
                }
                PropType::PT_STRING8 | PropType::PT_UNICODE => {
                    let s = *(mv.lp as *const *const c_void).add(i);
                    let wide = elem == PropType::PT_UNICODE;
                    let text =
                        read_string(s, wide)?.ok_or_else(|| null("a string of the array"))?;
                    if wide {
                        PropValue::Unicode(text)
                    } else {
                        PropValue::String8(text)
                    }
                }
                PropType::PT_BINARY => {
                    let b = &*(mv.lp as *const SBinary).add(i);
                    let spv = SPropValue {
                        ul_prop_tag: PropTag::new(0, PropType::PT_BINARY).0,
                        dw_align_pad: 0,
                        value: crate::types::Pv { bin: *b },
                    };
                    read_value(&spv)?.1
                }
                other => {
                    return Err(CapiError::InvalidParameter(format!(
                        "property 0x{:08X}: multi-valued {} values",
                        tag.0,
                        other.name()
                    )));
                }
            }
        };
        vals.push(v);
    }
    Ok((tag, PropValue::Multi(elem, vals)))
}

/// An array of values from C.
///
/// # Safety
/// `p` must be NULL or hold `n` valid values.
pub unsafe fn read_props(
    n: u32,
    p: *const SPropValue,
    what: &str,
) -> Result<Vec<(PropTag, PropValue)>> {
    let n = n as usize;
    if n > MAX_VALUES {
        return Err(CapiError::TooBig(format!(
            "{n} property values (at most {MAX_VALUES})"
        )));
    }
    if n > 0 && p.is_null() {
        return Err(null(what));
    }
    // SAFETY: `n` values at `p`.
    (0..n).map(|i| unsafe { read_prop(p.add(i)) }).collect()
}

/// `SPropProblemArray` as one root: cProblem, then 12-byte problems from offset 4.
fn write_problems(problems: &[PropProblem]) -> Result<*mut c_void> {
    let p = allocate(4 + 12 * problems.len().max(1))?;
    // SAFETY: room for the count and every problem (all 4-byte fields).
    unsafe {
        let w = p as *mut u32;
        w.write(problems.len() as u32);
        for (i, pr) in problems.iter().enumerate() {
            w.add(1 + 3 * i).write(pr.index as u32);
            w.add(2 + 3 * i).write(pr.tag.0);
            w.add(3 + 3 * i).write(pr.status.0);
        }
    }
    Ok(p)
}

/// Hands problems to C (NULL when there are none, or when the caller passed no
/// out-pointer); MAPI_W_ERRORS_RETURNED is not used: problems are not errors.
///
/// # Safety
/// `out` must be NULL or valid for a write.
unsafe fn put_problems(out: *mut *mut c_void, problems: &[PropProblem]) -> Result<()> {
    if out.is_null() {
        return Ok(());
    }
    let v = if problems.is_empty() {
        std::ptr::null_mut()
    } else {
        write_problems(problems)?
    };
    // SAFETY: non-NULL per the check.
    unsafe { out.write(v) };
    Ok(())
}

/// `IMAPIProp::GetProps`: one root with the values' data as children; missing ones
/// as PT_ERROR and `MAPI_W_ERRORS_RETURNED`.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn get_props<T: HasProp>(
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
            let reply = o.prop().get_props(tags.as_deref(), flags)?;
            let arr = write_props(&reply.value, flags & MAPI_UNICODE != 0)?;
            count.write(reply.value.len() as u32);
            out.write(arr);
            Ok(reply.status)
        })
    }
}

/// `IMAPIProp::GetPropList`: one root.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn get_prop_list<T: HasProp>(
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
            let tags = o.prop().get_prop_list(flags)?;
            put(out, "lppPropTagArray", write_tags(&tags)?)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPIProp::SetProps`: the values are copied; the ones that could not be set come
/// back as an `SPropProblemArray` (NULL when none; `lppProblems` may be NULL).
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn set_props<T: HasProp>(
    this: *mut c_void,
    n: u32,
    values: *mut c_void,
    problems: *mut c_void,
) -> i32 {
    let problems = problems as *mut *mut c_void;
    // SAFETY: `this` from C; the array is bounded and copied.
    unsafe {
        call::<T>(this, |o| {
            if values.is_null() {
                return Err(null("lpPropArray"));
            }
            let values = read_props(n, values as *const SPropValue, "lpPropArray")?;
            let p = o.prop().set_props(&values)?;
            put_problems(problems, &p)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPIProp::DeleteProps`, problems as for SetProps.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn delete_props<T: HasProp>(
    this: *mut c_void,
    tags: *mut c_void,
    problems: *mut c_void,
) -> i32 {
    let problems = problems as *mut *mut c_void;
    // SAFETY: `this` from C; the tags are bounded and copied.
    unsafe {
        call::<T>(this, |o| {
            let tags = read_tags(tags as *const SPropTagArray, "lpPropTagArray")?;
            let p = o.prop().delete_props(&tags)?;
            put_problems(problems, &p)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPIProp::SaveChanges` (`KEEP_OPEN_READONLY`, `KEEP_OPEN_READWRITE`,
/// `FORCE_SAVE`, `MAPI_DEFERRED_ERRORS`).
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn save_changes<T: HasProp>(this: *mut c_void, flags: u32) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<T>(this, |o| {
            o.prop().save_changes(flags)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPIProp::OpenProperty`: `IID_IStream` gives an IStream over the property
/// (`MAPI_MODIFY`, `MAPI_CREATE`, `STREAM_APPEND`), over a `PT_UNICODE` one as
/// `wchar_t` text; `IID_IMessage` on PR_ATTACH_DATA_OBJ
/// an attachment's embedded message. `lpiid` is required.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn open_property<T: HasProp>(
    this: *mut c_void,
    tag: u32,
    iid: *mut c_void,
    _options: u32,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    // SAFETY: `this` from C; `iid` read as a GUID; `out` checked.
    unsafe {
        call::<T>(this, |o| {
            if out.is_null() {
                return Err(null("lppUnk"));
            }
            let want = read_uid(iid, "lpiid")?;
            let tag = PropTag(tag);
            let made = if want == uid_of(&IID_IMessage) {
                let m = o.prop().open_property_object(tag, &want, flags)?;
                crate::message::Message::new_object(m, o.store().clone(), o.mapi().clone())
            } else {
                let iface = if want == uid_of(&IID_IStream) {
                    mapi::object::IID_ISTREAM
                } else {
                    want
                };
                let s = o.prop().open_property(tag, &iface, flags)?;
                let backing = if tag.prop_type() == PropType::PT_UNICODE {
                    crate::stream::Backing::Wide(crate::widestream::WideText::open(s, flags)?)
                } else {
                    crate::stream::Backing::Prop(s)
                };
                crate::stream::Stream::new_object(backing)
            };
            out.write(made);
            Ok(Status::S_OK)
        })
    }
}
