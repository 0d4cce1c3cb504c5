//! Rows, tables and their views, as `IMAPITable` offers them.
//!
//! - this module: [`Row`], [`SortKey`], [`compare`] and [`Table`], a plain in-memory table.
//! - [`restriction`]: [`Restriction`] with every documented `RES_*` type, checked and
//!   evaluated.
//! - [`view`]: [`TableView`] (cursor, bookmarks, seek, find, sort, restrict) over a
//!   [`RowSource`]; [`MemorySource`] evaluates in memory.
//! - [`hierarchy`]: hierarchy-table rows (`CONVENIENT_DEPTH`, `PR_DEPTH`).
//! - [`consts`]: the `TBL_*`, `BOOKMARK_*`, `RES_*`, `RELOP_*`, `FL_*` values.
//! - [`error`]: [`TableError`], a status and a sentence.

use std::cmp::Ordering;

use crate::prop::{PropTag, PropValue};
use crate::status::Status;

pub mod consts;
pub mod error;
pub mod hierarchy;
pub mod restriction;
pub mod view;

pub use error::TableError;
pub use restriction::{ContentMatch, Relop, Restriction, SubObjects};
pub use view::{Bookmark, MemorySource, Position, Query, RowSource, TableView, project};

/// One row: (tag, value) pairs in column order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row(pub Vec<(PropTag, PropValue)>);

impl Row {
    /// The value of a column, matched by property id (either string width).
    pub fn get(&self, tag: PropTag) -> Option<&PropValue> {
        self.0
            .iter()
            .find(|(t, v)| t.id() == tag.id() && !matches!(v, PropValue::Error(_)))
            .map(|(_, v)| v)
    }

    /// Sets or replaces a column.
    pub fn set(&mut self, tag: PropTag, value: PropValue) {
        match self.0.iter_mut().find(|(t, _)| t.id() == tag.id()) {
            Some(slot) => *slot = (tag, value),
            None => self.0.push((tag, value)),
        }
    }

    /// The text of a string column.
    pub fn str(&self, tag: PropTag) -> Option<&str> {
        self.get(tag).and_then(PropValue::as_str)
    }

    /// An integer column.
    pub fn int(&self, tag: PropTag) -> Option<i64> {
        self.get(tag).and_then(PropValue::as_i64)
    }
}

/// Orders two values of comparable types; `None` when they cannot be compared.
/// Strings compare case-insensitively first, as MAPI tables sort them.
pub fn compare(a: &PropValue, b: &PropValue) -> Option<Ordering> {
    use PropValue::*;
    match (a, b) {
        (String8(x) | Unicode(x), String8(y) | Unicode(y)) => Some(
            x.to_lowercase()
                .cmp(&y.to_lowercase())
                .then_with(|| x.cmp(y)),
        ),
        (Boolean(x), Boolean(y)) => Some(x.cmp(y)),
        (Binary(x), Binary(y)) => Some(x.cmp(y)),
        (Clsid(x), Clsid(y)) => Some(x.cmp(y)),
        (R4(_) | Double(_) | AppTime(_), _) | (_, R4(_) | Double(_) | AppTime(_)) => {
            as_f64(a)?.partial_cmp(&as_f64(b)?)
        }
        _ => Some(a.as_i64()?.cmp(&b.as_i64()?)),
    }
}

fn as_f64(v: &PropValue) -> Option<f64> {
    match v {
        PropValue::R4(x) => Some(*x as f64),
        PropValue::Double(x) | PropValue::AppTime(x) => Some(*x),
        other => other.as_i64().map(|i| i as f64),
    }
}

/// One key of a sort order (`SSortOrder`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortKey {
    /// The column.
    pub tag: PropTag,
    /// `TABLE_SORT_DESCEND` when true.
    pub descending: bool,
}

impl SortKey {
    /// An ascending key.
    pub fn ascending(tag: PropTag) -> SortKey {
        SortKey {
            tag,
            descending: false,
        }
    }

