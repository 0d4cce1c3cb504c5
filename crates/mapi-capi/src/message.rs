//! IMessage (with IMAPIProp) over the facade's message [`mapi::Object`]:
//! GetAttachmentTable, OpenAttach, CreateAttach, DeleteAttach, GetRecipientTable,
//! ModifyRecipients (the ADRLIST copied), SubmitMessage and SetReadFlag, on either
//! link.

use std::ffi::c_void;
use std::sync::Arc;

use mapi::blocking::Mapi;
use mapi::link::AnyStore;
use mapi::{Object as PropObject, Row, Status};

use crate::attach::Attach;
use crate::com::{self, LastError, Object, call};
use crate::error::{CapiError, Result, null};
use crate::prop::{self, HasProp, read_props};
use crate::session::{check_interface, get_last_error};
use crate::table::Table;
use crate::types::SRow;
use crate::vtbl::{Guid, IMessageVtbl, chain};

/// Most rows of one ADRLIST.
const MAX_RECIPIENT_ROWS: usize = 10_000;

/// An IMessage.
pub struct Message {
    object: PropObject,
    store: Arc<AnyStore>,
    mapi: Arc<Mapi>,
    last: LastError,
}

impl Message {
    /// A message object.
    pub fn new_object(object: PropObject, store: Arc<AnyStore>, mapi: Arc<Mapi>) -> *mut c_void {
        com::new_object(Message {
            object,
            store,
            mapi,
            last: LastError::default(),
        })
    }
}

impl Object for Message {
    const CHAIN: &'static [&'static Guid] = chain::IMessage;
    fn vtbl() -> *const c_void {
        &VTBL as *const IMessageVtbl as *const c_void
    }
    fn last_error(&self) -> &LastError {
        &self.last
    }
}

impl HasProp for Message {
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

static VTBL: IMessageVtbl = IMessageVtbl {
    QueryInterface: com::query_interface::<Message>,
    AddRef: com::add_ref::<Message>,
    Release: com::release::<Message>,
    GetLastError: get_last_error::<Message>,
    SaveChanges: prop::save_changes::<Message>,
    GetProps: prop::get_props::<Message>,
    GetPropList: prop::get_prop_list::<Message>,
    OpenProperty: prop::open_property::<Message>,
    SetProps: prop::set_props::<Message>,
    DeleteProps: prop::delete_props::<Message>,
    GetAttachmentTable: get_attachment_table,
    OpenAttach: open_attach,
    CreateAttach: create_attach,
    DeleteAttach: delete_attach,
    GetRecipientTable: get_recipient_table,
    ModifyRecipients: modify_recipients,
    SubmitMessage: submit_message,
    SetReadFlag: set_read_flag,
    ..IMessageVtbl::NO_SUPPORT
};

/// An ADRLIST from C, each entry a row (copied).
///
/// # Safety
/// `p` must be NULL or a valid ADRLIST.
pub unsafe fn read_adrlist(p: *const c_void) -> Result<Vec<Row>> {
    if p.is_null() {
        return Err(null("lpMods"));
    }
    // SAFETY: cEntries at 0, the entries (SRow-shaped) from offset 8.
    unsafe {
        let n = *(p as *const u32) as usize;
        if n > MAX_RECIPIENT_ROWS {
            return Err(CapiError::TooBig(format!(
                "{n} ADRLIST entries (at most {MAX_RECIPIENT_ROWS})"
            )));
        }
        let entries = (p as *const u8).add(8) as *const SRow;
        (0..n)
            .map(|i| {
                let e = &*entries.add(i);
                read_props(e.c_values, e.lp_props, "rgPropVals").map(Row)
            })
            .collect()
    }
}

fn table_out(m: &Message, flags: u32, out: *mut c_void, view: mapi::TableView) -> Result<Status> {
    // SAFETY: checked non-NULL by the callers.
    unsafe { (out as *mut *mut c_void).write(Table::new_object(view, flags, m.mapi.clone())) };
    Ok(Status::S_OK)
}

unsafe extern "C" fn get_attachment_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    // SAFETY: every method: `this` from C, out-pointers checked.
    unsafe {
        call::<Message>(this, |m| {
            if out.is_null() {
                return Err(null("lppTable"));
            }
            table_out(m, flags, out, m.object.attachment_table(flags)?)
        })
    }
}

unsafe extern "C" fn get_recipient_table(this: *mut c_void, flags: u32, out: *mut c_void) -> i32 {
    unsafe {
        call::<Message>(this, |m| {
            if out.is_null() {
                return Err(null("lppTable"));
            }
            table_out(m, flags, out, m.object.recipient_table(flags)?)
        })
    }
}

unsafe extern "C" fn open_attach(
    this: *mut c_void,
    num: u32,
    iid: *mut c_void,
    flags: u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    unsafe {
        call::<Message>(this, |m| {
            if out.is_null() {
                return Err(null("lppAttach"));
            }
            check_interface(iid, chain::IAttach)?;
            let a = m.object.open_attach(num, flags)?;
            out.write(Attach::new_object(a, m.store.clone(), m.mapi.clone()));
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn create_attach(
    this: *mut c_void,
    iid: *mut c_void,
    flags: u32,
    num: *mut u32,
    out: *mut c_void,
) -> i32 {
    let out = out as *mut *mut c_void;
    unsafe {
        call::<Message>(this, |m| {
            if num.is_null() || out.is_null() {
                return Err(null("lpulAttachmentNum or lppAttach"));
            }
            check_interface(iid, chain::IAttach)?;
            let (n, a) = m.object.create_attach(flags)?;
            num.write(n);
            out.write(Attach::new_object(a, m.store.clone(), m.mapi.clone()));
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn delete_attach(
    this: *mut c_void,
    num: u32,
    _ui: usize,
    _progress: *mut c_void,
    flags: u32,
) -> i32 {
    unsafe {
        call::<Message>(this, |m| {
            m.object.delete_attach(num, flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn modify_recipients(this: *mut c_void, flags: u32, mods: *mut c_void) -> i32 {
    unsafe {
        call::<Message>(this, |m| {
            let rows = read_adrlist(mods)?;
            m.object.modify_recipients(flags, &rows)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn submit_message(this: *mut c_void, flags: u32) -> i32 {
    unsafe {
        call::<Message>(this, |m| {
            m.object.submit_message(flags)?;
            Ok(Status::S_OK)
        })
    }
}

unsafe extern "C" fn set_read_flag(this: *mut c_void, flags: u32) -> i32 {
    unsafe {
        call::<Message>(this, |m| {
            m.object.set_read_flag(flags)?;
            Ok(Status::S_OK)
        })
    }
}
