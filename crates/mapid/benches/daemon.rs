//! Daemon figures with a real `mapid` process (build it first:
//! `cargo build --release -p mapid`; the bench looks for it next to its own `deps`
//! directory, or takes `MAPID_BIN`):
//! - attach: a new client joining an existing shared session (connect, handshake,
//!   logon; then logoff and close), median and p99 over many runs;
//! - 200 concurrent clients issuing status-table requests on one shared session: errors,
//!   p50 / p99 latency, throughput;
//! - the daemon's idle resident memory (VmRSS).
//!
//! Run: `cargo bench -p mapid --bench daemon`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mapi_client::DaemonLink;
use mapi_engine::{Engine, EngineConfig, LogonRequest};
use mapi_types::{LogoffFlags, LogonFlags};

const CLIENTS: usize = 200;
const REQUESTS_PER_CLIENT: usize = 50;
const ATTACH_RUNS: usize = 2000;

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

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Attach timings: (connect+handshake+logon, connect+handshake), sorted.
async fn measure_attach(link: &DaemonLink) -> (Vec<Duration>, Vec<Duration>) {
    let mut attach = Vec::with_capacity(ATTACH_RUNS);
    let mut handshake = Vec::with_capacity(ATTACH_RUNS);
    for _ in 0..ATTACH_RUNS {
        let t = Instant::now();
        let c = link.connect().await.unwrap().unwrap();
        handshake.push(t.elapsed());
        let s = c
            .logon(LogonRequest::new(None, LogonFlags::default()))
            .await
            .unwrap();
        attach.push(t.elapsed());
        assert!(s.is_shared());
        s.logoff(LogoffFlags::default()).await.unwrap();
    }
    attach.sort();
    handshake.sort();
    (attach, handshake)
}

fn main() {
    // `cargo bench` passes `--bench`; a test run (`cargo test --benches`) passes nothing
    // of the sort and only checks that the bench starts.
    let bin = mapid();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let socket = run.join("mapid.sock");
    make_home(&home);
    let mut daemon: Child = Command::new(&bin)
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
    let pid = daemon.id();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let link = DaemonLink::new(&home).with_socket(&socket);

    rt.block_on(async {
        // Idle memory: after start, and again with the shared session open and idle.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let rss_start = vm_rss_kib(pid);

        let owner = link.connect().await.unwrap().unwrap();
        let shared = owner
            .logon(LogonRequest::new(Some("Bench"), LogonFlags::MAPI_ALLOW_OTHERS))
            .await
            .unwrap();
        assert!(shared.is_shared());

        // Attach: connect + handshake + logon (joins the shared session), from a
        // single-threaded client (as a CLI or a blocking facade runs).
        let attach_link = link.clone();
        let (attach, handshake) = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(measure_attach(&attach_link))
        })
        .join()
        .unwrap();
        println!(
            "attach to the shared session (connect+handshake+logon), {ATTACH_RUNS} runs: median {:?}, p99 {:?} (connect+handshake alone: median {:?})",
            percentile(&attach, 0.5),
            percentile(&attach, 0.99),
            percentile(&handshake, 0.5)
        );
                // 200 concurrent clients on the shared session.
        let mut sessions = Vec::new();
        for _ in 0..CLIENTS {
            let c = link.connect().await.unwrap().unwrap();
            sessions.push(Arc::new(c.logon(LogonRequest::new(None, LogonFlags::default())).await.unwrap()));
        }
        let start = Instant::now();
        let mut tasks = Vec::new();
        for s in &sessions {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::with_capacity(REQUESTS_PER_CLIENT);
                let mut errors = 0;
                for _ in 0..REQUESTS_PER_CLIENT {
                    let t = Instant::now();
                    match s.status_table().await {
                        Ok(tb) if tb.row_count() >= 3 => {}
                        _ => errors += 1,
                    }
                    lat.push(t.elapsed());
                }
                (lat, errors)
            }));
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (lat, e) = t.await.unwrap();
            all.extend(lat);
            errors += e;
        }
        let wall = start.elapsed();
        all.sort();
        println!(
            "{CLIENTS} concurrent clients x {REQUESTS_PER_CLIENT} status-table requests: {} errors, p50 {:?}, p99 {:?}, {:.0} requests/s",
            errors,
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            all.len() as f64 / wall.as_secs_f64()
        );
        assert_eq!(errors, 0);
        for s in &sessions {
            s.logoff(LogoffFlags::default()).await.unwrap();
        }
        drop(sessions);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rss_idle = vm_rss_kib(pid);
        println!(
            "daemon VmRSS: {:.1} MiB idle after start, {:.1} MiB idle with the shared session open after the load",
            rss_start as f64 / 1024.0,
            rss_idle as f64 / 1024.0
        );
        owner.shutdown_daemon().await.unwrap();
    });
    let _ = daemon.wait();
}
