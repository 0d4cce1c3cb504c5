//! C and C++ programs built against the installed library and headers
//! (`scripts/install-c.sh` into a prefix under the target dir, once per run), against
//! the quickstart `Default` profile in a temporary MAPI home, plain and under valgrind
//! (`--error-exitcode=1 --leak-check=full`: no leak, no invalid access).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn need(tool: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is needed (apt-get install gcc g++ pkg-config valgrind binutils)"
    );
}

/// The prefix `scripts/install-c.sh` installed into (one release build per run).
fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("capi-prefix");
        let out = Command::new(root().join("scripts/install-c.sh"))
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

/// Builds a program with `CC app $(pkg-config --cflags --libs mapi)`.
fn build(compiler: &str, source: &str, name: &str) -> PathBuf {
    need(compiler);
    need("pkg-config");
    let prefix = prefix();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(source);
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{compiler} -Wall -Wextra -Werror -o '{}' '{}' $(pkg-config --cflags --libs mapi)",
            exe.display(),
            src.display()
        ))
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .output()
        .expect("run the compiler");
    assert!(
        out.status.success(),
        "{compiler} {source} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// A MAPI home with the quickstart profile.
fn quickstart_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temp dir");
    let m = mapi::blocking::Mapi::open(Some(home.path())).expect("open the engine");
    let q = m.quickstart().expect("quickstart profile");
    assert_eq!(q.profile, "Default");
    home
}

fn run(exe: &Path, home: &Path, valgrind: bool) -> String {
    let mut cmd = if valgrind {
        need("valgrind");
        let supp = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valgrind.supp");
        let mut c = Command::new("valgrind");
        c.args(["-q", "--error-exitcode=1", "--leak-check=full"])
            .arg(format!("--suppressions={}", supp.display()))
            .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    let out = cmd
        .env("MAPI_HOME", home)
        .env("LD_LIBRARY_PATH", prefix().join("lib"))
        .output()
        .expect("run the program");
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
fn the_readme_c_example_builds_and_lists_the_stores_under_valgrind() {
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
    let home = quickstart_home();
    let out = run(&exe, home.path(), true);
    assert_eq!(out, "Personal Folders (default)\n");
}

#[test]
fn a_shared_session_made_from_c_is_joined_by_another_c_process_and_the_cli() {
    need("valgrind");
    let exe = build("cc", "shared.c", "shared");
    let debug = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../debug");
    let (mapid, cli) = (debug.join("mapid"), debug.join("mapi"));
    assert!(
        mapid.exists() && cli.exists(),
        "{} and {} are needed: cargo build --workspace first",
        mapid.display(),
        cli.display()
    );
    let home = quickstart_home();
    let run_dir = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(run_dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let supp = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valgrind.supp");
    let vg = format!(
        "valgrind -q --error-exitcode=1 --leak-check=full --suppressions='{}'",
        supp.display()
    );
    let joiners = format!(
        "{vg} '{}' join && '{}' --home '{}' logon",
        exe.display(),
        cli.display(),
        home.path().display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{vg} '{}' make \"$JOINERS\"", exe.display()))
        .env("JOINERS", &joiners)
        .env("MAPI_HOME", home.path())
        .env("XDG_RUNTIME_DIR", run_dir.path())
        .env("MAPID_BIN", &mapid)
        .env_remove("MAPI_SOCKET")
        .env("LD_LIBRARY_PATH", prefix().join("lib"))
        .output()
        .unwrap();
    // Whatever happened, no daemon is left behind.
    let _ = Command::new(&cli)
        .args(["--home"])
        .arg(home.path())
        .args(["daemon", "stop"])
        .env("XDG_RUNTIME_DIR", run_dir.path())
        .output();
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
    let debug = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../debug");
    let mapid = debug.join("mapid");
    assert!(
        mapid.exists() && debug.join("mapi").exists(),
        "{} and the mapi CLI are needed: cargo build --workspace first",
        mapid.display()
    );
    let home = quickstart_home();
    let run_dir = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(run_dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let supp = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/valgrind.supp");
    let out = Command::new("valgrind")
        .args(["-q", "--error-exitcode=1", "--leak-check=full"])
        .arg(format!("--suppressions={}", supp.display()))
        .arg(&exe)
        .env("MAPI_HOME", home.path())
        .env("XDG_RUNTIME_DIR", run_dir.path())
        .env("MAPID_BIN", &mapid)
        .env_remove("MAPI_SOCKET")
        .env("LD_LIBRARY_PATH", prefix().join("lib"))
        .output()
        .unwrap();
    // Whatever happened, no daemon is left behind.
    let _ = Command::new(debug.join("mapi"))
        .args(["--home"])
        .arg(home.path())
        .args(["daemon", "stop"])
        .env("XDG_RUNTIME_DIR", run_dir.path())
        .output();
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
