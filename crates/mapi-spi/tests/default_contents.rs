//! The default `MsgStore::contents_source` (what a provider without its own row source,
//! such as the IMAP store, gets): its folder's rows evaluated in memory, PR_READ computed
//! from PR_MESSAGE_FLAGS, and MAPI_ASSOCIATED empty.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use mapi_spi::{EntryId, FolderKind, MsgStore, ProviderError, ProviderResult, async_trait};
use mapi_types::table::consts::MAPI_ASSOCIATED;
use mapi_types::tags::*;
use mapi_types::{PropValue, Row, SortKey, Table, TableView};

/// A store holding one folder of three messages in memory.
struct ThreeMessages;

fn message(subject: &str, flags: i32) -> Row {
    let mut r = Row::default();
    r.set(PR_SUBJECT, PropValue::Unicode(subject.into()));
    r.set(PR_MESSAGE_FLAGS, PropValue::Long(flags));
    r
}

fn none<T>() -> ProviderResult<T> {
    Err(ProviderError::no_support("not part of this test"))
}

#[async_trait]
impl MsgStore for ThreeMessages {
    fn properties(&self) -> Row {
        Row::default()
    }
    async fn folders(&self) -> ProviderResult<Vec<Row>> {
        none()
    }
    async fn folder(&self, _: FolderKind) -> ProviderResult<EntryId> {
        none()
    }
    async fn contents(&self, folder: &[u8]) -> ProviderResult<Table> {
        if folder != b"inbox" {
            return Err(ProviderError::not_found("no such folder"));
        }
        Ok(Table::new(
            vec![PR_SUBJECT, PR_MESSAGE_FLAGS],
            vec![message("b", 1), message("c", 0x10), message("a", 0x11)],
        ))
    }
    async fn read_message(&self, _: &[u8]) -> ProviderResult<Row> {
        none()
    }
    async fn read_raw(&self, _: &[u8]) -> ProviderResult<Vec<u8>> {
        none()
    }
    async fn import_raw(&self, _: &[u8], _: Vec<Vec<u8>>) -> ProviderResult<Vec<EntryId>> {
        none()
    }
    async fn delete_message(&self, _: &[u8]) -> ProviderResult<()> {
        none()
    }
    async fn move_message(&self, _: &[u8], _: &[u8]) -> ProviderResult<EntryId> {
        none()
    }
    async fn logoff(&self) {}
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

#[test]
fn the_default_source_evaluates_in_memory_with_pr_read() {
    let store = ThreeMessages;
    let mut v = TableView::over(block_on(store.contents_source(b"inbox", 0)).unwrap());
    assert_eq!(v.query_columns(0).unwrap(), [PR_SUBJECT, PR_MESSAGE_FLAGS]);
    v.set_columns(&[PR_SUBJECT, PR_READ], 0).unwrap();
    v.sort_table(
        &[SortKey::ascending(PR_READ), SortKey::ascending(PR_SUBJECT)],
        0,
    )
    .unwrap();
    let rows = v.query_rows(10, 0).unwrap();
    let got: Vec<(&str, bool)> = rows
        .iter()
        .map(|r| {
            (
                r.str(PR_SUBJECT).unwrap(),
                r.get(PR_READ).and_then(PropValue::as_bool).unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("c", false), ("a", true), ("b", true)]);
    let mut assoc =
        TableView::over(block_on(store.contents_source(b"inbox", MAPI_ASSOCIATED)).unwrap());
    assert_eq!(assoc.get_row_count(0).unwrap(), 0);
    let e = block_on(store.contents_source(b"outbox", 0)).err().unwrap();
    assert_eq!(e.status, mapi_types::Status::MAPI_E_NOT_FOUND);
}
