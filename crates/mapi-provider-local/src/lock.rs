//! The session lock: every store logon holds an OS file lock on `<store>.lock` (shared, or
//! exclusive in exclusive mode), so an exclusive logon and any other logon, in this process
//! or another, exclude each other. The lock goes with the file handle: logoff or drop
//! releases it, and so does the OS when a process dies.
//!
//! A separate file is used because SQLite holds POSIX record locks on the store itself,
//! and closing a second handle on that file would drop them.

use std::ffi::OsString;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::LocalError;

/// A held session lock.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

/// The lock file of a store: `<path>.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the session lock of the store at `path` without waiting: exclusive or shared.
/// A conflict is `MAPI_E_SESSION_LIMIT`.
pub fn acquire(path: &Path, exclusive: bool) -> Result<SessionLock, LocalError> {
    let lock = lock_path(path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .or_else(|err| match err.kind() {
            // An existing lock file we may not write can still be locked through a
            // read-only handle.
            std::io::ErrorKind::PermissionDenied => File::open(&lock),
            _ => Err(err),
        })
        .map_err(|err| LocalError::from_io(&lock, "create", &err))?;
    let taken = if exclusive {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match taken {
        Ok(()) => Ok(SessionLock { _file: file }),
        Err(TryLockError::WouldBlock) => {
            // A shared request only fails against an exclusive holder; an exclusive one
            // fails against any holder, so probe which.
            let held_exclusively = !exclusive || file.try_lock_shared().is_err();
            Err(LocalError::Locked {
                path: path.to_path_buf(),
                held_exclusively,
            })
        }
        Err(TryLockError::Error(err)) => Err(LocalError::from_io(&lock, "lock", &err)),
    }
}
