//! IABContainer and IDistList over the facade's address book: IMAPIProp GetProps /
//! GetPropList, GetContentsTable, GetHierarchyTable, OpenEntry, CreateEntry (an
//! IMAPIProp to fill in and SaveChanges) and ResolveNames (ADRLIST and FlagList in /
//! out). Other slots answer `MAPI_E_NO_SUPPORT`.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::sync::Arc;

use mapi::addrbook::MAPI_RESOLVED;
use mapi::address_book::AnyAddressBook;
use mapi::blocking::Mapi;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{Object as PropObject, Status};

use crate::addrbook::{open_ab_entry, read_adrlist, update_adrlist};
use crate::com::{self, LastError, Object, call, put};
use crate::error::{CapiError, Result, null};
use crate::mailuser::{AbProp, MailUser, get_prop_list, get_props};
use crate::session::{get_last_error, read_entry_id};
use crate::table::Table;
use crate::types::SRowSet;
use crate::vtbl::{Guid, IABContainerVtbl, IDistListVtbl, chain};

/// Which interface a container object shows.
pub trait Kind: Send + Sync + 'static {
    /// Its IID chain.
    const CHAIN: &'static [&'static Guid];
    /// Its vtable.
    fn vtbl() -> *const c_void;
}

/// IABContainer.
pub struct Cont;
/// IDistList.
pub struct Dl;

impl Kind for Cont {
    const CHAIN: &'static [&'static Guid] = chain::IABContainer;
    fn vtbl() -> *const c_void {
        &CONT_VTBL as *const IABContainerVtbl as *const c_void
    }
}

impl Kind for Dl {
    const CHAIN: &'static [&'static Guid] = chain::IDistList;
    fn vtbl() -> *const c_void {
        &DL_VTBL as *const IDistListVtbl as *const c_void
    }
}

/// An address-book container or distribution list.
pub struct Container<K: Kind> {
    ab: Arc<AnyAddressBook>,
    id: Vec<u8>,
    object: PropObject,
    last: LastError,
    mapi: Arc<Mapi>,
    _kind: PhantomData<K>,
}

impl<K: Kind> Container<K> {
    /// A container object for entry id `id`.
    pub fn new_object(
        ab: Arc<AnyAddressBook>,
        id: Vec<u8>,
        object: PropObject,
        mapi: Arc<Mapi>,
    ) -> *mut c_void {
        com::new_object(Container::<K> {
            ab,
            id,
            object,
            last: LastError::default(),
            mapi,
            _kind: PhantomData,
        })
    }
}

impl<K: Kind> Object for Container<K> {
    const CHAIN: &'static [&'static Guid] = K::CHAIN;
    fn vtbl() -> *const c_void {
        K::vtbl()
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

impl<K: Kind> AbProp for Container<K> {
    fn prop(&self) -> Result<&PropObject> {
        Ok(&self.object)
    }
}

static CONT_VTBL: IABContainerVtbl = IABContainerVtbl {
    QueryInterface: com::query_interface::<Container<Cont>>,
    AddRef: com::add_ref::<Container<Cont>>,
    Release: com::release::<Container<Cont>>,
    GetLastError: get_last_error::<Container<Cont>>,
    GetProps: get_props::<Container<Cont>>,
    GetPropList: get_prop_list::<Container<Cont>>,
    GetContentsTable: get_contents_table::<Cont>,
    GetHierarchyTable: get_hierarchy_table::<Cont>,
    OpenEntry: open_entry::<Cont>,
    CreateEntry: create_entry::<Cont>,
    ResolveNames: resolve_names::<Cont>,
    ..IABContainerVtbl::NO_SUPPORT
};

static DL_VTBL: IDistListVtbl = IDistListVtbl {
    QueryInterface: com::query_interface::<Container<Dl>>,
    AddRef: com::add_ref::<Container<Dl>>,
    Release: com::release::<Container<Dl>>,
    GetLastError: get_last_error::<Container<Dl>>,
    GetProps: get_props::<Container<Dl>>,
    GetPropList: get_prop_list::<Container<Dl>>,
    GetContentsTable: get_contents_table::<Dl>,
    GetHierarchyTable: get_hierarchy_table::<Dl>,
    OpenEntry: open_entry::<Dl>,
    CreateEntry: create_entry::<Dl>,
    ResolveNames: resolve_names::<Dl>,
    ..IDistListVtbl::NO_SUPPORT
};

fn table(
    c: &Container<impl Kind>,
    flags: u32,
    out: *mut c_void,
    get: impl FnOnce(&AnyAddressBook) -> mapi::Result<mapi::TableView>,
) -> Result<Status> {
    let out = out as *mut *mut c_void;
    if out.is_null() {
        return Err(null("lppTable"));
    }
    let view = get(&c.ab)?;
    // SAFETY: checked non-NULL above.
    unsafe { out.write(Table::new_object(view, flags, c.mapi.clone())) };
    Ok(Status::S_OK)
}

unsafe extern "C" fn get_contents_table<K: Kind>(
    this: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Container<K>>(this, |c| {
            table(c, flags, out, |ab| ab.get_contents_table(&c.id, flags))
        })
    }
}

