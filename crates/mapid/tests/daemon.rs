//! The daemon with real processes: `mapid` started by the tests or on demand, client
//! processes (this binary re-invoked as `child`), SIGKILL / SIGTERM, another user.
//!
//! A client process is this test binary running only its `client_process` test with
//! `CLIENT_ENV` set: it reads commands on stdin (see `child`) and answers on stdout,
//! after a `CLIENT READY` line (libtest's own lines come before it).
//!
//! How the other-user test works: the tests run as root; the daemon's socket is put in
//! an explicitly named directory of mode 0755 (allowed for an explicit path: only
//! group/other *write* is refused there; the default directory must be 0700), so that
//! `nobody` can reach the socket and the daemon's per-connection peer-uid check is what
//! refuses it. The client is this binary run through `runuser -u nobody`.

mod common;

use std::io::{BufRead, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use mapi_client::{Connection, DaemonLink, LogonRequest, RemoteSession};
use mapi_engine::Answer;
use mapi_proto::{ClientHandshake, FrameDecoder, Message, Notification, PROTOCOL_VERSION};
use mapi_test_support::ScriptedUi;
use mapi_types::{LogoffFlags, LogonFlags, MapiStatus, Status, tags};

/// The client process the tests start: this test binary running only this test, with
/// [`CLIENT_ENV`] set; in an ordinary test run it has nothing to do.
#[test]
fn client_process() {
    if std::env::var_os(CLIENT_ENV).is_none() {
        return;
    }
    child();
    // Leave before libtest prints its summary on our stdout.
    std::process::exit(0);
}

// ---------------------------------------------------------------------------------
// The client process.

/// Commands (one answer line each unless noted):
/// - `logon PROFILE|- PASSWORD|- FLAGS` -> `LOGGEDON shared=B profile=P` or `ERR NAME`
/// - `uilogon PROFILE|- ANSWER|- FLAGS`: the password prompt answered by a `ScriptedUi`
///   (`-`: no answer, i.e. cancel) -> the logon line, then `PROMPTS [...]`
/// - `slowlogon ANSWER FLAGS`: prints `PROMPTED` when asked, answers once the line
///   `answer` arrives on stdin -> then the logon line
/// - `status`, `ping`, `logoff [shared]`, `shutdown` -> `OK ...` or `ERR NAME`
/// - `sessions` -> `SESSIONS n=N id:profile:clients:shared ...`
/// - `events MS` -> `ENDED reason` or `NONE`
/// - `daemonpid` -> `PID N`
/// - `probe` -> `STATUS NAME message`, then `CLOSED yes|no` (raw handshake)
fn child() {
    let rt = rt();
    let home = std::path::PathBuf::from(std::env::var_os("MAPI_HOME").unwrap());
    let link = DaemonLink::new(&home).with_program("test-client");
    let mut conn: Option<Connection> = None;
    let mut session: Option<RemoteSession> = None;
    let mut events = None;
    // Lines from stdin: `answer` releases a waiting `slowlogon` prompt (which runs while
    // the main loop below is busy with that logon); every other line is a command.
    let answer = Arc::new(tokio::sync::Notify::new());
    let (commands, lines) = std::sync::mpsc::channel::<String>();
    {
        let answer = answer.clone();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if line == "answer" {
                    answer.notify_one();
                } else if commands.send(line).is_err() {
                    break;
                }
            }
        });
    }
    let say = |s: String| {
        let mut o = std::io::stdout().lock();
        writeln!(o, "{s}").unwrap();
        o.flush().unwrap();
    };
    // libtest has printed `test client_process ... ` without a newline.
    say(format!("\n{CLIENT_READY}"));
    let err =
        |e: &mapi_client::ClientError| format!("ERR {} {e}", e.status().name().unwrap_or("?"));
    for line in lines {
        let w: Vec<&str> = line.split_whitespace().collect();
        let opt = |s: &str| (s != "-").then(|| s.to_string());
        rt.block_on(async {
            match w.as_slice() {
                ["logon" | "uilogon" | "slowlogon", ..] => {
                    let c = match need_conn(&mut conn, &link).await {
                        Ok(c) => c,
                        Err(e) => return say(err(&e)),
                    };
                    let flags = LogonFlags::parse(w[w.len() - 1]).unwrap();
                    let (req, ui) = match w[0] {
                        "logon" => (
                            LogonRequest::new(opt(w[1]).as_deref(), flags)
                                .password(opt(w[2]).as_deref()),
                            None,
                        ),
                        "uilogon" => {
                            let ui = Arc::new(ScriptedUi::new(
                                opt(w[2]).map(Answer::Text).into_iter().collect(),
                            ));
                            (
                                LogonRequest::new(opt(w[1]).as_deref(), flags).ui(ui.clone()),
                                Some(ui),
                            )
                        }
                        _ => {
                            let ui = Arc::new(SlowUi {
                                answer: w[1].to_string(),
                                go: answer.clone(),
                            });
                            (LogonRequest::new(Some("Work"), flags).ui(ui), None)
                        }
                    };
                    match c.logon(req).await {
                        Ok(s) => {
                            say(format!(
                                "LOGGEDON shared={} profile={}",
                                s.is_shared(),
                                s.profile()
                            ));
                            events = Some(s.events());
                            session = Some(s);
                        }
                        Err(e) => say(err(&e)),
                    }
                    if let Some(ui) = ui {
                        say(format!("PROMPTS {:?}", ui.prompts()));
                    }
                }
                ["status"] => match session.as_ref().unwrap().status_table().await {
                    Ok(t) => say(format!("OK {}", t.row_count())),
                    Err(e) => say(err(&e)),
                },
                ["ping"] => match conn.as_ref().unwrap().ping().await {
                    Ok(()) => say("OK".into()),
                    Err(e) => say(err(&e)),
                },
                ["logoff", rest @ ..] => {
                    let flags = if rest == ["shared"] {
                        LogoffFlags::MAPI_LOGOFF_SHARED
                    } else {
                        LogoffFlags::default()
                    };
                    match session.as_ref().unwrap().logoff(flags).await {
                        Ok(()) => say("OK".into()),
                        Err(e) => say(err(&e)),
                    }
                }
                ["shutdown"] => match conn.as_ref().unwrap().shutdown_daemon().await {
                    Ok(()) => say("OK".into()),
                    Err(e) => say(err(&e)),
                },
                ["sessions"] => {
                    let c = match need_conn(&mut conn, &link).await {
                        Ok(c) => c,
                        Err(e) => return say(err(&e)),
                    };
                    match c.list_sessions().await {
                        Ok(list) => say(format!(
                            "SESSIONS n={} {}",
                            list.len(),
                            list.iter()
                                .map(|s| format!(
                                    "{}:{}:{}:{}",
                                    s.id, s.profile, s.clients, s.shared
                                ))
                                .collect::<Vec<_>>()
                                .join(" ")
                        )),
                        Err(e) => say(err(&e)),
                    }
                }
                ["events", ms] => {
                    let ev = events.as_mut().unwrap();
                    let wait = Duration::from_millis(ms.parse().unwrap());
                    match tokio::time::timeout(wait, ev.recv()).await {
                        Ok(Some(Notification::SessionEnded { reason, .. })) => {
                            say(format!("ENDED {reason}"))
                        }
                        Ok(Some(other)) => say(format!("OTHER {}", other.name())),
                        _ => say("NONE".into()),
                    }
                }
                ["daemonpid"] => say(format!("PID {}", conn.as_ref().unwrap().daemon_pid())),
                ["probe"] => probe(&link, &say).await,
                _ => say(format!("BAD {line}")),
            }
        });
    }
}

