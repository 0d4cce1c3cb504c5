//! Homes the command cannot use: a regular file, a directory the user cannot read, a
//! store of a newer schema, a damaged store. Each fails with its status and leaves the
//! files as they were.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::{CORRUPT, Home, NO_ACCESS, VERSION, run_bin, run_cmd};

/// Commands that open the store, one per group.
const STORE_COMMANDS: &[&[&str]] = &[
    &["profile", "list"],
    &["profile", "list", "--json"],
    &["profile", "create", "New"],
    &["profile", "show", "Work"],
    &["profile", "delete", "Work"],
    &["profile", "default", "--clear"],
    &["service", "add", "Work", "contacts"],
    &["service", "list", "Work"],
    &["provider", "list", "Work"],
];

/// Every file under `dir` with its bytes, sorted by name.
fn snapshot(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn home_that_is_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"just a file\n").unwrap();
    for args in STORE_COMMANDS {
        let mut all = vec!["--home", file.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = run_bin(&all, None);
        out.fails_with(NO_ACCESS);
        assert!(
            out.stderr.lines().next().unwrap().contains("not-a-dir"),
            "names the path: {out:?}"
        );
        assert_eq!(std::fs::read(&file).unwrap(), b"just a file\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "files appeared"
        );
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn home_the_user_cannot_read() {
    let (h, _) = Home::fixture();
    let before = h.db_dump();
    let files_before = snapshot(&h.path);
    let root = is_root();
    if root {
        // The temp dir is traversable, the home (root's, 0700) is not, for nobody.
        std::fs::set_permissions(h.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&h.path, std::fs::Permissions::from_mode(0o700)).unwrap();
        // nobody can run the binary and reach a home of its own: the failure below is
        // about the home, not the binary.
        let own = tempfile::tempdir().unwrap();
        std::fs::set_permissions(own.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let own_home = own.path().join("h");
        let out = run_cmd(
            Command::new("runuser").args([
                "-u",
                "nobody",
                "--",
                common::BIN,
                "--home",
                own_home.to_str().unwrap(),
                "profile",
                "list",
            ]),
            None,
        );
        out.ok();
    } else {
        std::fs::set_permissions(&h.path, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    for args in STORE_COMMANDS {
        let mut all = vec!["--home", h.path.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = if root {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "nobody", "--", common::BIN]).args(&all);
            run_cmd(&mut cmd, None)
        } else {
            run_bin(&all, None)
        };
        out.fails_with(NO_ACCESS);
    }
    std::fs::set_permissions(&h.path, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(snapshot(&h.path), files_before, "files changed");
    assert_eq!(h.db_dump(), before, "store changed");
}

#[test]
fn newer_schema_is_refused_byte_for_byte() {
    let h = Home::new();
    std::fs::create_dir_all(&h.path).unwrap();
    {
        let c = rusqlite::Connection::open(h.db()).unwrap();
        c.execute_batch(
            "CREATE TABLE profiles (id INTEGER PRIMARY KEY, name TEXT, future BLOB);
             INSERT INTO profiles (name) VALUES ('FromTheFuture');
             PRAGMA user_version = 99;",
        )
        .unwrap();
    }
    let before = snapshot(&h.path);
    assert_eq!(before.len(), 1);
    for args in STORE_COMMANDS {
        let out = h.run(args);
        out.fails_with(VERSION);
        assert!(
            out.stderr.contains("99"),
            "names the version found: {out:?}"
        );
        assert_eq!(snapshot(&h.path), before, "{args:?} touched the home");
    }
}

#[test]
fn garbage_file_is_corrupt_data() {
    let h = Home::new();
    std::fs::create_dir_all(&h.path).unwrap();
    // Deterministic non-SQLite bytes, a few pages' worth.
    let garbage: Vec<u8> = (0..16384u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(h.db(), &garbage).unwrap();
    let before = snapshot(&h.path);
    for args in STORE_COMMANDS {
        let out = h.run(args);
        out.fails_with(CORRUPT);
        assert!(
            out.stderr.contains("profiles.db"),
            "names the file: {out:?}"
        );
        assert_eq!(snapshot(&h.path), before, "{args:?} touched the home");
    }
    // A SQLite file that is no profile store (has user_version but no profiles table).
    std::fs::remove_file(h.db()).unwrap();
    rusqlite::Connection::open(h.db())
        .unwrap()
        .execute_batch("CREATE TABLE t (x); PRAGMA user_version = 1;")
        .unwrap();
    let before = snapshot(&h.path);
    h.run(&["profile", "list"]).fails_with(CORRUPT);
    assert_eq!(snapshot(&h.path), before);
}
