//! Profile sections (`IProfSect`): properties keyed by MapiUid. Non-transacted (every
//! write is committed at once), no named properties, and ids 0x67F0-0x67FF secure: never
//! listed, only returned when asked for by tag.

use mapi_types::{MUID_PROFILE_INSTANCE, MapiUid, PropTag, PropValue, codec, object_type, tags};

use crate::db::args;
use crate::error::{ProfileError, Result};
use crate::profiles::require;
use crate::secrets::{Sealing, Vault};
use crate::services::{LOCKED, put_props};
use crate::store::ProfileStore;

/// Properties MAPI computes; they cannot be written.
const COMPUTED: &[PropTag] = &[
    tags::PR_PROFILE_NAME,
    tags::PR_OBJECT_TYPE,
    tags::PR_SEARCH_KEY,
    tags::PR_SERVICE_UID,
    tags::PR_PROVIDER_UID,
    tags::PR_SERVICE_NAME,
    tags::PR_RESOURCE_TYPE,
];

/// The checks `SetProps` on a section makes before writing anything: named ids
/// (>= 0x8000), computed properties (PR_PROFILE_NAME, PR_SERVICE_UID, ...) and values
/// that do not fit their tag's type -> `MAPI_E_INVALID_PARAMETER` naming the property.
pub fn check_section_props(props: &[(PropTag, PropValue)]) -> Result<()> {
    for (tag, value) in props {
        if tag.is_named() {
            return Err(ProfileError::InvalidProperty(
                tag.to_string(),
                "profile sections hold no named properties".into(),
            ));
        }
        if is_computed(*tag) {
            return Err(ProfileError::InvalidProperty(
                tag.to_string(),
                "it is computed by MAPI and read-only".into(),
            ));
        }
        if !value.fits(*tag) || matches!(value, PropValue::Error(_)) {
            return Err(ProfileError::InvalidProperty(
                tag.to_string(),
                format!("a {} value does not fit its type", value.prop_type().name()),
            ));
        }
    }
    Ok(())
}

/// Whether a section property is computed by MAPI (read-only).
pub fn is_computed(tag: PropTag) -> bool {
    COMPUTED.iter().any(|c| c.id() == tag.id())
}

impl ProfileStore {
    /// `GetProps`: with `None`, every non-secure property of the section (computed ones
    /// first); with tags, exactly those, a missing one as `PT_ERROR` `MAPI_E_NOT_FOUND`.
    /// A secure property asked for by tag is unsealed; one that cannot be read now (its
    /// password profile is not unlocked) comes back as `PT_ERROR`
    /// [`LOCKED`] (`MAPI_E_NO_ACCESS`).
    /// An unknown section -> `MAPI_E_NOT_FOUND`.
    pub fn get_props(
        &self,
        profile: &str,
        section: MapiUid,
        wanted: Option<&[PropTag]>,
    ) -> Result<Vec<(PropTag, PropValue)>> {
        let p = self.profile_ref(profile)?;
        let mut all = self.computed_props(&p.name, p.id, section)?;
        let rows = self.with_db(|db| {
            db.rows(
                "SELECT tag, value, sealed FROM section_props
                 WHERE profile_id = ?1 AND section = ?2 ORDER BY tag",
                args![p.id, section.0.as_slice()],
            )
        })?;
        let mut stored = false;
        let mut vault: Option<Vault> = None;
        for row in rows {
            let (tag, stored_bytes, sealed) = (row.int(0)?, row.blob(1)?, row.int(2)?);
            stored = true;
            let ptag = PropTag(tag as u32);
            let sealing = Sealing::from_db(sealed).ok_or_else(|| ProfileError::Corrupt {
                path: self.name.clone(),
                detail: format!(
                    "property 0x{tag:08X} of section {section} has unknown sealing {sealed}"
                ),
            })?;
            let bytes = if sealing == Sealing::Plain {
                zeroize::Zeroizing::new(stored_bytes)
            } else {
                // Sealed values are read only when asked for by tag.
                if !wanted.is_some_and(|w| w.iter().any(|t| t.id() == ptag.id())) {
                    continue;
                }
                if sealing == Sealing::SideFile && !self.attach_side(false)? {
                    return Err(ProfileError::Corrupt {
                        path: self.secrets_path().display().to_string(),
                        detail: format!(
                            "the secrets file is missing, so property {ptag} of section \
                             {section} is lost; set it again"
                        ),
                    });
                }
                let v = match &vault {
                    Some(v) => v,
                    None => vault.insert(self.vault(profile, false)?),
                };
                match self.with_db(|db| v.unseal(db, section, ptag, sealing, &stored_bytes))? {
                    Some(b) => b,
                    // A key file this host lacks: the secret is missing here.
                    None if sealing == Sealing::KeyFile => continue,
                    None => {
                        all.push((
                            ptag.with_type(mapi_types::PropType::PT_ERROR),
                            PropValue::Error(LOCKED.0),
                        ));
                        continue;
                    }
                }
            };
            let value = codec::value_from_bytes(&bytes).map_err(|e| ProfileError::Corrupt {
                path: self.name.clone(),
                detail: format!("property 0x{tag:08X} of section {section}: {e}"),
            })?;
            all.push((PropTag(tag as u32), value));
        }
        if all.len() <= 2 && !stored {
            // Only PR_PROFILE_NAME and PR_OBJECT_TYPE: no such section.
            return Err(ProfileError::SectionNotFound(section.to_string()));
        }
        Ok(match wanted {
            None => all.into_iter().filter(|(t, _)| !t.is_secure()).collect(),
            Some(tags) => tags
                .iter()
                .map(|t| {
                    all.iter()
                        .find(|(have, _)| have.id() == t.id())
                        .cloned()
                        .unwrap_or((
                            t.with_type(mapi_types::PropType::PT_ERROR),
                            PropValue::Error(mapi_types::Status::MAPI_E_NOT_FOUND.0),
                        ))
                })
                .collect(),
        })
    }

