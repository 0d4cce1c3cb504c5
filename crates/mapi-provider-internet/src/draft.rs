//! [`DraftMessage`]: a message made by CreateMessage on the IMAP store, a writable
//! property object (SetProps, DeleteProps, ModifyRecipients, GetRecipientTable,
//! OpenProperty streams, SaveChanges). Every change stays in the object until
//! SaveChanges, which builds the RFC 5322 form (`mapi_mime::Composer`), APPENDs it to
//! the folder (`\Draft` in the Drafts folder, `\Seen` when MSGFLAG_READ is set) and
//! puts it in the cache, so it shows in the contents table under its PR_ENTRYID.
//! Offline the APPEND is queued like any message stored offline. Saved again (after
//! KEEP_OPEN_READWRITE), the new version replaces the server copy: APPEND of the new
//! one, then deletion of the old; the cache row, so the entry id, stays. A message
//! saved offline is replaced in the cache, and its queued APPEND sends the last
//! version.
//!
//! A saved message opened with MAPI_MODIFY (`DraftMessage::reopen`) is one too: its
//! properties, recipients and attachments (by value; an attached message as its
//! `message/rfc822` bytes) are what the MIME mapping reads from its bytes, and its IMAP
//! flags other than `\Seen` are kept. Its SaveChanges replaces it as above, and is
//! MAPI_E_OBJECT_CHANGED (nothing sent) when another session saved it since it was
//! opened: the cache row holds another UID, or the old version is gone from the server.
//! FORCE_SAVE saves anyway (a version another session stored elsewhere then stays
//! beside it). Offline, a message that is on the server cannot be replaced: SaveChanges
//! answers the store's offline error. Other sessions' caches see the new version as a
//! new message (the old one deleted) at their next synchronisation.
//!
//! Named properties ([`crate::named`]): a `PS_INTERNET_HEADERS` name set as a string
//! becomes a header field of the saved message; other named ids are problems
//! (MAPI_E_UNEXPECTED_ID when unmapped, MAPI_E_NO_SUPPORT when mapped). Attachments (by value) are [`crate::draft_attach`]'s; they go into the
//! APPENDed MIME through `mapi_mime::Composer`.

use std::sync::{Arc, Mutex, MutexGuard};

use mapi_spi::{
    PropObject, PropStream, PropValues, ProviderError, ProviderResult, Reply, async_trait,
};
use mapi_types::object::{
    FORCE_SAVE, IID_ISTREAM, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_CREATE,
    MAPI_DEFERRED_ERRORS, MAPI_MODIFY, STGM_READ, STGM_READWRITE, STREAM_APPEND, STREAM_SEEK_CUR,
    STREAM_SEEK_END, STREAM_SEEK_SET, StreamStat,
};
use mapi_types::recipient::{self, MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE, RecipientError};
use mapi_types::tags::*;
use mapi_types::{
    MapiUid, MemorySource, PropProblem, PropTag, PropType, PropValue, Row, RowSource, Status,
    object_type,
};

use crate::cache::{FolderRow, NewMessage};
use crate::error::{InternetError, Result};
use crate::props;
use crate::store::Shared;
use crate::sync::lock;

/// `MSGFLAG_READ`.
pub const MSGFLAG_READ: i32 = 0x1;
/// `MSGFLAG_UNSENT`.
pub const MSGFLAG_UNSENT: i32 = 0x8;

/// The most properties (or recipient rows) one call takes.
const MAX_PER_CALL: usize = 4096;
/// The largest value a stream or SetProps gives one property.
pub const MAX_VALUE: u64 = 64 << 20;

/// Properties the store computes: SetProps and DeleteProps answer MAPI_E_COMPUTED.
const COMPUTED: [PropTag; 11] = [
    PR_ENTRYID,
    PR_PARENT_ENTRYID,
    PR_OBJECT_TYPE,
    PR_MESSAGE_SIZE,
    PR_HASATTACH,
    PR_RECORD_KEY,
    PR_SEARCH_KEY,
    PR_INSTANCE_KEY,
    PR_STORE_ENTRYID,
    PR_STORE_RECORD_KEY,
    PR_MDB_PROVIDER,
];

