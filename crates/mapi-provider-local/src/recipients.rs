//! A message's recipients (`IMessage::ModifyRecipients`, `GetRecipientTable`): the list
//! a message object holds until SaveChanges, its checks, and how it is kept in
//! `message_recipients` (one row per recipient, its properties in `mapi_types::codec`'s
//! encoding). A received message without saved rows (imported, or delivered) shows
//! the recipients of the MIME it keeps (`mapi_mime::recipients`), read when asked for:
//! an import writes no recipient rows.

use mapi_types::codec::{self, Reader};
use mapi_types::recipient::{
    self, MAPI_BCC, MAPI_CC, MAPI_TO, MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE,
    RecipientError,
};
use mapi_types::tags::*;
use mapi_types::{MemorySource, PropTag, PropType, PropValue, Row, Status};
use rusqlite::{Connection, params};

use crate::compose::MSGFLAG_UNSENT;
use crate::error::LocalError;
use crate::props::{MAX_PER_CALL, check_flags, value_problem};

pub use mapi_types::recipient::{MAX_RECIPIENTS, base_type};

/// The columns every recipient row has (others follow when set).
const COLUMNS: [PropTag; 7] = [
    PR_ROWID,
    PR_INSTANCE_KEY,
    PR_RECIPIENT_TYPE,
    PR_DISPLAY_NAME,
    PR_EMAIL_ADDRESS,
    PR_ADDRTYPE,
    PR_ENTRYID,
];

/// The recipient list of a message object.
#[derive(Clone, Debug, Default)]
pub struct Recipients {
    /// The rows, each with its PR_ROWID.
    pub rows: Vec<Row>,
    /// Changed since loaded or saved.
    pub dirty: bool,
}

fn row_id(row: &Row) -> Option<i64> {
    row.int(PR_ROWID)
}

/// Checks one row that is to be kept: the shared rules, with the values this store can
/// hold.
fn check_row(index: usize, row: &Row) -> Result<(), RecipientError> {
    recipient::check_row(index, row, MAX_PER_CALL, &|tag, value| {
        let bad_type = matches!(
            tag.prop_type(),
            PropType::PT_ERROR | PropType::PT_NULL | PropType::PT_UNSPECIFIED
        );
        !bad_type && value_problem(tag, value).is_none()
    })
}

fn local_error(e: RecipientError) -> LocalError {
    match e.status {
        Status::MAPI_E_NOT_FOUND => LocalError::NotFound { what: e.detail },
        _ => LocalError::InvalidParameter { detail: e.detail },
    }
}

impl Recipients {
    /// Applies a ModifyRecipients call, all or nothing.
    pub fn modify(&mut self, flags: u32, rows: &[Row]) -> Result<(), LocalError> {
        check_flags(
            "ModifyRecipients",
            flags,
            MODRECIP_ADD | MODRECIP_MODIFY | MODRECIP_REMOVE,
        )?;
        self.rows =
            recipient::modify_list(&self.rows, flags, rows, &check_row).map_err(local_error)?;
        self.dirty = true;
        Ok(())
    }

    /// The recipient table's rows and columns.
    pub fn table(&self) -> MemorySource {
        let mut columns = COLUMNS.to_vec();
        let rows: Vec<Row> = self
            .rows
            .iter()
            .map(|r| {
                let r = shown(r);
                for (tag, _) in &r.0 {
                    if !columns.iter().any(|c| c.id() == tag.id()) {
                        columns.push(*tag);
                    }
                }
                r
            })
            .collect();
        MemorySource::new(&columns, rows)
    }

