//! More clients of the installed library: C programs for the mapiutil functions, Advise
//! (fnevNewMail from a message another process delivers; session Advise / Unadvise),
//! misuse, message status, table paging with bookmarks (a status table; a contents table
//! with SeekRowApprox, SortTable, Restrict, and a one-off recipient), a contents-table
//! Advise hearing a row another C process saves, and folder operations (move, delete,
//! CopyFolder, DeleteAttach, SetSize), a PT_UNICODE stream as `wchar_t` text (in-process
//! and on a shared session in the daemon), each under valgrind (`--error-exitcode=1
//! --leak-check=full`: no leak, no invalid access); and a Python ctypes client. All against the quickstart `Default`
//! profile in a temporary MAPI home; the library is installed once per run with
//! `scripts/install-c.sh`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use mapi::{LogonFlags, LogonRequest};

mod common;
use common::{OnDemandDaemon, need, prefix, quickstart_home, valgrind};

/// Builds `tests/c/NAME.c`.
fn build(name: &str) -> PathBuf {
    common::compile(&format!("{name}.c"), &format!("clients-{name}"))
}

fn run_under_valgrind(name: &str) -> String {
    let home = quickstart_home();
    run_in(name, home.path(), &[])
}

/// `tests/c/NAME.c` with `args` under valgrind in the MAPI home `home`; its stdout.
fn run_in(name: &str, home: &Path, args: &[&str]) -> String {
    let exe = build(name);
    let out = valgrind(&exe, home)
        .args(args)
        .output()
        .expect("run valgrind");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn mapiutil_functions_work_from_c_under_valgrind() {
    let out = run_under_valgrind("mapiutil");
    assert!(out.contains("property helpers: ok"), "{out}");
    assert!(out.contains("FreePadrlist: ok"), "{out}");
    assert!(out.contains("IMalloc: ok"), "{out}");
    assert!(out.contains("advise sinks: ok"), "{out}");
    assert!(out.contains("HrGetOneProp: Personal Folders"), "{out}");
    assert!(out.ends_with("mapiutil ok\n"), "{out}");
}

#[test]
fn a_c_sink_hears_new_mail_delivered_by_another_process_under_valgrind() {
    let exe = build("advise");
    let home = quickstart_home();
    let mut child = valgrind(&exe, home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run valgrind");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    if first != "advised\n" {
        let _ = child.kill();
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!("the program did not advise: {first:?}\n{err}");
    }
    // This test process is the other process: it delivers into the Inbox.
    let m = mapi::blocking::Mapi::open(Some(home.path())).unwrap();
    let flags = LogonFlags::MAPI_EXPLICIT_PROFILE | LogonFlags::MAPI_NEW_SESSION;
    let session = m
        .logon_any(LogonRequest::new(Some("Default"), flags))
        .unwrap();
    let store = session.default_store().unwrap();
    let (inbox, _) = store.get_receive_folder("IPM").unwrap();
    let eml = b"From: sender@example.com\r\nTo: user@example.com\r\nSubject: for the C sink\r\n\
                Message-ID: <c-sink-1@example.com>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\
                \r\nhello\r\n"
        .to_vec();
    store.import_raw(&inbox, vec![eml]).unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    session.logoff(mapi::LogoffFlags::default());
    assert!(status.success(), "advise failed ({status}):\n{rest}\n{err}");
    assert!(
        rest.contains("new mail: IPM.Note,") && rest.contains("in the Inbox"),
        "{rest}"
    );
    assert!(rest.contains("session unadvised"), "{rest}");
    assert!(rest.ends_with("advise ok\n"), "{rest}");
}

#[test]
fn misuse_from_c_gets_statuses_never_a_crash_under_valgrind() {
    let out = run_under_valgrind("misuse");
    assert!(
        out.contains("NULL pointers: MAPI_E_INVALID_PARAMETER"),
        "{out}"
    );
    assert!(
        out.contains("bad buffers: MAPI_E_INVALID_PARAMETER"),
        "{out}"
    );
    assert!(
        out.contains("two threads on one session: 15 + 15 rounds"),
        "{out}"
    );
    assert!(out.contains("after Logoff: MAPI_E_END_OF_SESSION"), "{out}");
    assert!(
        out.contains("after MAPIUninitialize: MAPI_E_NOT_INITIALIZED"),
        "{out}"
    );
    assert!(out.contains("logoff while another thread works"), "{out}");
    assert!(out.ends_with("misuse ok\n"), "{out}");
}

#[test]
fn c_pages_a_table_with_bookmarks_under_valgrind() {
    let out = run_under_valgrind("paging");
    assert!(out.contains("row 0: "), "{out}");
    assert!(out.contains("row 1: "), "{out}");
    assert!(out.contains("paging ok: "), "{out}");
}

#[test]
fn a_python_ctypes_client_lists_the_stores() {
    need("python3");
    let home = quickstart_home();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/ctypes_client.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(prefix().join("lib/libmapi.so.1"))
        .env("MAPI_HOME", home.path())
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("store: Personal Folders ("), "{stdout}");
    assert!(stdout.contains(" default\n"), "{stdout}");
    assert!(stdout.ends_with("ctypes ok\n"), "{stdout}");
}

