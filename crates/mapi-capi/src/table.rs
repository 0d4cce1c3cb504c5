//! IMAPITable over a [`TableView`]: columns, row count, QueryRows with the cursor,
//! SeekRow, QueryPosition, bookmarks, SortTable, QuerySortOrder, Restrict, FindRow,
//! GetStatus, Abort and GetLastError; Advise, SeekRowApprox... answer
//! `MAPI_E_NO_SUPPORT` from the generated stubs.

use std::ffi::c_void;
use std::sync::{Arc, Mutex, MutexGuard};

use mapi::blocking::Mapi;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{Bookmark, Status, TableError, TableView};

use crate::com::{self, LastError, Object, call, put};
use crate::convert::{read_restriction, read_sort, read_tags, write_rows, write_sort, write_tags};
use crate::error::{CapiError, Result};
use crate::session::get_last_error;
use crate::types::*;
use crate::vtbl::{IMAPITableVtbl, chain};

/// An IMAPITable.
pub struct Table {
    view: Mutex<TableView>,
    unicode: bool,
    last: LastError,
    /// The engine the view's rows may come from.
    _mapi: Arc<Mapi>,
}

impl Table {
    /// A table object over a view; `flags` of the call that made it (MAPI_UNICODE).
    pub fn new_object(view: TableView, flags: u32, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(Table {
            view: Mutex::new(view),
            unicode: flags & MAPI_UNICODE != 0,
            last: LastError::default(),
            _mapi: mapi,
        })
    }

    fn view(&self) -> MutexGuard<'_, TableView> {
        self.view.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Object for Table {
    const CHAIN: &'static [&'static crate::vtbl::Guid] = chain::IMAPITable;
    fn vtbl() -> *const c_void {
        &VTBL as *const IMAPITableVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IMAPITableVtbl = IMAPITableVtbl {
    QueryInterface: com::query_interface::<Table>,
    AddRef: com::add_ref::<Table>,
    Release: com::release::<Table>,
    GetLastError: get_last_error::<Table>,
    GetStatus: get_status,
    SetColumns: set_columns,
    QueryColumns: query_columns,
    GetRowCount: get_row_count,
    SeekRow: seek_row,
    QueryPosition: query_position,
    FindRow: find_row,
    Restrict: restrict,
    CreateBookmark: create_bookmark,
    FreeBookmark: free_bookmark,
    SortTable: sort_table,
    QuerySortOrder: query_sort_order,
    QueryRows: query_rows,
    Abort: abort,
    ..IMAPITableVtbl::NO_SUPPORT
};

const OK: Result<Status> = Ok(Status::S_OK);

fn bookmark(raw: usize) -> Result<Bookmark> {
    u32::try_from(raw).map(Bookmark::from_raw).map_err(|_| {
        CapiError::Table(TableError::new(
            Status::MAPI_E_INVALID_BOOKMARK,
            format!("bookmark {raw:#x} was never made by CreateBookmark"),
        ))
    })
}

unsafe extern "C" fn get_status(this: *mut c_void, status: *mut u32, ty: *mut u32) -> i32 {
    // SAFETY: every method: `this` from C, out-pointers checked by `put`.
    unsafe {
        call::<Table>(this, |t| {
            let (s, k) = t.view().get_status()?;
            put(status, "lpulTableStatus", s)?;
            put(ty, "lpulTableType", k)?;
            OK
        })
    }
}

unsafe extern "C" fn set_columns(this: *mut c_void, tags: *mut c_void, flags: u32) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            let tags = read_tags(tags as *const SPropTagArray, "lpPropTagArray")?;
            t.view().set_columns(&tags, flags)?;
            OK
        })
    }
}

unsafe extern "C" fn query_columns(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut SPropTagArray;
    unsafe {
        call::<Table>(this, |t| {
            if out.is_null() {
                return Err(crate::error::null("lpPropTagArray"));
            }
            let tags = t.view().query_columns(flags)?;
            put(out, "lpPropTagArray", write_tags(&tags)?)?;
            OK
        })
    }
}

unsafe extern "C" fn get_row_count(this: *mut c_void, flags: u32, out: *mut u32) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            if out.is_null() {
                return Err(crate::error::null("lpulCount"));
            }
            let n = t.view().get_row_count(flags)?;
            put(out, "lpulCount", n)?;
            OK
        })
    }
}

unsafe extern "C" fn seek_row(
    this: *mut c_void,
    origin: usize,
    rows: i32,
    sought: *mut i32,
) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            let n = t.view().seek_row(bookmark(origin)?, rows)?;
            if !sought.is_null() {
                sought.write(n);
            }
            OK
        })
    }
}

unsafe extern "C" fn query_position(
    this: *mut c_void,
    row: *mut u32,
    num: *mut u32,
    den: *mut u32,
) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            if row.is_null() || num.is_null() || den.is_null() {
                return Err(crate::error::null("an out-pointer of QueryPosition"));
            }
            let p = t.view().query_position()?;
            put(row, "lpulRow", p.row)?;
            put(num, "lpulNumerator", p.numerator)?;
            put(den, "lpulDenominator", p.denominator)?;
            OK
        })
    }
}

unsafe extern "C" fn find_row(
    this: *mut c_void,
    res: *mut c_void,
    origin: usize,
    flags: u32,
) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            let r = read_restriction(res as *const SRestriction, 0)?;
            t.view().find_row(&r, bookmark(origin)?, flags)?;
            OK
        })
    }
}

unsafe extern "C" fn restrict(this: *mut c_void, res: *mut c_void, flags: u32) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            let r = if res.is_null() {
                None
            } else {
                Some(read_restriction(res as *const SRestriction, 0)?)
            };
            t.view().restrict(r, flags)?;
            OK
        })
    }
}

unsafe extern "C" fn create_bookmark(this: *mut c_void, out: *mut usize) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            if out.is_null() {
                return Err(crate::error::null("lpbkPosition"));
            }
            let b = t.view().create_bookmark()?;
            put(out, "lpbkPosition", b as usize)?;
            OK
        })
    }
}

unsafe extern "C" fn free_bookmark(this: *mut c_void, b: usize) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            t.view().free_bookmark(bookmark(b)?)?;
            OK
        })
    }
}

unsafe extern "C" fn sort_table(this: *mut c_void, sort: *mut c_void, flags: u32) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            let keys = read_sort(sort as *const SSortOrderSet)?;
            t.view().sort_table(&keys, flags)?;
            OK
        })
    }
}

unsafe extern "C" fn query_sort_order(this: *mut c_void, out: *mut c_void) -> i32 {
    let out = out as *mut *mut SSortOrderSet;
    unsafe {
        call::<Table>(this, |t| {
            if out.is_null() {
                return Err(crate::error::null("lppSortCriteria"));
            }
            let keys = t.view().query_sort_order()?;
            put(out, "lppSortCriteria", write_sort(&keys)?)?;
            OK
        })
    }
}

unsafe extern "C" fn query_rows(this: *mut c_void, n: i32, flags: u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut SRowSet;
    unsafe {
        call::<Table>(this, |t| {
            if out.is_null() {
                return Err(crate::error::null("lppRows"));
            }
            let rows = t.view().query_rows(n, flags)?;
            put(out, "lppRows", write_rows(&rows, t.unicode)?)?;
            OK
        })
    }
}

unsafe extern "C" fn abort(this: *mut c_void) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            t.view().abort()?;
            OK
        })
    }
}
