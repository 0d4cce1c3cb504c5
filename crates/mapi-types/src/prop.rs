//! Property types, property tags (with the named tags of reference §9) and property values.

use std::fmt;

use crate::status::parse_u32;

/// A property type (the low 16 bits of a tag).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropType(pub u16);

macro_rules! prop_types {
    ($($name:ident = $value:literal;)*) => {
        impl PropType {
            $(
                #[doc = concat!("`", stringify!($name), "`")]
                pub const $name: PropType = PropType($value);
            )*
        }
        /// (name, value) of every single-valued property type.
        pub const PROP_TYPES: &[(&str, u16)] = &[$((stringify!($name), $value)),*];
    };
}

prop_types! {
    PT_UNSPECIFIED = 0x0000;
    PT_NULL = 0x0001;
    PT_I2 = 0x0002;
    PT_LONG = 0x0003;
    PT_R4 = 0x0004;
    PT_DOUBLE = 0x0005;
    PT_CURRENCY = 0x0006;
    PT_APPTIME = 0x0007;
    PT_ERROR = 0x000A;
    PT_BOOLEAN = 0x000B;
    PT_OBJECT = 0x000D;
    PT_I8 = 0x0014;
    PT_STRING8 = 0x001E;
    PT_UNICODE = 0x001F;
    PT_SYSTIME = 0x0040;
    PT_CLSID = 0x0048;
    PT_BINARY = 0x0102;
    PT_PTR = 0x0103;
}

impl PropType {
    /// `MV_FLAG`: the multi-valued bit.
    pub const MV_FLAG: u16 = 0x1000;
    /// `MV_INSTANCE` (table-only).
    pub const MV_INSTANCE: u16 = 0x2000;

    /// Whether the type is multi-valued.
    pub fn is_multi(self) -> bool {
        self.0 & Self::MV_FLAG != 0
    }

    /// The single-valued base type.
    pub fn base(self) -> PropType {
        PropType(self.0 & !(Self::MV_FLAG | Self::MV_INSTANCE))
    }

    /// The multi-valued form of this type.
    pub fn multi(self) -> PropType {
        PropType(self.0 | Self::MV_FLAG)
    }

    /// `PT_x` or `PT_MV_x`, or hex for an unknown type.
    pub fn name(self) -> String {
        let base = PROP_TYPES.iter().find(|(_, v)| *v == self.base().0);
        match (base, self.is_multi()) {
            (Some((n, _)), false) => (*n).to_string(),
            (Some((n, _)), true) => format!("PT_MV_{}", &n[3..]),
            (None, _) => format!("0x{:04X}", self.0),
        }
    }
}

impl fmt::Debug for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A property tag: `(id << 16) | type`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropTag(pub u32);

impl PropTag {
    /// Builds a tag from an id and a type.
    pub const fn new(id: u16, ty: PropType) -> PropTag {
        PropTag(((id as u32) << 16) | ty.0 as u32)
    }

    /// The property id.
    pub const fn id(self) -> u16 {
        (self.0 >> 16) as u16
    }

    /// The property type.
    pub const fn prop_type(self) -> PropType {
        PropType(self.0 as u16)
    }

    /// The same id with another type.
    pub const fn with_type(self, ty: PropType) -> PropTag {
        PropTag::new(self.id(), ty)
    }

    /// Ids 0x67F0-0x67FF: secure profile properties, never listed, only read by name.
    pub fn is_secure(self) -> bool {
        (PROP_ID_SECURE_MIN..=PROP_ID_SECURE_MAX).contains(&self.id())
    }

    /// Ids 0x8000 and above: named properties.
    pub fn is_named(self) -> bool {
        self.id() >= 0x8000
    }

    /// The `PR_` name of a tag from reference §9, matching id and (string-width-agnostic) type.
    pub fn name(self) -> Option<&'static str> {
        TAGS.iter()
            .find(|(_, t)| *t == self.0 || (same_string_id(*t, self.0)))
            .map(|(n, _)| *n)
    }

    /// Parses `PR_DISPLAY_NAME` (string tags take the Unicode form) or `0x3001001F` /
    /// an 8-hex-digit `3001001F`.
    pub fn parse(text: &str) -> Option<PropTag> {
        let t = text.trim();
        if let Some((_, v)) = TAGS.iter().find(|(n, _)| n.eq_ignore_ascii_case(t)) {
            return Some(PropTag(*v));
        }
        if t.len() == 8 && t.chars().all(|c| c.is_ascii_hexdigit()) {
            return u32::from_str_radix(t, 16).ok().map(PropTag);
        }
        if t.starts_with("0x") || t.starts_with("0X") {
            return parse_u32(t).map(PropTag);
        }
        None
    }
}

