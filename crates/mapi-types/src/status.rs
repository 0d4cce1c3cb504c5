//! MAPI status codes (HRESULTs): named constants with their real 32-bit values,
//! name <-> value lookup, classes, and the `NAME (0xVALUE)` rendering.

use std::fmt;

/// A MAPI status code (an HRESULT).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(pub u32);

/// Whether a status means success, success with a warning, or failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusClass {
    /// `S_OK`.
    Success,
    /// Severity bit clear but not zero (`MAPI_W_*`): the call succeeded.
    Warning,
    /// Severity bit set (`MAPI_E_*`, `E_*`).
    Failure,
}

macro_rules! status_codes {
    ($($name:ident = $value:literal;)*) => {
        impl Status {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                pub const $name: Status = Status($value);
            )*
        }
        /// Every status code this crate knows, as (canonical name, value).
        pub const STATUS_CODES: &[(&str, u32)] = &[$((stringify!($name), $value)),*];
    };
}

status_codes! {
    S_OK = 0x0000_0000;
    MAPI_E_CALL_FAILED = 0x8000_4005;
    MAPI_E_INTERFACE_NOT_SUPPORTED = 0x8000_4002;
    MAPI_E_NO_ACCESS = 0x8007_0005;
    MAPI_E_NOT_ENOUGH_MEMORY = 0x8007_000E;
    MAPI_E_INVALID_PARAMETER = 0x8007_0057;
    MAPI_E_NO_SUPPORT = 0x8004_0102;
    MAPI_E_BAD_CHARWIDTH = 0x8004_0103;
    MAPI_E_STRING_TOO_LONG = 0x8004_0105;
    MAPI_E_UNKNOWN_FLAGS = 0x8004_0106;
    MAPI_E_INVALID_ENTRYID = 0x8004_0107;
    MAPI_E_INVALID_OBJECT = 0x8004_0108;
    MAPI_E_OBJECT_CHANGED = 0x8004_0109;
    MAPI_E_OBJECT_DELETED = 0x8004_010A;
    MAPI_E_BUSY = 0x8004_010B;
    MAPI_E_NOT_ENOUGH_DISK = 0x8004_010D;
    MAPI_E_NOT_ENOUGH_RESOURCES = 0x8004_010E;
    MAPI_E_NOT_FOUND = 0x8004_010F;
    MAPI_E_VERSION = 0x8004_0110;
    MAPI_E_LOGON_FAILED = 0x8004_0111;
    MAPI_E_SESSION_LIMIT = 0x8004_0112;
    MAPI_E_USER_CANCEL = 0x8004_0113;
    MAPI_E_UNABLE_TO_ABORT = 0x8004_0114;
    MAPI_E_NETWORK_ERROR = 0x8004_0115;
    MAPI_E_DISK_ERROR = 0x8004_0116;
    MAPI_E_TOO_COMPLEX = 0x8004_0117;
    MAPI_E_BAD_COLUMN = 0x8004_0118;
    MAPI_E_EXTENDED_ERROR = 0x8004_0119;
    MAPI_E_COMPUTED = 0x8004_011A;
    MAPI_E_CORRUPT_DATA = 0x8004_011B;
    MAPI_E_UNCONFIGURED = 0x8004_011C;
    MAPI_E_FAILONEPROVIDER = 0x8004_011D;
    MAPI_E_UNKNOWN_CPID = 0x8004_011E;
    MAPI_E_UNKNOWN_LCID = 0x8004_011F;
    MAPI_E_PASSWORD_CHANGE_REQUIRED = 0x8004_0120;
    MAPI_E_PASSWORD_EXPIRED = 0x8004_0121;
    MAPI_E_INVALID_WORKSTATION_ACCOUNT = 0x8004_0122;
    MAPI_E_INVALID_ACCESS_TIME = 0x8004_0123;
    MAPI_E_ACCOUNT_DISABLED = 0x8004_0124;
    MAPI_E_RECONNECTED = 0x8004_0125;
    MAPI_E_OFFLINE = 0x8004_0126;
    MAPI_E_END_OF_SESSION = 0x8004_0200;
    MAPI_E_UNKNOWN_ENTRYID = 0x8004_0201;
    MAPI_E_MISSING_REQUIRED_COLUMN = 0x8004_0202;
    MAPI_W_NO_SERVICE = 0x0004_0203;
    MAPI_E_BAD_VALUE = 0x8004_0301;
    MAPI_E_INVALID_TYPE = 0x8004_0302;
    MAPI_E_TYPE_NO_SUPPORT = 0x8004_0303;
    MAPI_E_UNEXPECTED_TYPE = 0x8004_0304;
    MAPI_E_TOO_BIG = 0x8004_0305;
    MAPI_E_DECLINE_COPY = 0x8004_0306;
    MAPI_E_UNEXPECTED_ID = 0x8004_0307;
    MAPI_W_ERRORS_RETURNED = 0x0004_0380;
    MAPI_E_UNABLE_TO_COMPLETE = 0x8004_0400;
    MAPI_E_TIMEOUT = 0x8004_0401;
    MAPI_E_TABLE_EMPTY = 0x8004_0402;
    MAPI_E_TABLE_TOO_BIG = 0x8004_0403;
    MAPI_E_INVALID_BOOKMARK = 0x8004_0405;
    MAPI_E_WAIT = 0x8004_0500;
    MAPI_E_CANCEL = 0x8004_0501;
    MAPI_E_NOT_ME = 0x8004_0502;
    MAPI_E_CORRUPT_STORE = 0x8004_0600;
    MAPI_E_NOT_IN_QUEUE = 0x8004_0601;
    MAPI_E_NO_SUPPRESS = 0x8004_0602;
    MAPI_E_COLLISION = 0x8004_0604;
    MAPI_E_NOT_INITIALIZED = 0x8004_0605;
    MAPI_E_NON_STANDARD = 0x8004_0606;
    MAPI_E_NO_RECIPIENTS = 0x8004_0607;
    MAPI_E_SUBMITTED = 0x8004_0608;
    MAPI_E_HAS_FOLDERS = 0x8004_0609;
    MAPI_E_HAS_MESSAGES = 0x8004_060A;
    MAPI_E_FOLDER_CYCLE = 0x8004_060B;
    MAPI_E_LOCKID_LIMIT = 0x8004_060D;
    MAPI_W_PARTIAL_COMPLETION = 0x0004_0680;
    MAPI_E_AMBIGUOUS_RECIP = 0x8004_0700;
    MAPI_E_NAMED_PROP_QUOTA_EXCEEDED = 0x8004_0900;
    MAPI_E_NOT_IMPLEMENTED = 0x8004_0FFF;
}

