//! Profile administration through the facade's objects: ProfAdmin (profile table,
//! create, duplicate, default, copy, rename, password), ServiceAdmin (service and
//! provider tables, CreateMsgServiceEx, ConfigureMsgService with properties, bad input),
//! ProviderAdmin, and ProfSect (changes kept until SaveChanges, read-only without
//! MAPI_MODIFY, secrets never readable, MAPI_E_OBJECT_CHANGED for a second writer); then a logon to the profile made. And the
//! same objects from a session over both links: in this process and in a real `mapid`.

mod common;

use mapi::admin::{ProfAdmin, ProfSect, ServiceAdmin};
use mapi::blocking::Mapi;
use mapi::link::AnySession;
use mapi::{
    EngineError, LogoffFlags, LogonFlags, LogonRequest, MapiStatus, MapiUid, PropTag, PropType,
    PropValue, Row, Status, TableView, tags::*,
};

const KEEP_OPEN_READWRITE: u32 = 0x2;
const FORCE_SAVE: u32 = 0x4;
const MAPI_MODIFY: u32 = 0x1;
const PATH: PropTag = PropTag(0x6600_001F);
const DISPLAY: PropTag = PropTag(0x6601_001F);
const SECRET: PropTag = PropTag(0x67F0_001F);

fn status<T>(r: Result<T, EngineError>) -> Status {
    match r {
        Ok(_) => Status::S_OK,
        Err(e) => e.status(),
    }
}

fn rows(mut v: TableView) -> Vec<Row> {
    v.query_rows(i32::MAX, 0).unwrap()
}

fn uid_of(r: &Row, tag: PropTag) -> MapiUid {
    let b = r.get(tag).and_then(PropValue::as_bytes).unwrap();
    MapiUid(b.try_into().unwrap())
}

fn profiles(a: &ProfAdmin) -> Vec<(String, bool)> {
    rows(a.get_profile_table(0).unwrap())
        .iter()
        .map(|r| {
            (
                r.str(PR_DISPLAY_NAME).unwrap().to_string(),
                r.get(PR_DEFAULT_PROFILE)
                    .and_then(PropValue::as_bool)
                    .unwrap(),
            )
        })
        .collect()
}

