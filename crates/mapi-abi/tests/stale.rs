//! The checked-in headers, vtables and version script are what the table gives.

use std::path::Path;

#[test]
fn generated_files_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut stale = Vec::new();
    for (path, text) in mapi_abi::outputs() {
        match std::fs::read_to_string(root.join(&path)) {
            Ok(have) if have == text => {}
            Ok(_) => stale.push(format!("{path} differs")),
            Err(e) => stale.push(format!("{path}: {e}")),
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run `cargo run -p mapi-abi`): {stale:?}"
    );
}
