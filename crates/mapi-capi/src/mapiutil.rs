//! The mapiutil functions over C values and any object's vtable: HrGetOneProp,
//! HrSetOneProp, PpropFindProp, FPropExists, PropCopyMore, UlPropSize, ScCountProps,
//! ScCopyProps, LPropCompareProp, FreePadrlist, MAPIGetDefaultMalloc, HrAllocAdviseSink,
//! HrThisThreadAdviseSink and HrDispatchNotifications, with Microsoft's semantics
//! (Mapiutil.h). HrGetOneProp, HrSetOneProp and FPropExists call through the object's
//! own IMAPIProp slots, so they work on every object of the library (and on a client's).

#![allow(non_snake_case)]

use std::cmp::Ordering;
use std::ffi::{c_int, c_void};
use std::ptr;

use mapi::Status;

use crate::com::guard;
use crate::convert::free_rows;
use crate::error::{CapiError, Result, null};
use crate::notify::CallbackSink;
use crate::types::{SBinary, SPropValue, SRowSet};
use crate::vtbl::{Guid, IMAPIAdviseSinkVtbl, IMAPIPropVtbl, IMallocVtbl, chain};

const PT_UNSPECIFIED: u32 = 0x0000;
const PT_NULL: u32 = 0x0001;
const PT_I2: u32 = 0x0002;
const PT_LONG: u32 = 0x0003;
const PT_R4: u32 = 0x0004;
const PT_DOUBLE: u32 = 0x0005;
const PT_CURRENCY: u32 = 0x0006;
const PT_APPTIME: u32 = 0x0007;
const PT_ERROR: u32 = 0x000A;
const PT_BOOLEAN: u32 = 0x000B;
const PT_OBJECT: u32 = 0x000D;
const PT_I8: u32 = 0x0014;
const PT_STRING8: u32 = 0x001E;
const PT_UNICODE: u32 = 0x001F;
const PT_SYSTIME: u32 = 0x0040;
const PT_CLSID: u32 = 0x0048;
const PT_BINARY: u32 = 0x0102;
const MV_FLAG: u32 = 0x1000;
const MV_INSTANCE: u32 = 0x2000;
const MAPI_UNICODE: u32 = 0x8000_0000;
/// `MAPI_W_ERRORS_RETURNED`.
const W_ERRORS_RETURNED: i32 = 0x0004_0380;

/// Most values one MV property or one ScCountProps call may have.
const MAX_VALUES: usize = 1 << 20;

fn prop_type(tag: u32) -> u32 {
    tag & 0xFFFF & !MV_INSTANCE
}

fn invalid(what: String) -> CapiError {
    CapiError::InvalidParameter(what)
}

/// The vtable of an IMAPIProp (or of any interface derived from it).
///
/// # Safety
/// `p` must be an interface pointer of IMAPIProp or a derived interface.
unsafe fn prop_vtbl<'a>(p: *mut c_void) -> &'a IMAPIPropVtbl {
    // SAFETY: a COM object's first word points at its vtable, which starts with
    // IMAPIProp's slots for every derived interface.
    unsafe { &**(p as *const *const IMAPIPropVtbl) }
}

/// `SizedSPropTagArray(1, ...)`.
#[repr(C)]
struct OneTag {
    c_values: u32,
    tag: u32,
}

/// `HrGetOneProp`: one property by GetProps, in a buffer the caller frees with
/// MAPIFreeBuffer. A property the object does not have is its error
/// (`MAPI_E_NOT_FOUND`), with `*lppProp` NULL.
///
/// # Safety
/// `obj` must be an IMAPIProp; `out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn HrGetOneProp(obj: *mut c_void, tag: u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut SPropValue;
    guard(|| {
        if obj.is_null() {
            return Err(null("lpMapiProp"));
        }
        if out.is_null() {
            return Err(null("lppProp"));
        }
        // SAFETY: checked non-NULL.
        unsafe { out.write(ptr::null_mut()) };
        let tags = OneTag { c_values: 1, tag };
        let flags = if prop_type(tag) & !MV_FLAG == PT_UNICODE {
            MAPI_UNICODE
        } else {
            0
        };
        let (mut n, mut arr) = (0u32, ptr::null_mut::<SPropValue>());
        // SAFETY: the object's own GetProps with valid arguments.
        let hr = unsafe {
            (prop_vtbl(obj).GetProps)(
                obj,
                &tags as *const OneTag as *mut c_void,
                flags,
                &mut n,
                &mut arr as *mut *mut SPropValue as *mut c_void,
            )
        };
        if hr < 0 {
            return Ok(Status(hr as u32));
        }
        if arr.is_null() || n == 0 {
            return Ok(Status::MAPI_E_NOT_FOUND);
        }
        // SAFETY: GetProps returned `n` >= 1 values.
        let first = unsafe { &*arr };
        if prop_type(first.ul_prop_tag) == PT_ERROR || hr == W_ERRORS_RETURNED {
            // SAFETY: a PT_ERROR value holds its scode.
            let sc = if prop_type(first.ul_prop_tag) == PT_ERROR {
                unsafe { first.value.err }
            } else {
                Status::MAPI_E_NOT_FOUND.0 as i32
            };
            // SAFETY: GetProps' result is one root.
            let _ = unsafe { crate::alloc::free(arr as *mut c_void) };
            return Ok(Status(sc as u32));
        }
        // SAFETY: checked non-NULL.
        unsafe { out.write(arr) };
        Ok(Status::S_OK)
    })
}

