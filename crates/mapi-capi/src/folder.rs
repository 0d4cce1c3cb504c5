//! IMAPIFolder (with IMAPIContainer and IMAPIProp) over a folder of the facade's
//! [`AnyStore`]: GetContentsTable, GetHierarchyTable, OpenEntry, CreateMessage,
//! CopyMessages, DeleteMessages, CreateFolder, CopyFolder, DeleteFolder, SetReadFlags,
//! EmptyFolder, GetMessageStatus / SetMessageStatus (in `msgstatus`); and OpenEntry
//! by entry id in a store, shared with IMsgStore and IMAPISession. Search folders and
//! SaveContentsSort answer `MAPI_E_NO_SUPPORT`.

use std::ffi::c_void;
use std::sync::Arc;

use mapi::blocking::Mapi;
use mapi::link::AnyStore;
use mapi::object_type::{MAPI_FOLDER, MAPI_MESSAGE, MAPI_STORE};
use mapi::table::consts::MAPI_UNICODE;
use mapi::{EntryId, MapiStatus, Object as PropObject, Status, tags};

use crate::com::{self, LastError, Object, call};
use crate::convert::read_string;
use crate::error::{CapiError, Result, null};
use crate::message::Message;
use crate::prop::{self, HasProp};
use crate::session::{check_interface, get_last_error, read_entry_id};
use crate::table::Table;
use crate::types::{MvArray, SBinary};
use crate::vtbl::{Guid, IMAPIFolderVtbl, chain};

/// Most entry ids of one ENTRYLIST.
const MAX_ENTRIES: usize = 100_000;
/// `FOLDER_GENERIC`.
const FOLDER_GENERIC: u32 = 1;

/// An IMAPIFolder.
pub struct Folder {
    store: Arc<AnyStore>,
    object: PropObject,
    entry: Vec<u8>,
    mapi: Arc<Mapi>,
    last: LastError,
}

impl Folder {
    /// A folder object over an opened folder (its PR_ENTRYID is read now).
    pub fn new_object(
        store: Arc<AnyStore>,
        object: PropObject,
        mapi: Arc<Mapi>,
    ) -> Result<*mut c_void> {
        let reply = object.get_props(Some(&[tags::PR_ENTRYID]), 0)?;
        let entry = reply
            .value
            .first()
            .and_then(|(_, v)| v.as_bytes())
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                CapiError::Engine(mapi::EngineError::Status(
                    Status::MAPI_E_CALL_FAILED,
                    "the folder has no PR_ENTRYID".into(),
                ))
            })?;
        Ok(com::new_object(Folder {
            store,
            object,
            entry,
            mapi,
            last: LastError::default(),
        }))
    }

    /// The folder's PR_ENTRYID.
    pub fn entry(&self) -> &[u8] {
        &self.entry
    }
}

