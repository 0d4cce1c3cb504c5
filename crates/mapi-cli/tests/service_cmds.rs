//! `mapi service ...` and `mapi provider list`: every command, text and JSON output.

mod common;

use common::{Home, NOT_FOUND};
use serde_json::json;

#[test]
fn catalog_lists_the_builtin_services() {
    let h = Home::new();
    let text = h.ok(&["service", "catalog"]);
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .collect();
    assert_eq!(
        heads,
        [
            "local-store  Local message store  [SERVICE_NO_PRIMARY_IDENTITY]",
            "contacts  Personal contacts  [SERVICE_SINGLE_COPY|SERVICE_NO_PRIMARY_IDENTITY]",
            "internet-mail  Internet mail (IMAP and SMTP)  [SERVICE_PRIMARY_IDENTITY]",
        ]
    );
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["password", "string", "required,", "secret"]),
        "{text}"
    );

    let cat = h.json(&["service", "catalog"]);
    let cat = cat.as_array().unwrap();
    let names: Vec<&str> = cat.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["local-store", "contacts", "internet-mail"]);
    let local = &cat[0];
    assert_eq!(local["default"], true);
    assert_eq!(
        local["providers"],
        json!([{
            "name": "local-store.store",
            "display_name": "Local message store",
            "resource_type": "MAPI_STORE_PROVIDER",
            "flags": "STATUS_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY",
        }])
    );
    assert_eq!(
        local["settings"][2],
        json!({
            "key": "exclusive",
            "type": "bool",
            "required": false,
            "secret": false,
            "default": "false",
            "label": "Open exclusively (one session at a time)",
        })
    );
    let mail = &cat[2];
    let setting = |k: &str| {
        mail["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == k)
            .unwrap_or_else(|| panic!("no setting {k}"))
            .clone()
    };
    assert_eq!(setting("password")["secret"], true);
    assert_eq!(setting("imap_port")["type"], "int 1..=65535");
    assert_eq!(setting("imap_security")["type"], "tls|starttls|none");
    assert_eq!(mail["providers"].as_array().unwrap().len(), 2);
    // The catalogue needs no profile store.
    assert!(!h.db().exists(), "service catalog created the store");
}

#[test]
fn add_prints_the_uid_and_warns_about_missing_settings() {
    let h = Home::new();
    h.ok(&["profile", "create", "P"]);
    let out = h.run(&["service", "add", "P", "contacts"]);
    let uid = out.ok().trim_end().to_string();
    assert!(common::is_uid(&uid), "{out:?}");
    assert!(
        out.stderr.contains("unconfigured (missing path)"),
        "{out:?}"
    );
    let store = format!("path={}", h.path.join("y.store").display());
    let full = h.run(&["service", "add", "P", "local-store", "--set", &store]);
    assert_eq!(full.stderr, "", "a configured service gets no note");
    assert!(common::is_uid(full.ok().trim_end()));

    // --json prints the new service's configuration.
    let added = h.json(&[
        "service",
        "add",
        "P",
        "internet-mail",
        "--set",
        "user=bob",
        "--set",
        "imap_port=143",
        "--set",
        "imap_security=starttls",
        "--display-name",
        "Bob's mail",
    ]);
    assert!(common::is_uid(added["uid"].as_str().unwrap()));
    assert_eq!(
        added,
        json!({
            "uid": added["uid"],
            "service": "internet-mail",
            "display_name": "Bob's mail",
            "flags": "SERVICE_PRIMARY_IDENTITY",
            "configured": false,
            "missing": ["email", "password", "imap_host", "smtp_host"],
            "settings": {
                "user": "bob",
                "imap_port": 143,
                "imap_security": "starttls",
                "smtp_security": "tls",
            },
        })
    );
    let listed = h.json(&["service", "list", "P"]);
    let uids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["uid"].as_str().unwrap())
        .collect();
    assert_eq!(
        uids,
        [
            uid.as_str(),
            full.stdout.trim_end(),
            added["uid"].as_str().unwrap()
        ]
    );
    assert_eq!(listed[2], added, "list shows what add printed");
}

#[test]
fn list_in_text_and_json() {
    let (h, [local, contacts, mail]) = Home::fixture();
    let listed = h.json(&["service", "list", "Work"]);
    let store = h.path.join("mail.store");
    assert_eq!(
        listed,
        json!([
            {
                "uid": local,
                "service": "local-store",
                "display_name": "Local message store",
                "flags": "SERVICE_NO_PRIMARY_IDENTITY",
                "configured": true,
                "missing": [],
                "settings": {"path": store.to_str().unwrap(), "exclusive": true},
            },
            {
                "uid": contacts,
                "service": "contacts",
                "display_name": "Personal contacts",
                "flags": "SERVICE_SINGLE_COPY|SERVICE_NO_PRIMARY_IDENTITY",
                "configured": true,
                "missing": [],
                "settings": {"path": h.path.join("contacts.db").to_str().unwrap()},
            },
            {
                "uid": mail,
                "service": "internet-mail",
                "display_name": "Internet mail (IMAP and SMTP)",
                "flags": "SERVICE_PRIMARY_IDENTITY",
                "configured": true,
                "missing": [],
                "settings": {
                    "email": "bob@example.org",
                    "user": "bob",
                    "password": "***",
                    "imap_host": "imap.example.org",
                    "smtp_host": "smtp.example.org",
                    "imap_port": 993,
                    "imap_security": "tls",
                    "smtp_security": "tls",
                },
            },
        ])
    );
    let text = h.ok(&["service", "list", "Work"]);
    let blocks: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(blocks.len(), 3, "{text}");
    assert_eq!(
        blocks[0],
        format!(
            "{local}  Local message store (local-store)\n  flags: SERVICE_NO_PRIMARY_IDENTITY\n  path = {}\n  exclusive = true",
            store.display()
        )
    );
    assert!(blocks[2].starts_with(&format!(
        "{mail}  Internet mail (IMAP and SMTP) (internet-mail)\n"
    )));
    assert!(blocks[2].contains("\n  password = ***\n"), "{text}");
    assert!(
        blocks[2].contains("\n  imap_security = tls (default)\n"),
        "{text}"
    );

    assert_eq!(h.ok(&["service", "list", "Home"]), "");
    assert_eq!(h.json(&["service", "list", "Home"]), json!([]));
}

