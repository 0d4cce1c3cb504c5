//! The per-user key of a PostgreSQL profile store: 32 random bytes in the mode-0600 file
//! [`KEY_FILE`] in the MAPI home. Made on the first host that stores a secret for a
//! profile without a password; the admin copies it to the user's other hosts. A host
//! without it reads such secrets as missing and cannot store new ones.

use std::io::Write;
use std::path::Path;

use super::crypto::{self, SecretKey};
use super::side_file;
use crate::error::{ProfileError, Result};

/// The key file's name in the MAPI home.
pub const KEY_FILE: &str = "profile-store.key";

/// The key in `path`, if the file exists (its mode is checked: 0600 or stricter).
pub(crate) fn load(path: &Path) -> Result<Option<SecretKey>> {
    if !path.exists() {
        return Ok(None);
    }
    side_file::check_mode(path)?;
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(path).map_err(|e| ProfileError::NoAccess {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?);
    let key: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| ProfileError::Corrupt {
            path: path.display().to_string(),
            detail: format!("a key file holds 32 bytes, this one {}", bytes.len()),
        })?;
    Ok(Some(SecretKey::from_bytes(key)))
}

/// The key in `path`, made (mode 0600) when the file is absent.
pub(crate) fn load_or_create(path: &Path) -> Result<SecretKey> {
    if let Some(k) = load(path)? {
        return Ok(k);
    }
    let fresh = zeroize::Zeroizing::new(crypto::random(32)?);
    let tmp = path.with_extension("key.new");
    let _ = std::fs::remove_file(&tmp);
    if !side_file::create(&tmp)? {
        return Err(ProfileError::NoAccess {
            path: tmp.display().to_string(),
            detail: "cannot create the key file".into(),
        });
    }
    let io = |e: std::io::Error| ProfileError::NoAccess {
        path: path.display().to_string(),
        detail: e.to_string(),
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(&tmp)
        .map_err(io)?;
    f.write_all(&fresh).map_err(io)?;
    f.sync_all().map_err(io)?;
    // Another process of this user may have made one meanwhile: theirs wins.
    match std::fs::hard_link(&tmp, path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(io(e));
        }
    }
    let _ = std::fs::remove_file(&tmp);
    load(path)?.ok_or_else(|| ProfileError::NoAccess {
        path: path.display().to_string(),
        detail: "the key file vanished".into(),
    })
}
