//! MAPIAllocateBuffer / MAPIAllocateMore / MAPIFreeBuffer: every buffer has a header
//! before it; a root keeps a lock-free list of the children allocated onto it, and
//! freeing the root frees them all.

use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

use crate::error::{CapiError, Result};

const ROOT: u64 = 0x4D41_5049_524F_4F54; // "MAPIROOT"
const CHILD: u64 = 0x4D41_5049_4B49_4400; // "MAPIKID"
const FREED: u64 = 0x4D41_5049_4652_4545; // "MAPIFREE"

/// What precedes every buffer (32 bytes, so the buffer keeps malloc's 16-byte alignment).
#[repr(C)]
struct Header {
    magic: u64,
    /// A child's root; null for a root.
    root: *mut Header,
    /// A root: its newest child; a child: the next older sibling.
    next: AtomicPtr<Header>,
    _pad: u64,
}

const HEADER: usize = std::mem::size_of::<Header>();
const _: () = assert!(HEADER == 32);

/// Most bytes one buffer may have (the ULONG range less the header).
const MAX: usize = u32::MAX as usize - HEADER;

unsafe fn raw(cb: usize, magic: u64, root: *mut Header) -> Result<*mut Header> {
    if cb > MAX {
        return Err(CapiError::NotEnoughMemory);
    }
    // SAFETY: a plain allocation; checked for NULL below.
    let h = unsafe { libc::malloc(HEADER + cb.max(1)) } as *mut Header;
    if h.is_null() {
        return Err(CapiError::NotEnoughMemory);
    }
    // SAFETY: `h` is a fresh allocation of at least HEADER bytes.
    unsafe {
        h.write(Header {
            magic,
            root,
            next: AtomicPtr::new(ptr::null_mut()),
            _pad: 0,
        })
    };
    Ok(h)
}

fn data(h: *mut Header) -> *mut c_void {
    // SAFETY: the buffer follows its header in the same allocation.
    unsafe { (h as *mut u8).add(HEADER) as *mut c_void }
}

/// The header of a buffer this module made, or `None` for a pointer it did not make.
///
/// # Safety
/// `p` must be NULL or point into readable memory at least 32 bytes past its start.
unsafe fn header(p: *mut c_void) -> Option<*mut Header> {
    if p.is_null() {
        return None;
    }
    let h = (p as *mut u8).wrapping_sub(HEADER) as *mut Header;
    // SAFETY: per the caller's promise, a buffer of ours has its header there.
    let magic = unsafe { (*h).magic };
    (magic == ROOT || magic == CHILD).then_some(h)
}

/// A new root buffer of `cb` bytes.
pub fn allocate(cb: usize) -> Result<*mut c_void> {
    // SAFETY: allocation only.
    Ok(data(unsafe { raw(cb, ROOT, ptr::null_mut())? }))
}

/// A child buffer of `cb` bytes, freed with the root `base` belongs to.
///
/// # Safety
/// `base` must be a buffer from [`allocate`] or [`allocate_more`], not yet freed.
pub unsafe fn allocate_more(cb: usize, base: *mut c_void) -> Result<*mut c_void> {
    // SAFETY: forwarded from the caller.
    let h = unsafe { header(base) }.ok_or_else(|| {
        CapiError::InvalidParameter("lpObject is not a buffer from MAPIAllocateBuffer".into())
    })?;
    // SAFETY: `h` is a live header of ours.
    let root = unsafe { if (*h).magic == ROOT { h } else { (*h).root } };
    // SAFETY: allocation only.
    let child = unsafe { raw(cb, CHILD, root)? };
    // SAFETY: `root` is live; the push is a CAS loop, so threads may allocate onto one
    // root at once.
    unsafe {
        let list = &(*root).next;
        let mut head = list.load(Ordering::Acquire);
        loop {
            (*child).next.store(head, Ordering::Relaxed);
            match list.compare_exchange_weak(head, child, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
    }
    Ok(data(child))
}

/// Frees a root and its children; NULL is a no-op. A child or a foreign pointer is
/// refused (nothing is freed).
///
/// # Safety
/// `p` must be NULL or a buffer from [`allocate`] / [`allocate_more`] not yet freed.
pub unsafe fn free(p: *mut c_void) -> Result<()> {
    if p.is_null() {
        return Ok(());
    }
    // SAFETY: forwarded from the caller.
    let Some(h) = (unsafe { header(p) }) else {
        return Err(CapiError::InvalidParameter(
            "MAPIFreeBuffer: not a buffer from MAPIAllocateBuffer".into(),
        ));
    };
    // SAFETY: `h` is a live header of ours; its children are ours too.
    unsafe {
        if (*h).magic != ROOT {
            return Err(CapiError::InvalidParameter(
                "MAPIFreeBuffer: a MAPIAllocateMore buffer is freed with its root".into(),
            ));
        }
        let mut c = (*h).next.swap(ptr::null_mut(), Ordering::AcqRel);
        while !c.is_null() {
            let next = (*c).next.load(Ordering::Acquire);
            (*c).magic = FREED;
            libc::free(c as *mut c_void);
            c = next;
        }
        (*h).magic = FREED;
        libc::free(h as *mut c_void);
    }
    Ok(())
}

/// Copies bytes into a child of `base` (a root for `base` NULL).
///
/// # Safety
/// `base` as for [`allocate_more`], or NULL.
pub unsafe fn copy_more(base: *mut c_void, bytes: &[u8]) -> Result<*mut c_void> {
    let p = if base.is_null() {
        allocate(bytes.len())?
    } else {
        // SAFETY: forwarded.
        unsafe { allocate_more(bytes.len(), base)? }
    };
    // SAFETY: `p` has room for `bytes`.
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), p as *mut u8, bytes.len()) };
    Ok(p)
}
