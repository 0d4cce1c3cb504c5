//! Where MAPI keeps its files, one rule for every crate (the profile store, the daemon
//! and its clients): the MAPI home, the per-user runtime directory, the daemon's socket,
//! pid file and log, and the check a private directory must pass. Below the client and
//! the daemon; depends on nothing of MAPI.
//!
//! # Layout
//! - [`location`]: the rules: [`resolve_home`], [`runtime_dir`], [`socket_path`],
//!   [`default_socket_dir`], [`pid_path`], [`log_path`], [`store_path`].
//! - [`private_dir`]: [`check_dir`]: a directory only this user can use (created 0700
//!   when absent), and [`DirProblem`], why one is refused.
//!
//! # Example
//! ```
//! use std::path::Path;
//!
//! let home = mapi_paths::resolve_home(Some(Path::new("/srv/mapi")));
//! assert_eq!(home, Path::new("/srv/mapi"));
//! let socket = mapi_paths::socket_path(&home);
//! assert_eq!(socket.file_name().unwrap(), mapi_paths::SOCKET_NAME);
//! assert_eq!(mapi_paths::pid_path(&socket).file_name().unwrap(), mapi_paths::PID_NAME);
//! ```

#![warn(missing_docs)]

pub mod location;
pub mod private_dir;

pub use location::{
    HOME_ENV, LOG_NAME, MAPID_BIN_ENV, PID_NAME, PROFILE_STORE_ENV, PROFILES_DB, RUNTIME_DIR_ENV,
    SOCKET_ENV, SOCKET_NAME, STORE_NAME, default_socket_dir, is_default_location, log_path,
    pid_path, resolve_home, runtime_dir, socket_dir, socket_path, store_path,
};
pub use private_dir::{DirProblem, check_dir, current_uid, private_problem};
