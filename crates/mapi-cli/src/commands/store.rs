//! `mapi store ...`: the default store of a logon.

use std::path::{Path, PathBuf};

use mapi::link::AnyStore as Store;
use mapi::listing::Listing;
use mapi::{LogoffFlags, Row, tags};
use serde_json::{Value, json};

use super::Ctx;
use super::logon::{logon, open};
use crate::cli::StoreCmd;
use crate::error::CliError;
use crate::output::{print_json, print_table, value_text};

/// Runs a store command.
pub fn run(ctx: &Ctx, cmd: StoreCmd) -> Result<(), CliError> {
    let mapi = open(ctx)?;
    let args = match &cmd {
        StoreCmd::Folders { logon } | StoreCmd::Ls { logon, .. } => logon,
        StoreCmd::Import { logon, .. } | StoreCmd::Show { logon, .. } => logon,
        StoreCmd::SaveAttachment { logon, .. } | StoreCmd::Props { logon, .. } => logon,
        StoreCmd::Mkdir { logon, .. } | StoreCmd::Rmdir { logon, .. } => logon,
        StoreCmd::Mv { logon, .. } | StoreCmd::Rm { logon, .. } => logon,
        StoreCmd::Flag { logon, .. } => logon,
    };
    let session = logon(&mapi, args)?;
    let out = (|| {
        let store = session.default_store()?;
        match cmd {
            StoreCmd::Folders { .. } => folders(ctx, &store),
            StoreCmd::Ls {
                folder,
                sort,
                where_,
                limit,
                offset,
                ..
            } => {
                let listing = Listing::parse(where_.as_deref(), sort.as_deref(), offset, limit)?;
                ls(ctx, &store, &folder, &listing)
            }
            StoreCmd::Import { files, folder, .. } => import(ctx, &store, &files, &folder),
            StoreCmd::Show {
                entry_id,
                attachments: true,
                ..
            } => list_attachments(ctx, &store, &entry_id),
            StoreCmd::Show { entry_id, raw, .. } => show(ctx, &store, &entry_id, raw),
            StoreCmd::SaveAttachment {
                entry_id,
                num,
                file,
                ..
            } => save_attachment(ctx, &store, &entry_id, num, &file),
            StoreCmd::Props { entry_id, tags, .. } => {
                super::props::props(ctx, &session, &parse_hex(&entry_id)?, &tags)
            }
            StoreCmd::Mkdir { name, parent, .. } => {
                super::folder_ops::mkdir(ctx, &store, &name, parent.as_deref())
            }
            StoreCmd::Rmdir { name, force, .. } => {
                super::folder_ops::rmdir(ctx, &store, &name, force)
            }
            StoreCmd::Mv {
                entry_ids, folder, ..
            } => super::folder_ops::mv(ctx, &store, &entry_ids, &folder),
            StoreCmd::Rm { entry_ids, .. } => super::folder_ops::rm(ctx, &store, &entry_ids),
            StoreCmd::Flag {
                entry_ids, unread, ..
            } => super::folder_ops::flag(ctx, &store, &entry_ids, !unread),
        }
    })();
    session.logoff(LogoffFlags::default());
    out
}

fn folders(ctx: &Ctx, store: &Store) -> Result<(), CliError> {
    let rows = store.folders()?;
    if ctx.json {
        print_json(&Value::Array(
            rows.iter()
                .map(|r| {
                    json!({
                        "display_name": r.str(tags::PR_DISPLAY_NAME),
                        "entry_id": r.get(tags::PR_ENTRYID).map(value_text),
                        "parent_entry_id": r.get(tags::PR_PARENT_ENTRYID).map(value_text),
                        "content_count": r.int(tags::PR_CONTENT_COUNT),
                        "content_unread": r.int(tags::PR_CONTENT_UNREAD),
                    })
                })
                .collect(),
        ));
        return Ok(());
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let indent = if r.get(tags::PR_PARENT_ENTRYID).is_some() {
                "  "
            } else {
                ""
            };
            vec![
                format!("{indent}{}", r.str(tags::PR_DISPLAY_NAME).unwrap_or("")),
                r.int(tags::PR_CONTENT_COUNT).unwrap_or(0).to_string(),
                r.int(tags::PR_CONTENT_UNREAD).unwrap_or(0).to_string(),
            ]
        })
        .collect();
    print_table(&["FOLDER", "MESSAGES", "UNREAD"], &table);
    Ok(())
}

