//! [`Connection`]: one handshaken connection to the daemon. A writer task sends frames
//! queued by any caller; a reader task hands each response to the call waiting for it
//! (by request id), routes prompts to the logon that caused them, and broadcasts
//! notifications. When the daemon goes away every waiting and later call fails with
//! `MAPI_E_END_OF_SESSION`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mapi_proto::{
    ClientHandshake, FrameDecoder, Message, Notification, PROTOCOL_VERSION, PromptKind, Request,
    RequestBody, ResponseBody, SessionInfo,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::error::{ClientError, Result};

/// How long the daemon may take to answer the `Hello`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Notifications buffered per subscriber before the oldest are dropped.
const EVENT_BUFFER: usize = 256;

/// A prompt routed to the logon that caused it: (prompt id, what to ask).
pub(crate) type PromptTx = mpsc::UnboundedSender<(u64, PromptKind)>;

/// Per-session state the reader updates.
#[derive(Default)]
pub(crate) struct SessionState {
    /// Why the session ended under this client, once it has.
    pub ended: Mutex<Option<String>>,
}

impl SessionState {
    pub(crate) fn ended(&self) -> Option<String> {
        self.ended.lock().ok().and_then(|e| e.clone())
    }

    pub(crate) fn end(&self, reason: &str) {
        if let Ok(mut e) = self.ended.lock()
            && e.is_none()
        {
            *e = Some(reason.to_string());
        }
    }
}

#[derive(Default)]
struct State {
    pending: HashMap<u32, oneshot::Sender<ResponseBody>>,
    prompts: HashMap<u32, PromptTx>,
    sessions: HashMap<u64, Arc<SessionState>>,
    dead: Option<String>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    /// The advise sinks and the thread that calls them.
    pub(crate) sinks: Arc<crate::events::Sinks>,
    events: broadcast::Sender<Notification>,
    next_id: AtomicU32,
    /// The writer's queue, weakly: the reader answers orphan prompts through it, but
    /// must not keep the connection open.
    tx: mpsc::WeakUnboundedSender<Vec<u8>>,
}

impl Shared {
    fn next_id(&self) -> u32 {
        loop {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            if id != mapi_proto::HANDSHAKE_ID {
                return id;
            }
        }
    }

    /// Answers a prompt whose logon is no longer waiting: the daemon must not wait for
    /// it (it holds the logon mutex meanwhile).
    fn cancel_prompt(&self, prompt_id: u64) {
        let body = RequestBody::UiReply {
            prompt_id,
            answer: mapi_proto::UiAnswer::Cancel,
        };
        if let (Some(tx), Ok(frame)) = (
            self.tx.upgrade(),
            Message::Request(Request {
                id: self.next_id(),
                body,
            })
            .to_frame(),
        ) {
            let _ = tx.send(frame);
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks the link dead: every waiting call fails, every session ends.
    fn die(&self, reason: &str) {
        let sessions = {
            let mut st = self.lock();
            if st.dead.is_some() {
                return;
            }
            st.dead = Some(reason.to_string());
            st.pending.clear();
            st.prompts.clear();
            // Kept: a logon whose answer was read but not yet taken still finds its
            // session's state (and how it ended) here.
            st.sessions.clone()
        };
        let open: Vec<u64> = sessions
            .iter()
            .filter(|(_, s)| s.ended().is_none())
            .map(|(id, _)| *id)
            .collect();
        self.sinks.link_died(&open, reason);
        for (id, s) in sessions {
            if s.ended().is_none() {
                s.end(reason);
                let _ = self.events.send(Notification::SessionEnded {
                    session: id,
                    reason: reason.to_string(),
                });
            }
        }
    }
}

struct Inner {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    shared: Arc<Shared>,
    daemon_pid: u32,
    socket: PathBuf,
    program: String,
}

/// A connection to the daemon. Cheap to clone; clones share the connection, which
/// closes when the last clone (and every [`crate::RemoteSession`] on it) is dropped.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("socket", &self.inner.socket)
            .field("daemon_pid", &self.inner.daemon_pid)
            .finish()
    }
}