fn same_string_id(a: u32, b: u32) -> bool {
    let strings = [PropType::PT_STRING8.0 as u32, PropType::PT_UNICODE.0 as u32];
    a >> 16 == b >> 16 && strings.contains(&(a & 0xFFFF)) && strings.contains(&(b & 0xFFFF))
}

impl fmt::Display for PropTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

impl fmt::Debug for PropTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (0x{:08X})", self, self.0)
    }
}

/// First id of the secure profile-property range.
pub const PROP_ID_SECURE_MIN: u16 = 0x67F0;
/// Last id of the secure profile-property range.
pub const PROP_ID_SECURE_MAX: u16 = 0x67FF;

macro_rules! tags {
    ($($name:ident = $value:literal;)*) => {
        $(
            #[doc = concat!("`", stringify!($name), "`")]
            pub const $name: PropTag = PropTag($value);
        )*
        /// (name, tag) of every named tag (string tags in their Unicode form).
        pub const TAGS: &[(&str, u32)] = &[$((stringify!($name), $value)),*];
    };
}

/// The named tags of reference §9 (string properties in their `PT_UNICODE` form).
pub mod tags {
    use super::PropTag;
    tags! {
        PR_ENTRYID = 0x0FFF_0102;
        PR_OBJECT_TYPE = 0x0FFE_0003;
        PR_STORE_ENTRYID = 0x0FFB_0102;
        PR_STORE_RECORD_KEY = 0x0FFA_0102;
        PR_RECORD_KEY = 0x0FF9_0102;
        PR_INSTANCE_KEY = 0x0FF6_0102;
        PR_SPOOLER_STATUS = 0x0E10_0003;
        PR_ROWID = 0x3000_0003;
        PR_DISPLAY_NAME = 0x3001_001F;
        PR_PROVIDER_DISPLAY = 0x3006_001F;
        PR_RESOURCE_FLAGS = 0x3009_0003;
        PR_PROVIDER_DLL_NAME = 0x300A_001F;
        PR_SEARCH_KEY = 0x300B_0102;
        PR_PROVIDER_UID = 0x300C_0102;
        PR_PROVIDER_ORDINAL = 0x300D_0003;
        PR_DEFAULT_STORE = 0x3400_000B;
        PR_STORE_SUPPORT_MASK = 0x340D_0003;
        PR_MDB_PROVIDER = 0x3414_0102;
        PR_STATUS = 0x360B_0003;
        PR_STORE_PROVIDERS = 0x3D00_0102;
        PR_AB_PROVIDERS = 0x3D01_0102;
        PR_TRANSPORT_PROVIDERS = 0x3D02_0102;
        PR_DEFAULT_PROFILE = 0x3D04_000B;
        PR_AB_SEARCH_PATH = 0x3D05_1102;
        PR_AB_DEFAULT_DIR = 0x3D06_0102;
        PR_AB_DEFAULT_PAB = 0x3D07_0102;
        PR_FILTERING_HOOKS = 0x3D08_0102;
        PR_SERVICE_NAME = 0x3D09_001F;
        PR_SERVICE_DLL_NAME = 0x3D0A_001F;
        PR_SERVICE_ENTRY_NAME = 0x3D0B_001E;
        PR_SERVICE_UID = 0x3D0C_0102;
        PR_SERVICE_EXTRA_UIDS = 0x3D0D_0102;
        PR_SERVICES = 0x3D0E_0102;
        PR_SERVICE_SUPPORT_FILES = 0x3D0F_101F;
        PR_SERVICE_DELETE_FILES = 0x3D10_101F;
        PR_AB_SEARCH_PATH_UPDATE = 0x3D11_0102;
        PR_PROFILE_NAME = 0x3D12_001F;
        PR_SERVICE_INSTALL_ID = 0x3D13_001F;
        PR_EMSMDB_SECTION_UID = 0x3D15_0102;
        PR_IDENTITY_DISPLAY = 0x3E00_001F;
        PR_IDENTITY_ENTRYID = 0x3E01_0102;
        PR_RESOURCE_METHODS = 0x3E02_0003;
        PR_RESOURCE_TYPE = 0x3E03_0003;
        PR_STATUS_CODE = 0x3E04_0003;
        PR_IDENTITY_SEARCH_KEY = 0x3E05_0102;
        PR_OWN_STORE_ENTRYID = 0x3E06_0102;
        PR_RESOURCE_PATH = 0x3E07_001F;
        PR_STATUS_STRING = 0x3E08_001F;
        PR_REMOTE_PROGRESS = 0x3E0B_0003;
        PR_REMOTE_PROGRESS_TEXT = 0x3E0C_001F;
        PR_REMOTE_VALIDATE_OK = 0x3E0D_000B;
        PR_SUBJECT = 0x0037_001F;
        PR_MESSAGE_DELIVERY_TIME = 0x0E06_0040;
        PR_MESSAGE_SIZE = 0x0E08_0003;
        PR_SENDER_NAME = 0x0C1A_001F;
        PR_SENDER_EMAIL_ADDRESS = 0x0C1F_001F;
        PR_BODY = 0x1000_001F;
        PR_HTML = 0x1013_0102;
        PR_ATTACH_DATA_BIN = 0x3701_0102;
        PR_ATTACH_DATA_OBJ = 0x3701_000D;
        PR_ATTACH_NUM = 0x0E21_0003;
        PR_ATTACH_SIZE = 0x0E20_0003;
        PR_ATTACH_METHOD = 0x3705_0003;
        PR_ATTACH_FILENAME = 0x3704_001F;
        PR_ATTACH_LONG_FILENAME = 0x3707_001F;
        PR_ATTACH_EXTENSION = 0x3703_001F;
        PR_ATTACH_MIME_TAG = 0x370E_001F;
        PR_ATTACH_CONTENT_ID = 0x3712_001F;
        PR_RENDERING_POSITION = 0x370B_0003;
        PR_CREATION_TIME = 0x3007_0040;
        PR_LAST_MODIFICATION_TIME = 0x3008_0040;
        PR_EMAIL_ADDRESS = 0x3003_001F;
        PR_CONTENT_COUNT = 0x3602_0003;
        PR_MESSAGE_CLASS = 0x001A_001F;
        PR_PARENT_ENTRYID = 0x0E09_0102;
        PR_CONTENT_UNREAD = 0x3603_0003;
        PR_SUBFOLDERS = 0x360A_000B;
        PR_CONTAINER_CLASS = 0x3613_001F;
        PR_FOLDER_TYPE = 0x3601_0003;
        PR_DISPLAY_TO = 0x0E04_001F;
        PR_DISPLAY_CC = 0x0E03_001F;
        PR_MESSAGE_FLAGS = 0x0E07_0003;
        PR_MSG_STATUS = 0x0E17_0003;
        PR_HASATTACH = 0x0E1B_000B;
        PR_READ = 0x0E69_000B;
        PR_CLIENT_SUBMIT_TIME = 0x0039_0040;
        PR_INTERNET_MESSAGE_ID = 0x1035_001F;
        PR_TRANSPORT_MESSAGE_HEADERS = 0x007D_001F;
        PR_IMPORTANCE = 0x0017_0003;
        PR_SUBJECT_PREFIX = 0x003D_001F;
        PR_NORMALIZED_SUBJECT = 0x0E1D_001F;
        PR_IN_REPLY_TO_ID = 0x1042_001F;
        PR_SENDER_ADDRTYPE = 0x0C1E_001F;
        PR_SENT_REPRESENTING_NAME = 0x0042_001F;
        PR_SENT_REPRESENTING_ADDRTYPE = 0x0064_001F;
        PR_SENT_REPRESENTING_EMAIL_ADDRESS = 0x0065_001F;
        PR_DISPLAY_BCC = 0x0E02_001F;
        PR_ADDRTYPE = 0x3002_001F;
        PR_RECIPIENT_TYPE = 0x0C15_0003;
        PR_SMTP_ADDRESS = 0x39FE_001F;
        PR_IPM_SUBTREE_ENTRYID = 0x35E0_0102;
        PR_IPM_OUTBOX_ENTRYID = 0x35E2_0102;
        PR_IPM_WASTEBASKET_ENTRYID = 0x35E3_0102;
        PR_IPM_SENTMAIL_ENTRYID = 0x35E4_0102;
    }
}

