//! [`ClientError`]: every way a call through the daemon link can fail, each mapped to a
//! MAPI status code.

use std::io;
use std::path::PathBuf;

use mapi_proto::ProtoError;
use mapi_types::{MapiStatus, Status};
use thiserror::Error;

/// A failure of the daemon link or of a call the daemon answered with an error.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The socket exists but could not be connected to (not "nobody listens", which is
    /// `Ok(None)` from `connect`). `MAPI_E_NO_ACCESS` when permission was denied, else
    /// `MAPI_E_NETWORK_ERROR`.
    #[error(
        "cannot connect to the MAPI daemon at {path}: {source}; check the socket's permissions or stop the daemon and start it again"
    )]
    Connect {
        /// The socket.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The handshake or a frame failed (version mismatch, a refusal such as
    /// `MAPI_E_NO_ACCESS`, damaged data): the protocol error's status. The text is its
    /// message alone (whoever shows the error shows the status once).
    #[error("{}", .0.message())]
    Protocol(#[from] ProtoError),
    /// The daemon answered the request with an error: its status and message. The text
    /// is the daemon's message alone: whoever shows the error shows the status once.
    #[error("{message}")]
    Daemon {
        /// The daemon's status.
        status: Status,
        /// The daemon's explanation.
        message: String,
    },
    /// The connection to the daemon is gone (the daemon died, shut down, or the
    /// connection was cut). `MAPI_E_END_OF_SESSION`.
    #[error(
        "the connection to the MAPI daemon was lost ({reason}); log on again (a new daemon starts on demand)"
    )]
    Disconnected {
        /// What happened.
        reason: String,
    },
    /// The session was ended under this client (another sharer logged off with
    /// `MAPI_LOGOFF_SHARED`, the daemon shut down, or this handle logged off).
    /// `MAPI_E_END_OF_SESSION`.
    #[error("the session has ended: {reason}; log on again")]
    SessionEnded {
        /// Why.
        reason: String,
    },
    /// The daemon answered with a reply of the wrong kind. `MAPI_E_CALL_FAILED`.
    #[error(
        "the MAPI daemon answered {request} with {got}; the daemon and this client do not match: stop the daemon so the matching version starts"
    )]
    UnexpectedReply {
        /// The request's kind.
        request: &'static str,
        /// The reply's kind.
        got: &'static str,
    },
    /// No `mapid` binary was found to start. `MAPI_E_NOT_FOUND`.
    #[error(
        "no mapid binary found (looked at {looked}); install mapid next to this program or in PATH, or set MAPID_BIN"
    )]
    DaemonNotFound {
        /// Where it looked.
        looked: String,
    },
    /// `mapid` was started but exited before it listened. `MAPI_E_CALL_FAILED`.
    #[error("the MAPI daemon failed to start: {reason}")]
    StartFailed {
        /// The exit status and what the daemon printed.
        reason: String,
    },
    /// The running daemon serves another profile store than the one this logon named.
    /// `MAPI_E_NO_ACCESS`.
    #[error(
        "the MAPI daemon on {socket} serves the profile store {daemon}, not {wanted}; stop it (`mapi daemon stop`) or give this store its own MAPI_SOCKET"
    )]
    OtherStore {
        /// The socket.
        socket: PathBuf,
        /// The daemon's store (no password), or "an unknown store".
        daemon: String,
        /// The store this client uses (no password).
        wanted: String,
    },
    /// A message to import through the daemon is larger than one request may carry.
    /// `MAPI_E_TOO_BIG`; nothing is sent.
    #[error(
        "message {index} of the import is {len} bytes, over the daemon link's bound of {max} bytes per message (MAX_IMPORT_CHUNK_LEN); nothing was imported: import it with MAPI_NEW_SESSION (in this process)"
    )]
    MessageTooBig {
        /// The message's position in the batch, from 1.
        index: usize,
        /// Its size.
        len: u64,
        /// The bound.
        max: u64,
    },
    /// An import batch is larger than the daemon stages. `MAPI_E_NOT_ENOUGH_MEMORY`;
    /// nothing is sent.
    #[error(
        "the import batch is {len} bytes, over the daemon link's bound of {max} bytes per batch (MAX_IMPORT_BATCH_LEN); nothing was imported: import fewer messages at once"
    )]
    BatchTooBig {
        /// The batch's size.
        len: u64,
        /// The bound.
        max: u64,
    },
    /// `mapid` was started but its socket did not answer in time. `MAPI_E_TIMEOUT`.
    #[error(
        "the MAPI daemon did not answer on {path} within {waited_ms} ms; run `mapid --foreground` to see why"
    )]
    StartTimeout {
        /// The socket.
        path: PathBuf,
        /// How long the client waited.
        waited_ms: u128,
    },
}

