//! Flag words of the MAPI API with their real values: logon and logoff flags,
//! PR_RESOURCE_FLAGS (SERVICE_* and STATUS_*), PR_STATUS_CODE bits, resource types,
//! service-entry flags and contexts. Each flag set parses from `NAME|NAME`, names with or
//! without the `MAPI_` prefix, or a hex number, and renders back to names.

use std::fmt;

use crate::status::parse_u32;

/// Why a flag list did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagParseError {
    /// The word that is not a flag of this set.
    pub word: String,
    /// Which flag set was parsed.
    pub set: &'static str,
}

impl fmt::Display for FlagParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\" is not one of the {} flags", self.word, self.set)
    }
}

impl std::error::Error for FlagParseError {}

impl crate::MapiStatus for FlagParseError {
    /// A word that names no flag of the set is `MAPI_E_UNKNOWN_FLAGS`.
    fn status(&self) -> crate::Status {
        crate::Status::MAPI_E_UNKNOWN_FLAGS
    }
}

/// Parses `A|B`, `A,B` or `A B` against a (name, value) table; a word may drop the
/// `MAPI_` prefix, and may be a number (`0x1009`, `8`). Case-insensitive.
pub fn parse_flag_words(
    text: &str,
    table: &[(&str, u32)],
    set: &'static str,
) -> Result<u32, FlagParseError> {
    let mut bits = 0u32;
    for word in text
        .split(|c: char| c == '|' || c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let found = table.iter().find(|(name, _)| {
            name.eq_ignore_ascii_case(word)
                || name
                    .strip_prefix("MAPI_")
                    .is_some_and(|short| short.eq_ignore_ascii_case(word))
        });
        match found {
            Some((_, v)) => bits |= v,
            None => match parse_u32(word) {
                Some(v) => bits |= v,
                None => {
                    return Err(FlagParseError {
                        word: word.to_string(),
                        set,
                    });
                }
            },
        }
    }
    Ok(bits)
}

/// Renders bits as `A|B`, with any unnamed bits as one trailing hex word; `0` for none.
pub fn render_flag_words(bits: u32, table: &[(&str, u32)]) -> String {
    let mut parts = Vec::new();
    let mut rest = bits;
    for (name, v) in table {
        if *v != 0 && v.count_ones() == 1 && bits & v == *v {
            parts.push((*name).to_string());
            rest &= !v;
        }
    }
    if rest != 0 {
        parts.push(format!("0x{rest:X}"));
    }
    if parts.is_empty() {
        "0".to_string()
    } else {
        parts.join("|")
    }
}

macro_rules! flag_set {
    ($(#[$meta:meta])* $ty:ident, $table:ident, $set:literal { $($name:ident = $value:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $ty(pub u32);

        impl $ty {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                pub const $name: $ty = $ty($value);
            )*

            /// Whether every bit of `other` is set.
            pub fn contains(self, other: $ty) -> bool {
                self.0 & other.0 == other.0 && other.0 != 0
            }

            /// Parses a flag list (see [`parse_flag_words`]).
            pub fn parse(text: &str) -> Result<$ty, FlagParseError> {
                parse_flag_words(text, $table, $set).map($ty)
            }

            /// The raw bits.
            pub fn bits(self) -> u32 {
                self.0
            }
        }

        /// (name, value) of every flag in the set.
        pub const $table: &[(&str, u32)] = &[$((stringify!($name), $value)),*];

        impl std::ops::BitOr for $ty {
            type Output = $ty;
            fn bitor(self, rhs: $ty) -> $ty {
                $ty(self.0 | rhs.0)
            }
        }

        impl std::ops::BitOrAssign for $ty {
            fn bitor_assign(&mut self, rhs: $ty) {
                self.0 |= rhs.0;
            }
        }

        impl std::ops::Sub for $ty {
            type Output = $ty;
            fn sub(self, rhs: $ty) -> $ty {
                $ty(self.0 & !rhs.0)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&render_flag_words(self.0, $table))
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self)
            }
        }
    };
}

