//! The attachments of a [`crate::draft::DraftMessage`]: CreateAttach, OpenAttach,
//! DeleteAttach and GetAttachmentTable, and [`DraftAttach`], one attachment as a
//! writable `IAttach` (GetProps, SetProps, DeleteProps, OpenProperty streams,
//! SaveChanges).
//!
//! Attachments are by value (`ATTACH_BY_VALUE`; PR_ATTACH_METHOD may be set to nothing
//! else: `ATTACH_EMBEDDED_MSG` and the others are MAPI_E_NO_SUPPORT problems). An
//! attachment's changes stay in it until its SaveChanges, which hands it to the message;
//! the message's SaveChanges puts it in the APPENDed MIME (with its file name, MIME tag
//! and content id, through `mapi_mime::Composer`). One left without PR_ATTACH_METHOD is
//! `NO_ATTACHMENT` and is left out of the MIME, as MAPI says. DeleteAttach removes one
//! from the message (the MIME at its next SaveChanges). PR_ATTACH_NUM, PR_ATTACH_SIZE,
//! PR_OBJECT_TYPE, PR_INSTANCE_KEY and PR_RECORD_KEY are computed; PR_ATTACH_DATA_BIN
//! comes back from GetProps up to [`GETPROPS_LIMIT`] bytes, larger as PT_ERROR
//! MAPI_E_NOT_ENOUGH_MEMORY (read it through OpenProperty).

use std::borrow::Cow;
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_mime::{AttachBody, Attachment};
use mapi_spi::{PropObject, PropStream, PropValues, ProviderResult, Reply, async_trait};
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_DIALOG, NO_ATTACHMENT};
use mapi_types::object::{
    FORCE_SAVE, KEEP_OPEN_READONLY, KEEP_OPEN_READWRITE, MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS,
    MAPI_MODIFY, MAPI_UNICODE,
};
use mapi_types::tags::*;
use mapi_types::{
    MapiUid, MemorySource, PropProblem, PropTag, PropValue, Row, RowSource, Status, object_type,
};

use crate::cached_attach::{ATTACHMENT_COLUMNS, GETPROPS_LIMIT, limit_data};
use crate::draft::{
    Access, Inner, StreamOwner, check_flags, delete_values, error, invalid, open_stream,
    set_problem, set_values, writable,
};
use crate::object::row_props;

/// The most attachments a draft keeps.
const MAX_ATTACHMENTS: usize = 1000;

/// Properties of an attachment the store computes.
const COMPUTED: [PropTag; 5] = [
    PR_ATTACH_NUM,
    PR_ATTACH_SIZE,
    PR_OBJECT_TYPE,
    PR_INSTANCE_KEY,
    PR_RECORD_KEY,
];

/// An attachment saved into its message.
#[derive(Clone)]
pub struct Kept {
    num: u32,
    props: Row,
}

impl Kept {
    /// The attachment as the composer takes it (the `index`-th); `None` for one
    /// without `ATTACH_BY_VALUE`, which the MIME leaves out.
    pub fn mime(&self, index: usize) -> Option<Attachment<'_>> {
        if self.props.int(PR_ATTACH_METHOD) != Some(i64::from(ATTACH_BY_VALUE)) {
            return None;
        }
        let text = |tag| {
            self.props
                .str(tag)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let data = match self.props.get(PR_ATTACH_DATA_BIN) {
            Some(PropValue::Binary(b)) => b.as_slice(),
            _ => &[],
        };
        Some(Attachment {
            file_name: Some(
                text(PR_ATTACH_LONG_FILENAME)
                    .or_else(|| text(PR_ATTACH_FILENAME))
                    .or_else(|| text(PR_DISPLAY_NAME))
                    .unwrap_or_else(|| format!("attachment-{}", index + 1)),
            ),
            mime_tag: text(PR_ATTACH_MIME_TAG),
            content_id: text(PR_ATTACH_CONTENT_ID),
            body: AttachBody::Bytes(Cow::Borrowed(data)),
        })
    }
}

impl Kept {
    /// A MIME attachment of a saved message, reopened for writing: by value (an
    /// embedded message keeps its RFC 5322 bytes and `message/rfc822` type), so the
    /// next SaveChanges writes it back.
    pub(crate) fn from_mime(a: &mapi_mime::MimeAttachment) -> Kept {
        let mut props = a.row();
        for t in COMPUTED {
            props.0.retain(|(x, _)| x.id() != t.id());
        }
        props.set(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE));
        props.set(PR_ATTACH_DATA_BIN, PropValue::Binary(a.data.clone()));
        Kept { num: a.num, props }
    }

    /// Its PR_ATTACH_NUM.
    pub(crate) fn num(&self) -> u32 {
        self.num
    }
}

