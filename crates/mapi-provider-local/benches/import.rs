//! Imports 10,000 generated ~4 KB RFC 5322 messages into a fresh local store (MIME parsing
//! included) and reports messages per second. The store's creation is not timed.

mod common;

use std::cell::RefCell;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{BenchSupport, block_on};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use mapi_provider_local::LocalStoreService;
use mapi_spi::{FolderKind, MessageService, ServiceEntryCall, Settings};
use mapi_types::PropValue;

const MESSAGES: usize = 10_000;

/// Message `i`: about 4 KB, real headers (Received, encoded-word subject), a plain text
/// body, and every fourth one multipart/alternative with an HTML part.
fn message(i: usize) -> Vec<u8> {
    let words = [
        "meeting", "report", "quarter", "budget", "schedule", "review", "project", "update",
    ];
    let mut body = String::new();
    let mut n = i;
    while body.len() < 3450 {
        n = n
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        body.push_str(words[(n >> 33) % words.len()]);
        body.push(if body.len() % 70 < 8 { '\n' } else { ' ' });
    }
    let day = 1 + i % 28;
    let hour = i % 24;
    let headers = format!(
        "Received: from mx{i}.example.net (mx{i}.example.net [192.0.2.{}])\r\n\
         \tby mail.example.org with ESMTPS id {i:08x}; Mon, {day} Jan 2024 {hour:02}:00:00 +0000\r\n\
         From: =?UTF-8?Q?Sender_N=C2=BA{i}?= <sender{i}@example.net>\r\n\
         To: Bob Example <bob@example.org>, Carol <carol@example.org>\r\n\
         Cc: team{}@example.org\r\n\
         Subject: =?UTF-8?B?{}?=\r\n\
         Date: Mon, {day} Jan 2024 {hour:02}:{:02}:00 +0000\r\n\
         Message-ID: <bench-{i}@example.net>\r\nMIME-Version: 1.0\r\n",
        i % 250,
        i % 10,
        base64(format!("Bench message {i}: Grüße").as_bytes()),
        i % 60
    );
    let raw = if i.is_multiple_of(4) {
        format!(
            "{headers}Content-Type: multipart/alternative; boundary=\"b{i}\"\r\n\r\n\
             --b{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n\
             --b{i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>{}</p></body></html>\r\n\
             --b{i}--\r\n",
            &body[..1700],
            &body[1700..]
        )
    } else {
        format!("{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")
    };
    raw.into_bytes()
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= c.len() {
                out.push(T[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Imports the batch into a fresh store; returns the time the import took and the time
/// the logoff after it took (which checkpoints the WAL: the import's copy into the main
/// file, which the import leaves to the next checkpoint).
fn import_once(batch: &[Vec<u8>], round: usize) -> (Duration, Duration) {
    let dir = std::env::temp_dir().join(format!("mapi-local-bench-{}-{round}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut settings = Settings::new();
    settings.set(
        "path",
        PropValue::Unicode(dir.join("bench.db").display().to_string()),
    );
    LocalStoreService
        .service_entry(ServiceEntryCall::Create, &settings)
        .unwrap();
    let support = Arc::new(BenchSupport(settings, Mutex::new(Vec::new())));
    let store = block_on(LocalStoreService.store_logon(support)).unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let batch = batch.to_vec();
    let start = Instant::now();
    let ids = block_on(store.import_raw(&inbox, batch)).unwrap();
    let took = start.elapsed();
    assert_eq!(ids.len(), MESSAGES);
    let start = Instant::now();
    block_on(store.logoff());
    let logoff = start.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    (took, logoff)
}

fn bench_import(c: &mut Criterion) {
    let batch: Vec<Vec<u8>> = (0..MESSAGES).map(message).collect();
    let avg = batch.iter().map(Vec::len).sum::<usize>() / batch.len();
    println!("{MESSAGES} messages, {avg} bytes on average");
    let times = RefCell::new(Vec::new());
    let mut group = c.benchmark_group("local-store");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("import_10000_eml", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let round = times.borrow().len();
                let (took, logoff) = import_once(&batch, round);
                times.borrow_mut().push((took, logoff));
                total += took;
            }
            total
        })
    });
    group.finish();
    let times = times.into_inner();
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let import = median(times.iter().map(|t| t.0).collect());
    let with_checkpoint = median(times.iter().map(|t| t.0 + t.1).collect());
    println!(
        "median import of {MESSAGES} messages: {:.1} ms = {:.0} messages/s ({} runs)",
        import.as_secs_f64() * 1000.0,
        MESSAGES as f64 / import.as_secs_f64(),
        times.len()
    );
    println!(
        "median import + the logoff that checkpoints it: {:.1} ms = {:.0} messages/s",
        with_checkpoint.as_secs_f64() * 1000.0,
        MESSAGES as f64 / with_checkpoint.as_secs_f64(),
    );
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