/// The columns every recipient row has (others follow when set).
const RECIPIENT_COLUMNS: [PropTag; 7] = [
    PR_ROWID,
    PR_INSTANCE_KEY,
    PR_RECIPIENT_TYPE,
    PR_DISPLAY_NAME,
    PR_EMAIL_ADDRESS,
    PR_ADDRTYPE,
    PR_ENTRYID,
];

pub(crate) fn error(status: Status, detail: impl Into<String>) -> ProviderError {
    ProviderError::new(status, detail.into())
}

pub(crate) fn invalid(detail: impl Into<String>) -> ProviderError {
    error(Status::MAPI_E_INVALID_PARAMETER, detail)
}

pub(crate) fn check_flags(call: &str, flags: u32, allowed: u32) -> ProviderResult<()> {
    let unknown = flags & !allowed;
    if unknown != 0 {
        return Err(error(
            Status::MAPI_E_UNKNOWN_FLAGS,
            format!("{call}: unknown flags 0x{unknown:08X}"),
        ));
    }
    Ok(())
}

pub(crate) fn is_string(t: PropType) -> bool {
    t == PropType::PT_STRING8 || t == PropType::PT_UNICODE
}

/// The problem (if any) with setting `tag` to `value`.
pub(crate) fn set_problem(tag: PropTag, value: &PropValue) -> Option<Status> {
    let t = tag.prop_type();
    if matches!(
        t,
        PropType::PT_UNSPECIFIED | PropType::PT_NULL | PropType::PT_ERROR | PropType::PT_OBJECT
    ) {
        return Some(Status::MAPI_E_INVALID_TYPE);
    }
    if tag.id() == 0 || tag.id() == 0xFFFF {
        return Some(Status::MAPI_E_INVALID_PARAMETER);
    }
    if COMPUTED.iter().any(|c| c.id() == tag.id()) {
        return Some(Status::MAPI_E_COMPUTED);
    }
    if tag.is_named() {
        return Some(Status::MAPI_E_UNEXPECTED_ID);
    }
    let have = value.prop_type();
    let same = have == t || (is_string(t) && is_string(have));
    let nul = value.as_str().is_some_and(|s| s.contains('\0'));
    let big = value.as_str().map_or(0, str::len) as u64 > MAX_VALUE
        || value.as_bytes().map_or(0, <[u8]>::len) as u64 > MAX_VALUE;
    if !same || nul || big {
        return Some(Status::MAPI_E_BAD_VALUE);
    }
    None
}

pub(crate) use mapi_spi::Access;

pub(crate) struct State {
    pub(crate) access: Access,
    props: Row,
    recipients: Vec<Row>,
    /// The attachments saved into the message (by their SaveChanges), by number.
    pub(crate) attachments: Vec<crate::draft_attach::Kept>,
    /// The PR_ATTACH_NUM of the next CreateAttach.
    pub(crate) next_attach: u32,
    /// The cache row once first saved.
    saved: Option<i64>,
    /// The size of the saved RFC 5322 form.
    size: usize,
    /// The (UIDVALIDITY, UID) the saved version had when this object opened or last
    /// saved it: a cache row with another is a save by another session.
    opened: Option<(u32, u32)>,
    /// The saved version's other IMAP flags (`\Flagged`, keywords), kept by a save.
    keep_flags: Vec<String>,
}

/// The shared part of a draft (its streams hold it too).
pub(crate) struct Inner {
    shared: Arc<Shared>,
    folder: FolderRow,
    state: Mutex<State>,
}

impl Inner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub(crate) fn writable(st: &State) -> ProviderResult<()> {
    match st.access {
        Access::ReadWrite => Ok(()),
        Access::ReadOnly => Err(error(
            Status::MAPI_E_NO_ACCESS,
            "the message was saved with KEEP_OPEN_READONLY; open it again to change it",
        )),
        Access::Closed => Err(error(
            Status::MAPI_E_INVALID_OBJECT,
            "the message was saved without KEEP_OPEN_READONLY or KEEP_OPEN_READWRITE",
        )),
    }
}

/// A message made by CreateMessage on the IMAP store.
pub struct DraftMessage {
    inner: Arc<Inner>,
}

