//! Address-book objects as property objects: [`AbObject`], a container, mail user or
//! distribution list opened read-only (`IABContainer`, `IMailUser`, `IDistList`
//! GetProps / GetPropList), and [`NewEntry`], an entry `CreateEntry` made, which takes
//! SetProps and adds itself to its container at SaveChanges.

use std::sync::Mutex;

use async_trait::async_trait;
use mapi_spi::{PropObject, PropValues, ProviderError, ProviderResult, Reply};
use mapi_types::table::consts::MAPI_UNICODE;
use mapi_types::{PropProblem, PropTag, PropType, PropValue, Row, Status, object_type, tags};

use crate::addrbook::MergedAddressBook;

/// Most tags one GetProps takes.
const MAX_TAGS: usize = 4096;

fn is_string(t: PropType) -> bool {
    t == PropType::PT_UNICODE || t == PropType::PT_STRING8
}

/// A string value in the type asked for.
fn as_type(v: &PropValue, want: PropType) -> PropValue {
    match (v, want) {
        (PropValue::Unicode(s) | PropValue::String8(s), PropType::PT_STRING8) => {
            PropValue::String8(s.clone())
        }
        (PropValue::Unicode(s) | PropValue::String8(s), PropType::PT_UNICODE) => {
            PropValue::Unicode(s.clone())
        }
        (v, _) => v.clone(),
    }
}

fn shown(tag: PropTag, flags: u32) -> PropTag {
    if is_string(tag.prop_type()) {
        let t = if flags & MAPI_UNICODE != 0 {
            PropType::PT_UNICODE
        } else {
            PropType::PT_STRING8
        };
        PropTag::new(tag.id(), t)
    } else {
        tag
    }
}

fn check_flags(method: &str, flags: u32) -> ProviderResult<()> {
    if flags & !MAPI_UNICODE != 0 {
        return Err(ProviderError::new(
            Status::MAPI_E_UNKNOWN_FLAGS,
            format!("{method} flags {flags:#x}: only MAPI_UNICODE"),
        ));
    }
    Ok(())
}

/// GetProps over a row.
fn get_props(row: &Row, tags: Option<&[PropTag]>, flags: u32) -> ProviderResult<Reply<PropValues>> {
    check_flags("GetProps", flags)?;
    let mut out = Vec::new();
    match tags {
        None => {
            for (tag, v) in &row.0 {
                let t = shown(*tag, flags);
                out.push((t, as_type(v, t.prop_type())));
            }
        }
        Some(asked) => {
            if asked.len() > MAX_TAGS {
                return Err(ProviderError::new(
                    Status::MAPI_E_INVALID_PARAMETER,
                    format!("GetProps of {} tags: at most {MAX_TAGS}", asked.len()),
                ));
            }
            for &tag in asked {
                let want = tag.prop_type();
                let held = row
                    .0
                    .iter()
                    .find(|(t, v)| t.id() == tag.id() && !matches!(v, PropValue::Error(_)));
                out.push(match held.map(|(h, v)| (*h, v)) {
                    Some((h, v))
                        if h.prop_type() == want
                            || (is_string(want) && is_string(h.prop_type())) =>
                    {
                        (tag, as_type(v, want))
                    }
                    Some((h, v)) if want == PropType::PT_UNSPECIFIED => {
                        let t = shown(h, flags);
                        (t, as_type(v, t.prop_type()))
                    }
                    _ => (
                        PropTag::new(tag.id(), PropType::PT_ERROR),
                        PropValue::Error(Status::MAPI_E_NOT_FOUND.0),
                    ),
                });
            }
        }
    }
    let errors = out.iter().any(|(t, _)| t.prop_type() == PropType::PT_ERROR);
    Ok(Reply::warn_if(errors, out))
}

fn prop_list(row: &Row, flags: u32) -> ProviderResult<Vec<PropTag>> {
    check_flags("GetPropList", flags)?;
    Ok(row.0.iter().map(|(t, _)| shown(*t, flags)).collect())
}

/// A container, mail user or distribution list, read-only.
pub struct AbObject {
    object_type: u32,
    row: Row,
}

impl AbObject {
    /// An object of `object_type` with these properties.
    pub fn new(object_type: u32, mut row: Row) -> AbObject {
        row.set(tags::PR_OBJECT_TYPE, PropValue::Long(object_type as i32));
        AbObject { object_type, row }
    }
}

