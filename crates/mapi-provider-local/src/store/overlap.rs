//! An import whose parsing and inserting overlap on two threads, with the result the
//! plain import gives (the same row ids, in the same order).
//!
//! The order a batch is inserted in comes from its messages' delivery times, which only
//! parsing gives. So the batch is ordered first from each message's `Date:` field alone
//! ([`mapi_mime::date_forecast`], cheap); then chunks of it, in that order, are parsed
//! by a helper thread and by the thread holding the connection, which inserts each
//! chunk as soon as it is parsed and parses the next free one while the chunk it needs
//! is not ready. A message whose parsed delivery time is not its forecast (a malformed
//! header block), or one that does not parse, stops the import before its commit: the
//! caller then imports the batch the plain way, which gives the answer.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::Connection;

use super::{Inserter, bulk_write, log_import, next_message_id};
use crate::mime::{self, Parsed};
use crate::schema;

/// Messages parsed, and then inserted, together.
const CHUNK: usize = 64;

/// Why an overlapped import stopped without its commit (nothing was written).
pub(super) enum Stop {
    /// SQLite failed.
    Sql(rusqlite::Error),
    /// A message did not parse, or its delivery time was not its forecast: the plain
    /// import gives the answer.
    Replan,
}

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Stop {
        Stop::Sql(e)
    }
}

/// Each message's forecast delivery time (FILETIME; `now` without a `Date:`), on two
/// threads.
pub(super) fn forecasts(messages: &[Vec<u8>], now: u64) -> Vec<u64> {
    let forecast = |chunk: &[Vec<u8>]| -> Vec<u64> {
        chunk
            .iter()
            .map(|raw| {
                mapi_mime::date_forecast(raw)
                    .map(mapi_types::filetime_from_unix)
                    .unwrap_or(now)
            })
            .collect()
    };
    let half = messages.len() / 2;
    let (mut first, second) = std::thread::scope(|s| {
        let second = s.spawn(|| forecast(&messages[half..]));
        (forecast(&messages[..half]), second.join())
    });
    match second {
        Ok(rest) => first.extend(rest),
        Err(_) => first.extend(forecast(&messages[half..])),
    }
    first
}

/// The chunks, what is parsed of them, and who parses next.
struct Shared<'a> {
    chunks: Vec<&'a [usize]>,
    messages: &'a [Vec<u8>],
    now: u64,
    /// Per chunk: `None` until parsed; then its messages, or `None` if one did not parse.
    slots: Mutex<Vec<Option<Option<Vec<Parsed<'a>>>>>>,
    ready: Condvar,
    /// The next chunk nobody parses yet.
    next: AtomicUsize,
    /// Set when the import is over (the helper stops).
    over: AtomicBool,
}

impl<'a> Shared<'a> {
    fn slots(&self) -> MutexGuard<'_, Vec<Option<Option<Vec<Parsed<'a>>>>>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Parses the next free chunk into its slot; false when there is none.
    fn parse_next(&self) -> bool {
        let j = self.next.fetch_add(1, Ordering::Relaxed);
        let Some(chunk) = self.chunks.get(j) else {
            return false;
        };
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let parser = mapi_mime::mapping_parser();
            chunk
                .iter()
                .map(|&i| mime::parse(parser, &self.messages[i], self.now).ok())
                .collect::<Option<Vec<_>>>()
        }))
        .ok()
        .flatten();
        self.slots()[j] = Some(parsed);
        self.ready.notify_all();
        true
    }

    /// The helper thread: parses free chunks until there are none or the import is over.
    fn help(&self) {
        while !self.over.load(Ordering::Relaxed) {
            if !self.parse_next() {
                break;
            }
        }
    }

    /// Chunk `k`'s messages (`None` if one did not parse), parsing free chunks while it
    /// is not ready.
    fn take(&self, k: usize) -> Option<Vec<Parsed<'a>>> {
        loop {
            if let Some(parsed) = self.slots()[k].take() {
                return parsed;
            }
            if !self.parse_next() {
                break;
            }
        }
        // Every chunk is taken: the helper is parsing this one.
        let mut slots = self.slots();
        loop {
            if let Some(parsed) = slots[k].take() {
                return parsed;
            }
            slots = self.ready.wait(slots).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Imports `messages` into `folder` in `order` (by `forecast`, the delivery time of
/// each): row ids `first..` in that order, all in one transaction as
/// [`bulk_write`] makes it. Returns each message's row id, by its index in the batch.
pub(super) fn import(
    conn: &mut Connection,
    folder: i64,
    messages: &[Vec<u8>],
    order: &[usize],
    forecast: &[u64],
    now: u64,
) -> Result<Vec<i64>, Stop> {
    let chunks: Vec<&[usize]> = order.chunks(CHUNK).collect();
    let shared = Shared {
        slots: Mutex::new((0..chunks.len()).map(|_| None).collect()),
        chunks,
        messages,
        now,
        ready: Condvar::new(),
        next: AtomicUsize::new(0),
        over: AtomicBool::new(false),
    };
    std::thread::scope(|s| {
        s.spawn(|| shared.help());
        let out = bulk_write(conn, |tx| -> Result<Vec<i64>, Stop> {
            tx.execute_batch(schema::SUSPEND_INSERT_TRIGGERS)?;
            let first = next_message_id(tx)?;
            let mut insert = Inserter::new(tx)?;
            let mut rows = vec![0; messages.len()];
            let mut id = first;
            for (k, chunk) in shared.chunks.iter().enumerate() {
                let parsed = shared.take(k).ok_or(Stop::Replan)?;
                for (p, &i) in parsed.iter().zip(chunk.iter()) {
                    if p.delivery_time != forecast[i] {
                        return Err(Stop::Replan);
                    }
                    insert.row(tx, folder, id, p, &messages[i])?;
                    rows[i] = id;
                    id += 1;
                }
            }
            drop(insert);
            log_import(tx, folder, first, messages.len())?;
            tx.execute_batch(schema::RESTORE_INSERT_TRIGGERS)?;
            Ok(rows)
        });
        shared.over.store(true, Ordering::Relaxed);
        out
    })
}
