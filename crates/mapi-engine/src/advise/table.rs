//! [`LiveTable`]: a folder's contents table that a client can advise
//! (`IMAPITable::Advise`, `fnevTableModified`).
//!
//! How the table learns its rows changed: the store reports which objects changed
//! (`mapi_spi::events`); when one of them is in (or moved out of) the table's folder,
//! the notification thread asks the view's source to evaluate its restriction and sort
//! again and compares the rows' keys, in order, with the keys it had (**compare by
//! key**; a row's key is its PR_INSTANCE_KEY, or its PR_ENTRYID where the source gives
//! no instance key, as the local store's contents rows). Then:
//! - a key gone: `TABLE_ROW_DELETED` (propIndex = the key);
//! - a new key: `TABLE_ROW_ADDED` with the row in the table's current columns and
//!   propPrior = the key of the row before it (`PR_NULL` when it is the first);
//! - a changed object still in the table at the same place relative to the others:
//!   `TABLE_ROW_MODIFIED`, with the row and propPrior;
//! - the rows that stayed in a different order (a sort on a changed column), or a table
//!   of more than [`MAX_TRACKED`] rows: one `TABLE_CHANGED`;
//! - changes the store lost track of: `TABLE_RELOAD`.
//!
//! The keys are read only for tables that are advised, and only after a change in their
//! folder. The cursor and bookmarks keep their indexes.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_spi::{ChangeKind, MsgStore, StoreChange};
use mapi_types::notify::{PR_NULL, TableInfo, table_event};
use mapi_types::table::project;
use mapi_types::{Notification, PropTag, PropValue, Row, Status, TableView, tags};

use super::{AdviseSink, Hub, TABLE_EVENTS, Target, supported};
use crate::error::{EngineError, Result};
use crate::session::Session;

/// Tables with more rows than this get `TABLE_CHANGED` instead of row events.
pub const MAX_TRACKED: usize = 20_000;
/// Keys read from the source at a time.
const CHUNK: usize = 1024;

/// One row's key and entry id.
#[derive(Clone, Debug, PartialEq)]
struct Keyed {
    key: Vec<u8>,
    key_tag: PropTag,
    entry: Vec<u8>,
}

pub(crate) struct TableInner {
    /// The store's store-table entry id.
    pub(crate) store: Vec<u8>,
    folder: Vec<u8>,
    view: Mutex<TableView>,
    /// The rows' keys in view order as last seen; `None` = too many (or not read).
    keys: Mutex<Option<Vec<Keyed>>>,
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
        Ok(LiveTable {
            inner: Arc::new(TableInner {
                store: store.to_vec(),
                folder: folder.to_vec(),
                view: Mutex::new(view),
                keys: Mutex::new(None),
            }),
            hub,
        })
    }
}

impl LiveTable {
    /// The view (`IMAPITable`'s other methods). Do not hold it while waiting for a
    /// notification: the notification thread needs it to compute row events.
    pub fn view(&self) -> MutexGuard<'_, TableView> {
        self.inner.view.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `IMAPITable::Advise`: `fnevTableModified` (any other mask is
    /// `MAPI_E_NO_SUPPORT`). Returns the connection number (unique in the session).
    pub fn advise(&self, mask: u32, sink: Arc<dyn AdviseSink>) -> Result<u32> {
        let mask = supported(mask, TABLE_EVENTS, "a table")?;
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
    })
}

impl TableInner {
    /// The notifications the changes make for this table (called on the notification
    /// thread; the view is locked only here, never while a sink runs).
    pub(crate) fn changed(&self, changes: &[StoreChange]) -> Vec<Notification> {
        let lost = changes.iter().any(|c| c.kind == ChangeKind::Lost);
        let touched: Vec<&StoreChange> = changes
            .iter()
            .filter(|c| c.parent == self.folder || c.old_parent == self.folder)
            .collect();
        if !lost && touched.is_empty() {
            return Vec::new();
        }
        let mut view = self.view.lock().unwrap_or_else(|p| p.into_inner());
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        let reload = |keys: &mut Option<Vec<Keyed>>, view: &mut TableView, event| {
            *keys = read_keys(view).ok().flatten();
            vec![Notification::TableModified(TableInfo::table_wide(event))]
        };
        if let Err(e) = view.rows_changed() {
            log::warn!("a contents table could not be read again after a change: {e}");
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
        let out = diff(&mut view, &old, &new, &touched);
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
    let old_set: HashSet<&[u8]> = old.iter().map(|k| k.key.as_slice()).collect();
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
        if old_set.contains(k.key.as_slice()) && modified.contains(k.entry.as_slice()) {
            out.push(row_event(view, table_event::TABLE_ROW_MODIFIED, new, i));
        }
    }
    out
}
