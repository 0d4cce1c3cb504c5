//! `mapi store props ENTRY_ID [--tag TAG...]` on a real local store: the asked
//! properties with their values, a missing one as MAPI_E_NOT_FOUND with the call's
//! MAPI_W_ERRORS_RETURNED, every property without --tag, a folder by its entry id, and
//! bad input refused with its status.

mod common;

use common::*;

fn home() -> (Home, String) {
    Home::with_message(
        "From: Ann <ann@example.org>\r\nTo: bob@example.org\r\nSubject: Props please\r\n\
         Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n\r\nHello.\r\n",
    )
}

#[test]
fn props_shows_the_asked_tags_and_the_missing_ones() {
    let (h, id) = home();
    let v = h.json(&[
        "store",
        "props",
        &id,
        "--tag",
        "0x0037001F",
        "--tag",
        "1042001f",
        "--profile",
        "Default",
    ]);
    assert_eq!(v["status"], "MAPI_W_ERRORS_RETURNED", "{v}");
    assert_eq!(v["props"][0]["tag"], "0x0037001F");
    assert_eq!(v["props"][0]["name"], "PR_SUBJECT");
    assert_eq!(v["props"][0]["value"], "Props please");
    assert_eq!(v["props"][1]["tag"], "0x1042000A", "{v}");
    assert_eq!(v["props"][1]["error"], "MAPI_E_NOT_FOUND");

    let out = h.run(&[
        "store",
        "props",
        &id,
        "--tag",
        "0x1042001F",
        "--profile",
        "Default",
    ]);
    let text = out.ok();
    assert!(text.contains("MAPI_E_NOT_FOUND"), "{text}");
    assert!(out.stderr.contains("MAPI_W_ERRORS_RETURNED"), "{out:?}");

    // Every property, S_OK.
    let all = h.json(&["store", "props", &id, "--profile", "Default"]);
    assert_eq!(all["status"], "S_OK", "{all}");
    let names: Vec<&str> = all["props"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for n in [
        "PR_SUBJECT",
        "PR_ENTRYID",
        "PR_MESSAGE_CLASS",
        "PR_SENDER_NAME",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
}

#[test]
fn props_of_a_folder_and_bad_input() {
    let (h, id) = home();
    let folders = h.json(&["store", "folders", "--profile", "Default"]);
    let inbox = folders
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["display_name"] == "Inbox")
        .unwrap();
    let fid = inbox["entry_id"].as_str().unwrap();
    let v = h.json(&[
        "store",
        "props",
        fid,
        "--tag",
        "0x3001001F",
        "--profile",
        "Default",
    ]);
    assert_eq!(v["props"][0]["value"], "Inbox", "{v}");

    h.run(&[
        "store",
        "props",
        &id,
        "--tag",
        "PR_SUBJECT",
        "--profile",
        "Default",
    ])
    .fails_with("MAPI_E_INVALID_PARAMETER");
    h.run(&[
        "store",
        "props",
        &id,
        "--tag",
        "0x123456789",
        "--profile",
        "Default",
    ])
    .fails_with("MAPI_E_INVALID_PARAMETER");
    let mut foreign = id.clone();
    foreign.replace_range(8..40, &"ab".repeat(16));
    h.run(&["store", "props", &foreign, "--profile", "Default"])
        .fails_with("MAPI_E_INVALID_ENTRYID");
}
