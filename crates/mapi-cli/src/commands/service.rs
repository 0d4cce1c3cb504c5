//! `mapi service ...`

use mapi_profile::{ServiceConfig, SettingKind};
use mapi_types::{MapiUid, PropValue};
use serde_json::{Value, json};

use super::{Ctx, parse_sets};
use crate::cli::ServiceCmd;
use crate::error::CliError;
use crate::output::{print_json, print_table};

/// Runs a service command.
pub fn run(ctx: &Ctx, cmd: ServiceCmd) -> Result<(), CliError> {
    let registry = ctx.registry()?;
    match cmd {
        ServiceCmd::Catalog => catalog(ctx, &registry),
        ServiceCmd::Add {
            profile,
            service,
            set,
            display_name,
            password_stdin,
        } => {
            let sets = parse_sets(&set)?;
            // Through the engine, so the service's entry point runs (a local store
            // creates its file) and a refusal leaves the profile as it was.
            let mapi = super::logon::open(ctx)?;
            let engine = mapi.engine();
            unlock(engine, &profile, password_stdin)?;
            let uid = engine.create_service(&profile, &service, display_name.as_deref(), &sets)?;
            let (cfg, _) = engine.service_settings(&profile, uid)?;
            warn_once(engine);
            if ctx.json {
                print_json(&config_json(&cfg));
            } else {
                println!("{uid}");
                if !cfg.missing.is_empty() {
                    eprintln!(
                        "note: the service is unconfigured (missing {}); logon will ask for them or report MAPI_E_UNCONFIGURED",
                        cfg.missing.join(", ")
                    );
                }
            }
            Ok(())
        }
        ServiceCmd::List { profile } => {
            let store = ctx.store()?;
            let configs = store
                .msg_service_table(&profile)?
                .into_iter()
                .map(|s| store.service_config(&registry, &profile, s.uid))
                .collect::<Result<Vec<_>, _>>()?;
            if ctx.json {
                print_json(&Value::Array(configs.iter().map(config_json).collect()));
                return Ok(());
            }
            for (i, c) in configs.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                println!(
                    "{}  {} ({})",
                    c.service.uid, c.service.display_name, c.service.service_name
                );
                println!("  flags: {}", c.service.flags);
                if !c.missing.is_empty() {
                    println!("  unconfigured: missing {}", c.missing.join(", "));
                }
                for s in &c.settings {
                    if s.locked {
                        println!("  {} = *** (locked: needs the profile password)", s.def.key);
                    }
                    if let Some(v) = &s.value {
                        let shown = if s.def.secret {
                            "***".to_string()
                        } else {
                            v.to_string()
                        };
                        let note = if s.is_default { " (default)" } else { "" };
                        println!("  {} = {shown}{note}", s.def.key);
                    }
                }
            }
            Ok(())
        }
        ServiceCmd::Configure {
            profile,
            uid,
            set,
            password_stdin,
        } => {
            let uid = parse_uid(&uid)?;
            let sets = parse_sets(&set)?;
            let mapi = super::logon::open(ctx)?;
            let engine = mapi.engine();
            unlock(engine, &profile, password_stdin)?;
            engine.configure_service(&profile, uid, &sets)?;
            let (cfg, _) = engine.service_settings(&profile, uid)?;
            warn_once(engine);
            if ctx.json {
                print_json(&config_json(&cfg));
            } else {
                println!("configured {uid}");
            }
            Ok(())
        }
        ServiceCmd::Remove { profile, uid } => {
            let uid = parse_uid(&uid)?;
            super::logon::open(ctx)?
                .engine()
                .remove_service(&profile, uid)?;
            if !ctx.json {
                println!("removed {uid}");
            }
            Ok(())
        }
    }
}

/// Prints the profile store's one-time warning (secrets kept in a 0600 file).
fn warn_once(engine: &mapi::Engine) {
    if let Ok(Some(w)) = engine.with_store(|s| Ok(s.take_warning())) {
        crate::output::warn(&w);
    }
}

/// With `--password-stdin`, unlocks the profile's secrets for this command.
fn unlock(engine: &mapi::Engine, profile: &str, password_stdin: bool) -> Result<(), CliError> {
    if password_stdin {
        let pw = crate::output::read_stdin_line()?;
        engine.with_store(|s| Ok(s.unlock(profile, &pw)?))?;
    }
    Ok(())
}

/// Parses a service UID as printed by `service add` / `service list`.
pub fn parse_uid(text: &str) -> Result<MapiUid, CliError> {
    MapiUid::parse(text).ok_or_else(|| {
        CliError::invalid(format!(
            "{text:?} is not a service UID; `mapi service list PROFILE` shows them ({{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}})"
        ))
    })
}

fn value_json(v: &PropValue, secret: bool) -> Value {
    if secret {
        return json!("***");
    }
    match v {
        PropValue::Boolean(b) => json!(b),
        PropValue::Long(n) => json!(n),
        other => json!(other.to_string()),
    }
}

fn config_json(c: &ServiceConfig) -> Value {
    let mut settings = serde_json::Map::new();
    for s in &c.settings {
        if let Some(v) = &s.value {
            settings.insert(s.def.key.clone(), value_json(v, s.def.secret));
        } else if s.locked {
            settings.insert(s.def.key.clone(), json!("***"));
        }
    }
    json!({
        "uid": c.service.uid.to_string(),
        "service": c.service.service_name,
        "display_name": c.service.display_name,
        "flags": c.service.flags.to_string(),
        "configured": c.missing.is_empty(),
        "missing": c.missing,
        "settings": settings,
    })
}

fn kind_name(k: &SettingKind) -> String {
    match k {
        SettingKind::String => "string".into(),
        SettingKind::Path => "path".into(),
        SettingKind::Bool => "bool".into(),
        SettingKind::Int { min, max } => format!("int {min}..={max}"),
        SettingKind::Choice(c) => c.join("|"),
    }
}

fn catalog(ctx: &Ctx, registry: &mapi_profile::Registry) -> Result<(), CliError> {
    if ctx.json {
        print_json(&json!(
            registry
                .services()
                .iter()
                .map(|s| json!({
                    "name": s.name,
                    "display_name": s.display_name,
                    "flags": s.flags.to_string(),
                    "default": s.default,
                    "origin": s.origin,
                    "providers": s.providers.iter().map(|p| json!({
                        "name": p.name,
                        "display_name": p.display_name,
                        "resource_type": mapi_types::resource_type::name(p.resource_type),
                        "flags": p.flags.to_string(),
                    })).collect::<Vec<_>>(),
                    "settings": s.settings.iter().map(|d| json!({
                        "key": d.key,
                        "type": kind_name(&d.kind),
                        "required": d.required,
                        "secret": d.secret,
                        "default": d.default,
                        "label": d.label,
                    })).collect::<Vec<_>>(),
                }))
                .collect::<Vec<_>>()
        ));
        return Ok(());
    }
    for (i, s) in registry.services().iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!("{}  {}  [{}]", s.name, s.display_name, s.flags);
        let rows: Vec<Vec<String>> = s
            .settings
            .iter()
            .map(|d| {
                let mut notes = Vec::new();
                if d.required {
                    notes.push("required".to_string());
                }
                if d.secret {
                    notes.push("secret".to_string());
                }
                if let Some(def) = &d.default {
                    notes.push(format!("default {def}"));
                }
                vec![format!("  {}", d.key), kind_name(&d.kind), notes.join(", ")]
            })
            .collect();
        if !rows.is_empty() {
            print_table(&["  SETTING", "TYPE", "NOTES"], &rows);
        }
    }
    Ok(())
}
