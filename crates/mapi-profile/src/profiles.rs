//! `IProfAdmin`: the profile table, create, delete, copy, rename, default profile and the
//! optional profile password.

use crate::db::{Db, args};
use crate::error::{ProfileError, Result};
use crate::name::{name_key, validate_profile_name};
use crate::password::{hash_password, verify_password};
use crate::secrets::crypto::{derive_key, new_salt};
use crate::secrets::{Mode, reseal_section, secret_sections};
use crate::store::ProfileStore;
use mapi_types::MapiUid;

/// A row of the profile table (reference §7.4) plus what we keep per profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileInfo {
    /// PR_DISPLAY_NAME: the profile's name.
    pub name: String,
    /// PR_DEFAULT_PROFILE.
    pub default: bool,
    /// Whether a profile password is set.
    pub has_password: bool,
    /// PR_SEARCH_KEY: unique for every profile ever created.
    pub search_key: Vec<u8>,
}

/// A profile's row id and exact name.
pub(crate) struct ProfileRef {
    pub id: i64,
    pub name: String,
}

impl ProfileStore {
    /// `GetProfileTable`: every profile, sorted by name (case ignored).
    pub fn profile_table(&self) -> Result<Vec<ProfileInfo>> {
        self.with_db(|db| {
            db.rows(
                "SELECT name, is_default, CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END,
                        search_key
                 FROM profiles ORDER BY name_key",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(ProfileInfo {
                    name: r.text(0)?,
                    default: r.bool(1)?,
                    has_password: r.bool(2)?,
                    search_key: r.blob(3)?,
                })
            })
            .collect()
        })
    }

    /// One profile's row.
    pub fn profile(&self, name: &str) -> Result<ProfileInfo> {
        self.profile_table()?
            .into_iter()
            .find(|p| name_key(&p.name) == name_key(name))
            .ok_or_else(|| ProfileError::ProfileNotFound(name.to_string()))
    }

    /// `CreateProfile`. A name in use (ignoring case) -> `MAPI_E_NO_ACCESS`. A password,
    /// when given, is stored as an argon2 hash.
    pub fn create_profile(&mut self, name: &str, password: Option<&str>) -> Result<ProfileInfo> {
        validate_profile_name(name)?;
        let hash = password
            .filter(|p| !p.is_empty())
            .map(hash_password)
            .transpose()?;
        let salt = new_salt()?;
        let path = self.name.clone();
        self.write(|tx| {
            if find(tx, &path, name)?.is_some() {
                return Err(ProfileError::ProfileExists(name.to_string()));
            }
            let key = new_search_key(tx, &path)?;
            tx.exec(
                "INSERT INTO profiles (name, name_key, search_key, password_hash, secret_salt)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                args![name, name_key(name), &key, hash.clone(), &salt],
            )?;
            Ok(ProfileInfo {
                name: name.to_string(),
                default: false,
                has_password: hash.is_some(),
                search_key: key,
            })
        })
    }

    /// `DeleteProfile`: the profile, its services, providers and sections, and its
    /// secrets (in the side file or keyring too).
    pub fn delete_profile(&mut self, name: &str) -> Result<()> {
        let search_key = self.secret_row(name)?.search_key;
        let path = self.name.clone();
        self.write(|tx| {
            let p = require(tx, &path, name)?;
            tx.exec("DELETE FROM profiles WHERE id = ?1", args![p.id])?;
            Ok(())
        })?;
        self.secrets.keys.remove(&search_key);
        Ok(())
    }

    /// `CopyProfile`: a new profile with the same services, settings and password (and a
    /// new search key). A password-protected source needs its password
    /// (`MAPI_E_LOGON_FAILED` otherwise). Secrets are re-sealed for the copy (same
    /// password and salt, so the same key; new search key and section uids).
    pub fn copy_profile(&mut self, from: &str, password: Option<&str>, to: &str) -> Result<()> {
        validate_profile_name(to)?;
        self.check_password(from, password)?;
        let src_row = self.secret_row(from)?;
        let has_secrets = self.has_secrets(src_row.id)?;
        let src_vault = self.vault_with_password(from, password, has_secrets)?;
        let path = self.name.clone();
        let new_key = self.write(|tx| {
            let src = require(tx, &path, from)?;
            if find(tx, &path, to)?.is_some() {
                return Err(ProfileError::ProfileExists(to.to_string()));
            }
            let key = new_search_key(tx, &path)?;
            let from_row = tx.one(
                "SELECT password_hash, secret_salt FROM profiles WHERE id = ?1",
                args![src.id],
            )?;
            let dst = tx
                .one(
                    "INSERT INTO profiles (name, name_key, search_key, password_hash, secret_salt)
                     VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                    args![
                        to,
                        name_key(to),
                        &key,
                        from_row.opt_text(0)?,
                        from_row.opt_blob(1)?
                    ],
                )?
                .int(0)?;
            let dst_vault = crate::secrets::Vault {
                profile: to.to_string(),
                profile_id: dst,
                search_key: key.clone(),
                ..src_vault.clone()
            };
            let services = tx.blobs(
                "SELECT uid FROM services WHERE profile_id = ?1 ORDER BY seq",
                args![src.id],
            )?;
            for uid in services {
                let uid = MapiUid::from_slice(&uid).ok_or_else(|| ProfileError::Corrupt {
                    path: path.clone(),
                    detail: "a service uid is not 16 bytes".into(),
                })?;
                crate::services::copy_service_rows(tx, &path, &src_vault, uid, &dst_vault)?;
            }
            // Sections that belong to no service (e.g. the profile's own) come along too.
            let others = tx.blobs(
                "SELECT DISTINCT section FROM section_props
                 WHERE profile_id = ?1
                   AND section NOT IN (SELECT uid FROM services WHERE profile_id = ?1)
                   AND section NOT IN (SELECT p.uid FROM providers p JOIN services s
                                       ON p.service_uid = s.uid WHERE s.profile_id = ?1)",
                args![src.id],
            )?;
            for section in others {
                let section =
                    MapiUid::from_slice(&section).ok_or_else(|| ProfileError::Corrupt {
                        path: path.clone(),
                        detail: "a section uid is not 16 bytes".into(),
                    })?;
                crate::services::copy_section(tx, &path, &src_vault, section, &dst_vault, section)?;
            }
            Ok(key)
        })?;
        if let Mode::Password(Some(k)) = src_vault.mode {
            self.secrets.keys.insert(new_key, k);
        }
        Ok(())
    }

    /// `RenameProfile`. The new name may differ from the old one in case only.
    pub fn rename_profile(&mut self, from: &str, password: Option<&str>, to: &str) -> Result<()> {
        validate_profile_name(to)?;
        self.check_password(from, password)?;
        let path = self.name.clone();
        self.write(|tx| {
            let src = require(tx, &path, from)?;
            if let Some(other) = find(tx, &path, to)?
                && other.id != src.id
            {
                return Err(ProfileError::ProfileExists(to.to_string()));
            }
            tx.exec(
                "UPDATE profiles SET name = ?1, name_key = ?2 WHERE id = ?3",
                args![to, name_key(to), src.id],
            )?;
            Ok(())
        })
    }

    /// `SetDefaultProfile`; `None` clears the default.
    pub fn set_default_profile(&mut self, name: Option<&str>) -> Result<()> {
        let path = self.name.clone();
        self.write(|tx| {
            let target = name.map(|n| require(tx, &path, n)).transpose()?;
            tx.exec(
                "UPDATE profiles SET is_default = 0 WHERE is_default = 1",
                &[],
            )?;
            if let Some(p) = &target {
                tx.exec(
                    "UPDATE profiles SET is_default = 1 WHERE id = ?1",
                    args![p.id],
                )?;
            }
            Ok(())
        })
    }

    /// The default profile's name, if one is set.
    pub fn default_profile(&self) -> Result<Option<String>> {
        self.with_db(|db| {
            db.row("SELECT name FROM profiles WHERE is_default = 1", &[])?
                .map(|r| r.text(0))
                .transpose()
        })
    }

    /// Whether `password` validates the profile: a profile without a password accepts
    /// any (or none); one with a password needs it (`MAPI_E_LOGON_FAILED` otherwise).
    pub fn check_password(&self, name: &str, password: Option<&str>) -> Result<()> {
        let hash: Option<String> = self
            .with_db(|db| {
                db.row(
                    "SELECT password_hash FROM profiles WHERE name_key = ?1",
                    args![name_key(name)],
                )?
                .map(|r| r.opt_text(0))
                .transpose()
            })?
            .ok_or_else(|| ProfileError::ProfileNotFound(name.to_string()))?;
        match (hash, password) {
            (None, _) => Ok(()),
            (Some(h), Some(pw)) if verify_password(&h, pw) => Ok(()),
            (Some(_), _) => Err(ProfileError::WrongPassword(name.to_string())),
        }
    }

    /// Sets, changes or (with `None`) removes the profile password; the old one must
    /// validate. Every secret of the profile is re-sealed in the same transaction: under
    /// the key of the new password (with a new salt), or, with no new password, into the
    /// keyring or the side file. The profile stays unlocked with the new key.
    pub fn change_profile_password(
        &mut self,
        name: &str,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<()> {
        self.check_password(name, old)?;
        let new = new.filter(|p| !p.is_empty());
        let hash = new.map(hash_password).transpose()?;
        let row = self.secret_row(name)?;
        let has_secrets = self.has_secrets(row.id)?;
        let old_vault = self.vault_with_password(name, old, false)?;
        let salt = new_salt()?;
        let mode = match new {
            Some(pw) => Mode::Password(Some(derive_key(pw, &salt)?)),
            // PostgreSQL: password-less profiles seal under the user's key file.
            None if self.secrets.key_file.is_some() => Mode::KeyFile(self.user_key(has_secrets)?),
            None if self.secrets.backend.is_some() => Mode::Keyring,
            None => {
                self.attach_side(has_secrets)?;
                Mode::SideFile
            }
        };
        let new_vault = crate::secrets::Vault {
            mode,
            ..old_vault.clone()
        };
        let path = self.name.clone();
        self.write(|tx| {
            let p = require(tx, &path, name)?;
            tx.exec(
                "UPDATE profiles SET password_hash = ?1, secret_salt = ?2 WHERE id = ?3",
                args![hash.clone(), &salt, p.id],
            )?;
            for section in secret_sections(tx, &path, p.id)? {
                reseal_section(tx, &path, &old_vault, section, &new_vault, section, false)?;
            }
            Ok(())
        })?;
        match new_vault.mode {
            Mode::Password(Some(k)) => {
                self.secrets.keys.insert(row.search_key, k);
            }
            _ => {
                self.secrets.keys.remove(&row.search_key);
            }
        }
        Ok(())
    }

    pub(crate) fn profile_ref(&self, name: &str) -> Result<ProfileRef> {
        self.with_db(|db| find(db, "", name))?
            .ok_or_else(|| ProfileError::ProfileNotFound(name.to_string()))
    }
}

