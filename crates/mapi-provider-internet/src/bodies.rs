//! The message bytes of a cache, outside SQLite: one append-only file beside the cache
//! database (`<cache>.bodies`). A message row keeps the offset and length of its bytes.
//!
//! Why: a download writes each message once, in large appends, instead of twice (SQLite's
//! WAL, then its checkpoint). Rules that keep the two files consistent:
//! - bytes are appended as they arrive and synced (`fdatasync`) before the rows naming
//!   them commit, so a committed row never points at bytes a crash could lose;
//! - appends are single `writev`s to a file opened for appending (another process may
//!   share the cache), offsets read back from the handle's position;
//! - bytes are never moved, so offsets stay valid for every reader: the space of
//!   deleted messages goes back to the file system by punching holes
//!   ([`Bodies::release`]); the file's length does not shrink. Bytes appended for a row
//!   that then does not commit (a crash between the two, a key already cached) stay
//!   behind unused.

use std::fs::{File, OpenOptions};
use std::io::{self, IoSlice, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Where a message's bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte offset in the file.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

/// An open bodies file.
pub struct Bodies {
    file: File,
    path: PathBuf,
}

impl Bodies {
    /// The bodies file of the cache database at `db`.
    pub fn path_for(db: &Path) -> PathBuf {
        let mut name = db.as_os_str().to_os_string();
        name.push(".bodies");
        PathBuf::from(name)
    }

    /// Opens (creating when needed) the bodies file of the cache database at `db`.
    pub fn open(db: &Path) -> io::Result<Bodies> {
        let path = Bodies::path_for(db);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)?;
        Ok(Bodies { file, path })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one message; returns where it went. Not yet durable: call
    /// [`Bodies::sync`] before committing rows that name it.
    pub fn append(&self, message: &[u8]) -> io::Result<Span> {
        Ok(self.append_all(&[message])?[0])
    }

    /// Appends messages back to back in one `writev`; returns where each went. Not yet
    /// durable: call [`Bodies::sync`] before committing rows that name them.
    ///
    /// The file is opened for appending, so one write lands whole at the end even with
    /// other appenders (other connections, other processes), and this handle's
    /// position then marks its end. A short write is an error, never completed by a
    /// second one that could land after someone else's bytes.
    pub fn append_all(&self, messages: &[&[u8]]) -> io::Result<Vec<Span>> {
        let total: usize = messages.iter().map(|m| m.len()).sum();
        let slices: Vec<IoSlice<'_>> = messages.iter().map(|m| IoSlice::new(m)).collect();
        let mut file = &self.file;
        let n = if total == 0 {
            0
        } else {
            file.write_vectored(&slices)?
        };
        if n != total {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!(
                    "{}: only {n} of {total} bytes written (disk full?)",
                    self.path.display()
                ),
            ));
        }
        let mut offset = file.stream_position()? - total as u64;
        Ok(messages
            .iter()
            .map(|m| {
                let span = Span {
                    offset,
                    len: m.len() as u64,
                };
                offset += span.len;
                span
            })
            .collect())
    }

    /// Syncs appended bytes to disk (`fdatasync`).
    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// Reads one message's bytes; a span past the end of the file is an error (the file
    /// was truncated or replaced).
    pub fn read(&self, span: Span) -> io::Result<Vec<u8>> {
        let len = usize::try_from(span.len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "message too large"))?;
        let mut out = vec![0u8; len];
        self.file
            .read_exact_at(&mut out, span.offset)
            .map_err(|e| match e.kind() {
                io::ErrorKind::UnexpectedEof => io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} ends before byte {} (damaged or truncated)",
                        self.path.display(),
                        span.offset + span.len
                    ),
                ),
                _ => e,
            })?;
        Ok(out)
    }

    /// Gives the disk blocks under deleted messages back to the file system (a hole
    /// reads as zeros). Adjacent spans are merged first, so runs of small messages free
    /// whole blocks; blocks shared with live messages are only zeroed where dead.
    pub fn release(&self, spans: &[Span]) -> io::Result<()> {
        let mut spans: Vec<Span> = spans.iter().copied().filter(|s| s.len > 0).collect();
        spans.sort_unstable_by_key(|s| s.offset);
        let mut merged: Vec<Span> = Vec::new();
        for s in spans {
            match merged.last_mut() {
                Some(last) if last.offset + last.len >= s.offset => {
                    last.len = last.len.max(s.offset + s.len - last.offset);
                }
                _ => merged.push(s),
            }
        }
        use rustix::fs::{FallocateFlags, fallocate};
        for s in merged {
            fallocate(
                &self.file,
                FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
                s.offset,
                s.len,
            )?;
        }
        Ok(())
    }

    /// Length of the file in bytes.
    pub fn len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_come_back_and_a_short_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.sqlite");
        let b = Bodies::open(&db).unwrap();
        let first = b.append_all(&[b"one", b"", b"three"]).unwrap();
        let second = b.append(b"four").unwrap();
        b.sync().unwrap();
        assert_eq!(
            first,
            vec![
                Span { offset: 0, len: 3 },
                Span { offset: 3, len: 0 },
                Span { offset: 3, len: 5 }
            ]
        );
        assert_eq!(second, Span { offset: 8, len: 4 });
        assert_eq!(b.read(first[2]).unwrap(), b"three");
        // another handle (another connection or process) appends after the same end
        let other = Bodies::open(&db).unwrap();
        assert_eq!(other.append(b"five").unwrap().offset, 12);
        assert_eq!(b.read(second).unwrap(), b"four");
        std::fs::OpenOptions::new()
            .write(true)
            .open(b.path())
            .unwrap()
            .set_len(10)
            .unwrap();
        let e = b.read(second).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(e.to_string().contains("truncated"), "{e}");
    }

    #[test]
    fn released_space_goes_back_and_live_bytes_stay() {
        let dir = tempfile::tempdir().unwrap();
        let b = Bodies::open(&dir.path().join("c.sqlite")).unwrap();
        let big = vec![7u8; 1 << 20];
        let spans: Vec<Span> = [&big[..], &big, &big, b"keep me"]
            .iter()
            .map(|m| b.append(m).unwrap())
            .collect();
        let blocks = || {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(b.path()).unwrap().blocks()
        };
        let before = blocks();
        b.release(&spans[..3]).unwrap();
        assert!(
            blocks() + 4096 <= before,
            "3 MiB released: {} -> {} blocks",
            before,
            blocks()
        );
        assert_eq!(b.len().unwrap(), 3 * (1 << 20) + 7, "the length stays");
        assert_eq!(b.read(spans[3]).unwrap(), b"keep me");
    }
}
