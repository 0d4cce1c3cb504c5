//! `mapi profile ...`: every command, text and JSON output, against a temporary home.

mod common;

use common::{Home, NOT_FOUND, is_uid};
use serde_json::json;

#[test]
fn create_and_list_in_text_and_json() {
    let h = Home::new();
    // An empty (not yet existing) home lists nothing.
    assert_eq!(h.ok(&["profile", "list"]), "");
    assert_eq!(h.json(&["profile", "list"]), json!([]));

    assert_eq!(
        h.ok(&["profile", "create", "Work", "--default"]),
        "created profile \"Work\" (default)\n"
    );
    assert_eq!(
        h.ok(&["profile", "create", "Home"]),
        "created profile \"Home\"\n"
    );
    assert_eq!(
        h.json(&["profile", "create", "Zeta Ärger_1.x"]),
        json!({"name": "Zeta Ärger_1.x", "default": false})
    );
    assert_eq!(
        h.json(&["profile", "create", "alpha", "--default"]),
        json!({"name": "alpha", "default": true})
    );
    let max = "m".repeat(64);
    h.ok(&["profile", "create", &max]);

    // Sorted by name ignoring case; one default (the last one set).
    assert_eq!(
        h.ok(&["profile", "list"]),
        format!("* alpha\n  Home\n  {max}\n  Work\n  Zeta Ärger_1.x\n")
    );
    assert_eq!(
        h.json(&["profile", "list"]),
        json!([
            {"name": "alpha", "default": true},
            {"name": "Home", "default": false},
            {"name": max, "default": false},
            {"name": "Work", "default": false},
            {"name": "Zeta Ärger_1.x", "default": false},
        ])
    );
    // Keys are exactly name and default.
    let listed = h.json(&["profile", "list"]);
    for p in listed.as_array().unwrap() {
        let mut keys: Vec<_> = p.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["default", "name"]);
    }
}

