//! The terminal logon UI in a real pseudo-terminal: `script` runs `mapi logon` on a
//! pty, the test reads the prompts and types the answers.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MAPI: &str = env!("CARGO_BIN_EXE_mapi");

struct Pty {
    child: Child,
    stdin: ChildStdin,
    out: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// Runs `mapi --home HOME ARGS...` on a new pseudo-terminal.
    fn spawn(home: &Path, args: &[&str]) -> Pty {
        Pty::spawn_line(&mapi_line(home, args))
    }

    /// Runs `mapi --home HOME ARGS...` from a shell on a new pseudo-terminal, then, in
    /// the same terminal, prints `rc=<its exit status>` and `stty -a`. The shell lives
    /// through a SIGINT (a trap; `mapi` gets the default disposition back at exec).
    fn spawn_then_stty(home: &Path, args: &[&str]) -> Pty {
        Pty::spawn_line(&format!(
            "trap : INT; {}; echo \"rc=$?\"; stty -a; echo stty-done",
            mapi_line(home, args)
        ))
    }

    fn spawn_line(line: &str) -> Pty {
        let mut child = Command::new("script")
            .args(["-qfec", line, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("`script` (util-linux) is needed to give the test a pseudo-terminal");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = out.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty { child, stdin, out }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).replace('\r', "")
    }

    /// Waits until the screen shows `what` (after everything seen so far is consumed up
    /// to a previous expectation is not needed: the whole transcript is searched).
    fn expect(&self, what: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if self.text().contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "timed out waiting for {what:?}; screen so far:\n{}",
            self.text()
        );
    }

    /// Waits until `what` appears `n` times.
    fn expect_n(&self, what: &str, n: usize) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if self.text().matches(what).count() >= n {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "timed out waiting for {n} x {what:?}; screen so far:\n{}",
            self.text()
        );
    }

    fn send(&mut self, line: &str) {
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    fn finish(mut self) -> (i32, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50));
                return (status.code().unwrap_or(-1), self.text());
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                panic!("mapi did not exit; screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `'mapi' '--home' 'HOME' 'ARG'...` for a shell.
fn mapi_line(home: &Path, args: &[&str]) -> String {
    let mut cmd = vec![
        MAPI.to_string(),
        "--home".into(),
        home.display().to_string(),
    ];
    cmd.extend(args.iter().map(|a| a.to_string()));
    cmd.iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn mapi(home: &Path, args: &[&str], stdin: &str) -> String {
    let mut c = Command::new(MAPI)
        .arg("--home")
        .arg(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = c.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "mapi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn home() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().to_path_buf();
    (d, p)
}

fn add_store(home: &Path, profile: &str) -> PathBuf {
    let store = home.join(format!("{profile}.store"));
    let set = format!("path={}", store.display());
    mapi(
        home,
        &["service", "add", profile, "local-store", "--set", &set],
        "",
    );
    store
}

#[test]
fn chooser_offers_profiles_with_the_default_preselected() {
    let (_d, h) = home();
    mapi(&h, &["profile", "create", "Alpha"], "");
    mapi(&h, &["profile", "create", "Beta", "--default"], "");
    add_store(&h, "Alpha");
    let mut t = Pty::spawn(&h, &["logon", "--flags", "LOGON_UI", "--ui", "terminal"]);
    t.expect("Choose a profile:");
    t.expect("2. Beta (default)");
    t.expect("Profile (number or name; Enter alone cancels): ");
    t.send("1");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("logged on to profile \"Alpha\""),
        "{screen}"
    );
}

#[test]
fn explicit_profile_preselects_nothing_and_eof_cancels() {
    let (_d, h) = home();
    mapi(&h, &["profile", "create", "Beta", "--default"], "");
    let mut t = Pty::spawn(
        &h,
        &[
            "logon",
            "--flags",
            "LOGON_UI|EXPLICIT_PROFILE",
            "--ui",
            "terminal",
        ],
    );
    t.expect("Profile (number or name");
    assert!(
        !t.text().contains("[Beta]"),
        "nothing preselected: {}",
        t.text()
    );
    t.stdin.write_all(&[4]).unwrap(); // Ctrl-D: end of input on the terminal
    t.stdin.flush().unwrap();
    let (code, screen) = t.finish();
    assert_ne!(code, 0);
    assert!(
        screen.contains("MAPI_E_USER_CANCEL (0x80040113)"),
        "{screen}"
    );
}

#[test]
fn password_prompt_hides_input_and_retries() {
    let (_d, h) = home();
    mapi(
        &h,
        &["profile", "create", "Locked", "--password-stdin"],
        "open sesame\n",
    );
    add_store(&h, "Locked");
    let mut t = Pty::spawn(
        &h,
        &[
            "logon",
            "--profile",
            "Locked",
            "--flags",
            "PASSWORD_UI",
            "--ui",
            "terminal",
        ],
    );
    t.expect("Password for profile \"Locked\": ");
    t.send("not-it");
    t.expect("Wrong password.");
    t.expect_n("Password for profile \"Locked\": ", 2);
    t.send("open sesame");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("logged on to profile \"Locked\""),
        "{screen}"
    );
    assert!(
        !screen.contains("not-it") && !screen.contains("open sesame"),
        "echoed: {screen}"
    );
}

#[test]
fn missing_settings_are_asked_for_and_saved() {
    let (_d, h) = home();
    mapi(&h, &["profile", "create", "P"], "");
    mapi(&h, &["service", "add", "P", "contacts"], "");
    let contacts = h.join("contacts.db");
    let mut t = Pty::spawn(
        &h,
        &[
            "logon",
            "--profile",
            "P",
            "--flags",
            "LOGON_UI",
            "--ui",
            "terminal",
        ],
    );
    t.expect("Settings of \"Personal contacts\"");
    t.expect("Contacts file (required)");
    t.send(&contacts.display().to_string());
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("MAPI_AB_PROVIDER") && screen.contains("STATUS_AVAILABLE"),
        "{screen}"
    );
    let listed = mapi(&h, &["service", "list", "P"], "");
    assert!(
        listed.contains(&contacts.display().to_string()),
        "saved: {listed}"
    );
}

