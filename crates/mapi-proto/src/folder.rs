//! Folder and message operations of a store over the link: [`FolderOp`], one per
//! `IMAPIFolder` / `IMsgStore` method that names folders and messages by entry id
//! (carried by [`crate::RequestBody::Folder`]), and [`FolderReply`] (carried by
//! [`crate::ResponseBody::Folder`]). A reply that succeeded with a warning
//! (`MAPI_W_PARTIAL_COMPLETION`) carries it; a failure is an `Error` response, never a
//! reply, so a reply whose status is a failure code is refused as malformed.

use mapi_types::Status;

use crate::error::ProtoError;
use crate::limits::MAX_ENTRY_ID_LEN;
use crate::wire::{Input, Writer};

/// One folder or message operation on a store (the request names the store).
#[derive(Clone, Debug, PartialEq)]
pub enum FolderOp {
    /// `IMAPIFolder::CreateFolder`. Reply: `EntryId` (the new folder's).
    CreateFolder {
        /// The parent folder.
        parent: Vec<u8>,
        /// The new folder's name.
        name: String,
        /// `OPEN_IF_EXISTS`, ...
        flags: u32,
    },
    /// `IMAPIFolder::DeleteFolder`. Reply: `Done`.
    DeleteFolder {
        /// The folder holding it.
        parent: Vec<u8>,
        /// The folder to delete.
        folder: Vec<u8>,
        /// `DEL_MESSAGES`, `DEL_FOLDERS`, `DELETE_HARD_DELETE`.
        flags: u32,
    },
    /// `IMAPIFolder::EmptyFolder`. Reply: `Done`.
    EmptyFolder {
        /// The folder.
        folder: Vec<u8>,
        /// `DEL_ASSOCIATED`, `DELETE_HARD_DELETE`.
        flags: u32,
    },
    /// `IMAPIFolder::CopyFolder` (`FOLDER_MOVE` moves). Reply: `EntryId` (the copy's).
    CopyFolder {
        /// The folder holding it.
        parent: Vec<u8>,
        /// The folder to copy.
        folder: Vec<u8>,
        /// Where the copy goes.
        dest_parent: Vec<u8>,
        /// The copy's name (`None`: the folder's own).
        new_name: Option<String>,
        /// `FOLDER_MOVE`, `COPY_SUBFOLDERS`.
        flags: u32,
    },
    /// `IMAPIFolder::CopyMessages` (`MESSAGE_MOVE` moves). Reply: `Copied`.
    CopyMessages {
        /// The folder holding them.
        folder: Vec<u8>,
        /// The messages.
        messages: Vec<Vec<u8>>,
        /// The destination folder.
        dest: Vec<u8>,
        /// `MESSAGE_MOVE`.
        flags: u32,
    },
    /// `IMAPIFolder::DeleteMessages`. Reply: `Status`.
    DeleteMessages {
        /// The folder holding them.
        folder: Vec<u8>,
        /// The messages.
        messages: Vec<Vec<u8>>,
        /// `DELETE_HARD_DELETE`.
        flags: u32,
    },
    /// `IMAPIFolder::SetReadFlags`. Reply: `Status`.
    SetReadFlags {
        /// The folder.
        folder: Vec<u8>,
        /// The messages; `None` = every message of the folder.
        messages: Option<Vec<Vec<u8>>>,
        /// `CLEAR_READ_FLAG`, `SUPPRESS_RECEIPT`, ...
        flags: u32,
    },
    /// `IMsgStore::GetReceiveFolder`. Reply: `ReceiveFolder`.
    GetReceiveFolder {
        /// The message class (`""`: the default).
        message_class: String,
    },
}

/// The answer to a [`FolderOp`].
#[derive(Clone, Debug, PartialEq)]
pub enum FolderReply {
    /// A folder's entry id (`CreateFolder`, `CopyFolder`).
    EntryId(Vec<u8>),
    /// `CopyMessages`' answer.
    Copied {
        /// `S_OK` or `MAPI_W_PARTIAL_COMPLETION`.
        status: Status,
        /// Each message's entry id in the destination, in request order (`None`: not
        /// found in the source folder).
        entry_ids: Vec<Option<Vec<u8>>>,
    },
    /// The call's status: `S_OK` or `MAPI_W_PARTIAL_COMPLETION`.
    Status(Status),
    /// `GetReceiveFolder`'s answer.
    ReceiveFolder {
        /// The receive folder.
        entry_id: Vec<u8>,
        /// The class it is registered for (`""`: the default).
        message_class: String,
    },
    /// Success without a payload.
    Done,
}

