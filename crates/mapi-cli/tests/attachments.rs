//! `mapi store show ID --attachments` and `mapi store save-attachment ID N FILE` on a
//! real local store: the attachment table's numbers, names, types and sizes, the
//! decoded bytes written to a file, and a bad number refused with MAPI_E_NOT_FOUND,
//! leaving the target file as it was.

mod common;

use common::*;

/// 3000 bytes of every value, base64 in lines of 76.
fn binary() -> Vec<u8> {
    (0..3000u32).map(|i| (i * 7 % 256) as u8).collect()
}

fn base64_lines(data: &[u8]) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let v = u32::from(chunk[0]) << 16
            | u32::from(*chunk.get(1).unwrap_or(&0)) << 8
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(ABC[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.as_bytes()
        .chunks(76)
        .map(|l| format!("{}\r\n", std::str::from_utf8(l).unwrap()))
        .collect()
}

fn message() -> String {
    format!(
        "From: Ann <ann@example.org>\r\nTo: bob@example.org\r\nSubject: Two files\r\n\
         Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain\r\n\r\nTwo files attached.\r\n\
         --b1\r\nContent-Type: text/csv; name=\"numbers.csv\"\r\n\
         Content-Disposition: attachment; filename=\"numbers.csv\"\r\n\r\na,b\r\n1,2\r\n\
         --b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"dot.png\"\r\n\r\n{}\
         --b1--\r\n",
        base64_lines(&binary())
    )
}

/// A home with the message imported into the Default profile's Inbox, and its id.
fn home() -> (Home, String) {
    Home::with_message(&message())
}

#[test]
fn show_lists_the_attachment_table() {
    let (h, id) = home();
    let list = h.json(&[
        "store",
        "show",
        &id,
        "--attachments",
        "--profile",
        "Default",
    ]);
    assert_eq!(
        list,
        serde_json::json!([
            {"num": 0, "file_name": "numbers.csv", "mime_tag": "text/csv", "size": 8, "embedded_message": false},
            {"num": 1, "file_name": "dot.png", "mime_tag": "image/png", "size": 3000, "embedded_message": false},
        ])
    );
    let text = h.ok(&[
        "store",
        "show",
        &id,
        "--attachments",
        "--profile",
        "Default",
    ]);
    assert!(
        text.contains("numbers.csv") && text.contains("dot.png"),
        "{text}"
    );
}

#[test]
fn save_attachment_writes_the_decoded_bytes() {
    let (h, id) = home();
    let out = h.dir.path().join("saved.png");
    let path = out.to_str().unwrap();
    h.ok(&[
        "store",
        "save-attachment",
        &id,
        "1",
        path,
        "--profile",
        "Default",
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), binary());
    h.ok(&[
        "store",
        "save-attachment",
        &id,
        "0",
        path,
        "--profile",
        "Default",
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), b"a,b\r\n1,2");
}

#[test]
fn a_bad_attachment_number_is_not_found_and_leaves_the_file() {
    let (h, id) = home();
    let out = h.dir.path().join("keep.txt");
    std::fs::write(&out, "mine").unwrap();
    let r = h.run(&[
        "store",
        "save-attachment",
        &id,
        "2",
        out.to_str().unwrap(),
        "--profile",
        "Default",
    ]);
    r.fails_with("MAPI_E_NOT_FOUND");
    assert!(r.stderr.contains("has 2 attachments"), "{r:?}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    let missing = h.dir.path().join("new.bin");
    h.run(&[
        "store",
        "save-attachment",
        &id,
        "9",
        missing.to_str().unwrap(),
        "--profile",
        "Default",
    ])
    .fails_with("MAPI_E_NOT_FOUND");
    assert!(!missing.exists());
    // a bad entry id is refused the same way as for `show`
    h.run(&[
        "store",
        "save-attachment",
        "zz",
        "0",
        missing.to_str().unwrap(),
        "--profile",
        "Default",
    ])
    .fails_with("MAPI_E_INVALID_PARAMETER");
}
