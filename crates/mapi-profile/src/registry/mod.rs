//! The service registry: the catalogue of installable message services (reference §4.5
//! semantics): built-in definitions, a `mapisvc.toml` and an INF-format `mapisvc.inf`
//! in the MAPI home. Each service declares its providers and its settings.

mod inf;
mod toml_file;
mod value;

use std::path::Path;

use mapi_types::{PropTag, PropValue, ProviderFlags, ServiceFlags};

use crate::error::{ProfileError, Result};

pub use inf::parse_inf;
pub use toml_file::parse_toml;
pub use value::{parse_setting_value, parse_setting_value_for};

/// File name of the TOML registry in the MAPI home.
pub const REGISTRY_TOML: &str = "mapisvc.toml";
/// File name of the INF registry in the MAPI home.
pub const REGISTRY_INF: &str = "mapisvc.inf";

const BUILTIN: &str = include_str!("builtin.toml");

/// The value kind of a setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingKind {
    /// Free text (`PT_UNICODE`).
    String,
    /// A file path, stored absolute (`PT_UNICODE`).
    Path,
    /// `true` / `false` (`PT_BOOLEAN`).
    Bool,
    /// An integer within bounds (`PT_LONG`).
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// One of a fixed list (`PT_UNICODE`).
    Choice(Vec<String>),
}

/// One configuration setting of a service, stored in the service's profile section.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingDef {
    /// The key users write (`--set key=value`).
    pub key: String,
    /// The property it is stored under.
    pub tag: PropTag,
    /// Its kind.
    pub kind: SettingKind,
    /// Whether logon needs it (missing -> `MAPI_E_UNCONFIGURED`).
    pub required: bool,
    /// Whether it is a secret (never printed; kept in the secure property range).
    pub secret: bool,
    /// The value used when none is set.
    pub default: Option<String>,
    /// A label for prompts.
    pub label: String,
}

/// One provider of a service (a provider section of MAPISVC.INF).
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderDef {
    /// Section name.
    pub name: String,
    /// PR_DISPLAY_NAME.
    pub display_name: String,
    /// PR_PROVIDER_DISPLAY.
    pub provider_display: String,
    /// PR_RESOURCE_TYPE.
    pub resource_type: u32,
    /// PR_RESOURCE_FLAGS.
    pub flags: ProviderFlags,
    /// Other properties copied into the provider's section.
    pub props: Vec<(PropTag, PropValue)>,
}

/// One installable message service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDef {
    /// PR_SERVICE_NAME: the `[Services]` key.
    pub name: String,
    /// PR_DISPLAY_NAME.
    pub display_name: String,
    /// PR_RESOURCE_FLAGS (SERVICE_*).
    pub flags: ServiceFlags,
    /// Whether it is in `[Default Services]`.
    pub default: bool,
    /// Its providers.
    pub providers: Vec<ProviderDef>,
    /// Its settings.
    pub settings: Vec<SettingDef>,
    /// Other properties copied into the service's section.
    pub props: Vec<(PropTag, PropValue)>,
    /// Where the definition came from (`built-in` or a file).
    pub origin: String,
}

impl ServiceDef {
    /// A setting by key.
    pub fn setting(&self, key: &str) -> Option<&SettingDef> {
        self.settings.iter().find(|s| s.key == key)
    }

    /// A setting by the tag it is stored under (either string width).
    pub fn setting_by_tag(&self, tag: PropTag) -> Option<&SettingDef> {
        self.settings.iter().find(|s| s.tag.id() == tag.id())
    }

    /// Keys of the required settings.
    pub fn required_keys(&self) -> Vec<&str> {
        self.settings
            .iter()
            .filter(|s| s.required)
            .map(|s| s.key.as_str())
            .collect()
    }
}

/// The catalogue of installable services.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    services: Vec<ServiceDef>,
}

impl Registry {
    /// The built-in services only.
    pub fn builtin() -> Registry {
        let services = parse_toml(BUILTIN, "built-in mapisvc.toml")
            .expect("the built-in registry is valid (checked by a test)");
        Registry { services }
    }

    /// Built-in services, then `mapisvc.inf` and `mapisvc.toml` from `home` when present
    /// (later definitions of a name replace earlier ones). A bad file is an error naming
    /// the file, the line and the reason.
    pub fn load(home: &Path) -> Result<Registry> {
        let mut reg = Registry::builtin();
        let inf = home.join(REGISTRY_INF);
        if inf.is_file() {
            let text = read(&inf)?;
            reg.merge(parse_inf(&text, &inf.display().to_string())?);
        }
        let toml = home.join(REGISTRY_TOML);
        if toml.is_file() {
            let text = read(&toml)?;
            reg.merge(parse_toml(&text, &toml.display().to_string())?);
        }
        Ok(reg)
    }

    /// Adds definitions, replacing services of the same name.
    pub fn merge(&mut self, defs: Vec<ServiceDef>) {
        for def in defs {
            match self.services.iter_mut().find(|s| s.name == def.name) {
                Some(slot) => *slot = def,
                None => self.services.push(def),
            }
        }
    }

    /// A service by name.
    pub fn get(&self, name: &str) -> Option<&ServiceDef> {
        self.services.iter().find(|s| s.name == name)
    }

    /// A service by name, or `MAPI_E_NOT_FOUND`.
    pub fn require(&self, name: &str) -> Result<&ServiceDef> {
        self.get(name)
            .ok_or_else(|| ProfileError::UnknownService(name.to_string()))
    }

    /// Every service, in catalogue order.
    pub fn services(&self) -> &[ServiceDef] {
        &self.services
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| ProfileError::Registry {
        file: path.display().to_string(),
        line: 0,
        reason: format!("cannot read: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::resource_type;

    #[test]
    fn builtin_registry_declares_the_three_services() {
        let reg = Registry::builtin();
        let local = reg.get("local-store").unwrap();
        assert_eq!(local.required_keys(), ["path"]);
        assert_eq!(
            local.setting("exclusive").unwrap().default.as_deref(),
            Some("false")
        );
        assert_eq!(
            local.providers[0].resource_type,
            resource_type::MAPI_STORE_PROVIDER
        );
        let contacts = reg.get("contacts").unwrap();
        assert!(contacts.flags.contains(ServiceFlags::SERVICE_SINGLE_COPY));
        assert_eq!(
            contacts.providers[0].resource_type,
            resource_type::MAPI_AB_PROVIDER
        );
        let mail = reg.get("internet-mail").unwrap();
        assert_eq!(
            mail.required_keys(),
            ["email", "user", "password", "imap_host", "smtp_host"]
        );
        let pw = mail.setting("password").unwrap();
        assert!(pw.secret && pw.tag.is_secure());
        assert_eq!(
            mail.setting("imap_security").unwrap().kind,
            SettingKind::Choice(vec!["tls".into(), "starttls".into(), "none".into()])
        );
        assert_eq!(mail.providers.len(), 2);
    }

    #[test]
    fn home_files_add_and_override() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(REGISTRY_TOML),
            "[[service]]\nname = \"local-store\"\ndisplay_name = \"Mine\"\n\
             [[service.provider]]\nname = \"p\"\nresource_type = \"MAPI_STORE_PROVIDER\"\n",
        )
        .unwrap();
        let reg = Registry::load(dir.path()).unwrap();
        assert_eq!(reg.get("local-store").unwrap().display_name, "Mine");
        assert!(reg.get("contacts").is_some());
    }
}
