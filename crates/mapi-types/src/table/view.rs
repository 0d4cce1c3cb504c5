//! [`TableView`]: a table as `IMAPITable` shows it (column set, sort order,
//! restriction, a cursor, bookmarks), over a [`RowSource`] that evaluates the sort and
//! restriction: [`MemorySource`] in memory, or a provider's own source that pushes them
//! down (the local store's SQL).
//!
//! Choices where MAPI leaves room:
//! - `QueryRows(n)` with `n < 0` returns the `|n|` rows before the cursor (fewer at the
//!   beginning), in table order, and leaves the cursor on the first of them, so repeated
//!   calls page backwards.
//! - `FindRow` forward looks at the row at the origin and after; `DIR_BACKWARD` looks at
//!   the rows before the origin, nearest first.
//! - `SortTable` and `Restrict` move the cursor to the beginning and invalidate every
//!   bookmark (they named positions in the old order): using one afterwards is
//!   `MAPI_E_INVALID_BOOKMARK`, as is a freed or unknown one.

use std::collections::BTreeMap;

use super::consts::*;
use super::error::TableError;
use super::restriction::{NoSubObjects, Restriction, SubObjects};
use super::{Row, SortKey, Table, compare};
use crate::prop::{PropTag, PropType, PropValue};
use crate::status::Status;

/// Most columns `SetColumns` accepts (`MAPI_E_TOO_BIG` beyond).
pub const MAX_COLUMNS: usize = 1024;
/// Most keys `SortTable` accepts (`MAPI_E_TOO_COMPLEX` beyond).
pub const MAX_SORT_KEYS: usize = 32;
/// Most bookmarks one view holds at once (`MAPI_E_NOT_ENOUGH_RESOURCES` beyond).
pub const MAX_BOOKMARKS: usize = 1024;
/// Rows `FindRow` reads from its source at a time.
const FIND_CHUNK: usize = 256;

/// The restriction and sort order a view asks its source for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// `Restrict`; `None` = every row.
    pub restriction: Option<Restriction>,
    /// `SortTable`; empty = the source's own order.
    pub sort: Vec<SortKey>,
}

/// Where a table's rows come from. The view owns the cursor; the source evaluates
/// restriction and sort (pushing them down where it can) and returns rows by position.
pub trait RowSource: Send {
    /// Every column its rows can hold (`QueryColumns(TBL_ALL_COLUMNS)`).
    fn all_columns(&self) -> Vec<PropTag>;

    /// The column set a new view starts with.
    fn default_columns(&self) -> Vec<PropTag> {
        self.all_columns()
    }

    /// A new restriction and sort order (already checked). A part the source cannot
    /// evaluate is `MAPI_E_TOO_COMPLEX`, never a wrong answer; on error the previous
    /// query stays.
    fn set_query(&mut self, query: &Query) -> Result<(), TableError>;

    /// How many rows pass the query.
    fn count(&mut self) -> Result<usize, TableError>;

    /// Rows `start..start + n` in query order (fewer at the end), each holding at least
    /// `columns` where it has them.
    fn rows(&mut self, start: usize, n: usize, columns: &[PropTag])
    -> Result<Vec<Row>, TableError>;

    /// The position of the first row at or after `from` (before `from`, nearest first,
    /// when `backward`) that satisfies `restriction` (already checked).
    fn find(
        &mut self,
        restriction: &Restriction,
        from: usize,
        backward: bool,
    ) -> Result<Option<usize>, TableError> {
        let columns = self.all_columns();
        if backward {
            let mut end = from;
            while end > 0 {
                let start = end.saturating_sub(FIND_CHUNK);
                let rows = self.rows(start, end - start, &columns)?;
                for (i, row) in rows.iter().enumerate().rev() {
                    if restriction.evaluate(row, &NoSubObjects)? {
                        return Ok(Some(start + i));
                    }
                }
                end = start;
            }
            return Ok(None);
        }
        let mut start = from;
        loop {
            let rows = self.rows(start, FIND_CHUNK, &columns)?;
            for (i, row) in rows.iter().enumerate() {
                if restriction.evaluate(row, &NoSubObjects)? {
                    return Ok(Some(start + i));
                }
            }
            if rows.len() < FIND_CHUNK {
                return Ok(None);
            }
            start += rows.len();
        }
    }
}

