//! `IMsgServiceAdmin`: the message-service table, create / delete / copy / configure,
//! transport order, primary identity, and the settings a service holds.

use mapi_types::{MapiUid, PropTag, PropValue, ProviderFlags, ServiceFlags, codec, resource_type};

use crate::db::{Db, args};
use crate::error::{ProfileError, Result};
use crate::profiles::require;
use crate::registry::{Registry, ServiceDef, SettingDef, parse_setting_value};
use crate::secrets::{Sealing, Vault, reseal_section};
use crate::store::ProfileStore;

/// A row of the message-service table (reference §7.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    /// PR_SERVICE_UID.
    pub uid: MapiUid,
    /// PR_SERVICE_NAME (the registry name).
    pub service_name: String,
    /// PR_DISPLAY_NAME.
    pub display_name: String,
    /// PR_RESOURCE_FLAGS.
    pub flags: ServiceFlags,
}

/// One setting of a service with its current value.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingValue {
    /// The setting's definition.
    pub def: SettingDef,
    /// The stored value, else the default, else `None`. `None` too for a secret that is
    /// stored but cannot be read now (`locked`).
    pub value: Option<PropValue>,
    /// Whether `value` is the default rather than stored.
    pub is_default: bool,
    /// A secret that is stored but unreadable now: its profile has a password and is not
    /// unlocked (or its keyring is not reachable in this session). Such a setting is not
    /// listed in [`ServiceConfig::missing`]; unlock the profile to read it.
    pub locked: bool,
}

/// A service's configuration: every declared setting and which required ones are missing.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    /// The service.
    pub service: ServiceInfo,
    /// Every setting the registry declares for it, in declaration order.
    pub settings: Vec<SettingValue>,
    /// Required settings with no value: logon reports `MAPI_E_UNCONFIGURED` for them.
    /// Locked secrets are stored, so they are not listed here (see
    /// [`SettingValue::locked`] and [`locked`](Self::locked)).
    pub missing: Vec<String>,
}

impl ServiceConfig {
    /// Keys of the secrets that are stored but locked.
    pub fn locked(&self) -> Vec<&str> {
        self.settings
            .iter()
            .filter(|s| s.locked)
            .map(|s| s.def.key.as_str())
            .collect()
    }

    /// The value of a setting.
    pub fn value(&self, key: &str) -> Option<&PropValue> {
        self.settings
            .iter()
            .find(|s| s.def.key == key)
            .and_then(|s| s.value.as_ref())
    }
}

impl ProfileStore {
    /// `GetMsgServiceTable`: the profile's services in the order they were added.
    pub fn msg_service_table(&self, profile: &str) -> Result<Vec<ServiceInfo>> {
        let p = self.profile_ref(profile)?;
        let rows = self.with_db(|db| {
            db.rows(
                "SELECT uid, service_name, display_name, flags FROM services
                 WHERE profile_id = ?1 ORDER BY seq",
                args![p.id],
            )
        })?;
        let mut out = Vec::new();
        for r in rows {
            out.push(ServiceInfo {
                uid: self.uid(&r.blob(0)?)?,
                service_name: r.text(1)?,
                display_name: r.text(2)?,
                flags: ServiceFlags(r.int(3)? as u32),
            });
        }
        Ok(out)
    }

    /// One service of a profile.
    pub fn msg_service(&self, profile: &str, uid: MapiUid) -> Result<ServiceInfo> {
        self.msg_service_table(profile)?
            .into_iter()
            .find(|s| s.uid == uid)
            .ok_or_else(|| ProfileError::ServiceNotFound {
                profile: profile.to_string(),
                uid: uid.to_string(),
            })
    }

