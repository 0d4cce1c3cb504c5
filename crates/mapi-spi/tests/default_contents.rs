//! The default `MsgStore::contents_source` (what a provider without its own row source,
//! such as the IMAP store, gets): its folder's rows evaluated in memory, PR_READ computed
//! from PR_MESSAGE_FLAGS, and MAPI_ASSOCIATED empty; and the MAPI_E_NO_SUPPORT defaults of
//! stores and property objects without property-object methods.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use mapi_spi::{
    EntryId, FolderKind, MsgStore, PropObject, PropValues, ProviderError, ProviderResult, Reply,
    async_trait,
};
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

/// A property object that implements only GetProps and GetPropList.
struct ReadOnlyObject;

#[async_trait]
impl PropObject for ReadOnlyObject {
    fn object_type(&self) -> u32 {
        mapi_types::object_type::MAPI_FOLDER
    }
    async fn get_props(
        &self,
        _: Option<&[mapi_types::PropTag]>,
        _: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        Ok(Reply::warn_if(true, Vec::new()))
    }
    async fn get_prop_list(&self, _: u32) -> ProviderResult<Vec<mapi_types::PropTag>> {
        Ok(Vec::new())
    }
}

#[test]
fn stores_and_objects_without_the_methods_answer_no_support() {
    let no_support = mapi_types::Status::MAPI_E_NO_SUPPORT;
    let store = ThreeMessages;
    assert_eq!(
        block_on(store.open_message(b"m", 0)).err().unwrap().status,
        no_support
    );
    assert_eq!(
        block_on(store.open_folder(b"inbox", 0))
            .err()
            .unwrap()
            .status,
        no_support
    );
    assert_eq!(
        block_on(store.open_store_object()).err().unwrap().status,
        no_support
    );
    let obj = ReadOnlyObject;
    let r = block_on(obj.get_props(None, 0)).unwrap();
    assert_eq!(r.status, mapi_types::Status::MAPI_W_ERRORS_RETURNED);
    assert_eq!(Reply::warn_if(false, ()).status, mapi_types::Status::S_OK);
    let statuses = [
        block_on(obj.set_props(&[])).err().unwrap().status,
        block_on(obj.delete_props(&[])).err().unwrap().status,
        block_on(obj.save_changes(0)).err().unwrap().status,
        block_on(obj.open_property(PR_BODY, &mapi_types::object::IID_ISTREAM, 0))
            .err()
            .unwrap()
            .status,
        block_on(obj.get_ids_from_names(&[], 0))
            .err()
            .unwrap()
            .status,
        block_on(obj.get_names_from_ids(None, None, 0))
            .err()
            .unwrap()
            .status,
    ];
    assert_eq!(statuses, [no_support; 6]);
}

#[test]
fn stores_without_folder_operations_answer_no_support_and_receive_in_the_inbox() {
    let no_support = mapi_types::Status::MAPI_E_NO_SUPPORT;
    let store = ThreeMessages;
    let ids = vec![b"m1".to_vec()];
    let statuses = [
        block_on(store.create_folder(b"root", "New", 0))
            .err()
            .unwrap()
            .status,
        block_on(store.delete_folder(b"root", b"f", 0))
            .err()
            .unwrap()
            .status,
        block_on(store.empty_folder(b"f", 0)).err().unwrap().status,
        block_on(store.copy_folder(b"root", b"f", b"g", None, 0))
            .err()
            .unwrap()
            .status,
        block_on(store.copy_messages(b"f", &ids, b"g", 0))
            .err()
            .unwrap()
            .status,
        block_on(store.delete_messages(b"f", &ids, 0))
            .err()
            .unwrap()
            .status,
        block_on(store.set_read_flags(b"f", None, 0))
            .err()
            .unwrap()
            .status,
    ];
    assert_eq!(statuses, [no_support; 7]);
    // the default asks the store for its Inbox (this one has none to give)
    let e = block_on(store.get_receive_folder("IPM.Note"))
        .err()
        .unwrap();
    let inbox = block_on(store.folder(FolderKind::Inbox)).err().unwrap();
    assert_eq!((e.status, e.message), (inbox.status, inbox.message));
}
