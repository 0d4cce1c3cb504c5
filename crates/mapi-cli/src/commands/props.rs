//! `mapi store props ENTRY_ID [--tag TAG...]`: GetProps of the object an entry id names
//! (a message, folder or store, found by the session's OpenEntry in any open store).

use mapi::link::AnySession;
use mapi::object::MAPI_UNICODE;
use mapi::{PropTag, PropValue, Status};
use serde_json::{Value, json};

use super::Ctx;
use crate::error::CliError;
use crate::output::{print_json, print_table, prop_key, row_json, value_text, warn};

/// Parses a property tag given as hex (`0x0037001F` or `0037001F`).
fn parse_tag(text: &str) -> Result<PropTag, CliError> {
    let t = text.trim();
    let digits = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    if digits.is_empty() || digits.len() > 8 {
        return Err(bad_tag(t));
    }
    u32::from_str_radix(digits, 16)
        .map(PropTag)
        .map_err(|_| bad_tag(t))
}

fn bad_tag(t: &str) -> CliError {
    CliError::invalid(format!(
        "{t:?} is not a property tag (8 hex digits, e.g. 0x0037001F for PR_SUBJECT)"
    ))
}

/// Runs `store props`.
pub fn props(
    ctx: &Ctx,
    session: &AnySession,
    entry: &[u8],
    tags: &[String],
) -> Result<(), CliError> {
    let tags = tags
        .iter()
        .map(|t| parse_tag(t))
        .collect::<Result<Vec<_>, _>>()?;
    let (_, object) = session.open_entry(entry, 0)?;
    let reply = object.get_props((!tags.is_empty()).then_some(&tags[..]), MAPI_UNICODE)?;
    if ctx.json {
        let props: Vec<Value> = reply
            .value
            .iter()
            .map(|(tag, v)| {
                let mut p = json!({
                    "tag": format!("0x{:08X}", tag.0),
                    "name": tag.name(),
                });
                match v {
                    PropValue::Error(code) => p["error"] = json!(status_text(Status(*code))),
                    v => {
                        let row = mapi::Row(vec![(*tag, v.clone())]);
                        p["value"] = row_json(&row)[prop_key(*tag)].clone();
                    }
                }
                p
            })
            .collect();
        print_json(&json!({
            "status": status_text(reply.status),
            "props": props,
        }));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = reply
        .value
        .iter()
        .map(|(tag, v)| {
            let value = match v {
                PropValue::Error(code) => format!("(error {})", status_text(Status(*code))),
                v => mapi::printable(&value_text(v)).into_owned(),
            };
            vec![
                format!("0x{:08X}", tag.0),
                tag.name().unwrap_or("").to_string(),
                value,
            ]
        })
        .collect();
    print_table(&["TAG", "NAME", "VALUE"], &rows);
    if reply.status != Status::S_OK {
        warn(&format!(
            "{}: some properties could not be returned",
            status_text(reply.status)
        ));
    }
    Ok(())
}

fn status_text(s: Status) -> String {
    match s.name() {
        Some(n) => n.to_string(),
        None => format!("0x{:08X}", s.0),
    }
}