/// The connection, (re)connecting or starting the daemon when there is none alive.
async fn need_conn(
    conn: &mut Option<Connection>,
    link: &DaemonLink,
) -> Result<Connection, mapi_client::ClientError> {
    if !conn.as_ref().is_some_and(Connection::is_alive) {
        *conn = Some(link.connect_or_start().await?);
    }
    Ok(conn.clone().unwrap())
}

/// A UI that announces the password prompt, then answers after a delay.
struct SlowUi {
    answer: String,
    go: Arc<tokio::sync::Notify>,
}

#[async_trait::async_trait]
impl mapi_engine::LogonUi for SlowUi {
    async fn choose_profile(&self, _: &[String], _: Option<&str>) -> Option<String> {
        None
    }
    async fn password(&self, _: &str, _: u32) -> Option<String> {
        {
            let mut o = std::io::stdout().lock();
            writeln!(o, "PROMPTED").unwrap();
            o.flush().unwrap();
        }
        self.go.notified().await;
        Some(self.answer.clone())
    }
    async fn service_settings(
        &self,
        _: &str,
        _: &str,
        _: &[mapi_engine::PromptField],
    ) -> Option<Vec<(String, String)>> {
        None
    }
    async fn service_failed(&self, _: &str, _: Status, _: &str) -> mapi_engine::FailureChoice {
        mapi_engine::FailureChoice::Skip
    }
}

