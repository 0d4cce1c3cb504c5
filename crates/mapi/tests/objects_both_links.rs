//! Property objects (`IMAPIProp`) and their streams give the same answers in process and
//! through a real `mapid`, on the local store: GetProps with a missing tag (PT_ERROR
//! MAPI_E_NOT_FOUND, MAPI_W_ERRORS_RETURNED), SetProps visible to another open only
//! after SaveChanges, MAPI_E_OBJECT_CHANGED when another session saved first, a 5 MiB
//! PR_BODY written and read back through OpenProperty streams, named properties
//! (GetIDsFromNames / GetNamesFromIDs), a released object or stream answering
//! MAPI_E_INVALID_OBJECT, and MAPI_E_END_OF_SESSION once the session ended.
//!
//! The test re-runs itself as a child with its own XDG_RUNTIME_DIR (the daemon's socket
//! directory), so it never meets another test's daemon.

mod common;

use common::StopDaemon;

use mapi::blocking::Mapi;
use mapi::link::{AnySession, AnyStore};
use mapi::object::*;
use mapi::{LogoffFlags, MapiStatus, NameId, PropType, PropValue, Status, object_type, tags::*};

const CHILD_ENV: &str = "MAPI_OBJECTS_BOTH_LINKS_CHILD";
const TEST: &str = "property_objects_agree_in_process_and_through_the_daemon";

#[test]
fn property_objects_agree_in_process_and_through_the_daemon() {
    common::in_child_with_own_daemon(CHILD_ENV, TEST, body);
}

