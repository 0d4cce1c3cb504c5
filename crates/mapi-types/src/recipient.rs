//! The flags and values of `IMessage::ModifyRecipients` and PR_RECIPIENT_TYPE, with
//! MAPI's values (Mapidefs.h), and what a ModifyRecipients call does to a message's
//! recipient list ([`modify_list`]), the same in every store.

use crate::prop::tags::{
    PR_DISPLAY_NAME, PR_EMAIL_ADDRESS, PR_INSTANCE_KEY, PR_RECIPIENT_TYPE, PR_ROWID,
};
use crate::{PropTag, PropValue, Row, Status};

/// `MODRECIP_ADD`: the rows are new recipients (the store gives each its PR_ROWID).
pub const MODRECIP_ADD: u32 = 0x0000_0002;
/// `MODRECIP_MODIFY`: each row replaces the recipient of its PR_ROWID.
pub const MODRECIP_MODIFY: u32 = 0x0000_0004;
/// `MODRECIP_REMOVE`: the recipients of the rows' PR_ROWID go.
pub const MODRECIP_REMOVE: u32 = 0x0000_0008;
/// `MAPI_ORIG` (PR_RECIPIENT_TYPE): the originator.
pub const MAPI_ORIG: i32 = 0;
/// `MAPI_TO` (PR_RECIPIENT_TYPE): a primary recipient.
pub const MAPI_TO: i32 = 1;
/// `MAPI_CC` (PR_RECIPIENT_TYPE): a carbon-copy recipient.
pub const MAPI_CC: i32 = 2;
/// `MAPI_BCC` (PR_RECIPIENT_TYPE): a blind carbon-copy recipient.
pub const MAPI_BCC: i32 = 3;
/// `MAPI_P1` (PR_RECIPIENT_TYPE bit): a resend to this recipient.
pub const MAPI_P1: i32 = 0x1000_0000;
/// `MAPI_SUBMITTED` (PR_RECIPIENT_TYPE bit): already sent to this recipient.
pub const MAPI_SUBMITTED: i32 = 0x8000_0000_u32 as i32;

/// The most recipients one message keeps.
pub const MAX_RECIPIENTS: usize = 10_000;

/// Why a ModifyRecipients call was refused (nothing changed): its status and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientError {
    /// `MAPI_E_INVALID_PARAMETER` or `MAPI_E_NOT_FOUND`.
    pub status: Status,
    /// What was wrong, naming the row.
    pub detail: String,
}

fn invalid(detail: String) -> RecipientError {
    RecipientError {
        status: Status::MAPI_E_INVALID_PARAMETER,
        detail,
    }
}

/// A recipient's type without the `MAPI_P1` / `MAPI_SUBMITTED` bits.
pub fn base_type(row: &Row) -> Option<i32> {
    row.int(PR_RECIPIENT_TYPE)
        .map(|t| t as i32 & !(MAPI_P1 | MAPI_SUBMITTED))
}

/// Checks row `index`, one to be kept (ADD, MODIFY, or a replacement list): at most
/// `max_props` properties, each one `value_ok` accepts (the row's own PR_ROWID and
/// PR_INSTANCE_KEY are not asked about), a PR_RECIPIENT_TYPE of MAPI_TO, MAPI_CC or
/// MAPI_BCC, and a name or an address.
pub fn check_row(
    index: usize,
    row: &Row,
    max_props: usize,
    value_ok: &dyn Fn(PropTag, &PropValue) -> bool,
) -> Result<(), RecipientError> {
    if row.0.len() > max_props {
        return Err(invalid(format!(
            "recipient row {index} has {} properties; at most {max_props}",
            row.0.len()
        )));
    }
    for (tag, value) in &row.0 {
        let own = tag.id() == PR_ROWID.id() || tag.id() == PR_INSTANCE_KEY.id();
        if !own && !value_ok(*tag, value) {
            return Err(invalid(format!(
                "recipient row {index}: {tag:?} cannot hold that value"
            )));
        }
    }
    if !matches!(base_type(row), Some(MAPI_TO | MAPI_CC | MAPI_BCC)) {
        return Err(invalid(format!(
            "recipient row {index} needs a PR_RECIPIENT_TYPE of MAPI_TO, MAPI_CC or MAPI_BCC"
        )));
    }
    let has = |tag| row.str(tag).is_some_and(|s: &str| !s.trim().is_empty());
    if !has(PR_DISPLAY_NAME) && !has(PR_EMAIL_ADDRESS) {
        return Err(invalid(format!(
            "recipient row {index} needs a PR_DISPLAY_NAME or a PR_EMAIL_ADDRESS"
        )));
    }
    Ok(())
}

fn row_id(row: &Row) -> Option<i64> {
    row.int(PR_ROWID)
}

/// A row as a store keeps it: without PR_ROWID / PR_INSTANCE_KEY (the store's own),
/// then PR_ROWID `id`.
pub fn kept(row: &Row, id: i64) -> Row {
    let mut out = Row(row
        .0
        .iter()
        .filter(|(t, _)| t.id() != PR_ROWID.id() && t.id() != PR_INSTANCE_KEY.id())
        .cloned()
        .collect());
    out.set(PR_ROWID, PropValue::Long(id as i32));
    out
}

