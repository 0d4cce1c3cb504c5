//! Importing an INF-format `mapisvc.inf` (reference §4.5): `[Services]`,
//! `[Default Services]`, service sections with `Providers=` and property entries, provider
//! sections; symbolic `PR_`/`SERVICE_`/`STATUS_` names, `|`-joined flags and 8-hex-digit
//! tags. Provider-private properties (ids 0x6600-0x67FF) become settings whose key is the
//! tag in hex and whose default is the INF value.

use mapi_types::flags::{PROVIDER_FLAGS, SERVICE_FLAGS, parse_flag_words};
use mapi_types::{PropTag, PropType, PropValue, ProviderFlags, ServiceFlags, resource_type, tags};

use super::{ProviderDef, ServiceDef, SettingDef, SettingKind};
use crate::error::{ProfileError, Result};

struct Entry {
    key: String,
    value: String,
    line: usize,
}

struct Section {
    name: String,
    line: usize,
    entries: Vec<Entry>,
}

impl Section {
    fn get(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }
}

/// Parses an INF registry; errors name `file`, the line and the reason.
pub fn parse_inf(text: &str, file: &str) -> Result<Vec<ServiceDef>> {
    let err = |line: usize, reason: String| ProfileError::Registry {
        file: file.to_string(),
        line,
        reason,
    };
    let sections = split_sections(text, &err)?;
    let find = |name: &str| {
        sections
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name.trim()))
    };
    let services = find("Services").ok_or_else(|| err(0, "no [Services] section".into()))?;
    let defaults: Vec<String> = find("Default Services")
        .map(|s| s.entries.iter().map(|e| e.key.to_lowercase()).collect())
        .unwrap_or_default();
    if let Some(ds) = find("Default Services") {
        for e in &ds.entries {
            if services.get(&e.key).is_none() {
                return Err(err(
                    e.line,
                    format!("default service \"{}\" is not listed in [Services]", e.key),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for svc in &services.entries {
        let section = find(&svc.key).ok_or_else(|| {
            err(
                svc.line,
                format!("service \"{}\" has no [{}] section", svc.key, svc.key),
            )
        })?;
        let providers_entry = section.get("Providers").ok_or_else(|| {
            err(
                section.line,
                format!("service section [{}] has no Providers= entry", section.name),
            )
        })?;
        let mut service_flags = ServiceFlags::default();
        let mut display_name = svc.value.clone();
        let mut props = Vec::new();
        let mut settings = Vec::new();
        for e in &section.entries {
            match classify(e, &err)? {
                Item::Ignore => {}
                Item::Prop(tag, _) if tag == tags::PR_SERVICE_UID => {
                    return Err(err(
                        e.line,
                        "PR_SERVICE_UID must not appear in an INF file".into(),
                    ));
                }
                Item::Prop(tag, _) if tag == tags::PR_RESOURCE_FLAGS => {
                    service_flags = ServiceFlags(
                        parse_flag_words(&e.value, SERVICE_FLAGS, "message-service resource")
                            .map_err(|x| err(e.line, x.to_string()))?,
                    );
                }
                Item::Prop(tag, _) if tag.id() == tags::PR_DISPLAY_NAME.id() => {
                    display_name = e.value.clone();
                }
                Item::Prop(tag, value) => push_prop(tag, value, e, &mut props, &mut settings),
            }
        }
        let mut providers = Vec::new();
        for pname in providers_entry
            .value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let ps = find(pname).ok_or_else(|| {
                err(
                    providers_entry.line,
                    format!("provider section [{pname}] is missing"),
                )
            })?;
            providers.push(provider(ps, &err, &mut settings)?);
        }
        if providers.is_empty() {
            return Err(err(
                providers_entry.line,
                "Providers= names no provider".into(),
            ));
        }
        out.push(ServiceDef {
            name: svc.key.clone(),
            display_name,
            flags: service_flags,
            default: defaults.contains(&svc.key.to_lowercase()),
            providers,
            settings,
            props,
            origin: file.to_string(),
        });
    }
    Ok(out)
}

fn provider(
    ps: &Section,
    err: &impl Fn(usize, String) -> ProfileError,
    settings: &mut Vec<SettingDef>,
) -> Result<ProviderDef> {
    let mut def = ProviderDef {
        name: ps.name.clone(),
        display_name: ps.name.clone(),
        provider_display: String::new(),
        resource_type: 0,
        flags: ProviderFlags::default(),
        props: Vec::new(),
    };
    for e in &ps.entries {
        match classify(e, err)? {
            Item::Ignore => {}
            Item::Prop(tag, _) if tag == tags::PR_RESOURCE_TYPE => {
                def.resource_type = resource_type::from_name(&e.value)
                    .or_else(|| parse_number(&e.value))
                    .ok_or_else(|| err(e.line, format!("unknown resource type \"{}\"", e.value)))?;
            }
            Item::Prop(tag, _) if tag == tags::PR_RESOURCE_FLAGS => {
                def.flags = ProviderFlags(
                    parse_flag_words(&e.value, PROVIDER_FLAGS, "provider resource")
                        .map_err(|x| err(e.line, x.to_string()))?,
                );
            }
            Item::Prop(tag, _) if tag.id() == tags::PR_DISPLAY_NAME.id() => {
                def.display_name = e.value.clone();
            }
            Item::Prop(tag, _) if tag.id() == tags::PR_PROVIDER_DISPLAY.id() => {
                def.provider_display = e.value.clone();
            }
            Item::Prop(tag, value) => push_prop(tag, value, e, &mut def.props, settings),
        }
    }
    if def.resource_type == 0 {
        return Err(err(
            ps.line,
            format!("provider section [{}] has no PR_RESOURCE_TYPE", ps.name),
        ));
    }
    if def.provider_display.is_empty() {
        def.provider_display = def.display_name.clone();
    }
    Ok(def)
}

fn push_prop(
    tag: PropTag,
    value: PropValue,
    e: &Entry,
    props: &mut Vec<(PropTag, PropValue)>,
    settings: &mut Vec<SettingDef>,
) {
    let private = (0x6600..=0x67FF).contains(&tag.id());
    let kind = match tag.prop_type() {
        PropType::PT_STRING8 | PropType::PT_UNICODE => Some(SettingKind::String),
        PropType::PT_LONG => Some(SettingKind::Int {
            min: i32::MIN as i64,
            max: i32::MAX as i64,
        }),
        PropType::PT_BOOLEAN => Some(SettingKind::Bool),
        _ => None,
    };
    match kind {
        Some(kind) if private && !settings.iter().any(|s| s.tag == tag) => {
            let key = format!("{:08x}", tag.0);
            settings.push(SettingDef {
                label: key.clone(),
                key,
                tag,
                kind,
                required: false,
                secret: tag.is_secure(),
                default: Some(match &value {
                    PropValue::Long(v) => v.to_string(),
                    PropValue::Boolean(b) => b.to_string(),
                    other => other.to_string(),
                }),
            });
        }
        _ => props.push((tag, value)),
    }
    let _ = e;
}

enum Item {
    Ignore,
    Prop(PropTag, PropValue),
}

fn classify(e: &Entry, err: &impl Fn(usize, String) -> ProfileError) -> Result<Item> {
    let key = e.key.as_str();
    if key.eq_ignore_ascii_case("Providers") || key.eq_ignore_ascii_case("Sections") {
        return Ok(Item::Ignore);
    }
    let is_hex_tag = key.len() == 8 && key.chars().all(|c| c.is_ascii_hexdigit());
    if !is_hex_tag && !key.to_ascii_uppercase().starts_with("PR_") {
        // Other entries (WIZARD_ENTRY_NAME=, UID=, ...) are kept by MAPI for its own
        // tools; nothing here uses them.
        return Ok(Item::Ignore);
    }
    let tag = PropTag::parse(key)
        .ok_or_else(|| err(e.line, format!("unknown property name \"{key}\"")))?;
    if tag == tags::PR_RESOURCE_FLAGS || tag == tags::PR_RESOURCE_TYPE {
        return Ok(Item::Prop(tag, PropValue::Null));
    }
    let value = inf_value(tag, &e.value).map_err(|reason| err(e.line, reason))?;
    Ok(Item::Prop(tag, value))
}

/// Converts an INF value by the tag's type: PT_LONG as 8 hex digits of little-endian
/// bytes (`06000000` = 6) or a decimal/`0x` number; PT_BINARY as hex bytes; strings raw;
/// multi-valued strings comma-separated.
fn inf_value(tag: PropTag, text: &str) -> std::result::Result<PropValue, String> {
    let text = text.trim();
    match tag.prop_type() {
        PropType::PT_STRING8 => Ok(PropValue::String8(text.to_string())),
        PropType::PT_UNICODE => Ok(PropValue::Unicode(text.to_string())),
        PropType::PT_LONG => le_hex_u32(text)
            .or_else(|| parse_number(text))
            .map(|v| PropValue::Long(v as i32))
            .ok_or_else(|| {
                format!("{text:?} is not a PT_LONG value (8 hex digits, little-endian)")
            }),
        PropType::PT_BOOLEAN => le_hex_u32(text)
            .or_else(|| parse_number(text))
            .map(|v| PropValue::Boolean(v != 0))
            .ok_or_else(|| format!("{text:?} is not a PT_BOOLEAN value")),
        PropType::PT_BINARY => mapi_types::hex::decode(text)
            .map(PropValue::Binary)
            .ok_or_else(|| format!("{text:?} is not hex bytes")),
        t if t == PropType::PT_STRING8.multi() || t == PropType::PT_UNICODE.multi() => {
            Ok(PropValue::Multi(
                PropType::PT_UNICODE,
                text.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| PropValue::Unicode(s.to_string()))
                    .collect(),
            ))
        }
        other => Err(format!(
            "property type {} is not supported in an INF file",
            other.name()
        )),
    }
}

fn le_hex_u32(text: &str) -> Option<u32> {
    if text.len() != 8 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let b = mapi_types::hex::decode(text)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn parse_number(text: &str) -> Option<u32> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16).ok(),
        None => t.parse().ok(),
    }
}