    /// A descending key.
    pub fn descending(tag: PropTag) -> SortKey {
        SortKey {
            tag,
            descending: true,
        }
    }

    /// From an `SSortOrder`: `TABLE_SORT_ASCEND` or `TABLE_SORT_DESCEND`; categories
    /// (`TABLE_SORT_COMBINE`, `TABLE_SORT_CATEG_MAX/MIN`) are `MAPI_E_TOO_COMPLEX`,
    /// other values `MAPI_E_INVALID_PARAMETER`.
    pub fn from_mapi(tag: PropTag, order: u32) -> Result<SortKey, TableError> {
        match order {
            consts::TABLE_SORT_ASCEND => Ok(SortKey::ascending(tag)),
            consts::TABLE_SORT_DESCEND => Ok(SortKey::descending(tag)),
            consts::TABLE_SORT_COMBINE | 4 | 8 => Err(TableError::too_complex(
                "categorized sorts (TABLE_SORT_COMBINE, CATEG_MAX/MIN) are not supported",
            )),
            other => Err(TableError::invalid(format!(
                "{other} is not a TABLE_SORT_* value"
            ))),
        }
    }
}

/// An in-memory table: all rows with all their properties, plus the client's view
/// (column set, sort order, restriction).
#[derive(Clone, Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
    columns: Vec<PropTag>,
    sort: Vec<SortKey>,
    restriction: Option<Restriction>,
}

impl Table {
    /// A table over these rows with the given default column set.
    pub fn new(columns: Vec<PropTag>, rows: Vec<Row>) -> Table {
        Table {
            rows,
            columns,
            sort: Vec::new(),
            restriction: None,
        }
    }

    /// `SetColumns`.
    pub fn set_columns(&mut self, columns: Vec<PropTag>) {
        self.columns = columns;
    }

    /// The current column set (`QueryColumns`).
    pub fn columns(&self) -> &[PropTag] {
        &self.columns
    }

    /// `SortTable`; a sort key on a multi-valued column is refused
    /// (`MAPI_E_TOO_COMPLEX`, as MV_INSTANCE sorts are not supported here).
    pub fn sort(&mut self, keys: Vec<SortKey>) -> Result<(), Status> {
        if keys.iter().any(|k| k.tag.prop_type().is_multi()) {
            return Err(Status::MAPI_E_TOO_COMPLEX);
        }
        self.sort = keys;
        Ok(())
    }

    /// `Restrict`; `None` removes the restriction. It is checked first
    /// ([`Restriction::check`]).
    pub fn restrict(&mut self, restriction: Option<Restriction>) -> Result<(), TableError> {
        if let Some(r) = &restriction {
            r.check()?;
        }
        self.restriction = restriction;
        Ok(())
    }

    /// Adds a row (dynamic tables).
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// The number of rows passing the restriction (`GetRowCount`).
    pub fn row_count(&self) -> usize {
        self.view().len()
    }

    /// `QueryRows` of all rows: restricted, sorted, projected on the column set. A
    /// column a row lacks comes back as `PT_ERROR` holding `MAPI_E_NOT_FOUND`.
    pub fn query_rows(&self) -> Vec<Row> {
        self.view()
            .into_iter()
            .map(|row| project(row, &self.columns))
            .collect()
    }

    /// The full rows (all properties) in view order.
    pub fn full_rows(&self) -> Vec<&Row> {
        self.view()
    }

