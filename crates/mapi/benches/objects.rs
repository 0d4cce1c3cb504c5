//! GetProps of 20 properties (all present) of one message of a local store, in process (target median
//! <= 50 us) and through a real `mapid` (<= 200 us). Each iteration is one `GetProps`
//! on an open message object.
//!
//! Build the daemon first (`cargo build --release -p mapid`; the bench looks for it next
//! to its own `deps` directory, or takes `MAPID_BIN`). The bench gives the daemon a
//! socket directory of its own and stops it at the end.
//!
//! Run: `cargo bench -p mapi --bench objects`.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use mapi::blocking::Mapi;
use mapi::link::AnySession;
use mapi::object::MAPI_UNICODE;
use mapi::{LogoffFlags, LogonFlags, LogonRequest, PropTag, Status, tags::*};

const TAGS: [PropTag; 20] = [
    PR_SUBJECT,
    PR_SUBJECT_PREFIX,
    PR_NORMALIZED_SUBJECT,
    PR_MESSAGE_CLASS,
    PR_MESSAGE_FLAGS,
    PR_SENDER_NAME,
    PR_SENDER_EMAIL_ADDRESS,
    PR_DISPLAY_TO,
    PR_DISPLAY_CC,
    PR_MESSAGE_DELIVERY_TIME,
    PR_CLIENT_SUBMIT_TIME,
    PR_HASATTACH,
    PR_INTERNET_MESSAGE_ID,
    PR_MESSAGE_SIZE,
    PR_IMPORTANCE,
    PR_ENTRYID,
    PR_PARENT_ENTRYID,
    PR_RECORD_KEY,
    PR_SENT_REPRESENTING_NAME,
    PR_SENT_REPRESENTING_EMAIL_ADDRESS,
];

const MESSAGE: &[u8] = b"From: Carol <carol@example.org>\r\nTo: Alice <alice@example.org>\r\n\
Cc: dave@example.org\r\nSubject: RE: Quarterly figures\r\n\
Message-ID: <bench-1@example.org>\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\n\
The figures are attached.\r\n";

fn mapid() -> PathBuf {
    if let Some(p) = std::env::var_os("MAPID_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap();
    for cand in [dir.join("mapid"), dir.join("../mapid")] {
        if cand.is_file() {
            return cand;
        }
    }
    eprintln!(
        "mapid not found next to {}: run `cargo build --release -p mapid` first, or set MAPID_BIN",
        dir.display()
    );
    std::process::exit(2);
}

fn bench_get_props(c: &mut Criterion, name: &str, session: &AnySession) {
    let store = session.default_store().unwrap();
    let inbox = store
        .folders()
        .unwrap()
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some("Inbox"))
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap();
    let id = store
        .import_raw(&inbox, vec![MESSAGE.to_vec()])
        .unwrap()
        .remove(0);
    let (_, msg) = session.open_entry(&id, 0).unwrap();
    let r = msg.get_props(Some(&TAGS), MAPI_UNICODE).unwrap();
    let missing = r
        .value
        .iter()
        .filter(|(t, _)| t.prop_type() == mapi::PropType::PT_ERROR)
        .count();
    eprintln!(
        "{name}: GetProps of {} tags answers {} ({missing} missing)",
        TAGS.len(),
        r.status
    );
    assert_eq!(
        r.status,
        Status::S_OK,
        "every one of the 20 properties is there"
    );
    c.bench_function(name, |b| {
        b.iter(|| msg.get_props(Some(&TAGS), MAPI_UNICODE).unwrap())
    });
}

fn get_props(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    // SAFETY: set before any other thread of this process starts.
    unsafe {
        std::env::set_var("MAPID_BIN", mapid());
        std::env::set_var("XDG_RUNTIME_DIR", &run);
        std::env::remove_var("MAPI_SOCKET");
    }
    let home = dir.path().join("home");
    let mapi = Mapi::open(Some(&home)).unwrap();
    mapi.quickstart().unwrap();
    let local = mapi
        .logon_any(LogonRequest::new(
            Some("Default"),
            LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    bench_get_props(c, "get_props_20/in_process", &local);
    let remote = mapi
        .logon_any(LogonRequest::new(
            Some("Default"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_ALLOW_OTHERS,
        ))
        .unwrap();
    assert!(remote.is_remote());
    bench_get_props(c, "get_props_20/through_daemon", &remote);
    remote.logoff(LogoffFlags::MAPI_LOGOFF_SHARED);
    local.logoff(LogoffFlags::default());
    let _ = mapi::link::stop_daemon(&mapi);
}

criterion_group!(benches, get_props);
criterion_main!(benches);
