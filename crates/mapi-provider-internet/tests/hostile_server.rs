//! The IMAP store against a misbehaving server (mapi-test-support's `hostile`): each
//! behaviour ends bounded in time and memory, with an error naming the server and what
//! it did, and the cache unchanged. The tests run one at a time (peak memory is read
//! from /proc for the whole process).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestSupport, data_dir};
use mapi_provider_internet::cache::Cache;
use mapi_provider_internet::imap::{Imap, Limits};
use mapi_provider_internet::{Account, InternetMailService, InternetStore};
use mapi_spi::{FolderKind, MsgStore, Settings, Support};
use mapi_test_support::hostile::{Behaviour, HostileImap};
use mapi_types::{LogonFlags, Status, tags};

const FORCE: LogonFlags = LogonFlags::MAPI_FORCE_DOWNLOAD;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn support(
    settings: Settings,
    flags: LogonFlags,
    dir: &std::path::Path,
    timeout: Duration,
) -> Arc<TestSupport> {
    Arc::new(TestSupport {
        timeout,
        ..Arc::into_inner(TestSupport::new(settings, flags, dir)).unwrap()
    })
}

async fn logon(
    server: &HostileImap,
    dir: &std::path::Path,
    timeout: Duration,
) -> (
    Arc<TestSupport>,
    Result<Arc<InternetStore>, mapi_spi::ProviderError>,
) {
    let s = support(server.settings(), FORCE, dir, timeout);
    let r = InternetMailService
        .logon_store(s.clone() as Arc<dyn Support>)
        .await
        .map_err(Into::into);
    (s, r)
}

async fn subjects(store: &InternetStore) -> Vec<String> {
    let f = store.folder(FolderKind::Inbox).await.unwrap();
    let mut v: Vec<String> = store
        .contents(&f)
        .await
        .unwrap()
        .query_rows()
        .iter()
        .filter_map(|r| r.str(tags::PR_SUBJECT).map(str::to_string))
        .collect();
    v.sort();
    v
}

/// Resets the process's peak resident size; returns the current size in KiB.
fn reset_peak() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak RSS");
    status_kib("VmRSS")
}

fn status_kib(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{key} in /proc/self/status"))
}

/// Populates a cache with the server's three messages; returns its path.
async fn cached_three(server: &HostileImap, dir: &std::path::Path) -> std::path::PathBuf {
    let (_, store) = logon(server, dir, Duration::from_secs(10)).await;
    let store = store.expect("honest first download");
    assert_eq!(subjects(&store).await, ["m 1", "m 2", "m 3"]);
    let path = store.cache_file();
    store.logoff().await;
    path
}

fn cached_subjects(path: &std::path::Path) -> Vec<(u32, Option<String>)> {
    let c = Cache::open(path).unwrap();
    let mut out = Vec::new();
    for f in c.folders().unwrap() {
        for m in c.messages(f.id).unwrap() {
            out.push((m.uid, m.subject));
        }
    }
    out.sort();
    out
}

/// A server that answers no command but sends `behaviour`'s unsolicited line every
/// 100 ms: the logon is abandoned after the read timeout, naming the server and that
/// its responses brought no progress.
async fn assert_dripping_server_is_abandoned(behaviour: Behaviour) {
    let server = HostileImap::start(behaviour, Vec::new());
    let dir = data_dir();
    let start = Instant::now();
    let (_, r) = logon(&server, dir.path(), Duration::from_millis(800)).await;
    let e = r.err().expect("must fail");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(e.status, Status::MAPI_E_NETWORK_ERROR, "{e}");
    assert!(
        e.message.contains(&server.label())
            && e.message.contains("did not answer")
            && e.message.contains("brought no progress"),
        "{e}"
    );
}

/// A server whose `behaviour` sends many untagged responses the client does not keep:
/// they are dropped as they come (the peak grows by less than 40 MiB) and the logon
/// succeeds with the three messages.
async fn assert_untagged_noise_is_dropped(behaviour: Behaviour, what: &str) {
    let server = HostileImap::start(behaviour, HostileImap::messages(3, "m"));
    let dir = data_dir();
    let before = reset_peak();
    let (_, r) = logon(&server, dir.path(), Duration::from_secs(20)).await;
    let store = r.expect("the responses are dropped as they come; the logon succeeds");
    let grew = status_kib("VmHWM").saturating_sub(before);
    assert!(grew < 40 << 10, "peak grew by {grew} KiB for {what}");
    assert_eq!(subjects(&store).await, ["m 1", "m 2", "m 3"]);
    store.logoff().await;
}

