//! Whole-process cost of `mapi profile list` against a home with 1,000 profiles (target:
//! median <= 15 ms): each iteration spawns the release binary and waits for it.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};
use mapi_profile::ProfileStore;

/// The `mapi` binary built by `cargo bench` (the bench profile, next to this executable's
/// `deps` directory).
fn mapi_binary() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_mapi"));
    assert!(
        bin.is_file(),
        "{} is missing; run `cargo bench -p mapi-cli`, which builds it",
        bin.display()
    );
    bin
}

fn profile_list_process(c: &mut Criterion) {
    let bin = mapi_binary();
    let dir = tempfile::tempdir().unwrap();
    {
        let mut store = ProfileStore::open_home(dir.path()).unwrap();
        for i in 0..1000 {
            store
                .create_profile(&format!("Profile {i:04}"), None)
                .unwrap();
        }
    }
    let run = || {
        let out = Command::new(&bin)
            .arg("--home")
            .arg(dir.path())
            .args(["profile", "list"])
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("run mapi");
        assert!(out.status.success(), "mapi profile list failed");
        out.stdout
    };
    assert_eq!(
        run()
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        1000
    );
    c.bench_function("mapi_profile_list_process/1000", |b| b.iter(run));
}

criterion_group!(benches, profile_list_process);
criterion_main!(benches);
