//! [`LiveTable`]: a folder's contents or hierarchy table, or the session's status
//! table, that a client can advise (`IMAPITable::Advise`, `fnevTableModified`; the
//! status table also `fnevStatusObjectModified`).
//!
//! How the table learns its rows changed:
//! - a **contents table**: the store reports which objects changed
//!   (`mapi_spi::events`); when one of them is in (or moved out of) the table's
//!   folder, the view's source evaluates its restriction and sort again;
//! - a **hierarchy table**: after a change of a folder of the store (created, deleted,
//!   renamed, moved), or of a message in one of the table's folders (their counts),
//!   the store's folders are read again and become the view's rows;
//! - the **status table**: after a status row changed, the session's status rows
//!   become the view's rows.
//!
//! Then the notification thread compares the rows' keys, in order, with the keys it had
//! (**compare by key**; a row's key is its PR_INSTANCE_KEY, or its PR_ENTRYID where the
//! source gives no instance key, as the local store's contents rows and hierarchy
//! rows):
//! - a key gone: `TABLE_ROW_DELETED` (propIndex = the key);
//! - a new key: `TABLE_ROW_ADDED` with the row in the table's current columns and
//!   propPrior = the key of the row before it (`PR_NULL` when it is the first);
//! - a changed object still in the table at the same place relative to the others (a
//!   store said it changed, or its row's values differ): `TABLE_ROW_MODIFIED`, with
//!   the row and propPrior;
//! - the rows that stayed in a different order (a sort on a changed column), or a table
//!   of more than [`MAX_TRACKED`] rows: one `TABLE_CHANGED`;
//! - changes the store lost track of: `TABLE_RELOAD`.
//!
//! The keys are read only for tables that are advised, and only after a change in their
//! folder. The cursor and bookmarks keep their indexes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use mapi_spi::{ChangeKind, MsgStore, StoreChange};
use mapi_types::notify::{PR_NULL, TableInfo, table_event};
use mapi_types::table::consts::{MAPI_UNICODE, TBLTYPE_DYNAMIC};
use mapi_types::table::project;
use mapi_types::table::view::Query;
use mapi_types::{
    LogonFlags, MemorySource, Notification, PropTag, PropValue, Restriction, Row, RowSource,
    Status, TableError, TableView, object_type, tags,
};

use super::dispatch::Blocker;
use super::{AdviseSink, Hub, STATUS_TABLE_EVENTS, TABLE_EVENTS, Target, status, supported};
use crate::error::{EngineError, Result};
use crate::session::{Session, SessionInner};

/// Tables with more rows than this get `TABLE_CHANGED` instead of row events.
pub const MAX_TRACKED: usize = 20_000;
/// Keys read from the source at a time.
const CHUNK: usize = 1024;

/// One row's key and entry id, and the row as the source gave it (to see a change of
/// its values).
#[derive(Clone, Debug, PartialEq)]
struct Keyed {
    key: Vec<u8>,
    key_tag: PropTag,
    entry: Vec<u8>,
    row: Row,
}

/// Which table, and where its rows come from.
pub(crate) enum Kind {
    /// A folder's contents: the store's row source.
    Contents { folder: Vec<u8> },
    /// A folder's hierarchy table (`flags` as `GetHierarchyTable`'s).
    Hierarchy {
        store: Arc<dyn MsgStore>,
        folder: Vec<u8>,
        flags: u32,
    },
    /// The session's status table, for a client with or without `MAPI_NO_MAIL`.
    Status {
        session: Weak<SessionInner>,
        no_mail: bool,
    },
}

/// Rows read again for a hierarchy or status table, waiting for the view's source to
/// take them.
type Fresh = Arc<Mutex<Option<Vec<Row>>>>;

pub(crate) struct TableInner {
    /// The store's store-table entry id (empty for the status table).
    pub(crate) store: Vec<u8>,
    pub(crate) kind: Kind,
    fresh: Fresh,
    view: Mutex<TableView>,
    /// The rows' keys in view order as last seen; `None` = too many (or not read).
    keys: Mutex<Option<Vec<Keyed>>>,
}

