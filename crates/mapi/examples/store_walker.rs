//! Walks the default store of the default profile: every folder with its messages,
//! newest first, and the address book.
//!
//! `cargo run -p mapi --example store_walker`

use mapi::blocking::Mapi;
use mapi::{LogoffFlags, LogonFlags, LogonRequest, tags};

fn main() -> Result<(), mapi::EngineError> {
    let mapi = Mapi::open(None)?;
    mapi.quickstart()?;
    let session = mapi.logon(LogonRequest::new(None, LogonFlags::MAPI_USE_DEFAULT))?;
    let store = session.default_store()?;
    println!(
        "store: {}",
        store.properties().str(tags::PR_DISPLAY_NAME).unwrap_or("")
    );
    for folder in store.folders()? {
        let name = folder.str(tags::PR_DISPLAY_NAME).unwrap_or("");
        let Some(id) = folder.get(tags::PR_ENTRYID).and_then(|v| v.as_bytes()) else {
            continue;
        };
        let contents = store.contents(id)?;
        println!("{name} ({} messages)", contents.row_count());
        for msg in contents.query_rows().iter().take(10) {
            println!(
                "    {} | {}",
                msg.str(tags::PR_SENDER_NAME).unwrap_or(""),
                msg.str(tags::PR_SUBJECT).unwrap_or("")
            );
        }
    }
    let book = session.address_book()?;
    for entry in book.entries()? {
        println!(
            "contact: {} <{}>",
            entry.str(tags::PR_DISPLAY_NAME).unwrap_or(""),
            entry.str(tags::PR_EMAIL_ADDRESS).unwrap_or("")
        );
    }
    session.logoff(LogoffFlags::default());
    Ok(())
}