fn is_absent(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
    )
}

impl Connection {
    /// Connects to the daemon at `socket` and runs the handshake. `Ok(None)` when no
    /// daemon listens there (no socket file, or a stale one). Never starts a daemon.
    pub async fn open(socket: &Path, program: &str) -> Result<Option<Connection>> {
        Connection::open_with_version(socket, program, PROTOCOL_VERSION).await
    }

    /// [`Connection::open`] announcing another protocol version (for tests and probes:
    /// a daemon of another version refuses with `MAPI_E_VERSION` naming both).
    pub async fn open_with_version(
        socket: &Path,
        program: &str,
        version: u32,
    ) -> Result<Option<Connection>> {
        let stream = match UnixStream::connect(socket).await {
            Ok(s) => s,
            Err(e) if is_absent(&e) => return Ok(None),
            Err(source) => {
                return Err(ClientError::Connect {
                    path: socket.to_path_buf(),
                    source,
                });
            }
        };
        let (mut rd, mut wr) = stream.into_split();
        let mut decoder = FrameDecoder::new();
        let (mut hs, hello) =
            ClientHandshake::start_with_version(version, std::process::id(), program);
        // A daemon refusing us may close right after its answer: read it even when
        // sending the Hello failed.
        let sent = wr.write_all(&hello.to_frame()?).await;
        let first = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_message(&mut rd, &mut decoder))
            .await
            .map_err(|_| ClientError::Disconnected {
                reason: format!(
                    "the daemon did not answer the handshake within {} s",
                    HANDSHAKE_TIMEOUT.as_secs()
                ),
            })?;
        let welcome = match first {
            Ok(Some(msg)) => hs.receive(&msg)?,
            Ok(None) => {
                return Err(ClientError::Disconnected {
                    reason: match sent {
                        Err(e) => {
                            format!("the daemon closed the connection during the handshake ({e})")
                        }
                        Ok(()) => "the daemon closed the connection during the handshake".into(),
                    },
                });
            }
            Err(e) => return Err(e),
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            sinks: Arc::default(),
            events: broadcast::channel(EVENT_BUFFER).0,
            next_id: AtomicU32::new(1),
            tx: tx.downgrade(),
        });
        tokio::spawn(write_loop(wr, rx, shared.clone()));
        tokio::spawn(read_loop(rd, decoder, shared.clone()));
        Ok(Some(Connection {
            inner: Arc::new(Inner {
                tx,
                shared,
                daemon_pid: welcome.server_pid,
                socket: socket.to_path_buf(),
                program: program.to_string(),
            }),
        }))
    }

    /// The daemon's process id (from its `Welcome`).
    pub fn daemon_pid(&self) -> u32 {
        self.inner.daemon_pid
    }

    /// The socket this connection uses.
    pub fn socket(&self) -> &Path {
        &self.inner.socket
    }

    /// The program name sent to the daemon.
    pub(crate) fn program(&self) -> &str {
        &self.inner.program
    }

    /// Whether the connection still works (`false` once the daemon went away).
    pub fn is_alive(&self) -> bool {
        self.inner.shared.lock().dead.is_none()
    }

    /// Every notification the daemon sends on this connection (for all its sessions),
    /// plus a `SessionEnded` per live session when the connection is lost.
    pub fn subscribe(&self) -> broadcast::Receiver<Notification> {
        self.inner.shared.events.subscribe()
    }

    /// `Ping`: a round trip to the daemon.
    pub async fn ping(&self) -> Result<()> {
        match self.call(RequestBody::Ping).await? {
            ResponseBody::Pong => Ok(()),
            other => Err(unexpected("Ping", &other)),
        }
    }

    /// The daemon's live sessions (profile, clients, since, services, shared).
    pub async fn list_sessions(&self) -> Result<Vec<SessionInfo>> {
        match self.call(RequestBody::ListSessions).await? {
            ResponseBody::Sessions(list) => Ok(list),
            other => Err(unexpected("ListSessions", &other)),
        }
    }

    /// Asks the daemon to shut down: it stops accepting, lets requests in flight finish,
    /// logs every session off, removes its socket and exits.
    pub async fn shutdown_daemon(&self) -> Result<()> {
        match self.call(RequestBody::Shutdown).await? {
            ResponseBody::Done => Ok(()),
            other => Err(unexpected("Shutdown", &other)),
        }
    }

    fn next_id(&self) -> u32 {
        self.inner.shared.next_id()
    }

    fn dead_error(reason: &str) -> ClientError {
        ClientError::Disconnected {
            reason: reason.to_string(),
        }
    }

    /// Registers a waiter (and optionally a prompt route) for a new request id.
    pub(crate) fn register(
        &self,
        prompts: Option<PromptTx>,
    ) -> Result<(u32, oneshot::Receiver<ResponseBody>)> {
        let id = self.next_id();
        let (tx, rx) = oneshot::channel();
        let mut st = self.inner.shared.lock();
        if let Some(r) = &st.dead {
            return Err(Connection::dead_error(r));
        }
        st.pending.insert(id, tx);
        if let Some(p) = prompts {
            st.prompts.insert(id, p);
        }
        Ok((id, rx))
    }

    pub(crate) fn unregister(&self, id: u32) {
        let mut st = self.inner.shared.lock();
        st.pending.remove(&id);
        st.prompts.remove(&id);
    }

    /// Queues a request frame.
    pub(crate) fn send(&self, id: u32, body: RequestBody) -> Result<()> {
        let frame = match Message::Request(Request { id, body }).to_frame() {
            Ok(f) => f,
            Err(e) => {
                self.unregister(id);
                return Err(e.into());
            }
        };
        self.inner.tx.send(frame).map_err(|_| {
            self.unregister(id);
            Connection::dead_error(&self.dead_reason())
        })
    }

    /// Sends a request nobody waits for (a prompt answer, a logoff from `Drop`).
    pub(crate) fn send_unanswered(&self, body: RequestBody) {
        let id = self.next_id();
        if let Ok(frame) = Message::Request(Request { id, body }).to_frame() {
            let _ = self.inner.tx.send(frame);
        }
    }

    pub(crate) fn dead_reason(&self) -> String {
        self.inner
            .shared
            .lock()
            .dead
            .clone()
            .unwrap_or_else(|| "the connection was closed".into())
    }

    /// Waits for the answer to request `id`; a daemon error becomes [`ClientError::Daemon`].
    pub(crate) async fn wait(&self, rx: oneshot::Receiver<ResponseBody>) -> Result<ResponseBody> {
        match rx.await {
            Ok(ResponseBody::Error { status, message }) => {
                Err(ClientError::Daemon { status, message })
            }
            Ok(body) => Ok(body),
            Err(_) => Err(Connection::dead_error(&self.dead_reason())),
        }
    }

    /// One request, one answer.
    pub(crate) async fn call(&self, body: RequestBody) -> Result<ResponseBody> {
        let (id, rx) = self.register(None)?;
        self.send(id, body)?;
        self.wait(rx).await
    }

    /// The state of a session the daemon gave this connection (tracked by the reader
    /// from the moment the logon's answer arrived).
    pub(crate) fn track(&self, session: u64) -> Arc<SessionState> {
        let mut st = self.inner.shared.lock();
        let dead = st.dead.clone();
        let state = st.sessions.entry(session).or_default().clone();
        if let Some(r) = dead {
            state.end(&r);
        }
        state
    }

    pub(crate) fn untrack(&self, session: u64) {
        self.inner.shared.lock().sessions.remove(&session);
        self.inner.shared.sinks.release(session);
    }

    /// The connection's advise sinks.
    pub(crate) fn sinks(&self) -> &Arc<crate::events::Sinks> {
        &self.inner.shared.sinks
    }
}

