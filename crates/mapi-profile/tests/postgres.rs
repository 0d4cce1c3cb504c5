//! What only a shared PostgreSQL store has: per-user isolation enforced by the server
//! (a role per user, row-level security), concurrent writers on different hosts,
//! secrets under the per-user key file, and the database going away.

mod support;

use std::sync::{Arc, Barrier};

use mapi_profile::{ProfileStore, Registry};
use mapi_test_support::postgres::PgServer;
use mapi_types::{MapiStatus, PropType, PropValue, Status};

fn set(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A farm database: made and migrated by an admin role; users log in as their own role.
struct Farm {
    pg: PgServer,
    admin_url: String,
}

impl Farm {
    fn new() -> Farm {
        let pg = PgServer::start().unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"));
        let admin_url = pg.fresh_store("farm").unwrap();
        let home = tempfile::tempdir().unwrap();
        // The admin's open runs the migrations.
        ProfileStore::open_location(home.path(), Some(&admin_url)).unwrap();
        Farm { pg, admin_url }
    }

    fn user(&self, name: &str) -> String {
        let pw = format!("pw-{name}");
        self.pg.create_role(name, &pw).unwrap();
        self.pg.url(name, &pw, "farm")
    }
}

fn open(home: &std::path::Path, url: &str) -> ProfileStore {
    ProfileStore::open_location(home, Some(url)).unwrap()
}

#[test]
fn a_user_sees_and_changes_only_their_own_profiles() {
    let farm = Farm::new();
    let (alice_url, bob_url) = (farm.user("alice"), farm.user("bob"));
    let (ha, hb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut alice = open(ha.path(), &alice_url);
    let mut bob = open(hb.path(), &bob_url);
    let reg = Registry::builtin();

    alice.create_profile("Work", None).unwrap();
    alice.create_profile("Alice only", None).unwrap();
    alice.set_default_profile(Some("Work")).unwrap();
    let svc = alice
        .create_msg_service(&reg, "Alice only", "contacts", None, &[])
        .unwrap();
    // The same name is free for another user, with a default of their own.
    bob.create_profile("Work", None).unwrap();
    bob.set_default_profile(Some("Work")).unwrap();
    assert_eq!(alice.default_profile().unwrap().as_deref(), Some("Work"));
    assert_eq!(bob.default_profile().unwrap().as_deref(), Some("Work"));

    let names: Vec<String> = bob
        .profile_table()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Work"]);
    for status in [
        bob.profile("Alice only").map(|_| ()).unwrap_err().status(),
        bob.msg_service_table("Alice only")
            .map(|_| ())
            .unwrap_err()
            .status(),
        bob.delete_profile("Alice only").unwrap_err().status(),
        bob.rename_profile("Alice only", None, "Mine")
            .unwrap_err()
            .status(),
        bob.delete_msg_service("Alice only", svc)
            .unwrap_err()
            .status(),
    ] {
        assert_eq!(status, Status::MAPI_E_NOT_FOUND);
    }

    // Around the library too: bob's own connection cannot reach alice's rows.
    let mut raw = postgres::Client::connect(&bob_url, postgres::NoTls).unwrap();
    let seen: i64 = raw
        .query_one(
            "SELECT (SELECT count(*) FROM profiles WHERE owner = 'alice')
                  + (SELECT count(*) FROM services) + (SELECT count(*) FROM section_props)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(seen, 0);
    let changed = raw
        .execute(
            "UPDATE profiles SET name = 'stolen' WHERE owner = 'alice'",
            &[],
        )
        .unwrap();
    assert_eq!(changed, 0);
    assert_eq!(
        raw.execute("DELETE FROM services", &[]).unwrap(),
        0,
        "bob deleted alice's services"
    );
    let forged = raw
        .execute(
            "INSERT INTO profiles (owner, name, name_key, search_key)
             VALUES ('alice', 'Planted', 'planted', '\\x01')",
            &[],
        )
        .unwrap_err();
    assert_eq!(
        forged.code(),
        Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
        "{forged}"
    );
    // Alice still has everything.
    let mine: Vec<String> = alice
        .profile_table()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(mine, ["Alice only", "Work"]);
    assert_eq!(alice.msg_service_table("Alice only").unwrap().len(), 1);
}

#[test]
fn two_hosts_adding_services_to_one_profile_lose_nothing() {
    let farm = Farm::new();
    let url = farm.user("carol");
    let hosts: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    open(hosts[0].path(), &url)
        .create_profile("Shared", None)
        .unwrap();
    let barrier = Arc::new(Barrier::new(2));
    const EACH: usize = 12;
    let threads: Vec<_> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let (home, url, barrier) = (h.path().to_path_buf(), url.clone(), barrier.clone());
            std::thread::spawn(move || {
                let reg = Registry::builtin();
                let mut s = ProfileStore::open_location(&home, Some(&url)).unwrap();
                barrier.wait();
                for n in 0..EACH {
                    s.create_msg_service(
                        &reg,
                        "Shared",
                        "local-store",
                        Some(&format!("host {i} store {n}")),
                        &[],
                    )
                    .unwrap_or_else(|e| panic!("host {i} service {n}: {e}"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // A third host's next look sees every service, each in its own place in the order.
    let third = tempfile::tempdir().unwrap();
    let s = open(third.path(), &url);
    let services = s.msg_service_table("Shared").unwrap();
    assert_eq!(services.len(), 2 * EACH);
    let mut admin = farm.pg.admin_db("farm").unwrap();
    let distinct: i64 = admin
        .query_one("SELECT count(DISTINCT seq) FROM services", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        distinct,
        (2 * EACH) as i64,
        "two services got the same place"
    );
}

#[test]
fn secrets_are_sealed_under_the_key_file_and_missing_without_it() {
    let farm = Farm::new();
    let url = farm.user("dave");
    let (h1, h2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let reg = Registry::builtin();
    let mut s1 = open(h1.path(), &url);
    s1.create_profile("P", None).unwrap();
    let mail = s1
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", "hunter2-secret")]),
        )
        .unwrap();
    let key = h1.path().join(mapi_profile::secrets::KEY_FILE);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Nothing in the database holds the secret in clear.
    let mut admin = farm.pg.admin_db("farm").unwrap();
    for row in admin.query("SELECT value FROM section_props", &[]).unwrap() {
        let v: Vec<u8> = row.get(0);
        let text = String::from_utf8_lossy(&v).replace('\0', "");
        assert!(!text.contains("hunter2"), "secret in clear: {text}");
    }
    let tag = reg
        .get("internet-mail")
        .unwrap()
        .setting("password")
        .unwrap()
        .tag;
    let got = s1.get_props("P", mail, Some(&[tag])).unwrap();
    assert_eq!(got[0].1, PropValue::Unicode("hunter2-secret".into()));

    // Another host without the key file: the secret is missing, never garbage.
    let mut s2 = open(h2.path(), &url);
    let cfg = s2.service_config(&reg, "P", mail).unwrap();
    assert!(cfg.missing.contains(&"password".to_string()), "{cfg:?}");
    let got = s2.get_props("P", mail, Some(&[tag])).unwrap();
    assert_eq!(got[0].0.prop_type(), PropType::PT_ERROR);
    assert_eq!(got[0].1, PropValue::Error(Status::MAPI_E_NOT_FOUND.0));
    // It cannot store a secret under a key of its own either.
    assert_eq!(
        s2.configure_msg_service(&reg, "P", mail, &set(&[("password", "other")]))
            .unwrap_err()
            .status(),
        Status::MAPI_E_NO_ACCESS
    );
    // The admin places the key on that host: now it reads the secret.
    std::fs::copy(&key, h2.path().join(mapi_profile::secrets::KEY_FILE)).unwrap();
    let mut s2 = open(h2.path(), &url);
    let got = s2.get_props("P", mail, Some(&[tag])).unwrap();
    assert_eq!(got[0].1, PropValue::Unicode("hunter2-secret".into()));
    s2.configure_msg_service(&reg, "P", mail, &set(&[("password", "changed")]))
        .unwrap();
    let got = s1.get_props("P", mail, Some(&[tag])).unwrap();
    assert_eq!(got[0].1, PropValue::Unicode("changed".into()));
}

#[test]
fn database_down_is_network_error_and_restart_recovers() {
    let mut farm = Farm::new();
    let url = farm.user("erin");
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("store.toml"), "timeout_ms = 500\n").unwrap();
    let mut s = open(home.path(), &url);
    s.create_profile("P", None).unwrap();
    farm.pg.stop();
    for err in [
        s.profile_table().map(|_| ()).unwrap_err(),
        s.create_profile("Q", None).map(|_| ()).unwrap_err(),
        ProfileStore::open_location(home.path(), Some(&url))
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert_eq!(err.status(), Status::MAPI_E_NETWORK_ERROR, "{err}");
        let text = err.to_string();
        assert!(text.contains("postgres://erin@127.0.0.1"), "{text}");
        assert!(!text.contains("pw-erin"), "{text}");
    }
    farm.pg.restart().unwrap();
    // Later calls on the same store succeed; the failed write left nothing behind.
    let names: Vec<String> = s
        .profile_table()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["P"]);
    s.create_profile("Q", None).unwrap();
    assert_eq!(s.profile_table().unwrap().len(), 2);
    let _ = &farm.admin_url;
}

#[test]
fn profiles_move_from_sqlite_into_postgres_and_back() {
    let farm = Farm::new();
    let url = farm.user("frank");
    let reg = Registry::builtin();
    let tag = reg
        .get("internet-mail")
        .unwrap()
        .setting("password")
        .unwrap()
        .tag;
    let local_home = tempfile::tempdir().unwrap();
    let mut local = ProfileStore::open_home(local_home.path()).unwrap();
    local.set_secret_backend(None);
    local.create_profile("Open", None).unwrap();
    local.create_profile("Locked", Some("pw")).unwrap();
    local.unlock("Locked", "pw").unwrap();
    let open_svc = local
        .create_msg_service(
            &reg,
            "Open",
            "internet-mail",
            None,
            &set(&[("password", "s1")]),
        )
        .unwrap();
    let locked_svc = local
        .create_msg_service(
            &reg,
            "Locked",
            "internet-mail",
            None,
            &set(&[("password", "s2")]),
        )
        .unwrap();
    local.set_default_profile(Some("Open")).unwrap();

    let pg_home = tempfile::tempdir().unwrap();
    let mut pg = open(pg_home.path(), &url);
    let counts = local.transfer_to(&mut pg).unwrap();
    assert_eq!(counts.profiles, 2);
    assert_eq!(counts.services, 2);
    assert_eq!(counts.providers, 4);
    assert_eq!(counts.secrets_missing, 0);
    assert_eq!(pg.default_profile().unwrap().as_deref(), Some("Open"));
    assert_eq!(
        pg.profile("Open").unwrap().search_key,
        local.profile("Open").unwrap().search_key
    );
    let got = pg.get_props("Open", open_svc, Some(&[tag])).unwrap();
    assert_eq!(got[0].1, PropValue::Unicode("s1".into()));
    pg.unlock("Locked", "pw").unwrap();
    let got = pg.get_props("Locked", locked_svc, Some(&[tag])).unwrap();
    assert_eq!(got[0].1, PropValue::Unicode("s2".into()));
    // Importing again onto the same names changes nothing.
    assert_eq!(
        local.transfer_to(&mut pg).unwrap_err().status(),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(pg.profile_table().unwrap().len(), 2);

    let back_home = tempfile::tempdir().unwrap();
    let mut back = ProfileStore::open_home(back_home.path()).unwrap();
    back.set_secret_backend(None);
    assert_eq!(pg.transfer_to(&mut back).unwrap().profiles, 2);
    let got = back.get_props("Open", open_svc, Some(&[tag])).unwrap();
    assert_eq!(got[0].1, PropValue::Unicode("s1".into()));
    assert_eq!(
        back.service_config(&reg, "Locked", locked_svc)
            .unwrap()
            .locked(),
        ["password"]
    );
}

#[test]
fn with_cache_logons_read_the_local_copy_while_the_database_is_away() {
    let mut farm = Farm::new();
    let url = farm.user("gina");
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("store.toml"),
        format!("url = \"{url}\"\ncache = true\ntimeout_ms = 500\n"),
    )
    .unwrap();
    let reg = Registry::builtin();
    let tag = reg
        .get("internet-mail")
        .unwrap()
        .setting("password")
        .unwrap()
        .tag;
    let mut s = ProfileStore::open_home(home.path()).unwrap();
    assert!(!s.is_offline_copy());
    s.create_profile("Roaming", None).unwrap();
    let mail = s
        .create_msg_service(
            &reg,
            "Roaming",
            "internet-mail",
            None,
            &set(&[("password", "cached-secret")]),
        )
        .unwrap();
    s.set_default_profile(Some("Roaming")).unwrap();
    drop(s);
    // Nothing in the local copy holds the secret in clear either.
    let raw = std::fs::read(home.path().join(mapi_profile::cache::CACHE_DB)).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("cached-secret"));

    farm.pg.stop();
    let mut s = ProfileStore::open_home(home.path()).unwrap();
    assert!(s.is_offline_copy());
    assert_eq!(s.default_profile().unwrap().as_deref(), Some("Roaming"));
    assert_eq!(s.msg_service_table("Roaming").unwrap().len(), 1);
    let got = s.get_props("Roaming", mail, Some(&[tag])).unwrap();
    assert_eq!(got[0].1, PropValue::Unicode("cached-secret".into()));
    for err in [
        s.create_profile("New", None).map(|_| ()).unwrap_err(),
        s.delete_profile("Roaming").unwrap_err(),
        s.configure_msg_service(&reg, "Roaming", mail, &set(&[("password", "x")]))
            .unwrap_err(),
    ] {
        assert_eq!(err.status(), Status::MAPI_E_NETWORK_ERROR, "{err}");
        assert!(err.to_string().contains("postgres://gina@"), "{err}");
    }
    // Nothing was written to the copy.
    assert_eq!(s.profile_table().unwrap().len(), 1);

    // Without a copy, the outage is the answer.
    let bare = tempfile::tempdir().unwrap();
    std::fs::write(
        bare.path().join("store.toml"),
        format!("url = \"{url}\"\ncache = true\ntimeout_ms = 300\n"),
    )
    .unwrap();
    assert_eq!(
        ProfileStore::open_home(bare.path())
            .map(|_| ())
            .unwrap_err()
            .status(),
        Status::MAPI_E_NETWORK_ERROR
    );

    farm.pg.restart().unwrap();
    let mut s = ProfileStore::open_home(home.path()).unwrap();
    assert!(!s.is_offline_copy());
    s.create_profile("Back online", None).unwrap();
    assert_eq!(s.profile_table().unwrap().len(), 2);
}

#[test]
fn sslmode_require_uses_tls_and_a_server_without_it_is_refused() {
    let farm = Farm::new();
    let url = format!("{}?sslmode=require", farm.user("hana"));
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("store.toml"), "timeout_ms = 2000\n").unwrap();
    let err = ProfileStore::open_location(home.path(), Some(&url))
        .map(|_| ())
        .unwrap_err();
    // The test server has no certificate: the TLS connector asked and was refused.
    assert_eq!(err.status(), Status::MAPI_E_NETWORK_ERROR, "{err}");
    assert!(err.to_string().to_lowercase().contains("tls"), "{err}");
    assert!(err.to_string().contains("sslmode=require"), "{err}");
    assert!(!err.to_string().contains("pw-hana"), "{err}");
}

#[test]
fn a_restart_during_writes_fails_calls_cleanly_and_later_ones_succeed() {
    let mut farm = Farm::new();
    let url = farm.user("ivan");
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("store.toml"), "timeout_ms = 3000\n").unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<Result<usize, Status>>();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let writer = {
        let (home, url) = (home.path().to_path_buf(), url.clone());
        std::thread::spawn(move || {
            let reg = Registry::builtin();
            let mut s = ProfileStore::open_location(&home, Some(&url)).unwrap();
            // Bounded: stops when told, or after 5,000 attempts.
            for i in 0..5000 {
                if stop_rx.try_recv().is_ok() {
                    break;
                }
                let name = format!("P{i:04}");
                // Two calls, each one transaction: either may be the one cut.
                let r = s
                    .create_profile(&name, None)
                    .and_then(|_| {
                        s.create_msg_service(&reg, &name, "contacts", None, &[])
                            .map(|_| ())
                    })
                    .map(|_| i)
                    .map_err(|e| mapi_types::MapiStatus::status(&e));
                if tx.send(r).is_err() {
                    break;
                }
            }
        })
    };
    // Some writes land, then the server restarts under the writer.
    let mut ok_before = 0;
    while ok_before < 20 {
        if rx.recv().unwrap().is_ok() {
            ok_before += 1;
        }
    }
    farm.pg.restart().unwrap();
    let mut failures = Vec::new();
    let mut ok_after = 0;
    while ok_after < 20 {
        match rx.recv().unwrap() {
            Ok(_) => ok_after += 1,
            Err(s) => failures.push(s),
        }
    }
    stop_tx.send(()).unwrap();
    drop(rx);
    writer.join().unwrap();
    for s in &failures {
        assert!(
            [
                Status::MAPI_E_NETWORK_ERROR,
                Status::MAPI_E_NOT_FOUND, // the service call after a profile lost to the restart
            ]
            .contains(s),
            "unexpected {s:?}"
        );
    }
    // Nothing half-written: a profile without its service is one whose service call
    // failed, never more.
    let s = open(home.path(), &url);
    let table = s.profile_table().unwrap();
    assert!(table.len() >= 40, "{}", table.len());
    let partial = table
        .iter()
        .filter(|p| s.msg_service_table(&p.name).unwrap().is_empty())
        .count();
    assert!(
        partial <= failures.len(),
        "{partial} profiles without their service"
    );
}

#[test]
fn password_profiles_seal_under_the_password_on_every_host() {
    let farm = Farm::new();
    let url = farm.user("judy");
    let (h1, h2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let reg = Registry::builtin();
    let tag = reg
        .get("internet-mail")
        .unwrap()
        .setting("password")
        .unwrap()
        .tag;
    let mut s1 = open(h1.path(), &url);
    s1.create_profile("P", Some("pw1")).unwrap();
    // Locked: a secret cannot be written, and nothing is stored.
    assert_eq!(
        s1.create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", "sekrit-1")])
        )
        .unwrap_err()
        .status(),
        Status::MAPI_E_LOGON_FAILED
    );
    assert!(s1.msg_service_table("P").unwrap().is_empty());
    s1.unlock("P", "pw1").unwrap();
    let a = s1
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            Some("A"),
            &set(&[("password", "sekrit-1")]),
        )
        .unwrap();
    let b = s1
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            Some("B"),
            &set(&[("password", "sekrit-2")]),
        )
        .unwrap();
    // No key file is needed for a password profile.
    assert!(!h1.path().join(mapi_profile::secrets::KEY_FILE).exists());
    let mut admin = farm.pg.admin_db("farm").unwrap();
    for row in admin.query("SELECT value FROM section_props", &[]).unwrap() {
        let v: Vec<u8> = row.get(0);
        assert!(
            !String::from_utf8_lossy(&v)
                .replace('\0', "")
                .contains("sekrit")
        );
    }
    // Another host: stored but locked (not missing) until the password is given.
    let mut s2 = open(h2.path(), &url);
    let cfg = s2.service_config(&reg, "P", a).unwrap();
    assert_eq!(cfg.locked(), ["password"]);
    assert!(!cfg.missing.contains(&"password".to_string()));
    assert_eq!(
        s2.get_props("P", a, Some(&[tag])).unwrap()[0].1,
        PropValue::Error(Status::MAPI_E_NO_ACCESS.0)
    );
    s2.unlock("P", "pw1").unwrap();
    assert_eq!(
        s2.get_props("P", a, Some(&[tag])).unwrap()[0].1,
        PropValue::Unicode("sekrit-1".into())
    );
    // Values are bound to their place: swapped ciphertexts are damaged, never the
    // other service's password.
    let sql = "SELECT value FROM section_props WHERE section = $1 AND tag = $2";
    let t = tag.0 as i64;
    let va: Vec<u8> = admin.query_one(sql, &[&a.0.as_slice(), &t]).unwrap().get(0);
    let vb: Vec<u8> = admin.query_one(sql, &[&b.0.as_slice(), &t]).unwrap().get(0);
    for (uid, v) in [(a, &vb), (b, &va)] {
        admin
            .execute(
                "UPDATE section_props SET value = $1 WHERE section = $2 AND tag = $3",
                &[v, &uid.0.as_slice(), &t],
            )
            .unwrap();
    }
    let err = s2.get_props("P", a, Some(&[tag])).unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_CORRUPT_DATA, "{err}");
}

