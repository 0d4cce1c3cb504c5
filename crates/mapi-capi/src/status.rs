//! IMAPIStatus: a row of the session's status table as an object, opened with
//! IMAPISession::OpenEntry on the row's PR_ENTRYID. GetProps / GetPropList read the
//! row afresh on every call (so a provider's state shows as it changes), over either
//! link. ValidateState re-reads it; FlushQueues answers `S_OK` at once, because the
//! engine keeps no outgoing queue (SubmitMessage hands the message to the transport
//! before it returns). SettingsDialog and ChangePassword answer `MAPI_E_NO_SUPPORT`
//! (there is no UI and no provider password to change here), as do SetProps and the
//! other IMAPIProp writes: a status object is read-only.

use std::ffi::c_void;

use mapi::table::consts::MAPI_UNICODE;
use mapi::{PropTag, PropType, PropValue, Row, Status, object_type, tags};

use crate::com::{self, LastError, Object, call, put};
use crate::convert::{read_tags, write_props, write_tags};
use crate::error::{CapiError, Result, null};
use crate::session::{Session, check_interface, get_last_error, read_entry_id};
use crate::types::{SPropTagArray, SPropValue};
use crate::vtbl::{Guid, IMAPIStatusVtbl, chain};

/// The flags FlushQueues knows: FLUSH_UPLOAD, FLUSH_DOWNLOAD, FLUSH_FORCE, FLUSH_NO_UI,
/// FLUSH_ASYNC_OK.
const FLUSH_FLAGS: u32 = 0x2 | 0x4 | 0x8 | 0x10 | 0x20;

/// Whether an entry id names a status-table row (`MAPISTAT`, then a row number or a
/// provider uid).
pub fn is_status_entry(eid: &[u8]) -> bool {
    // Whether the session has such a row is checked when it is opened.
    eid.len() > 8 && eid.len() <= 8 + 64 && eid.starts_with(b"MAPISTAT")
}

/// A status object: the session it came from (held with a reference) and its row's
/// PR_ENTRYID.
pub struct StatusObj {
    session: SessionRef,
    entry: Vec<u8>,
    last: LastError,
}

/// A counted reference to the C session object.
struct SessionRef(*mut c_void);

// SAFETY: the session object is free-threaded (its state behind a mutex); this only
// holds a reference count on it.
unsafe impl Send for SessionRef {}
// SAFETY: as above.
unsafe impl Sync for SessionRef {}

impl Drop for SessionRef {
    fn drop(&mut self) {
        // SAFETY: a reference taken in `open_status_entry`.
        unsafe { com::release::<Session>(self.0) };
    }
}

