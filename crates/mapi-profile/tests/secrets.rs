//! Secrets at rest against real files: service passwords never reach `profiles.db` (or
//! its WAL) in clear; under a profile password they are encrypted, otherwise they go to
//! a mode-0600 side file (or a keyring backend). Every file of the home is scanned.
//! The sealing behaviour (lock, unlock, password changes, copies) runs on both backends;
//! the checks of SQLite's own files (side file, raw scans) on SQLite only.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mapi_profile::{ProfileError, ProfileStore, Registry, SecretBackend};
use mapi_types::{MapiStatus, MapiUid, PropTag, PropValue, Status};

mod support;

const SECRET: &str = "Zq7-secret-pass-42";

fn set(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn status<T: std::fmt::Debug>(r: Result<T, ProfileError>) -> Status {
    r.expect_err("expected an error").status()
}

/// Opens the fixture's store with no keyring (SQLite: the side file is the fallback).
fn open_fx(fx: &support::Fixture) -> ProfileStore {
    let mut s = fx.open();
    s.set_secret_backend(None);
    s
}

/// Opens the home with no keyring, so the side file is the fallback whatever the machine.
fn open(home: &Path) -> ProfileStore {
    let mut s = ProfileStore::open_home(home).unwrap();
    s.set_secret_backend(None);
    s
}

fn pw_tag(reg: &Registry) -> PropTag {
    reg.get("internet-mail")
        .unwrap()
        .setting("password")
        .unwrap()
        .tag
}

/// Every file under `dir` whose bytes contain `secret` as UTF-8 or UTF-16LE.
fn files_with(dir: &Path, secret: &str) -> Vec<PathBuf> {
    let utf8 = secret.as_bytes().to_vec();
    let utf16: Vec<u8> = secret
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut scanned = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let bytes = std::fs::read(&p).unwrap();
            scanned += 1;
            let has = |n: &[u8]| bytes.windows(n.len()).any(|w| w == n);
            if has(&utf8) || has(&utf16) {
                found.push(p);
            }
        }
    }
    assert!(scanned > 0, "nothing scanned in {}", dir.display());
    found.sort();
    found
}

fn read_secret(s: &ProfileStore, profile: &str, uid: MapiUid, reg: &Registry) -> PropValue {
    s.get_props(profile, uid, Some(&[pw_tag(reg)])).unwrap()[0]
        .1
        .clone()
}

