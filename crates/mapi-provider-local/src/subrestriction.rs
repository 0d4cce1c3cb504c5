//! `RES_SUBRESTRICTION` for contents tables, on PR_MESSAGE_RECIPIENTS and
//! PR_MESSAGE_ATTACHMENTS.
//!
//! Recipients: the rows are what a message's GetRecipientTable shows: its saved
//! recipients (`message_recipients`), or, for a received message with none, those its
//! MIME names (read at query time through [`MIME_RECIPIENT_FUNCTION`], so an import
//! writes no rows); each matched exactly as the in-memory evaluation matches the row
//! the recipient table shows. In SQL the restriction is an `EXISTS`
//! over `message_recipients` whose rows go through [`FUNCTION`], a function this module
//! registers on the connection; the inner restriction it evaluates is named by a
//! [`SubHandle`] bound as a parameter (held in a process-wide map while the query plan
//! that made it lives).
//!
//! Attachments: the rows are what GetAttachmentTable shows: the saved
//! `message_attachments` rows, or, for a received message that has none (imported, or
//! delivered), the attachments of the MIME it keeps, which count like saved ones. The
//! inner restriction may name only PR_ATTACH_FILENAME, PR_ATTACH_LONG_FILENAME,
//! PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE and PR_ATTACH_METHOD (see [`ATTACH_COLUMNS`]);
//! saved rows go through [`ATTACH_FUNCTION`] (PR_ATTACH_SIZE computed from the data's
//! length, as the attachment table computes it) and kept MIME through
//! [`MIME_FUNCTION`].
//!
//! Where a contents restriction is evaluated in Rust, [`SavedSubRows`] loads the same
//! rows. Sub-rows have no rows below them: a sub-restriction inside another, one on
//! another object, or one on attachments naming another column is
//! `MAPI_E_TOO_COMPLEX` (see [`unsupported`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mapi_types::attach::ATTACH_EMBEDDED_MSG;
use mapi_types::codec::{self, Reader};
use mapi_types::table::consts::{PR_MESSAGE_ATTACHMENTS, PR_MESSAGE_RECIPIENTS};
use mapi_types::table::restriction::{NoSubObjects, SubObjects};
use mapi_types::tags::{
    PR_ATTACH_DATA_BIN, PR_ATTACH_DATA_OBJ, PR_ATTACH_FILENAME, PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_METHOD, PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE,
};
use mapi_types::{PropTag, PropValue, Restriction, Row, TableError};
use rusqlite::Connection;
use rusqlite::functions::{Context, FunctionFlags};

use crate::compose::MSGFLAG_UNSENT;
use crate::recipients;

/// The SQL function matching one saved recipient: `(props, row_id, handle)` to 0 or 1.
pub(crate) const FUNCTION: &str = "mapi_recipient_matches";

/// The SQL function matching the recipients of a kept MIME: `(raw, handle)` to 0 or 1
/// (1 when one of them matches).
pub(crate) const MIME_RECIPIENT_FUNCTION: &str = "mapi_mime_recipient_matches";

/// The SQL function matching one saved attachment:
/// `(props, data_bin_size, data_obj_size, handle)` to 0 or 1 (a size is NULL when the
/// data is not in chunks).
pub(crate) const ATTACH_FUNCTION: &str = "mapi_attachment_matches";

/// The SQL function matching the attachments of a kept MIME: `(raw, handle)` to 0 or 1
/// (1 when one of them matches).
pub(crate) const MIME_FUNCTION: &str = "mapi_mime_attachment_matches";

/// The attachment columns an inner restriction on PR_MESSAGE_ATTACHMENTS may name.
pub(crate) const ATTACH_COLUMNS: [PropTag; 5] = [
    PR_ATTACH_FILENAME,
    PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_MIME_TAG,
    PR_ATTACH_SIZE,
    PR_ATTACH_METHOD,
];

/// The inner restrictions of live query plans, by handle.
static SUBS: Mutex<Option<HashMap<u64, Arc<Restriction>>>> = Mutex::new(None);

static NEXT: AtomicU64 = AtomicU64::new(1);

/// An inner restriction [`FUNCTION`] can find while this lives.
pub(crate) struct SubHandle(u64);

