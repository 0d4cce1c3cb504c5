//! [`LocalAttach`]: an attachment as a transacted property object, its streams and
//! its embedded message.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_spi::{PropObject, PropValues, ProviderResult, Reply};
use mapi_types::attach::{ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG, IID_IMESSAGE, NO_ATTACHMENT};
use mapi_types::object::{MAPI_CREATE, MAPI_DEFERRED_ERRORS, MAPI_MODIFY, STREAM_APPEND};
use mapi_types::tags::*;
use mapi_types::{MapiUid, PropProblem, PropTag, PropType, PropValue, Status, object_type};
use rusqlite::params;

use crate::error::LocalError;
use crate::message::{Access, Ctx, MessageInner, stream_start};
use crate::props::{Held, Place, PropSet, check_flags, tag_problem, value_problem};
use crate::stream::{LocalStream, Staged, StreamOwner};

use super::{COMPUTED, computed, method_of};

/// The shared part of an attachment object (its streams and embedded message hold it).
pub struct AttachInner {
    pub(crate) msg: Arc<MessageInner>,
    pub(super) num: u32,
    created: bool,
    state: Mutex<AttachState>,
}

struct AttachState {
    access: Access,
    props: PropSet,
    /// Saved into the message at least once (a created attachment then exists).
    saved: bool,
}

/// An attachment of a local message as a property object.
pub struct LocalAttach {
    pub(super) inner: Arc<AttachInner>,
}

impl LocalAttach {
    pub(super) fn new(
        msg: Arc<MessageInner>,
        num: u32,
        props: PropSet,
        created: bool,
        access: Access,
    ) -> LocalAttach {
        LocalAttach {
            inner: Arc::new(AttachInner {
                msg,
                num,
                created,
                state: Mutex::new(AttachState {
                    access,
                    props,
                    saved: false,
                }),
            }),
        }
    }
}

fn attach_value_problem(tag: PropTag, value: &PropValue) -> Option<Status> {
    if COMPUTED.iter().any(|t| t.id() == tag.id()) {
        return Some(Status::MAPI_E_COMPUTED);
    }
    if tag.id() == PR_ATTACH_METHOD.id() {
        return match value {
            PropValue::Long(NO_ATTACHMENT | ATTACH_BY_VALUE | ATTACH_EMBEDDED_MSG) => None,
            PropValue::Long(_) => Some(Status::MAPI_E_NO_SUPPORT),
            _ => Some(Status::MAPI_E_BAD_VALUE),
        };
    }
    None
}