#[test]
fn failure_dialog_skip_disables_and_cancel_fails_the_logon() {
    let (_d, h) = home();
    mapi(&h, &["profile", "create", "P"], "");
    let store = add_store(&h, "P");
    std::fs::remove_file(&store).unwrap();

    let mut t = Pty::spawn(
        &h,
        &[
            "logon",
            "--profile",
            "P",
            "--flags",
            "LOGON_UI",
            "--ui",
            "terminal",
        ],
    );
    t.expect("could not log on: MAPI_E_NOT_FOUND (0x8004010F)");
    t.expect("[r]etry, [e]dit settings, [s]kip this service, [c]ancel logon: ");
    t.send("s");
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("STATUS_FAILURE"), "{screen}");
    assert!(screen.contains("is disabled for this session"), "{screen}");

    let mut t = Pty::spawn(
        &h,
        &[
            "logon",
            "--profile",
            "P",
            "--flags",
            "LOGON_UI",
            "--ui",
            "terminal",
        ],
    );
    t.expect("[c]ancel logon: ");
    t.send("r");
    // The retry fails the same way: the second failure disables the service.
    let (code, screen) = t.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("STATUS_FAILURE"), "{screen}");

    let mut t = Pty::spawn(
        &h,
        &[
            "logon",
            "--profile",
            "P",
            "--flags",
            "LOGON_UI",
            "--ui",
            "terminal",
        ],
    );
    t.expect("[c]ancel logon: ");
    t.send("c");
    let (code, screen) = t.finish();
    assert_ne!(code, 0, "{screen}");
    assert!(
        screen.contains("MAPI_E_USER_CANCEL (0x80040113)"),
        "{screen}"
    );
}

#[test]
fn an_empty_line_at_the_chooser_cancels_even_with_a_default() {
    let (_d, h) = home();
    mapi(&h, &["profile", "create", "Beta", "--default"], "");
    add_store(&h, "Beta");
    let mut t = Pty::spawn(&h, &["logon", "--flags", "LOGON_UI", "--ui", "terminal"]);
    t.expect("1. Beta (default)");
    t.expect("Enter alone cancels");
    t.send("");
    let (code, screen) = t.finish();
    assert_ne!(code, 0, "{screen}");
    assert!(
        screen.contains("MAPI_E_USER_CANCEL (0x80040113)"),
        "{screen}"
    );
    assert!(!screen.contains("logged on"), "{screen}");
}