#[test]
fn profiles_services_and_sections_administered_then_logged_on() {
    let home = tempfile::tempdir().unwrap();
    let mapi = Mapi::open(Some(home.path())).unwrap();
    assert_eq!(
        status(mapi.admin_profiles(0x4)),
        Status::MAPI_E_UNKNOWN_FLAGS
    );
    let admin = mapi.admin_profiles(0).unwrap();

    admin.create_profile("Work", None, 0).unwrap();
    assert_eq!(
        status(admin.create_profile("WORK", None, 0)),
        Status::MAPI_E_NO_ACCESS
    );
    assert_eq!(
        status(admin.create_profile("", None, 0)),
        Status::MAPI_E_INVALID_PARAMETER
    );
    admin.set_default_profile(Some("Work"), 0).unwrap();
    admin.copy_profile("Work", None, "Copy", 0).unwrap();
    admin.rename_profile("Copy", None, "Other", 0).unwrap();
    admin.create_profile("Secret", Some("pw1"), 0).unwrap();
    assert_eq!(
        status(admin.admin_services("Secret", Some("no"), 0)),
        Status::MAPI_E_LOGON_FAILED
    );
    admin
        .change_profile_password("Secret", Some("pw1"), Some("pw2"), 0)
        .unwrap();
    assert_eq!(
        status(admin.admin_services("Secret", Some("pw1"), 0)),
        Status::MAPI_E_LOGON_FAILED
    );
    admin.admin_services("Secret", Some("pw2"), 0).unwrap();
    assert_eq!(
        profiles(&admin),
        [
            ("Other".to_string(), false),
            ("Secret".to_string(), false),
            ("Work".to_string(), true)
        ]
    );
    admin.delete_profile("Other", 0).unwrap();
    admin.delete_profile("Secret", 0).unwrap();
    assert_eq!(
        status(admin.delete_profile("Secret", 0)),
        Status::MAPI_E_NOT_FOUND
    );
    assert_eq!(
        status(admin.admin_services("Nobody", None, 0)),
        Status::MAPI_E_NOT_FOUND
    );

    // Services.
    let svc = admin.admin_services("Work", None, 0).unwrap();
    assert_eq!(
        status(svc.create_msg_service("no-such-service", None, 0)),
        Status::MAPI_E_NOT_FOUND
    );
    assert!(rows(svc.get_msg_service_table(0).unwrap()).is_empty());
    let uid = svc
        .create_msg_service("local-store", Some("Mail"), 0)
        .unwrap();
    // The required columns of the message-service table (reference §7.5).
    let cols = svc
        .get_msg_service_table(0)
        .unwrap()
        .query_columns(0)
        .unwrap();
    for c in [
        PR_DISPLAY_NAME,
        PR_INSTANCE_KEY,
        PR_RESOURCE_FLAGS,
        PR_SERVICE_DLL_NAME,
        PR_SERVICE_ENTRY_NAME,
        PR_SERVICE_NAME,
        PR_SERVICE_SUPPORT_FILES,
        PR_SERVICE_UID,
    ] {
        assert!(cols.iter().any(|t| t.id() == c.id()), "{c} missing");
    }
    let table = rows(svc.get_msg_service_table(0).unwrap());
    assert_eq!(table[0].str(PR_SERVICE_ENTRY_NAME), Some("ServiceEntry"));
    assert_eq!(table.len(), 1);
    assert_eq!(table[0].str(PR_DISPLAY_NAME), Some("Mail"));
    assert_eq!(table[0].str(PR_SERVICE_NAME), Some("local-store"));
    assert_eq!(uid_of(&table[0], PR_SERVICE_UID), uid);

    let file = home.path().join("work.db");
    let bad_tag = [(PR_SUBJECT, PropValue::Unicode("x".into()))];
    let e = svc.configure_msg_service(uid, &bad_tag, 0).unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_INVALID_PARAMETER);
    assert!(e.to_string().contains("PR_SUBJECT"), "{e}");
    let bad_type = [(PATH.with_type(PropType::PT_LONG), PropValue::Long(3))];
    assert_eq!(
        status(svc.configure_msg_service(uid, &bad_type, 0)),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(svc.configure_msg_service(MapiUid([7; 16]), &[], 0)),
        Status::MAPI_E_NOT_FOUND
    );
    let set = [(
        PATH.with_type(PropType::PT_STRING8),
        PropValue::String8(file.to_str().unwrap().into()),
    )];
    svc.configure_msg_service(uid, &set, 0).unwrap();
    assert!(file.exists(), "ConfigureMsgService made the store file");

    // Providers.
    let provs = rows(svc.get_provider_table(0).unwrap());
    assert_eq!(provs.len(), 1);
    assert_eq!(provs[0].int(PR_RESOURCE_TYPE), Some(0x21));
    let puid = uid_of(&provs[0], PR_PROVIDER_UID);
    let pa = svc.admin_providers(uid, 0).unwrap();
    assert_eq!(rows(pa.get_provider_table(0).unwrap()).len(), 1);
    assert_eq!(
        status(svc.admin_providers(MapiUid([7; 16]), 0)),
        Status::MAPI_E_NOT_FOUND
    );
    let psect = pa.open_profile_section(puid, 0).unwrap();
    let got = psect.get_props(Some(&[PR_PROVIDER_UID]), 0).unwrap();
    assert_eq!(got.status, Status::S_OK);
    assert_eq!(got.value[0].1, PropValue::Binary(puid.0.to_vec()));

    // Sections: read-only without MAPI_MODIFY, changes kept until SaveChanges.
    assert_eq!(
        status(svc.open_profile_section(MapiUid([7; 16]), 0)),
        Status::MAPI_E_NOT_FOUND
    );
    let ro = svc.open_profile_section(uid, 0).unwrap();
    let all = ro.get_props(None, 0x8000_0000).unwrap().value;
    assert!(
        all.iter()
            .any(|(t, v)| *t == PR_SERVICE_NAME && *v == PropValue::Unicode("local-store".into()))
    );
    assert!(all.iter().any(|(t, _)| t.id() == PATH.id()));
    let named = [(DISPLAY, PropValue::Unicode("Work mail".into()))];
    assert_eq!(status(ro.set_props(&named)), Status::MAPI_E_NO_ACCESS);
    let rw = svc.open_profile_section(uid, MAPI_MODIFY).unwrap();
    assert_eq!(
        status(rw.set_props(&[(PR_SERVICE_NAME, PropValue::Unicode("x".into()))])),
        Status::MAPI_E_INVALID_PARAMETER
    );
    assert_eq!(
        status(rw.set_props(&[(DISPLAY, PropValue::Long(1))])),
        Status::MAPI_E_INVALID_PARAMETER
    );
    rw.set_props(&named).unwrap();
    rw.set_props(&[(SECRET, PropValue::Unicode("hunter2".into()))])
        .unwrap();
    let before = ro.get_props(Some(&[DISPLAY]), 0).unwrap();
    assert_eq!(before.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        rw.get_props(Some(&[DISPLAY]), 0).unwrap().value[0].1,
        named[0].1
    );
    rw.save_changes(KEEP_OPEN_READWRITE).unwrap();
    assert_eq!(
        ro.get_props(Some(&[DISPLAY]), 0).unwrap().value[0].1,
        named[0].1
    );
    let secret = ro.get_props(Some(&[SECRET]), 0).unwrap();
    assert_eq!(secret.status, Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(
        secret.value[0],
        (
            SECRET.with_type(PropType::PT_ERROR),
            PropValue::Error(Status::MAPI_E_NO_ACCESS.0)
        )
    );
    assert!(!ro.get_prop_list(0).unwrap().iter().any(|t| t.is_secure()));
    rw.delete_props(&[SECRET]).unwrap();
    rw.save_changes(0).unwrap();
    assert_eq!(status(rw.set_props(&named)), Status::MAPI_E_NO_ACCESS);
    assert_eq!(
        status(rw.delete_props(&[PR_PROFILE_NAME])),
        Status::MAPI_E_INVALID_PARAMETER
    );
    // Two writers: the second to save finds the section changed, unless FORCE_SAVE.
    let w1 = svc.open_profile_section(uid, MAPI_MODIFY).unwrap();
    let w2 = svc.open_profile_section(uid, MAPI_MODIFY).unwrap();
    w1.set_props(&[(DISPLAY, PropValue::Unicode("First".into()))])
        .unwrap();
    w2.set_props(&[(DISPLAY, PropValue::Unicode("Second".into()))])
        .unwrap();
    w1.save_changes(0).unwrap();
    let e = w2.save_changes(KEEP_OPEN_READWRITE).unwrap_err();
    assert_eq!(e.status(), Status::MAPI_E_OBJECT_CHANGED, "{e}");
    assert_eq!(
        ro.get_props(Some(&[DISPLAY]), 0).unwrap().value[0].1,
        PropValue::Unicode("First".into())
    );
    w2.save_changes(FORCE_SAVE | KEEP_OPEN_READWRITE).unwrap();
    w2.set_props(&named).unwrap();
    w2.save_changes(0).unwrap();
    assert_eq!(
        ro.get_props(Some(&[DISPLAY]), 0).unwrap().value[0].1,
        named[0].1
    );

    // No secret in clear on disk.
    for entry in std::fs::read_dir(home.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(7).any(|w| w == b"hunter2"),
                "{}",
                p.display()
            );
        }
    }

    // The profile logs on, with the store the section named.
    let session = mapi
        .logon_any(LogonRequest::new(
            Some("Work"),
            LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    let stores = session.store_table().unwrap().query_rows();
    assert_eq!(stores.len(), 1);
    assert_eq!(stores[0].str(PR_DISPLAY_NAME), Some("Work mail"));
    session.logoff(LogoffFlags::default());

    svc.delete_msg_service(uid).unwrap();
    assert_eq!(
        status(svc.delete_msg_service(uid)),
        Status::MAPI_E_NOT_FOUND
    );
    admin.delete_profile("Work", 0).unwrap();
    assert!(profiles(&admin).is_empty());
}

const CHILD_ENV: &str = "MAPI_ADMIN_BOTH_LINKS_CHILD";
const TEST: &str = "a_session_administers_its_profile_over_both_links";

#[test]
fn a_session_administers_its_profile_over_both_links() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, both_links_body);
}

