//! [`ProfSect`]: a profile section as an `IMAPIProp` object. Changes wait in the object
//! until SaveChanges writes them (sets in one transaction, then deletes;
//! `MAPI_E_OBJECT_CHANGED` when another object saved the section in between); secure
//! properties (ids 0x67F0-0x67FF: passwords) may be written but never come back in
//! clear: asked for, they are `PT_ERROR` `MAPI_E_NO_ACCESS`.

use std::sync::{Mutex, MutexGuard};

use mapi_engine::{Engine, EngineError, Result};
use mapi_profile::ProfileError;
use mapi_profile::sections::{check_section_props, is_computed};
use mapi_spi::Reply;
use mapi_types::{MapiUid, PropTag, PropType, PropValue, Status, object_type, tags};

use crate::blocking::Mapi;
use crate::link::AnySession;

/// `MAPI_MODIFY`.
const MAPI_MODIFY: u32 = 0x1;
/// `MAPI_DEFERRED_ERRORS`.
const MAPI_DEFERRED_ERRORS: u32 = 0x8;
/// `MAPI_BEST_ACCESS`.
const MAPI_BEST_ACCESS: u32 = 0x10;
/// `MAPI_UNICODE`.
const MAPI_UNICODE: u32 = 0x8000_0000;
/// `KEEP_OPEN_READONLY`.
pub const KEEP_OPEN_READONLY: u32 = 0x1;
/// `KEEP_OPEN_READWRITE`.
pub const KEEP_OPEN_READWRITE: u32 = 0x2;
/// `FORCE_SAVE`.
pub const FORCE_SAVE: u32 = 0x4;

/// Checks property values for a section before anything is kept (see
/// [`check_section_props`]).
pub(crate) fn check_props(props: &[(PropTag, PropValue)]) -> Result<()> {
    Ok(check_section_props(props)?)
}

/// A profile section (`IProfSect`).
pub struct ProfSect {
    engine: Engine,
    profile: String,
    uid: MapiUid,
    state: Mutex<State>,
}

struct State {
    writable: bool,
    /// The stored properties (non-secure) when opened or last saved: SaveChanges
    /// refuses with `MAPI_E_OBJECT_CHANGED` if another object saved since.
    base: Vec<(PropTag, PropValue)>,
    sets: Vec<(PropTag, PropValue)>,
    deletes: Vec<PropTag>,
}

fn no_access(what: &str) -> EngineError {
    EngineError::Status(
        Status::MAPI_E_NO_ACCESS,
        format!("the profile section was not opened for writing (MAPI_MODIFY): {what}"),
    )
}