#[test]
fn show_in_text_and_json() {
    let (h, [local, contacts, mail]) = Home::fixture();
    let shown = h.json(&["profile", "show", "work"]);
    assert_eq!(shown["name"], "Work", "looked up ignoring case");
    assert_eq!(shown["default"], true);
    assert_eq!(shown["password"], false);
    let key = shown["search_key"].as_str().unwrap();
    assert_eq!(key.len(), 32, "16-byte search key in hex: {key}");
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    let services = shown["services"].as_array().unwrap();
    let uids: Vec<&str> = services
        .iter()
        .map(|s| s["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, [&local, &contacts, &mail]);
    assert_eq!(
        services
            .iter()
            .map(|s| s["service"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["local-store", "contacts", "internet-mail"]
    );
    assert_eq!(services[0]["display_name"], "Local message store");
    assert_eq!(
        services[1]["flags"],
        "SERVICE_SINGLE_COPY|SERVICE_NO_PRIMARY_IDENTITY"
    );
    // Providers nest under their service, matching `provider list`.
    let providers = h.json(&["provider", "list", "Work"]);
    for s in services {
        let nested = s["providers"].as_array().unwrap();
        let expected: Vec<_> = providers
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["service_uid"] == s["uid"])
            .map(|p| {
                json!({
                    "uid": p["uid"],
                    "display_name": p["display_name"],
                    "resource_type": p["resource_type"],
                    "flags": p["flags"],
                })
            })
            .collect();
        assert_eq!(nested, &expected);
    }
    assert_eq!(services[2]["providers"].as_array().unwrap().len(), 2);

    let text = h.ok(&["profile", "show", "Work"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "profile:    Work");
    assert_eq!(lines[1], "default:    yes");
    assert_eq!(lines[2], "password:   none");
    assert_eq!(lines[3], format!("search key: {key}"));
    assert_eq!(lines[4], "services:   3");
    assert!(
        lines[5].starts_with("UID") && lines[5].contains("PROVIDERS"),
        "{text}"
    );
    assert!(
        lines[6].starts_with(&local) && lines[6].ends_with(" 1"),
        "{text}"
    );
    assert!(
        lines[8].starts_with(&mail) && lines[8].ends_with(" 2"),
        "{text}"
    );
    assert_eq!(lines.len(), 9, "{text}");

    let home = h.ok(&["profile", "show", "Home"]);
    assert!(home.contains("default:    no\n"), "{home}");
    assert!(home.ends_with("services:   0\n"), "{home}");
    assert_ne!(
        h.json(&["profile", "show", "Home"])["search_key"],
        shown["search_key"],
        "search keys are unique"
    );
}

#[test]
fn delete_removes_the_profile_and_its_services() {
    let (h, _) = Home::fixture();
    assert_eq!(
        h.ok(&["profile", "delete", "work"]),
        "deleted profile \"work\"\n"
    );
    assert_eq!(
        h.json(&["profile", "list"]),
        json!([{"name": "Home", "default": false}])
    );
    h.run(&["service", "list", "Work"]).fails_with(NOT_FOUND);
    let dump = h.db_dump();
    assert!(
        !dump.contains("local-store") && !dump.contains("fixture-pw-7731"),
        "rows of the deleted profile remain:\n{dump}"
    );
    // --json prints nothing for a command without an answer.
    assert_eq!(h.run(&["profile", "delete", "Home", "--json"]).ok(), "");
    assert_eq!(h.json(&["profile", "list"]), json!([]));
}

#[test]
fn copy_carries_services_and_settings_under_new_uids() {
    let (h, uids) = Home::fixture();
    assert_eq!(
        h.ok(&["profile", "copy", "Work", "Work Copy"]),
        "copied profile \"Work\" to \"Work Copy\"\n"
    );
    assert_eq!(
        h.json(&["profile", "list"]),
        json!([
            {"name": "Home", "default": false},
            {"name": "Work", "default": true},
            {"name": "Work Copy", "default": false},
        ])
    );
    let orig = h.json(&["service", "list", "Work"]);
    let copy = h.json(&["service", "list", "Work Copy"]);
    let orig = orig.as_array().unwrap();
    let copy = copy.as_array().unwrap();
    assert_eq!(orig.len(), 3);
    assert_eq!(copy.len(), 3);
    for (o, c) in orig.iter().zip(copy) {
        assert_ne!(o["uid"], c["uid"], "a copy gets new uids");
        assert!(!uids.contains(&c["uid"].as_str().unwrap().to_string()));
        for k in [
            "service",
            "display_name",
            "flags",
            "settings",
            "configured",
            "missing",
        ] {
            assert_eq!(o[k], c[k], "{k} differs");
        }
    }
    assert_eq!(
        h.json(&["provider", "list", "Work Copy"])
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_ne!(
        h.json(&["profile", "show", "Work"])["search_key"],
        h.json(&["profile", "show", "Work Copy"])["search_key"]
    );
    assert_eq!(h.run(&["profile", "copy", "Home", "H2", "--json"]).ok(), "");
    assert!(
        h.json(&["service", "list", "H2"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn rename_keeps_services_and_default() {
    let (h, [local, ..]) = Home::fixture();
    let key = h.json(&["profile", "show", "Work"])["search_key"].clone();
    assert_eq!(
        h.ok(&["profile", "rename", "Work", "Office"]),
        "renamed profile \"Work\" to \"Office\"\n"
    );
    assert_eq!(
        h.json(&["profile", "list"]),
        json!([
            {"name": "Home", "default": false},
            {"name": "Office", "default": true},
        ])
    );
    let shown = h.json(&["profile", "show", "Office"]);
    assert_eq!(shown["search_key"], key, "the search key stays");
    assert_eq!(shown["services"][0]["uid"], local.as_str());
    h.run(&["profile", "show", "Work"]).fails_with(NOT_FOUND);
    // A change of case only is a rename too.
    assert_eq!(
        h.run(&["profile", "rename", "office", "OFFICE", "--json"])
            .ok(),
        ""
    );
    assert_eq!(h.json(&["profile", "show", "Office"])["name"], "OFFICE");
}

#[test]
fn default_set_move_and_clear() {
    let h = Home::new();
    h.ok(&["profile", "create", "A"]);
    h.ok(&["profile", "create", "B"]);
    assert_eq!(
        h.ok(&["profile", "default", "a"]),
        "default profile is now \"a\"\n"
    );
    assert_eq!(
        h.json(&["profile", "list"]),
        json!([{"name": "A", "default": true}, {"name": "B", "default": false}])
    );
    assert_eq!(h.run(&["profile", "default", "B", "--json"]).ok(), "");
    assert_eq!(
        h.json(&["profile", "list"]),
        json!([{"name": "A", "default": false}, {"name": "B", "default": true}])
    );
    assert_eq!(h.json(&["profile", "show", "B"])["default"], true);
    assert_eq!(
        h.ok(&["profile", "default", "--clear"]),
        "no default profile\n"
    );
    assert_eq!(
        h.json(&["profile", "list"]),
        json!([{"name": "A", "default": false}, {"name": "B", "default": false}])
    );
    // Clearing twice is fine.
    h.ok(&["profile", "default", "--clear"]);
    assert_eq!(h.ok(&["profile", "list"]), "  A\n  B\n");
}

#[test]
fn uids_printed_are_well_formed() {
    assert!(is_uid("{C848621D-CB2F-A7AC-76CD-A767B1372FD6}"));
    assert!(!is_uid("C848621D-CB2F-A7AC-76CD-A767B1372FD6"));
    assert!(!is_uid("{C848621D-CB2F-A7AC-76CD-A767B1372FDG}"));
}
