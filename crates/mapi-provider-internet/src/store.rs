//! The IMAP message store ([`InternetStore`]): answers from the offline cache, and
//! sends changes (append, delete, move) to the server. What the store's objects share
//! with it (the connection, the cache, APPEND) is `Shared`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use mapi_spi::{
    ChangeListener, ChangeSubscription, EntryId, FolderKind, MsgStore, ProviderResult, Reply,
    StatusRow, Support,
};
use mapi_types::{PropTag, PropValue, Row, StatusCode, Table, tags};
use tokio_rustls::rustls::ClientConfig;

use crate::cache::{Cache, FolderRow, NewMessage, Pending, PendingOp};
use crate::config::Account;
use crate::error::{InternetError, Result};
use crate::imap::Imap;
use crate::props;
use crate::sync::{self, SyncReport, lock};

mod contents;
pub(crate) mod contents_sql;
mod info;
mod ops;

/// `STORE_ENTRYID_UNIQUE | STORE_MODIFY_OK | STORE_CREATE_OK | STORE_SUBMIT_OK |
/// STORE_RESTRICTION_OK | STORE_SORT_OK | STORE_UNICODE_OK`.
const STORE_SUPPORT_MASK: i32 = 0x1 | 0x8 | 0x10 | 0x80 | 0x1000 | 0x2000 | 0x4_0000;

/// A logged-on internet-mail store.
pub struct InternetStore {
    shared: Arc<Shared>,
    background: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The change watchers' tasks (aborted at logoff and release).
    watchers: Mutex<Vec<tokio::task::AbortHandle>>,
}

pub(crate) struct Shared {
    pub account: Account,
    pub support: Arc<dyn Support>,
    pub tls: Arc<ClientConfig>,
    pub limit: Duration,
    pub db: Mutex<Cache>,
    pub imap: tokio::sync::Mutex<Option<Imap>>,
    pub online: AtomicBool,
    pub cancel: Arc<AtomicBool>,
    pub store_uid: [u8; 16],
    pub display: String,
}

/// Connects and logs on to the account's IMAP server.
pub(crate) async fn connect(
    account: &Account,
    tls: Arc<ClientConfig>,
    limit: Duration,
) -> Result<Imap> {
    let mut imap = Imap::connect(&account.imap, tls, limit).await?;
    imap.login(&account.user, &account.password).await?;
    Ok(imap)
}

