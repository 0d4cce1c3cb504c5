//! The session's address book (`OpenAddressBook`): every address-book provider merged
//! under one root container. The root's hierarchy table lists one container per
//! provider; a container's contents table lists its entries; `OpenEntry` opens the
//! root, a container, a mail user, a distribution list or a one-off entry id as a
//! read-only property object ([`crate::ab_object`]); `ResolveName` / `ResolveNames`
//! ([`crate::ab_resolve`]) resolve an ADRLIST; `CreateOneOff` builds the documented
//! one-off entry id; `CreateEntry` adds an entry to a container through a new
//! property object, and an entry added tells the address book's advise sinks
//! (`fnevObjectCreated`).

use std::sync::{Arc, Weak};

use mapi_spi::{AddressBook, PropObject};
use mapi_types::addrbook::{
    AB_MODIFIABLE, AB_RECIPIENTS, AB_SUBCONTAINERS, DT_DISTLIST, DT_GLOBAL, DT_LOCAL, DT_MAILUSER,
    DT_MODIFIABLE, MAPI_ONE_OFF_NO_RICH_INFO, MAPI_ONE_OFF_UNICODE, MAPI_SEND_NO_RICH_INFO, OneOff,
    PR_CONTAINER_FLAGS, PR_DISPLAY_TYPE,
};
use mapi_types::notify::ObjectInfo;
use mapi_types::table::consts::{CONVENIENT_DEPTH, MAPI_UNICODE, PR_DEPTH, TBLTYPE_DYNAMIC};
use mapi_types::{
    MemorySource, Notification, PropTag, PropValue, Row, RowSource, Status, TableError, TableView,
    object_type, tags,
};

use crate::ab_object::{AbObject, NewEntry};
use crate::error::{EngineError, Result};
use crate::session::SessionInner;

/// The root container's entry id (an empty entry id opens it too).
pub const AB_ROOT_ENTRY: &[u8] = b"MAPIABRT";
/// Marks a container id the engine made for a provider that gave none.
const CONTAINER_MARK: &[u8] = b"MAPIABCT";
/// The template `CreateEntry` takes for an SMTP mail user (a container's
/// `PR_DEF_CREATE_MAILUSER`).
pub const AB_SMTP_TEMPLATE: &[u8] = b"MAPIABTMSMTP";
/// `PR_DEF_CREATE_MAILUSER` (PT_BINARY): the template entry id for `CreateEntry`.
pub const PR_DEF_CREATE_MAILUSER: PropTag = PropTag(0x3605_0102);

/// The columns of a container's contents table.
pub const AB_CONTENTS_COLUMNS: [PropTag; 6] = [
    tags::PR_DISPLAY_NAME,
    tags::PR_EMAIL_ADDRESS,
    tags::PR_ADDRTYPE,
    tags::PR_ENTRYID,
    tags::PR_OBJECT_TYPE,
    PR_DISPLAY_TYPE,
];
/// The columns of the root's hierarchy table.
pub const AB_HIERARCHY_COLUMNS: [PropTag; 6] = [
    tags::PR_ENTRYID,
    tags::PR_DISPLAY_NAME,
    PR_CONTAINER_FLAGS,
    PR_DEPTH,
    tags::PR_OBJECT_TYPE,
    PR_DISPLAY_TYPE,
];

/// Most entries one ResolveName call takes.
pub const MAX_RESOLVE_ENTRIES: usize = 10_000;

/// The merged address book of a session.
#[derive(Clone)]
pub struct MergedAddressBook {
    pub(crate) books: Vec<Arc<dyn AddressBook>>,
    warning: Status,
    session: Weak<SessionInner>,
}

/// What an address-book entry id names.
pub(crate) enum AbTarget {
    Root,
    Container(usize),
    OneOff(OneOff),
    Other,
}

impl MergedAddressBook {
    pub(crate) fn new(
        books: Vec<Arc<dyn AddressBook>>,
        warning: Status,
        session: Weak<SessionInner>,
    ) -> MergedAddressBook {
        MergedAddressBook {
            books,
            warning,
            session,
        }
    }

    /// `S_OK`, or `MAPI_W_ERRORS_RETURNED` when some providers are disabled.
    pub fn warning(&self) -> Status {
        self.warning
    }

