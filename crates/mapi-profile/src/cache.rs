//! The local read-only copy of a PostgreSQL store (`cache = true` in `store.toml`): a
//! SQLite profile store in the MAPI home holding the user's profiles as last seen,
//! rewritten whole (into a new file, then renamed over the old) at each open and after
//! each write while the database is reachable. When it is not, `open_offline` opens
//! the copy: logons read from it, every write fails with `MAPI_E_NETWORK_ERROR`.
//! Secrets stay sealed as in the database (password key or the user's key file).

use std::path::{Path, PathBuf};

use crate::error::{ProfileError, Result};
use crate::store::ProfileStore;

/// The copy's file name in the MAPI home.
pub const CACHE_DB: &str = "profile-store-cache.db";

/// Where the copy of the home's PostgreSQL store lives.
pub fn cache_path(home: &Path) -> PathBuf {
    home.join(CACHE_DB)
}

fn with_key_file(mut s: ProfileStore, home: &Path) -> ProfileStore {
    s.secrets.key_file = Some(home.join(crate::secrets::KEY_FILE));
    s.secrets.backend = None;
    s
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Rewrites the copy at `path` from `store` (online).
pub(crate) fn refresh(store: &ProfileStore, path: &Path) -> Result<()> {
    let home = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("db.new");
    remove_db(&tmp);
    let done = (|| {
        let mut copy = with_key_file(ProfileStore::open(&tmp)?, home);
        store.transfer_to(&mut copy)?;
        drop(copy);
        std::fs::rename(&tmp, path).map_err(|e| ProfileError::NoAccess {
            path: path.display().to_string(),
            detail: e.to_string(),
        })
    })();
    if done.is_err() {
        remove_db(&tmp);
    }
    done
}

/// Opens the copy read-only for the unreachable store `store` (its redacted URL). No
/// copy -> `MAPI_E_NOT_FOUND` (the caller reports the outage instead).
pub(crate) fn open_offline(home: &Path, store: &str) -> Result<ProfileStore> {
    let path = cache_path(home);
    if !path.exists() {
        return Err(ProfileError::ProfileNotFound(path.display().to_string()));
    }
    let mut copy = with_key_file(ProfileStore::open(&path)?, home);
    copy.read_only = Some(store.to_string());
    Ok(copy)
}