/// Finds a folder by display name (case ignored).
pub(super) fn find_folder(store: &Store, name: &str) -> Result<Vec<u8>, CliError> {
    let rows = store.folders()?;
    rows.iter()
        .find(|r| {
            r.str(tags::PR_DISPLAY_NAME)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|r| r.get(tags::PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .ok_or_else(|| {
            let names: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.str(tags::PR_DISPLAY_NAME))
                .collect();
            CliError::new(
                mapi::Status::MAPI_E_NOT_FOUND,
                format!("no folder named \"{name}\" (folders: {})", names.join(", ")),
            )
        })
}

fn message_json(r: &Row) -> Value {
    json!({
        "entry_id": r.get(tags::PR_ENTRYID).map(value_text),
        "subject": r.str(tags::PR_SUBJECT).unwrap_or(""),
        "from": sender(r),
        "delivery_time": r.get(tags::PR_MESSAGE_DELIVERY_TIME).map(value_text),
        "size": r.int(tags::PR_MESSAGE_SIZE),
        "to": r.str(tags::PR_DISPLAY_TO),
        "unread": r.int(tags::PR_MESSAGE_FLAGS).map(|f| f & MSGFLAG_READ == 0),
    })
}

/// `MSGFLAG_READ`.
const MSGFLAG_READ: i64 = 0x1;

fn sender(r: &Row) -> String {
    match (
        r.str(tags::PR_SENDER_NAME),
        r.str(tags::PR_SENDER_EMAIL_ADDRESS),
    ) {
        (Some(n), Some(e)) if !n.is_empty() && n != e => format!("{n} <{e}>"),
        (_, Some(e)) => e.to_string(),
        (Some(n), None) => n.to_string(),
        (None, None) => String::new(),
    }
}

fn ls(ctx: &Ctx, store: &Store, folder: &str, listing: &Listing) -> Result<(), CliError> {
    let id = find_folder(store, folder)?;
    let mut table = store.get_contents_table(&id, 0)?;
    let rows = listing.run(&mut table)?;
    if ctx.json {
        print_json(&Value::Array(rows.iter().map(message_json).collect()));
        return Ok(());
    }
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.get(tags::PR_MESSAGE_DELIVERY_TIME)
                    .map(value_text)
                    .unwrap_or_default(),
                sender(r),
                r.str(tags::PR_SUBJECT).unwrap_or("").to_string(),
                r.int(tags::PR_MESSAGE_SIZE).unwrap_or(0).to_string(),
                r.get(tags::PR_ENTRYID).map(value_text).unwrap_or_default(),
            ]
        })
        .collect();
    print_table(&["RECEIVED", "FROM", "SUBJECT", "SIZE", "ENTRY ID"], &lines);
    Ok(())
}

fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| io_err(p, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x.eq_ignore_ascii_case("eml")))
                .collect();
            entries.sort();
            out.extend(entries);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn io_err(p: &Path, e: std::io::Error) -> CliError {
    let status = match e.kind() {
        std::io::ErrorKind::NotFound => mapi::Status::MAPI_E_NOT_FOUND,
        std::io::ErrorKind::PermissionDenied => mapi::Status::MAPI_E_NO_ACCESS,
        _ => mapi::Status::MAPI_E_DISK_ERROR,
    };
    CliError::new(status, format!("cannot read {}: {e}", p.display()))
}

fn import(ctx: &Ctx, store: &Store, files: &[PathBuf], folder: &str) -> Result<(), CliError> {
    let id = find_folder(store, folder)?;
    let files = collect_files(files)?;
    let mut messages = Vec::with_capacity(files.len());
    for f in &files {
        let data = std::fs::read(f).map_err(|e| io_err(f, e))?;
        // an mbox (or one message after a `From ` line): its messages
        let parts = if mapi::mbox::is_mbox(&data) {
            mapi::mbox::messages(data)
        } else {
            vec![data]
        };
        for (i, m) in parts.iter().enumerate() {
            mapi::mbox::check_header_block(m).map_err(|why| {
                let which = if parts.len() > 1 {
                    format!("message {} of ", i + 1)
                } else {
                    String::new()
                };
                CliError::new(
                    mapi::Status::MAPI_E_CORRUPT_DATA,
                    format!(
                        "{which}{} is not an RFC 5322 message ({why}); nothing was imported",
                        f.display()
                    ),
                )
            })?;
        }
        messages.extend(parts);
    }
    let ids = store.import_raw(&id, messages)?;
    if ctx.json {
        print_json(&json!({"folder": folder, "imported": ids.len()}));
    } else {
        println!("imported {} message(s) into {folder}", ids.len());
    }
    Ok(())
}

