//! Property objects over the link: [`ObjectOp`], one per `IMAPIProp` / `IStream` method
//! (carried by [`crate::RequestBody::Object`]), and [`ObjectReply`] (carried by
//! [`crate::ResponseBody::Object`]). Objects and streams are handles the daemon holds
//! per session handle; a reply with a warning (`MAPI_W_ERRORS_RETURNED`) carries it.
//!
//! Stream data travels in pieces of at most [`MAX_STREAM_PIECE`] bytes.

use mapi_types::{
    MapiUid, NameId, NameKind, PropProblem, PropTag, Row, Status, StreamStat, SubmitOutcome,
};

use crate::error::ProtoError;
use crate::limits::MAX_ENTRY_ID_LEN;
use crate::props::{get_row, get_rows, get_tags, put_row, put_rows, put_tags};
use crate::wire::{Input, Writer};

/// Most bytes one stream `Read` or `Write` carries (1 MiB).
pub const MAX_STREAM_PIECE: usize = 1024 * 1024;

/// What `OpenObject` opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenKind {
    /// `IMAPISession::OpenEntry`: whatever the entry id names, in any open store.
    Entry,
    /// `IMsgStore::OpenEntry` of a message.
    Message,
    /// `IMsgStore::OpenEntry` of a folder.
    Folder,
    /// The store object itself.
    Store,
}

