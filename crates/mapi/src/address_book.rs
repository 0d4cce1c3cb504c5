//! [`AnyAddressBook`]: the session's address book (`IAddrBook`) whichever link the
//! session runs over. Its containers, mail users and distribution lists are
//! [`Object`]s (`IABContainer`, `IMailUser`, `IDistList` as `IMAPIProp`); its tables are
//! [`TableView`]s (through the daemon the rows stay there, the cursor is here). Every
//! call answers the same on both links, `Advise` too (through the daemon the
//! registration is on the daemon's address book, which pushes the events).

use std::sync::Arc;

use mapi_client::{AbOp, AbReply, AdviseTarget, RemoteSession, TableKind};
use mapi_engine::{EngineError, MergedAddressBook, Result};
use mapi_types::table::consts::TBLTYPE_DYNAMIC;
use mapi_types::{Row, Status, TableView};
use tokio::runtime::Runtime;

use crate::advise::{AdviseSink, event_sink};
use crate::any_session::client_err;
use crate::object::{Object, RemoteHandle};
use crate::remote_table::RemoteSource;

pub use mapi_engine::Resolved;
pub use mapi_engine::addrbook::{AB_ROOT_ENTRY, AB_SMTP_TEMPLATE, PR_DEF_CREATE_MAILUSER};

/// The session's address book, wherever the session runs.
pub struct AnyAddressBook {
    link: Box<dyn AbLink>,
    warning: Status,
}

trait AbLink: Send + Sync {
    fn hierarchy(&self, container: &[u8], flags: u32) -> Result<TableView>;
    fn contents(&self, container: &[u8], flags: u32) -> Result<TableView>;
    fn open_entry(&self, entry: &[u8], flags: u32) -> Result<Object>;
    fn resolve(&self, container: Option<&[u8]>, flags: u32, rows: Vec<Row>) -> Result<Resolved>;
    fn create_entry(&self, container: &[u8], template: &[u8], flags: u32) -> Result<Object>;
    fn advise(&self, container: Option<&[u8]>, mask: u32, sink: Arc<dyn AdviseSink>)
    -> Result<u32>;
    fn unadvise(&self, conn: u32) -> Result<()>;
}

impl AnyAddressBook {
    /// `OpenAddressBook` in this process.
    pub(crate) fn local(session: &crate::blocking::Session) -> Result<AnyAddressBook> {
        let (rt, session) = session.parts();
        let book = session.address_book()?;
        Ok(AnyAddressBook {
            warning: book.warning(),
            link: Box::new(Local { rt, session, book }),
        })
    }

    /// `OpenAddressBook` at the daemon.
    pub(crate) fn remote(rt: Arc<Runtime>, session: Arc<RemoteSession>) -> Result<AnyAddressBook> {
        let warning = match rt
            .block_on(session.address_book(AbOp::Open))
            .map_err(client_err)?
        {
            AbReply::Opened { warning } => warning,
            other => return Err(unexpected("OpenAddressBook", &other)),
        };
        Ok(AnyAddressBook {
            warning,
            link: Box::new(Remote { rt, session }),
        })
    }

    /// `S_OK`, or `MAPI_W_ERRORS_RETURNED` when some address-book providers are
    /// disabled (the address book opens all the same, as MAPI documents).
    pub fn warning(&self) -> Status {
        self.warning
    }

    /// `IMAPIContainer::GetHierarchyTable` of a container: the root (an empty entry id or
    /// [`AB_ROOT_ENTRY`]) lists one container per provider with PR_ENTRYID,
    /// PR_DISPLAY_NAME, PR_CONTAINER_FLAGS, PR_DEPTH, PR_OBJECT_TYPE and PR_DISPLAY_TYPE.
    /// `flags`: `CONVENIENT_DEPTH`, `MAPI_UNICODE`.
    pub fn get_hierarchy_table(&self, container: &[u8], flags: u32) -> Result<TableView> {
        self.link.hierarchy(container, flags)
    }

