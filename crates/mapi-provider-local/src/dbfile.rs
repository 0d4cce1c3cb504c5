//! The SQLite file behind a store or an address book: the `path` setting, creation with
//! the schema, and opening with every real failure told apart (missing, no access, newer
//! schema, damaged) before anything is written to the file.

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mapi_spi::Settings;
use mapi_types::MapiUid;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

use crate::error::LocalError;
use crate::openfiles::{self, FileKey, Registration};

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Files up to this size are fully checked (`PRAGMA quick_check`) at logon; larger ones
/// only structurally, and damage found later is still reported as `MAPI_E_CORRUPT_DATA`.
const QUICK_CHECK_LIMIT: u64 = 512 * 1024 * 1024;
/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One kind of file: its label, identity in the SQLite header and schema.
pub struct FileKind {
    /// What the file is, in messages: "local store", "contacts".
    pub label: &'static str,
    /// `PRAGMA application_id` of this kind of file.
    pub application_id: i32,
    /// The newest schema version (`PRAGMA user_version`) this code knows.
    pub schema_version: i64,
    /// SQL creating the tables (besides `meta`, which every kind has).
    pub schema: &'static str,
    /// SQL bringing an older file up: entry `i` takes version `i + 1` to `i + 2`, so
    /// there are `schema_version - 1` of them.
    pub migrations: &'static [&'static str],
    /// Tables that must exist in a valid file.
    pub tables: &'static [&'static str],
    /// Fills a freshly created file (e.g. the folder tree).
    pub init: fn(&Connection) -> rusqlite::Result<()>,
}

/// The `path` setting: `MAPI_E_UNCONFIGURED` when missing or empty.
pub fn path_setting(settings: &Settings) -> Result<PathBuf, LocalError> {
    settings
        .str("path")
        .map(PathBuf::from)
        .ok_or_else(|| LocalError::Unconfigured {
            missing: vec!["path".to_string()],
        })
}

/// For `Create`/`Configure`: creates the file if it does not exist, otherwise checks the
/// existing one (bringing an older schema up to date, as every opening does).
pub fn ensure(kind: &FileKind, path: &Path) -> Result<(), LocalError> {
    match fs::symlink_metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => create(kind, path),
        _ => {
            let registration = inspect(kind, path)?;
            open(kind, path, registration).map(|_| ())
        }
    }
}

/// Creates a new file with the schema. It is built under a temporary name and renamed
/// into place, so a failure never leaves a half-made file at `path`.
fn create(kind: &FileKind, path: &Path) -> Result<(), LocalError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match fs::metadata(parent) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(LocalError::FolderMissing {
                path: path.to_path_buf(),
            });
        }
        Err(err) => return Err(LocalError::from_io(path, "create", &err)),
    }
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(format!(".creating-{}", std::process::id()));
    let tmp = PathBuf::from(tmp_name);
    remove_with_sidecars(&tmp);
    let made = build(kind, &tmp).and_then(|()| {
        fs::rename(&tmp, path).map_err(|err| LocalError::from_io(path, "create", &err))
    });
    if made.is_err() {
        remove_with_sidecars(&tmp);
    }
    made
}

/// The page size of a new file: a message (its raw bytes and its body text, some
/// 8 KiB for a typical one) fits one page with room for another, instead of a page and
/// an overflow page, and a bulk write makes a quarter of the WAL frames (one write
/// each) that 4 KiB pages need. Files made with another size keep it.
const PAGE_SIZE: i64 = 16 * 1024;

