//! `mapi provider ...`

use mapi_types::resource_type;
use serde_json::json;

use super::Ctx;
use crate::cli::ProviderCmd;
use crate::error::CliError;
use crate::output::{print_json, print_table};

/// Runs a provider command.
pub fn run(ctx: &Ctx, cmd: ProviderCmd) -> Result<(), CliError> {
    let store = ctx.store()?;
    let ProviderCmd::List { profile } = cmd;
    let table = store.provider_table(&profile)?;
    if ctx.json {
        print_json(&json!(
            table
                .iter()
                .map(|p| json!({
                    "uid": p.uid.to_string(),
                    "service_uid": p.service_uid.to_string(),
                    "service": p.service_name,
                    "display_name": p.display_name,
                    "provider_display": p.provider_display,
                    "resource_type": resource_type::name(p.resource_type),
                    "flags": p.flags.to_string(),
                    "ordinal": p.ordinal,
                }))
                .collect::<Vec<_>>()
        ));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = table
        .iter()
        .map(|p| {
            vec![
                p.ordinal.to_string(),
                p.uid.to_string(),
                p.service_name.clone(),
                resource_type::name(p.resource_type)
                    .unwrap_or("?")
                    .to_string(),
                p.display_name.clone(),
                p.flags.to_string(),
            ]
        })
        .collect();
    print_table(
        &["#", "UID", "SERVICE", "TYPE", "DISPLAY NAME", "FLAGS"],
        &rows,
    );
    Ok(())
}
