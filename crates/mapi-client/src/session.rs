//! [`RemoteSession`]: a session hosted by the daemon, with the engine session's calls
//! (logged on with `mapi_ui::LogonRequest`); [`SessionEvents`]: one session's
//! notifications.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mapi_proto::{
    DisabledService, MAX_IMPORT_BATCH_LEN, MAX_IMPORT_CHUNK_LEN, Notification, RequestBody,
    ResponseBody, Secret, TableKind,
};
use mapi_types::{LogoffFlags, PropTag, Restriction, Row, SortKey, Status, SubmitOutcome, Table};
use mapi_ui::LogonRequest;
use tokio::sync::{broadcast, mpsc};

use crate::conn::{Connection, SessionState, unexpected};
use crate::error::{ClientError, Result};
use crate::ui::{PromptCounter, answer};

/// Cancels prompts still unanswered when a logon stops waiting (its future dropped),
/// so the daemon does not hold its logon mutex for nobody.
struct PromptGuard<'a> {
    conn: &'a Connection,
    id: u32,
    rx: mpsc::UnboundedReceiver<(u64, mapi_proto::PromptKind)>,
    current: Option<u64>,
    done: bool,
}

impl Drop for PromptGuard<'_> {
    fn drop(&mut self) {
        self.conn.unregister(self.id);
        if self.done {
            return;
        }
        let mut open: Vec<u64> = self.current.take().into_iter().collect();
        while let Ok((p, _)) = self.rx.try_recv() {
            open.push(p);
        }
        for prompt_id in open {
            self.conn.send_unanswered(RequestBody::UiReply {
                prompt_id,
                answer: mapi_proto::UiAnswer::Cancel,
            });
        }
    }
}

impl Connection {
    /// `MAPILogonEx` through the daemon. Prompts are answered by `req.ui` here; the
    /// daemon never shows UI.
    pub async fn logon(&self, req: LogonRequest) -> Result<RemoteSession> {
        let (ptx, prx) = mpsc::unbounded_channel();
        let (id, mut rx) = self.register(Some(ptx))?;
        let mut guard = PromptGuard {
            conn: self,
            id,
            rx: prx,
            current: None,
            done: false,
        };
        self.send(
            id,
            RequestBody::Logon {
                profile: req.profile.clone(),
                password: req.password.as_deref().map(Secret::new),
                flags: req.flags.bits(),
                ui: req.ui.available(),
                program: self.program().to_string(),
            },
        )?;
        let mut counter = PromptCounter::default();
        let reply = loop {
            tokio::select! {
                r = &mut rx => break r,
                Some((prompt_id, kind)) = guard.rx.recv() => {
                    guard.current = Some(prompt_id);
                    let a = answer(&*req.ui, kind, &mut counter).await;
                    guard.current = None;
                    self.send_unanswered(RequestBody::UiReply { prompt_id, answer: a });
                }
            }
        };
        guard.done = true;
        drop(guard);
        let body = match reply {
            Ok(ResponseBody::Error { status, message }) => {
                return Err(ClientError::Daemon { status, message });
            }
            Ok(b) => b,
            Err(_) => {
                return Err(ClientError::Disconnected {
                    reason: self.dead_reason(),
                });
            }
        };
        match body {
            ResponseBody::LoggedOn {
                session,
                profile,
                shared,
                disabled,
            } => Ok(RemoteSession {
                state: self.track(session),
                conn: self.clone(),
                id: session,
                profile,
                shared,
                disabled,
                logged_off: AtomicBool::new(false),
            }),
            other => Err(unexpected("Logon", &other)),
        }
    }
}

/// A session hosted by the daemon (`IMAPISession` over the socket). Each handle logs off
/// on its own; dropping it without `logoff` logs it off in the background.
pub struct RemoteSession {
    conn: Connection,
    id: u64,
    profile: String,
    shared: bool,
    disabled: Vec<DisabledService>,
    state: Arc<SessionState>,
    logged_off: AtomicBool,
}

