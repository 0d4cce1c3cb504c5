//! Property objects of the local store: GetProps of 20 properties of one open message
//! (and open + GetProps), a 50 MiB PR_BODY written through an OpenProperty stream,
//! saved, and read back through a stream of a fresh object, in 64 KiB pieces, and the
//! same for a 50 MiB attachment (PR_ATTACH_DATA_BIN of a new attachment, saved into the
//! message, the message saved, read back through a fresh message and attachment), on an
//! imported message and on an unsent one (whose SaveChanges also builds its MIME form
//! with the attachment in it). Prints
//! the medians and each stream round's peak resident memory above its baseline: VmHWM
//! after the round minus VmRSS before it, the peak reset first through
//! `/proc/self/clear_refs` where the kernel allows.
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it checks each step once
//! with a 2 MiB body and times nothing.

mod common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{BenchSupport, block_on};
use criterion::Criterion;
use mapi_provider_local::LocalStoreService;
use mapi_spi::{FolderKind, MessageService, MsgStore, PropObject, ServiceEntryCall, Settings};
use mapi_types::attach::ATTACH_BY_VALUE;
use mapi_types::object::{
    IID_ISTREAM, KEEP_OPEN_READWRITE, MAPI_CREATE, MAPI_MODIFY, MAPI_UNICODE,
};
use mapi_types::tags::*;
use mapi_types::{PropTag, PropType, PropValue, Status};

const PIECE: usize = 64 * 1024;

/// The 20 properties asked for: 19 the message has and one it lacks.
const TAGS: [PropTag; 20] = [
    PR_ENTRYID,
    PR_PARENT_ENTRYID,
    PR_RECORD_KEY,
    PR_MESSAGE_CLASS,
    PR_SUBJECT,
    PR_SENDER_NAME,
    PR_SENDER_EMAIL_ADDRESS,
    PR_DISPLAY_TO,
    PR_DISPLAY_CC,
    PR_MESSAGE_DELIVERY_TIME,
    PR_CLIENT_SUBMIT_TIME,
    PR_MESSAGE_SIZE,
    PR_MESSAGE_FLAGS,
    PR_HASATTACH,
    PR_READ,
    PR_INTERNET_MESSAGE_ID,
    PR_BODY,
    PR_TRANSPORT_MESSAGE_HEADERS,
    PR_OBJECT_TYPE,
    PR_HTML,
];

fn settings(path: &Path) -> Settings {
    let mut s = Settings::new();
    s.set("path", PropValue::Unicode(path.display().to_string()));
    s
}

fn logon(path: &Path) -> Arc<dyn MsgStore> {
    let support = Arc::new(BenchSupport(settings(path), Mutex::new(Vec::new())));
    block_on(LocalStoreService.store_logon(support)).unwrap()
}

