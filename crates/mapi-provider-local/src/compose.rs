//! Messages made through CreateMessage: their first row, and the RFC 5322 form of an
//! unsent message (`MSGFLAG_UNSENT`) built from its properties with `mail-builder`, so
//! `read_raw` and every MIME reader see what SetProps and the streams wrote. A message
//! that is not unsent (one imported or received, or created in a receive folder once
//! first saved) keeps the MIME it has.
//!
//! What goes into the message: PR_SUBJECT; From from PR_SENT_REPRESENTING_NAME /
//! _EMAIL_ADDRESS (else PR_SENDER_*), and Sender from PR_SENDER_* when they differ;
//! To and Cc from the saved recipients (MAPI_TO / MAPI_CC, PR_DISPLAY_NAME and
//! PR_EMAIL_ADDRESS; MAPI_BCC ones are not written), or for a message without
//! recipients from PR_DISPLAY_TO / PR_DISPLAY_CC, items separated by `;` or `,`, each
//! `Name <address>` or a bare address (an item without an `@` names no mailbox and is
//! left out); PR_BODY as text/plain and PR_HTML as text/html; PR_CLIENT_SUBMIT_TIME as
//! Date; PR_INTERNET_MESSAGE_ID (one is made, and kept, for a message without one);
//! PR_IN_REPLY_TO_ID; the saved attachments (see `compose_attach`).

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address;
use mapi_types::tags::*;
use mapi_types::{PropTag, PropValue};
use rusqlite::{Connection, OptionalExtension, params};

use crate::message::chunked_body;
use crate::props;

/// `MSGFLAG_UNSENT`.
pub const MSGFLAG_UNSENT: i32 = 0x8;

/// Why a message could not be built.
pub enum BuildError {
    /// Reading or writing the database.
    Sql(rusqlite::Error),
    /// Building the MIME.
    Mime(String),
    /// Writing the MIME form into the database.
    Io(std::io::Error),
}

impl From<rusqlite::Error> for BuildError {
    fn from(e: rusqlite::Error) -> BuildError {
        BuildError::Sql(e)
    }
}

fn now_filetime() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    mapi_types::filetime_from_unix(secs) as i64
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

/// The mailboxes of a PR_DISPLAY_TO-style list.
fn mailboxes(list: &str) -> Vec<(Option<String>, String)> {
    list.split([';', ','])
        .map(str::trim)
        .filter(|item| item.contains('@'))
        .map(|item| match (item.rfind('<'), item.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                let name = item[..open].trim().trim_matches('"').trim();
                let name = (!name.is_empty()).then(|| name.to_string());
                (name, item[open + 1..close].trim().to_string())
            }
            _ => (None, item.to_string()),
        })
        .collect()
}

fn address_list(list: &[(Option<String>, String)]) -> Address<'_> {
    Address::new_list(
        list.iter()
            .map(|(name, addr)| Address::new_address(name.as_deref(), addr.as_str()))
            .collect(),
    )
}

fn mailbox<'a>(name: &'a str, email: &'a str) -> Address<'a> {
    Address::new_address((!name.is_empty()).then_some(name), email)
}

fn bare_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

/// Rebuilds the raw message (and its size) of message `id` from its properties when
/// it is unsent or has no raw form yet (a created message's first save); does nothing
/// for another message.
pub fn rebuild_unsent(conn: &Connection, id: i64) -> Result<(), BuildError> {
    let row = conn
        .prepare_cached(
            "SELECT flags, subject, sender_name, sender_email, display_to, display_cc,
                    submit_time, message_id, body, octet_length(raw)
             FROM messages WHERE id = ?1",
        )?
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
        Some(m) if !bare_id(&m).is_empty() => m,
        _ => {
            let made = format!("<{id:x}.{:x}@mapi.local-store>", now_filetime());
            conn.prepare_cached("UPDATE messages SET message_id = ?1 WHERE id = ?2")?
                .execute(params![made, id])?;
            made
        }
    };
    // Saved recipients name the mailboxes; without any, the display lists do.
    let [to, cc] = match crate::recipients::mailboxes(conn, id)? {
        Some(lists) => lists,
        None => [mailboxes(&to), mailboxes(&cc)],
    };
    let attachments = crate::attach::parts(conn, id)?;
    let mut b = MessageBuilder::new()
        .subject(subject.as_str())
        .message_id(bare_id(&message_id))
        .text_body(body.as_str());
    let from_rep = rep_email.contains('@');
    if from_rep {
        b = b.from(mailbox(&rep_name, &rep_email));
        if sender_email.contains('@') && !sender_email.eq_ignore_ascii_case(&rep_email) {
            b = b.sender(mailbox(&sender_name, &sender_email));
        }
    } else if sender_email.contains('@') {
        b = b.from(mailbox(&sender_name, &sender_email));
    }
    if !to.is_empty() {
        b = b.to(address_list(&to));
    }
    if !cc.is_empty() {
        b = b.cc(address_list(&cc));
    }
    if let Some(html) = &html {
        b = b.html_body(html.as_str());
    }
    if let Some(r) = in_reply_to
        .as_deref()
        .map(bare_id)
        .filter(|r| !r.is_empty())
    {
        b = b.in_reply_to(r);
    }
    if let Some(t) = submit {
        b = b.date(mapi_types::unix_from_filetime(t as u64));
    }
    let (b, large) = crate::compose_attach::with_attachments(b, &attachments, id);
    let raw = b
        .write_to_vec()
        .map_err(|e| BuildError::Mime(format!("cannot build the message's MIME form: {e}")))?;
    crate::compose_attach::store_raw(conn, id, &raw, &large)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_give_their_mailboxes() {
        assert_eq!(
            mailboxes("Bob Builder <bob@example.org>; carol@example.org, Dave"),
            vec![
                (Some("Bob Builder".into()), "bob@example.org".into()),
                (None, "carol@example.org".into()),
            ]
        );
        assert_eq!(
            mailboxes("\"Zoë\" <zoe@example.net>"),
            vec![(Some("Zoë".into()), "zoe@example.net".into())]
        );
        assert!(mailboxes("").is_empty());
    }
}