#[test]
fn no_profiles_at_the_chooser_is_a_logon_failure_naming_the_cause() {
    let (_d, h) = home();
    mapi(&h, &["profile", "list"], "");
    let t = Pty::spawn(&h, &["logon", "--flags", "LOGON_UI", "--ui", "terminal"]);
    let (code, screen) = t.finish();
    assert_ne!(code, 0, "{screen}");
    assert!(
        screen.contains("MAPI_E_LOGON_FAILED (0x80040111)")
            && screen.contains("there are no profiles to choose from"),
        "{screen}"
    );
    assert!(!screen.contains("USER_CANCEL"), "{screen}");
}

#[test]
fn an_unknown_profile_name_is_shown_escaped() {
    let (_d, h) = home();
    mapi(&h, &["profile", "create", "Beta"], "");
    let evil = "\u{1b}[2J\u{1b}]0;owned\u{7}X";
    let t = Pty::spawn(&h, &["logon", "--profile", evil]);
    let (code, screen) = t.finish();
    assert_ne!(code, 0, "{screen}");
    assert!(
        !screen.contains('\u{1b}'),
        "raw ESC on the terminal: {screen:?}"
    );
    assert!(
        screen.contains(r#"no profile named "\u{1b}[2J\u{1b}]0;owned\u{7}X""#),
        "{screen}"
    );
}

/// The terminal modes `stty -a` printed after `rc=`: (rc, flags).
fn after_exit(screen: &str) -> (String, Vec<String>) {
    let rest = screen
        .rsplit_once("rc=")
        .unwrap_or_else(|| panic!("no rc= line: {screen}"))
        .1;
    let rc = rest.lines().next().unwrap_or("").trim().to_string();
    let flags = rest
        .split_whitespace()
        .map(|w| w.trim_end_matches(';').to_string())
        .collect();
    (rc, flags)
}

/// Ctrl-C at the prompt `t` shows, then checks the terminal is back to normal.
fn ctrl_c_restores_the_terminal(mut t: Pty, prompt: &str) {
    t.expect(prompt);
    t.stdin.write_all(&[3]).unwrap(); // Ctrl-C: SIGINT from the terminal
    t.stdin.flush().unwrap();
    t.expect("stty-done");
    let (_, screen) = t.finish();
    let (rc, flags) = after_exit(&screen);
    assert_eq!(rc, "130", "killed by SIGINT at {prompt:?}: {screen}");
    for mode in ["echo", "icanon", "isig"] {
        assert!(
            flags.iter().any(|f| f == mode),
            "{mode} not restored after Ctrl-C at {prompt:?}: {screen}"
        );
        assert!(
            !flags.iter().any(|f| *f == format!("-{mode}")),
            "-{mode} after Ctrl-C at {prompt:?}: {screen}"
        );
    }
}

#[test]
fn ctrl_c_at_every_prompt_leaves_the_terminal_as_it_was() {
    let (_d, h) = home();
    mapi(
        &h,
        &["profile", "create", "Locked", "--password-stdin"],
        "open sesame\n",
    );
    add_store(&h, "Locked");
    mapi(&h, &["profile", "create", "Mail"], "");
    mapi(&h, &["service", "add", "Mail", "internet-mail"], "");
    mapi(&h, &["profile", "create", "Broken"], "");
    let store = add_store(&h, "Broken");
    std::fs::remove_file(&store).unwrap();
    let ui = |profile: &'static str, flags: &'static str| {
        let mut a = vec!["logon", "--flags", flags, "--ui", "terminal"];
        if !profile.is_empty() {
            a.extend(["--profile", profile]);
        }
        a
    };

    // The chooser.
    let t = Pty::spawn_then_stty(&h, &ui("", "LOGON_UI"));
    ctrl_c_restores_the_terminal(t, "Enter alone cancels): ");
    // The profile password (hidden).
    let t = Pty::spawn_then_stty(&h, &ui("Locked", "PASSWORD_UI"));
    ctrl_c_restores_the_terminal(t, "Password for profile \"Locked\": ");
    // A plain setting, then a secret one (hidden).
    let t = Pty::spawn_then_stty(&h, &ui("Mail", "LOGON_UI"));
    ctrl_c_restores_the_terminal(t, "E-mail address (required): ");
    let mut t = Pty::spawn_then_stty(&h, &ui("Mail", "LOGON_UI"));
    t.expect("E-mail address (required): ");
    t.send("me@example.org");
    t.expect("User name (required): ");
    t.send("me");
    ctrl_c_restores_the_terminal(t, "Password (required): ");
    // The retry / edit / skip / cancel choice.
    let t = Pty::spawn_then_stty(&h, &ui("Broken", "LOGON_UI"));
    ctrl_c_restores_the_terminal(t, "[c]ancel logon: ");
}