/// One method call on an object or stream handle.
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectOp {
    /// Opens an object. Reply: `Opened`.
    Open {
        /// What to open.
        kind: OpenKind,
        /// The store (store-table entry id); `None` for `OpenKind::Entry`.
        store: Option<Vec<u8>>,
        /// The object's entry id (empty for `OpenKind::Store`).
        entry_id: Vec<u8>,
        /// `MAPI_MODIFY`, `MAPI_BEST_ACCESS`, `MAPI_DEFERRED_ERRORS`.
        flags: u32,
    },
    /// `GetProps`. Reply: `Props`.
    GetProps {
        /// The object.
        object: u64,
        /// The tags; `None` = every property.
        tags: Option<Vec<PropTag>>,
        /// `MAPI_UNICODE`.
        flags: u32,
    },
    /// `GetPropList`. Reply: `Tags`.
    GetPropList {
        /// The object.
        object: u64,
        /// `MAPI_UNICODE`.
        flags: u32,
    },
    /// `SetProps`. Reply: `Problems`.
    SetProps {
        /// The object.
        object: u64,
        /// The values.
        values: Row,
    },
    /// `DeleteProps`. Reply: `Problems`.
    DeleteProps {
        /// The object.
        object: u64,
        /// The tags.
        tags: Vec<PropTag>,
    },
    /// `SaveChanges`. Reply: `Done`.
    SaveChanges {
        /// The object.
        object: u64,
        /// `KEEP_OPEN_*`, `FORCE_SAVE`, `MAPI_DEFERRED_ERRORS`.
        flags: u32,
    },
    /// `OpenProperty`. Reply: `StreamOpened`.
    OpenProperty {
        /// The object.
        object: u64,
        /// The property.
        tag: PropTag,
        /// The interface (`IID_IStream`).
        interface: MapiUid,
        /// `MAPI_MODIFY`, `MAPI_CREATE`, `STREAM_APPEND`, `MAPI_DEFERRED_ERRORS`.
        flags: u32,
    },
    /// `GetIDsFromNames`. Reply: `Tags`.
    GetIdsFromNames {
        /// The object.
        object: u64,
        /// The names.
        names: Vec<NameId>,
        /// `MAPI_CREATE`.
        flags: u32,
    },
    /// `GetNamesFromIDs`. Reply: `Names`.
    GetNamesFromIds {
        /// The object.
        object: u64,
        /// The tags; `None` = every mapped name.
        tags: Option<Vec<PropTag>>,
        /// Only names of this property set (with `tags` `None`).
        guid: Option<MapiUid>,
        /// `MAPI_NO_STRINGS`, `MAPI_NO_IDS`.
        flags: u32,
    },
    /// `IStream::Read` of at most [`MAX_STREAM_PIECE`] bytes. Reply: `Data`.
    Read {
        /// The stream.
        stream: u64,
        /// Bytes wanted.
        len: u32,
    },
    /// `IStream::Write` of at most [`MAX_STREAM_PIECE`] bytes. Reply: `Count` (bytes
    /// written).
    Write {
        /// The stream.
        stream: u64,
        /// The bytes.
        data: Vec<u8>,
    },
    /// `IStream::Seek`. Reply: `Count` (the new position).
    Seek {
        /// The stream.
        stream: u64,
        /// The offset.
        offset: i64,
        /// `STREAM_SEEK_SET` / `CUR` / `END`.
        origin: u32,
    },
    /// `IStream::SetSize`. Reply: `Done`.
    SetSize {
        /// The stream.
        stream: u64,
        /// The new size.
        size: u64,
    },
    /// `IStream::Stat`. Reply: `Stat`.
    Stat {
        /// The stream.
        stream: u64,
    },
    /// `IStream::Commit`. Reply: `Done`.
    Commit {
        /// The stream.
        stream: u64,
        /// Commit flags.
        flags: u32,
    },
    /// `Release` of an object or stream handle. Reply: `Done`.
    Release {
        /// The handle.
        handle: u64,
    },
    /// `IMAPIFolder::CreateMessage`: a new message, held like an opened one. Reply:
    /// `Opened`.
    CreateMessage {
        /// The store (store-table entry id).
        store: Vec<u8>,
        /// The folder.
        folder: Vec<u8>,
        /// `MAPI_DEFERRED_ERRORS`, `MAPI_ASSOCIATED`.
        flags: u32,
    },
    /// `IMessage::ModifyRecipients`. Reply: `Done`.
    ModifyRecipients {
        /// The message.
        object: u64,
        /// `MODRECIP_ADD` / `MODIFY` / `REMOVE`, or 0 (replace the list).
        flags: u32,
        /// The recipient rows.
        rows: Vec<Row>,
    },
    /// `IMessage::GetRecipientTable`: a table held at the daemon like the others (paged
    /// with `TableRows`, released with `TableRelease`). Reply: `TableOpened`.
    RecipientTable {
        /// The message.
        object: u64,
        /// `MAPI_UNICODE`.
        flags: u32,
    },
    /// `IMessage::SubmitMessage` through the session's spooler (protocol 5). Reply:
    /// `Submitted`.
    SubmitMessage {
        /// The message.
        object: u64,
        /// `FORCE_SUBMIT`.
        flags: u32,
    },
    /// `IMessage::CreateAttach`: a new attachment, held like an opened object. Reply:
    /// `AttachCreated`.
    CreateAttach {
        /// The message.
        object: u64,
        /// `MAPI_DEFERRED_ERRORS`.
        flags: u32,
    },
    /// `IMessage::OpenAttach`. Reply: `Opened` (with an empty store id).
    OpenAttach {
        /// The message.
        object: u64,
        /// The attachment's PR_ATTACH_NUM.
        num: u32,
        /// `MAPI_MODIFY`, `MAPI_BEST_ACCESS`, `MAPI_DEFERRED_ERRORS`.
        flags: u32,
    },
    /// `IMessage::DeleteAttach`. Reply: `Done`.
    DeleteAttach {
        /// The message.
        object: u64,
        /// The attachment's PR_ATTACH_NUM.
        num: u32,
        /// `ATTACH_DIALOG`.
        flags: u32,
    },
    /// `IMessage::GetAttachmentTable`: a table held at the daemon like the others.
    /// Reply: `TableOpened`.
    AttachmentTable {
        /// The message.
        object: u64,
        /// `MAPI_UNICODE`.
        flags: u32,
    },
    /// `OpenProperty` for an object interface (PR_ATTACH_DATA_OBJ as `IID_IMessage`).
    /// Reply: `Opened` (with an empty store id).
    OpenPropertyObject {
        /// The object.
        object: u64,
        /// The property.
        tag: PropTag,
        /// The interface.
        interface: MapiUid,
        /// `MAPI_MODIFY`, `MAPI_CREATE`, `MAPI_DEFERRED_ERRORS`.
        flags: u32,
    },
    /// `IMessage::SetReadFlag`, done by the message's folder for its entry id.
    /// Reply: `Done`.
    SetReadFlag {
        /// The message.
        object: u64,
        /// `SUPPRESS_RECEIPT`, `CLEAR_READ_FLAG`, `MAPI_DEFERRED_ERRORS`,
        /// `GENERATE_RECEIPT_ONLY`, `CLEAR_RN_PENDING`, `CLEAR_NRN_PENDING`.
        flags: u32,
    },
}

