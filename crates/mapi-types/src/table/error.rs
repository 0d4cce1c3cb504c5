//! [`TableError`]: what a table call fails with, a MAPI status and a sentence.

use std::fmt;

use crate::status::{MapiStatus, Status};

/// A failed table call.
#[derive(Clone, PartialEq, Eq)]
pub struct TableError {
    /// The MAPI status.
    pub status: Status,
    /// What went wrong, in plain words.
    pub message: String,
}

impl TableError {
    /// An error with a status and a message.
    pub fn new(status: Status, message: impl Into<String>) -> TableError {
        TableError {
            status,
            message: message.into(),
        }
    }

    /// `MAPI_E_INVALID_PARAMETER`.
    pub fn invalid(message: impl Into<String>) -> TableError {
        TableError::new(Status::MAPI_E_INVALID_PARAMETER, message)
    }

    /// `MAPI_E_TOO_COMPLEX`.
    pub fn too_complex(message: impl Into<String>) -> TableError {
        TableError::new(Status::MAPI_E_TOO_COMPLEX, message)
    }

    /// `MAPI_E_UNKNOWN_FLAGS` for the bits of `flags` outside `allowed`, if any.
    pub fn check_flags(what: &str, flags: u32, allowed: u32) -> Result<(), TableError> {
        if flags & !allowed != 0 {
            return Err(TableError::new(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("{what}: unknown flags 0x{:08X}", flags & !allowed),
            ));
        }
        Ok(())
    }
}

impl MapiStatus for TableError {
    fn status(&self) -> Status {
        self.status
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl fmt::Debug for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for TableError {}
