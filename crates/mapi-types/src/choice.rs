//! Answers to logon dialogs that cross crate lines (the engine asks, the daemon
//! protocol carries them, a client's UI gives them).

/// What the user chose after a service failed to log on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureChoice {
    /// Try again as it is.
    Retry,
    /// Edit the service's settings, then try again.
    Edit,
    /// Go on without this service (it is disabled for the session).
    Skip,
    /// Cancel the whole logon (`MAPI_E_USER_CANCEL`).
    Cancel,
}