/// `props` with the computed properties of attachment `num`.
fn with_computed(num: u32, props: &Row) -> Row {
    let mut row = props.clone();
    let size = match props.get(PR_ATTACH_DATA_BIN) {
        Some(PropValue::Binary(b)) => b.len(),
        _ => 0,
    };
    row.set(PR_ATTACH_NUM, PropValue::Long(num as i32));
    row.set(
        PR_OBJECT_TYPE,
        PropValue::Long(object_type::MAPI_ATTACH as i32),
    );
    row.set(
        PR_ATTACH_SIZE,
        PropValue::Long(size.min(i32::MAX as usize) as i32),
    );
    row.set(
        PR_INSTANCE_KEY,
        PropValue::Binary(num.to_le_bytes().to_vec()),
    );
    row.set(PR_RECORD_KEY, PropValue::Binary(num.to_le_bytes().to_vec()));
    if !matches!(props.get(PR_ATTACH_METHOD), Some(PropValue::Long(_))) {
        row.set(PR_ATTACH_METHOD, PropValue::Long(NO_ATTACHMENT));
    }
    row
}

fn not_found(num: u32) -> mapi_spi::ProviderError {
    error(
        Status::MAPI_E_NOT_FOUND,
        format!("the message has no attachment {num}"),
    )
}

/// CreateAttach: a new attachment with the next number.
pub(crate) fn create(owner: &Arc<Inner>, flags: u32) -> ProviderResult<(u32, Arc<dyn PropObject>)> {
    check_flags("CreateAttach", flags, MAPI_DEFERRED_ERRORS)?;
    let mut st = owner.lock();
    writable(&st)?;
    if st.attachments.len() >= MAX_ATTACHMENTS {
        return Err(error(
            Status::MAPI_E_TOO_BIG,
            format!("a message keeps at most {MAX_ATTACHMENTS} attachments"),
        ));
    }
    let num = st.next_attach;
    st.next_attach += 1;
    let attach = DraftAttach::new(owner.clone(), num, Row::default(), Access::ReadWrite);
    Ok((num, Arc::new(attach)))
}

/// OpenAttach: attachment `num` as saved into the message.
pub(crate) fn open(
    owner: &Arc<Inner>,
    num: u32,
    flags: u32,
) -> ProviderResult<Arc<dyn PropObject>> {
    check_flags(
        "OpenAttach",
        flags,
        MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS,
    )?;
    let st = owner.lock();
    let kept = st
        .attachments
        .iter()
        .find(|k| k.num == num)
        .ok_or_else(|| not_found(num))?;
    let access = match (writable(&st), flags & MAPI_MODIFY != 0) {
        (Ok(()), _) if flags & (MAPI_MODIFY | MAPI_BEST_ACCESS) != 0 => Access::ReadWrite,
        (Err(e), true) => return Err(e),
        _ => Access::ReadOnly,
    };
    let attach = DraftAttach::new(owner.clone(), num, kept.props.clone(), access);
    Ok(Arc::new(attach))
}

/// DeleteAttach: removes attachment `num` from the message.
pub(crate) fn delete(owner: &Inner, num: u32, flags: u32) -> ProviderResult<()> {
    check_flags("DeleteAttach", flags, ATTACH_DIALOG)?;
    let mut st = owner.lock();
    writable(&st)?;
    let before = st.attachments.len();
    st.attachments.retain(|k| k.num != num);
    if st.attachments.len() == before {
        return Err(not_found(num));
    }
    Ok(())
}

/// GetAttachmentTable: the attachments saved into the message.
pub(crate) fn table(owner: &Inner, flags: u32) -> ProviderResult<Box<dyn RowSource>> {
    check_flags("GetAttachmentTable", flags, MAPI_UNICODE)?;
    let st = owner.lock();
    let rows = st
        .attachments
        .iter()
        .map(|k| {
            let mut row = with_computed(k.num, &k.props);
            row.0.retain(|(t, _)| t.id() != PR_ATTACH_DATA_BIN.id());
            row
        })
        .collect();
    Ok(Box::new(MemorySource::new(&ATTACHMENT_COLUMNS, rows)))
}

struct AttachState {
    access: Access,
    props: Row,
}

/// The part of an attachment its streams hold too.
struct AttachInner {
    message: Arc<Inner>,
    num: u32,
    state: Mutex<AttachState>,
}

