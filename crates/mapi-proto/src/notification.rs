//! [`Notification`]: what the daemon pushes without being asked, including [`PromptKind`]
//! prompts: the daemon runs the logon, but UI stays in the client process, so the daemon
//! asks the client to show it and waits for a [`crate::RequestBody::UiReply`].
//!
//! Encoding: kind (u8), then the fields in declaration order.

use std::fmt;

use mapi_types::Status;

use crate::error::ProtoError;
use crate::event::{MIN_NOTIFICATION, get_notification, put_notification};
use crate::wire::{Input, Writer};

/// A message pushed by the daemon.
#[derive(Clone, Debug, PartialEq)]
pub enum Notification {
    /// The session ended under this client (another sharer logged off with
    /// `MAPI_LOGOFF_SHARED`, or the daemon is shutting down): log off.
    SessionEnded {
        /// The session.
        session: u64,
        /// Why, in plain words.
        reason: String,
    },
    /// The session's status table changed (`fnevStatusObjectModified`).
    StatusChanged {
        /// The session.
        session: u64,
    },
    /// Progress of a long operation.
    Progress {
        /// The session (0 while a logon has not made one yet).
        session: u64,
        /// Units done.
        done: u64,
        /// Units in all, when known.
        total: Option<u64>,
        /// What is being done.
        text: String,
    },
    /// Please show UI and answer with `UiReply { prompt_id, .. }`. Sent only to a client
    /// whose `Logon` set `ui`.
    Prompt {
        /// Identifies the prompt in the reply.
        prompt_id: u64,
        /// The id of the request (the `Logon`) the prompt belongs to.
        request: u32,
        /// What to ask.
        kind: PromptKind,
    },
    /// One `OnNotify` of an advise registration this client made (`Advise`): the
    /// notifications in the order they happened.
    Event {
        /// The session handle the registration was made on.
        session: u64,
        /// Its connection number (from `Advised`).
        conn: u32,
        /// The notifications (`NOTIFICATION`s), at least one.
        notifications: Vec<mapi_types::Notification>,
    },
}

/// What a prompt asks the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// Choose a profile (answer: `Profile` or `Cancel`).
    ChooseProfile {
        /// The profiles to offer.
        profiles: Vec<String>,
        /// The one to preselect, if any.
        preselect: Option<String>,
    },
    /// Type the profile's password (answer: `Password` or `Cancel`).
    Password {
        /// The profile.
        profile: String,
    },
    /// Fill in a service's settings (answer: `Settings` or `Cancel`).
    ServiceSettings {
        /// The service.
        service: String,
        /// The fields to show.
        fields: Vec<PromptField>,
    },
    /// A service failed to log on (answer: `FailureChoice`).
    ServiceFailed {
        /// The service.
        service: String,
        /// Its failure status.
        status: Status,
        /// Why, in plain words.
        reason: String,
    },
}

/// One field of a settings prompt.
#[derive(Clone, PartialEq, Eq)]
pub struct PromptField {
    /// The setting's key.
    pub key: String,
    /// The label to show.
    pub label: String,
    /// Input must be hidden, and the value is a secret.
    pub secret: bool,
    /// The current value. For a secret field the daemon should send `None`; `Debug`
    /// prints `***` for it in any case.
    pub current: Option<String>,
}

impl fmt::Debug for PromptField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current: &dyn fmt::Debug = match (&self.current, self.secret) {
            (Some(_), true) => &"***",
            (current, _) => current,
        };
        f.debug_struct("PromptField")
            .field("key", &self.key)
            .field("label", &self.label)
            .field("secret", &self.secret)
            .field("current", current)
            .finish()
    }
}