    /// How many providers are merged.
    pub fn providers(&self) -> usize {
        self.books.len()
    }

    /// Every entry of every provider, sorted by display name.
    pub async fn entries(&self) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        for b in &self.books {
            out.extend(b.entries().await?.full_rows().into_iter().cloned());
        }
        sort_by_name(&mut out);
        Ok(out)
    }

    /// Entries whose display name or address starts with `prefix`, across every
    /// provider (the CLI's lookup; `ResolveName` is [`MergedAddressBook::resolve_name`]).
    pub async fn resolve(&self, prefix: &str) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        for b in &self.books {
            out.extend(b.resolve(prefix).await?);
        }
        sort_by_name(&mut out);
        Ok(out)
    }

    /// Adds an entry to the first provider; the address book's sinks get
    /// `fnevObjectCreated`.
    pub async fn add_entry(&self, display_name: &str, email: &str) -> Result<Vec<u8>> {
        if self.books.is_empty() {
            return Err(EngineError::NoSupport(
                "the session has no address-book provider".into(),
            ));
        }
        self.add_to(0, display_name, email).await
    }

    pub(crate) async fn add_to(
        &self,
        i: usize,
        display_name: &str,
        email: &str,
    ) -> Result<Vec<u8>> {
        let id = self.books[i].add_entry(display_name, email).await?;
        self.notify(vec![Notification::ObjectCreated(ObjectInfo {
            entry: id.clone(),
            object_type: object_type::MAPI_MAILUSER,
            parent: self.container_id(i),
            old_entry: Vec::new(),
            old_parent: Vec::new(),
            props: Vec::new(),
        })]);
        Ok(id)
    }

    fn notify(&self, n: Vec<Notification>) {
        if let Some(s) = self.session.upgrade()
            && let Some(hub) = s.advise.get()
        {
            hub.address_book_changed(n);
        }
    }

    /// Container `i`'s entry id: its provider's PR_ENTRYID, or one the engine makes.
    pub fn container_id(&self, i: usize) -> Vec<u8> {
        match self.books[i]
            .properties()
            .get(tags::PR_ENTRYID)
            .and_then(PropValue::as_bytes)
        {
            Some(id) if !id.is_empty() => id.to_vec(),
            _ => {
                let mut id = CONTAINER_MARK.to_vec();
                id.extend_from_slice(&(i as u32).to_le_bytes());
                id
            }
        }
    }

    /// Container `i`'s properties.
    pub(crate) fn container_row(&self, i: usize) -> Row {
        let mut row = self.books[i].properties();
        if row.str(tags::PR_DISPLAY_NAME).is_none() {
            row.set(
                tags::PR_DISPLAY_NAME,
                PropValue::Unicode(format!("Address book {}", i + 1)),
            );
        }
        let id = self.container_id(i);
        row.set(tags::PR_ENTRYID, PropValue::Binary(id.clone()));
        row.set(tags::PR_INSTANCE_KEY, PropValue::Binary(id.clone()));
        if row.get(tags::PR_RECORD_KEY).is_none() {
            row.set(tags::PR_RECORD_KEY, PropValue::Binary(id));
        }
        row.set(
            PR_CONTAINER_FLAGS,
            PropValue::Long((AB_RECIPIENTS | AB_MODIFIABLE) as i32),
        );
        row.set(PR_DEPTH, PropValue::Long(0));
        row.set(
            tags::PR_OBJECT_TYPE,
            PropValue::Long(object_type::MAPI_ABCONT as i32),
        );
        row.set(
            PR_DISPLAY_TYPE,
            PropValue::Long((DT_LOCAL | DT_MODIFIABLE) as i32),
        );
        row.set(
            PR_DEF_CREATE_MAILUSER,
            PropValue::Binary(AB_SMTP_TEMPLATE.to_vec()),
        );
        row
    }

    fn root_row(&self) -> Row {
        let mut row = Row::default();
        row.set(tags::PR_ENTRYID, PropValue::Binary(AB_ROOT_ENTRY.to_vec()));
        row.set(
            tags::PR_INSTANCE_KEY,
            PropValue::Binary(AB_ROOT_ENTRY.to_vec()),
        );
        row.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(String::new()));
        row.set(PR_CONTAINER_FLAGS, PropValue::Long(AB_SUBCONTAINERS as i32));
        row.set(
            tags::PR_OBJECT_TYPE,
            PropValue::Long(object_type::MAPI_ABCONT as i32),
        );
        row.set(PR_DISPLAY_TYPE, PropValue::Long(DT_GLOBAL as i32));
        row
    }

    pub(crate) fn target(&self, entry: &[u8]) -> AbTarget {
        if entry.is_empty() || entry == AB_ROOT_ENTRY {
            return AbTarget::Root;
        }
        if let Some(i) = (0..self.books.len()).find(|&i| self.container_id(i) == entry) {
            return AbTarget::Container(i);
        }
        match OneOff::parse(entry) {
            Some(o) => AbTarget::OneOff(o),
            None => AbTarget::Other,
        }
    }

    /// The container an entry id names: `None` for the root; `MAPI_E_INVALID_ENTRYID`
    /// when it is no container of this address book.
    fn container(&self, entry: &[u8]) -> Result<Option<usize>> {
        match self.target(entry) {
            AbTarget::Root => Ok(None),
            AbTarget::Container(i) => Ok(Some(i)),
            _ => Err(EngineError::Status(
                Status::MAPI_E_INVALID_ENTRYID,
                "that entry id is not an address-book container of this session".into(),
            )),
        }
    }

    /// A container's entries as contents-table rows (each with PR_OBJECT_TYPE,
    /// PR_DISPLAY_TYPE and PR_INSTANCE_KEY).
    pub(crate) async fn container_entries(&self, i: usize) -> Result<Vec<Row>> {
        let rows = self.books[i].entries().await?;
        Ok(rows
            .full_rows()
            .into_iter()
            .map(|r| entry_row(r.clone()))
            .collect())
    }

    /// `IMAPIContainer::GetHierarchyTable` of a container as a row source: the root
    /// lists one container per provider (PR_DEPTH 0; with `CONVENIENT_DEPTH` the same,
    /// as containers have no subcontainers), a provider's container none. `flags`:
    /// `CONVENIENT_DEPTH`, `MAPI_UNICODE`.
    pub fn hierarchy_source(&self, container: &[u8], flags: u32) -> Result<Box<dyn RowSource>> {
        TableError::check_flags("GetHierarchyTable", flags, CONVENIENT_DEPTH | MAPI_UNICODE)?;
        let rows = match self.container(container)? {
            None => (0..self.books.len())
                .map(|i| self.container_row(i))
                .collect(),
            Some(_) => Vec::new(),
        };
        Ok(Box::new(MemorySource::new(&AB_HIERARCHY_COLUMNS, rows)))
    }

    /// `IMAPIContainer::GetContentsTable` of a container as a row source, sorted by
    /// display name. The root holds no recipients: `MAPI_E_NO_SUPPORT`. `flags`:
    /// `MAPI_UNICODE`.
    pub async fn contents_source(
        &self,
        container: &[u8],
        flags: u32,
    ) -> Result<Box<dyn RowSource>> {
        TableError::check_flags("GetContentsTable", flags, MAPI_UNICODE)?;
        let Some(i) = self.container(container)? else {
            return Err(EngineError::NoSupport(
                "the address book's root container holds containers, not recipients: open one \
                 of its hierarchy table's containers"
                    .into(),
            ));
        };
        let mut rows = self.container_entries(i).await?;
        sort_by_name(&mut rows);
        Ok(Box::new(MemorySource::new(&AB_CONTENTS_COLUMNS, rows)))
    }

    /// The hierarchy table as a view (in process).
    pub fn get_hierarchy_table(&self, container: &[u8], flags: u32) -> Result<TableView> {
        Ok(self.view(self.hierarchy_source(container, flags)?))
    }

    /// The contents table as a view (in process).
    pub async fn get_contents_table(&self, container: &[u8], flags: u32) -> Result<TableView> {
        Ok(self.view(self.contents_source(container, flags).await?))
    }

    fn view(&self, source: Box<dyn RowSource>) -> TableView {
        let session = self.session.clone();
        TableView::over(source)
            .with_liveness(Arc::new(move || match session.upgrade() {
                Some(s) if s.end_reason().is_none() => Ok(()),
                _ => Err(TableError::new(
                    Status::MAPI_E_END_OF_SESSION,
                    "the address book's session has ended",
                )),
            }))
            .with_table_type(TBLTYPE_DYNAMIC)
    }

    /// `IAddrBook::OpenEntry`: the root (an empty entry id or [`AB_ROOT_ENTRY`]), a
    /// container, a mail user or distribution list of a container, or a one-off entry
    /// id (a mail user), as a read-only property object. An id no container knows is
    /// `MAPI_E_UNKNOWN_ENTRYID`. `flags`: `MAPI_BEST_ACCESS`, `MAPI_DEFERRED_ERRORS`,
    /// `MAPI_MODIFY` (refused: entries change through their container).
    pub async fn open_entry(&self, entry: &[u8], flags: u32) -> Result<Arc<dyn PropObject>> {
        const MAPI_MODIFY: u32 = 0x1;
        const KNOWN: u32 = 0x1 | 0x10 | 0x8; // MODIFY, BEST_ACCESS, DEFERRED_ERRORS
        if flags & !KNOWN != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("OpenEntry flags {flags:#x}: only MAPI_BEST_ACCESS, MAPI_DEFERRED_ERRORS"),
            ));
        }
        if flags & MAPI_MODIFY != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_NO_ACCESS,
                "address-book entries open read-only: add entries with the container's \
                 CreateEntry"
                    .into(),
            ));
        }
        let (object_type, row) = match self.target(entry) {
            AbTarget::Root => (object_type::MAPI_ABCONT, self.root_row()),
            AbTarget::Container(i) => (object_type::MAPI_ABCONT, self.container_row(i)),
            AbTarget::OneOff(o) => (object_type::MAPI_MAILUSER, one_off_row(&o, entry)),
            AbTarget::Other => {
                let mut found = None;
                for i in 0..self.books.len() {
                    if let Some(r) = self.container_entries(i).await?.into_iter().find(|r| {
                        r.get(tags::PR_ENTRYID).and_then(PropValue::as_bytes) == Some(entry)
                    }) {
                        found = Some(r);
                        break;
                    }
                }
                let row = found.ok_or_else(|| {
                    EngineError::Status(
                        Status::MAPI_E_UNKNOWN_ENTRYID,
                        "no address-book container of this session knows that entry id".into(),
                    )
                })?;
                let t = row
                    .int(tags::PR_OBJECT_TYPE)
                    .map(|t| t as u32)
                    .unwrap_or(object_type::MAPI_MAILUSER);
                (t, row)
            }
        };
        Ok(Arc::new(AbObject::new(object_type, row)))
    }

    /// `IABContainer::CreateEntry`: a new, writable entry of `container` made from a
    /// template (the container's PR_DEF_CREATE_MAILUSER, [`AB_SMTP_TEMPLATE`]); set
    /// PR_DISPLAY_NAME and PR_EMAIL_ADDRESS, then SaveChanges adds it (and the sinks get
    /// `fnevObjectCreated`). Another template is `MAPI_E_INVALID_ENTRYID`; the root,
    /// `MAPI_E_NO_SUPPORT`. `flags`: `CREATE_CHECK_DUP_STRICT` / `_LOOSE`,
    /// `CREATE_REPLACE` (accepted; the provider keeps duplicates apart by id).
    pub fn create_entry(
        &self,
        container: &[u8],
        template: &[u8],
        flags: u32,
    ) -> Result<Arc<dyn PropObject>> {
        const KNOWN: u32 = 0x1 | 0x2 | 0x4;
        if flags & !KNOWN != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("CreateEntry flags {flags:#x}"),
            ));
        }
        let Some(i) = self.container(container)? else {
            return Err(EngineError::NoSupport(
                "the address book's root container cannot hold entries: create them in one of \
                 its containers"
                    .into(),
            ));
        };
        if template != AB_SMTP_TEMPLATE {
            return Err(EngineError::Status(
                Status::MAPI_E_INVALID_ENTRYID,
                "CreateEntry takes the container's PR_DEF_CREATE_MAILUSER template".into(),
            ));
        }
        Ok(Arc::new(NewEntry::new(self.clone(), i)))
    }

    /// `IAddrBook::CreateOneOff`: the one-off entry id of a recipient (documented
    /// layout, [`OneOff::entry_id`]). `flags`: `MAPI_UNICODE` (the id's strings are
    /// UTF-16LE, `MAPI_ONE_OFF_UNICODE`), `MAPI_SEND_NO_RICH_INFO`. An empty address
    /// type or address is `MAPI_E_INVALID_PARAMETER`.
    pub fn create_one_off(
        name: &str,
        addr_type: &str,
        address: &str,
        flags: u32,
    ) -> Result<Vec<u8>> {
        if flags & !(MAPI_UNICODE | MAPI_SEND_NO_RICH_INFO) != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("CreateOneOff flags {flags:#x}: only MAPI_UNICODE, MAPI_SEND_NO_RICH_INFO"),
            ));
        }
        if addr_type.is_empty() || address.is_empty() {
            return Err(EngineError::InvalidParameter(
                "CreateOneOff needs an address type and an address".into(),
            ));
        }
        if [name, addr_type, address].iter().any(|s| s.contains('\0')) {
            return Err(EngineError::InvalidParameter(
                "CreateOneOff: a name or address holds a NUL character".into(),
            ));
        }
        let mut w = 0;
        if flags & MAPI_UNICODE != 0 {
            w |= MAPI_ONE_OFF_UNICODE;
        }
        if flags & MAPI_SEND_NO_RICH_INFO != 0 {
            w |= MAPI_ONE_OFF_NO_RICH_INFO;
        }
        Ok(OneOff {
            display_name: name.to_string(),
            addr_type: addr_type.to_string(),
            address: address.to_string(),
            flags: w,
        }
        .entry_id())
    }
}