    /// `IMAPIContainer::GetContentsTable` of a container: PR_DISPLAY_NAME,
    /// PR_EMAIL_ADDRESS, PR_ADDRTYPE, PR_ENTRYID, PR_OBJECT_TYPE, PR_DISPLAY_TYPE per
    /// entry. The root holds no recipients (`MAPI_E_NO_SUPPORT`). `flags`: `MAPI_UNICODE`.
    pub fn get_contents_table(&self, container: &[u8], flags: u32) -> Result<TableView> {
        self.link.contents(container, flags)
    }

    /// `IAddrBook::OpenEntry`: the root, a container, a mail user, a distribution list or
    /// a one-off entry id, read-only. An id no container knows is
    /// `MAPI_E_UNKNOWN_ENTRYID`.
    pub fn open_entry(&self, entry: &[u8], flags: u32) -> Result<Object> {
        self.link.open_entry(entry, flags)
    }

    /// `IAddrBook::ResolveName` over an ADRLIST's entries (see
    /// [`mapi_engine::ab_resolve`]): the entries as they are now, one flag each, and
    /// the status (`MAPI_E_AMBIGUOUS_RECIP`, `MAPI_E_NOT_FOUND`, or `S_OK`). `flags`:
    /// `MAPI_DIALOG` (no dialog exists: answered as without it), `MAPI_UNICODE`.
    pub fn resolve_name(&self, flags: u32, entries: Vec<Row>) -> Result<Resolved> {
        self.link.resolve(None, flags, entries)
    }

    /// `IABContainer::ResolveNames` in one container.
    pub fn resolve_names(
        &self,
        container: &[u8],
        flags: u32,
        entries: Vec<Row>,
    ) -> Result<Resolved> {
        self.link.resolve(Some(container), flags, entries)
    }

    /// `IABContainer::CreateEntry` from the container's PR_DEF_CREATE_MAILUSER
    /// ([`AB_SMTP_TEMPLATE`]): a writable new entry; SetProps PR_DISPLAY_NAME and
    /// PR_EMAIL_ADDRESS, then SaveChanges adds it.
    pub fn create_entry(&self, container: &[u8], template: &[u8], flags: u32) -> Result<Object> {
        self.link.create_entry(container, template, flags)
    }

    /// `IAddrBook::CreateOneOff`: the documented one-off entry id. `flags`:
    /// `MAPI_UNICODE` (UTF-16LE strings in the id), `MAPI_SEND_NO_RICH_INFO`.
    pub fn create_one_off(
        name: &str,
        addr_type: &str,
        address: &str,
        flags: u32,
    ) -> Result<Vec<u8>> {
        MergedAddressBook::create_one_off(name, addr_type, address, flags)
    }

    /// `IAddrBook::Advise`: `fnevObjectCreated` for every entry added through this
    /// session's address book (with a container's entry id, those added to it).
    pub fn advise(
        &self,
        container: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        self.link.advise(container, mask, sink)
    }

    /// `IAddrBook::Unadvise`; `MAPI_E_NOT_FOUND` for an unknown connection number.
    pub fn unadvise(&self, conn: u32) -> Result<()> {
        self.link.unadvise(conn)
    }
}

struct Local {
    rt: Arc<Runtime>,
    session: Arc<mapi_engine::Session>,
    book: MergedAddressBook,
}

impl Local {
    fn object(&self, o: Arc<dyn mapi_spi::PropObject>) -> Object {
        Object::new_local(self.rt.clone(), self.session.liveness(), o)
    }
}

