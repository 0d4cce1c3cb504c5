//! Runs one request against the engine and builds its response.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use mapi_engine::{LogonRequest, LogonUi, NoUi, SessionEvent};
use mapi_proto::{RequestBody, Response, ResponseBody, SessionInfo};
use mapi_spi::OutgoingMessage;
use mapi_types::{LogoffFlags, LogonFlags, PropTag, Row, Table};
use tokio::sync::broadcast;

use crate::conn::{ConnState, error_response};
use crate::error::{DaemonError, Result};
use crate::handles::Handle;
use crate::log::log;
use crate::remote_ui::RemoteUi;
use crate::server::DaemonState;

/// What runs once a request's answer is queued.
pub(crate) enum After {
    /// A new handle whose event forwarding starts (the client learns of the session
    /// before any event about it).
    Watch(Arc<Handle>, broadcast::Receiver<SessionEvent>),
    /// A new advise registration whose events may go out (the client learns its
    /// connection number first).
    Advised(Arc<crate::advise::Outlet>),
}

impl After {
    /// Runs it.
    pub(crate) fn run(self, conn: Arc<ConnState>) {
        match self {
            After::Watch(h, rx) => h.watch(conn, rx),
            After::Advised(outlet) => outlet.open(),
        }
    }
}

/// The response to request `id`, and what to do once it is queued.
pub(crate) async fn run(
    state: &Arc<DaemonState>,
    conn: &Arc<ConnState>,
    id: u32,
    body: RequestBody,
) -> (Response, Option<After>) {
    let mut after = None;
    let r = match answer(state, conn, id, body, &mut after).await {
        Ok(body) => Response { id, body },
        Err(e) => error_response(id, &e),
    };
    (r, after)
}

fn table(t: Table) -> ResponseBody {
    ResponseBody::Table {
        columns: t.columns().to_vec(),
        rows: t.full_rows().into_iter().cloned().collect(),
    }
}

/// Columns for rows that come without a column set: every tag, in first-seen order.
fn columns_of(rows: &[Row]) -> Vec<PropTag> {
    let mut cols: Vec<PropTag> = Vec::new();
    for r in rows {
        for (tag, _) in &r.0 {
            if !cols.contains(tag) {
                cols.push(*tag);
            }
        }
    }
    cols
}

