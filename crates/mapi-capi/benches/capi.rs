//! The C interface against the Rust API, in one run (`cargo bench -p mapi-capi --bench
//! capi`, or `crates/mapi-capi/bench/run.sh`, which adds a real C program's figures):
//!
//! - QueryRows of a 10,000-row contents table, 8 columns: through the IMAPITable vtable
//!   (SeekRow, QueryRows into an SRowSet, FreeProws) against the facade's live contents
//!   table read directly. Target ratio <= 1.5.
//! - MAPILogonEx + Logoff + Release through the exported functions against the Rust
//!   in-process logon (`Mapi::logon` + `logoff`). Target ratio <= 1.2.
//!
//! Prints medians (and p10/p90) and the ratios. With `MAPI_CAPI_BENCH_HOME` set, the
//! seeded MAPI home is made there and kept. A figure, not a test: nothing fails on a
//! slow machine.

use std::ffi::c_void;
use std::time::{Duration, Instant};

use mapi::blocking::Mapi;
use mapi::{Bookmark, LogoffFlags, LogonFlags, LogonRequest, PropTag};
use mapi_capi::bench_support::{self as cs, IMAPISessionVtbl, IMAPITableVtbl};

const ROWS: usize = 10_000;
const COLUMNS: [u32; 8] = [
    0x0FFF_0102, // PR_ENTRYID
    0x0FF6_0102, // PR_INSTANCE_KEY
    0x0037_001F, // PR_SUBJECT_W
    0x0C1A_001F, // PR_SENDER_NAME_W
    0x0E06_0040, // PR_MESSAGE_DELIVERY_TIME
    0x0E08_0003, // PR_MESSAGE_SIZE
    0x0E07_0003, // PR_MESSAGE_FLAGS
    0x001A_001F, // PR_MESSAGE_CLASS_W
];

fn summary(mut xs: Vec<Duration>) -> (Duration, Duration, Duration) {
    xs.sort();
    (xs[xs.len() / 2], xs[xs.len() / 10], xs[xs.len() * 9 / 10])
}

fn time(n: usize, mut f: impl FnMut()) -> (Duration, Duration, Duration) {
    f();
    let mut xs = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f();
        xs.push(t.elapsed());
    }
    summary(xs)
}

fn show(what: &str, (median, p10, p90): (Duration, Duration, Duration)) {
    println!(
        "{what}: median {:.3} ms (p10 {:.3}, p90 {:.3})",
        median.as_secs_f64() * 1e3,
        p10.as_secs_f64() * 1e3,
        p90.as_secs_f64() * 1e3
    );
}

fn message(i: usize) -> Vec<u8> {
    format!(
        "From: Sender {i} <sender{i}@example.com>\r\nTo: user@example.com\r\n\
         Subject: message number {i}\r\nMessage-ID: <bench-{i}@example.com>\r\n\
         Date: Tue, 1 Dec 2026 10:{:02}:{:02} +0000\r\n\r\nbody {i}\r\n",
        (i / 60) % 60,
        i % 60
    )
    .into_bytes()
}