fn side_rows(home: &Path) -> i64 {
    let c = rusqlite::Connection::open_with_flags(
        home.join("secrets.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    c.query_row("SELECT count(*) FROM secrets", [], |r| r.get(0))
        .unwrap()
}

/// One SQL statement run past the API on the fixture's database (PostgreSQL: as the
/// superuser, which row-level security does not restrict).
fn raw_value(fx: &support::Fixture, uid: MapiUid, tag: PropTag) -> Vec<u8> {
    let sql = "SELECT value FROM section_props WHERE section = $1 AND tag = $2";
    match fx.url {
        None => rusqlite::Connection::open(fx.home.path().join("profiles.db"))
            .unwrap()
            .query_row(
                sql,
                rusqlite::params![uid.0.as_slice(), tag.0 as i64],
                |r| r.get(0),
            )
            .unwrap(),
        Some(_) => fx
            .server()
            .admin_db("mapi_test")
            .unwrap()
            .query_one(sql, &[&uid.0.as_slice(), &(tag.0 as i64)])
            .unwrap()
            .get(0),
    }
}

fn set_raw_value(fx: &support::Fixture, uid: MapiUid, tag: PropTag, v: &[u8]) {
    let sql = "UPDATE section_props SET value = $1 WHERE section = $2 AND tag = $3";
    let n = match fx.url {
        None => rusqlite::Connection::open(fx.home.path().join("profiles.db"))
            .unwrap()
            .execute(sql, rusqlite::params![v, uid.0.as_slice(), tag.0 as i64])
            .unwrap() as u64,
        Some(_) => fx
            .server()
            .admin_db("mapi_test")
            .unwrap()
            .execute(sql, &[&v, &uid.0.as_slice(), &(tag.0 as i64)])
            .unwrap(),
    };
    assert_eq!(n, 1);
}

fn raw_salt(fx: &support::Fixture, profile: &str) -> Vec<u8> {
    let sql = "SELECT secret_salt FROM profiles WHERE name = $1";
    match fx.url {
        None => rusqlite::Connection::open(fx.home.path().join("profiles.db"))
            .unwrap()
            .query_row(sql, [profile], |r| r.get(0))
            .unwrap(),
        Some(_) => fx
            .server()
            .admin_db("mapi_test")
            .unwrap()
            .query_one(sql, &[&profile])
            .unwrap()
            .get(0),
    }
}

fn raw_prop_rows(fx: &support::Fixture) -> i64 {
    let sql = "SELECT count(*) FROM section_props";
    match fx.url {
        None => rusqlite::Connection::open(fx.home.path().join("profiles.db"))
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap(),
        Some(_) => fx
            .server()
            .admin_db("mapi_test")
            .unwrap()
            .query_one(sql, &[])
            .unwrap()
            .get(0),
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn store_is_send() {
    fn send<T: Send>() {}
    send::<ProfileStore>();
}

both_backends!(password_profile_encrypts_and_needs_unlock, |fx| {
    let home = fx.home.path();
    let sqlite = fx.url.is_none();
    let reg = Registry::builtin();
    let mut s = open_fx(fx);
    s.create_profile("P", Some("pw1")).unwrap();
    assert!(!s.is_unlocked("P").unwrap());

    // Locked: a secret cannot be written, and nothing is stored.
    let err = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", SECRET)]),
        )
        .unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_LOGON_FAILED);
    assert!(err.to_string().contains("password"), "{err}");
    assert!(!err.to_string().contains(SECRET));
    assert!(s.msg_service_table("P").unwrap().is_empty());
    assert_eq!(status(s.unlock("P", "wrong")), Status::MAPI_E_LOGON_FAILED);
    assert!(!s.is_unlocked("P").unwrap());

    s.unlock("P", "pw1").unwrap();
    assert!(s.is_unlocked("P").unwrap());
    let a = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            Some("A"),
            &set(&[("user", "me"), ("password", SECRET)]),
        )
        .unwrap();
    let b = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            Some("B"),
            &set(&[("password", "other-secret-value")]),
        )
        .unwrap();
    let cfg = s.service_config(&reg, "P", a).unwrap();
    assert_eq!(
        cfg.value("password"),
        Some(&PropValue::Unicode(SECRET.into()))
    );
    assert!(cfg.locked().is_empty());
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Unicode(SECRET.into())
    );
    drop(s);

    if sqlite {
        assert_eq!(files_with(home, SECRET), Vec::<PathBuf>::new());
        assert!(
            !home.join("secrets.db").exists(),
            "a password profile needs no side file"
        );
    }

    // A new store (a new process) is locked: the secret is stored but unreadable, and
    // not reported missing.
    let mut s = open_fx(fx);
    let cfg = s.service_config(&reg, "P", a).unwrap();
    let pw = cfg
        .settings
        .iter()
        .find(|v| v.def.key == "password")
        .unwrap();
    assert!(pw.locked && pw.value.is_none() && !pw.is_default);
    assert_eq!(cfg.locked(), ["password"]);
    assert!(
        !cfg.missing.contains(&"password".to_string()),
        "{:?}",
        cfg.missing
    );
    assert_eq!(cfg.value("user"), Some(&PropValue::Unicode("me".into())));
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Error(Status::MAPI_E_NO_ACCESS.0)
    );
    assert_eq!(
        status(s.configure_msg_service(&reg, "P", a, &set(&[("password", "new")]))),
        Status::MAPI_E_LOGON_FAILED
    );
    assert_eq!(status(s.unlock("P", "pw2")), Status::MAPI_E_LOGON_FAILED);
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Error(Status::MAPI_E_NO_ACCESS.0)
    );
    // Non-secret settings can still be changed while locked.
    s.configure_msg_service(&reg, "P", a, &set(&[("user", "you")]))
        .unwrap();
    s.unlock("P", "pw1").unwrap();
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Unicode(SECRET.into())
    );
    s.lock("P").unwrap();
    assert!(!s.is_unlocked("P").unwrap());
    drop(s);

    // Values are bound to their place: swapping two ciphertexts makes both unreadable
    // (damaged), never the other service's password.
    let tag = pw_tag(&reg);
    let (va, vb) = (raw_value(fx, a, tag), raw_value(fx, b, tag));
    assert!(!va.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()));
    set_raw_value(fx, a, tag, &vb);
    set_raw_value(fx, b, tag, &va);
    let mut s = open_fx(fx);
    s.unlock("P", "pw1").unwrap();
    let err = s.get_props("P", a, Some(&[pw_tag(&reg)])).unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_CORRUPT_DATA, "{err}");
});

