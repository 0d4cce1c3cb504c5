//! [`DaemonError`]: why the daemon cannot start or a request fails, each mapped to a
//! MAPI status code. Request errors travel to the client as a status and this text.

use std::io;
use std::path::PathBuf;

use mapi_engine::EngineError;
use mapi_proto::ProtoError;
use mapi_spi::ProviderError;
use mapi_types::{MapiStatus, Status};
use thiserror::Error;

/// A daemon failure.
#[derive(Debug, Error)]
pub enum DaemonError {
    /// The socket directory is not private to this user. `MAPI_E_NO_ACCESS`.
    #[error("refusing socket directory {path}: {problem}; use a directory owned by you with mode 0700 (e.g. `chmod 700 {path}`)", path = path.display())]
    InsecureDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong (owner or mode, named).
        problem: String,
    },
    /// A file next to the socket (directory, lock, pid file) could not be made or read.
    /// `MAPI_E_DISK_ERROR`.
    #[error("cannot {what} {path}: {source}", path = path.display())]
    Fs {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The socket could not be bound or accepted on. `MAPI_E_NETWORK_ERROR`.
    #[error("cannot {what} on {path}: {source}", path = path.display())]
    Socket {
        /// What was being done.
        what: &'static str,
        /// The socket.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// Another daemon holds this socket. `MAPI_E_BUSY`.
    #[error("another mapid{pid} already serves {path}; stop it first (`mapi daemon stop`) or use another socket", pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default(), path = path.display())]
    AlreadyRunning {
        /// The socket.
        path: PathBuf,
        /// The other daemon's pid, if its pid file says.
        pid: Option<u32>,
    },
    /// The request names a session handle this connection never had.
    /// `MAPI_E_INVALID_PARAMETER`.
    #[error("no session {0} on this connection; use the id a logon returned")]
    NoSuchSession(u64),
    /// `Keep` on a session that is not the shared one. `MAPI_E_INVALID_PARAMETER`.
    #[error("only the shared session (made with MAPI_ALLOW_OTHERS) can be kept alive")]
    NotShared,
    /// The request names a session handle that logged off or whose session ended.
    /// `MAPI_E_END_OF_SESSION`.
    #[error("{0}")]
    SessionEnded(String),
    /// A `UiReply` for a prompt that is not waiting. `MAPI_E_NOT_FOUND`.
    #[error("no prompt {0} is waiting for an answer (already answered, or its logon ended)")]
    NoSuchPrompt(u64),
    /// The answer does not fit the prompt. `MAPI_E_INVALID_PARAMETER`.
    #[error("the answer to prompt {0} does not fit its question")]
    WrongAnswer(u64),
    /// An import batch staged over `ImportPart` grew past its bound (nothing is
    /// imported). `MAPI_E_NOT_ENOUGH_MEMORY`.
    #[error(
        "the import batch holds {len} bytes, over the daemon's bound of {max} bytes (MAX_IMPORT_BATCH_LEN); nothing was imported: import fewer messages at once"
    )]
    ImportTooLarge {
        /// Bytes the batch would hold.
        len: u64,
        /// The bound.
        max: u64,
    },
    /// The daemon is shutting down and takes no new requests. `MAPI_E_END_OF_SESSION`.
    #[error("the MAPI daemon is shutting down; log on again (a new daemon starts on demand)")]
    ShuttingDown,
    /// A frame or message was bad: the protocol error's status.
    #[error("{0}")]
    Protocol(#[from] ProtoError),
    /// The engine refused: its status.
    #[error("{0}")]
    Engine(#[from] EngineError),
    /// A provider call failed: its status.
    #[error("{0}")]
    Provider(#[from] ProviderError),
}

impl MapiStatus for DaemonError {
    fn status(&self) -> Status {
        match self {
            DaemonError::InsecureDir { .. } => Status::MAPI_E_NO_ACCESS,
            DaemonError::Fs { .. } => Status::MAPI_E_DISK_ERROR,
            DaemonError::Socket { .. } => Status::MAPI_E_NETWORK_ERROR,
            DaemonError::AlreadyRunning { .. } => Status::MAPI_E_BUSY,
            DaemonError::NoSuchSession(_)
            | DaemonError::WrongAnswer(_)
            | DaemonError::NotShared => Status::MAPI_E_INVALID_PARAMETER,
            DaemonError::SessionEnded(_) | DaemonError::ShuttingDown => {
                Status::MAPI_E_END_OF_SESSION
            }
            DaemonError::NoSuchPrompt(_) => Status::MAPI_E_NOT_FOUND,
            DaemonError::ImportTooLarge { .. } => Status::MAPI_E_NOT_ENOUGH_MEMORY,
            DaemonError::Protocol(e) => e.status(),
            DaemonError::Engine(e) => e.status(),
            DaemonError::Provider(e) => e.status(),
        }
    }
}

impl DaemonError {
    /// The sentence sent to the client (no status prefix: the response carries it).
    pub fn message(&self) -> String {
        match self {
            DaemonError::Protocol(e) => e.message(),
            other => other.to_string(),
        }
    }
}

/// Result of a daemon call.
pub type Result<T> = std::result::Result<T, DaemonError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        let io = || io::Error::from(io::ErrorKind::PermissionDenied);
        mapi_types::assert_status_table!(DaemonError;
            DaemonError::InsecureDir { .. }
                => DaemonError::InsecureDir {
                    path: "/d".into(),
                    problem: "mode 0777".into(),
                }
                => Status::MAPI_E_NO_ACCESS,
            DaemonError::Fs { .. }
                => DaemonError::Fs {
                    what: "create",
                    path: "/d".into(),
                    source: io(),
                }
                => Status::MAPI_E_DISK_ERROR,
            DaemonError::Socket { .. }
                => DaemonError::Socket {
                    what: "bind",
                    path: "/s".into(),
                    source: io(),
                }
                => Status::MAPI_E_NETWORK_ERROR,
            DaemonError::AlreadyRunning { .. }
                => DaemonError::AlreadyRunning {
                    path: "/s".into(),
                    pid: Some(7),
                }
                => Status::MAPI_E_BUSY,
            DaemonError::NoSuchSession(..)
                => DaemonError::NoSuchSession(9)
                => Status::MAPI_E_INVALID_PARAMETER,
            DaemonError::NotShared
                => DaemonError::NotShared
                => Status::MAPI_E_INVALID_PARAMETER,
            DaemonError::SessionEnded(..)
                => DaemonError::SessionEnded("logged off".into())
                => Status::MAPI_E_END_OF_SESSION,
            DaemonError::NoSuchPrompt(..)
                => DaemonError::NoSuchPrompt(3)
                => Status::MAPI_E_NOT_FOUND,
            DaemonError::WrongAnswer(..)
                => DaemonError::WrongAnswer(3)
                => Status::MAPI_E_INVALID_PARAMETER,
            DaemonError::ShuttingDown
                => DaemonError::ShuttingDown
                => Status::MAPI_E_END_OF_SESSION,
            DaemonError::ImportTooLarge { .. }
                => DaemonError::ImportTooLarge { len: 10, max: 5 }
                => Status::MAPI_E_NOT_ENOUGH_MEMORY,
            DaemonError::Protocol(..)
                => DaemonError::Protocol(ProtoError::Truncated { what: "x" })
                => Status::MAPI_E_CORRUPT_DATA,
            DaemonError::Engine(..)
                => DaemonError::Engine(EngineError::LogonFailed("x".into()))
                => Status::MAPI_E_LOGON_FAILED,
            DaemonError::Provider(..)
                => DaemonError::Provider(ProviderError::new(Status::MAPI_E_SESSION_LIMIT, "x"))
                => Status::MAPI_E_SESSION_LIMIT,
        );
    }

    #[test]
    fn insecure_dir_names_path_and_problem() {
        let e = DaemonError::InsecureDir {
            path: "/run/user/0/mapi".into(),
            problem: "its mode is 0777 (group/others may enter)".into(),
        };
        let t = e.to_string();
        assert!(t.contains("/run/user/0/mapi") && t.contains("0777"), "{t}");
    }
}