/// `HrSetOneProp`: one property by SetProps; a problem SetProps reports is returned as
/// the status.
///
/// # Safety
/// `obj` must be an IMAPIProp; `prop` NULL or a valid value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn HrSetOneProp(obj: *mut c_void, prop: *mut c_void) -> i32 {
    guard(|| {
        if obj.is_null() {
            return Err(null("lpMapiProp"));
        }
        if prop.is_null() {
            return Err(null("lpProp"));
        }
        let mut problems: *mut u32 = ptr::null_mut();
        // SAFETY: the object's own SetProps with valid arguments.
        let hr = unsafe {
            (prop_vtbl(obj).SetProps)(obj, 1, prop, &mut problems as *mut *mut u32 as *mut c_void)
        };
        if hr < 0 {
            return Ok(Status(hr as u32));
        }
        if problems.is_null() {
            return Ok(Status::S_OK);
        }
        // SAFETY: an SPropProblemArray: cProblem, then {ulIndex, ulPropTag, scode}.
        let sc = unsafe {
            if *problems > 0 {
                *problems.add(3) as i32
            } else {
                0
            }
        };
        // SAFETY: SetProps' problem array is one root.
        let _ = unsafe { crate::alloc::free(problems as *mut c_void) };
        Ok(Status(sc as u32))
    })
}

/// `PpropFindProp`: the value with this tag in an array (by id alone when the tag's
/// type is PT_UNSPECIFIED), or NULL.
///
/// # Safety
/// `arr` must be NULL or point at `n` values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PpropFindProp(arr: *mut c_void, n: u32, tag: u32) -> *mut c_void {
    if arr.is_null() {
        return ptr::null_mut();
    }
    let arr = arr as *mut SPropValue;
    for i in 0..n as usize {
        // SAFETY: `n` values, per the caller's promise.
        let t = unsafe { (*arr.add(i)).ul_prop_tag };
        if matches(t, tag) {
            return unsafe { arr.add(i) } as *mut c_void;
        }
    }
    ptr::null_mut()
}

fn matches(have: u32, want: u32) -> bool {
    if want & 0xFFFF == PT_UNSPECIFIED {
        have >> 16 == want >> 16
    } else {
        have == want
    }
}

/// `FPropExists`: whether the object's GetPropList has the tag (by id alone for
/// PT_UNSPECIFIED). FALSE for a NULL object or a failed call.
///
/// # Safety
/// `obj` must be NULL or an IMAPIProp.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn FPropExists(obj: *mut c_void, tag: u32) -> c_int {
    if obj.is_null() {
        return 0;
    }
    let flags = if prop_type(tag) & !MV_FLAG == PT_UNICODE {
        MAPI_UNICODE
    } else {
        0
    };
    let mut list: *mut u32 = ptr::null_mut();
    // SAFETY: the object's own GetPropList.
    let hr = unsafe {
        (prop_vtbl(obj).GetPropList)(obj, flags, &mut list as *mut *mut u32 as *mut c_void)
    };
    if hr < 0 || list.is_null() {
        return 0;
    }
    // SAFETY: an SPropTagArray: cValues, then the tags.
    let found = unsafe {
        let n = *list as usize;
        (0..n).any(|i| matches(*list.add(1 + i), tag))
    };
    // SAFETY: GetPropList's result is one root.
    let _ = unsafe { crate::alloc::free(list as *mut c_void) };
    found as c_int
}

