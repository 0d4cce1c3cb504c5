//! A real PostgreSQL server for tests and benchmarks: Debian's
//! `postgresql` binaries, `initdb` in a temp dir, `postgres` on a free loopback port
//! with its socket in the same dir, stopped by the postmaster's PID when dropped. As
//! root, the server runs as the `postgres` user (`initdb` refuses root).
//!
//! Roles other than the superuser log in over TCP with a password (SCRAM); the
//! superuser reaches the server only through the socket in the temp dir.
//!
//! [`PgServer::start_tls`] runs the server with `ssl = on` and a certificate for
//! `localhost` / `127.0.0.1` signed by a throwaway CA made with `openssl` in the temp
//! dir (`make_test_ca`); clients trust it with `sslrootcert=` ([`PgServer::ca_file`]).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::{as_user, chown_r, free_port, stop_pids, traversable_temp_dir};
use crate::test_ca::make_test_ca;

/// A running server; dropping it stops the server and removes its files.
pub struct PgServer {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    bin: PathBuf,
    max_connections: usize,
    tls: bool,
}

/// Where Debian's PostgreSQL binaries are: `MAPI_PG_BIN`, else the newest
/// `/usr/lib/postgresql/N/bin`.
pub fn pg_bin() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("MAPI_PG_BIN") {
        return Ok(PathBuf::from(p));
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| no_server())?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b).ok_or_else(no_server)
}

fn no_server() -> String {
    "no PostgreSQL server binaries: install Debian's `postgresql` package (or set MAPI_PG_BIN)"
        .into()
}

/// `tool` of the PostgreSQL binaries, run as the server's user.
fn as_server_user(bin: &Path, tool: &str) -> Command {
    as_user("postgres", bin.join(tool))
}

impl PgServer {
    /// Creates a cluster and starts it (a port lost to another test is retried).
    pub fn start() -> Result<PgServer, String> {
        PgServer::start_with(100)
    }

    /// [`start`](Self::start) with room for `max_connections` sessions.
    pub fn start_with(max_connections: usize) -> Result<PgServer, String> {
        PgServer::start_opts(max_connections, false)
    }

    /// [`start`](Self::start) with `ssl = on` and a certificate signed by a throwaway
    /// CA ([`ca_file`](Self::ca_file)).
    pub fn start_tls() -> Result<PgServer, String> {
        PgServer::start_opts(100, true)
    }

    /// The CA that signed the server's certificate (TLS servers only).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("tls/ca.pem")
    }

    fn start_opts(max_connections: usize, tls: bool) -> Result<PgServer, String> {
        let bin = pg_bin()?;
        let dir = traversable_temp_dir("mapi-pg-", Some("postgres:"))?;
        let out = as_server_user(&bin, "initdb")
            .arg("-D")
            .arg(dir.path().join("data"))
            .args([
                "-N",
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .output()
            .map_err(|e| format!("run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let mut server = PgServer {
            dir,
            port: 0,
            child: None,
            bin,
            max_connections,
            tls,
        };
        if tls {
            server.make_tls()?;
        }
        let mut last = String::new();
        for _ in 0..5 {
            server.port = free_port();
            match server.run() {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The CA and server certificate, the key readable by the server's user only.
    fn make_tls(&self) -> Result<(), String> {
        let t = self.dir.path().join("tls");
        make_test_ca(&t)?;
        std::fs::set_permissions(t.join("key.pem"), std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("chmod key.pem: {e}"))?;
        if crate::process::is_root() {
            chown_r(&t, "postgres:")?;
        }
        Ok(())
    }

    /// Starts the postmaster on the data dir and waits until it accepts connections.
    fn run(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.path().join("server.log"))
            .map_err(|e| format!("server log: {e}"))?;
        let mut cmd = as_server_user(&self.bin, "postgres");
        if self.tls {
            let t = self.dir.path().join("tls");
            cmd.args(["-c", "ssl=on", "-c"])
                .arg(format!("ssl_cert_file={}", t.join("cert.pem").display()))
                .arg("-c")
                .arg(format!("ssl_key_file={}", t.join("key.pem").display()));
        }
        let child = cmd
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-p", &self.port.to_string(), "-k"])
            .arg(self.dir.path())
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                &format!("max_connections={}", self.max_connections),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("start postgres: {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.admin().is_ok() {
                return Ok(());
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || Instant::now() > deadline {
                self.stop();
                let log =
                    std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
                return Err(format!("postgres did not start: {log}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A superuser connection over the socket.
    pub fn admin(&self) -> Result<postgres::Client, String> {
        self.admin_db("postgres")
    }

    /// A superuser connection to database `db` over the socket.
    pub fn admin_db(&self, db: &str) -> Result<postgres::Client, String> {
        postgres::Config::new()
            .host_path(self.dir.path())
            .port(self.port)
            .user("postgres")
            .dbname(db)
            .connect(postgres::NoTls)
            .map_err(|e| e.to_string())
    }

    /// Creates a login role with a password.
    pub fn create_role(&self, name: &str, password: &str) -> Result<(), String> {
        self.admin()?
            .batch_execute(&format!(
                "CREATE ROLE \"{name}\" LOGIN PASSWORD '{}'",
                password.replace('\'', "''")
            ))
            .map_err(|e| e.to_string())
    }

    /// Creates a database owned by `owner`.
    pub fn create_database(&self, name: &str, owner: &str) -> Result<(), String> {
        self.admin()?
            .batch_execute(&format!("CREATE DATABASE \"{name}\" OWNER \"{owner}\""))
            .map_err(|e| e.to_string())
    }

    /// `postgres://user:password@127.0.0.1:port/db`.
    pub fn url(&self, user: &str, password: &str, db: &str) -> String {
        format!("postgres://{user}:{password}@127.0.0.1:{}/{db}", self.port)
    }

    /// A fresh database owned by a fresh role; returns its URL.
    pub fn fresh_store(&self, name: &str) -> Result<String, String> {
        let pw = format!("pw-{name}");
        self.create_role(name, &pw)?;
        self.create_database(name, name)?;
        Ok(self.url(name, &pw, name))
    }

    /// The postmaster's PID (from `postmaster.pid`).
    pub fn pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.dir.path().join("data/postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// Stops the server (SIGINT: fast shutdown, in-flight sessions cut), waiting for it.
    pub fn stop(&mut self) {
        if let Some(pid) = self.pid() {
            let child = &mut self.child;
            stop_pids(&[pid], libc::SIGINT, Duration::from_secs(20), || {
                if let Some(c) = child.as_mut() {
                    let _ = c.try_wait();
                }
            });
        }
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_file(self.dir.path().join("data/postmaster.pid"));
    }

    /// Starts the stopped server again on the same port and data.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.run()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
    }
}
