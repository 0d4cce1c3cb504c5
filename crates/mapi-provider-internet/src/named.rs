//! Named properties of the IMAP store: the map between names (a property set GUID and
//! a number or string) and property ids 0x8000..=0xFFFE, kept in the cache's
//! `named_props` table, so an id stays the same across logons and for every object of
//! the account (GetIDsFromNames / GetNamesFromIDs answer the same on the store, its
//! folders and its messages).
//!
//! `PS_MAPI` names are the ids below 0x8000 themselves and are not stored. Names in
//! `PS_INTERNET_HEADERS` compare with case ignored (header field names do), and on a
//! message they are its header fields: GetProps of such an id as `PT_UNICODE` (or
//! `PT_STRING8`) gives the value of the last field of that name, unfolded (RFC 5322
//! §2.2.3: only the line breaks go) and trimmed; a draft given one by SetProps writes
//! it as a header field of the saved message.

use std::sync::Mutex;

use mapi_spi::{PropNames, ProviderError, ProviderResult, Reply};
use mapi_types::object::{
    MAPI_CREATE, MAPI_NO_IDS, MAPI_NO_STRINGS, NAMED_PROP_MAX, NAMED_PROP_MIN, PS_INTERNET_HEADERS,
    PS_MAPI,
};
use mapi_types::{MapiUid, NameId, NameKind, PropTag, PropType, PropValue, Row, Status};
use rusqlite::{Connection, OptionalExtension, params};

use crate::cache::Cache;
use crate::draft::check_flags;
use crate::sync::lock;

/// Most names (or ids) one call may carry.
pub const MAX_PER_CALL: usize = 4096;
/// Longest string name, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

/// `PROP_TAG(PT_ERROR, 0)`: the tag of a name without an id.
pub const UNMAPPED: PropTag = PropTag::new(0, PropType::PT_ERROR);

fn invalid(detail: String) -> ProviderError {
    ProviderError::new(Status::MAPI_E_INVALID_PARAMETER, detail)
}

fn sql(cache: &Cache, e: rusqlite::Error) -> ProviderError {
    crate::error::InternetError::cache(cache.path(), e).into()
}

/// The `name_key` column of a name.
fn key(name: &NameId) -> String {
    match &name.kind {
        NameKind::Id(lid) => lid.to_string(),
        NameKind::Name(s) if name.guid == PS_INTERNET_HEADERS => s.to_ascii_lowercase(),
        NameKind::Name(s) => s.clone(),
    }
}

fn check_names(names: &[NameId]) -> ProviderResult<()> {
    if names.len() > MAX_PER_CALL {
        return Err(invalid(format!(
            "GetIDsFromNames: {} names (at most {MAX_PER_CALL})",
            names.len()
        )));
    }
    for (i, n) in names.iter().enumerate() {
        if let NameKind::Name(s) = &n.kind
            && (s.is_empty() || s.len() > MAX_NAME_BYTES || s.contains('\0'))
        {
            return Err(invalid(format!(
                "GetIDsFromNames: name #{i} must have 1 to {MAX_NAME_BYTES} bytes and no NUL"
            )));
        }
        if n.guid == PS_INTERNET_HEADERS
            && let NameKind::Name(s) = &n.kind
            && !is_field_name(s)
        {
            return Err(invalid(format!(
                "GetIDsFromNames: name #{i} is not a header field name (printable ASCII, no colon)"
            )));
        }
    }
    Ok(())
}

/// RFC 5322 §3.6.8: printable US-ASCII but the colon.
fn is_field_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| (33..=126).contains(&b) && b != b':')
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

