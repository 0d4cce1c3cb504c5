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
    // Every buffer of ours sits HEADER bytes past a malloc'd (so aligned) block: a
    // misaligned pointer, or one too low to have a header, is not ours and is refused
    // before anything is read (reading a misaligned header would be undefined).
    let addr = p as usize;
    if addr < HEADER || !addr.is_multiple_of(std::mem::align_of::<Header>()) {
        return None;
    }
    let h = (p as *mut u8).wrapping_sub(HEADER) as *mut Header;
    // SAFETY: `h` is aligned; per the caller's promise the 32 bytes before `p` are
    // readable, and a buffer of ours has its header there.
    let magic = unsafe { ptr::addr_of!((*h).magic).read() };
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

#[cfg(test)]
mod tests {
    use super::*;
    use mapi::{MapiStatus, Status};

    #[test]
    fn children_go_with_their_root_and_only_roots_are_freed() {
        let root = allocate(16).unwrap();
        let kid = unsafe { allocate_more(100, root) }.unwrap();
        let grandkid = unsafe { allocate_more(8, kid) }.unwrap();
        // SAFETY: all three are live buffers of ours.
        unsafe {
            std::ptr::write_bytes(kid as *mut u8, 1, 100);
            std::ptr::write_bytes(grandkid as *mut u8, 2, 8);
            let e = free(kid).unwrap_err();
            assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
            free(root).unwrap();
            free(std::ptr::null_mut()).unwrap();
        }
    }

    #[test]
    fn a_foreign_pointer_is_refused() {
        let mut block = vec![0u8; 64];
        // SAFETY: 32 readable bytes precede the pointer.
        let p = unsafe { block.as_mut_ptr().add(32) } as *mut c_void;
        let e = unsafe { allocate_more(8, p) }.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
        let e = unsafe { free(p) }.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
    }

    #[test]
    fn a_misaligned_or_low_pointer_is_refused_without_reading_it() {
        let root = allocate(64).unwrap();
        // SAFETY: `root` has 64 bytes, so root + 1 (and + 36) points into it.
        for off in [1usize, 4, 36] {
            let p = unsafe { (root as *mut u8).add(off) } as *mut c_void;
            let e = unsafe { free(p) }.unwrap_err();
            assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
            let e = unsafe { allocate_more(8, p) }.unwrap_err();
            assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
        }
        for low in [8usize, 16] {
            let e = unsafe { free(low as *mut c_void) }.unwrap_err();
            assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
        }
        // The real root is still live and still frees.
        unsafe { free(root) }.unwrap();
    }

    #[test]
    fn threads_allocate_onto_one_root_at_once() {
        let root = allocate(8).unwrap() as usize;
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(move || {
                    for _ in 0..500 {
                        unsafe { allocate_more(24, root as *mut c_void) }.unwrap();
                    }
                });
            }
        });
        // SAFETY: the root and its 2,000 children are ours.
        let mut n = 0;
        unsafe {
            let mut c = (*(root as *mut Header)
                .cast::<u8>()
                .sub(HEADER)
                .cast::<Header>())
            .next
            .load(Ordering::Acquire);
            while !c.is_null() {
                n += 1;
                c = (*c).next.load(Ordering::Acquire);
            }
            free(root as *mut c_void).unwrap();
        }
        assert_eq!(n, 2000);
    }
}
