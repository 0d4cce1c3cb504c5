//! What the RES_SUBRESTRICTION tests share: a store with an Inbox filled by each test,
//! its contents table as the store evaluates it (SQL) and as the in-memory evaluation
//! sees the same rows with each message's recipient or attachment rows, restrictions
//! built around an inner one, and the checks that both give the same answers.

use std::sync::Arc;

use mapi_spi::{EntryId, FolderKind, MsgStore};
use mapi_types::object::MAPI_UNICODE;
use mapi_types::table::consts::{DIR_BACKWARD, PR_MESSAGE_RECIPIENTS};
use mapi_types::table::view::SubRows;
use mapi_types::tags::*;
use mapi_types::{
    Bookmark, ContentMatch, MemorySource, PropTag, PropValue, Relop, Restriction, Row, TableView,
};

use super::{TempDir, block_on, create_store, settings, store_logon};

/// A store whose Inbox a test filled, and the sub-object its restrictions look into
/// (`PR_MESSAGE_RECIPIENTS` or `PR_MESSAGE_ATTACHMENTS`).
pub struct Fixture {
    _dir: TempDir,
    pub store: Arc<dyn MsgStore>,
    pub inbox: EntryId,
    pub object: PropTag,
}

impl Fixture {
    /// A new store; `fill` puts the messages into its Inbox.
    pub fn new(object: PropTag, fill: impl FnOnce(&Arc<dyn MsgStore>, &EntryId)) -> Fixture {
        let dir = TempDir::new();
        let path = dir.path("mail.db");
        create_store(&path);
        let store = store_logon(settings(&path)).unwrap();
        let inbox = block_on(store.folder(FolderKind::Inbox)).unwrap();
        fill(&store, &inbox);
        Fixture {
            _dir: dir,
            store,
            inbox,
            object,
        }
    }

    /// The Inbox's contents table as the store evaluates it.
    pub fn sql_view(&self) -> TableView {
        TableView::over(block_on(self.store.contents_source(&self.inbox, 0)).unwrap())
    }

    /// The same folder in memory, each row with the rows its message's
    /// GetRecipientTable or GetAttachmentTable gives.
    pub fn memory_view(&self) -> TableView {
        let table = block_on(self.store.contents(&self.inbox)).unwrap();
        let columns = table.columns().to_vec();
        let rows: Vec<Row> = table.full_rows().into_iter().cloned().collect();
        let subs: Vec<SubRows> = rows
            .iter()
            .map(|r| {
                let entry = r.get(PR_ENTRYID).and_then(PropValue::as_bytes).unwrap();
                let msg = block_on(self.store.open_message(entry, 0)).unwrap();
                let mut src = if self.object == PR_MESSAGE_RECIPIENTS {
                    block_on(msg.recipient_table(MAPI_UNICODE)).unwrap()
                } else {
                    block_on(msg.attachment_table(MAPI_UNICODE)).unwrap()
                };
                let n = src.count().unwrap();
                let cols = src.all_columns();
                vec![(self.object, src.rows(0, n, &cols).unwrap())]
            })
            .collect();
        TableView::over(Box::new(
            MemorySource::new(&columns, rows).with_sub_rows(subs),
        ))
    }

    /// `inner` as a sub-restriction on the fixture's object.
    pub fn sub(&self, inner: Restriction) -> Restriction {
        sub(self.object, inner)
    }

    /// Each inner restriction as the whole restriction, negated, beside an SQL part,
    /// and inside an OR with a case-ignoring match on the subject (evaluated in Rust).
    pub fn restrictions(&self, inners: Vec<Restriction>) -> Vec<Restriction> {
        let mut out = Vec::new();
        for inner in inners {
            out.push(self.sub(inner.clone()));
            out.push(Restriction::Not(Box::new(self.sub(inner.clone()))));
            out.push(Restriction::And(vec![
                self.sub(inner.clone()),
                content(PR_SUBJECT, "Note 1", ContentMatch::Prefix, false),
            ]));
            out.push(Restriction::Or(vec![
                content(PR_SUBJECT, "NOTE 3", ContentMatch::Full, true),
                self.sub(inner),
            ]));
        }
        out
    }

