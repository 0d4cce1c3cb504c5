//! C and C++ programs built against the installed library and headers
//! (`scripts/install-c.sh` into a prefix under the target dir, once per run), against
//! the quickstart `Default` profile in a temporary MAPI home (its Inbox seeded where the
//! program reads mail), plain and under valgrind (`--error-exitcode=1
//! --leak-check=full`: no leak, no invalid access); and one that sends through the real
//! Postfix to the real Dovecot of `mapi-test-support`, read back with Python's imaplib
//! (not under valgrind: memcheck misreads ring's TLS assembly as uninitialised reads).

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{OnDemandDaemon, compile_with as build, need, prefix, quickstart_home};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A MAPI home with the quickstart profile whose Inbox holds three messages, one a
/// day (the newest "Third of three").
fn seeded_home() -> tempfile::TempDir {
    let home = quickstart_home();
    let m = mapi::blocking::Mapi::open(Some(home.path())).expect("open the engine");
    let s = m
        .logon(mapi::LogonRequest::new(
            Some("Default"),
            mapi::LogonFlags::MAPI_EXPLICIT_PROFILE | mapi::LogonFlags::MAPI_NEW_SESSION,
        ))
        .expect("log on to Default");
    let store = s.default_store().expect("the default store");
    let (inbox, _) = store.get_receive_folder("").expect("the Inbox");
    let raw: Vec<Vec<u8>> = [("First", 1), ("Second", 2), ("Third", 3)]
        .iter()
        .map(|(n, day)| {
            format!(
                "From: Ann <ann@example.org>\r\nTo: me@example.org\r\n\
                 Subject: {n} of three\r\nDate: Mon, 0{day} Jun 2026 10:00:00 +0000\r\n\
                 Message-ID: <{n}@example.org>\r\n\r\nThe {n} body.\r\n"
            )
            .into_bytes()
        })
        .collect();
    store
        .import_raw(&inbox, raw)
        .expect("import into the Inbox");
    drop(store);
    s.logoff(mapi::LogoffFlags::default());
    home
}

fn run(exe: &Path, home: &Path, valgrind: bool) -> String {
    run_with(exe, home, valgrind, &[])
}