/// The cache file of an account in `dir`: one per (user, host, port).
pub fn cache_path(dir: &Path, account: &Account) -> PathBuf {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!(
        "{}\0{}\0{}",
        account.user, account.imap.host, account.imap.port
    )
    .bytes()
    {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    dir.join(format!("imap-cache-{h:016x}.sqlite"))
}

impl InternetStore {
    pub(crate) fn new(shared: Shared) -> InternetStore {
        InternetStore {
            shared: Arc::new(shared),
            background: Mutex::new(None),
            watchers: Mutex::new(Vec::new()),
        }
    }

    /// Whether the store talks to the server (false: offline, cache only).
    pub fn is_online(&self) -> bool {
        self.shared.online.load(Ordering::Relaxed)
    }

    /// The cache file.
    pub fn cache_file(&self) -> PathBuf {
        lock(&self.shared.db).path().to_path_buf()
    }

    /// Downloads what changed on the server now; returns when the cache is current.
    /// With `durable`, the last commit is synced to disk.
    pub async fn synchronize(&self, durable: bool) -> Result<SyncReport> {
        if !self.is_online() {
            return Err(InternetError::Offline("synchronise".into()));
        }
        // On a runtime worker: the socket's readiness events are then handled on the
        // thread that reads (a caller blocked in `block_on` would be woken per event).
        let s = self.shared.clone();
        let mut task = AbortOnDrop(tokio::spawn(async move {
            sync::sync_all(&s.imap, &s.db, &s.support, &s.cancel, durable).await
        }));
        let r = (&mut task.0)
            .await
            .unwrap_or_else(|e| Err(InternetError::Offline(format!("synchronise ({e})"))));
        self.note_failure(&r).await;
        r
    }

    /// Starts the download in a background task (the store answers from the cache
    /// meanwhile). Its outcome is reported in the status row.
    pub(crate) fn start_background_sync(&self) {
        let shared = self.shared.clone();
        let task = tokio::spawn(async move {
            let r = sync::sync_all(
                &shared.imap,
                &shared.db,
                &shared.support,
                &shared.cancel,
                false,
            )
            .await;
            let text = match &r {
                Ok(rep) => match rep.warning() {
                    Some(w) => format!("online; {} new messages; {w}", rep.downloaded),
                    None => format!("online; {} new messages", rep.downloaded),
                },
                Err(e) => format!("online; download stopped: {e}"),
            };
            if !shared.cancel.load(Ordering::Relaxed) {
                shared.support.modify_status_row(StatusRow {
                    code: StatusCode::STATUS_AVAILABLE,
                    text: Some(text),
                    identity: Some(shared.account.email.clone()),
                });
            }
        });
        *self.background.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
    }

    /// The background download's task, if one was started and not yet taken.
    fn take_background(&self) -> Option<tokio::task::JoinHandle<()>> {
        self.background
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Stops the background download (if one runs): cancels it, aborts its task and,
    /// when it had not finished, says so in the status row. Returns the aborted task.
    fn stop_background(&self, why: &str) -> Option<tokio::task::JoinHandle<()>> {
        let s = &self.shared;
        s.cancel.store(true, Ordering::Relaxed);
        let task = self.take_background()?;
        if !task.is_finished() {
            task.abort();
            s.support.modify_status_row(StatusRow {
                code: StatusCode::STATUS_OFFLINE,
                text: Some(format!(
                    "download cut short at {why}; the cache keeps what arrived"
                )),
                identity: Some(s.account.email.clone()),
            });
        }
        Some(task)
    }

    /// Aborts every change watcher.
    fn stop_watchers(&self) {
        for w in self
            .watchers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            w.abort();
        }
    }

    /// Forgets the watchers that ended.
    fn stop_watchers_done(&self) {
        self.watchers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|w| !w.is_finished());
    }

    /// Waits for the background download started at logon (if any) to end.
    pub async fn wait_for_sync(&self) {
        let task = self.take_background();
        if let Some(t) = task {
            let _ = t.await;
        }
    }

    /// Copies a sent message into the Sent folder (APPEND, flagged `\Seen`): what the
    /// engine calls after a transport submitted a message of this account.
    pub async fn save_sent(&self, raw: &[u8]) -> Result<EntryId> {
        let sent = self.folder_row_of_kind("sent")?;
        let ids = self.append(&sent, vec![raw.to_vec()], "\\Seen").await?;
        Ok(ids.into_iter().next().expect("one message appended"))
    }

    async fn note_failure<T>(&self, r: &Result<T>) {
        if let Err(e) = r
            && e.is_unreachable()
        {
            *self.shared.imap.lock().await = None;
        }
    }

    fn folder_row_of_kind(&self, kind: &str) -> Result<FolderRow> {
        lock(&self.shared.db)
            .folders()?
            .into_iter()
            .find(|f| f.kind == kind)
            .ok_or_else(|| InternetError::NotFound(format!("{kind} folder")))
    }

    fn folder_by_entry(&self, entry: &[u8]) -> Result<FolderRow> {
        let id = props::parse_folder(entry, &self.shared.store_uid)?;
        lock(&self.shared.db).folder(id)
    }

    /// Runs `op` on the IMAP connection, reconnecting once if it was lost.
    async fn with_imap<T>(
        &self,
        what: &str,
        op: impl AsyncFnOnce(&mut Imap) -> Result<T>,
    ) -> Result<T> {
        self.shared.with_imap(what, op).await
    }

    async fn append(
        &self,
        folder: &FolderRow,
        messages: Vec<Vec<u8>>,
        flags: &str,
    ) -> Result<Vec<EntryId>> {
        self.shared.append(folder, messages, flags).await
    }
}

impl Shared {
    /// Whether the store talks to the server.
    pub(crate) fn is_online(&self) -> bool {
        self.online.load(Ordering::Relaxed)
    }

    /// Runs `op` on the IMAP connection, reconnecting once if it was lost.
    pub(crate) async fn with_imap<T>(
        &self,
        what: &str,
        op: impl AsyncFnOnce(&mut Imap) -> Result<T>,
    ) -> Result<T> {
        if !self.is_online() {
            return Err(InternetError::Offline(what.into()));
        }
        let s = self;
        let mut guard = s.imap.lock().await;
        if guard.is_none() {
            *guard = Some(connect(&s.account, s.tls.clone(), s.limit).await?);
        }
        let r = op(guard.as_mut().expect("connected")).await;
        if let Err(e) = &r
            && e.is_unreachable()
        {
            *guard = None;
        }
        r
    }