#[test]
fn c_pages_a_contents_table_and_adds_a_one_off_recipient_under_valgrind() {
    let out = run_under_valgrind("contents");
    assert!(
        out.contains("paged: 3 + 3 rows, bookmark at 3, approx 1/2 at 5\n"),
        "{out}"
    );
    assert!(
        out.contains("bookmark freed twice: MAPI_E_INVALID_BOOKMARK\n"),
        "{out}"
    );
    assert!(
        out.contains("descending: first message 09, last message 00\n"),
        "{out}"
    );
    assert!(out.contains("restricted: 4 rows, then 10\n"), "{out}");
    assert!(
        out.contains("recipient: Carol Cable, one-off entry id of "),
        "{out}"
    );
    assert!(out.ends_with("contents ok\n"), "{out}");
}

#[test]
fn c_keeps_message_status_as_pr_msg_status_under_valgrind() {
    let out = run_under_valgrind("msgstatus");
    assert!(out.contains("status: 0xe\n"), "{out}");
    assert!(out.contains("second session: 0xe\n"), "{out}");
    assert!(
        out.contains("unknown entry id: MAPI_E_NOT_FOUND\n"),
        "{out}"
    );
    assert!(out.ends_with("msgstatus ok\n"), "{out}");
}

#[test]
fn a_c_table_sink_hears_a_row_another_c_process_saves_under_valgrind() {
    let exe = build("table_advise");
    let home = quickstart_home();
    let subject = "saved by the other process";
    let mut child = valgrind(&exe, home.path())
        .arg(subject)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run valgrind");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    if first != "advised\n" {
        let _ = child.kill();
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!("the program did not advise: {first:?}\n{err}");
    }
    // The second process: the same program, saving into the same store's Inbox.
    let saver = Command::new(&exe)
        .args(["save", subject])
        .env("MAPI_HOME", home.path())
        .env("LD_LIBRARY_PATH", prefix().join("lib"))
        .output()
        .expect("run the saving process");
    let saved = String::from_utf8_lossy(&saver.stdout).into_owned();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    assert!(
        saver.status.success(),
        "the saving process failed: {saved}\n{}",
        String::from_utf8_lossy(&saver.stderr)
    );
    assert_eq!(saved, format!("saved: {subject}\n"));
    assert!(
        status.success(),
        "table_advise failed ({status}):\n{rest}\n{err}"
    );
    assert!(
        rest.contains(&format!(
            "row added: {subject}; 1 rows inside OnNotify (0 before)\n"
        )),
        "{rest}"
    );
    assert!(rest.ends_with("table_advise ok\n"), "{rest}");
}

#[test]
fn c_moves_deletes_copies_and_deletes_attachments_under_valgrind() {
    let out = run_under_valgrind("folder_ops");
    assert!(out.contains("moved: A three,two; B one\n"), "{out}");
    assert!(out.contains("deleted: A three\n"), "{out}");
    assert!(out.contains("copied folder: B/Ops A copy three\n"), "{out}");
    assert!(out.contains(" deleted: 2 left\n"), "{out}");
    assert!(
        out.contains("SetSize past 2 GiB: MAPI_E_TOO_BIG; 4096 ok\n"),
        "{out}"
    );
    assert!(out.ends_with("folder_ops ok\n"), "{out}");
}

#[test]
fn c_reads_and_writes_a_pt_unicode_stream_as_wchar_t_under_valgrind() {
    let out = run_under_valgrind("textstream");
    assert!(
        out.contains("read: 28 wchar_t bytes, 12 UTF-8 bytes\n"),
        "{out}"
    );
    assert!(
        out.contains("surrogate, torn wchar_t: MAPI_E_INVALID_PARAMETER\n"),
        "{out}"
    );
    assert!(
        out.contains("written and reopened: 21 code points\n"),
        "{out}"
    );
    assert!(out.ends_with("textstream ok\n"), "{out}");
}

#[test]
fn a_shared_session_streams_pt_unicode_text_as_wchar_t_under_valgrind() {
    let exe = build("textstream");
    let home = quickstart_home();
    let daemon = OnDemandDaemon::new(home.path());
    let out = daemon
        .env(valgrind(&exe, home.path()).arg("shared"))
        .output()
        .expect("run valgrind");
    drop(daemon);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("read: 28 wchar_t bytes, 12 UTF-8 bytes\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("textstream ok\n"), "{stdout}");
}
