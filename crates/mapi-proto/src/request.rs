//! [`Request`]: what a client asks the daemon, and [`UiAnswer`], its answer to a prompt.
//!
//! Encoding: request id (u32), kind (u8), then the fields in declaration order.

use mapi_types::{PropTag, Restriction, SortKey};

use crate::addrbook::AbOp;
use crate::error::ProtoError;
use crate::event::AdviseTarget;
use crate::folder::FolderOp;
use crate::limits::{MAX_BLOB_LEN, MAX_ENTRY_ID_LEN, MAX_IMPORT_CHUNK_LEN};
use crate::object::ObjectOp;
use crate::props::{get_tags, put_tags};
use crate::restrict::{get_restriction, get_sort, put_restriction, put_sort};
use crate::secret::Secret;
use crate::wire::{Input, Writer};

/// A client request. The daemon answers each with one [`crate::Response`] carrying the
/// same `id`; ids are chosen by the client, unique among its requests in flight.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The client's request id (0 is reserved for the handshake).
    pub id: u32,
    /// What is asked.
    pub body: RequestBody,
}

/// What a request asks. The usual reply is named on each variant; any request may be
/// answered with [`crate::ResponseBody::Error`].
#[derive(Clone, Debug, PartialEq)]
pub enum RequestBody {
    /// `MAPILogonEx`. Reply: `LoggedOn`. While it runs the daemon may send
    /// [`crate::Notification::Prompt`]s (when `ui` is set) and `Progress`.
    Logon {
        /// The profile name; `None` = no name supplied.
        profile: Option<String>,
        /// The profile password.
        password: Option<Secret>,
        /// `MAPI_LOGON_*` flags (`mapi_types::LogonFlags` values).
        flags: u32,
        /// The client can show prompts and will answer them with `UiReply`.
        ui: bool,
        /// The client program's name, for the session list.
        program: String,
    },
    /// `GetStatusTable`. Reply: `Table`.
    StatusTable {
        /// The session.
        session: u64,
    },
    /// `GetMsgStoresTable`. Reply: `Table`.
    StoreTable {
        /// The session.
        session: u64,
    },
    /// `OpenMsgStore`. Reply: `Rows` (one row: the opened store's properties).
    OpenStore {
        /// The session.
        session: u64,
        /// The store's entry id; `None` = the default store.
        entry_id: Option<Vec<u8>>,
    },
    /// The folder hierarchy of a store. Reply: `Table`.
    Folders {
        /// The session.
        session: u64,
        /// The store's entry id.
        store: Vec<u8>,
    },
    /// The contents table of a folder. Reply: `Table`.
    Contents {
        /// The session.
        session: u64,
        /// The store's entry id.
        store: Vec<u8>,
        /// The folder's entry id.
        folder: Vec<u8>,
    },
    /// A message's properties. Reply: `Rows` (one row).
    ReadMessage {
        /// The session.
        session: u64,
        /// The store's entry id.
        store: Vec<u8>,
        /// The message's entry id.
        entry_id: Vec<u8>,
    },
    /// A message's raw (MIME) bytes. Reply: `Bytes`.
    ReadRaw {
        /// The session.
        session: u64,
        /// The store's entry id.
        store: Vec<u8>,
        /// The message's entry id.
        entry_id: Vec<u8>,
    },
    /// Submits a raw message: Outbox, transport, Sent Items, as in process. Reply:
    /// `Submitted` (the Sent copy's entry id and any warning).
    Submit {
        /// The session.
        session: u64,
        /// The envelope sender (SMTP `MAIL FROM`); `None` lets the transport pick it.
        from: Option<String>,
        /// The raw (MIME) message.
        raw: Vec<u8>,
        /// Envelope recipients.
        recipients: Vec<String>,
    },
    /// `IMAPISession::Logoff`. Reply: `Done`.
    Logoff {
        /// The session.
        session: u64,
        /// `MAPI_LOGOFF_*` flags.
        flags: u32,
    },
    /// The daemon's live sessions. Reply: `Sessions`.
    ListSessions,
    /// Keeps a shared session alive in the daemon after its last client leaves, until
    /// `MAPI_LOGOFF_SHARED` or the daemon stops (`mapi logon --keep`). Reply: `Done`.
    Keep {
        /// The session.
        session: u64,
    },
    /// Liveness check. Reply: `Pong`.
    Ping,
    /// Asks the daemon to exit. Reply: `Done`.
    Shutdown,
    /// The client's answer to a [`crate::Notification::Prompt`]. Reply: `Done` (or an
    /// error for an unknown or already answered prompt).
    UiReply {
        /// The prompt answered.
        prompt_id: u64,
        /// The answer.
        answer: UiAnswer,
    },
    /// Opens a table's row source at the daemon (`GetStatusTable`, `GetMsgStoresTable`,
    /// `GetHierarchyTable`, `GetContentsTable`); the client keeps the cursor. Reply:
    /// `TableOpened`.
    OpenTable {
        /// The session.
        session: u64,
        /// Which table.
        kind: TableKind,
        /// The store's entry id (hierarchy and contents tables).
        store: Option<Vec<u8>>,
        /// The folder's entry id (hierarchy and contents tables).
        folder: Option<Vec<u8>>,
        /// The `Get*Table` flags.
        flags: u32,
    },
    /// A table's new restriction and sort order (`RowSource::set_query`). Reply: `Done`.
    TableQuery {
        /// The session.
        session: u64,
        /// The table, as `TableOpened` named it.
        table: u64,
        /// The restriction; `None` = every row.
        restriction: Option<Restriction>,
        /// The sort keys.
        sort: Vec<SortKey>,
    },
    /// How many rows pass the table's query. Reply: `Count`.
    TableCount {
        /// The session.
        session: u64,
        /// The table.
        table: u64,
    },
    /// Rows `start..start + count` in query order. Reply: `Rows`.
    TableRows {
        /// The session.
        session: u64,
        /// The table.
        table: u64,
        /// The first row's position.
        start: u64,
        /// How many rows at most.
        count: u32,
        /// The columns wanted.
        columns: Vec<PropTag>,
    },
    /// The position of the first row from `from` (before it when `backward`) that
    /// satisfies a restriction. Reply: `Found`.
    TableFind {
        /// The session.
        session: u64,
        /// The table.
        table: u64,
        /// What a row must satisfy.
        restriction: Restriction,
        /// Where the search starts.
        from: u64,
        /// Search towards the beginning (`DIR_BACKWARD`).
        backward: bool,
    },
    /// Releases a table. Reply: `Done`.
    TableRelease {
        /// The session.
        session: u64,
        /// The table.
        table: u64,
    },
    /// `QueryIdentity`, computed by the engine. Reply: `Identity`.
    QueryIdentity {
        /// The session.
        session: u64,
    },
    /// The first part of an import batch too large for one request: the daemon keeps
    /// these messages for the session's next `Import` (at most
    /// [`crate::MAX_IMPORT_BATCH_LEN`] bytes in all). Reply: `Done`.
    ImportPart {
        /// The session.
        session: u64,
        /// RFC 5322 messages.
        messages: Vec<Vec<u8>>,
    },
    /// Imports RFC 5322 messages into a folder, all or none: the parts staged by
    /// `ImportPart` first, then these. Reply: `EntryIds`.
    Import {
        /// The session.
        session: u64,
        /// The store's entry id (store-table PR_ENTRYID).
        store: Vec<u8>,
        /// The folder's entry id.
        folder: Vec<u8>,
        /// RFC 5322 messages.
        messages: Vec<Vec<u8>>,
    },
    /// A method of a property object or stream (`IMAPIProp`, `IStream`), or opening or
    /// releasing one. Reply: `Object`.
    Object {
        /// The session.
        session: u64,
        /// The call.
        op: ObjectOp,
    },
    /// A folder or message operation of a store (`IMAPIFolder`: CreateFolder,
    /// DeleteFolder, EmptyFolder, CopyFolder, CopyMessages, DeleteMessages,
    /// SetReadFlags; `IMsgStore::GetReceiveFolder`). Reply: `Folder`.
    Folder {
        /// The session.
        session: u64,
        /// The store's entry id (store-table PR_ENTRYID).
        store: Vec<u8>,
        /// The call.
        op: FolderOp,
    },
    /// `Advise` on the session, a store (or one of its folders or messages) or a
    /// contents table. Reply: `Advised` (the connection number). Events then come as
    /// [`crate::Notification::Event`]s naming that number, until `Unadvise`, logoff or
    /// the connection's end.
    Advise {
        /// The session.
        session: u64,
        /// What to watch.
        target: AdviseTarget,
        /// The `fnev*` event mask.
        mask: u32,
    },
    /// `Unadvise` of a connection number this session handle was given. Reply: `Done`
    /// (`MAPI_E_NOT_FOUND` for a number it was not given, or already released).
    Unadvise {
        /// The session.
        session: u64,
        /// The connection number.
        conn: u32,
    },
    /// A call of the session's address book (`OpenAddressBook`, `IAddrBook`,
    /// `IABContainer`). Reply: `AddressBook`.
    AddressBook {
        /// The session.
        session: u64,
        /// The call.
        op: AbOp,
    },
}