impl AbLink for Local {
    fn hierarchy(&self, container: &[u8], flags: u32) -> Result<TableView> {
        self.book.get_hierarchy_table(container, flags)
    }
    fn contents(&self, container: &[u8], flags: u32) -> Result<TableView> {
        self.rt
            .block_on(self.book.get_contents_table(container, flags))
    }
    fn open_entry(&self, entry: &[u8], flags: u32) -> Result<Object> {
        let o = self.rt.block_on(self.book.open_entry(entry, flags))?;
        Ok(self.object(o))
    }
    fn resolve(&self, container: Option<&[u8]>, flags: u32, rows: Vec<Row>) -> Result<Resolved> {
        self.rt.block_on(async {
            match container {
                None => self.book.resolve_name(flags, rows).await,
                Some(c) => self.book.resolve_names(c, flags, rows).await,
            }
        })
    }
    fn create_entry(&self, container: &[u8], template: &[u8], flags: u32) -> Result<Object> {
        Ok(self.object(self.book.create_entry(container, template, flags)?))
    }
    fn advise(
        &self,
        container: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        self.session.advise_address_book(container, mask, sink)
    }
    fn unadvise(&self, conn: u32) -> Result<()> {
        self.session.unadvise(conn)
    }
}

struct Remote {
    rt: Arc<Runtime>,
    session: Arc<RemoteSession>,
}

impl Remote {
    fn call(&self, op: AbOp) -> Result<AbReply> {
        self.rt
            .block_on(self.session.address_book(op))
            .map_err(client_err)
    }

    fn object(&self, method: &str, reply: AbReply) -> Result<Object> {
        match reply {
            AbReply::Object {
                object,
                object_type,
            } => Ok(Object::new_remote(
                object_type,
                RemoteHandle::new(self.rt.clone(), self.session.clone(), object),
            )),
            other => Err(unexpected(method, &other)),
        }
    }

    fn view(&self, kind: TableKind, container: &[u8], flags: u32) -> Result<TableView> {
        Ok(RemoteSource::open_view(
            self.rt.clone(),
            self.session.clone(),
            kind,
            None,
            Some(container),
            flags,
        )?
        .with_table_type(TBLTYPE_DYNAMIC))
    }
}

impl AbLink for Remote {
    fn hierarchy(&self, container: &[u8], flags: u32) -> Result<TableView> {
        self.view(TableKind::AbHierarchy, container, flags)
    }
    fn contents(&self, container: &[u8], flags: u32) -> Result<TableView> {
        self.view(TableKind::AbContents, container, flags)
    }
    fn open_entry(&self, entry: &[u8], flags: u32) -> Result<Object> {
        let reply = self.call(AbOp::OpenEntry {
            entry_id: entry.to_vec(),
            flags,
        })?;
        self.object("IAddrBook::OpenEntry", reply)
    }
    fn resolve(&self, container: Option<&[u8]>, flags: u32, rows: Vec<Row>) -> Result<Resolved> {
        let n = rows.len();
        match self.call(AbOp::ResolveName {
            container: container.map(<[u8]>::to_vec),
            flags,
            entries: rows,
        })? {
            AbReply::Resolved {
                status,
                entries,
                flags,
            } if entries.len() == n => Ok(Resolved {
                status,
                rows: entries,
                flags,
            }),
            other => Err(unexpected("ResolveName", &other)),
        }
    }
    fn create_entry(&self, container: &[u8], template: &[u8], flags: u32) -> Result<Object> {
        let reply = self.call(AbOp::CreateEntry {
            container: container.to_vec(),
            template: template.to_vec(),
            flags,
        })?;
        self.object("CreateEntry", reply)
    }
    fn advise(
        &self,
        container: Option<&[u8]>,
        mask: u32,
        sink: Arc<dyn AdviseSink>,
    ) -> Result<u32> {
        let target = AdviseTarget::AddressBook {
            container: container.map(<[u8]>::to_vec),
        };
        self.rt
            .block_on(self.session.advise(target, mask, event_sink(sink)))
            .map_err(client_err)
    }
    fn unadvise(&self, conn: u32) -> Result<()> {
        self.rt
            .block_on(self.session.unadvise(conn))
            .map_err(client_err)
    }
}

fn unexpected(method: &str, reply: &AbReply) -> EngineError {
    EngineError::Status(
        Status::MAPI_E_CALL_FAILED,
        format!("the daemon answered {method} with an unexpected reply {reply:?}"),
    )
}