impl AttachInner {
    fn lock(&self) -> MutexGuard<'_, AttachState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn what(&self) -> String {
        format!("attachment {}", self.num)
    }

    fn writable(&self, st: &AttachState) -> Result<(), LocalError> {
        crate::props::check_writable(st.access, || self.what())
    }

    fn refresh(&self, st: &mut AttachState) {
        computed(&mut st.props, self.num, self.msg.id());
    }

    fn set_props_now(
        &self,
        values: &[(PropTag, PropValue)],
    ) -> Result<Vec<PropProblem>, LocalError> {
        crate::props::check_count(values.len())?;
        self.writable(&self.lock())?;
        let mapped = self.msg.mapped_ids(values.iter().map(|(t, _)| *t))?;
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, (tag, value)) in values.iter().enumerate() {
            let problem = tag_problem(*tag, |id| mapped.contains(&id))
                .or_else(|| value_problem(*tag, value))
                .or_else(|| attach_value_problem(*tag, value));
            match problem {
                Some(status) => problems.push(PropProblem {
                    index,
                    tag: *tag,
                    status,
                }),
                None => st.props.put(*tag, Held::Value(value.clone())),
            }
        }
        self.refresh(&mut st);
        Ok(problems)
    }

    fn delete_props_now(&self, tags: &[PropTag]) -> Result<Vec<PropProblem>, LocalError> {
        crate::props::check_count(tags.len())?;
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, tag) in tags.iter().enumerate() {
            let computed = COMPUTED.iter().any(|t| t.id() == tag.id());
            let problem = match tag_problem(*tag, |_| true) {
                Some(s) => Some(s),
                None if computed => Some(Status::MAPI_E_COMPUTED),
                None if st.props.remove(tag.id()) => None,
                None => Some(Status::MAPI_E_NOT_FOUND),
            };
            if let Some(status) = problem {
                problems.push(PropProblem {
                    index,
                    tag: *tag,
                    status,
                });
            }
        }
        self.refresh(&mut st);
        Ok(problems)
    }

    fn save_now(&self, flags: u32) -> Result<(), LocalError> {
        crate::props::check_save_flags(flags)?;
        let mut st = self.lock();
        self.writable(&st)?;
        self.msg
            .take_attach(self.num, self.created || st.saved, st.props.clone())?;
        st.saved = true;
        st.access = Access::after_save(flags);
        Ok(())
    }

    fn open_property_now(
        self: &Arc<Self>,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> Result<LocalStream, LocalError> {
        let write = flags & (MAPI_MODIFY | MAPI_CREATE) != 0;
        let mapped = if write {
            self.msg.mapped_ids(std::iter::once(tag))?
        } else {
            BTreeSet::new()
        };
        let st = self.lock();
        let start = stream_start(
            &st.props,
            self.writable(&st),
            &mapped,
            tag,
            interface,
            flags,
            || format!("{tag} of attachment {}", self.num),
        )?;
        drop(st);
        LocalStream::new(
            self.clone() as Arc<dyn StreamOwner>,
            tag,
            write,
            start,
            flags & STREAM_APPEND != 0,
        )
    }

    fn open_embedded_now(
        self: &Arc<Self>,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> Result<crate::embedded::Embedded, LocalError> {
        check_flags(
            "OpenProperty",
            flags,
            MAPI_MODIFY | MAPI_CREATE | MAPI_DEFERRED_ERRORS,
        )?;
        if *interface != IID_IMESSAGE || tag.id() != PR_ATTACH_DATA_OBJ.id() {
            return Err(LocalError::NoInterface {
                detail: format!(
                    "an attachment opens PR_ATTACH_DATA_OBJ as IID_IMessage, not {tag} as {interface}"
                ),
            });
        }
        let st = self.lock();
        let write = flags & (MAPI_MODIFY | MAPI_CREATE) != 0;
        if write {
            self.writable(&st)?;
        }
        if method_of(&st.props) != Some(ATTACH_EMBEDDED_MSG) {
            return Err(LocalError::NotFound {
                what: format!(
                    "an embedded message in attachment {} (its PR_ATTACH_METHOD is not ATTACH_EMBEDDED_MSG)",
                    self.num
                ),
            });
        }
        let held = st
            .props
            .get(PR_ATTACH_DATA_OBJ.id())
            .map(|(_, h)| h.clone());
        drop(st);
        let raw = match (flags & MAPI_CREATE != 0, held) {
            (true, _) => None,
            (false, Some(held)) => Some(self.read_all(&held)?),
            (false, None) => {
                return Err(LocalError::NotFound {
                    what: format!("the embedded message of attachment {}", self.num),
                });
            }
        };
        crate::embedded::Embedded::open(self.clone(), raw.as_deref(), write)
    }

    /// The whole of a held value (an embedded message's RFC 5322 form).
    fn read_all(&self, held: &Held) -> Result<Vec<u8>, LocalError> {
        let ctx = &self.msg.ctx;
        match held {
            Held::Value(v) => Ok(v.as_bytes().map(<[u8]>::to_vec).unwrap_or_default()),
            Held::Staged(s) => s
                .read_small()
                .map_err(|e| LocalError::from_io(&ctx.path, "read", &e)),
            Held::Large(_, Place::AttachChunks(row, prop_id)) => ctx.with_conn(|conn| {
                let mut out = Vec::new();
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT data FROM attach_chunks WHERE attach = ?1 AND prop_id = ?2 ORDER BY seq",
                    )
                    .map_err(|e| ctx.sql(e))?;
                let mut rows = stmt.query(params![row, prop_id]).map_err(|e| ctx.sql(e))?;
                while let Some(r) = rows.next().map_err(|e| ctx.sql(e))? {
                    out.extend_from_slice(
                        r.get_ref(0)
                            .and_then(|v| v.as_blob().map_err(Into::into))
                            .map_err(|e| ctx.sql(e))?,
                    );
                }
                Ok(out)
            }),
            Held::Large(..) => Ok(Vec::new()),
        }
    }

    /// An embedded message's SaveChanges: its RFC 5322 form becomes PR_ATTACH_DATA_OBJ.
    pub(crate) fn take_embedded(&self, raw: &[u8]) -> Result<(), LocalError> {
        let staged = Staged::from_bytes(&self.msg.ctx.path, raw)?;
        let mut st = self.lock();
        self.writable(&st)?;
        st.props
            .put(PR_ATTACH_DATA_OBJ, Held::Staged(Arc::new(staged)));
        self.refresh(&mut st);
        Ok(())
    }
}

impl StreamOwner for AttachInner {
    fn ctx(&self) -> &Ctx {
        &self.msg.ctx
    }

    fn message_id(&self) -> i64 {
        self.msg.id()
    }

    fn stage(&self, tag: PropTag, staged: Arc<Staged>) -> Result<(), LocalError> {
        let mut st = self.lock();
        self.writable(&st)?;
        st.props.put(tag, Held::Staged(staged));
        self.refresh(&mut st);
        Ok(())
    }
}

/// PT_OBJECT values (ids `objects`) come back as `PT_ERROR` `MAPI_E_NO_SUPPORT`: open
/// them with OpenProperty.
fn hide_objects(mut reply: Reply<PropValues>, objects: &[u16]) -> Reply<PropValues> {
    let mut errors = false;
    for (tag, value) in reply.value.iter_mut() {
        let object = tag.prop_type() == PropType::PT_OBJECT
            || (objects.contains(&tag.id())
                && matches!(
                    tag.prop_type(),
                    PropType::PT_ERROR | PropType::PT_UNSPECIFIED
                ));
        if object {
            *tag = tag.with_type(PropType::PT_ERROR);
            *value = PropValue::Error(Status::MAPI_E_NO_SUPPORT.0);
        }
        errors |= tag.prop_type() == PropType::PT_ERROR;
    }
    if errors {
        reply.status = Status::MAPI_W_ERRORS_RETURNED;
    }
    reply
}

crate::object_impl::transacted_prop_object!(LocalAttach, object_type::MAPI_ATTACH, {
    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        let st = self.inner.lock();
        let objects: Vec<u16> = st
            .props
            .iter()
            .filter(|(t, _)| t.prop_type() == PropType::PT_OBJECT)
            .map(|(t, _)| t.id())
            .collect();
        let reply = st.props.get_props(tags, flags)?;
        Ok(hide_objects(reply, &objects))
    }

    async fn open_property_object(
        &self,
        tag: PropTag,
        interface: &MapiUid,
        flags: u32,
    ) -> ProviderResult<Arc<dyn PropObject>> {
        Ok(Arc::new(
            self.inner.open_embedded_now(tag, interface, flags)?,
        ))
    }
});