fn inbox(store: &AnyStore) -> Vec<u8> {
    store
        .folders()
        .unwrap()
        .iter()
        .find(|r| r.str(PR_DISPLAY_NAME) == Some("Inbox"))
        .and_then(|r| r.get(PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap()
}

fn message(tag: &str) -> Vec<u8> {
    format!(
        "From: Carol <carol@example.org>\r\nTo: alice@example.org\r\nSubject: {tag} report\r\n\
         Message-ID: <{tag}@example.org>\r\nDate: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\n\
         short body\r\n"
    )
    .into_bytes()
}

fn subject(o: &Object) -> String {
    let r = o.get_props(Some(&[PR_SUBJECT]), MAPI_UNICODE).unwrap();
    r.value[0].1.as_str().unwrap_or("(none)").to_string()
}

fn status<T>(r: mapi::Result<T>) -> Status {
    match r {
        Ok(_) => Status::S_OK,
        Err(e) => e.status(),
    }
}

/// The body written through the stream: 5 MiB of varied text.
fn big_body() -> Vec<u8> {
    (0..5 * 1024 * 1024)
        .map(|i: usize| b"abcdefghijklmnopqrstuvwxyz0123456789 \n"[i % 38])
        .collect()
}

/// What one link answers to the same script; `other` is the other link's session (on
/// the same store file), for the concurrent-save step.
fn script(session: &AnySession, other: &AnySession, tag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |s: String| out.push(s.replace(tag, "TAG"));
    let store = session.default_store().unwrap();
    let folder = inbox(&store);
    let id = store
        .import_raw(&folder, vec![message(tag)])
        .unwrap()
        .remove(0);

    // OpenEntry on the session finds the store; GetProps with a missing tag.
    let (store_id, msg) = session.open_entry(&id, MAPI_MODIFY).unwrap();
    say(format!(
        "type {}",
        msg.object_type() == object_type::MAPI_MESSAGE
    ));
    say(format!("store id {}", store_id.starts_with(b"MAPISTOR")));
    let r = msg
        .get_props(Some(&[PR_SUBJECT, PR_IN_REPLY_TO_ID]), MAPI_UNICODE)
        .unwrap();
    let shown: Vec<String> = r
        .value
        .iter()
        .map(|(t, v)| match v {
            PropValue::Error(code) => format!("{t:?} PT_ERROR {}", Status(*code)),
            v => format!("{t:?} {v:?}"),
        })
        .collect();
    say(format!("get {} {shown:?}", r.status));
    let list = msg.get_prop_list(MAPI_UNICODE).unwrap();
    say(format!(
        "list has subject {} body {}",
        list.contains(&PR_SUBJECT),
        list.contains(&PR_BODY)
    ));

    // SetProps: nothing persists before SaveChanges.
    let problems = msg
        .set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("{tag} changed")))])
        .unwrap();
    say(format!("set problems {problems:?}"));
    let second = store.open_message(&id, 0).unwrap();
    say(format!("before save {}", subject(&second)));
    say(format!("own view {}", subject(&msg)));
    msg.save_changes(KEEP_OPEN_READWRITE).unwrap();
    let third = store.open_message(&id, 0).unwrap();
    say(format!("after save {}", subject(&third)));
    let problems = third
        .set_props(&[(PR_SUBJECT, PropValue::Unicode("read-only".into()))])
        .map_err(|e| e.status());
    say(format!("read-only set {problems:?}"));

    // Two sessions: the second save after the first is MAPI_E_OBJECT_CHANGED.
    let ostore = other.default_store().unwrap();
    let a = store.open_message(&id, MAPI_MODIFY).unwrap();
    let b = ostore.open_message(&id, MAPI_MODIFY).unwrap();
    a.set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("{tag} by a")))])
        .unwrap();
    b.set_props(&[(PR_SUBJECT, PropValue::Unicode(format!("{tag} by b")))])
        .unwrap();
    say(format!(
        "a saves {}",
        status(a.save_changes(KEEP_OPEN_READWRITE))
    ));
    say(format!("b saves {}", status(b.save_changes(0))));
    say(format!(
        "kept {}",
        subject(&store.open_message(&id, 0).unwrap())
    ));

    // A 5 MiB PR_BODY through the stream, read back after SaveChanges.
    let body = big_body();
    let w = a.open_property(PR_BODY, &IID_ISTREAM, MAPI_MODIFY | MAPI_CREATE);
    let w = match w {
        Ok(w) => w,
        Err(e) => panic!("OpenProperty(PR_BODY, MAPI_CREATE): {e}"),
    };
    say(format!("written {}", w.write(&body).unwrap()));
    say(format!("stat {:?}", w.stat().unwrap()));
    w.commit(0).unwrap();
    w.release().unwrap();
    say(format!("released stream {}", status(w.stat())));
    a.save_changes(KEEP_OPEN_READWRITE).unwrap();
    let fresh = store.open_message(&id, 0).unwrap();
    let r = fresh.open_property(PR_BODY, &IID_ISTREAM, 0).unwrap();
    say(format!("size {:?}", r.stat().unwrap()));
    say(format!("seek {}", r.seek(-10, STREAM_SEEK_END).unwrap()));
    let mut tail = [0u8; 32];
    let n = r.read(&mut tail).unwrap();
    say(format!("tail {:?}", String::from_utf8_lossy(&tail[..n])));
    r.seek(0, STREAM_SEEK_SET).unwrap();
    let back = r.read_to_end().unwrap();
    say(format!("read back {} same {}", back.len(), back == body));
    say(format!("write on a read stream {}", status(r.write(b"x"))));
    let got = fresh.get_props(Some(&[PR_BODY]), MAPI_UNICODE).unwrap();
    say(format!(
        "body by GetProps {} {:?}",
        got.status,
        got.value[0].1.prop_type()
    ));

    // Named properties: unknown without MAPI_CREATE, made with it, named back.
    let name = NameId::name(PS_PUBLIC_STRINGS, "X-Both-Links-Project");
    let unknown = NameId::name(PS_PUBLIC_STRINGS, &format!("X-Never-{tag}"));
    let r = fresh.get_ids_from_names(&[unknown], 0).unwrap();
    say(format!(
        "unknown name {} {:?}",
        r.status,
        r.value[0].prop_type()
    ));
    let r = a
        .get_ids_from_names(std::slice::from_ref(&name), MAPI_CREATE)
        .unwrap();
    let named = r.value[0];
    say(format!(
        "created {} in range {}",
        r.status,
        named.id() >= 0x8000
    ));
    let named = named.with_type(PropType::PT_UNICODE);
    a.set_props(&[(named, PropValue::Unicode(format!("{tag} apollo")))])
        .unwrap();
    a.save_changes(0).unwrap();
    let again = store.open_message(&id, 0).unwrap();
    let v = again.get_props(Some(&[named]), MAPI_UNICODE).unwrap();
    say(format!("named value {:?}", v.value[0].1));
    let n = again.get_names_from_ids(Some(&[named]), None, 0).unwrap();
    say(format!(
        "names {} {:?}",
        n.status,
        n.value[0].1 == Some(name)
    ));

    // A released object: MAPI_E_INVALID_OBJECT, also for a second release.
    again.release().unwrap();
    say(format!("released {}", status(again.get_props(None, 0))));
    say(format!("released twice {}", status(again.release())));

    // Unknown entry ids.
    let mut foreign = id.clone();
    foreign[4..20].copy_from_slice(&[0xAB; 16]);
    say(format!(
        "foreign id {}",
        status(session.open_entry(&foreign, 0))
    ));
    out
}

