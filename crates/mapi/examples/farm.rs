//! A farm run (see `bench/farm.sh`): one PostgreSQL profile store, several "hosts"
//! (separate processes, each with its own MAPI homes and runtime dir), many users each
//! with their own role and ten profiles; every user logs on to their default profile
//! (local store + contacts) once, all at the same time, spread over the hosts. During
//! the run an admin change on host 0 (a service added to one user's profile) must be
//! seen by every other host. Prints throughput and logon latency (median, p99); exits
//! non-zero on any error.
//!
//! `cargo run --release -p mapi --example farm -- [USERS] [HOSTS]` (default 1000 3).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use mapi::blocking::Mapi;
use mapi::{LogoffFlags, LogonFlags, LogonRequest};
use mapi_profile::{ProfileStore, Registry};
use mapi_test_support::postgres::PgServer;

const PROFILES: usize = 10;

fn user(i: usize) -> String {
    format!("u{i:04}")
}

fn url(port: u16, i: usize) -> String {
    format!("postgres://{u}:pw-{u}@127.0.0.1:{port}/farm", u = user(i))
}

/// A user's MAPI home on a host: `store.toml` names their store (one connection).
fn home(dir: &Path, host: usize, port: u16, i: usize) -> PathBuf {
    let h = dir.join(format!("host{host}")).join("homes").join(user(i));
    if !h.exists() {
        std::fs::create_dir_all(&h).unwrap();
        std::fs::write(
            h.join("store.toml"),
            format!(
                "url = \"{}\"\npool_size = 1\ntimeout_ms = 30000\n",
                url(port, i)
            ),
        )
        .unwrap();
    }
    h
}