/// The answer to an [`ObjectOp`].
#[derive(Clone, Debug, PartialEq)]
pub enum ObjectReply {
    /// An object opened.
    Opened {
        /// Its handle.
        object: u64,
        /// Its `PR_OBJECT_TYPE`.
        object_type: u32,
        /// Its store's store-table entry id.
        store: Vec<u8>,
    },
    /// `GetProps`' values, in the order asked.
    Props {
        /// `S_OK` or `MAPI_W_ERRORS_RETURNED`.
        status: Status,
        /// The values (`PT_ERROR` for the missing ones).
        values: Row,
    },
    /// Tags (`GetPropList`, `GetIDsFromNames`).
    Tags {
        /// `S_OK` or `MAPI_W_ERRORS_RETURNED`.
        status: Status,
        /// The tags.
        tags: Vec<PropTag>,
    },
    /// The problems of a `SetProps` or `DeleteProps`.
    Problems(Vec<PropProblem>),
    /// `GetNamesFromIDs`' answer.
    Names {
        /// `S_OK` or `MAPI_W_ERRORS_RETURNED`.
        status: Status,
        /// Each tag with its name (`None`: unmapped).
        names: Vec<(PropTag, Option<NameId>)>,
    },
    /// A stream opened.
    StreamOpened {
        /// Its handle.
        stream: u64,
    },
    /// Bytes read (at most [`MAX_STREAM_PIECE`]).
    Data(Vec<u8>),
    /// A count or position.
    Count(u64),
    /// `Stat`'s answer.
    Stat(StreamStat),
    /// Success without a payload.
    Done,
    /// A table opened at the daemon (`RecipientTable`).
    TableOpened {
        /// Its table handle on this session.
        table: u64,
        /// The column set a new view starts with.
        default_columns: Vec<PropTag>,
        /// Every column its rows can hold.
        all_columns: Vec<PropTag>,
    },
    /// What became of a submitted message (`SubmitMessage`): its entry id in Sent
    /// Items and any warning.
    Submitted(SubmitOutcome),
    /// An attachment made by `CreateAttach`.
    AttachCreated {
        /// Its PR_ATTACH_NUM.
        num: u32,
        /// Its handle.
        object: u64,
    },
}

impl OpenKind {
    fn code(self) -> u8 {
        match self {
            OpenKind::Entry => 1,
            OpenKind::Message => 2,
            OpenKind::Folder => 3,
            OpenKind::Store => 4,
        }
    }

    fn from_code(tag: u8) -> Result<OpenKind, ProtoError> {
        Ok(match tag {
            1 => OpenKind::Entry,
            2 => OpenKind::Message,
            3 => OpenKind::Folder,
            4 => OpenKind::Store,
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "open kind",
                    tag,
                });
            }
        })
    }
}

fn put_name(w: &mut Writer, n: &NameId) {
    w.raw(&n.guid.0);
    match &n.kind {
        NameKind::Id(lid) => {
            w.u8(0);
            w.u32(*lid as u32);
        }
        NameKind::Name(s) => {
            w.u8(1);
            w.str("NameId.name", s);
        }
    }
}

fn get_name(r: &mut Input<'_>) -> Result<NameId, ProtoError> {
    let guid = MapiUid(r.array("NameId.guid")?);
    let kind = match r.u8("NameId.kind")? {
        0 => NameKind::Id(r.u32("NameId.id")? as i32),
        1 => NameKind::Name(r.string("NameId.name")?),
        tag => {
            return Err(ProtoError::UnknownTag {
                what: "name kind",
                tag,
            });
        }
    };
    Ok(NameId { guid, kind })
}

fn put_opt_tags(w: &mut Writer, what: &'static str, tags: Option<&Vec<PropTag>>) {
    w.opt(tags, |w, t| put_tags(w, what, t));
}

fn get_opt_tags(r: &mut Input<'_>, what: &'static str) -> Result<Option<Vec<PropTag>>, ProtoError> {
    r.opt(what, |r| get_tags(r, what))
}

fn piece(len: usize, what: &'static str) -> Result<(), ProtoError> {
    if len > MAX_STREAM_PIECE {
        return Err(ProtoError::TooLong {
            what,
            len: len as u64,
            max: MAX_STREAM_PIECE as u64,
        });
    }
    Ok(())
}

