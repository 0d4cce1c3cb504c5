//! In-process logon to a profile with a local store and contacts, warm (engine
//! initialized, profile store open, files in the page cache): target median <= 500 us.
//! Each iteration is a whole `MAPILogonEx` (flowchart, both providers' logons, session)
//! plus `Logoff`.

use criterion::{Criterion, criterion_group, criterion_main};
use mapi::blocking::Mapi;
use mapi::{LogoffFlags, LogonFlags, LogonRequest};

fn logon_warm(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mapi = Mapi::open(Some(dir.path())).unwrap();
    mapi.quickstart().unwrap();
    let req = LogonRequest::new(Some("Default"), LogonFlags::MAPI_NEW_SESSION);
    // Warm up: first logon opens and checks the files.
    let s = mapi.logon(req.clone()).unwrap();
    assert!(
        s.disabled_services().is_empty(),
        "{:?}",
        s.disabled_services()
    );
    s.logoff(LogoffFlags::default());
    c.bench_function("logon_in_process/local-store+contacts", |b| {
        b.iter(|| {
            let s = mapi.logon(req.clone()).unwrap();
            s.logoff(LogoffFlags::default());
        })
    });
}

criterion_group!(benches, logon_warm);
criterion_main!(benches);
