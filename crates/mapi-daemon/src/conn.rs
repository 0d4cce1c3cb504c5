//! One client connection: the peer check, the handshake, a reader that runs each request
//! in its own task (prompt answers inline), a writer fed by a queue, and the cleanup
//! when the client goes away (its session handles are logged off; a shared session
//! stays for the others).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use mapi_proto::{
    FrameDecoder, Message, Notification, PromptKind, ProtoError, Request, RequestBody, Response,
    ResponseBody, ServerHandshake, UiAnswer,
};
use mapi_types::{LogoffFlags, MapiStatus, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::{mpsc, oneshot, watch};

use crate::dispatch;
use crate::error::DaemonError;
use crate::handles::Handle;
use crate::log::log;
use crate::remote_ui::AnswerKind;
use crate::server::DaemonState;
use crate::staging::Staging;

/// How long a client has to send its `Hello`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Frames queued for one client before senders wait (and before an event finding the
/// queue full drops the client: it stopped reading).
pub(crate) const OUT_QUEUE: usize = 1024;

/// Bytes queued for one client past which an advise event drops it (16 MiB): with
/// [`OUT_QUEUE`], what a client that stopped reading can make the daemon hold.
pub(crate) const OUT_QUEUE_BYTES: usize = 16 * 1024 * 1024;

struct Handles {
    map: HashMap<u64, Arc<Handle>>,
    /// Set when the connection is being torn down: no new handle may be added.
    closed: bool,
}

/// What the daemon keeps about one connected client.
pub(crate) struct ConnState {
    pub id: u64,
    pub client_pid: u32,
    pub program: String,
    out: mpsc::Sender<Vec<u8>>,
    /// Bytes in `out` not yet written.
    queued: Arc<AtomicUsize>,
    handles: Mutex<Handles>,
    next_handle: AtomicU64,
    prompts: Mutex<HashMap<u64, (AnswerKind, oneshot::Sender<UiAnswer>)>>,
    next_prompt: AtomicU64,
    close: watch::Sender<bool>,
    /// Set when the client is dropped for not reading: the writer stops at once and
    /// what is queued is freed.
    abort: watch::Sender<bool>,
    /// Import batches sent in parts (`ImportPart`).
    staged: Mutex<Staging>,
}

impl ConnState {
    fn handles(&self) -> MutexGuard<'_, Handles> {
        self.handles.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn prompts(&self) -> MutexGuard<'_, HashMap<u64, (AnswerKind, oneshot::Sender<UiAnswer>)>> {
        self.prompts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection's staged import batches.
    pub(crate) fn staging(&self) -> MutexGuard<'_, Staging> {
        self.staged.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a message for the client (dropped if the client is gone).
    pub(crate) async fn send(&self, msg: impl Into<Message>) {
        if let Some(frame) = frame_of(msg.into()) {
            let n = frame.len();
            self.queued.fetch_add(n, Ordering::Relaxed);
            if self.out.send(frame).await.is_err() {
                self.queued.fetch_sub(n, Ordering::Relaxed);
            }
        }
    }

    /// Queues without waiting; dropped when the queue is full.
    pub(crate) fn try_send(&self, msg: impl Into<Message>) {
        if let Some(frame) = frame_of(msg.into()) {
            let n = frame.len();
            self.queued.fetch_add(n, Ordering::Relaxed);
            if self.out.try_send(frame).is_err() {
                self.queued.fetch_sub(n, Ordering::Relaxed);
            }
        }
    }

    /// Queues an advise event without waiting (called on the engine's notification
    /// thread). A full queue means the client stopped reading: it is dropped.
    pub(crate) fn push_event(&self, n: Notification) {
        let Some(frame) = frame_of(Message::Notification(n)) else {
            return;
        };
        let n = frame.len();
        if self.queued.fetch_add(n, Ordering::Relaxed) + n > OUT_QUEUE_BYTES {
            self.queued.fetch_sub(n, Ordering::Relaxed);
            self.overflow();
            return;
        }
        let r = self.out.try_send(frame);
        if r.is_err() {
            self.queued.fetch_sub(n, Ordering::Relaxed);
        }
        match r {
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
            Err(mpsc::error::TrySendError::Full(_)) => self.overflow(),
        }
    }

    /// Drops a client whose outgoing queue is full (it stopped reading): one log line,
    /// the writer stops and its queue is freed, the reader ends and the client's
    /// handles are logged off.
    pub(crate) fn overflow(&self) {
        if self.abort.send_replace(true) {
            return;
        }
        log(format!(
            "client pid {} ({}) stopped reading ({} bytes wait for it, at most {OUT_QUEUE} \
             messages or {OUT_QUEUE_BYTES} bytes): disconnecting it and dropping its queue",
            self.client_pid,
            self.program,
            self.queued.load(Ordering::Relaxed)
        ));
        let _ = self.close.send(true);
    }

    /// Registers a prompt; `None` when the connection is closing.
    pub(crate) fn open_prompt(
        &self,
        kind: &PromptKind,
    ) -> Option<(u64, oneshot::Receiver<UiAnswer>)> {
        if self.handles().closed {
            return None;
        }
        let id = self.next_prompt.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.prompts().insert(id, (AnswerKind::of(kind), tx));
        Some((id, rx))
    }

    pub(crate) fn forget_prompt(&self, id: u64) {
        self.prompts().remove(&id);
    }

    fn answer_prompt(&self, id: u64, answer: UiAnswer) -> Result<(), DaemonError> {
        let mut prompts = self.prompts();
        let Some((kind, _)) = prompts.get(&id) else {
            return Err(DaemonError::NoSuchPrompt(id));
        };
        if !kind.fits(&answer) {
            return Err(DaemonError::WrongAnswer(id));
        }
        if let Some((_, tx)) = prompts.remove(&id) {
            let _ = tx.send(answer);
        }
        Ok(())
    }

    /// Adds a handle for a new logon; `None` (and the caller logs it off) when the
    /// client is already gone.
    pub(crate) fn add_handle(
        &self,
        session: mapi_engine::Session,
    ) -> Result<Arc<Handle>, mapi_engine::Session> {
        let mut h = self.handles();
        if h.closed {
            return Err(session);
        }
        let wire = self.next_handle.fetch_add(1, Ordering::Relaxed);
        let handle = Handle::new(wire, session);
        h.map.insert(wire, handle.clone());
        Ok(handle)
    }

    /// The handle `wire`, or why not.
    pub(crate) fn handle(&self, wire: u64) -> Result<Arc<Handle>, DaemonError> {
        let h = self.handles();
        match h.map.get(&wire) {
            Some(x) => Ok(x.clone()),
            None if wire >= 1 && wire < self.next_handle.load(Ordering::Relaxed) => Err(
                DaemonError::SessionEnded("this session handle has logged off".into()),
            ),
            None => Err(DaemonError::NoSuchSession(wire)),
        }
    }

    pub(crate) fn remove_handle(&self, wire: u64) {
        self.handles().map.remove(&wire);
    }

    /// Every handle still in use on this connection.
    pub(crate) fn all_handles(&self) -> Vec<Arc<Handle>> {
        self.handles().map.values().cloned().collect()
    }

    /// Ends every session handle of this client (daemon shutdown): tells the client,
    /// then logs the handles off.
    pub(crate) async fn end_sessions(&self, reason: &str) {
        let handles: Vec<Arc<Handle>> = {
            let mut h = self.handles();
            h.closed = true;
            h.map.drain().map(|(_, v)| v).collect()
        };
        for h in &handles {
            if h.mark_ended(reason) {
                for e in h.advised.shutdown_events(h.wire, reason) {
                    self.send(e).await;
                }
                self.send(Notification::SessionEnded {
                    session: h.wire,
                    reason: reason.to_string(),
                })
                .await;
            }
        }
        for h in handles {
            h.logoff(LogoffFlags::default()).await;
        }
    }

    /// Asks the reader and writer to stop (the writer sends what is queued first).
    pub(crate) fn close(&self) {
        let _ = self.close.send(true);
    }
}

fn frame_of(msg: Message) -> Option<Vec<u8>> {
    match msg.to_frame() {
        Ok(f) => Some(f),
        // Too big to send: answer the request with the reason instead.
        Err(e) => match msg {
            Message::Response(r) => Message::Response(Response::from_proto_error(r.id, &e))
                .to_frame()
                .ok(),
            _ => None,
        },
    }
}

async fn write_frame(wr: &mut OwnedWriteHalf, msg: &Message) {
    if let Some(f) = frame_of(msg.clone()) {
        let _ = wr.write_all(&f).await;
    }
}

/// Reads one message (handshake phase); `None` at end of stream or on timeout.
async fn first_message(
    rd: &mut OwnedReadHalf,
    dec: &mut FrameDecoder,
) -> Option<Result<Message, ProtoError>> {
    let mut buf = [0u8; 4096];
    loop {
        match dec.next_frame() {
            Ok(Some(f)) => return Some(Message::decode(&f)),
            Ok(None) => {}
            Err(e) => return Some(Err(e)),
        }
        match rd.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => dec.push(&buf[..n]),
        }
    }
}

