//! The crate's error enum and its mapping to MAPI status codes.

use mapi_spi::ProviderError;
use mapi_types::{MapiStatus, Status};

/// Everything that can go wrong in the internet-mail service. Messages never hold a
/// password; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum InternetError {
    /// Required settings are missing.
    #[error("missing settings: {}", .0.join(", "))]
    Unconfigured(Vec<String>),
    /// A setting has a value that cannot be used.
    #[error("setting \"{key}\" is invalid: {reason}")]
    InvalidSetting {
        /// The setting key.
        key: String,
        /// Why the value is refused.
        reason: String,
    },
    /// The server could not be reached or the connection broke.
    #[error("cannot reach {server}: {detail}; check the host, port and network, or work offline")]
    Unreachable {
        /// `host:port`.
        server: String,
        /// What failed.
        detail: String,
    },
    /// A network step took longer than the logon timeout.
    #[error(
        "{server} did not answer within {secs:.1} s while {step}; check the server or the network"
    )]
    Timeout {
        /// `host:port`.
        server: String,
        /// What was being waited for.
        step: String,
        /// The limit, in seconds.
        secs: f64,
    },
    /// The server's TLS certificate was not accepted.
    #[error(
        "the TLS certificate of {server} was rejected ({detail}); if the server uses a private CA, set \"ca_file\" to that CA's PEM file"
    )]
    Certificate {
        /// `host:port`.
        server: String,
        /// The verifier's reason.
        detail: String,
    },
    /// The TLS handshake failed for another reason.
    #[error(
        "TLS with {server} failed: {detail}; check the port and the security setting (tls, starttls, none)"
    )]
    Tls {
        /// `host:port`.
        server: String,
        /// What failed.
        detail: String,
    },
    /// The server refused the user name or password.
    #[error("{server} refused the user name or password; check \"user\" and \"password\"")]
    AuthFailed {
        /// `host:port`.
        server: String,
    },
    /// The server refuses to authenticate on this connection (for example plain text
    /// without TLS, or no common mechanism).
    #[error("{server} does not allow logging on this way: {detail}")]
    LoginRefused {
        /// `host:port`.
        server: String,
        /// The server's reason.
        detail: String,
    },
    /// The server refuses more connections for this user.
    #[error(
        "{server} refuses more connections for this account ({detail}); close other mail programs or sessions using it"
    )]
    SessionLimit {
        /// `host:port`.
        server: String,
        /// The server's words.
        detail: String,
    },
    /// The server sent something this client cannot understand.
    #[error("unexpected reply from {server}: {detail}")]
    Protocol {
        /// `host:port`.
        server: String,
        /// What was wrong.
        detail: String,
    },
    /// The server answered a command with a refusal.
    #[error("{server} refused {command}: {text}")]
    Refused {
        /// `host:port`.
        server: String,
        /// The command (never with secrets).
        command: String,
        /// The server's reply text.
        text: String,
    },
    /// The local cache file cannot be used.
    #[error(
        "offline cache {path}: {detail}; check the data directory, or delete the file to rebuild it"
    )]
    Cache {
        /// The cache file.
        path: String,
        /// What failed.
        detail: String,
    },
    /// The cache was written by a newer version of this provider.
    #[error(
        "offline cache {path} has schema version {found}, newer than this program's {supported}; upgrade, or delete the file to rebuild it"
    )]
    CacheVersion {
        /// The cache file.
        path: String,
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// An entry id that does not belong to this store or is malformed.
    #[error("entry id is not one of this store's ({0})")]
    InvalidEntryId(String),
    /// The object does not exist (any more).
    #[error("{0} not found")]
    NotFound(String),
    /// The operation needs the server, and the store is offline.
    #[error("the store is offline: cannot {0} until the server can be reached again")]
    Offline(String),
    /// The server lacks an extension this operation needs.
    #[error("not supported: {0}")]
    NoSupport(String),
    /// A message to send has no recipients.
    #[error("the message has no recipients")]
    NoRecipients,
    /// A folder or message operation refused before anything changed, with the status
    /// MAPI documents for the case (MAPI_E_COLLISION, MAPI_E_HAS_FOLDERS,
    /// MAPI_E_HAS_MESSAGES, MAPI_E_FOLDER_CYCLE, MAPI_E_NO_ACCESS,
    /// MAPI_E_INVALID_PARAMETER, MAPI_E_UNKNOWN_FLAGS).
    #[error("{detail}")]
    Disallowed {
        /// The status.
        status: Status,
        /// Why.
        detail: String,
    },
}

/// Result with [`InternetError`].
pub type Result<T> = std::result::Result<T, InternetError>;

impl MapiStatus for InternetError {
    fn status(&self) -> Status {
        use InternetError as E;
        match self {
            E::Unconfigured(_) | E::InvalidSetting { .. } => Status::MAPI_E_UNCONFIGURED,
            E::Unreachable { .. } | E::Timeout { .. } => Status::MAPI_E_NETWORK_ERROR,
            E::Certificate { .. } | E::Tls { .. } => Status::MAPI_E_NETWORK_ERROR,
            E::AuthFailed { .. } | E::LoginRefused { .. } => Status::MAPI_E_LOGON_FAILED,
            E::SessionLimit { .. } => Status::MAPI_E_SESSION_LIMIT,
            E::Protocol { .. } | E::Refused { .. } => Status::MAPI_E_CALL_FAILED,
            E::Cache { .. } => Status::MAPI_E_DISK_ERROR,
            E::CacheVersion { .. } => Status::MAPI_E_VERSION,
            E::InvalidEntryId(_) => Status::MAPI_E_INVALID_ENTRYID,
            E::NotFound(_) => Status::MAPI_E_NOT_FOUND,
            E::Offline(_) => Status::MAPI_E_OFFLINE,
            E::NoSupport(_) => Status::MAPI_E_NO_SUPPORT,
            E::NoRecipients => Status::MAPI_E_NO_RECIPIENTS,
            E::Disallowed { status, .. } => *status,
        }
    }
}