/// The bytes of a NUL-terminated string with its terminator.
///
/// # Safety
/// `p` must be a NUL-terminated string of that width.
unsafe fn string_len(p: *const c_void, wide: bool) -> Result<usize> {
    if p.is_null() {
        return Err(invalid("a string value is NULL".into()));
    }
    // SAFETY: per the caller's promise.
    Ok(unsafe {
        if wide {
            (libc::wcslen(p as *const libc::wchar_t) + 1) * 4
        } else {
            libc::strlen(p as *const libc::c_char) + 1
        }
    })
}

fn elem_size(t: u32) -> Option<usize> {
    Some(match t {
        PT_I2 => 2,
        PT_LONG | PT_R4 => 4,
        PT_DOUBLE | PT_APPTIME | PT_CURRENCY | PT_I8 | PT_SYSTIME => 8,
        PT_CLSID => 16,
        PT_BINARY => std::mem::size_of::<SBinary>(),
        PT_STRING8 | PT_UNICODE => 8,
        _ => return None,
    })
}

fn align8(n: usize) -> usize {
    (n + 7) & !7
}

/// Copies the data `src` points at through `alloc` and points `dst` at the copies.
/// `alloc` gives `len` writable bytes (aligned for any value).
///
/// # Safety
/// `src` must be a valid value whose pointers match its type; `dst` a copy of it.
unsafe fn deep_copy(
    dst: &mut SPropValue,
    src: &SPropValue,
    alloc: &mut dyn FnMut(usize) -> Result<*mut u8>,
) -> Result<()> {
    let t = prop_type(src.ul_prop_tag);
    let mut dup = |p: *const u8, len: usize| -> Result<*mut u8> {
        let d = alloc(len)?;
        // SAFETY: `len` readable bytes at `p`, `len` writable at `d`.
        unsafe { ptr::copy_nonoverlapping(p, d, len) };
        Ok(d)
    };
    // SAFETY: the union member read is the one the tag names.
    unsafe {
        match t {
            PT_NULL | PT_OBJECT | PT_I2 | PT_LONG | PT_R4 | PT_DOUBLE | PT_CURRENCY
            | PT_APPTIME | PT_ERROR | PT_BOOLEAN | PT_I8 | PT_SYSTIME => {}
            PT_STRING8 | PT_UNICODE => {
                let p = src.value.lpsz_a as *const c_void;
                let len = string_len(p, t == PT_UNICODE)?;
                dst.value.lpsz_a = dup(p as *const u8, len)?;
            }
            PT_CLSID => {
                if src.value.lpguid.is_null() {
                    return Err(invalid("a PT_CLSID value is NULL".into()));
                }
                dst.value.lpguid = dup(src.value.lpguid, 16)?;
            }
            PT_BINARY => {
                let b = src.value.bin;
                if b.cb > 0 && b.lpb.is_null() {
                    return Err(invalid("a PT_BINARY value has cb > 0 and lpb NULL".into()));
                }
                dst.value.bin.lpb = if b.cb == 0 {
                    ptr::null_mut()
                } else {
                    dup(b.lpb, b.cb as usize)?
                };
            }
            mv if mv & MV_FLAG != 0 => {
                let base = mv & !MV_FLAG;
                let size = elem_size(base)
                    .ok_or_else(|| invalid(format!("unknown property type {mv:#06x}")))?;
                let m = src.value.mv;
                let n = m.c_values as usize;
                if n > MAX_VALUES {
                    return Err(CapiError::TooBig(format!("{n} values of one property")));
                }
                if n == 0 {
                    dst.value.mv.lp = ptr::null_mut();
                    return Ok(());
                }
                if m.lp.is_null() {
                    return Err(invalid("a multi-valued property's array is NULL".into()));
                }
                let arr = dup(m.lp as *const u8, n * size)?;
                dst.value.mv.lp = arr as *mut c_void;
                match base {
                    PT_BINARY => {
                        let a = arr as *mut SBinary;
                        for i in 0..n {
                            let b = &mut *a.add(i);
                            if b.cb > 0 && b.lpb.is_null() {
                                return Err(invalid("a PT_MV_BINARY element is NULL".into()));
                            }
                            b.lpb = if b.cb == 0 {
                                ptr::null_mut()
                            } else {
                                dup(b.lpb, b.cb as usize)?
                            };
                        }
                    }
                    PT_STRING8 | PT_UNICODE => {
                        let a = arr as *mut *mut u8;
                        for i in 0..n {
                            let p = *a.add(i);
                            let len = string_len(p as *const c_void, base == PT_UNICODE)?;
                            *a.add(i) = dup(p, len)?;
                        }
                    }
                    _ => {}
                }
            }
            other => return Err(invalid(format!("unknown property type {other:#06x}"))),
        }
    }
    Ok(())
}