    fn view(&self) -> Vec<&Row> {
        let mut v: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| self.restriction.as_ref().is_none_or(|res| res.matches(r)))
            .collect();
        if !self.sort.is_empty() {
            v.sort_by(|a, b| view::compare_rows(a, b, &self.sort));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prop::PropType;
    use crate::tags::*;

    fn table() -> Table {
        let row = |name: &str, flags: i32, default: Option<bool>| {
            let mut r = Row::default();
            r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
            r.set(PR_RESOURCE_FLAGS, PropValue::Long(flags));
            if let Some(d) = default {
                r.set(PR_DEFAULT_STORE, PropValue::Boolean(d));
            }
            r
        };
        Table::new(
            vec![PR_DISPLAY_NAME, PR_RESOURCE_FLAGS],
            vec![
                row("beta", 2, Some(true)),
                row("Alpha", 0x40, Some(false)),
                row("gamma", 6, None),
            ],
        )
    }

    impl Table {
        fn restrict_ok(&mut self, r: Option<Restriction>) {
            self.restrict(r).unwrap();
        }
    }

    fn names(t: &Table) -> Vec<String> {
        t.query_rows()
            .iter()
            .map(|r| r.str(PR_DISPLAY_NAME).unwrap().to_string())
            .collect()
    }

    #[test]
    fn sorts_ascending_and_descending() {
        let mut t = table();
        t.sort(vec![SortKey {
            tag: PR_DISPLAY_NAME,
            descending: false,
        }])
        .unwrap();
        assert_eq!(names(&t), ["Alpha", "beta", "gamma"]);
        t.sort(vec![SortKey {
            tag: PR_RESOURCE_FLAGS,
            descending: true,
        }])
        .unwrap();
        assert_eq!(names(&t), ["Alpha", "gamma", "beta"]);
        assert_eq!(
            t.sort(vec![SortKey {
                tag: PR_SERVICE_SUPPORT_FILES,
                descending: false
            }]),
            Err(Status::MAPI_E_TOO_COMPLEX)
        );
    }

    #[test]
    fn restrictions_filter() {
        let mut t = table();
        t.restrict_ok(Some(Restriction::BitMask {
            tag: PR_RESOURCE_FLAGS,
            mask: 2,
            nonzero: true,
        }));
        assert_eq!(names(&t), ["beta", "gamma"]);
        t.restrict_ok(Some(Restriction::Exist(PR_DEFAULT_STORE)));
        assert_eq!(names(&t), ["beta", "Alpha"]);
        t.restrict_ok(Some(Restriction::Not(Box::new(Restriction::Exist(
            PR_DEFAULT_STORE,
        )))));
        assert_eq!(names(&t), ["gamma"]);
        t.restrict_ok(Some(Restriction::And(vec![
            Restriction::Property {
                op: Relop::Eq,
                tag: PR_DEFAULT_STORE,
                value: PropValue::Boolean(true),
            },
            Restriction::Property {
                op: Relop::Ge,
                tag: PR_RESOURCE_FLAGS,
                value: PropValue::Long(2),
            },
        ])));
        assert_eq!(names(&t), ["beta"]);
        t.restrict_ok(Some(Restriction::Or(vec![
            Restriction::Property {
                op: Relop::Lt,
                tag: PR_RESOURCE_FLAGS,
                value: PropValue::Long(3),
            },
            Restriction::Content {
                tag: PR_DISPLAY_NAME,
                text: "GAM".into(),
                how: ContentMatch::Prefix,
                ignore_case: true,
            },
        ])));
        assert_eq!(names(&t), ["beta", "gamma"]);
        t.restrict_ok(Some(Restriction::BitMask {
            tag: PR_RESOURCE_FLAGS,
            mask: 4,
            nonzero: false,
        }));
        assert_eq!(t.row_count(), 2);
    }

    #[test]
    fn missing_columns_come_back_as_not_found_errors() {
        let mut t = table();
        t.set_columns(vec![PR_DISPLAY_NAME, PR_DEFAULT_STORE]);
        let rows = t.query_rows();
        let (tag, v) = &rows[2].0[1];
        assert_eq!(tag.prop_type(), PropType::PT_ERROR);
        assert_eq!(*v, PropValue::Error(Status::MAPI_E_NOT_FOUND.0));
        assert_eq!(rows[2].get(PR_DEFAULT_STORE), None);
    }
}
