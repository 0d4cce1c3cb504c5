//! Writes the encoding of every sample message (one per variant) into a directory, as the
//! seed corpus of the fuzz target: `cargo run -p mapi-proto --example fuzz_seeds -- DIR`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: fuzz_seeds DIR");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let messages = common::messages();
    for (i, msg) in messages.iter().enumerate() {
        let path = dir.join(format!("seed-{i:03}-{}", msg.name().to_lowercase()));
        if let Err(e) = std::fs::write(&path, msg.encode()) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("wrote {} seeds to {}", messages.len(), dir.display());
    ExitCode::SUCCESS
}
