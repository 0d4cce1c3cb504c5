//! Notifications in C: the `NOTIFICATION` layout (c-abi.md §2.5), the engine's
//! [`Notification`]s written as one MAPIAllocateBuffer root per OnNotify call
//! ([`write_notifications`]), a client's IMAPIAdviseSink as the facade's
//! [`AdviseSink`] ([`ClientSink`]), and the sink HrAllocAdviseSink makes around a C
//! callback ([`CallbackSink`]).

use std::ffi::c_void;
use std::mem::{offset_of, size_of};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Arc;

use mapi::advise::AdviseSink;
use mapi::table::consts::MAPI_UNICODE;
use mapi::{MapiStatus, Notification, PropTag, PropValue};

use crate::alloc::{allocate, allocate_more, copy_more, free};
use crate::com::{self, LastError, Object};
use crate::convert::{write_string, write_value};
use crate::error::{Result, null};
use crate::mapiutil::NotifCallback;
use crate::types::{MapiError, SPropValue, SRow};
use crate::vtbl::{Guid, IMAPIAdviseSinkVtbl, chain};

/// `ERROR_NOTIFICATION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ErrorNotification {
    pub cb_entry_id: u32,
    pub lp_entry_id: *mut c_void,
    pub scode: i32,
    pub ul_flags: u32,
    pub lp_mapi_error: *mut MapiError,
}

/// `NEWMAIL_NOTIFICATION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct NewMailNotification {
    pub cb_entry_id: u32,
    pub lp_entry_id: *mut c_void,
    pub cb_parent_id: u32,
    pub lp_parent_id: *mut c_void,
    pub ul_flags: u32,
    pub lpsz_message_class: *mut c_void,
    pub ul_message_flags: u32,
}

/// `OBJECT_NOTIFICATION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ObjectNotification {
    pub cb_entry_id: u32,
    pub lp_entry_id: *mut c_void,
    pub ul_obj_type: u32,
    pub cb_parent_id: u32,
    pub lp_parent_id: *mut c_void,
    pub cb_old_id: u32,
    pub lp_old_id: *mut c_void,
    pub cb_old_parent_id: u32,
    pub lp_old_parent_id: *mut c_void,
    pub lp_prop_tag_array: *mut c_void,
}

/// `TABLE_NOTIFICATION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TableNotification {
    pub ul_table_event: u32,
    pub h_result: i32,
    pub prop_index: SPropValue,
    pub prop_prior: SPropValue,
    pub row: SRow,
    pub ul_pad: u32,
}

/// `EXTENDED_NOTIFICATION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ExtendedNotification {
    pub ul_event: u32,
    pub cb: u32,
    pub pb_event_parameters: *mut c_void,
}

/// `STATUS_OBJECT_NOTIFICATION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct StatusObjectNotification {
    pub cb_entry_id: u32,
    pub lp_entry_id: *mut c_void,
    pub c_values: u32,
    pub lp_prop_vals: *mut SPropValue,
}

/// The `info` union of `NOTIFICATION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union Info {
    pub err: ErrorNotification,
    pub newmail: NewMailNotification,
    pub obj: ObjectNotification,
    pub tab: TableNotification,
    pub ext: ExtendedNotification,
    pub statobj: StatusObjectNotification,
}

/// `NOTIFICATION`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CNotification {
    pub ul_event_type: u32,
    pub ul_align_pad: u32,
    pub info: Info,
}

const _: () = {
    assert!(size_of::<ErrorNotification>() == 32);
    assert!(offset_of!(ErrorNotification, lp_mapi_error) == 24);
    assert!(size_of::<NewMailNotification>() == 56);
    assert!(offset_of!(NewMailNotification, ul_flags) == 32);
    assert!(offset_of!(NewMailNotification, ul_message_flags) == 48);
    assert!(size_of::<ObjectNotification>() == 72);
    assert!(offset_of!(ObjectNotification, cb_parent_id) == 20);
    assert!(offset_of!(ObjectNotification, lp_prop_tag_array) == 64);
    assert!(size_of::<TableNotification>() == 80);
    assert!(offset_of!(TableNotification, prop_prior) == 32);
    assert!(offset_of!(TableNotification, row) == 56);
    assert!(offset_of!(TableNotification, ul_pad) == 72);
    assert!(size_of::<ExtendedNotification>() == 16);
    assert!(size_of::<StatusObjectNotification>() == 32);
    assert!(size_of::<CNotification>() == 88 && offset_of!(CNotification, info) == 8);
};

/// An entry id (or other bytes) as a child of `base`: (count, pointer), NULL for none.
///
/// # Safety
/// `base` must be a live buffer.
unsafe fn bytes(base: *mut c_void, b: &[u8]) -> Result<(u32, *mut c_void)> {
    if b.is_empty() {
        return Ok((0, ptr::null_mut()));
    }
    // SAFETY: forwarded.
    Ok((b.len() as u32, unsafe { copy_more(base, b)? }))
}

