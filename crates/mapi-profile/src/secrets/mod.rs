//! Secrets at rest: every secure-range property (ids 0x67F0-0x67FF, where every
//! `secret` setting lives) is sealed before it reaches `profiles.db`:
//!
//! 1. a profile with a password: ChaCha20-Poly1305 under a key derived from the password
//!    ([`crypto`]), usable after [`ProfileStore::unlock`](crate::ProfileStore::unlock);
//! 2. else, when an OS keyring is there: the keyring ([`keyring`]), `profiles.db` keeping
//!    only a random id;
//! 3. else: the mode-0600 side file `secrets.db` ([`side_file`]), `profiles.db` keeping
//!    only a random id.
//!
//! On a PostgreSQL store (shared by many hosts, see [`crate::location`]) 2 and 3 are
//! host-local, so a profile without a password seals under a per-user key instead: the
//! 32 random bytes of the mode-0600 key file [`KEY_FILE`] in the MAPI home
//! ([`key_file`]), which the admin copies to every host. A host without it treats the
//! secret as missing.
//!
//! How a row is held is in its `sealed` column ([`Sealing`]), so reading never needs
//! the registry. `Vault` is one profile's sealing context; `unlock.rs` holds the
//! store-level calls.

pub mod crypto;
pub mod key_file;
pub mod keyring;
pub mod side_file;
pub(crate) mod unlock;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use mapi_types::{MapiUid, PropTag};
use zeroize::Zeroizing;

use crate::db::{Db, args};
use crate::error::{ProfileError, Result};
pub use crypto::SecretKey;
pub use key_file::KEY_FILE;
pub use keyring::{SecretBackend, SecretTool};
pub use side_file::{SECRETS_DB, side_file_path};

/// SQL condition: the row is a secret (sealed, or a secure tag still in plain text).
pub(crate) const SECRET_ROW: &str = "(sealed != 0 OR (tag >> 16) BETWEEN 26608 AND 26623)";

/// How a `section_props` row holds its value (its `sealed` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealing {
    /// The encoded value itself (non-secret properties; secrets written before schema 3).
    Plain = 0,
    /// `version || nonce || ciphertext` under the profile-password key.
    ProfileKey = 1,
    /// A random id of a row in the side file.
    SideFile = 2,
    /// A random id of a keyring entry.
    Keyring = 3,
    /// `version || nonce || ciphertext` under the user's key file (PostgreSQL stores).
    KeyFile = 4,
}

impl Sealing {
    pub(crate) fn from_db(v: i64) -> Option<Sealing> {
        Some(match v {
            0 => Sealing::Plain,
            1 => Sealing::ProfileKey,
            2 => Sealing::SideFile,
            3 => Sealing::Keyring,
            4 => Sealing::KeyFile,
            _ => return None,
        })
    }
}

/// The store's secret state: unlocked keys, the keyring backend, the side file.
pub(crate) struct SecretState {
    /// Derived keys of unlocked profiles, by search key (stable across renames).
    pub keys: HashMap<Vec<u8>, SecretKey>,
    pub backend: Option<Arc<dyn SecretBackend>>,
    pub side_path: PathBuf,
    pub side_attached: Cell<bool>,
    pub warning: RefCell<Option<String>>,
    /// The user's key file (PostgreSQL stores only).
    pub key_file: Option<PathBuf>,
}

impl SecretState {
    pub fn new(side_path: PathBuf) -> SecretState {
        SecretState {
            keys: HashMap::new(),
            backend: None,
            side_path,
            side_attached: Cell::new(false),
            warning: RefCell::new(None),
            key_file: None,
        }
    }
}

/// Where a profile's new secrets go.
#[derive(Clone, Debug)]
pub(crate) enum Mode {
    /// The profile has a password; `None` while locked.
    Password(Option<SecretKey>),
    Keyring,
    SideFile,
    /// The user's key file; `None` on a host that lacks it.
    KeyFile(Option<SecretKey>),
}

