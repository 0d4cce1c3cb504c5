//! Session handles: the per-connection ids on the wire, each mapping to one engine
//! [`Session`] handle, and the task that forwards the session's events to the client.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mapi_engine::{Session, SessionEvent};
use mapi_proto::Notification;
use mapi_types::LogoffFlags;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::AbortHandle;

use crate::conn::ConnState;
use crate::error::{DaemonError, Result};

/// One client's handle on an engine session.
pub(crate) struct Handle {
    /// The id on the wire (per connection).
    pub wire: u64,
    /// The engine handle.
    pub session: Session,
    /// Why the session ended under this client (another sharer's `LOGOFF_SHARED`,
    /// shutdown), once it has.
    ended: Mutex<Option<String>>,
    logged_off: AtomicBool,
    watcher: Mutex<Option<AbortHandle>>,
    /// The tables opened on this handle.
    pub tables: crate::tables::Tables,
    /// The property objects and streams opened on this handle.
    pub objects: crate::objects::Objects,
    /// The advise registrations made on this handle.
    pub advised: crate::advise::Advised,
}

impl Handle {
    pub(crate) fn new(wire: u64, session: Session) -> Arc<Handle> {
        Arc::new(Handle {
            wire,
            session,
            ended: Mutex::new(None),
            logged_off: AtomicBool::new(false),
            watcher: Mutex::new(None),
            tables: Default::default(),
            objects: Default::default(),
            advised: Default::default(),
        })
    }

    /// The engine session, unless it ended under this client.
    pub(crate) fn live(&self) -> Result<&Session> {
        if let Some(r) = self.ended_reason() {
            return Err(DaemonError::SessionEnded(r));
        }
        Ok(&self.session)
    }

    pub(crate) fn ended_reason(&self) -> Option<String> {
        self.ended.lock().ok().and_then(|e| e.clone())
    }

    /// Whether the handle still counts as a client of a live session.
    pub(crate) fn is_active(&self) -> bool {
        !self.logged_off.load(Ordering::SeqCst)
            && self.ended_reason().is_none()
            // The engine has no `is_ended`: any call fails once the session ended.
            && self.session.query_identity().is_ok()
    }

    /// Marks the session ended under this client; true the first time.
    pub(crate) fn mark_ended(&self, reason: &str) -> bool {
        match self.ended.lock() {
            Ok(mut e) if e.is_none() && !self.logged_off.load(Ordering::SeqCst) => {
                *e = Some(reason.to_string());
                true
            }
            _ => false,
        }
    }

    /// Logs the engine handle off once (the session ends when its last handle leaves,
    /// or for everyone with `MAPI_LOGOFF_SHARED`), and stops the event forwarder.
    pub(crate) async fn logoff(&self, flags: LogoffFlags) {
        if self.logged_off.swap(true, Ordering::SeqCst) {
            return;
        }
        let watcher = self.watcher.lock().ok().and_then(|mut w| w.take());
        crate::advise::drop_all(&self.session, self.advised.take_all());
        self.objects.clear();
        self.session.logoff(flags).await;
        if let Some(w) = watcher {
            w.abort();
        }
    }

    /// Starts forwarding the session's events (`rx`, subscribed when the handle was
    /// made, so nothing is missed) to the connection. Called once the logon's answer is
    /// queued, so the client learns of the session before any event about it.
    pub(crate) fn watch(
        self: &Arc<Handle>,
        conn: Arc<ConnState>,
        mut rx: broadcast::Receiver<SessionEvent>,
    ) {
        if self.logged_off.load(Ordering::SeqCst) {
            return;
        }
        let h = self.clone();
        let task = tokio::spawn(async move {
            // Ended before `rx` subscribed (the engine has no `is_ended`: calls fail).
            if h.session.query_identity().is_err() && h.mark_ended("the session has ended") {
                conn.send(Notification::SessionEnded {
                    session: h.wire,
                    reason: "the session has ended".into(),
                })
                .await;
                h.logoff(LogoffFlags::default()).await;
                return;
            }
            loop {
                let n = match rx.recv().await {
                    Ok(SessionEvent::Ended { reason }) => {
                        if h.mark_ended(&reason) {
                            for e in h.advised.shutdown_events(h.wire, &reason) {
                                conn.send(e).await;
                            }
                            conn.send(Notification::SessionEnded {
                                session: h.wire,
                                reason,
                            })
                            .await;
                            // Release the engine handle; calls keep failing with the reason.
                            h.logoff(LogoffFlags::default()).await;
                        }
                        return;
                    }
                    Ok(SessionEvent::StatusChanged) => {
                        Notification::StatusChanged { session: h.wire }
                    }
                    Ok(SessionEvent::Progress {
                        service,
                        done,
                        total,
                        text,
                    }) => Notification::Progress {
                        session: h.wire,
                        done,
                        total,
                        text: format!("{service}: {text}"),
                    },
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                };
                conn.send(n).await;
            }
        });
        if let Ok(mut w) = self.watcher.lock() {
            *w = Some(task.abort_handle());
        }
    }
}
