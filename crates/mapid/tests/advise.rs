//! Advise through a real `mapid`: events reach every client of a shared session,
//! connection numbers belong to the handle that got them (`MAPI_E_NOT_FOUND`
//! otherwise), `MAPI_LOGOFF_SHARED` tells every other client (session shutdown,
//! fnevExtended) before its session ends, and a client that never reads is dropped with
//! one log line while the others keep receiving and the daemon's memory stays bounded.
//! Waits are on events and log lines, with deadlines.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{Fixture, start_daemon};
use mapi_client::{AdviseTarget, Connection, EventSink, FolderOp, LogonRequest, RemoteSession};
use mapi_proto::{
    ClientHandshake, FrameDecoder, Message, Request, RequestBody, Response, ResponseBody,
};
use mapi_types::notify::{EXT_SESSION_SHUTDOWN, fnev};
use mapi_types::{LogoffFlags, LogonFlags, MapiStatus, Notification, Status, tags};

const DEADLINE: Duration = Duration::from_secs(30);

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn chan() -> (EventSink, Receiver<Notification>) {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let sink: EventSink = Arc::new(move |ns: &[Notification]| {
        let tx = tx.lock().unwrap();
        for n in ns {
            let _ = tx.send(n.clone());
        }
    });
    (sink, rx)
}

fn until(rx: &Receiver<Notification>, want: impl Fn(&Notification) -> bool) -> Notification {
    let end = Instant::now() + DEADLINE;
    loop {
        match rx.recv_timeout(end.saturating_duration_since(Instant::now())) {
            Ok(n) if want(&n) => return n,
            Ok(_) => {}
            Err(_) => panic!("no matching notification within {DEADLINE:?}"),
        }
    }
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: ann@example.org\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nBody.\r\n"
    )
    .into_bytes()
}

async fn join(socket: &std::path::Path, program: &str) -> (Connection, RemoteSession) {
    let c = Connection::open(socket, program)
        .await
        .unwrap()
        .expect("the daemon listens");
    let s = c
        .logon(LogonRequest::new(
            Some("Work"),
            LogonFlags::MAPI_ALLOW_OTHERS,
        ))
        .await
        .unwrap();
    assert!(s.is_shared());
    (c, s)
}

