//! The admin API against both backends (a real SQLite file, a real PostgreSQL server): documented results of IProfAdmin,
//! IMsgServiceAdmin and IProviderAdmin, sections, schema versions and damaged files.

use mapi_profile::{ProfileError, ProfileStore, Registry};
use mapi_types::{
    MUID_PROFILE_INSTANCE, MapiStatus, MapiUid, PropTag, PropValue, ProviderFlags, ServiceFlags,
    Status, resource_type, tags,
};

mod support;

fn status<T: std::fmt::Debug>(r: Result<T, ProfileError>) -> Status {
    r.expect_err("expected an error").status()
}

fn set(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

both_backends!(profiles_create_list_default_rename_copy_delete, |fx| {
    let mut s = fx.open();
    s.create_profile("Work", None).unwrap();
    s.create_profile("Home", None).unwrap();
    assert_eq!(
        status(s.create_profile("WORK", None)),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(s.create_profile("", None)),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(s.create_profile(&"x".repeat(65), None)),
        Status::MAPI_E_INVALID_PARAMETER
    );
    let names: Vec<_> = s
        .profile_table()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["Home", "Work"]);

    assert_eq!(s.default_profile().unwrap(), None);
    s.set_default_profile(Some("work")).unwrap();
    assert_eq!(s.default_profile().unwrap().as_deref(), Some("Work"));
    s.set_default_profile(Some("Home")).unwrap();
    let table = s.profile_table().unwrap();
    assert_eq!(table.iter().filter(|p| p.default).count(), 1);
    assert_eq!(
        status(s.set_default_profile(Some("Nope"))),
        Status::MAPI_E_NOT_FOUND
    );
    s.set_default_profile(None).unwrap();
    assert_eq!(s.default_profile().unwrap(), None);

    s.rename_profile("Work", None, "Office").unwrap();
    assert_eq!(
        status(s.rename_profile("Office", None, "home")),
        Status::MAPI_E_NO_ACCESS
    );
    s.rename_profile("Office", None, "OFFICE").unwrap();
    assert_eq!(s.profile("office").unwrap().name, "OFFICE");

    s.copy_profile("OFFICE", None, "Copy").unwrap();
    assert_eq!(
        status(s.copy_profile("OFFICE", None, "copy")),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(s.copy_profile("Missing", None, "X")),
        Status::MAPI_E_NOT_FOUND
    );
    let a = s.profile("OFFICE").unwrap().search_key;
    let b = s.profile("Copy").unwrap().search_key;
    assert_ne!(a, b);

    s.delete_profile("Copy").unwrap();
    assert_eq!(status(s.delete_profile("Copy")), Status::MAPI_E_NOT_FOUND);
    // Recreating a deleted name gives a new search key: unique over time.
    s.create_profile("Copy", None).unwrap();
    assert_ne!(s.profile("Copy").unwrap().search_key, b);
});

both_backends!(passwords_validate_and_copy_along, |fx| {
    let mut s = fx.open();
    s.create_profile("Locked", Some("pw1")).unwrap();
    assert!(s.profile("Locked").unwrap().has_password);
    s.check_password("Locked", Some("pw1")).unwrap();
    assert_eq!(
        status(s.check_password("Locked", Some("bad"))),
        Status::MAPI_E_LOGON_FAILED
    );
    assert_eq!(
        status(s.check_password("Locked", None)),
        Status::MAPI_E_LOGON_FAILED
    );
    assert_eq!(
        status(s.copy_profile("Locked", None, "C")),
        Status::MAPI_E_LOGON_FAILED
    );
    s.copy_profile("Locked", Some("pw1"), "C").unwrap();
    s.check_password("C", Some("pw1")).unwrap();
    s.change_profile_password("C", Some("pw1"), None).unwrap();
    s.check_password("C", None).unwrap();
});

