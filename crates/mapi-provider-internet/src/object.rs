//! [`CachedMessage`]: a cached message as a read-only property object (`IMessage`'s
//! IMAPIProp part): GetProps and GetPropList over the properties mapi-mime maps from its
//! bytes, and OpenProperty streams (read, seek, stat) over PR_BODY, PR_HTML and
//! PR_TRANSPORT_MESSAGE_HEADERS, its MIME attachments through GetAttachmentTable
//! and OpenAttach ([`crate::cached_attach`]), and the recipients its To, Cc and Bcc
//! name through GetRecipientTable (read from its header block when asked for). This is
//! what OpenEntry without MAPI_MODIFY gives (MAPI_BEST_ACCESS too): SetProps,
//! DeleteProps, SaveChanges, ModifyRecipients, CreateAttach, DeleteAttach and writing
//! streams answer MAPI_E_NO_ACCESS. With MAPI_MODIFY the store opens the message as a
//! writable [`crate::draft::DraftMessage`] instead, whose SaveChanges replaces the
//! server copy; new messages are written through CreateMessage.

use std::sync::{Arc, Mutex};

use mapi_mime::MimeAttachment;

use mapi_spi::{
    PropObject, PropStream, PropValues, ProviderError, ProviderResult, Reply, async_trait,
};
use mapi_types::object::{
    IID_ISTREAM, MAPI_BEST_ACCESS, MAPI_CREATE, MAPI_DEFERRED_ERRORS, MAPI_MODIFY, MAPI_UNICODE,
    STGM_READ, STREAM_APPEND, STREAM_SEEK_CUR, STREAM_SEEK_END, STREAM_SEEK_SET, StreamStat,
};
use mapi_types::{
    MapiUid, MemorySource, PropProblem, PropTag, PropType, PropValue, Row, RowSource, Status,
    object_type, tags,
};

use crate::cached_attach::{ATTACHMENT_COLUMNS, CachedAttachment};

pub(crate) fn no_access(what: &str) -> ProviderError {
    ProviderError::new(
        Status::MAPI_E_NO_ACCESS,
        format!(
            "{what}: messages of an IMAP store are read-only objects (change them with the folder's operations)"
        ),
    )
}

/// A cached message, read-only.
pub struct CachedMessage {
    row: Row,
    attachments: Vec<Arc<MimeAttachment>>,
    /// The store whose named-property map the message answers with.
    store: Option<Arc<crate::store::Shared>>,
}

impl CachedMessage {
    /// The object over a message's property row; `flags` are OpenEntry's (asking to
    /// modify is refused with MAPI_E_NO_ACCESS, `MAPI_BEST_ACCESS` gives read-only).
    pub fn open(row: Row, flags: u32) -> ProviderResult<CachedMessage> {
        let known = MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS;
        if flags & !known != 0 {
            return Err(ProviderError::new(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("OpenEntry: unknown flags 0x{:08X}", flags & !known),
            ));
        }
        if flags & MAPI_MODIFY != 0 {
            return Err(no_access("OpenEntry with MAPI_MODIFY"));
        }
        Ok(CachedMessage {
            row,
            attachments: Vec::new(),
            store: None,
        })
    }

    /// The object with its store's named-property map (`PS_INTERNET_HEADERS` names
    /// give the message's header fields).
    pub(crate) fn with_store(mut self, store: Arc<crate::store::Shared>) -> CachedMessage {
        self.store = Some(store);
        self
    }

    /// The row with the named header fields of the store's map.
    fn full_row(&self) -> std::borrow::Cow<'_, Row> {
        match &self.store {
            Some(s) => std::borrow::Cow::Owned(crate::named::with_headers(&s.db, &self.row)),
            None => std::borrow::Cow::Borrowed(&self.row),
        }
    }

    fn store(&self, call: &str) -> ProviderResult<&crate::store::Shared> {
        self.store
            .as_deref()
            .ok_or_else(|| ProviderError::no_support(format!("{call} outside a store")))
    }

    /// The object with the MIME attachments of its message.
    pub fn with_attachments(mut self, attachments: Vec<MimeAttachment>) -> CachedMessage {
        self.attachments = attachments.into_iter().map(Arc::new).collect();
        self
    }

    fn attachment(&self, num: u32) -> ProviderResult<&Arc<MimeAttachment>> {
        self.attachments
            .iter()
            .find(|a| a.num == num)
            .ok_or_else(|| {
                ProviderError::new(
                    Status::MAPI_E_NOT_FOUND,
                    format!("OpenAttach: the message has no attachment {num}"),
                )
            })
    }
}

