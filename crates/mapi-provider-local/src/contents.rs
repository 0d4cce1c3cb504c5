//! Contents tables of the local store as a [`RowSource`] that pushes sorting,
//! restriction and paging down to SQLite: a view of a 100,000-message folder reads only
//! the rows it shows (`LIMIT` / `OFFSET` on the summary index), and counts with SQL. An
//! unrestricted view in the default order counts with the folder's stored message count
//! and finds a page far down by its position in the narrow `messages_by_folder` index.
//!
//! What SQL cannot express the same way as the in-memory evaluation (case-ignoring
//! content matches, string order, `RES_SIZE` on strings, entry ids) is evaluated here in
//! Rust while the candidate rows stream by; only the matching row ids are kept, in view
//! order. The answers are always those [`mapi_types::MemorySource`] gives over the same
//! rows: every translation below follows `Restriction::evaluate` and `compare`. A
//! `RES_SUBRESTRICTION` sees the rows each message's GetRecipientTable or
//! GetAttachmentTable shows (see `subrestriction`), in SQL and in Rust alike.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use mapi_types::table::restriction::{SubObjects, content_matches, relate, value_size};
use mapi_types::table::view::compare_rows;
use mapi_types::tags::*;
use mapi_types::{
    ContentMatch, MapiUid, PropTag, PropValue, Query, Relop, Restriction, Row, RowSource, SortKey,
    TableError,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::dbfile::Db;
use crate::entryid::{self, ObjectKind};
use crate::error::LocalError;
use crate::lock::SessionLock;
use crate::subrestriction::{self, SavedSubRows, SubHandle};
use mapi_types::table::consts::{PR_MESSAGE_ATTACHMENTS, PR_MESSAGE_RECIPIENTS};

/// The open database of a logged-on store, shared with its tables; `None` after logoff.
pub(crate) type SharedDb = Arc<Mutex<Option<Open>>>;

/// Dropped in field order: the connection closes, then the session lock goes.
pub(crate) struct Open {
    pub(crate) db: Db,
    pub(crate) _lock: SessionLock,
}

/// What a column holds, for translating restrictions and sorts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string (PT_UNICODE).
    Text,
    /// An integer (PT_LONG, PT_SYSTIME).
    Int,
    /// A PT_BOOLEAN stored as 0/1.
    Bool,
    /// PR_ENTRYID, made from the row id.
    EntryId,
    /// PR_MESSAGE_CLASS, the same for every message.
    Class,
}

struct Column {
    tag: PropTag,
    /// Its SQL expression.
    sql: &'static str,
    kind: Kind,
}

/// `MSGFLAG_READ`.
const MSGFLAG_READ: i32 = 0x1;

/// The class every stored message has.
const MESSAGE_CLASS: &str = "IPM.Note";

/// The columns of a contents row, in `SELECT` order after the id.
const COLUMNS: [Column; 11] = [
    Column {
        tag: PR_ENTRYID,
        sql: "id",
        kind: Kind::EntryId,
    },
    Column {
        tag: PR_SUBJECT,
        sql: "subject",
        kind: Kind::Text,
    },
    Column {
        tag: PR_SENDER_NAME,
        sql: "sender_name",
        kind: Kind::Text,
    },
    Column {
        tag: PR_SENDER_EMAIL_ADDRESS,
        sql: "sender_email",
        kind: Kind::Text,
    },
    Column {
        tag: PR_MESSAGE_DELIVERY_TIME,
        sql: "delivery_time",
        kind: Kind::Int,
    },
    Column {
        tag: PR_MESSAGE_SIZE,
        sql: "min(size, 2147483647)",
        kind: Kind::Int,
    },
    Column {
        tag: PR_DISPLAY_TO,
        sql: "display_to",
        kind: Kind::Text,
    },
    Column {
        tag: PR_MESSAGE_FLAGS,
        sql: "flags",
        kind: Kind::Int,
    },
    Column {
        tag: PR_HASATTACH,
        sql: "has_attach",
        kind: Kind::Bool,
    },
    Column {
        tag: PR_READ,
        sql: "((flags & 1) <> 0)",
        kind: Kind::Bool,
    },
    Column {
        tag: PR_MESSAGE_CLASS,
        sql: "'IPM.Note'",
        kind: Kind::Class,
    },
];

