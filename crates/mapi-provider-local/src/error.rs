//! [`LocalError`]: every way a local store or contacts file can fail, mapped to a MAPI
//! status, and its conversion to the SPI's [`ProviderError`].

use std::fmt;
use std::path::{Path, PathBuf};

use mapi_spi::ProviderError;
use mapi_types::{MapiStatus, Status};
use rusqlite::ErrorCode;

/// A failure of the local store or contacts provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalError {
    /// Required settings are missing (`MAPI_E_UNCONFIGURED`).
    Unconfigured {
        /// The setting keys that have no value.
        missing: Vec<String>,
    },
    /// The file does not exist (`MAPI_E_NOT_FOUND`).
    FileMissing {
        /// The configured path.
        path: PathBuf,
        /// What the file is ("local store", "contacts").
        label: &'static str,
    },
    /// The folder that should hold a new file does not exist (`MAPI_E_NOT_FOUND`).
    FolderMissing {
        /// The configured path.
        path: PathBuf,
    },
    /// The path names something that is not a regular file (`MAPI_E_NOT_FOUND`).
    NotAFile {
        /// The configured path.
        path: PathBuf,
    },
    /// The file (or its folder) cannot be read or written (`MAPI_E_NO_ACCESS`).
    NoAccess {
        /// The path that was refused.
        path: PathBuf,
        /// What was refused: "read", "write", "create".
        action: &'static str,
    },
    /// The file was written by a newer version (`MAPI_E_VERSION`).
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The schema version in the file.
        found: i64,
        /// The newest schema version this code knows.
        known: i64,
    },
    /// The file is damaged or is not a file of this kind (`MAPI_E_CORRUPT_DATA`).
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Another session holds the store (`MAPI_E_SESSION_LIMIT`).
    Locked {
        /// The store file.
        path: PathBuf,
        /// True when the other session holds it exclusively; false when this logon asked
        /// for exclusive use while other sessions have it open.
        held_exclusively: bool,
    },
    /// SQLite stayed busy past the timeout (`MAPI_E_BUSY`).
    Busy {
        /// The file.
        path: PathBuf,
    },
    /// The disk is full (`MAPI_E_NOT_ENOUGH_DISK`).
    DiskFull {
        /// The file.
        path: PathBuf,
    },
    /// An I/O error reading or writing the file (`MAPI_E_DISK_ERROR`).
    Disk {
        /// The file.
        path: PathBuf,
        /// The error.
        detail: String,
    },
    /// An entry id that is not one of this store's (`MAPI_E_INVALID_ENTRYID`).
    InvalidEntryId {
        /// Why it was refused.
        detail: String,
    },
    /// A folder, message or entry that does not exist (`MAPI_E_NOT_FOUND`).
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// A message handed to import is not an RFC 5322 message (`MAPI_E_CORRUPT_DATA`).
    BadMessage {
        /// Its position in the batch (0-based).
        index: usize,
        /// What is wrong.
        detail: String,
    },
    /// A caller argument is unusable (`MAPI_E_INVALID_PARAMETER`).
    InvalidParameter {
        /// What is wrong.
        detail: String,
    },
    /// The object was used after logoff (`MAPI_E_INVALID_OBJECT`).
    LoggedOff,
    /// A write to an object opened for reading (`MAPI_E_NO_ACCESS`).
    ReadOnly {
        /// The object.
        what: String,
    },
    /// Another session saved the object since it was opened (`MAPI_E_OBJECT_CHANGED`).
    ObjectChanged {
        /// The object.
        what: String,
    },
    /// The object was deleted since it was opened (`MAPI_E_OBJECT_DELETED`).
    ObjectDeleted {
        /// The object.
        what: String,
    },
    /// A size past what the store keeps (`MAPI_E_TOO_BIG`).
    TooBig {
        /// What was too big.
        detail: String,
    },
    /// Flags a call does not know (`MAPI_E_UNKNOWN_FLAGS`).
    UnknownFlags {
        /// The call.
        call: &'static str,
        /// The unknown bits.
        flags: u32,
    },
    /// A request the store does not support (`MAPI_E_NO_SUPPORT`).
    NoSupport {
        /// What was asked.
        detail: String,
    },
    /// An interface the object does not offer (`MAPI_E_INTERFACE_NOT_SUPPORTED`).
    NoInterface {
        /// What was asked.
        detail: String,
    },
    /// A value that cannot be stored (`MAPI_E_BAD_VALUE`).
    BadValue {
        /// What is wrong.
        detail: String,
    },
    /// An object used after SaveChanges closed it (`MAPI_E_INVALID_OBJECT`).
    Closed,
    /// Every named-property id is taken (`MAPI_E_NAMED_PROP_QUOTA_EXCEEDED`).
    NamedPropQuota,
    /// A folder of that name is already there (`MAPI_E_COLLISION`).
    Collision {
        /// The name.
        name: String,
    },
    /// A folder still holds subfolders (`MAPI_E_HAS_FOLDERS`).
    HasFolders {
        /// The folder.
        what: String,
    },
    /// A folder still holds messages (`MAPI_E_HAS_MESSAGES`).
    HasMessages {
        /// The folder.
        what: String,
    },
    /// A folder copied or moved into itself or one of its subfolders
    /// (`MAPI_E_FOLDER_CYCLE`).
    FolderCycle {
        /// The folder.
        what: String,
    },
    /// A well-known folder cannot be deleted or moved (`MAPI_E_NO_ACCESS`).
    WellKnownFolder {
        /// Its name.
        name: String,
    },
    /// Any other SQLite failure (`MAPI_E_CALL_FAILED`).
    Database {
        /// The file.
        path: PathBuf,
        /// The error.
        detail: String,
    },
}

