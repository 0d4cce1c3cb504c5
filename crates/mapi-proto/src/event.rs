//! Advise over the socket: [`AdviseTarget`] (what an `Advise` request watches) and the
//! encoding of `mapi_types::Notification` (`NOTIFICATION`) that
//! [`crate::Notification::Event`] carries.
//!
//! Encoding of one notification: its `fnev*` bit (u32) naming the variant, then the
//! fields of its information in declaration order. Entry ids are blobs of at most
//! [`MAX_ENTRY_ID_LEN`] bytes, rows and property values go through `mapi_types::codec`
//! like every other row on the wire.

use mapi_types::notify::{
    ErrorInfo, ExtendedInfo, NewMailInfo, ObjectInfo, StatusObjectInfo, TableInfo, fnev,
};
use mapi_types::{Notification as MapiNotification, Status};

use crate::error::ProtoError;
use crate::limits::{MAX_BLOB_LEN, MAX_ENTRY_ID_LEN};
use crate::props::{MIN_PROP, get_prop, get_row, get_tags, put_prop, put_row, put_tags};
use crate::wire::{Input, Writer};

/// What an `Advise` request registers on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdviseTarget {
    /// `IMAPISession::Advise`: without an entry id the session's own events
    /// (`fnevCriticalError`, `fnevExtended`); with one, the store, folder or message it
    /// names (the engine finds the store).
    Session {
        /// The entry id, if any.
        entry: Option<Vec<u8>>,
    },
    /// `IMsgStore::Advise` on the store with this store-table entry id: the whole store,
    /// or the folder or message `entry` names.
    Store {
        /// The store's entry id.
        store: Vec<u8>,
        /// A folder's or message's entry id in it.
        entry: Option<Vec<u8>>,
    },
    /// `IMAPITable::Advise` on a contents or hierarchy table, or the status table, this
    /// session handle opened (`OpenTable`); `fnevTableModified` (the status table also
    /// `fnevStatusObjectModified`), rows in every column the table has.
    Table {
        /// The table's handle.
        table: u64,
    },
    /// `IAddrBook::Advise` on the session's address book: every entry added, or with
    /// a container's entry id only those added to it.
    AddressBook {
        /// The container's entry id, if any.
        container: Option<Vec<u8>>,
    },
}

fn put_id(w: &mut Writer, what: &'static str, id: &[u8]) {
    w.blob(what, id, MAX_ENTRY_ID_LEN);
}

fn get_id(r: &mut Input<'_>, what: &'static str) -> Result<Vec<u8>, ProtoError> {
    r.blob(what, MAX_ENTRY_ID_LEN).map(<[u8]>::to_vec)
}

impl AdviseTarget {
    pub(crate) fn put(&self, w: &mut Writer) {
        match self {
            AdviseTarget::Session { entry } => {
                w.u8(1);
                w.opt(entry.as_ref(), |w, e| put_id(w, "AdviseTarget.entry", e));
            }
            AdviseTarget::Store { store, entry } => {
                w.u8(2);
                put_id(w, "AdviseTarget.store", store);
                w.opt(entry.as_ref(), |w, e| put_id(w, "AdviseTarget.entry", e));
            }
            AdviseTarget::Table { table } => {
                w.u8(3);
                w.u64(*table);
            }
            AdviseTarget::AddressBook { container } => {
                w.u8(4);
                w.opt(container.as_ref(), |w, c| {
                    put_id(w, "AdviseTarget.container", c)
                });
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<AdviseTarget, ProtoError> {
        Ok(match r.u8("AdviseTarget")? {
            1 => AdviseTarget::Session {
                entry: r.opt("AdviseTarget.entry", |r| get_id(r, "AdviseTarget.entry"))?,
            },
            2 => AdviseTarget::Store {
                store: get_id(r, "AdviseTarget.store")?,
                entry: r.opt("AdviseTarget.entry", |r| get_id(r, "AdviseTarget.entry"))?,
            },
            3 => AdviseTarget::Table {
                table: r.u64("AdviseTarget.table")?,
            },
            4 => AdviseTarget::AddressBook {
                container: r.opt("AdviseTarget.container", |r| {
                    get_id(r, "AdviseTarget.container")
                })?,
            },
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "advise target",
                    tag,
                });
            }
        })
    }
}

fn put_object(w: &mut Writer, o: &ObjectInfo) {
    put_id(w, "ObjectInfo.entry", &o.entry);
    w.u32(o.object_type);
    put_id(w, "ObjectInfo.parent", &o.parent);
    put_id(w, "ObjectInfo.old_entry", &o.old_entry);
    put_id(w, "ObjectInfo.old_parent", &o.old_parent);
    put_tags(w, "ObjectInfo.props", &o.props);
}