/// # Safety
/// `base` must be a live buffer.
unsafe fn values(
    base: *mut c_void,
    vals: &[(PropTag, PropValue)],
    unicode: bool,
) -> Result<*mut SPropValue> {
    if vals.is_empty() {
        return Ok(ptr::null_mut());
    }
    // SAFETY: forwarded; room for every value.
    unsafe {
        let arr = allocate_more(size_of::<SPropValue>() * vals.len(), base)? as *mut SPropValue;
        for (i, (tag, v)) in vals.iter().enumerate() {
            arr.add(i).write(write_value(base, *tag, v, unicode)?);
        }
        Ok(arr)
    }
}

/// # Safety
/// `base` must be a live buffer.
unsafe fn one(base: *mut c_void, n: &Notification, unicode: bool) -> Result<CNotification> {
    // SAFETY: every pointer written is a child of `base`.
    let info = unsafe {
        match n {
            Notification::CriticalError(e) => {
                let (cb, id) = bytes(base, &e.entry)?;
                let wide = e.flags & MAPI_UNICODE != 0;
                let err = match &e.error {
                    None => ptr::null_mut(),
                    Some(text) => {
                        let m = allocate_more(size_of::<MapiError>(), base)? as *mut MapiError;
                        m.write(MapiError {
                            ul_version: 0,
                            lpsz_error: write_string(base, text, wide)?,
                            lpsz_component: write_string(base, "mapi", wide)?,
                            ul_low_level_error: 0,
                            ul_context: 0,
                        });
                        m
                    }
                };
                Info {
                    err: ErrorNotification {
                        cb_entry_id: cb,
                        lp_entry_id: id,
                        scode: e.scode.0 as i32,
                        ul_flags: e.flags,
                        lp_mapi_error: err,
                    },
                }
            }
            Notification::NewMail(m) => {
                let (cb, id) = bytes(base, &m.entry)?;
                let (cbp, parent) = bytes(base, &m.parent)?;
                Info {
                    newmail: NewMailNotification {
                        cb_entry_id: cb,
                        lp_entry_id: id,
                        cb_parent_id: cbp,
                        lp_parent_id: parent,
                        ul_flags: m.flags,
                        lpsz_message_class: write_string(
                            base,
                            &m.message_class,
                            m.flags & MAPI_UNICODE != 0,
                        )?,
                        ul_message_flags: m.message_flags,
                    },
                }
            }
            Notification::ObjectCreated(o)
            | Notification::ObjectDeleted(o)
            | Notification::ObjectModified(o)
            | Notification::ObjectMoved(o)
            | Notification::ObjectCopied(o)
            | Notification::SearchComplete(o) => {
                let (cb, id) = bytes(base, &o.entry)?;
                let (cbp, parent) = bytes(base, &o.parent)?;
                let (cbo, old) = bytes(base, &o.old_entry)?;
                let (cbop, old_parent) = bytes(base, &o.old_parent)?;
                let tags = if o.props.is_empty() {
                    ptr::null_mut()
                } else {
                    let t = allocate_more(4 + 4 * o.props.len(), base)? as *mut u32;
                    t.write(o.props.len() as u32);
                    for (i, p) in o.props.iter().enumerate() {
                        t.add(1 + i).write(p.0);
                    }
                    t as *mut c_void
                };
                Info {
                    obj: ObjectNotification {
                        cb_entry_id: cb,
                        lp_entry_id: id,
                        ul_obj_type: o.object_type,
                        cb_parent_id: cbp,
                        lp_parent_id: parent,
                        cb_old_id: cbo,
                        lp_old_id: old,
                        cb_old_parent_id: cbop,
                        lp_old_parent_id: old_parent,
                        lp_prop_tag_array: tags,
                    },
                }
            }
            Notification::TableModified(t) => Info {
                tab: TableNotification {
                    ul_table_event: t.event,
                    h_result: t.hresult.0 as i32,
                    prop_index: write_value(base, t.index.0, &t.index.1, unicode)?,
                    prop_prior: write_value(base, t.prior.0, &t.prior.1, unicode)?,
                    row: SRow {
                        ul_adr_entry_pad: 0,
                        c_values: t.row.0.len() as u32,
                        lp_props: values(base, &t.row.0, unicode)?,
                    },
                    ul_pad: 0,
                },
            },
            Notification::StatusObjectModified(s) => {
                let (cb, id) = bytes(base, &s.entry)?;
                Info {
                    statobj: StatusObjectNotification {
                        cb_entry_id: cb,
                        lp_entry_id: id,
                        c_values: s.props.len() as u32,
                        lp_prop_vals: values(base, &s.props, unicode)?,
                    },
                }
            }
            Notification::Extended(x) => {
                let (cb, p) = bytes(base, &x.params)?;
                Info {
                    ext: ExtendedNotification {
                        ul_event: x.event,
                        cb,
                        pb_event_parameters: p,
                    },
                }
            }
        }
    };
    Ok(CNotification {
        ul_event_type: n.event_type(),
        ul_align_pad: 0,
        info,
    })
}