impl ObjectOp {
    /// The method's name (for logs and errors).
    pub fn name(&self) -> &'static str {
        match self {
            ObjectOp::Open { .. } => "OpenEntry",
            ObjectOp::GetProps { .. } => "GetProps",
            ObjectOp::GetPropList { .. } => "GetPropList",
            ObjectOp::SetProps { .. } => "SetProps",
            ObjectOp::DeleteProps { .. } => "DeleteProps",
            ObjectOp::SaveChanges { .. } => "SaveChanges",
            ObjectOp::OpenProperty { .. } => "OpenProperty",
            ObjectOp::GetIdsFromNames { .. } => "GetIDsFromNames",
            ObjectOp::GetNamesFromIds { .. } => "GetNamesFromIDs",
            ObjectOp::Read { .. } => "Read",
            ObjectOp::Write { .. } => "Write",
            ObjectOp::Seek { .. } => "Seek",
            ObjectOp::SetSize { .. } => "SetSize",
            ObjectOp::Stat { .. } => "Stat",
            ObjectOp::Commit { .. } => "Commit",
            ObjectOp::Release { .. } => "Release",
            ObjectOp::CreateMessage { .. } => "CreateMessage",
            ObjectOp::ModifyRecipients { .. } => "ModifyRecipients",
            ObjectOp::RecipientTable { .. } => "GetRecipientTable",
            ObjectOp::SubmitMessage { .. } => "SubmitMessage",
            ObjectOp::CreateAttach { .. } => "CreateAttach",
            ObjectOp::OpenAttach { .. } => "OpenAttach",
            ObjectOp::DeleteAttach { .. } => "DeleteAttach",
            ObjectOp::AttachmentTable { .. } => "GetAttachmentTable",
            ObjectOp::OpenPropertyObject { .. } => "OpenProperty",
            ObjectOp::SetReadFlag { .. } => "SetReadFlag",
        }
    }

    pub(crate) fn put(&self, w: &mut Writer) {
        match self {
            ObjectOp::Open {
                kind,
                store,
                entry_id,
                flags,
            } => {
                w.u8(1);
                w.u8(kind.code());
                w.opt(store.as_ref(), |w, s| {
                    w.blob("Open.store", s, MAX_ENTRY_ID_LEN)
                });
                w.blob("Open.entry_id", entry_id, MAX_ENTRY_ID_LEN);
                w.u32(*flags);
            }
            ObjectOp::GetProps {
                object,
                tags,
                flags,
            } => {
                w.u8(2);
                w.u64(*object);
                put_opt_tags(w, "GetProps.tags", tags.as_ref());
                w.u32(*flags);
            }
            ObjectOp::GetPropList { object, flags } => {
                w.u8(3);
                w.u64(*object);
                w.u32(*flags);
            }
            ObjectOp::SetProps { object, values } => {
                w.u8(4);
                w.u64(*object);
                put_row(w, values);
            }
            ObjectOp::DeleteProps { object, tags } => {
                w.u8(5);
                w.u64(*object);
                put_tags(w, "DeleteProps.tags", tags);
            }
            ObjectOp::SaveChanges { object, flags } => {
                w.u8(6);
                w.u64(*object);
                w.u32(*flags);
            }
            ObjectOp::OpenProperty {
                object,
                tag,
                interface,
                flags,
            } => {
                w.u8(7);
                w.u64(*object);
                w.u32(tag.0);
                w.raw(&interface.0);
                w.u32(*flags);
            }
            ObjectOp::GetIdsFromNames {
                object,
                names,
                flags,
            } => {
                w.u8(8);
                w.u64(*object);
                w.list("GetIDsFromNames.names", names, put_name);
                w.u32(*flags);
            }
            ObjectOp::GetNamesFromIds {
                object,
                tags,
                guid,
                flags,
            } => {
                w.u8(9);
                w.u64(*object);
                put_opt_tags(w, "GetNamesFromIDs.tags", tags.as_ref());
                w.opt(guid.as_ref(), |w, g| w.raw(&g.0));
                w.u32(*flags);
            }
            ObjectOp::Read { stream, len } => {
                w.u8(10);
                w.u64(*stream);
                w.u32(*len);
            }
            ObjectOp::Write { stream, data } => {
                w.u8(11);
                w.u64(*stream);
                w.blob("Write.data", data, MAX_STREAM_PIECE);
            }
            ObjectOp::Seek {
                stream,
                offset,
                origin,
            } => {
                w.u8(12);
                w.u64(*stream);
                w.i64(*offset);
                w.u32(*origin);
            }
            ObjectOp::SetSize { stream, size } => {
                w.u8(13);
                w.u64(*stream);
                w.u64(*size);
            }
            ObjectOp::Stat { stream } => {
                w.u8(14);
                w.u64(*stream);
            }
            ObjectOp::Commit { stream, flags } => {
                w.u8(15);
                w.u64(*stream);
                w.u32(*flags);
            }
            ObjectOp::Release { handle } => {
                w.u8(16);
                w.u64(*handle);
            }
            ObjectOp::CreateMessage {
                store,
                folder,
                flags,
            } => {
                w.u8(17);
                w.blob("CreateMessage.store", store, MAX_ENTRY_ID_LEN);
                w.blob("CreateMessage.folder", folder, MAX_ENTRY_ID_LEN);
                w.u32(*flags);
            }
            ObjectOp::ModifyRecipients {
                object,
                flags,
                rows,
            } => {
                w.u8(18);
                w.u64(*object);
                w.u32(*flags);
                put_rows(w, "ModifyRecipients.rows", rows);
            }
            ObjectOp::RecipientTable { object, flags } => {
                w.u8(19);
                w.u64(*object);
                w.u32(*flags);
            }
            ObjectOp::SubmitMessage { object, flags } => {
                w.u8(20);
                w.u64(*object);
                w.u32(*flags);
            }
            ObjectOp::CreateAttach { object, flags } => {
                w.u8(21);
                w.u64(*object);
                w.u32(*flags);
            }
            ObjectOp::OpenAttach { object, num, flags } => {
                w.u8(22);
                w.u64(*object);
                w.u32(*num);
                w.u32(*flags);
            }
            ObjectOp::DeleteAttach { object, num, flags } => {
                w.u8(23);
                w.u64(*object);
                w.u32(*num);
                w.u32(*flags);
            }
            ObjectOp::AttachmentTable { object, flags } => {
                w.u8(24);
                w.u64(*object);
                w.u32(*flags);
            }
            ObjectOp::OpenPropertyObject {
                object,
                tag,
                interface,
                flags,
            } => {
                w.u8(25);
                w.u64(*object);
                w.u32(tag.0);
                w.raw(&interface.0);
                w.u32(*flags);
            }
            ObjectOp::SetReadFlag { object, flags } => {
                w.u8(26);
                w.u64(*object);
                w.u32(*flags);
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<ObjectOp, ProtoError> {
        Ok(match r.u8("ObjectOp kind")? {
            1 => ObjectOp::Open {
                kind: OpenKind::from_code(r.u8("Open.kind")?)?,
                store: r.opt("Open.store", |r| {
                    r.blob("Open.store", MAX_ENTRY_ID_LEN).map(<[u8]>::to_vec)
                })?,
                entry_id: r.blob("Open.entry_id", MAX_ENTRY_ID_LEN)?.to_vec(),
                flags: r.u32("Open.flags")?,
            },
            2 => ObjectOp::GetProps {
                object: r.u64("GetProps.object")?,
                tags: get_opt_tags(r, "GetProps.tags")?,
                flags: r.u32("GetProps.flags")?,
            },
            3 => ObjectOp::GetPropList {
                object: r.u64("GetPropList.object")?,
                flags: r.u32("GetPropList.flags")?,
            },
            4 => ObjectOp::SetProps {
                object: r.u64("SetProps.object")?,
                values: get_row(r)?,
            },
            5 => ObjectOp::DeleteProps {
                object: r.u64("DeleteProps.object")?,
                tags: get_tags(r, "DeleteProps.tags")?,
            },
            6 => ObjectOp::SaveChanges {
                object: r.u64("SaveChanges.object")?,
                flags: r.u32("SaveChanges.flags")?,
            },
            7 => ObjectOp::OpenProperty {
                object: r.u64("OpenProperty.object")?,
                tag: PropTag(r.u32("OpenProperty.tag")?),
                interface: MapiUid(r.array("OpenProperty.interface")?),
                flags: r.u32("OpenProperty.flags")?,
            },
            8 => ObjectOp::GetIdsFromNames {
                object: r.u64("GetIDsFromNames.object")?,
                names: r.list("GetIDsFromNames.names", 21, get_name)?,
                flags: r.u32("GetIDsFromNames.flags")?,
            },
            9 => ObjectOp::GetNamesFromIds {
                object: r.u64("GetNamesFromIDs.object")?,
                tags: get_opt_tags(r, "GetNamesFromIDs.tags")?,
                guid: r.opt("GetNamesFromIDs.guid", |r| {
                    r.array("GetNamesFromIDs.guid").map(MapiUid)
                })?,
                flags: r.u32("GetNamesFromIDs.flags")?,
            },
            10 => {
                let stream = r.u64("Read.stream")?;
                let len = r.u32("Read.len")?;
                piece(len as usize, "Read.len")?;
                ObjectOp::Read { stream, len }
            }
            11 => ObjectOp::Write {
                stream: r.u64("Write.stream")?,
                data: r.blob("Write.data", MAX_STREAM_PIECE)?.to_vec(),
            },
            12 => ObjectOp::Seek {
                stream: r.u64("Seek.stream")?,
                offset: r.i64("Seek.offset")?,
                origin: r.u32("Seek.origin")?,
            },
            13 => ObjectOp::SetSize {
                stream: r.u64("SetSize.stream")?,
                size: r.u64("SetSize.size")?,
            },
            14 => ObjectOp::Stat {
                stream: r.u64("Stat.stream")?,
            },
            15 => ObjectOp::Commit {
                stream: r.u64("Commit.stream")?,
                flags: r.u32("Commit.flags")?,
            },
            16 => ObjectOp::Release {
                handle: r.u64("Release.handle")?,
            },
            17 => ObjectOp::CreateMessage {
                store: r.blob("CreateMessage.store", MAX_ENTRY_ID_LEN)?.to_vec(),
                folder: r.blob("CreateMessage.folder", MAX_ENTRY_ID_LEN)?.to_vec(),
                flags: r.u32("CreateMessage.flags")?,
            },
            18 => ObjectOp::ModifyRecipients {
                object: r.u64("ModifyRecipients.object")?,
                flags: r.u32("ModifyRecipients.flags")?,
                rows: get_rows(r, "ModifyRecipients.rows")?,
            },
            19 => ObjectOp::RecipientTable {
                object: r.u64("GetRecipientTable.object")?,
                flags: r.u32("GetRecipientTable.flags")?,
            },
            20 => ObjectOp::SubmitMessage {
                object: r.u64("SubmitMessage.object")?,
                flags: r.u32("SubmitMessage.flags")?,
            },
            21 => ObjectOp::CreateAttach {
                object: r.u64("CreateAttach.object")?,
                flags: r.u32("CreateAttach.flags")?,
            },
            22 => ObjectOp::OpenAttach {
                object: r.u64("OpenAttach.object")?,
                num: r.u32("OpenAttach.num")?,
                flags: r.u32("OpenAttach.flags")?,
            },
            23 => ObjectOp::DeleteAttach {
                object: r.u64("DeleteAttach.object")?,
                num: r.u32("DeleteAttach.num")?,
                flags: r.u32("DeleteAttach.flags")?,
            },
            24 => ObjectOp::AttachmentTable {
                object: r.u64("GetAttachmentTable.object")?,
                flags: r.u32("GetAttachmentTable.flags")?,
            },
            25 => ObjectOp::OpenPropertyObject {
                object: r.u64("OpenPropertyObject.object")?,
                tag: PropTag(r.u32("OpenPropertyObject.tag")?),
                interface: MapiUid(r.array("OpenPropertyObject.interface")?),
                flags: r.u32("OpenPropertyObject.flags")?,
            },
            26 => ObjectOp::SetReadFlag {
                object: r.u64("SetReadFlag.object")?,
                flags: r.u32("SetReadFlag.flags")?,
            },
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "object operation",
                    tag,
                });
            }
        })
    }
}