/// A bookmark: one of the three predefined positions or one made by `CreateBookmark`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bookmark {
    /// `BOOKMARK_BEGINNING`.
    Beginning,
    /// `BOOKMARK_CURRENT`.
    Current,
    /// `BOOKMARK_END`.
    End,
    /// A bookmark `CreateBookmark` returned.
    Mark(u32),
}

impl Bookmark {
    /// From its `BOOKMARK` value (0, 1, 2 are the predefined ones).
    pub fn from_raw(v: u32) -> Bookmark {
        match v {
            BOOKMARK_BEGINNING => Bookmark::Beginning,
            BOOKMARK_CURRENT => Bookmark::Current,
            BOOKMARK_END => Bookmark::End,
            other => Bookmark::Mark(other),
        }
    }

    /// Its `BOOKMARK` value.
    pub fn raw(self) -> u32 {
        match self {
            Bookmark::Beginning => BOOKMARK_BEGINNING,
            Bookmark::Current => BOOKMARK_CURRENT,
            Bookmark::End => BOOKMARK_END,
            Bookmark::Mark(v) => v,
        }
    }
}

/// Tells whether the session holding a view still lives: `Err` (`MAPI_E_END_OF_SESSION`)
/// once it ended.
pub type Liveness = std::sync::Arc<dyn Fn() -> Result<(), TableError> + Send + Sync>;

/// `QueryPosition`: the cursor's row and its fractional position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The row the cursor is on (0-based; the row count at the end).
    pub row: u32,
    /// Numerator of the fractional position.
    pub numerator: u32,
    /// Denominator of the fractional position (never 0).
    pub denominator: u32,
}

/// A table view (`IMAPITable`): column set, sort order, restriction, cursor and
/// bookmarks over a [`RowSource`].
pub struct TableView {
    source: Box<dyn RowSource>,
    columns: Vec<PropTag>,
    sort: Vec<SortKey>,
    restriction: Option<Restriction>,
    position: usize,
    count: Option<usize>,
    bookmarks: BTreeMap<u32, usize>,
    next_bookmark: u32,
    alive: Option<Liveness>,
    table_type: u32,
}

impl std::fmt::Debug for TableView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableView")
            .field("columns", &self.columns)
            .field("sort", &self.sort)
            .field("position", &self.position)
            .finish()
    }
}

impl TableView {
    /// A view over a source with its default column set.
    pub fn new(source: Box<dyn RowSource>, columns: Vec<PropTag>) -> TableView {
        TableView {
            source,
            columns,
            sort: Vec::new(),
            restriction: None,
            position: 0,
            count: None,
            bookmarks: BTreeMap::new(),
            next_bookmark: 3,
            alive: None,
            table_type: TBLTYPE_SNAPSHOT,
        }
    }

    /// A view over a source with the source's default column set.
    pub fn over(source: Box<dyn RowSource>) -> TableView {
        let columns = source.default_columns();
        TableView::new(source, columns)
    }

    /// A view over an in-memory table, keeping its columns, sort and restriction.
    pub fn from_table(table: Table) -> TableView {
        let columns = table.columns().to_vec();
        TableView::new(Box::new(MemorySource::from_table(table)), columns)
    }

    /// Ties the view to a session: every call fails once `alive` does.
    pub fn with_liveness(mut self, alive: Liveness) -> TableView {
        self.alive = Some(alive);
        self
    }

    /// The type `GetStatus` reports (`TBLTYPE_SNAPSHOT` unless set).
    pub fn with_table_type(mut self, table_type: u32) -> TableView {
        self.table_type = table_type;
        self
    }

    fn live(&self) -> Result<(), TableError> {
        match &self.alive {
            Some(f) => f(),
            None => Ok(()),
        }
    }

    fn row_count(&mut self) -> Result<usize, TableError> {
        match self.count {
            Some(c) => Ok(c),
            None => {
                let c = self.source.count()?;
                self.count = Some(c);
                Ok(c)
            }
        }
    }

    /// `GetStatus`: (`TBLSTAT_COMPLETE`, the table type). Nothing runs in the background.
    pub fn get_status(&self) -> Result<(u32, u32), TableError> {
        self.live()?;
        Ok((TBLSTAT_COMPLETE, self.table_type))
    }

