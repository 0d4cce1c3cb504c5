//! One mapping from an RFC 5322 / MIME message to MAPI message properties, used by every
//! message-store provider, so the same message shows the same values in each store.
//!
//! # Layout
//! - [`map`]: [`MessageProps`], a whole message mapped ([`MessageProps::map`], the import
//!   check [`import`]) and its property row; [`mapping_parser`], the parser it is
//!   fastest with; [`header_fields`] for the header block only; [`date_forecast`], a
//!   message's date from its `Date` field alone.
//! - `single_part`: the mapping of a message that is one text part kept as it is, from
//!   its header fields alone (what the whole parse gives, without its pass over the body).
//! - [`fields`]: [`Fields`], the properties header fields give (subject, senders,
//!   recipients for display, times, ids, importance).
//! - [`subject`]: the PR_SUBJECT_PREFIX / PR_NORMALIZED_SUBJECT rule.
//! - [`header`]: the header block, its fields, RFC 5322 §2.2.3 unfolding.
//! - [`attach`]: [`MimeAttachment`], a message's attachments as MAPI attachment properties,
//!   and its recipients as recipient rows.
//! - [`error`]: [`MimeError`], bytes that are not a message, and its MAPI status.
//! - [`compose`]: the other direction, one [`Composer`] building an RFC 5322 message from
//!   properties, recipient rows and attachments, for every store.
//! - [`compose_attach`]: the attachments of a composed message ([`Attachment`], large ones
//!   read as streams) and the result ([`Composed`]), written to an `io::Write`.
//!
//! # The properties
//! [`MessageProps::into_row`] gives PR_MESSAGE_CLASS (`IPM.Note`), PR_SUBJECT,
//! PR_SUBJECT_PREFIX, PR_NORMALIZED_SUBJECT, PR_BODY, PR_HTML (with an HTML part),
//! PR_SENDER_NAME / _EMAIL_ADDRESS / _ADDRTYPE (`Sender:`, else `From:`),
//! PR_SENT_REPRESENTING_NAME / _EMAIL_ADDRESS / _ADDRTYPE (`From:`), PR_DISPLAY_TO /
//! _CC / _BCC (names joined with `"; "`), PR_MESSAGE_DELIVERY_TIME (given by the store),
//! PR_CLIENT_SUBMIT_TIME (`Date:`), PR_HASATTACH, PR_INTERNET_MESSAGE_ID and
//! PR_IN_REPLY_TO_ID (with angle brackets), PR_TRANSPORT_MESSAGE_HEADERS (the header
//! block, line endings kept), PR_MESSAGE_SIZE and PR_IMPORTANCE.
//!
//! Folded header fields are unfolded as RFC 5322 §2.2.3 says: only the line break goes,
//! the space or TAB after it stays (mail-parser would put one space for all the white
//! space around a fold, so folded fields are read again from their unfolded line).
//! Nothing here panics on input; time and memory are linear in the message's size.

#![warn(missing_docs)]

pub mod attach;
pub mod compose;
pub mod compose_attach;
pub mod error;
pub mod fields;
pub mod header;
pub mod map;
mod single_part;
pub mod subject;

pub use attach::{MimeAttachment, attachments, recipients};
pub use compose::{AttachBody, Attachment, Composed, Composer};
pub use error::MimeError;
pub use fields::{Fields, IMPORTANCE_HIGH, IMPORTANCE_LOW, IMPORTANCE_NORMAL, Mailbox, angle_id};
pub use header::header_block;
pub use mail_parser::MessageParser;
pub use map::{MESSAGE_CLASS, MessageProps, date_forecast, header_fields, import, mapping_parser};
