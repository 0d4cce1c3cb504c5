//! Both backends in one run, printing medians and p99 (`cargo bench -p mapi-profile
//! --bench backends`; under `cargo test` it runs a few rounds only, as a smoke test):
//! - `logon reads`: what a logon asks of the profile store for a profile with a local
//!   store and contacts (password check, service table, each service's settings, the
//!   provider table, the profile section), on an open store;
//! - `profile_table/1000`: GetProfileTable over 1,000 profiles.
//!
//! PostgreSQL is a real server on loopback (mapi-test-support's `postgres`).

use std::time::{Duration, Instant};

use mapi_profile::{ProfileStore, Registry};
use mapi_test_support::postgres::PgServer;
use mapi_types::MUID_PROFILE_INSTANCE;

fn stats(name: &str, backend: &str, mut d: Vec<Duration>) {
    d.sort();
    let at = |q: f64| d[((d.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<22} {backend:<9} n={:<5} median {:>9.1} us   p99 {:>9.1} us",
        d.len(),
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6
    );
}

fn logon_reads(store: &ProfileStore, reg: &Registry, profile: &str) {
    store.check_password(profile, None).unwrap();
    for s in store.msg_service_table(profile).unwrap() {
        let cfg = store.service_config(reg, profile, s.uid).unwrap();
        std::hint::black_box(cfg);
    }
    assert_eq!(store.provider_table(profile).unwrap().len(), 2);
    store
        .get_props(profile, MUID_PROFILE_INSTANCE, None)
        .unwrap();
}

fn run(backend: &str, mut store: ProfileStore, rounds: usize, home: &std::path::Path) {
    let reg = Registry::builtin();
    store.create_profile("Logon", None).unwrap();
    let path = home.join("logon.store");
    store
        .create_msg_service(
            &reg,
            "Logon",
            "local-store",
            None,
            &[("path".into(), path.display().to_string())],
        )
        .unwrap();
    store
        .create_msg_service(&reg, "Logon", "contacts", None, &[])
        .unwrap();
    let mut d = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        logon_reads(&store, &reg, "Logon");
        d.push(t.elapsed());
    }
    stats("logon reads", backend, d);
    for i in 0..999 {
        store
            .create_profile(&format!("Profile {i:04}"), None)
            .unwrap();
    }
    let mut d = Vec::new();
    for _ in 0..rounds.div_ceil(10) {
        let t = Instant::now();
        assert_eq!(store.profile_table().unwrap().len(), 1000);
        d.push(t.elapsed());
    }
    stats("profile_table/1000", backend, d);
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 2000 } else { 20 };
    let sqlite_home = tempfile::tempdir().unwrap();
    run(
        "sqlite",
        ProfileStore::open_home(sqlite_home.path()).unwrap(),
        rounds,
        sqlite_home.path(),
    );
    let pg = PgServer::start().unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"));
    let url = pg.fresh_store("bench").unwrap();
    let pg_home = tempfile::tempdir().unwrap();
    run(
        "postgres",
        ProfileStore::open_location(pg_home.path(), Some(&url)).unwrap(),
        rounds,
        pg_home.path(),
    );
}