/// The summary columns, selected in this order by every query here.
const SELECT: &str = "id, subject, sender_name, sender_email, delivery_time, size, display_to, \
                      flags, has_attach";

/// The view order when nothing else decides: newest first.
const DEFAULT_ORDER: &str = "delivery_time DESC, id DESC";

fn column(tag: PropTag) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.tag.id() == tag.id())
}

/// A value of the column's kind, to ask `compare` whether two kinds compare at all.
fn sample(c: &Column) -> PropValue {
    match c.kind {
        Kind::Text | Kind::Class => PropValue::Unicode(String::new()),
        Kind::Int => PropValue::Long(0),
        Kind::Bool => PropValue::Boolean(false),
        Kind::EntryId => PropValue::Binary(Vec::new()),
    }
}

/// The size `RES_SIZE` sees for columns whose values all have one size.
fn fixed_size(c: &Column) -> Option<usize> {
    match c.kind {
        Kind::Int if c.tag == PR_MESSAGE_DELIVERY_TIME => Some(8),
        Kind::Int => Some(4),
        Kind::Bool => Some(2),
        Kind::EntryId => Some(entryid::LEN),
        Kind::Class => Some(value_size(&PropValue::Unicode(MESSAGE_CLASS.into()))),
        Kind::Text => None,
    }
}

fn relop_sql(op: Relop) -> Option<&'static str> {
    Some(match op {
        Relop::Lt => "<",
        Relop::Le => "<=",
        Relop::Gt => ">",
        Relop::Ge => ">=",
        Relop::Eq => "=",
        Relop::Ne => "<>",
        Relop::Re => return None,
    })
}