/// One profile's sealing context.
#[derive(Clone)]
pub(crate) struct Vault {
    pub profile: String,
    pub profile_id: i64,
    pub search_key: Vec<u8>,
    pub mode: Mode,
    pub backend: Option<Arc<dyn SecretBackend>>,
    pub side_path: PathBuf,
}

impl Vault {
    fn locked(&self) -> ProfileError {
        ProfileError::ProfileLocked(self.profile.clone())
    }

    /// Seals the encoded value of `tag` in `section`; returns how and what to store.
    pub fn seal(
        &self,
        conn: &dyn Db,
        _path: &str,
        section: MapiUid,
        tag: PropTag,
        plain: &[u8],
    ) -> Result<(Sealing, Vec<u8>)> {
        match &self.mode {
            Mode::Password(None) => Err(self.locked()),
            Mode::Password(Some(key)) => {
                let aad = crypto::associated_data(&self.search_key, &section.0, tag.0);
                Ok((Sealing::ProfileKey, crypto::seal(key, &aad, plain)?))
            }
            Mode::KeyFile(None) => Err(ProfileError::NoAccess {
                path: self.side_path.display().to_string(),
                detail: format!(
                    "this host has no {KEY_FILE} for the profile store, so secrets cannot be \
                     stored; copy it from a host that has it"
                ),
            }),
            Mode::KeyFile(Some(key)) => {
                let aad = crypto::associated_data(&self.search_key, &section.0, tag.0);
                Ok((Sealing::KeyFile, crypto::seal(key, &aad, plain)?))
            }
            Mode::Keyring => {
                let backend = self
                    .backend
                    .as_ref()
                    .ok_or_else(|| ProfileError::SecretBackend("no keyring is available".into()))?;
                let id = crypto::random(16)?;
                backend.store(&keyring::hex(&id), plain)?;
                Ok((Sealing::Keyring, id))
            }
            Mode::SideFile => {
                let id = crypto::random(16)?;
                conn.exec(
                    &format!(
                        "INSERT INTO {}.secrets (id, value) VALUES (?1, ?2)",
                        side_file::SCHEMA
                    ),
                    args![&id, plain],
                )?;
                Ok((Sealing::SideFile, id))
            }
        }
    }

    /// The encoded value of a stored row; `None` while it cannot be read (a locked
    /// profile, no keyring in this session).
    pub fn unseal(
        &self,
        conn: &dyn Db,
        section: MapiUid,
        tag: PropTag,
        sealing: Sealing,
        stored: &[u8],
    ) -> Result<Option<Zeroizing<Vec<u8>>>> {
        match sealing {
            Sealing::Plain => Ok(Some(Zeroizing::new(stored.to_vec()))),
            Sealing::ProfileKey => {
                let Mode::Password(key) = &self.mode else {
                    return Err(self.damaged(
                        section,
                        tag,
                        "sealed with a password it no longer has",
                    ));
                };
                let Some(key) = key else { return Ok(None) };
                let aad = crypto::associated_data(&self.search_key, &section.0, tag.0);
                crypto::open(key, &aad, stored).map(Some).ok_or_else(|| {
                    self.damaged(section, tag, "does not decrypt (damaged or moved)")
                })
            }
            Sealing::KeyFile => {
                let Mode::KeyFile(key) = &self.mode else {
                    return Err(self.damaged(section, tag, "sealed with a key file it cannot use"));
                };
                let Some(key) = key else { return Ok(None) };
                let aad = crypto::associated_data(&self.search_key, &section.0, tag.0);
                // Another host's different key file: missing here, never garbage.
                Ok(crypto::open(key, &aad, stored))
            }
            Sealing::Keyring => match &self.backend {
                None => Ok(None),
                Some(b) => b
                    .lookup(&keyring::hex(stored))?
                    .map(|v| Some(Zeroizing::new(v)))
                    .ok_or_else(|| {
                        ProfileError::SecretBackend(format!(
                            "{} has no entry for property {tag} of section {section}; set it again",
                            b.name()
                        ))
                    }),
            },
            Sealing::SideFile => {
                let found = conn
                    .row(
                        &format!(
                            "SELECT value FROM {}.secrets WHERE id = ?1",
                            side_file::SCHEMA
                        ),
                        args![stored],
                    )?
                    .map(|r| r.blob(0))
                    .transpose()?;
                found
                    .map(|v| Some(Zeroizing::new(v)))
                    .ok_or_else(|| ProfileError::Corrupt {
                        path: self.side_path.display().to_string(),
                        detail: format!(
                            "the secret for property {tag} of section {section} is missing"
                        ),
                    })
            }
        }
    }

