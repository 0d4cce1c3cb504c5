//! The store-level secret calls: unlock / lock, the keyring backend, the side file and
//! the one-time warning, and building a profile's [`Vault`].

use std::path::Path;
use std::sync::Arc;

use super::crypto::{derive_key, new_salt};
use super::{Mode, SECRET_ROW, SecretBackend, Vault, reseal_section, secret_sections, side_file};
use crate::db::args;
use crate::error::{ProfileError, Result};
use crate::name::name_key;
use crate::store::ProfileStore;

/// A profile row as the secret code needs it.
pub(crate) struct SecretRow {
    pub id: i64,
    pub name: String,
    pub search_key: Vec<u8>,
    pub has_password: bool,
    pub salt: Option<Vec<u8>>,
}

impl ProfileStore {
    /// Verifies the profile password (`MAPI_E_LOGON_FAILED` on a wrong one) and keeps the
    /// key derived from it in memory, so the profile's secrets can be read and written
    /// until [`lock`](Self::lock) or the store is dropped (the key is wiped then).
    /// A profile without a password needs no unlocking: `Ok(())`. Secrets stored in plain
    /// text by an older version are encrypted now.
    pub fn unlock(&mut self, profile: &str, password: &str) -> Result<()> {
        self.check_password(profile, Some(password))?;
        let row = self.secret_row(profile)?;
        if !row.has_password {
            return Ok(());
        }
        let salt = match row.salt {
            Some(s) if s.len() >= 8 => s,
            _ => {
                let salt = new_salt()?;

                self.write(|tx| {
                    tx.exec(
                        "UPDATE profiles SET secret_salt = ?1 WHERE id = ?2",
                        args![&salt, row.id],
                    )?;
                    Ok(())
                })?;
                salt
            }
        };
        let key = derive_key(password, &salt)?;
        self.secrets.keys.insert(row.search_key, key);
        self.seal_plain_secrets(profile)
    }

    /// Forgets the key of an unlocked profile.
    pub fn lock(&mut self, profile: &str) -> Result<()> {
        let row = self.secret_row(profile)?;
        self.secrets.keys.remove(&row.search_key);
        Ok(())
    }

    /// Whether the profile's secrets can be read now: it has no password, or it was
    /// unlocked.
    pub fn is_unlocked(&self, profile: &str) -> Result<bool> {
        let row = self.secret_row(profile)?;
        Ok(!row.has_password || self.secrets.keys.contains_key(&row.search_key))
    }

    /// The warning to show the user, once: set when the side file is first created
    /// (secrets then sit unencrypted in a mode-0600 file). The library never prints it.
    pub fn take_warning(&self) -> Option<String> {
        self.secrets.warning.borrow_mut().take()
    }

    /// Replaces the keyring backend (`None`: no keyring, the side file is used). `open`
    /// picks [`SecretTool`](super::SecretTool) when it is usable.
    pub fn set_secret_backend(&mut self, backend: Option<Arc<dyn SecretBackend>>) {
        self.secrets.backend = backend;
    }

    /// Whether a keyring backend is in use.
    pub fn has_secret_backend(&self) -> bool {
        self.secrets.backend.is_some()
    }

    /// Where the side file of this store is (whether or not it exists).
    pub fn secrets_path(&self) -> &Path {
        &self.secrets.side_path
    }

    /// Attaches the side file: when it exists (mode checked), or, with `create`, after
    /// creating it mode 0600. Returns whether it is attached.
    pub(crate) fn attach_side(&self, create: bool) -> Result<bool> {
        if self.secrets.side_attached.get() {
            return Ok(true);
        }
        let path = &self.secrets.side_path;
        let mut created = false;
        if !path.exists() {
            if !create {
                return Ok(false);
            }
            created = side_file::create(path)?;
        }
        let Some(conn) = self.sqlite() else {
            return Ok(false);
        };
        side_file::check_mode(path)?;
        side_file::attach(conn, path)?;
        self.secrets.side_attached.set(true);
        if created {
            *self.secrets.warning.borrow_mut() = Some(side_file::warning(path));
        }
        Ok(true)
    }

    pub(crate) fn secret_row(&self, profile: &str) -> Result<SecretRow> {
        self.with_db(|db| {
            db.row(
                "SELECT id, name, search_key,
                        CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END, secret_salt
                 FROM profiles WHERE name_key = ?1",
                args![name_key(profile)],
            )?
            .map(|r| {
                Ok(SecretRow {
                    id: r.int(0)?,
                    name: r.text(1)?,
                    search_key: r.blob(2)?,
                    has_password: r.bool(3)?,
                    salt: r.opt_blob(4)?,
                })
            })
            .transpose()
        })?
        .ok_or_else(|| ProfileError::ProfileNotFound(profile.to_string()))
    }

    /// The sealing context of a profile. With `create_side`, a profile that would use
    /// the side file gets it created and attached.
    pub(crate) fn vault(&self, profile: &str, create_side: bool) -> Result<Vault> {
        let row = self.secret_row(profile)?;
        self.vault_of(row, None, create_side)
    }

    /// Like [`vault`](Self::vault), deriving the key from `password` when the profile
    /// is locked (the password was checked by the caller).
    pub(crate) fn vault_with_password(
        &self,
        profile: &str,
        password: Option<&str>,
        create_side: bool,
    ) -> Result<Vault> {
        let row = self.secret_row(profile)?;
        self.vault_of(row, password, create_side)
    }

