//! Contents tables of a 100,000-message folder of the IMAP cache, through the cache's
//! row source (no server: the cache is filled directly through `Cache::insert_batch`,
//! and the store logs on offline, its server unreachable): open + SetColumns (8
//! columns) + SortTable(delivery time, descending) + QueryRows(50); SeekRow to the
//! middle + QueryRows(50); Restrict(subject substring, case ignored) + GetRowCount.
//! Prints each median and the process's peak resident memory (VmHWM). The same figures
//! as the local store's `tables` bench.
//!
//! The cache is filled by a child run of this same binary, so the fill's memory is not
//! in the measured process's peak. Without `--bench` (as `cargo test --all-targets`
//! runs it) it checks each step once on a 2,000-message folder and times nothing.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use mapi_provider_internet::cache::{Cache, NewMessage};
use mapi_provider_internet::imap::ListEntry;
use mapi_provider_internet::{Account, InternetMailService, InternetStore, store};
use mapi_spi::{FolderKind, MsgStore, Settings, Support};
use mapi_test_support::TestSupport;
use mapi_types::tags::*;
use mapi_types::{Bookmark, ContentMatch, LogonFlags, PropValue, Restriction, SortKey, TableView};

const BENCH_MESSAGES: usize = 100_000;
const TEST_MESSAGES: usize = 2_000;
const BATCH: usize = 1_000;
const BUILD_ENV: &str = "MAPI_IMAP_TABLE_BENCH_BUILD";

/// Message `i`: about 1.2 KB; one in twenty has "invoice" in its subject (mixed case).
fn message(i: usize) -> Vec<u8> {
    let subject = match i % 20 {
        0 => format!("Invoice {i} for March"),
        10 => format!("RE: INVOICE {i}"),
        n => format!("Weekly report {n} number {i}"),
    };
    let day = 1 + i % 28;
    let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(14);
    format!(
        "From: Sender {i} <sender{}@example.net>\r\nTo: Bob <bob@example.org>\r\n\
         Subject: {subject}\r\nDate: Mon, {day} Jan 2024 {:02}:{:02}:{:02} +0000\r\n\
         Message-ID: <t{i}@example.net>\r\nContent-Type: text/plain\r\n\r\n{body}\r\n",
        i % 500,
        (i / 3600) % 24,
        (i / 60) % 60,
        i % 60
    )
    .into_bytes()
}

/// An account whose IMAP server cannot be reached (port 1 on loopback, where nothing
/// listens: the connection is refused at once).
fn settings() -> Settings {
    let port = 1;
    let mut s = Settings::new();
    for (k, v) in [
        ("email", "bench@localhost".to_string()),
        ("user", "bench".into()),
        ("password", "unused".into()),
        ("imap_host", "127.0.0.1".into()),
        ("smtp_host", "127.0.0.1".into()),
        ("imap_port", port.to_string()),
        ("smtp_port", port.to_string()),
        ("imap_security", "plain".into()),
        ("smtp_security", "plain".into()),
    ] {
        s.set(k, PropValue::Unicode(v));
    }
    s
}