/// Other names the headers give to some of the values above.
const ALIASES: &[(&str, u32)] = &[
    ("SUCCESS_SUCCESS", 0),
    ("E_FAIL", 0x8000_4005),
    ("E_NOINTERFACE", 0x8000_4002),
    ("E_ACCESSDENIED", 0x8007_0005),
    ("E_OUTOFMEMORY", 0x8007_000E),
    ("E_INVALIDARG", 0x8007_0057),
];

impl Status {
    /// The canonical name of a known code, `None` for an unknown value.
    pub fn name(self) -> Option<&'static str> {
        STATUS_CODES
            .iter()
            .find(|(_, v)| *v == self.0)
            .map(|(n, _)| *n)
    }

    /// Looks a code up by name (canonical or header alias, case-insensitive), or parses
    /// `0x8004010F` / a decimal number.
    pub fn from_name(text: &str) -> Option<Status> {
        let text = text.trim();
        STATUS_CODES
            .iter()
            .chain(ALIASES)
            .find(|(n, _)| n.eq_ignore_ascii_case(text))
            .map(|(_, v)| Status(*v))
            .or_else(|| parse_u32(text).map(Status))
    }

    /// Success, warning or failure.
    pub fn class(self) -> StatusClass {
        if self.0 == 0 {
            StatusClass::Success
        } else if self.0 & 0x8000_0000 != 0 {
            StatusClass::Failure
        } else {
            StatusClass::Warning
        }
    }

    /// True for `S_OK` and warnings.
    pub fn succeeded(self) -> bool {
        self.class() != StatusClass::Failure
    }

    /// True for failure codes.
    pub fn failed(self) -> bool {
        self.class() == StatusClass::Failure
    }

    /// The raw value.
    pub fn value(self) -> u32 {
        self.0
    }
}