/// Sends a refusal, then waits (briefly) for the client to close, so it can read it.
async fn refuse(mut rd: OwnedReadHalf, mut wr: OwnedWriteHalf, msg: Message) {
    write_frame(&mut wr, &msg).await;
    let _ = wr.shutdown().await;
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(n) = rd.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
}

/// Serves one accepted connection to its end.
pub(crate) async fn serve(state: Arc<DaemonState>, stream: UnixStream) {
    let peer = stream.peer_cred();
    let (mut rd, mut wr) = stream.into_split();
    let mut hs = ServerHandshake::new(state.pid);
    match peer {
        Ok(c) if c.uid() == state.uid => {}
        other => {
            let who = match &other {
                Ok(c) => format!("uid {}", c.uid()),
                Err(e) => format!("an unidentifiable peer ({e})"),
            };
            log(format!(
                "refused a connection from {who}: not this daemon's user (uid {})",
                state.uid
            ));
            let msg = hs.refuse(
                Status::MAPI_E_NO_ACCESS,
                format!(
                    "this MAPI daemon serves uid {} only and the connecting process is {who}; \
                     each user runs their own mapid",
                    state.uid
                ),
            );
            refuse(rd, wr, msg).await;
            return;
        }
    }
    let mut dec = FrameDecoder::new();
    let hello =
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, first_message(&mut rd, &mut dec)).await {
            Ok(Some(Ok(m))) => {
                let step = hs.receive(&m);
                match step.outcome {
                    Ok(h) => {
                        write_frame(&mut wr, &step.reply).await;
                        h
                    }
                    Err(e) => {
                        log(format!("refused a handshake: {e}"));
                        refuse(rd, wr, step.reply).await;
                        return;
                    }
                }
            }
            Ok(Some(Err(e))) => {
                let msg = hs.refusal(&e);
                refuse(rd, wr, msg).await;
                return;
            }
            Ok(None) | Err(_) => return,
        };
    if state.is_draining() {
        let msg = hs.refuse(
            Status::MAPI_E_END_OF_SESSION,
            DaemonError::ShuttingDown.message(),
        );
        refuse(rd, wr, msg).await;
        return;
    }
    let (out, out_rx) = mpsc::channel(OUT_QUEUE);
    let queued = Arc::new(AtomicUsize::new(0));
    let conn = Arc::new(ConnState {
        queued: queued.clone(),
        id: state.next_conn.fetch_add(1, Ordering::Relaxed),
        client_pid: hello.client_pid,
        program: hello.program.clone(),
        out,
        handles: Mutex::new(Handles {
            map: HashMap::new(),
            closed: false,
        }),
        next_handle: AtomicU64::new(1),
        prompts: Mutex::new(HashMap::new()),
        next_prompt: AtomicU64::new(1),
        staged: Mutex::new(Staging::default()),
        close: watch::channel(false).0,
        abort: watch::channel(false).0,
    });
    state.add_conn(conn.clone());
    let writer = tokio::spawn(write_loop(
        wr,
        out_rx,
        queued,
        conn.close.subscribe(),
        conn.abort.subscribe(),
    ));
    read_loop(&state, &conn, rd, dec).await;

    // The client is gone (or the daemon closes it): log its handles off.
    let handles: Vec<Arc<Handle>> = {
        let mut h = conn.handles();
        h.closed = true;
        h.map.drain().map(|(_, v)| v).collect()
    };
    conn.prompts().clear();
    let n = handles.len();
    for h in handles {
        h.logoff(LogoffFlags::default()).await;
    }
    state.remove_conn(conn.id);
    if n > 0 {
        log(format!(
            "client pid {} ({}) disconnected; logged off {n} session handle(s)",
            conn.client_pid, conn.program
        ));
    }
    conn.close();
    let _ = writer.await;
}

