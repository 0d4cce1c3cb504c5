//! The seam between the admin logic and the database: one [`Db`] trait that both
//! backends implement (SQLite through rusqlite, PostgreSQL through `postgres`), with
//! values as a small [`Val`] enum and SQL written once with `?N` placeholders.
//!
//! The admin queries use only SQL that both engines accept (`ON CONFLICT`, `RETURNING`,
//! `CAST(? AS BIGINT)`); the PostgreSQL side rewrites `?N` to `$N` and converts each
//! value to the column type the server inferred.

use crate::error::{ProfileError, Result};

/// Which engine a [`Db`] talks to (for the few statements that differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A value bound to a placeholder or read from a column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// An integer (booleans are 0 / 1).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(v as i64)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(v.clone())
    }
}
impl From<&[u8]> for Val {
    fn from(v: &[u8]) -> Val {
        Val::Blob(v.to_vec())
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Val {
        Val::Blob(v)
    }
}
impl From<&Vec<u8>> for Val {
    fn from(v: &Vec<u8>) -> Val {
        Val::Blob(v.clone())
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map(Into::into).unwrap_or(Val::Null)
    }
}

/// Builds a `&[Val]` argument list.
macro_rules! args {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Val::from($v)),*][..] };
}
pub(crate) use args;

/// One result row.
#[derive(Clone, Debug)]
pub struct Row(pub Vec<Val>);

impl Row {
    fn at(&self, i: usize) -> Result<&Val> {
        self.0
            .get(i)
            .ok_or_else(|| ProfileError::Other(format!("result column {i} is missing")))
    }

    fn wrong(&self, i: usize, want: &str) -> ProfileError {
        ProfileError::Other(format!(
            "result column {i} is not {want} (got {:?})",
            self.0.get(i).map(kind_name)
        ))
    }

    /// An integer column.
    pub fn int(&self, i: usize) -> Result<i64> {
        match self.at(i)? {
            Val::Int(v) => Ok(*v),
            _ => Err(self.wrong(i, "an integer")),
        }
    }

    /// An integer column that may be NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// A boolean (integer) column.
    pub fn bool(&self, i: usize) -> Result<bool> {
        self.int(i).map(|v| v != 0)
    }

    /// A text column.
    pub fn text(&self, i: usize) -> Result<String> {
        match self.at(i)? {
            Val::Text(v) => Ok(v.clone()),
            _ => Err(self.wrong(i, "text")),
        }
    }

    /// A text column that may be NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    /// A bytes column.
    pub fn blob(&self, i: usize) -> Result<Vec<u8>> {
        match self.at(i)? {
            Val::Blob(v) => Ok(v.clone()),
            _ => Err(self.wrong(i, "bytes")),
        }
    }

    /// A bytes column that may be NULL.
    pub fn opt_blob(&self, i: usize) -> Result<Option<Vec<u8>>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.blob(i).map(Some),
        }
    }
}

fn kind_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "NULL",
        Val::Int(_) => "an integer",
        Val::Text(_) => "text",
        Val::Blob(_) => "bytes",
    }
}

/// A connection (or an open transaction) of either backend.
pub trait Db {
    /// Runs a statement; returns the number of rows it changed.
    fn exec(&self, sql: &str, args: &[Val]) -> Result<u64>;
    /// Runs a query; returns every row.
    fn rows(&self, sql: &str, args: &[Val]) -> Result<Vec<Row>>;
    /// Which engine this is.
    fn kind(&self) -> Kind;

    /// The first row of a query, if any.
    fn row(&self, sql: &str, args: &[Val]) -> Result<Option<Row>> {
        Ok(self.rows(sql, args)?.into_iter().next())
    }

    /// The first column of a query's single row (`MAPI_E_CALL_FAILED` when it has none).
    fn one(&self, sql: &str, args: &[Val]) -> Result<Row> {
        self.row(sql, args)?
            .ok_or_else(|| ProfileError::Other("a query that always has a row had none".into()))
    }

    /// The first column of every row, as bytes.
    fn blobs(&self, sql: &str, args: &[Val]) -> Result<Vec<Vec<u8>>> {
        self.rows(sql, args)?.iter().map(|r| r.blob(0)).collect()
    }
}

pub mod pg;
pub mod sqlite;
