//! A failed command: a MAPI status and a sentence; printed as the first line of stderr.

use std::fmt;

use mapi_types::{MapiStatus, Status};

/// A command failure.
pub struct CliError {
    /// The status reported.
    pub status: Status,
    /// What went wrong and what to do.
    pub message: String,
}

impl CliError {
    /// An error with a status.
    pub fn new(status: Status, message: impl Into<String>) -> CliError {
        CliError {
            status,
            message: message.into(),
        }
    }

    /// `MAPI_E_INVALID_PARAMETER`.
    pub fn invalid(message: impl Into<String>) -> CliError {
        CliError::new(Status::MAPI_E_INVALID_PARAMETER, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl<E: MapiStatus + fmt::Display> From<E> for CliError {
    fn from(e: E) -> CliError {
        CliError::new(e.status(), e.to_string())
    }
}
