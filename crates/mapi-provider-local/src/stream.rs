//! [`LocalStream`]: `IStream` over one property of a message, attachment or embedded
//! message (its [`StreamOwner`]). A large value is read from
//! the database through SQLite's incremental blob I/O and never loaded whole; writes go
//! to an anonymous temporary file next to the store (copy on first write), which
//! Commit hands to the owner as a [`Staged`] value and the message's SaveChanges
//! copies into the database, a chunk at a time.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use mapi_spi::{PropStream, ProviderResult, async_trait};
use mapi_types::object::{
    STGM_READ, STGM_READWRITE, STREAM_SEEK_CUR, STREAM_SEEK_END, STREAM_SEEK_SET,
};
use mapi_types::{PropTag, PropType, StreamStat};
use rusqlite::{Connection, MAIN_DB, OptionalExtension, params};

use crate::error::LocalError;
use crate::message::Ctx;
use crate::props::Place;

/// The object a stream belongs to: where its bytes come from and go to at Commit.
pub trait StreamOwner: Send + Sync {
    /// The store the object lives in.
    fn ctx(&self) -> &Ctx;
    /// The row id of the message holding the object (for [`Place::Body`]).
    fn message_id(&self) -> i64;
    /// Takes a committed stream's value as the property's new value.
    fn stage(&self, tag: PropTag, staged: Arc<Staged>) -> Result<(), LocalError>;
}

/// The largest value the store keeps: SQLite's default length limit
/// (`SQLITE_MAX_LENGTH`). A stream may not grow past it (`MAPI_E_TOO_BIG`).
pub const MAX_VALUE: u64 = 1_000_000_000;
/// The unit of every copy between the database, temporary files and callers.
pub const CHUNK: usize = 1024 * 1024;

/// A value written through a stream and committed: an unnamed temporary file.
#[derive(Debug)]
pub struct Staged {
    file: File,
    len: u64,
}

impl Staged {
    /// A staged value holding `bytes`, in a temporary file next to the store at `store`.
    pub fn from_bytes(store: &Path, bytes: &[u8]) -> Result<Staged, LocalError> {
        let file = temp_file(store)?;
        file.write_all_at(bytes, 0)
            .map_err(|e| LocalError::from_io(store, "write", &e))?;
        Ok(Staged {
            file,
            len: bytes.len() as u64,
        })
    }

    /// Its size.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Reads from `pos`; 0 at the end.
    pub fn read_at(&self, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
        if pos >= self.len {
            return Ok(0);
        }
        let n = buf.len().min((self.len - pos) as usize);
        self.file.read_at(&mut buf[..n], pos)
    }

    /// The whole value (call only for small ones).
    pub fn read_small(&self) -> std::io::Result<Vec<u8>> {
        let mut out = vec![0; self.len as usize];
        self.file.read_exact_at(&mut out, 0)?;
        Ok(out)
    }
}

/// A failed copy out of a staged file.
pub enum CopyError {
    /// Reading the temporary file.
    Io(std::io::Error),
    /// Writing the database.
    Sql(rusqlite::Error),
}

/// Reads part of a stored value: from the blob at `pos`, or from the one chunk that
/// holds `pos` (so no read walks more than a chunk's overflow pages).
fn read_stored(
    conn: &Connection,
    place: Place,
    message: i64,
    buf: &mut [u8],
    pos: u64,
) -> rusqlite::Result<usize> {
    let (table, column, row, at) = match place {
        Place::AttachChunks(attach, prop_id) => {
            let seq = (pos / CHUNK as u64) as i64;
            let row: Option<i64> = conn
                .prepare_cached(
                    "SELECT id FROM attach_chunks WHERE attach = ?1 AND prop_id = ?2 AND seq = ?3",
                )?
                .query_row(params![attach, prop_id, seq], |r| r.get(0))
                .optional()?;
            let Some(row) = row else {
                return Ok(0);
            };
            (c"attach_chunks", c"data", row, pos % CHUNK as u64)
        }
        Place::Body => (c"messages", c"body", message, pos),
        Place::Raw(at) => (c"messages", c"raw", message, at + pos),
        Place::Inline(row) => (c"message_props", c"value", row, pos),
        Place::Chunks(prop) => {
            let seq = (pos / CHUNK as u64) as i64;
            let row: Option<i64> = conn
                .prepare_cached("SELECT id FROM prop_chunks WHERE prop = ?1 AND seq = ?2")?
                .query_row([prop, seq], |r| r.get(0))
                .optional()?;
            let Some(row) = row else {
                return Ok(0);
            };
            (c"prop_chunks", c"data", row, pos % CHUNK as u64)
        }
    };
    let blob = conn.blob_open(MAIN_DB, table, column, row, true)?;
    if at >= blob.len() as u64 {
        return Ok(0);
    }
    blob.read_at(buf, at as usize)
}

