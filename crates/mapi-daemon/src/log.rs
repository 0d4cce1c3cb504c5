//! The daemon's log: one line per event on stderr, never a secret. Write errors (a
//! closed stderr) are ignored: logging must not take the daemon down.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes `mapid[pid] <unix seconds>: <line>` to stderr.
pub fn log(line: impl AsRef<str>) {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "mapid[{}] {t}: {}", std::process::id(), line.as_ref());
}