impl DraftMessage {
    pub(crate) fn new(shared: Arc<Shared>, folder: FolderRow) -> DraftMessage {
        let mut props = Row::default();
        props.set(PR_MESSAGE_CLASS, PropValue::Unicode("IPM.Note".into()));
        props.set(
            PR_MESSAGE_FLAGS,
            PropValue::Long(MSGFLAG_READ | MSGFLAG_UNSENT),
        );
        let made = format!(
            "<{}@mapi.imap-store>",
            mapi_types::hex::encode(&MapiUid::random().0)
        );
        props.set(PR_INTERNET_MESSAGE_ID, PropValue::Unicode(made));
        DraftMessage {
            inner: Arc::new(Inner {
                shared,
                folder,
                state: Mutex::new(State {
                    access: Access::ReadWrite,
                    props,
                    recipients: Vec::new(),
                    attachments: Vec::new(),
                    next_attach: 0,
                    saved: None,
                    size: 0,
                    opened: None,
                    keep_flags: Vec::new(),
                }),
            }),
        }
    }

    /// Saved message `m` (bytes `raw`, IMAP flags `flags`) of `folder` reopened with
    /// MAPI_MODIFY: its properties, recipients and attachments as the MIME mapping reads
    /// them, writable; SaveChanges replaces the server copy (the entry id stays).
    pub(crate) fn reopen(
        shared: Arc<Shared>,
        folder: FolderRow,
        m: &crate::cache::MessageRow,
        raw: &[u8],
        flags: &[String],
    ) -> DraftMessage {
        let parser = mapi_mime::MessageParser::new();
        let full = props::full_message(&shared.store_uid, m, raw);
        // the named header fields of the map, which the next save writes back
        let mut props = crate::named::with_headers(&shared.db, &full);
        props.0.retain(|(t, _)| {
            !t.is_named()
                || crate::named::header_name(&shared.db, t.id())
                    .is_some_and(|n| !crate::named::is_composed(&n))
        });
        // computed, or rebuilt from the recipients and the MIME at the next save
        for t in COMPUTED.iter().chain(&[
            PR_DISPLAY_TO,
            PR_DISPLAY_CC,
            PR_DISPLAY_BCC,
            PR_TRANSPORT_MESSAGE_HEADERS,
        ]) {
            props.0.retain(|(x, _)| x.id() != t.id());
        }
        let has = |f: &str| flags.iter().any(|x| x.eq_ignore_ascii_case(f));
        let mut msg_flags = if m.seen { MSGFLAG_READ } else { 0 };
        if has("\\Draft") {
            msg_flags |= MSGFLAG_UNSENT;
        }
        props.set(PR_MESSAGE_FLAGS, PropValue::Long(msg_flags));
        let recipients = mapi_mime::recipients(&parser, raw);
        let attachments: Vec<_> = mapi_mime::attachments(&parser, raw)
            .iter()
            .map(crate::draft_attach::Kept::from_mime)
            .collect();
        let next_attach = attachments.iter().map(|k| k.num() + 1).max().unwrap_or(0);
        let keep_flags = flags
            .iter()
            .filter(|f| {
                !["\\Seen", "\\Recent", "\\Deleted"]
                    .iter()
                    .any(|x| f.eq_ignore_ascii_case(x))
            })
            .cloned()
            .collect();
        DraftMessage {
            inner: Arc::new(Inner {
                shared,
                folder,
                state: Mutex::new(State {
                    access: Access::ReadWrite,
                    props,
                    recipients,
                    attachments,
                    next_attach,
                    saved: Some(m.id),
                    size: raw.len(),
                    opened: Some((m.uidvalidity, m.uid)),
                    keep_flags,
                }),
            }),
        }
    }

    /// Every property as the object holds it now, computed ones included.
    fn all(&self, st: &State) -> Row {
        let s = &self.inner.shared;
        let mut row = st.props.clone();
        if !st.recipients.is_empty() {
            let lists = mapi_mime::compose::display_lists(&st.recipients);
            for (tag, v) in [PR_DISPLAY_TO, PR_DISPLAY_CC, PR_DISPLAY_BCC]
                .into_iter()
                .zip(lists)
            {
                row.set(tag, PropValue::Unicode(v));
            }
        }
        if let Some(id) = st.saved {
            let entry = props::message_entry(&s.store_uid, id);
            row.set(PR_ENTRYID, PropValue::Binary(entry.clone()));
            row.set(PR_RECORD_KEY, PropValue::Binary(entry.clone()));
            row.set(PR_INSTANCE_KEY, PropValue::Binary(entry));
            row.set(PR_MESSAGE_SIZE, PropValue::Long(st.size as i32));
        }
        row.set(
            PR_PARENT_ENTRYID,
            PropValue::Binary(props::folder_entry(&s.store_uid, self.inner.folder.id)),
        );
        row.set(
            PR_OBJECT_TYPE,
            PropValue::Long(object_type::MAPI_MESSAGE as i32),
        );
        row.set(PR_HASATTACH, PropValue::Boolean(!st.attachments.is_empty()));
        row.set(
            PR_STORE_ENTRYID,
            PropValue::Binary(props::store_entry(&s.store_uid)),
        );
        row.set(PR_STORE_RECORD_KEY, PropValue::Binary(s.store_uid.to_vec()));
        row
    }