impl std::fmt::Debug for RemoteSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSession")
            .field("id", &self.id)
            .field("profile", &self.profile)
            .field("shared", &self.shared)
            .finish()
    }
}

impl RemoteSession {
    /// This client's handle for the session at the daemon.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The profile the session runs on.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// Whether this is the shared session (made or joined).
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// Services disabled at logon, and why.
    pub fn disabled_services(&self) -> &[DisabledService] {
        &self.disabled
    }

    /// The connection the session lives on.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Why the session ended under this client, once it has (another sharer's
    /// `MAPI_LOGOFF_SHARED`, daemon shutdown or death, this handle's logoff).
    pub fn ended(&self) -> Option<String> {
        if self.logged_off.load(Ordering::SeqCst) {
            return Some("this handle has logged off".into());
        }
        self.state.ended()
    }

    /// This session's notifications (`SessionEnded`, `StatusChanged`, `Progress`).
    pub fn events(&self) -> SessionEvents {
        SessionEvents {
            rx: self.conn.subscribe(),
            session: self.id,
            state: self.state.clone(),
            ended_seen: false,
        }
    }

    pub(crate) fn live(&self) -> Result<()> {
        match self.ended() {
            Some(reason) => Err(ClientError::SessionEnded { reason }),
            None => Ok(()),
        }
    }

    pub(crate) async fn call(&self, body: RequestBody) -> Result<ResponseBody> {
        self.live()?;
        match self.conn.call(body).await {
            Err(ClientError::Daemon { status, message })
                if status == Status::MAPI_E_END_OF_SESSION =>
            {
                Err(ClientError::SessionEnded { reason: message })
            }
            other => other,
        }
    }

    async fn table(&self, what: &'static str, body: RequestBody) -> Result<Table> {
        match self.call(body).await? {
            ResponseBody::Table { columns, rows } => Ok(Table::new(columns, rows)),
            other => Err(unexpected(what, &other)),
        }
    }

    async fn row(&self, what: &'static str, body: RequestBody) -> Result<Row> {
        match self.call(body).await? {
            ResponseBody::Rows(mut rows) if rows.len() == 1 => Ok(rows.remove(0)),
            other => Err(unexpected(what, &other)),
        }
    }

    /// `GetStatusTable`.
    pub async fn status_table(&self) -> Result<Table> {
        self.table("StatusTable", RequestBody::StatusTable { session: self.id })
            .await
    }

    /// `GetMsgStoresTable`.
    pub async fn store_table(&self) -> Result<Table> {
        self.table("StoreTable", RequestBody::StoreTable { session: self.id })
            .await
    }

    /// `OpenMsgStore`: the store's entry id in the store table and its properties;
    /// `None` = the default store (chosen by the engine).
    pub async fn open_store(&self, store_entry_id: Option<&[u8]>) -> Result<(Vec<u8>, Row)> {
        match self
            .call(RequestBody::OpenStore {
                session: self.id,
                entry_id: store_entry_id.map(<[u8]>::to_vec),
            })
            .await?
        {
            ResponseBody::StoreOpened {
                entry_id,
                properties,
            } => Ok((entry_id, properties)),
            other => Err(unexpected("OpenStore", &other)),
        }
    }

    /// `QueryIdentity`, as the engine computes it: `S_OK` and the primary identity, or
    /// `MAPI_W_NO_SERVICE` and the profile's name.
    pub async fn query_identity(&self) -> Result<(Status, String)> {
        match self
            .call(RequestBody::QueryIdentity { session: self.id })
            .await?
        {
            ResponseBody::Identity { status, display } => Ok((status, display)),
            other => Err(unexpected("QueryIdentity", &other)),
        }
    }

