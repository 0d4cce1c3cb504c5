//! Download benchmark: our FORCE_DOWNLOAD into an empty cache versus `mbsync` into an
//! empty Maildir (default settings, and `FSync no`), from a loopback Dovecot holding N
//! generated ~4 KB messages. Run through `bench/download.sh [N]` (default 10000).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mapi_provider_internet::InternetMailService;
use mapi_spi::{MsgStore, Progress, Settings, StatusRow, Support};
use mapi_test_support::{MailStack, Options, USERS};
use mapi_types::{LogonFlags, MapiUid, ProviderLogonFlags};

struct BenchSupport {
    settings: Settings,
    dir: PathBuf,
    rss_at_progress: Mutex<Vec<(u64, u64)>>,
}

impl Support for BenchSupport {
    fn profile_name(&self) -> &str {
        "bench"
    }
    fn service_uid(&self) -> MapiUid {
        MapiUid([1; 16])
    }
    fn provider_uid(&self) -> MapiUid {
        MapiUid([2; 16])
    }
    fn service_name(&self) -> &str {
        "internet-mail"
    }
    fn display_name(&self) -> &str {
        "bench"
    }
    fn settings(&self) -> &Settings {
        &self.settings
    }
    fn logon_flags(&self) -> LogonFlags {
        LogonFlags::MAPI_FORCE_DOWNLOAD
    }
    fn provider_flags(&self) -> ProviderLogonFlags {
        ProviderLogonFlags::MDB_NO_DIALOG
    }
    fn data_dir(&self) -> PathBuf {
        self.dir.clone()
    }
    fn timeout(&self) -> Duration {
        Duration::from_secs(60)
    }
    fn modify_status_row(&self, _row: StatusRow) {}
    fn progress(&self, p: Progress) {
        self.rss_at_progress
            .lock()
            .unwrap()
            .push((p.done, rss_kib()));
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) this process used so far.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn ours(
    stack: &MailStack,
    dir: &Path,
) -> (
    Duration,
    u64,
    Vec<(u64, u64)>,
    Arc<mapi_provider_internet::InternetStore>,
) {
    let support = Arc::new(BenchSupport {
        settings: stack.settings("alice", "tls", "tls"),
        dir: dir.to_path_buf(),
        rss_at_progress: Mutex::new(Vec::new()),
    });
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let t = Instant::now();
    let store = InternetMailService
        .logon_store(support.clone())
        .await
        .expect("logon");
    let elapsed = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let samples = support.rss_at_progress.lock().unwrap().clone();
    (elapsed, peak.load(Ordering::Relaxed), samples, store)
}

/// One mbsync run into an empty Maildir under `root` (a directory of its own).
fn mbsync(stack: &MailStack, root: &Path, fsync: bool) -> Duration {
    let maildir = root.join("Maildir");
    std::fs::create_dir_all(&maildir).unwrap();
    let conf = root.join("mbsyncrc");
    let password = USERS[0].1;
    let text = format!(
        "{fs}IMAPAccount bench\nHost localhost\nPort {port}\nUser alice\nPass {password}\nSSLType IMAPS\nCertificateFile {ca}\n\n\
         IMAPStore remote\nAccount bench\n\nMaildirStore local\nPath {md}/\nInbox {md}/INBOX\n\n\
         Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSync Pull\nSyncState *\n",
        fs = if fsync { "" } else { "FSync no\n\n" },
        port = stack.ports.imaps,
        ca = stack.ca_file().display(),
        md = maildir.display(),
    );
    std::fs::write(&conf, text).unwrap();
    let t = Instant::now();
    let out = Command::new("mbsync")
        .arg("-q")
        .arg("-c")
        .arg(&conf)
        .arg("-a")
        .output()
        .expect("run mbsync (apt-get install isync)");
    let elapsed = t.elapsed();
    assert!(
        out.status.success(),
        "mbsync failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |sub: &str| {
        std::fs::read_dir(maildir.join("INBOX").join(sub))
            .map(|r| r.count())
            .unwrap_or(0)
    };
    assert_eq!(
        count("cur") + count("new"),
        stack_messages(),
        "mbsync stored every message"
    );
    elapsed
}

static MESSAGES: AtomicU64 = AtomicU64::new(0);

fn stack_messages() -> usize {
    MESSAGES.load(Ordering::Relaxed) as usize
}

/// Median and minimum of some durations.
fn stats(runs: &[Duration]) -> (Duration, Duration) {
    let mut v = runs.to_vec();
    v.sort();
    let median = if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2
    };
    (median, v[0])
}