    /// `SetColumns`. An empty set is `MAPI_E_INVALID_PARAMETER`, more than
    /// [`MAX_COLUMNS`] `MAPI_E_TOO_BIG`. The cursor stays.
    pub fn set_columns(&mut self, columns: &[PropTag], flags: u32) -> Result<(), TableError> {
        self.live()?;
        TableError::check_flags("SetColumns", flags, TBL_ASYNC | TBL_BATCH)?;
        if columns.is_empty() {
            return Err(TableError::invalid("SetColumns needs at least one column"));
        }
        if columns.len() > MAX_COLUMNS {
            return Err(TableError::new(
                Status::MAPI_E_TOO_BIG,
                format!(
                    "SetColumns with {} columns: at most {MAX_COLUMNS} are accepted",
                    columns.len()
                ),
            ));
        }
        self.columns = columns.to_vec();
        Ok(())
    }

    /// `QueryColumns`: the column set, or with `TBL_ALL_COLUMNS` every column the table
    /// can show.
    pub fn query_columns(&self, flags: u32) -> Result<Vec<PropTag>, TableError> {
        self.live()?;
        TableError::check_flags("QueryColumns", flags, TBL_ALL_COLUMNS)?;
        if flags & TBL_ALL_COLUMNS != 0 {
            let mut all = self.source.all_columns();
            for c in &self.columns {
                if !all.iter().any(|a| a.id() == c.id()) {
                    all.push(*c);
                }
            }
            return Ok(all);
        }
        Ok(self.columns.clone())
    }

    /// `GetRowCount`: rows passing the restriction.
    pub fn get_row_count(&mut self, flags: u32) -> Result<u32, TableError> {
        self.live()?;
        TableError::check_flags("GetRowCount", flags, 0)?;
        Ok(u32::try_from(self.row_count()?).unwrap_or(u32::MAX))
    }

    fn resolve(&self, bookmark: Bookmark, count: usize) -> Result<usize, TableError> {
        match bookmark {
            Bookmark::Beginning => Ok(0),
            Bookmark::Current => Ok(self.position.min(count)),
            Bookmark::End => Ok(count),
            Bookmark::Mark(id) => self
                .bookmarks
                .get(&id)
                .map(|p| (*p).min(count))
                .ok_or_else(|| invalid_bookmark(id)),
        }
    }

    /// `SeekRow`: moves the cursor `rows` from a bookmark (negative = backwards),
    /// stopping at either end; returns the rows actually moved (`lplRowsSought`).
    pub fn seek_row(&mut self, bookmark: Bookmark, rows: i32) -> Result<i32, TableError> {
        self.live()?;
        let count = self.row_count()?;
        let origin = self.resolve(bookmark, count)?;
        let target = if rows >= 0 {
            origin.saturating_add(rows as usize).min(count)
        } else {
            origin.saturating_sub(rows.unsigned_abs() as usize)
        };
        self.position = target;
        Ok(if target >= origin {
            (target - origin) as i32
        } else {
            -((origin - target) as i32)
        })
    }

    /// `SeekRowApprox`: the cursor to `numerator / denominator` of the table
    /// (`numerator == denominator` = the end). A zero denominator or a fraction above 1
    /// is `MAPI_E_INVALID_PARAMETER`.
    pub fn seek_row_approx(&mut self, numerator: u32, denominator: u32) -> Result<(), TableError> {
        self.live()?;
        if denominator == 0 || numerator > denominator {
            return Err(TableError::invalid(format!(
                "SeekRowApprox({numerator}/{denominator}): the fraction must be between 0 and 1 with a non-zero denominator"
            )));
        }
        let count = self.row_count()?;
        self.position = (count as u128 * numerator as u128 / denominator as u128) as usize;
        Ok(())
    }

    /// `QueryPosition`.
    pub fn query_position(&mut self) -> Result<Position, TableError> {
        self.live()?;
        let count = self.row_count()?;
        let row = self.position.min(count);
        Ok(Position {
            row: u32::try_from(row).unwrap_or(u32::MAX),
            numerator: u32::try_from(row).unwrap_or(u32::MAX),
            denominator: u32::try_from(count.max(1)).unwrap_or(u32::MAX),
        })
    }