    /// Imports RFC 5322 messages into a folder of a store, all or none, as in process.
    /// A batch over [`MAX_IMPORT_CHUNK_LEN`] bytes is sent in parts split between
    /// messages, which the daemon stages and imports at once with the last part. Refused
    /// before anything is sent: one message over [`MAX_IMPORT_CHUNK_LEN`]
    /// (`MAPI_E_TOO_BIG`), a batch over [`MAX_IMPORT_BATCH_LEN`]
    /// (`MAPI_E_NOT_ENOUGH_MEMORY`).
    pub async fn import_raw(
        &self,
        store_entry_id: &[u8],
        folder: &[u8],
        messages: Vec<Vec<u8>>,
    ) -> Result<Vec<Vec<u8>>> {
        let mut total = 0usize;
        for (i, m) in messages.iter().enumerate() {
            if m.len() > MAX_IMPORT_CHUNK_LEN - 4 {
                return Err(ClientError::MessageTooBig {
                    index: i + 1,
                    len: m.len() as u64,
                    max: (MAX_IMPORT_CHUNK_LEN - 4) as u64,
                });
            }
            total += m.len();
        }
        if total > MAX_IMPORT_BATCH_LEN {
            return Err(ClientError::BatchTooBig {
                len: total as u64,
                max: MAX_IMPORT_BATCH_LEN as u64,
            });
        }
        let mut chunks = import_chunks(messages);
        let last = chunks.pop().unwrap_or_default();
        for part in chunks {
            match self
                .call(RequestBody::ImportPart {
                    session: self.id,
                    messages: part,
                })
                .await?
            {
                ResponseBody::Done => {}
                other => return Err(unexpected("ImportPart", &other)),
            }
        }
        match self
            .call(RequestBody::Import {
                session: self.id,
                store: store_entry_id.to_vec(),
                folder: folder.to_vec(),
                messages: last,
            })
            .await?
        {
            ResponseBody::EntryIds(ids) => Ok(ids),
            other => Err(unexpected("Import", &other)),
        }
    }

    /// The folder hierarchy of a store (by its store-table PR_ENTRYID).
    pub async fn folders(&self, store_entry_id: &[u8]) -> Result<Table> {
        self.table(
            "Folders",
            RequestBody::Folders {
                session: self.id,
                store: store_entry_id.to_vec(),
            },
        )
        .await
    }

    /// A folder's contents table.
    pub async fn contents(&self, store_entry_id: &[u8], folder: &[u8]) -> Result<Table> {
        self.table(
            "Contents",
            RequestBody::Contents {
                session: self.id,
                store: store_entry_id.to_vec(),
                folder: folder.to_vec(),
            },
        )
        .await
    }

    /// A message's properties.
    pub async fn read_message(&self, store_entry_id: &[u8], entry_id: &[u8]) -> Result<Row> {
        self.row(
            "ReadMessage",
            RequestBody::ReadMessage {
                session: self.id,
                store: store_entry_id.to_vec(),
                entry_id: entry_id.to_vec(),
            },
        )
        .await
    }

    /// A message's raw (MIME) bytes.
    pub async fn read_raw(&self, store_entry_id: &[u8], entry_id: &[u8]) -> Result<Vec<u8>> {
        match self
            .call(RequestBody::ReadRaw {
                session: self.id,
                store: store_entry_id.to_vec(),
                entry_id: entry_id.to_vec(),
            })
            .await?
        {
            ResponseBody::Bytes(b) => Ok(b),
            other => Err(unexpected("ReadRaw", &other)),
        }
    }

    /// Submits a raw message as in process (Outbox, transport, Sent Items): the Sent
    /// copy's entry id and any warning. `from` is the envelope sender (`None`: the
    /// transport's own).
    pub async fn submit(
        &self,
        from: Option<&str>,
        raw: &[u8],
        recipients: &[String],
    ) -> Result<SubmitOutcome> {
        match self
            .call(RequestBody::Submit {
                session: self.id,
                from: from.map(str::to_owned),
                raw: raw.to_vec(),
                recipients: recipients.to_vec(),
            })
            .await?
        {
            ResponseBody::Submitted(outcome) => Ok(outcome),
            other => Err(unexpected("Submit", &other)),
        }
    }