    /// Every restriction built around `inners` gives the store's table the count, the
    /// rows and (in a fresh view that pages before it counts) the first page the
    /// memory evaluation gives; more than `selective` of them keep some rows but not
    /// all `total`.
    pub fn assert_matches_memory(&self, inners: Vec<Restriction>, total: u32, selective: usize) {
        let mut sql = self.sql_view();
        let mut mem = self.memory_view();
        assert_eq!(all_rows(&mut sql), all_rows(&mut mem));
        assert_eq!(sql.get_row_count(0).unwrap(), total);
        let mut seen = 0;
        for r in self.restrictions(inners) {
            sql.restrict(Some(r.clone()), 0).unwrap();
            mem.restrict(Some(r.clone()), 0).unwrap();
            let count = mem.get_row_count(0).unwrap();
            assert_eq!(sql.get_row_count(0).unwrap(), count, "count of {r:?}");
            assert_eq!(all_rows(&mut sql), all_rows(&mut mem), "rows of {r:?}");
            let mut fresh = self.sql_view();
            fresh.restrict(Some(r.clone()), 0).unwrap();
            fresh.set_columns(&[PR_ENTRYID, PR_SUBJECT], 0).unwrap();
            mem.seek_row(Bookmark::Beginning, 0).unwrap();
            assert_eq!(
                fresh.query_rows(3, 0).unwrap(),
                mem.query_rows(3, 0).unwrap(),
                "first page of {r:?}"
            );
            if count > 0 && count < total {
                seen += 1;
            }
        }
        assert!(seen > selective, "only {seen} selective cases");
    }

    /// FindRow with each sub-restriction, forward from the beginning and backward from
    /// the end, finds what the memory evaluation finds; the store's view is returned.
    pub fn assert_find_row_matches(&self, inners: Vec<Restriction>) -> TableView {
        let mut sql = self.sql_view();
        let mut mem = self.memory_view();
        for inner in inners {
            let r = self.sub(inner);
            for (from, flags) in [(Bookmark::Beginning, 0), (Bookmark::End, DIR_BACKWARD)] {
                let found = [&mut sql, &mut mem].map(|v| {
                    let status = v.find_row(&r, from, flags).err().map(|e| e.status);
                    (status, v.query_position().unwrap().row)
                });
                assert_eq!(found[0], found[1], "FindRow {r:?} from {from:?}");
            }
        }
        sql
    }
}

/// Every row of a view (entry id and subject), from the beginning.
pub fn all_rows(v: &mut TableView) -> Vec<Row> {
    v.set_columns(&[PR_ENTRYID, PR_SUBJECT], 0).unwrap();
    v.seek_row(Bookmark::Beginning, 0).unwrap();
    v.query_rows(1000, 0).unwrap()
}

/// The subjects of every row of a view.
pub fn subjects(v: &mut TableView) -> Vec<String> {
    all_rows(v)
        .iter()
        .map(|r| r.str(PR_SUBJECT).unwrap().to_string())
        .collect()
}

/// `RES_CONTENT`.
pub fn content(tag: PropTag, text: &str, how: ContentMatch, ignore_case: bool) -> Restriction {
    Restriction::Content {
        tag,
        text: text.into(),
        how,
        ignore_case,
    }
}

/// `RES_SUBRESTRICTION` on `object`.
pub fn sub(object: PropTag, inner: Restriction) -> Restriction {
    Restriction::Sub {
        object,
        restriction: Box::new(inner),
    }
}

/// `RES_PROPERTY`.
pub fn prop(op: Relop, tag: PropTag, value: PropValue) -> Restriction {
    Restriction::Property { op, tag, value }
}
