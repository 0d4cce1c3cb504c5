//! IMAPIFolder::GetMessageStatus / SetMessageStatus: a message's status bits
//! (`MSGSTATUS_*`) kept as its PR_MSG_STATUS, read with GetProps and written with
//! SetProps and SaveChanges on the message, so every client of the store sees them. A
//! message without the property has status 0.

use std::ffi::c_void;

use mapi::object::MAPI_MODIFY;
use mapi::{MapiStatus, Object as PropObject, PropValue, Status, tags};

use crate::com::call;
use crate::error::{CapiError, Result, null};
use crate::folder::Folder;
use crate::prop::HasProp;
use crate::session::read_entry_id;

/// The message `eid` of folder `f` (MAPI_E_NOT_FOUND when the store has no such
/// message, or it lives in another folder), and its PR_MSG_STATUS (0 when it has none),
/// read with its parent in one GetProps.
///
/// # Safety
/// `eid` valid for `cb` bytes.
unsafe fn open_in(
    f: &Folder,
    cb: u32,
    eid: *const c_void,
    flags: u32,
) -> Result<(PropObject, u32)> {
    if eid.is_null() {
        return Err(null("lpEntryID"));
    }
    // SAFETY: per the caller's promise.
    let id = unsafe { read_entry_id(cb, eid)? };
    let not_found = |why: String| CapiError::Engine(mapi::EngineError::NotFound(why));
    let m = match f.store().open_message(&id, flags) {
        Ok(m) => m,
        Err(e)
            if [
                Status::MAPI_E_NOT_FOUND,
                Status::MAPI_E_UNKNOWN_ENTRYID,
                Status::MAPI_E_INVALID_ENTRYID,
            ]
            .contains(&e.status()) =>
        {
            return Err(not_found(format!("no such message in the store ({e})")));
        }
        Err(e) => return Err(e.into()),
    };
    let r = m.get_props(Some(&[tags::PR_PARENT_ENTRYID, tags::PR_MSG_STATUS]), 0)?;
    let ok = r
        .value
        .first()
        .and_then(|(_, v)| v.as_bytes())
        .is_some_and(|p| p == f.entry());
    if !ok {
        return Err(not_found("the message is not in this folder".into()));
    }
    let status = match r.value.get(1) {
        Some((_, PropValue::Long(v))) => *v as u32,
        _ => 0,
    };
    Ok((m, status))
}

/// `GetMessageStatus(cbEntryID, lpEntryID, ulFlags, lpulMessageStatus)`.
///
/// # Safety
/// Called from C through the vtable: `this` an IMAPIFolder, the others NULL or valid.
pub unsafe extern "C" fn get_message_status(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    flags: u32,
    out: *mut u32,
) -> i32 {
    // SAFETY: `this` from C; pointers checked before use.
    unsafe {
        call::<Folder>(this, |f| {
            if out.is_null() {
                return Err(null("lpulMessageStatus"));
            }
            if flags != 0 {
                return Err(CapiError::UnknownFlags(format!(
                    "GetMessageStatus flags 0x{flags:x}"
                )));
            }
            let (_, status) = open_in(f, cb, eid, 0)?;
            out.write(status);
            Ok(Status::S_OK)
        })
    }
}

/// `SetMessageStatus(cbEntryID, lpEntryID, ulNewStatus, ulNewStatusMask,
/// lpulOldStatus)`: the bits in the mask take the new status's values, the others stay;
/// the prior status goes to `lpulOldStatus` (which may be NULL).
///
/// # Safety
/// As [`get_message_status`].
pub unsafe extern "C" fn set_message_status(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    new: u32,
    mask: u32,
    old: *mut u32,
) -> i32 {
    // SAFETY: as above.
    unsafe {
        call::<Folder>(this, |f| {
            let (m, prior) = open_in(f, cb, eid, MAPI_MODIFY)?;
            let next = (prior & !mask) | (new & mask);
            if next != prior {
                let problems =
                    m.set_props(&[(tags::PR_MSG_STATUS, PropValue::Long(next as i32))])?;
                if let Some(p) = problems.first() {
                    return Err(CapiError::Engine(mapi::EngineError::Status(
                        p.status,
                        "PR_MSG_STATUS could not be set".into(),
                    )));
                }
                m.save_changes(0)?;
            }
            if !old.is_null() {
                old.write(prior);
            }
            Ok(Status::S_OK)
        })
    }
}
