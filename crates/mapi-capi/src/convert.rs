//! Values between Rust and C: property values, rows and row sets (each row its own
//! MAPIAllocateBuffer root, its strings children), tag arrays, sort orders,
//! restrictions, strings and MAPIERROR. Everything read from C is bounded and copied.

use std::ffi::c_void;
use std::ptr;

use mapi::table::view::MAX_COLUMNS;
use mapi::{PropTag, PropType, PropValue, Relop, Restriction, Row, SortKey, Status};

use crate::alloc::{allocate, allocate_more, copy_more, free};
use crate::error::{CapiError, Result, null};
use crate::types::*;

/// Most characters a string read from C may have.
const MAX_STRING: usize = 1 << 20;
/// Most bytes a binary value read from C may have.
const MAX_BINARY: usize = 64 << 20;
/// How deep a restriction read from C may nest.
const MAX_DEPTH: usize = 64;
/// Most sub-restrictions of one AND / OR, and most sort keys.
const MAX_ITEMS: usize = 4096;

/// A NUL-terminated string from C: UTF-32 `wchar_t` when `unicode`, else UTF-8.
///
/// # Safety
/// `p` must be NULL or a NUL-terminated string of that width.
pub unsafe fn read_string(p: *const c_void, unicode: bool) -> Result<Option<String>> {
    if p.is_null() {
        return Ok(None);
    }
    if unicode {
        let w = p as *const u32;
        let mut s = String::new();
        for i in 0..=MAX_STRING {
            // SAFETY: read up to and including the NUL.
            let c = unsafe { *w.add(i) };
            if c == 0 {
                return Ok(Some(s));
            }
            s.push(char::from_u32(c).ok_or_else(|| {
                CapiError::BadCharWidth(format!("0x{c:X} is not a Unicode character"))
            })?);
        }
    } else {
        let b = p as *const u8;
        for i in 0..=MAX_STRING {
            // SAFETY: as above.
            if unsafe { *b.add(i) } == 0 {
                // SAFETY: `i` bytes before the NUL.
                let bytes = unsafe { std::slice::from_raw_parts(b, i) };
                return String::from_utf8(bytes.to_vec()).map(Some).map_err(|_| {
                    CapiError::BadCharWidth(
                        "a string is not UTF-8 (pass MAPI_UNICODE for wchar_t)".into(),
                    )
                });
            }
        }
    }
    Err(CapiError::TooBig(format!(
        "a string longer than {MAX_STRING} characters"
    )))
}

/// A string as a child of `base` (a root when `base` is NULL).
///
/// # Safety
/// `base` must be NULL or a live buffer.
pub unsafe fn write_string(base: *mut c_void, s: &str, unicode: bool) -> Result<*mut c_void> {
    if unicode {
        let mut w: Vec<u32> = s.chars().map(|c| c as u32).collect();
        w.push(0);
        // SAFETY: plain bytes of the u32s.
        let bytes = unsafe { std::slice::from_raw_parts(w.as_ptr() as *const u8, w.len() * 4) };
        // SAFETY: forwarded.
        unsafe { copy_more(base, bytes) }
    } else {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        // SAFETY: forwarded.
        unsafe { copy_more(base, &b) }
    }
}

/// A tag array from C.
///
/// # Safety
/// `p` must be NULL or a valid `SPropTagArray`.
pub unsafe fn read_tags(p: *const SPropTagArray, what: &str) -> Result<Vec<PropTag>> {
    if p.is_null() {
        return Err(null(what));
    }
    // SAFETY: a valid header.
    let n = unsafe { (*p).c_values } as usize;
    if n > MAX_COLUMNS {
        return Err(CapiError::TooBig(format!(
            "{n} tags (at most {MAX_COLUMNS})"
        )));
    }
    // SAFETY: `n` tags follow the header.
    let tags = unsafe { std::slice::from_raw_parts((*p).aul_prop_tag.as_ptr(), n) };
    Ok(tags.iter().map(|t| PropTag(*t)).collect())
}

/// A tag array as one root.
pub fn write_tags(tags: &[PropTag]) -> Result<*mut SPropTagArray> {
    let p = allocate(4 + 4 * tags.len().max(1))? as *mut SPropTagArray;
    // SAFETY: room for the header and the tags.
    unsafe {
        (*p).c_values = tags.len() as u32;
        let a = (*p).aul_prop_tag.as_mut_ptr();
        for (i, t) in tags.iter().enumerate() {
            a.add(i).write(t.0);
        }
    }
    Ok(p)
}