fn build(kind: &FileKind, tmp: &Path) -> Result<(), LocalError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let sql = |err: rusqlite::Error| match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::CannotOpen) => LocalError::NoAccess {
            path: tmp.to_path_buf(),
            action: "create",
        },
        _ => LocalError::from_sqlite(tmp, &err),
    };
    let mut conn = Connection::open_with_flags(tmp, flags).map_err(sql)?;
    // Set before anything is written (a file keeps its page size).
    conn.pragma_update(None, "page_size", PAGE_SIZE)
        .map_err(sql)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sql)?;
    let tx = conn.transaction().map_err(sql)?;
    tx.pragma_update(None, "application_id", kind.application_id)
        .map_err(sql)?;
    tx.pragma_update(None, "user_version", kind.schema_version)
        .map_err(sql)?;
    tx.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;",
    )
    .map_err(sql)?;
    tx.execute_batch(kind.schema).map_err(sql)?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('uid', ?1)",
        [&MapiUid::random().as_bytes()[..]],
    )
    .map_err(sql)?;
    (kind.init)(&tx).map_err(sql)?;
    tx.commit().map_err(sql)?;
    // Closing the last connection checkpoints the WAL into the file.
    conn.close().map_err(|(_, err)| sql(err))?;
    Ok(())
}

fn remove_with_sidecars(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(PathBuf::from(name));
    }
}

/// Checks the file with plain reads before SQLite touches it: it exists, may be read and
/// written, is a SQLite file of this kind, and its schema is not newer than ours. When
/// this process already has the file open through SQLite, those checks passed then and
/// are skipped (a plain handle would cost that connection its locks; see
/// [`crate::openfiles`]). Returns the registration [`open`] needs.
pub fn inspect(kind: &FileKind, path: &Path) -> Result<Registration, LocalError> {
    let meta = fs::metadata(path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => LocalError::FileMissing {
            path: path.to_path_buf(),
            label: kind.label,
        },
        _ => LocalError::from_io(path, "read", &err),
    })?;
    if !meta.is_file() {
        return Err(LocalError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mut open_files = openfiles::lock();
    let key = FileKey::of(path);
    if !key
        .as_ref()
        .is_some_and(|k| openfiles::is_open(&open_files, k))
    {
        read_header(kind, path)?;
    }
    Ok(openfiles::register(&mut open_files, key))
}

fn read_header(kind: &FileKind, path: &Path) -> Result<(), LocalError> {
    let mut file = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => {
            // Tell "cannot read" from "can read but not write".
            let action = if fs::File::open(path).is_ok() {
                "write"
            } else {
                "read"
            };
            return Err(LocalError::NoAccess {
                path: path.to_path_buf(),
                action,
            });
        }
        Err(err) => return Err(LocalError::from_io(path, "read", &err)),
    };
    let mut header = Vec::with_capacity(100);
    (&mut file)
        .take(100)
        .read_to_end(&mut header)
        .map_err(|err| LocalError::from_io(path, "read", &err))?;
    let corrupt = |detail: String| LocalError::Corrupt {
        path: path.to_path_buf(),
        detail,
    };
    if header.is_empty() {
        return Err(corrupt("the file is empty".into()));
    }
    if header.len() < 100 || &header[..16] != SQLITE_MAGIC {
        return Err(corrupt(
            "the file does not start with a SQLite header".into(),
        ));
    }
    let be32 = |at: usize| {
        i32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    check_identity(kind, path, be32(68), i64::from(be32(60)))
}

/// Application id and schema version, read from the header or through SQLite.
fn check_identity(
    kind: &FileKind,
    path: &Path,
    application_id: i32,
    version: i64,
) -> Result<(), LocalError> {
    if application_id != kind.application_id {
        return Err(LocalError::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "it is not a {} file (application id {application_id:#x})",
                kind.label
            ),
        });
    }
    if version > kind.schema_version {
        return Err(LocalError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            known: kind.schema_version,
        });
    }
    if version < 1 {
        return Err(LocalError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("schema version {version} is not valid"),
        });
    }
    Ok(())
}

/// An open, checked file.
pub struct Db {
    /// The connection (declared first: it is closed before the registration goes).
    pub conn: Connection,
    /// The uid stored in the file.
    pub uid: MapiUid,
    _registration: Registration,
}