fn list(runs: &[Duration]) -> String {
    runs.iter()
        .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| a.parse().expect("N: a number of messages"))
        .unwrap_or(10_000);
    let rounds: usize = args
        .next()
        .map(|a| a.parse().expect("ROUNDS: a number of rounds"))
        .unwrap_or(5)
        .max(1);
    MESSAGES.store(n as u64, Ordering::Relaxed);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut stack = MailStack::start(Options {
        postfix: false,
        max_userip_connections: 10,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    stack
        .generate_messages("alice", "bench", 0, n, 4096)
        .unwrap();
    eprintln!("generated {n} messages of ~4 KB in {:.2?}", t.elapsed());
    // Every run keeps its own directory until the end: deleting many files just before
    // another contender creates many makes ext4 allocate inodes slowly for a while.
    let work = tempfile::tempdir().unwrap();

    rt.block_on(async {
        // warm-up: Dovecot builds its index and the page cache fills, for every contender alike
        let (_, _, _, s) = ours(&stack, &work.path().join("warm")).await;
        s.logoff().await;

        let base = rss_kib();
        let (mut ours_runs, mut fast, mut default) = (Vec::new(), Vec::new(), Vec::new());
        let (mut cpu_runs, mut incremental_runs) = (Vec::new(), Vec::new());
        let mut peak = 0;
        let mut curve = Vec::new();
        for round in 0..rounds {
            let mbsync_fast = |runs: &mut Vec<Duration>| {
                runs.push(mbsync(&stack, &work.path().join(format!("nofsync-{round}")), false));
            };
            // alternate who goes first
            if round % 2 == 1 {
                mbsync_fast(&mut fast);
            }
            let cpu = cpu_secs();
            let (t, p, samples, store) = ours(&stack, &work.path().join(format!("ours-{round}"))).await;
            cpu_runs.push(cpu_secs() - cpu);
            ours_runs.push(t);
            peak = peak.max(p);
            curve = samples;
            let t = Instant::now();
            let again = store.synchronize(true).await.unwrap();
            incremental_runs.push(t.elapsed());
            assert_eq!(again.downloaded, 0);
            store.logoff().await;
            if round % 2 == 0 {
                mbsync_fast(&mut fast);
            }
            if round < 3 {
                default.push(mbsync(&stack, &work.path().join(format!("default-{round}")), true));
            }
        }
        let (relogon, _, _, store) = ours(&stack, &work.path().join("ours-0")).await;
        store.logoff().await;

        // a server without CONDSTORE: each sync lists the flags of the cached messages
        stack
            .set_imap_capability(
                "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE NAMESPACE UIDPLUS MOVE UNSELECT",
            )
            .expect("restart Dovecot without CONDSTORE");
        let (_, _, _, store) = ours(&stack, &work.path().join("ours-0")).await;
        let mut listing_runs = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            let r = store.synchronize(true).await.unwrap();
            listing_runs.push(t.elapsed());
            assert_eq!((r.downloaded, r.flags_changed), (0, 0));
        }
        store.logoff().await;
        let (listing_med, _) = stats(&listing_runs);

        let (ours_med, ours_min) = stats(&ours_runs);
        let (fast_med, fast_min) = stats(&fast);
        let (default_med, default_min) = stats(&default);
        let (inc_med, _) = stats(&incremental_runs);
        let rate = |d: Duration| n as f64 / d.as_secs_f64();
        cpu_runs.sort_by(f64::total_cmp);
        println!("messages: {n} (~4 KB each), loopback Dovecot, IMAPS; {rounds} rounds, times in ms");
        println!("                                 median      min  msg/s (median)  runs");
        let line = |name: &str, med: Duration, min: Duration, runs: &[Duration]| {
            println!(
                "{name:<31}  {:>7.1}  {:>7.1}  {:>14.0}  {}",
                med.as_secs_f64() * 1000.0,
                min.as_secs_f64() * 1000.0,
                rate(med),
                list(runs)
            );
        };
        line("ours FORCE_DOWNLOAD (durable)", ours_med, ours_min, &ours_runs);
        line("mbsync FSync no", fast_med, fast_min, &fast);
        line("mbsync default (FSync yes)", default_med, default_min, &default);
        println!(
            "our CPU time (user+sys), median : {:.0} ms",
            cpu_runs[cpu_runs.len() / 2] * 1000.0
        );
        println!(
            "ratio ours / mbsync FSync no    : {:.2}x medians, {:.2}x against its best run  (target >= 2x)",
            fast_med.as_secs_f64() / ours_med.as_secs_f64(),
            fast_min.as_secs_f64() / ours_med.as_secs_f64()
        );
        println!(
            "ratio ours / mbsync default     : {:.2}x medians  (target >= 10x)",
            default_med.as_secs_f64() / ours_med.as_secs_f64()
        );
        println!(
            "second sync, nothing new        : {:.1} ms median  (on the open connection; target <= 50 ms)  runs {}",
            inc_med.as_secs_f64() * 1000.0,
            list(&incremental_runs)
        );
        println!("second logon incl. connect+TLS  : {relogon:.2?}");
        println!(
            "sync without CONDSTORE, no news : {:.1} ms median  (FLAGS of {n} cached UIDs in one UID range)  runs {}",
            listing_med.as_secs_f64() * 1000.0,
            list(&listing_runs)
        );
        println!("RSS before download             : {:.1} MiB", mib(base));
        println!(
            "peak RSS during downloads       : {:.1} MiB  (target <= 64 MiB)",
            mib(peak)
        );
        let step = (curve.len() / 8).max(1);
        let curve: Vec<String> = curve
            .iter()
            .step_by(step)
            .map(|(d, r)| format!("{d}:{:.1}", mib(*r)))
            .collect();
        println!("RSS (MiB) by messages done     : {}", curve.join("  "));
    });
}