both_backends!(
    change_password_reencrypts_and_removing_it_moves_to_the_side_file,
    |fx| {
        let home = fx.home.path();
        let sqlite = fx.url.is_none();
        let reg = Registry::builtin();
        let mut s = open_fx(fx);
        s.create_profile("P", Some("pw1")).unwrap();
        s.unlock("P", "pw1").unwrap();
        let a = s
            .create_msg_service(
                &reg,
                "P",
                "internet-mail",
                None,
                &set(&[("password", SECRET)]),
            )
            .unwrap();
        let raw = || (raw_value(fx, a, pw_tag(&reg)), raw_salt(fx, "P"));
        let before = raw();
        assert_eq!(
            status(s.change_profile_password("P", Some("bad"), Some("pw2"))),
            Status::MAPI_E_LOGON_FAILED
        );
        s.change_profile_password("P", Some("pw1"), Some("pw2"))
            .unwrap();
        // Still unlocked, with the new key.
        assert_eq!(
            read_secret(&s, "P", a, &reg),
            PropValue::Unicode(SECRET.into())
        );
        drop(s);
        let after = raw();
        assert_ne!(before.0, after.0, "re-encrypted");
        assert_ne!(before.1, after.1, "new salt");

        let mut s = open_fx(fx);
        assert_eq!(status(s.unlock("P", "pw1")), Status::MAPI_E_LOGON_FAILED);
        assert_eq!(
            read_secret(&s, "P", a, &reg),
            PropValue::Error(Status::MAPI_E_NO_ACCESS.0)
        );
        s.unlock("P", "pw2").unwrap();
        assert_eq!(
            read_secret(&s, "P", a, &reg),
            PropValue::Unicode(SECRET.into())
        );
        if sqlite {
            assert_eq!(files_with(home, SECRET), Vec::<PathBuf>::new());
        }

        // No password any more: the secret moves to the side file, readable without unlock.
        s.change_profile_password("P", Some("pw2"), None).unwrap();
        drop(s);
        let s = open_fx(fx);
        assert!(s.is_unlocked("P").unwrap());
        assert_eq!(
            read_secret(&s, "P", a, &reg),
            PropValue::Unicode(SECRET.into())
        );
        if sqlite {
            assert_eq!(mode(&home.join("secrets.db")), 0o600);
            for f in files_with(home, SECRET) {
                let name = f.file_name().unwrap().to_string_lossy().to_string();
                assert!(name.starts_with("secrets.db"), "secret in clear in {name}");
            }
            assert_eq!(side_rows(home), 1);
        }
        drop(s);

        // And back under a password (SQLite: the side-file row goes).
        let mut s = open_fx(fx);
        s.change_profile_password("P", None, Some("pw3")).unwrap();
        if sqlite {
            assert_eq!(side_rows(home), 0);
        }
        assert_eq!(
            read_secret(&s, "P", a, &reg),
            PropValue::Unicode(SECRET.into())
        );
        drop(s);
        let mut s = open_fx(fx);
        s.unlock("P", "pw3").unwrap();
        assert_eq!(
            read_secret(&s, "P", a, &reg),
            PropValue::Unicode(SECRET.into())
        );
    }
);