fn constant(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

/// SQL for a restriction that means the same as its in-memory evaluation on a contents
/// row, or `None` when it must be evaluated in Rust. Parameters are appended to `params`
/// only on success.
/// A sub-restriction on recipients becomes an `EXISTS` whose handle is appended to
/// `subs`, likewise only on success.
fn to_sql(r: &Restriction, params: &mut Vec<Value>, subs: &mut Vec<SubHandle>) -> Option<String> {
    let mut local = Vec::new();
    let mut handles = Vec::new();
    let sql = to_sql_inner(r, &mut local, &mut handles)?;
    params.extend(local);
    subs.extend(handles);
    Some(sql)
}

fn to_sql_inner(r: &Restriction, p: &mut Vec<Value>, subs: &mut Vec<SubHandle>) -> Option<String> {
    Some(match r {
        Restriction::And(rs) | Restriction::Or(rs) => {
            let (join, empty) = match r {
                Restriction::And(_) => (" AND ", "1"),
                _ => (" OR ", "0"),
            };
            if rs.is_empty() {
                return Some(empty.to_string());
            }
            let parts: Option<Vec<String>> = rs.iter().map(|c| to_sql_inner(c, p, subs)).collect();
            format!("({})", parts?.join(join))
        }
        Restriction::Not(inner) => format!("NOT ({})", to_sql_inner(inner, p, subs)?),
        Restriction::Property { op, tag, value } => {
            let Some(c) = column(*tag) else {
                return Some(constant(false));
            };
            if mapi_types::table::compare(&sample(c), value).is_none() {
                return Some(constant(*op == Relop::Ne));
            }
            let sop = relop_sql(*op)?;
            match (c.kind, value) {
                (Kind::Class, v) => {
                    constant(relate(*op, &PropValue::Unicode(MESSAGE_CLASS.into()), v))
                }
                (Kind::Int, v) if v.as_i64().is_some() => {
                    p.push(Value::Integer(v.as_i64()?));
                    format!("{} {sop} ?", c.sql)
                }
                (Kind::Bool, PropValue::Boolean(b)) => {
                    p.push(Value::Integer(*b as i64));
                    format!("{} {sop} ?", c.sql)
                }
                (Kind::Text, PropValue::Unicode(s) | PropValue::String8(s))
                    if matches!(op, Relop::Eq | Relop::Ne) =>
                {
                    p.push(Value::Text(s.clone()));
                    format!("{} {sop} ?", c.sql)
                }
                _ => return None,
            }
        }
        Restriction::CompareProps { op, left, right } => {
            let (Some(a), Some(b)) = (column(*left), column(*right)) else {
                return Some(constant(false));
            };
            if mapi_types::table::compare(&sample(a), &sample(b)).is_none() {
                return Some(constant(*op == Relop::Ne));
            }
            let sop = relop_sql(*op)?;
            match (a.kind, b.kind) {
                (Kind::Int, Kind::Int) | (Kind::Bool, Kind::Bool) => {
                    format!("{} {sop} {}", a.sql, b.sql)
                }
                (Kind::Text, Kind::Text) if matches!(op, Relop::Eq | Relop::Ne) => {
                    format!("{} {sop} {}", a.sql, b.sql)
                }
                _ => return None,
            }
        }
        Restriction::BitMask { tag, mask, nonzero } => match column(*tag) {
            Some(c) if c.kind == Kind::Int => {
                format!(
                    "({} & {mask}) {} 0",
                    c.sql,
                    if *nonzero { "<>" } else { "=" }
                )
            }
            // No integer value: the row fails (as `Row::int` gives nothing).
            _ => constant(false),
        },
        Restriction::Size { op, tag, size } => match column(*tag) {
            None => constant(false),
            Some(c) => constant(op.holds(fixed_size(c)?.cmp(&(*size as usize)))),
        },
        Restriction::Exist(tag) => constant(column(*tag).is_some()),
        Restriction::Content {
            tag,
            text,
            how,
            ignore_case,
        } => match column(*tag) {
            Some(c) if c.kind == Kind::Class => {
                constant(content_matches(MESSAGE_CLASS, text, *how, *ignore_case))
            }
            Some(c) if c.kind == Kind::Text => {
                if *ignore_case {
                    return None;
                }
                match how {
                    ContentMatch::Full => {
                        p.push(Value::Text(text.clone()));
                        format!("{} = ?", c.sql)
                    }
                    ContentMatch::Substring => {
                        p.push(Value::Text(text.clone()));
                        format!("instr({}, ?) > 0", c.sql)
                    }
                    ContentMatch::Prefix => {
                        p.push(Value::Text(text.clone()));
                        p.push(Value::Text(text.clone()));
                        format!("substr({}, 1, length(?)) = ?", c.sql)
                    }
                }
            }
            _ => constant(false),
        },
        Restriction::Sub {
            object,
            restriction,
        } if *object == PR_MESSAGE_RECIPIENTS => {
            let handle = SubHandle::new(restriction);
            p.push(Value::Integer(handle.param()));
            p.push(Value::Integer(handle.param()));
            subs.push(handle);
            subrestriction::exists_sql()
        }
        Restriction::Sub {
            object,
            restriction,
        } if *object == PR_MESSAGE_ATTACHMENTS => {
            let handle = SubHandle::new(restriction);
            p.push(Value::Integer(handle.param()));
            p.push(Value::Integer(handle.param()));
            subs.push(handle);
            subrestriction::attach_exists_sql()
        }
        Restriction::Sub { .. } => return None,
        Restriction::Comment { restriction, .. } => match restriction {
            Some(inner) => to_sql_inner(inner, p, subs)?,
            None => constant(true),
        },
    })
}

/// `ORDER BY` for sort keys SQL orders the way `compare_rows` does, or `None`. A
/// column already ordered by is left out after its first key (rows it ties are equal
/// on it), so the summary index still gives the order.
fn order_sql(keys: &[SortKey]) -> Option<String> {
    let mut parts: Vec<(&str, &str)> = Vec::new();
    let mut push = |sql: &'static str, dir: &'static str| {
        if !parts.iter().any(|(s, _)| *s == sql) {
            parts.push((sql, dir));
        }
    };
    for k in keys {
        match column(k.tag).map(|c| (c, c.kind)) {
            // Absent or constant: every row ties on it.
            None | Some((_, Kind::Class)) => {}
            Some((c, Kind::Int | Kind::Bool)) => {
                push(c.sql, if k.descending { "DESC" } else { "ASC" });
            }
            Some(_) => return None,
        }
    }
    // Ties keep the default order: newest first, then the newest row.
    push("delivery_time", "DESC");
    push("id", "DESC");
    Some(
        parts
            .iter()
            .map(|(s, d)| format!("{s} {d}"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn has_sub(r: &Restriction) -> bool {
    let mut stack = vec![r];
    while let Some(r) = stack.pop() {
        if matches!(r, Restriction::Sub { .. }) {
            return true;
        }
        stack.extend(r.children());
    }
    false
}

fn tags_of(r: &Restriction, out: &mut Vec<PropTag>) {
    let mut stack = vec![r];
    while let Some(r) = stack.pop() {
        match r {
            Restriction::Property { tag, .. }
            | Restriction::BitMask { tag, .. }
            | Restriction::Size { tag, .. }
            | Restriction::Exist(tag)
            | Restriction::Content { tag, .. } => out.push(*tag),
            Restriction::CompareProps { left, right, .. } => {
                out.push(*left);
                out.push(*right);
            }
            _ => {}
        }
        stack.extend(r.children());
    }
}

/// How the current query runs.
enum Plan {
    /// All in SQL: the `WHERE` (after the folder) with its parameters, and `ORDER BY`.
    /// Pages come from `LIMIT` / `OFFSET` until the rows are counted; counting keeps
    /// the row ids in order (8 bytes a row), so later pages anywhere in the table are
    /// read by id (a keyset, as `TBLTYPE_KEYSET` tables work) instead of skipping
    /// `OFFSET` rows.
    Sql {
        filter: String,
        params: Vec<Value>,
        order: String,
        ids: Option<Vec<i64>>,
        /// The sub-restrictions the filter's parameters name.
        _subs: Vec<SubHandle>,
    },
    /// Evaluated partly in Rust: the matching row ids in view order.
    Ids(Vec<i64>),
}

impl Plan {
    /// Every row of the folder in the default order, which both indexes give: the
    /// store's count answers its row count and positions come from an index.
    fn is_whole_folder(&self) -> bool {
        matches!(self, Plan::Sql { filter, order, ids: None, .. }
            if filter == NO_FILTER && order == DEFAULT_ORDER)
    }
}

/// From this row on, an unrestricted page is found by its position in the narrow index.
const SEEK_BY_POSITION: usize = 256;

/// The `WHERE` part (after the folder) of a query with no restriction.
const NO_FILTER: &str = "1";

/// A contents table of one folder of a local store.
pub(crate) struct ContentsSource {
    db: SharedDb,
    path: PathBuf,
    uid: MapiUid,
    folder: i64,
    plan: Plan,
    count: Option<usize>,
}

/// Builds a contents row from a `SELECT {SELECT}` result row. With `only`, just those
/// columns (and the entry id).
fn summary_row(
    uid: &MapiUid,
    r: &rusqlite::Row<'_>,
    only: Option<&[PropTag]>,
) -> rusqlite::Result<Row> {
    let want = |t: PropTag| only.is_none_or(|o| o.iter().any(|x| x.id() == t.id()));
    let mut row = Row(Vec::with_capacity(COLUMNS.len()));
    let id: i64 = r.get(0)?;
    if want(PR_ENTRYID) {
        row.0.push((
            PR_ENTRYID,
            PropValue::Binary(entryid::encode(uid, ObjectKind::Message, id)),
        ));
    }
    let text = |i: usize| -> rusqlite::Result<PropValue> { Ok(PropValue::Unicode(r.get(i)?)) };
    if want(PR_SUBJECT) {
        row.0.push((PR_SUBJECT, text(1)?));
    }
    if want(PR_SENDER_NAME) {
        row.0.push((PR_SENDER_NAME, text(2)?));
    }
    if want(PR_SENDER_EMAIL_ADDRESS) {
        row.0.push((PR_SENDER_EMAIL_ADDRESS, text(3)?));
    }
    if want(PR_MESSAGE_DELIVERY_TIME) {
        row.0.push((
            PR_MESSAGE_DELIVERY_TIME,
            PropValue::SysTime(r.get::<_, i64>(4)? as u64),
        ));
    }
    if want(PR_MESSAGE_SIZE) {
        let size: i64 = r.get(5)?;
        row.0.push((
            PR_MESSAGE_SIZE,
            PropValue::Long(size.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
        ));
    }
    if want(PR_DISPLAY_TO) {
        row.0.push((PR_DISPLAY_TO, text(6)?));
    }
    let flags: i32 = r.get(7)?;
    if want(PR_MESSAGE_FLAGS) {
        row.0.push((PR_MESSAGE_FLAGS, PropValue::Long(flags)));
    }
    if want(PR_READ) {
        row.0
            .push((PR_READ, PropValue::Boolean(flags & MSGFLAG_READ != 0)));
    }
    if want(PR_HASATTACH) {
        row.0.push((PR_HASATTACH, PropValue::Boolean(r.get(8)?)));
    }
    if want(PR_MESSAGE_CLASS) {
        row.0
            .push((PR_MESSAGE_CLASS, PropValue::Unicode(MESSAGE_CLASS.into())));
    }
    Ok(row)
}

/// The full contents row of a summary `SELECT`.
pub(crate) fn contents_row(uid: &MapiUid, r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    summary_row(uid, r, None)
}

/// The summary `SELECT` list, for the store's own contents query.
pub(crate) const SUMMARY_SELECT: &str = SELECT;

/// Every column of a contents table.
pub(crate) fn all_columns() -> Vec<PropTag> {
    COLUMNS.iter().map(|c| c.tag).collect()
}

impl ContentsSource {
    pub(crate) fn new(db: SharedDb, path: PathBuf, uid: MapiUid, folder: i64) -> ContentsSource {
        ContentsSource {
            db,
            path,
            uid,
            folder,
            plan: Plan::Sql {
                filter: NO_FILTER.into(),
                params: Vec::new(),
                order: DEFAULT_ORDER.into(),
                ids: None,
                _subs: Vec::new(),
            },
            count: None,
        }
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, TableError> {
        let guard = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let open = guard
            .as_ref()
            .ok_or_else(|| mapi_spi::ProviderError::from(LocalError::LoggedOff))?;
        f(&open.db.conn).map_err(|e| {
            TableError::from(mapi_spi::ProviderError::from(LocalError::from_sqlite(
                &self.path, &e,
            )))
        })
    }

    fn plan_for(&self, query: &Query) -> Result<Plan, TableError> {
        let conjuncts: Vec<&Restriction> = match &query.restriction {
            None => Vec::new(),
            Some(Restriction::And(rs)) => rs.iter().collect(),
            Some(r) => vec![r],
        };
        if let Some(r) = &query.restriction {
            // Bounded depth before anything here recurses (the view checks as well).
            r.check()?;
            if let Some(why) = subrestriction::unsupported(r) {
                return Err(TableError::too_complex(why));
            }
        }
        let mut filters = Vec::new();
        let mut params = Vec::new();
        let mut subs = Vec::new();
        let mut residual: Vec<&Restriction> = Vec::new();
        for c in conjuncts {
            match to_sql(c, &mut params, &mut subs) {
                Some(s) => filters.push(s),
                None => residual.push(c),
            }
        }
        if !subs.is_empty() || residual.iter().any(|r| has_sub(r)) {
            self.with_conn(subrestriction::register)?;
        }
        let filter = if filters.is_empty() {
            NO_FILTER.to_string()
        } else {
            filters.join(" AND ")
        };
        let sql_order = order_sql(&query.sort);
        if residual.is_empty()
            && let Some(order) = &sql_order
        {
            return Ok(Plan::Sql {
                filter,
                params,
                order: order.clone(),
                ids: None,
                _subs: subs,
            });
        }
        // Part in Rust: stream the candidates with just the columns needed.
        let mut needed = Vec::new();
        for r in &residual {
            tags_of(r, &mut needed);
        }
        let rust_sort = sql_order.is_none();
        if rust_sort {
            needed.extend(query.sort.iter().map(|k| k.tag));
        }
        let order = sql_order.unwrap_or_else(|| DEFAULT_ORDER.to_string());
        let sql =
            format!("SELECT {SELECT} FROM messages WHERE folder = ? AND {filter} ORDER BY {order}");
        let folder = self.folder;
        let uid = self.uid;
        let path = self.path.clone();
        let mut failed: Option<TableError> = None;
        let mut keyed: Vec<(i64, Row)> = Vec::new();
        let mut ids: Vec<i64> = Vec::new();
        self.with_conn(|conn| {
            let mut stmt = conn.prepare(&sql)?;
            let mut all = vec![Value::Integer(folder)];
            all.extend(params.iter().cloned());
            let mut rows = stmt.query(params_from_iter(all))?;
            while let Some(r) = rows.next()? {
                let row = summary_row(&uid, r, Some(&needed))?;
                let recipients = SavedSubRows {
                    conn,
                    path: &path,
                    message: r.get(0)?,
                };
                let mut keep = true;
                for res in &residual {
                    match res.evaluate(&row, &recipients as &dyn SubObjects) {
                        Ok(true) => {}
                        Ok(false) => {
                            keep = false;
                            break;
                        }
                        Err(e) => {
                            failed = Some(e);
                            return Ok(());
                        }
                    }
                }
                if keep {
                    let id: i64 = r.get(0)?;
                    if rust_sort {
                        keyed.push((id, row));
                    } else {
                        ids.push(id);
                    }
                }
            }
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        if rust_sort {
            // Stable: ties keep the default order the rows came in.
            keyed.sort_by(|a, b| compare_rows(&a.1, &b.1, &query.sort));
            ids = keyed.into_iter().map(|(id, _)| id).collect();
        }
        Ok(Plan::Ids(ids))
    }
}

/// How many rows FindRow reads at a time.
const FIND_CHUNK: usize = 256;

impl ContentsSource {
    /// The position (in `start..start + rows.len()`, from the end when `backward`) of
    /// the first of `rows` that satisfies `restriction`, sub-restrictions on their
    /// saved recipients included.
    fn first_match(
        &self,
        restriction: &Restriction,
        rows: &[Row],
        start: usize,
        backward: bool,
    ) -> Result<Option<usize>, TableError> {
        let guard = self.db.lock().unwrap_or_else(|p| p.into_inner());
        let open = guard
            .as_ref()
            .ok_or_else(|| mapi_spi::ProviderError::from(LocalError::LoggedOff))?;
        let conn = &open.db.conn;
        let mut order: Vec<usize> = (0..rows.len()).collect();
        if backward {
            order.reverse();
        }
        for i in order {
            let row = &rows[i];
            let entry = row.get(PR_ENTRYID).and_then(PropValue::as_bytes);
            let message = entry
                .map(|e| entryid::decode(&self.uid, ObjectKind::Message, e))
                .transpose()
                .map_err(mapi_spi::ProviderError::from)?
                .unwrap_or(0);
            let recipients = SavedSubRows {
                conn,
                path: &self.path,
                message,
            };
            if restriction.evaluate(row, &recipients)? {
                return Ok(Some(start + i));
            }
        }
        Ok(None)
    }
}

impl RowSource for ContentsSource {
    /// FindRow over the view's rows, a chunk at a time; sub-restrictions see each
    /// message's saved recipients.
    fn find(
        &mut self,
        restriction: &Restriction,
        from: usize,
        backward: bool,
    ) -> Result<Option<usize>, TableError> {
        restriction.check()?;
        if let Some(why) = subrestriction::unsupported(restriction) {
            return Err(TableError::too_complex(why));
        }
        let columns = all_columns();
        if backward {
            let mut end = from;
            while end > 0 {
                let start = end.saturating_sub(FIND_CHUNK);
                let rows = self.rows(start, end - start, &columns)?;
                if let Some(p) = self.first_match(restriction, &rows, start, true)? {
                    return Ok(Some(p));
                }
                end = start;
            }
            return Ok(None);
        }
        let mut start = from;
        loop {
            let rows = self.rows(start, FIND_CHUNK, &columns)?;
            if let Some(p) = self.first_match(restriction, &rows, start, false)? {
                return Ok(Some(p));
            }
            if rows.len() < FIND_CHUNK {
                return Ok(None);
            }
            start += rows.len();
        }
    }

    fn all_columns(&self) -> Vec<PropTag> {
        all_columns()
    }

    fn default_columns(&self) -> Vec<PropTag> {
        crate::store::CONTENTS_COLUMNS.to_vec()
    }

    fn set_query(&mut self, query: &Query) -> Result<(), TableError> {
        self.plan = self.plan_for(query)?;
        self.count = None;
        Ok(())
    }

    fn count(&mut self) -> Result<usize, TableError> {
        if let Some(c) = self.count {
            return Ok(c);
        }
        let folder = self.folder;
        let c = match &self.plan {
            Plan::Ids(ids) => ids.len(),
            // The whole folder in index order: the count the store keeps (exact: its
            // triggers change it in the same transaction as the rows), and pages come
            // by position from the narrow index, so no row ids are kept.
            plan if plan.is_whole_folder() => {
                let n: Option<i64> = self.with_conn(|conn| {
                    conn.prepare_cached("SELECT msg_count FROM folders WHERE id = ?1")?
                        .query_row([folder], |r| r.get(0))
                        .optional()
                })?;
                usize::try_from(n.unwrap_or(0)).unwrap_or(0)
            }
            Plan::Sql {
                filter,
                params,
                order,
                ..
            } => {
                let sql = format!(
                    "SELECT id FROM messages WHERE folder = ? AND {filter} ORDER BY {order}"
                );
                let mut all = vec![Value::Integer(folder)];
                all.extend(params.iter().cloned());
                let found: Vec<i64> = self.with_conn(|conn| {
                    conn.prepare_cached(&sql)?
                        .query_map(params_from_iter(all), |r| r.get(0))?
                        .collect()
                })?;
                let n = found.len();
                if let Plan::Sql { ids, .. } = &mut self.plan {
                    *ids = Some(found);
                }
                n
            }
        };
        self.count = Some(c);
        Ok(c)
    }

    fn rows(
        &mut self,
        start: usize,
        n: usize,
        _columns: &[PropTag],
    ) -> Result<Vec<Row>, TableError> {
        let uid = self.uid;
        let by_id = |page: &[i64], this: &Self| -> Result<Vec<Row>, TableError> {
            this.with_conn(|conn| {
                let mut stmt =
                    conn.prepare_cached(&format!("SELECT {SELECT} FROM messages WHERE id = ?"))?;
                let mut out = Vec::with_capacity(page.len());
                for id in page {
                    let mut rows = stmt.query([*id])?;
                    // A message deleted since the query: skipped.
                    if let Some(r) = rows.next()? {
                        out.push(contents_row(&uid, r)?);
                    }
                }
                Ok(out)
            })
        };
        let window =
            |ids: &[i64]| -> Vec<i64> { ids.iter().skip(start).take(n).copied().collect() };
        match &self.plan {
            Plan::Sql { ids: Some(ids), .. } | Plan::Ids(ids) => by_id(&window(ids), self),
            plan if plan.is_whole_folder() && start >= SEEK_BY_POSITION => {
                // Skipping `start` entries of the narrow index costs far less than
                // skipping them in the covering one; then the page is read by id.
                let page: Vec<i64> = self.with_conn(|conn| {
                    conn.prepare_cached(&format!(
                        "SELECT id FROM messages WHERE folder = ? \
                         ORDER BY {DEFAULT_ORDER} LIMIT ? OFFSET ?"
                    ))?
                    .query_map(
                        params![
                            self.folder,
                            i64::try_from(n).unwrap_or(i64::MAX),
                            i64::try_from(start).unwrap_or(i64::MAX)
                        ],
                        |r| r.get(0),
                    )?
                    .collect()
                })?;
                by_id(&page, self)
            }
            Plan::Sql {
                filter,
                params,
                order,
                ids: None,
                ..
            } => {
                let sql = format!(
                    "SELECT {SELECT} FROM messages WHERE folder = ? AND {filter} \
                     ORDER BY {order} LIMIT ? OFFSET ?"
                );
                let mut all = vec![Value::Integer(self.folder)];
                all.extend(params.iter().cloned());
                all.push(Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)));
                all.push(Value::Integer(i64::try_from(start).unwrap_or(i64::MAX)));
                self.with_conn(|conn| {
                    let mut stmt = conn.prepare_cached(&sql)?;
                    let rows = stmt
                        .query_map(params_from_iter(all), |r| contents_row(&uid, r))?
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok(rows)
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(r: &Restriction) -> Option<String> {
        to_sql(r, &mut Vec::new(), &mut Vec::new())
    }

    #[test]
    fn what_goes_to_sql_and_what_stays_in_rust() {
        let content = |ignore_case| Restriction::Content {
            tag: PR_SUBJECT,
            text: "a".into(),
            how: ContentMatch::Substring,
            ignore_case,
        };
        assert_eq!(sql(&content(false)).unwrap(), "instr(subject, ?) > 0");
        assert_eq!(sql(&content(true)), None);
        let unread = Restriction::BitMask {
            tag: PR_MESSAGE_FLAGS,
            mask: 1,
            nonzero: false,
        };
        assert_eq!(sql(&unread).unwrap(), "(flags & 1) = 0");
        let big = Restriction::Property {
            op: Relop::Gt,
            tag: PR_MESSAGE_SIZE,
            value: PropValue::Long(10_000),
        };
        let mut params = Vec::new();
        let both = Restriction::And(vec![unread.clone(), big.clone()]);
        assert_eq!(
            to_sql(&both, &mut params, &mut Vec::new()).unwrap(),
            "((flags & 1) = 0 AND min(size, 2147483647) > ?)"
        );
        assert_eq!(params, [Value::Integer(10_000)]);
        // A part that cannot be translated leaves the parameters untouched.
        let mut params = Vec::new();
        assert_eq!(
            to_sql(
                &Restriction::Or(vec![big, content(true)]),
                &mut params,
                &mut Vec::new()
            ),
            None
        );
        assert!(params.is_empty());
        assert_eq!(sql(&Restriction::Exist(PR_BODY)).unwrap(), "0");
        assert_eq!(
            order_sql(&[SortKey::descending(PR_MESSAGE_DELIVERY_TIME)]).unwrap(),
            "delivery_time DESC, id DESC"
        );
        assert_eq!(order_sql(&[SortKey::ascending(PR_SUBJECT)]), None);
        // A sub-restriction on recipients is an EXISTS over the saved rows, or else the
        // kept MIME's, with its handle as parameter for each, whatever it holds
        // (evaluated by the registered functions).
        let sub = Restriction::Sub {
            object: PR_MESSAGE_RECIPIENTS,
            restriction: Box::new(content(true)),
        };
        let (mut params, mut subs) = (Vec::new(), Vec::new());
        let s = to_sql(&Restriction::Not(Box::new(sub)), &mut params, &mut subs).unwrap();
        assert!(
            s.starts_with("NOT ((EXISTS (SELECT 1 FROM message_recipients"),
            "{s}"
        );
        assert!(
            s.contains("mapi_mime_recipient_matches(messages.raw, ?)"),
            "{s}"
        );
        let handle = Value::Integer(subs[0].param());
        assert_eq!(params, [handle.clone(), handle]);
    }
}