#[test]
fn configure_sets_and_clears_settings() {
    let (h, [local, _, mail]) = Home::fixture();
    assert_eq!(
        h.ok(&[
            "service",
            "configure",
            "Work",
            &mail,
            "--set",
            "imap_port=143",
            "--set",
            "imap_security=starttls"
        ]),
        format!("configured {mail}\n")
    );
    let cfg = h.json(&[
        "service",
        "configure",
        "work",
        &mail.to_lowercase(),
        "--set",
        "display_name=Bob",
    ]);
    assert_eq!(cfg["uid"], mail.as_str(), "uids parse in any case");
    assert_eq!(cfg["settings"]["imap_port"], 143);
    assert_eq!(cfg["settings"]["imap_security"], "starttls");
    assert_eq!(cfg["settings"]["display_name"], "Bob");
    // KEY= removes a setting: a required one makes the service unconfigured.
    let cfg = h.json(&["service", "configure", "Work", &mail, "--set", "imap_host="]);
    assert_eq!(cfg["configured"], false);
    assert_eq!(cfg["missing"], json!(["imap_host"]));
    assert!(cfg["settings"].get("imap_host").is_none(), "{cfg}");
    let cfg = h.json(&[
        "service",
        "configure",
        "Work",
        &local,
        "--set",
        "exclusive=no",
    ]);
    assert_eq!(cfg["settings"]["exclusive"], false);
    // What configure printed is what list shows.
    let listed = h.json(&["service", "list", "Work"]);
    assert_eq!(listed[0], cfg);
}

#[test]
fn remove_drops_the_service_and_its_providers() {
    let (h, [local, contacts, mail]) = Home::fixture();
    assert_eq!(
        h.ok(&["service", "remove", "Work", &mail]),
        format!("removed {mail}\n")
    );
    let listed = h.json(&["service", "list", "Work"]);
    let uids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, [&local, &contacts]);
    let providers = h.json(&["provider", "list", "Work"]);
    assert_eq!(providers.as_array().unwrap().len(), 2);
    assert!(
        providers
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["service_uid"] != mail.as_str())
    );
    assert!(!h.db_dump().contains("imap.example.org"), "settings remain");
    h.run(&["service", "remove", "Work", &mail])
        .fails_with(NOT_FOUND);
    assert_eq!(
        h.run(&["service", "remove", "Work", &contacts, "--json"])
            .ok(),
        ""
    );
    // contacts is single-copy; once removed it can be added again.
    h.add_service("Work", "contacts", &[]);
}

#[test]
fn provider_list_in_text_and_json() {
    let (h, [local, contacts, mail]) = Home::fixture();
    let providers = h.json(&["provider", "list", "Work"]);
    let providers = providers.as_array().unwrap();
    assert_eq!(providers.len(), 4);
    for (i, p) in providers.iter().enumerate() {
        assert_eq!(p["ordinal"], i, "ordered by ordinal");
        assert!(common::is_uid(p["uid"].as_str().unwrap()));
        let mut keys: Vec<_> = p.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "display_name",
                "flags",
                "ordinal",
                "provider_display",
                "resource_type",
                "service",
                "service_uid",
                "uid"
            ]
        );
    }
    let summary: Vec<_> = providers
        .iter()
        .map(|p| {
            (
                p["service_uid"].as_str().unwrap().to_string(),
                p["service"].as_str().unwrap(),
                p["resource_type"].as_str().unwrap(),
                p["display_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                local.clone(),
                "local-store",
                "MAPI_STORE_PROVIDER",
                "Local message store"
            ),
            (
                contacts.clone(),
                "contacts",
                "MAPI_AB_PROVIDER",
                "Personal contacts"
            ),
            (
                mail.clone(),
                "internet-mail",
                "MAPI_STORE_PROVIDER",
                "IMAP mailbox"
            ),
            (
                mail.clone(),
                "internet-mail",
                "MAPI_TRANSPORT_PROVIDER",
                "SMTP"
            ),
        ]
    );
    assert_eq!(providers[3]["provider_display"], "SMTP transport");
    assert_eq!(providers[3]["flags"], "STATUS_PRIMARY_IDENTITY");

    let text = h.ok(&["provider", "list", "Work"]);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        lines[0],
        ["#", "UID", "SERVICE", "TYPE", "DISPLAY NAME", "FLAGS"]
    );
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(
        lines[4],
        [
            "3",
            providers[3]["uid"].as_str().unwrap(),
            "internet-mail",
            "MAPI_TRANSPORT_PROVIDER",
            "SMTP",
            "STATUS_PRIMARY_IDENTITY"
        ]
    );
    assert_eq!(h.json(&["provider", "list", "Home"]), json!([]));
}