fn error_value(tag: PropTag, status: u32) -> SPropValue {
    SPropValue {
        ul_prop_tag: tag.with_type(PropType::PT_ERROR).0,
        dw_align_pad: 0,
        value: Pv { err: status as i32 },
    }
}

fn is_string(t: PropType) -> bool {
    t == PropType::PT_STRING8 || t == PropType::PT_UNICODE
}

/// Writes one value into `out`; strings, binaries and arrays become children of `base`.
///
/// # Safety
/// `base` must be a live buffer.
pub unsafe fn write_value(
    base: *mut c_void,
    tag: PropTag,
    v: &PropValue,
    unicode: bool,
) -> Result<SPropValue> {
    let want = tag.prop_type();
    let mut ty = v.prop_type();
    // A string takes the width its tag names, else the call's MAPI_UNICODE.
    let wide = |t: PropType| {
        if t.base() == PropType::PT_UNICODE {
            true
        } else if t.base() == PropType::PT_STRING8 {
            false
        } else {
            unicode
        }
    };
    let value = match v {
        PropValue::Error(e) => return Ok(error_value(tag, *e)),
        PropValue::Null => Pv { x: 0 },
        PropValue::I2(x) => Pv { i: *x },
        PropValue::Long(x) => Pv { l: *x },
        PropValue::R4(x) => Pv { flt: *x },
        PropValue::Double(x) | PropValue::AppTime(x) => Pv { dbl: *x },
        PropValue::Currency(x) | PropValue::I8(x) => Pv { li: *x },
        PropValue::Boolean(b) => Pv { b: *b as u16 },
        PropValue::SysTime(t) => Pv {
            ft: FileTime {
                low: *t as u32,
                high: (*t >> 32) as u32,
            },
        },
        PropValue::String8(s) | PropValue::Unicode(s) => {
            let w = wide(if is_string(want) { want } else { ty });
            ty = if w {
                PropType::PT_UNICODE
            } else {
                PropType::PT_STRING8
            };
            // SAFETY: forwarded.
            let p = unsafe { write_string(base, s, w)? };
            if w {
                Pv {
                    lpsz_w: p as *mut u32,
                }
            } else {
                Pv {
                    lpsz_a: p as *mut u8,
                }
            }
        }
        PropValue::Clsid(g) => Pv {
            // SAFETY: forwarded.
            lpguid: unsafe { copy_more(base, g)? } as *mut u8,
        },
        PropValue::Binary(b) => Pv {
            bin: SBinary {
                cb: b.len() as u32,
                // SAFETY: forwarded.
                lpb: unsafe { copy_more(base, b)? } as *mut u8,
            },
        },
        PropValue::Multi(elem, vals) => {
            let (mv, t) = unsafe { write_multi(base, *elem, vals, want, unicode)? };
            ty = t;
            Pv { mv }
        }
    };
    Ok(SPropValue {
        ul_prop_tag: tag.with_type(ty).0,
        dw_align_pad: 0,
        value,
    })
}

