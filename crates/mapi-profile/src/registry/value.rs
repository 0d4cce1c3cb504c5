//! Turning a setting's text (`--set key=value`) into the property value stored.

use mapi_types::PropValue;

use super::{ServiceDef, SettingDef, SettingKind};
use crate::error::{ProfileError, Result};

/// Parses `text` for the setting `key` of a service: an unknown key ->
/// `MAPI_E_INVALID_PARAMETER` naming the key and the known ones.
pub fn parse_setting_value_for(service: &ServiceDef, key: &str, text: &str) -> Result<PropValue> {
    let def = service
        .setting(key)
        .ok_or_else(|| ProfileError::UnknownSetting {
            service: service.name.clone(),
            key: key.to_string(),
            known: service
                .settings
                .iter()
                .map(|s| s.key.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    parse_setting_value(def, text)
}

/// Parses `text` as a value of `def`'s kind. Paths are made absolute.
pub fn parse_setting_value(def: &SettingDef, text: &str) -> Result<PropValue> {
    let bad = |reason: String| ProfileError::InvalidSetting {
        key: def.key.clone(),
        reason,
    };
    match &def.kind {
        SettingKind::String => Ok(PropValue::Unicode(text.to_string())),
        SettingKind::Path => {
            if text.is_empty() {
                return Err(bad("a path cannot be empty".into()));
            }
            let abs = std::path::absolute(text)
                .map_err(|e| bad(format!("cannot make {text:?} absolute: {e}")))?;
            let s = abs
                .to_str()
                .ok_or_else(|| bad("the path is not valid UTF-8".into()))?;
            Ok(PropValue::Unicode(s.to_string()))
        }
        SettingKind::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(PropValue::Boolean(true)),
            "false" | "no" | "0" | "off" => Ok(PropValue::Boolean(false)),
            _ => Err(bad(format!("{text:?} is not a boolean (true or false)"))),
        },
        SettingKind::Int { min, max } => {
            let v: i64 = text
                .trim()
                .parse()
                .map_err(|_| bad(format!("{text:?} is not a whole number")))?;
            if v < *min || v > *max {
                return Err(bad(format!("{v} is outside {min}..={max}")));
            }
            Ok(PropValue::Long(v as i32))
        }
        SettingKind::Choice(choices) => {
            if choices.iter().any(|c| c == text) {
                Ok(PropValue::Unicode(text.to_string()))
            } else {
                Err(bad(format!(
                    "{text:?} is not one of {}",
                    choices.join(", ")
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn parses_each_kind_and_rejects_wrong_types() {
        let reg = Registry::builtin();
        let mail = reg.get("internet-mail").unwrap();
        let local = reg.get("local-store").unwrap();
        let port = mail.setting("imap_port").unwrap();
        assert_eq!(
            parse_setting_value(port, "993").unwrap(),
            PropValue::Long(993)
        );
        assert!(parse_setting_value(port, "99999").is_err());
        assert!(parse_setting_value(port, "ninety").is_err());
        let sec = mail.setting("imap_security").unwrap();
        assert!(parse_setting_value(sec, "starttls").is_ok());
        assert!(parse_setting_value(sec, "ssl").is_err());
        let ex = local.setting("exclusive").unwrap();
        assert_eq!(
            parse_setting_value(ex, "yes").unwrap(),
            PropValue::Boolean(true)
        );
        assert!(parse_setting_value(ex, "maybe").is_err());
        let path = local.setting("path").unwrap();
        let v = parse_setting_value(path, "rel/store.db").unwrap();
        assert!(std::path::Path::new(v.as_str().unwrap()).is_absolute());
        assert!(parse_setting_value(path, "").is_err());
    }
}