fn run_with(exe: &Path, home: &Path, valgrind: bool, args: &[&str]) -> String {
    let mut cmd = if valgrind {
        common::valgrind(exe, home)
    } else {
        let mut c = Command::new(exe);
        c.env("MAPI_HOME", home)
            .env("LD_LIBRARY_PATH", prefix().join("lib"));
        c
    };
    let out = cmd.args(args).output().expect("run the program");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{}",
        exe.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn c_program_logs_on_pages_tables_and_logs_off_under_valgrind() {
    let exe = build("cc", "quickstart.c", "quickstart");
    let home = quickstart_home();
    let out = run(&exe, home.path(), false);
    assert!(out.contains("store: [3001001E] Personal Folders"), "{out}");
    assert!(out.contains("default store: Personal Folders"), "{out}");
    assert!(out.contains("status: [3001001F] MAPI spooler"), "{out}");
    assert!(out.contains("last error: MAPI_E_INVALID_BOOKMARK"), "{out}");
    assert!(out.ends_with("ok (0 failures)\n"), "{out}");
    let again = run(&exe, home.path(), true);
    assert!(again.ends_with("ok (0 failures)\n"), "{again}");
}

#[test]
fn cxx_program_calls_methods_on_the_same_objects_under_valgrind() {
    let exe = build("c++", "cxx.cpp", "cxx");
    let home = quickstart_home();
    let out = run(&exe, home.path(), true);
    assert!(out.contains("c++ status: Personal Folders"), "{out}");
    assert!(out.ends_with("c++ ok rows=count\n"), "{out}");
}

#[test]
fn the_library_has_its_soname_and_exports_only_the_table() {
    need("readelf");
    need("nm");
    let lib = prefix().join("lib/libmapi.so.1");
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(&lib)
        .output()
        .unwrap();
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    assert!(
        dynamic.contains("Library soname: [libmapi.so.1]"),
        "{dynamic}"
    );
    assert!(prefix().join("lib/libmapi.so").exists());
    let nm = Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(&lib)
        .output()
        .unwrap();
    let mut have: Vec<String> = String::from_utf8_lossy(&nm.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .collect();
    have.sort();
    have.dedup();
    let table = mapi_abi::idl::Table::load();
    let mut want: Vec<String> = table
        .functions
        .iter()
        .map(|f| f.method.name.clone())
        .chain(table.interfaces.iter().map(|i| format!("IID_{}", i.name)))
        .collect();
    // The version node itself is a defined absolute symbol.
    have.retain(|n| n != "LIBMAPI_1");
    want.sort();
    assert_eq!(have, want);
    for h in [
        "mapix.h",
        "mapidefs.h",
        "mapicode.h",
        "mapitags.h",
        "mapiguid.h",
        "mapiutil.h",
    ] {
        assert!(prefix().join("include/mapi").join(h).exists(), "{h}");
    }
    let pc = std::fs::read_to_string(prefix().join("lib/pkgconfig/mapi.pc")).unwrap();
    assert!(pc.contains("Libs: -L${libdir} -lmapi"), "{pc}");
}

#[test]
fn the_readme_c_example_lists_the_stores_and_the_newest_subjects_under_valgrind() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## C interface")
        .nth(1)
        .expect("README has a C interface section");
    let code = section
        .split("```c\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the section has a C example");
    let src = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme_stores.c");
    std::fs::write(&src, code).unwrap();
    let exe = build("cc", src.to_str().unwrap(), "readme_stores");
    let home = seeded_home();
    let out = run(&exe, home.path(), true);
    assert_eq!(
        out,
        "Personal Folders (default)\n  Third of three\n  Second of three\n  First of three\n"
    );
}

#[test]
fn a_shared_session_made_from_c_is_joined_by_another_c_process_and_the_cli() {
    need("valgrind");
    let exe = build("cc", "shared.c", "shared");
    let home = quickstart_home();
    let daemon = OnDemandDaemon::new(home.path());
    let supp = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valgrind.supp");
    let vg = format!(
        "valgrind -q --error-exitcode=1 --leak-check=full --suppressions='{}'",
        supp.display()
    );
    let joiners = format!(
        "{vg} '{}' join && '{}' --home '{}' logon",
        exe.display(),
        daemon.cli().display(),
        home.path().display()
    );
    let out = daemon
        .env(Command::new("sh").arg("-c"))
        .arg(format!("{vg} '{}' make \"$JOINERS\"", exe.display()))
        .env("JOINERS", &joiners)
        .env("MAPI_HOME", home.path())
        .env("LD_LIBRARY_PATH", prefix().join("lib"))
        .output()
        .unwrap();
    drop(daemon);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("maker store: Personal Folders"), "{stdout}");
    assert!(
        stdout.contains("joiner store: Personal Folders"),
        "{stdout}"
    );
    assert!(stdout.contains("maker done, joiners ok"), "{stdout}");
}