async fn answer(
    state: &Arc<DaemonState>,
    conn: &Arc<ConnState>,
    id: u32,
    body: RequestBody,
    after: &mut Option<After>,
) -> Result<ResponseBody> {
    match body {
        RequestBody::Logon {
            profile,
            password,
            flags,
            ui,
            program,
        } => {
            logon(
                state,
                conn,
                after,
                id,
                profile,
                password.map(|p| p.into_inner()),
                flags,
                ui,
                program,
            )
            .await
        }
        RequestBody::StatusTable { session } => {
            Ok(table(conn.handle(session)?.live()?.status_table()?))
        }
        RequestBody::StoreTable { session } => {
            Ok(table(conn.handle(session)?.live()?.store_table()?))
        }
        RequestBody::OpenStore { session, entry_id } => {
            let h = conn.handle(session)?;
            let s = h.live()?;
            let (entry_id, store) = match entry_id {
                Some(e) => {
                    let store = s.open_msg_store(&e)?;
                    (e, store)
                }
                None => s.default_store_entry()?,
            };
            Ok(ResponseBody::StoreOpened {
                entry_id,
                properties: store.properties(),
            })
        }
        RequestBody::Folders { session, store } => {
            let h = conn.handle(session)?;
            let rows = h.live()?.open_msg_store(&store)?.folders().await?;
            Ok(ResponseBody::Table {
                columns: columns_of(&rows),
                rows,
            })
        }
        RequestBody::Contents {
            session,
            store,
            folder,
        } => {
            let h = conn.handle(session)?;
            let t = h.live()?.open_msg_store(&store)?.contents(&folder).await?;
            Ok(table(t))
        }
        RequestBody::ReadMessage {
            session,
            store,
            entry_id,
        } => {
            let h = conn.handle(session)?;
            let row = h
                .live()?
                .open_msg_store(&store)?
                .read_message(&entry_id)
                .await?;
            Ok(ResponseBody::Rows(vec![row]))
        }
        RequestBody::ReadRaw {
            session,
            store,
            entry_id,
        } => {
            let h = conn.handle(session)?;
            let raw = h
                .live()?
                .open_msg_store(&store)?
                .read_raw(&entry_id)
                .await?;
            Ok(ResponseBody::Bytes(raw))
        }
        RequestBody::Submit {
            session,
            from,
            raw,
            recipients,
        } => {
            let h = conn.handle(session)?;
            let outcome = h
                .live()?
                .submit(&OutgoingMessage {
                    from,
                    recipients,
                    raw,
                })
                .await?;
            Ok(ResponseBody::Submitted(outcome))
        }
        RequestBody::QueryIdentity { session } => {
            let (status, display) = conn.handle(session)?.live()?.query_identity()?;
            Ok(ResponseBody::Identity { status, display })
        }
        RequestBody::ImportPart { session, messages } => {
            conn.handle(session)?.live()?;
            conn.staging()
                .add(session, messages, mapi_proto::MAX_IMPORT_BATCH_LEN)?;
            Ok(ResponseBody::Done)
        }
        RequestBody::Import {
            session,
            store,
            folder,
            messages,
        } => {
            let staged = conn.staging().take(session);
            let h = conn.handle(session)?;
            let store = h.live()?.open_msg_store(&store)?;
            let mut all = staged;
            let len = all.iter().chain(&messages).map(Vec::len).sum::<usize>();
            if len > mapi_proto::MAX_IMPORT_BATCH_LEN {
                return Err(DaemonError::ImportTooLarge {
                    len: len as u64,
                    max: mapi_proto::MAX_IMPORT_BATCH_LEN as u64,
                });
            }
            all.extend(messages);
            let ids = store.import_raw(&folder, all).await?;
            Ok(ResponseBody::EntryIds(ids))
        }
        RequestBody::Logoff { session, flags } => {
            let h = conn.handle(session)?;
            let flags = LogoffFlags(flags);
            conn.staging().take(session);
            let ended_before = h.ended_reason().is_some();
            h.logoff(flags).await;
            conn.remove_handle(session);
            if !ended_before
                && flags.contains(LogoffFlags::MAPI_LOGOFF_SHARED)
                && h.session.is_shared()
            {
                log(format!(
                    "client pid {} ({}) ended shared session {} (MAPI_LOGOFF_SHARED)",
                    conn.client_pid,
                    conn.program,
                    h.session.id()
                ));
            }
            Ok(ResponseBody::Done)
        }
        RequestBody::ListSessions => Ok(ResponseBody::Sessions(list_sessions(state))),
        RequestBody::Keep { session } => {
            let h = conn.handle(session)?;
            let s = h.live()?;
            if !s.is_shared() {
                return Err(DaemonError::NotShared);
            }
            let id = s.id();
            let mut kept = state.kept.lock().map_err(|_| DaemonError::NotShared)?;
            kept.retain(|k| k.status_table().is_ok());
            if !kept.iter().any(|k| k.id() == id)
                && let Some(hold) = state.engine.shared_session(LogonFlags::default())
                && hold.id() == id
            {
                kept.push(hold);
            }
            log(format!("session {id} kept alive for later clients"));
            Ok(ResponseBody::Done)
        }
        RequestBody::Ping => Ok(ResponseBody::Pong),
        RequestBody::Shutdown => {
            log(format!(
                "shutdown requested by client pid {} ({})",
                conn.client_pid, conn.program
            ));
            state.request_stop();
            Ok(ResponseBody::Done)
        }
        body @ (RequestBody::OpenTable { .. }
        | RequestBody::TableQuery { .. }
        | RequestBody::TableCount { .. }
        | RequestBody::TableRows { .. }
        | RequestBody::TableFind { .. }
        | RequestBody::TableRelease { .. }) => crate::tables::answer(conn, body).await,
        RequestBody::Object { session, op } => crate::objects::answer(conn, session, op).await,
        RequestBody::Folder { session, store, op } => {
            crate::folders::answer(conn, session, &store, op).await
        }
        body @ (RequestBody::Advise { .. } | RequestBody::Unadvise { .. }) => {
            let mut outlet = None;
            let r = crate::advise::answer(conn, body, &mut outlet).await;
            *after = outlet.map(After::Advised);
            r
        }
        RequestBody::AddressBook { session, op } => {
            crate::addrbook::answer(conn, session, op).await
        }
        // Answered inline by the reader; never reaches here.
        RequestBody::UiReply { prompt_id, .. } => Err(DaemonError::NoSuchPrompt(prompt_id)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn logon(
    state: &Arc<DaemonState>,
    conn: &Arc<ConnState>,
    after: &mut Option<After>,
    id: u32,
    profile: Option<String>,
    password: Option<String>,
    flags: u32,
    ui: bool,
    program: String,
) -> Result<ResponseBody> {
    let ui: Arc<dyn LogonUi> = if ui {
        Arc::new(RemoteUi {
            conn: conn.clone(),
            request: id,
        })
    } else {
        Arc::new(NoUi)
    };
    let session = state
        .engine
        .logon(LogonRequest {
            profile,
            password,
            flags: LogonFlags(flags),
            ui,
        })
        .await?;
    let handle = match conn.add_handle(session) {
        Ok(h) => h,
        Err(session) => {
            // The client left while its logon ran.
            session.logoff(LogoffFlags::default()).await;
            return Err(DaemonError::SessionEnded(
                "the client disconnected during logon".into(),
            ));
        }
    };
    *after = Some(After::Watch(handle.clone(), handle.session.subscribe()));
    let s = &handle.session;
    log(format!(
        "client pid {} ({program}) logged on to session {} (profile \"{}\"{}, {} client(s))",
        conn.client_pid,
        s.id(),
        s.profile(),
        if s.is_shared() { ", shared" } else { "" },
        s.clients()
    ));
    Ok(ResponseBody::LoggedOn {
        session: handle.wire,
        profile: s.profile().to_string(),
        shared: s.is_shared(),
        disabled: s.disabled_services().to_vec(),
    })
}

/// Every live session, once each, with its number of client handles.
pub(crate) fn list_sessions(state: &DaemonState) -> Vec<SessionInfo> {
    let mut out: Vec<SessionInfo> = Vec::new();
    let info = |s: &mapi_engine::Session, holds: usize| SessionInfo {
        id: s.id(),
        profile: s.profile().to_string(),
        shared: s.is_shared(),
        clients: u32::try_from(s.clients().saturating_sub(holds)).unwrap_or(u32::MAX),
        since_unix: s
            .since()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
        services: s.active_services(),
    };
    // Sessions the daemon keeps alive (`Keep`); its own hold is not a client.
    if let Ok(mut kept) = state.kept.lock() {
        kept.retain(|k| k.status_table().is_ok());
        for k in kept.iter() {
            out.push(info(k, 1));
        }
    }
    for conn in state.conns() {
        for h in conn.all_handles() {
            if !h.is_active() || out.iter().any(|s| s.id == h.session.id()) {
                continue;
            }
            out.push(info(&h.session, 0));
        }
    }
    out.sort_by_key(|s| s.id);
    out
}