    /// `QueryRows`: up to `n` rows from the cursor, projected on the column set (a
    /// column a row lacks comes back as `PT_ERROR` holding `MAPI_E_NOT_FOUND`). No rows
    /// at the end (or, for `n < 0`, at the beginning). `n == 0` is
    /// `MAPI_E_INVALID_PARAMETER`.
    pub fn query_rows(&mut self, n: i32, flags: u32) -> Result<Vec<Row>, TableError> {
        self.live()?;
        TableError::check_flags("QueryRows", flags, TBL_NOADVANCE)?;
        if n == 0 {
            return Err(TableError::invalid("QueryRows needs a non-zero row count"));
        }
        // No row count needed: the source returns fewer rows at the end.
        let pos = match self.count {
            Some(c) => self.position.min(c),
            None => self.position,
        };
        let (start, len) = if n > 0 {
            (pos, n as usize)
        } else {
            let k = (n.unsigned_abs() as usize).min(pos);
            (pos - k, k)
        };
        if len == 0 {
            self.position = pos;
            return Ok(Vec::new());
        }
        let rows = self.source.rows(start, len, &self.columns)?;
        if flags & TBL_NOADVANCE == 0 {
            self.position = if n > 0 { start + rows.len() } else { start };
        }
        Ok(rows.iter().map(|r| project(r, &self.columns)).collect())
    }

    /// `FindRow`: moves the cursor to the first row from `origin` (see the module notes
    /// for `DIR_BACKWARD`) that satisfies `restriction`; `MAPI_E_NOT_FOUND` when none
    /// does (the cursor stays).
    pub fn find_row(
        &mut self,
        restriction: &Restriction,
        origin: Bookmark,
        flags: u32,
    ) -> Result<(), TableError> {
        self.live()?;
        TableError::check_flags("FindRow", flags, DIR_BACKWARD)?;
        restriction.check()?;
        let count = self.row_count()?;
        let from = self.resolve(origin, count)?;
        match self
            .source
            .find(restriction, from, flags & DIR_BACKWARD != 0)?
        {
            Some(p) => {
                self.position = p;
                Ok(())
            }
            None => Err(TableError::new(
                Status::MAPI_E_NOT_FOUND,
                "no row satisfies the restriction",
            )),
        }
    }

    /// `Restrict`; `None` removes the restriction. The restriction is checked
    /// ([`Restriction::check`]); a part the source cannot evaluate is
    /// `MAPI_E_TOO_COMPLEX`. The cursor goes to the beginning.
    pub fn restrict(
        &mut self,
        restriction: Option<Restriction>,
        flags: u32,
    ) -> Result<(), TableError> {
        self.live()?;
        TableError::check_flags("Restrict", flags, TBL_ASYNC | TBL_BATCH)?;
        if let Some(r) = &restriction {
            r.check()?;
        }
        let query = Query {
            restriction,
            sort: self.sort.clone(),
        };
        self.source.set_query(&query)?;
        self.restriction = query.restriction;
        self.reset();
        Ok(())
    }

    /// `SortTable` with several keys. A multi-valued key (`MV_INSTANCE` sorts), more
    /// than [`MAX_SORT_KEYS`] keys or a key the source cannot sort by is
    /// `MAPI_E_TOO_COMPLEX`. The cursor goes to the beginning.
    pub fn sort_table(&mut self, keys: &[SortKey], flags: u32) -> Result<(), TableError> {
        self.live()?;
        TableError::check_flags("SortTable", flags, TBL_ASYNC | TBL_BATCH)?;
        if keys.len() > MAX_SORT_KEYS {
            return Err(TableError::too_complex(format!(
                "SortTable with {} keys: at most {MAX_SORT_KEYS}",
                keys.len()
            )));
        }
        if let Some(k) = keys.iter().find(|k| k.tag.prop_type().is_multi()) {
            return Err(TableError::too_complex(format!(
                "sorting on the multi-valued column {} is not supported",
                k.tag
            )));
        }
        let query = Query {
            restriction: self.restriction.clone(),
            sort: keys.to_vec(),
        };
        self.source.set_query(&query)?;
        self.sort = query.sort;
        self.reset();
        Ok(())
    }

    /// `QuerySortOrder`.
    pub fn query_sort_order(&self) -> Result<Vec<SortKey>, TableError> {
        self.live()?;
        Ok(self.sort.clone())
    }