/// `GetIDsFromNames` for any object of the store. `flags`: `MAPI_CREATE`.
pub fn get_ids(
    db: &Mutex<Cache>,
    names: &[NameId],
    flags: u32,
) -> ProviderResult<Reply<Vec<PropTag>>> {
    check_flags("GetIDsFromNames", flags, MAPI_CREATE)?;
    check_names(names)?;
    let create = flags & MAPI_CREATE != 0;
    let cache = lock(db);
    let conn = cache.conn();
    let run = || -> rusqlite::Result<Result<(Vec<PropTag>, bool), ProviderError>> {
        conn.execute_batch(if create { "BEGIN IMMEDIATE" } else { "BEGIN" })?;
        let mut out = Vec::with_capacity(names.len());
        let mut missing = false;
        for name in names {
            let id = match lookup(conn, name)? {
                Some(id) => Some(id),
                None if create && name.guid != PS_MAPI => {
                    let next: i64 = conn.query_row(
                        "SELECT coalesce(max(id), ?1 - 1) + 1 FROM named_props",
                        [i64::from(NAMED_PROP_MIN)],
                        |r| r.get(0),
                    )?;
                    if next > i64::from(NAMED_PROP_MAX) {
                        return Ok(Err(ProviderError::new(
                            Status::MAPI_E_NOT_ENOUGH_RESOURCES,
                            "GetIDsFromNames: every named property id of the store is taken",
                        )));
                    }
                    let (lid, text) = match &name.kind {
                        NameKind::Id(lid) => (Some(*lid), None),
                        NameKind::Name(s) => (None, Some(s.as_str())),
                    };
                    conn.prepare_cached(
                        "INSERT INTO named_props (id, guid, kind, lid, name, name_key)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![
                        next,
                        &name.guid.as_bytes()[..],
                        name.kind.mnid(),
                        lid,
                        text,
                        key(name)
                    ])?;
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
        Ok(Ok((out, missing)))
    };
    match run() {
        Ok(Ok((tags, missing))) => {
            conn.execute_batch("COMMIT").map_err(|e| sql(&cache, e))?;
            Ok(Reply::warn_if(missing, tags))
        }
        Ok(Err(e)) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(sql(&cache, e))
        }
    }
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
fn name_of_id(conn: &Connection, id: u16) -> rusqlite::Result<Option<NameId>> {
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
fn all_names(conn: &Connection, guid: Option<&MapiUid>) -> rusqlite::Result<Vec<(u16, NameId)>> {
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

/// `GetNamesFromIDs` for any object of the store. `flags`: `MAPI_NO_STRINGS`,
/// `MAPI_NO_IDS`.
pub fn get_names(
    db: &Mutex<Cache>,
    tags: Option<&[PropTag]>,
    guid: Option<&MapiUid>,
    flags: u32,
) -> ProviderResult<Reply<PropNames>> {
    check_flags("GetNamesFromIDs", flags, MAPI_NO_STRINGS | MAPI_NO_IDS)?;
    let wanted = |n: &NameId| match n.kind {
        NameKind::Id(_) => flags & MAPI_NO_IDS == 0,
        NameKind::Name(_) => flags & MAPI_NO_STRINGS == 0,
    };
    let cache = lock(db);
    let conn = cache.conn();
    match tags {
        None => {
            let all = all_names(conn, guid).map_err(|e| sql(&cache, e))?;
            Ok(Reply::ok(
                all.into_iter()
                    .filter(|(_, n)| wanted(n))
                    .map(|(id, n)| (PropTag::new(id, PropType::PT_UNSPECIFIED), Some(n)))
                    .collect(),
            ))
        }
        Some(tags) => {
            if tags.len() > MAX_PER_CALL {
                return Err(invalid(format!(
                    "GetNamesFromIDs: {} ids (at most {MAX_PER_CALL})",
                    tags.len()
                )));
            }
            let mut missing = false;
            let mut out = Vec::with_capacity(tags.len());
            for t in tags {
                let name = name_of_id(conn, t.id())
                    .map_err(|e| sql(&cache, e))?
                    .filter(|n| wanted(n) && guid.is_none_or(|g| *g == n.guid));
                missing |= name.is_none();
                out.push((*t, name));
            }
            Ok(Reply::warn_if(missing, out))
        }
    }
}

/// Header fields a saved message's composer writes from its properties (PR_SUBJECT,
/// the recipients, ...): a draft takes none of them as a named property.
const COMPOSED: [&str; 14] = [
    "Subject",
    "From",
    "Sender",
    "To",
    "Cc",
    "Bcc",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
];

/// Whether the composer writes header field `name` itself.
pub fn is_composed(name: &str) -> bool {
    COMPOSED.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// Whether a named id (0x8000 and up) has a name in the map.
pub fn is_mapped(db: &Mutex<Cache>, id: u16) -> bool {
    let cache = lock(db);
    (NAMED_PROP_MIN..=NAMED_PROP_MAX).contains(&id)
        && name_of_id(cache.conn(), id).ok().flatten().is_some()
}

/// The problem (if any) with setting named property `tag` to `value` on a draft: a
/// `PS_INTERNET_HEADERS` name the composer does not write, as a string of one line,
/// becomes a header field; an unmapped id is MAPI_E_UNEXPECTED_ID, and another mapped
/// name MAPI_E_NO_SUPPORT (an IMAP message has nowhere to keep it).
pub fn set_problem(db: &Mutex<Cache>, tag: PropTag, value: &PropValue) -> Option<Status> {
    let Some(name) = header_name(db, tag.id()) else {
        return Some(if is_mapped(db, tag.id()) {
            Status::MAPI_E_NO_SUPPORT
        } else {
            Status::MAPI_E_UNEXPECTED_ID
        });
    };
    if is_composed(&name) {
        return Some(Status::MAPI_E_COMPUTED);
    }
    let t = tag.prop_type();
    if t != PropType::PT_UNICODE && t != PropType::PT_STRING8 {
        return Some(Status::MAPI_E_INVALID_TYPE);
    }
    match value.as_str() {
        Some(v) if v.len() <= 998 && !v.chars().any(|c| c.is_control() && c != '\t') => None,
        _ => Some(Status::MAPI_E_BAD_VALUE),
    }
}

/// The header field lines a draft's named `PS_INTERNET_HEADERS` properties in `row`
/// give (`headers`: the map's header names by id).
pub fn header_lines(row: &Row, headers: &[(u16, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (tag, v) in &row.0 {
        let Some((_, name)) = headers.iter().find(|(id, _)| *id == tag.id()) else {
            continue;
        };
        if let Some(v) = v.as_str().filter(|_| tag.is_named() && !is_composed(name)) {
            out.extend_from_slice(format!("{name}: {v}\r\n").as_bytes());
        }
    }
    out
}

/// The header field name an id is mapped to in `PS_INTERNET_HEADERS`, if it is.
pub fn header_name(db: &Mutex<Cache>, id: u16) -> Option<String> {
    if id < NAMED_PROP_MIN {
        return None;
    }
    let cache = lock(db);
    match name_of_id(cache.conn(), id) {
        Ok(Some(NameId {
            guid,
            kind: NameKind::Name(s),
        })) if guid == PS_INTERNET_HEADERS => Some(s),
        _ => None,
    }
}

/// Every `PS_INTERNET_HEADERS` name of the map, with its id.
pub fn header_names(db: &Mutex<Cache>) -> Vec<(u16, String)> {
    let cache = lock(db);
    all_names(cache.conn(), Some(&PS_INTERNET_HEADERS))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(id, n)| match n.kind {
            NameKind::Name(s) => Some((id, s)),
            NameKind::Id(_) => None,
        })
        .collect()
}

/// The value of header field `name` in a header block: the last such field, unfolded
/// and trimmed.
pub fn header_value(block: &[u8], name: &str) -> Option<String> {
    let raw = mapi_mime::header::last_field(block, name)?;
    let unfolded: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect();
    Some(String::from_utf8_lossy(&unfolded).trim().to_string())
}

/// `row` with the `PS_INTERNET_HEADERS` names of the map that name a field of the
/// message's header block (PR_TRANSPORT_MESSAGE_HEADERS) set to that field's value.
pub fn with_headers(db: &Mutex<Cache>, row: &Row) -> Row {
    let Some(block) = row.str(mapi_types::tags::PR_TRANSPORT_MESSAGE_HEADERS) else {
        return row.clone();
    };
    let mut out = row.clone();
    for (id, name) in header_names(db) {
        if let Some(v) = header_value(block.as_bytes(), &name) {
            out.set(
                PropTag::new(id, PropType::PT_UNICODE),
                PropValue::Unicode(v),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_unfold_and_take_the_last_field() {
        let block = b"X-Mailer: one\r\nSubject: a\r\n long\r\nx-mailer: two\r\n\tthree\r\n";
        assert_eq!(
            header_value(block, "X-MAILER").as_deref(),
            Some("two\tthree")
        );
        assert_eq!(header_value(block, "subject").as_deref(), Some("a long"));
        assert_eq!(header_value(block, "To"), None);
        assert!(is_field_name("X-Mailer") && !is_field_name("X:M") && !is_field_name("a b"));
    }
}
