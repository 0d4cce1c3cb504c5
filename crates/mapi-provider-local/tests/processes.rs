//! Failure causes that need another process: file permissions (as user `nobody` when the
//! tests run as root, since root ignores them) and the exclusive-mode lock held by
//! another process.
//!
//! This file has its own `main` (no libtest harness): run with arguments
//! `child logon <store|contacts> <path> <exclusive>` or `child hold <path> <exclusive>`,
//! the binary is the helper process the tests start.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;
use mapi_types::Status;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("child") {
        child(&args[2..]);
        return;
    }
    let tests: [(&str, fn()); 5] = [
        (
            "unreadable_store_is_no_access",
            unreadable_store_is_no_access,
        ),
        (
            "unreadable_contacts_is_no_access",
            unreadable_contacts_is_no_access,
        ),
        (
            "exclusive_holder_in_another_process",
            exclusive_holder_in_another_process,
        ),
        (
            "shared_holder_in_another_process",
            shared_holder_in_another_process,
        ),
        ("lock_dies_with_its_process", lock_dies_with_its_process),
    ];
    let filter: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with('-')).collect();
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, test) in tests {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        ran += 1;
        let outcome = std::panic::catch_unwind(test);
        println!(
            "test {name} ... {}",
            if outcome.is_ok() { "ok" } else { "FAILED" }
        );
        if outcome.is_err() {
            failed.push(name);
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        ran - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}

/// The helper process: logs on and reports the status on stdout.
fn child(args: &[String]) {
    let status_name = |r: Result<(), mapi_spi::ProviderError>| match r {
        Ok(()) => "S_OK".to_string(),
        Err(e) => e.status.name().unwrap_or("UNKNOWN").to_string(),
    };
    match args {
        [mode, kind, path, exclusive] if mode == "logon" => {
            let s = exclusive_settings(Path::new(path), exclusive == "true");
            let r = match kind.as_str() {
                "store" => store_logon(s).map(|_| ()),
                _ => ab_logon(s).map(|_| ()),
            };
            println!("STATUS {}", status_name(r));
        }
        [mode, path, exclusive] if mode == "hold" => {
            let r = store_logon(exclusive_settings(Path::new(path), exclusive == "true"));
            match r {
                Ok(store) => {
                    println!("READY");
                    std::io::stdout().flush().unwrap();
                    // Hold the store until the parent closes our stdin.
                    let mut line = String::new();
                    let _ = std::io::stdin().read_line(&mut line);
                    block_on(store.logoff());
                    println!("RELEASED");
                }
                Err(e) => println!("STATUS {}", status_name(Err(e))),
            }
        }
        _ => panic!("unknown child arguments {args:?}"),
    }
}

fn is_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let uid_line = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .expect("Uid line");
    // Real, effective, saved, filesystem: the effective one decides file access.
    uid_line.split_whitespace().nth(2) == Some("0")
}

/// A command running this binary as a helper; as `nobody` when we are root, so that file
/// permissions apply.
fn helper(args: &[&str], as_nobody: bool) -> Command {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = if as_nobody {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).arg(exe);
        c
    } else {
        Command::new(exe)
    };
    cmd.arg("child").args(args);
    cmd
}

fn helper_logon(kind: &str, path: &Path, exclusive: bool, as_nobody: bool) -> String {
    let path = path.display().to_string();
    let excl = if exclusive { "true" } else { "false" };
    let out = helper(&["logon", kind, &path, excl], as_nobody)
        .output()
        .expect("start the helper process (runuser must exist when running as root)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "helper failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("STATUS "))
        .unwrap_or_else(|| panic!("no status from helper: {stdout}"))
        .to_string()
}

fn access_cases(kind: &str, create: fn(&Path)) {
    let dir = TempDir::new();
    let as_nobody = is_root();
    // The helper must be able to reach the directory, make the lock and WAL files in it,
    // and run this binary.
    std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o777)).unwrap();
    let path = dir.path("file.db");
    create(&path);
    let set =
        |mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();

    // Control: with read and write permission the helper logs on, so a NO_ACCESS below
    // comes from the permissions and nothing else.
    set(0o666);
    assert_eq!(helper_logon(kind, &path, false, as_nobody), "S_OK");
    set(0o000);
    assert_eq!(
        helper_logon(kind, &path, false, as_nobody),
        Status::MAPI_E_NO_ACCESS.name().unwrap()
    );
    set(0o444);
    assert_eq!(
        helper_logon(kind, &path, false, as_nobody),
        Status::MAPI_E_NO_ACCESS.name().unwrap()
    );
    set(0o644);
}

fn unreadable_store_is_no_access() {
    access_cases("store", create_store);
}

fn unreadable_contacts_is_no_access() {
    access_cases("contacts", create_contacts);
}

/// A helper process holding the store until dropped.
struct Holder(Child);

impl Holder {
    fn start(path: &Path, exclusive: bool) -> Holder {
        let path = path.display().to_string();
        let mut child = helper(
            &["hold", &path, if exclusive { "true" } else { "false" }],
            false,
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "READY", "holder did not log on");
        Holder(child)
    }

    fn release(mut self) {
        drop(self.0.stdin.take());
        assert!(self.0.wait().unwrap().success());
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn exclusive_holder_in_another_process() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let holder = Holder::start(&path, true);
    for exclusive in [true, false] {
        let e = err(store_logon(exclusive_settings(&path, exclusive)));
        assert_eq!(e.status, Status::MAPI_E_SESSION_LIMIT);
        assert!(
            e.message.contains("another session holds the store")
                && e.message.contains("exclusively"),
            "{e}"
        );
    }
    holder.release();
    let store = store_logon(exclusive_settings(&path, true)).unwrap();
    // Now we hold it: a helper is refused.
    assert_eq!(
        helper_logon("store", &path, false, false),
        Status::MAPI_E_SESSION_LIMIT.name().unwrap()
    );
    block_on(store.logoff());
    assert_eq!(helper_logon("store", &path, false, false), "S_OK");
}

fn shared_holder_in_another_process() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let holder = Holder::start(&path, false);
    // Shared logons coexist across processes; an exclusive one is refused.
    let shared = store_logon(settings(&path)).unwrap();
    let e = err(store_logon(exclusive_settings(&path, true)));
    assert_eq!(e.status, Status::MAPI_E_SESSION_LIMIT);
    assert!(e.message.contains("cannot be opened exclusively"), "{e}");
    drop(shared);
    let e = err(store_logon(exclusive_settings(&path, true)));
    assert_eq!(e.status, Status::MAPI_E_SESSION_LIMIT);
    holder.release();
    assert!(store_logon(exclusive_settings(&path, true)).is_ok());
}

fn lock_dies_with_its_process() {
    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let mut holder = Holder::start(&path, true);
    assert_eq!(
        err(store_logon(settings(&path))).status,
        Status::MAPI_E_SESSION_LIMIT
    );
    holder.0.kill().unwrap();
    holder.0.wait().unwrap();
    let store = store_logon(exclusive_settings(&path, true)).unwrap();
    // The killed holder left its WAL behind; the store still opens and works.
    let inbox = block_on(store.folder(mapi_spi::FolderKind::Inbox)).unwrap();
    assert_eq!(block_on(store.contents(&inbox)).unwrap().row_count(), 0);
}
