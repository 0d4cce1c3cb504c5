//! IMAPITable over a [`TableView`]: columns, row count, QueryRows with the cursor,
//! SeekRow, SeekRowApprox, QueryPosition, bookmarks, SortTable, QuerySortOrder,
//! Restrict, FindRow, GetStatus, Abort and GetLastError; Advise / Unadvise (in
//! `advise`) on a live contents table ([`Table::new_live`]); the other slots
//! (ExpandRow, CollapseRow, WaitForCompletion, ...) answer `MAPI_E_NO_SUPPORT` from
//! the generated stubs.

use std::ffi::c_void;
use std::sync::{Arc, Mutex};

use mapi::advise::LiveContents;
use mapi::blocking::Mapi;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{Bookmark, Status, TableError, TableView};

use crate::com::{self, LastError, Object, call, put};
use crate::convert::{read_restriction, read_sort, read_tags, write_rows, write_sort, write_tags};
use crate::error::{CapiError, Result};
use crate::session::get_last_error;
use crate::types::*;
use crate::vtbl::{IMAPITableVtbl, chain};

/// What a table object reads: a view of its own, or a live contents table (which can
/// be advised).
enum Backing {
    View(Mutex<TableView>),
    Live(LiveContents),
}

/// An IMAPITable.
pub struct Table {
    backing: Backing,
    unicode: bool,
    last: LastError,
    /// The engine the view's rows may come from.
    _mapi: Arc<Mapi>,
}

impl Table {
    /// A table object over a view; `flags` of the call that made it (MAPI_UNICODE).
    pub fn new_object(view: TableView, flags: u32, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(Table {
            backing: Backing::View(Mutex::new(view)),
            unicode: flags & MAPI_UNICODE != 0,
            last: LastError::default(),
            _mapi: mapi,
        })
    }

    /// A table object over a live contents table (IMAPITable::Advise works on it);
    /// `flags` of the call that made it (MAPI_UNICODE).
    pub fn new_live(live: LiveContents, flags: u32, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(Table {
            backing: Backing::Live(live),
            unicode: flags & MAPI_UNICODE != 0,
            last: LastError::default(),
            _mapi: mapi,
        })
    }

    /// Runs `f` on the view, its lock held only for the call.
    fn with_view<T>(&self, f: impl FnOnce(&mut TableView) -> T) -> T {
        match &self.backing {
            Backing::View(m) => f(&mut m.lock().unwrap_or_else(|p| p.into_inner())),
            Backing::Live(l) => l.with_view(f),
        }
    }

    /// The live contents table, for Advise; `MAPI_E_NO_SUPPORT` for other tables.
    pub fn live(&self) -> Result<&LiveContents> {
        match &self.backing {
            Backing::Live(l) => Ok(l),
            Backing::View(_) => Err(CapiError::NoSupport(
                "this table sends no notifications (contents tables do)".into(),
            )),
        }
    }

    /// Whether its strings are wide (MAPI_UNICODE when it was opened).
    pub fn unicode(&self) -> bool {
        self.unicode
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
    SeekRowApprox: seek_row_approx,
    QueryPosition: query_position,
    FindRow: find_row,
    Restrict: restrict,
    CreateBookmark: create_bookmark,
    FreeBookmark: free_bookmark,
    SortTable: sort_table,
    QuerySortOrder: query_sort_order,
    QueryRows: query_rows,
    Abort: abort,
    Advise: crate::advise::table_advise,
    Unadvise: crate::advise::table_unadvise,
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
            let (s, k) = t.with_view(|v| v.get_status())?;
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
            t.with_view(|v| v.set_columns(&tags, flags))?;
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
            let tags = t.with_view(|v| v.query_columns(flags))?;
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
            let n = t.with_view(|v| v.get_row_count(flags))?;
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
            let b = bookmark(origin)?;
            let n = t.with_view(|v| v.seek_row(b, rows))?;
            if !sought.is_null() {
                sought.write(n);
            }
            OK
        })
    }
}

unsafe extern "C" fn seek_row_approx(this: *mut c_void, num: u32, den: u32) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            t.with_view(|v| v.seek_row_approx(num, den))?;
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
            let p = t.with_view(|v| v.query_position())?;
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
            let b = bookmark(origin)?;
            t.with_view(|v| v.find_row(&r, b, flags))?;
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
            t.with_view(|v| v.restrict(r, flags))?;
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
            let b = t.with_view(|v| v.create_bookmark())?;
            put(out, "lpbkPosition", b as usize)?;
            OK
        })
    }
}

unsafe extern "C" fn free_bookmark(this: *mut c_void, b: usize) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            let b = bookmark(b)?;
            t.with_view(|v| v.free_bookmark(b))?;
            OK
        })
    }
}

unsafe extern "C" fn sort_table(this: *mut c_void, sort: *mut c_void, flags: u32) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            let keys = read_sort(sort as *const SSortOrderSet)?;
            t.with_view(|v| v.sort_table(&keys, flags))?;
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
            let keys = t.with_view(|v| v.query_sort_order())?;
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
            let rows = t.with_view(|v| v.query_rows(n, flags))?;
            put(out, "lppRows", write_rows(&rows, t.unicode)?)?;
            OK
        })
    }
}

unsafe extern "C" fn abort(this: *mut c_void) -> i32 {
    unsafe {
        call::<Table>(this, |t| {
            t.with_view(|v| v.abort())?;
            OK
        })
    }
}
