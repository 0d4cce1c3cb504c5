//! Two processes writing one profile store at once, on both backends (a SQLite file,
//! a real PostgreSQL server): every create lands and the store stays sound. The test
//! re-runs its own executable as the writer processes; a PostgreSQL writer gets the
//! store's URL in `MAPI_PROFILE_STORE`.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mapi_profile::ProfileStore;

const ROLE: &str = "MAPI_PROFILE_TEST_WRITER";
const HOME: &str = "MAPI_PROFILE_TEST_HOME";
const PER_WRITER: usize = 100;
const STORE: &str = "MAPI_PROFILE_STORE";

/// The writer role: wait for the start signal, then create PER_WRITER profiles,
/// opening the (possibly not yet existing) store at the same moment as the other writer.
fn writer(id: &str, home: &Path) {
    let go = home.join("go");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !go.exists() {
        assert!(Instant::now() < deadline, "no start signal");
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut store = ProfileStore::open_home(&home.join("home")).expect("open the store");
    // Second barrier: both have opened (and one has created) the store; now write together.
    std::fs::write(home.join(format!("ready-{id}")), b"").unwrap();
    while !(home.join("ready-a").exists() && home.join("ready-b").exists()) {
        assert!(
            Instant::now() < deadline,
            "the other writer never opened the store"
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    for i in 0..PER_WRITER {
        store
            .create_profile(&format!("writer {id} profile {i:03}"), None)
            .unwrap_or_else(|e| panic!("writer {id} create {i}: {e}"));
        // A little work between writes, as a real client does, lets the other in.
        std::thread::sleep(Duration::from_micros(300));
        // Reopen now and then: opens race with the other writer's commits too.
        if i % 25 == 24 {
            store = ProfileStore::open_home(&home.join("home")).expect("reopen the store");
        }
    }
}

#[test]
fn two_processes_create_100_profiles_each_sqlite() {
    if let Ok(id) = std::env::var(ROLE) {
        writer(&id, Path::new(&std::env::var(HOME).unwrap()));
        return;
    }
    two_writers("two_processes_create_100_profiles_each_sqlite", None);
}

#[test]
fn two_processes_create_100_profiles_each_postgres() {
    if let Ok(id) = std::env::var(ROLE) {
        writer(&id, Path::new(&std::env::var(HOME).unwrap()));
        return;
    }
    let fx = support::Fixture::postgres();
    two_writers(
        "two_processes_create_100_profiles_each_postgres",
        fx.url.as_deref(),
    );
}

/// Runs this test's executable twice as writers on one store (`url`: PostgreSQL, else
/// the SQLite file of a fresh home) and checks every create landed.
fn two_writers(test_name: &str, url: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|id| {
            let mut cmd = Command::new(&exe);
            cmd.args(["--exact", test_name, "--nocapture", "--test-threads", "1"])
                .env(ROLE, id)
                .env(HOME, dir.path());
            match url {
                Some(u) => cmd.env(STORE, u),
                None => cmd.env_remove(STORE),
            };
            let child = cmd
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn a writer");
            (id, child)
        })
        .collect();
    // Both are up (or nearly): start them together on a store neither has created.
    std::thread::sleep(Duration::from_millis(100));
    std::fs::write(dir.path().join("go"), b"").unwrap();
    for (id, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "writer {id} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "writer {id} did not run the writer role"
        );
    }
    let store = ProfileStore::open_location(&dir.path().join("home"), url).unwrap();
    store.integrity_check().unwrap();
    let names: Vec<String> = store
        .profile_table()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names.len(), 2 * PER_WRITER);
    for id in ["a", "b"] {
        for i in 0..PER_WRITER {
            let n = format!("writer {id} profile {i:03}");
            assert!(names.contains(&n), "{n} missing");
        }
    }
    // How often commits alternated between the writers (informational: shows overlap).
    if url.is_none() {
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        let order: Vec<String> = conn
            .prepare("SELECT name FROM profiles ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let switches = order
            .windows(2)
            .filter(|w| w[0].as_bytes()[7] != w[1].as_bytes()[7])
            .count();
        eprintln!("commits switched writer {switches} times");
    }
    // Search keys are unique across both writers.
    let mut keys: Vec<Vec<u8>> = store
        .profile_table()
        .unwrap()
        .into_iter()
        .map(|p| p.search_key)
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 2 * PER_WRITER);
}
