//! Opening the profile store: version check before anything is written, migrations, WAL,
//! busy timeout, and the one-transaction-per-write helper.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::db::Db;
use crate::db::sqlite::SqliteDb;
use crate::error::{ProfileError, Result, from_sqlite};
use crate::home::PROFILES_DB;
use crate::schema::{MIGRATIONS, SCHEMA_VERSION};
use crate::secrets::{self, SecretState, SecretTool, side_file_path};

/// How long a writer waits for another process's write before `MAPI_E_BUSY`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// The profile store: one SQLite file in the MAPI home (plus the side file for secrets
/// when one is needed, see [`secrets`]), or a PostgreSQL database shared by many hosts
/// (see [`crate::location`]).
pub struct ProfileStore {
    pub(crate) backend: Backend,
    pub(crate) path: PathBuf,
    /// The store as errors name it: the file, or the URL without its password.
    pub(crate) name: String,
    pub(crate) secrets: SecretState,
    /// Set on the local read-only copy opened while the database is away (the store it
    /// copies): every write fails with `MAPI_E_NETWORK_ERROR`.
    pub(crate) read_only: Option<String>,
    /// The local copy to refresh after each write (a PostgreSQL store with `cache`).
    pub(crate) cache: Option<PathBuf>,
}

/// The database behind a [`ProfileStore`].
pub(crate) enum Backend {
    Sqlite(Connection),
    Postgres(crate::pg_store::PgStore),
}

impl ProfileStore {
    /// Opens the profile store of the MAPI home `home`: the one `MAPI_PROFILE_STORE` or
    /// the home's `store.toml` names (see [`crate::location`]), else `profiles.db` in
    /// `home` (created when absent, with `home`).
    pub fn open_home(home: &Path) -> Result<ProfileStore> {
        ProfileStore::open_location(home, None)
    }

    /// Like [`open_home`](Self::open_home) with an explicit location (`--profile-store`:
    /// a `postgres://` URL or a SQLite file path) that wins over the environment and
    /// `store.toml`.
    pub fn open_location(home: &Path, explicit: Option<&str>) -> Result<ProfileStore> {
        match crate::location::resolve(home, explicit)? {
            crate::location::Location::Sqlite(path) => match path {
                Some(p) => ProfileStore::open(&p),
                None => ProfileStore::open_sqlite_home(home),
            },
            crate::location::Location::Postgres(cfg) => crate::pg_store::open(home, &cfg),
        }
    }