pub use tags::TAGS;

/// A property value.
#[derive(Clone, Debug, PartialEq)]
pub enum PropValue {
    /// `PT_NULL`.
    Null,
    /// `PT_I2`.
    I2(i16),
    /// `PT_LONG`.
    Long(i32),
    /// `PT_R4`.
    R4(f32),
    /// `PT_DOUBLE`.
    Double(f64),
    /// `PT_CURRENCY` (scaled by 10,000).
    Currency(i64),
    /// `PT_APPTIME`.
    AppTime(f64),
    /// `PT_ERROR`: a status code in place of a value.
    Error(u32),
    /// `PT_BOOLEAN`.
    Boolean(bool),
    /// `PT_I8`.
    I8(i64),
    /// `PT_STRING8`.
    String8(String),
    /// `PT_UNICODE`.
    Unicode(String),
    /// `PT_SYSTIME`: a FILETIME (100 ns ticks since 1601-01-01 UTC).
    SysTime(u64),
    /// `PT_CLSID`.
    Clsid([u8; 16]),
    /// `PT_BINARY`.
    Binary(Vec<u8>),
    /// `PT_MV_*`: the values, each of the base type.
    Multi(PropType, Vec<PropValue>),
}

impl PropValue {
    /// The type this value has.
    pub fn prop_type(&self) -> PropType {
        match self {
            PropValue::Null => PropType::PT_NULL,
            PropValue::I2(_) => PropType::PT_I2,
            PropValue::Long(_) => PropType::PT_LONG,
            PropValue::R4(_) => PropType::PT_R4,
            PropValue::Double(_) => PropType::PT_DOUBLE,
            PropValue::Currency(_) => PropType::PT_CURRENCY,
            PropValue::AppTime(_) => PropType::PT_APPTIME,
            PropValue::Error(_) => PropType::PT_ERROR,
            PropValue::Boolean(_) => PropType::PT_BOOLEAN,
            PropValue::I8(_) => PropType::PT_I8,
            PropValue::String8(_) => PropType::PT_STRING8,
            PropValue::Unicode(_) => PropType::PT_UNICODE,
            PropValue::SysTime(_) => PropType::PT_SYSTIME,
            PropValue::Clsid(_) => PropType::PT_CLSID,
            PropValue::Binary(_) => PropType::PT_BINARY,
            PropValue::Multi(base, _) => base.multi(),
        }
    }