impl LocalError {
    /// Classifies a SQLite error on `path` by its primary result code.
    pub fn from_sqlite(path: &Path, err: &rusqlite::Error) -> LocalError {
        let path = path.to_path_buf();
        let detail = err.to_string();
        match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                LocalError::Corrupt { path, detail }
            }
            Some(ErrorCode::PermissionDenied | ErrorCode::ReadOnly | ErrorCode::CannotOpen) => {
                LocalError::NoAccess {
                    path,
                    action: "write",
                }
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => LocalError::Busy { path },
            Some(ErrorCode::DiskFull) => LocalError::DiskFull { path },
            Some(ErrorCode::SystemIoFailure) => LocalError::Disk { path, detail },
            _ => LocalError::Database { path, detail },
        }
    }

    /// Classifies an I/O error on `path` met while doing `action`.
    pub fn from_io(path: &Path, action: &'static str, err: &std::io::Error) -> LocalError {
        let path = path.to_path_buf();
        match err.kind() {
            std::io::ErrorKind::NotFound => LocalError::FolderMissing { path },
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                LocalError::NoAccess { path, action }
            }
            std::io::ErrorKind::StorageFull => LocalError::DiskFull { path },
            _ => LocalError::Disk {
                path,
                detail: err.to_string(),
            },
        }
    }
}

impl MapiStatus for LocalError {
    fn status(&self) -> Status {
        match self {
            LocalError::Unconfigured { .. } => Status::MAPI_E_UNCONFIGURED,
            LocalError::FileMissing { .. }
            | LocalError::FolderMissing { .. }
            | LocalError::NotAFile { .. }
            | LocalError::NotFound { .. } => Status::MAPI_E_NOT_FOUND,
            LocalError::NoAccess { .. } => Status::MAPI_E_NO_ACCESS,
            LocalError::NewerSchema { .. } => Status::MAPI_E_VERSION,
            LocalError::Corrupt { .. } | LocalError::BadMessage { .. } => {
                Status::MAPI_E_CORRUPT_DATA
            }
            LocalError::Locked { .. } => Status::MAPI_E_SESSION_LIMIT,
            LocalError::Busy { .. } => Status::MAPI_E_BUSY,
            LocalError::DiskFull { .. } => Status::MAPI_E_NOT_ENOUGH_DISK,
            LocalError::Disk { .. } => Status::MAPI_E_DISK_ERROR,
            LocalError::InvalidEntryId { .. } => Status::MAPI_E_INVALID_ENTRYID,
            LocalError::InvalidParameter { .. } => Status::MAPI_E_INVALID_PARAMETER,
            LocalError::LoggedOff | LocalError::Closed => Status::MAPI_E_INVALID_OBJECT,
            LocalError::ReadOnly { .. } => Status::MAPI_E_NO_ACCESS,
            LocalError::ObjectChanged { .. } => Status::MAPI_E_OBJECT_CHANGED,
            LocalError::ObjectDeleted { .. } => Status::MAPI_E_OBJECT_DELETED,
            LocalError::TooBig { .. } => Status::MAPI_E_TOO_BIG,
            LocalError::UnknownFlags { .. } => Status::MAPI_E_UNKNOWN_FLAGS,
            LocalError::NoSupport { .. } => Status::MAPI_E_NO_SUPPORT,
            LocalError::NoInterface { .. } => Status::MAPI_E_INTERFACE_NOT_SUPPORTED,
            LocalError::BadValue { .. } => Status::MAPI_E_BAD_VALUE,
            LocalError::NamedPropQuota => Status::MAPI_E_NAMED_PROP_QUOTA_EXCEEDED,
            LocalError::Collision { .. } => Status::MAPI_E_COLLISION,
            LocalError::HasFolders { .. } => Status::MAPI_E_HAS_FOLDERS,
            LocalError::HasMessages { .. } => Status::MAPI_E_HAS_MESSAGES,
            LocalError::FolderCycle { .. } => Status::MAPI_E_FOLDER_CYCLE,
            LocalError::WellKnownFolder { .. } => Status::MAPI_E_NO_ACCESS,
            LocalError::Database { .. } => Status::MAPI_E_CALL_FAILED,
        }
    }
}

