//! The files next to the socket: the directory check (private to this user), the lock
//! that makes one daemon per socket, the pid file, and removing them at exit.
//!
//! Rules (in `mapi-paths`): the default socket directory (`<runtime dir>/mapi` or
//! `<home>/run`) is created 0700 and must be owned by this user with no group/other
//! permission at all. A directory named explicitly (`--socket`, `MAPI_SOCKET`) must be
//! owned by this user and not writable by group or others (so nobody can replace the
//! socket); it may be traversable, in which case the per-connection peer check still
//! refuses other users. The socket itself is mode 0666: the directory and the peer check
//! are the barriers.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use mapi_paths::DirProblem;

use crate::error::{DaemonError, Result};

/// File name of the lock held while a daemon serves the socket next to it.
pub const LOCK_NAME: &str = "mapid.lock";

pub use mapi_paths::{current_uid, socket_dir};

fn fs_err<'a>(
    what: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> DaemonError + 'a {
    move |source| DaemonError::Fs {
        what,
        path: path.to_path_buf(),
        source,
    }
}

/// Checks (creating it 0700 when absent) the socket directory by the rule of
/// [`mapi_paths::check_dir`]. `strict`: the default directory, which must have no
/// group/other permission; else only group/other write is refused.
pub fn check_dir(dir: &Path, strict: bool) -> Result<()> {
    mapi_paths::check_dir(dir, strict).map_err(|p| match p {
        DirProblem::Io { what, source } => fs_err(what, dir)(source),
        DirProblem::Insecure(problem) => DaemonError::InsecureDir {
            path: dir.to_path_buf(),
            problem,
        },
    })
}

/// The pid in a pid file, if it holds one.
pub fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The lock that makes this process the only daemon for a socket. Taken after the
/// directory check; released when dropped (or when the process dies).
pub struct SocketLock {
    _file: File,
}

/// Takes the lock next to `socket`, or fails with `MAPI_E_BUSY` naming the holder.
pub fn lock(socket: &Path, pid_file: &Path) -> Result<SocketLock> {
    let path = socket_dir(socket).join(LOCK_NAME);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(fs_err("open the daemon lock", &path))?;
    match file.try_lock() {
        Ok(()) => Ok(SocketLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(DaemonError::AlreadyRunning {
            path: socket.to_path_buf(),
            pid: read_pid(pid_file),
        }),
        Err(TryLockError::Error(e)) => Err(fs_err("lock", &path)(e)),
    }
}

/// Removes a stale socket file (the lock is held, so nobody serves it).
pub fn remove_stale(socket: &Path) -> Result<()> {
    match std::fs::symlink_metadata(socket) {
        Ok(m) if m.file_type().is_socket() => {
            std::fs::remove_file(socket).map_err(fs_err("remove the stale socket", socket))
        }
        Ok(_) => Err(DaemonError::Fs {
            what: "use as socket",
            path: socket.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a file that is not a socket is in the way; remove it",
            ),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(fs_err("inspect", socket)(e)),
    }
}

/// Identity of a file (device, inode), to remove only our own socket at exit.
pub fn file_id(path: &Path) -> Option<(u64, u64)> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Makes the bound socket connectable by the peer check's candidates (see module docs).
pub fn set_socket_mode(socket: &Path) -> Result<()> {
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o666))
        .map_err(fs_err("set the mode of", socket))
}

/// Writes `line` and a newline to `path` (0600), atomically: through `path` with
/// extension `tmp_ext`, then renamed.
fn write_atomic(path: &Path, tmp_ext: &str, what: &'static str, line: &str) -> Result<()> {
    let tmp = path.with_extension(tmp_ext);
    let mut f = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fs_err(what, &tmp))?;
    writeln!(f, "{line}").map_err(fs_err(what, &tmp))?;
    std::fs::rename(&tmp, path).map_err(fs_err(what, path))
}

/// Writes this process's pid (0600), atomically.
pub fn write_pid(pid_file: &Path) -> Result<()> {
    let pid = std::process::id().to_string();
    write_atomic(pid_file, "pid.tmp", "write the pid file", &pid)
}

/// Writes the store file (0600, atomically): the password-free name of the profile
/// store this daemon serves; `None` removes a stale one.
pub fn write_store(store_file: &Path, identity: Option<&str>) -> Result<()> {
    let Some(identity) = identity else {
        let _ = std::fs::remove_file(store_file);
        return Ok(());
    };
    write_atomic(store_file, "store.tmp", "write the store file", identity)
}

/// Removes the socket if it is still the one we bound, and the pid file (with the
/// store file next to it) if it still names us.
pub fn cleanup(socket: &Path, socket_id: Option<(u64, u64)>, pid_file: &Path) {
    if socket_id.is_some() && file_id(socket) == socket_id {
        let _ = std::fs::remove_file(socket);
    }
    if read_pid(pid_file) == Some(std::process::id()) {
        let _ = std::fs::remove_file(mapi_paths::store_path(socket));
        let _ = std::fs::remove_file(pid_file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::{MapiStatus, Status};

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// The rule itself is `mapi_paths::check_dir`'s (tested there); this checks how the
    /// daemon reports its two answers.
    #[test]
    fn dir_problems_become_daemon_errors_naming_the_path() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("s");
        std::fs::create_dir(&d).unwrap();
        chmod(&d, 0o777);
        for strict in [true, false] {
            let e = check_dir(&d, strict).unwrap_err();
            assert_eq!(e.status(), Status::MAPI_E_NO_ACCESS);
            let text = e.to_string();
            assert!(
                text.contains(&d.display().to_string()) && text.contains("0777"),
                "{text}"
            );
        }
        chmod(&d, 0o700);
        check_dir(&d, true).unwrap();
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&d, &link).unwrap();
        let e = check_dir(&link, false).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        // A file where a parent should be: creating fails, a disk error naming the path.
        let file = t.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let e = check_dir(&file.join("sub"), true).unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_DISK_ERROR);
        assert!(e.to_string().contains(&file.display().to_string()), "{e}");
    }

    #[test]
    fn the_lock_admits_one_daemon() {
        let t = tempfile::tempdir().unwrap();
        let sock = t.path().join("mapid.sock");
        let pid = t.path().join("mapid.pid");
        let first = lock(&sock, &pid).unwrap();
        write_pid(&pid).unwrap();
        let e = lock(&sock, &pid).err().unwrap();
        assert_eq!(e.status(), Status::MAPI_E_BUSY);
        assert!(
            e.to_string()
                .contains(&format!("pid {}", std::process::id())),
            "{e}"
        );
        drop(first);
        lock(&sock, &pid).unwrap();
        cleanup(&sock, None, &pid);
        assert!(!pid.exists());
    }

    #[test]
    fn a_regular_file_in_the_sockets_place_is_not_removed() {
        let t = tempfile::tempdir().unwrap();
        let sock = t.path().join("mapid.sock");
        std::fs::write(&sock, b"data").unwrap();
        assert_eq!(
            remove_stale(&sock).unwrap_err().status(),
            Status::MAPI_E_DISK_ERROR
        );
        assert!(sock.exists());
    }
}
