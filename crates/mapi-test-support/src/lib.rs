//! Test support for mapi's crates (never published, used only as a dev-dependency).
//!
//! # Layout
//! - [`mailstack`]: real Dovecot (IMAP) and Postfix (SMTP) on loopback ports, started
//!   from a throwaway configuration.
//! - [`hostile`]: a scriptable misbehaving IMAP server, for the behaviour no real server
//!   shows on demand (silence, floods, huge literals, numbers out of range).

pub mod hostile;
pub mod mailstack;

pub use mailstack::{MailStack, Options, Ports, USERS, free_port, free_ports};
