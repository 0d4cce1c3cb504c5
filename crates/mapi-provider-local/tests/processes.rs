//! What needs another process: file permissions (as user `nobody` when the tests run
//! as root, since root ignores them), the exclusive-mode lock held by another process,
//! and an open folder's counts after another process saved a message into it.
//!
//! The helper process the tests start is this test binary running only its
//! `helper_process` test, with the helper's arguments (`logon <store|contacts> <path>
//! <exclusive>`, `hold <path> <exclusive>` or `import <path>`) in an environment
//! variable.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;
use mapi_types::Status;

/// The environment variable that makes [`helper_process`] the helper: its arguments,
/// separated by U+001F.
const HELPER_ENV: &str = "MAPI_LOCAL_TEST_HELPER";

/// The helper process the tests start (this test binary, running only this test, with
/// [`HELPER_ENV`] set); in an ordinary test run it has nothing to do.
#[test]
fn helper_process() {
    let Ok(args) = std::env::var(HELPER_ENV) else {
        return;
    };
    let args: Vec<String> = args.split('\u{1f}').map(str::to_string).collect();
    // libtest has printed `test helper_process ... ` without a newline: end that line.
    println!();
    child(&args);
    std::io::stdout().flush().unwrap();
    // Leave before libtest prints its summary on our stdout.
    std::process::exit(0);
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
        [mode, path] if mode == "import" => {
            // One message saved into the Inbox by this process.
            let r = store_logon(settings(Path::new(path))).and_then(|store| {
                let r = block_on(async {
                    let inbox = store.folder(mapi_spi::FolderKind::Inbox).await?;
                    let raw = simple_message("from a process", "Mon, 30 Nov 2026 10:00:00 +0000");
                    store.import_raw(&inbox, vec![raw]).await.map(|_| ())
                });
                block_on(store.logoff());
                r
            });
            println!("STATUS {}", status_name(r));
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
    cmd.args([
        "helper_process",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(HELPER_ENV, args.join("\u{1f}"));
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

#[test]
fn unreadable_store_is_no_access() {
    access_cases("store", create_store);
}

#[test]
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
        // libtest's own lines come first; the helper's start at READY or STATUS.
        let mut out = BufReader::new(child.stdout.as_mut().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 || line.starts_with("STATUS ") {
                panic!("holder did not log on: {line}");
            }
            if line.trim() == "READY" {
                break;
            }
        }
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

#[test]
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
    // The lock goes with our handle at logoff; a process another test thread is starting
    // at that moment shares the handle until its exec closes it (close-on-exec), so
    // allow that moment, bounded.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let answer = helper_logon("store", &path, false, false);
        if answer == "S_OK" {
            break;
        }
        assert!(
            answer == Status::MAPI_E_SESSION_LIMIT.name().unwrap()
                && std::time::Instant::now() < deadline,
            "after logoff a helper still gets {answer}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
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

#[test]
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

#[test]
fn an_open_folder_counts_a_message_another_process_saved() {
    use mapi_provider_local::objects::PR_COMMENT;
    use mapi_types::PropValue;
    use mapi_types::object::{MAPI_MODIFY, MAPI_UNICODE};
    use mapi_types::tags::{PR_CONTENT_COUNT, PR_CONTENT_UNREAD};

    let dir = TempDir::new();
    let path = dir.path("mail.db");
    create_store(&path);
    let store = store_logon(settings(&path)).unwrap();
    let inbox = block_on(store.folder(mapi_spi::FolderKind::Inbox)).unwrap();
    let open = block_on(store.open_folder(&inbox, MAPI_MODIFY)).unwrap();
    let get = |tag| {
        let r = block_on(open.get_props(Some(&[tag]), MAPI_UNICODE)).unwrap();
        r.value[0].1.clone()
    };
    assert_eq!(get(PR_CONTENT_COUNT), PropValue::Long(0));
    block_on(open.set_props(&[(PR_COMMENT, PropValue::Unicode("pending".into()))])).unwrap();

    let out = helper(&["import", &path.display().to_string()], false)
        .output()
        .expect("start the helper process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().any(|l| l == "STATUS S_OK"),
        "helper did not import: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(get(PR_CONTENT_COUNT), PropValue::Long(1));
    assert_eq!(get(PR_CONTENT_UNREAD), PropValue::Long(1));
    assert_eq!(get(PR_COMMENT), PropValue::Unicode("pending".into()));
    block_on(store.logoff());
}