/// The source of a hierarchy or status table: rows in memory, replaced by fresh ones
/// when the view evaluates its query again after a change.
struct FreshSource {
    columns: Vec<PropTag>,
    rows: MemorySource,
    fresh: Fresh,
}

impl RowSource for FreshSource {
    fn all_columns(&self) -> Vec<PropTag> {
        self.rows.all_columns()
    }
    fn default_columns(&self) -> Vec<PropTag> {
        self.columns.clone()
    }
    fn set_query(&mut self, query: &Query) -> std::result::Result<(), TableError> {
        let fresh = self.fresh.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(rows) = fresh {
            self.rows = MemorySource::new(&self.columns, rows);
        }
        self.rows.set_query(query)
    }
    fn count(&mut self) -> std::result::Result<usize, TableError> {
        self.rows.count()
    }
    fn rows(
        &mut self,
        start: usize,
        n: usize,
        columns: &[PropTag],
    ) -> std::result::Result<Vec<Row>, TableError> {
        self.rows.rows(start, n, columns)
    }
    fn find(
        &mut self,
        restriction: &Restriction,
        from: usize,
        backward: bool,
    ) -> std::result::Result<Option<usize>, TableError> {
        self.rows.find(restriction, from, backward)
    }
}

fn fresh_view(columns: &[PropTag], rows: Vec<Row>, fresh: &Fresh) -> TableView {
    TableView::over(Box::new(FreshSource {
        columns: columns.to_vec(),
        rows: MemorySource::new(columns, rows),
        fresh: fresh.clone(),
    }))
}

/// A contents table as a shared object: the client uses the view through
/// [`LiveTable::view`], and may advise it.
#[derive(Clone)]
pub struct LiveTable {
    inner: Arc<TableInner>,
    hub: Arc<Hub>,
}

impl std::fmt::Debug for LiveTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveTable").finish_non_exhaustive()
    }
}

impl Session {
    /// `IMAPIFolder::GetContentsTable` of `folder` in the store with store-table entry
    /// id `store`, as a table that can be advised. `flags` as
    /// [`Session::get_contents_table`].
    pub async fn live_contents_table(
        &self,
        store: &[u8],
        folder: &[u8],
        flags: u32,
    ) -> Result<LiveTable> {
        let s: Arc<dyn MsgStore> = self.open_msg_store(store)?;
        let view = self.get_contents_table(&s, folder, flags).await?;
        let hub = self.hub()?;
        hub.watch_store(store, &s)?;
        Ok(LiveTable::new(
            hub,
            store,
            Kind::Contents {
                folder: folder.to_vec(),
            },
            view,
            Fresh::default(),
        ))
    }

    /// `IMAPIContainer::GetHierarchyTable` of `folder` in the store with store-table
    /// entry id `store`, as a table that can be advised: folders created, deleted,
    /// renamed or moved (by any session or process) are `TABLE_ROW_ADDED` /
    /// `TABLE_ROW_DELETED` / `TABLE_ROW_MODIFIED`, as are changes of a listed folder's
    /// counts. `flags` as [`Session::get_hierarchy_table`]. A store that does not report
    /// its changes answers `MAPI_E_NO_SUPPORT`.
    pub async fn live_hierarchy_table(
        &self,
        store: &[u8],
        folder: &[u8],
        flags: u32,
    ) -> Result<LiveTable> {
        let r = async {
            let s: Arc<dyn MsgStore> = self.open_msg_store(store)?;
            let alive = self.liveness();
            alive()?;
            let rows = crate::tables::hierarchy_table_rows(&s, folder, flags).await?;
            let hub = self.hub()?;
            hub.watch_store(store, &s)?;
            let fresh = Fresh::default();
            let view =
                fresh_view(&crate::tables::HIERARCHY_COLUMNS, rows, &fresh).with_liveness(alive);
            Ok(LiveTable::new(
                hub,
                store,
                Kind::Hierarchy {
                    store: s,
                    folder: folder.to_vec(),
                    flags,
                },
                view,
                fresh,
            ))
        }
        .await;
        self.record(r)
    }

