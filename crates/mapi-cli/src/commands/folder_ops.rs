//! `mapi store mkdir / rmdir / mv / rm / flag`: IMAPIFolder's folder and message
//! operations on the default store, folders named as `store ls` takes them, messages by
//! the entry ids it prints.
//!
//! Messages are looked up first (each one's folder, from its PR_PARENT_ENTRYID): an
//! entry id the store does not hold (`MAPI_E_NOT_FOUND`) is reported and the others are
//! acted on, with the status `MAPI_W_PARTIAL_COMPLETION` (a warning on stderr, exit 0);
//! when none is found the command fails with `MAPI_E_NOT_FOUND`, and any other lookup
//! failure fails it before anything changed.

use mapi::folder::{CLEAR_READ_FLAG, DEL_FOLDERS, DEL_MESSAGES, MESSAGE_MOVE};
use mapi::link::AnyStore as Store;
use mapi::{EntryId, MapiStatus, Status, tags};
use serde_json::{Value, json};

use super::Ctx;
use super::store::{find_folder, parse_hex};
use crate::error::CliError;
use crate::output::{print_json, print_table, warn};

fn hex(id: &[u8]) -> String {
    mapi_types::hex::encode(id)
}

/// The top of the store: the hierarchy's folder without a parent.
fn top(store: &Store) -> Result<EntryId, CliError> {
    store
        .folders()?
        .iter()
        .find(|r| r.get(tags::PR_PARENT_ENTRYID).is_none())
        .and_then(|r| r.get(tags::PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .ok_or_else(|| {
            CliError::new(
                Status::MAPI_E_NOT_FOUND,
                "the store shows no top folder to make folders in; name one with --parent",
            )
        })
}

/// `mapi store mkdir NAME [--parent FOLDER]`.
pub fn mkdir(ctx: &Ctx, store: &Store, name: &str, parent: Option<&str>) -> Result<(), CliError> {
    let parent_id = match parent {
        Some(p) => find_folder(store, p)?,
        None => top(store)?,
    };
    let id = store.create_folder(&parent_id, name, 0)?;
    if ctx.json {
        print_json(&json!({"folder": name, "parent": parent, "entry_id": hex(&id)}));
    } else {
        println!("made folder {name} ({})", hex(&id));
    }
    Ok(())
}

/// `mapi store rmdir NAME [--force]`: `--force` is `DEL_MESSAGES | DEL_FOLDERS`.
pub fn rmdir(ctx: &Ctx, store: &Store, name: &str, force: bool) -> Result<(), CliError> {
    let id = find_folder(store, name)?;
    let parent = store
        .folders()?
        .iter()
        .find(|r| r.get(tags::PR_ENTRYID).and_then(|v| v.as_bytes()) == Some(&id[..]))
        .and_then(|r| {
            r.get(tags::PR_PARENT_ENTRYID)?
                .as_bytes()
                .map(<[u8]>::to_vec)
        })
        .ok_or_else(|| {
            CliError::new(
                Status::MAPI_E_NO_ACCESS,
                format!("\"{name}\" is the top of the store, which cannot be deleted"),
            )
        })?;
    let flags = if force { DEL_MESSAGES | DEL_FOLDERS } else { 0 };
    store.delete_folder(&parent, &id, flags).map_err(|e| {
        let mut err = CliError::from(e);
        if matches!(
            err.status,
            Status::MAPI_E_HAS_MESSAGES | Status::MAPI_E_HAS_FOLDERS
        ) {
            err.message.push_str(
                "; nothing was deleted: add --force to delete it with its messages and subfolders",
            );
        }
        err
    })?;
    if ctx.json {
        print_json(&json!({"folder": name, "deleted": true, "force": force}));
    } else {
        println!("deleted folder {name}");
    }
    Ok(())
}

/// The messages found, grouped by their folder (in the order given), and the entry ids
/// the store does not hold.
struct Found {
    groups: Vec<(EntryId, Vec<EntryId>)>,
    missing: Vec<String>,
}

fn locate(store: &Store, entry_ids: &[String]) -> Result<Found, CliError> {
    let ids = entry_ids
        .iter()
        .map(|t| parse_hex(t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut found = Found {
        groups: Vec::new(),
        missing: Vec::new(),
    };
    for id in ids {
        let parent = match store.open_message(&id, 0) {
            Ok(m) => m
                .get_props(Some(&[tags::PR_PARENT_ENTRYID]), 0)?
                .value
                .first()
                .and_then(|(_, v)| v.as_bytes().map(<[u8]>::to_vec)),
            Err(e) if e.status() == Status::MAPI_E_NOT_FOUND => None,
            Err(e) => return Err(e.into()),
        };
        match parent {
            None => found.missing.push(hex(&id)),
            Some(p) => match found.groups.iter_mut().find(|(f, _)| *f == p) {
                Some((_, list)) => list.push(id),
                None => found.groups.push((p, vec![id])),
            },
        }
    }
    if found.groups.is_empty() {
        return Err(CliError::new(
            Status::MAPI_E_NOT_FOUND,
            format!(
                "no message with entry id {} in the store; nothing changed",
                found.missing.join(", ")
            ),
        ));
    }
    Ok(found)
}

/// The command's status: `MAPI_W_PARTIAL_COMPLETION` when something was not found
/// (reported on stderr unless `--json`, where it is a key).
fn finish(ctx: &Ctx, mut out: Value, status: Status, missing: &[String]) {
    let status = if missing.is_empty() {
        status
    } else {
        Status::MAPI_W_PARTIAL_COMPLETION
    };
    if ctx.json {
        out["status"] = json!(status.name());
        out["not_found"] = json!(missing);
        print_json(&out);
    } else if status != Status::S_OK {
        let what = if missing.is_empty() {
            "some messages were not in their folder any more".to_string()
        } else {
            format!("not found: {}", missing.join(", "))
        };
        warn(&format!("{status}: {what}"));
    }
}

fn worst(a: Status, b: Status) -> Status {
    if b != Status::S_OK { b } else { a }
}

/// `mapi store mv ENTRY_ID... FOLDER`: `CopyMessages` with `MESSAGE_MOVE`.
pub fn mv(ctx: &Ctx, store: &Store, entry_ids: &[String], folder: &str) -> Result<(), CliError> {
    let dest = find_folder(store, folder)?;
    let mut found = locate(store, entry_ids)?;
    let mut status = Status::S_OK;
    let mut moved: Vec<(EntryId, EntryId)> = Vec::new();
    for (from, ids) in &found.groups {
        let r = store.copy_messages(from, ids, &dest, MESSAGE_MOVE)?;
        status = worst(status, r.status);
        for (old, new) in ids.iter().zip(r.value) {
            match new {
                Some(new) => moved.push((old.clone(), new)),
                None => found.missing.push(hex(old)),
            }
        }
    }
    if !ctx.json {
        println!("moved {} message(s) to {folder}", moved.len());
        let rows: Vec<Vec<String>> = moved.iter().map(|(o, n)| vec![hex(o), hex(n)]).collect();
        print_table(&["ENTRY ID", "NEW ENTRY ID"], &rows);
    }
    let out = json!({
        "folder": folder,
        "moved": moved
            .iter()
            .map(|(o, n)| json!({"entry_id": hex(o), "new_entry_id": hex(n)}))
            .collect::<Vec<_>>(),
    });
    finish(ctx, out, status, &found.missing);
    Ok(())
}

/// `mapi store rm ENTRY_ID...`: `DeleteMessages`.
pub fn rm(ctx: &Ctx, store: &Store, entry_ids: &[String]) -> Result<(), CliError> {
    let found = locate(store, entry_ids)?;
    let mut status = Status::S_OK;
    let mut n = 0;
    for (folder, ids) in &found.groups {
        status = worst(status, store.delete_messages(folder, ids, 0)?.status);
        n += ids.len();
    }
    if !ctx.json {
        println!("deleted {n} message(s)");
    }
    finish(ctx, json!({"deleted": n}), status, &found.missing);
    Ok(())
}

/// `mapi store flag ENTRY_ID... --read|--unread`: `SetReadFlags` (`CLEAR_READ_FLAG`
/// for `--unread`).
pub fn flag(ctx: &Ctx, store: &Store, entry_ids: &[String], read: bool) -> Result<(), CliError> {
    let found = locate(store, entry_ids)?;
    let flags = if read { 0 } else { CLEAR_READ_FLAG };
    let mut status = Status::S_OK;
    let mut n = 0;
    for (folder, ids) in &found.groups {
        status = worst(
            status,
            store.set_read_flags(folder, Some(ids), flags)?.status,
        );
        n += ids.len();
    }
    let state = if read { "read" } else { "unread" };
    if !ctx.json {
        println!("marked {n} message(s) {state}");
    }
    finish(
        ctx,
        json!({"flagged": n, "read": read}),
        status,
        &found.missing,
    );
    Ok(())
}