impl SubHandle {
    /// Keeps a copy of `inner` (a checked restriction: bounded depth) for the function.
    pub(crate) fn new(inner: &Restriction) -> SubHandle {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut subs = SUBS.lock().unwrap_or_else(|p| p.into_inner());
        subs.get_or_insert_with(HashMap::new)
            .insert(id, Arc::new(inner.clone()));
        SubHandle(id)
    }

    /// The value to bind for the function's `handle` argument.
    pub(crate) fn param(&self) -> i64 {
        self.0 as i64
    }
}

impl Drop for SubHandle {
    fn drop(&mut self) {
        let mut subs = SUBS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(map) = subs.as_mut() {
            map.remove(&self.0);
        }
    }
}

fn lookup(handle: i64) -> Option<Arc<Restriction>> {
    let subs = SUBS.lock().unwrap_or_else(|p| p.into_inner());
    subs.as_ref()?.get(&(handle as u64)).cloned()
}

fn user_error(text: String) -> rusqlite::Error {
    rusqlite::Error::UserFunctionError(text.into())
}

/// Whether one saved recipient satisfies `inner`.
fn matches(inner: &Restriction, props: &[u8], row_id: i64) -> Result<bool, TableError> {
    inner.evaluate(&recipients::table_row(props, row_id), &NoSubObjects)
}

/// The row an inner restriction on attachments sees for one saved attachment: its
/// [`ATTACH_COLUMNS`], PR_ATTACH_SIZE the length of its data (`chunked_bin` /
/// `chunked_obj`: the length of data kept in chunks).
fn attach_row(props: &[u8], chunked_bin: Option<i64>, chunked_obj: Option<i64>) -> Row {
    // Properties that do not decode are dropped (as the attachment table drops them).
    let all = Row(codec::decode_props(&mut Reader { b: props }).unwrap_or_default());
    let embedded = all.int(PR_ATTACH_METHOD) == Some(ATTACH_EMBEDDED_MSG as i64);
    let (data, chunked) = if embedded {
        (PR_ATTACH_DATA_OBJ, chunked_obj)
    } else {
        (PR_ATTACH_DATA_BIN, chunked_bin)
    };
    let size = match (chunked, all.get(data)) {
        (Some(len), _) => len.max(0) as u64,
        (None, Some(PropValue::Binary(b))) => b.len() as u64,
        (None, _) => 0,
    };
    let mut row = Row::default();
    for (tag, value) in all.0 {
        if ATTACH_COLUMNS.iter().any(|c| c.id() == tag.id()) && tag.id() != PR_ATTACH_SIZE.id() {
            row.set(tag, value);
        }
    }
    row.set(
        PR_ATTACH_SIZE,
        PropValue::Long(size.min(i32::MAX as u64) as i32),
    );
    row
}

/// The attachment rows of a kept MIME, as its attachment table shows them.
fn mime_rows(raw: &[u8]) -> Vec<Row> {
    if raw.is_empty() {
        return Vec::new();
    }
    mapi_mime::attachments(&mapi_mime::MessageParser::new(), raw)
        .iter()
        .map(mapi_mime::MimeAttachment::row)
        .collect()
}

/// The inner restriction named by the handle in argument `arg`: looked up once per
/// statement (the handle is a bound parameter) and kept with it.
fn inner_of(ctx: &Context<'_>, arg: i32) -> rusqlite::Result<Arc<Restriction>> {
    if let Some(r) = ctx.get_aux::<Arc<Restriction>>(arg)? {
        return Ok(Arc::clone(&r));
    }
    let handle: i64 = ctx.get(arg as usize)?;
    let found = lookup(handle)
        .ok_or_else(|| user_error(format!("no sub-restriction {handle} is in use")))?;
    let kept = ctx.set_aux(arg, found)?;
    Ok(Arc::clone(&kept))
}