/// After an honest sync of three messages, the server turns to `behaviour`: the next
/// logon fails with an error naming the server and holding `says`, and the cache is
/// unchanged.
async fn assert_refused_with_cache_unchanged(behaviour: Behaviour, says: &str) {
    let server = HostileImap::start(Behaviour::Honest, HostileImap::messages(3, "m"));
    let dir = data_dir();
    let path = cached_three(&server, dir.path()).await;
    let before = cached_subjects(&path);
    assert_eq!(before.len(), 3);
    server.set(behaviour);
    let (_, r) = logon(&server, dir.path(), Duration::from_secs(10)).await;
    let e = r.err().expect("must fail");
    assert!(
        e.message.contains(says) && e.message.contains(&server.label()),
        "{e}"
    );
    assert_eq!(cached_subjects(&path), before, "cache unchanged");
}

#[tokio::test(start_paused = true)]
async fn silent_server_is_given_up_at_the_greeting_deadline() {
    let _g = SERIAL.lock().await;
    let server = HostileImap::start(Behaviour::Silent, Vec::new());
    let account = Account::from_settings(&server.settings()).unwrap();
    let tls = mapi_provider_internet::tls::client_config(None).unwrap();
    // the default bounds with a 30 s read timeout: the greeting deadline is shorter
    let limits = Limits::new(Duration::from_secs(30));
    assert!(limits.greeting <= Duration::from_secs(7));
    let start = Instant::now();
    let clock = tokio::time::Instant::now();
    let e = Imap::connect_with(&account.imap, tls, limits)
        .await
        .err()
        .expect("must fail");
    let waited = clock.elapsed();
    assert!(
        waited <= Duration::from_secs(7) + Duration::from_millis(100),
        "{waited:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "paused clock: no real wait"
    );
    let text = e.to_string();
    assert!(text.contains(&server.label()), "{text}");
    assert!(
        text.contains("greeting") || text.contains("connecting"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_large_literals_in_one_response_are_refused_within_the_bound() {
    let _g = SERIAL.lock().await;
    let server = HostileImap::start(
        Behaviour::LiteralsOnList {
            count: 6,
            size: 6 << 20,
        },
        Vec::new(),
    );
    let account = Account::from_settings(&server.settings()).unwrap();
    let tls = mapi_provider_internet::tls::client_config(None).unwrap();
    let limits = Limits {
        literal: 8 << 20,
        response: 9 << 20,
        ..Limits::new(Duration::from_secs(10))
    };
    let before = reset_peak();
    let mut imap = Imap::connect_with(&account.imap, tls, limits)
        .await
        .unwrap();
    imap.login("alice", "pw").await.unwrap();
    let e = imap.list().await.expect_err("must fail");
    let grew = status_kib("VmHWM").saturating_sub(before);
    assert!(grew < 30 << 10, "peak grew by {grew} KiB");
    let text = e.to_string();
    assert!(
        text.contains(&server.label()) && text.contains("response of more than"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_exists_does_not_drive_the_number_of_commands() {
    let _g = SERIAL.lock().await;
    let server = HostileImap::start(Behaviour::HugeExists, HostileImap::messages(3, "m"));
    let dir = data_dir();
    let start = Instant::now();
    let (_, r) = logon(&server, dir.path(), Duration::from_secs(10)).await;
    let store = r.expect("logon");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(server.fetches() <= 2, "{} FETCH commands", server.fetches());
    assert!(server.commands() < 20, "{} commands", server.commands());
    assert_eq!(subjects(&store).await, ["m 1", "m 2", "m 3"]);
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_nesting_is_a_protocol_error() {
    let _g = SERIAL.lock().await;
    let server = HostileImap::start(Behaviour::DeepNesting { depth: 500_000 }, Vec::new());
    let dir = data_dir();
    let (_, r) = logon(&server, dir.path(), Duration::from_secs(10)).await;
    let e = r.err().expect("must fail");
    assert!(
        e.message.contains(&server.label()) && e.message.contains("nested deeper"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multibyte_internaldate_zone_does_not_panic() {
    let _g = SERIAL.lock().await;
    let server = HostileImap::start(Behaviour::BadInternalDate, HostileImap::messages(2, "m"));
    let dir = data_dir();
    let (_, r) = logon(&server, dir.path(), Duration::from_secs(10)).await;
    let store = r.expect("logon");
    assert_eq!(subjects(&store).await, ["m 1", "m 2"]);
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uid_out_of_range_is_an_error_and_changes_nothing() {
    let _g = SERIAL.lock().await;
    assert_refused_with_cache_unchanged(Behaviour::UidOutOfRange, "4294967297").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unparsable_status_is_an_error_not_a_cache_reset() {
    let _g = SERIAL.lock().await;
    assert_refused_with_cache_unchanged(Behaviour::BadStatus, "STATUS").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_data_for_uids_not_asked_for_is_ignored() {
    let _g = SERIAL.lock().await;
    let server = HostileImap::start(Behaviour::Honest, HostileImap::messages(3, "m"));
    let dir = data_dir();
    let path = cached_three(&server, dir.path()).await;
    server.add(HostileImap::messages(4, "m").pop().unwrap());
    server.set(Behaviour::ForeignUids);
    let (_, r) = logon(&server, dir.path(), Duration::from_secs(10)).await;
    let store = r.expect("logon");
    assert_eq!(subjects(&store).await, ["m 1", "m 2", "m 3", "m 4"]);
    store.logoff().await;
    let uids: Vec<u32> = cached_subjects(&path).into_iter().map(|(u, _)| u).collect();
    assert_eq!(uids, [1, 2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_8bit_mailbox_name_is_skipped_with_a_warning() {
    let _g = SERIAL.lock().await;
    let server = HostileImap::start(Behaviour::EightBitMailbox, HostileImap::messages(2, "m"));
    let dir = data_dir();
    let (support, r) = logon(&server, dir.path(), Duration::from_secs(10)).await;
    let store = r.expect("the account works; only that folder is skipped");
    assert_eq!(subjects(&store).await, ["m 1", "m 2"]);
    let row = support.last_row().expect("status row");
    let text = row.text.unwrap_or_default();
    assert!(
        text.contains("skipped 1 folder") && text.contains("Caf\\xc3\\xa9"),
        "{text}"
    );
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_latin1_mailbox_name_is_skipped_with_a_warning() {
    let _g = SERIAL.lock().await;
    let server = HostileImap::start(Behaviour::Latin1Mailbox, HostileImap::messages(2, "m"));
    let dir = data_dir();
    let (support, r) = logon(&server, dir.path(), Duration::from_secs(10)).await;
    let store = r.expect("the account works; only those folders are skipped");
    assert_eq!(subjects(&store).await, ["m 1", "m 2"]);
    let row = support.last_row().expect("status row");
    let text = row.text.unwrap_or_default();
    assert!(
        text.contains("skipped 2 folder") && text.contains("Caf\\xe9") && text.contains("Ol\\xe9"),
        "{text}"
    );
    store.logoff().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_uidnext_code_out_of_range_is_an_error_and_changes_nothing() {
    let _g = SERIAL.lock().await;
    assert_refused_with_cache_unchanged(Behaviour::UidNextOutOfRange, "UIDNEXT 4294967297").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsolicited_lines_do_not_keep_a_logon_alive() {
    let _g = SERIAL.lock().await;
    let every = Duration::from_millis(100);
    assert_dripping_server_is_abandoned(Behaviour::Drip { every }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_unsolicited_lines_do_not_keep_a_logon_alive() {
    let _g = SERIAL.lock().await;
    let every = Duration::from_millis(100);
    assert_dripping_server_is_abandoned(Behaviour::DripUnknown { every }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_untagged_lines_is_not_held() {
    let _g = SERIAL.lock().await;
    let flood = Behaviour::FloodOnList { bytes: 60 << 20 };
    assert_untagged_noise_is_dropped(flood, "60 MB of untagged lines").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untagged_responses_that_do_not_decode_are_skipped() {
    let _g = SERIAL.lock().await;
    let noise = Behaviour::UnknownUntagged { count: 20_000 };
    assert_untagged_noise_is_dropped(noise, "20,000 skipped responses").await;
}