fn get_object(r: &mut Input<'_>) -> Result<ObjectInfo, ProtoError> {
    Ok(ObjectInfo {
        entry: get_id(r, "ObjectInfo.entry")?,
        object_type: r.u32("ObjectInfo.object_type")?,
        parent: get_id(r, "ObjectInfo.parent")?,
        old_entry: get_id(r, "ObjectInfo.old_entry")?,
        old_parent: get_id(r, "ObjectInfo.old_parent")?,
        props: get_tags(r, "ObjectInfo.props")?,
    })
}

/// One notification.
pub(crate) fn put_notification(w: &mut Writer, n: &MapiNotification) {
    w.u32(n.event_type());
    match n {
        MapiNotification::CriticalError(e) => {
            put_id(w, "ErrorInfo.entry", &e.entry);
            w.u32(e.scode.0);
            w.u32(e.flags);
            w.opt_str("ErrorInfo.error", e.error.as_ref());
        }
        MapiNotification::NewMail(m) => {
            put_id(w, "NewMailInfo.entry", &m.entry);
            put_id(w, "NewMailInfo.parent", &m.parent);
            w.u32(m.flags);
            w.str("NewMailInfo.message_class", &m.message_class);
            w.u32(m.message_flags);
        }
        MapiNotification::ObjectCreated(o)
        | MapiNotification::ObjectDeleted(o)
        | MapiNotification::ObjectModified(o)
        | MapiNotification::ObjectMoved(o)
        | MapiNotification::ObjectCopied(o)
        | MapiNotification::SearchComplete(o) => put_object(w, o),
        MapiNotification::TableModified(t) => {
            w.u32(t.event);
            w.u32(t.hresult.0);
            put_prop(w, t.index.0, &t.index.1);
            put_prop(w, t.prior.0, &t.prior.1);
            put_row(w, &t.row);
        }
        MapiNotification::StatusObjectModified(s) => {
            put_id(w, "StatusObjectInfo.entry", &s.entry);
            w.list("StatusObjectInfo.props", &s.props, |w, (tag, v)| {
                put_prop(w, *tag, v)
            });
        }
        MapiNotification::Extended(x) => {
            w.u32(x.event);
            w.blob("ExtendedInfo.params", &x.params, MAX_BLOB_LEN);
        }
    }
}

/// One notification; an event type that is not exactly one known `fnev*` bit is
/// `MAPI_E_CORRUPT_DATA`.
pub(crate) fn get_notification(r: &mut Input<'_>) -> Result<MapiNotification, ProtoError> {
    let event = r.u32("Notification.event_type")?;
    Ok(match event {
        fnev::CRITICAL_ERROR => MapiNotification::CriticalError(ErrorInfo {
            entry: get_id(r, "ErrorInfo.entry")?,
            scode: Status(r.u32("ErrorInfo.scode")?),
            flags: r.u32("ErrorInfo.flags")?,
            error: r.opt_str("ErrorInfo.error")?,
        }),
        fnev::NEW_MAIL => MapiNotification::NewMail(NewMailInfo {
            entry: get_id(r, "NewMailInfo.entry")?,
            parent: get_id(r, "NewMailInfo.parent")?,
            flags: r.u32("NewMailInfo.flags")?,
            message_class: r.string("NewMailInfo.message_class")?,
            message_flags: r.u32("NewMailInfo.message_flags")?,
        }),
        fnev::OBJECT_CREATED => MapiNotification::ObjectCreated(get_object(r)?),
        fnev::OBJECT_DELETED => MapiNotification::ObjectDeleted(get_object(r)?),
        fnev::OBJECT_MODIFIED => MapiNotification::ObjectModified(get_object(r)?),
        fnev::OBJECT_MOVED => MapiNotification::ObjectMoved(get_object(r)?),
        fnev::OBJECT_COPIED => MapiNotification::ObjectCopied(get_object(r)?),
        fnev::SEARCH_COMPLETE => MapiNotification::SearchComplete(get_object(r)?),
        fnev::TABLE_MODIFIED => MapiNotification::TableModified(TableInfo {
            event: r.u32("TableInfo.event")?,
            hresult: Status(r.u32("TableInfo.hresult")?),
            index: get_prop(r)?,
            prior: get_prop(r)?,
            row: get_row(r)?,
        }),
        fnev::STATUS_OBJECT_MODIFIED => MapiNotification::StatusObjectModified(StatusObjectInfo {
            entry: get_id(r, "StatusObjectInfo.entry")?,
            props: r.list("StatusObjectInfo.props", MIN_PROP, get_prop)?,
        }),
        fnev::EXTENDED => MapiNotification::Extended(ExtendedInfo {
            event: r.u32("ExtendedInfo.event")?,
            params: r.blob("ExtendedInfo.params", MAX_BLOB_LEN)?.to_vec(),
        }),
        other => {
            return Err(ProtoError::Malformed {
                what: "Notification.event_type",
                why: if other == 0 || other & (other - 1) != 0 {
                    "not exactly one fnev bit"
                } else {
                    "not an fnev event a notification carries"
                },
            });
        }
    })
}

/// Smallest encoding of one notification (an event type and an empty extended one).
pub(crate) const MIN_NOTIFICATION: usize = 12;
