//! Advise sinks of one connection and the thread that calls them.
//!
//! The reader task never calls a sink: it puts each pushed `Event` on the queue of a
//! library-owned thread ("mapi-client-notify", started by the first Advise), which
//! calls the sinks one at a time in the order the daemon sent the events, so events of
//! one object come in order. No lock of the link is held during a call: a sink may
//! call back over the same connection (QueryRows, Unadvise, Advise); the reader keeps
//! reading meanwhile, which is why the queue is not bounded here (the daemon bounds
//! what it sends a client that stops reading).
//!
//! A sink is known by (session handle, connection number). The reader files it under
//! its number when the `Advised` answer arrives, before any later frame is read, so no
//! event for it is missed. After `forget` returns the sink is not called again; called
//! from another thread while the sink runs, it waits for that call to return.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::ThreadId;

use mapi_types::Notification as MapiNotification;
use mapi_types::notify::{EXT_SESSION_SHUTDOWN, ExtendedInfo};
use tokio::sync::watch;

/// An advise sink (`IMAPIAdviseSink::OnNotify`): the notifications of one event, in
/// the order they happened.
pub type EventSink = Arc<dyn Fn(&[MapiNotification]) + Send + Sync>;

/// (session handle, connection number).
type Key = (u64, u32);

struct Reg {
    sink: EventSink,
    /// A session registration with `fnevExtended`: told of shutdown when the link dies.
    shutdown: bool,
}

#[derive(Default)]
struct Regs {
    /// Sinks waiting for their `Advised` answer, by request id.
    pending: HashMap<u32, (u64, Arc<Reg>)>,
    active: HashMap<Key, Arc<Reg>>,
}

enum Job {
    Event(u64, u32, Vec<MapiNotification>),
    /// The session ended: drop its sinks (after the events before it).
    Release(u64),
    /// The link died: tell the shutdown sinks, then drop every sink of the session.
    Shutdown(u64, String),
}

/// The sinks of one connection.
pub(crate) struct Sinks {
    regs: Mutex<Regs>,
    /// The registration being called, if any.
    current: watch::Sender<Option<Key>>,
    queue: Mutex<Option<Sender<Job>>>,
    thread: OnceLock<ThreadId>,
}

impl Default for Sinks {
    fn default() -> Sinks {
        Sinks {
            regs: Mutex::default(),
            current: watch::channel(None).0,
            queue: Mutex::new(None),
            thread: OnceLock::new(),
        }
    }
}

impl Sinks {
    fn regs(&self) -> MutexGuard<'_, Regs> {
        self.regs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A sink for the `Advise` request `id` on `session`, filed when its answer comes.
    /// Starts the calling thread on first use.
    pub(crate) fn expect(
        self: &Arc<Sinks>,
        id: u32,
        session: u64,
        sink: EventSink,
        shutdown: bool,
    ) -> std::io::Result<()> {
        self.start()?;
        self.regs()
            .pending
            .insert(id, (session, Arc::new(Reg { sink, shutdown })));
        Ok(())
    }

    /// The answer to request `id` came: file its sink under `conn`, or drop it (`None`:
    /// an error, or the request was abandoned).
    pub(crate) fn answered(&self, id: u32, conn: Option<u32>) {
        let mut regs = self.regs();
        if let Some((session, reg)) = regs.pending.remove(&id)
            && let Some(c) = conn
        {
            regs.active.insert((session, c), reg);
        }
    }

    /// Whether request `id` is an `Advise` waiting for its answer.
    pub(crate) fn is_pending(&self, id: u32) -> bool {
        self.regs().pending.contains_key(&id)
    }

    fn send(&self, job: Job) {
        if let Some(q) = self
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            let _ = q.send(job);
        }
    }

    /// An `Event` the daemon pushed.
    pub(crate) fn event(&self, session: u64, conn: u32, notifications: Vec<MapiNotification>) {
        self.send(Job::Event(session, conn, notifications));
    }

    /// The session ended at the daemon: its sinks go once the events before are called.
    pub(crate) fn release(&self, session: u64) {
        self.send(Job::Release(session));
    }

    /// The link died: session-shutdown to the sinks that asked for it, then release.
    pub(crate) fn link_died(&self, sessions: &[u64], reason: &str) {
        for s in sessions {
            self.send(Job::Shutdown(*s, reason.to_string()));
        }
    }

    /// Drops the sink `(session, conn)`; false when there is none. After it returns the
    /// sink is not called again (this waits for a call in progress, unless called from
    /// inside a sink).
    pub(crate) async fn forget(&self, session: u64, conn: u32) -> bool {
        let key = (session, conn);
        if self.regs().active.remove(&key).is_none() {
            return false;
        }
        if self.thread.get() != Some(&std::thread::current().id()) {
            let mut rx = self.current.subscribe();
            let _ = rx.wait_for(|c| *c != Some(key)).await;
        }
        true
    }

    /// Drops the sink `(session, conn)` without waiting for a call in progress.
    pub(crate) fn drop_now(&self, session: u64, conn: u32) {
        self.regs().active.remove(&(session, conn));
    }

    fn start(self: &Arc<Sinks>) -> std::io::Result<()> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.is_some() {
            return Ok(());
        }
        let (tx, rx) = channel();
        let me = Arc::downgrade(self);
        let handle = std::thread::Builder::new()
            .name("mapi-client-notify".into())
            .spawn(move || run(me, rx))?;
        let _ = self.thread.set(handle.thread().id());
        *q = Some(tx);
        Ok(())
    }

    fn call(&self, key: Key, notifications: &[MapiNotification]) {
        let reg = {
            let regs = self.regs();
            let Some(r) = regs.active.get(&key).cloned() else {
                return;
            };
            self.current.send_replace(Some(key));
            r
        };
        let r =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (reg.sink)(notifications)));
        self.current.send_replace(None);
        if r.is_err() {
            // A panicking sink must not stop the others.
            self.regs().active.remove(&key);
        }
    }

    fn release_now(&self, session: u64) {
        self.regs().active.retain(|(s, _), _| *s != session);
    }
}

fn run(sinks: std::sync::Weak<Sinks>, rx: Receiver<Job>) {
    while let Ok(job) = rx.recv() {
        let Some(s) = sinks.upgrade() else { return };
        match job {
            Job::Event(session, conn, n) => s.call((session, conn), &n),
            Job::Release(session) => s.release_now(session),
            Job::Shutdown(session, reason) => {
                let keys: Vec<Key> = {
                    let regs = s.regs();
                    let mut k: Vec<Key> = regs
                        .active
                        .iter()
                        .filter(|(k, r)| k.0 == session && r.shutdown)
                        .map(|(k, _)| *k)
                        .collect();
                    k.sort_unstable();
                    k
                };
                let n = [MapiNotification::Extended(ExtendedInfo {
                    event: EXT_SESSION_SHUTDOWN,
                    params: reason.as_bytes().to_vec(),
                })];
                for k in keys {
                    s.call(k, &n);
                }
                s.release_now(session);
            }
        }
    }
}