    /// `GetStatusTable` as a table that can be advised: a status row that changes (a
    /// service going offline or online, a transport failing) is `TABLE_ROW_MODIFIED`
    /// and, for `fnevStatusObjectModified`, the status object's notification. `flags`:
    /// `MAPI_UNICODE`.
    pub fn live_status_table(&self, flags: u32) -> Result<LiveTable> {
        let r = (|| {
            TableError::check_flags("GetStatusTable", flags, MAPI_UNICODE)?;
            let table = self.status_table()?;
            let hub = self.hub()?;
            let fresh = Fresh::default();
            let rows = table.full_rows().into_iter().cloned().collect();
            let view = fresh_view(table.columns(), rows, &fresh)
                .with_liveness(self.liveness())
                .with_table_type(TBLTYPE_DYNAMIC);
            Ok(LiveTable::new(
                hub,
                &[],
                Kind::Status {
                    session: Arc::downgrade(&self.inner),
                    no_mail: self.flags().contains(LogonFlags::MAPI_NO_MAIL),
                },
                view,
                fresh,
            ))
        })();
        self.record(r)
    }
}

impl LiveTable {
    fn new(hub: Arc<Hub>, store: &[u8], kind: Kind, view: TableView, fresh: Fresh) -> LiveTable {
        LiveTable {
            inner: Arc::new(TableInner {
                store: store.to_vec(),
                kind,
                fresh,
                view: Mutex::new(view),
                keys: Mutex::new(None),
            }),
            hub,
        }
    }

    /// The view (`IMAPITable`'s other methods). Do not hold it while waiting for a
    /// notification: the notification thread needs it to compute row events.
    pub fn view(&self) -> MutexGuard<'_, TableView> {
        self.inner.view.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `IMAPITable::Advise`: `fnevTableModified`, and on the status table
    /// `fnevStatusObjectModified` too (a mask with none of them is
    /// `MAPI_E_NO_SUPPORT`). Returns the connection number (unique in the session).
    pub fn advise(&self, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32> {
        let mask = match self.inner.kind {
            Kind::Status { .. } => supported(mask, STATUS_TABLE_EVENTS, "the status table")?,
            _ => supported(mask, TABLE_EVENTS, "a table")?,
        };
        {
            // The view, then the keys: the notification thread's order.
            let mut view = self.view();
            let mut keys = self.inner.keys.lock().unwrap_or_else(|p| p.into_inner());
            if keys.is_none() {
                *keys = read_keys(&mut view)?;
            }
        }
        Ok(self
            .hub
            .register(Target::Table(Arc::downgrade(&self.inner)), mask, sink))
    }

    /// `IMAPITable::Unadvise`: `MAPI_E_NOT_FOUND` for a number that is not one of this
    /// table's registrations.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        self.hub.unadvise(conn, Some(&self.inner))
    }
}

fn key_of(row: &Row) -> Option<Keyed> {
    let entry = row
        .get(tags::PR_ENTRYID)
        .and_then(PropValue::as_bytes)
        .map(<[u8]>::to_vec);
    let (key_tag, key) = match row.get(tags::PR_INSTANCE_KEY).and_then(PropValue::as_bytes) {
        Some(k) => (tags::PR_INSTANCE_KEY, k.to_vec()),
        None => (tags::PR_INSTANCE_KEY, entry.clone()?),
    };
    Some(Keyed {
        key,
        key_tag,
        entry: entry.unwrap_or_default(),
        row: row.clone(),
    })
}

