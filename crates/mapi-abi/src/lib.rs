//! The C interface's one table and its generator. `abi/interfaces.idl` lists every
//! interface (IID, parent, pointer typedef, header, every method in vtable order with
//! its C signature) and every exported function; the same table gives the C headers
//! under `include/mapi/`, the Rust vtable structs of `mapi-capi` (`src/vtbl.rs`) and
//! the library's version script (`libmapi.map`). The table is a data file rather than
//! a Rust table because it reads like the headers it becomes, so a reviewer compares
//! it with Microsoft's method lists line by line. `cargo run -p mapi-abi` rewrites the
//! generated files; a test fails when a checked-in one is stale.
//!
//! # Layout
//! - [`idl`]: the table's text parsed ([`idl::Table`], interfaces, methods, GUIDs).
//! - [`c`]: the C headers (templates `abi/*.in` filled from the table and `mapi-types`).
//! - [`rust`]: the Rust vtables, stubs, IIDs, signature checks and version script.
//! - [`wine`]: the Wine bridge's thunks, its `.spec` and the forwarding `mapi32.def`.
//! - [`outputs`]: every generated file with its path in the repository.

#![warn(missing_docs)]

pub mod c;
pub mod idl;
pub mod rust;
pub mod wine;

/// Every generated file: (path from the repository root, contents).
pub fn outputs() -> Vec<(String, String)> {
    let table = idl::Table::load();
    let mut out: Vec<(String, String)> = c::headers(&table)
        .into_iter()
        .map(|(name, text)| (format!("include/mapi/{name}"), text))
        .collect();
    out.push(("crates/mapi-capi/src/vtbl.rs".into(), rust::vtables(&table)));
    out.push((
        "crates/mapi-capi/libmapi.map".into(),
        rust::version_script(&table),
    ));
    let dir = "crates/mapi-wine/bridge/gen";
    out.push((format!("{dir}/thunks.c"), wine::thunks(&table)));
    out.push((format!("{dir}/libmapi.h"), wine::lib_header(&table)));
    out.push((format!("{dir}/{}.spec", wine::DLL), wine::spec(&table)));
    out.push((format!("{dir}/mapi32.def"), wine::forward_def(&table)));
    out
}
