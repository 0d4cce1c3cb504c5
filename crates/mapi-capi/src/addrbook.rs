//! IAddrBook over the facade's [`AnyAddressBook`]: IMAPIProp GetProps / GetPropList (the
//! root container's), OpenEntry (root, container, mail user, distribution list, one-off),
//! CompareEntryIDs, CreateOneOff (`MAPI_UNICODE`: the id's strings UTF-16LE),
//! ResolveName (ADRLIST in / out), GetPAB, GetDefaultDir, GetSearchPath, Advise /
//! Unadvise (in `advise`). Other slots answer `MAPI_E_NO_SUPPORT`.
//!
//! ADRLIST contract (c-abi §5): what the client hands in is read and copied before
//! anything changes; each resolved entry gets its own new MAPIAllocateBuffer root (its
//! strings as children) and its old `rgPropVals` is freed with MAPIFreeBuffer; entries
//! not resolved are left as they were.

use std::ffi::c_void;
use std::sync::{Arc, OnceLock};

use mapi::addrbook::MAPI_RESOLVED;
use mapi::address_book::Resolved;
use mapi::address_book::{AB_ROOT_ENTRY, AnyAddressBook};
use mapi::blocking::Mapi;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{Object as PropObject, PropValue, Row, Status, object_type, tags};

use crate::abcontainer::{Cont, Container, Dl};
use crate::alloc::copy_more;
use crate::com::{self, LastError, Object, call, put};
use crate::convert::{read_string, write_props, write_rows};
use crate::error::{CapiError, Result, null};
use crate::mailuser::{
    AbProp, MailUser, free_root, get_prop_list, get_props, read_values, shown_tag,
};
use crate::session::{check_interface, get_last_error, read_entry_id};
use crate::types::{SPropValue, SRow, SRowSet};
use crate::vtbl::{Guid, IAddrBookVtbl, chain};

/// Most entries of one ADRLIST read from C.
pub const MAX_ADRLIST: usize = 10_000;

/// An IAddrBook.
pub struct AddrBook {
    ab: Arc<AnyAddressBook>,
    root: OnceLock<PropObject>,
    last: LastError,
    mapi: Arc<Mapi>,
}

impl AddrBook {
    /// An address-book object.
    pub fn new_object(ab: AnyAddressBook, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(AddrBook {
            ab: Arc::new(ab),
            root: OnceLock::new(),
            last: LastError::default(),
            mapi,
        })
    }
}

impl AddrBook {
    /// The facade's address book behind this object.
    pub fn book(&self) -> &AnyAddressBook {
        &self.ab
    }
}

