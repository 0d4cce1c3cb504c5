//! Issue 10's IMAP figures through the engine, against the test harness's real
//! Dovecot:
//! 1. **APPEND -> sink**: another client (Python's imaplib, one long-lived process)
//!    APPENDs one message at a time to alice's Inbox, putting the wall-clock time just
//!    before the APPEND in the subject; this process's session, watching the store with
//!    IDLE, has its `fnevNewMail` sink called. Prints the median and p99 of (sink called
//!    - APPEND started). Target: median <= 200 ms.
//! 2. **Idle wake-ups**: then the logged-on session (IDLE waiting, nothing happening)
//!    is left alone for a while (60 s by default) and every thread's context switches
//!    (voluntary + nonvoluntary, from `/proc/self/task/*/status`) are counted, per
//!    thread name. A voluntary switch is a sleep ended by a wake-up. Target: at most
//!    about one wake-up a minute from our code (the main thread's one sleep counts
//!    one).
//!
//! `cargo bench -p mapi-engine --bench imap_push [-- ROUNDS [IDLE_SECONDS]]`
//! (defaults 50 and 60). Needs Dovecot and python3 (see `mapi-test-support`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mapi_engine::{AdviseSink, Engine, EngineConfig, LogonRequest};
use mapi_test_support::{MailStack, Options};
use mapi_types::notify::fnev;
use mapi_types::{LogoffFlags, LogonFlags, Notification, tags};

fn now_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros()
}

struct NewMail(Mutex<Sender<(u128, Vec<u8>)>>);

impl AdviseSink for NewMail {
    fn on_notify(&self, ns: &[Notification]) {
        let at = now_micros();
        let tx = self.0.lock().unwrap();
        for n in ns {
            if let Notification::NewMail(m) = n {
                let _ = tx.send((at, m.entry.clone()));
            }
        }
    }
}

/// Context switches of every thread of this process, by thread name.
fn switches() -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for t in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
        let status = std::fs::read_to_string(t.path().join("status")).unwrap_or_default();
        let n: u64 = status
            .lines()
            .filter(|l| l.starts_with("voluntary_ctxt_switches") || l.starts_with("nonvoluntary"))
            .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
            .sum();
        let name = format!("{} ({})", comm.trim(), t.file_name().to_string_lossy());
        out.insert(name, n);
    }
    out
}

const INJECTOR: &str = r#"
import imaplib, sys, time
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
m.login('alice', 'alice-pw-1')
print('READY', flush=True)
for line in sys.stdin:
    t = int(time.time() * 1e6)
    msg = ('From: bob@localhost\r\nTo: alice@localhost\r\nSubject: t%d\r\n\r\nhi\r\n' % t).encode()
    m.append('INBOX', None, None, msg)
    print('DONE', flush=True)
m.logout()
"#;

/// The server's own part: a bare IDLE connection, how long from starting an APPEND on
/// another connection to the `* n EXISTS` it is sent (Python on both ends).
const BASELINE: &str = r#"
import imaplib, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
a = imaplib.IMAP4('127.0.0.1', port); a.login('alice', 'alice-pw-1'); a.select('INBOX')
b = imaplib.IMAP4('127.0.0.1', port); b.login('alice', 'alice-pw-1')
lat = []
for i in range(n):
    tag = a._new_tag().decode()
    a.send(('%s IDLE\r\n' % tag).encode())
    while not a.readline().startswith(b'+'):
        pass
    t = time.time()
    b.append('INBOX', None, None, b'From: bob@localhost\r\nSubject: base\r\n\r\nhi\r\n')
    while b'EXISTS' not in a.readline():
        pass
    lat.append(time.time() - t)
    a.send(b'DONE\r\n')
    while not a.readline().startswith(tag.encode()):
        pass
