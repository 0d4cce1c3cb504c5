//! [`Db`] on PostgreSQL: a pool (r2d2) of `tokio-postgres` clients driven by this
//! module's own small runtime, TLS through rustls when the URL says `sslmode=require`
//! or names the CA to trust with `sslrootcert=PATH` (then only that CA, and TLS is
//! required); the server's certificate and name are always verified,
//! `?N` placeholders rewritten to `$N`, prepared statements cached per connection, and
//! server errors mapped to the MAPI codes a caller acts on.
//!
//! The calls block the caller (as SQLite's do) by waiting for a task on the module's
//! runtime, so they work from plain threads and from inside the engine's async tasks
//! alike (a client that ran its own `block_on` would panic there).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::BytesMut;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, NoTls, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

/// The runtime that drives every PostgreSQL connection of the process.
fn runtime() -> Option<&'static tokio::runtime::Runtime> {
    static RT: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mapi-profile-pg")
            .enable_all()
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `fut` on the module's runtime and waits for its output (`None`: no runtime).
fn wait<T: Send + 'static>(fut: impl Future<Output = T> + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime()?.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().ok()
}

type PgResult<T> = std::result::Result<T, tokio_postgres::Error>;

/// The output of `fut`, or the error a lost runtime gives.
fn run<T: Send + 'static>(
    fut: impl Future<Output = PgResult<T>> + Send + 'static,
) -> std::result::Result<T, PgError> {
    match wait(fut) {
        Some(r) => r.map_err(PgError::Pg),
        None => Err(PgError::NoRuntime),
    }
}

/// A failed call: the server's or client's error, or no runtime to drive it.
#[derive(Debug)]
pub enum PgError {
    /// From tokio-postgres.
    Pg(tokio_postgres::Error),
    /// The runtime could not be started or stopped.
    NoRuntime,
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PgError::Pg(e) => f.write_str(&with_causes(e)),
            PgError::NoRuntime => f.write_str("the PostgreSQL client runtime is not running"),
        }
    }
}

impl std::error::Error for PgError {}

/// The error and its causes (`error performing TLS handshake: invalid peer
/// certificate: UnknownIssuer`): the client's own text leaves them out.
fn with_causes(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

use super::{Db, Kind, Row, Val};
use crate::error::{ProfileError, Result};

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Val::Text(s) => s.as_str().to_sql(ty, out),
            Val::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// One pooled connection: the client and its prepared statements.
pub struct PgConn {
    client: Arc<Client>,
    stmts: HashMap<String, Statement>,
}

impl PgConn {
    fn statement(&mut self, sql: &str) -> std::result::Result<Statement, PgError> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let (c, text) = (self.client.clone(), sql.to_string());
        let s = run(async move { c.prepare(&text).await })?;
        self.stmts.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Whether the server closed this connection (no round trip).
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Runs statements without parameters or results (`BEGIN`, DDL, ...).
    pub fn batch(&mut self, sql: &str) -> std::result::Result<(), PgError> {
        let (c, text) = (self.client.clone(), sql.to_string());
        run(async move { c.batch_execute(&text).await })
    }

    fn execute(&mut self, sql: &str, args: &[Val]) -> std::result::Result<u64, PgError> {
        let st = self.statement(sql)?;
        let (c, args) = (self.client.clone(), args.to_vec());
        run(async move { c.execute(&st, &params(&args)).await })
    }

    /// Runs a query; every row, converted.
    pub fn query(&mut self, sql: &str, args: &[Val]) -> std::result::Result<Vec<Row>, PgError> {
        let st = self.statement(sql)?;
        let (c, args) = (self.client.clone(), args.to_vec());
        run(async move {
            let rows = c.query(&st, &params(&args)).await?;
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| column(r, i))
                        .collect::<PgResult<Vec<_>>>()
                        .map(Row)
                })
                .collect()
        })
    }
}

/// Opens connections for the pool.
pub struct PgManager {
    config: tokio_postgres::Config,
    tls: Option<MakeRustlsConnect>,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = PgError;