pub(crate) fn find(tx: &dyn Db, _path: &str, name: &str) -> Result<Option<ProfileRef>> {
    tx.row(
        "SELECT id, name FROM profiles WHERE name_key = ?1",
        args![name_key(name)],
    )?
    .map(|r| {
        Ok(ProfileRef {
            id: r.int(0)?,
            name: r.text(1)?,
        })
    })
    .transpose()
}

/// The profile a write works on. On PostgreSQL its row is locked until the transaction
/// ends, so writers to one profile (from any host) take turns and none loses an update.
pub(crate) fn require(tx: &dyn Db, _path: &str, name: &str) -> Result<ProfileRef> {
    let lock = match tx.kind() {
        crate::db::Kind::Postgres => " FOR UPDATE",
        crate::db::Kind::Sqlite => "",
    };
    tx.row(
        &format!("SELECT id, name FROM profiles WHERE name_key = ?1{lock}"),
        args![name_key(name)],
    )?
    .map(|r| {
        Ok(ProfileRef {
            id: r.int(0)?,
            name: r.text(1)?,
        })
    })
    .transpose()?
    .ok_or_else(|| ProfileError::ProfileNotFound(name.to_string()))
}

fn new_search_key(tx: &dyn Db, _path: &str) -> Result<Vec<u8>> {
    loop {
        let key = MapiUid::random().0.to_vec();
        let added = tx.exec(
            "INSERT INTO issued_search_keys (key) VALUES (?1) ON CONFLICT DO NOTHING",
            args![&key],
        )?;
        if added == 1 {
            return Ok(key);
        }
    }
}