fn message() -> Vec<u8> {
    let mut body = String::new();
    while body.len() < 3000 {
        body.push_str("The quarterly figures are attached below as agreed. ");
    }
    format!(
        "Received: from mx.example.net (mx.example.net [192.0.2.1])\r\n\
         \tby mail.example.org with ESMTPS id 1; Mon, 1 Jan 2024 10:00:00 +0000\r\n\
         From: Ann Example <ann@example.org>\r\nTo: Bob <bob@example.org>\r\n\
         Cc: Carol <carol@example.org>\r\nSubject: Quarterly figures\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <q1@example.org>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// Piece `i` of the large body: ASCII letters that differ from piece to piece.
fn piece(i: usize, buf: &mut [u8]) {
    for (j, b) in buf.iter_mut().enumerate() {
        *b = b'a' + ((i * 7 + j) % 26) as u8;
    }
}

fn kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes `size` bytes into PR_BODY through a stream, saves, reads them back through a
/// fresh object's stream and checks them.
fn stream_round(store: &Arc<dyn MsgStore>, entry: &[u8], size: usize) {
    let msg = block_on(store.open_message(entry, MAPI_MODIFY)).unwrap();
    let s = block_on(msg.open_property(PR_BODY, &IID_ISTREAM, MAPI_MODIFY | MAPI_CREATE)).unwrap();
    let mut buf = vec![0u8; PIECE];
    for i in 0..size / PIECE {
        piece(i, &mut buf);
        block_on(s.write(&buf)).unwrap();
    }
    block_on(s.commit(0)).unwrap();
    block_on(msg.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    drop(s);
    drop(msg);
    let fresh = block_on(store.open_message(entry, 0)).unwrap();
    let r = block_on(fresh.open_property(PR_BODY, &IID_ISTREAM, 0)).unwrap();
    assert_eq!(block_on(r.stat()).unwrap().size, size as u64);
    let mut want = vec![0u8; PIECE];
    let mut i = 0;
    loop {
        let mut got = 0;
        while got < PIECE {
            let n = block_on(r.read(&mut buf[got..])).unwrap();
            if n == 0 {
                break;
            }
            got += n;
        }
        if got == 0 {
            break;
        }
        piece(i, &mut want);
        assert!(buf[..got] == want[..got], "piece {i} differs");
        i += 1;
    }
    assert_eq!(i, size / PIECE);
}

/// Replaces the message's attachments with one of `size` bytes written through a
/// stream, saves, reads it back through a fresh message's attachment and checks it.
fn attach_round(store: &Arc<dyn MsgStore>, entry: &[u8], size: usize) {
    let msg = block_on(store.open_message(entry, MAPI_MODIFY)).unwrap();
    let mut table = block_on(msg.attachment_table(0)).unwrap();
    let n = table.count().unwrap();
    for row in table.rows(0, n, &[PR_ATTACH_NUM]).unwrap() {
        let num = row.int(PR_ATTACH_NUM).unwrap() as u32;
        block_on(msg.delete_attach(num, 0)).unwrap();
    }
    let (num, att) = block_on(msg.create_attach(0)).unwrap();
    block_on(att.set_props(&[(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE))])).unwrap();
    let s =
        block_on(att.open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, MAPI_MODIFY | MAPI_CREATE))
            .unwrap();
    let mut buf = vec![0u8; PIECE];
    for i in 0..size / PIECE {
        piece(i, &mut buf);
        block_on(s.write(&buf)).unwrap();
    }
    block_on(s.commit(0)).unwrap();
    block_on(att.save_changes(0)).unwrap();
    block_on(msg.save_changes(0)).unwrap();
    drop((s, att, msg));
    let fresh = block_on(store.open_message(entry, 0)).unwrap();
    let att = block_on(fresh.open_attach(num, 0)).unwrap();
    let r = block_on(att.open_property(PR_ATTACH_DATA_BIN, &IID_ISTREAM, 0)).unwrap();
    assert_eq!(block_on(r.stat()).unwrap().size, size as u64);
    let mut want = vec![0u8; PIECE];
    let mut i = 0;
    loop {
        let mut got = 0;
        while got < PIECE {
            let n = block_on(r.read(&mut buf[got..])).unwrap();
            if n == 0 {
                break;
            }
            got += n;
        }
        if got == 0 {
            break;
        }
        piece(i, &mut want);
        assert!(buf[..got] == want[..got], "piece {i} differs");
        i += 1;
    }
    assert_eq!(i, size / PIECE);
}

/// Runs `f` once; (its time, resident memory before, peak after) in KiB.
fn measured(f: impl FnOnce()) -> (Duration, Option<u64>, Option<u64>) {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let baseline = kib("VmRSS:");
    let t = Instant::now();
    f();
    (t.elapsed(), baseline, kib("VmHWM:"))
}

fn print_peak(what: &str, baseline: Option<u64>, peak: Option<u64>) {
    match (baseline, peak) {
        (Some(b), Some(p)) => println!(
            "peak resident memory of the first {what} round above its baseline: {:.1} MiB \
             (baseline {:.1} MiB, peak {:.1} MiB)",
            p.saturating_sub(b) as f64 / 1024.0,
            b as f64 / 1024.0,
            p as f64 / 1024.0
        ),
        _ => println!("peak resident memory: not available on this system"),
    }
}

fn get20(msg: &Arc<dyn PropObject>) {
    let r = block_on(msg.get_props(Some(&TAGS), MAPI_UNICODE)).unwrap();
    assert_eq!(r.value.len(), 20);
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
    let size = if bench {
        50 * 1024 * 1024
    } else {
        2 * 1024 * 1024
    };
    let dir = std::env::temp_dir().join(format!("mapi-props-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.db");
    LocalStoreService
        .service_entry(ServiceEntryCall::Create, &settings(&path))
        .unwrap();
    let store = logon(&path);
    let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
    let entry = block_on(store.import_raw(&inbox, vec![message()])).unwrap()[0].clone();

    // Check the work is real before timing it.
    let msg = block_on(store.open_message(&entry, 0)).unwrap();
    let r = block_on(msg.get_props(Some(&TAGS), MAPI_UNICODE)).unwrap();
    assert_eq!(r.status, Status::MAPI_W_ERRORS_RETURNED);
    let missing: Vec<PropTag> = r
        .value
        .iter()
        .filter(|(t, _)| t.prop_type() == PropType::PT_ERROR)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(missing, [PR_HTML.with_type(PropType::PT_ERROR)]);

    // The stream rounds first, so their peaks are not hidden by anything before.
    let (round, baseline, peak) = measured(|| stream_round(&store, &entry, size));
    let (attach_first, attach_baseline, attach_peak) =
        measured(|| attach_round(&store, &entry, size));
    // The same on an unsent message, whose MIME form its SaveChanges builds again with
    // the attachment in it.
    let drafts = block_on(store.folder(FolderKind::Drafts)).unwrap();
    let draft = block_on(store.create_message(&drafts, 0)).unwrap();
    block_on(draft.set_props(&[(PR_SUBJECT, PropValue::Unicode("draft".into()))])).unwrap();
    block_on(draft.save_changes(KEEP_OPEN_READWRITE)).unwrap();
    let draft = block_on(draft.get_props(Some(&[PR_ENTRYID]), 0))
        .unwrap()
        .value[0]
        .1
        .as_bytes()
        .unwrap()
        .to_vec();
    let (unsent_first, unsent_baseline, unsent_peak) =
        measured(|| attach_round(&store, &draft, size));
    let raw = block_on(store.read_message(&draft)).unwrap();
    assert!(raw.int(PR_MESSAGE_SIZE).unwrap() as usize > size * 4 / 3);

    if !bench {
        println!("each step checked once; run with `cargo bench` to time them");
        block_on(store.logoff());
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(50)
        .measurement_time(Duration::from_secs(3));
    let mut group = c.benchmark_group("local-store-props");
    group.bench_function("getprops_20", |b| b.iter(|| get20(&msg)));
    group.bench_function("open_message_getprops_20", |b| {
        b.iter(|| get20(&block_on(store.open_message(&entry, 0)).unwrap()))
    });
    group.finish();
    c.final_summary();

    let g = median(2001, || get20(&msg));
    let og = median(2001, || {
        get20(&block_on(store.open_message(&entry, 0)).unwrap())
    });
    let rounds = median(3, || stream_round(&store, &entry, size));
    let attach_rounds = median(3, || attach_round(&store, &entry, size));
    let unsent_rounds = median(3, || attach_round(&store, &draft, size));
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "median GetProps(20 tags) on an open message: {:.2} us",
        us(g)
    );
    println!("median OpenEntry + GetProps(20 tags): {:.2} us", us(og));
    println!(
        "50 MiB PR_BODY written through a stream, saved, read back through a stream: \
         first {:.0} ms, median of 3 more {:.0} ms",
        round.as_secs_f64() * 1e3,
        rounds.as_secs_f64() * 1e3
    );
    print_peak("PR_BODY stream", baseline, peak);
    println!(
        "50 MiB attachment written through a stream, saved into the message, the message \
         saved, read back through a stream: first {:.0} ms, median of 3 more {:.0} ms",
        attach_first.as_secs_f64() * 1e3,
        attach_rounds.as_secs_f64() * 1e3
    );
    print_peak("attachment stream", attach_baseline, attach_peak);
    println!(
        "the same on an unsent message (its MIME form rebuilt at SaveChanges, the \
         attachment base64-encoded a chunk at a time): first {:.0} ms, median of 3 more {:.0} ms",
        unsent_first.as_secs_f64() * 1e3,
        unsent_rounds.as_secs_f64() * 1e3
    );
    print_peak("unsent-message attachment", unsent_baseline, unsent_peak);
    block_on(store.logoff());
    let _ = std::fs::remove_dir_all(&dir);
}
