//! Named properties: the store's map between names (property set GUID and a number or
//! string) and property ids 0x8000..=0xFFFE, kept in the `named_props` table so an id
//! stays the same across logons and for every session of the file.
//!
//! `PS_MAPI` names are the ids below 0x8000 themselves and are not stored. Names in
//! `PS_INTERNET_HEADERS` compare with case ignored (header field names do).

use std::path::Path;

use mapi_types::object::{NAMED_PROP_MAX, NAMED_PROP_MIN, PS_INTERNET_HEADERS, PS_MAPI};
use mapi_types::{MapiUid, NameId, NameKind, PropTag, PropType};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use mapi_spi::{PropNames, Reply};
use mapi_types::object::{MAPI_CREATE, MAPI_NO_IDS, MAPI_NO_STRINGS};

use crate::error::LocalError;
use crate::message::Ctx;
use crate::props::check_flags;

/// Most names (or ids) one call may carry.
pub const MAX_PER_CALL: usize = 4096;
/// Longest string name, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// `PROP_TAG(PT_ERROR, 0)`: the tag of a name without an id.
pub const UNMAPPED: PropTag = PropTag::new(0, PropType::PT_ERROR);

/// The `name_key` column of a name.
fn key(name: &NameId) -> String {
    match &name.kind {
        NameKind::Id(lid) => lid.to_string(),
        NameKind::Name(s) if name.guid == PS_INTERNET_HEADERS => s.to_lowercase(),
        NameKind::Name(s) => s.clone(),
    }
}

fn check_names(names: &[NameId]) -> Result<(), LocalError> {
    if names.len() > MAX_PER_CALL {
        return Err(LocalError::InvalidParameter {
            detail: format!(
                "{} names in one call; at most {MAX_PER_CALL} are accepted",
                names.len()
            ),
        });
    }
    for (i, n) in names.iter().enumerate() {
        if let NameKind::Name(s) = &n.kind
            && (s.is_empty() || s.len() > MAX_NAME_BYTES || s.contains('\0'))
        {
            return Err(LocalError::InvalidParameter {
                detail: format!(
                    "name #{i} must have 1 to {MAX_NAME_BYTES} bytes and no NUL character"
                ),
            });
        }
    }
    Ok(())
}

fn lookup(conn: &Connection, name: &NameId) -> rusqlite::Result<Option<u16>> {
    if name.guid == PS_MAPI {
        return Ok(match name.kind {
            NameKind::Id(lid) if (1..i32::from(NAMED_PROP_MIN)).contains(&lid) => Some(lid as u16),
            _ => None,
        });
    }
    conn.prepare_cached(
        "SELECT id FROM named_props WHERE guid = ?1 AND kind = ?2 AND name_key = ?3",
    )?
    .query_row(
        params![&name.guid.as_bytes()[..], name.kind.mnid(), key(name)],
        |r| r.get::<_, i64>(0),
    )
    .optional()
    .map(|id| id.map(|id| id as u16))
}

/// `GetIDsFromNames`: each name's tag (`PT_UNSPECIFIED`), or [`UNMAPPED`]; with
/// `create` a new name gets the next free id (all new names in one transaction).
/// Returns the tags and whether any is unmapped.
pub fn ids_from_names(
    conn: &mut Connection,
    path: &Path,
    names: &[NameId],
    create: bool,
) -> Result<(Vec<PropTag>, bool), LocalError> {
    check_names(names)?;
    let sql = |e: rusqlite::Error| LocalError::from_sqlite(path, &e);
    let tx = conn
        .transaction_with_behavior(if create {
            TransactionBehavior::Immediate
        } else {
            TransactionBehavior::Deferred
        })
        .map_err(sql)?;
    let mut out = Vec::with_capacity(names.len());
    let mut missing = false;
    for name in names {
        let id = match lookup(&tx, name).map_err(sql)? {
            Some(id) => Some(id),
            None if create && name.guid != PS_MAPI => {
                let next: i64 = tx
                    .query_row(
                        "SELECT coalesce(max(id), ?1 - 1) + 1 FROM named_props",
                        [i64::from(NAMED_PROP_MIN)],
                        |r| r.get(0),
                    )
                    .map_err(sql)?;
                if next > i64::from(NAMED_PROP_MAX) {
                    return Err(LocalError::NamedPropQuota);
                }
                let (lid, text) = match &name.kind {
                    NameKind::Id(lid) => (Some(*lid), None),
                    NameKind::Name(s) => (None, Some(s.as_str())),
                };
                tx.prepare_cached(
                    "INSERT INTO named_props (id, guid, kind, lid, name, name_key)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        next,
                        &name.guid.as_bytes()[..],
                        name.kind.mnid(),
                        lid,
                        text,
                        key(name)
                    ])
                })
                .map_err(sql)?;
                Some(next as u16)
            }
            None => None,
        };
        match id {
            Some(id) => out.push(PropTag::new(id, PropType::PT_UNSPECIFIED)),
            None => {
                missing = true;
                out.push(UNMAPPED);
            }
        }
    }
    tx.commit().map_err(sql)?;
    Ok((out, missing))
}