    /// `CreateMsgServiceEx`: adds a service from the registry with its providers and the
    /// given settings (`key`, text). Required settings may be missing (the service is then
    /// unconfigured); an unknown key or a bad value -> `MAPI_E_INVALID_PARAMETER` and nothing
    /// is stored. A second copy of a SERVICE_SINGLE_COPY service -> `MAPI_E_NO_ACCESS`.
    pub fn create_msg_service(
        &mut self,
        registry: &Registry,
        profile: &str,
        service_name: &str,
        display_name: Option<&str>,
        settings: &[(String, String)],
    ) -> Result<MapiUid> {
        let def = registry.require(service_name)?.clone();
        let values = parse_settings(&def, settings)?;
        let secret = any_secure(&values)
            || any_secure(&def.props)
            || def.providers.iter().any(|p| any_secure(&p.props));
        let vault = self.vault(profile, secret)?;
        let path = self.name.clone();
        self.write(|tx| {
            let p = require(tx, &path, profile)?;
            check_single_copy(tx, &path, p.id, &def.name, def.flags)?;
            let uid = MapiUid::random();
            let seq = next_seq(tx, &path, p.id)?;
            tx.exec(
                "INSERT INTO services (uid, profile_id, service_name, display_name, flags, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                args![
                    uid.0.as_slice(),
                    p.id,
                    &def.name,
                    display_name.unwrap_or(&def.display_name),
                    def.flags.0 as i64,
                    seq
                ],
            )?;
            for (i, prov) in def.providers.iter().enumerate() {
                let puid = MapiUid::random();
                tx.exec(
                    "INSERT INTO providers (uid, service_uid, provider_name, display_name,
                        provider_display, resource_type, flags, seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    args![
                        puid.0.as_slice(),
                        uid.0.as_slice(),
                        &prov.name,
                        &prov.display_name,
                        &prov.provider_display,
                        prov.resource_type as i64,
                        prov.flags.0 as i64,
                        i as i64
                    ],
                )?;
                put_props(tx, &path, &vault, puid, &prov.props)?;
            }
            put_props(tx, &path, &vault, uid, &def.props)?;
            put_props(tx, &path, &vault, uid, &values)?;
            Ok(uid)
        })
    }

    /// `ConfigureMsgService` with properties and no UI: sets settings (`key`, text); an
    /// empty text removes a setting. All or nothing. Setting a secret of a locked
    /// password profile -> `MAPI_E_LOGON_FAILED`.
    pub fn configure_msg_service(
        &mut self,
        registry: &Registry,
        profile: &str,
        uid: MapiUid,
        settings: &[(String, String)],
    ) -> Result<()> {
        let svc = self.msg_service(profile, uid)?;
        let def = registry.require(&svc.service_name)?.clone();
        let (clear, set): (Vec<_>, Vec<_>) =
            settings.iter().cloned().partition(|(_, v)| v.is_empty());
        for (k, _) in &clear {
            lookup(&def, k)?;
        }
        let values = parse_settings(&def, &set)?;
        let vault = self.vault(profile, any_secure(&values))?;
        let path = self.name.clone();
        self.write(|tx| {
            let p = require(tx, &path, profile)?;
            for (k, _) in &clear {
                let tag = lookup(&def, k)?.tag;
                tx.exec(
                    "DELETE FROM section_props WHERE profile_id = ?1 AND section = ?2 AND tag = ?3",
                    args![p.id, uid.0.as_slice(), tag.0 as i64],
                )?;
            }
            put_props(tx, &path, &vault, uid, &values)
        })
    }

    /// The settings of a service: stored values, defaults, and what is missing.
    pub fn service_config(
        &self,
        registry: &Registry,
        profile: &str,
        uid: MapiUid,
    ) -> Result<ServiceConfig> {
        let service = self.msg_service(profile, uid)?;
        let def = registry.require(&service.service_name)?;
        let tags: Vec<PropTag> = def.settings.iter().map(|s| s.tag).collect();
        let stored = self.get_props(profile, uid, Some(&tags))?;
        let mut settings = Vec::new();
        let mut missing = Vec::new();
        for sd in &def.settings {
            let locked = stored.iter().any(|(t, v)| {
                t.id() == sd.tag.id() && *v == PropValue::Error(LOCKED.0) && t.is_secure()
            });
            let found = stored
                .iter()
                .find(|(t, v)| t.id() == sd.tag.id() && !matches!(v, PropValue::Error(_)))
                .map(|(_, v)| v.clone());
            let (value, is_default) = match found {
                _ if locked => (None, false),
                Some(v) => (Some(v), false),
                None => (
                    sd.default
                        .as_deref()
                        .and_then(|d| parse_setting_value(sd, d).ok()),
                    true,
                ),
            };
            let empty = value.as_ref().is_none_or(|v| v.as_str() == Some(""));
            if sd.required && empty && !locked {
                missing.push(sd.key.clone());
            }
            settings.push(SettingValue {
                def: sd.clone(),
                value,
                is_default,
                locked,
            });
        }
        Ok(ServiceConfig {
            service,
            settings,
            missing,
        })
    }

    /// `DeleteMsgService`: the service, its providers and their sections, and its
    /// secrets (in the side file or keyring too).
    pub fn delete_msg_service(&mut self, profile: &str, uid: MapiUid) -> Result<()> {
        self.msg_service(profile, uid)?;
        let path = self.name.clone();
        self.write(|tx| {
            let p = require(tx, &path, profile)?;
            tx.exec(
                "DELETE FROM section_props WHERE profile_id = ?1 AND (section = ?2 OR section IN
                    (SELECT uid FROM providers WHERE service_uid = ?2))",
                args![p.id, uid.0.as_slice()],
            )?;
            tx.exec(
                "DELETE FROM services WHERE uid = ?1",
                args![uid.0.as_slice()],
            )?;
            Ok(())
        })
    }

    /// `CopyMsgService`: copies a service with its settings into a profile (the same or
    /// another); returns the copy's uid. Single-copy services already present ->
    /// `MAPI_E_NO_ACCESS`. Secrets are re-sealed for the target profile: a locked
    /// password profile on either side -> `MAPI_E_LOGON_FAILED`.
    pub fn copy_msg_service(
        &mut self,
        profile: &str,
        uid: MapiUid,
        to_profile: &str,
    ) -> Result<MapiUid> {
        let svc = self.msg_service(profile, uid)?;
        let src = self.vault(profile, false)?;
        let has_secrets = self.has_secrets(src.profile_id)?;
        let dst = self.vault(to_profile, has_secrets)?;
        let path = self.name.clone();
        self.write(|tx| {
            check_single_copy(tx, &path, dst.profile_id, &svc.service_name, svc.flags)?;
            copy_service_rows(tx, &path, &src, uid, &dst)
        })
    }

    /// `MsgServiceTransportOrder`: the full ordered list of the profile's transport
    /// providers. A wrong count -> `MAPI_E_BUSY`; a uid that is not one of them ->
    /// `MAPI_E_NOT_FOUND`.
    pub fn msg_service_transport_order(&mut self, profile: &str, order: &[MapiUid]) -> Result<()> {
        let transports: Vec<MapiUid> = self
            .provider_table(profile)?
            .into_iter()
            .filter(|p| p.resource_type == resource_type::MAPI_TRANSPORT_PROVIDER)
            .map(|p| p.uid)
            .collect();
        if order.len() != transports.len() {
            return Err(ProfileError::TransportCount {
                expected: transports.len(),
                got: order.len(),
            });
        }
        for u in order {
            if !transports.contains(u) {
                return Err(ProfileError::NotATransport(u.to_string()));
            }
        }
        let mut seen = order.to_vec();
        seen.sort();
        seen.dedup();
        if seen.len() != order.len() {
            return Err(ProfileError::TransportCount {
                expected: transports.len(),
                got: seen.len(),
            });
        }

        self.write(|tx| {
            for (i, u) in order.iter().enumerate() {
                tx.exec(
                    "UPDATE providers SET transport_order = ?1 WHERE uid = ?2",
                    args![i as i64, u.0.as_slice()],
                )?;
            }
            Ok(())
        })
    }

    /// `SetPrimaryIdentity`: makes a service the source of the session's primary
    /// identity (`None` clears it). A service whose registry definition has
    /// SERVICE_NO_PRIMARY_IDENTITY -> `MAPI_E_NO_ACCESS`.
    pub fn set_primary_identity(
        &mut self,
        registry: &Registry,
        profile: &str,
        uid: Option<MapiUid>,
    ) -> Result<()> {
        let services = self.msg_service_table(profile)?;
        if let Some(u) = uid {
            let svc = services.iter().find(|s| s.uid == u).ok_or_else(|| {
                ProfileError::ServiceNotFound {
                    profile: profile.to_string(),
                    uid: u.to_string(),
                }
            })?;
            let static_flags = registry
                .get(&svc.service_name)
                .map(|d| d.flags)
                .unwrap_or(svc.flags);
            if static_flags.contains(ServiceFlags::SERVICE_NO_PRIMARY_IDENTITY) {
                return Err(ProfileError::NoPrimaryIdentity(svc.service_name.clone()));
            }
        }

        self.write(|tx| {
            for s in &services {
                let chosen = Some(s.uid) == uid;
                let mut f = s.flags;
                if chosen {
                    f = (f - ServiceFlags::SERVICE_NO_PRIMARY_IDENTITY)
                        | ServiceFlags::SERVICE_PRIMARY_IDENTITY;
                } else {
                    f = f - ServiceFlags::SERVICE_PRIMARY_IDENTITY;
                    if uid.is_some() {
                        f |= ServiceFlags::SERVICE_NO_PRIMARY_IDENTITY;
                    }
                }
                tx.exec(
                    "UPDATE services SET flags = ?1 WHERE uid = ?2",
                    args![f.0 as i64, s.uid.0.as_slice()],
                )?;
                let (add, remove) = if chosen {
                    (
                        ProviderFlags::STATUS_PRIMARY_IDENTITY.0,
                        ProviderFlags::STATUS_NO_PRIMARY_IDENTITY.0,
                    )
                } else {
                    (0, ProviderFlags::STATUS_PRIMARY_IDENTITY.0)
                };
                tx.exec(
                    "UPDATE providers SET flags = (flags & ~CAST(?1 AS BIGINT)) | CAST(?2 AS BIGINT)
                     WHERE service_uid = ?3",
                    args![remove as i64, add as i64, s.uid.0.as_slice()],
                )?;
            }
            Ok(())
        })
    }

    pub(crate) fn uid(&self, bytes: &[u8]) -> Result<MapiUid> {
        MapiUid::from_slice(bytes).ok_or_else(|| ProfileError::Corrupt {
            path: self.name.clone(),
            detail: "a uid is not 16 bytes".into(),
        })
    }
}