pub(super) fn parse_hex(text: &str) -> Result<Vec<u8>, CliError> {
    let t = text.trim();
    let bad = || {
        CliError::invalid(format!(
            "{t:?} is not an entry id (hex digits, as `mapi store ls` prints)"
        ))
    };
    match mapi_types::hex::decode(t) {
        Some(b) if !b.is_empty() => Ok(b),
        _ => Err(bad()),
    }
}

fn show(ctx: &Ctx, store: &Store, entry: &str, raw: bool) -> Result<(), CliError> {
    let id = parse_hex(entry)?;
    if raw {
        let bytes = store.read_raw(&id)?;
        use std::io::Write;
        std::io::stdout()
            .write_all(&bytes)
            .map_err(|e| CliError::new(mapi::Status::MAPI_E_DISK_ERROR, e.to_string()))?;
        return Ok(());
    }
    let msg = store.read_message(&id)?;
    if ctx.json {
        let mut v = message_json(&msg);
        v["body"] = json!(msg.str(tags::PR_BODY).unwrap_or(""));
        print_json(&v);
        return Ok(());
    }
    println!("From:    {}", sender(&msg));
    println!("To:      {}", msg.str(tags::PR_DISPLAY_TO).unwrap_or(""));
    println!("Subject: {}", msg.str(tags::PR_SUBJECT).unwrap_or(""));
    println!(
        "Date:    {}",
        msg.get(tags::PR_MESSAGE_DELIVERY_TIME)
            .map(value_text)
            .unwrap_or_default()
    );
    println!();
    println!("{}", msg.str(tags::PR_BODY).unwrap_or(""));
    Ok(())
}

fn list_attachments(ctx: &Ctx, store: &Store, entry: &str) -> Result<(), CliError> {
    let list = mapi::attachments::list_in(store, &parse_hex(entry)?)?;
    if ctx.json {
        print_json(&Value::Array(
            list.iter()
                .map(|a| {
                    json!({
                        "num": a.num,
                        "file_name": a.file_name,
                        "mime_tag": a.mime_tag,
                        "size": a.size,
                        "embedded_message": a.embedded_message,
                    })
                })
                .collect(),
        ));
        return Ok(());
    }
    let table: Vec<Vec<String>> = list
        .iter()
        .map(|a| {
            vec![
                a.num.to_string(),
                mapi::printable(a.file_name.as_deref().unwrap_or("")).into_owned(),
                a.mime_tag.clone(),
                a.size.to_string(),
            ]
        })
        .collect();
    print_table(&["NUM", "NAME", "TYPE", "SIZE"], &table);
    Ok(())
}

/// Writes attachment `num` to `file` through a temporary file beside it, so a failure
/// leaves no partial file and an existing one unchanged.
fn save_attachment(
    ctx: &Ctx,
    store: &Store,
    entry: &str,
    num: usize,
    file: &Path,
) -> Result<(), CliError> {
    let mut data = mapi::attachments::data_in(store, &parse_hex(entry)?, num)?;
    let disk = |e: std::io::Error| {
        CliError::new(
            mapi::Status::MAPI_E_DISK_ERROR,
            format!("cannot write {}: {e}", file.display()),
        )
    };
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(disk)?;
    let mut buf = vec![0; 1 << 20];
    let mut size = 0;
    loop {
        let n = data.read(&mut buf)?;
        if n == 0 {
            break;
        }
        std::io::Write::write_all(&mut tmp, &buf[..n]).map_err(disk)?;
        size += n;
    }
    tmp.persist(file).map_err(|e| disk(e.error))?;
    if ctx.json {
        print_json(&json!({ "num": num, "file": file.display().to_string(), "size": size }));
    } else {
        println!(
            "saved attachment {num} ({size} bytes) to {}",
            file.display()
        );
    }
    Ok(())
}
