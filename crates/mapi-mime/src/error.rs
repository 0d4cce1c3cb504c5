//! [`MimeError`]: why bytes are not a message to import, with its MAPI status.

use std::fmt;

use mapi_types::{MapiStatus, Status};

/// Why bytes handed to import are not an RFC 5322 message. Every case is
/// `MAPI_E_CORRUPT_DATA (0x8004011B)`: the data, not the call, is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MimeError {
    /// No bytes at all.
    Empty,
    /// The first line is not a header field (`name:` with a printable ASCII name).
    NoHeaderField,
    /// The parser found no header fields in it.
    Unreadable,
}

impl fmt::Display for MimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MimeError::Empty => "it is empty",
            MimeError::NoHeaderField => "it does not start with a header field",
            MimeError::Unreadable => "it has no header fields",
        })
    }
}

impl std::error::Error for MimeError {}

impl MapiStatus for MimeError {
    fn status(&self) -> Status {
        match self {
            MimeError::Empty | MimeError::NoHeaderField | MimeError::Unreadable => {
                Status::MAPI_E_CORRUPT_DATA
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_its_status() {
        mapi_types::assert_status_table!(MimeError;
            MimeError::Empty => MimeError::Empty => Status::MAPI_E_CORRUPT_DATA,
            MimeError::NoHeaderField
                => MimeError::NoHeaderField => Status::MAPI_E_CORRUPT_DATA,
            MimeError::Unreadable => MimeError::Unreadable => Status::MAPI_E_CORRUPT_DATA,
        );
    }
}