/// Stores a staged value as the chunks of `message_props` row `prop`.
pub fn write_chunks(conn: &Connection, prop: i64, staged: &Staged) -> Result<(), CopyError> {
    let mut buf = vec![0; CHUNK.min(staged.len as usize)];
    let mut stmt = conn
        .prepare_cached("INSERT INTO prop_chunks (prop, seq, data) VALUES (?1, ?2, ?3)")
        .map_err(CopyError::Sql)?;
    let (mut pos, mut seq) = (0u64, 0i64);
    while pos < staged.len {
        let n = staged.read_at(&mut buf, pos).map_err(CopyError::Io)?;
        if n == 0 {
            break;
        }
        stmt.execute(params![prop, seq, &buf[..n]])
            .map_err(CopyError::Sql)?;
        pos += n as u64;
        seq += 1;
    }
    Ok(())
}

/// Stores a staged value as the `attach_chunks` of attachment row `attach`.
pub fn write_chunks_to(
    conn: &Connection,
    attach: i64,
    tag: PropTag,
    staged: &Staged,
) -> Result<(), CopyError> {
    let mut buf = vec![0; CHUNK.min(staged.len as usize)];
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO attach_chunks (attach, prop_id, tag, size, seq, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(CopyError::Sql)?;
    let (mut pos, mut seq) = (0u64, 0i64);
    loop {
        let n = staged.read_at(&mut buf, pos).map_err(CopyError::Io)?;
        // An empty value still gets its one (empty) chunk, so it is listed.
        if n == 0 && seq > 0 {
            break;
        }
        stmt.execute(params![
            attach,
            tag.id(),
            tag.0,
            staged.len as i64,
            seq,
            &buf[..n]
        ])
        .map_err(CopyError::Sql)?;
        pos += n as u64;
        seq += 1;
        if n == 0 {
            break;
        }
    }
    Ok(())
}

/// The number of chunks a value of `len` bytes is stored in.
pub fn chunk_count(len: u64) -> i64 {
    len.div_ceil(CHUNK as u64) as i64
}

/// What a stream reads and writes.
enum Data {
    /// A small value, as bytes.
    Mem(Vec<u8>),
    /// A stored large value.
    Db(u64, Place),
    /// A committed, unsaved value.
    Committed(Arc<Staged>),
    /// Being written.
    Work(File, u64),
}

struct State {
    data: Data,
    pos: u64,
    dirty: bool,
    /// The last chunk read from a single stored blob (its offset and bytes): each blob
    /// opened walks its overflow pages from the start, so small reads are served from
    /// here instead of opening it again.
    ahead: Option<(u64, Vec<u8>)>,
}

/// A stream over one property of a message, attachment or embedded message.
pub struct LocalStream {
    msg: Arc<dyn StreamOwner>,
    tag: PropTag,
    writable: bool,
    state: Mutex<State>,
}

/// What a new stream starts from.
pub enum Start {
    /// The property's bytes as the message holds them.
    Bytes(Vec<u8>),
    /// A stored large value.
    Stored(u64, Place),
    /// A committed value.
    Staged(Arc<Staged>),
    /// Empty (`MAPI_CREATE`), written to a new temporary file.
    Empty,
}

fn temp_file(store: &Path) -> Result<File, LocalError> {
    let dir = match store.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::tempfile_in(dir).map_err(|e| LocalError::from_io(dir, "create", &e))
}

impl LocalStream {
    /// A stream over `tag` of a message, positioned at `pos` (its end for
    /// `STREAM_APPEND`).
    pub fn new(
        msg: Arc<dyn StreamOwner>,
        tag: PropTag,
        writable: bool,
        start: Start,
        append: bool,
    ) -> Result<LocalStream, LocalError> {
        let (data, dirty) = match start {
            Start::Bytes(b) => (Data::Mem(b), false),
            Start::Stored(len, place) => (Data::Db(len, place), false),
            Start::Staged(s) => (Data::Committed(s), false),
            Start::Empty => (Data::Work(temp_file(&msg.ctx().path)?, 0), true),
        };
        let mut state = State {
            data,
            pos: 0,
            dirty,
            ahead: None,
        };
        if append {
            state.pos = len_of(&state.data);
        }
        Ok(LocalStream {
            msg,
            tag,
            writable,
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn io(&self, e: std::io::Error) -> LocalError {
        LocalError::from_io(&self.msg.ctx().path, "write", &e)
    }

    fn read_now(&self, buf: &mut [u8]) -> Result<usize, LocalError> {
        let mut st = self.lock();
        let pos = st.pos;
        let n = match &st.data {
            Data::Mem(b) => {
                let start = (pos as usize).min(b.len());
                let n = buf.len().min(b.len() - start);
                buf[..n].copy_from_slice(&b[start..start + n]);
                n
            }
            Data::Db(len, place) => {
                if pos >= *len {
                    0
                } else {
                    let want = buf.len().min((*len - pos) as usize);
                    let (place, id, len) = (*place, self.msg.message_id(), *len);
                    let read = |buf: &mut [u8], at: u64| {
                        self.msg.ctx().with_conn(|conn| {
                            read_stored(conn, place, id, buf, at)
                                .map_err(|e| LocalError::from_sqlite(&self.msg.ctx().path, &e))
                        })
                    };
                    if matches!(place, Place::Chunks(_) | Place::AttachChunks(..)) || want >= CHUNK
                    {
                        read(&mut buf[..want], pos)?
                    } else {
                        let cached = st
                            .ahead
                            .as_ref()
                            .is_some_and(|(at, b)| pos >= *at && pos < at + b.len() as u64);
                        if !cached {
                            let mut b = vec![0; CHUNK.min((len - pos) as usize)];
                            let n = read(&mut b, pos)?;
                            b.truncate(n);
                            st.ahead = Some((pos, b));
                        }
                        match &st.ahead {
                            Some((at, b)) => {
                                let from = (pos - at) as usize;
                                let n = want.min(b.len() - from);
                                buf[..n].copy_from_slice(&b[from..from + n]);
                                n
                            }
                            None => 0,
                        }
                    }
                }
            }
            Data::Committed(s) => s.read_at(buf, pos).map_err(|e| self.io(e))?,
            Data::Work(f, len) => {
                if pos >= *len {
                    0
                } else {
                    let n = buf.len().min((*len - pos) as usize);
                    f.read_at(&mut buf[..n], pos).map_err(|e| self.io(e))?
                }
            }
        };
        st.pos += n as u64;
        Ok(n)
    }

    fn check_writable(&self) -> Result<(), LocalError> {
        if self.writable {
            Ok(())
        } else {
            Err(LocalError::ReadOnly {
                what: format!("the stream of {}", self.tag),
            })
        }
    }

    /// Turns the data into a temporary file holding the same bytes (up to `keep`).
    fn make_work(&self, st: &mut State, keep: u64) -> Result<(), LocalError> {
        if matches!(st.data, Data::Work(..)) {
            return Ok(());
        }
        let file = temp_file(&self.msg.ctx().path)?;
        let len = len_of(&st.data).min(keep);
        let mut buf = vec![0; CHUNK.min(len as usize)];
        let mut done = 0u64;
        while done < len {
            let want = buf.len().min((len - done) as usize);
            let n = match &st.data {
                Data::Mem(b) => {
                    buf[..want].copy_from_slice(&b[done as usize..done as usize + want]);
                    want
                }
                Data::Db(_, place) => {
                    let (place, id) = (*place, self.msg.message_id());
                    self.msg.ctx().with_conn(|conn| {
                        read_stored(conn, place, id, &mut buf[..want], done)
                            .map_err(|e| LocalError::from_sqlite(&self.msg.ctx().path, &e))
                    })?
                }
                Data::Committed(s) => s.read_at(&mut buf[..want], done).map_err(|e| self.io(e))?,
                // make_work returned early for data that is already a file.
                Data::Work(..) => 0,
            };
            if n == 0 {
                break;
            }
            file.write_all_at(&buf[..n], done).map_err(|e| self.io(e))?;
            done += n as u64;
        }
        st.data = Data::Work(file, done);
        st.ahead = None;
        Ok(())
    }

    fn write_now(&self, data: &[u8]) -> Result<usize, LocalError> {
        self.check_writable()?;
        let mut st = self.lock();
        let end = st.pos.saturating_add(data.len() as u64);
        if end > MAX_VALUE {
            return Err(too_big(end));
        }
        self.make_work(&mut st, u64::MAX)?;
        let pos = st.pos;
        if let Data::Work(f, len) = &mut st.data {
            f.write_all_at(data, pos)
                .map_err(|e| LocalError::from_io(&self.msg.ctx().path, "write", &e))?;
            *len = (*len).max(end);
        }
        st.pos = end;
        st.dirty = true;
        Ok(data.len())
    }

    fn seek_now(&self, offset: i64, origin: u32) -> Result<u64, LocalError> {
        let mut st = self.lock();
        let base = match origin {
            STREAM_SEEK_SET => 0i128,
            STREAM_SEEK_CUR => st.pos as i128,
            STREAM_SEEK_END => len_of(&st.data) as i128,
            other => {
                return Err(LocalError::InvalidParameter {
                    detail: format!("seek origin {other} is not STREAM_SEEK_SET, CUR or END"),
                });
            }
        };
        let to = base + offset as i128;
        if to < 0 || to > u64::MAX as i128 {
            return Err(LocalError::InvalidParameter {
                detail: format!("seek to {to} is outside the stream"),
            });
        }
        st.pos = to as u64;
        Ok(st.pos)
    }

    fn set_size_now(&self, size: u64) -> Result<(), LocalError> {
        self.check_writable()?;
        if size > MAX_VALUE {
            return Err(too_big(size));
        }
        let mut st = self.lock();
        self.make_work(&mut st, size)?;
        if let Data::Work(f, len) = &mut st.data {
            // Extending leaves a hole the file system fills with zeros on read.
            f.set_len(size)
                .map_err(|e| LocalError::from_io(&self.msg.ctx().path, "write", &e))?;
            *len = size;
        }
        st.dirty = true;
        Ok(())
    }

    fn commit_now(&self) -> Result<(), LocalError> {
        let mut st = self.lock();
        if !st.dirty {
            return Ok(());
        }
        self.check_writable()?;
        let Data::Work(file, len) = std::mem::replace(&mut st.data, Data::Mem(Vec::new())) else {
            st.dirty = false;
            return Ok(());
        };
        let staged = Arc::new(Staged { file, len });
        let t = self.tag.prop_type();
        let checked = if t == PropType::PT_STRING8 || t == PropType::PT_UNICODE {
            check_utf8(&staged).map_err(|e| match e {
                Some(e) => self.io(e),
                None => LocalError::BadValue {
                    detail: format!(
                        "the stream of {} is not UTF-8 text; nothing was committed",
                        self.tag
                    ),
                },
            })
        } else {
            Ok(())
        };
        let staged_result = checked.and_then(|()| self.msg.stage(self.tag, staged.clone()));
        // Whatever the outcome, the stream keeps its bytes.
        st.data = Data::Committed(staged);
        staged_result?;
        st.dirty = false;
        Ok(())
    }
}

fn len_of(data: &Data) -> u64 {
    match data {
        Data::Mem(b) => b.len() as u64,
        Data::Db(len, _) => *len,
        Data::Committed(s) => s.len,
        Data::Work(_, len) => *len,
    }
}

fn too_big(size: u64) -> LocalError {
    LocalError::TooBig {
        detail: format!(
            "a stream of {size} bytes is larger than the {MAX_VALUE} bytes a value may have"
        ),
    }
}

/// Checks that a staged value is UTF-8, a chunk at a time. `Err(None)` when it is not.
fn check_utf8(s: &Staged) -> Result<(), Option<std::io::Error>> {
    let mut buf = vec![0; CHUNK.min(s.len as usize) + 4];
    let mut carry = 0usize;
    let mut pos = 0u64;
    loop {
        let n = s
            .read_at(
                &mut buf[carry..carry + CHUNK.min(s.len as usize).max(1)],
                pos,
            )
            .map_err(Some)?;
        pos += n as u64;
        let filled = carry + n;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() && n > 0 => {
                // An incomplete sequence at the end: carry it into the next chunk.
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(_) => return Err(None),
        }
        if n == 0 {
            return if carry == 0 { Ok(()) } else { Err(None) };
        }
    }
}

#[async_trait]
impl PropStream for LocalStream {
    async fn read(&self, buf: &mut [u8]) -> ProviderResult<usize> {
        Ok(self.read_now(buf)?)
    }

    async fn write(&self, data: &[u8]) -> ProviderResult<usize> {
        Ok(self.write_now(data)?)
    }

    async fn seek(&self, offset: i64, origin: u32) -> ProviderResult<u64> {
        Ok(self.seek_now(offset, origin)?)
    }

    async fn set_size(&self, size: u64) -> ProviderResult<()> {
        Ok(self.set_size_now(size)?)
    }

    async fn stat(&self) -> ProviderResult<StreamStat> {
        let st = self.lock();
        Ok(StreamStat {
            size: len_of(&st.data),
            mode: if self.writable {
                STGM_READWRITE
            } else {
                STGM_READ
            },
        })
    }

    async fn commit(&self, flags: u32) -> ProviderResult<()> {
        // STGC_DEFAULT, OVERWRITE, ONLYIFCURRENT, DANGEROUSLYCOMMITMERELYTODISKCACHE.
        crate::props::check_flags("IStream::Commit", flags, 0xF)?;
        Ok(self.commit_now()?)
    }
}