unsafe extern "C" fn get_hierarchy_table<K: Kind>(
    this: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Container<K>>(this, |c| {
            table(c, flags, out, |ab| ab.get_hierarchy_table(&c.id, flags))
        })
    }
}

unsafe extern "C" fn open_entry<K: Kind>(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    obj_type: *mut u32,
    out: *mut c_void,
) -> i32 {
    // SAFETY: `this` from C; the rest checked by the helper.
    unsafe {
        call::<Container<K>>(this, |c| {
            let eid = read_entry_id(cb, eid)?;
            let eid = if eid.is_empty() { c.id.clone() } else { eid };
            open_ab_entry(&c.ab, &c.mapi, &eid, iid, flags, obj_type, out)
        })
    }
}

unsafe extern "C" fn create_entry<K: Kind>(
    this: *mut c_void,
    cb: u32,
    template: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    // SAFETY: `this` from C; the template id is bounded; `out` checked.
    unsafe {
        call::<Container<K>>(this, |c| {
            if out.is_null() {
                return Err(null("lppMAPIPropEntry"));
            }
            let template = read_entry_id(cb, template)?;
            let o = c.ab.create_entry(&c.id, &template, flags)?;
            put(
                out,
                "lppMAPIPropEntry",
                MailUser::new_object(o, c.mapi.clone()),
            )?;
            Ok(Status::S_OK)
        })
    }
}

/// `FlagList`: `cFlags` then `ulFlag[]`.
#[repr(C)]
struct FlagList {
    c_flags: u32,
    ul_flag: [u32; 1],
}

unsafe extern "C" fn resolve_names<K: Kind>(
    this: *mut c_void,
    _tags: *mut c_void,
    flags: u32,
    list: *mut c_void,
    flag_list: *mut c_void,
) -> i32 {
    let list = list as *mut SRowSet;
    let fl = flag_list as *mut FlagList;
    // SAFETY: `this` from C; the ADRLIST and FlagList are checked, bounded and copied
    // before the call; resolved entries get new roots (the old ones freed).
    unsafe {
        call::<Container<K>>(this, |c| {
            if list.is_null() || fl.is_null() {
                return Err(null("lpAdrList or lpFlagList"));
            }
            if flags & !MAPI_UNICODE != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "ResolveNames flags {flags:#x}"
                )));
            }
            let rows = read_adrlist(list)?;
            let n = rows.len();
            if (*fl).c_flags as usize != n {
                return Err(CapiError::InvalidParameter(format!(
                    "lpFlagList has {} flags for {n} entries",
                    (*fl).c_flags
                )));
            }
            let flags_in = (*fl).ul_flag.as_mut_ptr();
            // Entries already flagged resolved are left alone.
            let todo: Vec<usize> = (0..n)
                .filter(|&i| *flags_in.add(i) != MAPI_RESOLVED)
                .collect();
            let asked = todo.iter().map(|&i| rows[i].clone()).collect();
            let r = c.ab.resolve_names(&c.id, flags, asked)?;
            update_adrlist(list, &todo, &r, flags & MAPI_UNICODE != 0)?;
            for (k, &i) in todo.iter().enumerate() {
                *flags_in.add(i) = r.flags[k];
            }
            // The flag list says how each entry went; the call itself succeeded.
            Ok(Status::S_OK)
        })
    }
}
