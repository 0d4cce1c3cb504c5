//! Tables a client opened: the row source of each lives here, at the daemon, so
//! sorting, restriction and paging run next to the store (in SQL for the local store);
//! the client keeps the cursor and bookmarks. Tables belong to a session handle and go
//! with it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_engine::tables::{contents_source, hierarchy_source};
use mapi_engine::{EngineError, LiveTable, Session};
use mapi_proto::{RequestBody, ResponseBody, TableKind};
use mapi_types::table::view::{MAX_COLUMNS, MAX_SORT_KEYS};
use mapi_types::{MemorySource, PropTag, Query, RowSource, Status, TableError};

use crate::conn::ConnState;
use crate::error::{DaemonError, Result};

/// Most tables one session handle holds open.
const MAX_TABLES: usize = 256;
/// Most rows one `TableRows` answers (the client asks again for more).
const MAX_ROWS_PER_CALL: u32 = 2000;

type Shared = Arc<Mutex<Box<dyn RowSource>>>;

/// Where an advisable table's rows come from (what an Advise opens again as a live
/// table).
#[derive(Clone)]
pub(crate) enum Origin {
    /// A folder's contents: store, folder, `GetContentsTable` flags.
    Contents(Vec<u8>, Vec<u8>, u32),
    /// A folder's hierarchy: store, folder, `GetHierarchyTable` flags.
    Hierarchy(Vec<u8>, Vec<u8>, u32),
    /// The session's status table: `GetStatusTable` flags.
    Status(u32),
}

/// One open table.
struct Entry {
    source: Shared,
    /// An advisable table's origin.
    origin: Option<Origin>,
    /// The query last set (`TableQuery`).
    query: Query,
    /// Every column the rows hold.
    columns: Vec<PropTag>,
    /// The live form, once advised: the engine computes row events on it, with the
    /// same query, in every column.
    live: Option<LiveTable>,
}

/// The open tables of one session handle.
#[derive(Default)]
pub(crate) struct Tables {
    map: Mutex<HashMap<u64, Entry>>,
    next: AtomicU64,
}

fn table_err(e: TableError) -> DaemonError {
    DaemonError::Engine(EngineError::Table(e))
}

impl Tables {
    /// Holds a table's row source; its handle.
    pub(crate) fn add(&self, source: Box<dyn RowSource>, origin: Option<Origin>) -> Result<u64> {
        let columns = source.all_columns();
        let mut map = self.lock();
        if map.len() >= MAX_TABLES {
            return Err(table_err(TableError::new(
                Status::MAPI_E_NOT_ENOUGH_RESOURCES,
                format!("a session holds at most {MAX_TABLES} open tables: release some"),
            )));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        map.insert(
            id,
            Entry {
                source: Arc::new(Mutex::new(source)),
                origin,
                query: Query::default(),
                columns,
                live: None,
            },
        );
        Ok(id)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Entry>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn with<T>(&self, id: u64, f: impl FnOnce(&mut Entry) -> T) -> Result<T> {
        match self.lock().get_mut(&id) {
            Some(e) => Ok(f(e)),
            None => Err(table_err(TableError::new(
                Status::MAPI_E_INVALID_OBJECT,
                format!("no table {id} is open on this session"),
            ))),
        }
    }

    fn get(&self, id: u64) -> Result<Shared> {
        self.with(id, |e| e.source.clone())
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// The live form of table `id`, if it was advised.
    pub(crate) fn live(&self, id: u64) -> Result<Option<LiveTable>> {
        self.with(id, |e| e.live.clone())
    }

    /// What a live form of table `id` needs: its origin, query and columns;
    /// `MAPI_E_NO_SUPPORT` for a table that reports no row changes (stores, address
    /// book, attachments, recipients).
    pub(crate) fn origin(&self, id: u64) -> Result<(Origin, Query, Vec<PropTag>)> {
        self.with(id, |e| {
            e.origin
                .clone()
                .map(|o| (o, e.query.clone(), e.columns.clone()))
        })?
        .ok_or_else(|| {
            DaemonError::Engine(EngineError::NoSupport(format!(
                "IMAPITable::Advise: table {id} reports no row changes; contents, hierarchy \
                 and status tables do"
            )))
        })
    }

    /// Keeps `live` as table `id`'s live form (or the one another Advise made first);
    /// `MAPI_E_INVALID_OBJECT` when the table was released meanwhile.
    pub(crate) fn set_live(&self, id: u64, live: LiveTable) -> Result<LiveTable> {
        self.with(id, |e| e.live.get_or_insert(live).clone())
    }
}

/// The rows of a hierarchy or status table read again (`None` for other tables, whose
/// sources evaluate their query at the store).
async fn reread(s: &Session, origin: Option<Origin>) -> Result<Option<Box<dyn RowSource>>> {
    Ok(match origin {
        Some(Origin::Hierarchy(store, folder, flags)) => {
            let store = s.open_msg_store(&store)?;
            Some(hierarchy_source(&store, &folder, flags).await?)
        }
        Some(Origin::Status(_)) => Some(Box::new(MemorySource::from_table(s.status_table()?))),
        Some(Origin::Contents(..)) | None => None,
    })
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
            let origin = match (kind, &store, &folder) {
                (TableKind::Contents, Some(s), Some(f)) => {
                    Some(Origin::Contents(s.clone(), f.clone(), flags))
                }
                (TableKind::Hierarchy, Some(s), Some(f)) => {
                    Some(Origin::Hierarchy(s.clone(), f.clone(), flags))
                }
                (TableKind::Status, _, _) => Some(Origin::Status(flags)),
                _ => None,
            };
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
            let table = h.tables.add(source, origin)?;
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
            let s = h.live()?;
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
            // Hierarchy and status rows are held in memory: read them again, so a
            // client re-reading after a change sees it.
            if let Some(fresh) = reread(s, h.tables.with(table, |e| e.origin.clone())?).await? {
                *t.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
            }
            let query = Query { restriction, sort };
            run(&t, |s| s.set_query(&query))?;
            // The live form follows a new query (a client re-reading after a change
            // sends the same one: nothing to do).
            let live = h.tables.with(table, |e| {
                let changed = e.query != query;
                e.query = query.clone();
                e.live.clone().filter(|_| changed)
            })?;
            if let Some(live) = live {
                let mut view = live.view();
                view.restrict(query.restriction, 0).map_err(table_err)?;
                view.sort_table(&query.sort, 0).map_err(table_err)?;
            }
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
                crate::advise::drop_all(&h.session, h.advised.take_table(table));
            }
            Ok(ResponseBody::Done)
        }
        other => Err(DaemonError::Engine(EngineError::NoSupport(format!(
            "{} is not a table request",
            other.name()
        )))),
    }
}
