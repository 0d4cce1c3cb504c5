//! The daemon's log: its own events (target `mapid`) and every `log` record of the engine
//! and the providers it hosts, at the level `MAPI_LOG` names (`info` when unset). One line
//! per record, `mapid[PID] UNIX-SECONDS: ...`, never a secret (the records carry none;
//! `mapid` logs no request's contents).
//!
//! Where: standard error, which is the terminal for a daemon started by hand; a daemon
//! started on demand is given a log file (next to its socket), which then becomes its
//! standard error too, so a panic's message lands there as well. The file is capped: past
//! [`LOG_CAP`] bytes it is renamed to `NAME.1` (replacing the previous one) and a new one
//! begins, so the log never takes more than twice the cap. Write errors are ignored:
//! logging must not take the daemon down.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use log::{LevelFilter, Log, Metadata, Record};

/// Size past which the log file is rotated.
pub const LOG_CAP: u64 = 1 << 20;

/// The environment variable naming the log level.
pub const LEVEL_ENV: &str = "MAPI_LOG";

/// Logs one of the daemon's own events (target `mapid`, level info).
pub fn log(line: impl AsRef<str>) {
    log::info!(target: "mapid", "{}", line.as_ref());
}

/// The level `MAPI_LOG` names (`error`, `warn`, `info`, `debug`, `trace`, `off`); `info`
/// when unset or unknown.
pub fn level_from_env() -> LevelFilter {
    match std::env::var(LEVEL_ENV)
        .unwrap_or_default()
        .to_ascii_lowercase()
        .as_str()
    {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => LevelFilter::Info,
    }
}

/// The file behind standard error, when there is one.
struct Rotating {
    path: PathBuf,
    written: u64,
}

struct DaemonLog {
    file: Mutex<Option<Rotating>>,
}

static LOGGER: DaemonLog = DaemonLog {
    file: Mutex::new(None),
};

impl Log for DaemonLog {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let line = if record.target() == "mapid" {
            format!("mapid[{}] {t}: {}\n", std::process::id(), record.args())
        } else {
            format!(
                "mapid[{}] {t}: [{} {}] {}\n",
                std::process::id(),
                record.level(),
                record.target(),
                record.args()
            )
        };
        // One writer at a time, so lines never interleave and rotation is safe.
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = file.as_mut() {
            if f.written + line.len() as u64 > LOG_CAP {
                let _ = rotate(f);
            }
            f.written += line.len() as u64;
        }
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

fn open_log(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

/// Moves the full log aside and makes a new one standard error.
fn rotate(f: &mut Rotating) -> std::io::Result<()> {
    let mut old = f.path.clone().into_os_string();
    old.push(".1");
    std::fs::rename(&f.path, &old)?;
    let file = open_log(&f.path)?;
    rustix::stdio::dup2_stderr(&file)?;
    f.written = 0;
    Ok(())
}

/// Installs the daemon's logger at [`level_from_env`], writing to standard error. Once
/// per process; later calls change nothing.
pub fn init() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level_from_env());
    }
}

/// From now on the log goes to `path` (appended, created 0600), which also becomes
/// standard error.
pub fn to_file(path: &Path) -> std::io::Result<()> {
    let file = open_log(path)?;
    let written = file.metadata()?.len();
    let mut slot = LOGGER.file.lock().unwrap_or_else(|p| p.into_inner());
    rustix::stdio::dup2_stderr(&file)?;
    *slot = Some(Rotating {
        path: path.to_path_buf(),
        written,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_keeps_at_most_two_files_of_the_cap() {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("mapid.log");
        std::fs::write(&path, vec![b'x'; 10]).unwrap();
        let mut f = Rotating {
            path: path.clone(),
            written: 10,
        };
        // rotate() makes the new file standard error: keep this test's own stderr.
        let saved = rustix::io::dup(rustix::stdio::stderr()).unwrap();
        rotate(&mut f).unwrap();
        rustix::stdio::dup2_stderr(&saved).unwrap();
        assert_eq!(f.written, 0);
        assert_eq!(
            std::fs::read(t.path().join("mapid.log.1")).unwrap().len(),
            10
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }
}
