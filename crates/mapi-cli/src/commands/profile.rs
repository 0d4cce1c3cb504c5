//! `mapi profile ...`

use mapi_types::{MUID_PROFILE_INSTANCE, tags};
use serde_json::json;

use super::Ctx;
use crate::cli::{DefaultArgs, ProfileCmd};
use crate::error::CliError;
use crate::output::{print_json, print_table, read_stdin_line};

/// Runs a profile command.
pub fn run(ctx: &Ctx, cmd: ProfileCmd) -> Result<(), CliError> {
    let mut store = ctx.store()?;
    match cmd {
        ProfileCmd::Create {
            name,
            default,
            password_stdin,
        } => {
            let pw = password_stdin.then(read_stdin_line).transpose()?;
            store.create_profile(&name, pw.as_deref())?;
            if default {
                store.set_default_profile(Some(&name))?;
            }
            if ctx.json {
                print_json(&json!({"name": name, "default": default}));
            } else {
                println!(
                    "created profile \"{name}\"{}",
                    if default { " (default)" } else { "" }
                );
            }
        }
        ProfileCmd::List => {
            let table = store.profile_table()?;
            if ctx.json {
                print_json(&json!(
                    table
                        .iter()
                        .map(|p| json!({"name": p.name, "default": p.default}))
                        .collect::<Vec<_>>()
                ));
            } else {
                for p in table {
                    println!("{} {}", if p.default { "*" } else { " " }, p.name);
                }
            }
        }
        ProfileCmd::Show { name } => show(ctx, &store, &name)?,
        ProfileCmd::Delete { name } => {
            store.delete_profile(&name)?;
            if !ctx.json {
                println!("deleted profile \"{name}\"");
            }
        }
        ProfileCmd::Copy {
            from,
            to,
            password_stdin,
        } => {
            let pw = password_stdin.then(read_stdin_line).transpose()?;
            store.copy_profile(&from, pw.as_deref(), &to)?;
            if !ctx.json {
                println!("copied profile \"{from}\" to \"{to}\"");
            }
        }
        ProfileCmd::Rename {
            from,
            to,
            password_stdin,
        } => {
            let pw = password_stdin.then(read_stdin_line).transpose()?;
            store.rename_profile(&from, pw.as_deref(), &to)?;
            if !ctx.json {
                println!("renamed profile \"{from}\" to \"{to}\"");
            }
        }
        ProfileCmd::Default(DefaultArgs { name, clear }) => {
            let target = if clear { None } else { name };
            store.set_default_profile(target.as_deref())?;
            if !ctx.json {
                match target {
                    Some(n) => println!("default profile is now \"{n}\""),
                    None => println!("no default profile"),
                }
            }
        }
    }
    Ok(())
}

fn show(ctx: &Ctx, store: &mapi_profile::ProfileStore, name: &str) -> Result<(), CliError> {
    let info = store.profile(name)?;
    let services = store.msg_service_table(&info.name)?;
    let providers = store.provider_table(&info.name)?;
    let key = store
        .get_props(
            &info.name,
            MUID_PROFILE_INSTANCE,
            Some(&[tags::PR_SEARCH_KEY]),
        )?
        .first()
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    if ctx.json {
        print_json(&json!({
            "name": info.name,
            "default": info.default,
            "password": info.has_password,
            "search_key": key,
            "services": services.iter().map(|s| json!({
                "uid": s.uid.to_string(),
                "service": s.service_name,
                "display_name": s.display_name,
                "flags": s.flags.to_string(),
                "providers": providers.iter().filter(|p| p.service_uid == s.uid).map(|p| json!({
                    "uid": p.uid.to_string(),
                    "display_name": p.display_name,
                    "resource_type": mapi_types::resource_type::name(p.resource_type),
                    "flags": p.flags.to_string(),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    println!("profile:    {}", info.name);
    println!("default:    {}", if info.default { "yes" } else { "no" });
    println!(
        "password:   {}",
        if info.has_password { "set" } else { "none" }
    );
    println!("search key: {key}");
    println!("services:   {}", services.len());
    let rows: Vec<Vec<String>> = services
        .iter()
        .map(|s| {
            vec![
                s.uid.to_string(),
                s.service_name.clone(),
                s.display_name.clone(),
                providers
                    .iter()
                    .filter(|p| p.service_uid == s.uid)
                    .count()
                    .to_string(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        print_table(&["UID", "SERVICE", "DISPLAY NAME", "PROVIDERS"], &rows);
    }
    Ok(())
}