/// A multi-valued array as a child of `base`; the type written.
///
/// # Safety
/// `base` must be a live buffer.
unsafe fn write_multi(
    base: *mut c_void,
    elem: PropType,
    vals: &[PropValue],
    want: PropType,
    unicode: bool,
) -> Result<(MvArray, PropType)> {
    let n = vals.len();
    let mut ty = elem.multi();
    let bytes: Vec<u8> = match elem {
        PropType::PT_I2 => vals
            .iter()
            .flat_map(|v| match v {
                PropValue::I2(x) => x.to_ne_bytes(),
                _ => [0; 2],
            })
            .collect(),
        PropType::PT_LONG => vals
            .iter()
            .flat_map(|v| match v {
                PropValue::Long(x) => x.to_ne_bytes(),
                _ => [0; 4],
            })
            .collect(),
        PropType::PT_R4 => vals
            .iter()
            .flat_map(|v| match v {
                PropValue::R4(x) => x.to_ne_bytes(),
                _ => [0; 4],
            })
            .collect(),
        PropType::PT_DOUBLE | PropType::PT_APPTIME => vals
            .iter()
            .flat_map(|v| match v {
                PropValue::Double(x) | PropValue::AppTime(x) => x.to_ne_bytes(),
                _ => [0; 8],
            })
            .collect(),
        PropType::PT_CURRENCY | PropType::PT_I8 | PropType::PT_SYSTIME => vals
            .iter()
            .flat_map(|v| match v {
                PropValue::Currency(x) | PropValue::I8(x) => x.to_ne_bytes(),
                PropValue::SysTime(x) => x.to_ne_bytes(),
                _ => [0; 8],
            })
            .collect(),
        PropType::PT_CLSID => vals
            .iter()
            .flat_map(|v| match v {
                PropValue::Clsid(g) => *g,
                _ => [0; 16],
            })
            .collect(),
        PropType::PT_BINARY => {
            let arr = unsafe { allocate_more(16 * n.max(1), base)? } as *mut SBinary;
            for (i, v) in vals.iter().enumerate() {
                let b = v.as_bytes().unwrap_or(&[]);
                // SAFETY: room for `n` entries.
                unsafe {
                    arr.add(i).write(SBinary {
                        cb: b.len() as u32,
                        lpb: copy_more(base, b)? as *mut u8,
                    })
                };
            }
            return Ok((
                MvArray {
                    c_values: n as u32,
                    lp: arr as *mut c_void,
                },
                ty,
            ));
        }
        PropType::PT_STRING8 | PropType::PT_UNICODE => {
            let w = match want.base() {
                PropType::PT_UNICODE => true,
                PropType::PT_STRING8 => false,
                _ => unicode,
            };
            ty = if w {
                PropType::PT_UNICODE
            } else {
                PropType::PT_STRING8
            }
            .multi();
            let arr = unsafe { allocate_more(8 * n.max(1), base)? } as *mut *mut c_void;
            for (i, v) in vals.iter().enumerate() {
                // SAFETY: room for `n` pointers.
                unsafe {
                    arr.add(i)
                        .write(write_string(base, v.as_str().unwrap_or(""), w)?)
                };
            }
            return Ok((
                MvArray {
                    c_values: n as u32,
                    lp: arr as *mut c_void,
                },
                ty,
            ));
        }
        other => {
            return Err(CapiError::NoSupport(format!(
                "multi-valued {} values",
                other.name()
            )));
        }
    };
    // SAFETY: forwarded.
    let lp = unsafe { copy_more(base, &bytes)? };
    Ok((
        MvArray {
            c_values: n as u32,
            lp,
        },
        ty,
    ))
}

/// Property values as one root array with their data as children.
pub fn write_props(values: &[(PropTag, PropValue)], unicode: bool) -> Result<*mut SPropValue> {
    let root = allocate(24 * values.len().max(1))?;
    let arr = root as *mut SPropValue;
    for (i, (tag, v)) in values.iter().enumerate() {
        // SAFETY: `root` is live, with room for every value.
        match unsafe { write_value(root, *tag, v, unicode) } {
            Ok(spv) => unsafe { arr.add(i).write(spv) },
            Err(e) => {
                // SAFETY: ours, not handed out.
                let _ = unsafe { free(root) };
                return Err(e);
            }
        }
    }
    Ok(arr)
}

/// A row set: the set one root, each row's values another.
pub fn write_rows(rows: &[Row], unicode: bool) -> Result<*mut SRowSet> {
    let set = allocate(8 + 16 * rows.len().max(1))? as *mut SRowSet;
    // SAFETY: room for the header and every row.
    unsafe { (*set).c_rows = 0 };
    for (i, row) in rows.iter().enumerate() {
        match write_props(&row.0, unicode) {
            Ok(props) => unsafe {
                (*set).a_row.as_mut_ptr().add(i).write(SRow {
                    ul_adr_entry_pad: 0,
                    c_values: row.0.len() as u32,
                    lp_props: props,
                });
                (*set).c_rows = i as u32 + 1;
            },
            Err(e) => {
                // SAFETY: ours, not handed out.
                unsafe { free_rows(set) };
                return Err(e);
            }
        }
    }
    Ok(set)
}

/// `FreeProws`: every row's root, then the set.
///
/// # Safety
/// `set` must be NULL or a row set whose rows are MAPIAllocateBuffer roots.
pub unsafe fn free_rows(set: *mut SRowSet) {
    if set.is_null() {
        return;
    }
    // SAFETY: per the caller's promise.
    unsafe {
        let n = (*set).c_rows as usize;
        let rows = (*set).a_row.as_mut_ptr();
        for i in 0..n {
            let _ = free((*rows.add(i)).lp_props as *mut c_void);
        }
        let _ = free(set as *mut c_void);
    }
}

