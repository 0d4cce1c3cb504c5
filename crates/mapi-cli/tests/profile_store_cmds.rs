//! `mapi profile-store`: status, migrate, export into a real PostgreSQL and import back.

use std::path::Path;
use std::process::Command;

use mapi_test_support::postgres::PgServer;
use serde_json::Value;

const MAPI: &str = env!("CARGO_BIN_EXE_mapi");

fn mapi(home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(MAPI)
        .arg("--home")
        .arg(home)
        .args(args)
        .env_remove("MAPI_PROFILE_STORE")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(home: &Path, args: &[&str]) -> Value {
    let (ok, out, err) = mapi(home, args);
    assert!(ok, "mapi {args:?}: {err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn export_to_postgres_status_and_import_back() {
    let pg = PgServer::start().unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"));
    let url = pg.fresh_store("cli_store").unwrap();
    let home = tempfile::tempdir().unwrap();
    for name in ["Alpha", "Beta"] {
        let (ok, _, err) = mapi(home.path(), &["profile", "create", name]);
        assert!(ok, "{err}");
    }
    let s = json(home.path(), &["--json", "profile-store", "status"]);
    assert_eq!(s["backend"], "sqlite");
    assert_eq!(s["profiles"], 2);

    let m = json(
        home.path(),
        &[
            "--json",
            "--profile-store",
            &url,
            "profile-store",
            "migrate",
        ],
    );
    assert_eq!(m["backend"], "postgres");
    assert_eq!(m["profiles"], 0);
    // The password in the URL is never printed.
    assert!(!m.to_string().contains("pw-cli_store"), "{m}");

    let e = json(
        home.path(),
        &["--json", "profile-store", "export", "--to", &url],
    );
    assert_eq!(e["profiles"], 2);
    let s = json(
        home.path(),
        &["--json", "--profile-store", &url, "profile-store", "status"],
    );
    assert_eq!(s["profiles"], 2);

    // A second export onto the same names is refused and changes nothing.
    let (ok, _, err) = mapi(home.path(), &["profile-store", "export", "--to", &url]);
    assert!(!ok);
    assert!(err.contains("MAPI_E_NO_ACCESS"), "{err}");

    let other = tempfile::tempdir().unwrap();
    let i = json(
        other.path(),
        &["--json", "profile-store", "import", "--from", &url],
    );
    assert_eq!(i["profiles"], 2);
    let (ok, out, err) = mapi(other.path(), &["profile", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains("Alpha") && out.contains("Beta"), "{out}");
}

#[test]
fn logon_with_the_profile_in_postgres() {
    let pg = PgServer::start().unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"));
    let url = pg.fresh_store("cli_logon").unwrap();
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(MAPI)
            .arg("--home")
            .arg(home.path())
            .args(args)
            .env("MAPI_PROFILE_STORE", &url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mapi {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["quickstart"]);
    let out = run(&["logon", "--profile", "Default"]);
    assert!(
        out.contains("local-store") || out.contains("Local"),
        "{out}"
    );
    // The profile lives in PostgreSQL, not in the home.
    assert!(!home.path().join("profiles.db").exists());
    let s = json(
        home.path(),
        &["--json", "--profile-store", &url, "profile-store", "status"],
    );
    assert_eq!(s["profiles"], 1);
}

#[test]
fn profile_store_flag_logs_on_with_the_profile_in_postgres() {
    let pg = PgServer::start().unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"));
    let url = pg.fresh_store("cli_flag").unwrap();
    let home = tempfile::tempdir().unwrap();
    let with = |args: &[&str]| {
        let mut all = vec!["--profile-store", url.as_str()];
        all.extend_from_slice(args);
        let (ok, out, err) = mapi(home.path(), &all);
        assert!(ok, "mapi {args:?}: {err}");
        out
    };
    with(&["quickstart"]);
    let v: Value =
        serde_json::from_str(with(&["logon", "--profile", "Default", "--json"]).trim()).unwrap();
    assert_eq!(v["profile"], "Default");
    assert_eq!(v["daemon"], false);
    assert!(with(&["store", "folders", "--profile", "Default"]).contains("Inbox"));
    // Only PostgreSQL holds the profile: the home has no profile file.
    assert!(!home.path().join("profiles.db").exists());
    let (ok, _, err) = mapi(home.path(), &["logon", "--profile", "Default"]);
    assert!(!ok);
    assert!(err.starts_with("MAPI_E_LOGON_FAILED"), "{err}");
}