/// Connects with a raw handshake and reports the daemon's first answer and whether it
/// then closed the connection; then the same through `Connection::open`.
async fn probe(link: &DaemonLink, say: &dyn Fn(String)) {
    let mut s = std::os::unix::net::UnixStream::connect(link.socket()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let (mut hs, hello) = ClientHandshake::start(std::process::id(), "probe");
    let _ = s.write_all(&hello.to_frame().unwrap());
    let mut dec = FrameDecoder::new();
    let mut buf = [0u8; 4096];
    let mut closed = false;
    let mut first = None;
    loop {
        match s.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => {
                dec.push(&buf[..n]);
                if first.is_none()
                    && let Some(f) = dec.next_frame().unwrap()
                {
                    first = Some(Message::decode(&f).unwrap());
                }
            }
            Err(_) => break,
        }
    }
    let e = hs.receive(&first.expect("an answer")).unwrap_err();
    say(format!(
        "STATUS {} {}",
        e.status().name().unwrap_or("?"),
        e.message()
    ));
    say(format!("CLOSED {}", if closed { "yes" } else { "no" }));
    let via_client = Connection::open(link.socket(), "probe").await.unwrap_err();
    say(format!(
        "CLIENT {}",
        via_client.status().name().unwrap_or("?")
    ));
}

// ---------------------------------------------------------------------------------
// The tests.

fn expect(got: String, prefix: &str) -> String {
    assert!(got.starts_with(prefix), "expected {prefix}…, got {got}");
    got
}

#[test]
fn shared_session_is_joined_across_processes() {
    let fx = Fixture::new(Some(PASSWORD));
    let _d = start_daemon(&fx.home, &fx.socket);
    let mut a = Client::spawn(&fx.home, &fx.socket);
    expect(
        a.cmd("logon Work wrong ALLOW_OTHERS"),
        "ERR MAPI_E_LOGON_FAILED",
    );
    expect(
        a.cmd(&format!("logon Work {PASSWORD} ALLOW_OTHERS")),
        "LOGGEDON shared=true profile=Work",
    );

    // Another process, naming another profile, with no password: gets the shared one.
    let mut b = Client::spawn(&fx.home, &fx.socket);
    expect(
        b.cmd("logon Other - 0"),
        "LOGGEDON shared=true profile=Work",
    );
    let mut c = Client::spawn(&fx.home, &fx.socket);
    expect(c.cmd("logon Work - 0"), "LOGGEDON shared=true profile=Work");
    expect(c.cmd("status"), "OK ");
    // Control: with NEW_SESSION the password is needed again.
    let mut d = Client::spawn(&fx.home, &fx.socket);
    expect(d.cmd("logon Work - NEW_SESSION"), "ERR MAPI_E_LOGON_FAILED");
    let s = a.cmd("sessions");
    assert!(
        s.starts_with("SESSIONS n=1 ") && s.ends_with(":Work:3:true"),
        "{s}"
    );
}

#[test]
fn plain_logoff_keeps_the_shared_session_logoff_shared_ends_it() {
    let fx = Fixture::new(None);
    let _d = start_daemon(&fx.home, &fx.socket);
    let mut a = Client::spawn(&fx.home, &fx.socket);
    let mut b = Client::spawn(&fx.home, &fx.socket);
    let mut c = Client::spawn(&fx.home, &fx.socket);
    expect(a.cmd("logon Work - ALLOW_OTHERS"), "LOGGEDON shared=true");
    expect(b.cmd("logon - - 0"), "LOGGEDON shared=true");
    expect(c.cmd("logon - - 0"), "LOGGEDON shared=true");
    assert!(
        !fx.exclusive_logon_succeeds(),
        "the shared session holds the store"
    );

    // A plain logoff: the others keep the session.
    expect(b.cmd("logoff"), "OK");
    expect(b.cmd("status"), "ERR MAPI_E_END_OF_SESSION");
    expect(a.cmd("status"), "OK ");
    // Notifications travel before later replies on the same connection: after the
    // status reply above, an ENDED sent earlier would already be queued.
    expect(a.cmd("events 0"), "NONE");
    let s = a.sessions_until(|s| s.ends_with(":Work:2:true"));
    assert!(s.starts_with("SESSIONS n=1"), "{s}");

    // LOGOFF_SHARED from one sharer ends it for everyone.
    expect(c.cmd("logoff shared"), "OK");
    let ended = expect(a.cmd("events 5000"), "ENDED ");
    assert!(ended.contains("MAPI_LOGOFF_SHARED"), "{ended}");
    expect(a.cmd("status"), "ERR MAPI_E_END_OF_SESSION");
    a.sessions_until(|s| s == "SESSIONS n=0 ");
    // The providers logged off in the daemon (which still runs): the store is free.
    assert!(fx.exclusive_logon_succeeds());
    // A new logon makes a new shared session.
    expect(b.cmd("logon Work - ALLOW_OTHERS"), "LOGGEDON shared=true");
}

