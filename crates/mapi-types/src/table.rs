//! Rows and an in-memory table: column sets, sort orders and restrictions (property
//! comparison, bitmask, exists, content, and/or/not), as `IMAPITable` offers them.

use std::cmp::Ordering;

use crate::prop::{PropTag, PropType, PropValue};
use crate::status::Status;

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

/// Relational operators of `RES_PROPERTY` (`RELOP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relop {
    /// `RELOP_LT`.
    Lt,
    /// `RELOP_LE`.
    Le,
    /// `RELOP_GT`.
    Gt,
    /// `RELOP_GE`.
    Ge,
    /// `RELOP_EQ`.
    Eq,
    /// `RELOP_NE`.
    Ne,
}

/// How `RES_CONTENT` matches a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentMatch {
    /// `FL_FULLSTRING`.
    Full,
    /// `FL_SUBSTRING`.
    Substring,
    /// `FL_PREFIX`.
    Prefix,
}

/// A restriction (`SRestriction`).
#[derive(Clone, Debug, PartialEq)]
pub enum Restriction {
    /// `RES_AND`.
    And(Vec<Restriction>),
    /// `RES_OR`.
    Or(Vec<Restriction>),
    /// `RES_NOT`.
    Not(Box<Restriction>),
    /// `RES_PROPERTY`: compare a column with a value.
    Property {
        /// The comparison.
        op: Relop,
        /// The column.
        tag: PropTag,
        /// The value compared against.
        value: PropValue,
    },
    /// `RES_BITMASK`: `BMR_NEZ` when `nonzero`, else `BMR_EQZ`.
    BitMask {
        /// The column (an integer).
        tag: PropTag,
        /// The mask.
        mask: u32,
        /// Whether `value & mask` must be non-zero.
        nonzero: bool,
    },
    /// `RES_EXIST`: the column has a value.
    Exist(PropTag),
    /// `RES_CONTENT` on a string column (`FL_IGNORECASE` when `ignore_case`).
    Content {
        /// The column.
        tag: PropTag,
        /// The text looked for.
        text: String,
        /// Full, substring or prefix.
        how: ContentMatch,
        /// Whether case is ignored.
        ignore_case: bool,
    },
}

impl Restriction {
    /// Whether a row satisfies the restriction.
    pub fn matches(&self, row: &Row) -> bool {
        match self {
            Restriction::And(rs) => rs.iter().all(|r| r.matches(row)),
            Restriction::Or(rs) => rs.iter().any(|r| r.matches(row)),
            Restriction::Not(r) => !r.matches(row),
            Restriction::Property { op, tag, value } => match row.get(*tag) {
                None => false,
                Some(v) => match compare(v, value) {
                    None => *op == Relop::Ne,
                    Some(ord) => match op {
                        Relop::Lt => ord == Ordering::Less,
                        Relop::Le => ord != Ordering::Greater,
                        Relop::Gt => ord == Ordering::Greater,
                        Relop::Ge => ord != Ordering::Less,
                        Relop::Eq => ord == Ordering::Equal,
                        Relop::Ne => ord != Ordering::Equal,
                    },
                },
            },
            Restriction::BitMask { tag, mask, nonzero } => match row.int(*tag) {
                None => false,
                Some(v) => ((v as u32 & mask) != 0) == *nonzero,
            },
            Restriction::Exist(tag) => row.get(*tag).is_some(),
            Restriction::Content {
                tag,
                text,
                how,
                ignore_case,
            } => match row.str(*tag) {
                None => false,
                Some(s) => {
                    let (s, t) = if *ignore_case {
                        (s.to_lowercase(), text.to_lowercase())
                    } else {
                        (s.to_string(), text.clone())
                    };
                    match how {
                        ContentMatch::Full => s == t,
                        ContentMatch::Substring => s.contains(&t),
                        ContentMatch::Prefix => s.starts_with(&t),
                    }
                }
            },
        }
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

    /// `Restrict`; `None` removes the restriction.
    pub fn restrict(&mut self, restriction: Option<Restriction>) {
        self.restriction = restriction;
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
            .map(|row| {
                Row(self
                    .columns
                    .iter()
                    .map(|tag| match row.get(*tag) {
                        Some(v) => (*tag, v.clone()),
                        None => (
                            tag.with_type(PropType::PT_ERROR),
                            PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
                        ),
                    })
                    .collect())
            })
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
            v.sort_by(|a, b| {
                for key in &self.sort {
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
            });
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        t.restrict(Some(Restriction::BitMask {
            tag: PR_RESOURCE_FLAGS,
            mask: 2,
            nonzero: true,
        }));
        assert_eq!(names(&t), ["beta", "gamma"]);
        t.restrict(Some(Restriction::Exist(PR_DEFAULT_STORE)));
        assert_eq!(names(&t), ["beta", "Alpha"]);
        t.restrict(Some(Restriction::Not(Box::new(Restriction::Exist(
            PR_DEFAULT_STORE,
        )))));
        assert_eq!(names(&t), ["gamma"]);
        t.restrict(Some(Restriction::And(vec![
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
        t.restrict(Some(Restriction::Or(vec![
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
        t.restrict(Some(Restriction::BitMask {
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