impl InternetError {
    /// True for failures that mean "the server cannot be reached" (the store may then
    /// come up offline from its cache).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            InternetError::Unreachable { .. } | InternetError::Timeout { .. }
        )
    }

    pub(crate) fn cache(path: &std::path::Path, e: impl std::fmt::Display) -> InternetError {
        InternetError::Cache {
            path: path.display().to_string(),
            detail: e.to_string(),
        }
    }
}

impl From<InternetError> for ProviderError {
    fn from(e: InternetError) -> ProviderError {
        match e {
            InternetError::Unconfigured(missing) => ProviderError::unconfigured(missing),
            InternetError::InvalidSetting { ref key, .. } => {
                let mut p = ProviderError::new(e.status(), e.to_string());
                p.missing = vec![key.clone()];
                p
            }
            other => ProviderError::new(other.status(), other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_status() {
        use mapi_types::assert_status_table;
        let s = || "127.0.0.1:1".to_string();
        let d = || "x".to_string();
        assert_status_table!(InternetError;
            InternetError::Unconfigured(..)
                => InternetError::Unconfigured(vec!["user".into()])
                => Status::MAPI_E_UNCONFIGURED,
            InternetError::InvalidSetting { .. }
                => InternetError::InvalidSetting {
                    key: "imap_port".into(),
                    reason: d(),
                }
                => Status::MAPI_E_UNCONFIGURED,
            InternetError::Unreachable { .. }
                => InternetError::Unreachable {
                    server: s(),
                    detail: d(),
                }
                => Status::MAPI_E_NETWORK_ERROR,
            InternetError::Timeout { .. }
                => InternetError::Timeout {
                    server: s(),
                    step: d(),
                    secs: 1.0,
                }
                => Status::MAPI_E_NETWORK_ERROR,
            InternetError::Certificate { .. }
                => InternetError::Certificate {
                    server: s(),
                    detail: d(),
                }
                => Status::MAPI_E_NETWORK_ERROR,
            InternetError::Tls { .. }
                => InternetError::Tls {
                    server: s(),
                    detail: d(),
                }
                => Status::MAPI_E_NETWORK_ERROR,
            InternetError::AuthFailed { .. }
                => InternetError::AuthFailed { server: s() }
                => Status::MAPI_E_LOGON_FAILED,
            InternetError::LoginRefused { .. }
                => InternetError::LoginRefused {
                    server: s(),
                    detail: d(),
                }
                => Status::MAPI_E_LOGON_FAILED,
            InternetError::SessionLimit { .. }
                => InternetError::SessionLimit {
                    server: s(),
                    detail: d(),
                }
                => Status::MAPI_E_SESSION_LIMIT,
            InternetError::Protocol { .. }
                => InternetError::Protocol {
                    server: s(),
                    detail: d(),
                }
                => Status::MAPI_E_CALL_FAILED,
            InternetError::Refused { .. }
                => InternetError::Refused {
                    server: s(),
                    command: d(),
                    text: d(),
                }
                => Status::MAPI_E_CALL_FAILED,
            InternetError::Cache { .. }
                => InternetError::Cache {
                    path: d(),
                    detail: d(),
                }
                => Status::MAPI_E_DISK_ERROR,
            InternetError::CacheVersion { .. }
                => InternetError::CacheVersion {
                    path: d(),
                    found: 9,
                    supported: 1,
                }
                => Status::MAPI_E_VERSION,
            InternetError::InvalidEntryId(..)
                => InternetError::InvalidEntryId(d())
                => Status::MAPI_E_INVALID_ENTRYID,
            InternetError::NotFound(..)
                => InternetError::NotFound(d())
                => Status::MAPI_E_NOT_FOUND,
            InternetError::Offline(..)
                => InternetError::Offline(d())
                => Status::MAPI_E_OFFLINE,
            InternetError::NoSupport(..)
                => InternetError::NoSupport(d())
                => Status::MAPI_E_NO_SUPPORT,
            InternetError::NoRecipients
                => InternetError::NoRecipients
                => Status::MAPI_E_NO_RECIPIENTS,
            InternetError::Disallowed { .. }
                => InternetError::Disallowed { status: Status::MAPI_E_COLLISION, detail: d() }
                => Status::MAPI_E_COLLISION,
        );
        // The provider error a caller gets keeps the status.
        let p: ProviderError = InternetError::NoRecipients.into();
        assert_eq!(p.status, Status::MAPI_E_NO_RECIPIENTS);
    }

    #[test]
    fn unconfigured_keeps_missing_keys_and_certificate_says_what_to_do() {
        let p: ProviderError =
            InternetError::Unconfigured(vec!["user".into(), "imap_host".into()]).into();
        assert_eq!(p.missing, ["user", "imap_host"]);
        let c = InternetError::Certificate {
            server: "h:993".into(),
            detail: "UnknownIssuer".into(),
        };
        let text = c.to_string();
        assert!(
            text.contains("certificate") && text.contains("ca_file"),
            "{text}"
        );
        assert!(
            InternetError::Timeout {
                server: "h".into(),
                step: "x".into(),
                secs: 1.0
            }
            .is_unreachable()
        );
        assert!(!InternetError::AuthFailed { server: "h".into() }.is_unreachable());
    }
}