async fn read_loop(
    state: &Arc<DaemonState>,
    conn: &Arc<ConnState>,
    mut rd: OwnedReadHalf,
    mut dec: FrameDecoder,
) {
    let mut close = conn.close.subscribe();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // Whole frames first.
        loop {
            match dec.next_frame() {
                Ok(Some(frame)) => {
                    if !on_frame(state, conn, &frame).await {
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    conn.send(Response::from_proto_error(mapi_proto::HANDSHAKE_ID, &e))
                        .await;
                    return;
                }
            }
        }
        tokio::select! {
            _ = close.wait_for(|c| *c) => return,
            r = rd.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => dec.push(&buf[..n]),
            },
        }
    }
}

/// Handles one frame; false to close the connection.
async fn on_frame(state: &Arc<DaemonState>, conn: &Arc<ConnState>, frame: &[u8]) -> bool {
    let req = match Message::decode(frame) {
        Ok(Message::Request(r)) => r,
        Ok(other) => {
            let e = ProtoError::UnexpectedMessage {
                expected: "Request",
                got: other.name(),
            };
            conn.send(Response::from_proto_error(mapi_proto::HANDSHAKE_ID, &e))
                .await;
            return false;
        }
        Err(e) => {
            return match e.request_id() {
                // An unknown request kind: answer it, keep the connection.
                Some(id) => {
                    conn.send(Response::from_proto_error(id, &e)).await;
                    true
                }
                None => {
                    conn.send(Response::from_proto_error(mapi_proto::HANDSHAKE_ID, &e))
                        .await;
                    false
                }
            };
        }
    };
    let Request { id, body } = req;
    match body {
        RequestBody::UiReply { prompt_id, answer } => {
            let r = match conn.answer_prompt(prompt_id, answer) {
                Ok(()) => Response {
                    id,
                    body: ResponseBody::Done,
                },
                Err(e) => error_response(id, &e),
            };
            conn.send(r).await;
        }
        _ if state.is_draining() => {
            conn.send(error_response(id, &DaemonError::ShuttingDown))
                .await;
        }
        body => {
            let guard = state.begin_request();
            let state = state.clone();
            let conn = conn.clone();
            tokio::spawn(async move {
                let _guard = guard;
                let (r, after) = dispatch::run(&state, &conn, id, body).await;
                conn.send(r).await;
                if let Some(a) = after {
                    a.run(conn.clone());
                }
            });
        }
    }
    true
}