flag_set! {
    /// `MAPILogonEx` flags (reference §2).
    LogonFlags, LOGON_FLAGS, "logon" {
        MAPI_LOGON_UI = 0x0000_0001,
        MAPI_NEW_SESSION = 0x0000_0002,
        MAPI_APP_PROFILE = 0x0000_0004,
        MAPI_ALLOW_OTHERS = 0x0000_0008,
        MAPI_EXPLICIT_PROFILE = 0x0000_0010,
        MAPI_EXTENDED = 0x0000_0020,
        MAPI_USE_DEFAULT = 0x0000_0040,
        MAPI_FORCE_DOWNLOAD = 0x0000_1000,
        MAPI_SERVICE_UI_ALWAYS = 0x0000_2000,
        MAPI_NO_MAIL = 0x0000_8000,
        MAPI_NT_SERVICE = 0x0001_0000,
        MAPI_PASSWORD_UI = 0x0002_0000,
        MAPI_TIMEOUT_SHORT = 0x0010_0000,
        MAPI_BG_SESSION = 0x0020_0000,
        MAPI_UNICODE = 0x8000_0000,
        MAPI_SIMPLE_DEFAULT = 0x0000_1009,
        MAPI_SIMPLE_EXPLICIT = 0x0000_1012,
    }
}

flag_set! {
    /// `IMAPISession::Logoff` flags.
    LogoffFlags, LOGOFF_FLAGS, "logoff" {
        MAPI_LOGOFF_SHARED = 0x0000_0001,
        MAPI_LOGOFF_UI = 0x0000_0002,
    }
}

flag_set! {
    /// PR_RESOURCE_FLAGS of a message service (reference §7.2).
    ServiceFlags, SERVICE_FLAGS, "message-service resource" {
        SERVICE_DEFAULT_STORE = 0x01,
        SERVICE_SINGLE_COPY = 0x02,
        SERVICE_CREATE_WITH_STORE = 0x04,
        SERVICE_PRIMARY_IDENTITY = 0x08,
        SERVICE_NO_PRIMARY_IDENTITY = 0x20,
    }
}

flag_set! {
    /// PR_RESOURCE_FLAGS of a provider or status row (reference §7.2).
    ProviderFlags, PROVIDER_FLAGS, "provider resource" {
        STATUS_DEFAULT_OUTBOUND = 0x0001,
        STATUS_DEFAULT_STORE = 0x0002,
        STATUS_PRIMARY_IDENTITY = 0x0004,
        STATUS_SIMPLE_STORE = 0x0008,
        STATUS_XP_PREFER_LAST = 0x0010,
        STATUS_NO_PRIMARY_IDENTITY = 0x0020,
        STATUS_NO_DEFAULT_STORE = 0x0040,
        STATUS_TEMP_SECTION = 0x0080,
        STATUS_OWN_STORE = 0x0100,
        HOOK_INBOUND = 0x0200,
        HOOK_OUTBOUND = 0x0400,
        STATUS_NEED_IPM_TREE = 0x0800,
        STATUS_PRIMARY_STORE = 0x1000,
        STATUS_SECONDARY_STORE = 0x2000,
    }
}

flag_set! {
    /// PR_STATUS_CODE bits of a status row (reference §7.1).
    StatusCode, STATUS_CODE_FLAGS, "status-code" {
        STATUS_AVAILABLE = 0x0000_0001,
        STATUS_OFFLINE = 0x0000_0002,
        STATUS_FAILURE = 0x0000_0004,
        STATUS_INBOUND_ENABLED = 0x0001_0000,
        STATUS_INBOUND_ACTIVE = 0x0002_0000,
        STATUS_INBOUND_FLUSH = 0x0004_0000,
        STATUS_OUTBOUND_ENABLED = 0x0010_0000,
        STATUS_OUTBOUND_ACTIVE = 0x0020_0000,
        STATUS_OUTBOUND_FLUSH = 0x0040_0000,
        STATUS_REMOTE_ACCESS = 0x0080_0000,
    }
}

flag_set! {
    /// `ServiceEntry` and `ConfigureMsgService` UI flags (reference §4.6).
    ServiceUiFlags, SERVICE_UI_FLAGS, "service-entry" {
        SERVICE_UI_ALWAYS = 0x02,
        UI_CURRENT_PROVIDER_FIRST = 0x04,
        MSG_SERVICE_UI_READ_ONLY = 0x08,
        SERVICE_UI_ALLOWED = 0x10,
        SERVICE_LOGON_FAILED = 0x20,
        SERVICE_NO_RESTART_WARNING = 0x80,
        MAPI_UNICODE = 0x8000_0000,
    }
}

flag_set! {
    /// Provider-logon flags handed to store, address-book and transport providers
    /// (reference §5.4).
    ProviderLogonFlags, PROVIDER_LOGON_FLAGS, "provider-logon" {
        MDB_NO_DIALOG = 0x01,
        MDB_WRITE = 0x04,
        MAPI_DEFERRED_ERRORS = 0x08,
        MDB_TEMPORARY = 0x20,
        MDB_NO_MAIL = 0x80,
        MAPI_UNICODE = 0x8000_0000,
    }
}