    pub(crate) fn vault_of(
        &self,
        row: SecretRow,
        password: Option<&str>,
        create_side: bool,
    ) -> Result<Vault> {
        let mode = if row.has_password {
            let key = match (self.secrets.keys.get(&row.search_key), password, &row.salt) {
                (Some(k), _, _) => Some(k.clone()),
                (None, Some(pw), Some(salt)) => Some(derive_key(pw, salt)?),
                _ => None,
            };
            Mode::Password(key)
        } else if self.secrets.key_file.is_some() {
            Mode::KeyFile(self.user_key(create_side)?)
        } else if self.secrets.backend.is_some() {
            Mode::Keyring
        } else {
            Mode::SideFile
        };
        self.attach_side(create_side && matches!(mode, Mode::SideFile))?;
        Ok(Vault {
            profile: row.name,
            profile_id: row.id,
            search_key: row.search_key,
            mode,
            backend: self.secrets.backend.clone(),
            side_path: self
                .secrets
                .key_file
                .clone()
                .unwrap_or_else(|| self.secrets.side_path.clone()),
        })
    }

    /// The user's key from this host's key file, if it is the user's key (checked
    /// against `user_keys`). With `create`, a user who has no key yet gets one (the file,
    /// and its check in the database); a host lacking the file of an existing key gets
    /// `None`, never a second key.
    pub(crate) fn user_key(&self, create: bool) -> Result<Option<super::SecretKey>> {
        let Some(path) = &self.secrets.key_file else {
            return Ok(None);
        };
        const AAD: &[u8] = b"mapi-profile-store-user-key";
        if self.sqlite().is_some() {
            // The local copy of a PostgreSQL store: the key file as it is, never a new one.
            return super::key_file::load(path);
        }
        let check = self.with_db(|db| {
            db.row("SELECT key_check FROM user_keys", &[])?
                .map(|r| r.blob(0))
                .transpose()
        })?;
        let matches = |k: &super::SecretKey, c: &[u8]| super::crypto::open(k, AAD, c).is_some();
        match (super::key_file::load(path)?, check) {
            (Some(k), Some(c)) => Ok(matches(&k, &c).then_some(k)),
            (None, Some(_)) => Ok(None),
            (Some(k), None) if !create => Ok(Some(k)),
            (None, None) if !create => Ok(None),
            (file, None) => {
                let k = match file {
                    Some(k) => k,
                    None => super::key_file::load_or_create(path)?,
                };
                let sealed = super::crypto::seal(&k, AAD, b"")?;
                let c = self.with_db(|db| {
                    db.exec(
                        "INSERT INTO user_keys (key_check) VALUES (?1) ON CONFLICT DO NOTHING",
                        args![&sealed],
                    )?;
                    db.one("SELECT key_check FROM user_keys", &[])?.blob(0)
                })?;
                // Another host may have registered its key first: only that one counts.
                Ok(matches(&k, &c).then_some(k))
            }
        }
    }

    /// Whether a profile holds any secret.
    pub(crate) fn has_secrets(&self, profile_id: i64) -> Result<bool> {
        self.with_db(|db| {
            db.one(
                &format!(
                    "SELECT CASE WHEN EXISTS (SELECT 1 FROM section_props
                        WHERE profile_id = ?1 AND {SECRET_ROW}) THEN 1 ELSE 0 END"
                ),
                args![profile_id],
            )?
            .bool(0)
        })
    }

    /// Seals the profile's secrets still in plain text (written before schema 3), when
    /// its mode allows (a password profile must be unlocked).
    pub(crate) fn seal_plain_secrets(&mut self, profile: &str) -> Result<()> {
        let row = self.secret_row(profile)?;
        let plain = self.with_db(|db| {
            db.one(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM section_props WHERE profile_id = ?1
                    AND sealed = 0 AND (tag >> 16) BETWEEN 26608 AND 26623) THEN 1 ELSE 0 END",
                args![row.id],
            )?
            .bool(0)
        })?;
        if !plain {
            return Ok(());
        }
        let vault = self.vault(profile, true)?;
        if matches!(vault.mode, Mode::Password(None)) {
            return Ok(());
        }
        let path = self.name.clone();
        // Freed pages that held the plain text are zeroed.
        if let Some(conn) = self.sqlite() {
            conn.execute_batch("PRAGMA main.secure_delete = ON")
                .map_err(|e| self.sql(e))?;
        }
        self.write(|tx| {
            for section in secret_sections(tx, &path, vault.profile_id)? {
                reseal_section(tx, &path, &vault, section, &vault, section, true)?;
            }
            Ok(())
        })?;
        if let Some(conn) = self.sqlite() {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(|e| self.sql(e))?;
        }
        Ok(())
    }

    /// After an upgrade to schema 3: seals the plain-text secrets of every profile
    /// without a password.
    pub(crate) fn seal_plain_secrets_everywhere(&mut self) -> Result<()> {
        let names = self.with_db(|db| {
            db.rows("SELECT name FROM profiles WHERE password_hash IS NULL", &[])?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<Vec<String>>>()
        })?;
        for name in names {
            self.seal_plain_secrets(&name)?;
        }
        Ok(())
    }
}