/// Parses `0x...` hex or a decimal number.
pub(crate) fn parse_u32(text: &str) -> Option<u32> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u32::from_str_radix(&hex.replace('_', ""), 16).ok()
    } else {
        t.parse().ok()
    }
}

impl fmt::Display for Status {
    /// `MAPI_E_LOGON_FAILED (0x80040111)`; unknown codes render as `0x........`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (0x{:08X})", self.0),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<u32> for Status {
    fn from(v: u32) -> Self {
        Status(v)
    }
}

/// Implemented by every crate's error type: the MAPI status the error stands for.
pub trait MapiStatus {
    /// The status code reported to MAPI callers for this error.
    fn status(&self) -> Status;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of the reference's §8 table, spelled out again independently.
    const REFERENCE: &[(&str, u32)] = &[
        ("S_OK", 0x00000000),
        ("MAPI_E_CALL_FAILED", 0x80004005),
        ("MAPI_E_INTERFACE_NOT_SUPPORTED", 0x80004002),
        ("MAPI_E_NO_ACCESS", 0x80070005),
        ("MAPI_E_NOT_ENOUGH_MEMORY", 0x8007000E),
        ("MAPI_E_INVALID_PARAMETER", 0x80070057),
        ("MAPI_E_NO_SUPPORT", 0x80040102),
        ("MAPI_E_BAD_CHARWIDTH", 0x80040103),
        ("MAPI_E_UNKNOWN_FLAGS", 0x80040106),
        ("MAPI_E_INVALID_ENTRYID", 0x80040107),
        ("MAPI_E_INVALID_OBJECT", 0x80040108),
        ("MAPI_E_BUSY", 0x8004010B),
        ("MAPI_E_NOT_ENOUGH_RESOURCES", 0x8004010E),
        ("MAPI_E_NOT_FOUND", 0x8004010F),
        ("MAPI_E_VERSION", 0x80040110),
        ("MAPI_E_LOGON_FAILED", 0x80040111),
        ("MAPI_E_SESSION_LIMIT", 0x80040112),
        ("MAPI_E_USER_CANCEL", 0x80040113),
        ("MAPI_E_NETWORK_ERROR", 0x80040115),
        ("MAPI_E_TOO_COMPLEX", 0x80040117),
        ("MAPI_E_EXTENDED_ERROR", 0x80040119),
        ("MAPI_E_CORRUPT_DATA", 0x8004011B),
        ("MAPI_E_UNCONFIGURED", 0x8004011C),
        ("MAPI_E_FAILONEPROVIDER", 0x8004011D),
        ("MAPI_E_UNKNOWN_CPID", 0x8004011E),
        ("MAPI_E_UNKNOWN_LCID", 0x8004011F),
        ("MAPI_E_RECONNECTED", 0x80040125),
        ("MAPI_E_OFFLINE", 0x80040126),
        ("MAPI_E_END_OF_SESSION", 0x80040200),
        ("MAPI_E_UNKNOWN_ENTRYID", 0x80040201),
        ("MAPI_W_NO_SERVICE", 0x00040203),
        ("MAPI_W_ERRORS_RETURNED", 0x00040380),
        ("MAPI_E_TIMEOUT", 0x80040401),
        ("MAPI_E_NOT_INITIALIZED", 0x80040605),
        ("MAPI_E_STRING_TOO_LONG", 0x80040105),
        ("MAPI_E_OBJECT_CHANGED", 0x80040109),
        ("MAPI_E_OBJECT_DELETED", 0x8004010A),
        ("MAPI_E_NOT_ENOUGH_DISK", 0x8004010D),
        ("MAPI_E_UNABLE_TO_ABORT", 0x80040114),
        ("MAPI_E_DISK_ERROR", 0x80040116),
        ("MAPI_E_BAD_COLUMN", 0x80040118),
        ("MAPI_E_COMPUTED", 0x8004011A),
        ("MAPI_E_PASSWORD_CHANGE_REQUIRED", 0x80040120),
        ("MAPI_E_PASSWORD_EXPIRED", 0x80040121),
        ("MAPI_E_INVALID_WORKSTATION_ACCOUNT", 0x80040122),
        ("MAPI_E_INVALID_ACCESS_TIME", 0x80040123),
        ("MAPI_E_ACCOUNT_DISABLED", 0x80040124),
        ("MAPI_E_MISSING_REQUIRED_COLUMN", 0x80040202),
        ("MAPI_E_UNABLE_TO_COMPLETE", 0x80040400),
        ("MAPI_E_WAIT", 0x80040500),
        ("MAPI_E_CANCEL", 0x80040501),
        ("MAPI_E_CORRUPT_STORE", 0x80040600),
        ("MAPI_W_PARTIAL_COMPLETION", 0x00040680),
        ("MAPI_E_BAD_VALUE", 0x80040301),
        ("MAPI_E_INVALID_TYPE", 0x80040302),
        ("MAPI_E_TYPE_NO_SUPPORT", 0x80040303),
        ("MAPI_E_UNEXPECTED_TYPE", 0x80040304),
        ("MAPI_E_TOO_BIG", 0x80040305),
        ("MAPI_E_DECLINE_COPY", 0x80040306),
        ("MAPI_E_UNEXPECTED_ID", 0x80040307),
        ("MAPI_E_TABLE_EMPTY", 0x80040402),
        ("MAPI_E_TABLE_TOO_BIG", 0x80040403),
        ("MAPI_E_INVALID_BOOKMARK", 0x80040405),
        ("MAPI_E_NOT_ME", 0x80040502),
        ("MAPI_E_NOT_IN_QUEUE", 0x80040601),
        ("MAPI_E_NO_SUPPRESS", 0x80040602),
        ("MAPI_E_COLLISION", 0x80040604),
        ("MAPI_E_NON_STANDARD", 0x80040606),
        ("MAPI_E_NO_RECIPIENTS", 0x80040607),
        ("MAPI_E_SUBMITTED", 0x80040608),
        ("MAPI_E_HAS_FOLDERS", 0x80040609),
        ("MAPI_E_HAS_MESSAGES", 0x8004060A),
        ("MAPI_E_FOLDER_CYCLE", 0x8004060B),
        ("MAPI_E_LOCKID_LIMIT", 0x8004060D),
        ("MAPI_E_AMBIGUOUS_RECIP", 0x80040700),
        ("MAPI_E_NAMED_PROP_QUOTA_EXCEEDED", 0x80040900),
        ("MAPI_E_NOT_IMPLEMENTED", 0x80040FFF),
    ];