#[test]
fn c_program_administers_profiles_and_services_then_logs_on_under_valgrind() {
    let exe = build("cc", "admin.c", "admin");
    for valgrind in [false, true] {
        let home = tempfile::tempdir().expect("temp dir");
        let store = home.path().join("cadmin-store.db");
        let out = {
            let mut cmd = if valgrind {
                need("valgrind");
                let supp = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valgrind.supp");
                let mut c = Command::new("valgrind");
                c.args(["-q", "--error-exitcode=1", "--leak-check=full"])
                    .arg(format!("--suppressions={}", supp.display()))
                    .arg(&exe);
                c
            } else {
                Command::new(&exe)
            };
            cmd.arg(&store)
                .env("MAPI_HOME", home.path())
                .env("LD_LIBRARY_PATH", prefix().join("lib"))
                .output()
                .expect("run the program")
        };
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "admin.c failed ({}, valgrind {valgrind}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        // The profile table as it changed, and the causes GetLastError names.
        assert!(stdout.contains("profiles: CAdmin* Wide é \n"), "{stdout}");
        assert!(
            stdout.contains("profiles: CAdmin* Locked Renamed Wide é \n"),
            "{stdout}"
        );
        assert!(
            stdout.contains("duplicate profile: MAPI_E_NO_ACCESS"),
            "{stdout}"
        );
        assert!(
            stdout.contains("unknown service: MAPI_E_NOT_FOUND")
                && stdout.contains("no-such-service"),
            "{stdout}"
        );
        assert!(
            stdout.contains("unknown setting: MAPI_E_INVALID_PARAMETER"),
            "{stdout}"
        );
        assert!(
            stdout.contains("service: My store (local-store)"),
            "{stdout}"
        );
        assert!(
            stdout.contains("store: Renamed store default=1"),
            "{stdout}"
        );
        // ConfigureMsgService made the store file where it was told.
        assert!(store.exists(), "no store file at {}", store.display());
        // No secret in clear anywhere in the home (profile store, side file).
        for entry in std::fs::read_dir(home.path()).unwrap() {
            let p = entry.unwrap().path();
            if p.is_file() {
                let bytes = std::fs::read(&p).unwrap();
                assert!(
                    !bytes.windows(7).any(|w| w == b"hunter2"),
                    "{} holds the secret in clear",
                    p.display()
                );
            }
        }
        assert!(stdout.ends_with("profiles: \nadmin ok\n"), "{stdout}");
    }
}

#[test]
fn a_shared_session_administers_its_profile_from_c_under_valgrind() {
    need("valgrind");
    let exe = build("cc", "admin_shared.c", "admin_shared");
    let home = quickstart_home();
    let daemon = OnDemandDaemon::new(home.path());
    let out = daemon
        .env(&mut common::valgrind(&exe, home.path()))
        .output()
        .unwrap();
    drop(daemon);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("shared store: Personal Folders\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("shared service: local-store\nshared service: contacts\n"),
        "{stdout}"
    );
    assert!(stdout.contains("shared status: MAPI spooler\n"), "{stdout}");
    assert!(
        stdout.contains("individual store: Shared store\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("admin shared ok\n"), "{stdout}");
}

#[test]
fn c_program_walks_folders_messages_attachments_and_streams_under_valgrind() {
    let exe = build("cc", "objects.c", "objects");
    let home = seeded_home();
    let out = run(&exe, home.path(), true);
    let inbox: Vec<&str> = out.lines().filter(|l| l.starts_with("inbox: ")).collect();
    assert_eq!(
        inbox,
        [
            "inbox: Third of three",
            "inbox: Second of three",
            "inbox: First of three"
        ],
        "{out}"
    );
    assert!(out.contains("newest: Third of three"), "{out}");
    assert!(out.contains("body by stream: The Third body."), "{out}");
    assert!(out.contains("last error: MAPI_E_UNKNOWN_FLAGS"), "{out}");
    assert!(out.contains("recipient: bob@example.org"), "{out}");
    assert!(out.contains("attachment: pattern.bin"), "{out}");
    assert!(out.contains("attachment bytes intact: 100000"), "{out}");
    assert!(out.contains("copied to a file stream: 100000"), "{out}");
    assert!(out.ends_with("objects ok\n"), "{out}");
    // The draft is in the store for the Rust API too.
    let m = mapi::blocking::Mapi::open(Some(home.path())).unwrap();
    let s = m
        .logon(mapi::LogonRequest::new(
            Some("Default"),
            mapi::LogonFlags::MAPI_EXPLICIT_PROFILE | mapi::LogonFlags::MAPI_NEW_SESSION,
        ))
        .unwrap();
    let store = s.default_store().unwrap();
    let drafts = store.folder(mapi::FolderKind::Drafts).unwrap();
    let rows = store
        .contents(&drafts)
        .unwrap()
        .full_rows()
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].str(mapi::tags::PR_SUBJECT), Some("Made from C"));
    drop(store);
    s.logoff(mapi::LogoffFlags::default());
}