    /// PR_DISPLAY_TO, PR_DISPLAY_CC and PR_DISPLAY_BCC: each kind's names, `; `
    /// between them.
    pub fn display(&self) -> [String; 3] {
        [MAPI_TO, MAPI_CC, MAPI_BCC].map(|kind| {
            self.rows
                .iter()
                .filter(|r| base_type(r) == Some(kind))
                .filter_map(|r| {
                    r.str(PR_DISPLAY_NAME)
                        .filter(|s| !s.trim().is_empty())
                        .or_else(|| r.str(PR_EMAIL_ADDRESS))
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
    }
}

/// The recipients of message `id`: the saved ones, or, for a received message
/// (not `MSGFLAG_UNSENT`) with none, those of its MIME ([`mime_rows`]).
pub fn load(conn: &Connection, id: i64) -> Result<Vec<Row>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT row_id, props FROM message_recipients WHERE message = ?1 ORDER BY row_id",
    )?;
    let rows = stmt
        .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    if !rows.is_empty() {
        return Ok(rows
            .into_iter()
            .map(|(row_id, bytes)| saved_row(&bytes, row_id))
            .collect());
    }
    let mut stmt = conn.prepare_cached("SELECT flags, raw FROM messages WHERE id = ?1")?;
    let mut found = stmt.query([id])?;
    if let Some(r) = found.next()?
        && r.get::<_, i64>(0)? & i64::from(MSGFLAG_UNSENT) == 0
    {
        let raw = r.get_ref(1)?.as_blob_or_null()?.unwrap_or_default();
        return Ok(mime_rows(raw));
    }
    Ok(Vec::new())
}

/// The recipients a received message's MIME names (To, Cc, Bcc), as a message holds
/// them, numbered from 1; none for no bytes.
pub fn mime_rows(raw: &[u8]) -> Vec<Row> {
    if raw.is_empty() {
        return Vec::new();
    }
    mapi_mime::recipients(&mapi_mime::MessageParser::new(), raw)
        .iter()
        .enumerate()
        .map(|(i, r)| recipient::kept(r, i as i64 + 1))
        .collect()
}

/// The recipient-table rows of a received message's MIME, for evaluating a
/// `RES_SUBRESTRICTION` on them.
pub fn mime_table_rows(raw: &[u8]) -> Vec<Row> {
    mime_rows(raw).iter().map(shown).collect()
}

/// A saved recipient (its `props` and `row_id` columns) as the message holds it. A row
/// that does not decode keeps only its id (the file was damaged).
fn saved_row(bytes: &[u8], row_id: i64) -> Row {
    let props = codec::decode_props(&mut Reader { b: bytes }).unwrap_or_default();
    recipient::kept(&Row(props), row_id)
}

/// A row of the recipient table as shown: with its PR_INSTANCE_KEY.
pub fn shown(row: &Row) -> Row {
    let mut r = row.clone();
    let id = row_id(&r).unwrap_or(0) as u32;
    r.set(
        PR_INSTANCE_KEY,
        PropValue::Binary(id.to_le_bytes().to_vec()),
    );
    r
}

/// The recipient-table row a saved recipient (its `props` and `row_id` columns) shows,
/// for evaluating a `RES_SUBRESTRICTION` on the saved rows.
pub fn table_row(bytes: &[u8], row_id: i64) -> Row {
    shown(&saved_row(bytes, row_id))
}

/// Replaces the saved recipients of message `id`.
pub fn save(conn: &Connection, id: i64, rows: &[Row]) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM message_recipients WHERE message = ?1")?
        .execute([id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO message_recipients (message, row_id, props) VALUES (?1, ?2, ?3)",
    )?;
    for row in rows {
        let props: Vec<(PropTag, PropValue)> = row
            .0
            .iter()
            .filter(|(t, _)| t.id() != PR_ROWID.id())
            .cloned()
            .collect();
        let mut bytes = Vec::new();
        codec::encode_props(&props, &mut bytes);
        insert.execute(params![id, row_id(row).unwrap_or(0), bytes])?;
    }
    Ok(())
}

/// Copies the saved recipients of message `from` to message `to`.
pub fn copy(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO message_recipients (message, row_id, props)
         SELECT ?1, row_id, props FROM message_recipients WHERE message = ?2",
    )?
    .execute([to, from])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rcpt(kind: i32, name: &str, email: &str) -> Row {
        let mut r = Row::default();
        r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
        r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
        r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.into()));
        r.set(PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
        r
    }

    #[test]
    fn the_flags_are_one_at_a_time_and_checked() {
        let mut r = Recipients::default();
        let row = rcpt(MAPI_TO, "Bob", "bob@example.org");
        assert_eq!(
            r.modify(MODRECIP_ADD | MODRECIP_REMOVE, std::slice::from_ref(&row))
                .unwrap_err(),
            LocalError::InvalidParameter {
                detail:
                    "ModifyRecipients takes one of MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE"
                        .into()
            }
        );
        assert!(matches!(
            r.modify(0x1, std::slice::from_ref(&row)),
            Err(LocalError::UnknownFlags { .. })
        ));
        assert!(r.rows.is_empty() && !r.dirty);
        let mut bad = row.clone();
        bad.set(PR_RECIPIENT_TYPE, PropValue::Long(7));
        assert!(r.modify(MODRECIP_ADD, &[row.clone(), bad]).is_err());
        assert!(r.rows.is_empty(), "all or nothing");
        r.modify(MODRECIP_ADD, &[row]).unwrap();
        assert_eq!(r.rows[0].int(PR_ROWID), Some(1));
    }
}
