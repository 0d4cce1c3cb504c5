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

/// Peak resident memory of one child run, from wait4's rusage (KiB on Linux).
#[allow(clippy::zombie_processes)] // reaped by wait4 below
fn peak_rss_kib(cmd: &mut Command) -> i64 {
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run mapi");
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: waiting for a child we spawned, with valid out-pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4 failed");
    assert_eq!(status, 0, "mapi logon failed");
    usage.ru_maxrss
}

/// Whole-process `mapi logon` to a profile with a local store and contacts (target:
/// median <= 20 ms, peak RSS <= 30 MiB; the RSS is printed).
fn logon_process(c: &mut Criterion) {
    let bin = mapi_binary();
    let dir = tempfile::tempdir().unwrap();
    let quick = Command::new(&bin)
        .arg("--home")
        .arg(dir.path())
        .arg("quickstart")
        .output()
        .expect("run mapi quickstart");
    assert!(quick.status.success(), "quickstart failed");
    let args = ["logon", "--profile", "Default", "--ui", "none"];
    let mut cmd = Command::new(&bin);
    cmd.arg("--home").arg(dir.path()).args(args);
    let rss: Vec<i64> = (0..20).map(|_| peak_rss_kib(&mut cmd)).collect();
    let mut sorted = rss.clone();
    sorted.sort();
    println!(
        "mapi logon peak RSS: median {} KiB, max {} KiB (target <= 30720 KiB)",
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1]
    );
    c.bench_function("mapi_logon_process/local-store+contacts", |b| {
        b.iter(|| {
            let out = Command::new(&bin)
                .arg("--home")
                .arg(dir.path())
                .args(args)
                .stdin(Stdio::null())
                .output()
                .expect("run mapi");
            assert!(out.status.success(), "mapi logon failed");
        })
    });
}

criterion_group!(benches, profile_list_process, logon_process);
criterion_main!(benches);
