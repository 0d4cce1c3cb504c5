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
//! - [`support`]: [`TestSupport`], a provider's support object recording status rows
//!   and progress.
//! - [`python_email`]: [`python_reads`], what Python's `email` package reads from a
//!   message.

pub mod hostile;
pub mod mailstack;
pub mod postgres;
pub mod process;
pub mod python_email;
pub mod scripted_ui;
pub mod support;
pub mod test_ca;

pub use mailstack::{MailStack, Options, Ports, USERS};
pub use postgres::PgServer;
pub use process::{free_port, free_ports};
pub use python_email::python_reads;
pub use scripted_ui::ScriptedUi;
pub use support::TestSupport;
pub use test_ca::make_test_ca;