fn services(mapi: &Mapi, s: &AnySession) -> Vec<(String, MapiUid)> {
    let a = ServiceAdmin::for_session(mapi, s, 0).unwrap();
    assert_eq!(a.profile(), "Default");
    rows(a.get_msg_service_table(0).unwrap())
        .iter()
        .map(|r| {
            (
                r.str(PR_SERVICE_NAME).unwrap().to_string(),
                uid_of(r, PR_SERVICE_UID),
            )
        })
        .collect()
}

fn both_links_body() {
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = common::StopDaemon(&mapi);
    mapi.quickstart().unwrap();
    let (local, remote) = common::both_links(&mapi, "Default");

    let l = services(&mapi, &local);
    let r = services(&mapi, &remote);
    assert_eq!(l, r);
    let names: Vec<&str> = l.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["local-store", "contacts"]);
    let store_uid = l[0].1;

    // A change saved through the daemon-hosted session's section is seen through the
    // in-process one.
    let rw = ProfSect::for_session(&mapi, &remote, store_uid, MAPI_MODIFY).unwrap();
    rw.set_props(&[(DISPLAY, PropValue::Unicode("Shared store".into()))])
        .unwrap();
    rw.save_changes(0).unwrap();
    let ro = ProfSect::for_session(&mapi, &local, store_uid, 0).unwrap();
    let got = ro.get_props(Some(&[DISPLAY, PR_PROFILE_NAME]), 0).unwrap();
    assert_eq!(got.status, Status::S_OK);
    assert_eq!(got.value[0].1, PropValue::Unicode("Shared store".into()));
    assert_eq!(got.value[1].1, PropValue::Unicode("Default".into()));
    assert_eq!(
        status(ProfSect::for_session(&mapi, &remote, MapiUid([9; 16]), 0)),
        Status::MAPI_E_NOT_FOUND
    );
    // Provider tables agree too.
    let lp = rows(
        ServiceAdmin::for_session(&mapi, &local, 0)
            .unwrap()
            .get_provider_table(0)
            .unwrap(),
    );
    let rp = rows(
        ServiceAdmin::for_session(&mapi, &remote, 0)
            .unwrap()
            .get_provider_table(0)
            .unwrap(),
    );
    assert_eq!(lp.len(), 2);
    assert_eq!(
        lp.iter()
            .map(|r| uid_of(r, PR_PROVIDER_UID))
            .collect::<Vec<_>>(),
        rp.iter()
            .map(|r| uid_of(r, PR_PROVIDER_UID))
            .collect::<Vec<_>>()
    );
    local.logoff(LogoffFlags::default());
    remote.logoff(LogoffFlags::default());
}