pub(crate) fn unexpected(request: &'static str, got: &ResponseBody) -> ClientError {
    ClientError::UnexpectedReply {
        request,
        got: got.name(),
    }
}

/// Reads until one whole message; `Ok(None)` at a clean end of stream.
async fn read_message(
    rd: &mut OwnedReadHalf,
    decoder: &mut FrameDecoder,
) -> Result<Option<Message>> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if let Some(frame) = decoder.next_frame()? {
            return Ok(Some(Message::decode(&frame)?));
        }
        let n = rd
            .read(&mut buf)
            .await
            .map_err(|e| ClientError::Disconnected {
                reason: format!("reading from the daemon failed: {e}"),
            })?;
        if n == 0 {
            decoder.finish()?;
            return Ok(None);
        }
        decoder.push(&buf[..n]);
    }
}

async fn write_loop(
    wr: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    shared: Arc<Shared>,
) {
    let mut wr = BufWriter::new(wr);
    while let Some(frame) = rx.recv().await {
        let mut res = wr.write_all(&frame).await;
        while res.is_ok() {
            match rx.try_recv() {
                Ok(more) => res = wr.write_all(&more).await,
                Err(_) => break,
            }
        }
        if let Err(e) = res.and(wr.flush().await) {
            shared.die(&format!("writing to the daemon failed: {e}"));
            return;
        }
    }
    // Every sender is gone: the connection is no longer used.
    let _ = wr.shutdown().await;
}