    /// Opens a table's row source at the daemon: its handle, default and all columns.
    /// Hierarchy and contents tables name a store (store-table PR_ENTRYID) and folder.
    pub async fn open_table(
        &self,
        kind: TableKind,
        store: Option<&[u8]>,
        folder: Option<&[u8]>,
        flags: u32,
    ) -> Result<(u64, Vec<PropTag>, Vec<PropTag>)> {
        match self
            .call(RequestBody::OpenTable {
                session: self.id,
                kind,
                store: store.map(<[u8]>::to_vec),
                folder: folder.map(<[u8]>::to_vec),
                flags,
            })
            .await?
        {
            ResponseBody::TableOpened {
                table,
                default_columns,
                all_columns,
            } => Ok((table, default_columns, all_columns)),
            other => Err(unexpected("OpenTable", &other)),
        }
    }

    /// A table's new restriction and sort order.
    pub async fn table_query(
        &self,
        table: u64,
        restriction: Option<Restriction>,
        sort: Vec<SortKey>,
    ) -> Result<()> {
        match self
            .call(RequestBody::TableQuery {
                session: self.id,
                table,
                restriction,
                sort,
            })
            .await?
        {
            ResponseBody::Done => Ok(()),
            other => Err(unexpected("TableQuery", &other)),
        }
    }

    /// Rows passing a table's query.
    pub async fn table_count(&self, table: u64) -> Result<u64> {
        match self
            .call(RequestBody::TableCount {
                session: self.id,
                table,
            })
            .await?
        {
            ResponseBody::Count(n) => Ok(n),
            other => Err(unexpected("TableCount", &other)),
        }
    }

    /// Rows `start..start + count` of a table (the daemon may answer fewer at once).
    pub async fn table_rows(
        &self,
        table: u64,
        start: u64,
        count: u32,
        columns: &[PropTag],
    ) -> Result<Vec<Row>> {
        match self
            .call(RequestBody::TableRows {
                session: self.id,
                table,
                start,
                count,
                columns: columns.to_vec(),
            })
            .await?
        {
            ResponseBody::Rows(rows) => Ok(rows),
            other => Err(unexpected("TableRows", &other)),
        }
    }

    /// The first row from `from` (before it when `backward`) satisfying `restriction`.
    pub async fn table_find(
        &self,
        table: u64,
        restriction: &Restriction,
        from: u64,
        backward: bool,
    ) -> Result<Option<u64>> {
        match self
            .call(RequestBody::TableFind {
                session: self.id,
                table,
                restriction: restriction.clone(),
                from,
                backward,
            })
            .await?
        {
            ResponseBody::Found(p) => Ok(p),
            other => Err(unexpected("TableFind", &other)),
        }
    }

    /// Releases a table without waiting for the answer.
    pub fn release_table(&self, table: u64) {
        if self.ended().is_none() && self.conn.is_alive() {
            self.conn.send_unanswered(RequestBody::TableRelease {
                session: self.id,
                table,
            });
        }
    }

    /// Keeps this shared session alive in the daemon after its last client leaves,
    /// until `MAPI_LOGOFF_SHARED` or the daemon stops (`mapi logon --keep`).
    pub async fn keep(&self) -> Result<()> {
        match self.call(RequestBody::Keep { session: self.id }).await? {
            ResponseBody::Done => Ok(()),
            other => Err(unexpected("Keep", &other)),
        }
    }

    /// `Logoff`. With `MAPI_LOGOFF_SHARED` on the shared session, the session ends for
    /// every client; otherwise only this handle leaves. A second logoff is a no-op; a
    /// session that already ended under this client logs off locally.
    pub async fn logoff(&self, flags: LogoffFlags) -> Result<()> {
        if self.logged_off.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        self.conn.untrack(self.id);
        if self.state.ended().is_some() || !self.conn.is_alive() {
            return Ok(());
        }
        match self
            .conn
            .call(RequestBody::Logoff {
                session: self.id,
                flags: flags.bits(),
            })
            .await
        {
            Ok(ResponseBody::Done) => Ok(()),
            // Ended meanwhile, or the daemon went away: the handle is gone either way.
            Err(e) if e.status_is_end_of_session() => Ok(()),
            Ok(other) => Err(unexpected("Logoff", &other)),
            Err(e) => Err(e),
        }
    }
}