/// A provider's entry as the address book shows it.
pub(crate) fn entry_row(mut row: Row) -> Row {
    let t = row
        .int(tags::PR_OBJECT_TYPE)
        .map(|t| t as u32)
        .unwrap_or(object_type::MAPI_MAILUSER);
    row.set(tags::PR_OBJECT_TYPE, PropValue::Long(t as i32));
    let dt = if t == object_type::MAPI_DISTLIST {
        DT_DISTLIST
    } else {
        DT_MAILUSER
    };
    if row.get(PR_DISPLAY_TYPE).is_none() {
        row.set(PR_DISPLAY_TYPE, PropValue::Long(dt as i32));
    }
    if let Some(id) = row.get(tags::PR_ENTRYID).cloned() {
        row.set(tags::PR_INSTANCE_KEY, id.clone());
        if row.get(tags::PR_RECORD_KEY).is_none() {
            row.set(tags::PR_RECORD_KEY, id);
        }
    }
    add_search_key(&mut row);
    row
}

/// PR_SEARCH_KEY: `ADDRTYPE:ADDRESS` in upper case with a NUL, as MAPI builds it.
pub(crate) fn add_search_key(row: &mut Row) {
    if row.get(tags::PR_SEARCH_KEY).is_some() {
        return;
    }
    if let (Some(t), Some(a)) = (row.str(tags::PR_ADDRTYPE), row.str(tags::PR_EMAIL_ADDRESS)) {
        let mut key = format!("{t}:{a}").to_uppercase().into_bytes();
        key.push(0);
        row.set(tags::PR_SEARCH_KEY, PropValue::Binary(key));
    }
}

/// A one-off entry id's mail-user properties.
pub(crate) fn one_off_row(o: &OneOff, entry: &[u8]) -> Row {
    let mut row = Row::default();
    row.set(tags::PR_ENTRYID, PropValue::Binary(entry.to_vec()));
    row.set(
        tags::PR_DISPLAY_NAME,
        PropValue::Unicode(o.display_name.clone()),
    );
    row.set(tags::PR_ADDRTYPE, PropValue::Unicode(o.addr_type.clone()));
    row.set(
        tags::PR_EMAIL_ADDRESS,
        PropValue::Unicode(o.address.clone()),
    );
    if o.addr_type.eq_ignore_ascii_case("SMTP") {
        row.set(tags::PR_SMTP_ADDRESS, PropValue::Unicode(o.address.clone()));
    }
    row.set(
        tags::PR_OBJECT_TYPE,
        PropValue::Long(object_type::MAPI_MAILUSER as i32),
    );
    row.set(PR_DISPLAY_TYPE, PropValue::Long(DT_MAILUSER as i32));
    add_search_key(&mut row);
    row
}

pub(crate) fn sort_by_name(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        let ka = a.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_lowercase();
        let kb = b.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_lowercase();
        ka.cmp(&kb)
    });
}
