//! Where the daemon's socket lives: one rule shared by the daemon and its clients.

use std::path::{Path, PathBuf};

/// Environment variable naming the socket explicitly.
pub const SOCKET_ENV: &str = "MAPI_SOCKET";

/// File name of the socket inside its directory.
pub const SOCKET_NAME: &str = "mapid.sock";

/// File name of the daemon's pid file, next to the socket.
pub const PID_NAME: &str = "mapid.pid";

/// File name of the daemon's store file, next to the socket: the password-free name of
/// the profile store the daemon serves.
pub const STORE_NAME: &str = "mapid.store";

/// Environment variable naming the profile store (the same variable the profile store
/// reads): a started daemon gets the store of the client that started it through it.
pub const PROFILE_STORE_ENV: &str = "MAPI_PROFILE_STORE";

/// Environment variable naming the `mapid` binary to start (before the search next to
/// the current executable and in `PATH`).
pub const MAPID_BIN_ENV: &str = "MAPID_BIN";

/// The socket path for a MAPI home: `MAPI_SOCKET` if set; else
/// `$XDG_RUNTIME_DIR/mapi/mapid.sock` if `XDG_RUNTIME_DIR` is set; else
/// `<home>/run/mapid.sock`.
pub fn socket_path(home: &Path) -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(p) = env(SOCKET_ENV) {
        return PathBuf::from(p);
    }
    default_socket_dir(home).join(SOCKET_NAME)
}

/// The default socket directory (the one the daemon creates 0700 and checks strictly):
/// `$XDG_RUNTIME_DIR/mapi` if `XDG_RUNTIME_DIR` is set, else `<home>/run`.
pub fn default_socket_dir(home: &Path) -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("mapi"),
        None => home.join("run"),
    }
}

/// Whether `socket` is in the default socket directory for `home` (that directory must
/// be private: mode 0700 at most; an explicitly named one must only not be writable by
/// others).
pub fn is_default_location(home: &Path, socket: &Path) -> bool {
    socket.parent() == Some(default_socket_dir(home).as_path())
}

/// The store file next to a socket.
pub fn store_path(socket: &Path) -> PathBuf {
    socket.with_file_name(STORE_NAME)
}

/// The pid file next to a socket.
pub fn pid_path(socket: &Path) -> PathBuf {
    socket.with_file_name(PID_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one test in this binary touching these variables (tests run in threads).
    #[test]
    fn socket_path_rule() {
        let home = Path::new("/h/mapi");
        // SAFETY: no other test of this crate reads or writes the environment.
        unsafe {
            std::env::remove_var(SOCKET_ENV);
            std::env::remove_var("XDG_RUNTIME_DIR");
        }
        assert_eq!(socket_path(home), PathBuf::from("/h/mapi/run/mapid.sock"));
        assert!(is_default_location(home, &socket_path(home)));
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", "/run/user/1000") };
        assert_eq!(
            socket_path(home),
            PathBuf::from("/run/user/1000/mapi/mapid.sock")
        );
        assert!(is_default_location(home, &socket_path(home)));
        unsafe { std::env::set_var(SOCKET_ENV, "/tmp/x/my.sock") };
        assert_eq!(socket_path(home), PathBuf::from("/tmp/x/my.sock"));
        assert!(!is_default_location(home, &socket_path(home)));
        assert_eq!(
            pid_path(&socket_path(home)),
            PathBuf::from("/tmp/x/mapid.pid")
        );
        unsafe {
            std::env::remove_var(SOCKET_ENV);
            std::env::remove_var("XDG_RUNTIME_DIR");
        }
    }
}