impl FolderOp {
    /// The method's name (for logs and errors).
    pub fn name(&self) -> &'static str {
        match self {
            FolderOp::CreateFolder { .. } => "CreateFolder",
            FolderOp::DeleteFolder { .. } => "DeleteFolder",
            FolderOp::EmptyFolder { .. } => "EmptyFolder",
            FolderOp::CopyFolder { .. } => "CopyFolder",
            FolderOp::CopyMessages { .. } => "CopyMessages",
            FolderOp::DeleteMessages { .. } => "DeleteMessages",
            FolderOp::SetReadFlags { .. } => "SetReadFlags",
            FolderOp::GetReceiveFolder { .. } => "GetReceiveFolder",
        }
    }

    pub(crate) fn put(&self, w: &mut Writer) {
        match self {
            FolderOp::CreateFolder {
                parent,
                name,
                flags,
            } => {
                w.u8(1);
                put_id(w, "CreateFolder.parent", parent);
                w.str("CreateFolder.name", name);
                w.u32(*flags);
            }
            FolderOp::DeleteFolder {
                parent,
                folder,
                flags,
            } => {
                w.u8(2);
                put_id(w, "DeleteFolder.parent", parent);
                put_id(w, "DeleteFolder.folder", folder);
                w.u32(*flags);
            }
            FolderOp::EmptyFolder { folder, flags } => {
                w.u8(3);
                put_id(w, "EmptyFolder.folder", folder);
                w.u32(*flags);
            }
            FolderOp::CopyFolder {
                parent,
                folder,
                dest_parent,
                new_name,
                flags,
            } => {
                w.u8(4);
                put_id(w, "CopyFolder.parent", parent);
                put_id(w, "CopyFolder.folder", folder);
                put_id(w, "CopyFolder.dest_parent", dest_parent);
                w.opt_str("CopyFolder.new_name", new_name.as_ref());
                w.u32(*flags);
            }
            FolderOp::CopyMessages {
                folder,
                messages,
                dest,
                flags,
            } => {
                w.u8(5);
                put_id(w, "CopyMessages.folder", folder);
                put_ids(w, "CopyMessages.messages", messages);
                put_id(w, "CopyMessages.dest", dest);
                w.u32(*flags);
            }
            FolderOp::DeleteMessages {
                folder,
                messages,
                flags,
            } => {
                w.u8(6);
                put_id(w, "DeleteMessages.folder", folder);
                put_ids(w, "DeleteMessages.messages", messages);
                w.u32(*flags);
            }
            FolderOp::SetReadFlags {
                folder,
                messages,
                flags,
            } => {
                w.u8(7);
                put_id(w, "SetReadFlags.folder", folder);
                w.opt(messages.as_ref(), |w, m| {
                    put_ids(w, "SetReadFlags.messages", m)
                });
                w.u32(*flags);
            }
            FolderOp::GetReceiveFolder { message_class } => {
                w.u8(8);
                w.str("GetReceiveFolder.message_class", message_class);
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<FolderOp, ProtoError> {
        Ok(match r.u8("FolderOp kind")? {
            1 => FolderOp::CreateFolder {
                parent: get_id(r, "CreateFolder.parent")?,
                name: r.string("CreateFolder.name")?,
                flags: r.u32("CreateFolder.flags")?,
            },
            2 => FolderOp::DeleteFolder {
                parent: get_id(r, "DeleteFolder.parent")?,
                folder: get_id(r, "DeleteFolder.folder")?,
                flags: r.u32("DeleteFolder.flags")?,
            },
            3 => FolderOp::EmptyFolder {
                folder: get_id(r, "EmptyFolder.folder")?,
                flags: r.u32("EmptyFolder.flags")?,
            },
            4 => FolderOp::CopyFolder {
                parent: get_id(r, "CopyFolder.parent")?,
                folder: get_id(r, "CopyFolder.folder")?,
                dest_parent: get_id(r, "CopyFolder.dest_parent")?,
                new_name: r.opt_str("CopyFolder.new_name")?,
                flags: r.u32("CopyFolder.flags")?,
            },
            5 => FolderOp::CopyMessages {
                folder: get_id(r, "CopyMessages.folder")?,
                messages: get_ids(r, "CopyMessages.messages")?,
                dest: get_id(r, "CopyMessages.dest")?,
                flags: r.u32("CopyMessages.flags")?,
            },
            6 => FolderOp::DeleteMessages {
                folder: get_id(r, "DeleteMessages.folder")?,
                messages: get_ids(r, "DeleteMessages.messages")?,
                flags: r.u32("DeleteMessages.flags")?,
            },
            7 => FolderOp::SetReadFlags {
                folder: get_id(r, "SetReadFlags.folder")?,
                messages: r.opt("SetReadFlags.messages", |r| {
                    get_ids(r, "SetReadFlags.messages")
                })?,
                flags: r.u32("SetReadFlags.flags")?,
            },
            8 => FolderOp::GetReceiveFolder {
                message_class: r.string("GetReceiveFolder.message_class")?,
            },
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "folder operation",
                    tag,
                });
            }
        })
    }
}

