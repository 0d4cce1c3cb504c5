//! `mapi logon`, `mapi quickstart`, and the logon every `mapi store` command makes.

use std::io::IsTerminal;
use std::sync::Arc;

use mapi::blocking::Mapi;
use mapi::link::AnySession;
use mapi::quickstart::QUICKSTART_PROFILE;
use mapi::terminal::{ProgressOnly, TerminalUi};
use mapi::{LogoffFlags, LogonFlags, LogonRequest, LogonUi, NoUi, resource_type, tags};
use serde_json::json;

use super::Ctx;
use crate::cli::{LogonArgs, UiChoice};
use crate::error::CliError;
use crate::output::{print_json, print_table, read_stdin_line, row_json, value_text};

/// Opens the engine over the home and the profile store `--profile-store` names.
pub fn open(ctx: &Ctx) -> Result<Mapi, CliError> {
    Ok(Mapi::open_with_store(
        Some(&ctx.home),
        ctx.profile_store.as_deref(),
    )?)
}

/// Logs on as the options say: joins the daemon's shared session unless
/// `MAPI_NEW_SESSION`, makes it there with `MAPI_ALLOW_OTHERS`, else in this process.
pub fn logon(mapi: &Mapi, args: &LogonArgs) -> Result<AnySession, CliError> {
    let flags = LogonFlags::parse(&args.flags).map_err(|e| {
        CliError::invalid(format!(
            "--flags: {e}; use names such as USE_DEFAULT|LOGON_UI or a hex value"
        ))
    })?;
    let password = args.password_stdin.then(read_stdin_line).transpose()?;
    let ui_choice = args.ui.unwrap_or(if std::io::stdin().is_terminal() {
        UiChoice::Terminal
    } else {
        UiChoice::None
    });
    let ui: Arc<dyn LogonUi> = match ui_choice {
        UiChoice::None if std::io::stderr().is_terminal() => Arc::new(ProgressOnly),
        UiChoice::None => Arc::new(NoUi),
        UiChoice::Terminal => Arc::new(TerminalUi::new()),
    };
    let req = LogonRequest::new(args.profile.as_deref(), flags)
        .password(password.as_deref())
        .ui(ui);
    Ok(mapi.logon_any(req)?)
}

/// `mapi logon [--keep]`.
pub fn run(ctx: &Ctx, args: &LogonArgs, keep: bool) -> Result<(), CliError> {
    let mapi = open(ctx)?;
    let session = logon(&mapi, args)?;
    let out = report(ctx, &session).and_then(|()| {
        if keep {
            session.keep()?;
            if !ctx.json {
                println!("the shared session stays in the MAPI daemon; end it with `mapi logoff --shared`");
            }
        }
        Ok(())
    });
    session.logoff(LogoffFlags::default());
    out
}

/// `mapi quickstart`.
pub fn quickstart(ctx: &Ctx) -> Result<(), CliError> {
    let mapi = open(ctx)?;
    let q = mapi.quickstart()?;
    if !ctx.json {
        if q.created {
            println!(
                "created profile \"{}\" in {}",
                q.profile,
                ctx.home.display()
            );
        } else {
            println!(
                "profile \"{}\" already exists in {}",
                q.profile,
                ctx.home.display()
            );
        }
    }
    let args = LogonArgs {
        profile: Some(QUICKSTART_PROFILE.to_string()),
        password_stdin: false,
        flags: String::new(),
        ui: Some(UiChoice::None),
    };
    let session = logon(&mapi, &args)?;
    let out = report(ctx, &session);
    session.logoff(LogoffFlags::default());
    out
}

/// Prints the status and store tables (and disabled services).
fn report(ctx: &Ctx, session: &AnySession) -> Result<(), CliError> {
    let status = session.status_table()?;
    let stores = session.store_table()?;
    let disabled = session.disabled();
    if ctx.json {
        print_json(&json!({
            "profile": session.profile(),
            "status": status.full_rows().into_iter().map(row_json).collect::<Vec<_>>(),
            "stores": stores.full_rows().into_iter().map(row_json).collect::<Vec<_>>(),
            "shared": session.is_shared(),
            "daemon": session.is_remote(),
            "disabled": disabled.iter().map(|(service, status, reason)| json!({
                "service": service,
                "status": status.name().unwrap_or("MAPI_E_CALL_FAILED"),
                "reason": reason,
            })).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    let how = match (session.joined(), session.is_remote(), session.is_shared()) {
        (true, _, _) => " (joined the shared session in the MAPI daemon)",
        (false, true, true) => " (shared session in the MAPI daemon)",
        (false, true, false) => " (in the MAPI daemon)",
        _ => "",
    };
    println!("logged on to profile \"{}\"{how}", session.profile());
    println!();
    println!("Status table");
    let rows: Vec<Vec<String>> = status
        .full_rows()
        .into_iter()
        .map(|r| {
            vec![
                r.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_string(),
                r.int(tags::PR_RESOURCE_TYPE)
                    .and_then(|t| resource_type::name(t as u32))
                    .unwrap_or("?")
                    .to_string(),
                mapi::StatusCode(r.int(tags::PR_STATUS_CODE).unwrap_or(0) as u32).to_string(),
                r.str(tags::PR_STATUS_STRING)
                    .or(r.str(tags::PR_IDENTITY_DISPLAY))
                    .unwrap_or("")
                    .to_string(),
            ]
        })
        .collect();
    print_table(
        &["DISPLAY NAME", "RESOURCE TYPE", "STATUS", "DETAIL"],
        &rows,
    );
    println!();
    println!("Message store table");
    let rows: Vec<Vec<String>> = stores
        .full_rows()
        .into_iter()
        .map(|r| {
            vec![
                r.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_string(),
                if r.get(tags::PR_DEFAULT_STORE).and_then(|v| v.as_bool()) == Some(true) {
                    "yes"
                } else {
                    ""
                }
                .to_string(),
                r.str(tags::PR_PROVIDER_DISPLAY).unwrap_or("").to_string(),
                r.get(tags::PR_ENTRYID).map(value_text).unwrap_or_default(),
            ]
        })
        .collect();
    print_table(&["DISPLAY NAME", "DEFAULT", "PROVIDER", "ENTRY ID"], &rows);
    for (service, status, reason) in disabled {
        crate::output::warn(&format!(
            "service \"{service}\" is disabled for this session: {status}: {reason}"
        ));
    }
    Ok(())
}