/// Registers [`FUNCTION`], [`ATTACH_FUNCTION`] and [`MIME_FUNCTION`] on `conn`
/// (again: the same functions).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    conn.create_scalar_function(FUNCTION, 3, flags, |ctx| {
        let inner = inner_of(ctx, 2)?;
        let props = ctx.get_raw(0).as_blob_or_null()?.unwrap_or_default();
        let row_id: i64 = ctx.get(1)?;
        matches(&inner, props, row_id).map_err(|e| user_error(e.to_string()))
    })?;
    conn.create_scalar_function(MIME_RECIPIENT_FUNCTION, 2, flags, |ctx| {
        let inner = inner_of(ctx, 1)?;
        let raw = ctx.get_raw(0).as_blob_or_null()?.unwrap_or_default();
        any_matches(&inner, recipients::mime_table_rows(raw))
    })?;
    conn.create_scalar_function(ATTACH_FUNCTION, 4, flags, |ctx| {
        let inner = inner_of(ctx, 3)?;
        let props = ctx.get_raw(0).as_blob_or_null()?.unwrap_or_default();
        let row = attach_row(props, ctx.get(1)?, ctx.get(2)?);
        inner
            .evaluate(&row, &NoSubObjects)
            .map_err(|e| user_error(e.to_string()))
    })?;
    conn.create_scalar_function(MIME_FUNCTION, 2, flags, |ctx| {
        let inner = inner_of(ctx, 1)?;
        let raw = ctx.get_raw(0).as_blob_or_null()?.unwrap_or_default();
        any_matches(&inner, mime_rows(raw))
    })
}