/// Which table `OpenTable` opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// `GetStatusTable`.
    Status,
    /// `GetMsgStoresTable`.
    Stores,
    /// `GetHierarchyTable` of a folder.
    Hierarchy,
    /// `GetContentsTable` of a folder.
    Contents,
    /// `GetHierarchyTable` of an address-book container (the `folder` field names the
    /// container; none or an empty one is the root).
    AbHierarchy,
    /// `GetContentsTable` of an address-book container (the `folder` field).
    AbContents,
}

impl TableKind {
    fn code(self) -> u8 {
        match self {
            TableKind::Status => 1,
            TableKind::Stores => 2,
            TableKind::Hierarchy => 3,
            TableKind::Contents => 4,
            TableKind::AbHierarchy => 8,
            TableKind::AbContents => 9,
        }
    }

    fn from_code(tag: u8) -> Result<TableKind, ProtoError> {
        Ok(match tag {
            1 => TableKind::Status,
            2 => TableKind::Stores,
            3 => TableKind::Hierarchy,
            4 => TableKind::Contents,
            8 => TableKind::AbHierarchy,
            9 => TableKind::AbContents,
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "table kind",
                    tag,
                });
            }
        })
    }
}

/// The answer to a prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UiAnswer {
    /// The user cancelled (profile or password prompt: the logon fails with
    /// `MAPI_E_USER_CANCEL`; a service's settings: that service is disabled).
    Cancel,
    /// The profile chosen.
    Profile(String),
    /// The password typed.
    Password(Secret),
    /// Service settings entered, as (key, value); values are treated as secrets.
    Settings(Vec<(String, Secret)>),
    /// What to do about a failed service.
    FailureChoice(FailureChoice),
}

