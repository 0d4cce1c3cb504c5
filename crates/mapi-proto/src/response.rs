//! [`Response`]: the daemon's answer to one request.
//!
//! Encoding: request id (u32), kind (u8), then the fields in declaration order.

use mapi_types::{MapiStatus, MapiUid, PropTag, Row, Status, SubmitOutcome};

pub use mapi_types::DisabledService;

use crate::addrbook::AbReply;
use crate::error::ProtoError;
use crate::folder::FolderReply;
use crate::limits::{MAX_BLOB_LEN, MAX_ENTRY_ID_LEN};
use crate::object::ObjectReply;
use crate::props::{get_rows, get_tags, put_rows, put_tags};
use crate::wire::{Input, Writer};

/// The answer to the request with the same `id`. Id 0 answers the handshake (a refused
/// `Hello`).
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The request answered.
    pub id: u32,
    /// The result.
    pub body: ResponseBody,
}

/// A result: a success payload, or an error.
#[derive(Clone, Debug, PartialEq)]
pub enum ResponseBody {
    /// Logon succeeded.
    LoggedOn {
        /// The session's id at the daemon.
        session: u64,
        /// The profile logged on to.
        profile: String,
        /// The client joined or created the shared session.
        shared: bool,
        /// Services disabled for this session, and why.
        disabled: Vec<DisabledService>,
    },
    /// A table: its columns and rows.
    Table {
        /// The column tags, in order.
        columns: Vec<PropTag>,
        /// The rows.
        rows: Vec<Row>,
    },
    /// Rows without a column set (a message's or store's properties).
    Rows(Vec<Row>),
    /// Raw bytes (a message's MIME source).
    Bytes(Vec<u8>),
    /// The daemon's sessions.
    Sessions(Vec<SessionInfo>),
    /// Success without a payload.
    Done,
    /// The answer to `Ping`.
    Pong,
    /// A table opened at the daemon (`OpenTable`).
    TableOpened {
        /// Its handle on this connection.
        table: u64,
        /// The column set a new view starts with.
        default_columns: Vec<PropTag>,
        /// Every column its rows can hold.
        all_columns: Vec<PropTag>,
    },
    /// A row count (`TableCount`).
    Count(u64),
    /// The row `TableFind` found, if any.
    Found(Option<u64>),
    /// `QueryIdentity`'s answer, as the engine computed it.
    Identity {
        /// `S_OK`, or `MAPI_W_NO_SERVICE` when no provider supplies an identity.
        status: Status,
        /// The primary identity's display (the profile's name without one).
        display: String,
    },
    /// What became of a submitted message (`Submit`).
    Submitted(SubmitOutcome),
    /// Entry ids, in request order (`Import`).
    EntryIds(Vec<Vec<u8>>),
    /// A store opened (`OpenStore`): its store-table PR_ENTRYID and its properties.
    StoreOpened {
        /// The store's entry id in the store table (what later requests name it by).
        entry_id: Vec<u8>,
        /// The store's properties.
        properties: Row,
    },
    /// The answer to an `Object` request.
    Object(ObjectReply),
    /// The answer to a `Folder` request.
    Folder(FolderReply),
    /// The connection number an `Advise` registered (non-zero, unique in the session).
    Advised(u32),
    /// The answer to an `AddressBook` request.
    AddressBook(AbReply),
    /// The request failed.
    Error {
        /// The MAPI status (a failure code).
        status: Status,
        /// What went wrong and what to do; never holds a secret.
        message: String,
    },
}

/// One live session at the daemon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session id.
    pub id: u64,
    /// The profile.
    pub profile: String,
    /// Whether it is the shared session.
    pub shared: bool,
    /// Clients attached to it.
    pub clients: u32,
    /// When it was created (Unix seconds).
    pub since_unix: i64,
    /// Its services that logged on.
    pub services: Vec<String>,
}

impl Response {
    /// An error response for `id` carrying `err`'s status and sentence.
    pub fn error(
        id: u32,
        err: &(impl MapiStatus + ?Sized),
        message: impl Into<String>,
    ) -> Response {
        Response {
            id,
            body: ResponseBody::Error {
                status: err.status(),
                message: message.into(),
            },
        }
    }

    /// An error response for `id` from a protocol error.
    pub fn from_proto_error(id: u32, err: &ProtoError) -> Response {
        Response::error(id, err, err.message())
    }