/// The notifications of one OnNotify call as one root: the array, everything it
/// points at allocated onto it. Strings of table rows and status values are wide with
/// `unicode`; a new-mail class follows its own `ulFlags`.
pub fn write_notifications(ns: &[Notification], unicode: bool) -> Result<*mut CNotification> {
    let root = allocate(size_of::<CNotification>() * ns.len().max(1))?;
    // SAFETY: a fresh root with room for every notification.
    unsafe {
        ptr::write_bytes(root as *mut u8, 0, size_of::<CNotification>() * ns.len());
        let arr = root as *mut CNotification;
        for (i, n) in ns.iter().enumerate() {
            match one(root, n, unicode) {
                Ok(c) => arr.add(i).write(c),
                Err(e) => {
                    let _ = free(root);
                    return Err(e);
                }
            }
        }
        Ok(arr)
    }
}

/// A client's IMAPIAdviseSink, held (one reference) for as long as its registration.
pub struct ClientSink {
    sink: usize,
    unicode: bool,
}

impl ClientSink {
    /// Takes a reference on the client's sink; `unicode`: strings of table rows wide.
    ///
    /// # Safety
    /// `sink` must be NULL or an IMAPIAdviseSink.
    pub unsafe fn new(sink: *mut c_void, unicode: bool) -> Result<Arc<ClientSink>> {
        if sink.is_null() {
            return Err(null("lpAdviseSink"));
        }
        // SAFETY: an interface pointer's first word is its vtable.
        unsafe { (vtbl(sink).AddRef)(sink) };
        Ok(Arc::new(ClientSink {
            sink: sink as usize,
            unicode,
        }))
    }
}

/// # Safety
/// `sink` must be an IMAPIAdviseSink.
unsafe fn vtbl<'a>(sink: *mut c_void) -> &'a IMAPIAdviseSinkVtbl {
    // SAFETY: per the caller's promise.
    unsafe { &**(sink as *const *const IMAPIAdviseSinkVtbl) }
}

impl AdviseSink for ClientSink {
    fn on_notify(&self, ns: &[Notification]) {
        if ns.is_empty() {
            return;
        }
        // Nothing may unwind into the engine's notification thread.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let Ok(arr) = write_notifications(ns, self.unicode) else {
                return;
            };
            let sink = self.sink as *mut c_void;
            // SAFETY: the sink is alive (we hold a reference); the array is ours and
            // outlives the call.
            unsafe {
                (vtbl(sink).OnNotify)(sink, ns.len() as u32, arr as *mut c_void);
                let _ = free(arr as *mut c_void);
            }
        }));
    }
}

impl Drop for ClientSink {
    fn drop(&mut self) {
        let sink = self.sink as *mut c_void;
        // SAFETY: the reference taken in `new`.
        unsafe { (vtbl(sink).Release)(sink) };
    }
}

/// The IMAPIAdviseSink of HrAllocAdviseSink: OnNotify calls a C callback.
pub struct CallbackSink {
    callback: NotifCallback,
    context: usize,
    last: LastError,
}

impl CallbackSink {
    /// A sink object (one reference) calling `callback(context, ...)`.
    pub fn new_object(callback: NotifCallback, context: *mut c_void) -> *mut c_void {
        com::new_object(CallbackSink {
            callback,
            context: context as usize,
            last: LastError::default(),
        })
    }
}

impl Object for CallbackSink {
    const CHAIN: &'static [&'static Guid] = chain::IMAPIAdviseSink;
    fn vtbl() -> *const c_void {
        &SINK_VTBL as *const IMAPIAdviseSinkVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static SINK_VTBL: IMAPIAdviseSinkVtbl = IMAPIAdviseSinkVtbl {
    QueryInterface: com::query_interface::<CallbackSink>,
    AddRef: com::add_ref::<CallbackSink>,
    Release: com::release::<CallbackSink>,
    OnNotify: on_notify,
};

/// `IMAPIAdviseSink::OnNotify` of a callback sink: the callback's answer.
unsafe extern "C" fn on_notify(this: *mut c_void, n: u32, notifications: *mut c_void) -> u32 {
    // SAFETY: `this` is a CallbackSink (our vtable); the callback is the client's.
    match unsafe { com::this::<CallbackSink>(this) } {
        Ok(s) => unsafe { (s.callback)(s.context as *mut c_void, n, notifications) as u32 },
        Err(e) => e.status().0,
    }
}