    /// Whether this value may be stored under `tag` (types agree; either string width
    /// is accepted for a string tag).
    pub fn fits(&self, tag: PropTag) -> bool {
        let want = tag.prop_type();
        let have = self.prop_type();
        have == want
            || (is_string(want) && is_string(have))
            || (want == PropType::PT_UNSPECIFIED)
            || have == PropType::PT_ERROR
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PropValue::String8(s) | PropValue::Unicode(s) => Some(s),
            _ => None,
        }
    }

    /// An integer view of `PT_I2`, `PT_LONG` and `PT_I8` values.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            PropValue::I2(v) => Some(*v as i64),
            PropValue::Long(v) => Some(*v as i64),
            PropValue::I8(v) => Some(*v),
            PropValue::SysTime(v) => Some(*v as i64),
            _ => None,
        }
    }

    /// The value of a `PT_BOOLEAN`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            PropValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// The bytes of a `PT_BINARY` or `PT_CLSID`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            PropValue::Binary(b) => Some(b),
            PropValue::Clsid(b) => Some(b),
            _ => None,
        }
    }
}

fn is_string(t: PropType) -> bool {
    t == PropType::PT_STRING8 || t == PropType::PT_UNICODE
}

impl fmt::Display for PropValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PropValue::Null => f.write_str("(null)"),
            PropValue::I2(v) => write!(f, "{v}"),
            PropValue::Long(v) => write!(f, "{v}"),
            PropValue::R4(v) => write!(f, "{v}"),
            PropValue::Double(v) | PropValue::AppTime(v) => write!(f, "{v}"),
            PropValue::Currency(v) => write!(f, "{}.{:04}", v / 10_000, (v % 10_000).abs()),
            PropValue::Error(v) => write!(f, "{}", crate::Status(*v)),
            PropValue::Boolean(v) => write!(f, "{v}"),
            PropValue::I8(v) => write!(f, "{v}"),
            PropValue::String8(s) | PropValue::Unicode(s) => f.write_str(s),
            PropValue::SysTime(v) => write!(f, "{v}"),
            PropValue::Clsid(b) => f.write_str(&crate::MapiUid(*b).to_string()),
            PropValue::Binary(b) => f.write_str(&crate::hex::encode(b)),
            PropValue::Multi(_, vs) => {
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
        }
    }
}

/// FILETIME ticks (100 ns) between 1601-01-01 and 1970-01-01.
const FILETIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;