    fn damaged(&self, section: MapiUid, tag: PropTag, what: &str) -> ProfileError {
        ProfileError::Corrupt {
            path: format!("profile \"{}\"", self.profile),
            detail: format!("secret property {tag} of section {section} {what}"),
        }
    }
}

/// Re-seals the secret rows of `to`'s section `to_section`, which hold what `from` sealed
/// for `from_section` (after a copy, or in place for a new password). With
/// `only_plain`, only secrets still in plain text.
pub(crate) fn reseal_section(
    conn: &dyn Db,
    path: &str,
    from: &Vault,
    from_section: MapiUid,
    to: &Vault,
    to_section: MapiUid,
    only_plain: bool,
) -> Result<()> {
    let cond = if only_plain {
        "sealed = 0 AND (tag >> 16) BETWEEN 26608 AND 26623"
    } else {
        SECRET_ROW
    };
    let rows = conn
        .rows(
            &format!(
                "SELECT tag, sealed, value FROM section_props
                 WHERE profile_id = ?1 AND section = ?2 AND {cond}"
            ),
            args![to.profile_id, to_section.0.as_slice()],
        )?
        .iter()
        .map(|r| Ok((r.int(0)?, r.int(1)?, r.blob(2)?)))
        .collect::<Result<Vec<(i64, i64, Vec<u8>)>>>()?;
    for (tag, sealed, stored) in rows {
        let tag = PropTag(tag as u32);
        let sealing = Sealing::from_db(sealed).ok_or_else(|| ProfileError::Corrupt {
            path: path.to_string(),
            detail: format!("property {tag} has an unknown sealing {sealed}"),
        })?;
        let plain = from
            .unseal(conn, from_section, tag, sealing, &stored)?
            .ok_or_else(|| from.locked())?;
        let (how, value) = to.seal(conn, path, to_section, tag, &plain)?;
        conn.exec(
            "UPDATE section_props SET sealed = ?1, value = ?2
             WHERE profile_id = ?3 AND section = ?4 AND tag = ?5",
            args![
                how as i64,
                value,
                to.profile_id,
                to_section.0.as_slice(),
                tag.0 as i64
            ],
        )?;
    }
    Ok(())
}

/// The sections of a profile that hold secrets.
pub(crate) fn secret_sections(conn: &dyn Db, path: &str, profile_id: i64) -> Result<Vec<MapiUid>> {
    let raw = conn.blobs(
        &format!(
            "SELECT DISTINCT section FROM section_props WHERE profile_id = ?1 AND {SECRET_ROW}"
        ),
        args![profile_id],
    )?;
    raw.iter()
        .map(|b| {
            MapiUid::from_slice(b).ok_or_else(|| ProfileError::Corrupt {
                path: path.to_string(),
                detail: "a section uid is not 16 bytes".into(),
            })
        })
        .collect()
}

/// Drops side-file rows no longer referenced from `profiles.db`.
pub(crate) fn gc_side_file(conn: &dyn Db) -> Result<()> {
    conn.exec(
        &format!(
            "DELETE FROM {}.secrets WHERE id NOT IN
                (SELECT value FROM main.section_props WHERE sealed = 2)",
            side_file::SCHEMA
        ),
        &[],
    )?;
    Ok(())
}

/// Every keyring id `profiles.db` refers to.
pub(crate) fn keyring_ids(conn: &dyn Db) -> Result<Vec<Vec<u8>>> {
    conn.blobs("SELECT value FROM main.section_props WHERE sealed = 3", &[])
}