impl ProfSect {
    /// Opens a section of `profile`. `flags`: `MAPI_MODIFY` (or `MAPI_BEST_ACCESS`) to
    /// write; without it a section not stored is `MAPI_E_NOT_FOUND`.
    pub(crate) fn open(engine: Engine, profile: String, uid: MapiUid, flags: u32) -> Result<Self> {
        let known = MAPI_MODIFY | MAPI_DEFERRED_ERRORS | MAPI_BEST_ACCESS | MAPI_UNICODE;
        if flags & !known != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("OpenProfileSection: unknown flags {:#x}", flags & !known),
            ));
        }
        let writable = flags & (MAPI_MODIFY | MAPI_BEST_ACCESS) != 0;
        engine.with_store(|s| {
            let info = s.profile(&profile)?;
            match s.get_props(&info.name, uid, Some(&[tags::PR_OBJECT_TYPE])) {
                Ok(_) => Ok(()),
                Err(ProfileError::SectionNotFound(_)) if writable => Ok(()),
                Err(e) => Err(e.into()),
            }
        })?;
        let mut sect = ProfSect {
            engine,
            profile,
            uid,
            state: Mutex::new(State {
                writable,
                base: Vec::new(),
                sets: Vec::new(),
                deletes: Vec::new(),
            }),
        };
        let base = sect.stored()?;
        sect.state.get_mut().unwrap_or_else(|p| p.into_inner()).base = base;
        Ok(sect)
    }

    /// `IMAPISession::OpenProfileSection` of the session's profile, over either link.
    pub fn for_session(
        mapi: &Mapi,
        session: &AnySession,
        uid: MapiUid,
        flags: u32,
    ) -> Result<ProfSect> {
        ProfSect::open(
            mapi.engine().clone(),
            session.profile().to_string(),
            uid,
            flags,
        )
    }

    /// The section's uid.
    pub fn uid(&self) -> MapiUid {
        self.uid
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every non-secure property as saved now (a section not stored yet: the two MAPI
    /// computes for any).
    fn stored(&self) -> Result<Vec<(PropTag, PropValue)>> {
        self.engine
            .with_store(|s| match s.get_props(&self.profile, self.uid, None) {
                Ok(v) => Ok(v),
                Err(ProfileError::SectionNotFound(_)) => Ok(vec![
                    (
                        tags::PR_OBJECT_TYPE,
                        PropValue::Long(object_type::MAPI_PROFSECT as i32),
                    ),
                    (
                        tags::PR_PROFILE_NAME,
                        PropValue::Unicode(self.profile.clone()),
                    ),
                ]),
                Err(e) => Err(e.into()),
            })
    }

    /// Every non-secure property as saved, with this object's unsaved changes applied.
    fn current(&self) -> Result<Vec<(PropTag, PropValue)>> {
        let stored = self.stored()?;
        let st = self.state();
        let mut all: Vec<(PropTag, PropValue)> = stored
            .into_iter()
            .filter(|(t, _)| !st.deletes.iter().any(|d| d.id() == t.id()))
            .collect();
        for (t, v) in &st.sets {
            match all.iter_mut().find(|(have, _)| have.id() == t.id()) {
                Some(slot) => *slot = (*t, v.clone()),
                None => all.push((*t, v.clone())),
            }
        }
        Ok(all.into_iter().filter(|(t, _)| !t.is_secure()).collect())
    }

    /// `GetProps`: with `None`, every property but the secure ones (strings as
    /// `PT_UNICODE` with `MAPI_UNICODE`, else `PT_STRING8`); with tags, exactly
    /// those, in order: a missing one (and any secure one) as `PT_ERROR`, and then the
    /// call's status is `MAPI_W_ERRORS_RETURNED`. `flags`: `MAPI_UNICODE`.
    pub fn get_props(
        &self,
        wanted: Option<&[PropTag]>,
        flags: u32,
    ) -> Result<Reply<Vec<(PropTag, PropValue)>>> {
        if flags & !MAPI_UNICODE != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("GetProps: unknown flags {:#x}", flags & !MAPI_UNICODE),
            ));
        }
        let all = self.current()?;
        let Some(wanted) = wanted else {
            // Strings in the width the call asked for.
            let unicode = flags & MAPI_UNICODE != 0;
            return Ok(Reply {
                status: Status::S_OK,
                value: all
                    .into_iter()
                    .map(|(t, v)| match v {
                        PropValue::Unicode(s) | PropValue::String8(s) if unicode => {
                            (t.with_type(PropType::PT_UNICODE), PropValue::Unicode(s))
                        }
                        PropValue::Unicode(s) | PropValue::String8(s) => {
                            (t.with_type(PropType::PT_STRING8), PropValue::String8(s))
                        }
                        v => (t, v),
                    })
                    .collect(),
            });
        };
        let mut errors = false;
        let mut out = Vec::with_capacity(wanted.len());
        for t in wanted {
            let err = |s: Status| (t.with_type(PropType::PT_ERROR), PropValue::Error(s.0));
            let found = all.iter().find(|(have, _)| have.id() == t.id());
            let item = match found {
                _ if t.is_secure() => err(Status::MAPI_E_NO_ACCESS),
                None => err(Status::MAPI_E_NOT_FOUND),
                Some((have, v)) => {
                    let want = t.prop_type();
                    let strings = matches!(v, PropValue::Unicode(_) | PropValue::String8(_))
                        && (want == PropType::PT_UNICODE || want == PropType::PT_STRING8);
                    if strings {
                        (*t, v.clone())
                    } else if want == PropType::PT_UNSPECIFIED || want == have.prop_type() {
                        (*have, v.clone())
                    } else {
                        err(Status::MAPI_E_NOT_FOUND)
                    }
                }
            };
            errors |= matches!(item.1, PropValue::Error(_));
            out.push(item);
        }
        Ok(Reply {
            status: if errors {
                Status::MAPI_W_ERRORS_RETURNED
            } else {
                Status::S_OK
            },
            value: out,
        })
    }

    /// `GetPropList`: the tags `GetProps(None)` returns.
    pub fn get_prop_list(&self, flags: u32) -> Result<Vec<PropTag>> {
        Ok(self
            .get_props(None, flags)?
            .value
            .into_iter()
            .map(|(t, _)| t)
            .collect())
    }

    /// `SetProps`: kept in this object until SaveChanges. Named, computed or
    /// ill-typed properties -> `MAPI_E_INVALID_PARAMETER` and nothing is kept; a
    /// read-only section -> `MAPI_E_NO_ACCESS`.
    pub fn set_props(&self, props: &[(PropTag, PropValue)]) -> Result<()> {
        check_props(props)?;
        let mut st = self.state();
        if !st.writable {
            return Err(no_access("SetProps"));
        }
        for (t, v) in props {
            st.deletes.retain(|d| d.id() != t.id());
            st.sets.retain(|(have, _)| have.id() != t.id());
            st.sets.push((*t, v.clone()));
        }
        Ok(())
    }

    /// `DeleteProps`: kept until SaveChanges. Computed properties ->
    /// `MAPI_E_INVALID_PARAMETER`; a read-only section -> `MAPI_E_NO_ACCESS`.
    pub fn delete_props(&self, props: &[PropTag]) -> Result<()> {
        if let Some(t) = props.iter().find(|t| is_computed(**t)) {
            return Err(EngineError::InvalidParameter(format!(
                "DeleteProps: {t} is computed by MAPI and cannot be deleted"
            )));
        }
        let mut st = self.state();
        if !st.writable {
            return Err(no_access("DeleteProps"));
        }
        for t in props {
            st.sets.retain(|(have, _)| have.id() != t.id());
            if !st.deletes.iter().any(|d| d.id() == t.id()) {
                st.deletes.push(*t);
            }
        }
        Ok(())
    }

    /// `SaveChanges`: writes the kept changes. `KEEP_OPEN_READWRITE` keeps the object
    /// writable; `KEEP_OPEN_READONLY` (or neither) leaves it read-only. When another
    /// object saved the section since this one was opened or last saved, the call is
    /// `MAPI_E_OBJECT_CHANGED` and nothing is written, unless `FORCE_SAVE`.
    pub fn save_changes(&self, flags: u32) -> Result<()> {
        let known = KEEP_OPEN_READONLY | KEEP_OPEN_READWRITE | FORCE_SAVE | MAPI_DEFERRED_ERRORS;
        if flags & !known != 0 {
            return Err(EngineError::Status(
                Status::MAPI_E_UNKNOWN_FLAGS,
                format!("SaveChanges: unknown flags {:#x}", flags & !known),
            ));
        }
        if flags & KEEP_OPEN_READONLY != 0 && flags & KEEP_OPEN_READWRITE != 0 {
            return Err(EngineError::InvalidParameter(
                "SaveChanges: KEEP_OPEN_READONLY and KEEP_OPEN_READWRITE together".into(),
            ));
        }
        let mut st = self.state();
        if !st.writable {
            return Err(no_access("SaveChanges"));
        }
        if flags & FORCE_SAVE == 0 && self.stored()? != st.base {
            return Err(EngineError::Status(
                Status::MAPI_E_OBJECT_CHANGED,
                format!(
                    "SaveChanges: profile section {} was saved by another object since this \
                     one was opened or last saved (FORCE_SAVE overwrites)",
                    self.uid
                ),
            ));
        }
        let (sets, deletes) = (st.sets.clone(), st.deletes.clone());
        self.engine.with_store(|s| {
            if !sets.is_empty() {
                s.set_props(&self.profile, self.uid, &sets)?;
            }
            if !deletes.is_empty() {
                s.delete_props(&self.profile, self.uid, &deletes)?;
            }
            Ok(())
        })?;
        st.sets.clear();
        st.deletes.clear();
        st.base = self.stored()?;
        st.writable = flags & KEEP_OPEN_READWRITE != 0;
        Ok(())
    }
}
