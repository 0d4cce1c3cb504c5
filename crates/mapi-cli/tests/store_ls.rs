//! `mapi store ls` with --sort, --where, --limit and --offset over a real local store:
//! the rows its --json shows (entry_id, subject, from, to, size, delivery_time, unread),
//! sorted, filtered and paged by the contents table; a malformed --where or --sort is
//! MAPI_E_INVALID_PARAMETER naming the position, and changes nothing.

mod common;

use common::*;
use serde_json::Value;

fn eml(subject: &str, from: &str, day: u32, body_len: usize) -> String {
    format!(
        "From: {from}\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n\
         Date: Mon, {day:02} Jan 2024 10:00:00 +0000\r\nMessage-ID: <{day}@example.org>\r\n\
         Content-Type: text/plain\r\n\r\n{}\r\n",
        "x".repeat(body_len)
    )
}

/// Eight messages imported into Inbox; those of days 2, 4 and 6 are read.
fn home() -> Home {
    let h = Home::new();
    h.ok(&["quickstart"]);
    let dir = h.dir.path().join("mails");
    std::fs::create_dir(&dir).unwrap();
    let mails = [
        ("Invoice 1001", "Ann <ann@example.org>", 1, 20_000),
        ("Lunch?", "Carl <carl@example.net>", 2, 10),
        ("RE: invoice 1001", "Ann <ann@example.org>", 3, 50),
        ("Big INVOICE archive", "Dora <dora@example.com>", 4, 30_000),
        ("Minutes", "Carl <carl@example.net>", 5, 15_000),
        ("Invoice 1002", "Ann <ann@example.org>", 6, 12_000),
        ("weekend", "Dora <dora@example.com>", 7, 5),
        ("Quarterly numbers", "Ann <ann@example.org>", 8, 40_000),
    ];
    for (subject, from, day, len) in mails {
        std::fs::write(dir.join(format!("{day}.eml")), eml(subject, from, day, len)).unwrap();
    }
    h.ok(&[
        "store",
        "import",
        "--profile",
        "Default",
        dir.to_str().unwrap(),
    ]);
    let store = h.path.join("Default.store");
    let conn = rusqlite::Connection::open(&store).unwrap();
    conn.execute(
        "UPDATE messages SET flags = flags | 1 WHERE subject IN ('Lunch?', 'Big INVOICE archive', 'Invoice 1002')",
        [],
    )
    .unwrap();
    h
}

/// Every message's id, folder, flags and subject.
fn store_dump(path: &std::path::Path) -> Vec<(i64, i64, i64, String)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT id, folder, flags, subject FROM messages ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn ls(h: &Home, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["store", "ls", "--profile", "Default"];
    args.extend_from_slice(extra);
    h.json(&args).as_array().unwrap().clone()
}