/// The error response for `err`.
pub(crate) fn error_response(id: u32, err: &DaemonError) -> Response {
    Response {
        id,
        body: ResponseBody::Error {
            status: err.status(),
            message: err.message(),
        },
    }
}

async fn write_loop(
    wr: OwnedWriteHalf,
    mut rx: mpsc::Receiver<Vec<u8>>,
    queued: Arc<AtomicUsize>,
    mut close: watch::Receiver<bool>,
    mut abort: watch::Receiver<bool>,
) {
    let mut wr = BufWriter::new(wr);
    let written = |n: usize| queued.fetch_sub(n, Ordering::Relaxed);
    loop {
        let frame = tokio::select! {
            f = rx.recv() => f,
            _ = close.wait_for(|c| *c) => None,
        };
        let Some(frame) = frame else { break };
        let write = async {
            let mut ok = wr.write_all(&frame).await.is_ok();
            written(frame.len());
            while ok && let Ok(more) = rx.try_recv() {
                ok = wr.write_all(&more).await.is_ok();
                written(more.len());
            }
            ok && wr.flush().await.is_ok()
        };
        // A client that stopped reading blocks the write: stop when it is dropped.
        let ok = tokio::select! {
            ok = write => ok,
            _ = abort.wait_for(|a| *a) => false,
        };
        if !ok {
            return;
        }
    }
    if *abort.borrow() {
        return;
    }
    // Closing: send what is still queued, then end the stream.
    let rest = async {
        while let Ok(more) = rx.try_recv() {
            if wr.write_all(&more).await.is_err() {
                return;
            }
        }
        let _ = wr.flush().await;
        let _ = wr.shutdown().await;
    };
    tokio::select! {
        _ = rest => {}
        _ = abort.wait_for(|a| *a) => {}
    }
}