    fn connect(&self) -> std::result::Result<PgConn, PgError> {
        let (config, tls) = (self.config.clone(), self.tls.clone());
        let client = run(async move {
            match tls {
                None => {
                    let (client, conn) = config.connect(NoTls).await?;
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    Ok(client)
                }
                Some(tls) => {
                    let (client, conn) = config.connect(tls).await?;
                    tokio::spawn(async move {
                        let _ = conn.await;
                    });
                    Ok(client)
                }
            }
        })?;
        Ok(PgConn {
            client: Arc::new(client),
            stmts: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut PgConn) -> std::result::Result<(), PgError> {
        conn.batch("")
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.client.is_closed()
    }
}

/// The pool of one PostgreSQL profile store.
pub type PgPool = r2d2::Pool<PgManager>;

/// The URL as errors and status show it: no password.
pub fn redact(url: &str) -> String {
    // postgres://user:secret@host/db -> postgres://user@host/db
    let Some((scheme, rest)) = url.split_once("://") else {
        return "the PostgreSQL profile store".into();
    };
    let (auth, tail) = match rest.rsplit_once('@') {
        Some((a, t)) => (Some(a), t),
        None => (None, rest),
    };
    let tail = tail
        .split_once('?')
        .map(|(t, q)| {
            let kept: Vec<&str> = q
                .split('&')
                .filter(|kv| !kv.to_ascii_lowercase().starts_with("password="))
                .collect();
            if kept.is_empty() {
                t.to_string()
            } else {
                format!("{t}?{}", kept.join("&"))
            }
        })
        .unwrap_or_else(|| tail.to_string());
    match auth {
        Some(a) => {
            let user = a.split_once(':').map(|(u, _)| u).unwrap_or(a);
            format!("{scheme}://{user}@{tail}")
        }
        None => format!("{scheme}://{tail}"),
    }
}

/// Builds the pool for `url` (connections are opened on demand; `timeout` bounds the
/// wait for one). Bad URL -> `MAPI_E_INVALID_PARAMETER`.
pub fn pool(url: &str, shown: &str, timeout: Duration, size: u32) -> Result<PgPool> {
    let (url, root_cert) = split_sslrootcert(url);
    let mut config =
        tokio_postgres::Config::from_str(&url).map_err(|e| ProfileError::StoreConfig {
            origin: shown.to_string(),
            detail: format!("not a PostgreSQL URL: {e}"),
        })?;
    use tokio_postgres::config::SslMode;
    let tls = match (config.get_ssl_mode(), root_cert) {
        (SslMode::Disable, Some(_)) => {
            return Err(ProfileError::StoreConfig {
                origin: shown.to_string(),
                detail: "sslrootcert needs TLS, but the URL says sslmode=disable".into(),
            });
        }
        (_, Some(path)) => {
            config.ssl_mode(SslMode::Require);
            Some(rustls_connector(shown, Some(Path::new(&path)))?)
        }
        (SslMode::Require, None) => Some(rustls_connector(shown, None)?),
        _ => None,
    };
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(timeout);
    }
    r2d2::Pool::builder()
        .max_size(size.max(1))
        .min_idle(Some(0))
        .connection_timeout(timeout)
        .test_on_check_out(false)
        .error_handler(Box::new(r2d2::NopErrorHandler))
        .build(PgManager { config, tls })
        .map_err(|e| network(shown, e.to_string()))
}

/// The URL without its `sslrootcert=PATH` query parameter (this crate's, unknown to the
/// client), and that path. The path is taken as written (no `&` in it).
fn split_sslrootcert(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut root = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some(("sslrootcert", v)) => {
                root = Some(v.to_string());
                false
            }
            _ => true,
        })
        .collect();
    if kept.is_empty() {
        (base.to_string(), root)
    } else {
        (format!("{base}?{}", kept.join("&")), root)
    }
}

