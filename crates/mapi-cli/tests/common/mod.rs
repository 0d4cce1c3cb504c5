//! Shared helpers for the `mapi` command tests: a temporary MAPI home per test, running
//! the built binary against it, and a full dump of the store to prove it unchanged.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Stderr prefixes: status name and hex value, as the first line of every failure.
pub const NOT_FOUND: &str = "MAPI_E_NOT_FOUND (0x8004010F): ";
pub const NO_ACCESS: &str = "MAPI_E_NO_ACCESS (0x80070005): ";
pub const INVALID: &str = "MAPI_E_INVALID_PARAMETER (0x80070057): ";
pub const VERSION: &str = "MAPI_E_VERSION (0x80040110): ";
pub const CORRUPT: &str = "MAPI_E_CORRUPT_DATA (0x8004011B): ";
pub const LOGON_FAILED: &str = "MAPI_E_LOGON_FAILED (0x80040111): ";

/// The `mapi` binary cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_mapi");

/// What one run of `mapi` produced.
#[derive(Debug)]
pub struct Out {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "expected success: {self:?}");
        assert!(
            !self.stderr.contains("panicked"),
            "panic on stderr: {self:?}"
        );
        &self.stdout
    }

    /// Asserts success and parses stdout as one JSON value.
    #[track_caller]
    pub fn json(&self) -> Value {
        let text = self.ok();
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"))
    }

    /// Asserts a failure whose first stderr line starts with `prefix` (and says more).
    #[track_caller]
    pub fn fails_with(&self, prefix: &str) {
        assert!(
            matches!(self.code, Some(c) if c != 0),
            "expected a non-zero exit: {self:?}"
        );
        let first = self.stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with(prefix),
            "stderr's first line {first:?} does not start with {prefix:?}; full: {self:?}"
        );
        assert!(
            first.len() > prefix.len() + 5,
            "no explanation after the status: {first:?}"
        );
        assert!(
            !self.stderr.contains("panicked"),
            "panic on stderr: {self:?}"
        );
    }

    /// Whether `needle` appears in stdout or stderr.
    pub fn mentions(&self, needle: &str) -> bool {
        self.stdout.contains(needle) || self.stderr.contains(needle)
    }
}

/// Runs the binary with `args` and `stdin` as standard input.
pub fn run_bin(args: &[&str], stdin: Option<&str>) -> Out {
    run_cmd(Command::new(BIN).args(args), stdin)
}

