//! Test support for mapi's crates (never published, used only as a dev-dependency).
//!
//! # Layout
//! - [`mailstack`]: real Dovecot (IMAP) and Postfix (SMTP) on loopback ports, started
//!   from a throwaway configuration.
//! - [`postgres`]: a real PostgreSQL server on a loopback port, in a throwaway cluster.
//! - [`hostile`]: a scriptable misbehaving IMAP server, for the behaviour no real server
//!   shows on demand (silence, floods, huge literals, numbers out of range).
//! - [`process`]: what the servers share: free loopback ports, a traversable temp dir,
//!   running a tool as the server's user, stopping processes by PID.
//! - [`test_ca`]: a throwaway CA and server certificate made with `openssl`.
//! - [`scripted_ui`]: [`ScriptedUi`], a logon UI answering from a script.

pub mod hostile;
pub mod mailstack;
pub mod postgres;
pub mod process;
pub mod scripted_ui;
pub mod test_ca;

pub use mailstack::{MailStack, Options, Ports, USERS};
pub use postgres::PgServer;
pub use process::{free_port, free_ports};
pub use scripted_ui::ScriptedUi;
pub use test_ca::make_test_ca;