/// The trusted roots: the CA file's certificates only, else the system's.
fn roots(shown: &str, ca_file: Option<&Path>) -> Result<rustls::RootCertStore> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let Some(path) = ca_file else {
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        return Ok(roots);
    };
    let bad = |detail: String| ProfileError::StoreConfig {
        origin: shown.to_string(),
        detail: format!("sslrootcert {}: {detail}", path.display()),
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    for cert in certs {
        roots.add(cert).map_err(|e| bad(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("no certificate in the file".into()));
    }
    Ok(roots)
}

fn rustls_connector(shown: &str, ca_file: Option<&Path>) -> Result<MakeRustlsConnect> {
    let roots = roots(shown, ca_file)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProfileError::StoreConfig {
            origin: shown.to_string(),
            detail: format!("TLS setup: {e}"),
        })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// A database that cannot be reached.
pub fn network(shown: &str, detail: String) -> ProfileError {
    ProfileError::Network {
        store: shown.to_string(),
        detail,
    }
}

/// Maps a failed call on the store `shown` to the error a caller acts on.
pub fn from_pg(shown: &str, e: PgError) -> ProfileError {
    let e = match e {
        PgError::Pg(e) => e,
        PgError::NoRuntime => return network(shown, PgError::NoRuntime.to_string()),
    };
    let Some(code) = e.code() else {
        // No SQLSTATE: the client could not talk to the server (refused, closed, TLS).
        return network(shown, with_causes(&e));
    };
    let detail = e
        .as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string());
    let class = &code.code()[..2];
    if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::UNIQUE_VIOLATION
    {
        ProfileError::ObjectChanged(shown.to_string())
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE
        || *code == SqlState::INVALID_PASSWORD
        || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
    {
        ProfileError::NoAccess {
            path: shown.to_string(),
            detail,
        }
    } else if class == "08" || class == "57" || class == "53" && *code != SqlState::DISK_FULL {
        network(shown, detail)
    } else if *code == SqlState::DISK_FULL {
        ProfileError::DiskFull(shown.to_string())
    } else {
        ProfileError::Other(format!("{shown}: {detail}"))
    }
}

/// `?N` -> `$N`.
fn dollar(sql: &str) -> String {
    sql.replace('?', "$")
}

/// A pooled connection seen through [`Db`]; errors name `name` (the redacted URL).
pub struct PgDb<'a> {
    conn: RefCell<&'a mut PgConn>,
    name: &'a str,
}

impl<'a> PgDb<'a> {
    /// Wraps a connection.
    pub fn new(conn: &'a mut PgConn, name: &'a str) -> PgDb<'a> {
        PgDb {
            conn: RefCell::new(conn),
            name,
        }
    }
}

fn params(args: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn column(row: &tokio_postgres::Row, i: usize) -> PgResult<Val> {
    let ty = row.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Val::Int),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(i)?
            .map(|v| Val::Int(v as i64)),
        Type::INT2 => row
            .try_get::<_, Option<i16>>(i)?
            .map(|v| Val::Int(v as i64)),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(i)?
            .map(|v| Val::Int(v as i64)),
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Val::Blob),
        _ => row.try_get::<_, Option<String>>(i)?.map(Val::Text),
    };
    Ok(v.unwrap_or(Val::Null))
}

impl Db for PgDb<'_> {
    fn exec(&self, sql: &str, args: &[Val]) -> Result<u64> {
        self.conn
            .borrow_mut()
            .execute(&dollar(sql), args)
            .map_err(|e| from_pg(self.name, e))
    }

    fn rows(&self, sql: &str, args: &[Val]) -> Result<Vec<Row>> {
        self.conn
            .borrow_mut()
            .query(&dollar(sql), args)
            .map_err(|e| from_pg(self.name, e))
    }

    fn kind(&self) -> Kind {
        Kind::Postgres
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mapi_types::{MapiStatus, Status};

    #[test]
    fn redact_drops_passwords() {
        assert_eq!(
            redact("postgres://alice:s3cret@db.example:5432/mapi?sslmode=require"),
            "postgres://alice@db.example:5432/mapi?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://h/db?password=s3cret&user=a"),
            "postgresql://h/db?user=a"
        );
        assert_eq!(redact("host=h password=x"), "the PostgreSQL profile store");
    }

    #[test]
    fn sslrootcert_is_taken_out_of_the_url() {
        assert_eq!(
            split_sslrootcert("postgres://a@h/db?sslrootcert=/x/ca.pem&sslmode=require"),
            (
                "postgres://a@h/db?sslmode=require".to_string(),
                Some("/x/ca.pem".to_string())
            )
        );
        assert_eq!(
            split_sslrootcert("postgres://a@h/db?sslrootcert=ca.pem"),
            ("postgres://a@h/db".to_string(), Some("ca.pem".to_string()))
        );
        assert_eq!(
            split_sslrootcert("postgres://a@h/db"),
            ("postgres://a@h/db".to_string(), None)
        );
        let err = pool(
            "postgres://a@h/db?sslmode=disable&sslrootcert=ca.pem",
            "shown",
            Duration::from_millis(10),
            1,
        )
        .err()
        .unwrap();
        assert_eq!(err.status(), Status::MAPI_E_INVALID_PARAMETER, "{err}");
    }

    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(dollar("SELECT ?1, ?12"), "SELECT $1, $12");
    }
}