    fn open_sqlite_home(home: &Path) -> Result<ProfileStore> {
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
    /// not written to; a damaged one `MAPI_E_CORRUPT_DATA`. The keyring backend is
    /// [`SecretTool`] when it is usable (see [`SecretTool::detect`]).
    pub fn open(path: &Path) -> Result<ProfileStore> {
        // Two processes creating the same new file race for the switch to WAL and the
        // first migration; SQLite answers the loser BUSY without waiting. Try again
        // until the busy timeout.
        let start = std::time::Instant::now();
        loop {
            match ProfileStore::open_once(path) {
                Err(ProfileError::Busy) if start.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<ProfileStore> {
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
            backend: Backend::Sqlite(conn),
            name: shown.clone(),
            read_only: None,
            cache: None,
            path: path.to_path_buf(),
            secrets: SecretState::new(side_file_path(path)),
        };
        if version < SCHEMA_VERSION {
            store.migrate()?;
        }
        store.secrets.backend = SecretTool::detect()
            .map(|t| std::sync::Arc::new(t) as std::sync::Arc<dyn secrets::SecretBackend>);
        if version > 0 && version < 3 {
            // Secrets written in plain text by an older version leave profiles.db.
            store.seal_plain_secrets_everywhere()?;
        }
        Ok(store)
    }

    /// The file this store lives in (for PostgreSQL: the home's local files, see
    /// [`location`](Self::location)).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store as messages name it: the SQLite file, or the PostgreSQL URL without its
    /// password.
    pub fn location(&self) -> &str {
        &self.name
    }

    /// Whether this is the local read-only copy of a PostgreSQL store, opened because
    /// the database could not be reached (`cache = true` in `store.toml`).
    pub fn is_offline_copy(&self) -> bool {
        self.read_only.is_some()
    }

    /// Which engine holds this store.
    pub fn kind(&self) -> crate::db::Kind {
        match &self.backend {
            Backend::Sqlite(_) => crate::db::Kind::Sqlite,
            Backend::Postgres(_) => crate::db::Kind::Postgres,
        }
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<i64> {
        match &self.backend {
            Backend::Sqlite(c) => c
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| self.sql(e)),
            Backend::Postgres(_) => {
                self.with_db(|db| db.one("SELECT version FROM mapi_schema", &[])?.int(0))
            }
        }
    }

    /// Checks the store is sound (`PRAGMA integrity_check` on SQLite; on PostgreSQL the
    /// server keeps its own files sound, and a query of every table is made).
    pub fn integrity_check(&self) -> Result<()> {
        let conn = match &self.backend {
            Backend::Sqlite(c) => c,
            Backend::Postgres(_) => {
                return self.with_db(|db| {
                    for t in ["profiles", "services", "providers", "section_props"] {
                        db.rows(&format!("SELECT count(*) FROM {t}"), &[])?;
                    }
                    Ok(())
                });
            }
        };
        let verdict: String = conn
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
        let Backend::Sqlite(conn) = &mut self.backend else {
            return Ok(());
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| from_sqlite(&path, e))?;
        {
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
        }
        tx.commit().map_err(|e| from_sqlite(&path, e))
    }

    /// Runs `f` on a connection of the store (a PostgreSQL one from the pool).
    pub(crate) fn with_db<T>(&self, f: impl FnOnce(&dyn Db) -> Result<T>) -> Result<T> {
        match &self.backend {
            Backend::Sqlite(conn) => f(&SqliteDb {
                conn,
                name: &self.name,
            }),
            Backend::Postgres(pg) => pg.with_db(&self.name, f),
        }
    }

    /// The SQLite connection (`None` on PostgreSQL): for the file's own features (the
    /// attached side file, pragmas).
    pub(crate) fn sqlite(&self) -> Option<&Connection> {
        match &self.backend {
            Backend::Sqlite(c) => Some(c),
            Backend::Postgres(_) => None,
        }
    }

    /// Runs `f` in one transaction, committed when `f` succeeds and rolled back
    /// otherwise: on SQLite an immediate (write-locking) one; on PostgreSQL one that
    /// locks the profile row it changes, run again from the start (up to
    /// [`WRITE_RETRIES`] times) when another host's transaction won a race, so no update
    /// is lost. Secrets whose rows
    /// `f` removed go too: side-file rows in the same transaction, keyring entries after
    /// the commit.
    pub(crate) fn write<T>(&mut self, mut f: impl FnMut(&dyn Db) -> Result<T>) -> Result<T> {
        if let Some(store) = &self.read_only {
            return Err(ProfileError::ReadOnlyCache(store.clone()));
        }
        if let Backend::Postgres(pg) = &self.backend {
            let out = pg.write(&self.name, &mut f)?;
            if let Some(cache) = self.cache.clone() {
                // Best effort: the copy is only for logons while the database is away.
                let _ = crate::cache::refresh(self, &cache);
            }
            return Ok(out);
        }
        // A side file made by another process is attached (mode checked) so that
        // secrets removed here leave it too.
        if !self.secrets.side_attached.get() && self.secrets.side_path.exists() {
            self.attach_side(false)?;
        }
        let side = self.secrets.side_attached.get();
        let backend = self.secrets.backend.clone();
        let path = self.name.clone();
        let Backend::Sqlite(conn) = &mut self.backend else {
            unreachable!("handled above")
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| from_sqlite(&path, e))?;
        let db = SqliteDb {
            conn: &tx,
            name: &path,
        };
        let before = match &backend {
            Some(_) => secrets::keyring_ids(&db)?,
            _ => Vec::new(),
        };
        let out = f(&db)?;
        if side {
            secrets::gc_side_file(&db)?;
        }
        let gone: Vec<Vec<u8>> = match &backend {
            Some(_) => {
                let after = secrets::keyring_ids(&db)?;
                before
                    .into_iter()
                    .filter(|id| !after.contains(id))
                    .collect()
            }
            _ => Vec::new(),
        };
        tx.commit().map_err(|e| from_sqlite(&path, e))?;
        if let Some(b) = backend {
            for id in gone {
                // Best effort: a leftover keyring entry holds nothing profiles.db uses.
                let _ = b.delete(&crate::secrets::keyring::hex(&id));
            }
        }
        Ok(out)
    }

    pub(crate) fn sql(&self, e: rusqlite::Error) -> ProfileError {
        from_sqlite(&self.name, e)
    }
}

/// How often a PostgreSQL write is run again after losing to a concurrent one before
/// `MAPI_E_OBJECT_CHANGED`.
pub const WRITE_RETRIES: usize = 8;

fn io_error(path: &Path, e: std::io::Error) -> ProfileError {
    ProfileError::NoAccess {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}
