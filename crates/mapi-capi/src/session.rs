//! IMAPISession over the facade's [`AnySession`] (in this process or the daemon's
//! shared session): GetLastError, GetMsgStoresTable, GetStatusTable, OpenMsgStore
//! (any store of the stores table), OpenEntry, Logoff, Advise / Unadvise (in `advise`);
//! every other slot answers `MAPI_E_NO_SUPPORT`. After Logoff every call is
//! `MAPI_E_END_OF_SESSION`; releasing a session not logged off logs it off.

use std::ffi::c_void;
use std::sync::{Arc, Mutex, MutexGuard};

use mapi::blocking::Mapi;
use mapi::link::AnySession;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{LogoffFlags, Status};

use crate::com::{self, LastError, Object, call, put};
use crate::convert::write_error;
use crate::error::{CapiError, Result, null};
use crate::store::Store;
use crate::table::Table;
use crate::types::MapiError;
use crate::vtbl::{Guid, IMAPISessionVtbl, chain};

/// Most bytes of an entry id read from C.
pub const MAX_ENTRY_ID: usize = 64 * 1024;

/// An IMAPISession.
pub struct Session {
    mapi: Arc<Mapi>,
    session: Mutex<Option<Arc<AnySession>>>,
    last: LastError,
}

impl Session {
    /// A session object for a logon.
    pub fn new_object(mapi: Arc<Mapi>, session: AnySession) -> *mut c_void {
        com::new_object(Session {
            mapi,
            session: Mutex::new(Some(Arc::new(session))),
            last: LastError::default(),
        })
    }

    /// The engine the session came from.
    pub(crate) fn mapi(&self) -> &Arc<Mapi> {
        &self.mapi
    }

    /// Runs `f` on the live session (`MAPI_E_END_OF_SESSION` after Logoff).
    pub(crate) fn with_live<T>(&self, f: impl FnOnce(&AnySession) -> Result<T>) -> Result<T> {
        let g = self.live()?;
        f(g.as_ref().ok_or(CapiError::EndOfSession)?)
    }

    fn live(&self) -> Result<MutexGuard<'_, Option<Arc<AnySession>>>> {
        let g = self.session.lock().unwrap_or_else(|p| p.into_inner());
        if g.is_none() {
            return Err(CapiError::EndOfSession);
        }
        Ok(g)
    }

    /// The session, for a call made without this object's lock held (Advise and
    /// Unadvise, which may wait for a sink that calls back into the session).
    pub fn shared(&self) -> Result<Arc<AnySession>> {
        self.live()?.clone().ok_or(CapiError::EndOfSession)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let s = self
            .session
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(s) = s {
            s.logoff(LogoffFlags::default());
        }
    }
}

impl Object for Session {
    const CHAIN: &'static [&'static Guid] = chain::IMAPISession;
    fn vtbl() -> *const c_void {
        &VTBL as *const IMAPISessionVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IMAPISessionVtbl = IMAPISessionVtbl {
    QueryInterface: com::query_interface::<Session>,
    AddRef: com::add_ref::<Session>,
    Release: com::release::<Session>,
    GetLastError: get_last_error::<Session>,
    GetMsgStoresTable: get_msg_stores_table,
    GetStatusTable: get_status_table,
    OpenMsgStore: open_msg_store,
    OpenAddressBook: open_address_book,
    Logoff: logoff,
    AdminServices: crate::admin::session_admin_services,
    OpenProfileSection: crate::admin::session_open_profile_section,
    OpenEntry: open_entry,
    Advise: crate::advise::session_advise,
    Unadvise: crate::advise::session_unadvise,
    ..IMAPISessionVtbl::NO_SUPPORT
};

/// `GetLastError` of any object: its last failure as a MAPIERROR (NULL when none),
/// strings wide with `MAPI_UNICODE`.
///
/// # Safety
/// Called by C through a vtable.
pub unsafe extern "C" fn get_last_error<T: Object>(
    this: *mut c_void,
    _hr: i32,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut MapiError;
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        com::call::<T>(this, |o| {
            if out.is_null() {
                return Err(null("lppMAPIError"));
            }
            if flags & !MAPI_UNICODE != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "GetLastError flags {flags:#x}"
                )));
            }
            let e = match o.last_error().get() {
                Some((status, text)) => write_error(status, &text, flags & MAPI_UNICODE != 0)?,
                None => std::ptr::null_mut(),
            };
            put(out, "lppMAPIError", e)?;
            Ok(Status::S_OK)
        })
    }
}

fn table_out(
    s: &Session,
    flags: u32,
    out: *mut c_void,
    get: impl FnOnce(&AnySession) -> mapi::Result<mapi::TableView>,
) -> Result<Status> {
    let out = out as *mut *mut c_void;
    if out.is_null() {
        return Err(null("lppTable"));
    }
    if flags & !MAPI_UNICODE != 0 {
        return Err(CapiError::UnknownFlags(format!(
            "{flags:#x} (MAPI_UNICODE only)"
        )));
    }
    let view = {
        let g = s.live()?;
        get(g.as_ref().ok_or(CapiError::EndOfSession)?)?
    };
    // SAFETY: checked non-NULL above.
    unsafe { out.write(Table::new_object(view, flags, s.mapi.clone())) };
    Ok(Status::S_OK)
}