async fn read_loop(mut rd: OwnedReadHalf, mut decoder: FrameDecoder, shared: Arc<Shared>) {
    let reason = loop {
        match read_message(&mut rd, &mut decoder).await {
            Ok(Some(msg)) => dispatch(&shared, msg),
            Ok(None) => break "the daemon closed the connection".to_string(),
            Err(e) => break e.to_string(),
        }
    };
    shared.die(&reason);
}

fn dispatch(shared: &Shared, msg: Message) {
    match msg {
        Message::Response(r) => {
            let mut st = shared.lock();
            // Track a new session before anything else is read: a `SessionEnded` for it
            // may follow right behind.
            if let ResponseBody::LoggedOn { session, .. } = &r.body {
                st.sessions.entry(*session).or_default();
            }
            let waiter = st.pending.remove(&r.id);
            drop(st);
            // File an Advise's sink before reading on: its events may follow at once.
            if shared.sinks.is_pending(r.id) {
                let conn = match &r.body {
                    ResponseBody::Advised(c) => Some(*c),
                    _ => None,
                };
                shared.sinks.answered(r.id, conn);
            }
            if let Some(w) = waiter {
                let _ = w.send(r.body);
            }
        }
        Message::Notification(Notification::Prompt {
            prompt_id,
            request,
            kind,
        }) => {
            let route = shared.lock().prompts.get(&request).cloned();
            // A prompt whose logon stopped waiting (its future was dropped): cancel it.
            let delivered = route.is_some_and(|r| r.send((prompt_id, kind)).is_ok());
            if !delivered {
                shared.cancel_prompt(prompt_id);
            }
        }
        Message::Notification(Notification::Event {
            session,
            conn,
            notifications,
        }) => shared.sinks.event(session, conn, notifications),
        Message::Notification(n) => {
            if let Notification::SessionEnded { session, reason } = &n {
                let state = shared.lock().sessions.get(session).cloned();
                if let Some(s) = state {
                    s.end(reason);
                }
                shared.sinks.release(*session);
            }
            let _ = shared.events.send(n);
        }
        // Hello / Welcome / Request from a daemon: ignore (the handshake is over).
        Message::Hello(_) | Message::Welcome(_) | Message::Request(_) => {}
    }
}
