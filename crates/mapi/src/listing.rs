//! [`Listing`]: a page of a folder's messages as `mapi store ls` shows them, read
//! through the folder's contents table: restricted, sorted, offset and limited by the
//! table (in SQL for the local store), never by loading the folder.

use mapi_engine::{EngineError, Result};
use mapi_types::table::view::MAX_COLUMNS;
use mapi_types::tags::*;
use mapi_types::{Bookmark, PropTag, Restriction, Row, SortKey, TableView};

use crate::filter::{parse_sort, parse_where};

/// The columns a listing row holds.
pub const LISTING_COLUMNS: [PropTag; 9] = [
    PR_ENTRYID,
    PR_SUBJECT,
    PR_SENDER_NAME,
    PR_SENDER_EMAIL_ADDRESS,
    PR_DISPLAY_TO,
    PR_MESSAGE_SIZE,
    PR_MESSAGE_DELIVERY_TIME,
    PR_MESSAGE_FLAGS,
    PR_HASATTACH,
];

/// Rows read per `QueryRows` when no limit is given.
const PAGE: i32 = 1000;

/// What to list: restriction, sort order, offset and limit.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    /// `--where`, parsed.
    pub restriction: Option<Restriction>,
    /// `--sort`, parsed; empty = the table's order (newest first).
    pub sort: Vec<SortKey>,
    /// Rows skipped first.
    pub offset: usize,
    /// Rows shown at most; `None` = all.
    pub limit: Option<usize>,
}

impl Listing {
    /// From the command-line texts (see [`crate::filter`] for the syntax).
    pub fn parse(
        where_: Option<&str>,
        sort: Option<&str>,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<Listing> {
        let restriction = where_
            .map(|w| parse_where(w).map_err(|e| prefix("--where", e)))
            .transpose()?;
        let sort = sort
            .map(|s| parse_sort(s).map_err(|e| prefix("--sort", e)))
            .transpose()?
            .unwrap_or_default();
        Ok(Listing {
            restriction,
            sort,
            offset,
            limit,
        })
    }

    /// Reads the page from a contents table.
    pub fn run(&self, table: &mut TableView) -> Result<Vec<Row>> {
        debug_assert!(LISTING_COLUMNS.len() <= MAX_COLUMNS);
        table.set_columns(&LISTING_COLUMNS, 0)?;
        if self.restriction.is_some() {
            table.restrict(self.restriction.clone(), 0)?;
        }
        if !self.sort.is_empty() {
            table.sort_table(&self.sort, 0)?;
        }
        // SeekRow moves at most i32::MAX rows a call.
        let mut left = self.offset;
        while left > 0 {
            let step = left.min(i32::MAX as usize) as i32;
            if table.seek_row(Bookmark::Current, step)? < step {
                break;
            }
            left -= step as usize;
        }
        let mut out = Vec::new();
        loop {
            let want = match self.limit {
                Some(l) => l.saturating_sub(out.len()).min(PAGE as usize) as i32,
                None => PAGE,
            };
            if want == 0 {
                break;
            }
            let rows = table.query_rows(want, 0)?;
            if rows.is_empty() {
                break;
            }
            out.extend(rows);
        }
        Ok(out)
    }
}

fn prefix(option: &str, e: EngineError) -> EngineError {
    match e {
        EngineError::InvalidParameter(m) => EngineError::InvalidParameter(format!("{option} {m}")),
        other => other,
    }
}
