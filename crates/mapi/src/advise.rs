//! Advise / Unadvise through the facade: the sink type and [`LiveContents`], a
//! contents, hierarchy or status table that can be advised (on both links).
//!
//! Sinks are [`mapi_engine::AdviseSink`]s (a closure over `&[Notification]` is one),
//! called on a library-owned thread, in order per object, with no library lock held: a
//! sink may call back into the session (QueryRows, Unadvise). In process that thread is
//! the engine session's; over the daemon link it is the connection's
//! (`mapi_client::events`), fed by the events the daemon pushes. Connection numbers and
//! errors are the engine's on both: Unadvise of an unknown number is
//! `MAPI_E_NOT_FOUND`, a mask with no event the object supports `MAPI_E_NO_SUPPORT`.
//!
//! A daemon-hosted contents, hierarchy or status table is advised at the daemon (which
//! opens the engine's live table and computes the row events next to the store, in
//! every column); here the view re-reads its rows and each event's row is cut to the
//! view's current columns before the sink sees it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use mapi_client::{AdviseTarget, EventSink, RemoteSession};
use mapi_engine::{EngineError, LiveTable, Result};
use mapi_types::table::project;
use mapi_types::{MapiStatus, Notification, Row, TableView};
use tokio::runtime::Runtime;

use crate::any_session::client_err;

pub use mapi_engine::AdviseSink;

/// A table that can be advised (`IMAPITable::Advise`): a contents table
/// ([`crate::link::AnyStore::live_contents_table`]), a hierarchy table
/// ([`crate::link::AnyStore::live_hierarchy_table`]) or the status table
/// ([`crate::link::AnySession::live_status_table`]).
pub struct LiveContents {
    link: Link,
}

enum Link {
    Local(LiveTable),
    Remote(RemoteLive),
}

/// A contents, hierarchy or status table held by the daemon, with its view here.
pub(crate) struct RemoteLive {
    rt: Arc<Runtime>,
    session: Arc<RemoteSession>,
    table: u64,
    view: Arc<Mutex<TableView>>,
    conns: Mutex<HashSet<u32>>,
}

impl Drop for RemoteLive {
    fn drop(&mut self) {
        let conns = std::mem::take(&mut *self.conns.lock().unwrap_or_else(|p| p.into_inner()));
        for c in conns {
            self.session.unadvise_unanswered(c);
        }
    }
}

impl std::fmt::Debug for LiveContents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveContents").finish_non_exhaustive()
    }
}

fn lock(view: &Mutex<TableView>) -> MutexGuard<'_, TableView> {
    view.lock().unwrap_or_else(|p| p.into_inner())
}

/// The engine sink as a link sink.
pub(crate) fn event_sink(sink: Arc<dyn AdviseSink>) -> EventSink {
    Arc::new(move |n: &[Notification]| sink.on_notify(n))
}

/// A remote table's sink: the view re-reads its count, rows are cut to its columns.
fn table_sink(view: Weak<Mutex<TableView>>, sink: Arc<dyn AdviseSink>) -> EventSink {
    Arc::new(move |n: &[Notification]| {
        let Some(view) = view.upgrade() else { return };
        let columns = {
            let mut v = lock(&view);
            if let Err(e) = v.rows_changed() {
                log::debug!("a daemon-held table could not be read again: {e}");
            }
            v.columns().to_vec()
        };
        let out: Vec<Notification> = n
            .iter()
            .map(|n| match n {
                Notification::TableModified(t) if !t.row.0.is_empty() => {
                    let mut t = t.clone();
                    t.row = project(&t.row, &columns);
                    Notification::TableModified(t)
                }
                other => other.clone(),
            })
            .collect();
        sink.on_notify(&out)
    })
}

impl LiveContents {
    pub(crate) fn new(table: LiveTable) -> LiveContents {
        LiveContents {
            link: Link::Local(table),
        }
    }

    pub(crate) fn remote(
        rt: Arc<Runtime>,
        session: Arc<RemoteSession>,
        table: u64,
        view: TableView,
    ) -> LiveContents {
        LiveContents {
            link: Link::Remote(RemoteLive {
                rt,
                session,
                table,
                view: Arc::new(Mutex::new(view)),
                conns: Mutex::default(),
            }),
        }
    }

    /// `IMAPITable::Advise` with `fnevTableModified` (on the status table also
    /// `fnevStatusObjectModified`); returns the connection number.
    pub fn advise(&self, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32> {
        match &self.link {
            Link::Local(t) => t.advise(mask, sink),
            Link::Remote(r) => {
                let s = table_sink(Arc::downgrade(&r.view), sink);
                let target = AdviseTarget::Table { table: r.table };
                let c =
                    r.rt.block_on(r.session.advise(target, mask, s))
                        .map_err(client_err)?;
                r.conns.lock().unwrap_or_else(|p| p.into_inner()).insert(c);
                Ok(c)
            }
        }
    }

    /// `IMAPITable::Unadvise`: `MAPI_E_NOT_FOUND` for a number not of this table.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        match &self.link {
            Link::Local(t) => t.unadvise(conn),
            Link::Remote(r) => {
                let known = r
                    .conns
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&conn);
                if !known {
                    return Err(EngineError::NotFound(format!(
                        "Unadvise: no advise registration of this table with connection number \
                         {conn}"
                    )));
                }
                r.rt.block_on(r.session.unadvise(conn)).map_err(client_err)
            }
        }
    }

    /// Runs `f` on the table's view (cursor, columns, QueryRows). Do not call it from
    /// code that waits for this table's notifications while `f` runs.
    pub fn with_view<T>(&self, f: impl FnOnce(&mut TableView) -> T) -> T {
        match &self.link {
            Link::Local(t) => f(&mut t.view()),
            Link::Remote(r) => f(&mut lock(&r.view)),
        }
    }

    /// `QueryRows(n)` from the cursor.
    pub fn query_rows(&self, n: i32) -> Result<Vec<Row>> {
        self.with_view(|v| v.query_rows(n, 0))
            .map_err(|e| EngineError::Status(e.status(), e.to_string()))
    }
}