    /// APPENDs `messages` to `folder` (offline: caches them and queues the APPENDs).
    pub(crate) async fn append(
        &self,
        folder: &FolderRow,
        messages: Vec<Vec<u8>>,
        flags: &str,
    ) -> Result<Vec<EntryId>> {
        let s = self;
        let flag_list: Vec<String> = flags.split_whitespace().map(str::to_string).collect();
        let insert = |db: &Cache, uidvalidity: u32, uid: u32, raw: &[u8]| -> Result<EntryId> {
            let id = db.insert(&NewMessage {
                folder_id: folder.id,
                uidvalidity,
                uid,
                flags: &flag_list,
                internaldate: now(),
                raw,
            })?;
            Ok(props::message_entry(&s.store_uid, id))
        };
        if folder.kind == "outbox" || folder.imap_name.is_none() {
            if folder.kind == "root" {
                return Err(InternetError::NoSupport(
                    "messages in the root folder".into(),
                ));
            }
            let db = lock(&s.db);
            let mut ids = Vec::new();
            for raw in &messages {
                let uid = db.next_local_uid(folder.id)?;
                ids.push(insert(&db, 0, uid, raw)?);
            }
            return Ok(ids);
        }
        let name = folder.imap_name.clone().expect("server folder");
        if !self.is_online() {
            // stored in the cache now, APPENDed by the next online synchronisation
            let db = lock(&s.db);
            let mut ids = Vec::new();
            for raw in &messages {
                let uid = db.next_local_uid(folder.id)?;
                let entry = insert(&db, 0, uid, raw)?;
                let id = props::parse_message(&entry, &s.store_uid)?;
                db.queue(&Pending {
                    seq: 0,
                    op: PendingOp::Append,
                    folder: name.clone(),
                    uidvalidity: 0,
                    uid: 0,
                    message_id: Some(id),
                    target: None,
                    source: None,
                })?;
                ids.push(entry);
            }
            return Ok(ids);
        }
        let appended = self
            .with_imap("store messages", async |imap| {
                if !imap.has("UIDPLUS") {
                    return Err(InternetError::NoSupport(
                        "storing messages needs the server's UIDPLUS extension".into(),
                    ));
                }
                let mut done: Vec<(u32, u32)> = Vec::new();
                for raw in &messages {
                    match imap.append(&name, flags, raw).await {
                        Ok(Some(key)) => done.push(key),
                        Ok(None) => {
                            return Err(InternetError::NoSupport(
                                "the server did not report the new message's UID".into(),
                            ));
                        }
                        Err(e) => {
                            // all or none: take back what was stored
                            if !done.is_empty() && imap.select(&name, true).await.is_ok() {
                                for (_, uid) in &done {
                                    let _ = imap.uid_delete(*uid).await;
                                }
                            }
                            return Err(e);
                        }
                    }
                }
                Ok(done)
            })
            .await?;
        let db = lock(&s.db);
        let mut ids = Vec::new();
        for ((validity, uid), raw) in appended.into_iter().zip(&messages) {
            if validity != folder.uidvalidity && folder.uidvalidity != 0 {
                db.reset_folder(folder.id, validity)?;
            }
            ids.push(insert(&db, validity, uid, raw)?);
        }
        Ok(ids)
    }
}

pub(crate) fn now() -> Option<i64> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

fn kind_name(kind: FolderKind) -> &'static str {
    match kind {
        FolderKind::IpmSubtree => "root",
        FolderKind::Inbox => "inbox",
        FolderKind::Outbox => "outbox",
        FolderKind::SentItems => "sent",
        FolderKind::DeletedItems => "trash",
        FolderKind::Drafts => "drafts",
    }
}

const CONTENT_COLUMNS: [PropTag; 8] = [
    tags::PR_ENTRYID,
    tags::PR_SUBJECT,
    tags::PR_SENDER_NAME,
    tags::PR_SENDER_EMAIL_ADDRESS,
    tags::PR_MESSAGE_DELIVERY_TIME,
    tags::PR_MESSAGE_SIZE,
    tags::PR_MESSAGE_FLAGS,
    tags::PR_DISPLAY_TO,
];

