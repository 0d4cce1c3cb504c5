//! What the C-client test binaries share: the library installed once per binary with
//! `scripts/install-c.sh` into a prefix under the target dir, C programs compiled
//! against it with `pkg-config`, a quickstart MAPI home, and valgrind's command line.
//! Each binary uses some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Fails with a clear message when `tool` is not installed.
pub fn need(tool: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is needed (apt-get install gcc pkg-config valgrind python3)"
    );
}

/// The prefix this test binary installed the library into (once).
pub fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(concat!("capi-prefix-", env!("CARGO_CRATE_NAME")));
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let out = Command::new(root.join("scripts/install-c.sh"))
            .arg(&prefix)
            .output()
            .expect("run scripts/install-c.sh");
        assert!(
            out.status.success(),
            "install-c.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        prefix
    })
}

/// Compiles `tests/c/SOURCE` into `EXE` under the target dir with
/// `cc -Wall -Wextra -Werror -pthread ... $(pkg-config --cflags --libs mapi)`.
pub fn compile(source: &str, exe: &str) -> PathBuf {
    compile_with("cc", source, exe)
}

/// [`compile`] with another compiler (`c++` for the C++ programs).
pub fn compile_with(compiler: &str, source: &str, exe: &str) -> PathBuf {
    need(compiler);
    need("pkg-config");
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join(exe);
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(source);
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{compiler} -Wall -Wextra -Werror -pthread -o '{}' '{}' $(pkg-config --cflags --libs mapi)",
            exe.display(),
            src.display()
        ))
        .env("PKG_CONFIG_PATH", prefix().join("lib/pkgconfig"))
        .output()
        .expect("run the compiler");
    assert!(
        out.status.success(),
        "{compiler} {source} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// A fresh MAPI home with the quickstart `Default` profile.
pub fn quickstart_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temp dir");
    let m = mapi::blocking::Mapi::open(Some(home.path())).expect("open the engine");
    assert_eq!(
        m.quickstart().expect("quickstart profile").profile,
        "Default"
    );
    home
}

/// `exe` under valgrind memcheck (`--error-exitcode=1 --leak-check=full`, our
/// suppressions) in the MAPI home `home`, linked to the installed library.
pub fn valgrind(exe: &Path, home: &Path) -> Command {
    need("valgrind");
    let supp = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valgrind.supp");
    let mut c = Command::new("valgrind");
    c.args(["-q", "--error-exitcode=1", "--leak-check=full"])
        .arg(format!("--suppressions={}", supp.display()))
        .arg(exe)
        .env("MAPI_HOME", home)
        .env("LD_LIBRARY_PATH", prefix().join("lib"));
    c
}

/// The daemon a program under test starts on demand (`MAPI_ALLOW_OTHERS`): the built
/// `mapid` and `mapi` CLI, and a runtime directory of this test's own (0700, so the
/// socket rules accept it). Dropping it stops the daemon, whatever the test did.
pub struct OnDemandDaemon {
    run_dir: tempfile::TempDir,
    home: PathBuf,
    mapid: PathBuf,
    cli: PathBuf,
}

impl OnDemandDaemon {
    /// For the MAPI home `home`; fails when `mapid` or the CLI is not built.
    pub fn new(home: &Path) -> OnDemandDaemon {
        let debug = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../debug");
        let (mapid, cli) = (debug.join("mapid"), debug.join("mapi"));
        assert!(
            mapid.exists() && cli.exists(),
            "{} and {} are needed: cargo build --workspace first",
            mapid.display(),
            cli.display()
        );
        let run_dir = tempfile::tempdir().expect("temp dir");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(run_dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod the runtime dir");
        OnDemandDaemon {
            run_dir,
            home: home.to_path_buf(),
            mapid,
            cli,
        }
    }

    /// The `mapi` CLI.
    pub fn cli(&self) -> &Path {
        &self.cli
    }

    /// `cmd` set to find and start this daemon (its runtime dir and `mapid`; no
    /// `MAPI_SOCKET` from the caller's environment).
    pub fn env<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("XDG_RUNTIME_DIR", self.run_dir.path())
            .env("MAPID_BIN", &self.mapid)
            .env_remove("MAPI_SOCKET")
    }
}

impl Drop for OnDemandDaemon {
    fn drop(&mut self) {
        let _ = Command::new(&self.cli)
            .arg("--home")
            .arg(&self.home)
            .args(["daemon", "stop"])
            .env("XDG_RUNTIME_DIR", self.run_dir.path())
            .output();
    }
}
