//! `mapi`: the command-line front end. It parses arguments, calls the library and
//! renders answers; on failure stderr's first line is `STATUS (0x........): sentence`.
//!
//! # Layout
//! - `cli`: the clap definitions.
//! - `commands`: one module per command group.
//! - `output`: JSON and text rendering, password input.
//! - `error`: `CliError`, a status plus a sentence.
//! - `logger`: log lines on stderr at the level `MAPI_LOG` names.

mod cli;
mod commands;
mod error;
mod logger;
mod output;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::cli::{Cli, Command};
use crate::commands::Ctx;
use crate::error::CliError;

fn main() -> ExitCode {
    // Die quietly on a closed pipe (`mapi ... | head`), as other Unix tools do, rather
    // than panic on the failed write.
    // SAFETY: setting a signal's disposition to the default before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    logger::init();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            eprintln!("{}", CliError::invalid(first));
            for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
                eprintln!("{line}");
            }
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let ctx = Ctx {
        home: mapi_profile::resolve_home(cli.home.as_deref()),
        json: cli.json,
        profile_store: cli.profile_store,
    };
    match cli.command {
        Command::Profile(cmd) => commands::profile::run(&ctx, cmd),
        Command::Service(cmd) => commands::service::run(&ctx, cmd),
        Command::Provider(cmd) => commands::provider::run(&ctx, cmd),
        Command::Logon { logon, keep } => commands::logon::run(&ctx, &logon, keep),
        Command::Logoff { .. } => commands::daemon::logoff(&ctx),
        Command::Sessions => commands::daemon::sessions(&ctx),
        Command::Daemon(cmd) => commands::daemon::daemon(&ctx, cmd),
        Command::Store(cmd) => commands::store::run(&ctx, cmd),
        Command::Send(args) => commands::send::run(&ctx, args),
        Command::ProfileStore(cmd) => commands::profile_store::run(&ctx, cmd),
        Command::Watch { folder, logon } => commands::watch::run(&ctx, &logon, folder.as_deref()),
        Command::Quickstart => commands::logon::quickstart(&ctx),
    }
}