impl FolderReply {
    pub(crate) fn put(&self, w: &mut Writer) {
        match self {
            FolderReply::EntryId(id) => {
                w.u8(1);
                put_id(w, "EntryId", id);
            }
            FolderReply::Copied { status, entry_ids } => {
                w.u8(2);
                w.u32(status.0);
                w.list("Copied.entry_ids", entry_ids, |w, id| {
                    w.opt(id.as_ref(), |w, id| put_id(w, "Copied.entry_id", id))
                });
            }
            FolderReply::Status(status) => {
                w.u8(3);
                w.u32(status.0);
            }
            FolderReply::ReceiveFolder {
                entry_id,
                message_class,
            } => {
                w.u8(4);
                put_id(w, "ReceiveFolder.entry_id", entry_id);
                w.str("ReceiveFolder.message_class", message_class);
            }
            FolderReply::Done => w.u8(5),
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<FolderReply, ProtoError> {
        Ok(match r.u8("FolderReply kind")? {
            1 => FolderReply::EntryId(get_id(r, "EntryId")?),
            2 => FolderReply::Copied {
                status: get_status(r, "Copied.status")?,
                entry_ids: r.list("Copied.entry_ids", 1, |r| {
                    r.opt("Copied.entry_id", |r| get_id(r, "Copied.entry_id"))
                })?,
            },
            3 => FolderReply::Status(get_status(r, "Status")?),
            4 => FolderReply::ReceiveFolder {
                entry_id: get_id(r, "ReceiveFolder.entry_id")?,
                message_class: r.string("ReceiveFolder.message_class")?,
            },
            5 => FolderReply::Done,
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "folder reply",
                    tag,
                });
            }
        })
    }
}

fn put_id(w: &mut Writer, what: &'static str, id: &[u8]) {
    w.blob(what, id, MAX_ENTRY_ID_LEN);
}

fn get_id(r: &mut Input<'_>, what: &'static str) -> Result<Vec<u8>, ProtoError> {
    r.blob(what, MAX_ENTRY_ID_LEN).map(<[u8]>::to_vec)
}

fn put_ids(w: &mut Writer, what: &'static str, ids: &[Vec<u8>]) {
    w.list(what, ids, |w, id| put_id(w, what, id));
}

fn get_ids(r: &mut Input<'_>, what: &'static str) -> Result<Vec<Vec<u8>>, ProtoError> {
    r.list(what, 4, |r| get_id(r, what))
}

/// A success status (`S_OK` or a `MAPI_W_*` warning); a failure code is refused.
fn get_status(r: &mut Input<'_>, what: &'static str) -> Result<Status, ProtoError> {
    let status = Status(r.u32(what)?);
    if status.0 & 0x8000_0000 != 0 {
        return Err(ProtoError::Malformed {
            what,
            why: "a failure code in a success reply (failures travel as Error responses)",
        });
    }
    Ok(status)
}
