//! For this crate's benchmarks only (not part of the C interface): what a C client
//! would hold, made from the facade's objects in this process, and the exported
//! functions as Rust sees them.

use std::ffi::c_void;

use mapi::advise::LiveContents;

use crate::error::Result;
use crate::table::Table;

pub use crate::exports::{FreeProws, MAPIInitialize, MAPILogonEx, MAPIUninitialize};
pub use crate::vtbl::{IMAPISessionVtbl, IMAPITableVtbl};

/// The engine MAPIInitialize opened.
pub fn engine() -> Result<std::sync::Arc<mapi::blocking::Mapi>> {
    crate::global::mapi()
}

/// An IMAPITable interface pointer over a live contents table (what GetContentsTable
/// gives a C client), with one reference.
pub fn contents_table(live: LiveContents, flags: u32) -> Result<*mut c_void> {
    Ok(Table::new_live(live, flags, crate::global::mapi()?))
}
