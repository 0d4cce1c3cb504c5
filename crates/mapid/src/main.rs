//! `mapid`: the per-user MAPI daemon hosting shared sessions across processes.
//!
//! ```text
//! mapid [--home DIR] [--socket PATH] [--foreground] [--log-file PATH]
//! ```
//! With `--foreground` it serves in this process until SIGTERM / SIGINT / a `Shutdown`
//! request, logging to stderr (or, with `--log-file`, to that file once it listens).
//! Without it, it starts itself detached (its own process group), logging to the log
//! file next to its socket, and returns once the daemon answers on its socket. The
//! logic lives in `mapi-daemon`.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: mapid [--home DIR] [--socket PATH] [--foreground] [--log-file PATH]

  --home DIR       the MAPI home (default: MAPI_HOME, else the XDG data dir)
  --socket PATH    the socket (default: MAPI_SOCKET, else $XDG_RUNTIME_DIR/mapi/mapid.sock
                   when that directory is this user's and private, else <home>/run/mapid.sock)
  --foreground     serve in this process (default: start detached and return)
  --log-file PATH  once listening, log there (size-capped) instead of stderr; a detached
                   daemon logs to mapid.log next to its socket

  MAPI_LOG=LEVEL   error, warn, info (default), debug, trace or off";

struct Args {
    home: Option<PathBuf>,
    socket: Option<PathBuf>,
    foreground: bool,
    log_file: Option<PathBuf>,
}

fn parse(mut it: impl Iterator<Item = std::ffi::OsString>) -> Result<Option<Args>, String> {
    let mut a = Args {
        home: None,
        socket: None,
        foreground: false,
        log_file: None,
    };
    while let Some(arg) = it.next() {
        match arg.to_str() {
            Some("--home") => a.home = Some(it.next().ok_or("--home needs a directory")?.into()),
            Some("--socket") => a.socket = Some(it.next().ok_or("--socket needs a path")?.into()),
            Some("--foreground") => a.foreground = true,
            Some("--log-file") => {
                a.log_file = Some(it.next().ok_or("--log-file needs a path")?.into())
            }
            Some("-h" | "--help") => return Ok(None),
            _ => return Err(format!("unknown argument {}", arg.to_string_lossy())),
        }
    }
    Ok(Some(a))
}

/// `mapid: NAME (0xVALUE): message`.
fn status_line(status: impl std::fmt::Display, msg: impl std::fmt::Display) -> String {
    format!("mapid: {status}: {msg}")
}

fn main() -> ExitCode {
    let args = match parse(std::env::args_os().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("mapid: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    mapi_daemon::log::init();
    let home = mapi_profile::resolve_home(args.home.as_deref());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mapid: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !args.foreground {
        return rt.block_on(start_detached(home, args.socket));
    }
    rt.block_on(serve(home, args.socket, args.log_file))
}

/// Starts `mapid --foreground` detached and waits until it answers.
async fn start_detached(home: PathBuf, socket: Option<PathBuf>) -> ExitCode {
    let mut link = mapi_client::DaemonLink::new(&home).with_program("mapid");
    if let Some(s) = socket {
        link = link.with_socket(s);
    }
    if let Ok(me) = std::env::current_exe() {
        link = link.with_mapid(me);
    }
    match link.connect_or_start().await {
        Ok(c) => {
            println!(
                "mapid running (pid {}) on {}",
                c.daemon_pid(),
                link.socket().display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", status_line(mapi_types::MapiStatus::status(&e), &e));
            ExitCode::FAILURE
        }
    }
}

async fn serve(home: PathBuf, socket: Option<PathBuf>, log_file: Option<PathBuf>) -> ExitCode {
    let fail = |status, msg: String| {
        eprintln!("{}", status_line(status, msg));
        ExitCode::FAILURE
    };
    use mapi_types::MapiStatus;
    let engine = match mapi_engine::Engine::new(
        mapi_engine::EngineConfig::new(&home),
        mapi::catalog::catalog(),
    )
    .and_then(|e| e.initialize().map(|()| e))
    {
        Ok(e) => e,
        Err(e) => return fail(e.status(), e.to_string()),
    };
    let config = mapi_daemon::DaemonConfig::new(&home, socket);
    let daemon = match mapi_daemon::Daemon::bind(engine, config) {
        Ok(d) => d,
        Err(e @ mapi_daemon::DaemonError::AlreadyRunning { .. }) => {
            eprintln!("{}", status_line(e.status(), &e));
            return ExitCode::from(mapi_client::EXIT_ALREADY_RUNNING as u8);
        }
        Err(e) => return fail(e.status(), e.to_string()),
    };
    // Until it listens, failures go to stderr (which the starting client reads).
    if let Some(path) = log_file
        && let Err(e) = mapi_daemon::log::to_file(&path)
    {
        mapi_daemon::log::log(format!(
            "cannot log to {}: {e}; logging to stderr",
            path.display()
        ));
    }
    match daemon.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e.status(), e.to_string()),
    }
}
