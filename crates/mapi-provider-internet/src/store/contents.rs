//! Contents tables of the IMAP cache as a [`RowSource`] that reads only what a view
//! shows. Unrestricted views sorted on columns SQLite orders exactly as MAPI tables do
//! (delivery time, size, read state: integers, with a missing value placed as
//! [`compare_rows`] places it) page with `LIMIT` / `OFFSET` and count with SQL. A
//! restriction goes to SQLite as a `WHERE` where `contents_sql` can translate it (each
//! conjunct of a top-level AND on its own); with such a sort and nothing left over,
//! SQLite alone gives the matching ids in view order. Any other query (a conjunct SQL
//! cannot express, or a sort on strings, which MAPI compares ignoring case first)
//! scans the rows the SQL part keeps, one at a time, evaluating the rest as
//! [`mapi_types::MemorySource`] does, and keeps only the matching rows' ids and sort
//! values; pages are then read by id. The answers are always those a `MemorySource`
//! gives over the same rows.

use std::sync::Arc;

use mapi_types::table::restriction::NoSubObjects;
use mapi_types::table::view::compare_rows;
use mapi_types::{
    PropTag, PropValue, Query, Restriction, Row, RowSource, SortKey, TableError, tags,
};

use rusqlite::types::Value;

use super::{CONTENT_COLUMNS, Shared, contents_sql};
use crate::cache::MessageRow;
use crate::props;
use crate::sync::lock;

/// `MSGFLAG_READ`.
const MSGFLAG_READ: i64 = 0x1;

/// How the current query is answered.
enum Plan {
    /// SQL pages in this `ORDER BY`.
    Sql(String),
    /// The matching rows' ids, in view order.
    Ids(Vec<i64>),
}

/// A folder's contents in the cache.
pub(crate) struct CacheContents {
    shared: Arc<Shared>,
    folder_id: i64,
    plan: Plan,
}

/// The `WHERE` part (after the folder) of a query with no restriction.
const NO_FILTER: &str = "1";

/// The base order (the cache's contents order, also the tie order of every sort).
const BASE_ORDER: &str = "delivery_time DESC, id DESC";

/// The SQL `ORDER BY` of a sort whose every key SQLite orders as [`compare_rows`]
/// does; `None` when a key is on another column.
fn sql_order(keys: &[SortKey]) -> Option<String> {
    let mut parts = Vec::new();
    for k in keys {
        let dir = if k.descending { "DESC" } else { "ASC" };
        let col = match k.tag.id() {
            id if id == tags::PR_MESSAGE_SIZE.id() => "size",
            id if id == tags::PR_MESSAGE_FLAGS.id() || id == tags::PR_READ.id() => "seen",
            id if id == tags::PR_MESSAGE_DELIVERY_TIME.id() => {
                // a present value sorts before a missing one ascending, after it descending
                parts.push(format!("delivery_time IS NULL {dir}"));
                "delivery_time"
            }
            _ => return None,
        };
        parts.push(format!("{col} {dir}"));
    }
    // the base order breaks ties; a column already ordered on adds nothing (and left
    // out, the order matches the `messages_by_delivery` index: no sort of the folder)
    for base in BASE_ORDER.split(", ") {
        let col = base.split(' ').next().unwrap_or_default();
        if !parts.iter().any(|p| p.split(' ').next() == Some(col)) {
            parts.push(base.to_string());
        }
    }
    Some(parts.join(", "))
}

impl CacheContents {
    pub(crate) fn new(shared: Arc<Shared>, folder_id: i64) -> CacheContents {
        CacheContents {
            shared,
            folder_id,
            plan: Plan::Sql(BASE_ORDER.to_string()),
        }
    }

    fn row(&self, m: &MessageRow) -> Row {
        let mut r = props::message_row(&self.shared.store_uid, m);
        let read = r.int(tags::PR_MESSAGE_FLAGS).unwrap_or(0) & MSGFLAG_READ != 0;
        r.set(tags::PR_READ, PropValue::Boolean(read));
        r
    }

    fn failed(e: crate::error::InternetError) -> TableError {
        let p: mapi_spi::ProviderError = e.into();
        TableError::new(p.status, p.message)
    }