/// Reads bob's INBOX with Python's imaplib over IMAPS (trusting the stack's CA): the
/// message with `subject`, its attachment's name, size and whether its bytes are the
/// pattern the C program wrote; "missing" while it has not arrived.
const IMAP_READER: &str = r#"
import email, imaplib, ssl, sys
port, ca, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
imap = imaplib.IMAP4_SSL("localhost", port, ssl_context=ctx)
imap.login("bob", "bob-pw-2")
imap.select("INBOX", readonly=True)
typ, ids = imap.search(None, "SUBJECT", '"%s"' % subject)
if not ids[0].split():
    print("missing")
    sys.exit(0)
typ, data = imap.fetch(ids[0].split()[-1], "(RFC822)")
msg = email.message_from_bytes(data[0][1])
print("subject:", msg["Subject"])
print("to:", msg["To"])
for part in msg.walk():
    if part.get_filename():
        b = part.get_payload(decode=True)
        want = bytes((i * 7 + 3) & 0xFF for i in range(len(b)))
        print("attachment:", part.get_filename(), len(b), "intact" if b == want else "CHANGED")
    elif part.get_content_type() == "text/plain":
        print("body:", part.get_payload(decode=True).decode().strip())
imap.logout()
"#;

#[test]
fn a_message_submitted_from_c_under_valgrind_arrives_with_its_attachment() {
    let stack = mapi_test_support::MailStack::start(mapi_test_support::Options {
        postfix: true,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    need("python3");
    let exe = build("cc", "submit.c", "submit");
    let home = tempfile::tempdir().unwrap();
    {
        let m = mapi::blocking::Mapi::open(Some(home.path())).unwrap();
        let e = m.engine();
        e.with_store(|s| Ok(s.create_profile("Both", None).map(|_| ())?))
            .unwrap();
        let store = home.path().join("both.db").display().to_string();
        e.create_service(
            "Both",
            "local-store",
            Some("Mail"),
            &[("path".into(), store)],
        )
        .unwrap();
        let settings: Vec<(String, String)> = stack
            .settings("alice", "tls", "tls")
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        e.create_service("Both", "internet-mail", Some("Net"), &settings)
            .unwrap();
    }
    let subject = "From C through Postfix 7f3a";
    // Under memcheck: submitting runs the TLS and SMTP stacks and the spooler's threads.
    let out = run_with(&exe, home.path(), true, &["Both", "bob@localhost", subject]);
    assert_eq!(out, format!("submitted: {subject}\n"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let read = loop {
        let o = Command::new("python3")
            .arg("-c")
            .arg(IMAP_READER)
            .arg(stack.ports.imaps.to_string())
            .arg(stack.ca_file())
            .arg(subject)
            .output()
            .expect("run python3");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            o.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        if text.trim() != "missing" {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the message never reached bob's INBOX"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(read.contains(&format!("subject: {subject}")), "{read}");
    assert!(
        read.lines()
            .any(|l| l.starts_with("to: ") && l.contains("bob@localhost")),
        "{read}"
    );
    assert!(
        read.contains("body: Sent by a C program through libmapi."),
        "{read}"
    );
    assert!(
        read.contains("attachment: pattern.bin 70000 intact"),
        "{read}"
    );
}

#[test]
fn cxx_program_opens_folders_messages_and_streams_with_methods_under_valgrind() {
    let exe = build("c++", "cxx_objects.cpp", "cxx_objects");
    let home = seeded_home();
    let out = run(&exe, home.path(), true);
    assert!(out.contains("c++ newest: Third of three"), "{out}");
    assert!(out.contains("c++ body: The Third body."), "{out}");
    assert!(out.contains("c++ attachment 0 of 3 bytes"), "{out}");
    assert!(out.contains("c++ inbox count 4"), "{out}");
    assert!(out.ends_with("c++ objects ok\n"), "{out}");
}