fn lookup<'a>(def: &'a ServiceDef, key: &str) -> Result<&'a SettingDef> {
    def.setting(key)
        .ok_or_else(|| ProfileError::UnknownSetting {
            service: def.name.clone(),
            key: key.to_string(),
            known: def
                .settings
                .iter()
                .map(|s| s.key.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

fn parse_settings(
    def: &ServiceDef,
    settings: &[(String, String)],
) -> Result<Vec<(PropTag, PropValue)>> {
    settings
        .iter()
        .map(|(k, v)| {
            let sd = lookup(def, k)?;
            Ok((sd.tag, parse_setting_value(sd, v)?))
        })
        .collect()
}

fn check_single_copy(
    tx: &dyn Db,
    _path: &str,
    profile_id: i64,
    service_name: &str,
    flags: ServiceFlags,
) -> Result<()> {
    if !flags.contains(ServiceFlags::SERVICE_SINGLE_COPY) {
        return Ok(());
    }
    let present = tx.row(
        "SELECT 1 FROM services WHERE profile_id = ?1 AND service_name = ?2",
        args![profile_id, service_name],
    )?;
    if present.is_some() {
        return Err(ProfileError::SingleCopy(service_name.to_string()));
    }
    Ok(())
}

fn next_seq(tx: &dyn Db, _path: &str, profile_id: i64) -> Result<i64> {
    tx.one(
        "SELECT COALESCE(MAX(seq), -1) + 1 FROM services WHERE profile_id = ?1",
        args![profile_id],
    )?
    .int(0)
}

/// `PropValue::Error` code `get_props` gives for a secret that is stored but cannot be
/// read now (a locked profile).
pub const LOCKED: mapi_types::Status = mapi_types::Status::MAPI_E_NO_ACCESS;

fn any_secure(props: &[(PropTag, PropValue)]) -> bool {
    props.iter().any(|(t, _)| t.is_secure())
}

/// Stores properties in a section; secure ones are sealed by `vault`.
pub(crate) fn put_props(
    tx: &dyn Db,
    path: &str,
    vault: &Vault,
    section: MapiUid,
    props: &[(PropTag, PropValue)],
) -> Result<()> {
    let profile_id = vault.profile_id;
    for (tag, value) in props {
        // One row per property id: replace a value stored under the other string width.
        tx.exec(
            "DELETE FROM section_props WHERE profile_id = ?1 AND section = ?2 AND (tag >> 16) = ?3",
            args![profile_id, section.0.as_slice(), tag.id() as i64],
        )?;
        let bytes = zeroize::Zeroizing::new(codec::value_to_bytes(value));
        let (sealing, stored) = if tag.is_secure() {
            vault.seal(tx, path, section, *tag, &bytes)?
        } else {
            (Sealing::Plain, bytes.to_vec())
        };
        tx.exec(
            "INSERT INTO section_props (profile_id, section, tag, value, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (profile_id, section, tag)
             DO UPDATE SET value = excluded.value, sealed = excluded.sealed",
            args![
                profile_id,
                section.0.as_slice(),
                tag.0 as i64,
                stored,
                sealing as i64
            ],
        )?;
    }
    Ok(())
}

/// Copies one service (rows, providers, sections) from one profile into another under
/// new uids; returns the new service uid.
pub(crate) fn copy_service_rows(
    tx: &dyn Db,
    path: &str,
    src: &Vault,
    uid: MapiUid,
    dst: &Vault,
) -> Result<MapiUid> {
    let dst_profile = dst.profile_id;
    let new_uid = MapiUid::random();
    let seq = next_seq(tx, path, dst_profile)?;
    tx.exec(
        "INSERT INTO services (uid, profile_id, service_name, display_name, flags, seq)
         SELECT ?1, ?2, service_name, display_name, flags, ?3 FROM services WHERE uid = ?4",
        args![new_uid.0.as_slice(), dst_profile, seq, uid.0.as_slice()],
    )?;
    copy_section(tx, path, src, uid, dst, new_uid)?;
    let providers = tx.blobs(
        "SELECT uid FROM providers WHERE service_uid = ?1 ORDER BY seq",
        args![uid.0.as_slice()],
    )?;
    for old in providers {
        let new_p = MapiUid::random();
        tx.exec(
            "INSERT INTO providers (uid, service_uid, provider_name, display_name, provider_display,
                resource_type, flags, seq, transport_order)
             SELECT ?1, ?2, provider_name, display_name, provider_display, resource_type, flags, seq,
                transport_order FROM providers WHERE uid = ?3",
            args![new_p.0.as_slice(), new_uid.0.as_slice(), &old],
        )?;
        let old_uid = MapiUid::from_slice(&old).ok_or_else(|| ProfileError::Corrupt {
            path: path.to_string(),
            detail: "a provider uid is not 16 bytes".into(),
        })?;
        copy_section(tx, path, src, old_uid, dst, new_p)?;
    }
    Ok(new_uid)
}

/// Copies one section's properties, then re-seals its secrets for the target (a new
/// section uid, maybe another profile and another sealing).
pub(crate) fn copy_section(
    tx: &dyn Db,
    path: &str,
    src: &Vault,
    src_section: MapiUid,
    dst: &Vault,
    dst_section: MapiUid,
) -> Result<()> {
    tx.exec(
        "INSERT INTO section_props (profile_id, section, tag, value, sealed)
         SELECT ?1, ?2, tag, value, sealed FROM section_props WHERE profile_id = ?3 AND section = ?4
         ON CONFLICT DO NOTHING",
        args![
            dst.profile_id,
            dst_section.0.as_slice(),
            src.profile_id,
            src_section.0.as_slice()
        ],
    )?;
    reseal_section(tx, path, src, src_section, dst, dst_section, false)
}