impl TableInner {
    /// The notifications a store's changes make for this table (called on the
    /// notification thread; the view is locked only here, never while a sink runs).
    pub(crate) fn changed(&self, changes: &[StoreChange], rt: &Blocker) -> Vec<Notification> {
        let lost = changes.iter().any(|c| c.kind == ChangeKind::Lost);
        let touched: Vec<&StoreChange> = match &self.kind {
            Kind::Contents { folder } => changes
                .iter()
                .filter(|c| c.parent == *folder || c.old_parent == *folder)
                .collect(),
            Kind::Hierarchy { .. } => {
                let keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
                let listed =
                    |f: &[u8]| keys.as_ref().is_none_or(|k| k.iter().any(|k| k.entry == f));
                changes
                    .iter()
                    .filter(|c| {
                        c.object_type == object_type::MAPI_FOLDER
                            || (c.object_type == object_type::MAPI_MESSAGE
                                && (listed(&c.parent) || listed(&c.old_parent)))
                    })
                    .collect()
            }
            Kind::Status { .. } => return Vec::new(),
        };
        if !lost && touched.is_empty() {
            return Vec::new();
        }
        if let Kind::Hierarchy {
            store,
            folder,
            flags,
        } = &self.kind
        {
            let rows = rt.block_on(crate::tables::hierarchy_table_rows(store, folder, *flags));
            match rows {
                Ok(rows) => *self.fresh.lock().unwrap_or_else(|p| p.into_inner()) = Some(rows),
                Err(e) => {
                    log::warn!("a hierarchy table could not be read again after a change: {e}");
                    let mut info = TableInfo::table_wide(table_event::TABLE_ERROR);
                    info.hresult = mapi_types::MapiStatus::status(&e);
                    return vec![Notification::TableModified(info)];
                }
            }
        }
        self.compare(lost, &touched)
    }

    /// The notifications of a status change for this table (the status table only):
    /// `TABLE_ROW_MODIFIED` for each changed row, then (for registrations that asked)
    /// each row's `fnevStatusObjectModified`.
    pub(crate) fn status_changed(&self) -> Vec<Notification> {
        let Kind::Status { session, no_mail } = &self.kind else {
            return Vec::new();
        };
        let Some(s) = session.upgrade() else {
            return Vec::new();
        };
        let rows: Vec<Row> = s
            .status_table(*no_mail)
            .full_rows()
            .into_iter()
            .cloned()
            .collect();
        let before: Vec<Row> = self
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .flatten()
            .map(|k| k.row.clone())
            .collect();
        let objects = status::changes(&before, &rows);
        if objects.is_empty() {
            return Vec::new();
        }
        *self.fresh.lock().unwrap_or_else(|p| p.into_inner()) = Some(rows);
        let mut out = self.compare(false, &[]);
        out.extend(objects.into_iter().map(|(_, n)| n));
        out
    }

    /// Reads the rows again and compares them with the keys the table had.
    fn compare(&self, lost: bool, touched: &[&StoreChange]) -> Vec<Notification> {
        let mut view = self.view.lock().unwrap_or_else(|p| p.into_inner());
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let reload = |keys: &mut Option<Vec<Keyed>>, view: &mut TableView, event| {
            *keys = read_keys(view).ok().flatten();
            vec![Notification::TableModified(TableInfo::table_wide(event))]
        };
        if let Err(e) = view.rows_changed() {
            log::warn!("a table could not be read again after a change: {e}");
            let mut info = TableInfo::table_wide(table_event::TABLE_ERROR);
            info.hresult = e.status;
            return vec![Notification::TableModified(info)];
        }
        if lost {
            return reload(&mut keys, &mut view, table_event::TABLE_RELOAD);
        }
        let new = match read_keys(&mut view) {
            Ok(Some(k)) => k,
            Ok(None) | Err(_) => {
                return reload(&mut keys, &mut view, table_event::TABLE_CHANGED);
            }
        };
        let Some(old) = keys.take() else {
            *keys = Some(new);
            return vec![Notification::TableModified(TableInfo::table_wide(
                table_event::TABLE_CHANGED,
            ))];
        };
        let out = diff(&mut view, &old, &new, touched);
        *keys = Some(new);
        out
    }
}