pub use mapi_types::FailureChoice;

impl RequestBody {
    /// The variant's name (for logs and errors; never shows field contents).
    pub fn name(&self) -> &'static str {
        match self {
            RequestBody::Logon { .. } => "Logon",
            RequestBody::StatusTable { .. } => "StatusTable",
            RequestBody::StoreTable { .. } => "StoreTable",
            RequestBody::OpenStore { .. } => "OpenStore",
            RequestBody::Folders { .. } => "Folders",
            RequestBody::Contents { .. } => "Contents",
            RequestBody::ReadMessage { .. } => "ReadMessage",
            RequestBody::ReadRaw { .. } => "ReadRaw",
            RequestBody::Submit { .. } => "Submit",
            RequestBody::Logoff { .. } => "Logoff",
            RequestBody::ListSessions => "ListSessions",
            RequestBody::Ping => "Ping",
            RequestBody::Shutdown => "Shutdown",
            RequestBody::UiReply { .. } => "UiReply",
            RequestBody::Keep { .. } => "Keep",
            RequestBody::OpenTable { .. } => "OpenTable",
            RequestBody::TableQuery { .. } => "TableQuery",
            RequestBody::TableCount { .. } => "TableCount",
            RequestBody::TableRows { .. } => "TableRows",
            RequestBody::TableFind { .. } => "TableFind",
            RequestBody::TableRelease { .. } => "TableRelease",
            RequestBody::QueryIdentity { .. } => "QueryIdentity",
            RequestBody::ImportPart { .. } => "ImportPart",
            RequestBody::Import { .. } => "Import",
            RequestBody::Object { .. } => "Object",
            RequestBody::Folder { .. } => "Folder",
            RequestBody::Advise { .. } => "Advise",
            RequestBody::Unadvise { .. } => "Unadvise",
            RequestBody::AddressBook { .. } => "AddressBook",
        }
    }

    fn kind(&self) -> u8 {
        match self {
            RequestBody::Logon { .. } => 1,
            RequestBody::StatusTable { .. } => 2,
            RequestBody::StoreTable { .. } => 3,
            RequestBody::OpenStore { .. } => 4,
            RequestBody::Folders { .. } => 5,
            RequestBody::Contents { .. } => 6,
            RequestBody::ReadMessage { .. } => 7,
            RequestBody::ReadRaw { .. } => 8,
            RequestBody::Submit { .. } => 9,
            RequestBody::Logoff { .. } => 10,
            RequestBody::ListSessions => 11,
            RequestBody::Ping => 12,
            RequestBody::Shutdown => 13,
            RequestBody::UiReply { .. } => 14,
            RequestBody::Keep { .. } => 15,
            RequestBody::OpenTable { .. } => 16,
            RequestBody::TableQuery { .. } => 17,
            RequestBody::TableCount { .. } => 18,
            RequestBody::TableRows { .. } => 19,
            RequestBody::TableFind { .. } => 20,
            RequestBody::TableRelease { .. } => 21,
            RequestBody::QueryIdentity { .. } => 22,
            RequestBody::ImportPart { .. } => 23,
            RequestBody::Import { .. } => 24,
            RequestBody::Object { .. } => 25,
            RequestBody::Folder { .. } => 26,
            RequestBody::Advise { .. } => 27,
            RequestBody::Unadvise { .. } => 28,
            RequestBody::AddressBook { .. } => 30,
        }
    }
}

