//! Attachments of a local message (`IAttach`): the list a message object holds until its
//! SaveChanges ([`Attachments`]), the attachment objects ([`LocalAttach`]), and how they
//! are kept (`message_attachments`: one row per attachment with its small properties in
//! `mapi_types::codec`'s encoding; `attach_chunks`: its large values, PR_ATTACH_DATA_BIN
//! or an embedded message's RFC 5322 form, in chunks of up to 1 MiB).
//!
//! An attachment object keeps its changes until its own SaveChanges, which hands them to
//! the message object; the message's SaveChanges writes them to the file (nothing
//! reaches it before). A message that keeps the MIME it came with (imported or
//! received) and has no saved attachments lists the attachments of that MIME
//! (mapi-mime's mapping), read-only: CreateAttach and DeleteAttach on such a message,
//! and OpenAttach with `MAPI_MODIFY`, are `MAPI_E_NO_ACCESS`. One without MIME
//! attachments may get attachments; they are kept as saved attachments (its received
//! MIME form stays as it came, as for every change to a message that is not unsent).
//!
//! Modules: `kept` (how attachments are stored, copied and read for the MIME form),
//! `object` (the attachment objects).

mod kept;
mod object;

pub use kept::{ChunkReader, Part, PartData, copy, for_each_chunk, load, parts, save};
pub use object::{AttachInner, LocalAttach};

use std::collections::BTreeMap;
use std::sync::Arc;

use mapi_spi::{PropObject, ProviderResult};
use mapi_types::attach::{ATTACH_DIALOG, ATTACH_EMBEDDED_MSG, NO_ATTACHMENT};
use mapi_types::object::{MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS, MAPI_MODIFY, MAPI_UNICODE};
use mapi_types::tags::*;
use mapi_types::{MemorySource, PropTag, PropType, PropValue, Row, object_type};

use crate::error::LocalError;
use crate::message::{Access, MessageInner};
use crate::props::{Held, PropSet, check_flags};

/// The most attachments one message keeps.
pub const MAX_ATTACHMENTS: u32 = 10_000;

/// The columns of an attachment table (others follow when set).
pub const COLUMNS: [PropTag; 13] = [
    PR_ATTACH_NUM,
    PR_INSTANCE_KEY,
    PR_RECORD_KEY,
    PR_OBJECT_TYPE,
    PR_ATTACH_METHOD,
    PR_DISPLAY_NAME,
    PR_ATTACH_FILENAME,
    PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_EXTENSION,
    PR_ATTACH_MIME_TAG,
    PR_ATTACH_SIZE,
    PR_RENDERING_POSITION,
    PR_ATTACH_CONTENT_ID,
];

/// Properties of an attachment the store computes (`MAPI_E_COMPUTED` for SetProps).
const COMPUTED: [PropTag; 2] = [PR_ATTACH_NUM, PR_ATTACH_SIZE];

/// One attachment as the message object holds it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its `message_attachments` row, once saved.
    pub row: Option<i64>,
    /// Its properties.
    pub props: PropSet,
    /// Changed since loaded.
    pub changed: bool,
}

/// The attachments of a message object.
#[derive(Clone, Debug, Default)]
pub struct Attachments {
    /// By PR_ATTACH_NUM.
    pub entries: BTreeMap<u32, Entry>,
    /// The number the next CreateAttach gives.
    pub next: u32,
    /// Saved rows deleted since loaded.
    pub removed: Vec<i64>,
    /// Changed since loaded.
    pub dirty: bool,
    /// Read from the message's MIME: read-only.
    pub from_mime: bool,
}

fn read_only_mime() -> LocalError {
    LocalError::ReadOnly {
        what: "the attachments of a message that keeps its received MIME".into(),
    }
}

fn not_found(num: u32) -> LocalError {
    LocalError::NotFound {
        what: format!("attachment {num}"),
    }
}

/// The bytes a held value stands for.
fn held_len(held: &Held) -> u64 {
    match held {
        Held::Value(PropValue::Binary(b)) => b.len() as u64,
        Held::Value(v) => v.as_str().map_or(0, |s| s.len() as u64),
        Held::Large(len, _) => *len,
        Held::Staged(s) => s.len(),
    }
}

/// PR_ATTACH_METHOD.
fn method_of(props: &PropSet) -> Option<i32> {
    props.get(PR_ATTACH_METHOD.id()).and_then(|(_, h)| match h {
        Held::Value(PropValue::Long(m)) => Some(*m),
        _ => None,
    })
}

