//! What a session's calls give back, the same over both links (in process and through
//! the daemon): [`DisabledService`], a service disabled at logon, and
//! [`SubmitOutcome`], what became of a submitted message.

use crate::{MapiUid, Status};

/// A service disabled for this session, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisabledService {
    /// PR_SERVICE_UID.
    pub service_uid: MapiUid,
    /// PR_SERVICE_NAME.
    pub service_name: String,
    /// PR_DISPLAY_NAME of the service.
    pub display_name: String,
    /// The status that disabled it.
    pub status: Status,
    /// The reason, in words.
    pub reason: String,
}

/// What became of a submitted message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubmitOutcome {
    /// The entry id of its copy in Sent Items.
    pub sent_copy: Option<Vec<u8>>,
    /// Something that went wrong after the message was sent.
    pub warning: Option<String>,
}