#[test]
fn sslrootcert_encrypts_the_session_and_an_unknown_ca_is_refused() {
    let pg = PgServer::start_tls().unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"));
    let plain = pg.fresh_store("tls").unwrap();
    let ca = pg.ca_file();
    let url = format!("{plain}?sslrootcert={}", ca.display());
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("store.toml"), "timeout_ms = 5000\n").unwrap();

    let mut s = ProfileStore::open_location(home.path(), Some(&url)).unwrap();
    s.create_profile("Over TLS", None).unwrap();
    assert_eq!(s.profile_table().unwrap().len(), 1);
    // The store's own pooled session, seen from the server: encrypted.
    let mut admin = pg.admin().unwrap();
    let (all, encrypted): (i64, i64) = {
        let r = admin
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE s.ssl) FROM pg_stat_activity a \
                 JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'tls'",
                &[],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert!(all >= 1, "the store keeps a session");
    assert_eq!(encrypted, all, "every session of the store uses TLS");
    // And from inside a session made the same way.
    let pool =
        mapi_profile::db::pg::pool(&url, "tls", std::time::Duration::from_secs(5), 1).unwrap();
    let mut conn = pool.get().unwrap();
    let rows = conn
        .query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap();
    assert!(rows[0].bool(0).unwrap(), "pg_stat_ssl.ssl");
    drop(s);

    // A CA the server's certificate is not signed by: refused, nothing opened.
    let other = tempfile::tempdir().unwrap();
    mapi_test_support::make_test_ca(other.path()).unwrap();
    let wrong = format!(
        "{plain}?sslrootcert={}",
        other.path().join("ca.pem").display()
    );
    let err = ProfileStore::open_location(home.path(), Some(&wrong))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_NETWORK_ERROR, "{err}");
    let text = err.to_string();
    assert!(text.contains("certificate"), "{text}");
    assert!(text.contains("sslrootcert="), "names the store: {text}");
    assert!(!text.contains("pw-tls"), "{text}");

    // A CA file that holds no certificate is a configuration error.
    let empty = other.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let err = ProfileStore::open_location(
        home.path(),
        Some(&format!("{plain}?sslrootcert={}", empty.display())),
    )
    .map(|_| ())
    .unwrap_err();
    assert_eq!(err.status(), Status::MAPI_E_INVALID_PARAMETER, "{err}");
}
