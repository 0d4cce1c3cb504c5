//! The files this process has open through SQLite.
//!
//! SQLite holds POSIX record locks on a database file, and POSIX drops all of a
//! process's locks on a file when *any* handle to it is closed. The plain-read checks of
//! [`crate::dbfile::inspect`] open and close a handle, so they must never run while a
//! connection of this process has the same file open. This registry tells them: a file is
//! registered (under the lock) before SQLite opens it and unregistered after the
//! connection is closed, and the checks run while holding the same lock.

use std::fs;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Identity of a file: device and inode where the platform has them, else the
/// canonical path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileKey(String);

impl FileKey {
    /// The key of an existing file.
    pub fn of(path: &Path) -> Option<FileKey> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = fs::metadata(path).ok()?;
            Some(FileKey(format!("{}:{}", m.dev(), m.ino())))
        }
        #[cfg(not(unix))]
        {
            let p = fs::canonicalize(path).ok()?;
            Some(FileKey(p.display().to_string()))
        }
    }
}

static OPEN: Mutex<Vec<(FileKey, usize)>> = Mutex::new(Vec::new());

/// The registry, locked.
pub fn lock() -> MutexGuard<'static, Vec<(FileKey, usize)>> {
    OPEN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether a file is open in this process (call with the registry locked).
pub fn is_open(open: &[(FileKey, usize)], key: &FileKey) -> bool {
    open.iter().any(|(k, n)| k == key && *n > 0)
}

/// A registration: the file counts as open until this is dropped. Drop it only after
/// the connection is closed.
#[derive(Debug)]
pub struct Registration(Option<FileKey>);

/// Registers a file as open (call with the registry locked, before SQLite opens it).
pub fn register(open: &mut Vec<(FileKey, usize)>, key: Option<FileKey>) -> Registration {
    if let Some(key) = &key {
        match open.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) => *n += 1,
            None => open.push((key.clone(), 1)),
        }
    }
    Registration(key)
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(key) = self.0.take() {
            let mut open = lock();
            if let Some(pos) = open.iter().position(|(k, _)| *k == key) {
                open[pos].1 -= 1;
                if open[pos].1 == 0 {
                    open.swap_remove(pos);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_count_and_release() {
        let path = std::env::current_exe().unwrap();
        let key = FileKey::of(&path).unwrap();
        assert!(!is_open(&lock(), &key));
        let a = register(&mut lock(), Some(key.clone()));
        let b = register(&mut lock(), Some(key.clone()));
        assert!(is_open(&lock(), &key));
        drop(a);
        assert!(is_open(&lock(), &key), "still open through b");
        drop(b);
        assert!(!is_open(&lock(), &key));
        assert_eq!(FileKey::of(Path::new("/no/such/file")), None);
    }
}