#[async_trait]
impl MsgStore for InternetStore {
    fn properties(&self) -> Row {
        let s = &self.shared;
        let mut row = Row(Vec::new());
        row.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(s.display.clone()));
        row.set(tags::PR_RECORD_KEY, PropValue::Binary(s.store_uid.to_vec()));
        row.set(
            tags::PR_MDB_PROVIDER,
            PropValue::Binary(props::MDB_PROVIDER.to_vec()),
        );
        row.set(
            tags::PR_ENTRYID,
            PropValue::Binary(props::store_entry(&s.store_uid)),
        );
        row.set(
            tags::PR_EMAIL_ADDRESS,
            PropValue::Unicode(s.account.email.clone()),
        );
        row.set(
            tags::PR_STORE_ENTRYID,
            PropValue::Binary(props::store_entry(&s.store_uid)),
        );
        row.set(
            tags::PR_STORE_RECORD_KEY,
            PropValue::Binary(s.store_uid.to_vec()),
        );
        row.set(
            tags::PR_OBJECT_TYPE,
            PropValue::Long(mapi_types::object_type::MAPI_STORE as i32),
        );
        row.set(
            tags::PR_PROVIDER_DISPLAY,
            PropValue::Unicode("Internet mail (IMAP)".into()),
        );
        row.set(
            tags::PR_STORE_SUPPORT_MASK,
            PropValue::Long(STORE_SUPPORT_MASK),
        );
        if let Ok(folders) = lock(&s.db).folders() {
            for (kind, tag) in [
                ("root", tags::PR_IPM_SUBTREE_ENTRYID),
                ("outbox", tags::PR_IPM_OUTBOX_ENTRYID),
                ("sent", tags::PR_IPM_SENTMAIL_ENTRYID),
                ("trash", tags::PR_IPM_WASTEBASKET_ENTRYID),
            ] {
                if let Some(f) = folders.iter().find(|f| f.kind == kind) {
                    row.set(
                        tag,
                        PropValue::Binary(props::folder_entry(&s.store_uid, f.id)),
                    );
                }
            }
        }
        row
    }

    async fn folders(&self) -> ProviderResult<Vec<Row>> {
        let folders = lock(&self.shared.db).folders()?;
        Ok(folders
            .iter()
            .map(|f| {
                props::folder_row(
                    &self.shared.store_uid,
                    f,
                    folders.iter().any(|c| c.parent_id == Some(f.id)),
                )
            })
            .collect())
    }

    async fn folder(&self, kind: FolderKind) -> ProviderResult<EntryId> {
        let f = self.folder_row_of_kind(kind_name(kind))?;
        Ok(props::folder_entry(&self.shared.store_uid, f.id))
    }

    async fn contents(&self, folder: &[u8]) -> ProviderResult<Table> {
        let f = self.folder_by_entry(folder)?;
        let rows = lock(&self.shared.db).messages(f.id)?;
        Ok(Table::new(
            CONTENT_COLUMNS.to_vec(),
            rows.iter()
                .map(|m| props::message_row(&self.shared.store_uid, m))
                .collect(),
        ))
    }

    async fn contents_source(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> ProviderResult<Box<dyn mapi_types::RowSource>> {
        let f = self.folder_by_entry(folder)?;
        if flags & mapi_types::table::consts::MAPI_ASSOCIATED != 0 {
            let columns = CONTENT_COLUMNS.to_vec();
            return Ok(Box::new(mapi_types::MemorySource::new(
                &columns,
                Vec::new(),
            )));
        }
        Ok(Box::new(contents::CacheContents::new(
            self.shared.clone(),
            f.id,
        )))
    }

    async fn read_message(&self, entry: &[u8]) -> ProviderResult<Row> {
        let id = props::parse_message(entry, &self.shared.store_uid)?;
        let (m, raw) = {
            let db = lock(&self.shared.db);
            (db.message(id)?, db.raw(id)?)
        };
        Ok(props::full_message(&self.shared.store_uid, &m, &raw))
    }

    async fn read_raw(&self, entry: &[u8]) -> ProviderResult<Vec<u8>> {
        let id = props::parse_message(entry, &self.shared.store_uid)?;
        Ok(lock(&self.shared.db).raw(id)?)
    }

    async fn import_raw(
        &self,
        folder: &[u8],
        messages: Vec<Vec<u8>>,
    ) -> ProviderResult<Vec<EntryId>> {
        let f = self.folder_by_entry(folder)?;
        Ok(self.append(&f, messages, "").await?)
    }

    async fn delete_message(&self, entry: &[u8]) -> ProviderResult<()> {
        let id = props::parse_message(entry, &self.shared.store_uid)?;
        let m = lock(&self.shared.db).message(id)?;
        let f = lock(&self.shared.db).folder(m.folder_id)?;
        if let Some(name) = f.imap_name {
            if self.is_online() {
                self.with_imap("delete a message", async |imap| {
                    imap.select(&name, true).await?;
                    imap.uid_delete(m.uid).await
                })
                .await?;
            } else {
                self.queue_offline(&name, &m, PendingOp::Delete)?;
            }
        }
        lock(&self.shared.db).delete(id)?;
        Ok(())
    }

    async fn move_message(&self, entry: &[u8], folder: &[u8]) -> ProviderResult<EntryId> {
        let s = &self.shared;
        let id = props::parse_message(entry, &s.store_uid)?;
        let dest = self.folder_by_entry(folder)?;
        let m = lock(&s.db).message(id)?;
        let src = lock(&s.db).folder(m.folder_id)?;
        if src.id == dest.id {
            return Ok(entry.to_vec());
        }
        match (src.imap_name.clone(), dest.imap_name.clone()) {
            (Some(from), Some(to)) => {
                let key = self
                    .with_imap("move a message", async |imap| {
                        imap.select(&from, true).await?;
                        imap.uid_move(m.uid, &to).await
                    })
                    .await?;
                let db = lock(&s.db);
                match key {
                    Some((validity, uid)) => db.relocate(id, dest.id, validity, uid)?,
                    // no COPYUID: the next synchronisation downloads it in its new place
                    None => db.delete(id)?,
                }
                Ok(props::message_entry(&s.store_uid, id))
            }
            _ => {
                // to or from a local folder: copy the bytes, then remove the original
                let raw = lock(&s.db).raw(id)?;
                let new = self
                    .append(&dest, vec![raw], if m.seen { "\\Seen" } else { "" })
                    .await?;
                self.delete_message(entry).await?;
                Ok(new.into_iter().next().expect("one message"))
            }
        }
    }

    async fn open_message(
        &self,
        entry: &[u8],
        flags: u32,
    ) -> ProviderResult<Arc<dyn mapi_spi::PropObject>> {
        use mapi_types::object::{MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS, MAPI_MODIFY};
        let id = props::parse_message(entry, &self.shared.store_uid)?;
        let (m, raw) = {
            let db = lock(&self.shared.db);
            (db.message(id)?, db.raw(id)?)
        };
        let known = MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS;
        if flags & MAPI_MODIFY != 0 && flags & !known == 0 {
            // writable: SaveChanges replaces the server copy
            let (folder, server_flags) = {
                let db = lock(&self.shared.db);
                (db.folder(m.folder_id)?, db.message_flags(id)?)
            };
            return Ok(Arc::new(crate::draft::DraftMessage::reopen(
                self.shared.clone(),
                folder,
                &m,
                &raw,
                &server_flags,
            )));
        }
        let row = props::full_message(&self.shared.store_uid, &m, &raw);
        let attachments = mapi_mime::attachments(&mapi_mime::MessageParser::new(), &raw);
        Ok(Arc::new(
            crate::object::CachedMessage::open(row, flags)?
                .with_attachments(attachments)
                .with_store(self.shared.clone()),
        ))
    }

    async fn open_folder(
        &self,
        entry: &[u8],
        flags: u32,
    ) -> ProviderResult<Arc<dyn mapi_spi::PropObject>> {
        use mapi_types::object::{MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS, MAPI_MODIFY};
        crate::draft::check_flags(
            "OpenEntry",
            flags,
            MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS,
        )?;
        let s = &self.shared;
        let f = self.folder_by_entry(entry)?;
        let has_children = lock(&s.db)
            .folders()?
            .iter()
            .any(|c| c.parent_id == Some(f.id));
        let mut row = props::folder_row(&s.store_uid, &f, has_children);
        row.set(
            tags::PR_RECORD_KEY,
            PropValue::Binary(props::folder_entry(&s.store_uid, f.id)),
        );
        row.set(
            tags::PR_STORE_ENTRYID,
            PropValue::Binary(props::store_entry(&s.store_uid)),
        );
        row.set(
            tags::PR_STORE_RECORD_KEY,
            PropValue::Binary(s.store_uid.to_vec()),
        );
        Ok(Arc::new(info::InfoObject::folder(s.clone(), f.id, row)))
    }

    async fn open_store_object(&self) -> ProviderResult<Arc<dyn mapi_spi::PropObject>> {
        Ok(Arc::new(info::InfoObject::store(
            self.shared.clone(),
            self.properties(),
        )))
    }

    async fn create_message(
        &self,
        folder: &[u8],
        flags: u32,
    ) -> ProviderResult<Arc<dyn mapi_spi::PropObject>> {
        use mapi_types::object::MAPI_DEFERRED_ERRORS;
        use mapi_types::table::consts::MAPI_ASSOCIATED;
        let unknown = flags & !(MAPI_DEFERRED_ERRORS | MAPI_ASSOCIATED);
        if unknown != 0 {
            return Err(mapi_spi::ProviderError::new(
                mapi_types::Status::MAPI_E_UNKNOWN_FLAGS,
                format!("CreateMessage: unknown flags 0x{unknown:08X}"),
            ));
        }
        if flags & MAPI_ASSOCIATED != 0 {
            return Err(
                InternetError::NoSupport("associated messages in an IMAP store".into()).into(),
            );
        }
        let f = self.folder_by_entry(folder)?;
        if f.kind == "root" || !f.selectable {
            return Err(InternetError::NoSupport(format!(
                "messages in {:?}, which holds only folders",
                f.display_name
            ))
            .into());
        }
        Ok(Arc::new(crate::draft::DraftMessage::new(
            self.shared.clone(),
            f,
        )))
    }

    async fn create_folder(
        &self,
        parent: &[u8],
        name: &str,
        flags: u32,
    ) -> ProviderResult<EntryId> {
        Ok(self.create_folder_now(parent, name, flags).await?)
    }

    async fn delete_folder(&self, parent: &[u8], folder: &[u8], flags: u32) -> ProviderResult<()> {
        Ok(self.delete_folder_now(parent, folder, flags).await?)
    }

    async fn empty_folder(&self, folder: &[u8], flags: u32) -> ProviderResult<()> {
        Ok(self.empty_folder_now(folder, flags).await?)
    }

    async fn copy_folder(
        &self,
        parent: &[u8],
        folder: &[u8],
        dest_parent: &[u8],
        new_name: Option<&str>,
        flags: u32,
    ) -> ProviderResult<EntryId> {
        Ok(self
            .copy_folder_now(parent, folder, dest_parent, new_name, flags)
            .await?)
    }

    async fn copy_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        dest: &[u8],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<Option<EntryId>>>> {
        Ok(self
            .copy_messages_now(folder, messages, dest, flags)
            .await?)
    }

    async fn delete_messages(
        &self,
        folder: &[u8],
        messages: &[EntryId],
        flags: u32,
    ) -> ProviderResult<Reply<()>> {
        Ok(self.delete_messages_now(folder, messages, flags).await?)
    }

    async fn set_read_flags(
        &self,
        folder: &[u8],
        messages: Option<&[EntryId]>,
        flags: u32,
    ) -> ProviderResult<Reply<()>> {
        Ok(self.set_read_flags_now(folder, messages, flags).await?)
    }

    fn subscribe_changes(
        &self,
        listener: Arc<dyn ChangeListener>,
    ) -> ProviderResult<Option<ChangeSubscription>> {
        let rt = tokio::runtime::Handle::try_current().map_err(|_| {
            InternetError::NoSupport("watching for changes outside a tokio runtime".into())
        })?;
        let task = rt.spawn(crate::watch::run(self.shared.clone(), listener));
        let abort = task.abort_handle();
        self.stop_watchers_done();
        self.watchers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(abort);
        Ok(Some(ChangeSubscription::new(Box::new(AbortOnDrop(task)))))
    }

    async fn logoff(&self) {
        self.stop_watchers();
        if let Some(t) = self.stop_background("logoff") {
            let _ = t.await;
        }
        if let Some(imap) = self.shared.imap.lock().await.take() {
            imap.logout().await;
        }
        self.shared.online.store(false, Ordering::Relaxed);
    }
}

impl Drop for InternetStore {
    /// A store dropped without logoff stops its background download too.
    fn drop(&mut self) {
        self.stop_watchers();
        self.stop_background("release of the store");
    }
}

/// Aborts a spawned task when the future waiting for it is dropped.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
