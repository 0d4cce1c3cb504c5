//! [`KeyedContents`]: a contents table's rows with PR_INSTANCE_KEY and PR_SEARCH_KEY
//! (as [`crate::keys`] makes them), added to the rows the pushed-down source returns.
//! The two columns are looked up for the rows of a page only; FindRow on them reads
//! pages and evaluates here; a restriction or sort on them is `MAPI_E_TOO_COMPLEX`.

use std::collections::HashMap;

use mapi_types::table::restriction::NoSubObjects;
use mapi_types::tags::{PR_ENTRYID, PR_INSTANCE_KEY, PR_SEARCH_KEY};
use mapi_types::{MapiUid, PropTag, PropValue, Query, Restriction, Row, RowSource, TableError};
use rusqlite::{Connection, OptionalExtension};

use crate::entryid::{self, ObjectKind};
use crate::error::LocalError;
use crate::message::Ctx;

/// Adds the keys to rows of folder `folder` (each with its PR_ENTRYID), as the
/// in-memory contents table shows them.
pub fn add_keys(
    conn: &Connection,
    uid: &MapiUid,
    folder: i64,
    rows: &mut [Row],
) -> rusqlite::Result<()> {
    let ids: HashMap<i64, Option<String>> = conn
        .prepare_cached("SELECT id, message_id FROM messages WHERE folder = ?1")?
        .query_map([folder], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for row in rows {
        let Some(entry) = row.get(PR_ENTRYID).and_then(PropValue::as_bytes) else {
            continue;
        };
        let entry = entry.to_vec();
        let Ok(id) = entryid::decode(uid, ObjectKind::Message, &entry) else {
            continue;
        };
        row.set(
            PR_INSTANCE_KEY,
            PropValue::Binary(crate::keys::instance_key(id)),
        );
        let mid = ids.get(&id).and_then(Option::as_deref);
        row.set(
            PR_SEARCH_KEY,
            PropValue::Binary(crate::keys::search_key(mid, &entry)),
        );
    }
    Ok(())
}

/// Rows a FindRow on a key reads at a time.
const FIND_PAGE: usize = 256;

/// A contents table with the message keys.
pub struct KeyedContents {
    inner: Box<dyn RowSource>,
    ctx: Ctx,
}

fn is_key(tag: PropTag) -> bool {
    tag.id() == PR_INSTANCE_KEY.id() || tag.id() == PR_SEARCH_KEY.id()
}

/// Whether a restriction looks at a key column (sub-restrictions look at other rows).
fn uses_keys(r: &Restriction) -> bool {
    let mut stack = vec![r];
    while let Some(r) = stack.pop() {
        let hit = match r {
            Restriction::Property { tag, .. }
            | Restriction::BitMask { tag, .. }
            | Restriction::Size { tag, .. }
            | Restriction::Exist(tag)
            | Restriction::Content { tag, .. } => is_key(*tag),
            Restriction::CompareProps { left, right, .. } => is_key(*left) || is_key(*right),
            Restriction::Sub { .. } => false,
            _ => false,
        };
        if hit {
            return true;
        }
        if !matches!(r, Restriction::Sub { .. }) {
            stack.extend(r.children());
        }
    }
    false
}

fn table_error(e: LocalError) -> TableError {
    TableError::from(mapi_spi::ProviderError::from(e))
}

impl KeyedContents {
    /// The rows of `inner` (a local contents table of the store `ctx` names) with the
    /// keys.
    pub fn new(inner: Box<dyn RowSource>, ctx: Ctx) -> KeyedContents {
        KeyedContents { inner, ctx }
    }

    fn uid(&self) -> &MapiUid {
        &self.ctx.uid
    }
}

impl RowSource for KeyedContents {
    fn all_columns(&self) -> Vec<PropTag> {
        let mut all = self.inner.all_columns();
        all.extend([PR_INSTANCE_KEY, PR_SEARCH_KEY]);
        all
    }

    fn default_columns(&self) -> Vec<PropTag> {
        self.inner.default_columns()
    }

    fn set_query(&mut self, query: &Query) -> Result<(), TableError> {
        if query.restriction.as_ref().is_some_and(uses_keys)
            || query.sort.iter().any(|k| is_key(k.tag))
        {
            return Err(TableError::too_complex(
                "a contents table cannot restrict or sort on PR_INSTANCE_KEY or PR_SEARCH_KEY",
            ));
        }
        self.inner.set_query(query)
    }

    fn count(&mut self) -> Result<usize, TableError> {
        self.inner.count()
    }

    fn find(
        &mut self,
        restriction: &Restriction,
        from: usize,
        backward: bool,
    ) -> Result<Option<usize>, TableError> {
        if !uses_keys(restriction) {
            return self.inner.find(restriction, from, backward);
        }
        // By key (FindRow on PR_INSTANCE_KEY, say): rows read a page at a time with
        // the keys, evaluated here.
        let columns = self.all_columns();
        let mut at = from;
        loop {
            let start = if backward {
                if at == 0 {
                    return Ok(None);
                }
                at.saturating_sub(FIND_PAGE)
            } else {
                at
            };
            let len = if backward { at - start } else { FIND_PAGE };
            let rows = self.rows(start, len, &columns)?;
            let hit = if backward {
                rows.iter()
                    .rposition(|r| matches!(restriction.evaluate(r, &NoSubObjects), Ok(true)))
            } else {
                rows.iter()
                    .position(|r| matches!(restriction.evaluate(r, &NoSubObjects), Ok(true)))
            };
            if let Some(i) = hit {
                return Ok(Some(start + i));
            }
            if backward {
                at = start;
            } else if rows.len() < FIND_PAGE {
                return Ok(None);
            } else {
                at += rows.len();
            }
        }
    }

    fn rows(
        &mut self,
        start: usize,
        n: usize,
        columns: &[PropTag],
    ) -> Result<Vec<Row>, TableError> {
        let instance = columns.iter().any(|t| t.id() == PR_INSTANCE_KEY.id());
        let search = columns.iter().any(|t| t.id() == PR_SEARCH_KEY.id());
        if !instance && !search {
            return self.inner.rows(start, n, columns);
        }
        let mut asked: Vec<PropTag> = columns.iter().copied().filter(|t| !is_key(*t)).collect();
        let had_entry = asked.contains(&PR_ENTRYID);
        if !had_entry {
            asked.push(PR_ENTRYID);
        }
        let mut rows = self.inner.rows(start, n, &asked)?;
        for row in &mut rows {
            let Some(entry) = row.get(PR_ENTRYID).and_then(PropValue::as_bytes) else {
                continue;
            };
            let entry = entry.to_vec();
            let id =
                entryid::decode(self.uid(), ObjectKind::Message, &entry).map_err(table_error)?;
            if instance {
                row.set(
                    PR_INSTANCE_KEY,
                    PropValue::Binary(crate::keys::instance_key(id)),
                );
            }
            if search {
                let mid: Option<Option<String>> = self
                    .ctx
                    .with_conn(|conn| {
                        conn.prepare_cached("SELECT message_id FROM messages WHERE id = ?1")
                            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
                            .map_err(|e| self.ctx.sql(e))
                    })
                    .map_err(table_error)?;
                let key = crate::keys::search_key(mid.flatten().as_deref(), &entry);
                row.set(PR_SEARCH_KEY, PropValue::Binary(key));
            }
            if !had_entry {
                row.0.retain(|(t, _)| *t != PR_ENTRYID);
            }
        }
        Ok(rows)
    }
}