/// Sets the properties the store computes for attachment `num` (PR_ATTACH_SIZE: the
/// bytes of its data, an embedded message's RFC 5322 form).
fn computed(props: &mut PropSet, num: u32, message: i64) {
    let put = |props: &mut PropSet, tag, v| props.put(tag, Held::Value(v));
    put(props, PR_ATTACH_NUM, PropValue::Long(num as i32));
    put(
        props,
        PR_OBJECT_TYPE,
        PropValue::Long(object_type::MAPI_ATTACH as i32),
    );
    put(
        props,
        PR_INSTANCE_KEY,
        PropValue::Binary(num.to_le_bytes().to_vec()),
    );
    let mut key = message.to_le_bytes().to_vec();
    key.extend_from_slice(&num.to_le_bytes());
    put(props, PR_RECORD_KEY, PropValue::Binary(key));
    let data = if method_of(props) == Some(ATTACH_EMBEDDED_MSG) {
        PR_ATTACH_DATA_OBJ
    } else {
        PR_ATTACH_DATA_BIN
    };
    let size = props.get(data.id()).map_or(0, |(_, h)| held_len(h));
    put(
        props,
        PR_ATTACH_SIZE,
        PropValue::Long(size.min(i32::MAX as u64) as i32),
    );
}

impl Attachments {
    /// The attachment table's rows.
    pub fn table(&self, flags: u32) -> Result<MemorySource, LocalError> {
        let mut rows = Vec::with_capacity(self.entries.len());
        let mut tags: Vec<PropTag> = COLUMNS.to_vec();
        for entry in self.entries.values() {
            for (t, _) in entry.props.iter() {
                if !tags.iter().any(|c| c.id() == t.id()) && t.prop_type() != PropType::PT_OBJECT {
                    tags.push(*t);
                }
            }
        }
        for entry in self.entries.values() {
            let values = entry.props.get_props(Some(&tags), flags)?.value;
            rows.push(Row(values
                .into_iter()
                .filter(|(t, _)| t.prop_type() != PropType::PT_ERROR)
                .collect()));
        }
        let columns: Vec<PropTag> = COLUMNS
            .iter()
            .map(|t| match t.prop_type() {
                PropType::PT_UNICODE if flags & MAPI_UNICODE == 0 => {
                    t.with_type(PropType::PT_STRING8)
                }
                _ => *t,
            })
            .collect();
        Ok(MemorySource::new(&columns, rows))
    }
}

