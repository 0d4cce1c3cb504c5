//! IMsgStore over the facade's [`AnyStore`]: IMAPIProp GetProps and GetPropList of the
//! store, GetReceiveFolder, StoreLogoff and Advise / Unadvise (in `advise`); every other slot answers `MAPI_E_NO_SUPPORT`.

use std::ffi::c_void;
use std::sync::{Arc, OnceLock};

use mapi::blocking::Mapi;
use mapi::link::AnyStore;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{MapiStatus, Object as PropObject, Status};

use crate::alloc::{copy_more, free};
use crate::com::{self, LastError, Object, call, put};
use crate::convert::{read_string, read_tags, write_props, write_string, write_tags};
use crate::error::{CapiError, Result, null};
use crate::session::get_last_error;
use crate::types::{SPropTagArray, SPropValue};
use crate::vtbl::{Guid, IMsgStoreVtbl, chain};

/// An IMsgStore.
pub struct Store {
    store: Arc<AnyStore>,
    object: OnceLock<PropObject>,
    last: LastError,
    mapi: Arc<Mapi>,
}

impl Store {
    /// A store object.
    pub fn new_object(store: AnyStore, mapi: Arc<Mapi>, _flags: u32) -> *mut c_void {
        Store::new_shared(Arc::new(store), mapi)
    }

    /// A store object over a store its folders and messages share.
    pub fn new_shared(store: Arc<AnyStore>, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(Store {
            store,
            object: OnceLock::new(),
            last: LastError::default(),
            mapi,
        })
    }

    /// The facade's store.
    pub fn any(&self) -> &AnyStore {
        &self.store
    }

    fn object(&self) -> Result<&PropObject> {
        if let Some(o) = self.object.get() {
            return Ok(o);
        }
        let o = self.store.open_store_object()?;
        Ok(self.object.get_or_init(|| o))
    }
}

impl Object for Store {
    const CHAIN: &'static [&'static Guid] = chain::IMsgStore;
    fn vtbl() -> *const c_void {
        &VTBL as *const IMsgStoreVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IMsgStoreVtbl = IMsgStoreVtbl {
    QueryInterface: com::query_interface::<Store>,
    AddRef: com::add_ref::<Store>,
    Release: com::release::<Store>,
    GetLastError: get_last_error::<Store>,
    GetProps: get_props,
    GetPropList: get_prop_list,
    GetReceiveFolder: get_receive_folder,
    StoreLogoff: store_logoff,
    OpenEntry: open_entry,
    Advise: crate::advise::store_advise,
    Unadvise: crate::advise::store_unadvise,
    ..IMsgStoreVtbl::NO_SUPPORT
};

/// The store's providers are logged off only with the session (StoreLogoff leaves
/// them to the last Release), so a store answering `MAPI_E_INVALID_OBJECT` is one whose
/// session was logged off: `MAPI_E_END_OF_SESSION`, as for every call after Logoff.
fn after_logoff(e: CapiError) -> CapiError {
    if e.status() == Status::MAPI_E_INVALID_OBJECT {
        CapiError::EndOfSession
    } else {
        e
    }
}

unsafe extern "C" fn get_props(
    this: *mut c_void,
    tags: *mut c_void,
    flags: u32,
    count: *mut u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut SPropValue;
    // SAFETY: `this` from C; pointers checked.
    unsafe {
        call::<Store>(this, |s| {
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
            let reply = s
                .object()
                .and_then(|o| Ok(o.get_props(tags.as_deref(), flags)?))
                .map_err(after_logoff)?;
            let arr = write_props(&reply.value, flags & MAPI_UNICODE != 0)?;
            put(count, "lpcValues", reply.value.len() as u32)?;
            put(out, "lppPropArray", arr)?;
            Ok(reply.status)
        })
    }
}

unsafe extern "C" fn get_prop_list(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut SPropTagArray;
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<Store>(this, |s| {
            if out.is_null() {
                return Err(null("lppPropTagArray"));
            }
            let tags = s.object()?.get_prop_list(flags)?;
            put(out, "lppPropTagArray", write_tags(&tags)?)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn get_receive_folder(
    this: *mut c_void,
    class: *mut c_void,
    flags: u32,
    cb: *mut u32,
    eid: *mut c_void,
    explicit: *mut c_void,
) -> i32 {
    let eid = eid as *mut *mut c_void;
    let explicit = explicit as *mut *mut c_void;
    // SAFETY: `this` from C; the class string is bounded; out-pointers checked.
    unsafe {
        call::<Store>(this, |s| {
            if cb.is_null() || eid.is_null() {
                return Err(null("lpcbEntryID or lppEntryID"));
            }
            if flags & !MAPI_UNICODE != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "GetReceiveFolder flags {flags:#x}"
                )));
            }
            let unicode = flags & MAPI_UNICODE != 0;
            let class = read_string(class, unicode)?.unwrap_or_default();
            let (id, found) = s.store.get_receive_folder(&class)?;
            let id_buf = copy_more(std::ptr::null_mut(), &id)?;
            if !explicit.is_null() {
                match write_string(std::ptr::null_mut(), &found, unicode) {
                    Ok(p) => explicit.write(p),
                    Err(e) => {
                        let _ = free(id_buf);
                        return Err(e);
                    }
                }
            }
            cb.write(id.len() as u32);
            eid.write(id_buf);
            Ok(Status::S_OK)
        })
    }
}

/// `IMsgStore::OpenEntry`: a folder or message of this store (NULL: the root folder).
unsafe extern "C" fn open_entry(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    ty: *mut u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    // SAFETY: `this` from C; out-pointers checked before anything opens.
    unsafe {
        call::<Store>(this, |s| {
            if ty.is_null() || out.is_null() {
                return Err(null("lpulObjType or lppUnk"));
            }
            let o = crate::folder::open_in_store(&s.store, cb, eid, iid, flags, s.mapi.clone())?;
            crate::folder::put_opened(ty, out, o);
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn store_logoff(this: *mut c_void, flags: *mut u32) -> i32 {
    // SAFETY: `this` from C; `flags` checked. The store closes with its last Release;
    // the flags come back as given (no store of this library needs a logoff dialog).
    unsafe {
        call::<Store>(this, |_| {
            if flags.is_null() {
                return Err(null("lpulFlags"));
            }
            Ok(Status::S_OK)
        })
    }
}
