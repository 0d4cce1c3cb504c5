//! IStream over a property stream of the facade ([`mapi::Stream`], from OpenProperty;
//! a `PT_UNICODE` one as `wchar_t` text, [`WideText`]) or over a file
//! (`OpenStreamOnFile`): Read, Write, Seek, SetSize, CopyTo, Commit, Revert and Stat. Revert has no effect on a file stream (direct mode, as OLE
//! documents); on a property stream it answers `MAPI_E_NO_SUPPORT` because the facade
//! cannot drop writes before Commit. LockRegion, UnlockRegion and Clone answer
//! `MAPI_E_NO_SUPPORT`. Stat leaves `pwcsName` NULL.

use std::ffi::c_void;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use mapi::object::{STGM_READ, STGM_READWRITE};
use mapi::{EngineError, Status};

use crate::com::{self, LastError, Object, call, guard};
use crate::convert::read_string;
use crate::error::{CapiError, Result, null};
use crate::vtbl::{Guid, IStreamVtbl, chain};
use crate::widestream::WideText;

/// `STGM_WRITE`.
const STGM_WRITE: u32 = 0x1;
/// `STGM_CREATE`.
const STGM_CREATE: u32 = 0x1000;
/// `STGM_DELETEONRELEASE`.
const STGM_DELETEONRELEASE: u32 = 0x0400_0000;
/// The `STGM_SHARE_*` bits (accepted; files are not locked).
const STGM_SHARE: u32 = 0x70;
/// `SOF_UNIQUEFILENAME`: `lpszFileName` is a directory and a new file is made there.
const SOF_UNIQUEFILENAME: u32 = 0x8000_0000;
/// `STGTY_STREAM`.
const STGTY_STREAM: u32 = 2;
/// Most bytes CopyTo moves per Read/Write.
const COPY_PIECE: usize = 64 * 1024;

/// What a stream reads and writes.
pub enum Backing {
    /// A property of a message or attachment.
    Prop(mapi::Stream),
    /// A `PT_UNICODE` property, read and written as `wchar_t` text.
    Wide(WideText),
    /// A file (`OpenStreamOnFile`).
    File {
        /// The open file.
        file: Mutex<File>,
        /// Removed when the stream is released (`STGM_DELETEONRELEASE`).
        delete: Option<PathBuf>,
        /// `grfMode` for Stat.
        mode: u32,
    },
}

/// An IStream.
pub struct Stream {
    backing: Backing,
    last: LastError,
}

impl Stream {
    /// A stream object.
    pub fn new_object(backing: Backing) -> *mut c_void {
        com::new_object(Stream {
            backing,
            last: LastError::default(),
        })
    }

