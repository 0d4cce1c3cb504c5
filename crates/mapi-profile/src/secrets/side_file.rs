//! The side file for secrets when no key is available: `secrets.db` next to
//! `profiles.db`, created mode 0600 before anything is written to it, refused when
//! others can read it, and attached to the store's connection so a write to both files
//! is one transaction.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::error::{ProfileError, Result, from_sqlite};
use crate::home::PROFILES_DB;

/// File name of the side file next to `profiles.db`.
pub const SECRETS_DB: &str = "secrets.db";
/// The schema name the side file is attached under.
pub(crate) const SCHEMA: &str = "mapi_secrets";

/// Where the side file of the store at `db` lives: `secrets.db` for `profiles.db`,
/// `<name>.secrets.db` for a store of another name (so two stores in one directory
/// never share one).
pub fn side_file_path(db: &Path) -> PathBuf {
    let dir = db.parent().unwrap_or(Path::new("."));
    match db.file_name().and_then(|n| n.to_str()) {
        Some(PROFILES_DB) | None => dir.join(SECRETS_DB),
        Some(name) => dir.join(format!("{name}.{SECRETS_DB}")),
    }
}

/// Creates the side file with mode 0600 (set at creation, before any byte is written).
/// Returns whether this call created it.
pub(crate) fn create(path: &Path) -> Result<bool> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(ProfileError::NoAccess {
            path: path.display().to_string(),
            detail: format!("cannot create the secrets file: {e}"),
        }),
    }
}

/// Refuses a side file that is not a regular file or that users other than its owner
/// may read or write.
pub(crate) fn check_mode(path: &Path) -> Result<()> {
    let shown = path.display().to_string();
    let meta = std::fs::symlink_metadata(path).map_err(|e| ProfileError::NoAccess {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    if !meta.file_type().is_file() {
        return Err(ProfileError::NoAccess {
            path: shown,
            detail: "the secrets file is not a regular file; move it aside".into(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(ProfileError::NoAccess {
                path: shown.clone(),
                detail: format!(
                    "the secrets file has mode {mode:04o}, so other users may read it; \
                     run `chmod 600 {shown}`"
                ),
            });
        }
    }
    Ok(())
}

/// Attaches the (checked) side file to `conn` and makes sure its table exists.
pub(crate) fn attach(conn: &Connection, path: &Path) -> Result<()> {
    let shown = path.display().to_string();
    let file = path.to_str().ok_or_else(|| ProfileError::NoAccess {
        path: shown.clone(),
        detail: "the path is not valid UTF-8".into(),
    })?;
    conn.execute(&format!("ATTACH DATABASE ?1 AS {SCHEMA}"), [file])
        .map_err(|e| from_sqlite(&shown, e))?;
    let setup = conn.execute_batch(&format!(
        "PRAGMA {SCHEMA}.secure_delete = ON;
         CREATE TABLE IF NOT EXISTS {SCHEMA}.secrets (
            id BLOB PRIMARY KEY,
            value BLOB NOT NULL
         ) WITHOUT ROWID;"
    ));
    if let Err(e) = setup {
        let _ = conn.execute(&format!("DETACH DATABASE {SCHEMA}"), []);
        return Err(from_sqlite(&shown, e));
    }
    Ok(())
}

/// The warning shown once, when the side file is first created (the sentence alone:
/// whoever shows it says it is a warning).
pub(crate) fn warning(path: &Path) -> String {
    format!(
        "no profile password and no OS keyring: service passwords are stored \
         unencrypted in {} (mode 0600, readable only by you); set a profile password \
         to encrypt them",
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_file_names() {
        assert_eq!(
            side_file_path(Path::new("/h/profiles.db")),
            Path::new("/h/secrets.db")
        );
        assert_eq!(
            side_file_path(Path::new("/h/other.db")),
            Path::new("/h/other.db.secrets.db")
        );
    }
}