both_backends!(copy_rename_delete_keep_secrets_consistent, |fx| {
    let home = fx.home.path();
    let sqlite = fx.url.is_none();
    let reg = Registry::builtin();
    let mut s = open_fx(fx);
    s.create_profile("P", Some("pw1")).unwrap();
    s.create_profile("Q", None).unwrap();
    s.unlock("P", "pw1").unwrap();
    let a = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", SECRET)]),
        )
        .unwrap();
    // A secret in a section of no service comes along with a profile copy too.
    let loose = MapiUid::random();
    let loose_tag = PropTag(0x67F5_001F);
    s.set_props(
        "P",
        loose,
        &[(loose_tag, PropValue::Unicode("loose-secret".into()))],
    )
    .unwrap();
    drop(s);

    // A copy needs the source's password, and keeps it: the same password opens it.
    let mut s = open_fx(fx);
    assert_eq!(
        status(s.copy_profile("P", Some("nope"), "C")),
        Status::MAPI_E_LOGON_FAILED
    );
    s.copy_profile("P", Some("pw1"), "C").unwrap();
    drop(s);
    let mut s = open_fx(fx);
    s.unlock("C", "pw1").unwrap();
    let c_svc = s.msg_service_table("C").unwrap()[0].uid;
    assert_ne!(c_svc, a);
    assert_eq!(
        read_secret(&s, "C", c_svc, &reg),
        PropValue::Unicode(SECRET.into())
    );
    assert_eq!(
        s.get_props("C", loose, Some(&[loose_tag])).unwrap()[0].1,
        PropValue::Unicode("loose-secret".into())
    );
    // The copy is independent: changing its password leaves the original as it was.
    s.change_profile_password("C", Some("pw1"), Some("cpw"))
        .unwrap();
    s.rename_profile("C", Some("cpw"), "D").unwrap();
    drop(s);
    let mut s = open_fx(fx);
    s.unlock("D", "cpw").unwrap();
    assert_eq!(
        read_secret(&s, "D", c_svc, &reg),
        PropValue::Unicode(SECRET.into()),
        "a rename keeps secrets readable"
    );
    assert_eq!(status(s.unlock("P", "cpw")), Status::MAPI_E_LOGON_FAILED);
    s.unlock("P", "pw1").unwrap();
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Unicode(SECRET.into())
    );

    // Copying a service into a profile without a password puts its secret in the side file.
    let q_svc = s.copy_msg_service("P", a, "Q").unwrap();
    if sqlite {
        assert_eq!(side_rows(home), 1);
        assert_eq!(mode(&home.join("secrets.db")), 0o600);
    }
    let rows = raw_prop_rows(fx);
    s.lock("P").unwrap();
    assert_eq!(
        status(s.copy_msg_service("P", a, "Q")),
        Status::MAPI_E_LOGON_FAILED,
        "a locked source cannot be copied"
    );
    assert_eq!(
        status(s.copy_msg_service("Q", q_svc, "P")),
        Status::MAPI_E_LOGON_FAILED,
        "nor into a locked target"
    );
    assert_eq!(raw_prop_rows(fx), rows, "the failed copies left nothing");
    if sqlite {
        assert_eq!(side_rows(home), 1, "the failed copies left nothing");
    }
    drop(s);
    let s = open_fx(fx);
    assert_eq!(
        read_secret(&s, "Q", q_svc, &reg),
        PropValue::Unicode(SECRET.into())
    );
    drop(s);
    if sqlite {
        for f in files_with(home, SECRET) {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            assert!(name.starts_with("secrets.db"), "secret in clear in {name}");
        }
    }

    // Deleting removes the secrets (SQLite: in the side file too).
    let mut s = open_fx(fx);
    s.delete_profile("D").unwrap();
    s.delete_profile("P").unwrap();
    if sqlite {
        assert_eq!(side_rows(home), 1);
    }
    s.delete_profile("Q").unwrap();
    if sqlite {
        assert_eq!(side_rows(home), 0);
    }
    assert_eq!(raw_prop_rows(fx), 0);
});

