//! The store-level secret calls: unlock / lock, the keyring backend, the side file and
//! the one-time warning, and building a profile's [`Vault`].

use std::path::Path;
use std::sync::Arc;

use rusqlite::{OptionalExtension, params};

use super::crypto::{derive_key, new_salt};
use super::{Mode, SECRET_ROW, SecretBackend, Vault, reseal_section, secret_sections, side_file};
use crate::error::{ProfileError, Result, from_sqlite};
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
                let path = self.path.display().to_string();
                self.write(|tx| {
                    tx.execute(
                        "UPDATE profiles SET secret_salt = ?1 WHERE id = ?2",
                        params![salt, row.id],
                    )
                    .map_err(|e| from_sqlite(&path, e))?;
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
        side_file::check_mode(path)?;
        side_file::attach(&self.conn, path)?;
        self.secrets.side_attached.set(true);
        if created {
            *self.secrets.warning.borrow_mut() = Some(side_file::warning(path));
        }
        Ok(true)
    }

    pub(crate) fn secret_row(&self, profile: &str) -> Result<SecretRow> {
        self.conn
            .query_row(
                "SELECT id, name, search_key, password_hash IS NOT NULL, secret_salt
                 FROM profiles WHERE name_key = ?1",
                [name_key(profile)],
                |r| {
                    Ok(SecretRow {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        search_key: r.get(2)?,
                        has_password: r.get(3)?,
                        salt: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.sql(e))?
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

    fn vault_of(&self, row: SecretRow, password: Option<&str>, create_side: bool) -> Result<Vault> {
        let mode = if row.has_password {
            let key = match (self.secrets.keys.get(&row.search_key), password, &row.salt) {
                (Some(k), _, _) => Some(k.clone()),
                (None, Some(pw), Some(salt)) => Some(derive_key(pw, salt)?),
                _ => None,
            };
            Mode::Password(key)
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
            side_path: self.secrets.side_path.clone(),
        })
    }

    /// Whether a profile holds any secret.
    pub(crate) fn has_secrets(&self, profile_id: i64) -> Result<bool> {
        self.conn
            .query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM section_props WHERE profile_id = ?1 AND {SECRET_ROW})"),
                [profile_id],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    /// Seals the profile's secrets still in plain text (written before schema 3), when
    /// its mode allows (a password profile must be unlocked).
    pub(crate) fn seal_plain_secrets(&mut self, profile: &str) -> Result<()> {
        let row = self.secret_row(profile)?;
        let plain: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM section_props WHERE profile_id = ?1
                    AND sealed = 0 AND (tag >> 16) BETWEEN 26608 AND 26623)",
                [row.id],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))?;
        if !plain {
            return Ok(());
        }
        let vault = self.vault(profile, true)?;
        if matches!(vault.mode, Mode::Password(None)) {
            return Ok(());
        }
        let path = self.path.display().to_string();
        // Freed pages that held the plain text are zeroed.
        self.conn
            .execute_batch("PRAGMA main.secure_delete = ON")
            .map_err(|e| self.sql(e))?;
        self.write(|tx| {
            for section in secret_sections(tx, &path, vault.profile_id)? {
                reseal_section(tx, &path, &vault, section, &vault, section, true)?;
            }
            Ok(())
        })?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// After an upgrade to schema 3: seals the plain-text secrets of every profile
    /// without a password.
    pub(crate) fn seal_plain_secrets_everywhere(&mut self) -> Result<()> {
        let names: Vec<String> = {
            let mut st = self
                .conn
                .prepare("SELECT name FROM profiles WHERE password_hash IS NULL")
                .map_err(|e| self.sql(e))?;
            st.query_map([], |r| r.get(0))
                .and_then(|rows| rows.collect())
                .map_err(|e| self.sql(e))?
        };
        for name in names {
            self.seal_plain_secrets(&name)?;
        }
        Ok(())
    }
}