#[test]
fn killed_client_is_cleaned_up() {
    let fx = Fixture::new(None);
    let d = start_daemon(&fx.home, &fx.socket);
    let mut a = Client::spawn(&fx.home, &fx.socket);
    let mut b = Client::spawn(&fx.home, &fx.socket);
    expect(a.cmd("logon Work - ALLOW_OTHERS"), "LOGGEDON shared=true");
    expect(b.cmd("logon - - 0"), "LOGGEDON shared=true");
    a.sessions_until(|s| s.ends_with(":Work:2:true"));
    b.child.kill().unwrap(); // SIGKILL
    b.child.wait().unwrap();
    a.sessions_until(|s| s.ends_with(":Work:1:true"));
    expect(a.cmd("status"), "OK ");
    // The daemon logs it as it cleans up; its stderr is read on another thread.
    d.stderr
        .wait_for("disconnected; logged off 1 session handle(s)");
    // The last client killed: the session ends and the store is released.
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let mut c = Client::spawn(&fx.home, &fx.socket);
    c.sessions_until(|s| s == "SESSIONS n=0 ");
    assert!(fx.exclusive_logon_succeeds());
}

#[test]
fn prompts_run_in_the_calling_process() {
    let fx = Fixture::new(Some("s3cret"));
    let d = start_daemon(&fx.home, &fx.socket);
    let mut a = Client::spawn(&fx.home, &fx.socket);
    // Cancelled in the client: the logon fails with USER_CANCEL.
    expect(
        a.cmd("uilogon Work - NEW_SESSION|PASSWORD_UI"),
        "ERR MAPI_E_USER_CANCEL",
    );
    expect(a.line(), "PROMPTS [Password(\"Work\", 1)]");
    // A wrong then a right answer... the ScriptedUi gives one answer: the right one.
    expect(
        a.cmd("uilogon Work s3cret ALLOW_OTHERS|PASSWORD_UI"),
        "LOGGEDON shared=true profile=Work",
    );
    expect(a.line(), "PROMPTS [Password(\"Work\", 1)]");
    // Joining the shared session asks nothing.
    let mut b = Client::spawn(&fx.home, &fx.socket);
    expect(
        b.cmd("uilogon - - PASSWORD_UI"),
        "LOGGEDON shared=true profile=Work",
    );
    expect(b.line(), "PROMPTS []");
    // The daemon showed nothing: no output, nothing asked on its (null) stdin.
    let log = d.stderr.wait_for("logged on to session");
    assert!(d.stdout.text().is_empty(), "{}", d.stdout.text());
    assert!(
        !log.to_lowercase().contains("password") && !log.contains("s3cret"),
        "{log}"
    );
    assert!(log.contains("logged on to session"), "{log}");
}