both_backends!(services_documented_results, |fx| {
    let dir = &fx.home;
    let mut s = fx.open();
    let reg = Registry::builtin();
    s.create_profile("P", None).unwrap();
    let path = dir.path().join("m.store");
    let local = s
        .create_msg_service(
            &reg,
            "P",
            "local-store",
            None,
            &set(&[("path", path.to_str().unwrap())]),
        )
        .unwrap();
    let contacts = s
        .create_msg_service(&reg, "P", "contacts", None, &[])
        .unwrap();
    assert_eq!(
        status(s.create_msg_service(&reg, "P", "contacts", None, &[])),
        Status::MAPI_E_NO_ACCESS,
        "SERVICE_SINGLE_COPY"
    );
    assert_eq!(
        status(s.create_msg_service(&reg, "P", "no-such", None, &[])),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(s.create_msg_service(&reg, "P", "local-store", None, &set(&[("colour", "red")]))),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(s.create_msg_service(
            &reg,
            "P",
            "local-store",
            None,
            &set(&[("exclusive", "maybe")])
        )),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        s.msg_service_table("P").unwrap().len(),
        2,
        "failed creates stored nothing"
    );

    let cfg = s.service_config(&reg, "P", contacts).unwrap();
    assert_eq!(cfg.missing, ["path"]);
    let cfg = s.service_config(&reg, "P", local).unwrap();
    assert!(cfg.missing.is_empty());
    assert_eq!(cfg.value("exclusive"), Some(&PropValue::Boolean(false)));
    s.configure_msg_service(&reg, "P", local, &set(&[("exclusive", "true")]))
        .unwrap();
    assert_eq!(
        s.service_config(&reg, "P", local)
            .unwrap()
            .value("exclusive"),
        Some(&PropValue::Boolean(true))
    );
    assert_eq!(
        status(s.configure_msg_service(
            &reg,
            "P",
            local,
            &set(&[("exclusive", "false"), ("bogus", "1")])
        )),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        s.service_config(&reg, "P", local)
            .unwrap()
            .value("exclusive"),
        Some(&PropValue::Boolean(true)),
        "a failed configure changes nothing"
    );
    let unknown = MapiUid::random();
    assert_eq!(
        status(s.configure_msg_service(&reg, "P", unknown, &[])),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(s.delete_msg_service("P", unknown)),
        Status::MAPI_E_NOT_FOUND
    );

    assert_eq!(
        status(s.set_primary_identity(&reg, "P", Some(local))),
        Status::MAPI_E_NO_ACCESS,
        "SERVICE_NO_PRIMARY_IDENTITY"
    );
    let mail = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            None,
            &set(&[("password", "hunter2")]),
        )
        .unwrap();
    s.set_primary_identity(&reg, "P", Some(mail)).unwrap();
    let svc = s.msg_service("P", mail).unwrap();
    assert!(svc.flags.contains(ServiceFlags::SERVICE_PRIMARY_IDENTITY));
    let provs = s.service_provider_table("P", mail).unwrap();
    assert!(
        provs
            .iter()
            .all(|p| p.flags.contains(ProviderFlags::STATUS_PRIMARY_IDENTITY))
    );

    // Secure settings are never listed, only read by tag.
    let listed = s.get_props("P", mail, None).unwrap();
    assert!(listed.iter().all(|(t, _)| !t.is_secure()));
    let pw_tag = reg
        .get("internet-mail")
        .unwrap()
        .setting("password")
        .unwrap()
        .tag;
    let asked = s.get_props("P", mail, Some(&[pw_tag])).unwrap();
    assert_eq!(asked[0].1, PropValue::Unicode("hunter2".into()));

    s.delete_msg_service("P", contacts).unwrap();
    assert_eq!(s.msg_service_table("P").unwrap().len(), 2);
    assert_eq!(
        status(s.get_props("P", contacts, None)),
        Status::MAPI_E_NOT_FOUND
    );
});

