//! Issue 10's cross-process figure through the engine: a second process saves one
//! message at a time into the Inbox of a local store (CreateMessage, SetProps,
//! SaveChanges); this process's advise sink on the Inbox's contents table receives
//! `TABLE_ROW_ADDED`. Prints the median and p99 of (sink called - message saved), both
//! clocks being this machine's. Target: median <= 50 ms.
//!
//! `cargo bench -p mapi-engine --bench advise [-- ROUNDS]` (default 200). The writer is
//! this binary again with `MAPI_ADVISE_BENCH_WRITER` set: one message per stdin line.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mapi_engine::{AdviseSink, Engine, EngineConfig, LogonRequest};
use mapi_spi::{FolderKind, MsgStore, ProviderCatalog, Settings};
use mapi_types::notify::{fnev, table_event};
use mapi_types::{LogonFlags, Notification, PropValue, tags};

const WRITER_ENV: &str = "MAPI_ADVISE_BENCH_WRITER";

fn now_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros()
}

async fn writer(path: &str) {
    let mut s = Settings::new();
    s.set("path", PropValue::Unicode(path.into()));
    let store = mapi_provider_local::LocalStore::logon(&s).unwrap();
    let inbox = store.folder(FolderKind::Inbox).await.unwrap();
    println!("READY");
    std::io::stdout().flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
        let m = store.create_message(&inbox, 0).await.unwrap();
        let subject = format!("t{}", now_micros());
        m.set_props(&[(tags::PR_SUBJECT, PropValue::Unicode(subject))])
            .await
            .unwrap();
        m.save_changes(0).await.unwrap();
    }
    store.logoff().await;
}

struct Added(Mutex<Sender<(u128, String)>>);

impl AdviseSink for Added {
    fn on_notify(&self, ns: &[Notification]) {
        let at = now_micros();
        let tx = self.0.lock().unwrap();
        for n in ns {
            if let Notification::TableModified(t) = n
                && t.event == table_event::TABLE_ROW_ADDED
                && let Some(s) = t.row.str(tags::PR_SUBJECT)
            {
                let _ = tx.send((at, s.to_string()));
            }
        }
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    if let Ok(path) = std::env::var(WRITER_ENV) {
        rt.block_on(writer(&path));
        return;
    }
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("mail.db");
    let mut catalog = ProviderCatalog::new();
    mapi_provider_local::register(&mut catalog);
    let engine = Engine::new(EngineConfig::new(home.path()), catalog).unwrap();
    engine.initialize().unwrap();
    engine
        .with_store(|s| Ok(s.create_profile("P", None).map(|_| ())?))
        .unwrap();
    let p = path.display().to_string();
    let settings = [("path".to_string(), p.clone())];
    engine
        .create_service("P", "local-store", Some("Mail"), &settings)
        .unwrap();
    rt.block_on(async {
        let s = engine
            .logon(LogonRequest::new(Some("P"), LogonFlags::MAPI_NEW_SESSION))
            .await
            .unwrap();
        let (store_id, store) = s.default_store_entry().unwrap();
        let inbox = store.folder(FolderKind::Inbox).await.unwrap();
        let table = s.live_contents_table(&store_id, &inbox, 0).await.unwrap();
        table
            .view()
            .set_columns(&[tags::PR_ENTRYID, tags::PR_SUBJECT], 0)
            .unwrap();
        let (tx, rx) = mpsc::channel();
        table
            .advise(fnev::TABLE_MODIFIED, Arc::new(Added(Mutex::new(tx))))
            .unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(WRITER_ENV, &p)
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
            let (at, subject) = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("no TABLE_ROW_ADDED within 30 s");
            let sent: u128 = subject[1..].parse().unwrap();
            lat.push(at.saturating_sub(sent));
        }
        drop(stdin);
        child.wait().unwrap();
        lat.sort_unstable();
        let ms = |us: u128| us as f64 / 1000.0;
        println!(
            "message saved in another process -> contents-table sink, {rounds} rounds \
             (table growing to {rounds} rows): median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(lat[lat.len() / 2]),
            ms(lat[(lat.len() * 99 / 100).min(lat.len() - 1)]),
            ms(*lat.last().unwrap())
        );
        let _: &Arc<dyn MsgStore> = &store;
        s.logoff(mapi_types::LogoffFlags::default()).await;
    });
}