flag_set! {
    /// `IXPProvider::TransportLogon` input flags (reference §5.4).
    TransportLogonFlags, TRANSPORT_LOGON_FLAGS, "transport-logon" {
        LOGON_NO_DIALOG = 0x01,
        LOGON_NO_CONNECT = 0x04,
        LOGON_NO_INBOUND = 0x08,
        LOGON_NO_OUTBOUND = 0x10,
        MAPI_UNICODE = 0x8000_0000,
    }
}

flag_set! {
    /// `IProfAdmin` flags (reference §4.2).
    ProfAdminFlags, PROF_ADMIN_FLAGS, "profile-admin" {
        MAPI_DEFAULT_SERVICES = 0x1,
        MAPI_APP_PROFILE = 0x4,
        MAPI_DIALOG = 0x8,
    }
}

/// PR_RESOURCE_TYPE values (reference §7.1).
pub mod resource_type {
    /// A message store provider.
    pub const MAPI_STORE_PROVIDER: u32 = 33;
    /// The integrated address book.
    pub const MAPI_AB: u32 = 34;
    /// An address-book provider.
    pub const MAPI_AB_PROVIDER: u32 = 35;
    /// A transport provider.
    pub const MAPI_TRANSPORT_PROVIDER: u32 = 36;
    /// The spooler.
    pub const MAPI_SPOOLER: u32 = 37;
    /// The profile provider.
    pub const MAPI_PROFILE_PROVIDER: u32 = 38;
    /// The MAPI subsystem.
    pub const MAPI_SUBSYSTEM: u32 = 39;
    /// A spooler hook.
    pub const MAPI_HOOK_PROVIDER: u32 = 40;

    /// (name, value) of every resource type.
    pub const ALL: &[(&str, u32)] = &[
        ("MAPI_STORE_PROVIDER", MAPI_STORE_PROVIDER),
        ("MAPI_AB", MAPI_AB),
        ("MAPI_AB_PROVIDER", MAPI_AB_PROVIDER),
        ("MAPI_TRANSPORT_PROVIDER", MAPI_TRANSPORT_PROVIDER),
        ("MAPI_SPOOLER", MAPI_SPOOLER),
        ("MAPI_PROFILE_PROVIDER", MAPI_PROFILE_PROVIDER),
        ("MAPI_SUBSYSTEM", MAPI_SUBSYSTEM),
        ("MAPI_HOOK_PROVIDER", MAPI_HOOK_PROVIDER),
    ];

    /// The name of a resource type, `None` if unknown.
    pub fn name(value: u32) -> Option<&'static str> {
        ALL.iter().find(|(_, v)| *v == value).map(|(n, _)| *n)
    }

    /// The value of a resource-type name (with or without `MAPI_`).
    pub fn from_name(text: &str) -> Option<u32> {
        ALL.iter()
            .find(|(n, _)| {
                n.eq_ignore_ascii_case(text)
                    || n.strip_prefix("MAPI_")
                        .is_some_and(|s| s.eq_ignore_ascii_case(text))
            })
            .map(|(_, v)| *v)
    }
}

/// `ServiceEntry` contexts (reference §4.6).
pub mod service_context {
    /// Installed onto the machine.
    pub const MSG_SERVICE_INSTALL: u32 = 1;
    /// Being added to a profile.
    pub const MSG_SERVICE_CREATE: u32 = 2;
    /// Configure.
    pub const MSG_SERVICE_CONFIGURE: u32 = 3;
    /// Being removed from a profile.
    pub const MSG_SERVICE_DELETE: u32 = 4;
    /// Removed from the machine.
    pub const MSG_SERVICE_UNINSTALL: u32 = 5;
    /// An extra provider instance is created.
    pub const MSG_SERVICE_PROVIDER_CREATE: u32 = 6;
    /// A provider instance is deleted.
    pub const MSG_SERVICE_PROVIDER_DELETE: u32 = 7;
}