    /// The rows where `filter` (SQL, with `params`) holds, in the base order, that also
    /// satisfy every one of `residual`, sorted on `keys` in Rust.
    fn scan(
        &self,
        filter: &str,
        params: &[Value],
        residual: &[&Restriction],
        keys: &[SortKey],
    ) -> Result<Vec<i64>, TableError> {
        let mut matched: Vec<(Row, i64)> = Vec::new();
        let mut failure = None;
        lock(&self.shared.db)
            .scan_where(self.folder_id, filter, params, BASE_ORDER, |m| {
                let row = self.row(&m);
                let mut keep = true;
                for r in residual {
                    match r.evaluate(&row, &NoSubObjects) {
                        Ok(true) => {}
                        Ok(false) => {
                            keep = false;
                            break;
                        }
                        Err(e) => {
                            failure = Some(e);
                            return Err(crate::error::InternetError::NotFound("stop".into()));
                        }
                    }
                }
                if keep {
                    let key = Row(keys
                        .iter()
                        .filter_map(|k| row.get(k.tag).map(|v| (k.tag, v.clone())))
                        .collect());
                    matched.push((key, m.id));
                }
                Ok(())
            })
            .or_else(|e| match failure.take() {
                Some(_) => Ok(()),
                None => Err(e),
            })
            .map_err(Self::failed)?;
        if let Some(e) = failure {
            return Err(e);
        }
        // stable: rows equal on every key keep the base order
        matched.sort_by(|a, b| compare_rows(&a.0, &b.0, keys));
        Ok(matched.into_iter().map(|(_, id)| id).collect())
    }
}

impl RowSource for CacheContents {
    fn all_columns(&self) -> Vec<PropTag> {
        let mut c = CONTENT_COLUMNS.to_vec();
        c.extend([
            tags::PR_READ,
            tags::PR_PARENT_ENTRYID,
            tags::PR_MESSAGE_CLASS,
            tags::PR_INTERNET_MESSAGE_ID,
            tags::PR_RECORD_KEY,
            tags::PR_SEARCH_KEY,
            tags::PR_INSTANCE_KEY,
        ]);
        c
    }

    fn default_columns(&self) -> Vec<PropTag> {
        CONTENT_COLUMNS.to_vec()
    }

    fn set_query(&mut self, query: &Query) -> Result<(), TableError> {
        let order = sql_order(&query.sort);
        let Some(restriction) = &query.restriction else {
            self.plan = match order {
                Some(order) => Plan::Sql(order),
                None => Plan::Ids(self.scan(NO_FILTER, &[], &[], &query.sort)?),
            };
            return Ok(());
        };
        // Bounded depth before anything here recurses (the view checks as well).
        restriction.check()?;
        let conjuncts: Vec<&Restriction> = match restriction {
            Restriction::And(rs) => rs.iter().collect(),
            r => vec![r],
        };
        let mut filters = Vec::new();
        let mut params = Vec::new();
        let mut residual = Vec::new();
        // the conjuncts joined are as deep as their number plus the deepest one
        let mut deepest = 0;
        for c in conjuncts {
            let depth = deepest.max(contents_sql::sql_depth(c));
            let fits = filters.len() + 1 + depth <= contents_sql::MAX_SQL_DEPTH;
            let sql = if fits {
                contents_sql::to_sql(c, &mut params)
            } else {
                None
            };
            match sql {
                Some(sql) => {
                    filters.push(sql);
                    deepest = depth;
                }
                None => residual.push(c),
            }
        }
        let filter = if filters.is_empty() {
            NO_FILTER.to_string()
        } else {
            filters.join(" AND ")
        };
        self.plan = match order {
            Some(order) if residual.is_empty() => Plan::Ids(
                lock(&self.shared.db)
                    .ids_where(self.folder_id, &filter, &params, &order)
                    .map_err(Self::failed)?,
            ),
            _ => Plan::Ids(self.scan(&filter, &params, &residual, &query.sort)?),
        };
        Ok(())
    }

    fn count(&mut self) -> Result<usize, TableError> {
        match &self.plan {
            Plan::Sql(_) => lock(&self.shared.db)
                .folder_count(self.folder_id)
                .map_err(Self::failed),
            Plan::Ids(ids) => Ok(ids.len()),
        }
    }

    fn rows(
        &mut self,
        start: usize,
        n: usize,
        _columns: &[PropTag],
    ) -> Result<Vec<Row>, TableError> {
        let db = lock(&self.shared.db);
        let messages = match &self.plan {
            Plan::Sql(order) => db
                .page(self.folder_id, order, n, start)
                .map_err(Self::failed)?,
            Plan::Ids(ids) => ids
                .iter()
                .skip(start)
                .take(n)
                .map(|&id| db.message(id))
                .collect::<Result<Vec<_>, _>>()
                .map_err(Self::failed)?,
        };
        drop(db);
        Ok(messages.iter().map(|m| self.row(m)).collect())
    }
}
