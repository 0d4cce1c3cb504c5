//! Opening the profile store: version check before anything is written, migrations, WAL,
//! busy timeout, and the one-transaction-per-write helper.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{ProfileError, Result, from_sqlite};
use crate::home::PROFILES_DB;
use crate::schema::{MIGRATIONS, SCHEMA_VERSION};

/// How long a writer waits for another process's write before `MAPI_E_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// The profile store: one SQLite file in the MAPI home.
pub struct ProfileStore {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

impl ProfileStore {
    /// Opens (creating when absent) `profiles.db` in `home`, creating `home` too.
    pub fn open_home(home: &Path) -> Result<ProfileStore> {
        if home.exists() && !home.is_dir() {
            return Err(ProfileError::NoAccess {
                path: home.display().to_string(),
                detail: "the MAPI home is not a directory".into(),
            });
        }
        if !home.is_dir() {
            std::fs::create_dir_all(home).map_err(|e| io_error(home, e))?;
        }
        ProfileStore::open(&home.join(PROFILES_DB))
    }

    /// Opens the store at `path`. A file of a newer schema gives `MAPI_E_VERSION` and is
    /// not written to; a damaged one `MAPI_E_CORRUPT_DATA`.
    pub fn open(path: &Path) -> Result<ProfileStore> {
        let shown = path.display().to_string();
        let sql = |e| from_sqlite(&shown, e);
        if path.is_dir() {
            return Err(ProfileError::NoAccess {
                path: shown,
                detail: "it is a directory".into(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        // Read-only checks first: nothing is written to a file we cannot use.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql)?;
        if version > SCHEMA_VERSION {
            return Err(ProfileError::NewerSchema {
                path: shown,
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version > 0 {
            let has_profiles: bool = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'profiles'",
                    [],
                    |r| r.get::<_, i64>(0).map(|n| n > 0),
                )
                .map_err(sql)?;
            if !has_profiles {
                return Err(ProfileError::Corrupt {
                    path: shown,
                    detail: "the profiles table is missing".into(),
                });
            }
        }
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(sql)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(ProfileError::Other(format!(
                "{shown}: cannot switch to WAL journal mode (got {mode})"
            )));
        }
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(sql)?;
        let mut store = ProfileStore {
            conn,
            path: path.to_path_buf(),
        };
        if version < SCHEMA_VERSION {
            store.migrate()?;
        }
        Ok(store)
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    /// Runs `PRAGMA integrity_check`; `Ok(())` when the file is sound.
    pub fn integrity_check(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        if verdict == "ok" {
            Ok(())
        } else {
            Err(ProfileError::Corrupt {
                path: self.path.display().to_string(),
                detail: verdict,
            })
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let path = self.path.display().to_string();
        self.write(|tx| {
            // Another process may have migrated while we waited for the write lock.
            let version: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| from_sqlite(&path, e))?;
            if version > SCHEMA_VERSION {
                return Err(ProfileError::NewerSchema {
                    path: path.clone(),
                    found: version,
                    supported: SCHEMA_VERSION,
                });
            }
            for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.execute_batch(step).map_err(|e| from_sqlite(&path, e))?;
                tx.pragma_update(None, "user_version", (i + 1) as i64)
                    .map_err(|e| from_sqlite(&path, e))?;
            }
            Ok(())
        })
    }

    /// Runs `f` in one immediate (write-locking) transaction, committed when `f`
    /// succeeds and rolled back otherwise.
    pub(crate) fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let path = self.path.display().to_string();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| from_sqlite(&path, e))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| from_sqlite(&path, e))?;
        Ok(out)
    }

    pub(crate) fn sql(&self, e: rusqlite::Error) -> ProfileError {
        from_sqlite(&self.path.display().to_string(), e)
    }
}

fn io_error(path: &Path, e: std::io::Error) -> ProfileError {
    ProfileError::NoAccess {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}