    pub(crate) fn put(&self, w: &mut Writer) {
        w.u32(self.id);
        match &self.body {
            ResponseBody::LoggedOn {
                session,
                profile,
                shared,
                disabled,
            } => {
                w.u8(1);
                w.u64(*session);
                w.str("LoggedOn.profile", profile);
                w.bool(*shared);
                w.list("LoggedOn.disabled", disabled, |w, d| {
                    w.raw(&d.service_uid.0);
                    w.str("DisabledService.service_name", &d.service_name);
                    w.str("DisabledService.display_name", &d.display_name);
                    w.u32(d.status.0);
                    w.str("DisabledService.reason", &d.reason);
                });
            }
            ResponseBody::Table { columns, rows } => {
                w.u8(2);
                put_tags(w, "Table.columns", columns);
                put_rows(w, "Table.rows", rows);
            }
            ResponseBody::Rows(rows) => {
                w.u8(3);
                put_rows(w, "Rows", rows);
            }
            ResponseBody::Bytes(b) => {
                w.u8(4);
                w.blob("Bytes", b, MAX_BLOB_LEN);
            }
            ResponseBody::Sessions(list) => {
                w.u8(5);
                w.list("Sessions", list, |w, s| {
                    w.u64(s.id);
                    w.str("SessionInfo.profile", &s.profile);
                    w.bool(s.shared);
                    w.u32(s.clients);
                    w.i64(s.since_unix);
                    w.strings("SessionInfo.services", &s.services);
                });
            }
            ResponseBody::Done => w.u8(6),
            ResponseBody::Pong => w.u8(7),
            ResponseBody::Error { status, message } => {
                w.u8(8);
                w.u32(status.0);
                w.str("Error.message", message);
            }
            ResponseBody::TableOpened {
                table,
                default_columns,
                all_columns,
            } => {
                w.u8(9);
                w.u64(*table);
                put_tags(w, "TableOpened.default_columns", default_columns);
                put_tags(w, "TableOpened.all_columns", all_columns);
            }
            ResponseBody::Count(n) => {
                w.u8(10);
                w.u64(*n);
            }
            ResponseBody::Found(p) => {
                w.u8(11);
                w.opt(p.as_ref(), |w, p| w.u64(*p));
            }
            ResponseBody::Identity { status, display } => {
                w.u8(12);
                w.u32(status.0);
                w.str("Identity.display", display);
            }
            ResponseBody::Submitted(o) => {
                w.u8(13);
                w.opt(o.sent_copy.as_ref(), |w, id| {
                    w.blob("Submitted.sent_copy", id, MAX_ENTRY_ID_LEN)
                });
                w.opt_str("Submitted.warning", o.warning.as_ref());
            }
            ResponseBody::EntryIds(ids) => {
                w.u8(14);
                w.list("EntryIds", ids, |w, id| {
                    w.blob("EntryIds.id", id, MAX_ENTRY_ID_LEN)
                });
            }
            ResponseBody::StoreOpened {
                entry_id,
                properties,
            } => {
                w.u8(15);
                w.blob("StoreOpened.entry_id", entry_id, MAX_ENTRY_ID_LEN);
                put_rows(
                    w,
                    "StoreOpened.properties",
                    std::slice::from_ref(properties),
                );
            }
            ResponseBody::Object(reply) => {
                w.u8(16);
                reply.put(w);
            }
            ResponseBody::Folder(reply) => {
                w.u8(17);
                reply.put(w);
            }
            ResponseBody::Advised(conn) => {
                w.u8(18);
                w.u32(*conn);
            }
            ResponseBody::AddressBook(reply) => {
                w.u8(19);
                reply.put(w);
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<Response, ProtoError> {
        let id = r.u32("Response.id")?;
        let body = match r.u8("Response.kind")? {
            1 => ResponseBody::LoggedOn {
                session: r.u64("LoggedOn.session")?,
                profile: r.string("LoggedOn.profile")?,
                shared: r.bool("LoggedOn.shared")?,
                disabled: r.list("LoggedOn.disabled", 32, |r| {
                    Ok(DisabledService {
                        service_uid: MapiUid(r.array("DisabledService.service_uid")?),
                        service_name: r.string("DisabledService.service_name")?,
                        display_name: r.string("DisabledService.display_name")?,
                        status: Status(r.u32("DisabledService.status")?),
                        reason: r.string("DisabledService.reason")?,
                    })
                })?,
            },
            2 => ResponseBody::Table {
                columns: get_tags(r, "Table.columns")?,
                rows: get_rows(r, "Table.rows")?,
            },
            3 => ResponseBody::Rows(get_rows(r, "Rows")?),
            4 => ResponseBody::Bytes(r.blob("Bytes", MAX_BLOB_LEN)?.to_vec()),
            5 => ResponseBody::Sessions(r.list("Sessions", 29, |r| {
                Ok(SessionInfo {
                    id: r.u64("SessionInfo.id")?,
                    profile: r.string("SessionInfo.profile")?,
                    shared: r.bool("SessionInfo.shared")?,
                    clients: r.u32("SessionInfo.clients")?,
                    since_unix: r.i64("SessionInfo.since_unix")?,
                    services: r.strings("SessionInfo.services")?,
                })
            })?),
            6 => ResponseBody::Done,
            7 => ResponseBody::Pong,
            8 => ResponseBody::Error {
                status: Status(r.u32("Error.status")?),
                message: r.string("Error.message")?,
            },
            9 => ResponseBody::TableOpened {
                table: r.u64("TableOpened.table")?,
                default_columns: get_tags(r, "TableOpened.default_columns")?,
                all_columns: get_tags(r, "TableOpened.all_columns")?,
            },
            10 => ResponseBody::Count(r.u64("Count")?),
            11 => ResponseBody::Found(r.opt("Found", |r| r.u64("Found"))?),
            12 => ResponseBody::Identity {
                status: Status(r.u32("Identity.status")?),
                display: r.string("Identity.display")?,
            },
            13 => ResponseBody::Submitted(SubmitOutcome {
                sent_copy: r.opt("Submitted.sent_copy", |r| {
                    r.blob("Submitted.sent_copy", MAX_ENTRY_ID_LEN)
                        .map(<[u8]>::to_vec)
                })?,
                warning: r.opt_str("Submitted.warning")?,
            }),
            14 => ResponseBody::EntryIds(r.list("EntryIds", 4, |r| {
                r.blob("EntryIds.id", MAX_ENTRY_ID_LEN).map(<[u8]>::to_vec)
            })?),
            15 => {
                let entry_id = r.blob("StoreOpened.entry_id", MAX_ENTRY_ID_LEN)?.to_vec();
                let mut rows = get_rows(r, "StoreOpened.properties")?;
                if rows.len() != 1 {
                    return Err(ProtoError::Malformed {
                        what: "StoreOpened.properties",
                        why: "not exactly one row",
                    });
                }
                ResponseBody::StoreOpened {
                    entry_id,
                    properties: rows.remove(0),
                }
            }
            16 => ResponseBody::Object(ObjectReply::get(r)?),
            17 => ResponseBody::Folder(FolderReply::get(r)?),
            18 => ResponseBody::Advised(r.u32("Advised")?),
            19 => ResponseBody::AddressBook(AbReply::get(r)?),
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "response",
                    tag,
                });
            }
        };
        Ok(Response { id, body })
    }
}

impl ResponseBody {
    /// The variant's name (for logs and errors; never shows field contents).
    pub fn name(&self) -> &'static str {
        match self {
            ResponseBody::LoggedOn { .. } => "LoggedOn",
            ResponseBody::Table { .. } => "Table",
            ResponseBody::Rows(_) => "Rows",
            ResponseBody::Bytes(_) => "Bytes",
            ResponseBody::Sessions(_) => "Sessions",
            ResponseBody::Done => "Done",
            ResponseBody::Pong => "Pong",
            ResponseBody::Error { .. } => "Error",
            ResponseBody::TableOpened { .. } => "TableOpened",
            ResponseBody::Count(_) => "Count",
            ResponseBody::Found(_) => "Found",
            ResponseBody::Identity { .. } => "Identity",
            ResponseBody::Submitted(_) => "Submitted",
            ResponseBody::EntryIds(_) => "EntryIds",
            ResponseBody::StoreOpened { .. } => "StoreOpened",
            ResponseBody::Object(_) => "Object",
            ResponseBody::Folder(_) => "Folder",
            ResponseBody::Advised(_) => "Advised",
            ResponseBody::AddressBook(_) => "AddressBook",
        }
    }
}
