//! The profile crate's error enum, each variant mapped to its MAPI status.

use mapi_types::{MapiStatus, Status};
use thiserror::Error;

/// What can go wrong in the profile store, the admin API or the registry.
#[derive(Debug, Error)]
pub enum ProfileError {
    /// A profile name breaks the naming rules (1-64 characters, no leading or trailing
    /// space, no control characters).
    #[error("invalid profile name {name:?}: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// CreateProfile / CopyProfile / RenameProfile onto a name in use.
    #[error("a profile named \"{0}\" already exists (names are compared ignoring case)")]
    ProfileExists(String),
    /// No profile of that name.
    #[error("no profile named \"{0}\"")]
    ProfileNotFound(String),
    /// No default profile is set.
    #[error(
        "no default profile is set; name a profile or set one with `mapi profile default NAME`"
    )]
    NoDefaultProfile,
    /// The password given does not validate the profile.
    #[error("wrong password for profile \"{0}\"")]
    WrongPassword(String),
    /// No service with that PR_SERVICE_UID in the profile.
    #[error("no message service {uid} in profile \"{profile}\"")]
    ServiceNotFound {
        /// The profile.
        profile: String,
        /// The uid asked for.
        uid: String,
    },
    /// The registry has no service of that name.
    #[error("no message service named \"{0}\" is installed; `mapi service catalog` lists them")]
    UnknownService(String),
    /// A second copy of a SERVICE_SINGLE_COPY service.
    #[error("service \"{0}\" is single-copy and the profile already has it")]
    SingleCopy(String),
    /// MsgServiceTransportOrder with the wrong number of transports.
    #[error("the transport order names {got} providers but the profile has {expected} transports")]
    TransportCount {
        /// Transports in the profile.
        expected: usize,
        /// Uids given.
        got: usize,
    },
    /// A uid that is not a transport provider of the profile.
    #[error("{0} is not a transport provider of this profile")]
    NotATransport(String),
    /// SetPrimaryIdentity on a SERVICE_NO_PRIMARY_IDENTITY service.
    #[error("service \"{0}\" cannot supply the primary identity (SERVICE_NO_PRIMARY_IDENTITY)")]
    NoPrimaryIdentity(String),
    /// No provider with that uid.
    #[error("no provider {0} in this profile")]
    ProviderNotFound(String),
    /// No profile section with that uid.
    #[error("no profile section {0}")]
    SectionNotFound(String),
    /// A setting key the service does not declare.
    #[error("service \"{service}\" has no setting \"{key}\" (known: {known})")]
    UnknownSetting {
        /// The service.
        service: String,
        /// The key given.
        key: String,
        /// The keys it has.
        known: String,
    },
    /// A setting value of the wrong type or out of range.
    #[error("invalid value for setting \"{key}\": {reason}")]
    InvalidSetting {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// A property that cannot be stored in a profile section.
    #[error("property {0} cannot be stored in a profile section: {1}")]
    InvalidProperty(String, String),
    /// The file was written by a newer version.
    #[error(
        "{path} has schema version {found}, newer than this program's {supported}; use a newer mapi or another MAPI home"
    )]
    NewerSchema {
        /// The file.
        path: String,
        /// Its version.
        found: i64,
        /// Ours.
        supported: i64,
    },
    /// The file is damaged or is not a profile store.
    #[error(
        "{path} is damaged or not a profile store ({detail}); restore it from a backup or move it aside"
    )]
    Corrupt {
        /// The file.
        path: String,
        /// SQLite's words.
        detail: String,
    },
    /// The file or directory cannot be read or written.
    #[error("cannot access {path}: {detail}")]
    NoAccess {
        /// The path.
        path: String,
        /// The OS's words.
        detail: String,
    },
    /// Another writer held the store longer than the busy timeout.
    #[error("the profile store is busy (another process is writing); try again")]
    Busy,
    /// The disk is full.
    #[error("not enough disk space to write {0}")]
    DiskFull(String),
    /// A registry file could not be read.
    #[error("{file}:{line}: {reason}")]
    Registry {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A secret of a password-protected profile was to be written (or copied) while the
    /// profile is locked.
    #[error(
        "profile \"{0}\" is locked: give the profile password (log on or unlock it) to store or copy its secrets"
    )]
    ProfileLocked(String),
    /// The OS keyring failed.
    #[error("the OS keyring failed: {0}")]
    SecretBackend(String),
    /// The PostgreSQL profile store cannot be reached (down, refused, connection lost).
    #[error("the profile store {store} cannot be reached: {detail}")]
    Network {
        /// The store (its URL without password).
        store: String,
        /// What failed.
        detail: String,
    },
    /// Another host changed the same rows at the same time and this write lost.
    #[error("the profile store {0} was changed by another writer at the same time; try again")]
    ObjectChanged(String),
    /// The profile-store location (URL, `store.toml`) is not usable.
    #[error("profile store {origin}: {detail}")]
    StoreConfig {
        /// Where the setting came from.
        origin: String,
        /// What is wrong.
        detail: String,
    },
    /// A write on a store opened from its local read-only copy (the database is away).
    #[error(
        "the profile store {0} is not reachable: using the local read-only copy, so changes cannot be saved"
    )]
    ReadOnlyCache(String),
    /// Any other SQLite or OS failure.
    #[error("profile store failure: {0}")]
    Other(String),
}