/// The bytes `deep_copy` allocates for a value, each piece rounded up to 8.
///
/// # Safety
/// As for [`deep_copy`].
unsafe fn extra_bytes(src: &SPropValue) -> Result<usize> {
    let mut total = 0usize;
    let mut scratch = *src;
    // Measuring: each piece is copied into a buffer of its own, dropped at the end.
    let mut pieces: Vec<Vec<u64>> = Vec::new();
    let mut count = |len: usize| -> Result<*mut u8> {
        total = total
            .checked_add(align8(len))
            .ok_or_else(|| CapiError::TooBig("the values' size".into()))?;
        let mut b = vec![0u64; align8(len) / 8 + 1];
        let p = b.as_mut_ptr() as *mut u8;
        pieces.push(b);
        Ok(p)
    };
    // SAFETY: forwarded; the copy goes to the scratch buffers.
    unsafe { deep_copy(&mut scratch, src, &mut count)? };
    Ok(total)
}

/// The `ALLOCATEMORE` function type.
type AllocateMore = unsafe extern "C" fn(u32, *mut c_void, *mut c_void) -> i32;

/// `PropCopyMore`: copies one value into `dst`, its data allocated with `allocate_more`
/// onto `object`.
///
/// # Safety
/// `dst` valid for a write; `src` a valid value; `allocate_more` an ALLOCATEMORE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn PropCopyMore(
    dst: *mut c_void,
    src: *mut c_void,
    allocate_more: *mut c_void,
    object: *mut c_void,
) -> i32 {
    guard(|| {
        if dst.is_null() || src.is_null() {
            return Err(null("lpSPropValueDest or lpSPropValueSrc"));
        }
        if allocate_more.is_null() {
            return Err(null("lpfAllocMore"));
        }
        // SAFETY: a non-NULL function pointer of the ALLOCATEMORE type.
        let more: AllocateMore = unsafe { std::mem::transmute(allocate_more) };
        // SAFETY: per the caller's promise.
        let src = unsafe { &*(src as *const SPropValue) };
        let mut copy = *src;
        let mut alloc = |len: usize| -> Result<*mut u8> {
            let mut p: *mut c_void = ptr::null_mut();
            let len32 = u32::try_from(len).map_err(|_| CapiError::NotEnoughMemory)?;
            // SAFETY: the caller's allocator with its own object.
            let sc = unsafe { more(len32, object, &mut p as *mut *mut c_void as *mut c_void) };
            if sc < 0 {
                return Err(CapiError::Engine(mapi::EngineError::Status(
                    Status(sc as u32),
                    "lpfAllocMore failed".into(),
                )));
            }
            if p.is_null() {
                return Err(CapiError::NotEnoughMemory);
            }
            Ok(p as *mut u8)
        };
        // SAFETY: forwarded.
        unsafe { deep_copy(&mut copy, src, &mut alloc)? };
        // SAFETY: checked non-NULL.
        unsafe { (dst as *mut SPropValue).write(copy) };
        Ok(Status::S_OK)
    })
}

/// `UlPropSize`: the bytes of one value's data (a string's with its NUL, the sum of a
/// multi-valued property's elements); 0 for PT_NULL, PT_OBJECT and unknown types.
///
/// # Safety
/// `p` must be NULL or a valid value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn UlPropSize(p: *mut c_void) -> u32 {
    if p.is_null() {
        return 0;
    }
    // SAFETY: per the caller's promise; the member read is the one the tag names.
    let size = unsafe {
        let v = &*(p as *const SPropValue);
        let t = prop_type(v.ul_prop_tag);
        match t {
            PT_I2 | PT_BOOLEAN => Some(2),
            PT_LONG | PT_R4 | PT_ERROR => Some(4),
            PT_DOUBLE | PT_APPTIME | PT_CURRENCY | PT_I8 | PT_SYSTIME => Some(8),
            PT_CLSID => Some(16),
            PT_STRING8 | PT_UNICODE => {
                string_len(v.value.lpsz_a as *const c_void, t == PT_UNICODE).ok()
            }
            PT_BINARY => Some(v.value.bin.cb as usize),
            mv if mv & MV_FLAG != 0 => mv_size(v, mv & !MV_FLAG),
            _ => Some(0),
        }
    };
    size.and_then(|s| u32::try_from(s).ok()).unwrap_or(0)
}

