//! [`CachedAttachment`]: one MIME attachment of a cached message, a read-only `IAttach`.
//! Its properties are mapi-mime's ([`MimeAttachment::row`]) with PR_OBJECT_TYPE,
//! PR_INSTANCE_KEY and PR_RECORD_KEY; PR_ATTACH_DATA_BIN (an embedded message's RFC 5322
//! form as PR_ATTACH_DATA_OBJ) comes back from GetProps up to [`GETPROPS_LIMIT`] bytes,
//! larger as PT_ERROR MAPI_E_NOT_ENOUGH_MEMORY, and always as a read-only stream through
//! OpenProperty. An embedded message opens as a read-only message
//! (OpenProperty(PR_ATTACH_DATA_OBJ, IID_IMessage)). Every change answers
//! MAPI_E_NO_ACCESS, as on the message.

use std::sync::Arc;

use mapi_mime::{MessageParser, MessageProps, MimeAttachment};
use mapi_spi::{
    PropObject, PropStream, PropValues, ProviderError, ProviderResult, Reply, async_trait,
};
use mapi_types::attach::IID_IMESSAGE;
use mapi_types::object::{MAPI_BEST_ACCESS, MAPI_CREATE, MAPI_MODIFY};
use mapi_types::tags::*;
use mapi_types::{MapiUid, PropProblem, PropTag, PropType, PropValue, Row, Status, object_type};

use crate::object::{CachedMessage, ReadStream, check_open, no_access, row_prop_list, row_props};

/// Values up to this size come back from GetProps; larger ones are read through
/// OpenProperty.
pub const GETPROPS_LIMIT: usize = 256 * 1024;

/// The columns of a cached message's attachment table.
pub const ATTACHMENT_COLUMNS: [PropTag; 10] = [
    PR_ATTACH_NUM,
    PR_INSTANCE_KEY,
    PR_RECORD_KEY,
    PR_ATTACH_METHOD,
    PR_ATTACH_FILENAME,
    PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_MIME_TAG,
    PR_ATTACH_SIZE,
    PR_RENDERING_POSITION,
    PR_DISPLAY_NAME,
];

/// An attachment's properties without its data.
pub fn table_row(a: &MimeAttachment) -> Row {
    let mut row = a.row();
    row.set(
        PR_OBJECT_TYPE,
        PropValue::Long(object_type::MAPI_ATTACH as i32),
    );
    row.set(
        PR_INSTANCE_KEY,
        PropValue::Binary(a.num.to_le_bytes().to_vec()),
    );
    row.set(
        PR_RECORD_KEY,
        PropValue::Binary(a.num.to_le_bytes().to_vec()),
    );
    row
}

/// A cached message's attachment, read-only.
pub struct CachedAttachment {
    attachment: Arc<MimeAttachment>,
    row: Row,
}

impl CachedAttachment {
    /// The object over one attachment.
    pub fn new(attachment: Arc<MimeAttachment>) -> CachedAttachment {
        let mut row = table_row(&attachment);
        let tag = data_tag(&attachment);
        if attachment.data.len() <= GETPROPS_LIMIT {
            row.set(tag, PropValue::Binary(attachment.data.clone()));
        }
        CachedAttachment { attachment, row }
    }

    pub(crate) fn is_data(&self, tag: PropTag) -> bool {
        tag.id() == data_tag(&self.attachment).id()
    }
}

fn data_tag(a: &MimeAttachment) -> PropTag {
    if a.embedded {
        PR_ATTACH_DATA_OBJ
    } else {
        PR_ATTACH_DATA_BIN
    }
}

fn too_big(tag: PropTag) -> (PropTag, PropValue) {
    (
        tag.with_type(PropType::PT_ERROR),
        PropValue::Error(Status::MAPI_E_NOT_ENOUGH_MEMORY.0),
    )
}

/// A GetProps reply with the attachment data `tag` replaced by PT_ERROR
/// MAPI_E_NOT_ENOUGH_MEMORY when it is `large` (and MAPI_W_ERRORS_RETURNED); `all`
/// when every property was asked for.
pub(crate) fn limit_data(
    mut reply: Reply<PropValues>,
    tag: PropTag,
    large: bool,
    all: bool,
) -> Reply<PropValues> {
    if !large {
        return reply;
    }
    let mut hit = false;
    for v in reply.value.iter_mut().filter(|(t, _)| t.id() == tag.id()) {
        let asked = if all { tag } else { v.0 };
        *v = too_big(asked);
        hit = true;
    }
    if hit {
        reply.status = Status::MAPI_W_ERRORS_RETURNED;
    }
    reply
}

#[async_trait]
impl PropObject for CachedAttachment {
    fn object_type(&self) -> u32 {
        object_type::MAPI_ATTACH
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        _flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        let large = self.attachment.data.len() > GETPROPS_LIMIT;
        let reply = row_props(&self.row, tags)?;
        let tag = data_tag(&self.attachment);
        // the row holds no data that is too large: GetProps of all adds its error
        let mut reply = limit_data(reply, tag, large, false);
        if large && tags.is_none() {
            reply.value.push(too_big(tag));
            reply.status = Status::MAPI_W_ERRORS_RETURNED;
        }
        Ok(reply)
    }

    async fn get_prop_list(&self, _flags: u32) -> ProviderResult<Vec<PropTag>> {
        let mut list = row_prop_list(&self.row);
        if self.attachment.data.len() > GETPROPS_LIMIT {
            list.push(data_tag(&self.attachment));
        }
        Ok(list)
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
        if !self.is_data(tag) {
            return Err(ProviderError::new(
                Status::MAPI_E_NO_SUPPORT,
                format!("OpenProperty: no stream for 0x{:08X}", tag.0),
            ));
        }
        let bytes: Arc<[u8]> = self.attachment.data.as_slice().into();
        Ok(Box::new(ReadStream::new(bytes, flags)))
    }

    async fn open_property_object(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Arc<dyn PropObject>> {
        if *interface != IID_IMESSAGE || tag.id() != PR_ATTACH_DATA_OBJ.id() {
            return Err(ProviderError::new(
                Status::MAPI_E_INTERFACE_NOT_SUPPORTED,
                format!(
                    "an attachment opens PR_ATTACH_DATA_OBJ as IID_IMessage, not {tag} as {interface}"
                ),
            ));
        }
        if !self.attachment.embedded {
            return Err(ProviderError::new(
                Status::MAPI_E_NOT_FOUND,
                "the attachment is not an embedded message",
            ));
        }
        let parser = MessageParser::new();
        let raw = &self.attachment.data;
        let row = MessageProps::map(&parser, raw).into_row(None);
        if flags & (MAPI_MODIFY | MAPI_CREATE) != 0 {
            return Err(no_access("OpenProperty of an embedded message for writing"));
        }
        let message = CachedMessage::open(row, flags & !MAPI_BEST_ACCESS)?
            .with_attachments(mapi_mime::attachments(&parser, raw));
        Ok(Arc::new(message))
    }
}
