//! MAPIInitialize / MAPIUninitialize: a counted, process-wide engine.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use mapi::blocking::Mapi;

use crate::error::{CapiError, Result};

struct Global {
    count: u32,
    mapi: Option<Arc<Mapi>>,
}

static GLOBAL: Mutex<Global> = Mutex::new(Global {
    count: 0,
    mapi: None,
});
static COUNT: AtomicU32 = AtomicU32::new(0);

/// `MAPIInitialize`: the first call opens the engine over `MAPI_HOME` (else the XDG
/// data dir); later ones count.
pub fn initialize() -> Result<()> {
    let mut g = GLOBAL.lock().unwrap_or_else(|p| p.into_inner());
    if g.count == 0 {
        g.mapi = Some(Arc::new(Mapi::open(None)?));
    }
    g.count += 1;
    COUNT.store(g.count, Ordering::Release);
    Ok(())
}

/// `MAPIUninitialize`: the last call closes the engine (objects still held keep what
/// they use alive, and answer `MAPI_E_NOT_INITIALIZED`).
pub fn uninitialize() {
    let dropped = {
        let mut g = GLOBAL.lock().unwrap_or_else(|p| p.into_inner());
        if g.count == 0 {
            return;
        }
        g.count -= 1;
        COUNT.store(g.count, Ordering::Release);
        if g.count == 0 { g.mapi.take() } else { None }
    };
    drop(dropped);
}

/// Whether MAPI is initialized.
pub fn initialized() -> bool {
    COUNT.load(Ordering::Acquire) > 0
}

/// The engine, or `MAPI_E_NOT_INITIALIZED`.
pub fn mapi() -> Result<Arc<Mapi>> {
    let g = GLOBAL.lock().unwrap_or_else(|p| p.into_inner());
    g.mapi.clone().ok_or(CapiError::NotInitialized)
}