/// Every row's key in view order; `None` past [`MAX_TRACKED`].
fn read_keys(view: &mut TableView) -> Result<Option<Vec<Keyed>>> {
    let cols = [tags::PR_INSTANCE_KEY, tags::PR_ENTRYID];
    let mut out = Vec::new();
    loop {
        let rows = view.peek_rows(out.len(), CHUNK, &cols)?;
        let n = rows.len();
        for r in &rows {
            match key_of(r) {
                Some(k) => out.push(k),
                None => {
                    return Err(EngineError::Status(
                        Status::MAPI_E_CALL_FAILED,
                        "a table row has neither PR_INSTANCE_KEY nor PR_ENTRYID".into(),
                    ));
                }
            }
        }
        if out.len() > MAX_TRACKED {
            return Ok(None);
        }
        if n < CHUNK {
            return Ok(Some(out));
        }
    }
}

fn prop(k: &Keyed) -> (PropTag, PropValue) {
    (k.key_tag, PropValue::Binary(k.key.clone()))
}

fn row_event(view: &mut TableView, event: u32, new: &[Keyed], i: usize) -> Notification {
    let columns = view.columns().to_vec();
    let row = view
        .peek_rows(i, 1, &columns)
        .ok()
        .and_then(|mut r| r.pop())
        .map(|r| project(&r, &columns))
        .unwrap_or_default();
    let prior = match i.checked_sub(1) {
        Some(p) => prop(&new[p]),
        None => (PR_NULL, PropValue::Null),
    };
    Notification::TableModified(TableInfo {
        event,
        hresult: Status::S_OK,
        index: prop(&new[i]),
        prior,
        row,
    })
}

fn diff(
    view: &mut TableView,
    old: &[Keyed],
    new: &[Keyed],
    touched: &[&StoreChange],
) -> Vec<Notification> {
    let old_rows: HashMap<&[u8], &Row> = old.iter().map(|k| (k.key.as_slice(), &k.row)).collect();
    let old_set: HashSet<&[u8]> = old_rows.keys().copied().collect();
    let new_set: HashSet<&[u8]> = new.iter().map(|k| k.key.as_slice()).collect();
    let stayed_old: Vec<&[u8]> = old
        .iter()
        .map(|k| k.key.as_slice())
        .filter(|k| new_set.contains(k))
        .collect();
    let stayed_new: Vec<&[u8]> = new
        .iter()
        .map(|k| k.key.as_slice())
        .filter(|k| old_set.contains(k))
        .collect();
    if stayed_old != stayed_new {
        return vec![Notification::TableModified(TableInfo::table_wide(
            table_event::TABLE_CHANGED,
        ))];
    }
    let mut out = Vec::new();
    for k in old.iter().filter(|k| !new_set.contains(k.key.as_slice())) {
        out.push(Notification::TableModified(TableInfo {
            event: table_event::TABLE_ROW_DELETED,
            hresult: Status::S_OK,
            index: prop(k),
            prior: (PR_NULL, PropValue::Null),
            row: Row::default(),
        }));
    }
    for (i, k) in new.iter().enumerate() {
        if !old_set.contains(k.key.as_slice()) {
            out.push(row_event(view, table_event::TABLE_ROW_ADDED, new, i));
        }
    }
    let modified: HashSet<&[u8]> = touched
        .iter()
        .filter(|c| c.kind == ChangeKind::Modified)
        .map(|c| c.entry.as_slice())
        .collect();
    for (i, k) in new.iter().enumerate() {
        let Some(before) = old_rows.get(k.key.as_slice()) else {
            continue;
        };
        if modified.contains(k.entry.as_slice()) || **before != k.row {
            out.push(row_event(view, table_event::TABLE_ROW_MODIFIED, new, i));
        }
    }
    out
}
