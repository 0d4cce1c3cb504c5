//! The address book from C (`tests/c/addrbook.c`; Advise in `tests/c/abadvise.c`), built against the installed library
//! and headers (`scripts/install-c.sh` into a prefix under the target dir), run on the
//! quickstart `Default` profile in a fresh MAPI home, plain and under valgrind
//! (`--error-exitcode=1 --leak-check=full`: no leak, no invalid access).

use std::path::Path;
use std::process::Command;

mod common;
use common::{compile, prefix, quickstart_home};

fn run(exe: &Path, valgrind: bool) -> String {
    let home = quickstart_home();
    let mut cmd = if valgrind {
        common::valgrind(exe, home.path())
    } else {
        let mut c = Command::new(exe);
        c.env("MAPI_HOME", home.path())
            .env("LD_LIBRARY_PATH", prefix().join("lib"));
        c
    };
    let out = cmd.output().expect("run the program");
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
    let exe = compile("addrbook.c", "addrbook");
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

#[test]
fn a_c_sink_hears_address_book_entries_created_under_valgrind() {
    let exe = compile("abadvise.c", "abadvise");
    let out = run(&exe, true);
    assert!(
        out.contains("misuse: MAPI_E_NO_SUPPORT, MAPI_E_NOT_FOUND\n"),
        "{out}"
    );
    assert!(out.contains("created: 2 notifications\n"), "{out}");
    assert!(out.contains("after Unadvise: 3 notifications\n"), "{out}");
    assert!(out.ends_with("abadvise ok\n"), "{out}");
}