#[test]
fn remote_session_reads_the_store() {
    let fx = Fixture::new(None);
    let _d = start_daemon(&fx.home, &fx.socket);
    let link = DaemonLink::new(&fx.home).with_socket(&fx.socket);
    rt().block_on(async {
        let c = link.connect().await.unwrap().expect("the daemon listens");
        c.ping().await.unwrap();
        let s = c
            .logon(LogonRequest::new(None, LogonFlags::MAPI_USE_DEFAULT))
            .await
            .unwrap();
        assert_eq!(s.profile(), "Work");
        assert!(!s.is_shared());
        let stores = s.store_table().await.unwrap();
        let rows = stores.query_rows();
        assert_eq!(rows.len(), 1);
        let entry = match rows[0].get(tags::PR_ENTRYID) {
            Some(mapi_types::PropValue::Binary(b)) => b.clone(),
            other => panic!("{other:?}"),
        };
        let folders = s.folders(&entry).await.unwrap();
        assert!(folders.row_count() >= 5, "{}", folders.row_count());
        let (default, props) = s.open_store(None).await.unwrap();
        assert!(props.str(tags::PR_DISPLAY_NAME).is_some(), "{props:?}");
        assert_eq!(
            default, entry,
            "the engine's default store, by its store-table id"
        );
        let bad = s.folders(b"no such store").await.unwrap_err();
        assert_eq!(bad.status(), Status::MAPI_E_NOT_FOUND);
        let status = s.status_table().await.unwrap();
        assert!(status.row_count() >= 3);
        s.logoff(LogoffFlags::default()).await.unwrap();
        let after = s.status_table().await.unwrap_err();
        assert_eq!(after.status(), Status::MAPI_E_END_OF_SESSION);
        // Nobody listens on another socket: connect says so without starting anything.
        let none = DaemonLink::new(&fx.home)
            .with_socket(fx.dir.path().join("run/none.sock"))
            .connect()
            .await
            .unwrap();
        assert!(none.is_none());
    });
}

