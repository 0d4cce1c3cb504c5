//! Logon UI callbacks: who answers the prompts logon may show. The seam itself lives in
//! the leaf crate `mapi-ui` (so the daemon's client link needs no engine); it is
//! re-exported here so engine users keep one import path. The scripted test double is
//! in `mapi-test-support`.

pub use mapi_ui::{Answer, FailureChoice, LogonUi, NoUi, Prompt, PromptField};