fn body() {
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let mapi = Mapi::open(Some(&home)).unwrap();
    let _stop = StopDaemon(&mapi);
    mapi.quickstart().unwrap();
    let (local, remote) = common::both_links(&mapi, "Default");

    let in_process = script(&local, &remote, "local");
    let through_daemon = script(&remote, &local, "remote");
    let expect = |needle: &str| {
        assert!(
            in_process.iter().any(|l| l.contains(needle)),
            "{needle:?} not in {in_process:#?}"
        )
    };
    expect("get MAPI_W_ERRORS_RETURNED");
    expect("0x1042000A) PT_ERROR MAPI_E_NOT_FOUND");
    expect("before save TAG report");
    expect("own view TAG changed");
    expect("after save TAG changed");
    expect("read-only set Err(MAPI_E_NO_ACCESS");
    expect("body by GetProps MAPI_W_ERRORS_RETURNED");
    expect("tail \"klmnopqrst\"");
    expect("a saves S_OK");
    expect("b saves MAPI_E_OBJECT_CHANGED");
    expect("kept TAG by a");
    expect("written 5242880");
    expect("read back 5242880 same true");
    expect("released stream MAPI_E_INVALID_OBJECT");
    expect("write on a read stream MAPI_E_NO_ACCESS");
    expect("unknown name MAPI_W_ERRORS_RETURNED (0x00040380) PT_ERROR");
    expect("created S_OK (0x00000000) in range true");
    expect("named value Unicode(\"TAG apollo\")");
    expect("names S_OK (0x00000000) true");
    expect("released MAPI_E_INVALID_OBJECT");
    expect("released twice MAPI_E_INVALID_OBJECT");
    expect("foreign id MAPI_E_INVALID_ENTRYID");
    assert_eq!(through_daemon, in_process);

    // The daemon holds a bounded number of objects per session handle: past it,
    // MAPI_E_NOT_ENOUGH_MEMORY; a release makes room again.
    let rstore = remote.default_store().unwrap();
    let mut held = Vec::new();
    let err = loop {
        match rstore.open_store_object() {
            Ok(o) => held.push(o),
            Err(e) => break e,
        }
        assert!(
            held.len() <= 1024,
            "the daemon holds more than 1024 objects"
        );
    };
    assert_eq!(err.status(), Status::MAPI_E_NOT_ENOUGH_MEMORY, "{err}");
    assert!(held.len() > 1000, "only {} objects held", held.len());
    held.pop().unwrap().release().unwrap();
    let o = rstore.open_store_object().unwrap();
    assert_eq!(o.object_type(), object_type::MAPI_STORE);
    for o in held.drain(..) {
        o.release().unwrap();
    }

    // A session that ended: its objects answer MAPI_E_END_OF_SESSION, on both links.
    for s in [&remote, &local] {
        let store = s.default_store().unwrap();
        let folder = inbox(&store);
        let id = store
            .import_raw(&folder, vec![message("end")])
            .unwrap()
            .remove(0);
        let o = s.open_entry(&id, 0).unwrap().1;
        assert_eq!(subject(&o), "end report");
        s.logoff(if s.is_remote() {
            LogoffFlags::MAPI_LOGOFF_SHARED
        } else {
            LogoffFlags::default()
        });
        assert_eq!(
            status(o.get_props(None, 0)),
            Status::MAPI_E_END_OF_SESSION,
            "remote {}",
            s.is_remote()
        );
    }
}