impl Object for AddrBook {
    const CHAIN: &'static [&'static Guid] = chain::IAddrBook;
    fn vtbl() -> *const c_void {
        &VTBL as *const IAddrBookVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

impl AbProp for AddrBook {
    /// The root container, opened on first use.
    fn prop(&self) -> Result<&PropObject> {
        if let Some(o) = self.root.get() {
            return Ok(o);
        }
        let o = self.ab.open_entry(&[], 0)?;
        Ok(self.root.get_or_init(|| o))
    }
}

static VTBL: IAddrBookVtbl = IAddrBookVtbl {
    QueryInterface: com::query_interface::<AddrBook>,
    AddRef: com::add_ref::<AddrBook>,
    Release: com::release::<AddrBook>,
    GetLastError: get_last_error::<AddrBook>,
    GetProps: get_props::<AddrBook>,
    GetPropList: get_prop_list::<AddrBook>,
    OpenEntry: open_entry,
    CompareEntryIDs: compare_entry_ids,
    CreateOneOff: create_one_off,
    ResolveName: resolve_name,
    GetPAB: get_pab,
    GetDefaultDir: get_pab,
    GetSearchPath: get_search_path,
    Advise: crate::advise::addrbook_advise,
    Unadvise: crate::advise::addrbook_unadvise,
    ..IAddrBookVtbl::NO_SUPPORT
};

/// Opens an address-book entry as the object its type names (IABContainer, IDistList,
/// IMailUser) and hands it to C.
///
/// # Safety
/// `iid` NULL or a GUID; `obj_type` NULL or writable; `out` NULL or writable.
pub unsafe fn open_ab_entry(
    ab: &Arc<AnyAddressBook>,
    mapi: &Arc<Mapi>,
    eid: &[u8],
    iid: *mut c_void,
    flags: u32,
    obj_type: *mut u32,
    out: *mut c_void,
) -> Result<Status> {
    let out = out as *mut *mut c_void;
    if out.is_null() || obj_type.is_null() {
        return Err(null("lpulObjType or lppUnk"));
    }
    let o = ab.open_entry(eid, flags)?;
    let t = o.object_type();
    let id = if eid.is_empty() {
        AB_ROOT_ENTRY.to_vec()
    } else {
        eid.to_vec()
    };
    // SAFETY: `iid` per the caller's promise.
    let p = unsafe {
        match t {
            object_type::MAPI_ABCONT => {
                check_interface(iid, chain::IABContainer)?;
                Container::<Cont>::new_object(ab.clone(), id, o, mapi.clone())
            }
            object_type::MAPI_DISTLIST => {
                check_interface(iid, chain::IDistList)?;
                Container::<Dl>::new_object(ab.clone(), id, o, mapi.clone())
            }
            _ => {
                check_interface(iid, chain::IMailUser)?;
                MailUser::new_object(o, mapi.clone())
            }
        }
    };
    // SAFETY: both checked non-NULL.
    unsafe {
        obj_type.write(t);
        out.write(p);
    }
    Ok(Status::S_OK)
}

unsafe extern "C" fn open_entry(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    obj_type: *mut u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; the entry id is bounded; the rest checked by the helper.
    unsafe {
        call::<AddrBook>(this, |a| {
            let eid = read_entry_id(cb, eid)?;
            open_ab_entry(&a.ab, &a.mapi, &eid, iid, flags, obj_type, out)
        })
    }
}

unsafe extern "C" fn compare_entry_ids(
    this: *mut c_void,
    cb1: u32,
    e1: *mut c_void,
    cb2: u32,
    e2: *mut c_void,
    flags: u32,
    result: *mut u32,
) -> i32 {
    // SAFETY: `this` from C; ids bounded; `result` checked.
    unsafe {
        call::<AddrBook>(this, |_| {
            if flags != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "CompareEntryIDs flags {flags:#x}"
                )));
            }
            let a = read_entry_id(cb1, e1)?;
            let b = read_entry_id(cb2, e2)?;
            put(result, "lpulResult", (a == b) as u32)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn create_one_off(
    this: *mut c_void,
    name: *mut c_void,
    addr_type: *mut c_void,
    address: *mut c_void,
    flags: u32,
    cb: *mut u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    // SAFETY: `this` from C; the strings are bounded by `read_string`; outs checked.
    unsafe {
        call::<AddrBook>(this, |_| {
            if cb.is_null() || out.is_null() {
                return Err(null("lpcbEntryID or lppEntryID"));
            }
            let unicode = flags & MAPI_UNICODE != 0;
            let name = read_string(name, unicode)?.unwrap_or_default();
            let addr_type = read_string(addr_type, unicode)?.ok_or_else(|| null("lpszAdrType"))?;
            let address = read_string(address, unicode)?.ok_or_else(|| null("lpszAddress"))?;
            let id = AnyAddressBook::create_one_off(&name, &addr_type, &address, flags)?;
            let buf = copy_more(std::ptr::null_mut(), &id)?;
            cb.write(id.len() as u32);
            out.write(buf);
            Ok(Status::S_OK)
        })
    }
}

/// The entries of a client's ADRLIST, copied.
///
/// # Safety
/// `list` must be a valid ADRLIST.
pub unsafe fn read_adrlist(list: *const SRowSet) -> Result<Vec<Row>> {
    // SAFETY: per the caller's promise.
    unsafe {
        let n = (*list).c_rows as usize;
        if n > MAX_ADRLIST {
            return Err(CapiError::TooBig(format!(
                "an ADRLIST of {n} entries (at most {MAX_ADRLIST})"
            )));
        }
        let entries = (*list).a_row.as_ptr();
        (0..n)
            .map(|i| {
                let e: &SRow = &*entries.add(i);
                Ok(Row(read_values(e.c_values, e.lp_props)?))
            })
            .collect()
    }
}

/// Gives each resolved entry (index `at[k]` in the ADRLIST for `r`'s entry `k`) its new
/// properties as a new root, freeing the old one. All new roots are made first, so on
/// failure the list is as it was.
///
/// # Safety
/// `list` must be a valid ADRLIST whose `rgPropVals` are MAPIAllocateBuffer roots (or
/// NULL).
pub unsafe fn update_adrlist(
    list: *mut SRowSet,
    at: &[usize],
    r: &Resolved,
    unicode: bool,
) -> Result<()> {
    let mut made: Vec<(usize, u32, *mut SPropValue)> = Vec::new();
    for (k, &i) in at.iter().enumerate() {
        if r.flags.get(k) != Some(&MAPI_RESOLVED) {
            continue;
        }
        let values: Vec<_> = r.rows[k]
            .0
            .iter()
            .map(|(t, v)| (shown_tag(*t, unicode), v.clone()))
            .collect();
        match write_props(&values, unicode) {
            Ok(p) => made.push((i, values.len() as u32, p)),
            Err(e) => {
                for (_, _, p) in made {
                    // SAFETY: ours, not handed out.
                    unsafe { free_root(p as *mut c_void) };
                }
                return Err(e);
            }
        }
    }
    // SAFETY: per the caller's promise; indices are within the list.
    unsafe {
        let entries = (*list).a_row.as_mut_ptr();
        for (i, c, p) in made {
            let e = &mut *entries.add(i);
            free_root(e.lp_props as *mut c_void);
            e.c_values = c;
            e.lp_props = p;
        }
    }
    Ok(())
}

unsafe extern "C" fn resolve_name(
    this: *mut c_void,
    _ui: usize,
    flags: u32,
    _title: *mut c_void,
    list: *mut c_void,
) -> i32 {
    let list = list as *mut SRowSet;
    // SAFETY: `this` from C; the ADRLIST is checked, bounded and copied first.
    unsafe {
        call::<AddrBook>(this, |a| {
            if list.is_null() {
                return Err(null("lpAdrList"));
            }
            let rows = read_adrlist(list)?;
            let at: Vec<usize> = (0..rows.len()).collect();
            let r = a.ab.resolve_name(flags, rows)?;
            update_adrlist(list, &at, &r, flags & MAPI_UNICODE != 0)?;
            if r.status != Status::S_OK {
                let what = if r.status == Status::MAPI_E_AMBIGUOUS_RECIP {
                    "some names match more than one address-book entry"
                } else {
                    "some names match no address-book entry"
                };
                a.last.set(&CapiError::Engine(mapi::EngineError::Status(
                    r.status,
                    format!("ResolveName: {what}"),
                )));
            }
            Ok(r.status)
        })
    }
}

fn containers(ab: &AnyAddressBook) -> Result<Vec<Row>> {
    let mut h = ab.get_hierarchy_table(&[], MAPI_UNICODE)?;
    h.query_rows(i32::MAX, 0).map_err(CapiError::Table)
}

unsafe extern "C" fn get_pab(this: *mut c_void, cb: *mut u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut c_void;
    // SAFETY: `this` from C; outs checked.
    unsafe {
        call::<AddrBook>(this, |a| {
            if cb.is_null() || out.is_null() {
                return Err(null("lpcbEntryID or lppEntryID"));
            }
            let rows = containers(&a.ab)?;
            let id = rows
                .first()
                .and_then(|r| r.get(tags::PR_ENTRYID))
                .and_then(PropValue::as_bytes)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            if id.is_empty() {
                cb.write(0);
                out.write(std::ptr::null_mut());
            } else {
                let buf = copy_more(std::ptr::null_mut(), &id)?;
                cb.write(id.len() as u32);
                out.write(buf);
            }
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn get_search_path(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut SRowSet;
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<AddrBook>(this, |a| {
            if out.is_null() {
                return Err(null("lppSearchPath"));
            }
            if flags & !MAPI_UNICODE != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "GetSearchPath flags {flags:#x}"
                )));
            }
            let unicode = flags & MAPI_UNICODE != 0;
            let rows: Vec<Row> = containers(&a.ab)?
                .into_iter()
                .map(|r| {
                    let mut o = Row::default();
                    for t in [tags::PR_ENTRYID, tags::PR_DISPLAY_NAME] {
                        if let Some(v) = r.get(t) {
                            o.set(shown_tag(t, unicode), v.clone());
                        }
                    }
                    o
                })
                .collect();
            let set = write_rows(&rows, unicode)?;
            out.write(set);
            Ok(Status::S_OK)
        })
    }
}