/// The value of `tag` in `row` as asked: the same id, and its type or the other string
/// width.
fn value_in(row: &Row, tag: PropTag) -> Option<PropValue> {
    let v = row.get(tag)?;
    match (tag.prop_type(), v) {
        (PropType::PT_UNSPECIFIED, v) => Some(v.clone()),
        (PropType::PT_STRING8, PropValue::Unicode(s)) => Some(PropValue::String8(s.clone())),
        (PropType::PT_UNICODE, PropValue::String8(s)) => Some(PropValue::Unicode(s.clone())),
        (t, v) if v.prop_type() == t => Some(v.clone()),
        _ => None,
    }
}

fn tag_of(tag: PropTag, v: &PropValue) -> PropTag {
    tag.with_type(v.prop_type())
}

/// GetProps over a read-only row: all of it, or `tags` with PT_ERROR MAPI_E_NOT_FOUND
/// for those it lacks (and MAPI_W_ERRORS_RETURNED).
pub(crate) fn row_props(row: &Row, tags: Option<&[PropTag]>) -> ProviderResult<Reply<PropValues>> {
    let Some(tags) = tags else {
        let all = row.0.iter().map(|(t, v)| (tag_of(*t, v), v.clone()));
        return Ok(Reply::ok(all.collect()));
    };
    if tags.len() > 4096 {
        return Err(ProviderError::new(
            Status::MAPI_E_INVALID_PARAMETER,
            format!("GetProps: {} tags (at most 4096)", tags.len()),
        ));
    }
    let mut errors = false;
    let values = tags
        .iter()
        .map(|&t| match value_in(row, t) {
            Some(v) => (tag_of(t, &v), v),
            None => {
                errors = true;
                (
                    t.with_type(PropType::PT_ERROR),
                    PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
                )
            }
        })
        .collect();
    Ok(Reply::warn_if(errors, values))
}

/// GetPropList over a read-only row.
pub(crate) fn row_prop_list(row: &Row) -> Vec<PropTag> {
    row.0.iter().map(|(t, v)| tag_of(*t, v)).collect()
}

/// The checks of OpenProperty as IStream on a read-only object.
pub(crate) fn check_open(interface: &MapiUid, flags: u32) -> ProviderResult<()> {
    if *interface != IID_ISTREAM {
        return Err(ProviderError::new(
            Status::MAPI_E_INTERFACE_NOT_SUPPORTED,
            "OpenProperty: only IStream",
        ));
    }
    if flags & (MAPI_MODIFY | MAPI_CREATE) != 0 {
        return Err(no_access("OpenProperty for writing"));
    }
    Ok(())
}

#[async_trait]
impl PropObject for CachedMessage {
    fn object_type(&self) -> u32 {
        object_type::MAPI_MESSAGE
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        _flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        row_props(&self.full_row(), tags)
    }

    async fn get_prop_list(&self, _flags: u32) -> ProviderResult<Vec<PropTag>> {
        Ok(row_prop_list(&self.full_row()))
    }

