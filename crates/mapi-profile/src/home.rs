//! Where the MAPI home is: `--home`, else `MAPI_HOME`, else the XDG data dir. The rule
//! lives in `mapi-paths` (with the daemon's socket rules); re-exported here.

pub use mapi_paths::{PROFILES_DB, resolve_home};
