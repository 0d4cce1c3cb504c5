//! `RES_SUBRESTRICTION` on PR_MESSAGE_RECIPIENTS for contents tables: the rows are a
//! message's saved recipients (`message_recipients`, what its GetRecipientTable shows),
//! and each one is matched exactly as the in-memory evaluation matches the row the
//! recipient table shows.
//!
//! In SQL the restriction is an `EXISTS` over `message_recipients` whose rows go
//! through [`FUNCTION`], a function this module registers on the connection; the inner
//! restriction it evaluates is named by a [`SubHandle`] bound as a parameter (held in
//! a process-wide map while the query plan that made it lives). Where a contents
//! restriction is evaluated in Rust, [`SavedRecipients`] loads the same rows.
//!
//! The store keeps no attachment rows, and recipient rows have no rows below them: a
//! sub-restriction on PR_MESSAGE_ATTACHMENTS, or one inside another, is
//! `MAPI_E_TOO_COMPLEX` (see [`unsupported`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mapi_types::table::consts::{PR_MESSAGE_ATTACHMENTS, PR_MESSAGE_RECIPIENTS};
use mapi_types::table::restriction::{NoSubObjects, SubObjects};
use mapi_types::{PropTag, Restriction, Row, TableError};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

use crate::recipients;

/// The SQL function matching one saved recipient: `(props, row_id, handle)` to 0 or 1.
pub(crate) const FUNCTION: &str = "mapi_recipient_matches";

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

/// Registers [`FUNCTION`] on `conn` (again: the same function).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        FUNCTION,
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY,
        |ctx| {
            // The handle is a bound parameter: its restriction is looked up once per
            // statement and kept with it.
            let inner = match ctx.get_aux::<Arc<Restriction>>(2)? {
                Some(r) => Arc::clone(&r),
                None => {
                    let handle: i64 = ctx.get(2)?;
                    let found = lookup(handle).ok_or_else(|| {
                        user_error(format!("no sub-restriction {handle} is in use"))
                    })?;
                    Arc::clone(&ctx.set_aux(2, found)?)
                }
            };
            let props = ctx.get_raw(0).as_blob_or_null()?.unwrap_or_default();
            let row_id: i64 = ctx.get(1)?;
            matches(&inner, props, row_id).map_err(|e| user_error(e.to_string()))
        },
    )
}

/// Why a sub-restriction in `r` cannot be evaluated here: one on anything but
/// PR_MESSAGE_RECIPIENTS, or one inside another. Walks without recursion.
pub(crate) fn unsupported(r: &Restriction) -> Option<String> {
    let mut stack: Vec<(&Restriction, bool)> = vec![(r, false)];
    while let Some((r, inside)) = stack.pop() {
        if let Restriction::Sub { object, .. } = r {
            if inside {
                return Some("a RES_SUBRESTRICTION inside another one: recipient rows have no rows below them".into());
            }
            if *object == PR_MESSAGE_ATTACHMENTS {
                return Some("the local store keeps no attachment rows to evaluate a RES_SUBRESTRICTION on PR_MESSAGE_ATTACHMENTS".into());
            }
            if *object != PR_MESSAGE_RECIPIENTS {
                return Some(format!("no RES_SUBRESTRICTION on {object:?}"));
            }
        }
        let below = inside || matches!(r, Restriction::Sub { .. });
        stack.extend(r.children().into_iter().map(|c| (c, below)));
    }
    None
}

/// The SQL of a sub-restriction on PR_MESSAGE_RECIPIENTS of the `messages` row in the
/// query; its one parameter is the handle.
pub(crate) fn exists_sql() -> String {
    format!(
        "EXISTS (SELECT 1 FROM message_recipients r \
         WHERE r.message = messages.id AND {FUNCTION}(r.props, r.row_id, ?))"
    )
}

/// The saved recipients of one message, for a restriction evaluated in Rust.
pub(crate) struct SavedRecipients<'c> {
    /// The store's connection.
    pub(crate) conn: &'c Connection,
    /// The store file, for errors.
    pub(crate) path: &'c Path,
    /// The message's row id.
    pub(crate) message: i64,
}

impl SubObjects for SavedRecipients<'_> {
    fn sub_rows(&self, _row: &Row, object: PropTag) -> Result<Vec<Row>, TableError> {
        if object != PR_MESSAGE_RECIPIENTS {
            return Err(TableError::too_complex(format!(
                "no RES_SUBRESTRICTION on {object:?} here"
            )));
        }
        let load = || -> rusqlite::Result<Vec<Row>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT props, row_id FROM message_recipients WHERE message = ?1 ORDER BY row_id",
            )?;
            let mut rows = stmt.query([self.message])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let props = r.get_ref(0)?.as_blob_or_null()?.unwrap_or_default();
                out.push(recipients::table_row(props, r.get(1)?));
            }
            Ok(out)
        };
        load().map_err(|e| {
            TableError::from(mapi_spi::ProviderError::from(
                crate::error::LocalError::from_sqlite(self.path, &e),
            ))
        })
    }
}
