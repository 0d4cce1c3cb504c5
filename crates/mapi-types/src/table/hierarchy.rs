//! Hierarchy tables (`GetHierarchyTable`): a folder's subfolders from a store's flat
//! folder list, one level or, with `CONVENIENT_DEPTH`, every level with `PR_DEPTH`.

use super::Row;
use super::consts::PR_DEPTH;
use super::error::TableError;
use crate::prop::PropValue;
use crate::status::Status;
use crate::tags::{PR_ENTRYID, PR_PARENT_ENTRYID};

/// The rows of `folder`'s hierarchy table, from every folder of the store (rows with
/// PR_ENTRYID and PR_PARENT_ENTRYID): its children, or with `convenient` all its
/// descendants depth first (a folder, then its subfolders). Each row gets `PR_DEPTH`,
/// zero-based and relative to `folder` (its children have depth 0). An unknown folder is
/// `MAPI_E_NOT_FOUND`. A parent cycle in the input is never followed twice.
pub fn hierarchy_rows(
    folders: &[Row],
    folder: &[u8],
    convenient: bool,
) -> Result<Vec<Row>, TableError> {
    let id = |r: &Row| {
        r.get(PR_ENTRYID)
            .and_then(PropValue::as_bytes)
            .map(<[u8]>::to_vec)
    };
    let parent = |r: &Row| {
        r.get(PR_PARENT_ENTRYID)
            .and_then(PropValue::as_bytes)
            .map(<[u8]>::to_vec)
    };
    if !folders.iter().any(|r| id(r).as_deref() == Some(folder)) {
        return Err(TableError::new(
            Status::MAPI_E_NOT_FOUND,
            "no folder with that entry id in this store",
        ));
    }
    let mut out = Vec::new();
    let mut seen = vec![false; folders.len()];
    // (parent entry id, depth): children are pushed in reverse so they pop in order.
    let mut stack: Vec<(usize, i32)> = Vec::new();
    let children = |of: &[u8], seen: &[bool]| -> Vec<usize> {
        (0..folders.len())
            .filter(|i| !seen[*i] && parent(&folders[*i]).as_deref() == Some(of))
            .collect()
    };
    for i in children(folder, &seen).into_iter().rev() {
        stack.push((i, 0));
    }
    while let Some((i, depth)) = stack.pop() {
        if seen[i] {
            continue;
        }
        seen[i] = true;
        let mut row = folders[i].clone();
        row.set(PR_DEPTH, PropValue::Long(depth));
        out.push(row);
        if convenient && let Some(me) = id(&folders[i]) {
            for c in children(&me, &seen).into_iter().rev() {
                stack.push((c, depth + 1));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::PR_DISPLAY_NAME;

    fn folder(id: u8, parent: Option<u8>, name: &str) -> Row {
        let mut r = Row::default();
        r.set(PR_ENTRYID, PropValue::Binary(vec![id]));
        if let Some(p) = parent {
            r.set(PR_PARENT_ENTRYID, PropValue::Binary(vec![p]));
        }
        r.set(PR_DISPLAY_NAME, PropValue::Unicode(name.into()));
        r
    }

    fn names(rows: &[Row]) -> Vec<(String, i64)> {
        rows.iter()
            .map(|r| {
                (
                    r.str(PR_DISPLAY_NAME).unwrap().to_string(),
                    r.int(PR_DEPTH).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn one_level_or_every_level_with_depth() {
        let all = [
            folder(1, None, "root"),
            folder(2, Some(1), "Inbox"),
            folder(3, Some(2), "Work"),
            folder(4, Some(3), "Deep"),
            folder(5, Some(1), "Sent"),
            // A cycle: never followed twice.
            folder(6, Some(7), "a"),
            folder(7, Some(6), "b"),
        ];
        let direct = hierarchy_rows(&all, &[1], false).unwrap();
        assert_eq!(names(&direct), [("Inbox".into(), 0), ("Sent".into(), 0)]);
        let deep = hierarchy_rows(&all, &[1], true).unwrap();
        assert_eq!(
            names(&deep),
            [
                ("Inbox".into(), 0),
                ("Work".into(), 1),
                ("Deep".into(), 2),
                ("Sent".into(), 0)
            ]
        );
        assert_eq!(hierarchy_rows(&all, &[6], true).unwrap().len(), 2);
        assert!(hierarchy_rows(&all, &[4], true).unwrap().is_empty());
        assert_eq!(
            hierarchy_rows(&all, &[99], false).unwrap_err().status,
            Status::MAPI_E_NOT_FOUND
        );
    }
}
