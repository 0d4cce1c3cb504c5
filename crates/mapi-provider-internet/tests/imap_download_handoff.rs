//! The download hands fetched messages to a writer thread over a bounded queue. A
//! writer that is held (here at the test's progress gate; in use, a cache locked by
//! another process or a slow disk) fills the queue: the fetch must then wait without
//! holding the runtime's thread, or every other task on it (logoff, timers, the other
//! store calls) stops with it. Run on a current-thread runtime, where a blocking send
//! would stop everything.
mod common;

use std::time::Duration;

use common::{TestSupport, data_dir, dovecot};
use mapi_provider_internet::InternetMailService;
use mapi_spi::MsgStore;
use mapi_types::LogonFlags;

#[test]
fn held_writer_leaves_the_runtime_running() {
    let stack = dovecot();
    // Far more than the queue holds (eight hand-offs of 64) past the first batch.
    stack.generate_messages("alice", "h", 0, 1300, 800).unwrap();
    let dir = data_dir();
    let support = TestSupport::new(
        stack.settings("alice", "tls", "tls"),
        LogonFlags(0),
        dir.path(),
    );
    let (reached, release) = support.install_gate();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let runner = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let store = InternetMailService
                .logon_store(support.clone())
                .await
                .unwrap();
            tokio::task::spawn_blocking(move || reached.recv_timeout(Duration::from_secs(30)))
                .await
                .unwrap()
                .expect("the writer reaches the gate after its first batch");
            // The writer is held: the fetch fills the queue meanwhile. Timers on this
            // thread must keep firing, and logoff must return.
            for _ in 0..20 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            store.logoff().await;
        });
        let _ = done_tx.send(());
    });
    let finished = done_rx.recv_timeout(Duration::from_secs(60));
    let _ = release.send(());
    assert!(
        finished.is_ok(),
        "the runtime's only thread stopped while the download's writer was held"
    );
    runner.join().unwrap();
}
