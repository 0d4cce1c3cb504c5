//! Advise / Unadvise from C: IMAPISession, IMsgStore, IMAPITable and IAddrBook slots over the
//! facade's advise calls. The client's sink is held (one reference) until Unadvise or
//! the end of the session, and called on the library's notification thread with a
//! NOTIFICATION array that is one MAPIAllocateBuffer root, freed when OnNotify returns.
//! No lock of this library is held while the engine registers, unregisters or calls a
//! sink, so a sink may call QueryRows, Unadvise or anything else from OnNotify.

use std::ffi::c_void;
use std::sync::Arc;

use mapi::advise::AdviseSink;
use mapi::{EngineError, Status};

use crate::addrbook::AddrBook;
use crate::com::{Object, call, put};
use crate::error::{CapiError, Result, null};
use crate::notify::ClientSink;
use crate::session::{Session, read_entry_id};
use crate::store::Store;
use crate::table::Table;

/// A connection number from C (a ULONG_PTR) as the engine's.
fn connection(raw: usize) -> Result<u32> {
    u32::try_from(raw).map_err(|_| {
        CapiError::Engine(EngineError::NotFound(format!(
            "advise connection {raw:#x} was never given by Advise"
        )))
    })
}

/// The IMAPIAdviseSink pointer a client passed to Advise (NULL or a sink), not yet
/// taken.
struct Sink(*mut c_void);

impl Sink {
    /// Takes a reference on the client's sink (a NULL one is MAPI_E_INVALID_PARAMETER).
    fn wrap(self) -> Result<Arc<dyn AdviseSink>> {
        // SAFETY: a `Sink` holds what the client passed as its IMAPIAdviseSink.
        Ok(unsafe { ClientSink::new(self.0, false) }?)
    }
}