fn main() {
    // With MAPI_CAPI_BENCH_HOME the seeded home is made there and kept (bench/run.sh then
    // reads the same 10,000-row Inbox from a C program); otherwise a temporary one.
    let temp = tempfile::tempdir().unwrap();
    let home = std::env::var_os("MAPI_CAPI_BENCH_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| temp.path().to_path_buf());
    // SAFETY: set before any thread of this process starts.
    unsafe { std::env::set_var("MAPI_HOME", &home) };
    // SAFETY: the exported functions, called as C calls them.
    assert_eq!(unsafe { cs::MAPIInitialize(std::ptr::null_mut()) }, 0);
    let mapi = cs::engine().unwrap();
    mapi.quickstart().unwrap();
    let flags = LogonFlags::MAPI_EXPLICIT_PROFILE | LogonFlags::MAPI_NEW_SESSION;
    let req = LogonRequest::new(Some("Default"), flags);

    // A 10,000-message Inbox.
    let session = mapi.logon_any(req.clone()).unwrap();
    let store = session.default_store().unwrap();
    let (inbox, _) = store.get_receive_folder("IPM").unwrap();
    for chunk in (0..ROWS).collect::<Vec<_>>().chunks(1000) {
        store
            .import_raw(&inbox, chunk.iter().map(|&i| message(i)).collect())
            .unwrap();
    }
    let cols: Vec<PropTag> = COLUMNS.iter().map(|&t| PropTag(t)).collect();

    // The Rust API: the live contents table's view.
    let live = store.live_contents_table(&inbox, 0).unwrap();
    live.with_view(|v| v.set_columns(&cols, 0)).unwrap();
    let rust_rows = time(15, || {
        let rows = live.with_view(|v| {
            v.seek_row(Bookmark::Beginning, 0).unwrap();
            v.query_rows(ROWS as i32, 0).unwrap()
        });
        assert_eq!(rows.len(), ROWS);
        assert_eq!(rows[0].0.len(), 8);
    });

    // The C interface: the same kind of table behind an IMAPITable pointer.
    let t = cs::contents_table(store.live_contents_table(&inbox, 0).unwrap(), 0).unwrap();
    // SAFETY: `t` is an IMAPITable of the library; the calls are C's.
    let vt = unsafe { &**(t as *const *const IMAPITableVtbl) };
    let mut tag_array = vec![COLUMNS.len() as u32];
    tag_array.extend_from_slice(&COLUMNS);
    unsafe {
        assert_eq!(
            (vt.SetColumns)(t, tag_array.as_mut_ptr() as *mut c_void, 0),
            0
        );
    }
    let c_rows = time(15, || unsafe {
        assert_eq!((vt.SeekRow)(t, 0, 0, std::ptr::null_mut()), 0);
        let mut set: *mut u32 = std::ptr::null_mut();
        let hr = (vt.QueryRows)(t, ROWS as i32, 0, &mut set as *mut *mut u32 as *mut c_void);
        assert_eq!(hr, 0);
        assert_eq!(*set as usize, ROWS);
        cs::FreeProws(set as *mut c_void);
    });
    // SAFETY: our one reference.
    unsafe { (vt.Release)(t) };
    drop(live);
    session.logoff(LogoffFlags::default());

    show("QueryRows 10,000 rows x 8 columns, Rust API", rust_rows);
    println!(
        "rust queryrows median ms: {:.3}",
        rust_rows.0.as_secs_f64() * 1e3
    );
    show("QueryRows 10,000 rows x 8 columns, C interface", c_rows);
    println!(
        "QueryRows ratio C / Rust: {:.2} (target <= 1.5)",
        c_rows.0.as_secs_f64() / rust_rows.0.as_secs_f64()
    );

    // Logon: the Rust in-process logon against MAPILogonEx through the C entry points.
    let rust_logon = logon_rust(&mapi, &req);
    let profile = c"Default";
    let c_logon = time(300, || unsafe {
        let mut s: *mut c_void = std::ptr::null_mut();
        let hr = cs::MAPILogonEx(
            0,
            profile.as_ptr() as *mut c_void,
            std::ptr::null_mut(),
            flags.bits(),
            &mut s as *mut *mut c_void as *mut c_void,
        );
        assert_eq!(hr, 0);
        let v = &**(s as *const *const IMAPISessionVtbl);
        assert_eq!((v.Logoff)(s, 0, 0, 0), 0);
        (v.Release)(s);
    });
    show("logon + logoff, Rust in-process", rust_logon);
    show("MAPILogonEx + Logoff + Release, C entry points", c_logon);
    println!(
        "logon ratio C / Rust: {:.2} (target <= 1.2)",
        c_logon.0.as_secs_f64() / rust_logon.0.as_secs_f64()
    );
    println!(
        "rust logon median us: {:.0}",
        rust_logon.0.as_secs_f64() * 1e6
    );
    // SAFETY: the matching MAPIUninitialize.
    unsafe { cs::MAPIUninitialize() };
}

fn logon_rust(mapi: &Mapi, req: &LogonRequest) -> (Duration, Duration, Duration) {
    time(300, || {
        let s = mapi.logon(req.clone()).unwrap();
        s.logoff(LogoffFlags::default());
    })
}