/// # Safety
/// `v` a valid multi-valued value of base type `base`.
unsafe fn mv_size(v: &SPropValue, base: u32) -> Option<usize> {
    // SAFETY: per the caller's promise.
    unsafe {
        let m = v.value.mv;
        let n = (m.c_values as usize).min(MAX_VALUES);
        if n > 0 && m.lp.is_null() {
            return None;
        }
        match base {
            PT_BINARY => {
                let a = m.lp as *const SBinary;
                Some((0..n).map(|i| (*a.add(i)).cb as usize).sum())
            }
            PT_STRING8 | PT_UNICODE => {
                let a = m.lp as *const *const c_void;
                let mut total = 0;
                for i in 0..n {
                    total += string_len(*a.add(i), base == PT_UNICODE).ok()?;
                }
                Some(total)
            }
            b => {
                let size = match b {
                    PT_I2 => 2,
                    _ => elem_size(b)?,
                };
                Some(n * size)
            }
        }
    }
}

/// # Safety
/// `arr` must point at `n` valid values.
unsafe fn count_props(n: c_int, arr: *const SPropValue) -> Result<usize> {
    let n = usize::try_from(n).map_err(|_| invalid(format!("cValues {n}")))?;
    if n > MAX_VALUES {
        return Err(CapiError::TooBig(format!("{n} values")));
    }
    if n > 0 && arr.is_null() {
        return Err(null("lpPropArray"));
    }
    let mut total = n * std::mem::size_of::<SPropValue>();
    for i in 0..n {
        // SAFETY: per the caller's promise.
        total = total
            .checked_add(unsafe { extra_bytes(&*arr.add(i))? })
            .ok_or_else(|| CapiError::TooBig("the values' size".into()))?;
    }
    if total > u32::MAX as usize {
        return Err(CapiError::TooBig(format!("{total} bytes")));
    }
    Ok(total)
}

/// `ScCountProps`: the bytes ScCopyProps needs for the values and their data, checking
/// every type (`MAPI_E_INVALID_PARAMETER` for an unknown one).
///
/// # Safety
/// `arr` must point at `n` valid values; `cb` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ScCountProps(n: c_int, arr: *mut c_void, cb: *mut u32) -> i32 {
    guard(|| {
        // SAFETY: forwarded.
        let total = unsafe { count_props(n, arr as *const SPropValue)? };
        if !cb.is_null() {
            // SAFETY: per the caller's promise.
            unsafe { cb.write(total as u32) };
        }
        Ok(Status::S_OK)
    })
}

/// `ScCopyProps`: copies the values and their data into one block at `dst` (of the size
/// ScCountProps gave), in their order; the copies point inside the block.
///
/// # Safety
/// `arr` must point at `n` valid values; `dst` writable for ScCountProps' bytes; `cb`
/// NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ScCopyProps(
    n: c_int,
    arr: *mut c_void,
    dst: *mut c_void,
    cb: *mut u32,
) -> i32 {
    guard(|| {
        let arr = arr as *const SPropValue;
        // SAFETY: forwarded; validates every value before anything is written.
        let total = unsafe { count_props(n, arr)? };
        if dst.is_null() {
            return Err(null("lpvDst"));
        }
        let n = n as usize;
        let out = dst as *mut SPropValue;
        let mut next = n * std::mem::size_of::<SPropValue>();
        for i in 0..n {
            // SAFETY: `dst` has `total` bytes; the pieces are laid out as counted.
            unsafe {
                let src = &*arr.add(i);
                let mut copy = *src;
                let mut bump = |len: usize| -> Result<*mut u8> {
                    let p = (dst as *mut u8).add(next);
                    next += align8(len);
                    debug_assert!(next <= total);
                    Ok(p)
                };
                deep_copy(&mut copy, src, &mut bump)?;
                out.add(i).write(copy);
            }
        }
        if !cb.is_null() {
            // SAFETY: per the caller's promise.
            unsafe { cb.write(next as u32) };
        }
        Ok(Status::S_OK)
    })
}

