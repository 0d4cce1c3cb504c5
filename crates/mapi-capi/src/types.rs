//! The C structs the library reads and writes, laid out as `mapidefs.h` declares them
//! (sizes and offsets checked at compile time against c-abi.md §2).

use std::ffi::c_void;
use std::mem::{offset_of, size_of};

/// `SBinary`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SBinary {
    pub cb: u32,
    pub lpb: *mut u8,
}

/// The `S*Array` of a multi-valued property.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct MvArray {
    pub c_values: u32,
    pub lp: *mut c_void,
}

/// `FILETIME`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FileTime {
    pub low: u32,
    pub high: u32,
}

/// `union _PV`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union Pv {
    pub i: i16,
    pub l: i32,
    pub ul: u32,
    pub flt: f32,
    pub dbl: f64,
    pub b: u16,
    pub cur: i64,
    pub ft: FileTime,
    pub lpsz_a: *mut u8,
    pub bin: SBinary,
    pub lpsz_w: *mut u32,
    pub lpguid: *mut u8,
    pub li: i64,
    pub mv: MvArray,
    pub err: i32,
    pub x: i32,
}

/// `SPropValue`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SPropValue {
    pub ul_prop_tag: u32,
    pub dw_align_pad: u32,
    pub value: Pv,
}

/// `SPropTagArray` (header; the tags follow).
#[repr(C)]
pub struct SPropTagArray {
    pub c_values: u32,
    pub aul_prop_tag: [u32; 0],
}

/// `SRow`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SRow {
    pub ul_adr_entry_pad: u32,
    pub c_values: u32,
    pub lp_props: *mut SPropValue,
}

/// `SRowSet` (header; the rows follow).
#[repr(C)]
pub struct SRowSet {
    pub c_rows: u32,
    pub a_row: [SRow; 0],
}

/// `SSortOrder`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SSortOrder {
    pub ul_prop_tag: u32,
    pub ul_order: u32,
}

/// `SSortOrderSet` (header; the keys follow).
#[repr(C)]
pub struct SSortOrderSet {
    pub c_sorts: u32,
    pub c_categories: u32,
    pub c_expanded: u32,
    pub a_sort: [SSortOrder; 0],
}

/// `SRestriction`: `rt` and a 24-byte union read through the structs below.
#[repr(C)]
pub struct SRestriction {
    pub rt: u32,
    pub res: [u64; 3],
}

/// Three ULONGs (`SComparePropsRestriction`, `SBitMaskRestriction`,
/// `SSizeRestriction`, `SExistRestriction`).
#[repr(C)]
pub struct ResUlongs {
    pub a: u32,
    pub b: u32,
    pub c: u32,
}

/// A count and a restriction array (`SAndRestriction`, `SOrRestriction`,
/// `SNotRestriction`, `SSubRestriction`).
#[repr(C)]
pub struct ResList {
    pub c: u32,
    pub lp_res: *const SRestriction,
}

/// Two ULONGs and a value (`SContentRestriction`, `SPropertyRestriction`).
#[repr(C)]
pub struct ResValue {
    pub a: u32,
    pub ul_prop_tag: u32,
    pub lp_prop: *const SPropValue,
}

/// `SCommentRestriction`.
#[repr(C)]
pub struct ResComment {
    pub c_values: u32,
    pub lp_res: *const SRestriction,
    pub lp_prop: *const SPropValue,
}

/// `MAPIERROR`.
#[repr(C)]
pub struct MapiError {
    pub ul_version: u32,
    pub lpsz_error: *mut c_void,
    pub lpsz_component: *mut c_void,
    pub ul_low_level_error: u32,
    pub ul_context: u32,
}

/// `MAPIINIT_0`.
#[repr(C)]
pub struct MapiInit0 {
    pub ul_version: u32,
    pub ul_flags: u32,
}

const _: () = {
    assert!(size_of::<SBinary>() == 16);
    assert!(size_of::<Pv>() == 16);
    assert!(size_of::<SPropValue>() == 24 && offset_of!(SPropValue, value) == 8);
    assert!(offset_of!(SPropTagArray, aul_prop_tag) == 4);
    assert!(size_of::<SRow>() == 16 && offset_of!(SRow, lp_props) == 8);
    assert!(offset_of!(SRowSet, a_row) == 8);
    assert!(offset_of!(SSortOrderSet, a_sort) == 12);
    assert!(size_of::<SRestriction>() == 32);
    assert!(offset_of!(ResValue, lp_prop) == 8 && offset_of!(ResComment, lp_prop) == 16);
    assert!(size_of::<MapiError>() == 32 && offset_of!(MapiError, ul_context) == 28);
};
