//! The engine's side for the tests (mapi-test-support's recording `TestSupport`), and
//! helpers.
#![allow(dead_code)]

pub use mapi_test_support::TestSupport;
use mapi_test_support::{MailStack, Options};

/// Starts Dovecot only (connection limit 1).
pub fn dovecot() -> MailStack {
    MailStack::start(Options::default()).unwrap_or_else(|e| panic!("mail stack: {e}"))
}

/// A fresh data directory.
pub fn data_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}