impl MapiStatus for ClientError {
    fn status(&self) -> Status {
        match self {
            ClientError::Connect { source, .. } => {
                if source.kind() == io::ErrorKind::PermissionDenied {
                    Status::MAPI_E_NO_ACCESS
                } else {
                    Status::MAPI_E_NETWORK_ERROR
                }
            }
            ClientError::Protocol(e) => e.status(),
            ClientError::Daemon { status, .. } => {
                if status.failed() {
                    *status
                } else {
                    Status::MAPI_E_CALL_FAILED
                }
            }
            ClientError::Disconnected { .. } | ClientError::SessionEnded { .. } => {
                Status::MAPI_E_END_OF_SESSION
            }
            ClientError::UnexpectedReply { .. } | ClientError::StartFailed { .. } => {
                Status::MAPI_E_CALL_FAILED
            }
            ClientError::DaemonNotFound { .. } => Status::MAPI_E_NOT_FOUND,
            ClientError::StartTimeout { .. } => Status::MAPI_E_TIMEOUT,
            ClientError::OtherStore { .. } => Status::MAPI_E_NO_ACCESS,
            ClientError::MessageTooBig { .. } => Status::MAPI_E_TOO_BIG,
            ClientError::BatchTooBig { .. } => Status::MAPI_E_NOT_ENOUGH_MEMORY,
        }
    }
}

/// Result of a daemon-link call.
pub type Result<T> = std::result::Result<T, ClientError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        mapi_types::assert_status_table!(ClientError;
            ClientError::Connect { source, .. }
                if source.kind() == io::ErrorKind::PermissionDenied
                => ClientError::Connect {
                    path: "/s".into(),
                    source: io::Error::from(io::ErrorKind::PermissionDenied),
                }
                => Status::MAPI_E_NO_ACCESS,
            ClientError::Connect { .. }
                => ClientError::Connect {
                    path: "/s".into(),
                    source: io::Error::from(io::ErrorKind::TimedOut),
                }
                => Status::MAPI_E_NETWORK_ERROR,
            ClientError::Protocol(..)
                => ClientError::Protocol(ProtoError::VersionMismatch {
                    client: 1,
                    daemon: 2,
                })
                => Status::MAPI_E_VERSION,
            ClientError::Daemon { status, .. } if status.failed()
                => ClientError::Daemon {
                    status: Status::MAPI_E_LOGON_FAILED,
                    message: "m".into(),
                }
                => Status::MAPI_E_LOGON_FAILED,
            ClientError::Daemon { .. }
                => ClientError::Daemon {
                    status: Status::S_OK,
                    message: "confused".into(),
                }
                => Status::MAPI_E_CALL_FAILED,
            ClientError::Disconnected { .. }
                => ClientError::Disconnected { reason: "r".into() }
                => Status::MAPI_E_END_OF_SESSION,
            ClientError::SessionEnded { .. }
                => ClientError::SessionEnded { reason: "r".into() }
                => Status::MAPI_E_END_OF_SESSION,
            ClientError::UnexpectedReply { .. }
                => ClientError::UnexpectedReply {
                    request: "Ping",
                    got: "Table",
                }
                => Status::MAPI_E_CALL_FAILED,
            ClientError::DaemonNotFound { .. }
                => ClientError::DaemonNotFound { looked: "x".into() }
                => Status::MAPI_E_NOT_FOUND,
            ClientError::StartFailed { .. }
                => ClientError::StartFailed { reason: "x".into() }
                => Status::MAPI_E_CALL_FAILED,
            ClientError::MessageTooBig { .. }
                => ClientError::MessageTooBig { index: 2, len: 20, max: 10 }
                => Status::MAPI_E_TOO_BIG,
            ClientError::BatchTooBig { .. }
                => ClientError::BatchTooBig { len: 20, max: 10 }
                => Status::MAPI_E_NOT_ENOUGH_MEMORY,
            ClientError::StartTimeout { .. }
                => ClientError::StartTimeout {
                    path: "/s".into(),
                    waited_ms: 2000,
                }
                => Status::MAPI_E_TIMEOUT,
            ClientError::OtherStore { .. }
                => ClientError::OtherStore {
                    socket: "/s".into(),
                    daemon: "sqlite:/a".into(),
                    wanted: "sqlite:/b".into(),
                }
                => Status::MAPI_E_NO_ACCESS,
        );
    }

    #[test]
    fn daemon_errors_keep_the_daemons_words() {
        let e = ClientError::Daemon {
            status: Status::MAPI_E_END_OF_SESSION,
            message: "the shared session was logged off".into(),
        };
        assert_eq!(e.to_string(), "the shared session was logged off");
        assert_eq!(e.status(), Status::MAPI_E_END_OF_SESSION);
        // Nor does a protocol error (a refusal, a version mismatch) repeat its status.
        let e = ClientError::Protocol(ProtoError::VersionMismatch {
            client: 1,
            daemon: 2,
        });
        assert!(!e.to_string().contains("MAPI_E_"), "{e}");
        assert_eq!(e.status(), Status::MAPI_E_VERSION);
    }
}
