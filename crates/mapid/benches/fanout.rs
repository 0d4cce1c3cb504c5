//! Advise fan-out with a real `mapid` process: one change in the shared session's store,
//! its `fnevObjectModified` pushed to 200 daemon clients, each with a store Advise; the
//! latency from the change's request being sent to each client's sink being called,
//! median and p99 over every client and round. Prints figures; times nothing in a test.
//!
//! Build `mapid` first (`cargo build --release -p mapid`; the bench looks for it next to
//! its own `deps` directory, or takes `MAPID_BIN`), then
//! `cargo bench -p mapid --bench fanout`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mapi_client::{AdviseTarget, DaemonLink, EventSink, FolderOp, LogonRequest};
use mapi_engine::{Engine, EngineConfig};
use mapi_types::notify::fnev;
use mapi_types::{LogoffFlags, LogonFlags, Notification, tags};

const CLIENTS: usize = 200;
const ROUNDS: usize = 50;

fn mapid() -> PathBuf {
    if let Some(p) = std::env::var_os("MAPID_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap();
    for cand in [dir.join("mapid"), dir.join("../mapid")] {
        if cand.is_file() {
            return cand;
        }
    }
    eprintln!(
        "mapid not found next to {}: run `cargo build --release -p mapid` first, or set MAPID_BIN",
        dir.display()
    );
    std::process::exit(2);
}

fn make_home(home: &Path) {
    let e = Engine::new(EngineConfig::new(home), mapi::catalog::catalog()).unwrap();
    e.initialize().unwrap();
    e.with_store(|s| Ok(s.create_profile("Bench", None).map(|_| ())?))
        .unwrap();
    e.create_service(
        "Bench",
        "local-store",
        Some("Personal Folders"),
        &[(
            "path".into(),
            home.join("bench.store").display().to_string(),
        )],
    )
    .unwrap();
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let bin = mapid();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let socket = run.join("mapid.sock");
    make_home(&home);
    let mut daemon = Command::new(&bin)
        .args(["--foreground", "--home"])
        .arg(&home)
        .arg("--socket")
        .arg(&socket)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let link = DaemonLink::new(&home).with_socket(&socket);
    rt.block_on(async {
        let owner = link.connect().await.unwrap().unwrap();
        let shared = owner
            .logon(LogonRequest::new(Some("Bench"), LogonFlags::MAPI_ALLOW_OTHERS))
            .await
            .unwrap();
        let (store, _) = shared.open_store(None).await.unwrap();
        let inbox = shared
            .folders(&store)
            .await
            .unwrap()
            .full_rows()
            .into_iter()
            .find(|r| r.str(tags::PR_DISPLAY_NAME) == Some("Inbox"))
            .and_then(|r| r.get(tags::PR_ENTRYID)?.as_bytes().map(<[u8]>::to_vec))
            .unwrap();
        let raw = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: fan-out\r\n\r\nHi.\r\n";
        let ids = shared
            .import_raw(&store, &inbox, vec![raw.to_vec()])
            .await
            .unwrap();

        // 200 clients, each on its own connection, each with a store Advise whose sink
        // sends the time it was called.
        let (tx, rx) = mpsc::channel::<Instant>();
        let mut clients = Vec::new();
        for _ in 0..CLIENTS {
            let c = link.connect().await.unwrap().unwrap();
            let s = c
                .logon(LogonRequest::new(Some("Bench"), LogonFlags::MAPI_ALLOW_OTHERS))
                .await
                .unwrap();
            let tx = Mutex::new(tx.clone());
            let sink: EventSink = Arc::new(move |ns: &[Notification]| {
                let at = Instant::now();
                if ns.iter().any(|n| matches!(n, Notification::ObjectModified(_))) {
                    let _ = tx.lock().unwrap().send(at);
                }
            });
            let target = AdviseTarget::Store {
                store: store.clone(),
                entry: None,
            };
            s.advise(target, fnev::OBJECT_MODIFIED, sink).await.unwrap();
            clients.push((c, s));
        }
        let mut all = Vec::with_capacity(CLIENTS * ROUNDS);
        let mut last = Vec::with_capacity(ROUNDS);
        let mut answered = Vec::with_capacity(ROUNDS);
        for round in 0..ROUNDS {
            let t0 = Instant::now();
            shared
                .folder(
                    &store,
                    FolderOp::SetReadFlags {
                        folder: inbox.clone(),
                        messages: Some(ids.clone()),
                        flags: if round.is_multiple_of(2) {
                            0
                        } else {
                            mapi_types::folder::CLEAR_READ_FLAG
                        },
                    },
                )
                .await
                .unwrap();
            answered.push(t0.elapsed());
            let mut slowest = Duration::ZERO;
            for _ in 0..CLIENTS {
                let at = rx
                    .recv_timeout(Duration::from_secs(30))
                    .expect("every client's sink is called");
                let d = at.saturating_duration_since(t0);
                slowest = slowest.max(d);
                all.push(d);
            }
            last.push(slowest);
        }
        all.sort();
        last.sort();
        answered.sort();
        println!(
            "one fnevObjectModified fanned out to {CLIENTS} daemon clients, {ROUNDS} rounds: \
             change request sent -> sink called: median {:?}, p99 {:?}; last client per round: median {:?}, max {:?}",
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            percentile(&last, 0.5),
            last[last.len() - 1]
        );
        println!(
            "the change itself (SetReadFlags request answered): median {:?}",
            percentile(&answered, 0.5)
        );
        for (_, s) in &clients {
            s.logoff(LogoffFlags::default()).await.unwrap();
        }
        owner.shutdown_daemon().await.unwrap();
    });
    let _ = daemon.wait();
}