impl fmt::Display for LocalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalError::Unconfigured { missing } => {
                write!(f, "missing settings: {}", missing.join(", "))
            }
            LocalError::FileMissing { path, label } => write!(
                f,
                "the {label} file {} does not exist; restore the file, or reconfigure the \
                 service (configuring it creates a new, empty file)",
                path.display()
            ),
            LocalError::FolderMissing { path } => write!(
                f,
                "the folder for {} does not exist; create the folder or choose another path",
                path.display()
            ),
            LocalError::NotAFile { path } => write!(
                f,
                "{} is not a regular file; choose the path of a file",
                path.display()
            ),
            LocalError::NoAccess { path, action } => write!(
                f,
                "no permission to {action} {}; fix the file's permissions or choose a file \
                 you may read and write",
                path.display()
            ),
            LocalError::NewerSchema { path, found, known } => write!(
                f,
                "{} has schema version {found}, newer than the {known} this program knows; \
                 open it with a newer version (the file was left unchanged)",
                path.display()
            ),
            LocalError::Corrupt { path, detail } => write!(
                f,
                "{} is damaged or not a file of this kind ({detail}); restore it from a \
                 backup or point the service at another file",
                path.display()
            ),
            LocalError::Locked {
                path,
                held_exclusively: true,
            } => write!(
                f,
                "another session holds the store {} exclusively; log that session off and \
                 try again",
                path.display()
            ),
            LocalError::Locked {
                path,
                held_exclusively: false,
            } => write!(
                f,
                "the store {} is open in another session, so it cannot be opened \
                 exclusively; log the other sessions off or turn off exclusive mode",
                path.display()
            ),
            LocalError::Busy { path } => write!(
                f,
                "{} stayed busy in another session; try again later",
                path.display()
            ),
            LocalError::DiskFull { path } => write!(
                f,
                "the disk holding {} is full; free some space",
                path.display()
            ),
            LocalError::Disk { path, detail } => write!(
                f,
                "reading or writing {} failed ({detail}); check the disk",
                path.display()
            ),
            LocalError::InvalidEntryId { detail } => write!(f, "invalid entry id: {detail}"),
            LocalError::NotFound { what } => write!(f, "{what} does not exist"),
            LocalError::BadMessage { index, detail } => write!(
                f,
                "message #{} (index {index}) is not an RFC 5322 message ({detail}); \
                 nothing was imported",
                index + 1
            ),
            LocalError::InvalidParameter { detail } => write!(f, "{detail}"),
            LocalError::LoggedOff => f.write_str("the provider was logged off; log on again"),
            LocalError::ReadOnly { what } => write!(
                f,
                "{what} was opened read-only; open it with MAPI_MODIFY to change it"
            ),
            LocalError::ObjectChanged { what } => write!(
                f,
                "{what} was saved by another session since it was opened; open it again \
                 (or save with FORCE_SAVE to overwrite)"
            ),
            LocalError::ObjectDeleted { what } => {
                write!(f, "{what} was deleted since it was opened")
            }
            LocalError::TooBig { detail } => write!(f, "{detail}"),
            LocalError::UnknownFlags { call, flags } => {
                write!(f, "{call} does not know the flags 0x{flags:08X}")
            }
            LocalError::NoSupport { detail } => write!(f, "{detail}"),
            LocalError::NoInterface { detail } => write!(f, "{detail}"),
            LocalError::BadValue { detail } => write!(f, "{detail}"),
            LocalError::Closed => f.write_str(
                "the object was saved without KEEP_OPEN_READONLY or KEEP_OPEN_READWRITE; \
                 open it again",
            ),
            LocalError::NamedPropQuota => {
                f.write_str("every named-property id (0x8000-0xFFFE) of this store is taken")
            }
            LocalError::Collision { name } => write!(
                f,
                "a folder named \"{name}\" is already there; choose another name"
            ),
            LocalError::HasFolders { what } => write!(
                f,
                "{what} still has subfolders; delete them first or pass DEL_FOLDERS"
            ),
            LocalError::HasMessages { what } => write!(
                f,
                "{what} still holds messages; delete them first or pass DEL_MESSAGES"
            ),
            LocalError::FolderCycle { what } => write!(
                f,
                "{what} cannot go into itself or one of its own subfolders"
            ),
            LocalError::WellKnownFolder { name } => write!(
                f,
                "the {name} folder is one of the store's well-known folders and cannot be \
                 deleted or moved"
            ),
            LocalError::Database { path, detail } => {
                write!(f, "database error on {}: {detail}", path.display())
            }
        }
    }
}

