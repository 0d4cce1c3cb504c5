//! Status-row changes as `fnevStatusObjectModified`: the rows before and after are
//! compared by PR_ENTRYID (stable for the session's life); a row whose status
//! properties differ gives one notification with the properties that changed (one
//! that went away as `PT_ERROR` holding `MAPI_E_NOT_FOUND`).

use mapi_types::notify::StatusObjectInfo;
use mapi_types::{Notification, PropTag, PropValue, Row, Status, resource_type, tags};

/// The properties whose change is a status object's change.
pub(crate) const STATUS_PROPS: [PropTag; 3] = [
    tags::PR_STATUS_CODE,
    tags::PR_STATUS_STRING,
    tags::PR_IDENTITY_DISPLAY,
];

fn entry(r: &Row) -> Option<&[u8]> {
    r.get(tags::PR_ENTRYID).and_then(PropValue::as_bytes)
}

/// Whether a status row is a transport's (absent for `MAPI_NO_MAIL` clients).
pub(crate) fn is_transport(r: &Row) -> bool {
    r.int(tags::PR_RESOURCE_TYPE) == Some(resource_type::MAPI_TRANSPORT_PROVIDER as i64)
}

/// One notification per row of `new` whose status properties differ from its row in
/// `old` (rows new in `new` are not announced: the status table's rows are fixed for
/// a session).
pub(crate) fn changes(old: &[Row], new: &[Row]) -> Vec<(Row, Notification)> {
    let mut out = Vec::new();
    for n in new {
        let Some(id) = entry(n) else { continue };
        let Some(o) = old.iter().find(|o| entry(o) == Some(id)) else {
            continue;
        };
        let props: Vec<(PropTag, PropValue)> = STATUS_PROPS
            .iter()
            .filter(|t| o.get(**t) != n.get(**t))
            .map(|t| {
                let v = n
                    .get(*t)
                    .cloned()
                    .unwrap_or(PropValue::Error(Status::MAPI_E_NOT_FOUND.0));
                (*t, v)
            })
            .collect();
        if !props.is_empty() {
            out.push((
                n.clone(),
                Notification::StatusObjectModified(StatusObjectInfo {
                    entry: id.to_vec(),
                    props,
                }),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u8, code: i32, text: Option<&str>) -> Row {
        let mut r = Row::default();
        r.set(tags::PR_ENTRYID, PropValue::Binary(vec![id]));
        r.set(tags::PR_STATUS_CODE, PropValue::Long(code));
        if let Some(t) = text {
            r.set(tags::PR_STATUS_STRING, PropValue::Unicode(t.into()));
        }
        r
    }

    #[test]
    fn only_rows_whose_status_changed_are_announced() {
        let old = [row(1, 1, Some("online")), row(2, 1, None)];
        let new = [row(1, 2, None), row(2, 1, None), row(3, 4, None)];
        let got = changes(&old, &new);
        assert_eq!(got.len(), 1);
        let Notification::StatusObjectModified(info) = &got[0].1 else {
            panic!("{:?}", got[0].1)
        };
        assert_eq!(info.entry, vec![1]);
        assert_eq!(
            info.props,
            vec![
                (tags::PR_STATUS_CODE, PropValue::Long(2)),
                (
                    tags::PR_STATUS_STRING,
                    PropValue::Error(Status::MAPI_E_NOT_FOUND.0)
                ),
            ]
        );
        assert!(changes(&new, &new).is_empty());
    }
}
