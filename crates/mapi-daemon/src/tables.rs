//! Tables a client opened: the row source of each lives here, at the daemon, so
//! sorting, restriction and paging run next to the store (in SQL for the local store);
//! the client keeps the cursor and bookmarks. Tables belong to a session handle and go
//! with it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mapi_engine::EngineError;
use mapi_engine::tables::{contents_source, hierarchy_source};
use mapi_proto::{RequestBody, ResponseBody, TableKind};
use mapi_types::table::view::{MAX_COLUMNS, MAX_SORT_KEYS};
use mapi_types::{MemorySource, Query, RowSource, Status, TableError};

use crate::conn::ConnState;
use crate::error::{DaemonError, Result};

/// Most tables one session handle holds open.
const MAX_TABLES: usize = 256;
/// Most rows one `TableRows` answers (the client asks again for more).
const MAX_ROWS_PER_CALL: u32 = 2000;

type Shared = Arc<Mutex<Box<dyn RowSource>>>;

/// The open tables of one session handle.
#[derive(Default)]
pub(crate) struct Tables {
    map: Mutex<HashMap<u64, Shared>>,
    next: AtomicU64,
}

fn table_err(e: TableError) -> DaemonError {
    DaemonError::Engine(EngineError::Table(e))
}

impl Tables {
    /// Holds a table's row source; its handle.
    pub(crate) fn add(&self, source: Box<dyn RowSource>) -> Result<u64> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_TABLES {
            return Err(table_err(TableError::new(
                Status::MAPI_E_NOT_ENOUGH_RESOURCES,
                format!("a session holds at most {MAX_TABLES} open tables: release some"),
            )));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        map.insert(id, Arc::new(Mutex::new(source)));
        Ok(id)
    }

    fn get(&self, id: u64) -> Result<Shared> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .cloned()
            .ok_or_else(|| {
                table_err(TableError::new(
                    Status::MAPI_E_INVALID_OBJECT,
                    format!("no table {id} is open on this session"),
                ))
            })
    }

    fn remove(&self, id: u64) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
    }
}

fn run<T>(
    t: &Shared,
    f: impl FnOnce(&mut dyn RowSource) -> std::result::Result<T, TableError>,
) -> Result<T> {
    let mut guard = t.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.as_mut()).map_err(table_err)
}

/// Answers a table request (`OpenTable`, `TableQuery`, `TableCount`, `TableRows`,
/// `TableFind`, `TableRelease`).
pub(crate) async fn answer(conn: &Arc<ConnState>, body: RequestBody) -> Result<ResponseBody> {
    match body {
        RequestBody::OpenTable {
            session,
            kind,
            store,
            folder,
            flags,
        } => {
            let h = conn.handle(session)?;
            let s = h.live()?;
            let source: Box<dyn RowSource> = match kind {
                TableKind::Status => {
                    TableError::check_flags("GetStatusTable", flags, 0x8000_0000)
                        .map_err(table_err)?;
                    Box::new(MemorySource::from_table(s.status_table()?))
                }
                TableKind::Stores => {
                    TableError::check_flags("GetMsgStoresTable", flags, 0x8000_0000)
                        .map_err(table_err)?;
                    Box::new(MemorySource::from_table(s.store_table()?))
                }
                TableKind::AbHierarchy => s
                    .address_book()?
                    .hierarchy_source(folder.as_deref().unwrap_or_default(), flags)?,
                TableKind::AbContents => {
                    s.address_book()?
                        .contents_source(folder.as_deref().unwrap_or_default(), flags)
                        .await?
                }
                TableKind::Hierarchy | TableKind::Contents => {
                    let missing = || {
                        table_err(TableError::invalid(
                            "a hierarchy or contents table needs a store and a folder",
                        ))
                    };
                    let store = s.open_msg_store(&store.ok_or_else(missing)?)?;
                    let folder = folder.ok_or_else(missing)?;
                    if kind == TableKind::Hierarchy {
                        hierarchy_source(&store, &folder, flags).await?
                    } else {
                        contents_source(&store, &folder, flags).await?
                    }
                }
            };
            let default_columns = source.default_columns();
            let all_columns = source.all_columns();
            let table = h.tables.add(source)?;
            Ok(ResponseBody::TableOpened {
                table,
                default_columns,
                all_columns,
            })
        }
        RequestBody::TableQuery {
            session,
            table,
            restriction,
            sort,
        } => {
            let h = conn.handle(session)?;
            h.live()?;
            if let Some(r) = &restriction {
                r.check().map_err(table_err)?;
            }
            // The bounds a client's own view enforces, for clients that skip it.
            if sort.len() > MAX_SORT_KEYS || sort.iter().any(|k| k.tag.prop_type().is_multi()) {
                return Err(table_err(TableError::too_complex(format!(
                    "at most {MAX_SORT_KEYS} sort keys, none multi-valued"
                ))));
            }
            let t = h.tables.get(table)?;
            run(&t, |s| s.set_query(&Query { restriction, sort }))?;
            Ok(ResponseBody::Done)
        }
        RequestBody::TableCount { session, table } => {
            let h = conn.handle(session)?;
            h.live()?;
            let t = h.tables.get(table)?;
            Ok(ResponseBody::Count(run(&t, |s| s.count())? as u64))
        }
        RequestBody::TableRows {
            session,
            table,
            start,
            count,
            columns,
        } => {
            let h = conn.handle(session)?;
            h.live()?;
            if columns.len() > MAX_COLUMNS {
                return Err(table_err(TableError::new(
                    Status::MAPI_E_TOO_BIG,
                    format!("at most {MAX_COLUMNS} columns"),
                )));
            }
            let t = h.tables.get(table)?;
            let start = usize::try_from(start).unwrap_or(usize::MAX);
            let n = count.min(MAX_ROWS_PER_CALL) as usize;
            let rows = run(&t, |s| s.rows(start, n, &columns))?;
            Ok(ResponseBody::Rows(rows))
        }
        RequestBody::TableFind {
            session,
            table,
            restriction,
            from,
            backward,
        } => {
            let h = conn.handle(session)?;
            h.live()?;
            restriction.check().map_err(table_err)?;
            let t = h.tables.get(table)?;
            let from = usize::try_from(from).unwrap_or(usize::MAX);
            let found = run(&t, |s| s.find(&restriction, from, backward))?;
            Ok(ResponseBody::Found(found.map(|p| p as u64)))
        }
        RequestBody::TableRelease { session, table } => {
            // Released with its handle anyway; a late release is not an error.
            if let Ok(h) = conn.handle(session) {
                h.tables.remove(table);
            }
            Ok(ResponseBody::Done)
        }
        other => Err(DaemonError::Engine(EngineError::NoSupport(format!(
            "{} is not a table request",
            other.name()
        )))),
    }
}