fn put_id(w: &mut Writer, what: &'static str, id: &[u8]) {
    w.blob(what, id, MAX_ENTRY_ID_LEN);
}

fn get_id(r: &mut Input<'_>, what: &'static str) -> Result<Vec<u8>, ProtoError> {
    r.blob(what, MAX_ENTRY_ID_LEN).map(<[u8]>::to_vec)
}

fn put_messages(w: &mut Writer, messages: &[Vec<u8>]) {
    w.list("Import.messages", messages, |w, m| {
        w.blob("Import.message", m, MAX_IMPORT_CHUNK_LEN)
    });
}

fn get_messages(r: &mut Input<'_>) -> Result<Vec<Vec<u8>>, ProtoError> {
    r.list("Import.messages", 4, |r| {
        r.blob("Import.message", MAX_IMPORT_CHUNK_LEN)
            .map(<[u8]>::to_vec)
    })
}

impl Request {
    pub(crate) fn put(&self, w: &mut Writer) {
        w.u32(self.id);
        w.u8(self.body.kind());
        match &self.body {
            RequestBody::Logon {
                profile,
                password,
                flags,
                ui,
                program,
            } => {
                w.opt_str("Logon.profile", profile.as_ref());
                w.opt(password.as_ref(), |w, p| w.secret("Logon.password", p));
                w.u32(*flags);
                w.bool(*ui);
                w.str("Logon.program", program);
            }
            RequestBody::StatusTable { session } | RequestBody::StoreTable { session } => {
                w.u64(*session)
            }
            RequestBody::OpenStore { session, entry_id } => {
                w.u64(*session);
                w.opt(entry_id.as_ref(), |w, id| {
                    put_id(w, "OpenStore.entry_id", id)
                });
            }
            RequestBody::Folders { session, store } => {
                w.u64(*session);
                put_id(w, "Folders.store", store);
            }
            RequestBody::Contents {
                session,
                store,
                folder,
            } => {
                w.u64(*session);
                put_id(w, "Contents.store", store);
                put_id(w, "Contents.folder", folder);
            }
            RequestBody::ReadMessage {
                session,
                store,
                entry_id,
            }
            | RequestBody::ReadRaw {
                session,
                store,
                entry_id,
            } => {
                w.u64(*session);
                put_id(w, "Read.store", store);
                put_id(w, "Read.entry_id", entry_id);
            }
            RequestBody::Submit {
                session,
                from,
                raw,
                recipients,
            } => {
                w.u64(*session);
                w.opt_str("Submit.from", from.as_ref());
                w.blob("Submit.raw", raw, MAX_BLOB_LEN);
                w.strings("Submit.recipients", recipients);
            }
            RequestBody::Logoff { session, flags } => {
                w.u64(*session);
                w.u32(*flags);
            }
            RequestBody::ListSessions | RequestBody::Ping | RequestBody::Shutdown => {}
            RequestBody::Keep { session } => w.u64(*session),
            RequestBody::UiReply { prompt_id, answer } => {
                w.u64(*prompt_id);
                answer.put(w);
            }
            RequestBody::OpenTable {
                session,
                kind,
                store,
                folder,
                flags,
            } => {
                w.u64(*session);
                w.u8(kind.code());
                w.opt(store.as_ref(), |w, id| put_id(w, "OpenTable.store", id));
                w.opt(folder.as_ref(), |w, id| put_id(w, "OpenTable.folder", id));
                w.u32(*flags);
            }
            RequestBody::TableQuery {
                session,
                table,
                restriction,
                sort,
            } => {
                w.u64(*session);
                w.u64(*table);
                w.opt(restriction.as_ref(), put_restriction);
                put_sort(w, sort);
            }
            RequestBody::TableCount { session, table }
            | RequestBody::TableRelease { session, table } => {
                w.u64(*session);
                w.u64(*table);
            }
            RequestBody::TableRows {
                session,
                table,
                start,
                count,
                columns,
            } => {
                w.u64(*session);
                w.u64(*table);
                w.u64(*start);
                w.u32(*count);
                put_tags(w, "TableRows.columns", columns);
            }
            RequestBody::TableFind {
                session,
                table,
                restriction,
                from,
                backward,
            } => {
                w.u64(*session);
                w.u64(*table);
                put_restriction(w, restriction);
                w.u64(*from);
                w.bool(*backward);
            }
            RequestBody::QueryIdentity { session } => w.u64(*session),
            RequestBody::ImportPart { session, messages } => {
                w.u64(*session);
                put_messages(w, messages);
            }
            RequestBody::Import {
                session,
                store,
                folder,
                messages,
            } => {
                w.u64(*session);
                put_id(w, "Import.store", store);
                put_id(w, "Import.folder", folder);
                put_messages(w, messages);
            }
            RequestBody::Object { session, op } => {
                w.u64(*session);
                op.put(w);
            }
            RequestBody::Folder { session, store, op } => {
                w.u64(*session);
                put_id(w, "Folder.store", store);
                op.put(w);
            }
            RequestBody::Advise {
                session,
                target,
                mask,
            } => {
                w.u64(*session);
                target.put(w);
                w.u32(*mask);
            }
            RequestBody::Unadvise { session, conn } => {
                w.u64(*session);
                w.u32(*conn);
            }
            RequestBody::AddressBook { session, op } => {
                w.u64(*session);
                op.put(w);
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<Request, ProtoError> {
        let id = r.u32("Request.id")?;
        let kind = r.u8("Request.kind")?;
        let body = match kind {
            1 => RequestBody::Logon {
                profile: r.opt_str("Logon.profile")?,
                password: r.opt("Logon.password", |r| r.secret("Logon.password"))?,
                flags: r.u32("Logon.flags")?,
                ui: r.bool("Logon.ui")?,
                program: r.string("Logon.program")?,
            },
            2 => RequestBody::StatusTable {
                session: r.u64("StatusTable.session")?,
            },
            3 => RequestBody::StoreTable {
                session: r.u64("StoreTable.session")?,
            },
            4 => RequestBody::OpenStore {
                session: r.u64("OpenStore.session")?,
                entry_id: r.opt("OpenStore.entry_id", |r| get_id(r, "OpenStore.entry_id"))?,
            },
            5 => RequestBody::Folders {
                session: r.u64("Folders.session")?,
                store: get_id(r, "Folders.store")?,
            },
            6 => RequestBody::Contents {
                session: r.u64("Contents.session")?,
                store: get_id(r, "Contents.store")?,
                folder: get_id(r, "Contents.folder")?,
            },
            7 | 8 => {
                let session = r.u64("Read.session")?;
                let store = get_id(r, "Read.store")?;
                let entry_id = get_id(r, "Read.entry_id")?;
                if kind == 7 {
                    RequestBody::ReadMessage {
                        session,
                        store,
                        entry_id,
                    }
                } else {
                    RequestBody::ReadRaw {
                        session,
                        store,
                        entry_id,
                    }
                }
            }
            9 => RequestBody::Submit {
                session: r.u64("Submit.session")?,
                from: r.opt_str("Submit.from")?,
                raw: r.blob("Submit.raw", MAX_BLOB_LEN)?.to_vec(),
                recipients: r.strings("Submit.recipients")?,
            },
            10 => RequestBody::Logoff {
                session: r.u64("Logoff.session")?,
                flags: r.u32("Logoff.flags")?,
            },
            11 => RequestBody::ListSessions,
            12 => RequestBody::Ping,
            13 => RequestBody::Shutdown,
            14 => RequestBody::UiReply {
                prompt_id: r.u64("UiReply.prompt_id")?,
                answer: UiAnswer::get(r)?,
            },
            15 => RequestBody::Keep {
                session: r.u64("Keep.session")?,
            },
            16 => RequestBody::OpenTable {
                session: r.u64("OpenTable.session")?,
                kind: TableKind::from_code(r.u8("OpenTable.kind")?)?,
                store: r.opt("OpenTable.store", |r| get_id(r, "OpenTable.store"))?,
                folder: r.opt("OpenTable.folder", |r| get_id(r, "OpenTable.folder"))?,
                flags: r.u32("OpenTable.flags")?,
            },
            17 => RequestBody::TableQuery {
                session: r.u64("TableQuery.session")?,
                table: r.u64("TableQuery.table")?,
                restriction: r.opt("TableQuery.restriction", get_restriction)?,
                sort: get_sort(r)?,
            },
            18 => RequestBody::TableCount {
                session: r.u64("TableCount.session")?,
                table: r.u64("TableCount.table")?,
            },
            19 => RequestBody::TableRows {
                session: r.u64("TableRows.session")?,
                table: r.u64("TableRows.table")?,
                start: r.u64("TableRows.start")?,
                count: r.u32("TableRows.count")?,
                columns: get_tags(r, "TableRows.columns")?,
            },
            20 => RequestBody::TableFind {
                session: r.u64("TableFind.session")?,
                table: r.u64("TableFind.table")?,
                restriction: get_restriction(r)?,
                from: r.u64("TableFind.from")?,
                backward: r.bool("TableFind.backward")?,
            },
            21 => RequestBody::TableRelease {
                session: r.u64("TableRelease.session")?,
                table: r.u64("TableRelease.table")?,
            },
            22 => RequestBody::QueryIdentity {
                session: r.u64("QueryIdentity.session")?,
            },
            23 => RequestBody::ImportPart {
                session: r.u64("ImportPart.session")?,
                messages: get_messages(r)?,
            },
            24 => RequestBody::Import {
                session: r.u64("Import.session")?,
                store: get_id(r, "Import.store")?,
                folder: get_id(r, "Import.folder")?,
                messages: get_messages(r)?,
            },
            25 => RequestBody::Object {
                session: r.u64("Object.session")?,
                op: ObjectOp::get(r)?,
            },
            26 => RequestBody::Folder {
                session: r.u64("Folder.session")?,
                store: get_id(r, "Folder.store")?,
                op: FolderOp::get(r)?,
            },
            27 => RequestBody::Advise {
                session: r.u64("Advise.session")?,
                target: AdviseTarget::get(r)?,
                mask: r.u32("Advise.mask")?,
            },
            28 => RequestBody::Unadvise {
                session: r.u64("Unadvise.session")?,
                conn: r.u32("Unadvise.conn")?,
            },
            30 => RequestBody::AddressBook {
                session: r.u64("AddressBook.session")?,
                op: AbOp::get(r)?,
            },
            kind => return Err(ProtoError::UnknownRequest { id, kind }),
        };
        Ok(Request { id, body })
    }
}

impl UiAnswer {
    fn put(&self, w: &mut Writer) {
        match self {
            UiAnswer::Cancel => w.u8(1),
            UiAnswer::Profile(p) => {
                w.u8(2);
                w.str("UiAnswer.profile", p);
            }
            UiAnswer::Password(p) => {
                w.u8(3);
                w.secret("UiAnswer.password", p);
            }
            UiAnswer::Settings(pairs) => {
                w.u8(4);
                w.list("UiAnswer.settings", pairs, |w, (k, v)| {
                    w.str("UiAnswer.settings key", k);
                    w.secret("UiAnswer.settings value", v);
                });
            }
            UiAnswer::FailureChoice(c) => {
                w.u8(5);
                w.u8(match c {
                    FailureChoice::Retry => 1,
                    FailureChoice::Edit => 2,
                    FailureChoice::Skip => 3,
                    FailureChoice::Cancel => 4,
                });
            }
        }
    }

    fn get(r: &mut Input<'_>) -> Result<UiAnswer, ProtoError> {
        Ok(match r.u8("UiAnswer kind")? {
            1 => UiAnswer::Cancel,
            2 => UiAnswer::Profile(r.string("UiAnswer.profile")?),
            3 => UiAnswer::Password(r.secret("UiAnswer.password")?),
            4 => UiAnswer::Settings(r.list("UiAnswer.settings", 8, |r| {
                Ok((
                    r.string("UiAnswer.settings key")?,
                    r.secret("UiAnswer.settings value")?,
                ))
            })?),
            5 => UiAnswer::FailureChoice(match r.u8("FailureChoice")? {
                1 => FailureChoice::Retry,
                2 => FailureChoice::Edit,
                3 => FailureChoice::Skip,
                4 => FailureChoice::Cancel,
                tag => {
                    return Err(ProtoError::UnknownTag {
                        what: "failure choice",
                        tag,
                    });
                }
            }),
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "UI answer",
                    tag,
                });
            }
        })
    }
}
