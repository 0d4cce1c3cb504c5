//! Cross-process change latency: a second process imports one message at a time into
//! the store file; this process's change listener receives its `NewMail`. Prints the
//! median and p99 of (report received - message written), both clocks being this
//! machine's. Issue 10's target: median <= 50 ms.
//!
//! `cargo bench -p mapi-provider-local --bench changes [-- ROUNDS]` (default 200).
//! The writer is this benchmark binary again, with `MAPI_CHANGES_BENCH_WRITER` set: it
//! writes one message per line it reads on stdin (ping-pong, no timed waits).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use mapi_spi::{ChangeKind, ChangeListener, FolderKind, MsgStore, StoreChange};
use mapi_types::tags;

const WRITER_ENV: &str = "MAPI_CHANGES_BENCH_WRITER";

fn now_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros()
}

fn writer(path: &str) {
    let store = block_on(logon(path));
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let mut out = std::io::stdout();
    writeln!(out, "READY").unwrap();
    out.flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
        let msg = format!(
            "From: a@example.org\r\nTo: b@example.org\r\nSubject: t{}\r\n\
             Date: Tue, 06 Feb 2024 10:00:00 +0000\r\n\r\nbody\r\n",
            now_micros()
        );
        block_on(store.import_raw(&inbox, vec![msg.into_bytes()])).unwrap();
    }
    block_on(store.logoff());
}

struct Forward(Mutex<Sender<StoreChange>>);

impl ChangeListener for Forward {
    fn on_changes(&self, changes: &[StoreChange]) {
        let tx = self.0.lock().unwrap();
        for c in changes.iter().filter(|c| c.kind == ChangeKind::NewMail) {
            let _ = tx.send(c.clone());
        }
    }
}

fn main() {
    if let Ok(path) = std::env::var(WRITER_ENV) {
        writer(&path);
        return;
    }
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    create(&path);
    let store = block_on(logon(path.to_str().unwrap()));
    let (tx, rx) = mpsc::channel();
    let _sub = store
        .subscribe_changes(Arc::new(Forward(Mutex::new(tx))))
        .unwrap()
        .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(WRITER_ENV, &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut ready = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "READY");
    let mut lat = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        writeln!(stdin, "go").unwrap();
        stdin.flush().unwrap();
        let c = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no report within 30 s");
        let got = now_micros();
        let row = block_on(store.read_message(&c.entry)).unwrap();
        let sent: u128 = row.str(tags::PR_SUBJECT).unwrap()[1..].parse().unwrap();
        lat.push(got.saturating_sub(sent));
    }
    drop(stdin);
    child.wait().unwrap();
    lat.sort_unstable();
    let ms = |us: u128| us as f64 / 1000.0;
    println!(
        "cross-process change -> listener, {rounds} rounds: median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(lat[lat.len() / 2]),
        ms(lat[(lat.len() * 99 / 100).min(lat.len() - 1)]),
        ms(*lat.last().unwrap())
    );
    block_on(store.logoff());
}

fn create(path: &std::path::Path) {
    use mapi_spi::{MessageService, ServiceEntryCall};
    let mut s = mapi_spi::Settings::new();
    s.set(
        "path",
        mapi_types::PropValue::Unicode(path.display().to_string()),
    );
    mapi_provider_local::LocalStoreService
        .service_entry(ServiceEntryCall::Create, &s)
        .unwrap();
}

async fn logon(path: &str) -> Arc<dyn MsgStore> {
    use mapi_spi::MessageService;
    let mut s = mapi_spi::Settings::new();
    s.set("path", mapi_types::PropValue::Unicode(path.into()));
    mapi_provider_local::LocalStoreService
        .store_logon(Arc::new(BenchSupport(s, Mutex::new(Vec::new()))))
        .await
        .unwrap()
}
