//! Moving a user's profiles between stores (`mapi profile-store export | import`): from
//! the SQLite file into PostgreSQL and back. Each profile goes in one transaction of the
//! target with its search key, services, providers and sections; secrets sealed under
//! the profile password are copied as they are (the key comes from the password), other
//! secrets are opened with the source's means and sealed with the target's.

use mapi_types::{MapiUid, PropTag};

use crate::db::args;
use crate::error::{ProfileError, Result};
use crate::secrets::unlock::SecretRow;
use crate::secrets::{Sealing, Vault};
use crate::store::ProfileStore;

/// What a transfer moved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransferCounts {
    /// Profiles copied.
    pub profiles: usize,
    /// Services copied.
    pub services: usize,
    /// Providers copied.
    pub providers: usize,
    /// Section properties copied (secrets included).
    pub properties: usize,
    /// Secrets that could not be read at the source (no key there) and were left out.
    pub secrets_missing: usize,
}

struct Prop {
    section: Vec<u8>,
    tag: i64,
    value: Vec<u8>,
    sealed: i64,
}

impl ProfileStore {
    /// Copies every profile of this store (the connected user's, on PostgreSQL) into
    /// `to`. A name `to` already has -> `MAPI_E_NO_ACCESS` before anything is written.
    /// The default profile stays the default when `to` has none.
    pub fn transfer_to(&self, to: &mut ProfileStore) -> Result<TransferCounts> {
        let profiles = self.profile_table()?;
        for p in &profiles {
            if to.profile(&p.name).is_ok() {
                return Err(ProfileError::ProfileExists(p.name.clone()));
            }
        }
        let mut counts = TransferCounts::default();
        let default = self.default_profile()?;
        for p in &profiles {
            self.transfer_one(&p.name, to, &mut counts)?;
        }
        if let Some(d) = default
            && to.default_profile()?.is_none()
        {
            to.set_default_profile(Some(&d))?;
        }
        Ok(counts)
    }

    fn transfer_one(
        &self,
        name: &str,
        to: &mut ProfileStore,
        counts: &mut TransferCounts,
    ) -> Result<()> {
        let row = self.secret_row(name)?;
        let id = row.id;
        let (hash, salt) = self.with_db(|db| {
            let r = db.one(
                "SELECT password_hash, secret_salt FROM profiles WHERE id = ?1",
                args![id],
            )?;
            Ok((r.opt_text(0)?, r.opt_blob(1)?))
        })?;
        let services = self.with_db(|db| {
            db.rows(
                "SELECT uid, service_name, display_name, flags, seq FROM services
                 WHERE profile_id = ?1 ORDER BY seq",
                args![id],
            )
        })?;
        let providers = self.with_db(|db| {
            db.rows(
                "SELECT p.uid, p.service_uid, p.provider_name, p.display_name, p.provider_display,
                        p.resource_type, p.flags, p.seq, p.transport_order
                 FROM providers p JOIN services s ON p.service_uid = s.uid
                 WHERE s.profile_id = ?1 ORDER BY s.seq, p.seq",
                args![id],
            )
        })?;
        let src_vault = self.vault(name, false)?;
        let mut props = Vec::new();
        for r in self.with_db(|db| {
            db.rows(
                "SELECT section, tag, value, sealed FROM section_props WHERE profile_id = ?1",
                args![id],
            )
        })? {
            let (section, tag, value, sealed) = (r.blob(0)?, r.int(1)?, r.blob(2)?, r.int(3)?);
            let sealing = Sealing::from_db(sealed).ok_or_else(|| ProfileError::Corrupt {
                path: self.name.clone(),
                detail: format!("unknown sealing {sealed}"),
            })?;
            // Sealed under the user's key file: the same bytes open in a target that uses
            // it too (uids and search key are kept).
            let same_key = sealing == Sealing::KeyFile && to.secrets.key_file.is_some();
            if matches!(sealing, Sealing::Plain | Sealing::ProfileKey) || same_key {
                props.push((
                    Prop {
                        section,
                        tag,
                        value,
                        sealed,
                    },
                    None,
                ));
                continue;
            }
            let uid = self.uid(&section)?;
            let plain =
                self.with_db(|db| src_vault.unseal(db, uid, PropTag(tag as u32), sealing, &value))?;
            match plain {
                Some(p) => props.push((
                    Prop {
                        section,
                        tag,
                        value: Vec::new(),
                        sealed,
                    },
                    Some(p),
                )),
                None => counts.secrets_missing += 1,
            }
        }
        let needs_seal = props.iter().any(|(_, p)| p.is_some());
        let dst_template = to.vault_of(
            SecretRow {
                id: 0,
                name: name.to_string(),
                search_key: row.search_key.clone(),
                has_password: false,
                salt: None,
            },
            None,
            needs_seal,
        )?;
        let (n_services, n_providers, n_props) = (services.len(), providers.len(), props.len());
        to.write(|tx| {
            tx.exec(
                "INSERT INTO issued_search_keys (key) VALUES (?1) ON CONFLICT DO NOTHING",
                args![&row.search_key],
            )?;
            let new_id = tx
                .one(
                    "INSERT INTO profiles (name, name_key, search_key, password_hash, secret_salt)
                     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                    args![
                        &row.name,
                        crate::name::name_key(&row.name),
                        &row.search_key,
                        hash.clone(),
                        salt.clone()
                    ],
                )?
                .int(0)?;
            let vault = Vault {
                profile_id: new_id,
                ..dst_template.clone()
            };
            for s in &services {
                tx.exec(
                    "INSERT INTO services (uid, profile_id, service_name, display_name, flags, seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    args![
                        s.blob(0)?,
                        new_id,
                        s.text(1)?,
                        s.text(2)?,
                        s.int(3)?,
                        s.int(4)?
                    ],
                )?;
            }
            for p in &providers {
                tx.exec(
                    "INSERT INTO providers (uid, service_uid, provider_name, display_name,
                        provider_display, resource_type, flags, seq, transport_order)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    args![
                        p.blob(0)?,
                        p.blob(1)?,
                        p.text(2)?,
                        p.text(3)?,
                        p.text(4)?,
                        p.int(5)?,
                        p.int(6)?,
                        p.int(7)?,
                        p.opt_int(8)?
                    ],
                )?;
            }
            for (prop, plain) in &props {
                let (sealed, value) = match plain {
                    None => (prop.sealed, prop.value.clone()),
                    Some(bytes) => {
                        let section = MapiUid::from_slice(&prop.section).ok_or_else(|| {
                            ProfileError::Corrupt {
                                path: name.to_string(),
                                detail: "a section uid is not 16 bytes".into(),
                            }
                        })?;
                        let (how, v) =
                            vault.seal(tx, "", section, PropTag(prop.tag as u32), bytes)?;
                        (how as i64, v)
                    }
                };
                tx.exec(
                    "INSERT INTO section_props (profile_id, section, tag, value, sealed)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    args![new_id, &prop.section, prop.tag, value, sealed],
                )?;
            }
            Ok(())
        })?;
        counts.profiles += 1;
        counts.services += n_services;
        counts.providers += n_providers;
        counts.properties += n_props;
        Ok(())
    }
}