fn subjects(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["subject"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn rows_keep_their_keys_and_gain_unread() {
    let h = home();
    let rows = ls(&h, &[]);
    assert_eq!(rows.len(), 8);
    assert_eq!(rows[0]["subject"], "Quarterly numbers", "newest first");
    let keys: Vec<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "entry_id",
        "subject",
        "from",
        "to",
        "size",
        "delivery_time",
        "unread",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
    assert_eq!(rows[0]["from"], "Ann <ann@example.org>");
    assert_eq!(rows[0]["to"], "Bob");
    assert_eq!(rows[0]["delivery_time"], "2024-01-08T10:00:00Z");
    assert_eq!(rows[0]["unread"], true);
    let lunch = rows.iter().find(|r| r["subject"] == "Lunch?").unwrap();
    assert_eq!(lunch["unread"], false);
}

#[test]
fn where_filters_with_the_documented_syntax() {
    let h = home();
    let rows = ls(
        &h,
        &["--where", "subject~invoice and unread and size>10000"],
    );
    assert_eq!(subjects(&rows), ["Invoice 1001"]);
    let rows = ls(&h, &["--where", "subject~invoice"]);
    assert_eq!(
        subjects(&rows),
        [
            "Invoice 1002",
            "Big INVOICE archive",
            "RE: invoice 1001",
            "Invoice 1001"
        ]
    );
    let rows = ls(&h, &["--where", "not unread"]);
    assert_eq!(
        subjects(&rows),
        ["Invoice 1002", "Big INVOICE archive", "Lunch?"]
    );
    let rows = ls(&h, &["--where", "(from~carl or from~dora) and size<1000"]);
    assert_eq!(subjects(&rows), ["weekend", "Lunch?"]);
    let rows = ls(&h, &["--where", "subject=\"invoice 1002\""]);
    assert_eq!(subjects(&rows), ["Invoice 1002"]);
    let rows = ls(
        &h,
        &["--where", "subject!=minutes and from=ann@example.org"],
    );
    assert_eq!(
        subjects(&rows),
        [
            "Quarterly numbers",
            "Invoice 1002",
            "RE: invoice 1001",
            "Invoice 1001"
        ]
    );
    let rows = ls(
        &h,
        &[
            "--where",
            "delivery_time>2024-01-06 and delivery_time<2024-01-08",
        ],
    );
    assert_eq!(subjects(&rows), ["weekend", "Invoice 1002"]);
    let rows = ls(&h, &["--where", "unread=false or to~nobody"]);
    assert_eq!(rows.len(), 3);
    let id = ls(&h, &[])[3]["entry_id"].as_str().unwrap().to_string();
    let rows = ls(&h, &["--where", &format!("entry_id={id}")]);
    assert_eq!(subjects(&rows), ["Minutes"]);
}

#[test]
fn sort_limit_and_offset() {
    let h = home();
    let rows = ls(&h, &["--sort", "size-", "--limit", "3"]);
    assert_eq!(
        subjects(&rows),
        ["Quarterly numbers", "Big INVOICE archive", "Invoice 1001"]
    );
    let rows = ls(&h, &["--sort", "size-", "--limit", "3", "--offset", "3"]);
    assert_eq!(
        subjects(&rows),
        ["Minutes", "Invoice 1002", "RE: invoice 1001"]
    );
    let rows = ls(&h, &["--sort", "size-", "--offset", "6"]);
    assert_eq!(subjects(&rows), ["Lunch?", "weekend"]);
    assert!(ls(&h, &["--offset", "50"]).is_empty());
    let rows = ls(&h, &["--sort", "delivery_time"]);
    assert_eq!(rows[0]["subject"], "Invoice 1001");
    let rows = ls(&h, &["--sort", "subject", "--limit", "2"]);
    assert_eq!(subjects(&rows), ["Big INVOICE archive", "Invoice 1001"]);
    let rows = ls(&h, &["--sort", "from-,delivery_time", "--limit", "2"]);
    assert_eq!(subjects(&rows), ["Big INVOICE archive", "weekend"]);
    let rows = ls(&h, &["--sort", "unread-,size", "--limit", "2"]);
    assert_eq!(subjects(&rows), ["weekend", "RE: invoice 1001"]);
    let rows = ls(
        &h,
        &[
            "--where",
            "subject~invoice",
            "--sort",
            "size",
            "--offset",
            "1",
            "--limit",
            "2",
        ],
    );
    assert_eq!(subjects(&rows), ["Invoice 1002", "Invoice 1001"]);
}

#[test]
fn malformed_options_are_invalid_parameter_naming_the_position() {
    let h = home();
    let before = h.db_dump();
    let store = h.path.join("Default.store");
    let store_before = store_dump(&store);
    for (args, needle) in [
        (vec!["--where", "subject~invoice and"], "position 20"),
        (vec!["--where", "size>lots"], "position 6"),
        (vec!["--where", "colour=red"], "position 1"),
        (vec!["--where", "(unread"], "position 8"),
        (vec!["--where", ""], "position 1"),
        (vec!["--sort", "size,colour-"], "position 6"),
    ] {
        let mut all = vec!["store", "ls", "--profile", "Default"];
        all.extend_from_slice(&args);
        let out = h.run(&all);
        out.fails_with(INVALID);
        assert!(out.stderr.contains(needle), "{args:?}: {out:?}");
        assert!(out.stderr.contains(args[0]), "names the option: {out:?}");
    }
    assert_eq!(h.db_dump(), before);
    assert_eq!(store_dump(&store), store_before);
}