/// A value from C (restriction operands).
///
/// # Safety
/// `p` must be NULL or a valid `SPropValue` whose pointers match its type.
pub unsafe fn read_value(p: *const SPropValue) -> Result<(PropTag, PropValue)> {
    if p.is_null() {
        return Err(null("lpProp"));
    }
    // SAFETY: a valid value; the union member read is the one its tag names.
    unsafe {
        let spv = &*p;
        let tag = PropTag(spv.ul_prop_tag);
        let v = &spv.value;
        let value = match tag.prop_type() {
            PropType::PT_NULL => PropValue::Null,
            PropType::PT_I2 => PropValue::I2(v.i),
            PropType::PT_LONG => PropValue::Long(v.l),
            PropType::PT_R4 => PropValue::R4(v.flt),
            PropType::PT_DOUBLE => PropValue::Double(v.dbl),
            PropType::PT_APPTIME => PropValue::AppTime(v.dbl),
            PropType::PT_CURRENCY => PropValue::Currency(v.cur),
            PropType::PT_I8 => PropValue::I8(v.li),
            PropType::PT_ERROR => PropValue::Error(v.err as u32),
            PropType::PT_BOOLEAN => PropValue::Boolean(v.b != 0),
            PropType::PT_SYSTIME => {
                PropValue::SysTime(((v.ft.high as u64) << 32) | v.ft.low as u64)
            }
            PropType::PT_STRING8 => PropValue::String8(
                read_string(v.lpsz_a as *const c_void, false)?.ok_or_else(|| null("lpszA"))?,
            ),
            PropType::PT_UNICODE => PropValue::Unicode(
                read_string(v.lpsz_w as *const c_void, true)?.ok_or_else(|| null("lpszW"))?,
            ),
            PropType::PT_CLSID => {
                if v.lpguid.is_null() {
                    return Err(null("lpguid"));
                }
                let mut g = [0u8; 16];
                ptr::copy_nonoverlapping(v.lpguid, g.as_mut_ptr(), 16);
                PropValue::Clsid(g)
            }
            PropType::PT_BINARY => {
                let cb = v.bin.cb as usize;
                if cb > MAX_BINARY {
                    return Err(CapiError::TooBig(format!("a {cb}-byte binary value")));
                }
                if cb > 0 && v.bin.lpb.is_null() {
                    return Err(null("bin.lpb"));
                }
                let b = if cb == 0 {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(v.bin.lpb, cb).to_vec()
                };
                PropValue::Binary(b)
            }
            other => {
                return Err(CapiError::TooComplex(format!(
                    "a {} value in a restriction",
                    other.name()
                )));
            }
        };
        Ok((tag, value))
    }
}