    fn file(&self) -> Option<std::sync::MutexGuard<'_, File>> {
        match &self.backing {
            Backing::File { file, .. } => Some(file.lock().unwrap_or_else(|p| p.into_inner())),
            Backing::Prop(_) | Backing::Wide(_) => None,
        }
    }

    fn read_into(&self, buf: &mut [u8]) -> Result<usize> {
        match &self.backing {
            Backing::Prop(s) => Ok(s.read(buf)?),
            Backing::Wide(w) => w.read(buf),
            Backing::File { .. } => {
                let mut f = self.file().unwrap_or_else(|| unreachable!("a file"));
                io(f.read(buf), "Read")
            }
        }
    }

    fn write_from(&self, data: &[u8]) -> Result<usize> {
        match &self.backing {
            Backing::Prop(s) => Ok(s.write(data)?),
            Backing::Wide(w) => w.write(data),
            Backing::File { .. } => {
                let mut f = self.file().unwrap_or_else(|| unreachable!("a file"));
                io(f.write_all(data).map(|()| data.len()), "Write")
            }
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if let Backing::File {
            delete: Some(p), ..
        } = &self.backing
        {
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Object for Stream {
    const CHAIN: &'static [&'static Guid] = chain::IStream;
    fn vtbl() -> *const c_void {
        &VTBL as *const IStreamVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

static VTBL: IStreamVtbl = IStreamVtbl {
    QueryInterface: com::query_interface::<Stream>,
    AddRef: com::add_ref::<Stream>,
    Release: com::release::<Stream>,
    Read: read,
    Write: write,
    Seek: seek,
    SetSize: set_size,
    CopyTo: copy_to,
    Commit: commit,
    Revert: revert,
    Stat: stat,
    ..IStreamVtbl::NO_SUPPORT
};

/// A file-system failure as a MAPI status naming the call.
fn io<T>(r: std::io::Result<T>, what: &str) -> Result<T> {
    r.map_err(|e| {
        let status = match e.kind() {
            std::io::ErrorKind::NotFound => Status::MAPI_E_NOT_FOUND,
            std::io::ErrorKind::PermissionDenied => Status::MAPI_E_NO_ACCESS,
            std::io::ErrorKind::AlreadyExists => Status::MAPI_E_COLLISION,
            std::io::ErrorKind::InvalidInput => Status::MAPI_E_INVALID_PARAMETER,
            _ => Status::MAPI_E_DISK_ERROR,
        };
        CapiError::Engine(EngineError::Status(status, format!("{what}: {e}")))
    })
}

unsafe extern "C" fn read(this: *mut c_void, pv: *mut c_void, cb: u32, done: *mut u32) -> i32 {
    // SAFETY: `this` from C; `pv` valid for `cb` bytes per the contract.
    unsafe {
        call::<Stream>(this, |s| {
            if pv.is_null() && cb > 0 {
                return Err(null("pv"));
            }
            let buf = if cb == 0 {
                &mut [][..]
            } else {
                std::slice::from_raw_parts_mut(pv as *mut u8, cb as usize)
            };
            let mut n = 0;
            // A property stream may answer in pieces: fill what was asked for.
            while n < buf.len() {
                let k = s.read_into(&mut buf[n..])?;
                if k == 0 {
                    break;
                }
                n += k;
            }
            if !done.is_null() {
                done.write(n as u32);
            }
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn write(this: *mut c_void, pv: *mut c_void, cb: u32, done: *mut u32) -> i32 {
    // SAFETY: `this` from C; `pv` valid for `cb` bytes per the contract.
    unsafe {
        call::<Stream>(this, |s| {
            if pv.is_null() && cb > 0 {
                return Err(null("pv"));
            }
            let data = if cb == 0 {
                &[][..]
            } else {
                std::slice::from_raw_parts(pv as *const u8, cb as usize)
            };
            let n = s.write_from(data)?;
            if !done.is_null() {
                done.write(n as u32);
            }
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn seek(this: *mut c_void, offset: i64, origin: u32, out: *mut c_void) -> i32 {
    let out = out as *mut u64;
    // SAFETY: `this` from C; `out` may be NULL.
    unsafe {
        call::<Stream>(this, |s| {
            let pos = match &s.backing {
                Backing::Prop(p) => p.seek(offset, origin)?,
                Backing::Wide(w) => w.seek(offset, origin)?,
                Backing::File { .. } => {
                    let from = match origin {
                        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| {
                            CapiError::InvalidParameter(format!("Seek to {offset}"))
                        })?),
                        1 => SeekFrom::Current(offset),
                        2 => SeekFrom::End(offset),
                        o => {
                            return Err(CapiError::InvalidParameter(format!(
                                "Seek origin {o} (STREAM_SEEK_SET, _CUR or _END)"
                            )));
                        }
                    };
                    let mut f = s.file().unwrap_or_else(|| unreachable!("a file"));
                    io(f.seek(from), "Seek")?
                }
            };
            if !out.is_null() {
                out.write(pos);
            }
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn set_size(this: *mut c_void, size: u64) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Stream>(this, |s| {
            match &s.backing {
                Backing::Prop(p) => p.set_size(size)?,
                Backing::Wide(w) => w.set_size(size)?,
                Backing::File { .. } => {
                    let f = s.file().unwrap_or_else(|| unreachable!("a file"));
                    io(f.set_len(size), "SetSize")?
                }
            }
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn copy_to(
    this: *mut c_void,
    dest: *mut c_void,
    cb: u64,
    read_out: *mut c_void,
    written_out: *mut c_void,
) -> i32 {
    let (read_out, written_out) = (read_out as *mut u64, written_out as *mut u64);
    // SAFETY: `this` from C; `dest` is any IStream, called through its own vtable.
    unsafe {
        call::<Stream>(this, |s| {
            if dest.is_null() {
                return Err(null("pstm"));
            }
            let v = &**(dest as *const *const IStreamVtbl);
            let mut buf = vec![0u8; COPY_PIECE];
            let (mut total_read, mut total_written) = (0u64, 0u64);
            while total_read < cb {
                let want = (cb - total_read).min(COPY_PIECE as u64) as usize;
                let n = s.read_into(&mut buf[..want])?;
                if n == 0 {
                    break;
                }
                total_read += n as u64;
                let mut w = 0u32;
                let hr = (v.Write)(dest, buf.as_mut_ptr() as *mut c_void, n as u32, &mut w);
                if hr < 0 {
                    return Err(CapiError::Engine(EngineError::Status(
                        Status(hr as u32),
                        "CopyTo: the destination stream's Write failed".into(),
                    )));
                }
                total_written += w as u64;
            }
            if !read_out.is_null() {
                read_out.write(total_read);
            }
            if !written_out.is_null() {
                written_out.write(total_written);
            }
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn commit(this: *mut c_void, flags: u32) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Stream>(this, |s| {
            match &s.backing {
                Backing::Prop(p) => p.commit(flags)?,
                Backing::Wide(w) => w.commit(flags)?,
                Backing::File { .. } => {
                    let mut f = s.file().unwrap_or_else(|| unreachable!("a file"));
                    io(f.flush(), "Commit")?
                }
            }
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn revert(this: *mut c_void) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Stream>(this, |s| match &s.backing {
            Backing::File { .. } => Ok(Status::S_OK),
            Backing::Prop(_) | Backing::Wide(_) => Err(CapiError::NoSupport(
                "Revert of a property stream (writes reach the object at Commit and cannot \
                 be dropped before)"
                    .into(),
            )),
        })
    }
}

unsafe extern "C" fn stat(this: *mut c_void, out: *mut c_void, _flags: u32) -> i32 {
    // SAFETY: `this` from C; `out` is an 80-byte STATSTG.
    unsafe {
        call::<Stream>(this, |s| {
            if out.is_null() {
                return Err(null("pstatstg"));
            }
            let (size, mode) = match &s.backing {
                Backing::Prop(p) => {
                    let st = p.stat()?;
                    (st.size, st.mode)
                }
                Backing::Wide(w) => w.stat()?,
                Backing::File { mode, .. } => {
                    let f = s.file().unwrap_or_else(|| unreachable!("a file"));
                    (io(f.metadata(), "Stat")?.len(), *mode)
                }
            };
            let b = out as *mut u8;
            std::ptr::write_bytes(b, 0, 80);
            (b.add(8) as *mut u32).write_unaligned(STGTY_STREAM);
            (b.add(16) as *mut u64).write_unaligned(size);
            (b.add(48) as *mut u32).write_unaligned(mode);
            Ok(Status::S_OK)
        })
    }
}

/// `OpenStreamOnFile`: an IStream over a file. `ulFlags`: `STGM_READ` (0),
/// `STGM_WRITE`, `STGM_READWRITE`, `STGM_CREATE` (create or truncate),
/// `STGM_DELETEONRELEASE`, `STGM_SHARE_*` (accepted), `SOF_UNIQUEFILENAME` (then
/// `lpszFileName` is a directory, NULL for the temporary one, and a new file named
/// with `lpszPrefix` is made there). Names are UTF-8 `char*`. The allocator arguments
/// are not used (the stream allocates nothing the caller frees).
///
/// # Safety
/// Strings NULL or NUL-terminated; `out` valid for a write.
pub unsafe fn open_stream_on_file(
    flags: u32,
    name: *mut c_void,
    prefix: *mut c_void,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    guard(|| {
        if out.is_null() {
            return Err(null("lppStream"));
        }
        let known = STGM_WRITE
            | STGM_READWRITE
            | STGM_CREATE
            | STGM_DELETEONRELEASE
            | STGM_SHARE
            | SOF_UNIQUEFILENAME;
        if flags & !known != 0 {
            return Err(CapiError::UnknownFlags(format!(
                "OpenStreamOnFile flags {:#x}",
                flags & !known
            )));
        }
        // SAFETY: per the caller's promise.
        let name = unsafe { read_string(name, false)? };
        let prefix = unsafe { read_string(prefix, false)? }.unwrap_or_default();
        let writable = flags & (STGM_WRITE | STGM_READWRITE) != 0;
        let mode = if writable { STGM_READWRITE } else { STGM_READ };
        let (file, path) = if flags & SOF_UNIQUEFILENAME != 0 {
            let dir = name.map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
            unique_file(&dir, &prefix)?
        } else {
            let path = PathBuf::from(name.ok_or_else(|| null("lpszFileName"))?);
            let mut o = std::fs::OpenOptions::new();
            o.read(true).write(writable);
            if flags & STGM_CREATE != 0 {
                if !writable {
                    return Err(CapiError::InvalidParameter(
                        "STGM_CREATE needs STGM_WRITE or STGM_READWRITE".into(),
                    ));
                }
                o.create(true).truncate(true);
            }
            (io(o.open(&path), "OpenStreamOnFile")?, path)
        };
        let delete = (flags & STGM_DELETEONRELEASE != 0).then_some(path);
        let s = Stream::new_object(Backing::File {
            file: Mutex::new(file),
            delete,
            mode: if flags & SOF_UNIQUEFILENAME != 0 {
                STGM_READWRITE
            } else {
                mode
            },
        });
        // SAFETY: checked non-NULL.
        unsafe { out.write(s) };
        Ok(Status::S_OK)
    })
}

/// A new file `dir/<prefix><n>.tmp` (readable and writable) and its path.
fn unique_file(dir: &std::path::Path, prefix: &str) -> Result<(File, PathBuf)> {
    if prefix.contains('/') {
        return Err(CapiError::InvalidParameter(
            "lpszPrefix names a directory".into(),
        ));
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        ^ std::process::id();
    for i in 0..1000u32 {
        let path = dir.join(format!("{prefix}{:08x}.tmp", seed.wrapping_add(i)));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return io(Err(e), "OpenStreamOnFile"),
        }
    }
    Err(CapiError::Engine(EngineError::Status(
        Status::MAPI_E_COLLISION,
        format!("OpenStreamOnFile: no free file name in {}", dir.display()),
    )))
}