/// A `PT_SYSTIME` value (FILETIME) from seconds since the Unix epoch (clamped at 1601).
pub fn filetime_from_unix(secs: i64) -> u64 {
    let ticks = secs as i128 * 10_000_000 + FILETIME_UNIX_EPOCH as i128;
    ticks.clamp(0, u64::MAX as i128) as u64
}

/// The current time as a `PT_SYSTIME` value (FILETIME), to the second (the Unix
/// epoch on a clock set before it).
pub fn filetime_now() -> u64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    filetime_from_unix(secs)
}

/// Seconds since the Unix epoch of a FILETIME.
pub fn unix_from_filetime(ft: u64) -> i64 {
    ((ft as i128 - FILETIME_UNIX_EPOCH as i128) / 10_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::tags::*;
    use super::*;

    #[test]
    fn reference_tags_have_their_values() {
        let expected: &[(&str, u32)] = &[
            ("PR_ENTRYID", 0x0FFF0102),
            ("PR_OBJECT_TYPE", 0x0FFE0003),
            ("PR_DISPLAY_NAME", 0x3001001F),
            ("PR_PROVIDER_DISPLAY", 0x3006001F),
            ("PR_RESOURCE_FLAGS", 0x30090003),
            ("PR_SEARCH_KEY", 0x300B0102),
            ("PR_PROVIDER_UID", 0x300C0102),
            ("PR_PROVIDER_ORDINAL", 0x300D0003),
            ("PR_DEFAULT_STORE", 0x3400000B),
            ("PR_MDB_PROVIDER", 0x34140102),
            ("PR_DEFAULT_PROFILE", 0x3D04000B),
            ("PR_SERVICE_NAME", 0x3D09001F),
            ("PR_SERVICE_UID", 0x3D0C0102),
            ("PR_PROFILE_NAME", 0x3D12001F),
            ("PR_IDENTITY_DISPLAY", 0x3E00001F),
            ("PR_RESOURCE_METHODS", 0x3E020003),
            ("PR_RESOURCE_TYPE", 0x3E030003),
            ("PR_STATUS_CODE", 0x3E040003),
            ("PR_STATUS_STRING", 0x3E08001F),
            ("PR_SERVICE_ENTRY_NAME", 0x3D0B001E),
        ];
        for (name, value) in expected {
            assert_eq!(PropTag::parse(name), Some(PropTag(*value)), "{name}");
        }
        assert_eq!(PropTag(0x3001001E).name(), Some("PR_DISPLAY_NAME"));
        assert_eq!(PR_STATUS_CODE.id(), 0x3E04);
        assert_eq!(PR_STATUS_CODE.prop_type(), PropType::PT_LONG);
    }

    #[test]
    fn filetime_conversion() {
        assert_eq!(filetime_from_unix(0), 116_444_736_000_000_000);
        assert_eq!(
            unix_from_filetime(filetime_from_unix(1_700_000_000)),
            1_700_000_000
        );
        assert_eq!(filetime_from_unix(i64::MIN), 0);
    }

    #[test]
    fn type_values_and_multi() {
        assert_eq!(PropType::PT_BINARY.0, 0x0102);
        assert_eq!(PropType::PT_SYSTIME.0, 0x0040);
        assert_eq!(PropType::PT_LONG.multi().0, 0x1003);
        assert_eq!(PropType::PT_UNICODE.multi().name(), "PT_MV_UNICODE");
        assert_eq!(PropType(0x1102).base(), PropType::PT_BINARY);
    }

    #[test]
    fn secure_and_hex_tags() {
        assert!(PropTag(0x67F0_001F).is_secure());
        assert!(PropTag(0x67FF_0003).is_secure());
        assert!(!PropTag(0x67EF_0003).is_secure());
        assert_eq!(PropTag::parse("6600001e"), Some(PropTag(0x6600001E)));
        assert_eq!(PropTag::parse("0x66010003"), Some(PropTag(0x66010003)));
        assert_eq!(PropTag::parse("PR_NOPE"), None);
    }

    #[test]
    fn values_fit_their_tags() {
        assert!(PropValue::Unicode("x".into()).fits(PR_DISPLAY_NAME));
        assert!(PropValue::String8("x".into()).fits(PR_DISPLAY_NAME));
        assert!(!PropValue::Long(1).fits(PR_DISPLAY_NAME));
        let mv = PropValue::Multi(PropType::PT_UNICODE, vec![PropValue::Unicode("a".into())]);
        assert!(mv.fits(PR_SERVICE_SUPPORT_FILES));
    }
}
