//! The backends the shared profile-store tests run on: a SQLite file in a temp MAPI
//! home, or a real PostgreSQL server (started per test, its own role and database).

#![allow(dead_code)]

use mapi_profile::ProfileStore;
use mapi_test_support::postgres::PgServer;

/// A MAPI home and, for PostgreSQL, the server and the store's URL.
pub struct Fixture {
    pub home: tempfile::TempDir,
    pub pg: Option<PgServer>,
    pub url: Option<String>,
}

impl Fixture {
    /// A SQLite-backed home.
    pub fn sqlite() -> Fixture {
        Fixture {
            home: tempfile::tempdir().unwrap(),
            pg: None,
            url: None,
        }
    }

    /// A home whose store is a fresh database on a new PostgreSQL server.
    pub fn postgres() -> Fixture {
        let pg = PgServer::start().unwrap_or_else(|e| panic!("PostgreSQL test server: {e}"));
        let url = pg.fresh_store("mapi_test").unwrap();
        Fixture {
            home: tempfile::tempdir().unwrap(),
            pg: Some(pg),
            url: Some(url),
        }
    }

    /// Opens the store (a new pool / connection each time, as another process would).
    pub fn open(&self) -> ProfileStore {
        let s = self.try_open().unwrap();
        let want = if self.url.is_some() {
            mapi_profile::db::Kind::Postgres
        } else {
            mapi_profile::db::Kind::Sqlite
        };
        assert_eq!(s.kind(), want);
        s
    }

    /// Opens the store, returning the error.
    pub fn try_open(&self) -> Result<ProfileStore, mapi_profile::ProfileError> {
        ProfileStore::open_location(self.home.path(), self.url.as_deref())
    }

    /// The server (PostgreSQL fixtures only).
    pub fn server(&self) -> &PgServer {
        self.pg.as_ref().expect("a PostgreSQL fixture")
    }
}

/// Defines `mod $name { fn sqlite(); fn postgres(); }`, each running `$body` with a
/// fixture of that backend.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, |$fx:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn run($fx: &$crate::support::Fixture) $body
            #[test]
            fn sqlite() {
                run(&$crate::support::Fixture::sqlite());
            }
            #[test]
            fn postgres() {
                run(&$crate::support::Fixture::postgres());
            }
        }
    };
}
