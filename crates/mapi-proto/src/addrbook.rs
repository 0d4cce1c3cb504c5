//! The session's address book over the link: [`AbOp`], one per `IAddrBook` /
//! `IABContainer` method that the daemon answers (carried by
//! [`crate::RequestBody::AddressBook`]), and [`AbReply`] (carried by
//! [`crate::ResponseBody::AddressBook`]). Objects opened (containers, mail users,
//! distribution lists, a new entry) become handles like any property object, used with
//! [`crate::ObjectOp`]; the address-book tables open with `OpenTable` and
//! [`crate::TableKind::AbHierarchy`] / [`crate::TableKind::AbContents`]. `CreateOneOff`
//! needs no daemon: the entry id is computed where it is asked for.

use mapi_types::{Row, Status};

use crate::error::ProtoError;
use crate::limits::MAX_ENTRY_ID_LEN;
use crate::props::{get_rows, put_rows};
use crate::wire::{Input, Writer};

/// One address-book call.
#[derive(Clone, Debug, PartialEq)]
pub enum AbOp {
    /// `IMAPISession::OpenAddressBook`. Reply: `Opened`.
    Open,
    /// `IAddrBook::OpenEntry` (an empty id: the root container). Reply: `Object`.
    OpenEntry {
        /// The entry id.
        entry_id: Vec<u8>,
        /// `MAPI_BEST_ACCESS`, ...
        flags: u32,
    },
    /// `IAddrBook::ResolveName` (`container` `None`) or `IABContainer::ResolveNames`.
    /// Reply: `Resolved`.
    ResolveName {
        /// The container (its entry id), or every container.
        container: Option<Vec<u8>>,
        /// `MAPI_DIALOG`, `MAPI_UNICODE`.
        flags: u32,
        /// The ADRLIST's entries.
        entries: Vec<Row>,
    },
    /// `IABContainer::CreateEntry`. Reply: `Object` (a new, writable entry).
    CreateEntry {
        /// The container.
        container: Vec<u8>,
        /// The template entry id (the container's PR_DEF_CREATE_MAILUSER).
        template: Vec<u8>,
        /// `CREATE_CHECK_DUP_*`, `CREATE_REPLACE`.
        flags: u32,
    },
}

/// The answer to an [`AbOp`].
#[derive(Clone, Debug, PartialEq)]
pub enum AbReply {
    /// The address book opened: `S_OK`, or `MAPI_W_ERRORS_RETURNED` when some of its
    /// providers are disabled.
    Opened {
        /// The warning.
        warning: Status,
    },
    /// An object opened or created: its handle and PR_OBJECT_TYPE.
    Object {
        /// The handle (release it with `ObjectOp::Release`).
        object: u64,
        /// `MAPI_ABCONT`, `MAPI_MAILUSER`, `MAPI_DISTLIST`.
        object_type: u32,
    },
    /// What a resolution did.
    Resolved {
        /// `S_OK`, `MAPI_E_AMBIGUOUS_RECIP` or `MAPI_E_NOT_FOUND` (the rows are
        /// updated even then).
        status: Status,
        /// The entries, resolved ones with their new properties.
        entries: Vec<Row>,
        /// One `MAPI_UNRESOLVED` / `MAPI_AMBIGUOUS` / `MAPI_RESOLVED` per entry.
        flags: Vec<u32>,
    },
}

impl AbOp {
    /// The method's name (for logs; never shows field contents).
    pub fn name(&self) -> &'static str {
        match self {
            AbOp::Open => "OpenAddressBook",
            AbOp::OpenEntry { .. } => "IAddrBook::OpenEntry",
            AbOp::ResolveName { .. } => "ResolveName",
            AbOp::CreateEntry { .. } => "CreateEntry",
        }
    }

    pub(crate) fn put(&self, w: &mut Writer) {
        match self {
            AbOp::Open => w.u8(1),
            AbOp::OpenEntry { entry_id, flags } => {
                w.u8(2);
                w.blob("AbOp.entry_id", entry_id, MAX_ENTRY_ID_LEN);
                w.u32(*flags);
            }
            AbOp::ResolveName {
                container,
                flags,
                entries,
            } => {
                w.u8(3);
                w.opt(container.as_ref(), |w, c| {
                    w.blob("AbOp.container", c, MAX_ENTRY_ID_LEN)
                });
                w.u32(*flags);
                put_rows(w, "AbOp.entries", entries);
            }
            AbOp::CreateEntry {
                container,
                template,
                flags,
            } => {
                w.u8(4);
                w.blob("AbOp.container", container, MAX_ENTRY_ID_LEN);
                w.blob("AbOp.template", template, MAX_ENTRY_ID_LEN);
                w.u32(*flags);
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<AbOp, ProtoError> {
        Ok(match r.u8("AbOp.kind")? {
            1 => AbOp::Open,
            2 => AbOp::OpenEntry {
                entry_id: r.blob("AbOp.entry_id", MAX_ENTRY_ID_LEN)?.to_vec(),
                flags: r.u32("AbOp.flags")?,
            },
            3 => AbOp::ResolveName {
                container: r.opt("AbOp.container", |r| {
                    r.blob("AbOp.container", MAX_ENTRY_ID_LEN)
                        .map(<[u8]>::to_vec)
                })?,
                flags: r.u32("AbOp.flags")?,
                entries: get_rows(r, "AbOp.entries")?,
            },
            4 => AbOp::CreateEntry {
                container: r.blob("AbOp.container", MAX_ENTRY_ID_LEN)?.to_vec(),
                template: r.blob("AbOp.template", MAX_ENTRY_ID_LEN)?.to_vec(),
                flags: r.u32("AbOp.flags")?,
            },
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "address-book call",
                    tag,
                });
            }
        })
    }
}

impl AbReply {
    pub(crate) fn put(&self, w: &mut Writer) {
        match self {
            AbReply::Opened { warning } => {
                w.u8(1);
                w.u32(warning.0);
            }
            AbReply::Object {
                object,
                object_type,
            } => {
                w.u8(2);
                w.u64(*object);
                w.u32(*object_type);
            }
            AbReply::Resolved {
                status,
                entries,
                flags,
            } => {
                w.u8(3);
                w.u32(status.0);
                put_rows(w, "AbReply.entries", entries);
                w.list("AbReply.flags", flags, |w, f| w.u32(*f));
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<AbReply, ProtoError> {
        Ok(match r.u8("AbReply.kind")? {
            1 => AbReply::Opened {
                warning: Status(r.u32("AbReply.warning")?),
            },
            2 => AbReply::Object {
                object: r.u64("AbReply.object")?,
                object_type: r.u32("AbReply.object_type")?,
            },
            3 => {
                let status = Status(r.u32("AbReply.status")?);
                let entries = get_rows(r, "AbReply.entries")?;
                let flags = r.list("AbReply.flags", 4, |r| r.u32("AbReply.flags"))?;
                if flags.len() != entries.len() {
                    return Err(ProtoError::Malformed {
                        what: "AbReply.flags",
                        why: "not one flag per entry",
                    });
                }
                AbReply::Resolved {
                    status,
                    entries,
                    flags,
                }
            }
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "address-book reply",
                    tag,
                });
            }
        })
    }
}
