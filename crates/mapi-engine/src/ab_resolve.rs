//! `IAddrBook::ResolveName` and `IABContainer::ResolveNames` over an ADRLIST (one
//! [`Row`] per ADRENTRY).
//!
//! An entry that already has a PR_ENTRYID is resolved and left alone. Another one's
//! PR_DISPLAY_NAME is looked up in each container: the entries whose display name or
//! address starts with it (case ignored). One match, or one exact match (name or
//! address equal, case ignored) among several, resolves it: the entry gets the match's
//! PR_ENTRYID, PR_DISPLAY_NAME, PR_ADDRTYPE, PR_EMAIL_ADDRESS, PR_SMTP_ADDRESS,
//! PR_OBJECT_TYPE, PR_DISPLAY_TYPE and PR_SEARCH_KEY, and keeps its other properties
//! (PR_RECIPIENT_TYPE). Several matches leave it ambiguous, none unresolved (both left
//! unchanged) — except a name in MAPI's one-off syntax (`[SMTP:addr]`, or a bare
//! `user@domain`), which resolves to a one-off entry id.
//!
//! `ResolveName` answers `MAPI_E_AMBIGUOUS_RECIP` when some entry stayed ambiguous,
//! else `MAPI_E_NOT_FOUND` when some stayed unresolved; the resolved ones are updated
//! either way. `MAPI_DIALOG` asks for a dialog to settle ambiguity: this library has
//! none, so the call answers as without it.

use mapi_types::addrbook::{MAPI_AMBIGUOUS, MAPI_DIALOG, MAPI_RESOLVED, MAPI_UNRESOLVED, OneOff};
use mapi_types::table::consts::MAPI_UNICODE;
use mapi_types::{PropValue, Row, Status, tags};

use crate::addrbook::{MAX_RESOLVE_ENTRIES, MergedAddressBook, one_off_row};
use crate::error::{EngineError, Result};

/// What a resolution did: the ADRLIST's entries as they are now, each one's
/// `MAPI_UNRESOLVED` / `MAPI_AMBIGUOUS` / `MAPI_RESOLVED`, and the call's status.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// `S_OK`, `MAPI_E_AMBIGUOUS_RECIP` or `MAPI_E_NOT_FOUND` (the rows are updated
    /// even then).
    pub status: Status,
    /// The entries, resolved ones with their new properties.
    pub rows: Vec<Row>,
    /// One flag per entry.
    pub flags: Vec<u32>,
}

impl MergedAddressBook {
    /// `IAddrBook::ResolveName` across every container. `flags`: `MAPI_DIALOG`,
    /// `MAPI_UNICODE`. Too many entries (more than [`MAX_RESOLVE_ENTRIES`]) is
    /// `MAPI_E_INVALID_PARAMETER`.
    pub async fn resolve_name(&self, flags: u32, rows: Vec<Row>) -> Result<Resolved> {
        check(flags, MAPI_DIALOG | MAPI_UNICODE, "ResolveName")?;
        self.resolve_in(None, rows).await
    }

    /// `IABContainer::ResolveNames` in one container (the root: every container).
    /// `flags`: `MAPI_UNICODE`.
    pub async fn resolve_names(
        &self,
        container: &[u8],
        flags: u32,
        rows: Vec<Row>,
    ) -> Result<Resolved> {
        check(flags, MAPI_UNICODE, "ResolveNames")?;
        let only = match self.target(container) {
            crate::addrbook::AbTarget::Root => None,
            crate::addrbook::AbTarget::Container(i) => Some(i),
            _ => {
                return Err(EngineError::Status(
                    Status::MAPI_E_INVALID_ENTRYID,
                    "that entry id is not an address-book container of this session".into(),
                ));
            }
        };
        self.resolve_in(only, rows).await
    }

    async fn resolve_in(&self, only: Option<usize>, mut rows: Vec<Row>) -> Result<Resolved> {
        if rows.len() > MAX_RESOLVE_ENTRIES {
            return Err(EngineError::InvalidParameter(format!(
                "ResolveName of {} entries: at most {MAX_RESOLVE_ENTRIES} at once",
                rows.len()
            )));
        }
        let mut flags = Vec::with_capacity(rows.len());
        for row in rows.iter_mut() {
            flags.push(self.resolve_one(only, row).await?);
        }
        let status = if flags.contains(&MAPI_AMBIGUOUS) {
            Status::MAPI_E_AMBIGUOUS_RECIP
        } else if flags.contains(&MAPI_UNRESOLVED) {
            Status::MAPI_E_NOT_FOUND
        } else {
            Status::S_OK
        };
        Ok(Resolved {
            status,
            rows,
            flags,
        })
    }