impl MessageInner {
    /// The attachment list, read from the store on first use.
    fn attachments<'s>(
        &self,
        st: &'s mut crate::message::State,
    ) -> Result<&'s mut Attachments, LocalError> {
        if st.attachments.is_none() {
            let loaded = self
                .ctx
                .with_conn(|conn| load(conn, &self.ctx, self.id()))?;
            st.attachments = Some(loaded);
        }
        Ok(st.attachments.get_or_insert_with(Attachments::default))
    }

    fn not_closed(st: &crate::message::State) -> Result<(), LocalError> {
        if st.access == Access::Closed {
            return Err(LocalError::Closed);
        }
        Ok(())
    }

    fn create_attach_now(self: &Arc<Self>, flags: u32) -> Result<LocalAttach, LocalError> {
        check_flags("CreateAttach", flags, MAPI_DEFERRED_ERRORS)?;
        let mut st = self.lock();
        self.writable(&st)?;
        let id = self.id();
        let a = self.attachments(&mut st)?;
        if a.from_mime && !a.entries.is_empty() {
            return Err(read_only_mime());
        }
        if a.next >= MAX_ATTACHMENTS {
            return Err(LocalError::TooBig {
                detail: format!("a message keeps at most {MAX_ATTACHMENTS} attachments"),
            });
        }
        a.from_mime = false;
        let num = a.next;
        a.next += 1;
        let mut props = PropSet::default();
        props.put(
            PR_ATTACH_METHOD,
            Held::Value(PropValue::Long(NO_ATTACHMENT)),
        );
        props.put(PR_RENDERING_POSITION, Held::Value(PropValue::Long(-1)));
        computed(&mut props, num, id);
        Ok(LocalAttach::new(
            self.clone(),
            num,
            props,
            true,
            Access::ReadWrite,
        ))
    }

    fn open_attach_now(self: &Arc<Self>, num: u32, flags: u32) -> Result<LocalAttach, LocalError> {
        check_flags(
            "OpenAttach",
            flags,
            MAPI_MODIFY | MAPI_BEST_ACCESS | MAPI_DEFERRED_ERRORS,
        )?;
        let mut st = self.lock();
        Self::not_closed(&st)?;
        let msg_writable = self.writable(&st).is_ok();
        let a = self.attachments(&mut st)?;
        let from_mime = a.from_mime;
        let entry = a.entries.get(&num).ok_or_else(|| not_found(num))?;
        let access = if flags & MAPI_MODIFY != 0 {
            if from_mime {
                return Err(read_only_mime());
            }
            if !msg_writable {
                return Err(LocalError::ReadOnly { what: self.what() });
            }
            Access::ReadWrite
        } else if flags & MAPI_BEST_ACCESS != 0 && msg_writable && !from_mime {
            Access::ReadWrite
        } else {
            Access::ReadOnly
        };
        Ok(LocalAttach::new(
            self.clone(),
            num,
            entry.props.clone(),
            false,
            access,
        ))
    }

    fn delete_attach_now(&self, num: u32, flags: u32) -> Result<(), LocalError> {
        check_flags("DeleteAttach", flags, ATTACH_DIALOG)?;
        let mut st = self.lock();
        self.writable(&st)?;
        let a = self.attachments(&mut st)?;
        if a.from_mime {
            return Err(if a.entries.contains_key(&num) {
                read_only_mime()
            } else {
                not_found(num)
            });
        }
        let entry = a.entries.remove(&num).ok_or_else(|| not_found(num))?;
        a.removed.extend(entry.row);
        a.dirty = true;
        Ok(())
    }

    fn attachment_table_now(&self, flags: u32) -> Result<MemorySource, LocalError> {
        check_flags(
            "GetAttachmentTable",
            flags,
            MAPI_UNICODE | MAPI_DEFERRED_ERRORS,
        )?;
        let mut st = self.lock();
        Self::not_closed(&st)?;
        self.attachments(&mut st)?.table(flags)
    }

    /// An attachment object's SaveChanges: its properties become the message's
    /// attachment `num`.
    fn take_attach(&self, num: u32, created: bool, props: PropSet) -> Result<(), LocalError> {
        let mut st = self.lock();
        self.writable(&st)?;
        let a = self.attachments(&mut st)?;
        if a.from_mime {
            return Err(read_only_mime());
        }
        let row = match a.entries.get(&num) {
            Some(e) => e.row,
            None if created => None,
            None => {
                return Err(LocalError::ObjectDeleted {
                    what: format!("attachment {num}"),
                });
            }
        };
        a.entries.insert(
            num,
            Entry {
                row,
                props,
                changed: true,
            },
        );
        a.dirty = true;
        Ok(())
    }

    /// After the message's SaveChanges wrote changed attachments: they are read again
    /// (with the rows the save gave them); numbers given out stay given out.
    pub(crate) fn attachments_saved(
        &self,
        st: &mut crate::message::State,
    ) -> Result<(), LocalError> {
        let Some(next) = st.attachments.as_ref().filter(|a| a.dirty).map(|a| a.next) else {
            return Ok(());
        };
        let mut loaded = self
            .ctx
            .with_conn(|conn| load(conn, &self.ctx, self.id()))?;
        loaded.next = loaded.next.max(next);
        st.attachments = Some(loaded);
        Ok(())
    }

    /// Before the message's SaveChanges writes: PR_HASATTACH and MSGFLAG_HASATTACH
    /// follow changed attachments. Whether they changed.
    pub(crate) fn attachments_changed(st: &crate::message::State) -> Option<bool> {
        st.attachments
            .as_ref()
            .filter(|a| a.dirty && !a.from_mime)
            .map(|a| !a.entries.is_empty())
    }
}

/// The attachment methods of a local message (`IMessage`).
pub(crate) struct MessageAttach;

impl MessageAttach {
    pub(crate) fn create(
        msg: &Arc<MessageInner>,
        flags: u32,
    ) -> ProviderResult<(u32, Arc<dyn PropObject>)> {
        let a = msg.create_attach_now(flags)?;
        Ok((a.inner.num, Arc::new(a)))
    }

    pub(crate) fn open(
        msg: &Arc<MessageInner>,
        num: u32,
        flags: u32,
    ) -> ProviderResult<Arc<dyn PropObject>> {
        Ok(Arc::new(msg.open_attach_now(num, flags)?))
    }

    pub(crate) fn delete(msg: &Arc<MessageInner>, num: u32, flags: u32) -> ProviderResult<()> {
        Ok(msg.delete_attach_now(num, flags)?)
    }

    pub(crate) fn table(
        msg: &Arc<MessageInner>,
        flags: u32,
    ) -> ProviderResult<Box<dyn mapi_types::RowSource>> {
        Ok(Box::new(msg.attachment_table_now(flags)?))
    }
}