fn pct(d: &[Duration], q: f64) -> f64 {
    d[((d.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3
}

/// One host: log on every user `i` with `i % hosts == host`, all at once.
fn host_main(dir: &Path, host: usize, hosts: usize, users: usize, port: u16) {
    let mine: Vec<usize> = (0..users).filter(|i| i % hosts == host).collect();
    let homes: Vec<PathBuf> = mine.iter().map(|&i| home(dir, host, port, i)).collect();
    let barrier = Arc::new(Barrier::new(mine.len() + 1));
    let results = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = mine
        .iter()
        .zip(homes)
        .map(|(&i, h)| {
            let (barrier, results) = (barrier.clone(), results.clone());
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mapi = Mapi::open(Some(&h));
                    barrier.wait();
                    let t = Instant::now();
                    let out = mapi.and_then(|m| {
                        let s = m.logon(LogonRequest::new(None, LogonFlags::MAPI_USE_DEFAULT))?;
                        let ok = s.profile() == "Default" && s.disabled_services().is_empty();
                        s.logoff(LogoffFlags::default());
                        Ok(ok)
                    });
                    let took = t.elapsed();
                    let line = match out {
                        Ok(true) => format!("ok {} {}", user(i), took.as_micros()),
                        Ok(false) => {
                            format!("error {} wrong profile or disabled services", user(i))
                        }
                        Err(e) => format!("error {} {e}", user(i)),
                    };
                    results.lock().unwrap().push(line);
                })
                .unwrap()
        })
        .collect();
    println!("ready");
    std::io::stdout().flush().unwrap();
    barrier.wait();
    for t in threads {
        t.join().unwrap();
    }
    for line in results.lock().unwrap().iter() {
        println!("{line}");
    }
    println!("done");
    std::io::stdout().flush().unwrap();
    // Wait for the admin change, then report what this host sees.
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    let s = ProfileStore::open_home(&home(dir, host, port, 0)).unwrap();
    let n = s
        .msg_service_table("Profile 01")
        .map(|t| t.len())
        .unwrap_or(0);
    println!("seen {n}");
}

/// With the `mapi` CLI (`MAPI_BIN`, built by bench/farm.sh): user 0 makes a shared
/// session (ALLOW_OTHERS --keep) on every host, each in that host's own daemon; returns
/// how many shared sessions each host's daemon then holds.
fn shared_sessions_per_host(dir: &Path, hosts: usize, port: u16) -> Vec<usize> {
    let Some(bin) = std::env::var_os("MAPI_BIN") else {
        eprintln!("MAPI_BIN is not set: the shared-session check is skipped");
        return Vec::new();
    };
    let cmd = |h: usize, args: &[&str]| {
        let run = dir.join(format!("host{h}")).join("run");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        let out = Command::new(&bin)
            .arg("--home")
            .arg(home(dir, h, port, 0))
            .args(args)
            .env("XDG_RUNTIME_DIR", &run)
            .env_remove("MAPI_SOCKET")
            .env_remove("MAPI_PROFILE_STORE")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "host {h}: mapi {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for h in 0..hosts {
        cmd(
            h,
            &[
                "logon",
                "--profile",
                "Default",
                "--flags",
                "ALLOW_OTHERS",
                "--keep",
            ],
        );
    }
    let counts = (0..hosts)
        .map(|h| {
            let v = cmd(h, &["sessions", "--json"]);
            v.matches("\"shared\":true").count()
        })
        .collect();
    for h in 0..hosts {
        cmd(h, &["daemon", "stop"]);
    }
    counts
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--host") {
        let n = |k: usize| args[k].parse::<usize>().unwrap();
        host_main(Path::new(&args[2]), n(3), n(4), n(5), n(6) as u16);
        return;
    }
    let users: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let hosts: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(3);
    let pg = PgServer::start_with(users + 100).unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let admin_url = pg.fresh_store("farm").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = pg.port();
    ProfileStore::open_location(dir.path(), Some(&admin_url)).unwrap();
    let t = Instant::now();
    let mut batch = String::new();
    for i in 0..users {
        batch.push_str(&format!(
            "CREATE ROLE {u} LOGIN PASSWORD 'pw-{u}';",
            u = user(i)
        ));
    }
    pg.admin().unwrap().batch_execute(&batch).unwrap();
    // Provision on host 0: the default profile by quickstart, nine more profiles.
    let next = Arc::new(Mutex::new(0usize));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (next, dir) = (next.clone(), dir.path().to_path_buf());
            std::thread::spawn(move || {
                let reg = Registry::builtin();
                loop {
                    let i = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    if i >= users {
                        return;
                    }
                    let h = home(&dir, 0, port, i);
                    Mapi::open(Some(&h)).unwrap().quickstart().unwrap();
                    let mut s = ProfileStore::open_home(&h).unwrap();
                    for p in 1..PROFILES {
                        let name = format!("Profile {p:02}");
                        s.create_profile(&name, None).unwrap();
                        s.create_msg_service(&reg, &name, "contacts", None, &[])
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    println!(
        "provisioned {users} users x {PROFILES} profiles in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let exe = std::env::current_exe().unwrap();
    let mut children: Vec<_> = (0..hosts)
        .map(|h| {
            let run = dir.path().join(format!("host{h}")).join("run");
            std::fs::create_dir_all(&run).unwrap();
            Command::new(&exe)
                .args(["--host", dir.path().to_str().unwrap()])
                .args([h, hosts, users, port as usize].map(|v| v.to_string()))
                .env("XDG_RUNTIME_DIR", &run)
                .env_remove("MAPI_PROFILE_STORE")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut readers: Vec<_> = children
        .iter_mut()
        .map(|c| BufReader::new(c.stdout.take().unwrap()))
        .collect();
    for r in &mut readers {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        assert_eq!(l.trim(), "ready", "a host did not start");
    }
    let start = Instant::now();
    // The admin change, on host 0, while the logons run.
    let mut s = ProfileStore::open_home(&home(dir.path(), 0, port, 0)).unwrap();
    s.create_msg_service(&Registry::builtin(), "Profile 01", "local-store", None, &[])
        .unwrap();
    let mut lat = Vec::new();
    let mut errors = Vec::new();
    for r in &mut readers {
        loop {
            let mut l = String::new();
            if r.read_line(&mut l).unwrap() == 0 || l.trim() == "done" {
                break;
            }
            let parts: Vec<&str> = l.split_whitespace().collect();
            match parts.first() {
                Some(&"ok") => lat.push(Duration::from_micros(parts[2].parse().unwrap())),
                _ => errors.push(l.trim().to_string()),
            }
        }
    }
    let wall = start.elapsed();
    let mut seen = Vec::new();
    for (c, r) in children.iter_mut().zip(&mut readers) {
        writeln!(c.stdin.as_mut().unwrap(), "check").unwrap();
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        seen.push(l.trim().to_string());
    }
    for mut c in children {
        c.wait().unwrap();
    }
    let shared = shared_sessions_per_host(dir.path(), hosts, port);
    lat.sort();
    println!(
        "{} logons on {hosts} hosts in {:.2} s: {:.0} logons/s, latency median {:.1} ms, p99 {:.1} ms, errors {}",
        lat.len(),
        wall.as_secs_f64(),
        lat.len() as f64 / wall.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        errors.len()
    );
    println!("admin change on host 0 seen by the hosts: {seen:?} (expect \"seen 2\" each)");
    for e in errors.iter().take(10) {
        eprintln!("{e}");
    }
    println!(
        "shared sessions of u0000 per host, each host's own daemon: {shared:?} (expect 1 each)"
    );
    let fine = errors.is_empty()
        && lat.len() == users
        && seen.iter().all(|s| s == "seen 2")
        && shared.iter().all(|&n| n == 1);
    std::process::exit(if fine { 0 } else { 1 });
}
