//! Whole in-process logons (`MAPILogonEx` + `Logoff`, MAPI_NEW_SESSION) to the
//! quickstart profile (local store + contacts) with the profile store in SQLite and in
//! PostgreSQL on loopback, in one run; prints medians and p99 and the difference
//! (target: PostgreSQL adds <= 2 ms per logon). `cargo bench -p mapi --bench
//! logon_backends`; under `cargo test` a few rounds only.

use std::path::Path;
use std::time::{Duration, Instant};

use mapi::blocking::Mapi;
use mapi::{LogoffFlags, LogonFlags, LogonRequest};
use mapi_test_support::postgres::PgServer;

fn percentile(d: &[Duration], q: f64) -> Duration {
    d[((d.len() as f64 - 1.0) * q).round() as usize]
}

fn logons(home: &Path, rounds: usize) -> Vec<Duration> {
    let mapi = Mapi::open(Some(home)).unwrap();
    mapi.quickstart().unwrap();
    let req = LogonRequest::new(Some("Default"), LogonFlags::MAPI_NEW_SESSION);
    let s = mapi.logon(req.clone()).unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    s.logoff(LogoffFlags::default());
    let mut d: Vec<Duration> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            let s = mapi.logon(req.clone()).unwrap();
            s.logoff(LogoffFlags::default());
            t.elapsed()
        })
        .collect();
    d.sort();
    d
}

fn show(backend: &str, d: &[Duration]) {
    println!(
        "logon local-store+contacts  {backend:<9} n={:<5} median {:>8.1} us   p99 {:>8.1} us",
        d.len(),
        percentile(d, 0.5).as_secs_f64() * 1e6,
        percentile(d, 0.99).as_secs_f64() * 1e6
    );
}

fn main() {
    let rounds = if std::env::args().any(|a| a == "--bench") {
        1000
    } else {
        10
    };
    let sqlite = tempfile::tempdir().unwrap();
    let a = logons(sqlite.path(), rounds);
    show("sqlite", &a);
    let pg = PgServer::start().unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"));
    let url = pg.fresh_store("logon_bench").unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("store.toml"), format!("url = \"{url}\"\n")).unwrap();
    let b = logons(home.path(), rounds);
    show("postgres", &b);
    let added = percentile(&b, 0.5).as_secs_f64() - percentile(&a, 0.5).as_secs_f64();
    println!("postgres adds {:.1} us per logon (median)", added * 1e6);
}