/// `ModifyRecipients` on `list`, all or nothing: the list after the call. `flags` are
/// the call's, already checked for unknown bits: `MODRECIP_ADD` (each row is new and
/// gets the next PR_ROWID), `MODRECIP_MODIFY` (each row replaces the recipient of its
/// PR_ROWID), `MODRECIP_REMOVE` (the recipients of the rows' PR_ROWID go), or none (the
/// rows replace the list, numbered from 1). More than one of them, a row `check`
/// refuses, or more than [`MAX_RECIPIENTS`] is `MAPI_E_INVALID_PARAMETER`; a PR_ROWID
/// the list lacks is `MAPI_E_NOT_FOUND`.
pub fn modify_list(
    list: &[Row],
    flags: u32,
    rows: &[Row],
    check: &dyn Fn(usize, &Row) -> Result<(), RecipientError>,
) -> Result<Vec<Row>, RecipientError> {
    if flags.count_ones() > 1 {
        return Err(invalid(
            "ModifyRecipients takes one of MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE".into(),
        ));
    }
    if rows.len() > MAX_RECIPIENTS {
        return Err(invalid(format!(
            "{} recipient rows; a message keeps at most {MAX_RECIPIENTS}",
            rows.len()
        )));
    }
    let mut list = list.to_vec();
    let mut next = list.iter().filter_map(row_id).max().unwrap_or(0) + 1;
    let position = |list: &[Row], index: usize, row: &Row| {
        let id =
            row_id(row).ok_or_else(|| invalid(format!("recipient row {index} has no PR_ROWID")))?;
        list.iter()
            .position(|r| row_id(r) == Some(id))
            .ok_or_else(|| RecipientError {
                status: Status::MAPI_E_NOT_FOUND,
                detail: format!("the recipient with PR_ROWID {id}"),
            })
    };
    match flags {
        MODRECIP_REMOVE => {
            for (i, row) in rows.iter().enumerate() {
                let at = position(&list, i, row)?;
                list.remove(at);
            }
        }
        MODRECIP_MODIFY => {
            for (i, row) in rows.iter().enumerate() {
                check(i, row)?;
                let at = position(&list, i, row)?;
                let id = row_id(&list[at]).unwrap_or(next);
                list[at] = kept(row, id);
            }
        }
        _ => {
            for (i, row) in rows.iter().enumerate() {
                check(i, row)?;
            }
            if flags == 0 {
                list.clear();
                next = 1;
            }
            for row in rows {
                list.push(kept(row, next));
                next += 1;
            }
        }
    }
    if list.len() > MAX_RECIPIENTS {
        return Err(invalid(format!(
            "a message keeps at most {MAX_RECIPIENTS} recipients"
        )));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rcpt(kind: i32, address: &str) -> Row {
        let mut r = Row::default();
        r.set(PR_RECIPIENT_TYPE, PropValue::Long(kind));
        r.set(PR_EMAIL_ADDRESS, PropValue::Unicode(address.into()));
        r
    }

    fn check(i: usize, r: &Row) -> Result<(), RecipientError> {
        check_row(i, r, 16, &|_, _| true)
    }

    #[test]
    fn add_modify_remove_and_replace() {
        let list = modify_list(
            &[],
            MODRECIP_ADD,
            &[rcpt(MAPI_TO, "a@x"), rcpt(MAPI_CC, "b@x")],
            &check,
        )
        .unwrap();
        assert_eq!(
            list.iter().map(|r| r.int(PR_ROWID)).collect::<Vec<_>>(),
            [Some(1), Some(2)]
        );
        let mut m = rcpt(MAPI_BCC, "c@x");
        m.set(PR_ROWID, PropValue::Long(2));
        let list = modify_list(&list, MODRECIP_MODIFY, &[m.clone()], &check).unwrap();
        assert_eq!(list[1].str(PR_EMAIL_ADDRESS), Some("c@x"));
        assert_eq!(list[1].int(PR_ROWID), Some(2));
        let list = modify_list(&list, MODRECIP_REMOVE, &[m], &check).unwrap();
        assert_eq!(list.len(), 1);
        let list = modify_list(&list, 0, &[rcpt(MAPI_TO, "d@x")], &check).unwrap();
        assert_eq!((list.len(), list[0].int(PR_ROWID)), (1, Some(1)));
    }

    #[test]
    fn refusals_change_nothing_and_name_their_status() {
        let list = modify_list(&[], MODRECIP_ADD, &[rcpt(MAPI_TO, "a@x")], &check).unwrap();
        let e = modify_list(&list, MODRECIP_ADD, &[rcpt(MAPI_ORIG, "o@x")], &check).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_INVALID_PARAMETER);
        let e = modify_list(&list, MODRECIP_ADD, &[rcpt(MAPI_TO, " ")], &check).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_INVALID_PARAMETER);
        let mut gone = rcpt(MAPI_TO, "a@x");
        gone.set(PR_ROWID, PropValue::Long(9));
        let e = modify_list(&list, MODRECIP_REMOVE, &[gone], &check).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_NOT_FOUND);
        let e = modify_list(&list, MODRECIP_ADD | MODRECIP_REMOVE, &[], &check).unwrap_err();
        assert_eq!(e.status, Status::MAPI_E_INVALID_PARAMETER);
        let refused = |_: PropTag, _: &PropValue| false;
        let e = check_row(0, &rcpt(MAPI_TO, "a@x"), 16, &refused).unwrap_err();
        assert!(e.detail.contains("cannot hold"), "{e:?}");
    }

    #[test]
    fn values_are_mapis() {
        assert_eq!([MODRECIP_ADD, MODRECIP_MODIFY, MODRECIP_REMOVE], [2, 4, 8]);
        assert_eq!([MAPI_ORIG, MAPI_TO, MAPI_CC, MAPI_BCC], [0, 1, 2, 3]);
        assert_eq!(MAPI_P1 as u32, 0x1000_0000);
        assert_eq!(MAPI_SUBMITTED as u32, 0x8000_0000);
    }
}