async fn inbox(s: &RemoteSession, store: &[u8]) -> Vec<u8> {
    s.folders(store)
        .await
        .unwrap()
        .full_rows()
        .into_iter()
        .find(|r| r.str(tags::PR_DISPLAY_NAME) == Some("Inbox"))
        .and_then(|r| r.get(tags::PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
        .unwrap()
}

#[test]
fn events_reach_every_client_and_logoff_shared_ends_them_all() {
    let fx = Fixture::new(None);
    let d = start_daemon(&fx.home, &fx.socket);
    rt().block_on(async {
        let mut clients = Vec::new();
        for i in 0..3 {
            let (c, s) = join(&fx.socket, &format!("client-{i}")).await;
            let (store, _) = s.open_store(None).await.unwrap();
            let (ext, ext_rx) = chan();
            let c_session = s
                .advise(AdviseTarget::Session { entry: None }, fnev::EXTENDED, ext)
                .await
                .unwrap();
            let (mail, mail_rx) = chan();
            let target = AdviseTarget::Store {
                store: store.clone(),
                entry: None,
            };
            let c_store = s
                .advise(target, fnev::NEW_MAIL | fnev::OBJECT_CREATED, mail)
                .await
                .unwrap();
            assert_ne!(c_session, c_store);
            clients.push((c, s, store, c_session, c_store, ext_rx, mail_rx));
        }
        // Numbers are unique in the shared session and belong to their handle.
        let mut all: Vec<u32> = clients.iter().flat_map(|c| [c.3, c.4]).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 6, "{all:?}");
        let (_, s0, store, _, c0_store, ..) = &clients[0];
        let (_, s1, ..) = &clients[1];
        for (who, conn) in [(s1, *c0_store), (s0, 999_999)] {
            let e = who.unadvise(conn).await.unwrap_err();
            assert_eq!(e.status(), Status::MAPI_E_NOT_FOUND, "{e}");
        }
        let bad = s0
            .advise(
                AdviseTarget::Session { entry: None },
                fnev::TABLE_MODIFIED,
                chan().0,
            )
            .await
            .unwrap_err();
        assert_eq!(bad.status(), Status::MAPI_E_NO_SUPPORT, "{bad}");
        let not_contents = s0
            .advise(
                AdviseTarget::Table { table: 12345 },
                fnev::TABLE_MODIFIED,
                chan().0,
            )
            .await
            .unwrap_err();
        assert_eq!(not_contents.status(), Status::MAPI_E_INVALID_OBJECT);

        // One change, every client's sink.
        let folder = inbox(s0, store).await;
        let ids = s0
            .import_raw(store, &folder, vec![message("for everyone")])
            .await
            .unwrap();
        for (.., mail_rx) in &clients {
            let n = until(mail_rx, |n| matches!(n, Notification::NewMail(_)));
            let Notification::NewMail(m) = n else {
                unreachable!()
            };
            assert_eq!(m.entry, ids[0]);
            assert_eq!(m.parent, folder);
            assert_eq!(m.message_class, "IPM.Note");
        }

        // Unadvise stops one client's store sink; the others still get events.
        let (_, s2, _, _, c2_store, _, mail2) = &clients[2];
        s2.unadvise(*c2_store).await.unwrap();
        assert_eq!(
            s2.unadvise(*c2_store).await.unwrap_err().status(),
            Status::MAPI_E_NOT_FOUND
        );
        s0.import_raw(store, &folder, vec![message("second")])
            .await
            .unwrap();
        until(&clients[1].6, |n| matches!(n, Notification::NewMail(_)));
        // Client 1 got it, so the daemon's notification thread is past it for all.
        let _ = until(&clients[0].6, |n| matches!(n, Notification::NewMail(_)));
        assert!(mail2.try_recv().is_err(), "called after Unadvise");

        // MAPI_LOGOFF_SHARED by client 0: the others get the shutdown, then the end.
        let (_, s0, ..) = clients.remove(0);
        s0.logoff(LogoffFlags::MAPI_LOGOFF_SHARED).await.unwrap();
        for (_, s, _, c_session, _, ext_rx, _) in &clients {
            let n = until(ext_rx, |n| matches!(n, Notification::Extended(_)));
            let Notification::Extended(x) = n else {
                unreachable!()
            };
            assert_eq!(x.event, EXT_SESSION_SHUTDOWN);
            assert!(!x.params.is_empty());
            let end = Instant::now() + DEADLINE;
            while s.ended().is_none() {
                assert!(Instant::now() < end, "the session did not end");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            // Its registrations went with the session.
            assert_eq!(
                s.unadvise(*c_session).await.unwrap_err().status(),
                Status::MAPI_E_END_OF_SESSION
            );
        }
    });
    drop(d);
}

/// A raw client: handshake, logon to the shared session, Advise on the default store,
/// over a blocking socket this test then stops reading.
struct Raw {
    sock: UnixStream,
    dec: FrameDecoder,
    next: u32,
}

impl Raw {
    fn connect(socket: &std::path::Path) -> Raw {
        let mut sock = UnixStream::connect(socket).unwrap();
        sock.set_read_timeout(Some(DEADLINE)).unwrap();
        let (mut hs, hello) = ClientHandshake::start(std::process::id(), "never-reads");
        sock.write_all(&hello.to_frame().unwrap()).unwrap();
        let mut raw = Raw {
            sock,
            dec: FrameDecoder::new(),
            next: 1,
        };
        let welcome = raw.read();
        hs.receive(&welcome).unwrap();
        raw
    }

    fn read(&mut self) -> Message {
        let mut buf = [0u8; 4096];
        loop {
            if let Some(f) = self.dec.next_frame().unwrap() {
                return Message::decode(&f).unwrap();
            }
            let n = self.sock.read(&mut buf).unwrap();
            assert!(n > 0, "the daemon closed the connection");
            self.dec.push(&buf[..n]);
        }
    }

    fn call(&mut self, body: RequestBody) -> ResponseBody {
        let id = self.next;
        self.next += 1;
        let frame = Message::Request(Request { id, body }).to_frame().unwrap();
        self.sock.write_all(&frame).unwrap();
        loop {
            if let Message::Response(Response { id: got, body }) = self.read()
                && got == id
            {
                return body;
            }
        }
    }
}

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_client_that_never_reads_is_dropped_and_the_others_keep_receiving() {
    let fx = Fixture::new(None);
    let d = start_daemon(&fx.home, &fx.socket);
    rt().block_on(async {
        let (_c, s) = join(&fx.socket, "reader").await;
        let (store, _) = s.open_store(None).await.unwrap();
        let folder = inbox(&s, &store).await;
        let ids = s
            .import_raw(&store, &folder, vec![message("toggled")])
            .await
            .unwrap();

        let mut raw = Raw::connect(&fx.socket);
        let session = match raw.call(RequestBody::Logon {
            profile: Some("Work".into()),
            password: None,
            flags: LogonFlags::MAPI_ALLOW_OTHERS.bits(),
            ui: false,
            program: "never-reads".into(),
        }) {
            ResponseBody::LoggedOn { session, .. } => session,
            other => panic!("{other:?}"),
        };
        let advised = raw.call(RequestBody::Advise {
            session,
            target: AdviseTarget::Store {
                store: store.clone(),
                entry: None,
            },
            mask: fnev::OBJECT_MODIFIED,
        });
        assert!(matches!(advised, ResponseBody::Advised(_)), "{advised:?}");
        // From here on the raw client reads nothing.

        let (sink, rx) = chan();
        s.advise(
            AdviseTarget::Store {
                store: store.clone(),
                entry: None,
            },
            fnev::OBJECT_MODIFIED,
            sink,
        )
        .await
        .unwrap();
        let toggle = |i: u32| FolderOp::SetReadFlags {
            folder: folder.clone(),
            messages: Some(ids.clone()),
            flags: if i.is_multiple_of(2) {
                0
            } else {
                mapi_types::folder::CLEAR_READ_FLAG
            },
        };
        let rss_before = vm_rss_kib(d.pid());
        let mut i = 0u32;
        let mut received = 0usize;
        while !d.stderr.text().contains("stopped reading") {
            assert!(i < 100_000, "the silent client was never dropped");
            s.folder(&store, toggle(i)).await.unwrap();
            i += 1;
            while rx.try_recv().is_ok() {
                received += 1;
            }
        }
        assert!(received > 0, "the reading client got events meanwhile");
        let log = d.stderr.text();
        assert_eq!(
            log.matches("stopped reading").count(),
            1,
            "one log line:\n{log}"
        );
        assert!(log.contains("never-reads"), "{log}");

        // The others keep receiving: more changes, each announced to the reader.
        for j in 0..20 {
            s.folder(&store, toggle(i + j)).await.unwrap();
            until(&rx, |n| matches!(n, Notification::ObjectModified(_)));
        }
        // The silent client's connection is closed: what is in its socket, then EOF.
        let mut buf = vec![0u8; 64 * 1024];
        let end = Instant::now() + DEADLINE;
        loop {
            match raw.sock.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => assert!(Instant::now() < end, "no end of stream"),
                Err(e) => panic!("{e}"),
            }
        }
        // Its handle went with it (and with the handle its registration).
        d.stderr
            .wait_for("(never-reads) disconnected; logged off 1 session handle(s)");
        // Its queue was freed: the daemon is not holding what it could not send.
        let rss_after = vm_rss_kib(d.pid());
        assert!(
            rss_after < rss_before + 64 * 1024,
            "VmRSS {rss_before} KiB -> {rss_after} KiB"
        );
        s.logoff(LogoffFlags::default()).await.unwrap();
    });
    drop(d);
}
