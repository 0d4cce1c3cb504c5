//! [`ProtoError`]: every way a frame, a message or a handshake can fail, each mapped to
//! a MAPI status code.

use std::fmt;

use mapi_types::{MapiStatus, Status};

/// A protocol failure. Texts name the field at fault and never contain field contents,
/// so no secret can leak through an error.
#[derive(Clone, PartialEq, Eq)]
pub enum ProtoError {
    /// A frame header announced a body over [`crate::MAX_FRAME_LEN`] (or a caller tried
    /// to frame one). `MAPI_E_TOO_BIG`: the stream cannot be resynchronised.
    FrameTooBig {
        /// The announced or attempted body length.
        len: u64,
        /// The limit.
        max: u32,
    },
    /// The stream ended inside a frame. `MAPI_E_CORRUPT_DATA`.
    IncompleteFrame {
        /// Bytes of the frame (header included) that arrived.
        have: usize,
        /// Bytes the frame needs (header included; 4 while the header itself is cut).
        need: usize,
    },
    /// A message ended before the named field. `MAPI_E_CORRUPT_DATA`.
    Truncated {
        /// The field being read.
        what: &'static str,
    },
    /// Bytes were left after a complete message. `MAPI_E_CORRUPT_DATA`.
    TrailingBytes {
        /// The message.
        what: &'static str,
        /// How many bytes were left.
        extra: usize,
    },
    /// A string, blob or list is longer than its limit. `MAPI_E_TOO_BIG`.
    TooLong {
        /// The field.
        what: &'static str,
        /// Its length (bytes or elements).
        len: u64,
        /// The limit.
        max: u64,
    },
    /// A field holds an impossible value (bad UTF-8, a boolean that is not 0 or 1, a bad
    /// magic, an undecodable property value). `MAPI_E_CORRUPT_DATA`.
    Malformed {
        /// The field.
        what: &'static str,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A message, notification, response, prompt or answer kind this side does not know.
    /// `MAPI_E_CORRUPT_DATA`: both sides speak the same protocol version, so an unknown
    /// tag means damage, not novelty.
    UnknownTag {
        /// Which kind of tag.
        what: &'static str,
        /// The tag byte.
        tag: u8,
    },
    /// A well-framed request of a kind this daemon does not implement. `MAPI_E_NO_SUPPORT`
    /// (not `MAPI_E_CORRUPT_DATA`): the request id was read, so the daemon answers that
    /// request with an error and keeps the connection.
    UnknownRequest {
        /// The request id, to answer.
        id: u32,
        /// The request kind byte.
        kind: u8,
    },
    /// The two sides speak different protocol versions. `MAPI_E_VERSION`.
    VersionMismatch {
        /// The client's version.
        client: u32,
        /// The daemon's version.
        daemon: u32,
    },
    /// A message arrived that the handshake does not allow at this point.
    /// `MAPI_E_CALL_FAILED`.
    UnexpectedMessage {
        /// What the state machine was waiting for.
        expected: &'static str,
        /// What arrived.
        got: &'static str,
    },
    /// The daemon refused the handshake with this status and explanation.
    Refused {
        /// The daemon's status (a failure code).
        status: Status,
        /// The daemon's explanation.
        message: String,
    },
}

impl ProtoError {
    /// The request id an error can be answered under ([`ProtoError::UnknownRequest`]).
    pub fn request_id(&self) -> Option<u32> {
        match self {
            ProtoError::UnknownRequest { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The plain sentence, without the status prefix `Display` adds.
    pub fn message(&self) -> String {
        match self {
            ProtoError::FrameTooBig { len, max } => format!(
                "frame of {len} bytes exceeds the {max}-byte limit; the peer is not speaking \
                 the mapid protocol or sent an oversized message; close the connection"
            ),
            ProtoError::IncompleteFrame { have, need } => format!(
                "the connection ended inside a frame ({have} of {need} bytes arrived); \
                 the peer crashed or the connection was cut; reconnect"
            ),
            ProtoError::Truncated { what } => format!(
                "message ends before `{what}`; the peer is not speaking this protocol or the \
                 data is damaged; reconnect"
            ),
            ProtoError::TrailingBytes { what, extra } => format!(
                "{extra} unexpected bytes after a complete {what}; the peer is not speaking \
                 this protocol version; reconnect"
            ),
            ProtoError::TooLong { what, len, max } => format!(
                "`{what}` has length {len}, over the limit of {max}; shorten it or split the \
                 operation"
            ),
            ProtoError::Malformed { what, why } => format!(
                "`{what}` is malformed: {why}; the peer is not speaking this protocol or the \
                 data is damaged; reconnect"
            ),
            ProtoError::UnknownTag { what, tag } => format!(
                "unknown {what} tag {tag}; the peer is not speaking this protocol version; \
                 reconnect"
            ),
            ProtoError::UnknownRequest { id, kind } => format!(
                "request {id} has kind {kind}, which this daemon does not implement; stop the \
                 running daemon so the version matching this client starts"
            ),
            ProtoError::VersionMismatch { client, daemon } => format!(
                "client speaks protocol {client}, daemon speaks protocol {daemon}; stop the \
                 running daemon so the version matching this client starts, or run matching \
                 versions of both"
            ),
            ProtoError::UnexpectedMessage { expected, got } => {
                format!("protocol order violated: expected {expected}, got {got}; reconnect")
            }
            ProtoError::Refused { message, .. } => format!("the daemon refused: {message}"),
        }
    }
}

impl MapiStatus for ProtoError {
    fn status(&self) -> Status {
        match self {
            ProtoError::FrameTooBig { .. } | ProtoError::TooLong { .. } => Status::MAPI_E_TOO_BIG,
            ProtoError::IncompleteFrame { .. }
            | ProtoError::Truncated { .. }
            | ProtoError::TrailingBytes { .. }
            | ProtoError::Malformed { .. }
            | ProtoError::UnknownTag { .. } => Status::MAPI_E_CORRUPT_DATA,
            ProtoError::UnknownRequest { .. } => Status::MAPI_E_NO_SUPPORT,
            ProtoError::VersionMismatch { .. } => Status::MAPI_E_VERSION,
            ProtoError::UnexpectedMessage { .. } => Status::MAPI_E_CALL_FAILED,
            ProtoError::Refused { status, .. } => {
                if status.failed() {
                    *status
                } else {
                    Status::MAPI_E_CALL_FAILED
                }
            }
        }
    }
}

impl fmt::Display for ProtoError {
    /// `MAPI_E_CORRUPT_DATA (0x8004011B): message ends before ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status(), self.message())
    }
}

impl fmt::Debug for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ProtoError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        mapi_types::assert_status_table!(ProtoError;
            ProtoError::FrameTooBig { .. }
                => ProtoError::FrameTooBig {
                    len: 1 << 30,
                    max: 16,
                }
                => Status::MAPI_E_TOO_BIG,
            ProtoError::IncompleteFrame { .. }
                => ProtoError::IncompleteFrame { have: 3, need: 4 }
                => Status::MAPI_E_CORRUPT_DATA,
            ProtoError::Truncated { .. }
                => ProtoError::Truncated { what: "x" }
                => Status::MAPI_E_CORRUPT_DATA,
            ProtoError::TrailingBytes { .. }
                => ProtoError::TrailingBytes {
                    what: "x",
                    extra: 1,
                }
                => Status::MAPI_E_CORRUPT_DATA,
            ProtoError::TooLong { .. }
                => ProtoError::TooLong {
                    what: "x",
                    len: 9,
                    max: 8,
                }
                => Status::MAPI_E_TOO_BIG,
            ProtoError::Malformed { .. }
                => ProtoError::Malformed {
                    what: "x",
                    why: "y",
                }
                => Status::MAPI_E_CORRUPT_DATA,
            ProtoError::UnknownTag { .. }
                => ProtoError::UnknownTag { what: "x", tag: 9 }
                => Status::MAPI_E_CORRUPT_DATA,
            ProtoError::UnknownRequest { .. }
                => ProtoError::UnknownRequest { id: 7, kind: 200 }
                => Status::MAPI_E_NO_SUPPORT,
            ProtoError::VersionMismatch { .. }
                => ProtoError::VersionMismatch {
                    client: 1,
                    daemon: 2,
                }
                => Status::MAPI_E_VERSION,
            ProtoError::UnexpectedMessage { .. }
                => ProtoError::UnexpectedMessage {
                    expected: "Hello",
                    got: "Ping",
                }
                => Status::MAPI_E_CALL_FAILED,
            ProtoError::Refused { status, .. } if status.failed()
                => ProtoError::Refused {
                    status: Status::MAPI_E_NO_ACCESS,
                    message: "other user".into(),
                }
                => Status::MAPI_E_NO_ACCESS,
            ProtoError::Refused { .. }
                => ProtoError::Refused {
                    status: Status::S_OK,
                    message: "confused peer".into(),
                }
                => Status::MAPI_E_CALL_FAILED,
        );
    }

    #[test]
    fn the_text_starts_with_the_status_and_message_has_none() {
        let e = ProtoError::Truncated { what: "x" };
        assert_eq!(e.to_string(), format!("{}: {}", e.status(), e.message()));
        assert!(!e.message().contains("MAPI_E_"), "{}", e.message());
    }

    #[test]
    fn version_mismatch_names_both_versions() {
        let e = ProtoError::VersionMismatch {
            client: 1,
            daemon: 2,
        };
        let text = e.to_string();
        assert!(text.starts_with("MAPI_E_VERSION (0x80040110): "), "{text}");
        assert!(
            text.contains("client speaks protocol 1, daemon speaks protocol 2"),
            "{text}"
        );
    }

    #[test]
    fn only_unknown_requests_carry_an_id() {
        assert_eq!(
            ProtoError::UnknownRequest { id: 42, kind: 99 }.request_id(),
            Some(42)
        );
        assert_eq!(ProtoError::Truncated { what: "x" }.request_id(), None);
    }
}