/// The body the entry-id Advise methods share: the out-pointer checked, the entry id
/// read (empty: the whole object); `register` wraps the client's sink (after its own
/// checks, such as a logged-off session) and gives the registration's connection number.
unsafe fn advise_entry<T: Object>(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    sink: *mut c_void,
    conn: *mut usize,
    register: impl FnOnce(&T, Option<&[u8]>, Sink) -> Result<u32>,
) -> i32 {
    // SAFETY: `this` from C; the entry id is bounded; out-pointer checked.
    unsafe {
        call::<T>(this, |o| {
            if conn.is_null() {
                return Err(null("lpulConnection"));
            }
            let entry = read_entry_id(cb, eid)?;
            let n = register(o, (!entry.is_empty()).then_some(&entry[..]), Sink(sink))?;
            put(conn, "lpulConnection", n as usize)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPISession::Advise`: session-wide events (`fnevCriticalError`, `fnevExtended`),
/// or with an entry id the events of that object of an open store.
pub unsafe extern "C" fn session_advise(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    mask: u32,
    sink: *mut c_void,
    conn: *mut usize,
) -> i32 {
    // SAFETY: forwarded from C to `advise_entry`, which checks them.
    unsafe {
        advise_entry::<Session>(this, cb, eid, sink, conn, |o, entry, sink| {
            Ok(o.shared()?.advise(entry, mask, sink.wrap()?)?)
        })
    }
}

/// `IMAPISession::Unadvise`.
pub unsafe extern "C" fn session_unadvise(this: *mut c_void, conn: usize) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Session>(this, |s| {
            let n = connection(conn)?;
            s.shared()?.unadvise(n)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IMsgStore::Advise`: the store's events (`fnevNewMail`, `fnevObject*`), for the
/// whole store or, with an entry id, one folder or message.
pub unsafe extern "C" fn store_advise(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    mask: u32,
    sink: *mut c_void,
    conn: *mut usize,
) -> i32 {
    // SAFETY: forwarded from C to `advise_entry`, which checks them.
    unsafe {
        advise_entry::<Store>(this, cb, eid, sink, conn, |o, entry, sink| {
            Ok(o.any().advise(entry, mask, sink.wrap()?)?)
        })
    }
}

/// `IMsgStore::Unadvise`.
pub unsafe extern "C" fn store_unadvise(this: *mut c_void, conn: usize) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Store>(this, |s| {
            s.any().unadvise(connection(conn)?)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPITable::Advise` (`fnevTableModified`): a contents table opened live; other
/// tables answer `MAPI_E_NO_SUPPORT`. Row strings are wide when the table was opened
/// with MAPI_UNICODE.
pub unsafe extern "C" fn table_advise(
    this: *mut c_void,
    mask: u32,
    sink: *mut c_void,
    conn: *mut usize,
) -> i32 {
    // SAFETY: `this` from C; out-pointer checked.
    unsafe {
        call::<Table>(this, |t| {
            if conn.is_null() {
                return Err(null("lpulConnection"));
            }
            let live = t.live()?;
            let sink = ClientSink::new(sink, t.unicode())?;
            let n = live.advise(mask, sink)?;
            put(conn, "lpulConnection", n as usize)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IMAPITable::Unadvise`.
pub unsafe extern "C" fn table_unadvise(this: *mut c_void, conn: usize) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<Table>(this, |t| {
            t.live()?.unadvise(connection(conn)?)?;
            Ok(Status::S_OK)
        })
    }
}

/// `IAddrBook::Advise`: `fnevObjectCreated` / `fnevObjectModified` for entries added
/// through this session's address book (with a container's entry id, that container's);
/// a mask with neither is `MAPI_E_NO_SUPPORT`.
pub unsafe extern "C" fn addrbook_advise(
    this: *mut c_void,
    cb: u32,
    eid: *mut c_void,
    mask: u32,
    sink: *mut c_void,
    conn: *mut usize,
) -> i32 {
    // SAFETY: forwarded from C to `advise_entry`, which checks them.
    unsafe {
        advise_entry::<AddrBook>(this, cb, eid, sink, conn, |o, entry, sink| {
            Ok(o.book().advise(entry, mask, sink.wrap()?)?)
        })
    }
}

/// `IAddrBook::Unadvise`; `MAPI_E_NOT_FOUND` for a connection Advise did not give.
pub unsafe extern "C" fn addrbook_unadvise(this: *mut c_void, conn: usize) -> i32 {
    // SAFETY: `this` from C.
    unsafe {
        call::<AddrBook>(this, |a| {
            a.book().unadvise(connection(conn)?)?;
            Ok(Status::S_OK)
        })
    }
}

#[cfg(test)]
mod tests {
    //! Through the C vtables and NOTIFICATION structs, from Rust: the contents table
    //! objects of this library that can be advised are live ones ([`Table::new_live`]).

    use std::sync::{Condvar, Mutex};
    use std::time::{Duration, Instant};

    use mapi::{LogonFlags, LogonRequest};

    use super::*;
    use crate::mapiutil::HrAllocAdviseSink;
    use crate::notify::CNotification;
    use crate::types::SRowSet;
    use crate::vtbl::IMAPITableVtbl;

    const PR_SUBJECT_A: u32 = 0x0037_001E;
    const PR_INSTANCE_KEY: u32 = 0x0FF6_0102;
    const TABLE_ROW_ADDED: u32 = 3;
    const FNEV_TABLE_MODIFIED: u32 = 0x100;

    #[derive(Default)]
    struct Seen {
        table: usize,
        conn: usize,
        /// (ulTableEvent, the row's subject).
        events: Vec<(u32, Option<String>)>,
        rows_inside: Option<u32>,
        unadvise_inside: Option<i32>,
    }

    struct State {
        seen: Mutex<Seen>,
        cv: Condvar,
    }

    fn vt<'a>(t: *mut c_void) -> &'a IMAPITableVtbl {
        // SAFETY: a table object of this library.
        unsafe { &**(t as *const *const IMAPITableVtbl) }
    }

    unsafe extern "C" fn on_notify(ctx: *mut c_void, n: u32, ns: *mut c_void) -> i32 {
        // SAFETY: the test's state; `n` notifications from the library.
        let state = unsafe { &*(ctx as *const State) };
        let ns = unsafe { std::slice::from_raw_parts(ns as *const CNotification, n as usize) };
        let mut seen = state.seen.lock().unwrap();
        let mut added = false;
        for x in ns {
            assert_eq!(x.ul_event_type, FNEV_TABLE_MODIFIED);
            // SAFETY: a table notification; its row in the table's columns.
            let tab = unsafe { x.info.tab };
            let props =
                unsafe { std::slice::from_raw_parts(tab.row.lp_props, tab.row.c_values as usize) };
            let subject = props
                .iter()
                .find(|p| p.ul_prop_tag == PR_SUBJECT_A)
                .map(|p| {
                    // SAFETY: a PT_STRING8 value.
                    unsafe { std::ffi::CStr::from_ptr(p.value.lpsz_a as *const libc::c_char) }
                        .to_string_lossy()
                        .into_owned()
                });
            added |= tab.ul_table_event == TABLE_ROW_ADDED;
            seen.events.push((tab.ul_table_event, subject));
        }
        if added && seen.rows_inside.is_none() {
            // Back into the table it watches, and Unadvise, from inside OnNotify.
            let t = seen.table as *mut c_void;
            let mut rows: *mut SRowSet = std::ptr::null_mut();
            // SAFETY: the table is alive until the test releases it.
            unsafe {
                let hr = (vt(t).SeekRow)(t, 0, 0, std::ptr::null_mut());
                assert_eq!(hr, 0);
                let hr = (vt(t).QueryRows)(t, 50, 0, &mut rows as *mut _ as *mut c_void);
                assert_eq!(hr, 0);
                seen.rows_inside = Some((*rows).c_rows);
                crate::exports::FreeProws(rows as *mut c_void);
                seen.unadvise_inside = Some((vt(t).Unadvise)(t, seen.conn));
            }
        }
        state.cv.notify_all();
        0
    }

    #[test]
    fn a_live_contents_table_tells_a_c_sink_of_a_new_row_and_the_sink_calls_back() {
        let home = tempfile::tempdir().unwrap();
        // SAFETY: no other test of this crate reads the environment or opens the engine.
        unsafe { std::env::set_var("MAPI_HOME", home.path()) };
        // SAFETY: plain calls of the exported functions.
        assert_eq!(
            unsafe { crate::exports::MAPIInitialize(std::ptr::null_mut()) },
            0
        );
        let mapi = crate::global::mapi().unwrap();
        mapi.quickstart().unwrap();
        let flags = LogonFlags::MAPI_EXPLICIT_PROFILE | LogonFlags::MAPI_NEW_SESSION;
        let session = mapi
            .logon_any(LogonRequest::new(Some("Default"), flags))
            .unwrap();
        let store = session.default_store().unwrap();
        let (inbox, _) = store.get_receive_folder("IPM").unwrap();
        let live = store.live_contents_table(&inbox, 0).unwrap();
        let t = Table::new_live(live, 0, mapi.clone());

        let cols: [u32; 3] = [2, PR_SUBJECT_A, PR_INSTANCE_KEY];
        let state = Box::new(State {
            seen: Mutex::new(Seen {
                table: t as usize,
                ..Seen::default()
            }),
            cv: Condvar::new(),
        });
        let ctx = &*state as *const State as *mut c_void;
        let mut sink: *mut c_void = std::ptr::null_mut();
        let mut conn = 0usize;
        // SAFETY: the table and sink are objects of this library; the state outlives
        // the registration (released below).
        unsafe {
            assert_eq!((vt(t).SetColumns)(t, cols.as_ptr() as *mut c_void, 0), 0);
            let cb = on_notify as unsafe extern "C" fn(*mut c_void, u32, *mut c_void) -> i32;
            let hr = HrAllocAdviseSink(cb as *mut c_void, ctx, &mut sink as *mut _ as *mut c_void);
            assert_eq!(hr, 0);
            let hr = (vt(t).Advise)(t, FNEV_TABLE_MODIFIED, std::ptr::null_mut(), &mut conn);
            assert_eq!(hr as u32, Status::MAPI_E_INVALID_PARAMETER.0);
            let hr = (vt(t).Advise)(t, FNEV_TABLE_MODIFIED, sink, std::ptr::null_mut());
            assert_eq!(hr as u32, Status::MAPI_E_INVALID_PARAMETER.0);
            let hr = (vt(t).Advise)(t, 0x2, sink, &mut conn);
            assert_eq!(
                hr as u32,
                Status::MAPI_E_NO_SUPPORT.0,
                "fnevNewMail on a table"
            );
            state.seen.lock().unwrap().conn = usize::MAX;
            assert_eq!((vt(t).Advise)(t, FNEV_TABLE_MODIFIED, sink, &mut conn), 0);
            assert_ne!(conn, 0);
            state.seen.lock().unwrap().conn = conn;
        }

        let eml = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: advised row\r\n\
                    Message-ID: <advise-1@example.com>\r\n\
                    Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nbody\r\n"
            .to_vec();
        store.import_raw(&inbox, vec![eml]).unwrap();

        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = state.seen.lock().unwrap();
        while seen.unadvise_inside.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no TABLE_ROW_ADDED in 30 s: {:?}",
                seen.events
            );
            seen = state.cv.wait_timeout(seen, left).unwrap().0;
        }
        assert!(
            seen.events
                .iter()
                .any(|(e, s)| *e == TABLE_ROW_ADDED && s.as_deref() == Some("advised row")),
            "{:?}",
            seen.events
        );
        assert_eq!(seen.rows_inside, Some(1));
        assert_eq!(seen.unadvise_inside, Some(0));
        drop(seen);
        // SAFETY: as above.
        unsafe {
            let hr = (vt(t).Unadvise)(t, conn);
            assert_eq!(hr as u32, Status::MAPI_E_NOT_FOUND.0);
            // The registration lets its reference go once the call it was unadvised
            // from has returned (on the notification thread): poll until ours is the
            // last, with a deadline.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let n = crate::com::add_ref::<crate::notify::CallbackSink>(sink);
                crate::com::release::<crate::notify::CallbackSink>(sink);
                if n == 2 {
                    break;
                }
                assert!(Instant::now() < deadline, "the registration kept the sink");
                std::thread::yield_now();
            }
            assert_eq!(crate::com::release::<crate::notify::CallbackSink>(sink), 0);
            assert_eq!(crate::com::release::<Table>(t), 0);
        }
        drop(state);
        session.logoff(mapi::LogoffFlags::default());
        // SAFETY: the matching MAPIUninitialize.
        unsafe { crate::exports::MAPIUninitialize() };
    }
}
