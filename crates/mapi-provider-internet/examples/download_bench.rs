//! Download benchmark: our FORCE_DOWNLOAD into an empty cache versus `mbsync` into an
//! empty Maildir (default settings, and `FSync no`), from a loopback Dovecot holding N
//! generated ~4 KB messages. Run through `bench/download.sh [N]` (default 10000).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mapi_provider_internet::InternetMailService;
use mapi_provider_internet::testserver::{MailStack, Options, USERS};
use mapi_spi::{MsgStore, Progress, Settings, StatusRow, Support};
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

fn mbsync(stack: &MailStack, root: &Path, fsync: bool) -> Duration {
    let maildir = root.join(if fsync {
        "mbsync-default"
    } else {
        "mbsync-nofsync"
    });
    std::fs::create_dir_all(&maildir).unwrap();
    let conf = root.join(if fsync {
        "mbsyncrc-default"
    } else {
        "mbsyncrc-nofsync"
    });
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
    let got = std::fs::read_dir(maildir.join("INBOX/cur"))
        .map(|r| r.count())
        .unwrap_or(0)
        + std::fs::read_dir(maildir.join("INBOX/new"))
            .map(|r| r.count())
            .unwrap_or(0);
    eprintln!(
        "  mbsync ({}) stored {got} messages",
        if fsync { "default" } else { "FSync no" }
    );
    elapsed
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("N: a number of messages"))
        .unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stack = MailStack::start(Options {
        postfix: false,
        max_userip_connections: 10,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    stack
        .generate_messages("alice", "bench", 0, n, 4096)
        .unwrap();
    eprintln!("generated {n} messages of ~4 KB in {:.2?}", t.elapsed());
    let work = tempfile::tempdir().unwrap();

    rt.block_on(async {
        // warm-up: Dovecot builds its index and the page cache fills, for every contender alike
        let warm = work.path().join("warm");
        let (_, _, _, s) = ours(&stack, &warm).await;
        s.logoff().await;
        std::fs::remove_dir_all(&warm).unwrap();

        let base = rss_kib();
        let dir = work.path().join("ours");
        let cpu = cpu_secs();
        let (first, peak, samples, store) = ours(&stack, &dir).await;
        let cpu = cpu_secs() - cpu;
        let t = Instant::now();
        let again = store.synchronize(true).await.unwrap();
        let incremental = t.elapsed();
        assert_eq!(again.downloaded, 0);
        store.logoff().await;
        let (relogon, _, _, store) = ours(&stack, &dir).await;
        store.logoff().await;

        let default = mbsync(&stack, work.path(), true);
        let nofsync = mbsync(&stack, work.path(), false);

        let rate = |d: Duration| n as f64 / d.as_secs_f64();
        println!("messages: {n} (~4 KB each), loopback Dovecot, IMAPS");
        println!(
            "ours  FORCE_DOWNLOAD -> SQLite : {:>8.2?}  {:>9.0} msg/s",
            first,
            rate(first)
        );
        println!("  our CPU time (user+sys)      : {cpu:.2} s");
        println!(
            "mbsync (default, FSync yes)    : {:>8.2?}  {:>9.0} msg/s",
            default,
            rate(default)
        );
        println!(
            "mbsync (FSync no)              : {:>8.2?}  {:>9.0} msg/s",
            nofsync,
            rate(nofsync)
        );
        println!(
            "ratio ours / mbsync default    : {:.2}x",
            rate(first) / rate(default)
        );
        println!(
            "ratio ours / mbsync FSync no   : {:.2}x  (target >= 2x)",
            rate(first) / rate(nofsync)
        );
        println!(
            "second sync, nothing new       : {:>8.2?}  (on the open connection; target <= 50 ms)",
            incremental
        );
        println!("second logon incl. connect+TLS : {:>8.2?}", relogon);
        println!("RSS before download            : {:.1} MiB", mib(base));
        println!(
            "peak RSS during download       : {:.1} MiB  (target <= 64 MiB)",
            mib(peak)
        );
        let step = (samples.len() / 8).max(1);
        let curve: Vec<String> = samples
            .iter()
            .step_by(step)
            .map(|(d, r)| format!("{d}:{:.1}", mib(*r)))
            .collect();
        println!("RSS (MiB) by messages done     : {}", curve.join("  "));
    });
}