unsafe extern "C" fn get_msg_stores_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Session>(this, |s| {
            table_out(s, flags, out, |a| a.get_msg_stores_table(flags))
        })
    }
}

unsafe extern "C" fn get_status_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Session>(this, |s| {
            table_out(s, flags, out, |a| a.get_status_table(flags))
        })
    }
}

/// Reads an entry id from C.
///
/// # Safety
/// `p` must be NULL or valid for `cb` bytes.
pub unsafe fn read_entry_id(cb: u32, p: *const c_void) -> Result<Vec<u8>> {
    let cb = cb as usize;
    if cb > MAX_ENTRY_ID {
        return Err(CapiError::InvalidEntryId(format!("a {cb}-byte entry id")));
    }
    if cb == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() {
        return Err(null("lpEntryID"));
    }
    // SAFETY: per the caller's promise.
    Ok(unsafe { std::slice::from_raw_parts(p as *const u8, cb) }.to_vec())
}

/// Checks a requested interface against an object's chain (NULL: the object's own).
///
/// # Safety
/// `iid` must be NULL or point at a GUID.
pub unsafe fn check_interface(iid: *const c_void, chain: &[&Guid]) -> Result<()> {
    if iid.is_null() {
        return Ok(());
    }
    // SAFETY: per the caller's promise.
    let want = unsafe { *(iid as *const Guid) };
    if chain.iter().any(|g| **g == want) {
        Ok(())
    } else {
        Err(CapiError::NoInterface(format!(
            "the object does not have interface {:08X}",
            want.data1
        )))
    }
}

unsafe extern "C" fn open_msg_store(
    this: *mut c_void,
    _ui: usize,
    cb: u32,
    eid: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    // SAFETY: `this` from C; pointers checked and bounded.
    unsafe {
        call::<Session>(this, |s| {
            if out.is_null() {
                return Err(null("lppMDB"));
            }
            let eid = read_entry_id(cb, eid)?;
            check_interface(iid, chain::IMsgStore)?;
            let g = s.live()?;
            let session = g.as_ref().ok_or(CapiError::EndOfSession)?;
            // A store not in the session's table is an entry id it does not know.
            let store = session.open_msg_store(&eid).map_err(|e| {
                if mapi::MapiStatus::status(&e) == Status::MAPI_E_NOT_FOUND {
                    CapiError::InvalidEntryId(e.to_string())
                } else {
                    e.into()
                }
            })?;
            drop(g);
            out.write(Store::new_object(store, s.mapi.clone(), flags));
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn open_address_book(
    this: *mut c_void,
    _ui: usize,
    iid: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    // SAFETY: `this` from C; `iid` and `out` checked.
    unsafe {
        call::<Session>(this, |s| {
            if out.is_null() {
                return Err(null("lppAdrBook"));
            }
            // AB_NO_DIALOG (1) and MAPI_UNICODE are the documented flags.
            if flags & !(0x1 | MAPI_UNICODE) != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "OpenAddressBook flags {flags:#x}"
                )));
            }
            check_interface(iid, chain::IAddrBook)?;
            let ab = {
                let g = s.live()?;
                g.as_ref()
                    .ok_or(CapiError::EndOfSession)?
                    .open_address_book()?
            };
            let warning = ab.warning();
            out.write(crate::addrbook::AddrBook::new_object(ab, s.mapi.clone()));
            Ok(warning)
        })
    }
}

unsafe extern "C" fn logoff(this: *mut c_void, _ui: usize, flags: u32, _reserved: u32) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Session>(this, |s| {
            let known = LogoffFlags::MAPI_LOGOFF_SHARED.bits() | LogoffFlags::MAPI_LOGOFF_UI.bits();
            if flags & !known != 0 {
                return Err(CapiError::UnknownFlags(format!("Logoff flags {flags:#x}")));
            }
            let taken = s.live()?.take();
            if let Some(session) = taken {
                session.logoff(LogoffFlags(flags));
            }
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPISession::OpenEntry`: a store's, folder's or message's entry id in any open
/// store (the engine finds the store).
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
    // SAFETY: `this` from C; the entry id is bounded; out-pointers checked first.
    unsafe {
        call::<Session>(this, |s| {
            if ty.is_null() || out.is_null() {
                return Err(null("lpulObjType or lppUnk"));
            }
            let eid = read_entry_id(cb, eid)?;
            if eid.is_empty() {
                return Err(CapiError::InvalidEntryId(
                    "IMAPISession::OpenEntry needs an entry id".into(),
                ));
            }
            if crate::status::is_status_entry(&eid) {
                // SAFETY: `this` is this live session; out-pointers checked above.
                return crate::status::open_status_entry(this, s, eid, iid, ty, out);
            }
            let g = s.live()?;
            let session = g.as_ref().ok_or(CapiError::EndOfSession)?;
            let (store, object) = session.open_entry(&eid, flags)?;
            let store = Arc::new(session.open_msg_store(&store)?);
            drop(g);
            let o = crate::folder::wrap(store, object, iid, s.mapi.clone())?;
            crate::folder::put_opened(ty, out, o);
            Ok(Status::S_OK)
        })
    }
}