impl AttachInner {
    fn lock(&self) -> MutexGuard<'_, AttachState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn attach_writable(st: &AttachState) -> ProviderResult<()> {
    match st.access {
        Access::ReadWrite => Ok(()),
        Access::ReadOnly => Err(error(
            Status::MAPI_E_NO_ACCESS,
            "the attachment is open for reading (OpenAttach with MAPI_MODIFY to change it)",
        )),
        Access::Closed => Err(error(
            Status::MAPI_E_INVALID_OBJECT,
            "the attachment was saved without KEEP_OPEN_READONLY or KEEP_OPEN_READWRITE",
        )),
    }
}

/// The problem (if any) with setting `tag` of an attachment to `value`.
fn attach_problem(tag: PropTag, value: &PropValue) -> Option<Status> {
    if COMPUTED.iter().any(|c| c.id() == tag.id()) {
        return Some(Status::MAPI_E_COMPUTED);
    }
    if let Some(s) = set_problem(tag, value) {
        return Some(s);
    }
    match (tag.id() == PR_ATTACH_METHOD.id(), value) {
        (true, PropValue::Long(m)) if *m != ATTACH_BY_VALUE && *m != NO_ATTACHMENT => {
            Some(Status::MAPI_E_NO_SUPPORT)
        }
        _ => None,
    }
}

impl StreamOwner for AttachInner {
    fn put(&self, tag: PropTag, value: PropValue) -> ProviderResult<()> {
        let mut st = self.lock();
        attach_writable(&st)?;
        st.props.set(tag, value);
        Ok(())
    }
}

/// One attachment of a draft.
pub struct DraftAttach {
    inner: Arc<AttachInner>,
}

impl DraftAttach {
    fn new(message: Arc<Inner>, num: u32, props: Row, access: Access) -> DraftAttach {
        DraftAttach {
            inner: Arc::new(AttachInner {
                message,
                num,
                state: Mutex::new(AttachState { access, props }),
            }),
        }
    }

    fn all(&self) -> Row {
        with_computed(self.inner.num, &self.inner.lock().props)
    }
}

fn large(row: &Row) -> bool {
    matches!(row.get(PR_ATTACH_DATA_BIN), Some(PropValue::Binary(b)) if b.len() > GETPROPS_LIMIT)
}

#[async_trait]
impl PropObject for DraftAttach {
    fn object_type(&self) -> u32 {
        object_type::MAPI_ATTACH
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        _flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        let row = self.all();
        let big = large(&row);
        let reply = row_props(&row, tags)?;
        Ok(limit_data(reply, PR_ATTACH_DATA_BIN, big, tags.is_none()))
    }

    async fn get_prop_list(&self, _flags: u32) -> ProviderResult<Vec<PropTag>> {
        Ok(crate::object::row_prop_list(&self.all()))
    }

    async fn set_props(&self, values: &[(PropTag, PropValue)]) -> ProviderResult<Vec<PropProblem>> {
        let mut st = self.inner.lock();
        attach_writable(&st)?;
        set_values(&mut st.props, values, attach_problem)
    }

    async fn delete_props(&self, tags: &[PropTag]) -> ProviderResult<Vec<PropProblem>> {
        let mut st = self.inner.lock();
        attach_writable(&st)?;
        delete_values(&mut st.props, tags, &COMPUTED)
    }

    async fn save_changes(&self, flags: u32) -> ProviderResult<()> {
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
        let mut st = self.inner.lock();
        attach_writable(&st)?;
        let mut msg = self.inner.message.lock();
        writable(&msg)?;
        let kept = Kept {
            num: self.inner.num,
            props: st.props.clone(),
        };
        match msg.attachments.iter_mut().find(|k| k.num == kept.num) {
            Some(k) => *k = kept,
            None => {
                if msg.attachments.len() >= MAX_ATTACHMENTS {
                    return Err(error(
                        Status::MAPI_E_TOO_BIG,
                        format!("a message keeps at most {MAX_ATTACHMENTS} attachments"),
                    ));
                }
                msg.attachments.push(kept);
            }
        }
        st.access = Access::after_save(flags);
        Ok(())
    }

    async fn open_property(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Box<dyn PropStream>> {
        let current = self.all().get(tag).cloned();
        let access = attach_writable(&self.inner.lock());
        if COMPUTED.iter().any(|c| c.id() == tag.id()) && access.is_ok() {
            let write = flags & (mapi_types::object::MAPI_CREATE | MAPI_MODIFY) != 0;
            if write {
                return Err(error(
                    Status::MAPI_E_COMPUTED,
                    format!("OpenProperty: 0x{:08X} is computed", tag.0),
                ));
            }
        }
        open_stream(self.inner.clone(), tag, interface, flags, current, access)
    }
}
