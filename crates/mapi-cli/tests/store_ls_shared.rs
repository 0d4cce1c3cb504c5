//! `mapi store ls --where/--sort/--offset/--limit` over the daemon's shared session
//! gives the rows it gives in process.

mod common;

use common::SharedHome as Home;
use serde_json::Value;

const QUERIES: [&[&str]; 4] = [
    &["--where", "subject~invoice and unread", "--sort", "size-"],
    &["--sort", "subject", "--offset", "2", "--limit", "3"],
    &[
        "--where",
        "size>2000 or from~carl",
        "--sort",
        "delivery_time",
    ],
    &["--where", "subject~zzz"],
];

fn listings(h: &Home) -> Vec<Value> {
    QUERIES
        .iter()
        .map(|q| {
            let mut args = vec!["store", "ls", "--profile", "Default", "--json"];
            args.extend_from_slice(q);
            serde_json::from_str(&h.ok(&args)).unwrap()
        })
        .collect()
}

#[test]
fn ls_over_the_shared_session_matches_in_process() {
    let h = Home::new();
    h.ok(&["quickstart"]);
    let mails = h.home.join("mails");
    std::fs::create_dir_all(&mails).unwrap();
    for i in 0..12 {
        let subject = if i % 3 == 0 { "Invoice" } else { "Note" };
        let from = if i % 2 == 0 {
            "carl@example.net"
        } else {
            "ann@example.org"
        };
        std::fs::write(
            mails.join(format!("{i}.eml")),
            format!(
                "From: {from}\r\nTo: bob@example.org\r\nSubject: {subject} {i}\r\n\
                 Date: Mon, {:02} Jan 2024 10:00:00 +0000\r\n\r\n{}\r\n",
                i + 1,
                "y".repeat(300 * i)
            ),
        )
        .unwrap();
    }
    h.ok(&[
        "store",
        "import",
        "--profile",
        "Default",
        mails.to_str().unwrap(),
    ]);
    let local = listings(&h);
    assert_eq!(local[1].as_array().unwrap().len(), 3);
    assert!(!local[0].as_array().unwrap().is_empty());
    h.ok(&[
        "logon",
        "--profile",
        "Default",
        "--flags",
        "ALLOW_OTHERS",
        "--keep",
    ]);
    let joined: Value = serde_json::from_str(&h.ok(&["logon", "--json"])).unwrap();
    assert_eq!(joined["daemon"], true, "{joined}");
    assert_eq!(listings(&h), local);
    let out = h.run(&["store", "ls", "--where", "size>"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("MAPI_E_INVALID_PARAMETER (0x80070057)")
    );
}