    #[test]
    fn every_reference_code_has_its_value_and_name() {
        for (name, value) in REFERENCE {
            let by_name = Status::from_name(name).unwrap_or_else(|| panic!("{name} unknown"));
            assert_eq!(by_name.0, *value, "{name}");
            assert_eq!(Status(*value).name(), Some(*name), "{value:#x}");
        }
        assert_eq!(
            REFERENCE.len(),
            STATUS_CODES.len(),
            "table and reference differ in size"
        );
    }

    #[test]
    fn renders_name_and_hex() {
        assert_eq!(
            Status::MAPI_E_LOGON_FAILED.to_string(),
            "MAPI_E_LOGON_FAILED (0x80040111)"
        );
        assert_eq!(Status(0x8004_7777).to_string(), "0x80047777");
    }

    #[test]
    fn classes() {
        assert_eq!(Status::S_OK.class(), StatusClass::Success);
        assert_eq!(Status::MAPI_W_ERRORS_RETURNED.class(), StatusClass::Warning);
        assert!(Status::MAPI_W_NO_SERVICE.succeeded());
        assert_eq!(Status::MAPI_E_NOT_FOUND.class(), StatusClass::Failure);
        assert!(Status::MAPI_E_CALL_FAILED.failed());
    }

    #[test]
    fn aliases_and_numbers_parse() {
        assert_eq!(
            Status::from_name("E_ACCESSDENIED"),
            Some(Status::MAPI_E_NO_ACCESS)
        );
        assert_eq!(Status::from_name("mapi_e_busy"), Some(Status::MAPI_E_BUSY));
        assert_eq!(
            Status::from_name("0x8004010F"),
            Some(Status::MAPI_E_NOT_FOUND)
        );
        assert_eq!(Status::from_name("NOPE"), None);
    }
}