/// Result of a profile-store call.
pub type Result<T> = std::result::Result<T, ProfileError>;

impl MapiStatus for ProfileError {
    fn status(&self) -> Status {
        use ProfileError::*;
        match self {
            InvalidName { .. } => Status::MAPI_E_INVALID_PARAMETER,
            ProfileExists(_) => Status::MAPI_E_NO_ACCESS,
            ProfileNotFound(_) => Status::MAPI_E_NOT_FOUND,
            NoDefaultProfile => Status::MAPI_E_NOT_FOUND,
            WrongPassword(_) => Status::MAPI_E_LOGON_FAILED,
            ServiceNotFound { .. } => Status::MAPI_E_NOT_FOUND,
            UnknownService(_) => Status::MAPI_E_NOT_FOUND,
            SingleCopy(_) => Status::MAPI_E_NO_ACCESS,
            TransportCount { .. } => Status::MAPI_E_BUSY,
            NotATransport(_) => Status::MAPI_E_NOT_FOUND,
            NoPrimaryIdentity(_) => Status::MAPI_E_NO_ACCESS,
            ProviderNotFound(_) => Status::MAPI_E_NOT_FOUND,
            SectionNotFound(_) => Status::MAPI_E_NOT_FOUND,
            UnknownSetting { .. } => Status::MAPI_E_INVALID_PARAMETER,
            InvalidSetting { .. } => Status::MAPI_E_INVALID_PARAMETER,
            InvalidProperty(..) => Status::MAPI_E_INVALID_PARAMETER,
            NewerSchema { .. } => Status::MAPI_E_VERSION,
            Corrupt { .. } => Status::MAPI_E_CORRUPT_DATA,
            NoAccess { .. } => Status::MAPI_E_NO_ACCESS,
            Busy => Status::MAPI_E_BUSY,
            DiskFull(_) => Status::MAPI_E_NOT_ENOUGH_DISK,
            Registry { .. } => Status::MAPI_E_CORRUPT_DATA,
            ProfileLocked(_) => Status::MAPI_E_LOGON_FAILED,
            SecretBackend(_) => Status::MAPI_E_CALL_FAILED,
            Network { .. } => Status::MAPI_E_NETWORK_ERROR,
            ObjectChanged(_) => Status::MAPI_E_OBJECT_CHANGED,
            StoreConfig { .. } => Status::MAPI_E_INVALID_PARAMETER,
            ReadOnlyCache(_) => Status::MAPI_E_NETWORK_ERROR,
            Other(_) => Status::MAPI_E_CALL_FAILED,
        }
    }
}