#[test]
fn no_password_uses_a_0600_side_file_and_refuses_a_readable_one() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let reg = Registry::builtin();
    let mut s = open(home);
    s.create_profile("P", None).unwrap();
    let x = s
        .create_msg_service(&reg, "P", "contacts", None, &[])
        .unwrap();
    assert!(
        !home.join("secrets.db").exists(),
        "no side file without a secret"
    );
    assert_eq!(s.take_warning(), None);
    let a = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", SECRET)]),
        )
        .unwrap();
    let side = home.join("secrets.db");
    assert_eq!(s.secrets_path(), side.as_path());
    assert_eq!(mode(&side), 0o600);
    let warning = s
        .take_warning()
        .expect("a warning when the side file is made");
    assert!(warning.contains(&side.display().to_string()), "{warning}");
    assert!(!warning.contains(SECRET));
    assert!(
        warning.starts_with("no profile password"),
        "the sentence alone, no \"warning:\" of its own: {warning}"
    );
    assert_eq!(s.take_warning(), None, "once");
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Unicode(SECRET.into())
    );
    // Secure properties are never listed.
    assert!(
        s.get_props("P", a, None)
            .unwrap()
            .iter()
            .all(|(t, _)| !t.is_secure())
    );
    let b = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", "second-pw")]),
        )
        .unwrap();
    assert_eq!(s.take_warning(), None, "once per home");
    drop(s);
    let s = open(home);
    assert_eq!(s.take_warning(), None);
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Unicode(SECRET.into())
    );
    drop(s);

    let holders = files_with(home, SECRET);
    assert!(
        !holders.is_empty(),
        "the side file holds it (unencrypted by design)"
    );
    for f in &holders {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("secrets.db"), "secret in clear in {name}");
        assert_eq!(mode(f), 0o600, "{name}");
    }
    assert_eq!(side_rows(home), 2);

    // A side file others can read is refused, naming the file and the fix.
    std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut s = open(home);
    let err = s.get_props("P", a, Some(&[pw_tag(&reg)])).unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_NO_ACCESS);
    let msg = err.to_string();
    assert!(
        msg.contains(&side.display().to_string()) && msg.contains("chmod 600"),
        "{msg}"
    );
    assert!(!msg.contains(SECRET));
    assert_eq!(
        status(s.configure_msg_service(&reg, "P", a, &set(&[("password", "x")]))),
        Status::MAPI_E_NO_ACCESS
    );
    // Reading settings that are not secret still works.
    assert!(s.get_props("P", x, None).is_ok());
    drop(s);
    std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o600)).unwrap();

    let mut s = open(home);
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Unicode(SECRET.into())
    );
    // Overwriting and clearing a secret leaves no stale row behind.
    s.configure_msg_service(&reg, "P", a, &set(&[("password", "third-pw")]))
        .unwrap();
    assert_eq!(side_rows(home), 2);
    assert!(
        files_with(home, SECRET).is_empty(),
        "the old value is wiped"
    );
    s.configure_msg_service(&reg, "P", b, &set(&[("password", "")]))
        .unwrap();
    assert_eq!(side_rows(home), 1);
    let cfg = s.service_config(&reg, "P", b).unwrap();
    assert!(cfg.missing.contains(&"password".to_string()));
    // Copy, then delete the original: the copy keeps its own secret.
    let copy = s.copy_msg_service("P", a, "P").unwrap();
    assert_eq!(side_rows(home), 2);
    s.delete_msg_service("P", a).unwrap();
    assert_eq!(side_rows(home), 1);
    assert_eq!(
        read_secret(&s, "P", copy, &reg),
        PropValue::Unicode("third-pw".into())
    );
    drop(s);
    // A lost side file is reported as damaged data, naming it.
    std::fs::rename(&side, home.join("moved-away")).unwrap();
    let s = open(home);
    let err = s.get_props("P", copy, Some(&[pw_tag(&reg)])).unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_CORRUPT_DATA);
    assert!(err.to_string().contains("secrets.db"), "{err}");
    drop(s);
    std::fs::rename(home.join("moved-away"), &side).unwrap();
    let mut s = open(home);
    s.delete_profile("P").unwrap();
    assert_eq!(side_rows(home), 0);
}

#[test]
fn side_file_made_by_another_process_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::create_dir_all(home).unwrap();
    std::fs::write(home.join("secrets.db"), b"").unwrap();
    std::fs::set_permissions(
        home.join("secrets.db"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    // Opening works (reads need no secret); writes are refused until it is fixed.
    let mut s = open(home);
    assert!(s.profile_table().unwrap().is_empty());
    let err = s.create_profile("P", None).unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_NO_ACCESS);
    assert!(err.to_string().contains("chmod 600"), "{err}");
    std::fs::set_permissions(
        home.join("secrets.db"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    s.create_profile("P", None).unwrap();
    let reg = Registry::builtin();
    let a = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", SECRET)]),
        )
        .unwrap();
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Unicode(SECRET.into())
    );
    assert_eq!(s.take_warning(), None, "this store did not create the file");
}

/// An in-memory keyring: exercises the keyring path of the store (the `secret-tool`
/// backend itself needs a desktop session).
#[derive(Default)]
struct FakeKeyring(Mutex<HashMap<String, Vec<u8>>>);