both_backends!(transport_order_and_copy, |fx| {
    let mut s = fx.open();
    let reg = Registry::builtin();
    s.create_profile("P", None).unwrap();
    s.create_profile("Q", None).unwrap();
    let a = s
        .create_msg_service(
            &reg,
            "P",
            "internet-mail",
            Some("A"),
            &set(&[("user", "a")]),
        )
        .unwrap();
    let _b = s
        .create_msg_service(&reg, "P", "internet-mail", Some("B"), &[])
        .unwrap();
    let transports: Vec<_> = s
        .provider_table("P")
        .unwrap()
        .into_iter()
        .filter(|p| p.resource_type == resource_type::MAPI_TRANSPORT_PROVIDER)
        .collect();
    assert_eq!(transports.len(), 2);
    assert_eq!(
        status(s.msg_service_transport_order("P", &[transports[0].uid])),
        Status::MAPI_E_BUSY
    );
    assert_eq!(
        status(s.msg_service_transport_order("P", &[transports[0].uid, MapiUid::random()])),
        Status::MAPI_E_NOT_FOUND
    );
    s.msg_service_transport_order("P", &[transports[1].uid, transports[0].uid])
        .unwrap();
    let after: Vec<_> = s
        .provider_table("P")
        .unwrap()
        .into_iter()
        .filter(|p| p.resource_type == resource_type::MAPI_TRANSPORT_PROVIDER)
        .collect();
    assert_eq!(after[0].uid, transports[1].uid);
    assert!(after[0].ordinal < after[1].ordinal);

    let copy = s.copy_msg_service("P", a, "Q").unwrap();
    let cfg = s.service_config(&reg, "Q", copy).unwrap();
    assert_eq!(cfg.value("user"), Some(&PropValue::Unicode("a".into())));
    s.create_msg_service(&reg, "Q", "contacts", None, &[])
        .unwrap();
    let c = s
        .create_msg_service(&reg, "P", "contacts", None, &[])
        .unwrap();
    assert_eq!(
        status(s.copy_msg_service("P", c, "Q")),
        Status::MAPI_E_NO_ACCESS
    );

    // A whole-profile copy carries services and settings.
    s.copy_profile("P", None, "R").unwrap();
    assert_eq!(s.msg_service_table("R").unwrap().len(), 3);
});

both_backends!(providers_create_and_delete, |fx| {
    let mut s = fx.open();
    let reg = Registry::builtin();
    s.create_profile("P", None).unwrap();
    let mail = s
        .create_msg_service(&reg, "P", "internet-mail", None, &[])
        .unwrap();
    let before = s.service_provider_table("P", mail).unwrap();
    assert_eq!(before.len(), 2);
    let extra = s
        .create_provider(&reg, "P", mail, "internet-mail.smtp")
        .unwrap();
    let after = s.service_provider_table("P", mail).unwrap();
    assert_eq!(after.len(), 3);
    let added = after.iter().find(|p| p.uid == extra).unwrap();
    assert_eq!(added.resource_type, resource_type::MAPI_TRANSPORT_PROVIDER);
    assert!(
        s.provider_table("P")
            .unwrap()
            .iter()
            .any(|p| p.uid == extra)
    );
    assert_eq!(
        status(s.create_provider(&reg, "P", mail, "internet-mail.nope")),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(s.create_provider(&reg, "P", MapiUid::random(), "internet-mail.smtp")),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(s.create_provider(&reg, "Nope", mail, "internet-mail.smtp")),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(s.service_provider_table("P", mail).unwrap().len(), 3);
    s.delete_provider("P", extra).unwrap();
    assert_eq!(
        status(s.delete_provider("P", extra)),
        Status::MAPI_E_NOT_FOUND
    );
    let left: Vec<_> = s
        .service_provider_table("P", mail)
        .unwrap()
        .into_iter()
        .map(|p| p.uid)
        .collect();
    assert_eq!(left, before.iter().map(|p| p.uid).collect::<Vec<_>>());
});

both_backends!(sections_and_profile_instance, |fx| {
    let mut s = fx.open();
    s.create_profile("P", None).unwrap();
    let props = s.get_props("P", MUID_PROFILE_INSTANCE, None).unwrap();
    let key = props
        .iter()
        .find(|(t, _)| *t == tags::PR_SEARCH_KEY)
        .unwrap();
    assert_eq!(key.1, PropValue::Binary(s.profile("P").unwrap().search_key));
    let section = MapiUid::random();
    assert_eq!(
        status(s.get_props("P", section, None)),
        Status::MAPI_E_NOT_FOUND
    );
    let private = PropTag(0x6650_001F);
    let other = PropTag(0x6652_0003);
    s.set_props(
        "P",
        section,
        &[
            (private, PropValue::Unicode("v".into())),
            (other, PropValue::Long(7)),
        ],
    )
    .unwrap();
    assert!(
        s.get_props("P", section, None)
            .unwrap()
            .contains(&(private, PropValue::Unicode("v".into())))
    );
    assert_eq!(
        status(s.set_props(
            "P",
            section,
            &[(PropTag(0x8001_001F), PropValue::Unicode("n".into()))]
        )),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(s.set_props(
            "P",
            section,
            &[(PropTag(0x6651_0003), PropValue::Unicode("n".into()))]
        )),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(s.set_props(
            "P",
            section,
            &[(tags::PR_PROFILE_NAME, PropValue::Unicode("n".into()))]
        )),
        Status::MAPI_E_INVALID_PARAMETER
    );
    s.delete_props("P", section, &[private]).unwrap();
    let got = s.get_props("P", section, Some(&[private])).unwrap();
    assert_eq!(got[0].1, PropValue::Error(Status::MAPI_E_NOT_FOUND.0));
});

#[test]
fn newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE profiles (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = ProfileStore::open(&path).err().unwrap();
    assert_eq!(err.status(), Status::MAPI_E_VERSION);
    assert!(err.to_string().contains("99"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "file changed");
    assert!(!dir.path().join("profiles.db-wal").exists());
}

#[test]
fn damaged_files_are_corrupt_data_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![0x5Au8; 8192]).unwrap();
    assert_eq!(
        ProfileStore::open(&garbage).err().unwrap().status(),
        Status::MAPI_E_CORRUPT_DATA
    );

    let truncated = dir.path().join("trunc.db");
    {
        let mut s = ProfileStore::open(&truncated).unwrap();
        for i in 0..200 {
            s.create_profile(&format!("profile {i}"), None).unwrap();
        }
    }
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let _ = std::fs::remove_file(dir.path().join("trunc.db-wal"));
    match ProfileStore::open(&truncated) {
        Err(e) => assert_eq!(e.status(), Status::MAPI_E_CORRUPT_DATA, "{e}"),
        Ok(s) => {
            let listed = s.profile_table();
            let checked = s.integrity_check();
            assert!(
                listed.as_ref().err().map(|e| e.status()) == Some(Status::MAPI_E_CORRUPT_DATA)
                    || checked.as_ref().err().map(|e| e.status())
                        == Some(Status::MAPI_E_CORRUPT_DATA),
                "truncated file went unnoticed: {listed:?} {checked:?}"
            );
        }
    }

    // A SQLite file that is not a profile store.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); PRAGMA user_version = 1;")
        .unwrap();
    assert_eq!(
        ProfileStore::open(&other).err().unwrap().status(),
        Status::MAPI_E_CORRUPT_DATA
    );
}

