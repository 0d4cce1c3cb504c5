//! Profile-store benchmarks on a real SQLite file:
//! - `profile_table/1000`: GetProfileTable over 1,000 profiles (target: median <= 5 ms);
//! - `create_delete_profile_3_services`: CreateProfile, three CreateMsgService calls
//!   (local-store, contacts, internet-mail with settings), then DeleteProfile.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mapi_profile::{ProfileStore, Registry};

fn profile_table(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProfileStore::open_home(dir.path()).unwrap();
    for i in 0..1000 {
        store
            .create_profile(&format!("Profile {i:04}"), None)
            .unwrap();
    }
    store.set_default_profile(Some("Profile 0500")).unwrap();
    assert_eq!(store.profile_table().unwrap().len(), 1000);
    c.bench_function("profile_table/1000", |b| {
        b.iter(|| {
            let t = store.profile_table().unwrap();
            assert_eq!(t.len(), 1000);
            black_box(t)
        })
    });
}

fn create_delete(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ProfileStore::open_home(dir.path()).unwrap();
    // Some neighbours, so the tables are not empty.
    for i in 0..100 {
        store.create_profile(&format!("Other {i}"), None).unwrap();
    }
    let reg = Registry::builtin();
    let set = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let local = set(&[("path", "/var/mapi/bench.store"), ("exclusive", "true")]);
    let contacts = set(&[("path", "/var/mapi/contacts.db")]);
    let mail = set(&[
        ("email", "bench@example.org"),
        ("user", "bench"),
        ("password", "bench-password"),
        ("imap_host", "imap.example.org"),
        ("smtp_host", "smtp.example.org"),
        ("imap_port", "993"),
        ("smtp_port", "465"),
    ]);
    c.bench_function("create_delete_profile_3_services", |b| {
        b.iter(|| {
            store.create_profile("Bench", None).unwrap();
            store
                .create_msg_service(&reg, "Bench", "local-store", None, &local)
                .unwrap();
            store
                .create_msg_service(&reg, "Bench", "contacts", None, &contacts)
                .unwrap();
            store
                .create_msg_service(&reg, "Bench", "internet-mail", None, &mail)
                .unwrap();
            store.delete_profile("Bench").unwrap();
        })
    });
    assert_eq!(store.profile_table().unwrap().len(), 100);
}

criterion_group!(benches, profile_table, create_delete);
criterion_main!(benches);