/// Maps a SQLite error on `path` to the error a caller can act on.
pub(crate) fn from_sqlite(path: &str, e: rusqlite::Error) -> ProfileError {
    use rusqlite::ErrorCode::*;
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        let detail = msg.clone().unwrap_or_else(|| f.to_string());
        return match f.code {
            NotADatabase | DatabaseCorrupt => ProfileError::Corrupt {
                path: path.to_string(),
                detail,
            },
            CannotOpen | PermissionDenied | ReadOnly => ProfileError::NoAccess {
                path: path.to_string(),
                detail,
            },
            DatabaseBusy | DatabaseLocked => ProfileError::Busy,
            DiskFull => ProfileError::DiskFull(path.to_string()),
            _ => ProfileError::Other(detail),
        };
    }
    ProfileError::Other(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        let s = String::new;
        mapi_types::assert_status_table!(ProfileError;
            ProfileError::InvalidName { .. }
                => ProfileError::InvalidName {
                    name: s(),
                    reason: s(),
                }
                => Status::MAPI_E_INVALID_PARAMETER,
            ProfileError::ProfileExists(..)
                => ProfileError::ProfileExists(s())
                => Status::MAPI_E_NO_ACCESS,
            ProfileError::ProfileNotFound(..)
                => ProfileError::ProfileNotFound(s())
                => Status::MAPI_E_NOT_FOUND,
            ProfileError::NoDefaultProfile
                => ProfileError::NoDefaultProfile
                => Status::MAPI_E_NOT_FOUND,
            ProfileError::WrongPassword(..)
                => ProfileError::WrongPassword(s())
                => Status::MAPI_E_LOGON_FAILED,
            ProfileError::ServiceNotFound { .. }
                => ProfileError::ServiceNotFound {
                    profile: s(),
                    uid: s(),
                }
                => Status::MAPI_E_NOT_FOUND,
            ProfileError::UnknownService(..)
                => ProfileError::UnknownService(s())
                => Status::MAPI_E_NOT_FOUND,
            ProfileError::SingleCopy(..)
                => ProfileError::SingleCopy(s())
                => Status::MAPI_E_NO_ACCESS,
            ProfileError::TransportCount { .. }
                => ProfileError::TransportCount {
                    expected: 1,
                    got: 2,
                }
                => Status::MAPI_E_BUSY,
            ProfileError::NotATransport(..)
                => ProfileError::NotATransport(s())
                => Status::MAPI_E_NOT_FOUND,
            ProfileError::NoPrimaryIdentity(..)
                => ProfileError::NoPrimaryIdentity(s())
                => Status::MAPI_E_NO_ACCESS,
            ProfileError::ProviderNotFound(..)
                => ProfileError::ProviderNotFound(s())
                => Status::MAPI_E_NOT_FOUND,
            ProfileError::SectionNotFound(..)
                => ProfileError::SectionNotFound(s())
                => Status::MAPI_E_NOT_FOUND,
            ProfileError::UnknownSetting { .. }
                => ProfileError::UnknownSetting {
                    service: s(),
                    key: s(),
                    known: s(),
                }
                => Status::MAPI_E_INVALID_PARAMETER,
            ProfileError::InvalidSetting { .. }
                => ProfileError::InvalidSetting {
                    key: s(),
                    reason: s(),
                }
                => Status::MAPI_E_INVALID_PARAMETER,
            ProfileError::InvalidProperty(..)
                => ProfileError::InvalidProperty(s(), s())
                => Status::MAPI_E_INVALID_PARAMETER,
            ProfileError::NewerSchema { .. }
                => ProfileError::NewerSchema {
                    path: s(),
                    found: 9,
                    supported: 2,
                }
                => Status::MAPI_E_VERSION,
            ProfileError::Corrupt { .. }
                => ProfileError::Corrupt {
                    path: s(),
                    detail: s(),
                }
                => Status::MAPI_E_CORRUPT_DATA,
            ProfileError::NoAccess { .. }
                => ProfileError::NoAccess {
                    path: s(),
                    detail: s(),
                }
                => Status::MAPI_E_NO_ACCESS,
            ProfileError::Busy
                => ProfileError::Busy
                => Status::MAPI_E_BUSY,
            ProfileError::DiskFull(..)
                => ProfileError::DiskFull(s())
                => Status::MAPI_E_NOT_ENOUGH_DISK,
            ProfileError::Registry { .. }
                => ProfileError::Registry {
                    file: s(),
                    line: 1,
                    reason: s(),
                }
                => Status::MAPI_E_CORRUPT_DATA,
            ProfileError::ProfileLocked(..)
                => ProfileError::ProfileLocked(s())
                => Status::MAPI_E_LOGON_FAILED,
            ProfileError::SecretBackend(..)
                => ProfileError::SecretBackend(s())
                => Status::MAPI_E_CALL_FAILED,
            ProfileError::Network { .. }
                => ProfileError::Network { store: s(), detail: s() }
                => Status::MAPI_E_NETWORK_ERROR,
            ProfileError::ObjectChanged(..)
                => ProfileError::ObjectChanged(s())
                => Status::MAPI_E_OBJECT_CHANGED,
            ProfileError::StoreConfig { .. }
                => ProfileError::StoreConfig { origin: s(), detail: s() }
                => Status::MAPI_E_INVALID_PARAMETER,
            ProfileError::ReadOnlyCache(..)
                => ProfileError::ReadOnlyCache(s())
                => Status::MAPI_E_NETWORK_ERROR,
            ProfileError::Other(..)
                => ProfileError::Other(s())
                => Status::MAPI_E_CALL_FAILED,
        );
    }
}