#[async_trait]
impl PropObject for AbObject {
    fn object_type(&self) -> u32 {
        self.object_type
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        get_props(&self.row, tags, flags)
    }

    async fn get_prop_list(&self, flags: u32) -> ProviderResult<Vec<PropTag>> {
        prop_list(&self.row, flags)
    }

    async fn set_props(&self, _: &[(PropTag, PropValue)]) -> ProviderResult<Vec<PropProblem>> {
        Err(ProviderError::new(
            Status::MAPI_E_NO_ACCESS,
            "address-book entries are read-only: add one with its container's CreateEntry",
        ))
    }
}

/// An entry being made by `CreateEntry`: PR_DISPLAY_NAME and PR_EMAIL_ADDRESS set
/// with SetProps, added to the container at SaveChanges (once).
pub struct NewEntry {
    book: MergedAddressBook,
    container: usize,
    state: Mutex<(Row, bool)>,
}

impl NewEntry {
    pub(crate) fn new(book: MergedAddressBook, container: usize) -> NewEntry {
        let mut row = Row::default();
        row.set(tags::PR_ADDRTYPE, PropValue::Unicode("SMTP".into()));
        row.set(
            tags::PR_OBJECT_TYPE,
            PropValue::Long(object_type::MAPI_MAILUSER as i32),
        );
        NewEntry {
            book,
            container,
            state: Mutex::new((row, false)),
        }
    }

    fn row(&self) -> std::sync::MutexGuard<'_, (Row, bool)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl PropObject for NewEntry {
    fn object_type(&self) -> u32 {
        object_type::MAPI_MAILUSER
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        get_props(&self.row().0, tags, flags)
    }

    async fn get_prop_list(&self, flags: u32) -> ProviderResult<Vec<PropTag>> {
        prop_list(&self.row().0, flags)
    }

    async fn set_props(&self, values: &[(PropTag, PropValue)]) -> ProviderResult<Vec<PropProblem>> {
        let mut st = self.row();
        if st.1 {
            return Err(ProviderError::new(
                Status::MAPI_E_NO_ACCESS,
                "the entry has been saved: open it again to read it",
            ));
        }
        let mut problems = Vec::new();
        for (i, (tag, v)) in values.iter().enumerate() {
            let settable = [
                tags::PR_DISPLAY_NAME,
                tags::PR_EMAIL_ADDRESS,
                tags::PR_ADDRTYPE,
            ]
            .iter()
            .any(|t| t.id() == tag.id());
            let text = match v {
                PropValue::Unicode(s) | PropValue::String8(s) => Some(s),
                _ => None,
            };
            match (settable, text) {
                (true, Some(s)) => st.0.set(
                    PropTag::new(tag.id(), PropType::PT_UNICODE),
                    PropValue::Unicode(s.clone()),
                ),
                (true, None) => problems.push(PropProblem {
                    index: i,
                    tag: *tag,
                    status: Status::MAPI_E_BAD_VALUE,
                }),
                (false, _) => problems.push(PropProblem {
                    index: i,
                    tag: *tag,
                    status: Status::MAPI_E_NO_ACCESS,
                }),
            }
        }
        Ok(problems)
    }

    async fn save_changes(&self, _flags: u32) -> ProviderResult<()> {
        let (name, email) = {
            let st = self.row();
            if st.1 {
                return Err(ProviderError::new(
                    Status::MAPI_E_NO_ACCESS,
                    "the entry has been saved already",
                ));
            }
            if st
                .0
                .str(tags::PR_ADDRTYPE)
                .is_some_and(|t| !t.eq_ignore_ascii_case("SMTP"))
            {
                return Err(ProviderError::new(
                    Status::MAPI_E_INVALID_PARAMETER,
                    "this container holds SMTP addresses only",
                ));
            }
            let email = st.0.str(tags::PR_EMAIL_ADDRESS).unwrap_or("").to_string();
            (
                st.0.str(tags::PR_DISPLAY_NAME).unwrap_or("").to_string(),
                email,
            )
        };
        let id = self
            .book
            .add_to(self.container, &name, &email)
            .await
            .map_err(|e| {
                use mapi_types::MapiStatus;
                ProviderError::new(e.status(), e.to_string())
            })?;
        let mut st = self.row();
        st.0.set(tags::PR_ENTRYID, PropValue::Binary(id));
        st.1 = true;
        Ok(())
    }
}
