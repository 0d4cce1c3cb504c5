//! [`Contacts`]: a logged-on personal address book (`AddressBook`) over one SQLite file.

use std::path::PathBuf;
use std::sync::Mutex;

use mapi_spi::{AddressBook, EntryId, ProviderResult, Settings, async_trait};
use mapi_types::tags::*;
use mapi_types::{MapiUid, PropValue, Row, Table, object_type};
use rusqlite::Connection;

use crate::dbfile::{self, Db, path_setting};
use crate::entryid::{self, ObjectKind};
use crate::error::LocalError;
use crate::schema::CONTACTS;
use crate::store::file_stem;

/// The columns of the entries table, in order.
pub const ENTRY_COLUMNS: [mapi_types::PropTag; 4] =
    [PR_ENTRYID, PR_DISPLAY_NAME, PR_EMAIL_ADDRESS, PR_ADDRTYPE];

/// A logged-on contacts file.
pub struct Contacts {
    path: PathBuf,
    uid: MapiUid,
    props: Row,
    db: Mutex<Option<Db>>,
}

impl Contacts {
    /// Logs on to the contacts file the settings name, checking it as the store does.
    pub fn logon(settings: &Settings) -> Result<Contacts, LocalError> {
        let path = path_setting(settings)?;
        let db = dbfile::open_for_logon(&CONTACTS, &path)?;
        let uid = db.uid;
        let display_name = settings
            .str("display_name")
            .map(str::to_string)
            .unwrap_or_else(|| file_stem(&path));
        let mut props = Row::default();
        props.set(PR_DISPLAY_NAME, PropValue::Unicode(display_name));
        props.set(
            PR_ENTRYID,
            PropValue::Binary(entryid::encode(&uid, ObjectKind::Container, 0)),
        );
        props.set(PR_RECORD_KEY, PropValue::Binary(uid.as_bytes().to_vec()));
        props.set(
            PR_OBJECT_TYPE,
            PropValue::Long(object_type::MAPI_ABCONT as i32),
        );
        Ok(Contacts {
            path,
            uid,
            props,
            db: Mutex::new(Some(db)),
        })
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, LocalError>,
    ) -> Result<T, LocalError> {
        let guard = self.db.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(db) => f(&db.conn),
            None => Err(LocalError::LoggedOff),
        }
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> LocalError + '_ {
        |err| LocalError::from_sqlite(&self.path, &err)
    }

    /// Every entry, or those whose display name or address starts with `prefix` (both
    /// compared in lower case).
    fn query(&self, prefix: Option<&str>) -> Result<Vec<Row>, LocalError> {
        self.with_conn(|conn| {
            let map = |r: &rusqlite::Row<'_>| Ok(self.entry_row(r.get(0)?, r.get(1)?, r.get(2)?));
            let rows = match prefix {
                None => conn
                    .prepare_cached(
                        "SELECT id, display_name, email FROM entries ORDER BY name_key, id",
                    )
                    .and_then(|mut s| s.query_map([], map)?.collect::<Result<Vec<_>, _>>()),
                Some(prefix) => conn
                    .prepare_cached(
                        "SELECT id, display_name, email FROM entries
                         WHERE substr(name_key, 1, length(?1)) = ?1
                            OR substr(email_key, 1, length(?1)) = ?1
                         ORDER BY name_key, id",
                    )
                    .and_then(|mut s| {
                        s.query_map([prefix.to_lowercase()], map)?
                            .collect::<Result<Vec<_>, _>>()
                    }),
            };
            rows.map_err(self.sql())
        })
    }

    fn add_now(&self, display_name: &str, email: &str) -> Result<EntryId, LocalError> {
        let (display_name, email) = (display_name.trim(), email.trim());
        if email.is_empty() || !email.contains('@') {
            return Err(LocalError::InvalidParameter {
                detail: format!(
                    "\"{email}\" is not an e-mail address; give one like name@example.org"
                ),
            });
        }
        let display_name = if display_name.is_empty() {
            email
        } else {
            display_name
        };
        self.with_conn(|conn| {
            conn.prepare_cached(
                "INSERT INTO entries (display_name, email, name_key, email_key)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute([
                    display_name,
                    email,
                    &display_name.to_lowercase(),
                    &email.to_lowercase(),
                ])
            })
            .map_err(self.sql())?;
            Ok(entryid::encode(
                &self.uid,
                ObjectKind::MailUser,
                conn.last_insert_rowid(),
            ))
        })
    }

    fn entry_row(&self, id: i64, name: String, email: String) -> Row {
        let mut row = Row::default();
        row.set(
            PR_ENTRYID,
            PropValue::Binary(entryid::encode(&self.uid, ObjectKind::MailUser, id)),
        );
        row.set(PR_DISPLAY_NAME, PropValue::Unicode(name));
        row.set(PR_EMAIL_ADDRESS, PropValue::Unicode(email.clone()));
        row.set(PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
        row.set(PR_SMTP_ADDRESS, PropValue::Unicode(email));
        row.set(
            PR_OBJECT_TYPE,
            PropValue::Long(object_type::MAPI_MAILUSER as i32),
        );
        row
    }
}

#[async_trait]
impl AddressBook for Contacts {
    fn properties(&self) -> Row {
        self.props.clone()
    }

    async fn entries(&self) -> ProviderResult<Table> {
        let rows = self.query(None)?;
        // Rows come sorted by display name (case ignored).
        Ok(Table::new(ENTRY_COLUMNS.to_vec(), rows))
    }

    async fn resolve(&self, prefix: &str) -> ProviderResult<Vec<Row>> {
        Ok(self.query(Some(prefix))?)
    }

    async fn add_entry(&self, display_name: &str, email: &str) -> ProviderResult<EntryId> {
        Ok(self.add_now(display_name, email)?)
    }

    async fn logoff(&self) {
        if let Some(db) = self.db.lock().unwrap_or_else(|p| p.into_inner()).take() {
            crate::idle::park(&self.path, db);
        }
    }
}