impl Notification {
    /// The variant's name (for logs and errors; never shows field contents).
    pub fn name(&self) -> &'static str {
        match self {
            Notification::SessionEnded { .. } => "SessionEnded",
            Notification::StatusChanged { .. } => "StatusChanged",
            Notification::Progress { .. } => "Progress",
            Notification::Prompt { .. } => "Prompt",
            Notification::Event { .. } => "Event",
        }
    }

    pub(crate) fn put(&self, w: &mut Writer) {
        match self {
            Notification::SessionEnded { session, reason } => {
                w.u8(1);
                w.u64(*session);
                w.str("SessionEnded.reason", reason);
            }
            Notification::StatusChanged { session } => {
                w.u8(2);
                w.u64(*session);
            }
            Notification::Progress {
                session,
                done,
                total,
                text,
            } => {
                w.u8(3);
                w.u64(*session);
                w.u64(*done);
                w.opt(total.as_ref(), |w, t| w.u64(*t));
                w.str("Progress.text", text);
            }
            Notification::Prompt {
                prompt_id,
                request,
                kind,
            } => {
                w.u8(4);
                w.u64(*prompt_id);
                w.u32(*request);
                kind.put(w);
            }
            Notification::Event {
                session,
                conn,
                notifications,
            } => {
                w.u8(5);
                w.u64(*session);
                w.u32(*conn);
                w.list("Event.notifications", notifications, put_notification);
            }
        }
    }

    pub(crate) fn get(r: &mut Input<'_>) -> Result<Notification, ProtoError> {
        Ok(match r.u8("Notification.kind")? {
            1 => Notification::SessionEnded {
                session: r.u64("SessionEnded.session")?,
                reason: r.string("SessionEnded.reason")?,
            },
            2 => Notification::StatusChanged {
                session: r.u64("StatusChanged.session")?,
            },
            3 => Notification::Progress {
                session: r.u64("Progress.session")?,
                done: r.u64("Progress.done")?,
                total: r.opt("Progress.total", |r| r.u64("Progress.total"))?,
                text: r.string("Progress.text")?,
            },
            4 => Notification::Prompt {
                prompt_id: r.u64("Prompt.prompt_id")?,
                request: r.u32("Prompt.request")?,
                kind: PromptKind::get(r)?,
            },
            5 => Notification::Event {
                session: r.u64("Event.session")?,
                conn: r.u32("Event.conn")?,
                notifications: r.list("Event.notifications", MIN_NOTIFICATION, get_notification)?,
            },
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "notification",
                    tag,
                });
            }
        })
    }
}

impl PromptKind {
    fn put(&self, w: &mut Writer) {
        match self {
            PromptKind::ChooseProfile {
                profiles,
                preselect,
            } => {
                w.u8(1);
                w.strings("ChooseProfile.profiles", profiles);
                w.opt_str("ChooseProfile.preselect", preselect.as_ref());
            }
            PromptKind::Password { profile } => {
                w.u8(2);
                w.str("Password.profile", profile);
            }
            PromptKind::ServiceSettings { service, fields } => {
                w.u8(3);
                w.str("ServiceSettings.service", service);
                w.list("ServiceSettings.fields", fields, |w, f| {
                    w.str("PromptField.key", &f.key);
                    w.str("PromptField.label", &f.label);
                    w.bool(f.secret);
                    w.opt_str("PromptField.current", f.current.as_ref());
                });
            }
            PromptKind::ServiceFailed {
                service,
                status,
                reason,
            } => {
                w.u8(4);
                w.str("ServiceFailed.service", service);
                w.u32(status.0);
                w.str("ServiceFailed.reason", reason);
            }
        }
    }

    fn get(r: &mut Input<'_>) -> Result<PromptKind, ProtoError> {
        Ok(match r.u8("PromptKind")? {
            1 => PromptKind::ChooseProfile {
                profiles: r.strings("ChooseProfile.profiles")?,
                preselect: r.opt_str("ChooseProfile.preselect")?,
            },
            2 => PromptKind::Password {
                profile: r.string("Password.profile")?,
            },
            3 => PromptKind::ServiceSettings {
                service: r.string("ServiceSettings.service")?,
                fields: r.list("ServiceSettings.fields", 10, |r| {
                    Ok(PromptField {
                        key: r.string("PromptField.key")?,
                        label: r.string("PromptField.label")?,
                        secret: r.bool("PromptField.secret")?,
                        current: r.opt_str("PromptField.current")?,
                    })
                })?,
            },
            4 => PromptKind::ServiceFailed {
                service: r.string("ServiceFailed.service")?,
                status: Status(r.u32("ServiceFailed.status")?),
                reason: r.string("ServiceFailed.reason")?,
            },
            tag => {
                return Err(ProtoError::UnknownTag {
                    what: "prompt",
                    tag,
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_fields_current_value_is_hidden_in_debug() {
        let f = PromptField {
            key: "password".into(),
            label: "Password".into(),
            secret: true,
            current: Some("hunter2".into()),
        };
        let text = format!("{f:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("***"), "{text}");
        let plain = PromptField {
            secret: false,
            current: Some("imap.example.org".into()),
            ..f
        };
        assert!(format!("{plain:?}").contains("imap.example.org"));
    }
}