/// In the child: the cache of the account in `dir`, an Inbox of `messages` messages.
fn build(dir: &Path, messages: usize) {
    let account = Account::from_settings(&settings()).unwrap();
    let mut cache = Cache::open(&store::cache_path(dir, &account)).unwrap();
    cache
        .apply_list(&[ListEntry {
            name: b"INBOX".to_vec(),
            delimiter: Some(b'/'),
            attributes: Vec::new(),
        }])
        .unwrap();
    let inbox = cache
        .folders()
        .unwrap()
        .into_iter()
        .find(|f| f.kind == "inbox")
        .unwrap()
        .id;
    let seen = vec!["\\Seen".to_string()];
    for start in (0..messages).step_by(BATCH) {
        let raws: Vec<Vec<u8>> = (start..start + BATCH).map(message).collect();
        let batch: Vec<NewMessage<'_>> = raws
            .iter()
            .enumerate()
            .map(|(k, raw)| NewMessage {
                folder_id: inbox,
                uidvalidity: 1,
                uid: (start + k + 1) as u32,
                flags: if (start + k) % 3 == 0 { &[] } else { &seen },
                internaldate: Some(1_704_067_200 + (start + k) as i64 * 60),
                raw,
            })
            .collect();
        cache.insert_batch(&batch).unwrap();
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn logon(dir: &Path) -> Arc<InternetStore> {
    let support = TestSupport::new(settings(), LogonFlags::MAPI_EXTENDED, dir);
    let store = block_on(InternetMailService.logon_store(support as Arc<dyn Support>)).unwrap();
    assert!(!store.is_online(), "the bench runs from the cache only");
    store
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const COLUMNS: [mapi_types::PropTag; 8] = [
    PR_ENTRYID,
    PR_SUBJECT,
    PR_SENDER_NAME,
    PR_SENDER_EMAIL_ADDRESS,
    PR_MESSAGE_DELIVERY_TIME,
    PR_MESSAGE_SIZE,
    PR_MESSAGE_FLAGS,
    PR_DISPLAY_TO,
];

fn open_sorted(store: &InternetStore, inbox: &[u8]) -> TableView {
    let mut v = TableView::over(block_on(store.contents_source(inbox, 0)).unwrap());
    v.set_columns(&COLUMNS, 0).unwrap();
    v.sort_table(&[SortKey::descending(PR_MESSAGE_DELIVERY_TIME)], 0)
        .unwrap();
    v
}

/// Runs `f` `n` times; returns the median.
fn median(n: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[n / 2]
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let messages = if bench { BENCH_MESSAGES } else { TEST_MESSAGES };
    if let Some(dir) = std::env::var_os(BUILD_ENV) {
        build(Path::new(&dir), messages);
        return;
    }
    let dir = std::env::temp_dir().join(format!("mapi-imap-table-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(std::env::args().skip(1))
        .env(BUILD_ENV, &dir)
        .status()
        .unwrap();
    assert!(status.success(), "filling the cache failed");
    println!(
        "filled an IMAP cache of {messages} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let store = logon(&dir);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let invoice = Restriction::Content {
        tag: PR_SUBJECT,
        text: "invoice".into(),
        how: ContentMatch::Substring,
        ignore_case: true,
    };
    // Check the work is real before timing it.
    {
        let mut v = open_sorted(&store, &inbox);
        assert_eq!(v.get_row_count(0).unwrap() as usize, messages);
        let first = v.query_rows(50, 0).unwrap();
        assert_eq!(first.len(), 50);
        let times: Vec<i64> = first
            .iter()
            .map(|r| r.int(PR_MESSAGE_DELIVERY_TIME).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        v.seek_row(Bookmark::Beginning, (messages / 2) as i32)
            .unwrap();
        assert_eq!(v.query_rows(50, 0).unwrap().len(), 50);
        v.restrict(Some(invoice.clone()), 0).unwrap();
        assert_eq!(v.get_row_count(0).unwrap() as usize, messages / 10);
    }
    if !bench {
        println!("each step checked once; run with `cargo bench` to time them");
        block_on(store.logoff());
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    const MESSAGES: usize = BENCH_MESSAGES;

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    let mut group = c.benchmark_group("imap-cache-100k");
    group.bench_function("open_setcolumns_sort_queryrows50", |b| {
        b.iter(|| {
            let mut v = open_sorted(&store, &inbox);
            assert_eq!(v.query_rows(50, 0).unwrap().len(), 50);
        })
    });
    let mut open = open_sorted(&store, &inbox);
    group.bench_function("seekrow_middle_queryrows50", |b| {
        b.iter(|| {
            open.seek_row(Bookmark::Beginning, (MESSAGES / 2) as i32)
                .unwrap();
            assert_eq!(open.query_rows(50, 0).unwrap().len(), 50);
        })
    });
    group.sample_size(10);
    group.bench_function("restrict_subject_substring_ignorecase_rowcount", |b| {
        b.iter(|| {
            open.restrict(Some(invoice.clone()), 0).unwrap();
            assert_eq!(open.get_row_count(0).unwrap() as usize, MESSAGES / 10);
        })
    });
    group.finish();
    c.final_summary();

    // Medians of our own, printed plainly for the record.
    let a = median(31, || {
        let mut v = open_sorted(&store, &inbox);
        v.query_rows(50, 0).unwrap();
    });
    let mut v = open_sorted(&store, &inbox);
    let b = median(31, || {
        v.seek_row(Bookmark::Beginning, (MESSAGES / 2) as i32)
            .unwrap();
        v.query_rows(50, 0).unwrap();
    });
    let b2 = median(31, || {
        let mut v = open_sorted(&store, &inbox);
        v.seek_row(Bookmark::Beginning, (MESSAGES / 2) as i32)
            .unwrap();
        v.query_rows(50, 0).unwrap();
    });
    let r = median(11, || {
        v.restrict(Some(invoice.clone()), 0).unwrap();
        v.get_row_count(0).unwrap();
    });
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "median open + SetColumns(8) + SortTable(delivery desc) + QueryRows(50): {:.2} ms",
        ms(a)
    );
    println!(
        "median SeekRow(middle) + QueryRows(50) on an open view: {:.2} ms",
        ms(b)
    );
    println!(
        "median SeekRow(middle) + QueryRows(50) on a fresh view (row count included): {:.2} ms",
        ms(b2)
    );
    println!(
        "median Restrict(subject substring, case ignored) + GetRowCount: {:.2} ms",
        ms(r)
    );
    match peak_rss_kib() {
        Some(k) => println!(
            "peak resident memory of this process: {:.1} MiB",
            k as f64 / 1024.0
        ),
        None => println!("peak resident memory: not available on this system"),
    }
    block_on(store.logoff());
    let _ = std::fs::remove_dir_all(&dir);
}