impl SecretBackend for FakeKeyring {
    fn name(&self) -> &str {
        "fake"
    }
    fn store(&self, id: &str, secret: &[u8]) -> Result<(), ProfileError> {
        self.0.lock().unwrap().insert(id.into(), secret.to_vec());
        Ok(())
    }
    fn lookup(&self, id: &str) -> Result<Option<Vec<u8>>, ProfileError> {
        Ok(self.0.lock().unwrap().get(id).cloned())
    }
    fn delete(&self, id: &str) -> Result<(), ProfileError> {
        self.0.lock().unwrap().remove(id);
        Ok(())
    }
}

#[test]
fn keyring_backend_holds_secrets_when_there_is_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let reg = Registry::builtin();
    let ring = Arc::new(FakeKeyring::default());
    let mut s = ProfileStore::open_home(home).unwrap();
    s.set_secret_backend(Some(ring.clone()));
    assert!(s.has_secret_backend());
    s.create_profile("P", None).unwrap();
    let a = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", SECRET)]),
        )
        .unwrap();
    assert_eq!(ring.0.lock().unwrap().len(), 1);
    assert!(!home.join("secrets.db").exists());
    assert_eq!(
        read_secret(&s, "P", a, &reg),
        PropValue::Unicode(SECRET.into())
    );
    let copy = s.copy_msg_service("P", a, "P").unwrap();
    assert_eq!(ring.0.lock().unwrap().len(), 2);
    drop(s);
    assert!(files_with(home, SECRET).is_empty());

    // Without the keyring in this session the secret is stored but locked.
    let s = open(home);
    let cfg = s.service_config(&reg, "P", a).unwrap();
    assert_eq!(cfg.locked(), ["password"]);
    drop(s);

    let mut s = ProfileStore::open_home(home).unwrap();
    s.set_secret_backend(Some(ring.clone()));
    s.delete_msg_service("P", a).unwrap();
    assert_eq!(ring.0.lock().unwrap().len(), 1, "deleted with its service");
    assert_eq!(
        read_secret(&s, "P", copy, &reg),
        PropValue::Unicode(SECRET.into())
    );
    s.delete_profile("P").unwrap();
    assert!(ring.0.lock().unwrap().is_empty());
}

#[test]
fn plain_secrets_of_older_files_are_sealed_on_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let reg = Registry::builtin();
    let db = home.join("profiles.db");
    let svc = MapiUid::random();
    let svc2 = MapiUid::random();
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        for step in &mapi_profile::schema::MIGRATIONS[..2] {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(
            "INSERT INTO profiles (id, name, name_key, search_key) VALUES
                (1, 'Old', 'old', x'00112233445566778899aabbccddeeff');",
        )
        .unwrap();
        let hash = mapi_profile::password::hash_password("pw").unwrap();
        c.execute(
            "INSERT INTO profiles (id, name, name_key, search_key, password_hash) VALUES
                (2, 'Locked', 'locked', x'ffeeddccbbaa99887766554433221100', ?1)",
            [hash],
        )
        .unwrap();
        for (pid, uid, secret) in [(1, svc, SECRET), (2, svc2, "locked-legacy-pw")] {
            c.execute(
                "INSERT INTO services (uid, profile_id, service_name, display_name, flags, seq)
                 VALUES (?1, ?2, 'internet-mail', 'Mail', 0, 0)",
                rusqlite::params![uid.0.as_slice(), pid],
            )
            .unwrap();
            c.execute(
                "INSERT INTO section_props (profile_id, section, tag, value) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![
                    pid,
                    uid.0.as_slice(),
                    pw_tag(&reg).0 as i64,
                    mapi_types::codec::value_to_bytes(&PropValue::Unicode(secret.into()))
                ],
            )
            .unwrap();
        }
        c.execute_batch("PRAGMA user_version = 2;").unwrap();
    }
    let mut s = open(home);
    assert_eq!(
        s.schema_version().unwrap(),
        mapi_profile::schema::SCHEMA_VERSION
    );
    assert!(s.take_warning().is_some());
    assert_eq!(
        read_secret(&s, "Old", svc, &reg),
        PropValue::Unicode(SECRET.into())
    );
    s.unlock("Locked", "pw").unwrap();
    assert_eq!(
        read_secret(&s, "Locked", svc2, &reg),
        PropValue::Unicode("locked-legacy-pw".into())
    );
    drop(s);
    for f in files_with(home, SECRET) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with("secrets.db"), "secret in clear in {name}");
    }
    assert!(files_with(home, "locked-legacy-pw").is_empty());
    let s = open(home);
    s.integrity_check().unwrap();
}