/// Opens a file that passed [`inspect`]: checks identity and version again through
/// SQLite, checks the file's integrity and tables, sets WAL and the busy timeout, and
/// brings an older schema up to date.
pub fn open(kind: &FileKind, path: &Path, registration: Registration) -> Result<Db, LocalError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| verify_error(path, &e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| verify_error(path, &e))?;
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| verify_error(path, &e))?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| verify_error(path, &e))?;
    check_identity(kind, path, application_id, version)?;
    let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size <= QUICK_CHECK_LIMIT {
        quick_check(&conn, path)?;
    }
    check_tables(kind, &conn, path)?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| verify_error(path, &e))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| verify_error(path, &e))?;
    if version < kind.schema_version {
        migrate(kind, &conn, path)?;
    }
    let uid: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'uid'", [], |r| r.get(0))
        .optional()
        .map_err(|e| verify_error(path, &e))?;
    let uid = uid
        .as_deref()
        .and_then(MapiUid::from_slice)
        .ok_or_else(|| LocalError::Corrupt {
            path: path.to_path_buf(),
            detail: "the file has no valid uid".into(),
        })?;
    Ok(Db {
        conn,
        uid,
        _registration: registration,
    })
}

/// Brings the file to `kind.schema_version`, each step in one transaction with the new
/// `user_version`. The version is read again under the write lock, so when two
/// processes open an old file at once the second finds it done; a failed step changes
/// nothing.
fn migrate(kind: &FileKind, conn: &Connection, path: &Path) -> Result<(), LocalError> {
    let sql = |e: rusqlite::Error| LocalError::from_sqlite(path, &e);
    loop {
        // Rolled back when dropped before the commit.
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate).map_err(sql)?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sql)?;
        if version >= kind.schema_version {
            return Ok(());
        }
        let step = usize::try_from(version - 1)
            .ok()
            .and_then(|i| kind.migrations.get(i))
            .ok_or_else(|| LocalError::Corrupt {
                path: path.to_path_buf(),
                detail: format!("no upgrade is known from schema version {version}"),
            })?;
        tx.execute_batch(step).map_err(sql)?;
        tx.pragma_update(None, "user_version", version + 1)
            .map_err(sql)?;
        tx.commit().map_err(sql)?;
    }
}

/// Checks identity and schema version of an already open file again (a parked
/// connection about to be reused).
pub fn recheck(kind: &FileKind, path: &Path, db: &Db) -> Result<(), LocalError> {
    let application_id: i32 = db
        .conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| verify_error(path, &e))?;
    let version: i64 = db
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| verify_error(path, &e))?;
    check_identity(kind, path, application_id, version)
}

/// Opens a file for a logon: a parked connection to the unchanged file when there is
/// one, else [`inspect`] and [`open`].
pub fn open_for_logon(kind: &FileKind, path: &Path) -> Result<Db, LocalError> {
    if let Some(db) = crate::idle::take(kind, path)? {
        return Ok(db);
    }
    let registration = inspect(kind, path)?;
    open(kind, path, registration)
}

fn quick_check(conn: &Connection, path: &Path) -> Result<(), LocalError> {
    let mut stmt = conn
        .prepare("PRAGMA quick_check(5)")
        .map_err(|e| verify_error(path, &e))?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| verify_error(path, &e))?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(())
    } else {
        Err(LocalError::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "integrity check failed: {}",
                lines.join("; ").replace('\n', " ")
            ),
        })
    }
}

fn check_tables(kind: &FileKind, conn: &Connection, path: &Path) -> Result<(), LocalError> {
    let mut stmt = conn
        .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1")
        .map_err(|e| verify_error(path, &e))?;
    for table in std::iter::once(&"meta").chain(kind.tables) {
        let n: i64 = stmt
            .query_row([table], |r| r.get(0))
            .map_err(|e| verify_error(path, &e))?;
        if n != 1 {
            return Err(LocalError::Corrupt {
                path: path.to_path_buf(),
                detail: format!("table {table} is missing"),
            });
        }
    }
    Ok(())
}

/// While a file is being checked, a read past its end (a truncated file) counts as
/// damage, like SQLite's own corruption codes.
fn verify_error(path: &Path, err: &rusqlite::Error) -> LocalError {
    if let rusqlite::Error::SqliteFailure(e, _) = err
        && e.extended_code == rusqlite::ffi::SQLITE_IOERR_SHORT_READ
    {
        return LocalError::Corrupt {
            path: path.to_path_buf(),
            detail: "the file is shorter than its contents say (truncated)".into(),
        };
    }
    LocalError::from_sqlite(path, err)
}
