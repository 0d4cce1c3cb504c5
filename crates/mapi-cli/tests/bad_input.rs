//! Bad input to every command: a non-zero exit, stderr's first line naming the MAPI status
//! and its hex value, and the store exactly as it was (every row of every table).

mod common;

use common::{Home, INVALID, NO_ACCESS, NOT_FOUND};

/// Runs each case against the fixture and checks status and an unchanged store.
fn check_all(h: &Home, cases: &[(Vec<String>, &str)]) {
    let before = h.db_dump();
    let cli_before = h.cli_dump();
    for (args, prefix) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = h.run(&args);
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout: {out:?}");
        out.fails_with(prefix);
        assert_eq!(h.db_dump(), before, "{args:?} changed the store");
    }
    assert_eq!(h.cli_dump(), cli_before);
}

fn v(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[test]
fn bad_profile_names() {
    let (h, _) = Home::fixture();
    let long = "n".repeat(65);
    let cases = vec![
        (v(&["profile", "create", ""]), INVALID),
        (v(&["profile", "create", &long]), INVALID),
        (v(&["profile", "create", &long, "--json"]), INVALID),
        (v(&["profile", "create", " lead"]), INVALID),
        (v(&["profile", "create", "semi;colon"]), INVALID),
        (v(&["profile", "create", "Work"]), NO_ACCESS),
        (v(&["profile", "create", "WORK", "--default"]), NO_ACCESS),
        (v(&["profile", "copy", "Work", ""]), INVALID),
        (v(&["profile", "copy", "Work", &long]), INVALID),
        (v(&["profile", "copy", "Work", "home"]), NO_ACCESS),
        (v(&["profile", "rename", "Work", ""]), INVALID),
        (v(&["profile", "rename", "Work", &long]), INVALID),
        (v(&["profile", "rename", "Work", "HOME"]), NO_ACCESS),
    ];
    check_all(&h, &cases);
    // The name rules are checked before anything is written, so an
    // error names the rule that was broken.
    let out = h.run(&["profile", "create", &long]);
    assert!(out.stderr.contains("65 characters"), "{out:?}");
}

#[test]
fn unknown_profile() {
    let (h, [local, ..]) = Home::fixture();
    let cases = vec![
        (v(&["profile", "show", "Nope"]), NOT_FOUND),
        (v(&["profile", "show", "Nope", "--json"]), NOT_FOUND),
        (v(&["profile", "delete", "Nope"]), NOT_FOUND),
        (v(&["profile", "copy", "Nope", "X"]), NOT_FOUND),
        (v(&["profile", "rename", "Nope", "X"]), NOT_FOUND),
        (v(&["profile", "default", "Nope"]), NOT_FOUND),
        (v(&["service", "add", "Nope", "contacts"]), NOT_FOUND),
        (v(&["service", "list", "Nope"]), NOT_FOUND),
        (v(&["service", "list", "Nope", "--json"]), NOT_FOUND),
        (
            v(&[
                "service",
                "configure",
                "Nope",
                &local,
                "--set",
                "exclusive=true",
            ]),
            NOT_FOUND,
        ),
        (v(&["service", "remove", "Nope", &local]), NOT_FOUND),
        (v(&["provider", "list", "Nope"]), NOT_FOUND),
        (v(&["provider", "list", "Nope", "--json"]), NOT_FOUND),
    ];
    check_all(&h, &cases);
    let out = h.run(&["profile", "show", "Nope"]);
    assert!(
        out.stderr.contains("\"Nope\""),
        "names the profile: {out:?}"
    );
}

#[test]
fn unknown_service_and_uid() {
    let (h, [local, ..]) = Home::fixture();
    let stranger = "{00000000-1111-2222-3333-444444444444}";
    let cases = vec![
        (v(&["service", "add", "Work", "bogus"]), NOT_FOUND),
        (v(&["service", "add", "Work", "bogus", "--json"]), NOT_FOUND),
        (v(&["service", "add", "Work", ""]), NOT_FOUND),
        (
            v(&["service", "configure", "Work", stranger, "--set", "path=/a"]),
            NOT_FOUND,
        ),
        (v(&["service", "remove", "Work", stranger]), NOT_FOUND),
        // A uid of another profile's service is not found in this one.
        (v(&["service", "remove", "Home", &local]), NOT_FOUND),
        (
            v(&[
                "service",
                "configure",
                "Home",
                &local,
                "--set",
                "exclusive=false",
            ]),
            NOT_FOUND,
        ),
    ];
    check_all(&h, &cases);
}

#[test]
fn bad_settings() {
    let (h, [local, _, mail]) = Home::fixture();
    let cases = vec![
        (
            v(&[
                "service",
                "add",
                "Home",
                "local-store",
                "--set",
                "colour=red",
            ]),
            INVALID,
        ),
        (
            v(&["service", "add", "Home", "local-store", "--set", "path"]),
            INVALID,
        ),
        (
            v(&["service", "add", "Home", "local-store", "--set", "=x"]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "add",
                "Home",
                "local-store",
                "--set",
                "exclusive=maybe",
            ]),
            INVALID,
        ),
        (
            v(&["service", "add", "Home", "local-store", "--set", "path="]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "add",
                "Home",
                "internet-mail",
                "--set",
                "imap_port=abc",
            ]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "add",
                "Home",
                "internet-mail",
                "--set",
                "imap_port=70000",
            ]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "add",
                "Home",
                "internet-mail",
                "--set",
                "imap_security=ssl",
            ]),
            INVALID,
        ),
        // One bad setting among good ones: nothing is stored.
        (
            v(&[
                "service",
                "add",
                "Home",
                "internet-mail",
                "--set",
                "user=x",
                "--set",
                "smtp_port=0",
            ]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "configure",
                "Work",
                &local,
                "--set",
                "colour=red",
            ]),
            INVALID,
        ),
        (
            v(&["service", "configure", "Work", &local, "--set", "colour="]),
            INVALID,
        ),
        (
            v(&["service", "configure", "Work", &local, "--set", "exclusive"]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "configure",
                "Work",
                &local,
                "--set",
                "exclusive=maybe",
            ]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "configure",
                "Work",
                &mail,
                "--set",
                "user=changed",
                "--set",
                "imap_port=abc",
            ]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "configure",
                "Work",
                &mail,
                "--set",
                "imap_host=",
                "--set",
                "nope=1",
            ]),
            INVALID,
        ),
        // configure needs at least one --set (clap), reported with a status too.
        (v(&["service", "configure", "Work", &mail]), INVALID),
    ];
    check_all(&h, &cases);
    let out = h.run(&[
        "service",
        "add",
        "Home",
        "internet-mail",
        "--set",
        "imap_port=abc",
    ]);
    assert!(
        out.stderr.contains("imap_port"),
        "names the setting: {out:?}"
    );
}