fn ord(o: Ordering) -> i32 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// # Safety
/// `p` NULL or a NUL-terminated string of that width.
unsafe fn str_slice<'a, T>(p: *const T, wide: bool) -> &'a [T] {
    if p.is_null() {
        return &[];
    }
    // SAFETY: per the caller's promise.
    unsafe {
        let len = if wide {
            libc::wcslen(p as *const libc::wchar_t)
        } else {
            libc::strlen(p as *const libc::c_char)
        };
        std::slice::from_raw_parts(p, len)
    }
}

/// # Safety
/// `a` and `b` valid values of base type `t` (single-valued).
unsafe fn compare_one(t: u32, a: &crate::types::Pv, b: &crate::types::Pv) -> Ordering {
    // SAFETY: the members read are the ones the type names.
    unsafe {
        match t {
            PT_I2 => a.i.cmp(&b.i),
            PT_LONG => a.l.cmp(&b.l),
            PT_ERROR => a.err.cmp(&b.err),
            PT_R4 => a.flt.total_cmp(&b.flt),
            PT_DOUBLE | PT_APPTIME => a.dbl.total_cmp(&b.dbl),
            PT_CURRENCY | PT_I8 => a.li.cmp(&b.li),
            PT_SYSTIME => {
                let x = ((a.ft.high as u64) << 32) | a.ft.low as u64;
                let y = ((b.ft.high as u64) << 32) | b.ft.low as u64;
                x.cmp(&y)
            }
            PT_BOOLEAN => (a.b != 0).cmp(&(b.b != 0)),
            PT_STRING8 => str_slice(a.lpsz_a, false).cmp(str_slice(b.lpsz_a, false)),
            PT_UNICODE => str_slice(a.lpsz_w, true).cmp(str_slice(b.lpsz_w, true)),
            PT_CLSID => {
                if a.lpguid.is_null() || b.lpguid.is_null() {
                    return a.lpguid.is_null().cmp(&b.lpguid.is_null()).reverse();
                }
                std::slice::from_raw_parts(a.lpguid, 16)
                    .cmp(std::slice::from_raw_parts(b.lpguid, 16))
            }
            PT_BINARY => bin(&a.bin).cmp(bin(&b.bin)),
            _ => Ordering::Equal,
        }
    }
}

/// # Safety
/// `b` a valid SBinary.
unsafe fn bin<'a>(b: &SBinary) -> &'a [u8] {
    if b.cb == 0 || b.lpb.is_null() {
        return &[];
    }
    // SAFETY: per the caller's promise.
    unsafe { std::slice::from_raw_parts(b.lpb, b.cb as usize) }
}

/// `LPropCompareProp`: < 0, 0 or > 0 as A is less than, equal to or greater than B.
/// Values of different types order by type; strings compare by code unit
/// (case-sensitive), binaries byte by byte, multi-valued properties element by element.
///
/// # Safety
/// `a` and `b` must be NULL or valid values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn LPropCompareProp(a: *mut c_void, b: *mut c_void) -> i32 {
    if a.is_null() || b.is_null() {
        return ord(a.is_null().cmp(&b.is_null()).reverse());
    }
    // SAFETY: per the caller's promise.
    let (a, b) = unsafe { (&*(a as *const SPropValue), &*(b as *const SPropValue)) };
    let (ta, tb) = (prop_type(a.ul_prop_tag), prop_type(b.ul_prop_tag));
    if ta != tb {
        return ord(ta.cmp(&tb));
    }
    if ta & MV_FLAG == 0 {
        // SAFETY: both values of this type.
        return ord(unsafe { compare_one(ta, &a.value, &b.value) });
    }
    let base = ta & !MV_FLAG;
    let Some(size) = elem_size(base) else {
        return 0;
    };
    // SAFETY: both multi-valued values of this type: read each element as a `_PV`.
    unsafe {
        let (ma, mb) = (a.value.mv, b.value.mv);
        let (na, nb) = (ma.c_values as usize, mb.c_values as usize);
        for i in 0..na.min(nb) {
            let mut x: crate::types::Pv = std::mem::zeroed();
            let mut y: crate::types::Pv = std::mem::zeroed();
            ptr::copy_nonoverlapping(
                (ma.lp as *const u8).add(i * size),
                &mut x as *mut _ as *mut u8,
                size,
            );
            ptr::copy_nonoverlapping(
                (mb.lp as *const u8).add(i * size),
                &mut y as *mut _ as *mut u8,
                size,
            );
            let o = compare_one(base, &x, &y);
            if o != Ordering::Equal {
                return ord(o);
            }
        }
        ord(na.cmp(&nb))
    }
}