/// PR_OBJECT_TYPE values (reference §7.6).
pub mod object_type {
    /// Message store.
    pub const MAPI_STORE: u32 = 1;
    /// Address book.
    pub const MAPI_ADDRBOOK: u32 = 2;
    /// Folder.
    pub const MAPI_FOLDER: u32 = 3;
    /// Address-book container.
    pub const MAPI_ABCONT: u32 = 4;
    /// Message.
    pub const MAPI_MESSAGE: u32 = 5;
    /// Messaging user.
    pub const MAPI_MAILUSER: u32 = 6;
    /// Attachment.
    pub const MAPI_ATTACH: u32 = 7;
    /// Distribution list.
    pub const MAPI_DISTLIST: u32 = 8;
    /// Profile section.
    pub const MAPI_PROFSECT: u32 = 9;
    /// Status object.
    pub const MAPI_STATUS: u32 = 0xA;
    /// Session.
    pub const MAPI_SESSION: u32 = 0xB;
    /// Form information.
    pub const MAPI_FORMINFO: u32 = 0xC;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logon_flag_values_match_the_reference() {
        let expected: &[(&str, u32)] = &[
            ("MAPI_LOGON_UI", 0x1),
            ("MAPI_NEW_SESSION", 0x2),
            ("MAPI_APP_PROFILE", 0x4),
            ("MAPI_ALLOW_OTHERS", 0x8),
            ("MAPI_EXPLICIT_PROFILE", 0x10),
            ("MAPI_EXTENDED", 0x20),
            ("MAPI_USE_DEFAULT", 0x40),
            ("MAPI_FORCE_DOWNLOAD", 0x1000),
            ("MAPI_SERVICE_UI_ALWAYS", 0x2000),
            ("MAPI_NO_MAIL", 0x8000),
            ("MAPI_NT_SERVICE", 0x10000),
            ("MAPI_PASSWORD_UI", 0x20000),
            ("MAPI_TIMEOUT_SHORT", 0x100000),
            ("MAPI_BG_SESSION", 0x200000),
            ("MAPI_UNICODE", 0x80000000),
            ("MAPI_SIMPLE_DEFAULT", 0x1009),
            ("MAPI_SIMPLE_EXPLICIT", 0x1012),
        ];
        assert_eq!(expected.len(), LOGON_FLAGS.len());
        for (name, value) in expected {
            assert_eq!(LogonFlags::parse(name).unwrap().0, *value, "{name}");
            let short = name.strip_prefix("MAPI_").unwrap();
            assert_eq!(LogonFlags::parse(short).unwrap().0, *value, "{short}");
        }
        assert_eq!(
            LogonFlags::MAPI_SIMPLE_DEFAULT,
            LogonFlags::MAPI_LOGON_UI
                | LogonFlags::MAPI_FORCE_DOWNLOAD
                | LogonFlags::MAPI_ALLOW_OTHERS
        );
    }