fn name_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<NameId> {
    let guid: Vec<u8> = r.get(0)?;
    let guid = MapiUid::from_slice(&guid).unwrap_or_default();
    let kind: i64 = r.get(1)?;
    Ok(if kind == 0 {
        NameId::id(guid, r.get(2)?)
    } else {
        NameId {
            guid,
            kind: NameKind::Name(r.get(3)?),
        }
    })
}

/// The name of one id: `PS_MAPI` for an id below 0x8000, the map's entry above.
pub fn name_of_id(conn: &Connection, id: u16) -> rusqlite::Result<Option<NameId>> {
    if id == 0 {
        return Ok(None);
    }
    if id < NAMED_PROP_MIN {
        return Ok(Some(NameId::id(PS_MAPI, i32::from(id))));
    }
    conn.prepare_cached("SELECT guid, kind, lid, name FROM named_props WHERE id = ?1")?
        .query_row([i64::from(id)], name_of)
        .optional()
}

/// Every mapped name, in id order, of one property set or all.
pub fn all_names(
    conn: &Connection,
    guid: Option<&MapiUid>,
) -> rusqlite::Result<Vec<(u16, NameId)>> {
    let mut stmt =
        conn.prepare_cached("SELECT guid, kind, lid, name, id FROM named_props ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(4)? as u16, name_of(r)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name) = row?;
        if guid.is_none_or(|g| *g == name.guid) {
            out.push((id, name));
        }
    }
    Ok(out)
}

/// Whether a named id (0x8000 and up) has a name in the map.
pub fn is_mapped(conn: &Connection, id: u16) -> rusqlite::Result<bool> {
    Ok((NAMED_PROP_MIN..=NAMED_PROP_MAX).contains(&id) && name_of_id(conn, id)?.is_some())
}

/// `GetIDsFromNames` for any object of the store. `flags`: `MAPI_CREATE`.
pub fn get_ids(ctx: &Ctx, names: &[NameId], flags: u32) -> Result<Reply<Vec<PropTag>>, LocalError> {
    check_flags("GetIDsFromNames", flags, MAPI_CREATE)?;
    let (tags, missing) =
        ctx.with_conn(|conn| ids_from_names(conn, &ctx.path, names, flags & MAPI_CREATE != 0))?;
    Ok(Reply::warn_if(missing, tags))
}

/// `GetNamesFromIDs` for any object of the store. `flags`: `MAPI_NO_STRINGS`,
/// `MAPI_NO_IDS`.
pub fn get_names(
    ctx: &Ctx,
    tags: Option<&[PropTag]>,
    guid: Option<&MapiUid>,
    flags: u32,
) -> Result<Reply<PropNames>, LocalError> {
    check_flags("GetNamesFromIDs", flags, MAPI_NO_STRINGS | MAPI_NO_IDS)?;
    let wanted = |n: &NameId| match n.kind {
        NameKind::Id(_) => flags & MAPI_NO_IDS == 0,
        NameKind::Name(_) => flags & MAPI_NO_STRINGS == 0,
    };
    let sql = |e| ctx.sql(e);
    match tags {
        None => {
            let all = ctx.with_conn(|conn| all_names(conn, guid).map_err(sql))?;
            Ok(Reply::ok(
                all.into_iter()
                    .filter(|(_, n)| wanted(n))
                    .map(|(id, n)| (PropTag::new(id, PropType::PT_UNSPECIFIED), Some(n)))
                    .collect(),
            ))
        }
        Some(tags) => {
            if tags.len() > MAX_PER_CALL {
                return Err(LocalError::InvalidParameter {
                    detail: format!(
                        "{} ids in one call; at most {MAX_PER_CALL} are accepted",
                        tags.len()
                    ),
                });
            }
            let mut missing = false;
            let out = ctx.with_conn(|conn| {
                tags.iter()
                    .map(|t| {
                        let name = name_of_id(conn, t.id())
                            .map_err(sql)?
                            .filter(|n| wanted(n) && guid.is_none_or(|g| *g == n.guid));
                        missing |= name.is_none();
                        Ok((*t, name))
                    })
                    .collect::<Result<Vec<_>, LocalError>>()
            })?;
            Ok(Reply::warn_if(missing, out))
        }
    }
}