/// Runs a prepared command.
pub fn run_cmd(cmd: &mut Command, stdin: Option<&str>) -> Out {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("MAPI_HOME");
    let mut child = cmd.spawn().expect("spawn mapi");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// A temporary MAPI home.
pub struct Home {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Home {
    /// A new, empty home (the directory `home` inside a fresh temp dir).
    pub fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("home");
        Home { dir, path }
    }

    /// The profile store file.
    pub fn db(&self) -> PathBuf {
        self.path.join("profiles.db")
    }

    /// `mapi --home HOME args...`
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_stdin(args, None)
    }

    /// `mapi --home HOME args...` with standard input.
    pub fn run_stdin(&self, args: &[&str], stdin: Option<&str>) -> Out {
        let mut all = vec!["--home", self.path.to_str().unwrap()];
        all.extend_from_slice(args);
        run_bin(&all, stdin)
    }

    /// Runs and asserts success; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        self.run(args).ok().to_string()
    }

    /// Runs with `--json` and parses stdout.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        self.run(&all).json()
    }

    /// A home with the quickstart `Default` profile holding one message, `eml`, in its
    /// Inbox; returns the home and the message's entry id.
    pub fn with_message(eml: &str) -> (Home, String) {
        let h = Home::new();
        h.ok(&["quickstart"]);
        let file = h.dir.path().join("message.eml");
        std::fs::write(&file, eml).unwrap();
        h.ok(&[
            "store",
            "import",
            "--profile",
            "Default",
            file.to_str().unwrap(),
        ]);
        let rows = h.json(&["store", "ls", "--profile", "Default"]);
        let id = rows[0]["entry_id"].as_str().unwrap().to_string();
        (h, id)
    }

    /// Adds a service and returns its UID (the one line `service add` prints).
    #[track_caller]
    pub fn add_service(&self, profile: &str, service: &str, sets: &[&str]) -> String {
        let mut args = vec!["service", "add", profile, service];
        for s in sets {
            args.push("--set");
            args.push(s);
        }
        let out = self.ok(&args);
        let uid = out.trim_end_matches('\n');
        assert!(!uid.contains('\n'), "more than one line: {out:?}");
        assert!(is_uid(uid), "not a service UID: {uid:?}");
        uid.to_string()
    }

    /// Everything in the store, row by row, table by table, via the CLI's JSON views.
    pub fn cli_dump(&self) -> String {
        let profiles = self.json(&["profile", "list"]);
        let mut s = profiles.to_string();
        for p in profiles.as_array().unwrap() {
            let name = p["name"].as_str().unwrap();
            s.push_str(&self.json(&["profile", "show", name]).to_string());
            s.push_str(&self.json(&["service", "list", name]).to_string());
            s.push_str(&self.json(&["provider", "list", name]).to_string());
        }
        s
    }

    /// Every row of every table of the SQLite file (schema included), in a stable order.
    pub fn db_dump(&self) -> String {
        db_dump(&self.db())
    }

    /// A home with two profiles ("Work", the default, with three services; "Home" with
    /// none) and the service UIDs of Work: (local-store, contacts, internet-mail).
    pub fn fixture() -> (Home, [String; 3]) {
        let h = Home::new();
        h.ok(&["profile", "create", "Work", "--default"]);
        h.ok(&["profile", "create", "Home"]);
        let store = h.path.join("mail.store");
        let local = h.add_service(
            "Work",
            "local-store",
            &[&format!("path={}", store.display()), "exclusive=true"],
        );
        let contacts = h.add_service(
            "Work",
            "contacts",
            &[&format!("path={}", h.path.join("contacts.db").display())],
        );
        let mail = h.add_service(
            "Work",
            "internet-mail",
            &[
                "email=bob@example.org",
                "user=bob",
                "password=fixture-pw-7731",
                "imap_host=imap.example.org",
                "smtp_host=smtp.example.org",
                "imap_port=993",
            ],
        );
        (h, [local, contacts, mail])
    }
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` in upper-case hex.
pub fn is_uid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 38 || b[0] != b'{' || b[37] != b'}' {
        return false;
    }
    s[1..37].char_indices().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => c == '-',
        _ => c.is_ascii_digit() || ('A'..='F').contains(&c),
    })
}

/// Every row of every table of the SQLite file at `path`.
pub fn db_dump(path: &Path) -> String {
    let c = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut out = String::new();
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    out.push_str(&format!("user_version {version}\n"));
    let tables: Vec<(String, String)> = {
        let mut st = c
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert!(
        tables.iter().any(|(n, _)| n == "profiles"),
        "no profiles table"
    );
    for (name, sql) in tables {
        out.push_str(&format!("table {name}: {sql}\n"));
        let mut st = c.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
        let cols = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                let mut line = String::new();
                for i in 0..cols {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!("{v:?}|"));
                }
                Ok(line)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        for r in rows {
            out.push_str(&r);
            out.push('\n');
        }
    }
    out
}

/// A MAPI home with a private 0700 runtime dir for its daemon's socket, for tests of
/// shared sessions through `mapid`: every run gets `XDG_RUNTIME_DIR` (and no
/// `MAPI_SOCKET`, `MAPI_LOG` unless set with [`SharedHome::env`]); the daemon is
/// stopped on drop.
pub struct SharedHome {
    pub dir: tempfile::TempDir,
    /// The MAPI home (`--home`).
    pub home: PathBuf,
    /// The runtime dir.
    pub run: PathBuf,
    /// Extra environment for every run.
    pub envs: Vec<(String, String)>,
    /// Run as this uid, and the gid of the same number (`nobody` / `nogroup`).
    pub uid: Option<u32>,
}

impl SharedHome {
    /// A new home; fails clearly when `mapid` was not built next to `mapi`.
    pub fn new() -> SharedHome {
        let mapid = Path::new(BIN).with_file_name("mapid");
        assert!(
            mapid.exists(),
            "{} is missing: build the workspace (cargo build --workspace) so mapid sits next to mapi",
            mapid.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let run = dir.path().join("run");
        std::fs::create_dir_all(&run).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
        SharedHome {
            dir,
            home,
            run,
            envs: Vec::new(),
            uid: None,
        }
    }

    /// Adds an environment variable to every run.
    pub fn env(mut self, k: &str, v: &str) -> SharedHome {
        self.envs.push((k.into(), v.into()));
        self
    }

    /// `mapi --home HOME args...`, ready to run.
    pub fn cmd(&self, args: &[&str]) -> Command {
        use std::os::unix::process::CommandExt;
        let mut c = Command::new(BIN);
        c.arg("--home")
            .arg(&self.home)
            .args(args)
            .env("XDG_RUNTIME_DIR", &self.run)
            .env_remove("MAPI_SOCKET")
            .env_remove("MAPI_LOG")
            .env_remove("MAPI_HOME")
            .stdin(Stdio::null());
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        if let Some(uid) = self.uid {
            c.uid(uid).gid(uid);
        }
        c
    }

    /// Runs and returns what happened.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and returns what happened, as [`Out`].
    pub fn out(&self, args: &[&str]) -> Out {
        let o = self.run(args);
        Out {
            code: o.status.code(),
            stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Runs and asserts success; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "mapi {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs, asserts success and parses stdout as one JSON value.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

impl Drop for SharedHome {
    fn drop(&mut self) {
        let _ = self.run(&["daemon", "stop"]);
    }
}