/// Whether one of `rows` satisfies `inner`.
fn any_matches(inner: &Restriction, rows: Vec<Row>) -> rusqlite::Result<bool> {
    for row in rows {
        if inner
            .evaluate(&row, &NoSubObjects)
            .map_err(|e| user_error(e.to_string()))?
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Why an inner restriction on attachments cannot be evaluated here: a column not in
/// [`ATTACH_COLUMNS`]. Walks without recursion.
fn attach_columns_unsupported(inner: &Restriction) -> Option<String> {
    let mut stack = vec![inner];
    while let Some(r) = stack.pop() {
        let tags: Vec<PropTag> = match r {
            Restriction::Property { tag, .. }
            | Restriction::BitMask { tag, .. }
            | Restriction::Size { tag, .. }
            | Restriction::Exist(tag)
            | Restriction::Content { tag, .. } => vec![*tag],
            Restriction::CompareProps { left, right, .. } => vec![*left, *right],
            Restriction::And(_)
            | Restriction::Or(_)
            | Restriction::Not(_)
            | Restriction::Sub { .. }
            | Restriction::Comment { .. } => Vec::new(),
        };
        if let Some(t) = tags
            .iter()
            .find(|t| !ATTACH_COLUMNS.iter().any(|c| c.id() == t.id()))
        {
            return Some(format!(
                "a RES_SUBRESTRICTION on PR_MESSAGE_ATTACHMENTS here can name only PR_ATTACH_FILENAME, PR_ATTACH_LONG_FILENAME, PR_ATTACH_MIME_TAG, PR_ATTACH_SIZE and PR_ATTACH_METHOD, not {t:?}"
            ));
        }
        stack.extend(r.children());
    }
    None
}

/// Why a sub-restriction in `r` cannot be evaluated here: one on anything but
/// PR_MESSAGE_RECIPIENTS or PR_MESSAGE_ATTACHMENTS, one on attachments naming another
/// column, or one inside another. Walks without recursion.
pub(crate) fn unsupported(r: &Restriction) -> Option<String> {
    let mut stack: Vec<(&Restriction, bool)> = vec![(r, false)];
    while let Some((r, inside)) = stack.pop() {
        if let Restriction::Sub {
            object,
            restriction,
        } = r
        {
            if inside {
                return Some("a RES_SUBRESTRICTION inside another one: recipient and attachment rows have no rows below them".into());
            }
            if *object == PR_MESSAGE_ATTACHMENTS {
                if let Some(why) = attach_columns_unsupported(restriction) {
                    return Some(why);
                }
            } else if *object != PR_MESSAGE_RECIPIENTS {
                return Some(format!("no RES_SUBRESTRICTION on {object:?}"));
            }
        }
        let below = inside || matches!(r, Restriction::Sub { .. });
        stack.extend(r.children().into_iter().map(|c| (c, below)));
    }
    None
}

/// The SQL of a sub-restriction on PR_MESSAGE_RECIPIENTS of the `messages` row in the
/// query; its two parameters are the handle, twice.
pub(crate) fn exists_sql() -> String {
    format!(
        "(EXISTS (SELECT 1 FROM message_recipients r \
           WHERE r.message = messages.id AND {FUNCTION}(r.props, r.row_id, ?)) \
         OR (messages.flags & {MSGFLAG_UNSENT} = 0 \
           AND NOT EXISTS (SELECT 1 FROM message_recipients r WHERE r.message = messages.id) \
           AND {MIME_RECIPIENT_FUNCTION}(messages.raw, ?)))"
    )
}

/// The SQL of a sub-restriction on PR_MESSAGE_ATTACHMENTS of the `messages` row in
/// the query; its two parameters are the handle, twice.
pub(crate) fn attach_exists_sql() -> String {
    let chunk = |tag: PropTag| {
        format!(
            "(SELECT c.size FROM attach_chunks c WHERE c.attach = a.id AND c.prop_id = {} AND c.seq = 0)",
            tag.id()
        )
    };
    format!(
        "(EXISTS (SELECT 1 FROM message_attachments a WHERE a.message = messages.id            AND {ATTACH_FUNCTION}(a.props, {}, {}, ?))          OR (messages.flags & {MSGFLAG_UNSENT} = 0            AND NOT EXISTS (SELECT 1 FROM message_attachments a WHERE a.message = messages.id)            AND {MIME_FUNCTION}(messages.raw, ?)))",
        chunk(PR_ATTACH_DATA_BIN),
        chunk(PR_ATTACH_DATA_OBJ),
    )
}

/// The saved recipients and attachments of one message, for a restriction evaluated
/// in Rust.
pub(crate) struct SavedSubRows<'c> {
    /// The store's connection.
    pub(crate) conn: &'c Connection,
    /// The store file, for errors.
    pub(crate) path: &'c Path,
    /// The message's row id.
    pub(crate) message: i64,
}

impl SavedSubRows<'_> {
    /// The attachment rows (see [`attach_row`] and [`mime_rows`]).
    fn attachments(&self) -> rusqlite::Result<Vec<Row>> {
        let chunk = |tag: PropTag| {
            format!(
                "(SELECT c.size FROM attach_chunks c WHERE c.attach = a.id AND c.prop_id = {} AND c.seq = 0)",
                tag.id()
            )
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT a.props, {}, {} FROM message_attachments a WHERE a.message = ?1 ORDER BY a.num",
            chunk(PR_ATTACH_DATA_BIN),
            chunk(PR_ATTACH_DATA_OBJ),
        ))?;
        let mut rows = stmt.query([self.message])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let props = r.get_ref(0)?.as_blob_or_null()?.unwrap_or_default();
            out.push(attach_row(props, r.get(1)?, r.get(2)?));
        }
        if !out.is_empty() {
            return Ok(out);
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT flags, raw FROM messages WHERE id = ?1")?;
        let mut rows = stmt.query([self.message])?;
        if let Some(r) = rows.next()? {
            let flags: i64 = r.get(0)?;
            if flags & i64::from(MSGFLAG_UNSENT) == 0 {
                let raw = r.get_ref(1)?.as_blob_or_null()?.unwrap_or_default();
                return Ok(mime_rows(raw));
            }
        }
        Ok(out)
    }
}

impl SubObjects for SavedSubRows<'_> {
    fn sub_rows(&self, _row: &Row, object: PropTag) -> Result<Vec<Row>, TableError> {
        let to_table = |e: rusqlite::Error| {
            TableError::from(mapi_spi::ProviderError::from(
                crate::error::LocalError::from_sqlite(self.path, &e),
            ))
        };
        if object == PR_MESSAGE_ATTACHMENTS {
            return self.attachments().map_err(to_table);
        }
        if object != PR_MESSAGE_RECIPIENTS {
            return Err(TableError::too_complex(format!(
                "no RES_SUBRESTRICTION on {object:?} here"
            )));
        }
        let rows = recipients::load(self.conn, self.message).map_err(to_table)?;
        Ok(rows.iter().map(recipients::shown).collect())
    }
}
