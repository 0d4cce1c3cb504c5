//! [`RemoteSource`]: the row source of a table whose rows live at the daemon. The view
//! (cursor, bookmarks, checks) runs here; restriction, sort, counts and pages are asked
//! of the daemon, which evaluates them next to the store (in SQL for the local store).

use std::sync::Arc;

use mapi_client::{RemoteSession, TableKind};
use mapi_types::{MapiStatus, PropTag, Query, Restriction, Row, RowSource, TableError, TableView};
use tokio::runtime::Runtime;

/// Rows asked for per request.
const CHUNK: usize = 1000;

/// A table opened at the daemon; released when dropped.
pub(crate) struct RemoteSource {
    rt: Arc<Runtime>,
    session: Arc<RemoteSession>,
    table: u64,
    default_columns: Vec<PropTag>,
    all_columns: Vec<PropTag>,
}

fn table_err(e: mapi_client::ClientError) -> TableError {
    TableError::new(e.status(), e.to_string())
}

impl RemoteSource {
    /// Opens the table at the daemon and a view over it, tied to the session's life.
    pub(crate) fn open_view(
        rt: Arc<Runtime>,
        session: Arc<RemoteSession>,
        kind: TableKind,
        store: Option<&[u8]>,
        folder: Option<&[u8]>,
        flags: u32,
    ) -> Result<TableView, TableError> {
        let (table, default_columns, all_columns) = rt
            .block_on(session.open_table(kind, store, folder, flags))
            .map_err(table_err)?;
        Ok(RemoteSource::view_of(
            rt,
            session,
            table,
            default_columns,
            all_columns,
        ))
    }

    /// A view over a table the daemon already opened (a message's recipient table).
    pub(crate) fn view_of(
        rt: Arc<Runtime>,
        session: Arc<RemoteSession>,
        table: u64,
        default_columns: Vec<PropTag>,
        all_columns: Vec<PropTag>,
    ) -> TableView {
        let alive = crate::any_session::remote_liveness(session.clone());
        let source = RemoteSource {
            rt,
            session,
            table,
            default_columns,
            all_columns,
        };
        TableView::over(Box::new(source)).with_liveness(alive)
    }
}

impl RowSource for RemoteSource {
    fn all_columns(&self) -> Vec<PropTag> {
        self.all_columns.clone()
    }

    fn default_columns(&self) -> Vec<PropTag> {
        self.default_columns.clone()
    }

    fn set_query(&mut self, query: &Query) -> Result<(), TableError> {
        self.rt
            .block_on(self.session.table_query(
                self.table,
                query.restriction.clone(),
                query.sort.clone(),
            ))
            .map_err(table_err)
    }

    fn count(&mut self) -> Result<usize, TableError> {
        let n = self
            .rt
            .block_on(self.session.table_count(self.table))
            .map_err(table_err)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn rows(
        &mut self,
        start: usize,
        n: usize,
        columns: &[PropTag],
    ) -> Result<Vec<Row>, TableError> {
        let mut out = Vec::new();
        while out.len() < n {
            let want = (n - out.len()).min(CHUNK);
            let at = (start + out.len()) as u64;
            let page = self
                .rt
                .block_on(
                    self.session
                        .table_rows(self.table, at, want as u32, columns),
                )
                .map_err(table_err)?;
            let got = page.len();
            out.extend(page);
            if got == 0 || (got < want && got < CHUNK) {
                break;
            }
        }
        Ok(out)
    }

    fn find(
        &mut self,
        restriction: &Restriction,
        from: usize,
        backward: bool,
    ) -> Result<Option<usize>, TableError> {
        let found = self
            .rt
            .block_on(
                self.session
                    .table_find(self.table, restriction, from as u64, backward),
            )
            .map_err(table_err)?;
        Ok(found.map(|p| usize::try_from(p).unwrap_or(usize::MAX)))
    }
}

impl Drop for RemoteSource {
    fn drop(&mut self) {
        self.session.release_table(self.table);
    }
}