impl std::error::Error for LocalError {}

impl From<LocalError> for ProviderError {
    fn from(err: LocalError) -> ProviderError {
        match err {
            LocalError::Unconfigured { missing } => ProviderError::unconfigured(missing),
            other => ProviderError::new(other.status(), other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        let p = || PathBuf::from("store.db");
        mapi_types::assert_status_table!(LocalError;
            LocalError::Unconfigured { .. }
                => LocalError::Unconfigured {
                    missing: vec!["path".into()],
                }
                => Status::MAPI_E_UNCONFIGURED,
            LocalError::FileMissing { .. }
                => LocalError::FileMissing {
                    path: p(),
                    label: "local store",
                }
                => Status::MAPI_E_NOT_FOUND,
            LocalError::FolderMissing { .. }
                => LocalError::FolderMissing { path: p() }
                => Status::MAPI_E_NOT_FOUND,
            LocalError::NotAFile { .. }
                => LocalError::NotAFile { path: p() }
                => Status::MAPI_E_NOT_FOUND,
            LocalError::NoAccess { .. }
                => LocalError::NoAccess {
                    path: p(),
                    action: "read",
                }
                => Status::MAPI_E_NO_ACCESS,
            LocalError::NewerSchema { .. }
                => LocalError::NewerSchema {
                    path: p(),
                    found: 9,
                    known: 1,
                }
                => Status::MAPI_E_VERSION,
            LocalError::Corrupt { .. }
                => LocalError::Corrupt {
                    path: p(),
                    detail: "x".into(),
                }
                => Status::MAPI_E_CORRUPT_DATA,
            LocalError::Locked { .. }
                => LocalError::Locked {
                    path: p(),
                    held_exclusively: true,
                }
                => Status::MAPI_E_SESSION_LIMIT,
            LocalError::Locked { .. }
                => LocalError::Locked {
                    path: p(),
                    held_exclusively: false,
                }
                => Status::MAPI_E_SESSION_LIMIT,
            LocalError::Busy { .. }
                => LocalError::Busy { path: p() }
                => Status::MAPI_E_BUSY,
            LocalError::DiskFull { .. }
                => LocalError::DiskFull { path: p() }
                => Status::MAPI_E_NOT_ENOUGH_DISK,
            LocalError::Disk { .. }
                => LocalError::Disk {
                    path: p(),
                    detail: "x".into(),
                }
                => Status::MAPI_E_DISK_ERROR,
            LocalError::InvalidEntryId { .. }
                => LocalError::InvalidEntryId { detail: "x".into() }
                => Status::MAPI_E_INVALID_ENTRYID,
            LocalError::NotFound { .. }
                => LocalError::NotFound { what: "x".into() }
                => Status::MAPI_E_NOT_FOUND,
            LocalError::BadMessage { .. }
                => LocalError::BadMessage {
                    index: 0,
                    detail: "x".into(),
                }
                => Status::MAPI_E_CORRUPT_DATA,
            LocalError::InvalidParameter { .. }
                => LocalError::InvalidParameter { detail: "x".into() }
                => Status::MAPI_E_INVALID_PARAMETER,
            LocalError::LoggedOff
                => LocalError::LoggedOff
                => Status::MAPI_E_INVALID_OBJECT,
            LocalError::ReadOnly { .. }
                => LocalError::ReadOnly { what: "x".into() }
                => Status::MAPI_E_NO_ACCESS,
            LocalError::ObjectChanged { .. }
                => LocalError::ObjectChanged { what: "x".into() }
                => Status::MAPI_E_OBJECT_CHANGED,
            LocalError::ObjectDeleted { .. }
                => LocalError::ObjectDeleted { what: "x".into() }
                => Status::MAPI_E_OBJECT_DELETED,
            LocalError::TooBig { .. }
                => LocalError::TooBig { detail: "x".into() }
                => Status::MAPI_E_TOO_BIG,
            LocalError::UnknownFlags { .. }
                => LocalError::UnknownFlags { call: "x", flags: 0x100 }
                => Status::MAPI_E_UNKNOWN_FLAGS,
            LocalError::NoSupport { .. }
                => LocalError::NoSupport { detail: "x".into() }
                => Status::MAPI_E_NO_SUPPORT,
            LocalError::NoInterface { .. }
                => LocalError::NoInterface { detail: "x".into() }
                => Status::MAPI_E_INTERFACE_NOT_SUPPORTED,
            LocalError::BadValue { .. }
                => LocalError::BadValue { detail: "x".into() }
                => Status::MAPI_E_BAD_VALUE,
            LocalError::Closed
                => LocalError::Closed
                => Status::MAPI_E_INVALID_OBJECT,
            LocalError::NamedPropQuota
                => LocalError::NamedPropQuota
                => Status::MAPI_E_NAMED_PROP_QUOTA_EXCEEDED,
            LocalError::Collision { .. }
                => LocalError::Collision { name: "x".into() }
                => Status::MAPI_E_COLLISION,
            LocalError::HasFolders { .. }
                => LocalError::HasFolders { what: "x".into() }
                => Status::MAPI_E_HAS_FOLDERS,
            LocalError::HasMessages { .. }
                => LocalError::HasMessages { what: "x".into() }
                => Status::MAPI_E_HAS_MESSAGES,
            LocalError::FolderCycle { .. }
                => LocalError::FolderCycle { what: "x".into() }
                => Status::MAPI_E_FOLDER_CYCLE,
            LocalError::WellKnownFolder { .. }
                => LocalError::WellKnownFolder { name: "Inbox".into() }
                => Status::MAPI_E_NO_ACCESS,
            LocalError::Database { .. }
                => LocalError::Database {
                    path: p(),
                    detail: "x".into(),
                }
                => Status::MAPI_E_CALL_FAILED,
        );
    }

    #[test]
    fn messages_name_the_path_and_what_to_do() {
        let e = LocalError::Locked {
            path: "/m/a.db".into(),
            held_exclusively: true,
        };
        let text = e.to_string();
        assert!(text.contains("/m/a.db") && text.contains("another session holds the store"));
        let e = LocalError::BadMessage {
            index: 2,
            detail: "no header".into(),
        };
        assert!(e.to_string().contains("message #3 (index 2)"));
    }

    #[test]
    fn sqlite_and_io_errors_are_classified() {
        let path = Path::new("x.db");
        let sqlite =
            |code: i32| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        let cases = [
            (rusqlite::ffi::SQLITE_CORRUPT, Status::MAPI_E_CORRUPT_DATA),
            (rusqlite::ffi::SQLITE_NOTADB, Status::MAPI_E_CORRUPT_DATA),
            (rusqlite::ffi::SQLITE_READONLY, Status::MAPI_E_NO_ACCESS),
            (rusqlite::ffi::SQLITE_PERM, Status::MAPI_E_NO_ACCESS),
            (rusqlite::ffi::SQLITE_CANTOPEN, Status::MAPI_E_NO_ACCESS),
            (rusqlite::ffi::SQLITE_BUSY, Status::MAPI_E_BUSY),
            (rusqlite::ffi::SQLITE_FULL, Status::MAPI_E_NOT_ENOUGH_DISK),
            (rusqlite::ffi::SQLITE_IOERR, Status::MAPI_E_DISK_ERROR),
            (rusqlite::ffi::SQLITE_MISMATCH, Status::MAPI_E_CALL_FAILED),
        ];
        for (code, status) in cases {
            assert_eq!(
                LocalError::from_sqlite(path, &sqlite(code)).status(),
                status,
                "{code}"
            );
        }
        let io = |kind| std::io::Error::new(kind, "x");
        let cases = [
            (std::io::ErrorKind::NotFound, Status::MAPI_E_NOT_FOUND),
            (
                std::io::ErrorKind::PermissionDenied,
                Status::MAPI_E_NO_ACCESS,
            ),
            (
                std::io::ErrorKind::StorageFull,
                Status::MAPI_E_NOT_ENOUGH_DISK,
            ),
            (std::io::ErrorKind::Other, Status::MAPI_E_DISK_ERROR),
        ];
        for (kind, status) in cases {
            assert_eq!(
                LocalError::from_io(path, "read", &io(kind)).status(),
                status,
                "{kind:?}"
            );
        }
    }
}