/// `FreePadrlist`: every entry's property array, then the list (an ADRLIST has the
/// shape of an SRowSet).
///
/// # Safety
/// `list` must be NULL or an ADRLIST whose entries are MAPIAllocateBuffer roots.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn FreePadrlist(list: *mut c_void) {
    // SAFETY: per the caller's promise.
    unsafe { free_rows(list as *mut SRowSet) };
}

/// The process's IMalloc: the C heap.
#[repr(C)]
struct Malloc {
    vtbl: &'static IMallocVtbl,
}

static MALLOC_VTBL: IMallocVtbl = IMallocVtbl {
    QueryInterface: malloc_qi,
    AddRef: malloc_ref,
    Release: malloc_ref,
    Alloc: malloc_alloc,
    Realloc: malloc_realloc,
    Free: malloc_free,
    GetSize: malloc_size,
    DidAlloc: malloc_did,
    HeapMinimize: malloc_minimize,
};

static MALLOC: Malloc = Malloc { vtbl: &MALLOC_VTBL };

unsafe extern "C" fn malloc_qi(this: *mut c_void, riid: *mut c_void, out: *mut c_void) -> i32 {
    let out = out as *mut *mut c_void;
    if out.is_null() || riid.is_null() {
        return Status::MAPI_E_INVALID_PARAMETER.0 as i32;
    }
    // SAFETY: a REFIID points at a GUID; `out` checked.
    unsafe {
        let want = *(riid as *const Guid);
        if chain::IMalloc.iter().any(|g| **g == want) {
            out.write(this);
            Status::S_OK.0 as i32
        } else {
            out.write(ptr::null_mut());
            Status::MAPI_E_INTERFACE_NOT_SUPPORTED.0 as i32
        }
    }
}

/// The one IMalloc lives as long as the process: its counts are always 1.
unsafe extern "C" fn malloc_ref(_this: *mut c_void) -> u32 {
    1
}

unsafe extern "C" fn malloc_alloc(_this: *mut c_void, cb: usize) -> *mut c_void {
    // SAFETY: a plain allocation.
    unsafe { libc::malloc(cb.max(1)) }
}

unsafe extern "C" fn malloc_realloc(_this: *mut c_void, p: *mut c_void, cb: usize) -> *mut c_void {
    if cb == 0 {
        // SAFETY: NULL or a block of this allocator.
        unsafe { libc::free(p) };
        return ptr::null_mut();
    }
    // SAFETY: NULL or a block of this allocator.
    unsafe { libc::realloc(p, cb) }
}

unsafe extern "C" fn malloc_free(_this: *mut c_void, p: *mut c_void) {
    // SAFETY: NULL or a block of this allocator.
    unsafe { libc::free(p) }
}

unsafe extern "C" fn malloc_size(_this: *mut c_void, p: *mut c_void) -> usize {
    if p.is_null() {
        return usize::MAX;
    }
    // SAFETY: a block of this allocator.
    unsafe { libc::malloc_usable_size(p) }
}

/// The C heap cannot tell its blocks from others: -1, "don't know".
unsafe extern "C" fn malloc_did(_this: *mut c_void, p: *mut c_void) -> c_int {
    let _ = p;
    -1
}

unsafe extern "C" fn malloc_minimize(_this: *mut c_void) {
    // SAFETY: no arguments to check.
    unsafe { libc::malloc_trim(0) };
}

/// `MAPIGetDefaultMalloc`: the C heap as an IMalloc (one object for the process;
/// AddRef and Release do nothing).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn MAPIGetDefaultMalloc() -> *mut c_void {
    &MALLOC as *const Malloc as *mut c_void
}

/// The `NOTIFCALLBACK` function type.
pub type NotifCallback = unsafe extern "C" fn(*mut c_void, u32, *mut c_void) -> i32;