impl ObjectReply {
    pub(crate) fn put(&self, w: &mut Writer) {
        match self {
            ObjectReply::Opened {
                object,
                object_type,
                store,
            } => {
                w.u8(1);
                w.u64(*object);
                w.u32(*object_type);
                w.blob("Opened.store", store, MAX_ENTRY_ID_LEN);
            }
            ObjectReply::Props { status, values } => {
                w.u8(2);
                w.u32(status.0);
                put_row(w, values);
            }
            ObjectReply::Tags { status, tags } => {
                w.u8(3);
                w.u32(status.0);
                put_tags(w, "Tags", tags);
            }
            ObjectReply::Problems(list) => {
                w.u8(4);
                w.list("Problems", list, |w, p| {
                    w.u32(u32::try_from(p.index).unwrap_or(u32::MAX));
                    w.u32(p.tag.0);
                    w.u32(p.status.0);
                });
            }
            ObjectReply::Names { status, names } => {
                w.u8(5);
                w.u32(status.0);
                w.list("Names", names, |w, (tag, name)| {
                    w.u32(tag.0);
                    w.opt(name.as_ref(), put_name);
                });
            }
            ObjectReply::StreamOpened { stream } => {
                w.u8(6);
                w.u64(*stream);
            }
            ObjectReply::Data(d) => {
                w.u8(7);
                w.blob("Data", d, MAX_STREAM_PIECE);
            }
            ObjectReply::Count(n) => {
                w.u8(8);
                w.u64(*n);
            }
            ObjectReply::Stat(s) => {
                w.u8(9);
                w.u64(s.size);
                w.u32(s.mode);
            }
            ObjectReply::Done => w.u8(10),
            ObjectReply::TableOpened {
                table,
                default_columns,
                all_columns,
            } => {
                w.u8(11);
                w.u64(*table);
                put_tags(w, "TableOpened.default_columns", default_columns);
                put_tags(w, "TableOpened.all_columns", all_columns);
            }
            ObjectReply::Submitted(o) => {
                w.u8(12);
                w.opt(o.sent_copy.as_ref(), |w, id| {
                    w.blob("Submitted.sent_copy", id, MAX_ENTRY_ID_LEN)
                });
                w.opt_str("Submitted.warning", o.warning.as_ref());
            }
            ObjectReply::AttachCreated { num, object } => {
                w.u8(13);
                w.u32(*num);
                w.u64(*object);
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<ObjectReply, ProtoError> {
        Ok(match r.u8("ObjectReply kind")? {
            1 => ObjectReply::Opened {
                object: r.u64("Opened.object")?,
                object_type: r.u32("Opened.object_type")?,
                store: r.blob("Opened.store", MAX_ENTRY_ID_LEN)?.to_vec(),
            },
            2 => ObjectReply::Props {
                status: Status(r.u32("Props.status")?),
                values: get_row(r)?,
            },
            3 => ObjectReply::Tags {
                status: Status(r.u32("Tags.status")?),
                tags: get_tags(r, "Tags")?,
            },
            4 => ObjectReply::Problems(r.list("Problems", 12, |r| {
                Ok(PropProblem {
                    index: r.u32("Problem.index")? as usize,
                    tag: PropTag(r.u32("Problem.tag")?),
                    status: Status(r.u32("Problem.status")?),
                })
            })?),
            5 => ObjectReply::Names {
                status: Status(r.u32("Names.status")?),
                names: r.list("Names", 5, |r| {
                    Ok((PropTag(r.u32("Names.tag")?), r.opt("Names.name", get_name)?))
                })?,
            },
            6 => ObjectReply::StreamOpened {
                stream: r.u64("StreamOpened.stream")?,
            },
            7 => ObjectReply::Data(r.blob("Data", MAX_STREAM_PIECE)?.to_vec()),
            8 => ObjectReply::Count(r.u64("Count")?),
            9 => ObjectReply::Stat(StreamStat {
                size: r.u64("Stat.size")?,
                mode: r.u32("Stat.mode")?,
            }),
            10 => ObjectReply::Done,
            11 => ObjectReply::TableOpened {
                table: r.u64("TableOpened.table")?,
                default_columns: get_tags(r, "TableOpened.default_columns")?,
                all_columns: get_tags(r, "TableOpened.all_columns")?,
            },
            12 => ObjectReply::Submitted(SubmitOutcome {
                sent_copy: r.opt("Submitted.sent_copy", |r| {
                    r.blob("Submitted.sent_copy", MAX_ENTRY_ID_LEN)
                        .map(<[u8]>::to_vec)
                })?,
                warning: r.opt_str("Submitted.warning")?,
            }),
            13 => ObjectReply::AttachCreated {
                num: r.u32("AttachCreated.num")?,
                object: r.u64("AttachCreated.object")?,
            },
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "object reply",
                    tag,
                });
            }
        })
    }
}
