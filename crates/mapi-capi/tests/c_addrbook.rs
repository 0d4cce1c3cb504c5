//! The address book from C (`tests/c/addrbook.c`), built against the installed library
//! and headers (`scripts/install-c.sh` into a prefix under the target dir), run on the
//! quickstart `Default` profile in a fresh MAPI home, plain and under valgrind
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
        "{tool} is needed (apt-get install gcc pkg-config valgrind)"
    );
}

fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("capi-prefix-ab");
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

fn build(source: &str, name: &str) -> PathBuf {
    need("cc");
    need("pkg-config");
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(source);
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cc -Wall -Wextra -Werror -o '{}' '{}' $(pkg-config --cflags --libs mapi)",
            exe.display(),
            src.display()
        ))
        .env("PKG_CONFIG_PATH", prefix().join("lib/pkgconfig"))
        .output()
        .expect("run the compiler");
    assert!(
        out.status.success(),
        "cc {source} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// A fresh MAPI home with the quickstart profile (its contacts empty).
fn quickstart_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temp dir");
    let m = mapi::blocking::Mapi::open(Some(home.path())).expect("open the engine");
    m.quickstart().expect("quickstart profile");
    home
}

fn run(exe: &Path, valgrind: bool) -> String {
    let home = quickstart_home();
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
        .env("MAPI_HOME", home.path())
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
fn c_program_resolves_names_and_makes_one_offs_under_valgrind() {
    let exe = build("addrbook.c", "addrbook");
    let out = run(&exe, false);
    assert!(out.contains("container: Contacts flags 5"), "{out}");
    assert!(out.contains("contacts: 3"), "{out}");
    assert!(
        out.contains("resolved: Bob Builder <bob@example.org>"),
        "{out}"
    );
    assert!(
        out.contains("mail user: Bob Builder bob@example.org"),
        "{out}"
    );
    assert!(out.contains("ambiguous: MAPI_E_AMBIGUOUS_RECIP"), "{out}");
    assert!(out.contains("one-off: 74 bytes"), "{out}");
    assert!(out.ends_with("address book ok\n"), "{out}");
    let again = run(&exe, true);
    assert_eq!(again, out);
}