/// A restriction from C. Every RES_* type is parsed; RES_COUNT and RES_ANNOTATION,
/// which the engine lacks, are `MAPI_E_TOO_COMPLEX`.
///
/// # Safety
/// `p` must be NULL or a valid `SRestriction` tree.
pub unsafe fn read_restriction(p: *const SRestriction, depth: usize) -> Result<Restriction> {
    if p.is_null() {
        return Err(null("lpRes"));
    }
    if depth > MAX_DEPTH {
        return Err(CapiError::TooComplex(format!(
            "a restriction nested deeper than {MAX_DEPTH}"
        )));
    }
    let list = |l: &ResList| -> Result<Vec<Restriction>> {
        let n = l.c as usize;
        if n > MAX_ITEMS {
            return Err(CapiError::TooComplex(format!("{n} sub-restrictions")));
        }
        if n > 0 && l.lp_res.is_null() {
            return Err(null("lpRes"));
        }
        // SAFETY: `n` restrictions at `lp_res`.
        (0..n)
            .map(|i| unsafe { read_restriction(l.lp_res.add(i), depth + 1) })
            .collect()
    };
    // SAFETY: a valid restriction; the union is read as the member `rt` names.
    unsafe {
        let r = &*p;
        let res = r.res.as_ptr() as *const u8;
        let ulongs = &*(res as *const ResUlongs);
        let rl = &*(res as *const ResList);
        let rv = &*(res as *const ResValue);
        let out = match r.rt {
            0 => Restriction::And(list(rl)?),
            1 => Restriction::Or(list(rl)?),
            2 => Restriction::Not(Box::new(read_restriction(rl.lp_res, depth + 1)?)),
            3 => {
                let (_, v) = read_value(rv.lp_prop)?;
                let text = v.as_str().ok_or_else(|| {
                    CapiError::InvalidParameter("RES_CONTENT needs a string value".into())
                })?;
                Restriction::content(PropTag(rv.ul_prop_tag), text, rv.a)?
            }
            4 => {
                let (_, value) = read_value(rv.lp_prop)?;
                Restriction::Property {
                    op: Relop::from_mapi(rv.a)?,
                    tag: PropTag(rv.ul_prop_tag),
                    value,
                }
            }
            5 => Restriction::CompareProps {
                op: Relop::from_mapi(ulongs.a)?,
                left: PropTag(ulongs.b),
                right: PropTag(ulongs.c),
            },
            6 => Restriction::BitMask {
                tag: PropTag(ulongs.b),
                mask: ulongs.c,
                nonzero: match ulongs.a {
                    0 => false,
                    1 => true,
                    other => {
                        return Err(CapiError::InvalidParameter(format!(
                            "relBMR {other} (BMR_EQZ 0 or BMR_NEZ 1)"
                        )));
                    }
                },
            },
            7 => Restriction::Size {
                op: Relop::from_mapi(ulongs.a)?,
                tag: PropTag(ulongs.b),
                size: ulongs.c,
            },
            8 => Restriction::Exist(PropTag(ulongs.b)),
            9 => Restriction::Sub {
                object: PropTag(rl.c),
                restriction: Box::new(read_restriction(rl.lp_res, depth + 1)?),
            },
            10 => {
                let c = &*(res as *const ResComment);
                let n = c.c_values as usize;
                if n > MAX_ITEMS {
                    return Err(CapiError::TooComplex(format!("{n} comment values")));
                }
                if n > 0 && c.lp_prop.is_null() {
                    return Err(null("lpProp"));
                }
                let props = (0..n)
                    .map(|i| read_value(c.lp_prop.add(i)))
                    .collect::<Result<Vec<_>>>()?;
                let restriction = if c.lp_res.is_null() {
                    None
                } else {
                    Some(Box::new(read_restriction(c.lp_res, depth + 1)?))
                };
                Restriction::Comment { props, restriction }
            }
            11 | 12 => {
                return Err(CapiError::TooComplex(format!(
                    "restriction type {} (RES_COUNT / RES_ANNOTATION)",
                    r.rt
                )));
            }
            other => {
                return Err(CapiError::InvalidParameter(format!(
                    "unknown restriction type {other}"
                )));
            }
        };
        Ok(out)
    }
}

/// A sort order from C (categories are `MAPI_E_TOO_COMPLEX`).
///
/// # Safety
/// `p` must be NULL or a valid `SSortOrderSet`.
pub unsafe fn read_sort(p: *const SSortOrderSet) -> Result<Vec<SortKey>> {
    if p.is_null() {
        return Err(null("lpSortCriteria"));
    }
    // SAFETY: a valid header and `c_sorts` keys.
    unsafe {
        let n = (*p).c_sorts as usize;
        if n > MAX_ITEMS {
            return Err(CapiError::TooComplex(format!("{n} sort keys")));
        }
        if (*p).c_categories != 0 {
            return Err(CapiError::TooComplex(
                "categorized sort orders (cCategories > 0)".into(),
            ));
        }
        let keys = std::slice::from_raw_parts((*p).a_sort.as_ptr(), n);
        keys.iter()
            .map(|k| Ok(SortKey::from_mapi(PropTag(k.ul_prop_tag), k.ul_order)?))
            .collect()
    }
}

/// A sort order as one root.
pub fn write_sort(keys: &[SortKey]) -> Result<*mut SSortOrderSet> {
    let p = allocate(12 + 8 * keys.len().max(1))? as *mut SSortOrderSet;
    // SAFETY: room for the header and every key.
    unsafe {
        (*p).c_sorts = keys.len() as u32;
        (*p).c_categories = 0;
        (*p).c_expanded = 0;
        for (i, k) in keys.iter().enumerate() {
            (*p).a_sort.as_mut_ptr().add(i).write(SSortOrder {
                ul_prop_tag: k.tag.0,
                ul_order: u32::from(k.descending),
            });
        }
    }
    Ok(p)
}