fn split_sections(
    text: &str,
    err: &impl Fn(usize, String) -> ProfileError,
) -> Result<Vec<Section>> {
    let mut sections: Vec<Section> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim().trim_start_matches('\u{feff}');
        if l.is_empty() || l.starts_with(';') {
            continue;
        }
        if let Some(rest) = l.strip_prefix('[') {
            let name = rest
                .strip_suffix(']')
                .ok_or_else(|| err(line, format!("section header {l:?} lacks its closing ']'")))?;
            if name.trim().is_empty() {
                return Err(err(line, "empty section name".into()));
            }
            if sections
                .iter()
                .any(|s| s.name.eq_ignore_ascii_case(name.trim()))
            {
                return Err(err(
                    line,
                    format!("section [{}] appears twice", name.trim()),
                ));
            }
            sections.push(Section {
                name: name.trim().to_string(),
                line,
                entries: Vec::new(),
            });
            continue;
        }
        let (key, value) = l
            .split_once('=')
            .ok_or_else(|| err(line, format!("expected key=value, found {l:?}")))?;
        let section = sections
            .last_mut()
            .ok_or_else(|| err(line, "entry before any [section]".into()))?;
        section.entries.push(Entry {
            key: key.trim().to_string(),
            value: value.trim().to_string(),
            line,
        });
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "; a test registry
[Services]
PAB=Personal Address Book
EXAMPLE=Example Store

[Default Services]
PAB=Personal Address Book

[PAB]
PR_DISPLAY_NAME=Personal Address Book
Providers=PAB Provider
PR_SERVICE_DLL_NAME=mspst.dll
PR_SERVICE_ENTRY_NAME=PABServiceEntry
PR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY|SERVICE_NO_PRIMARY_IDENTITY
WIZARD_ENTRY_NAME=PABWizardEntry

[PAB Provider]
PR_DISPLAY_NAME=Personal Address Book
PR_PROVIDER_DISPLAY=Personal Address Book
PR_PROVIDER_DLL_NAME=mspst.dll
PR_RESOURCE_TYPE=MAPI_AB_PROVIDER
PR_RESOURCE_FLAGS=STATUS_NO_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY

[EXAMPLE]
Providers=Example Store Provider, Example Transport
PR_SERVICE_SUPPORT_FILES=a.dll, b.dll
66010003=06000000

[Example Store Provider]
PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER
PR_RESOURCE_FLAGS=STATUS_DEFAULT_STORE
6600001e=C:\\data\\store.db
34140102=78b2fa70aff711cd

[Example Transport]
PR_RESOURCE_TYPE=36
PR_RESOURCE_FLAGS=0x10
";

    #[test]
    fn imports_services_providers_flags_and_tags() {
        let defs = parse_inf(SAMPLE, "mapisvc.inf").unwrap();
        assert_eq!(defs.len(), 2);
        let pab = &defs[0];
        assert_eq!(pab.name, "PAB");
        assert!(pab.default);
        assert_eq!(
            pab.flags,
            ServiceFlags::SERVICE_SINGLE_COPY | ServiceFlags::SERVICE_NO_PRIMARY_IDENTITY
        );
        assert_eq!(
            pab.providers[0].resource_type,
            resource_type::MAPI_AB_PROVIDER
        );
        assert_eq!(pab.providers[0].flags.0, 0x40 | 0x20);
        assert!(pab.props.contains(&(
            tags::PR_SERVICE_ENTRY_NAME,
            PropValue::String8("PABServiceEntry".into())
        )));
        let ex = &defs[1];
        assert!(!ex.default);
        assert_eq!(ex.display_name, "Example Store");
        assert_eq!(ex.providers.len(), 2);
        assert_eq!(
            ex.providers[1].resource_type,
            resource_type::MAPI_TRANSPORT_PROVIDER
        );
        assert_eq!(ex.providers[1].flags, ProviderFlags::STATUS_XP_PREFER_LAST);
        let long = ex.setting("66010003").unwrap();
        assert_eq!(long.default.as_deref(), Some("6"));
        let path = ex.setting("6600001e").unwrap();
        assert_eq!(path.default.as_deref(), Some("C:\\data\\store.db"));
        assert!(ex.providers[0].props.contains(&(
            PropTag(0x34140102),
            PropValue::Binary(vec![0x78, 0xb2, 0xfa, 0x70, 0xaf, 0xf7, 0x11, 0xcd])
        )));
        assert!(matches!(
            ex.props.iter().find(|(t, _)| t.id() == 0x3D0F),
            Some((_, PropValue::Multi(_, v))) if v.len() == 2
        ));
    }

    fn error_line(text: &str) -> (usize, String) {
        match parse_inf(text, "x.inf") {
            Err(ProfileError::Registry { file, line, reason }) => {
                assert_eq!(file, "x.inf");
                (line, reason)
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_line_and_reason() {
        let (line, r) = error_line(
            "[Services]\nA=a\n[A]\nProviders=P\n[P]\nPR_RESOURCE_TYPE=MAPI_STORE_PROVIDER\nPR_RESOURCE_FLAGS=STATUS_BOGUS\n",
        );
        assert_eq!(line, 7);
        assert!(r.contains("STATUS_BOGUS"), "{r}");
        let (line, r) =
            error_line("[Services]\nA=a\n[A]\nProviders=P, Q\n[P]\nPR_RESOURCE_TYPE=33\n");
        assert_eq!(line, 4);
        assert!(r.contains("[Q]"), "{r}");
        let (line, r) = error_line("[Services]\nA=a\n");
        assert_eq!(line, 2, "{r}");
        let (line, r) = error_line(
            "[Services]\nA=a\n[A]\nProviders=P\nPR_NOT_A_TAG=1\n[P]\nPR_RESOURCE_TYPE=33\n",
        );
        assert_eq!(line, 5);
        assert!(r.contains("PR_NOT_A_TAG"), "{r}");
        let (line, _) = error_line(
            "[Services]\nA=a\n[A]\nProviders=P\n66010003=zz\n[P]\nPR_RESOURCE_TYPE=33\n",
        );
        assert_eq!(line, 5);
        let (line, r) = error_line("[Services\n");
        assert_eq!(line, 1, "{r}");
        let (line, r) = error_line("[Services]\njunk line\n");
        assert_eq!(line, 2, "{r}");
        let (line, r) = error_line("[Services]\nA=a\n[A]\nProviders=P\n[P]\nPR_DISPLAY_NAME=x\n");
        assert_eq!(line, 5, "{r}");
        let (line, r) = error_line(
            "[Services]\nA=a\n[A]\nProviders=P\nPR_SERVICE_UID=00\n[P]\nPR_RESOURCE_TYPE=33\n",
        );
        assert_eq!(line, 5, "{r}");
    }
}
