//! Advise / Unadvise through the facade: the sink type and [`LiveContents`], a
//! contents, hierarchy or status table that can be advised.
//!
//! Sinks are [`mapi_engine::AdviseSink`]s (a closure over `&[Notification]` is one),
//! called on the session's notification thread, in order per object, with no library
//! lock held: a sink may call back into the session. Connection numbers and errors are
//! the engine's: Unadvise of an unknown number is `MAPI_E_NOT_FOUND`, a mask with no
//! event the object supports `MAPI_E_NO_SUPPORT`.
//!
//! Over the daemon link Advise is not carried yet: it answers `MAPI_E_NO_SUPPORT`
//! naming that link.

use std::sync::Arc;

use mapi_engine::{EngineError, LiveTable, Result};
use mapi_types::{MapiStatus, Row, TableView};

pub use mapi_engine::AdviseSink;

/// A table that can be advised (`IMAPITable::Advise`): a contents table
/// ([`crate::link::AnyStore::live_contents_table`]), a hierarchy table
/// ([`crate::link::AnyStore::live_hierarchy_table`]) or the status table
/// ([`crate::link::AnySession::live_status_table`]).
pub struct LiveContents {
    table: LiveTable,
}

impl std::fmt::Debug for LiveContents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveContents").finish_non_exhaustive()
    }
}

impl LiveContents {
    pub(crate) fn new(table: LiveTable) -> LiveContents {
        LiveContents { table }
    }

    /// `IMAPITable::Advise` with `fnevTableModified` (on the status table also
    /// `fnevStatusObjectModified`); returns the connection number.
    pub fn advise(&self, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32> {
        self.table.advise(mask, sink)
    }

    /// `IMAPITable::Unadvise`: `MAPI_E_NOT_FOUND` for a number not of this table.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        self.table.unadvise(conn)
    }

    /// Runs `f` on the table's view (cursor, columns, QueryRows). Do not call it from
    /// code that waits for this table's notifications while `f` runs.
    pub fn with_view<T>(&self, f: impl FnOnce(&mut TableView) -> T) -> T {
        f(&mut self.table.view())
    }

    /// `QueryRows(n)` from the cursor.
    pub fn query_rows(&self, n: i32) -> Result<Vec<Row>> {
        self.with_view(|v| v.query_rows(n, 0))
            .map_err(|e| EngineError::Status(e.status(), e.to_string()))
    }
}

/// The answer of Advise over the daemon link, which does not carry it yet.
pub(crate) fn daemon_link_no_support(what: &str) -> EngineError {
    EngineError::NoSupport(format!(
        "{what}: Advise is not available over the daemon link (log on with MAPI_NEW_SESSION \
         without MAPI_ALLOW_OTHERS for notifications)"
    ))
}
