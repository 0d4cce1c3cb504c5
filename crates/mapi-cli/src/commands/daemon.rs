//! `mapi logoff --shared`, `mapi sessions`, `mapi daemon start|stop|status`.

use mapi::link::{
    daemon_log, daemon_sessions, daemon_status, logoff_shared, start_daemon, stop_daemon,
};
use serde_json::json;

use super::Ctx;
use super::logon::open;
use crate::cli::DaemonCmd;
use crate::error::CliError;
use crate::output::{filetime_iso, print_json, print_table};

/// `mapi logoff --shared`.
pub fn logoff(ctx: &Ctx) -> Result<(), CliError> {
    let mapi = open(ctx)?;
    let profile = logoff_shared(&mapi)?;
    if ctx.json {
        print_json(&json!({"logged_off": profile}));
    } else {
        println!("logged off the shared session (profile \"{profile}\") for every client");
    }
    Ok(())
}

/// `mapi sessions`.
pub fn sessions(ctx: &Ctx) -> Result<(), CliError> {
    let mapi = open(ctx)?;
    let list = daemon_sessions(&mapi)?;
    let since = |s: i64| filetime_iso(mapi::filetime_from_unix(s));
    if ctx.json {
        print_json(&json!(
            list.iter()
                .map(|s| json!({
                    "id": s.id,
                    "profile": s.profile,
                    "shared": s.shared,
                    "clients": s.clients,
                    "since": since(s.since_unix),
                    "services": s.services,
                }))
                .collect::<Vec<_>>()
        ));
        return Ok(());
    }
    if list.is_empty() {
        println!("no sessions in the MAPI daemon");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.profile.clone(),
                if s.shared { "shared" } else { "individual" }.into(),
                s.clients.to_string(),
                since(s.since_unix),
                s.services.join(", "),
            ]
        })
        .collect();
    print_table(
        &["ID", "PROFILE", "KIND", "CLIENTS", "SINCE", "SERVICES"],
        &rows,
    );
    Ok(())
}

/// `mapi daemon ...`.
pub fn daemon(ctx: &Ctx, cmd: DaemonCmd) -> Result<(), CliError> {
    let mapi = open(ctx)?;
    match cmd {
        DaemonCmd::Start => {
            let (pid, socket) = start_daemon(&mapi)?;
            if ctx.json {
                print_json(&json!({"running": true, "pid": pid, "socket": socket}));
            } else {
                println!("mapid running (pid {pid}) on {}", socket.display());
            }
        }
        DaemonCmd::Stop => {
            let stopped = stop_daemon(&mapi)?;
            if ctx.json {
                print_json(&json!({"stopped": stopped}));
            } else if stopped {
                println!("mapid stopped");
            } else {
                println!("mapid was not running");
            }
        }
        DaemonCmd::Status => match daemon_status(&mapi)? {
            Some((pid, socket)) => {
                let log = daemon_log(pid);
                if ctx.json {
                    print_json(&json!({
                        "running": true, "pid": pid, "socket": socket, "log": log,
                    }));
                } else {
                    println!("mapid running (pid {pid}) on {}", socket.display());
                    match log {
                        Some(log) => println!("log: {}", mapi::printable(&log.to_string_lossy())),
                        None => println!("log: unknown (its standard error is not visible)"),
                    }
                }
            }
            None => {
                if ctx.json {
                    print_json(&json!({"running": false}));
                } else {
                    println!("mapid is not running");
                }
            }
        },
    }
    Ok(())
}