#[test]
fn version_one_files_are_migrated_with_their_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profiles.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(mapi_profile::schema::MIGRATIONS[0])
            .unwrap();
        c.execute(
            "INSERT INTO profiles (name, name_key, search_key, is_default) VALUES ('Old', 'old', x'00112233445566778899aabbccddeeff', 1)",
            [],
        )
        .unwrap();
        c.execute_batch("PRAGMA user_version = 1;").unwrap();
    }
    let mut s = ProfileStore::open(&path).unwrap();
    assert_eq!(
        s.schema_version().unwrap(),
        mapi_profile::schema::SCHEMA_VERSION
    );
    assert_eq!(s.default_profile().unwrap().as_deref(), Some("Old"));
    // The migrated search key counts as issued.
    s.create_profile("New", None).unwrap();
    s.integrity_check().unwrap();
}

#[test]
fn postgres_newer_schema_is_refused_and_left_untouched() {
    let fx = support::Fixture::postgres();
    let mut s = fx.open();
    s.create_profile("Kept", None).unwrap();
    drop(s);
    let mut admin = fx.server().admin_db("mapi_test").unwrap();
    admin
        .batch_execute("UPDATE mapi_schema SET version = 99")
        .unwrap();
    let err = fx.try_open().err().unwrap();
    assert_eq!(err.status(), Status::MAPI_E_VERSION);
    assert!(err.to_string().contains("99"), "{err}");
    // The URL's password is never shown.
    assert!(!err.to_string().contains("pw-mapi_test"), "{err}");
    let v: i64 = admin
        .query_one("SELECT version FROM mapi_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, 99);
    let n: i64 = admin
        .query_one("SELECT count(*) FROM profiles", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
}
