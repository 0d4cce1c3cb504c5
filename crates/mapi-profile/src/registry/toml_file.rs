//! Reading service definitions from TOML (`mapisvc.toml` and the built-in catalogue).

use mapi_types::flags::{PROVIDER_FLAGS, SERVICE_FLAGS, parse_flag_words};
use mapi_types::{PropTag, PropType, ProviderFlags, ServiceFlags, resource_type};
use serde::Deserialize;

use super::{ProviderDef, ServiceDef, SettingDef, SettingKind};
use crate::error::{ProfileError, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    service: Vec<Service>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Service {
    name: String,
    display_name: Option<String>,
    #[serde(default)]
    flags: String,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    provider: Vec<Provider>,
    #[serde(default)]
    setting: Vec<Setting>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Provider {
    name: String,
    display_name: Option<String>,
    provider_display: Option<String>,
    resource_type: String,
    #[serde(default)]
    flags: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Setting {
    key: String,
    tag: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    secret: bool,
    default: Option<String>,
    label: Option<String>,
    choices: Option<Vec<String>>,
    min: Option<i64>,
    max: Option<i64>,
}

/// Parses a TOML registry; errors name `file`, the line and the reason.
pub fn parse_toml(text: &str, file: &str) -> Result<Vec<ServiceDef>> {
    let parsed: File = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        ProfileError::Registry {
            file: file.to_string(),
            line,
            reason: e.message().to_string(),
        }
    })?;
    parsed
        .service
        .into_iter()
        .map(|s| convert(s, text, file))
        .collect()
}

fn convert(s: Service, text: &str, file: &str) -> Result<ServiceDef> {
    let err = |needle: &str, reason: String| ProfileError::Registry {
        file: file.to_string(),
        line: line_of(text, needle),
        reason,
    };
    if s.name.trim().is_empty() {
        return Err(err("name", "a service needs a non-empty name".into()));
    }
    let flags = parse_flag_words(&s.flags, SERVICE_FLAGS, "message-service resource")
        .map_err(|e| err(&s.flags, e.to_string()))?;
    if s.provider.is_empty() {
        return Err(err(
            &format!("\"{}\"", s.name),
            format!("service \"{}\" lists no provider", s.name),
        ));
    }
    let mut providers = Vec::new();
    for p in s.provider {
        let rt = resource_type::from_name(&p.resource_type).ok_or_else(|| {
            err(
                &p.resource_type,
                format!("unknown resource type \"{}\"", p.resource_type),
            )
        })?;
        let pflags = parse_flag_words(&p.flags, PROVIDER_FLAGS, "provider resource")
            .map_err(|e| err(&p.flags, e.to_string()))?;
        let display = p.display_name.unwrap_or_else(|| p.name.clone());
        providers.push(ProviderDef {
            provider_display: p.provider_display.unwrap_or_else(|| display.clone()),
            display_name: display,
            name: p.name,
            resource_type: rt,
            flags: ProviderFlags(pflags),
            props: Vec::new(),
        });
    }
    let mut settings = Vec::new();
    for st in s.setting {
        let tag = PropTag::parse(&st.tag)
            .ok_or_else(|| err(&st.tag, format!("\"{}\" is not a property tag", st.tag)))?;
        let (kind, want) = match st.kind.as_str() {
            "string" => (SettingKind::String, PropType::PT_UNICODE),
            "path" => (SettingKind::Path, PropType::PT_UNICODE),
            "bool" => (SettingKind::Bool, PropType::PT_BOOLEAN),
            "int" => (
                SettingKind::Int {
                    min: st.min.unwrap_or(i32::MIN as i64),
                    max: st.max.unwrap_or(i32::MAX as i64),
                },
                PropType::PT_LONG,
            ),
            "choice" => match st.choices {
                Some(c) if !c.is_empty() => (SettingKind::Choice(c), PropType::PT_UNICODE),
                _ => {
                    return Err(err(
                        &st.key,
                        format!("choice setting \"{}\" lists no choices", st.key),
                    ));
                }
            },
            other => {
                return Err(err(
                    other,
                    format!("unknown setting type \"{other}\" (string, path, bool, int, choice)"),
                ));
            }
        };
        let tag_type = tag.prop_type();
        let string_ok = want == PropType::PT_UNICODE && tag_type == PropType::PT_STRING8;
        if tag_type != want && !string_ok {
            return Err(err(
                &st.tag,
                format!(
                    "setting \"{}\" of type {} needs a {} tag, not {}",
                    st.key,
                    st.kind,
                    want.name(),
                    tag_type.name()
                ),
            ));
        }
        if st.secret && !tag.is_secure() {
            return Err(err(
                &st.tag,
                format!(
                    "secret setting \"{}\" must use a secure tag (ids 0x67F0-0x67FF)",
                    st.key
                ),
            ));
        }
        settings.push(SettingDef {
            label: st.label.unwrap_or_else(|| st.key.clone()),
            key: st.key,
            tag,
            kind,
            required: st.required,
            secret: st.secret,
            default: st.default,
        });
    }
    Ok(ServiceDef {
        display_name: s.display_name.unwrap_or_else(|| s.name.clone()),
        name: s.name,
        flags: ServiceFlags(flags),
        default: s.default,
        providers,
        settings,
        props: Vec::new(),
        origin: file.to_string(),
    })
}

fn line_of(text: &str, needle: &str) -> usize {
    if needle.is_empty() {
        return 0;
    }
    text.find(needle)
        .map(|at| text[..at].matches('\n').count() + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(text: &str) -> (usize, String) {
        match parse_toml(text, "t.toml") {
            Err(ProfileError::Registry { file, line, reason }) => {
                assert_eq!(file, "t.toml");
                (line, reason)
            }
            other => panic!("expected a registry error, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let (line, reason) = err_of("[[service]]\nname = \"x\"\nflags = SERVICE_SINGLE_COPY\n");
        assert_eq!(line, 3, "{reason}");
    }

    #[test]
    fn semantic_errors_name_the_line_and_reason() {
        let (line, reason) = err_of(
            "[[service]]\nname = \"x\"\nflags = \"SERVICE_BOGUS\"\n[[service.provider]]\nname = \"p\"\nresource_type = \"MAPI_STORE_PROVIDER\"\n",
        );
        assert_eq!(line, 3);
        assert!(reason.contains("SERVICE_BOGUS"), "{reason}");
        let (line, reason) = err_of(
            "[[service]]\nname = \"x\"\n[[service.provider]]\nname = \"p\"\nresource_type = \"MAPI_NOPE\"\n",
        );
        assert_eq!(line, 5);
        assert!(reason.contains("MAPI_NOPE"), "{reason}");
        let (_, reason) = err_of("[[service]]\nname = \"x\"\n");
        assert!(reason.contains("no provider"), "{reason}");
        let (line, reason) = err_of("[[service]]\nname = \"x\"\ncolour = 1\n");
        assert_eq!(line, 3, "{reason}");
        let (_, reason) = err_of(
            "[[service]]\nname = \"x\"\n[[service.provider]]\nname = \"p\"\nresource_type = \"MAPI_STORE_PROVIDER\"\n[[service.setting]]\nkey = \"pw\"\ntag = \"0x6600001F\"\ntype = \"string\"\nsecret = true\n",
        );
        assert!(reason.contains("secure tag"), "{reason}");
        let (_, reason) = err_of(
            "[[service]]\nname = \"x\"\n[[service.provider]]\nname = \"p\"\nresource_type = \"MAPI_STORE_PROVIDER\"\n[[service.setting]]\nkey = \"n\"\ntag = \"0x6600001F\"\ntype = \"int\"\n",
        );
        assert!(reason.contains("PT_LONG"), "{reason}");
    }
}