/// Splits an import batch between messages into parts of at most
/// [`MAX_IMPORT_CHUNK_LEN`] bytes (each message counted with its 4-byte length); always
/// at least one part.
fn import_chunks(messages: Vec<Vec<u8>>) -> Vec<Vec<Vec<u8>>> {
    let mut parts = vec![Vec::new()];
    let mut size = 0usize;
    for m in messages {
        let len = m.len() + 4;
        if size + len > MAX_IMPORT_CHUNK_LEN && size > 0 {
            parts.push(Vec::new());
            size = 0;
        }
        size += len;
        if let Some(p) = parts.last_mut() {
            p.push(m);
        }
    }
    parts
}

impl ClientError {
    fn status_is_end_of_session(&self) -> bool {
        mapi_types::MapiStatus::status(self) == Status::MAPI_E_END_OF_SESSION
    }
}

impl Drop for RemoteSession {
    fn drop(&mut self) {
        if !self.logged_off.swap(true, Ordering::SeqCst) {
            self.conn.untrack(self.id);
            if self.state.ended().is_none() && self.conn.is_alive() {
                self.conn.send_unanswered(RequestBody::Logoff {
                    session: self.id,
                    flags: 0,
                });
            }
        }
    }
}

/// One session's notifications. A `SessionEnded` is delivered once, even when it
/// happened before this stream was made.
pub struct SessionEvents {
    rx: broadcast::Receiver<Notification>,
    session: u64,
    state: Arc<SessionState>,
    ended_seen: bool,
}

impl SessionEvents {
    /// The next notification for this session (waits for it). When the connection is
    /// lost, a `SessionEnded` arrives for every live session. `None` only when the
    /// connection's notification channel itself is closed.
    pub async fn recv(&mut self) -> Option<Notification> {
        loop {
            // The reader marks the state before broadcasting, so an end that happened
            // before this stream subscribed is seen here.
            if !self.ended_seen
                && let Some(reason) = self.state.ended()
                && self.rx.is_empty()
            {
                self.ended_seen = true;
                return Some(Notification::SessionEnded {
                    session: self.session,
                    reason,
                });
            }
            match self.rx.recv().await {
                Ok(n) if notification_session(&n) == Some(self.session) => {
                    if matches!(n, Notification::SessionEnded { .. }) {
                        if self.ended_seen {
                            continue;
                        }
                        self.ended_seen = true;
                    }
                    return Some(n);
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

fn notification_session(n: &Notification) -> Option<u64> {
    match n {
        Notification::SessionEnded { session, .. }
        | Notification::StatusChanged { session }
        | Notification::Progress { session, .. } => Some(*session),
        // Events go to their sinks, not to this stream.
        Notification::Prompt { .. } | Notification::Event { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_batches_split_between_messages_under_the_bound() {
        let big = MAX_IMPORT_CHUNK_LEN / 2;
        let batch = vec![vec![1u8; big], vec![2u8; big], vec![3u8; 10], Vec::new()];
        let parts = import_chunks(batch.clone());
        assert_eq!(
            parts.len(),
            2,
            "two halves do not fit one part with their lengths"
        );
        for p in &parts {
            let bytes: usize = p.iter().map(|m| m.len() + 4).sum();
            assert!(bytes <= MAX_IMPORT_CHUNK_LEN, "{bytes}");
        }
        assert_eq!(parts.concat(), batch, "order and content are kept");
        assert_eq!(import_chunks(Vec::new()), vec![Vec::<Vec<u8>>::new()]);
    }
}