    #[test]
    fn other_flag_values_match_the_reference() {
        let cases: &[(u32, u32)] = &[
            (ServiceFlags::SERVICE_DEFAULT_STORE.0, 0x01),
            (ServiceFlags::SERVICE_SINGLE_COPY.0, 0x02),
            (ServiceFlags::SERVICE_CREATE_WITH_STORE.0, 0x04),
            (ServiceFlags::SERVICE_PRIMARY_IDENTITY.0, 0x08),
            (ServiceFlags::SERVICE_NO_PRIMARY_IDENTITY.0, 0x20),
            (ProviderFlags::STATUS_DEFAULT_OUTBOUND.0, 0x1),
            (ProviderFlags::STATUS_DEFAULT_STORE.0, 0x2),
            (ProviderFlags::STATUS_PRIMARY_IDENTITY.0, 0x4),
            (ProviderFlags::STATUS_SIMPLE_STORE.0, 0x8),
            (ProviderFlags::STATUS_XP_PREFER_LAST.0, 0x10),
            (ProviderFlags::STATUS_NO_PRIMARY_IDENTITY.0, 0x20),
            (ProviderFlags::STATUS_NO_DEFAULT_STORE.0, 0x40),
            (ProviderFlags::STATUS_TEMP_SECTION.0, 0x80),
            (ProviderFlags::STATUS_OWN_STORE.0, 0x100),
            (ProviderFlags::HOOK_INBOUND.0, 0x200),
            (ProviderFlags::HOOK_OUTBOUND.0, 0x400),
            (ProviderFlags::STATUS_NEED_IPM_TREE.0, 0x800),
            (ProviderFlags::STATUS_PRIMARY_STORE.0, 0x1000),
            (ProviderFlags::STATUS_SECONDARY_STORE.0, 0x2000),
            (StatusCode::STATUS_AVAILABLE.0, 0x1),
            (StatusCode::STATUS_OFFLINE.0, 0x2),
            (StatusCode::STATUS_FAILURE.0, 0x4),
            (StatusCode::STATUS_INBOUND_ENABLED.0, 0x10000),
            (StatusCode::STATUS_INBOUND_ACTIVE.0, 0x20000),
            (StatusCode::STATUS_INBOUND_FLUSH.0, 0x40000),
            (StatusCode::STATUS_OUTBOUND_ENABLED.0, 0x100000),
            (StatusCode::STATUS_OUTBOUND_ACTIVE.0, 0x200000),
            (StatusCode::STATUS_OUTBOUND_FLUSH.0, 0x400000),
            (StatusCode::STATUS_REMOTE_ACCESS.0, 0x800000),
            (LogoffFlags::MAPI_LOGOFF_SHARED.0, 0x1),
            (LogoffFlags::MAPI_LOGOFF_UI.0, 0x2),
            (ServiceUiFlags::SERVICE_UI_ALWAYS.0, 0x02),
            (ServiceUiFlags::UI_CURRENT_PROVIDER_FIRST.0, 0x04),
            (ServiceUiFlags::MSG_SERVICE_UI_READ_ONLY.0, 0x08),
            (ServiceUiFlags::SERVICE_UI_ALLOWED.0, 0x10),
            (ServiceUiFlags::SERVICE_LOGON_FAILED.0, 0x20),
            (ServiceUiFlags::SERVICE_NO_RESTART_WARNING.0, 0x80),
            (ProviderLogonFlags::MDB_NO_DIALOG.0, 0x1),
            (ProviderLogonFlags::MDB_WRITE.0, 0x4),
            (ProviderLogonFlags::MDB_TEMPORARY.0, 0x20),
            (ProviderLogonFlags::MDB_NO_MAIL.0, 0x80),
            (TransportLogonFlags::LOGON_NO_DIALOG.0, 0x1),
            (TransportLogonFlags::LOGON_NO_CONNECT.0, 0x4),
            (TransportLogonFlags::LOGON_NO_INBOUND.0, 0x8),
            (TransportLogonFlags::LOGON_NO_OUTBOUND.0, 0x10),
            (ProfAdminFlags::MAPI_DEFAULT_SERVICES.0, 0x1),
            (ProfAdminFlags::MAPI_APP_PROFILE.0, 0x4),
            (ProfAdminFlags::MAPI_DIALOG.0, 0x8),
            (resource_type::MAPI_STORE_PROVIDER, 33),
            (resource_type::MAPI_AB, 34),
            (resource_type::MAPI_AB_PROVIDER, 35),
            (resource_type::MAPI_TRANSPORT_PROVIDER, 36),
            (resource_type::MAPI_SPOOLER, 37),
            (resource_type::MAPI_PROFILE_PROVIDER, 38),
            (resource_type::MAPI_SUBSYSTEM, 39),
            (resource_type::MAPI_HOOK_PROVIDER, 40),
            (service_context::MSG_SERVICE_INSTALL, 1),
            (service_context::MSG_SERVICE_CREATE, 2),
            (service_context::MSG_SERVICE_CONFIGURE, 3),
            (service_context::MSG_SERVICE_DELETE, 4),
            (service_context::MSG_SERVICE_UNINSTALL, 5),
            (service_context::MSG_SERVICE_PROVIDER_CREATE, 6),
            (service_context::MSG_SERVICE_PROVIDER_DELETE, 7),
        ];
        for (i, (got, want)) in cases.iter().enumerate() {
            assert_eq!(got, want, "case {i}");
        }
    }

    #[test]
    fn parses_lists_hex_and_rejects_unknown_words() {
        assert_eq!(
            LogonFlags::parse("LOGON_UI|MAPI_ALLOW_OTHERS, new_session")
                .unwrap()
                .0,
            0xB
        );
        assert_eq!(
            LogonFlags::parse("0x1009").unwrap(),
            LogonFlags::MAPI_SIMPLE_DEFAULT
        );
        assert_eq!(LogonFlags::parse("").unwrap().0, 0);
        let err = LogonFlags::parse("LOGON_UI|BOGUS").unwrap_err();
        assert_eq!(err.word, "BOGUS");
        assert_eq!(resource_type::from_name("STORE_PROVIDER"), Some(33));
    }

    #[test]
    fn renders_names() {
        let f = LogonFlags::MAPI_LOGON_UI | LogonFlags::MAPI_NEW_SESSION;
        assert_eq!(f.to_string(), "MAPI_LOGON_UI|MAPI_NEW_SESSION");
        assert_eq!(StatusCode(0).to_string(), "0");
        assert_eq!(
            StatusCode(0x8000_0001).to_string(),
            "STATUS_AVAILABLE|0x80000000"
        );
    }
}