    /// `SetProps` on a section (creating it, as a MAPI_MODIFY open does). Named ids
    /// (>= 0x8000), computed properties and values of the wrong type are refused and
    /// nothing is written. Secure properties are sealed (see [`crate::secrets`]); on a
    /// locked password profile they are refused with `MAPI_E_LOGON_FAILED`.
    pub fn set_props(
        &mut self,
        profile: &str,
        section: MapiUid,
        props: &[(PropTag, PropValue)],
    ) -> Result<()> {
        check_section_props(props)?;
        let secret = props.iter().any(|(t, _)| t.is_secure());
        let vault = self.vault(profile, secret)?;
        let path = self.name.clone();
        self.write(|tx| {
            require(tx, &path, profile)?;
            put_props(tx, &path, &vault, section, props)
        })
    }

    /// `DeleteProps`.
    pub fn delete_props(
        &mut self,
        profile: &str,
        section: MapiUid,
        tags: &[PropTag],
    ) -> Result<()> {
        let path = self.name.clone();
        self.write(|tx| {
            let p = require(tx, &path, profile)?;
            for t in tags {
                tx.exec(
                    "DELETE FROM section_props WHERE profile_id = ?1 AND section = ?2 AND (tag >> 16) = ?3",
                    args![p.id, section.0.as_slice(), t.id() as i64],
                )?;
            }
            Ok(())
        })
    }

    fn computed_props(
        &self,
        name: &str,
        profile_id: i64,
        section: MapiUid,
    ) -> Result<Vec<(PropTag, PropValue)>> {
        let mut out = vec![
            (
                tags::PR_OBJECT_TYPE,
                PropValue::Long(object_type::MAPI_PROFSECT as i32),
            ),
            (tags::PR_PROFILE_NAME, PropValue::Unicode(name.to_string())),
        ];
        if section == MUID_PROFILE_INSTANCE {
            let key = self.with_db(|db| {
                db.one(
                    "SELECT search_key FROM profiles WHERE id = ?1",
                    args![profile_id],
                )?
                .blob(0)
            })?;
            out.push((tags::PR_SEARCH_KEY, PropValue::Binary(key)));
            return Ok(out);
        }
        let (service, provider) = self.with_db(|db| {
            let service = db.row(
                "SELECT service_name, display_name, flags FROM services
                 WHERE uid = ?1 AND profile_id = ?2",
                args![section.0.as_slice(), profile_id],
            )?;
            if service.is_some() {
                return Ok((service, None));
            }
            let provider = db.row(
                "SELECT p.service_uid, p.display_name, p.provider_display, p.resource_type, p.flags
                 FROM providers p JOIN services s ON p.service_uid = s.uid
                 WHERE p.uid = ?1 AND s.profile_id = ?2",
                args![section.0.as_slice(), profile_id],
            )?;
            Ok((None, provider))
        })?;
        if let Some(r) = service {
            out.push((tags::PR_SERVICE_UID, PropValue::Binary(section.0.to_vec())));
            out.push((tags::PR_SERVICE_NAME, PropValue::Unicode(r.text(0)?)));
            out.push((tags::PR_DISPLAY_NAME, PropValue::Unicode(r.text(1)?)));
            out.push((tags::PR_RESOURCE_FLAGS, PropValue::Long(r.int(2)? as i32)));
            return Ok(out);
        }
        if let Some(r) = provider {
            out.push((tags::PR_PROVIDER_UID, PropValue::Binary(section.0.to_vec())));
            out.push((tags::PR_SERVICE_UID, PropValue::Binary(r.blob(0)?)));
            out.push((tags::PR_DISPLAY_NAME, PropValue::Unicode(r.text(1)?)));
            out.push((tags::PR_PROVIDER_DISPLAY, PropValue::Unicode(r.text(2)?)));
            out.push((tags::PR_RESOURCE_TYPE, PropValue::Long(r.int(3)? as i32)));
            out.push((tags::PR_RESOURCE_FLAGS, PropValue::Long(r.int(4)? as i32)));
        }
        Ok(out)
    }
}
