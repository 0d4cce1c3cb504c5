//! A writer killed with SIGKILL at random moments: after every kill the store opens, passes
//! `PRAGMA integrity_check`, and holds every profile (and service) the writer reported as
//! committed. The test re-runs its own executable as the writer.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mapi_profile::{ProfileStore, Registry};
use mapi_types::MapiUid;

const ROLE: &str = "MAPI_PROFILE_TEST_CRASH_WRITER";
const HOME: &str = "MAPI_PROFILE_TEST_HOME";
const TEST_NAME: &str = "sigkill_at_random_moments_loses_nothing_committed";
const ROUNDS: usize = 200;

/// The writer: creates profiles (and a service in each, and deletes an older one every
/// seventh) until killed, printing each after its call returned Ok.
fn writer(round: &str, home: &Path) -> ! {
    let reg = Registry::builtin();
    let mut store = ProfileStore::open_home(home).expect("open the store");
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let name = format!("r{round} p{i}");
        store.create_profile(&name, None).expect("create");
        writeln!(out, "PROFILE {name}").unwrap();
        out.flush().unwrap();
        let uid = store
            .create_msg_service(
                &reg,
                &name,
                "internet-mail",
                None,
                &[
                    ("user".into(), format!("u{i}")),
                    ("imap_port".into(), "993".into()),
                ],
            )
            .expect("add a service");
        writeln!(out, "SERVICE {name}|{uid}").unwrap();
        out.flush().unwrap();
        if i % 7 == 6 {
            // Announced first: a kill between the commit and the report may leave it
            // either way; once reported deleted it must stay gone.
            writeln!(out, "DELETING r{round} p{}", i - 3).unwrap();
            out.flush().unwrap();
            store
                .delete_profile(&format!("r{round} p{}", i - 3))
                .expect("delete");
            writeln!(out, "DELETED r{round} p{}", i - 3).unwrap();
            out.flush().unwrap();
        }
    }
    unreachable!()
}

fn random_below(n: u64) -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(n);
    h.finish() % n
}

#[test]
fn sigkill_at_random_moments_loses_nothing_committed() {
    if let Ok(round) = std::env::var(ROLE) {
        writer(&round, Path::new(&std::env::var(HOME).unwrap()));
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut committed_total = 0usize;
    let mut rounds_with_commits = 0usize;
    let reg = Registry::builtin();
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args(["--exact", TEST_NAME, "--nocapture", "--test-threads", "1"])
            .env(ROLE, round.to_string())
            .env(HOME, &home)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the writer");
        std::thread::sleep(Duration::from_micros(random_below(40_000)));
        // SIGKILL on Unix.
        child.kill().expect("kill");
        let status = child.wait().unwrap();
        assert!(!status.success(), "the writer exited by itself: {status}");
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(
            !stderr.contains("panicked"),
            "round {round}: the writer failed before the kill: {stderr}"
        );

        let store = ProfileStore::open_home(&home)
            .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e}"));
        store
            .integrity_check()
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let names: std::collections::HashSet<String> = store
            .profile_table()
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        let deleted: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("DELETED "))
            .collect();
        let deleting: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("DELETING "))
            .collect();
        for line in stdout.lines() {
            if let Some(name) = line.strip_prefix("PROFILE ") {
                committed_total += 1;
                if !deleting.contains(&name) {
                    assert!(names.contains(name), "round {round}: committed {name} lost");
                }
            } else if let Some(rest) = line.strip_prefix("SERVICE ") {
                let (name, uid) = rest.split_once('|').unwrap();
                if deleting.contains(&name) {
                    continue;
                }
                let uid = MapiUid::parse(uid).unwrap();
                let cfg = store
                    .service_config(&reg, name, uid)
                    .unwrap_or_else(|e| panic!("round {round}: service of {name} lost: {e}"));
                assert_eq!(
                    cfg.value("imap_port"),
                    Some(&mapi_types::PropValue::Long(993))
                );
            }
        }
        for name in &deleted {
            assert!(
                !names.contains(*name),
                "round {round}: deleted {name} is back"
            );
        }
        if stdout.contains("PROFILE ") {
            rounds_with_commits += 1;
        }
    }
    // The kills landed while work was going on, not only before the writer started.
    assert!(
        rounds_with_commits >= ROUNDS / 4,
        "only {rounds_with_commits} of {ROUNDS} rounds committed anything"
    );
    assert!(
        committed_total > ROUNDS,
        "only {committed_total} profiles committed"
    );
    eprintln!(
        "{ROUNDS} kills, {committed_total} profiles reported committed, {:?}",
        started.elapsed()
    );
}
