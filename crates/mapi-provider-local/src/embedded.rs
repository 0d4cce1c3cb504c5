//! [`Embedded`]: the message of an `ATTACH_EMBEDDED_MSG` attachment (PR_ATTACH_DATA_OBJ
//! opened as `IID_IMessage`). The store keeps an embedded message as its RFC 5322 form:
//! opening one maps that form with mapi-mime (its properties, and its To / Cc / Bcc as
//! recipients); its SaveChanges builds the form again from its properties and recipients
//! (as an unsent message's) and hands it to the attachment, which hands it to the
//! message at its own SaveChanges. So an embedded message holds the properties its MIME
//! carries (subject, senders, recipients, body, HTML, times, ids); others set on it last
//! until its SaveChanges. It has no attachments of its own (`MAPI_E_NO_SUPPORT`).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_spi::ProviderResult;
use mapi_types::object::{
    MAPI_CREATE, MAPI_DEFERRED_ERRORS, MAPI_MODIFY, MAPI_UNICODE, STREAM_APPEND,
};
use mapi_types::tags::*;
use mapi_types::{MapiUid, PropProblem, PropTag, PropValue, Row, RowSource, Status, object_type};

use crate::attach::AttachInner;
use crate::error::LocalError;
use crate::message::{Access, Ctx, stream_start};
use crate::props::{Held, PropSet, check_flags, tag_problem, value_problem};
use crate::recipients::Recipients;
use crate::stream::{LocalStream, Staged, StreamOwner};

/// An embedded message as a property object.
pub struct Embedded {
    inner: Arc<EmbeddedInner>,
}

/// The shared part of an embedded message (its streams hold it too).
pub struct EmbeddedInner {
    attach: Arc<AttachInner>,
    state: Mutex<State>,
}

struct State {
    access: Access,
    props: PropSet,
    recipients: Recipients,
}

impl Embedded {
    /// The embedded message of `attach`: mapped from `raw`, or a new empty one.
    pub fn open(
        attach: Arc<AttachInner>,
        raw: Option<&[u8]>,
        write: bool,
    ) -> Result<Embedded, LocalError> {
        let parser = mapi_mime::MessageParser::new();
        let (mut props, rows) = match raw {
            Some(raw) => (
                PropSet::from_row(mapi_mime::MessageProps::map(&parser, raw).into_row(None)),
                mapi_mime::recipients(&parser, raw),
            ),
            None => {
                let mut p = PropSet::default();
                p.put(
                    PR_MESSAGE_CLASS,
                    Held::Value(PropValue::Unicode(mapi_mime::MESSAGE_CLASS.into())),
                );
                p.put(PR_MESSAGE_FLAGS, Held::Value(PropValue::Long(0)));
                p.put(PR_IMPORTANCE, Held::Value(PropValue::Long(1)));
                (p, Vec::new())
            }
        };
        props.put(
            PR_OBJECT_TYPE,
            Held::Value(PropValue::Long(object_type::MAPI_MESSAGE as i32)),
        );
        props.remove(PR_MESSAGE_DELIVERY_TIME.id());
        Ok(Embedded {
            inner: Arc::new(EmbeddedInner {
                attach,
                state: Mutex::new(State {
                    access: if write {
                        Access::ReadWrite
                    } else {
                        Access::ReadOnly
                    },
                    props,
                    recipients: Recipients { rows, dirty: false },
                }),
            }),
        })
    }
}

impl EmbeddedInner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn writable(&self, st: &State) -> Result<(), LocalError> {
        crate::props::check_writable(st.access, || "the embedded message".into())
    }

    fn set_props_now(
        &self,
        values: &[(PropTag, PropValue)],
    ) -> Result<Vec<PropProblem>, LocalError> {
        crate::props::check_count(values.len())?;
        self.writable(&self.lock())?;
        let mapped = self.attach.msg.mapped_ids(values.iter().map(|(t, _)| *t))?;
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, (tag, value)) in values.iter().enumerate() {
            match tag_problem(*tag, |id| mapped.contains(&id))
                .or_else(|| value_problem(*tag, value))
            {
                Some(status) => problems.push(PropProblem {
                    index,
                    tag: *tag,
                    status,
                }),
                None => st.props.put(*tag, Held::Value(value.clone())),
            }
        }
        Ok(problems)
    }

    fn delete_props_now(&self, tags: &[PropTag]) -> Result<Vec<PropProblem>, LocalError> {
        crate::props::check_count(tags.len())?;
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, tag) in tags.iter().enumerate() {
            let problem = match tag_problem(*tag, |_| true) {
                Some(s) => Some(s),
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
        Ok(problems)
    }

    fn save_now(&self, flags: u32) -> Result<(), LocalError> {
        crate::props::check_save_flags(flags)?;
        let mut st = self.lock();
        self.writable(&st)?;
        let ctx = &self.attach.msg.ctx;
        let raw =
            crate::compose_attach::embedded_mime(&st.props, &st.recipients.rows).map_err(|e| {
                match e {
                    crate::compose_attach::EmbeddedError::Io(e) => {
                        LocalError::from_io(&ctx.path, "read", &e)
                    }
                    crate::compose_attach::EmbeddedError::Mime(detail) => {
                        LocalError::BadValue { detail }
                    }
                }
            })?;
        self.attach.take_embedded(&raw)?;
        st.recipients.dirty = false;
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
            self.attach.msg.mapped_ids(std::iter::once(tag))?
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
            || format!("{tag} of the embedded message"),
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
}

impl StreamOwner for EmbeddedInner {
    fn ctx(&self) -> &Ctx {
        &self.attach.msg.ctx
    }

    fn message_id(&self) -> i64 {
        self.attach.msg.id()
    }

    fn stage(&self, tag: PropTag, staged: Arc<Staged>) -> Result<(), LocalError> {
        let mut st = self.lock();
        self.writable(&st)?;
        st.props.put(tag, Held::Staged(staged));
        Ok(())
    }
}

crate::object_impl::transacted_prop_object!(Embedded, object_type::MAPI_MESSAGE, get_props, {
    async fn modify_recipients(&self, flags: u32, rows: &[Row]) -> ProviderResult<()> {
        let mut st = self.inner.lock();
        self.inner.writable(&st)?;
        Ok(st.recipients.modify(flags, rows)?)
    }

    async fn recipient_table(&self, flags: u32) -> ProviderResult<Box<dyn RowSource>> {
        check_flags(
            "GetRecipientTable",
            flags,
            MAPI_UNICODE | MAPI_DEFERRED_ERRORS,
        )?;
        Ok(Box::new(self.inner.lock().recipients.table()))
    }
});
