//! Rewrites the generated C headers, Rust vtables and version script from
//! `abi/interfaces.idl` (run from anywhere: paths are relative to the workspace).

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (path, text) in mapi_abi::outputs() {
        let file = root.join(&path);
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&file, text)?;
        println!("wrote {path}");
    }
    Ok(())
}
