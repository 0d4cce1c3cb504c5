//! `mapi profile-store ...`: where the profile store is, its schema, and moving a user's
//! profiles between the SQLite file and PostgreSQL.

use mapi_profile::{ProfileStore, TransferCounts};
use serde_json::json;

use super::Ctx;
use crate::cli::ProfileStoreCmd;
use crate::error::CliError;
use crate::output::print_json;

/// Runs a profile-store command.
pub fn run(ctx: &Ctx, cmd: ProfileStoreCmd) -> Result<(), CliError> {
    match cmd {
        ProfileStoreCmd::Status => status(ctx, "status"),
        ProfileStoreCmd::Migrate => status(ctx, "migrate"),
        ProfileStoreCmd::Export { to } => {
            let from = ctx.store()?;
            let mut target = ProfileStore::open_location(&ctx.home, Some(&to))?;
            let counts = from.transfer_to(&mut target)?;
            report(ctx, &from, &target, &counts)
        }
        ProfileStoreCmd::Import { from } => {
            let source = ProfileStore::open_location(&ctx.home, Some(&from))?;
            let mut target = ctx.store()?;
            let counts = source.transfer_to(&mut target)?;
            report(ctx, &source, &target, &counts)
        }
    }
}

/// `status` and `migrate`: opening the store checks its version and applies the
/// migrations this program has (a newer store is refused with MAPI_E_VERSION).
fn status(ctx: &Ctx, verb: &str) -> Result<(), CliError> {
    let store = ctx.store()?;
    let version = store.schema_version()?;
    let kind = match store.kind() {
        mapi_profile::db::Kind::Sqlite => "sqlite",
        mapi_profile::db::Kind::Postgres => "postgres",
    };
    let profiles = store.profile_table()?.len();
    if ctx.json {
        print_json(&json!({
            "command": verb,
            "store": store.location(),
            "backend": kind,
            "schema_version": version,
            "profiles": profiles,
        }));
    } else {
        println!("store:          {}", store.location());
        println!("backend:        {kind}");
        println!("schema version: {version} (up to date)");
        println!("profiles:       {profiles}");
    }
    Ok(())
}

fn report(
    ctx: &Ctx,
    from: &ProfileStore,
    to: &ProfileStore,
    c: &TransferCounts,
) -> Result<(), CliError> {
    if ctx.json {
        print_json(&json!({
            "from": from.location(),
            "to": to.location(),
            "profiles": c.profiles,
            "services": c.services,
            "providers": c.providers,
            "properties": c.properties,
            "secrets_missing": c.secrets_missing,
        }));
    } else {
        println!(
            "copied {} profiles, {} services, {} providers, {} properties from {} to {}",
            c.profiles,
            c.services,
            c.providers,
            c.properties,
            from.location(),
            to.location()
        );
        if c.secrets_missing > 0 {
            println!(
                "{} secrets could not be read at the source and were left out; set them again",
                c.secrets_missing
            );
        }
    }
    Ok(())
}
