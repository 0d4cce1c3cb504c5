//! The engine's error enum, each variant mapped to the MAPI status a caller sees.

use mapi_profile::ProfileError;
use mapi_spi::ProviderError;
use mapi_types::{MapiStatus, Status, TableError};
use thiserror::Error;

/// What a logon or a session call can fail with.
#[derive(Debug, Error)]
pub enum EngineError {
    /// A call before `initialize` (or after the last `uninitialize`).
    #[error("MAPI is not initialized: call initialize first")]
    NotInitialized,
    /// A flowchart error exit (decision 1): the reason names the cause.
    #[error("logon failed: {0}")]
    LogonFailed(String),
    /// The user cancelled the profile or password prompt.
    #[error("the user cancelled the logon")]
    UserCancel,
    /// `MAPI_TIMEOUT_SHORT` and another logon held the logon mutex.
    #[error("another logon is in progress (gave up after {0} ms because of MAPI_TIMEOUT_SHORT)")]
    Timeout(u128),
    /// The session was logged off (or ended by `MAPI_LOGOFF_SHARED`).
    #[error("the session has ended: {0}")]
    EndOfSession(String),
    /// The service holding the object was disabled at logon; carries the status that
    /// disabled it.
    #[error("service \"{service}\" is disabled for this session: {reason}")]
    ServiceDisabled {
        /// The service's display name.
        service: String,
        /// The status that disabled it.
        status: Status,
        /// Why.
        reason: String,
    },
    /// No object with that entry id, or no such object in this session.
    #[error("{0}")]
    NotFound(String),
    /// The session has no provider of the kind asked for.
    #[error("{0}")]
    NoSupport(String),
    /// A bad argument.
    #[error("{0}")]
    InvalidParameter(String),
    /// A failure reported with its status from elsewhere (the daemon link).
    #[error("{1}")]
    Status(Status, String),
    /// The profile store failed.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A provider call failed.
    #[error("{}", .0.message)]
    Provider(#[from] ProviderError),
    /// A table call failed.
    #[error("{}", .0.message)]
    Table(#[from] TableError),
}

impl MapiStatus for EngineError {
    fn status(&self) -> Status {
        match self {
            EngineError::NotInitialized => Status::MAPI_E_NOT_INITIALIZED,
            EngineError::LogonFailed(_) => Status::MAPI_E_LOGON_FAILED,
            EngineError::UserCancel => Status::MAPI_E_USER_CANCEL,
            EngineError::Timeout(_) => Status::MAPI_E_TIMEOUT,
            EngineError::EndOfSession(_) => Status::MAPI_E_END_OF_SESSION,
            EngineError::ServiceDisabled { status, .. } => *status,
            EngineError::NotFound(_) => Status::MAPI_E_NOT_FOUND,
            EngineError::NoSupport(_) => Status::MAPI_E_NO_SUPPORT,
            EngineError::InvalidParameter(_) => Status::MAPI_E_INVALID_PARAMETER,
            EngineError::Status(s, _) => *s,
            EngineError::Profile(e) => e.status(),
            EngineError::Provider(e) => e.status(),
            EngineError::Table(e) => e.status(),
        }
    }
}

/// Result of an engine call.
pub type Result<T> = std::result::Result<T, EngineError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        mapi_types::assert_status_table!(EngineError;
            EngineError::NotInitialized
                => EngineError::NotInitialized
                => Status::MAPI_E_NOT_INITIALIZED,
            EngineError::LogonFailed(..)
                => EngineError::LogonFailed("x".into())
                => Status::MAPI_E_LOGON_FAILED,
            EngineError::UserCancel
                => EngineError::UserCancel
                => Status::MAPI_E_USER_CANCEL,
            EngineError::Timeout(..)
                => EngineError::Timeout(3000)
                => Status::MAPI_E_TIMEOUT,
            EngineError::EndOfSession(..)
                => EngineError::EndOfSession("x".into())
                => Status::MAPI_E_END_OF_SESSION,
            EngineError::ServiceDisabled { .. }
                => EngineError::ServiceDisabled {
                    service: "s".into(),
                    status: Status::MAPI_E_NOT_FOUND,
                    reason: "r".into(),
                }
                => Status::MAPI_E_NOT_FOUND,
            EngineError::NotFound(..)
                => EngineError::NotFound("x".into())
                => Status::MAPI_E_NOT_FOUND,
            EngineError::NoSupport(..)
                => EngineError::NoSupport("x".into())
                => Status::MAPI_E_NO_SUPPORT,
            EngineError::InvalidParameter(..)
                => EngineError::InvalidParameter("x".into())
                => Status::MAPI_E_INVALID_PARAMETER,
            EngineError::Status(..)
                => EngineError::Status(Status::MAPI_E_END_OF_SESSION, "x".into())
                => Status::MAPI_E_END_OF_SESSION,
            EngineError::Profile(..)
                => EngineError::Profile(ProfileError::ProfileExists("p".into()))
                => Status::MAPI_E_NO_ACCESS,
            EngineError::Provider(..)
                => EngineError::Provider(ProviderError::new(Status::MAPI_E_SESSION_LIMIT, "x"))
                => Status::MAPI_E_SESSION_LIMIT,
            EngineError::Table(..)
                => EngineError::Table(TableError::new(Status::MAPI_E_INVALID_BOOKMARK, "x"))
                => Status::MAPI_E_INVALID_BOOKMARK,
        );
    }
}
