//! The PostgreSQL backend of [`ProfileStore`]: open (version check before anything is
//! written, migrations under an advisory lock), reads on a pooled connection, and write
//! transactions that lock the profile they change (`SELECT ... FOR UPDATE`), run again
//! when a concurrent one wins a race the lock cannot order (a unique name, a deadlock).

use std::path::Path;

use crate::db::Db;
use crate::db::pg::{PgConn, PgDb, PgPool, from_pg, network, pool, redact};
use crate::error::{ProfileError, Result};
use crate::location::PgConfig;
use crate::schema::{PG_MIGRATIONS, PG_SCHEMA_VERSION};
use crate::secrets::SecretState;
use crate::store::{Backend, ProfileStore, WRITE_RETRIES};

/// An advisory-lock key: schema migrations of the profile store, one at a time.
const MIGRATION_LOCK: i64 = 0x6d61_7069_7072_6f66;

/// The pool and options of an open PostgreSQL store.
pub(crate) struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// A live connection: ones whose server went away (a restart) are dropped from the
    /// pool here, without a round trip, instead of failing the call.
    fn checkout(&self, name: &str) -> Result<r2d2::PooledConnection<crate::db::pg::PgManager>> {
        for _ in 0..=self.pool.max_size() {
            let c = self.pool.get().map_err(|e| network(name, e.to_string()))?;
            if !c.is_closed() {
                return Ok(c);
            }
        }
        Err(network(name, "every pooled connection was closed".into()))
    }

    pub fn with_db<T>(&self, name: &str, f: impl FnOnce(&dyn Db) -> Result<T>) -> Result<T> {
        let mut c = self.checkout(name)?;
        f(&PgDb::new(&mut c, name))
    }

    pub fn write<T>(&self, name: &str, f: &mut impl FnMut(&dyn Db) -> Result<T>) -> Result<T> {
        let mut last = None;
        for attempt in 0..WRITE_RETRIES {
            if attempt > 0 {
                // Let the winner finish; a little randomness keeps losers from meeting again.
                let jitter = crate::secrets::crypto::random(1).map(|b| b[0]).unwrap_or(0);
                std::thread::sleep(std::time::Duration::from_micros(
                    (attempt as u64) * 1000 + u64::from(jitter) * 8,
                ));
            }
            let mut c = self.checkout(name)?;
            c.batch("BEGIN").map_err(|e| from_pg(name, e))?;
            let out = f(&PgDb::new(&mut c, name));
            let done = match out {
                Ok(v) => c.batch("COMMIT").map(|_| v).map_err(|e| from_pg(name, e)),
                Err(e) => {
                    // A broken connection rolls back on the server by itself.
                    let _ = c.batch("ROLLBACK");
                    Err(e)
                }
            };
            match done {
                Err(ProfileError::ObjectChanged(s)) => last = Some(ProfileError::ObjectChanged(s)),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| ProfileError::ObjectChanged(name.to_string())))
    }
}

/// Opens the PostgreSQL store `cfg` for the MAPI home `home` (which keeps this host's
/// key file and cache). A database of a newer schema -> `MAPI_E_VERSION`, nothing
/// written; unreachable -> `MAPI_E_NETWORK_ERROR` naming it.
pub(crate) fn open(home: &Path, cfg: &PgConfig) -> Result<ProfileStore> {
    match open_online(home, cfg) {
        Err(ProfileError::Network { store, detail }) if cfg.cache => {
            crate::cache::open_offline(home, &store).map_err(|e| match e {
                // No copy yet: the outage is the error to report.
                ProfileError::ProfileNotFound(_) => ProfileError::Network { store, detail },
                other => other,
            })
        }
        Ok(mut store) => {
            if cfg.cache {
                let path = crate::cache::cache_path(home);
                let _ = crate::cache::refresh(&store, &path);
                store.cache = Some(path);
            }
            Ok(store)
        }
        other => other,
    }
}

fn open_online(home: &Path, cfg: &PgConfig) -> Result<ProfileStore> {
    let name = redact(&cfg.url);
    let pool = pool(&cfg.url, &name, cfg.timeout, cfg.pool_size)?;
    {
        let mut c = pool.get().map_err(|e| network(&name, e.to_string()))?;
        let version = schema_version(&mut c, &name)?;
        if version > PG_SCHEMA_VERSION {
            return Err(newer(&name, version));
        }
        if version < PG_SCHEMA_VERSION {
            let out = migrate(&mut c, &name);
            if out.is_err() {
                let _ = c.batch("ROLLBACK");
            }
            out?;
        }
    }
    let mut secrets = SecretState::new(home.join(crate::secrets::SECRETS_DB));
    secrets.key_file = Some(home.join(crate::secrets::KEY_FILE));
    Ok(ProfileStore {
        backend: Backend::Postgres(PgStore { pool }),
        path: home.to_path_buf(),
        name,
        secrets,
        read_only: None,
        cache: None,
    })
}

fn newer(name: &str, found: i64) -> ProfileError {
    ProfileError::NewerSchema {
        path: name.to_string(),
        found,
        supported: PG_SCHEMA_VERSION,
    }
}

fn schema_version(c: &mut PgConn, name: &str) -> Result<i64> {
    let db = PgDb::new(c, name);
    if !db
        .one("SELECT to_regclass('mapi_schema') IS NOT NULL", &[])?
        .bool(0)?
    {
        return Ok(0);
    }
    db.one("SELECT version FROM mapi_schema", &[])?.int(0)
}

fn migrate(c: &mut PgConn, name: &str) -> Result<()> {
    let pg = |e| from_pg(name, e);
    c.batch("BEGIN").map_err(pg)?;
    c.batch(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        .map_err(pg)?;
    c.batch("CREATE TABLE IF NOT EXISTS mapi_schema (version BIGINT NOT NULL)")
        .map_err(pg)?;
    let version = {
        let db = PgDb::new(c, name);
        match db.row("SELECT version FROM mapi_schema", &[])? {
            Some(r) => r.int(0)?,
            None => {
                db.exec("INSERT INTO mapi_schema (version) VALUES (0)", &[])?;
                0
            }
        }
    };
    if version > PG_SCHEMA_VERSION {
        return Err(newer(name, version));
    }
    c.batch("GRANT SELECT ON mapi_schema TO PUBLIC")
        .map_err(pg)?;
    for (i, step) in PG_MIGRATIONS.iter().enumerate().skip(version as usize) {
        c.batch(step).map_err(pg)?;
        c.batch(&format!("UPDATE mapi_schema SET version = {}", i + 1))
            .map_err(pg)?;
    }
    c.batch("COMMIT").map_err(pg)
}