#[test]
fn remote_tables_are_bounded_and_released() {
    use mapi_proto::TableKind;
    use mapi_types::{PropTag, Restriction, SortKey};
    let fx = Fixture::new(None);
    let _d = start_daemon(&fx.home, &fx.socket);
    let link = DaemonLink::new(&fx.home).with_socket(&fx.socket);
    rt().block_on(async {
        let c = link.connect().await.unwrap().expect("the daemon listens");
        let s = c
            .logon(LogonRequest::new(None, LogonFlags::MAPI_USE_DEFAULT))
            .await
            .unwrap();
        let stores = s.store_table().await.unwrap();
        let store = stores.query_rows()[0]
            .get(tags::PR_ENTRYID)
            .and_then(|v| v.as_bytes())
            .unwrap()
            .to_vec();
        let folders = s.folders(&store).await.unwrap();
        let inbox = folders
            .full_rows()
            .into_iter()
            .find(|r| r.str(tags::PR_DISPLAY_NAME) == Some("Inbox"))
            .and_then(|r| r.get(tags::PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
            .unwrap();
        let (t, default_columns, all) = s
            .open_table(TableKind::Contents, Some(&store), Some(&inbox), 0)
            .await
            .unwrap();
        assert!(default_columns.contains(&tags::PR_SUBJECT));
        assert!(all.len() >= default_columns.len());
        assert_eq!(s.table_count(t).await.unwrap(), 0);
        let status = |e: mapi_client::ClientError| e.status();
        // Bounds the client-side view enforces hold at the daemon too.
        let keys = vec![SortKey::ascending(tags::PR_SUBJECT); 33];
        let e = s.table_query(t, None, keys).await.unwrap_err();
        assert_eq!(status(e), Status::MAPI_E_TOO_COMPLEX);
        let mv = vec![SortKey::ascending(PropTag(0x8001_101F))];
        assert_eq!(
            status(s.table_query(t, None, mv).await.unwrap_err()),
            Status::MAPI_E_TOO_COMPLEX
        );
        let columns: Vec<PropTag> = (0..2000u32).map(|i| PropTag((i << 16) | 3)).collect();
        let e = s.table_rows(t, 0, 10, &columns).await.unwrap_err();
        assert_eq!(status(e), Status::MAPI_E_TOO_BIG);
        // The local store keeps no attachment rows; recipients it can evaluate.
        let sub = Restriction::Sub {
            object: mapi_types::table::consts::PR_MESSAGE_ATTACHMENTS,
            restriction: Box::new(Restriction::Exist(tags::PR_ATTACH_DATA_BIN)),
        };
        let e = s.table_query(t, Some(sub), vec![]).await.unwrap_err();
        assert_eq!(status(e), Status::MAPI_E_TOO_COMPLEX);
        let sub = Restriction::Sub {
            object: mapi_types::table::consts::PR_MESSAGE_RECIPIENTS,
            restriction: Box::new(Restriction::Exist(tags::PR_EMAIL_ADDRESS)),
        };
        s.table_query(t, Some(sub), vec![]).await.unwrap();
        s.table_query(t, None, vec![]).await.unwrap();
        let e = s
            .open_table(TableKind::Contents, Some(&store), None, 0)
            .await
            .unwrap_err();
        assert_eq!(status(e), Status::MAPI_E_INVALID_PARAMETER);
        let e = s
            .open_table(TableKind::Status, None, None, 0x4)
            .await
            .unwrap_err();
        assert_eq!(status(e), Status::MAPI_E_UNKNOWN_FLAGS);
        // A released or unknown table is gone.
        s.release_table(t);
        // The release is not answered: poll, with a deadline, until it took effect.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            match s.table_count(t).await {
                Err(e) => {
                    assert_eq!(status(e), Status::MAPI_E_INVALID_OBJECT);
                    break;
                }
                Ok(_) => assert!(std::time::Instant::now() < deadline, "never released"),
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(
            status(s.table_count(99).await.unwrap_err()),
            Status::MAPI_E_INVALID_OBJECT
        );
        let (h, _, _) = s
            .open_table(TableKind::Hierarchy, Some(&store), Some(&inbox), 1)
            .await
            .unwrap();
        assert_eq!(s.table_count(h).await.unwrap(), 0);
        s.logoff(LogoffFlags::default()).await.unwrap();
        assert_eq!(
            status(s.table_count(h).await.unwrap_err()),
            Status::MAPI_E_END_OF_SESSION
        );
    });
}

#[test]
fn other_user_gets_no_access() {
    let fx = Fixture::new(None);
    chmod(fx.dir.path(), 0o755);
    let open = fx.dir.path().join("pub");
    std::fs::create_dir(&open).unwrap();
    chmod(&open, 0o755);
    let socket = open.join("mapid.sock");
    let d = start_daemon(&fx.home, &socket);
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", "nobody", "--"])
        .arg(std::env::current_exe().unwrap());
    let mut n = Client::spawn_with(cmd, &fx.home, &socket);
    let status = expect(n.cmd("probe"), "STATUS MAPI_E_NO_ACCESS ");
    assert!(
        status.contains("uid 65534") && status.contains("serves uid 0"),
        "{status}"
    );
    expect(n.line(), "CLOSED yes");
    expect(n.line(), "CLIENT MAPI_E_NO_ACCESS");
    d.stderr.wait_for("refused a connection from uid 65534");
    // The same user still gets in.
    let mut me = Client::spawn(&fx.home, &socket);
    expect(me.cmd("logon Work - 0"), "LOGGEDON");
}

#[test]
fn insecure_socket_dirs_are_refused() {
    let fx = Fixture::new(None);
    let home = fx.home.as_os_str();
    // Mode 0777.
    let wide = fx.dir.path().join("wide");
    std::fs::create_dir(&wide).unwrap();
    chmod(&wide, 0o777);
    let sock = wide.join("mapid.sock");
    let (st, err) = run_mapid(
        &[
            "--foreground".as_ref(),
            "--home".as_ref(),
            home,
            "--socket".as_ref(),
            sock.as_os_str(),
        ],
        &[],
    );
    assert!(!st.success());
    assert!(
        err.contains("MAPI_E_NO_ACCESS")
            && err.contains(&wide.display().to_string())
            && err.contains("0777"),
        "{err}"
    );
    assert!(!sock.exists());
    // Owned by another user.
    let theirs = fx.dir.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    chmod(&theirs, 0o700);
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
    let sock = theirs.join("mapid.sock");
    let (st, err) = run_mapid(
        &[
            "--foreground".as_ref(),
            "--home".as_ref(),
            home,
            "--socket".as_ref(),
            sock.as_os_str(),
        ],
        &[],
    );
    assert!(!st.success());
    assert!(
        err.contains("MAPI_E_NO_ACCESS") && err.contains("owned by uid 65534"),
        "{err}"
    );
    // The default directory must be private: 0755 is refused there.
    // (The runtime dir itself is private: one open to others is not used at all.)
    let xdg = fx.dir.path().join("xdg");
    std::fs::create_dir_all(xdg.join("mapi")).unwrap();
    chmod(&xdg, 0o700);
    chmod(&xdg.join("mapi"), 0o755);
    let (st, err) = run_mapid(
        &["--foreground".as_ref(), "--home".as_ref(), home],
        &[("XDG_RUNTIME_DIR", xdg.as_os_str())],
    );
    assert!(!st.success());
    assert!(err.contains("0755") && err.contains("private"), "{err}");
    // Absent, it is created 0700 and used.
    std::fs::remove_dir(xdg.join("mapi")).unwrap();
    let mut child = Command::new(MAPID)
        .args(["--foreground", "--home"])
        .arg(home)
        .env_remove("MAPI_SOCKET")
        .env("XDG_RUNTIME_DIR", &xdg)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let sock = xdg.join("mapi/mapid.sock");
    let t = std::time::Instant::now();
    while !sock.exists() && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mode = std::fs::metadata(xdg.join("mapi"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    let _ = child.kill();
    let _ = child.wait();
    assert!(sock.exists(), "the daemon listens in the default directory");
    assert_eq!(mode, 0o700);
}

#[test]
fn one_daemon_per_socket() {
    let fx = Fixture::new(None);
    let d = start_daemon(&fx.home, &fx.socket);
    let (st, err) = run_mapid(
        &[
            "--foreground".as_ref(),
            "--home".as_ref(),
            fx.home.as_os_str(),
            "--socket".as_ref(),
            fx.socket.as_os_str(),
        ],
        &[],
    );
    assert_eq!(st.code(), Some(mapi_client::EXIT_ALREADY_RUNNING));
    assert!(
        err.contains("MAPI_E_BUSY") && err.contains(&format!("pid {}", d.pid())),
        "{err}"
    );
    // The pid file names the running daemon.
    let pid = std::fs::read_to_string(fx.socket.with_file_name("mapid.pid")).unwrap();
    assert_eq!(pid.trim(), d.pid().to_string());
}

#[test]
fn daemon_death_ends_sessions_and_a_new_logon_starts_a_new_daemon() {
    let fx = Fixture::new(None);
    assert!(!fx.socket.exists());
    // No daemon yet: the client starts one (detached, its own process group).
    let mut a = Client::spawn(&fx.home, &fx.socket);
    expect(a.cmd("logon Work - ALLOW_OTHERS"), "LOGGEDON shared=true");
    let pid1: i32 = a.cmd("daemonpid")[4..].parse().unwrap();
    let pgid = std::fs::read_to_string(format!("/proc/{pid1}/stat")).unwrap();
    let pgid: i32 = pgid
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(pgid, pid1, "the daemon leads its own process group");
    let pidfile = std::fs::read_to_string(fx.socket.with_file_name("mapid.pid")).unwrap();
    assert_eq!(pidfile.trim(), pid1.to_string());

    rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid1).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    let ended = expect(a.cmd("events 5000"), "ENDED ");
    assert!(ended.contains("daemon"), "{ended}");
    expect(a.cmd("status"), "ERR MAPI_E_END_OF_SESSION");

    // A new logon (another process) starts a new daemon over the stale socket.
    let mut b = Client::spawn(&fx.home, &fx.socket);
    expect(b.cmd("logon Work - ALLOW_OTHERS"), "LOGGEDON shared=true");
    let pid2: i32 = b.cmd("daemonpid")[4..].parse().unwrap();
    assert_ne!(pid1, pid2);
    // And the first client logs on again through it.
    expect(a.cmd("logon - - 0"), "LOGGEDON shared=true");
    expect(a.cmd("daemonpid"), &format!("PID {pid2}"));
    expect(b.cmd("shutdown"), "OK");
    let t = std::time::Instant::now();
    while std::path::Path::new(&format!("/proc/{pid2}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid2}/stat"))
            .unwrap_or_default()
            .contains(") Z")
    {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the started daemon did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!fx.socket.exists());
}

#[test]
fn sigterm_finishes_in_flight_requests_and_logs_off() {
    let fx = Fixture::new(Some("s3cret"));
    let mut d = start_daemon(&fx.home, &fx.socket);
    let mut a = Client::spawn(&fx.home, &fx.socket);
    expect(
        a.cmd("logon Work s3cret ALLOW_OTHERS"),
        "LOGGEDON shared=true",
    );
    // A logon in flight: it waits for a password the client gives when told.
    let mut b = Client::spawn(&fx.home, &fx.socket);
    b.send("slowlogon s3cret NEW_SESSION|PASSWORD_UI");
    expect(b.line(), "PROMPTED");
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(d.pid() as i32).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    // The daemon waits for it (rather than dropping it); then the password is given.
    let t = std::time::Instant::now();
    while !d
        .stderr
        .text()
        .contains("waiting for 1 request(s) in flight")
    {
        assert!(t.elapsed() < Duration::from_secs(10), "{}", d.stderr.text());
        std::thread::sleep(Duration::from_millis(10));
    }
    b.send("answer");
    // The in-flight logon completes, then its session is ended by the shutdown.
    expect(b.line(), "LOGGEDON shared=false profile=Work");
    expect(
        b.cmd("events 5000"),
        "ENDED the MAPI daemon is shutting down",
    );
    expect(
        a.cmd("events 5000"),
        "ENDED the MAPI daemon is shutting down",
    );
    let st = d.wait_exit(Duration::from_secs(15));
    assert!(st.success(), "{st}");
    let log = d.stderr.wait_for("stopped; logged off");
    assert!(log.contains("SIGTERM received"), "{log}");
    assert!(log.contains("waiting for 1 request(s) in flight"), "{log}");
    assert!(
        log.contains("stopped; logged off 2 session handle(s)"),
        "{log}"
    );
    assert!(!fx.socket.exists(), "socket removed");
    assert!(
        !fx.socket.with_file_name("mapid.pid").exists(),
        "pid file removed"
    );
    expect(a.cmd("status"), "ERR MAPI_E_END_OF_SESSION");
    assert!(fx.exclusive_logon_succeeds());
}

#[test]
fn version_mismatch_names_both_versions() {
    let fx = Fixture::new(None);
    let _d = start_daemon(&fx.home, &fx.socket);
    rt().block_on(async {
        let e = Connection::open_with_version(&fx.socket, "future-client", PROTOCOL_VERSION + 1)
            .await
            .unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_VERSION);
        let text = e.to_string();
        let both = format!(
            "client speaks protocol {}, daemon speaks protocol {}",
            PROTOCOL_VERSION + 1,
            PROTOCOL_VERSION
        );
        assert!(text.contains(&both), "{text}");
        // The right version still connects.
        let c = Connection::open(&fx.socket, "ok").await.unwrap().unwrap();
        c.ping().await.unwrap();
    });
}

#[test]
fn shutdown_request_stops_the_daemon() {
    let fx = Fixture::new(None);
    let mut d = start_daemon(&fx.home, &fx.socket);
    rt().block_on(async {
        let link = DaemonLink::new(&fx.home).with_socket(&fx.socket);
        let c = link.connect().await.unwrap().unwrap();
        assert_eq!(c.daemon_pid(), d.pid());
        let s = c
            .logon(LogonRequest::new(
                Some("Work"),
                LogonFlags::MAPI_ALLOW_OTHERS,
            ))
            .await
            .unwrap();
        let mut ev = s.events();
        c.shutdown_daemon().await.unwrap();
        match tokio::time::timeout(Duration::from_secs(5), ev.recv()).await {
            Ok(Some(Notification::SessionEnded { reason, .. })) => {
                assert_eq!(reason, mapi_daemon_reason())
            }
            other => panic!("{other:?}"),
        }
        let e = s.status_table().await.unwrap_err();
        assert_eq!(e.status(), Status::MAPI_E_END_OF_SESSION);
    });
    assert!(d.wait_exit(Duration::from_secs(15)).success());
    assert!(!fx.socket.exists());
}

fn mapi_daemon_reason() -> &'static str {
    "the MAPI daemon is shutting down"
}

#[test]
fn detached_start_returns_once_listening() {
    let fx = Fixture::new(None);
    let out = Command::new(MAPID)
        .arg("--home")
        .arg(&fx.home)
        .arg("--socket")
        .arg(&fx.socket)
        .env_remove("MAPI_SOCKET")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let pid: i32 = text
        .strip_prefix("mapid running (pid ")
        .and_then(|t| t.split(')').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    // It outlived its starter, listens, and leads its own process group.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let pgid: i32 = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(pgid, pid);
    rt().block_on(async {
        let c = Connection::open(&fx.socket, "t")
            .await
            .unwrap()
            .expect("listening");
        assert_eq!(c.daemon_pid() as i32, pid);
        // Starting again finds it running and returns at once.
        let again = Command::new(MAPID)
            .arg("--home")
            .arg(&fx.home)
            .arg("--socket")
            .arg(&fx.socket)
            .output()
            .unwrap();
        assert!(again.status.success());
        assert!(String::from_utf8_lossy(&again.stdout).contains(&format!("pid {pid}")));
        c.shutdown_daemon().await.unwrap();
    });
    let t = std::time::Instant::now();
    while fx.socket.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the daemon did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
