//! The location rules.
//!
//! - The MAPI home: `--home`, else `MAPI_HOME`, else `$XDG_DATA_HOME/mapi`, else
//!   `$HOME/.local/share/mapi`, else `./.mapi`. The profile store is
//!   [`PROFILES_DB`] inside it.
//! - The runtime directory: `XDG_RUNTIME_DIR` when it is set, absolute, a directory
//!   owned by this user and closed to group and others (mode 0700). Any other value (left
//!   over after `su` or `runuser`, or opened up) is ignored as if it were unset.
//! - The socket: `MAPI_SOCKET` if set; else `<runtime dir>/mapi/mapid.sock`; else
//!   `<home>/run/mapid.sock`. The pid file and the daemon's log file sit next to it.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::private_dir::current_uid;

/// Environment variable naming the MAPI home.
pub const HOME_ENV: &str = "MAPI_HOME";

/// File name of the profile store inside the home.
pub const PROFILES_DB: &str = "profiles.db";

/// Environment variable naming the per-user runtime directory (XDG base directories).
pub const RUNTIME_DIR_ENV: &str = "XDG_RUNTIME_DIR";

/// Environment variable naming the socket explicitly.
pub const SOCKET_ENV: &str = "MAPI_SOCKET";

/// File name of the socket inside its directory.
pub const SOCKET_NAME: &str = "mapid.sock";

/// File name of the daemon's pid file, next to the socket.
pub const PID_NAME: &str = "mapid.pid";

/// File name of the log of a daemon started on demand, next to the socket.
pub const LOG_NAME: &str = "mapid.log";

/// Environment variable naming the `mapid` binary to start.
pub const MAPID_BIN_ENV: &str = "MAPID_BIN";

/// File name of the daemon's store file, next to the socket: the password-free name of
/// the profile store the daemon serves.
pub const STORE_NAME: &str = "mapid.store";

/// Environment variable naming the profile store (a `sqlite:` path or a `postgres://`
/// URL); a daemon started on demand gets its client's store through it.
pub const PROFILE_STORE_ENV: &str = "MAPI_PROFILE_STORE";