impl Object for Folder {
    const CHAIN: &'static [&'static Guid] = chain::IMAPIFolder;
    fn vtbl() -> *const c_void {
        &VTBL as *const IMAPIFolderVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

impl HasProp for Folder {
    fn prop(&self) -> &PropObject {
        &self.object
    }
    fn store(&self) -> &Arc<AnyStore> {
        &self.store
    }
    fn mapi(&self) -> &Arc<Mapi> {
        &self.mapi
    }
}

static VTBL: IMAPIFolderVtbl = IMAPIFolderVtbl {
    QueryInterface: com::query_interface::<Folder>,
    AddRef: com::add_ref::<Folder>,
    Release: com::release::<Folder>,
    GetLastError: get_last_error::<Folder>,
    SaveChanges: prop::save_changes::<Folder>,
    GetProps: prop::get_props::<Folder>,
    GetPropList: prop::get_prop_list::<Folder>,
    OpenProperty: prop::open_property::<Folder>,
    SetProps: prop::set_props::<Folder>,
    DeleteProps: prop::delete_props::<Folder>,
    GetContentsTable: get_contents_table,
    GetHierarchyTable: get_hierarchy_table,
    OpenEntry: open_entry,
    CreateMessage: create_message,
    CopyMessages: copy_messages,
    DeleteMessages: delete_messages,
    CreateFolder: create_folder,
    CopyFolder: copy_folder,
    DeleteFolder: delete_folder,
    SetReadFlags: set_read_flags,
    EmptyFolder: empty_folder,
    GetMessageStatus: crate::msgstatus::get_message_status,
    SetMessageStatus: crate::msgstatus::set_message_status,
    ..IMAPIFolderVtbl::NO_SUPPORT
};

/// The folder behind an interface pointer C hands in (a destination folder), which
/// must be one of this library's.
///
/// # Safety
/// `p` must be NULL or an interface pointer.
unsafe fn ours<'a>(p: *mut c_void) -> Result<&'a Folder> {
    if p.is_null() {
        return Err(null("lpDestFolder"));
    }
    // SAFETY: an interface pointer's first word is its vtable.
    let v = unsafe { *(p as *const *const c_void) };
    if v != Folder::vtbl() {
        return Err(CapiError::InvalidParameter(
            "the destination is not a folder opened through this library".into(),
        ));
    }
    // SAFETY: one of our folders.
    unsafe { com::this::<Folder>(p) }
}

/// An ENTRYLIST from C (NULL is `None`).
///
/// # Safety
/// `p` must be NULL or a valid `SBinaryArray`.
unsafe fn read_entry_list(p: *const c_void) -> Result<Option<Vec<EntryId>>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: an SBinaryArray has the MV array's layout.
    let a = unsafe { &*(p as *const MvArray) };
    let n = a.c_values as usize;
    if n > MAX_ENTRIES {
        return Err(CapiError::TooBig(format!(
            "{n} entry ids (at most {MAX_ENTRIES})"
        )));
    }
    if n > 0 && a.lp.is_null() {
        return Err(null("lpbin"));
    }
    (0..n)
        .map(|i| {
            // SAFETY: `n` SBinary at `lp`.
            let b = unsafe { &*(a.lp as *const SBinary).add(i) };
            unsafe { read_entry_id(b.cb, b.lpb as *const c_void) }
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

fn table_out(
    f: &Folder,
    flags: u32,
    out: *mut c_void,
    get: impl FnOnce(&AnyStore, &[u8]) -> mapi::Result<mapi::TableView>,
) -> Result<Status> {
    let out = out as *mut *mut c_void;
    if out.is_null() {
        return Err(null("lppTable"));
    }
    let view = get(&f.store, &f.entry)?;
    // SAFETY: checked non-NULL.
    unsafe { out.write(Table::new_object(view, flags, f.mapi.clone())) };
    Ok(Status::S_OK)
}

unsafe extern "C" fn get_contents_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    // SAFETY: every method: `this` from C, out-pointers checked.
    unsafe {
        call::<Folder>(this, |f| {
            // A live table, so that IMAPITable::Advise works on it.
            let out = out as *mut *mut c_void;
            if out.is_null() {
                return Err(null("lppTable"));
            }
            let live = f.store.live_contents_table(&f.entry, flags)?;
            // SAFETY: checked non-NULL.
            out.write(Table::new_live(live, flags, f.mapi.clone()));
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn get_hierarchy_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    unsafe {
        call::<Folder>(this, |f| {
            table_out(f, flags, out, |s, e| s.get_hierarchy_table(e, flags))
        })
    }
}

/// What OpenEntry made, for C.
pub struct Opened {
    /// `MAPI_FOLDER`, `MAPI_MESSAGE` or `MAPI_STORE`.
    pub object_type: u32,
    /// The new interface pointer.
    pub object: *mut c_void,
}

/// The C object for an opened facade object of `store`, checked against the
/// interface asked for.
///
/// # Safety
/// `iid` must be NULL or point at a GUID.
pub unsafe fn wrap(
    store: Arc<AnyStore>,
    object: PropObject,
    iid: *const c_void,
    mapi: Arc<Mapi>,
) -> Result<Opened> {
    let object_type = object.object_type();
    let chain = match object_type {
        MAPI_FOLDER => chain::IMAPIFolder,
        MAPI_MESSAGE => chain::IMessage,
        MAPI_STORE => chain::IMsgStore,
        other => {
            return Err(CapiError::NoSupport(format!(
                "OpenEntry of an object of type {other} from C"
            )));
        }
    };
    // SAFETY: per the caller's promise.
    unsafe { check_interface(iid, chain)? };
    let object = match object_type {
        MAPI_FOLDER => Folder::new_object(store, object, mapi)?,
        MAPI_MESSAGE => Message::new_object(object, store, mapi),
        _ => {
            drop(object);
            crate::store::Store::new_shared(store, mapi)
        }
    };
    Ok(Opened {
        object_type,
        object,
    })
}

/// `OpenEntry` in one store: a message's or a folder's entry id (an empty one: the
/// store's root folder, its IPM subtree).
///
/// # Safety
/// `eid` valid for `cb` bytes; `iid` NULL or a GUID.
pub unsafe fn open_in_store(
    store: &Arc<AnyStore>,
    cb: u32,
    eid: *const c_void,
    iid: *const c_void,
    flags: u32,
    mapi: Arc<Mapi>,
) -> Result<Opened> {
    // SAFETY: per the caller's promise.
    let mut eid = unsafe { read_entry_id(cb, eid)? };
    if eid.is_empty() {
        let props = store
            .open_store_object()?
            .get_props(Some(&[tags::PR_IPM_SUBTREE_ENTRYID]), 0)?;
        eid = props
            .value
            .first()
            .and_then(|(_, v)| v.as_bytes())
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                CapiError::Engine(mapi::EngineError::NotFound(
                    "the store has no PR_IPM_SUBTREE_ENTRYID (its root folder)".into(),
                ))
            })?;
    }
    // As the engine's OpenEntry: a message first, then a folder; the first answer that
    // is not "not mine" wins.
    let not_mine = |e: &mapi::EngineError| {
        [
            Status::MAPI_E_INVALID_ENTRYID,
            Status::MAPI_E_UNKNOWN_ENTRYID,
            Status::MAPI_E_NO_SUPPORT,
        ]
        .contains(&e.status())
    };
    let object = match store.open_message(&eid, flags) {
        Ok(m) => m,
        Err(e) if not_mine(&e) || e.status() == Status::MAPI_E_NOT_FOUND => {
            match store.open_folder(&eid, flags) {
                Ok(f) => f,
                Err(f) if not_mine(&f) => return Err(e.into()),
                Err(f) => return Err(f.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    // SAFETY: forwarded.
    unsafe { wrap(store.clone(), object, iid, mapi) }
}

/// Writes OpenEntry's two out-pointers (both required).
///
/// # Safety
/// Both NULL or valid for writes.
pub unsafe fn put_opened(ty: *mut u32, out: *mut *mut c_void, o: Opened) {
    // SAFETY: checked by the callers before opening.
    unsafe {
        ty.write(o.object_type);
        out.write(o.object);
    }
}

unsafe extern "C" fn open_entry(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    ty: *mut u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    unsafe {
        call::<Folder>(this, |f| {
            if ty.is_null() || out.is_null() {
                return Err(null("lpulObjType or lppUnk"));
            }
            let o = open_in_store(&f.store, cb, eid, iid, flags, f.mapi.clone())?;
            put_opened(ty, out, o);
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn create_message(
    this: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    unsafe {
        call::<Folder>(this, |f| {
            if out.is_null() {
                return Err(null("lppMessage"));
            }
            check_interface(iid, chain::IMessage)?;
            let m = f.store.create_message(&f.entry, flags)?;
            out.write(Message::new_object(m, f.store.clone(), f.mapi.clone()));
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn copy_messages(
    this: *mut c_void,
    list: *mut c_void,
    iid: *mut c_void,
    dest: *mut c_void,
    _ui: usize,
    _progress: *mut c_void,
    flags: u32,
) -> i32 {
    unsafe {
        call::<Folder>(this, |f| {
            let list = read_entry_list(list)?.ok_or_else(|| null("lpMsgList"))?;
            check_interface(iid, chain::IMAPIFolder)?;
            let dest = ours(dest)?;
            let r = f.store.copy_messages(&f.entry, &list, &dest.entry, flags)?;
            Ok(r.status)
        })
    }
}

unsafe extern "C" fn delete_messages(
    this: *mut c_void,
    list: *mut c_void,
    _ui: usize,
    _progress: *mut c_void,
    flags: u32,
) -> i32 {
    unsafe {
        call::<Folder>(this, |f| {
            let list = read_entry_list(list)?.ok_or_else(|| null("lpMsgList"))?;
            Ok(f.store.delete_messages(&f.entry, &list, flags)?.status)
        })
    }
}

unsafe extern "C" fn set_read_flags(
    this: *mut c_void,
    list: *mut c_void,
    _ui: usize,
    _progress: *mut c_void,
    flags: u32,
) -> i32 {
    unsafe {
        call::<Folder>(this, |f| {
            let list = read_entry_list(list)?;
            Ok(f.store
                .set_read_flags(&f.entry, list.as_deref(), flags)?
                .status)
        })
    }
}

/// `CreateFolder`: `FOLDER_GENERIC` only; the name is `wchar_t*` with MAPI_UNICODE.
/// The comment is not stored (the stores have no PR_COMMENT on folders).
unsafe extern "C" fn create_folder(
    this: *mut c_void,
    kind: u32,
    name: *mut c_void,
    _comment: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    unsafe {
        call::<Folder>(this, |f| {
            if out.is_null() {
                return Err(null("lppFolder"));
            }
            if kind != FOLDER_GENERIC {
                return Err(CapiError::NoSupport(format!(
                    "CreateFolder of folder type {kind} (FOLDER_GENERIC only)"
                )));
            }
            check_interface(iid, chain::IMAPIFolder)?;
            let name = read_string(name, flags & MAPI_UNICODE != 0)?
                .ok_or_else(|| null("lpszFolderName"))?;
            let id = f
                .store
                .create_folder(&f.entry, &name, flags & !MAPI_UNICODE)?;
            let o = f.store.open_folder(&id, mapi::object::MAPI_MODIFY)?;
            out.write(Folder::new_object(f.store.clone(), o, f.mapi.clone())?);
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn copy_folder(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    iid: *mut c_void,
    dest: *mut c_void,
    name: *mut c_void,
    _ui: usize,
    _progress: *mut c_void,
    flags: u32,
) -> i32 {
    unsafe {
        call::<Folder>(this, |f| {
            let eid = read_entry_id(cb, eid)?;
            if eid.is_empty() {
                return Err(null("lpEntryID"));
            }
            check_interface(iid, chain::IMAPIFolder)?;
            let dest = ours(dest)?;
            let name = read_string(name, flags & MAPI_UNICODE != 0)?;
            f.store.copy_folder(
                &f.entry,
                &eid,
                &dest.entry,
                name.as_deref(),
                flags & !MAPI_UNICODE,
            )?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn delete_folder(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    _ui: usize,
    _progress: *mut c_void,
    flags: u32,
) -> i32 {
    unsafe {
        call::<Folder>(this, |f| {
            let eid = read_entry_id(cb, eid)?;
            if eid.is_empty() {
                return Err(null("lpEntryID"));
            }
            f.store.delete_folder(&f.entry, &eid, flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn empty_folder(
    this: *mut c_void,
    _ui: usize,
    _progress: *mut c_void,
    flags: u32,
) -> i32 {
    unsafe {
        call::<Folder>(this, |f| {
            f.store.empty_folder(&f.entry, flags)?;
            Ok(Status::S_OK)
        })
    }
}
