//! Secrets: profile passwords read from stdin are stored only as hashes; secret service
//! settings print as `***` and never appear on stdout or stderr.

mod common;

use common::{Home, INVALID, LOGON_FAILED};

/// Every byte of every file in the home (the store and any journal next to it).
fn home_bytes(h: &Home) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(&h.path).unwrap() {
        all.extend(std::fs::read(e.unwrap().path()).unwrap());
    }
    all
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn profile_password_from_stdin_is_hashed() {
    let h = Home::new();
    let pw = "Tr0ub4dor&3-horse-battery";
    let out = h.run_stdin(
        &["profile", "create", "Locked", "--password-stdin"],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(out.ok(), "created profile \"Locked\"\n");
    assert!(!out.mentions(pw));
    h.ok(&["profile", "create", "Open"]);
    let shown = h.run(&["profile", "show", "Locked", "--json"]);
    assert_eq!(shown.json()["password"], true);
    assert!(!shown.mentions(pw));
    assert_eq!(h.json(&["profile", "show", "Open"])["password"], false);
    assert!(
        h.ok(&["profile", "show", "Locked"])
            .contains("password:   set\n")
    );

    let bytes = home_bytes(&h);
    assert!(
        contains(&bytes, "Locked"),
        "sanity: the store holds the name"
    );
    assert!(!contains(&bytes, pw), "password stored in clear");
    // Nor a prefix of it long enough to matter.
    assert!(!contains(&bytes, &pw[..8]));

    // The password protects copy and rename.
    h.run(&["profile", "copy", "Locked", "C"])
        .fails_with(LOGON_FAILED);
    let wrong = h.run_stdin(
        &["profile", "rename", "Locked", "R", "--password-stdin"],
        Some("not-it\n"),
    );
    wrong.fails_with(LOGON_FAILED);
    assert!(
        !wrong.mentions("not-it"),
        "echoes the wrong password: {wrong:?}"
    );
    let copied = h.run_stdin(
        &["profile", "copy", "Locked", "C", "--password-stdin"],
        Some(&format!("{pw}\n")),
    );
    assert_eq!(copied.ok(), "copied profile \"Locked\" to \"C\"\n");
    assert_eq!(h.json(&["profile", "show", "C"])["password"], true);
    assert!(!contains(&home_bytes(&h), pw));
}

#[test]
fn secret_settings_never_printed() {
    let h = Home::new();
    h.ok(&["profile", "create", "P"]);
    let secret = "s3cr3t-Xq9-imap-pass";
    let mut outs = Vec::new();
    let add = h.run(&[
        "service",
        "add",
        "P",
        "internet-mail",
        "--set",
        &format!("password={secret}"),
        "--set",
        "user=bob",
    ]);
    let uid = add.ok().trim().to_string();
    outs.push(add);
    let added = h.run(&[
        "service",
        "add",
        "P",
        "internet-mail",
        "--set",
        &format!("password={secret}"),
        "--json",
    ]);
    assert_eq!(added.json()["settings"]["password"], "***");
    outs.push(added);
    let listed = h.run(&["service", "list", "P", "--json"]);
    let v = listed.json();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|s| s["settings"]["password"] == "***")
    );
    outs.push(listed);
    let text = h.run(&["service", "list", "P"]);
    assert!(text.ok().contains("  password = ***\n"));
    outs.push(text);
    let cfg = h.run(&[
        "service",
        "configure",
        "P",
        &uid,
        "--set",
        &format!("password={secret}2"),
        "--json",
    ]);
    assert_eq!(cfg.json()["settings"]["password"], "***");
    outs.push(cfg);
    outs.push(h.run(&[
        "service",
        "configure",
        "P",
        &uid,
        "--set",
        &format!("password={secret}"),
    ]));
    outs.push(h.run(&["profile", "show", "P"]));
    outs.push(h.run(&["profile", "show", "P", "--json"]));
    outs.push(h.run(&["provider", "list", "P", "--json"]));
    // Failures next to a secret do not echo it.
    let bad = h.run(&[
        "service",
        "configure",
        "P",
        &uid,
        "--set",
        &format!("password={secret}"),
        "--set",
        "imap_port=abc",
    ]);
    bad.fails_with(INVALID);
    outs.push(bad);
    let bad = h.run(&[
        "service",
        "add",
        "P",
        "internet-mail",
        "--set",
        &format!("password={secret}"),
        "--set",
        "bogus=1",
    ]);
    bad.fails_with(INVALID);
    outs.push(bad);
    for o in &outs {
        assert!(!o.mentions(secret), "secret printed: {o:?}");
    }
    // The secret is stored (a logon needs it): configure changed it.
    assert!(contains(&home_bytes(&h), secret));
}