/// A MAPIERROR (one root, its strings children) naming a status and its cause.
pub fn write_error(status: Status, text: &str, unicode: bool) -> Result<*mut MapiError> {
    let root = allocate(std::mem::size_of::<MapiError>())?;
    let made = (|| -> Result<()> {
        // SAFETY: `root` is live.
        let e = unsafe { write_string(root, text, unicode)? };
        let c = unsafe { write_string(root, "libmapi", unicode)? };
        // SAFETY: room for a MAPIERROR.
        unsafe {
            (root as *mut MapiError).write(MapiError {
                ul_version: 0,
                lpsz_error: e,
                lpsz_component: c,
                ul_low_level_error: status.0,
                ul_context: 0,
            })
        };
        Ok(())
    })();
    if let Err(e) = made {
        // SAFETY: ours, not handed out.
        let _ = unsafe { free(root) };
        return Err(e);
    }
    Ok(root as *mut MapiError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi::{MapiStatus, tags};

    fn res(rt: u32) -> SRestriction {
        SRestriction { rt, res: [0; 3] }
    }

    #[test]
    fn rows_round_trip_with_their_strings_in_the_width_asked() {
        let row = Row(vec![
            (tags::PR_DISPLAY_NAME, PropValue::Unicode("Inbox é".into())),
            (
                tags::PR_SUBJECT.with_type(PropType::PT_STRING8),
                PropValue::Unicode("Hi".into()),
            ),
            (tags::PR_CONTENT_COUNT, PropValue::Long(7)),
            (tags::PR_ENTRYID, PropValue::Binary(vec![1, 2, 3])),
            (
                tags::PR_MESSAGE_SIZE,
                PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
            ),
        ]);
        let set = write_rows(&[row.clone(), row], false).unwrap();
        // SAFETY: a set this module made.
        unsafe {
            assert_eq!((*set).c_rows, 2);
            let r = &*(*set).a_row.as_ptr().add(1);
            assert_eq!(r.c_values, 5);
            let v = std::slice::from_raw_parts(r.lp_props, 5);
            assert_eq!(PropTag(v[0].ul_prop_tag), tags::PR_DISPLAY_NAME);
            assert_eq!(
                read_string(v[0].value.lpsz_w as *const c_void, true)
                    .unwrap()
                    .unwrap(),
                "Inbox é"
            );
            assert_eq!(PropTag(v[1].ul_prop_tag).prop_type(), PropType::PT_STRING8);
            assert_eq!(
                read_string(v[1].value.lpsz_a as *const c_void, false)
                    .unwrap()
                    .unwrap(),
                "Hi"
            );
            assert_eq!(v[2].value.l, 7);
            assert_eq!(
                std::slice::from_raw_parts(v[3].value.bin.lpb, 3),
                &[1, 2, 3]
            );
            assert_eq!(PropTag(v[4].ul_prop_tag).prop_type(), PropType::PT_ERROR);
            assert_eq!(v[4].value.err as u32, Status::MAPI_E_NOT_FOUND.0);
            free_rows(set);
        }
    }

    #[test]
    fn restrictions_the_engine_lacks_are_too_complex_and_unknown_ones_invalid() {
        for rt in [11, 12] {
            let e = unsafe { read_restriction(&res(rt), 0) }.unwrap_err();
            assert_eq!(e.status(), Status::MAPI_E_TOO_COMPLEX, "{rt}");
        }
        let e = unsafe { read_restriction(&res(99), 0) }.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
        let e = unsafe { read_restriction(std::ptr::null(), 0) }.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
    }

    #[test]
    fn a_deep_restriction_is_refused_without_recursing_far() {
        // 200 nested RES_NOTs around a RES_EXIST.
        let mut chain: Vec<SRestriction> = (0..201).map(|_| res(2)).collect();
        chain[200] = res(8);
        let base = chain.as_ptr();
        for (i, r) in chain.iter_mut().enumerate().take(200) {
            let next = unsafe { base.add(i + 1) } as u64;
            r.res = [0, next, 0];
        }
        let e = unsafe { read_restriction(chain.as_ptr(), 0) }.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_TOO_COMPLEX);
        // Shallow enough, it parses.
        let ok = unsafe { read_restriction(chain.as_ptr().add(150), 0) }.unwrap();
        assert!(matches!(ok, Restriction::Not(_)));
    }

    #[test]
    fn a_huge_tag_count_is_refused_before_any_tag_is_read() {
        let header = SPropTagArray {
            c_values: u32::MAX,
            aul_prop_tag: [],
        };
        let e = unsafe { read_tags(&header, "tags") }.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_TOO_BIG);
    }

    #[test]
    fn bad_text_is_a_char_width_error() {
        let bad = [0xFFu8, 0xFE, 0];
        let e = unsafe { read_string(bad.as_ptr() as *const c_void, false) }.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_BAD_CHARWIDTH);
        let wide = [0xD800u32, 0];
        let e = unsafe { read_string(wide.as_ptr() as *const c_void, true) }.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_BAD_CHARWIDTH);
    }
}
