//! What every test server here needs: free loopback ports, a traversable temp dir
//! (handed to the server's user when running as root), running a tool as that user,
//! and stopping processes by PID.

use std::ffi::OsStr;
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A free loopback TCP port.
pub fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// `N` distinct free loopback ports: every one stays bound until all are chosen, so
/// none repeats.
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind a loopback port"))
        .collect();
    std::array::from_fn(|i| {
        held[i]
            .local_addr()
            .expect("a bound port has an address")
            .port()
    })
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Runs `cmd`, failing with its output when it does not succeed.
pub fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// `chown -R owner path` (`owner` as `chown` takes it: `user:group`, `user:`).
pub fn chown_r(path: &Path, owner: &str) -> Result<(), String> {
    run(
        Command::new("chown").arg("-R").arg(owner).arg(path),
        &format!("chown {owner} {}", path.display()),
    )
}

/// A fresh temp dir named `prefix…`, mode 0755 so a server running as another user
/// can traverse it; as root it is handed to `owner` (`chown` syntax) when given.
pub fn traversable_temp_dir(
    prefix: &str,
    owner: Option<&str>,
) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?;
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("chmod the temp dir: {e}"))?;
    if let Some(owner) = owner.filter(|_| is_root()) {
        chown_r(dir.path(), owner)?;
    }
    Ok(dir)
}

/// `program` run as `user` (through `runuser`) when this process is root, else as
/// this user.
pub fn as_user(user: &str, program: impl AsRef<OsStr>) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", user, "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Whether `target` (a PID, or a process group as a negative id) still has a live
/// process; a zombie PID counts as gone.
fn alive(target: i32) -> bool {
    // SAFETY: signal 0 only checks the target exists.
    let exists = unsafe { libc::kill(target, 0) } == 0;
    exists && !(target > 0 && is_zombie(target))
}

fn is_zombie(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

/// Stops processes this harness started: `signal` to every target (a PID, or a
/// process group as a negative id), then waits until none is alive, calling `reap`
/// each round (to collect the caller's own child); after `limit`, SIGKILL.
pub fn stop_pids(targets: &[i32], signal: i32, limit: Duration, mut reap: impl FnMut()) {
    for &t in targets {
        // SAFETY: kill(2) on ids this harness started.
        unsafe { libc::kill(t, signal) };
    }
    let end = Instant::now() + limit;
    loop {
        reap();
        if !targets.iter().any(|&t| alive(t)) {
            return;
        }
        if Instant::now() > end {
            for &t in targets {
                // SAFETY: as above.
                unsafe { libc::kill(t, libc::SIGKILL) };
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
