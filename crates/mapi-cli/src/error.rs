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
        // The message may carry text from outside (a profile name, a server's reply):
        // shown escaped, so it cannot drive the terminal.
        write!(f, "{}: {}", self.status, mapi::printable(&self.message))
    }
}

impl<E: MapiStatus + fmt::Display> From<E> for CliError {
    fn from(e: E) -> CliError {
        CliError::new(e.status(), e.to_string())
    }
}
