//! Where the daemon's socket lives: the rules of [`mapi_paths`] (one rule shared by the
//! daemon and its clients), re-exported.

pub use mapi_paths::{
    MAPID_BIN_ENV, PID_NAME, PROFILE_STORE_ENV, SOCKET_ENV, SOCKET_NAME, STORE_NAME,
    default_socket_dir, is_default_location, log_path, pid_path, socket_path, store_path,
};