    async fn resolve_one(&self, only: Option<usize>, row: &mut Row) -> Result<u32> {
        if row
            .get(tags::PR_ENTRYID)
            .and_then(PropValue::as_bytes)
            .is_some_and(|b| !b.is_empty())
        {
            return Ok(MAPI_RESOLVED);
        }
        let Some(name) = row
            .str(tags::PR_DISPLAY_NAME)
            .map(str::trim)
            .map(str::to_string)
        else {
            return Ok(MAPI_UNRESOLVED);
        };
        if name.is_empty() {
            return Ok(MAPI_UNRESOLVED);
        }
        let mut matches = Vec::new();
        for (i, b) in self.books.iter().enumerate() {
            if only.is_some_and(|o| o != i) {
                continue;
            }
            matches.extend(
                b.resolve(&name)
                    .await?
                    .into_iter()
                    .map(crate::addrbook::entry_row),
            );
        }
        let lower = name.to_lowercase();
        let exact = |r: &Row| {
            r.str(tags::PR_DISPLAY_NAME)
                .map(str::to_lowercase)
                .as_deref()
                == Some(&lower[..])
                || r.str(tags::PR_EMAIL_ADDRESS)
                    .map(str::to_lowercase)
                    .as_deref()
                    == Some(&lower[..])
        };
        let chosen = match matches.len() {
            0 => None,
            1 => matches.pop(),
            _ => {
                let mut exacts: Vec<Row> = matches.iter().filter(|r| exact(r)).cloned().collect();
                if exacts.len() == 1 {
                    exacts.pop()
                } else {
                    return Ok(MAPI_AMBIGUOUS);
                }
            }
        };
        let found = match chosen {
            Some(r) => r,
            None => match one_off_syntax(&name) {
                Some((t, a)) => {
                    let o = OneOff {
                        display_name: a.clone(),
                        addr_type: t,
                        address: a,
                        flags: mapi_types::addrbook::MAPI_ONE_OFF_UNICODE,
                    };
                    one_off_row(&o, &o.entry_id())
                }
                None => return Ok(MAPI_UNRESOLVED),
            },
        };
        for tag in [
            tags::PR_ENTRYID,
            tags::PR_DISPLAY_NAME,
            tags::PR_ADDRTYPE,
            tags::PR_EMAIL_ADDRESS,
            tags::PR_SMTP_ADDRESS,
            tags::PR_OBJECT_TYPE,
            mapi_types::addrbook::PR_DISPLAY_TYPE,
            tags::PR_SEARCH_KEY,
        ] {
            if let Some(v) = found.get(tag) {
                row.set(tag, v.clone());
            }
        }
        Ok(MAPI_RESOLVED)
    }
}

/// `[TYPE:address]`, or a bare `local@domain`: (address type, address).
fn one_off_syntax(name: &str) -> Option<(String, String)> {
    if let Some(inner) = name.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let (t, a) = inner.split_once(':')?;
        let (t, a) = (t.trim(), a.trim());
        if t.is_empty() || a.is_empty() {
            return None;
        }
        return Some((t.to_uppercase(), a.to_string()));
    }
    let (local, domain) = name.split_once('@')?;
    let plain =
        |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || "<>,;\"".contains(c));
    (plain(local) && plain(domain) && !domain.contains('@'))
        .then(|| ("SMTP".to_string(), name.to_string()))
}

fn check(flags: u32, known: u32, method: &str) -> Result<()> {
    if flags & !known != 0 {
        return Err(EngineError::Status(
            Status::MAPI_E_UNKNOWN_FLAGS,
            format!("{method} flags {flags:#x}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::one_off_syntax;

    #[test]
    fn one_off_syntax_is_recognised() {
        assert_eq!(
            one_off_syntax("[smtp:a@x.org]"),
            Some(("SMTP".into(), "a@x.org".into()))
        );
        assert_eq!(
            one_off_syntax("a@x.org"),
            Some(("SMTP".into(), "a@x.org".into()))
        );
        assert_eq!(one_off_syntax("Ann Example"), None);
        assert_eq!(one_off_syntax("a b@x.org"), None);
        assert_eq!(one_off_syntax("[SMTP:]"), None);
    }
}
