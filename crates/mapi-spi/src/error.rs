//! The error a provider returns: a MAPI status and a sentence for the user.

use std::fmt;

use mapi_types::{MapiStatus, Status};

/// A provider failure. The status drives the engine's reaction (reference §5.5):
/// `MAPI_E_UNCONFIGURED` -> configure and retry; `MAPI_E_FAILONEPROVIDER` -> this provider
/// only; anything else -> the service is retried once, then disabled for the session.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// The MAPI status.
    pub status: Status,
    /// What went wrong and what to do, in plain words. Never holds a secret.
    pub message: String,
    /// For `MAPI_E_UNCONFIGURED`: the setting keys that are missing or invalid.
    pub missing: Vec<String>,
}

/// Result of a provider call.
pub type ProviderResult<T> = Result<T, ProviderError>;

impl ProviderError {
    /// An error with a status and a message.
    pub fn new(status: Status, message: impl Into<String>) -> ProviderError {
        ProviderError {
            status,
            message: message.into(),
            missing: Vec::new(),
        }
    }

    /// `MAPI_E_UNCONFIGURED` naming the settings that are missing.
    pub fn unconfigured(missing: Vec<String>) -> ProviderError {
        let message = format!("missing settings: {}", missing.join(", "));
        ProviderError {
            status: Status::MAPI_E_UNCONFIGURED,
            message,
            missing,
        }
    }

    /// `MAPI_E_NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> ProviderError {
        ProviderError::new(Status::MAPI_E_NOT_FOUND, message)
    }

    /// `MAPI_E_NO_SUPPORT`.
    pub fn no_support(message: impl Into<String>) -> ProviderError {
        ProviderError::new(Status::MAPI_E_NO_SUPPORT, message)
    }

    /// `MAPI_E_CALL_FAILED`.
    pub fn call_failed(message: impl Into<String>) -> ProviderError {
        ProviderError::new(Status::MAPI_E_CALL_FAILED, message)
    }
}

impl From<mapi_types::TableError> for ProviderError {
    fn from(e: mapi_types::TableError) -> ProviderError {
        ProviderError::new(e.status, e.message)
    }
}

impl From<ProviderError> for mapi_types::TableError {
    fn from(e: ProviderError) -> mapi_types::TableError {
        mapi_types::TableError::new(e.status, e.message)
    }
}

impl MapiStatus for ProviderError {
    fn status(&self) -> Status {
        self.status
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl fmt::Debug for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for ProviderError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_through() {
        let cases = [
            (
                ProviderError::unconfigured(vec!["path".into()]),
                Status::MAPI_E_UNCONFIGURED,
            ),
            (ProviderError::not_found("x"), Status::MAPI_E_NOT_FOUND),
            (ProviderError::no_support("x"), Status::MAPI_E_NO_SUPPORT),
            (ProviderError::call_failed("x"), Status::MAPI_E_CALL_FAILED),
            (
                ProviderError::new(Status::MAPI_E_SESSION_LIMIT, "x"),
                Status::MAPI_E_SESSION_LIMIT,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(err.status(), status);
        }
        let e = ProviderError::unconfigured(vec!["path".into(), "user".into()]);
        assert_eq!(
            e.to_string(),
            "MAPI_E_UNCONFIGURED (0x8004011C): missing settings: path, user"
        );
    }
}