    fn modify_now(&self, flags: u32, rows: &[Row]) -> ProviderResult<()> {
        check_flags(
            "ModifyRecipients",
            flags,
            MODRECIP_ADD | MODRECIP_MODIFY | MODRECIP_REMOVE,
        )?;
        let mut st = self.inner.lock();
        writable(&st)?;
        st.recipients = recipient::modify_list(&st.recipients, flags, rows, &check_recipient)
            .map_err(|e| error(e.status, e.detail))?;
        Ok(())
    }

    async fn save_now(&self, flags: u32) -> ProviderResult<()> {
        check_flags(
            "SaveChanges",
            flags,
            KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE | FORCE_SAVE | MAPI_DEFERRED_ERRORS,
        )?;
        if flags & KEEP_OPEN_READONLY != 0 && flags & KEEP_OPEN_READWRITE != 0 {
            return Err(invalid(
                "SaveChanges takes KEEP_OPEN_READONLY or KEEP_OPEN_READWRITE, not both",
            ));
        }
        let headers = crate::named::header_names(&self.inner.shared.db);
        let (raw, imap_flags, saved) = {
            let st = self.inner.lock();
            writable(&st)?;
            let row = self.all(&st);
            let id = row.str(PR_INTERNET_MESSAGE_ID).unwrap_or_default();
            let mut composer = mapi_mime::Composer::new(&row, &st.recipients).message_id(id);
            for (i, kept) in st.attachments.iter().enumerate() {
                if let Some(a) = kept.mime(i) {
                    composer = composer.attach(a);
                }
            }
            let composed = composer.build().into_vec().map_err(|e| {
                error(
                    Status::MAPI_E_CALL_FAILED,
                    format!("cannot build the message: {e}"),
                )
            })?;
            // named PS_INTERNET_HEADERS properties as header fields, before the rest
            let mut raw = crate::named::header_lines(&row, &headers);
            raw.extend_from_slice(&composed);
            let mut imap_flags = st.keep_flags.clone();
            let msg_flags = row.int(PR_MESSAGE_FLAGS).unwrap_or(0) as i32;
            if msg_flags & MSGFLAG_READ != 0 {
                imap_flags.push("\\Seen".to_string());
            }
            let draft = imap_flags.iter().any(|f| f.eq_ignore_ascii_case("\\Draft"));
            if self.inner.folder.kind == "drafts" && !draft {
                imap_flags.push("\\Draft".to_string());
            }
            (raw, imap_flags, (st.saved, st.opened))
        };
        let shared = &self.inner.shared;
        // the folder as it is now (it may have been moved or renamed since)
        let folder = &match lock(&shared.db).folder(self.inner.folder.id) {
            Ok(f) => f,
            Err(InternetError::NotFound(_)) => {
                return Err(error(
                    Status::MAPI_E_OBJECT_DELETED,
                    "the message's folder was deleted",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let size = raw.len();
        let (saved, opened) = saved;
        let mut key = None;
        let id = match saved {
            None => {
                let entry = shared
                    .append(folder, vec![raw], &imap_flags.join(" "))
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| {
                        error(Status::MAPI_E_CALL_FAILED, "the message was not stored")
                    })?;
                props::parse_message(&entry, &shared.store_uid)?
            }
            Some(id) => {
                let force = flags & FORCE_SAVE != 0;
                key = Some(
                    shared
                        .replace(folder, id, raw, &imap_flags, opened, force)
                        .await?,
                );
                id
            }
        };
        if key.is_none() {
            key = lock(&shared.db)
                .message(id)
                .ok()
                .map(|m| (m.uidvalidity, m.uid));
        }
        let mut st = self.inner.lock();
        st.opened = key;
        st.saved = Some(id);
        st.size = size;
        st.access = Access::after_save(flags);
        Ok(())
    }
}

/// Checks one recipient row that is to be kept: the shared rules, with the values a
/// draft can hold.
fn check_recipient(index: usize, row: &Row) -> std::result::Result<(), RecipientError> {
    recipient::check_row(index, row, MAX_PER_CALL, &|tag, value| {
        set_problem(tag, value)
            .filter(|s| *s != Status::MAPI_E_COMPUTED)
            .is_none()
    })
}

#[async_trait]
impl PropObject for DraftMessage {
    fn object_type(&self) -> u32 {
        object_type::MAPI_MESSAGE
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        _flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        crate::object::row_props(&self.all(&self.inner.lock()), tags)
    }

    async fn get_prop_list(&self, _flags: u32) -> ProviderResult<Vec<PropTag>> {
        Ok(crate::object::row_prop_list(&self.all(&self.inner.lock())))
    }

    async fn set_props(&self, values: &[(PropTag, PropValue)]) -> ProviderResult<Vec<PropProblem>> {
        let db = &self.inner.shared.db;
        // named ones checked against the map first (not under the object's lock)
        let named: Vec<Option<Status>> = values
            .iter()
            .take(MAX_PER_CALL + 1)
            .map(|(t, v)| match set_problem(*t, v) {
                Some(Status::MAPI_E_UNEXPECTED_ID) => crate::named::set_problem(db, *t, v),
                other => other,
            })
            .collect();
        let mut st = self.inner.lock();
        writable(&st)?;
        // set_values asks about each value once, in order
        let next = std::cell::Cell::new(0);
        set_values(&mut st.props, values, |_, _| {
            let i = next.replace(next.get() + 1);
            named.get(i).copied().flatten()
        })
    }

    async fn get_ids_from_names(
        &self,
        names: &[mapi_types::NameId],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<PropTag>>> {
        crate::named::get_ids(&self.inner.shared.db, names, flags)
    }

    async fn get_names_from_ids(
        &self,
        tags: Option<&[PropTag]>,
        guid: Option<&MapiUid>,
        flags: u32,
    ) -> ProviderResult<Reply<mapi_spi::PropNames>> {
        crate::named::get_names(&self.inner.shared.db, tags, guid, flags)
    }

    async fn delete_props(&self, tags: &[PropTag]) -> ProviderResult<Vec<PropProblem>> {
        let mut st = self.inner.lock();
        writable(&st)?;
        delete_values(&mut st.props, tags, &COMPUTED)
    }

    async fn save_changes(&self, flags: u32) -> ProviderResult<()> {
        self.save_now(flags).await
    }

    async fn modify_recipients(&self, flags: u32, rows: &[Row]) -> ProviderResult<()> {
        self.modify_now(flags, rows)
    }

    async fn recipient_table(&self, _flags: u32) -> ProviderResult<Box<dyn RowSource>> {
        let st = self.inner.lock();
        let mut columns = RECIPIENT_COLUMNS.to_vec();
        let rows: Vec<Row> = st
            .recipients
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let id = r.int(PR_ROWID).unwrap_or(0) as u32;
                r.set(
                    PR_INSTANCE_KEY,
                    PropValue::Binary(id.to_le_bytes().to_vec()),
                );
                for (tag, _) in &r.0 {
                    if !columns.iter().any(|c| c.id() == tag.id()) {
                        columns.push(*tag);
                    }
                }
                r
            })
            .collect();
        Ok(Box::new(MemorySource::new(&columns, rows)))
    }

    async fn open_property(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Box<dyn PropStream>> {
        let st = self.inner.lock();
        let current = self.all(&st).get(tag).cloned();
        let access = writable(&st);
        drop(st);
        open_stream(self.inner.clone(), tag, interface, flags, current, access)
    }

    async fn create_attach(&self, flags: u32) -> ProviderResult<(u32, Arc<dyn PropObject>)> {
        crate::draft_attach::create(&self.inner, flags)
    }

    async fn open_attach(&self, num: u32, flags: u32) -> ProviderResult<Arc<dyn PropObject>> {
        crate::draft_attach::open(&self.inner, num, flags)
    }

    async fn delete_attach(&self, num: u32, flags: u32) -> ProviderResult<()> {
        crate::draft_attach::delete(&self.inner, num, flags)
    }

    async fn attachment_table(&self, flags: u32) -> ProviderResult<Box<dyn RowSource>> {
        crate::draft_attach::table(&self.inner, flags)
    }
}

/// SetProps over `props`: each value set, or a problem `problem` names.
pub(crate) fn set_values(
    props: &mut Row,
    values: &[(PropTag, PropValue)],
    problem: impl Fn(PropTag, &PropValue) -> Option<Status>,
) -> ProviderResult<Vec<PropProblem>> {
    if values.len() > MAX_PER_CALL {
        return Err(invalid(format!(
            "SetProps: {} values (at most {MAX_PER_CALL})",
            values.len()
        )));
    }
    let mut problems = Vec::new();
    for (index, (tag, value)) in values.iter().enumerate() {
        match problem(*tag, value) {
            Some(status) => problems.push(PropProblem {
                index,
                tag: *tag,
                status,
            }),
            None => props.set(*tag, value.clone()),
        }
    }
    Ok(problems)
}

/// DeleteProps over `props`: MAPI_E_COMPUTED for the `computed` ones, MAPI_E_NOT_FOUND
/// for those it lacks.
pub(crate) fn delete_values(
    props: &mut Row,
    tags: &[PropTag],
    computed: &[PropTag],
) -> ProviderResult<Vec<PropProblem>> {
    if tags.len() > MAX_PER_CALL {
        return Err(invalid(format!(
            "DeleteProps: {} tags (at most {MAX_PER_CALL})",
            tags.len()
        )));
    }
    let mut problems = Vec::new();
    for (index, tag) in tags.iter().enumerate() {
        let is_computed = computed.iter().any(|c| c.id() == tag.id());
        let before = props.0.len();
        if !is_computed {
            props.0.retain(|(t, _)| t.id() != tag.id());
        }
        let status = if is_computed {
            Some(Status::MAPI_E_COMPUTED)
        } else if props.0.len() == before {
            Some(Status::MAPI_E_NOT_FOUND)
        } else {
            None
        };
        if let Some(status) = status {
            problems.push(PropProblem {
                index,
                tag: *tag,
                status,
            });
        }
    }
    Ok(problems)
}

/// Who a stream's Commit hands its value to.
pub(crate) trait StreamOwner: Send + Sync {
    /// Sets `tag` to `value` in the object (refused when it is not writable).
    fn put(&self, tag: PropTag, value: PropValue) -> ProviderResult<()>;
}

impl StreamOwner for Inner {
    fn put(&self, tag: PropTag, value: PropValue) -> ProviderResult<()> {
        let mut st = self.lock();
        writable(&st)?;
        st.props.set(tag, value);
        Ok(())
    }
}

/// OpenProperty as IStream over `tag` of a draft or one of its attachments, whose value
/// is now `current`; `access` tells whether the object may be written.
pub(crate) fn open_stream(
    owner: Arc<dyn StreamOwner>,
    tag: PropTag,
    interface: &MapiUid,
    flags: u32,
    current: Option<PropValue>,
    access: ProviderResult<()>,
) -> ProviderResult<Box<dyn PropStream>> {
    check_flags(
        "OpenProperty",
        flags,
        MAPI_MODIFY | MAPI_CREATE | STREAM_APPEND | MAPI_DEFERRED_ERRORS,
    )?;
    if *interface != IID_ISTREAM {
        return Err(error(
            Status::MAPI_E_INTERFACE_NOT_SUPPORTED,
            "OpenProperty: only IStream",
        ));
    }
    let t = tag.prop_type();
    if !(is_string(t) || t == PropType::PT_BINARY) {
        return Err(error(
            Status::MAPI_E_NO_SUPPORT,
            format!("OpenProperty: no stream for 0x{:08X}", tag.0),
        ));
    }
    let write = flags & (MAPI_MODIFY | MAPI_CREATE) != 0;
    if write {
        access?;
        let probe = if is_string(t) {
            PropValue::Unicode(String::new())
        } else {
            PropValue::Binary(Vec::new())
        };
        if let Some(s) = set_problem(tag, &probe) {
            return Err(error(
                s,
                format!("OpenProperty: 0x{:08X} cannot be written", tag.0),
            ));
        }
    }
    let bytes = if flags & MAPI_CREATE != 0 {
        Vec::new()
    } else {
        match &current {
            Some(PropValue::Unicode(s) | PropValue::String8(s)) => s.clone().into_bytes(),
            Some(PropValue::Binary(b)) => b.clone(),
            _ => {
                return Err(error(
                    Status::MAPI_E_NOT_FOUND,
                    format!("OpenProperty: the object has no 0x{:08X}", tag.0),
                ));
            }
        }
    };
    let pos = if flags & STREAM_APPEND != 0 {
        bytes.len() as u64
    } else {
        0
    };
    Ok(Box::new(DraftStream {
        owner,
        tag,
        write,
        data: Mutex::new(StreamData {
            bytes,
            pos,
            dirty: flags & MAPI_CREATE != 0,
        }),
    }))
}

struct StreamData {
    bytes: Vec<u8>,
    pos: u64,
    dirty: bool,
}

/// A stream over one property of a draft, in memory; Commit hands the value to the
/// message (saved with it at SaveChanges).
struct DraftStream {
    owner: Arc<dyn StreamOwner>,
    tag: PropTag,
    write: bool,
    data: Mutex<StreamData>,
}

impl DraftStream {
    fn data(&self) -> MutexGuard<'_, StreamData> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn check_write(&self) -> ProviderResult<()> {
        if !self.write {
            return Err(error(
                Status::MAPI_E_NO_ACCESS,
                "the stream was opened for reading (give MAPI_MODIFY)",
            ));
        }
        Ok(())
    }
}

fn too_big(size: u128) -> ProviderError {
    error(
        Status::MAPI_E_TOO_BIG,
        format!("a property of {size} bytes; the IMAP store keeps at most {MAX_VALUE}"),
    )
}

#[async_trait]
impl PropStream for DraftStream {
    async fn read(&self, buf: &mut [u8]) -> ProviderResult<usize> {
        let mut d = self.data();
        let start = d.pos.min(d.bytes.len() as u64) as usize;
        let n = buf.len().min(d.bytes.len() - start);
        buf[..n].copy_from_slice(&d.bytes[start..start + n]);
        d.pos = (start + n) as u64;
        Ok(n)
    }

    async fn write(&self, data: &[u8]) -> ProviderResult<usize> {
        self.check_write()?;
        let mut d = self.data();
        let end = u128::from(d.pos) + data.len() as u128;
        if end > u128::from(MAX_VALUE) {
            return Err(too_big(end));
        }
        let (start, end) = (d.pos as usize, end as usize);
        if d.bytes.len() < end {
            d.bytes.resize(end, 0);
        }
        d.bytes[start..end].copy_from_slice(data);
        d.pos = end as u64;
        d.dirty = true;
        Ok(data.len())
    }

    async fn seek(&self, offset: i64, origin: u32) -> ProviderResult<u64> {
        let mut d = self.data();
        let base = match origin {
            STREAM_SEEK_SET => 0i128,
            STREAM_SEEK_CUR => i128::from(d.pos),
            STREAM_SEEK_END => d.bytes.len() as i128,
            _ => return Err(invalid(format!("Seek: origin {origin}"))),
        };
        let to = u64::try_from(base + i128::from(offset))
            .map_err(|_| invalid("Seek: before the start"))?;
        d.pos = to;
        Ok(to)
    }

    async fn set_size(&self, size: u64) -> ProviderResult<()> {
        self.check_write()?;
        if size > MAX_VALUE {
            return Err(too_big(u128::from(size)));
        }
        let mut d = self.data();
        d.bytes.resize(size as usize, 0);
        d.dirty = true;
        Ok(())
    }

    async fn stat(&self) -> ProviderResult<StreamStat> {
        Ok(StreamStat {
            size: self.data().bytes.len() as u64,
            mode: if self.write {
                STGM_READWRITE
            } else {
                STGM_READ
            },
        })
    }

    async fn commit(&self, flags: u32) -> ProviderResult<()> {
        // STGC_DEFAULT, OVERWRITE, ONLYIFCURRENT, DANGEROUSLYCOMMITMERELYTODISKCACHE.
        check_flags("IStream::Commit", flags, 0xF)?;
        let mut d = self.data();
        if !d.dirty {
            return Ok(());
        }
        self.check_write()?;
        let value = if is_string(self.tag.prop_type()) {
            let s = String::from_utf8(d.bytes.clone())
                .map_err(|_| invalid("Commit: the stream of a string property is not UTF-8"))?;
            if s.contains('\0') {
                return Err(invalid("Commit: a string property holds no NUL"));
            }
            PropValue::Unicode(s)
        } else {
            PropValue::Binary(d.bytes.clone())
        };
        self.owner.put(self.tag, value)?;
        d.dirty = false;
        Ok(())
    }
}

impl Shared {
    /// Replaces saved message `id` of `folder` with `raw`, the cache row keeping its
    /// id: online, APPEND of the new version then deletion of the old; a message
    /// whose APPEND is still queued (saved offline) just gets the new bytes. Returns
    /// the new version's (UIDVALIDITY, UID).
    ///
    /// MAPI_E_OBJECT_DELETED when the row is gone. MAPI_E_OBJECT_CHANGED, unless
    /// `force` (FORCE_SAVE), when another session saved the message since the caller
    /// read version `expected`: the cache row has another UID (a session on this
    /// cache), or the old version is gone from the server (a session elsewhere
    /// replaced or deleted it).
    pub(crate) async fn replace(
        &self,
        folder: &FolderRow,
        id: i64,
        raw: Vec<u8>,
        flags: &[String],
        expected: Option<(u32, u32)>,
        force: bool,
    ) -> Result<(u32, u32)> {
        let old = match lock(&self.db).message(id) {
            Ok(m) => m,
            Err(InternetError::NotFound(_)) => {
                return Err(InternetError::Disallowed {
                    status: Status::MAPI_E_OBJECT_DELETED,
                    detail: "the message was deleted since it was saved".into(),
                });
            }
            Err(e) => return Err(e),
        };
        let changed = || InternetError::Disallowed {
            status: Status::MAPI_E_OBJECT_CHANGED,
            detail: "another session saved the message since it was opened \
                     (open it again, or save with FORCE_SAVE)"
                .into(),
        };
        if !force
            && let Some(key) = expected
            && key.0 != 0
            && key != (old.uidvalidity, old.uid)
        {
            return Err(changed());
        }
        let put = |uidvalidity: u32, uid: u32| {
            lock(&self.db)
                .replace(
                    id,
                    &NewMessage {
                        folder_id: old.folder_id,
                        uidvalidity,
                        uid,
                        flags,
                        internaldate: crate::store::now(),
                        raw: &raw,
                    },
                )
                .map(|()| (uidvalidity, uid))
        };
        let Some(name) = folder.imap_name.clone().filter(|_| folder.kind != "outbox") else {
            return put(old.uidvalidity, old.uid);
        };
        if !self.is_online() {
            if old.uidvalidity == 0 {
                // its APPEND is still queued: it sends these bytes
                return put(0, old.uid);
            }
            // a copy on the server is replaced online only (a message saved online is
            // opened read-only by a later, offline logon)
            return Err(InternetError::Offline(
                "replace a message that is on the server".into(),
            ));
        }
        let flag_text = flags.join(" ");
        let (validity, uid) = self
            .with_imap("replace a message", async |imap| {
                if old.uidvalidity != 0 && !force {
                    // selected afresh, so its UIDVALIDITY is known
                    imap.unselect().await?;
                    let st = imap.select(&name, true).await?;
                    let same = st.is_none_or(|st| st.uidvalidity == old.uidvalidity);
                    if !same || !crate::offline::uid_exists(imap, old.uid).await? {
                        return Err(changed());
                    }
                }
                let key = imap.append(&name, &flag_text, &raw).await?.ok_or_else(|| {
                    InternetError::NoSupport(
                        "the server did not report the new message's UID".into(),
                    )
                })?;
                if old.uidvalidity == key.0 {
                    imap.select(&name, true).await?;
                    imap.uid_delete(old.uid).await?;
                }
                Ok(key)
            })
            .await?;
        if old.uidvalidity == 0 {
            // stored offline and not yet replayed: the new version is on the server now
            lock(&self.db).unqueue_append(id)?;
        }
        put(validity, uid)
    }
}
