//! [`Db`] on a rusqlite connection (or transaction: it derefs to one).

use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};

use super::{Db, Kind, Row, Val};
use crate::error::{Result, from_sqlite};

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Owned(rusqlite::types::Value::Null),
            Val::Int(i) => ToSqlOutput::from(*i),
            Val::Text(s) => ToSqlOutput::from(s.as_str()),
            Val::Blob(b) => ToSqlOutput::from(b.as_slice()),
        })
    }
}

/// A SQLite connection seen through [`Db`]; errors name `name` (the file).
pub struct SqliteDb<'a> {
    /// The connection (a transaction derefs to it).
    pub conn: &'a Connection,
    /// The file, as errors show it.
    pub name: &'a str,
}

impl Db for SqliteDb<'_> {
    fn exec(&self, sql: &str, args: &[Val]) -> Result<u64> {
        let mut st = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| from_sqlite(self.name, e))?;
        st.execute(rusqlite::params_from_iter(args.iter()))
            .map(|n| n as u64)
            .map_err(|e| from_sqlite(self.name, e))
    }

    fn rows(&self, sql: &str, args: &[Val]) -> Result<Vec<Row>> {
        let mut st = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| from_sqlite(self.name, e))?;
        let n = st.column_count();
        let rows = st
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            ValueRef::Null => Val::Null,
                            ValueRef::Integer(v) => Val::Int(v),
                            ValueRef::Real(v) => Val::Int(v as i64),
                            ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                            ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<Val>>>()
                    .map(Row)
            })
            .map_err(|e| from_sqlite(self.name, e))?;
        rows.collect::<rusqlite::Result<Vec<Row>>>()
            .map_err(|e| from_sqlite(self.name, e))
    }

    fn kind(&self) -> Kind {
        Kind::Sqlite
    }
}
