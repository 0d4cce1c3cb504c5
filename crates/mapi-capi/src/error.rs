//! [`CapiError`]: why a C call failed, mapped to the MAPI status it returns.

use mapi::{EngineError, MapiStatus, Status, TableError};

/// Why a call of the C interface failed.
#[derive(Debug)]
pub enum CapiError {
    /// A NULL or malformed argument (`MAPI_E_INVALID_PARAMETER`).
    InvalidParameter(String),
    /// Called before `MAPIInitialize` or after the last `MAPIUninitialize`.
    NotInitialized,
    /// The session was logged off (`MAPI_E_END_OF_SESSION`).
    EndOfSession,
    /// A method or argument form this library does not implement (`MAPI_E_NO_SUPPORT`).
    NoSupport(String),
    /// More than the library accepts (`MAPI_E_TOO_BIG`).
    TooBig(String),
    /// A restriction or sort order the engine cannot evaluate (`MAPI_E_TOO_COMPLEX`).
    TooComplex(String),
    /// An entry id no open store recognises (`MAPI_E_INVALID_ENTRYID`).
    InvalidEntryId(String),
    /// An interface the object does not have (`MAPI_E_INTERFACE_NOT_SUPPORTED`).
    NoInterface(String),
    /// Flags the call does not know (`MAPI_E_UNKNOWN_FLAGS`).
    UnknownFlags(String),
    /// A structure version the library does not know (`MAPI_E_VERSION`).
    Version(String),
    /// `malloc` failed.
    NotEnoughMemory,
    /// Text that is not valid UTF-8 / UTF-32 (`MAPI_E_BAD_CHARWIDTH`).
    BadCharWidth(String),
    /// The engine refused (its own status).
    Engine(EngineError),
    /// A table call failed (its own status).
    Table(TableError),
}

impl MapiStatus for CapiError {
    fn status(&self) -> Status {
        match self {
            CapiError::InvalidParameter(_) => Status::MAPI_E_INVALID_PARAMETER,
            CapiError::NotInitialized => Status::MAPI_E_NOT_INITIALIZED,
            CapiError::EndOfSession => Status::MAPI_E_END_OF_SESSION,
            CapiError::NoSupport(_) => Status::MAPI_E_NO_SUPPORT,
            CapiError::TooBig(_) => Status::MAPI_E_TOO_BIG,
            CapiError::TooComplex(_) => Status::MAPI_E_TOO_COMPLEX,
            CapiError::InvalidEntryId(_) => Status::MAPI_E_INVALID_ENTRYID,
            CapiError::NoInterface(_) => Status::MAPI_E_INTERFACE_NOT_SUPPORTED,
            CapiError::UnknownFlags(_) => Status::MAPI_E_UNKNOWN_FLAGS,
            CapiError::Version(_) => Status::MAPI_E_VERSION,
            CapiError::NotEnoughMemory => Status::MAPI_E_NOT_ENOUGH_MEMORY,
            CapiError::BadCharWidth(_) => Status::MAPI_E_BAD_CHARWIDTH,
            CapiError::Engine(e) => e.status(),
            CapiError::Table(e) => e.status(),
        }
    }
}

impl std::fmt::Display for CapiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CapiError::InvalidParameter(m)
            | CapiError::NoSupport(m)
            | CapiError::TooBig(m)
            | CapiError::TooComplex(m)
            | CapiError::InvalidEntryId(m)
            | CapiError::NoInterface(m)
            | CapiError::UnknownFlags(m)
            | CapiError::Version(m)
            | CapiError::BadCharWidth(m) => write!(f, "{}: {m}", self.status()),
            CapiError::NotInitialized => {
                write!(f, "{}: MAPIInitialize has not been called", self.status())
            }
            CapiError::EndOfSession => write!(f, "{}: the session was logged off", self.status()),
            CapiError::NotEnoughMemory => write!(f, "{}: out of memory", self.status()),
            CapiError::Engine(e) => write!(f, "{}: {e}", e.status()),
            CapiError::Table(e) => write!(f, "{}: {}", e.status(), e.message),
        }
    }
}

impl From<EngineError> for CapiError {
    fn from(e: EngineError) -> Self {
        CapiError::Engine(e)
    }
}

impl From<TableError> for CapiError {
    fn from(e: TableError) -> Self {
        CapiError::Table(e)
    }
}

/// A NULL pointer where one is required.
pub fn null(what: &str) -> CapiError {
    CapiError::InvalidParameter(format!("{what} is NULL"))
}

/// The result of every internal call.
pub type Result<T> = std::result::Result<T, CapiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_its_status() {
        mapi::assert_status_table!(CapiError;
            CapiError::InvalidParameter(_) => null("x") => Status::MAPI_E_INVALID_PARAMETER,
            CapiError::NotInitialized => CapiError::NotInitialized => Status::MAPI_E_NOT_INITIALIZED,
            CapiError::EndOfSession => CapiError::EndOfSession => Status::MAPI_E_END_OF_SESSION,
            CapiError::NoSupport(_) => CapiError::NoSupport("x".into()) => Status::MAPI_E_NO_SUPPORT,
            CapiError::TooBig(_) => CapiError::TooBig("x".into()) => Status::MAPI_E_TOO_BIG,
            CapiError::TooComplex(_) => CapiError::TooComplex("x".into()) => Status::MAPI_E_TOO_COMPLEX,
            CapiError::InvalidEntryId(_) => CapiError::InvalidEntryId("x".into()) => Status::MAPI_E_INVALID_ENTRYID,
            CapiError::NoInterface(_) => CapiError::NoInterface("x".into()) => Status::MAPI_E_INTERFACE_NOT_SUPPORTED,
            CapiError::UnknownFlags(_) => CapiError::UnknownFlags("x".into()) => Status::MAPI_E_UNKNOWN_FLAGS,
            CapiError::Version(_) => CapiError::Version("x".into()) => Status::MAPI_E_VERSION,
            CapiError::NotEnoughMemory => CapiError::NotEnoughMemory => Status::MAPI_E_NOT_ENOUGH_MEMORY,
            CapiError::BadCharWidth(_) => CapiError::BadCharWidth("x".into()) => Status::MAPI_E_BAD_CHARWIDTH,
            CapiError::Engine(_) => CapiError::Engine(EngineError::NotFound("x".into())) => Status::MAPI_E_NOT_FOUND,
            CapiError::Table(_) => CapiError::Table(TableError::new(Status::MAPI_E_INVALID_BOOKMARK, "x")) => Status::MAPI_E_INVALID_BOOKMARK,
        );
    }
}