/// `HrAllocAdviseSink`: an IMAPIAdviseSink whose OnNotify calls `callback(context,
/// cNotif, lpNotifications)`; released with Release.
///
/// # Safety
/// `callback` must be NULL or a NOTIFCALLBACK; `out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn HrAllocAdviseSink(
    callback: *mut c_void,
    context: *mut c_void,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    guard(|| {
        if callback.is_null() {
            return Err(null("lpfnCallback"));
        }
        if out.is_null() {
            return Err(null("lppAdviseSink"));
        }
        // SAFETY: a non-NULL function pointer of the NOTIFCALLBACK type.
        let cb: NotifCallback = unsafe { std::mem::transmute(callback) };
        // SAFETY: checked non-NULL.
        unsafe { out.write(CallbackSink::new_object(cb, context)) };
        Ok(Status::S_OK)
    })
}

/// `HrThisThreadAdviseSink`: every sink is already called on the library's notification
/// thread, so this is the same sink, with one more reference.
///
/// # Safety
/// `sink` must be NULL or an IMAPIAdviseSink; `out` NULL or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn HrThisThreadAdviseSink(sink: *mut c_void, out: *mut c_void) -> i32 {
    let out = out as *mut *mut c_void;
    guard(|| {
        if sink.is_null() {
            return Err(null("lpAdviseSink"));
        }
        if out.is_null() {
            return Err(null("lppAdviseSink"));
        }
        // SAFETY: an interface pointer's first word is its vtable.
        unsafe {
            let v = &**(sink as *const *const IMAPIAdviseSinkVtbl);
            (v.AddRef)(sink);
            out.write(sink);
        }
        Ok(Status::S_OK)
    })
}

/// `HrDispatchNotifications`: notifications are delivered on the library's own
/// thread, with no message loop to pump; S_OK at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn HrDispatchNotifications(_flags: u32) -> i32 {
    Status::S_OK.0 as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{MvArray, Pv};

    fn value(tag: u32, value: Pv) -> SPropValue {
        SPropValue {
            ul_prop_tag: tag,
            dw_align_pad: 0,
            value,
        }
    }

    #[test]
    fn counting_and_copying_agree_and_the_copy_is_deep() {
        let s = c"subject".as_ptr() as *mut u8;
        let bytes = [1u8, 2, 3];
        let mut strs = [c"a".as_ptr() as *mut u8, c"bcd".as_ptr() as *mut u8];
        let mut arr = [
            value(0x0037_001E, Pv { lpsz_a: s }),
            value(
                0x0FFF_0102,
                Pv {
                    bin: SBinary {
                        cb: 3,
                        lpb: bytes.as_ptr() as *mut u8,
                    },
                },
            ),
            value(
                0x8001_101E,
                Pv {
                    mv: MvArray {
                        c_values: 2,
                        lp: strs.as_mut_ptr() as *mut c_void,
                    },
                },
            ),
            value(0x0E08_0003, Pv { l: 42 }),
        ];
        let mut cb = 0u32;
        let arr_p = arr.as_mut_ptr() as *mut c_void;
        assert_eq!(unsafe { ScCountProps(4, arr_p, &mut cb) }, 0);
        // 4 values, "subject\0" 8, 3 bytes -> 8, 2 pointers 16, "a\0" -> 8, "bcd\0" -> 8.
        assert_eq!(cb, 4 * 24 + 8 + 8 + 16 + 8 + 8);
        let mut block = vec![0u64; cb as usize / 8];
        let mut used = 0u32;
        let dst = block.as_mut_ptr() as *mut c_void;
        assert_eq!(unsafe { ScCopyProps(4, arr_p, dst, &mut used) }, 0);
        assert_eq!(used, cb);
        let copy = dst as *const SPropValue;
        unsafe {
            let c0 = &*copy;
            assert_ne!(c0.value.lpsz_a, s);
            assert_eq!(
                std::ffi::CStr::from_ptr(c0.value.lpsz_a as *const libc::c_char),
                c"subject"
            );
            let range = dst as usize..dst as usize + cb as usize;
            assert!(range.contains(&(c0.value.lpsz_a as usize)));
            assert_eq!(bin(&(*copy.add(1)).value.bin), &bytes);
            assert_eq!((*copy.add(3)).value.l, 42);
            assert_eq!(LPropCompareProp(arr_p, copy as *mut c_void), 0);
            assert_eq!(UlPropSize(copy.add(2) as *mut c_void), 2 + 4);
        }
        let mut bad = [value(0x0001_0077, Pv { l: 0 })];
        let e = unsafe { ScCountProps(1, bad.as_mut_ptr() as *mut c_void, ptr::null_mut()) };
        assert_eq!(e as u32, Status::MAPI_E_INVALID_PARAMETER.0);
    }
}