    /// `CreateBookmark`: a bookmark on the cursor's row.
    pub fn create_bookmark(&mut self) -> Result<u32, TableError> {
        self.live()?;
        if self.bookmarks.len() >= MAX_BOOKMARKS {
            return Err(TableError::new(
                Status::MAPI_E_NOT_ENOUGH_RESOURCES,
                format!("a view holds at most {MAX_BOOKMARKS} bookmarks: free some"),
            ));
        }
        let id = self.next_bookmark;
        self.next_bookmark = self.next_bookmark.checked_add(1).unwrap_or(3);
        self.bookmarks.insert(id, self.position);
        Ok(id)
    }

    /// `FreeBookmark`. The predefined bookmarks need no freeing (S_OK); a freed or
    /// unknown one is `MAPI_E_INVALID_BOOKMARK`.
    pub fn free_bookmark(&mut self, bookmark: Bookmark) -> Result<(), TableError> {
        self.live()?;
        match bookmark {
            Bookmark::Mark(id) => self
                .bookmarks
                .remove(&id)
                .map(|_| ())
                .ok_or_else(|| invalid_bookmark(id)),
            _ => Ok(()),
        }
    }

    /// `Abort`: nothing runs in the background, so there is nothing to stop.
    pub fn abort(&self) -> Result<(), TableError> {
        self.live()
    }

    /// The column set (what [`TableView::query_columns`] answers without flags).
    pub fn columns(&self) -> &[PropTag] {
        &self.columns
    }

    /// For change notifications: rows `start..start + n` in the view's order, as the
    /// source holds them (at least `columns`), without moving the cursor.
    pub fn peek_rows(
        &mut self,
        start: usize,
        n: usize,
        columns: &[PropTag],
    ) -> Result<Vec<Row>, TableError> {
        self.live()?;
        self.source.rows(start, n, columns)
    }

    /// The rows changed under the view: the source evaluates the view's restriction
    /// and sort again (dropping what it had cached) and the row count is read again.
    /// The cursor and bookmarks keep their indexes (clamped to the new end).
    pub fn rows_changed(&mut self) -> Result<(), TableError> {
        self.count = None;
        self.source.set_query(&Query {
            restriction: self.restriction.clone(),
            sort: self.sort.clone(),
        })
    }

    fn reset(&mut self) {
        self.position = 0;
        self.count = None;
        self.bookmarks.clear();
    }
}

fn invalid_bookmark(id: u32) -> TableError {
    TableError::new(
        Status::MAPI_E_INVALID_BOOKMARK,
        format!(
            "bookmark {id} is not valid (freed, unknown, or from before a sort or restriction)"
        ),
    )
}

/// A row projected on a column set: each column in order, with the type asked for
/// (`PT_STRING8` / `PT_UNICODE` converted, `PT_UNSPECIFIED` taking the value's type);
/// a column the row lacks as `PT_ERROR` holding `MAPI_E_NOT_FOUND`.
pub fn project(row: &Row, columns: &[PropTag]) -> Row {
    Row(columns
        .iter()
        .map(|tag| match row.get(*tag) {
            Some(v) => convert(*tag, v),
            None => (
                tag.with_type(PropType::PT_ERROR),
                PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
            ),
        })
        .collect())
}

fn convert(tag: PropTag, v: &PropValue) -> (PropTag, PropValue) {
    match (tag.prop_type(), v) {
        (PropType::PT_UNSPECIFIED, v) => (tag.with_type(v.prop_type()), v.clone()),
        (PropType::PT_STRING8, PropValue::Unicode(s)) => (tag, PropValue::String8(s.clone())),
        (PropType::PT_UNICODE, PropValue::String8(s)) => (tag, PropValue::Unicode(s.clone())),
        (_, v) => (tag.with_type(v.prop_type()), v.clone()),
    }
}