fn env_path(key: &str) -> Option<PathBuf> {
    std::env::var_os(key)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Resolves the MAPI home: an explicit directory wins, then `MAPI_HOME`, then
/// `$XDG_DATA_HOME/mapi`, then `$HOME/.local/share/mapi`, then `./.mapi`.
pub fn resolve_home(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = env_path(HOME_ENV) {
        return p;
    }
    if let Some(p) = env_path("XDG_DATA_HOME") {
        return p.join("mapi");
    }
    if let Some(p) = env_path("HOME") {
        return p.join(".local").join("share").join("mapi");
    }
    PathBuf::from(".mapi")
}

/// The per-user runtime directory: `XDG_RUNTIME_DIR` when it is absolute, a directory
/// (symbolic links are followed), owned by this user and with no group or other
/// permission; `None` otherwise, exactly as when the variable is unset.
pub fn runtime_dir() -> Option<PathBuf> {
    let dir = env_path(RUNTIME_DIR_ENV)?;
    usable_runtime_dir(&dir).then_some(dir)
}

fn usable_runtime_dir(dir: &Path) -> bool {
    if !dir.is_absolute() {
        return false;
    }
    match std::fs::metadata(dir) {
        Ok(m) => m.is_dir() && m.uid() == current_uid() && m.permissions().mode() & 0o077 == 0,
        Err(_) => false,
    }
}

/// The default socket directory (the one the daemon creates 0700 and checks strictly):
/// `<runtime dir>/mapi` when there is a usable [`runtime_dir`], else `<home>/run`.
pub fn default_socket_dir(home: &Path) -> PathBuf {
    match runtime_dir() {
        Some(dir) => dir.join("mapi"),
        None => home.join("run"),
    }
}

/// The socket path for a MAPI home: `MAPI_SOCKET` if set, else [`SOCKET_NAME`] in the
/// [`default_socket_dir`].
pub fn socket_path(home: &Path) -> PathBuf {
    if let Some(p) = env_path(SOCKET_ENV) {
        return p;
    }
    default_socket_dir(home).join(SOCKET_NAME)
}

/// Whether `socket` is in the default socket directory for `home` (that directory must
/// be private: mode 0700 at most; an explicitly named one must only not be writable by
/// others).
pub fn is_default_location(home: &Path, socket: &Path) -> bool {
    socket.parent() == Some(default_socket_dir(home).as_path())
}

/// The directory holding `socket` (`.` for a bare file name).
pub fn socket_dir(socket: &Path) -> PathBuf {
    match socket.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The pid file next to a socket.
pub fn pid_path(socket: &Path) -> PathBuf {
    socket_dir(socket).join(PID_NAME)
}

/// The store file next to a socket.
pub fn store_path(socket: &Path) -> PathBuf {
    socket_dir(socket).join(STORE_NAME)
}

/// The log file of a daemon started on demand, next to its socket.
pub fn log_path(socket: &Path) -> PathBuf {
    socket_dir(socket).join(LOG_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn explicit_home_wins() {
        assert_eq!(resolve_home(Some(Path::new("/x/y"))), PathBuf::from("/x/y"));
    }

    /// The one test in this binary touching these variables (tests run in threads).
    #[test]
    fn socket_path_rule() {
        let home = Path::new("/h/mapi");
        let run = tempfile::tempdir().unwrap();
        chmod(run.path(), 0o700);
        // SAFETY: no other test of this crate reads or writes the environment.
        unsafe {
            std::env::remove_var(SOCKET_ENV);
            std::env::remove_var(RUNTIME_DIR_ENV);
        }
        assert_eq!(socket_path(home), PathBuf::from("/h/mapi/run/mapid.sock"));
        assert!(is_default_location(home, &socket_path(home)));

        unsafe { std::env::set_var(RUNTIME_DIR_ENV, run.path()) };
        assert_eq!(socket_path(home), run.path().join("mapi/mapid.sock"));
        assert!(is_default_location(home, &socket_path(home)));

        // Open to others, relative, missing, or a file: ignored as if unset.
        chmod(run.path(), 0o777);
        assert_eq!(runtime_dir(), None);
        assert_eq!(socket_path(home), PathBuf::from("/h/mapi/run/mapid.sock"));
        chmod(run.path(), 0o750);
        assert_eq!(runtime_dir(), None);
        chmod(run.path(), 0o700);
        assert_eq!(runtime_dir().as_deref(), Some(run.path()));
        let file = run.path().join("f");
        std::fs::write(&file, b"").unwrap();
        for bad in [Path::new("rel/run"), &run.path().join("missing"), &file] {
            unsafe { std::env::set_var(RUNTIME_DIR_ENV, bad) };
            assert_eq!(runtime_dir(), None, "{}", bad.display());
        }

        unsafe { std::env::set_var(SOCKET_ENV, "/tmp/x/my.sock") };
        assert_eq!(socket_path(home), PathBuf::from("/tmp/x/my.sock"));
        assert!(!is_default_location(home, &socket_path(home)));
        assert_eq!(
            pid_path(&socket_path(home)),
            PathBuf::from("/tmp/x/mapid.pid")
        );
        assert_eq!(
            log_path(&socket_path(home)),
            PathBuf::from("/tmp/x/mapid.log")
        );
        assert_eq!(pid_path(Path::new("s.sock")), PathBuf::from("./mapid.pid"));
        unsafe {
            std::env::remove_var(SOCKET_ENV);
            std::env::remove_var(RUNTIME_DIR_ENV);
        }
    }

    #[test]
    fn a_runtime_dir_of_another_user_is_not_usable() {
        let t = tempfile::tempdir().unwrap();
        let foreign = t.path().join("foreign");
        std::fs::create_dir(&foreign).unwrap();
        chmod(&foreign, 0o700);
        assert!(usable_runtime_dir(&foreign));
        let nobody = if current_uid() == 0 { 65534 } else { 0 };
        if std::os::unix::fs::chown(&foreign, Some(nobody), None).is_err() {
            // Not root: a directory of another user that exists on every Unix system.
            assert!(
                !usable_runtime_dir(Path::new("/")),
                "/ is root's, mode 0755"
            );
            return;
        }
        assert!(!usable_runtime_dir(&foreign), "owned by uid {nobody}");
    }
}
