//! A service's configuration as its providers read it: setting key -> value, taken from
//! the profile by the engine using the service's registry definition.

use std::collections::BTreeMap;
use std::fmt;

use mapi_types::PropValue;

/// Setting key -> value. Secret values are present but never printed by `Debug`.
#[derive(Clone, Default, PartialEq)]
pub struct Settings {
    values: BTreeMap<String, PropValue>,
    secret: Vec<String>,
}

impl Settings {
    /// Empty settings.
    pub fn new() -> Settings {
        Settings::default()
    }

    /// Sets a value.
    pub fn set(&mut self, key: &str, value: PropValue) {
        self.values.insert(key.to_string(), value);
    }

    /// Marks a key as secret (hidden from `Debug`).
    pub fn mark_secret(&mut self, key: &str) {
        if !self.secret.iter().any(|k| k == key) {
            self.secret.push(key.to_string());
        }
    }

    /// A value.
    pub fn get(&self, key: &str) -> Option<&PropValue> {
        self.values.get(key)
    }

    /// A non-empty string value.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(PropValue::as_str)
            .filter(|s| !s.is_empty())
    }

    /// A boolean value (`PT_BOOLEAN`, or a string `true`/`false`/`yes`/`no`/`1`/`0`).
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            PropValue::Boolean(b) => Some(*b),
            PropValue::Long(v) => Some(*v != 0),
            v => match v.as_str()?.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => Some(true),
                "false" | "no" | "0" | "off" => Some(false),
                _ => None,
            },
        }
    }

    /// An integer value (`PT_LONG`/`PT_I8`, or a decimal string).
    pub fn int(&self, key: &str) -> Option<i64> {
        let v = self.get(key)?;
        v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())
    }

    /// The keys of `required` that have no (non-empty) value.
    pub fn missing(&self, required: &[&str]) -> Vec<String> {
        required
            .iter()
            .filter(|k| match self.get(k) {
                None => true,
                Some(v) => v.as_str().is_some_and(str::is_empty),
            })
            .map(|k| k.to_string())
            .collect()
    }

    /// Every (key, value) pair.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &PropValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.values {
            if self.secret.contains(k) {
                m.entry(k, &"***");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_reads_missing_and_secret_debug() {
        let mut s = Settings::new();
        s.set("path", PropValue::Unicode("/x".into()));
        s.set("exclusive", PropValue::Unicode("yes".into()));
        s.set("port", PropValue::Unicode("993".into()));
        s.set("user", PropValue::Unicode(String::new()));
        s.set("password", PropValue::Unicode("hunter2".into()));
        s.mark_secret("password");
        assert_eq!(s.str("path"), Some("/x"));
        assert_eq!(s.bool("exclusive"), Some(true));
        assert_eq!(s.int("port"), Some(993));
        assert_eq!(s.missing(&["path", "user", "host"]), ["user", "host"]);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("hunter2") && dbg.contains("***"), "{dbg}");
    }
}
