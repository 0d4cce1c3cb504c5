//! COM objects: a vtable pointer first, an atomic reference count, then the Rust
//! object. IUnknown (QueryInterface along the IID chain, AddRef, Release) is generic;
//! [`call`] runs every method body with panics caught and failures recorded for
//! GetLastError.

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use mapi::{MapiStatus, Status};

use crate::error::{CapiError, Result, null};
use crate::vtbl::Guid;

/// A Rust object behind a C interface pointer.
pub trait Object: Send + Sync + Sized + 'static {
    /// The IIDs QueryInterface answers, IUnknown first.
    const CHAIN: &'static [&'static Guid];
    /// The vtable (a `static` of the interface's `...Vtbl`).
    fn vtbl() -> *const c_void;
    /// Where its last failure is kept.
    fn last_error(&self) -> &LastError;
}

/// The C layout of every object.
#[repr(C)]
pub struct Com<T: Object> {
    vtbl: *const c_void,
    refs: AtomicU32,
    inner: T,
}

/// A new object with one reference, as the interface pointer handed to C.
pub fn new_object<T: Object>(inner: T) -> *mut c_void {
    Box::into_raw(Box::new(Com {
        vtbl: T::vtbl(),
        refs: AtomicU32::new(1),
        inner,
    })) as *mut c_void
}

/// The Rust object behind `this`.
///
/// # Safety
/// `this` must be NULL or a live pointer made by [`new_object::<T>`].
pub unsafe fn this<'a, T: Object>(this: *mut c_void) -> Result<&'a T> {
    if this.is_null() {
        return Err(null("the object (This)"));
    }
    // SAFETY: per the caller's promise.
    Ok(unsafe { &(*(this as *const Com<T>)).inner })
}

/// The last failure of an object, for its GetLastError.
#[derive(Default)]
pub struct LastError(Mutex<Option<(Status, String)>>);

impl LastError {
    /// Records a failure.
    pub fn set(&self, e: &CapiError) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some((e.status(), e.to_string()));
        }
    }

    /// The last failure recorded.
    pub fn get(&self) -> Option<(Status, String)> {
        self.0.lock().ok().and_then(|g| g.clone())
    }
}

/// Runs a body with panics caught; a failure is recorded on the object and returned
/// as its HRESULT.
///
/// # Safety
/// `this` as for [`this`].
pub unsafe fn call<T: Object>(raw: *mut c_void, f: impl FnOnce(&T) -> Result<Status>) -> i32 {
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: forwarded from the caller.
        let o = unsafe { this::<T>(raw) }?;
        if !crate::global::initialized() {
            return Err(CapiError::NotInitialized);
        }
        f(o).inspect_err(|e| o.last_error().set(e))
    }));
    match r {
        Ok(Ok(s)) => s.0 as i32,
        Ok(Err(e)) => e.status().0 as i32,
        Err(_) => Status::MAPI_E_CALL_FAILED.0 as i32,
    }
}

/// Runs a free function's body with panics caught.
pub fn guard(f: impl FnOnce() -> Result<Status>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(s)) => s.0 as i32,
        Ok(Err(e)) => e.status().0 as i32,
        Err(_) => Status::MAPI_E_CALL_FAILED.0 as i32,
    }
}

/// Writes an out-pointer, refusing NULL.
///
/// # Safety
/// `out` must be NULL or valid for a write of `V`.
pub unsafe fn put<V>(out: *mut V, what: &str, v: V) -> Result<()> {
    if out.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL, and valid per the caller's promise.
    unsafe { out.write(v) };
    Ok(())
}

/// `IUnknown::QueryInterface` for any object.
///
/// # Safety
/// Called by C through the vtable.
pub unsafe extern "C" fn query_interface<T: Object>(
    raw: *mut c_void,
    riid: *mut c_void,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    guard(|| {
        if raw.is_null() {
            return Err(null("This"));
        }
        if riid.is_null() {
            return Err(null("riid"));
        }
        // SAFETY: a REFIID points at a GUID.
        let want = unsafe { *(riid as *const Guid) };
        if !T::CHAIN.iter().any(|g| **g == want) {
            // SAFETY: the caller's out-pointer (NULL is refused).
            unsafe { put(out, "ppvObject", std::ptr::null_mut())? };
            return Ok(Status::MAPI_E_INTERFACE_NOT_SUPPORTED);
        }
        // SAFETY: `raw` is a live object of this type.
        unsafe {
            put(out, "ppvObject", raw)?;
            add_ref::<T>(raw);
        }
        Ok(Status::S_OK)
    })
}

/// `IUnknown::AddRef`.
///
/// # Safety
/// Called by C through the vtable.
pub unsafe extern "C" fn add_ref<T: Object>(raw: *mut c_void) -> u32 {
    if raw.is_null() {
        return 0;
    }
    // SAFETY: a live object.
    let c = unsafe { &*(raw as *const Com<T>) };
    c.refs.fetch_add(1, Ordering::Relaxed).saturating_add(1)
}

/// `IUnknown::Release`: the last reference frees the object.
///
/// # Safety
/// Called by C through the vtable.
pub unsafe extern "C" fn release<T: Object>(raw: *mut c_void) -> u32 {
    if raw.is_null() {
        return 0;
    }
    // SAFETY: a live object.
    let c = unsafe { &*(raw as *const Com<T>) };
    let left = c.refs.fetch_sub(1, Ordering::AcqRel) - 1;
    if left == 0 {
        // The drop runs Rust code (a logoff): keep a panic on this side.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: the last reference: nobody else holds the object.
            drop(unsafe { Box::from_raw(raw as *mut Com<T>) });
        }));
    }
    left
}
