//! A directory only this user can use: the daemon's socket directory and the home of its
//! lock, pid file and log.
//!
//! Rules: a default directory (`strict`) is created 0700 when absent and must be owned
//! by this user with no group or other permission at all. A directory named explicitly
//! (`--socket`, `MAPI_SOCKET`) must be owned by this user and not writable by group or
//! others (so nobody can replace what is in it); it may be traversable.

use std::fs::{DirBuilder, Metadata};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::Path;

/// This process's effective uid.
pub fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Why a directory cannot be used.
#[derive(Debug)]
pub enum DirProblem {
    /// Creating or inspecting it failed.
    Io {
        /// What was being done.
        what: &'static str,
        /// The system error.
        source: io::Error,
    },
    /// It exists but is not private enough: the sentence says why.
    Insecure(String),
}

/// Why `meta` (of a directory, not followed through a symbolic link) is not private to
/// this user; `None` when it is. `strict`: no group/other permission at all; else only
/// group/other write is refused.
pub fn private_problem(meta: &Metadata, strict: bool) -> Option<String> {
    if meta.file_type().is_symlink() {
        return Some("it is a symbolic link".into());
    }
    if !meta.is_dir() {
        return Some("it is not a directory".into());
    }
    let me = current_uid();
    if meta.uid() != me {
        return Some(format!(
            "it is owned by uid {}, not by this user (uid {me})",
            meta.uid()
        ));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if strict && mode & 0o077 != 0 {
        return Some(format!(
            "its mode is {mode:04o}: group/others have access, and the default socket \
             directory must be private"
        ));
    }
    if mode & 0o022 != 0 {
        return Some(format!(
            "its mode is {mode:04o}: group/others may write in it and could replace the socket"
        ));
    }
    None
}

/// Checks `dir`, creating it (and its parents) 0700 when absent.
pub fn check_dir(dir: &Path, strict: bool) -> Result<(), DirProblem> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|source| DirProblem::Io {
                    what: "create the socket directory",
                    source,
                })?;
            std::fs::symlink_metadata(dir).map_err(|source| DirProblem::Io {
                what: "inspect the socket directory",
                source,
            })?
        }
        Err(source) => {
            return Err(DirProblem::Io {
                what: "inspect the socket directory",
                source,
            });
        }
    };
    match private_problem(&meta, strict) {
        Some(p) => Err(DirProblem::Insecure(p)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn insecure(r: Result<(), DirProblem>) -> String {
        match r {
            Err(DirProblem::Insecure(p)) => p,
            other => panic!("expected an insecure directory, got {other:?}"),
        }
    }

    #[test]
    fn an_absent_directory_is_created_private() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b/mapi");
        check_dir(&d, true).unwrap();
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    #[test]
    fn open_directories_are_refused_naming_the_mode() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("s");
        std::fs::create_dir(&d).unwrap();
        chmod(&d, 0o777);
        for strict in [true, false] {
            assert!(insecure(check_dir(&d, strict)).contains("0777"));
        }
        // Traversable but not writable: only an explicitly named directory may be so.
        chmod(&d, 0o755);
        insecure(check_dir(&d, true));
        check_dir(&d, false).unwrap();
        chmod(&d, 0o700);
        check_dir(&d, true).unwrap();
    }

    #[test]
    fn a_symlink_or_file_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let real = t.path().join("real");
        std::fs::create_dir(&real).unwrap();
        chmod(&real, 0o700);
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(insecure(check_dir(&link, false)).contains("symbolic link"));
        let file = t.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        assert!(insecure(check_dir(&file, false)).contains("not a directory"));
    }
}