impl Object for StatusObj {
    const CHAIN: &'static [&'static Guid] = chain::IMAPIStatus;
    fn vtbl() -> *const c_void {
        &VTBL as *const IMAPIStatusVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IMAPIStatusVtbl = IMAPIStatusVtbl {
    QueryInterface: com::query_interface::<StatusObj>,
    AddRef: com::add_ref::<StatusObj>,
    Release: com::release::<StatusObj>,
    GetLastError: get_last_error::<StatusObj>,
    GetProps: get_props,
    GetPropList: get_prop_list,
    ValidateState: validate_state,
    FlushQueues: flush_queues,
    ..IMAPIStatusVtbl::NO_SUPPORT
};

impl StatusObj {
    /// The row now (`MAPI_E_NOT_FOUND` when the provider left the table,
    /// `MAPI_E_END_OF_SESSION` after Logoff).
    fn row(&self) -> Result<Row> {
        // SAFETY: the reference held keeps the session object alive.
        let s = unsafe { com::this::<Session>(self.session.0) }?;
        let rows = s.with_live(|a| Ok(status_rows(a)?))?;
        rows.into_iter()
            .find(|r| r.get(tags::PR_ENTRYID).and_then(PropValue::as_bytes) == Some(&self.entry))
            .ok_or_else(|| {
                CapiError::Engine(mapi::EngineError::NotFound(
                    "the status row is no longer in the session's status table".into(),
                ))
            })
    }
}

/// Every row of the session's status table with all its properties.
fn status_rows(a: &mapi::link::AnySession) -> mapi::Result<Vec<Row>> {
    Ok(a.status_table()?.full_rows().into_iter().cloned().collect())
}

/// `IMAPISession::OpenEntry` on a status row's entry id: the IMAPIStatus object.
///
/// # Safety
/// `session` must be a live session object of this library; `out`, `obj_type` NULL
/// or valid for writes.
pub unsafe fn open_status_entry(
    session: *mut c_void,
    s: &Session,
    eid: Vec<u8>,
    iid: *mut c_void,
    obj_type: *mut u32,
    out: *mut *mut c_void,
) -> Result<Status> {
    // SAFETY: the caller's promise.
    unsafe { check_interface(iid, chain::IMAPIStatus) }?;
    let known = s.with_live(|a| {
        Ok(status_rows(a)?
            .iter()
            .any(|r| r.get(tags::PR_ENTRYID).and_then(PropValue::as_bytes) == Some(&eid[..])))
    })?;
    if !known {
        return Err(CapiError::Engine(mapi::EngineError::NotFound(
            "no row of the session's status table has that entry id".into(),
        )));
    }
    // SAFETY: a live session; the reference is released with the status object.
    unsafe { com::add_ref::<Session>(session) };
    let obj = com::new_object(StatusObj {
        session: SessionRef(session),
        entry: eid,
        last: LastError::default(),
    });
    // SAFETY: per the caller's promise.
    unsafe {
        if !obj_type.is_null() {
            obj_type.write(object_type::MAPI_STATUS);
        }
        out.write(obj);
    }
    Ok(Status::S_OK)
}

/// The row's values for GetProps: all (strings in the width `flags` asks) or the tags
/// asked for, a missing one as PT_ERROR `MAPI_E_NOT_FOUND`.
fn props_of(
    row: &Row,
    wanted: Option<&[PropTag]>,
    flags: u32,
) -> (Status, Vec<(PropTag, PropValue)>) {
    let unicode = flags & MAPI_UNICODE != 0;
    let width = |t: PropTag, v: &PropValue| match v {
        PropValue::Unicode(_) | PropValue::String8(_) => t.with_type(if unicode {
            PropType::PT_UNICODE
        } else {
            PropType::PT_STRING8
        }),
        _ => t,
    };
    let Some(wanted) = wanted else {
        let all = row
            .0
            .iter()
            .map(|(t, v)| (width(*t, v), v.clone()))
            .collect();
        return (Status::S_OK, all);
    };
    let mut errors = false;
    let out = wanted
        .iter()
        .map(|t| {
            let found = row.0.iter().find(|(have, _)| have.id() == t.id());
            match found {
                Some((have, v)) => {
                    let string = matches!(v, PropValue::Unicode(_) | PropValue::String8(_));
                    let want = t.prop_type();
                    if string && (want == PropType::PT_UNICODE || want == PropType::PT_STRING8) {
                        return (*t, v.clone());
                    }
                    if want == PropType::PT_UNSPECIFIED || want == have.prop_type() {
                        return (*have, v.clone());
                    }
                    errors = true;
                    (
                        t.with_type(PropType::PT_ERROR),
                        PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
                    )
                }
                None => {
                    errors = true;
                    (
                        t.with_type(PropType::PT_ERROR),
                        PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
                    )
                }
            }
        })
        .collect();
    let status = if errors {
        Status::MAPI_W_ERRORS_RETURNED
    } else {
        Status::S_OK
    };
    (status, out)
}

unsafe extern "C" fn get_props(
    this: *mut c_void,
    tags: *mut c_void,
    flags: u32,
    count: *mut u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut SPropValue;
    // SAFETY: `this` from C; pointers checked, the tag array bounded and copied.
    unsafe {
        call::<StatusObj>(this, |o| {
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
            let (status, values) = props_of(&o.row()?, tags.as_deref(), flags);
            let arr = write_props(&values, flags & MAPI_UNICODE != 0)?;
            count.write(values.len() as u32);
            out.write(arr);
            Ok(status)
        })
    }
}

unsafe extern "C" fn get_prop_list(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    let out = out as *mut *mut SPropTagArray;
    // SAFETY: `this` from C; `out` checked.
    unsafe {
        call::<StatusObj>(this, |o| {
            if out.is_null() {
                return Err(null("lppPropTagArray"));
            }
            if flags & !MAPI_UNICODE != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "GetPropList flags {flags:#x}"
                )));
            }
            let (_, values) = props_of(&o.row()?, None, flags);
            let tags: Vec<PropTag> = values.into_iter().map(|(t, _)| t).collect();
            put(out, "lppPropTagArray", write_tags(&tags)?)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn validate_state(this: *mut c_void, _ui: usize, _flags: u32) -> i32 {
    // SAFETY: `this` from C. The row is read again: a session that ended or a
    // provider gone from the table fails with its status.
    unsafe {
        call::<StatusObj>(this, |o| {
            o.row()?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn flush_queues(
    this: *mut c_void,
    _ui: usize,
    cb: u32,
    target: *mut c_void,
    flags: u32,
) -> i32 {
    // SAFETY: `this` from C; the target entry id bounded.
    unsafe {
        call::<StatusObj>(this, |o| {
            if flags & !FLUSH_FLAGS != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "FlushQueues flags {flags:#x}"
                )));
            }
            read_entry_id(cb, target)?;
            let row = o.row()?;
            let kind = row.int(tags::PR_RESOURCE_TYPE).unwrap_or(0) as u32;
            // The spooler and transports flush; nothing is ever queued (see the module).
            let flushable = kind == mapi::resource_type::MAPI_SPOOLER
                || kind == mapi::resource_type::MAPI_TRANSPORT_PROVIDER;
            if !flushable {
                return Err(CapiError::NoSupport(
                    "FlushQueues: only the spooler and transport status objects have queues".into(),
                ));
            }
            Ok(Status::S_OK)
        })
    }
}