    async fn get_ids_from_names(
        &self,
        names: &[mapi_types::NameId],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<PropTag>>> {
        crate::named::get_ids(&self.store("GetIDsFromNames")?.db, names, flags)
    }

    async fn get_names_from_ids(
        &self,
        tags: Option<&[PropTag]>,
        guid: Option<&MapiUid>,
        flags: u32,
    ) -> ProviderResult<Reply<mapi_spi::PropNames>> {
        crate::named::get_names(&self.store("GetNamesFromIDs")?.db, tags, guid, flags)
    }

    async fn set_props(
        &self,
        _values: &[(PropTag, PropValue)],
    ) -> ProviderResult<Vec<PropProblem>> {
        Err(no_access("SetProps"))
    }

    async fn delete_props(&self, _tags: &[PropTag]) -> ProviderResult<Vec<PropProblem>> {
        Err(no_access("DeleteProps"))
    }

    async fn save_changes(&self, _flags: u32) -> ProviderResult<()> {
        Err(no_access("SaveChanges"))
    }

    async fn open_property(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Box<dyn PropStream>> {
        check_open(interface, flags)?;
        let streamable = [
            tags::PR_BODY,
            tags::PR_HTML,
            tags::PR_TRANSPORT_MESSAGE_HEADERS,
        ];
        if !streamable.iter().any(|t| t.id() == tag.id()) {
            return Err(ProviderError::new(
                Status::MAPI_E_NO_SUPPORT,
                format!("OpenProperty: no stream for 0x{:08X}", tag.0),
            ));
        }
        let bytes = match self.row.get(tag) {
            Some(PropValue::Unicode(s) | PropValue::String8(s)) => s.clone().into_bytes(),
            Some(PropValue::Binary(b)) => b.clone(),
            _ => {
                return Err(ProviderError::new(
                    Status::MAPI_E_NOT_FOUND,
                    format!("OpenProperty: the message has no 0x{:08X}", tag.0),
                ));
            }
        };
        Ok(Box::new(ReadStream::new(bytes.into(), flags)))
    }

    async fn modify_recipients(&self, _flags: u32, _rows: &[Row]) -> ProviderResult<()> {
        Err(no_access("ModifyRecipients"))
    }

    async fn recipient_table(&self, flags: u32) -> ProviderResult<Box<dyn RowSource>> {
        if flags & !(MAPI_UNICODE | MAPI_DEFERRED_ERRORS) != 0 {
            return Err(ProviderError::new(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!(
                    "GetRecipientTable: unknown flags 0x{:08X}",
                    flags & !(MAPI_UNICODE | MAPI_DEFERRED_ERRORS)
                ),
            ));
        }
        Ok(Box::new(MemorySource::new(
            &RECIPIENT_COLUMNS,
            recipient_rows(&self.row),
        )))
    }

    async fn create_attach(&self, _flags: u32) -> ProviderResult<(u32, Arc<dyn PropObject>)> {
        Err(no_access("CreateAttach"))
    }

    async fn open_attach(&self, num: u32, flags: u32) -> ProviderResult<Arc<dyn PropObject>> {
        let known = MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS;
        if flags & !known != 0 {
            return Err(ProviderError::new(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("OpenAttach: unknown flags 0x{:08X}", flags & !known),
            ));
        }
        let a = self.attachment(num)?;
        if flags & MAPI_MODIFY != 0 {
            return Err(no_access("OpenAttach with MAPI_MODIFY"));
        }
        Ok(Arc::new(CachedAttachment::new(a.clone())))
    }

    async fn delete_attach(&self, num: u32, _flags: u32) -> ProviderResult<()> {
        self.attachment(num)?;
        Err(no_access("DeleteAttach"))
    }

    async fn attachment_table(&self, flags: u32) -> ProviderResult<Box<dyn RowSource>> {
        if flags & !MAPI_UNICODE != 0 {
            return Err(ProviderError::new(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!(
                    "GetAttachmentTable: unknown flags 0x{:08X}",
                    flags & !MAPI_UNICODE
                ),
            ));
        }
        let rows = self
            .attachments
            .iter()
            .map(|a| crate::cached_attach::table_row(a))
            .collect();
        Ok(Box::new(MemorySource::new(&ATTACHMENT_COLUMNS, rows)))
    }
}

/// The columns of a cached message's recipient table.
const RECIPIENT_COLUMNS: [PropTag; 6] = [
    tags::PR_ROWID,
    tags::PR_INSTANCE_KEY,
    tags::PR_RECIPIENT_TYPE,
    tags::PR_DISPLAY_NAME,
    tags::PR_EMAIL_ADDRESS,
    tags::PR_ADDRTYPE,
];

/// The recipients a message's To, Cc and Bcc name (`mapi_mime::recipients` over its
/// header block, PR_TRANSPORT_MESSAGE_HEADERS), numbered from 1, each with its
/// PR_INSTANCE_KEY.
fn recipient_rows(row: &Row) -> Vec<Row> {
    let Some(headers) = row.str(tags::PR_TRANSPORT_MESSAGE_HEADERS) else {
        return Vec::new();
    };
    // The header block as a message with an empty body.
    let mut raw = headers.as_bytes().to_vec();
    if !raw.ends_with(b"\r\n") {
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"\r\n");
    mapi_mime::recipients(&mapi_mime::MessageParser::new(), &raw)
        .into_iter()
        .map(|mut r| {
            let id = r.int(tags::PR_ROWID).unwrap_or(0) as u32;
            r.set(
                tags::PR_INSTANCE_KEY,
                PropValue::Binary(id.to_le_bytes().to_vec()),
            );
            r
        })
        .collect()
}

/// A read-only stream over a value held in memory.
pub(crate) struct ReadStream {
    bytes: Arc<[u8]>,
    pos: Mutex<u64>,
}

impl ReadStream {
    /// A stream over `bytes`, at its end with `STREAM_APPEND` in `flags`, else at 0.
    pub(crate) fn new(bytes: Arc<[u8]>, flags: u32) -> ReadStream {
        let pos = if flags & STREAM_APPEND != 0 {
            bytes.len() as u64
        } else {
            0
        };
        ReadStream {
            bytes,
            pos: Mutex::new(pos),
        }
    }

    fn pos(&self) -> std::sync::MutexGuard<'_, u64> {
        self.pos.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl PropStream for ReadStream {
    async fn read(&self, buf: &mut [u8]) -> ProviderResult<usize> {
        let mut pos = self.pos();
        let start = (*pos).min(self.bytes.len() as u64) as usize;
        let n = buf.len().min(self.bytes.len() - start);
        buf[..n].copy_from_slice(&self.bytes[start..start + n]);
        *pos = (start + n) as u64;
        Ok(n)
    }

    async fn write(&self, _data: &[u8]) -> ProviderResult<usize> {
        Err(no_access("Write"))
    }

    async fn seek(&self, offset: i64, origin: u32) -> ProviderResult<u64> {
        let mut pos = self.pos();
        let base = match origin {
            STREAM_SEEK_SET => 0i128,
            STREAM_SEEK_CUR => i128::from(*pos),
            STREAM_SEEK_END => self.bytes.len() as i128,
            _ => {
                return Err(ProviderError::new(
                    Status::MAPI_E_INVALID_PARAMETER,
                    format!("Seek: origin {origin}"),
                ));
            }
        };
        let to = base + i128::from(offset);
        let to = u64::try_from(to).map_err(|_| {
            ProviderError::new(Status::MAPI_E_INVALID_PARAMETER, "Seek: before the start")
        })?;
        *pos = to;
        Ok(to)
    }

    async fn set_size(&self, _size: u64) -> ProviderResult<()> {
        Err(no_access("SetSize"))
    }

    async fn stat(&self) -> ProviderResult<StreamStat> {
        Ok(StreamStat {
            size: self.bytes.len() as u64,
            mode: STGM_READ,
        })
    }

    async fn commit(&self, _flags: u32) -> ProviderResult<()> {
        Err(no_access("Commit"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn message() -> CachedMessage {
        let raw = b"From: Ann <ann@example.org>\r\nSubject: RE: hello\r\n\r\nbody text\r\n";
        let store = [7u8; 16];
        let m = crate::cache::MessageRow {
            id: 3,
            folder_id: 2,
            uidvalidity: 1,
            uid: 9,
            seen: true,
            size: raw.len() as i64,
            delivery_time: Some(1_700_000_000),
            subject: None,
            sender_name: None,
            sender_email: None,
            display_to: None,
            message_id: None,
        };
        CachedMessage::open(crate::props::full_message(&store, &m, raw), 0).unwrap()
    }

    #[test]
    fn get_props_gives_mapped_values_and_pt_error_for_missing_ones() {
        let m = message();
        let r = block_on(m.get_props(
            Some(&[tags::PR_SUBJECT, tags::PR_NORMALIZED_SUBJECT, tags::PR_HTML]),
            MAPI_UNICODE,
        ))
        .unwrap();
        assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
        assert_eq!(r.value[0].1, PropValue::Unicode("RE: hello".into()));
        assert_eq!(r.value[1].1, PropValue::Unicode("hello".into()));
        assert_eq!(r.value[2].0, tags::PR_HTML.with_type(PropType::PT_ERROR));
        assert_eq!(r.value[2].1, PropValue::Error(Status::MAPI_E_NOT_FOUND.0));
        let a = block_on(m.get_props(Some(&[tags::PR_SUBJECT.with_type(PropType::PT_STRING8)]), 0))
            .unwrap();
        assert_eq!(a.status, Status::S_OK);
        assert_eq!(a.value[0].1, PropValue::String8("RE: hello".into()));
        let list = block_on(m.get_prop_list(0)).unwrap();
        assert!(list.contains(&tags::PR_SUBJECT) && list.contains(&tags::PR_ENTRYID));
    }

    #[test]
    fn the_recipient_table_shows_the_mime_recipients_read_only() {
        let raw =
            b"From: Ann <ann@example.org>\r\nTo: Bob <bob@example.org>,\r\n carol@example.net\r\n\
Cc: \"Dave D\" <dave@example.org>\r\nBcc: eve@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
        let mut m = crate::cache::MessageRow {
            id: 3,
            folder_id: 2,
            uidvalidity: 1,
            uid: 9,
            seen: true,
            size: raw.len() as i64,
            delivery_time: None,
            subject: None,
            sender_name: None,
            sender_email: None,
            display_to: None,
            message_id: None,
        };
        let msg = CachedMessage::open(crate::props::full_message(&[7; 16], &m, raw), 0).unwrap();
        let mut t = block_on(msg.recipient_table(MAPI_UNICODE)).unwrap();
        let n = t.count().unwrap();
        let rows = t.rows(0, n, &t.all_columns()).unwrap();
        let seen: Vec<(i64, i64, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.int(tags::PR_ROWID).unwrap(),
                    r.int(tags::PR_RECIPIENT_TYPE).unwrap(),
                    r.str(tags::PR_DISPLAY_NAME).unwrap(),
                    r.str(tags::PR_EMAIL_ADDRESS).unwrap(),
                )
            })
            .collect();
        use mapi_types::recipient::{MAPI_BCC, MAPI_CC, MAPI_TO};
        assert_eq!(
            seen,
            [
                (1, MAPI_TO as i64, "Bob", "bob@example.org"),
                (2, MAPI_TO as i64, "carol@example.net", "carol@example.net"),
                (3, MAPI_CC as i64, "Dave D", "dave@example.org"),
                (4, MAPI_BCC as i64, "eve@example.org", "eve@example.org"),
            ]
        );
        assert_eq!(rows[0].str(tags::PR_ADDRTYPE), Some("SMTP"));
        assert_eq!(
            rows[1].get(tags::PR_INSTANCE_KEY),
            Some(&PropValue::Binary(2u32.to_le_bytes().to_vec()))
        );
        assert_eq!(
            block_on(msg.modify_recipients(0, &rows))
                .err()
                .unwrap()
                .status,
            Status::MAPI_E_NO_ACCESS
        );
        assert_eq!(
            block_on(msg.recipient_table(0x1)).err().unwrap().status,
            Status::MAPI_E_UNKNOWN_FLAGS
        );
        // A message without recipients has an empty table.
        let plain = b"From: Ann <ann@example.org>\r\nSubject: hi\r\n\r\nbody\r\n";
        m.size = plain.len() as i64;
        let msg = CachedMessage::open(crate::props::full_message(&[7; 16], &m, plain), 0).unwrap();
        assert_eq!(
            block_on(msg.recipient_table(0)).unwrap().count().unwrap(),
            0
        );
    }

    #[test]
    fn streams_read_seek_and_refuse_writes() {
        let m = message();
        let s = block_on(m.open_property(tags::PR_BODY, &IID_ISTREAM, 0)).unwrap();
        let size = block_on(s.stat()).unwrap().size;
        let mut buf = vec![0; 64];
        let n = block_on(s.read(&mut buf)).unwrap();
        assert_eq!(n as u64, size);
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("body text"));
        assert_eq!(block_on(s.read(&mut buf)).unwrap(), 0, "at the end");
        assert_eq!(block_on(s.seek(-4, STREAM_SEEK_END)).unwrap(), size - 4);
        assert_eq!(
            block_on(s.seek(-100, STREAM_SEEK_CUR))
                .err()
                .unwrap()
                .status,
            Status::MAPI_E_INVALID_PARAMETER
        );
        for st in [
            block_on(s.write(b"x")).err().unwrap().status,
            block_on(s.set_size(1 << 31)).err().unwrap().status,
            block_on(m.set_props(&[])).err().unwrap().status,
            block_on(m.save_changes(0)).err().unwrap().status,
            block_on(m.open_property(tags::PR_BODY, &IID_ISTREAM, MAPI_MODIFY))
                .err()
                .unwrap()
                .status,
        ] {
            assert_eq!(st, Status::MAPI_E_NO_ACCESS);
        }
        assert_eq!(
            CachedMessage::open(Row::default(), MAPI_MODIFY)
                .err()
                .unwrap()
                .status,
            Status::MAPI_E_NO_ACCESS
        );
        assert!(CachedMessage::open(Row::default(), MAPI_BEST_ACCESS).is_ok());
    }
}
