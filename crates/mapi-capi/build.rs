//! Links libmapi.so.1: its soname and the version script (generated from the interface
//! table) that exports only the documented entry points and IIDs.

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let script = format!("{dir}/libmapi.map");
    println!("cargo:rerun-if-changed={script}");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmapi.so.1");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={script}");
}
