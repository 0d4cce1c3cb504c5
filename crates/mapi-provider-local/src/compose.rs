//! Messages made through CreateMessage: their first row, and the RFC 5322 form of an
//! unsent message (`MSGFLAG_UNSENT`) built from its properties by `mapi-mime`'s
//! [`Composer`] (the one composer of every store), so
//! `read_raw` and every MIME reader see what SetProps and the streams wrote. A message
//! that is not unsent (one imported or received, or created in a receive folder once
//! first saved) keeps the MIME it has.
//!
//! What goes into the message follows the composer's rules, from the stored columns,
//! `message_props`, the saved recipients (MAPI_BCC ones are not written) and the saved
//! attachments (see `compose_attach`); a message without PR_INTERNET_MESSAGE_ID gets
//! one made here, and kept.

use mapi_mime::Composer;
use mapi_types::tags::*;
use mapi_types::{PropTag, PropValue, Row};
use rusqlite::{Connection, OptionalExtension, params};

use crate::message::chunked_body;
use crate::props;

/// `MSGFLAG_UNSENT`.
pub const MSGFLAG_UNSENT: i32 = 0x8;

/// Why a message could not be built.
pub enum BuildError {
    /// Reading or writing the database.
    Sql(rusqlite::Error),
    /// Writing the MIME form into the database.
    Io(std::io::Error),
}

impl From<rusqlite::Error> for BuildError {
    fn from(e: rusqlite::Error) -> BuildError {
        BuildError::Sql(e)
    }
}

fn now_filetime() -> i64 {
    mapi_types::filetime_now() as i64
}

/// Inserts the row of a created message in `folder` (delivery time now, every text
/// empty); `None` when the folder is gone.
pub fn insert_new(conn: &Connection, folder: i64) -> rusqlite::Result<Option<i64>> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM folders WHERE id = ?1)")?
        .query_row([folder], |r| r.get(0))?;
    if !exists {
        return Ok(None);
    }
    conn.prepare_cached(
        "INSERT INTO messages (folder, subject, sender_name, sender_email, display_to,
             display_cc, delivery_time, submit_time, size, message_id, flags, has_attach,
             body, raw)
         VALUES (?1, '', '', '', '', '', ?2, NULL, 0, NULL, 0, 0, '', x'')",
    )?
    .execute(params![folder, now_filetime()])?;
    Ok(Some(conn.last_insert_rowid()))
}

/// A property of the message from `message_props` as text (`None` when absent or
/// deleted).
fn prop_text(conn: &Connection, id: i64, tag: PropTag) -> rusqlite::Result<Option<String>> {
    let row: Option<(i64, u32, i64, Option<Vec<u8>>)> = conn
        .prepare_cached(
            "SELECT id, tag, chunks, value FROM message_props
             WHERE message = ?1 AND prop_id = ?2",
        )?
        .query_row(params![id, tag.id()], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? as u32, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((row, stored, chunks, value)) = row else {
        return Ok(None);
    };
    if chunks > 0 {
        let mut stmt =
            conn.prepare_cached("SELECT data FROM prop_chunks WHERE prop = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([row])?;
        let mut bytes = Vec::new();
        while let Some(r) = rows.next()? {
            bytes.extend_from_slice(r.get_ref(0)?.as_blob()?);
        }
        return Ok(Some(String::from_utf8_lossy(&bytes).into_owned()));
    }
    let Some(value) = value else {
        return Ok(None);
    };
    Ok(match props::decode_stored(PropTag(stored), value) {
        Some(PropValue::Unicode(s) | PropValue::String8(s)) => Some(s),
        Some(PropValue::Binary(b)) => Some(String::from_utf8_lossy(&b).into_owned()),
        _ => None,
    })
}

/// Rebuilds the raw message (and its size) of message `id` from its properties when
/// it is unsent or has no raw form yet (a created message's first save); does nothing
/// for another message.
pub fn rebuild_unsent(conn: &Connection, id: i64) -> Result<(), BuildError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT flags, subject, sender_name, sender_email, display_to, display_cc,
                    submit_time, message_id, {}, octet_length(raw)
             FROM messages WHERE id = ?1",
            crate::schema::BODY_SQL
        ))?
        .query_row([id], |r| {
            Ok((
                r.get::<_, i32>(0)?,
                [
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ],
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<String>>(7)?,
                match r.get_ref(8)? {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        String::from_utf8_lossy(b).into_owned()
                    }
                    _ => String::new(),
                },
                r.get::<_, i64>(9)?,
            ))
        })?;
    let (flags, [subject, sender_name, sender_email, to, cc], submit, message_id, body, raw_len) =
        row;
    if flags & MSGFLAG_UNSENT == 0 && raw_len > 0 {
        return Ok(());
    }
    let body = chunked_body(conn, id)?.unwrap_or(body);
    let html = prop_text(conn, id, PR_HTML)?;
    let rep_name = prop_text(conn, id, PR_SENT_REPRESENTING_NAME)?.unwrap_or_default();
    let rep_email = prop_text(conn, id, PR_SENT_REPRESENTING_EMAIL_ADDRESS)?.unwrap_or_default();
    let in_reply_to = prop_text(conn, id, PR_IN_REPLY_TO_ID)?;
    let message_id = match message_id {
        Some(m) if !mapi_mime::compose::bare_id(&m).is_empty() => m,
        _ => {
            let made = format!("<{id:x}.{:x}@mapi.local-store>", now_filetime());
            conn.prepare_cached("UPDATE messages SET message_id = ?1 WHERE id = ?2")?
                .execute(params![made, id])?;
            made
        }
    };
    let text = |v: String| PropValue::Unicode(v);
    let mut props = Row::default();
    props.set(PR_SUBJECT, text(subject));
    props.set(PR_SENDER_NAME, text(sender_name));
    props.set(PR_SENDER_EMAIL_ADDRESS, text(sender_email));
    props.set(PR_SENT_REPRESENTING_NAME, text(rep_name));
    props.set(PR_SENT_REPRESENTING_EMAIL_ADDRESS, text(rep_email));
    props.set(PR_DISPLAY_TO, text(to));
    props.set(PR_DISPLAY_CC, text(cc));
    props.set(PR_BODY, text(body));
    props.set(PR_INTERNET_MESSAGE_ID, text(message_id));
    if let Some(html) = html {
        props.set(PR_HTML, text(html));
    }
    if let Some(r) = in_reply_to {
        props.set(PR_IN_REPLY_TO_ID, text(r));
    }
    if let Some(t) = submit {
        props.set(PR_CLIENT_SUBMIT_TIME, PropValue::SysTime(t as u64));
    }
    // Saved recipients name the mailboxes; without any, the display lists do.
    let recipients = crate::recipients::load(conn, id)?;
    let parts = crate::attach::parts(conn, id)?;
    let mut composer = Composer::new(&props, &recipients);
    for (i, part) in parts.iter().enumerate() {
        if let Some(a) = crate::compose_attach::attachment(conn, part, i) {
            composer = composer.attach(a);
        }
    }
    crate::compose_attach::store_raw(conn, id, composer.build())
}
