//! Logs on to the default profile (run `mapi quickstart` first, or this example makes the
//! `Default` profile itself), prints the status table, the identity and the stores.
//!
//! `cargo run -p mapi --example logon`

use mapi::blocking::Mapi;
use mapi::{LogoffFlags, LogonFlags, LogonRequest, resource_type, tags};

fn main() -> Result<(), mapi::EngineError> {
    let mapi = Mapi::open(None)?;
    mapi.quickstart()?;
    let session = mapi.logon(LogonRequest::new(None, LogonFlags::MAPI_USE_DEFAULT))?;
    println!("logged on to {}", session.profile());
    for row in session.status_table()?.query_rows() {
        let kind = row
            .int(tags::PR_RESOURCE_TYPE)
            .and_then(|t| resource_type::name(t as u32))
            .unwrap_or("?");
        let code = mapi::StatusCode(row.int(tags::PR_STATUS_CODE).unwrap_or(0) as u32);
        println!(
            "  {:<20} {kind:<24} {code}",
            row.str(tags::PR_DISPLAY_NAME).unwrap_or("")
        );
    }
    let (status, identity) = session.query_identity()?;
    println!("identity: {identity} ({status})");
    for row in session.store_table()?.query_rows() {
        let default = row.get(tags::PR_DEFAULT_STORE).and_then(|v| v.as_bool()) == Some(true);
        println!(
            "store: {}{}",
            row.str(tags::PR_DISPLAY_NAME).unwrap_or(""),
            if default { " (default)" } else { "" }
        );
    }
    session.logoff(LogoffFlags::default());
    Ok(())
}