/// Orders two rows by sort keys: present values before absent ones, then by
/// [`compare`]; `TABLE_SORT_DESCEND` reverses a key.
pub fn compare_rows(a: &Row, b: &Row, keys: &[SortKey]) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for key in keys {
        let ord = match (a.get(key.tag), b.get(key.tag)) {
            (Some(x), Some(y)) => compare(x, y).unwrap_or(Ordering::Equal),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        let ord = if key.descending { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Sub-rows of a [`MemorySource`] row: (object, rows) pairs.
pub type SubRows = Vec<(PropTag, Vec<Row>)>;

/// Rows held in memory, evaluated in memory. Rows may carry recipient and attachment
/// sub-rows for `RES_SUBRESTRICTION`.
pub struct MemorySource {
    rows: Vec<Row>,
    /// `None`: the rows have no sub-objects (`RES_SUBRESTRICTION` is too complex).
    subs: Option<Vec<SubRows>>,
    default_columns: Vec<PropTag>,
    all_columns: Vec<PropTag>,
    /// Indices into `rows` in view order.
    order: Vec<usize>,
}

struct IndexedSubs<'a>(&'a SubRows);

impl SubObjects for IndexedSubs<'_> {
    fn sub_rows(&self, _row: &Row, object: PropTag) -> Result<Vec<Row>, TableError> {
        Ok(self
            .0
            .iter()
            .filter(|(o, _)| *o == object)
            .flat_map(|(_, rows)| rows.iter().cloned())
            .collect())
    }
}

impl MemorySource {
    /// A source over rows; its columns are every tag the rows hold, in first-seen order,
    /// after `columns`.
    pub fn new(columns: &[PropTag], rows: Vec<Row>) -> MemorySource {
        let mut all: Vec<PropTag> = columns.to_vec();
        for r in &rows {
            for (t, v) in &r.0 {
                if !matches!(v, PropValue::Error(_)) && !all.iter().any(|a| a.id() == t.id()) {
                    all.push(*t);
                }
            }
        }
        let order = (0..rows.len()).collect();
        MemorySource {
            rows,
            subs: None,
            default_columns: columns.to_vec(),
            all_columns: all,
            order,
        }
    }

    /// With sub-rows for each row (same order and length as the rows).
    pub fn with_sub_rows(mut self, subs: Vec<SubRows>) -> MemorySource {
        let mut subs = subs;
        subs.resize(self.rows.len(), Vec::new());
        self.subs = Some(subs);
        self
    }

    /// A source over an in-memory table's full rows in the table's view order.
    pub fn from_table(table: Table) -> MemorySource {
        let columns = table.columns().to_vec();
        let rows = table.full_rows().into_iter().cloned().collect();
        MemorySource::new(&columns, rows)
    }

    fn matches(&self, i: usize, r: &Restriction) -> Result<bool, TableError> {
        match &self.subs {
            Some(subs) => r.evaluate(&self.rows[i], &IndexedSubs(&subs[i])),
            None => r.evaluate(&self.rows[i], &NoSubObjects),
        }
    }
}

impl RowSource for MemorySource {
    fn all_columns(&self) -> Vec<PropTag> {
        self.all_columns.clone()
    }

    fn default_columns(&self) -> Vec<PropTag> {
        self.default_columns.clone()
    }

    fn set_query(&mut self, query: &Query) -> Result<(), TableError> {
        let mut order = Vec::with_capacity(self.rows.len());
        for i in 0..self.rows.len() {
            let keep = match &query.restriction {
                None => true,
                Some(r) => self.matches(i, r)?,
            };
            if keep {
                order.push(i);
            }
        }
        if !query.sort.is_empty() {
            order.sort_by(|a, b| compare_rows(&self.rows[*a], &self.rows[*b], &query.sort));
        }
        self.order = order;
        Ok(())
    }

    fn count(&mut self) -> Result<usize, TableError> {
        Ok(self.order.len())
    }

    fn rows(
        &mut self,
        start: usize,
        n: usize,
        _columns: &[PropTag],
    ) -> Result<Vec<Row>, TableError> {
        Ok(self
            .order
            .iter()
            .skip(start)
            .take(n)
            .map(|i| self.rows[*i].clone())
            .collect())
    }

    fn find(
        &mut self,
        restriction: &Restriction,
        from: usize,
        backward: bool,
    ) -> Result<Option<usize>, TableError> {
        let from = from.min(self.order.len());
        if backward {
            for p in (0..from).rev() {
                if self.matches(self.order[p], restriction)? {
                    return Ok(Some(p));
                }
            }
        } else {
            for p in from..self.order.len() {
                if self.matches(self.order[p], restriction)? {
                    return Ok(Some(p));
                }
            }
        }
        Ok(None)
    }
}