#[test]
fn second_single_copy_service() {
    let (h, _) = Home::fixture();
    let cases = vec![
        (v(&["service", "add", "Work", "contacts"]), NO_ACCESS),
        (
            v(&[
                "service", "add", "work", "contacts", "--set", "path=/b", "--json",
            ]),
            NO_ACCESS,
        ),
    ];
    check_all(&h, &cases);
    // Other profiles may still have their own copy.
    h.add_service("Home", "contacts", &[]);
}

#[test]
fn malformed_uids() {
    let (h, [local, ..]) = Home::fixture();
    let cases = vec![
        (v(&["service", "remove", "Work", "nonsense"]), INVALID),
        (v(&["service", "remove", "Work", ""]), INVALID),
        (v(&["service", "remove", "Work", &local[..37]]), INVALID),
        (
            v(&["service", "remove", "Work", &format!("{local}0")]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "remove",
                "Work",
                "{ZZZZZZZZ-1111-2222-3333-444444444444}",
            ]),
            INVALID,
        ),
        (
            v(&[
                "service",
                "configure",
                "Work",
                "{bad}",
                "--set",
                "exclusive=true",
            ]),
            INVALID,
        ),
    ];
    check_all(&h, &cases);
}

#[test]
fn bad_command_lines() {
    let (h, _) = Home::fixture();
    let cases = vec![
        (v(&["profile", "default"]), INVALID),
        (v(&["profile", "default", "Work", "--clear"]), INVALID),
        (v(&["profile", "create"]), INVALID),
        (v(&["profile", "frobnicate"]), INVALID),
        (v(&["service", "add", "Work"]), INVALID),
        (v(&["profile", "list", "--bogus"]), INVALID),
    ];
    check_all(&h, &cases);
}