lat.sort()
print('%.2f %.2f' % (lat[len(lat) // 2] * 1000, lat[-1] * 1000))
"#;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<u64>().ok());
    let rounds = args.next().unwrap_or(50) as usize;
    let idle_secs = args.next().unwrap_or(60);
    let stack = MailStack::start(Options {
        max_userip_connections: 20,
        ..Options::default()
    })
    .unwrap_or_else(|e| panic!("cannot start Dovecot: {e}"));
    let plain_port: u16 = stack
        .settings("alice", "none", "tls")
        .str("imap_port")
        .unwrap()
        .parse()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut catalog = mapi_spi::ProviderCatalog::new();
    mapi_provider_internet::register(&mut catalog);
    let engine = Engine::new(EngineConfig::new(home.path()), catalog).unwrap();
    engine.initialize().unwrap();
    engine
        .with_store(|s| Ok(s.create_profile("P", None).map(|_| ())?))
        .unwrap();
    let settings: Vec<(String, String)> = stack
        .settings("alice", "tls", "tls")
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    engine
        .create_service("P", "internet-mail", Some("Net"), &settings)
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let s = rt
        .block_on(engine.logon(LogonRequest::new(
            Some("P"),
            LogonFlags::MAPI_NEW_SESSION | LogonFlags::MAPI_FORCE_DOWNLOAD,
        )))
        .unwrap();
    let (store_id, store) = s.default_store_entry().unwrap();
    let (tx, rx) = mpsc::channel();
    rt.block_on(s.advise_store(
        &store_id,
        None,
        fnev::NEW_MAIL,
        Arc::new(NewMail(Mutex::new(tx))),
    ))
    .unwrap();

    let mut py = Command::new("python3")
        .arg("-c")
        .arg(INJECTOR)
        .arg(plain_port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = py.stdin.take().unwrap();
    let mut out = BufReader::new(py.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "READY");
    let mut lat = Vec::with_capacity(rounds);
    // One warm-up round (the watcher may still be connecting), then the measured ones.
    for round in 0..=rounds {
        writeln!(stdin, "go").unwrap();
        stdin.flush().unwrap();
        line.clear();
        out.read_line(&mut line).unwrap();
        let (at, entry) = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("no fnevNewMail within 60 s");
        let row = rt.block_on(store.read_message(&entry)).unwrap();
        let subject = row.str(tags::PR_SUBJECT).unwrap_or_default().to_string();
        let sent: u128 = subject[1..].parse().unwrap();
        if round > 0 {
            lat.push(at.saturating_sub(sent));
        }
    }
    drop(stdin);
    let _ = py.wait();
    let base = Command::new("python3")
        .arg("-c")
        .arg(BASELINE)
        .arg(plain_port.to_string())
        .arg("20")
        .output()
        .expect("python3");
    let base = String::from_utf8_lossy(&base.stdout).to_string();
    let mut base = base.split_whitespace();
    println!(
        "Dovecot alone (bare IDLE connection, APPEND started -> * EXISTS), 20 rounds: \
         median {} ms, max {} ms",
        base.next().unwrap_or("?"),
        base.next().unwrap_or("?")
    );
    lat.sort_unstable();
    let ms = |us: u128| us as f64 / 1000.0;
    println!(
        "IMAP APPEND (imaplib) -> fnevNewMail sink through IDLE, {rounds} rounds: \
         median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        ms(lat[lat.len() / 2]),
        ms(lat[(lat.len() * 99 / 100).min(lat.len() - 1)]),
        ms(*lat.last().unwrap())
    );

    // Let the last round's work finish, then count wake-ups while nothing happens.
    std::thread::sleep(Duration::from_secs(2));
    let before = switches();
    std::thread::sleep(Duration::from_secs(idle_secs));
    let after = switches();
    let mut total = 0;
    println!("context switches per thread over {idle_secs} s idle (IDLE waiting):");
    for (name, n) in &after {
        let d = n - before.get(name).copied().unwrap_or(0);
        total += d;
        if d > 0 {
            println!("  {name}: {d}");
        }
    }
    println!(
        "whole process: {total} context switches in {idle_secs} s ({} threads; the main \
         thread's own sleep is one)",
        after.len()
    );
    rt.block_on(s.logoff(LogoffFlags::default()));
}
