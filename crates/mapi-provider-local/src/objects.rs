//! [`RowObject`]: the store and its folders as property objects: GetProps and
//! GetPropList over their properties, the store's named-property map, and the few
//! properties a client may change — a folder's PR_DISPLAY_NAME (a rename),
//! PR_COMMENT and PR_CONTAINER_CLASS, the store's PR_DISPLAY_NAME and PR_COMMENT —
//! through SetProps, DeleteProps (PR_COMMENT) and SaveChanges. Every other property
//! is computed or fixed: changing it is a `MAPI_E_NO_ACCESS` problem entry.
//!
//! The changes stay in the object until SaveChanges, which writes them in one
//! transaction (a folder's columns; the store's `meta` rows), after checking that no
//! other session saved the object since it was opened (`MAPI_E_OBJECT_CHANGED`
//! unless `FORCE_SAVE`), that a folder still exists (`MAPI_E_OBJECT_DELETED`) and
//! that a renamed folder's new name is not a sibling's (`MAPI_E_COLLISION`).
//!
//! A folder's computed properties (PR_CONTENT_COUNT, PR_CONTENT_UNREAD,
//! PR_SUBFOLDERS, PR_ASSOC_CONTENT_COUNT) are live: GetProps and GetPropList read
//! them from the database in one query, so a message saved by another session since
//! the folder was opened shows at once. Pending SetProps values stay as they are
//! until SaveChanges. Once the folder is deleted, they keep their last values.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use mapi_spi::{Access, PropNames, PropObject, PropValues, ProviderResult, Reply, async_trait};
use mapi_types::object::FORCE_SAVE;
use mapi_types::tags::{
    PR_CONTAINER_CLASS, PR_CONTENT_COUNT, PR_CONTENT_UNREAD, PR_DISPLAY_NAME, PR_SUBFOLDERS,
};
use mapi_types::{
    MapiUid, NameId, PropProblem, PropTag, PropType, PropValue, Row, Status, object_type,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::LocalError;
use crate::message::Ctx;
use crate::named;
use crate::props::{Held, PropSet, value_problem};
use crate::store::folder_ops::{check_name, child_named};

/// `PR_COMMENT` (`PT_UNICODE`).
pub const PR_COMMENT: PropTag = PropTag(0x3004_001F);

/// `PR_ASSOC_CONTENT_COUNT` (`PT_LONG`): the folder's associated messages (the store
/// keeps none, so always 0).
pub const PR_ASSOC_CONTENT_COUNT: PropTag = PropTag(0x3617_0003);

/// `MSGFLAG_READ`.
const MSGFLAG_READ: i64 = 0x1;

/// The longest PR_COMMENT kept, in bytes (`MAPI_E_TOO_BIG` beyond).
pub const MAX_COMMENT: usize = 64 * 1024;

/// Which object: the store, or a folder by row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The message store object.
    Store,
    /// A folder.
    Folder(i64),
}

/// The values a client may change, as saved: a folder's name, comment and container
/// class; the store's display name (when one was saved) and comment.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Kept {
    /// PR_DISPLAY_NAME (the store's: `None` until one is saved; the profile's shows).
    pub name: Option<String>,
    /// PR_COMMENT.
    pub comment: Option<String>,
    /// PR_CONTAINER_CLASS (folders).
    pub class: Option<String>,
}

struct State {
    access: Access,
    props: PropSet,
    /// The kept values when opened or last saved.
    saved: Kept,
    /// Ids set or deleted since then.
    dirty: BTreeSet<u16>,
}

/// A store or folder object.
pub struct RowObject {
    ctx: Arc<Ctx>,
    target: Target,
    /// The store's properties as the store shows them (`MsgStore::properties`),
    /// brought up to date by a store object's SaveChanges.
    shown: Option<Arc<Mutex<Row>>>,
    st: Mutex<State>,
}

impl RowObject {
    /// A folder object with its row's properties; writable when `writable` (opened
    /// with `MAPI_MODIFY` or `MAPI_BEST_ACCESS`).
    pub fn folder(ctx: Arc<Ctx>, id: i64, row: Row, writable: bool) -> Result<Self, LocalError> {
        let saved = ctx.with_conn(|conn| {
            read_folder(conn, id)
                .map_err(|e| ctx.sql(e))?
                .ok_or_else(|| LocalError::NotFound {
                    what: format!("folder {id}"),
                })
        })?;
        let access = if writable {
            Access::ReadWrite
        } else {
            Access::ReadOnly
        };
        Ok(Self::new(ctx, Target::Folder(id), None, row, saved, access))
    }

    /// The store object, writable, over the store's shown properties.
    pub fn store(ctx: Arc<Ctx>, shown: Arc<Mutex<Row>>) -> Result<Self, LocalError> {
        let saved = ctx.with_conn(|conn| read_store(conn).map_err(|e| ctx.sql(e)))?;
        let row = shown.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Ok(Self::new(
            ctx,
            Target::Store,
            Some(shown),
            row,
            saved,
            Access::ReadWrite,
        ))
    }

    fn new(
        ctx: Arc<Ctx>,
        target: Target,
        shown: Option<Arc<Mutex<Row>>>,
        row: Row,
        saved: Kept,
        access: Access,
    ) -> Self {
        RowObject {
            ctx,
            target,
            shown,
            st: Mutex::new(State {
                access,
                props: PropSet::from_row(row),
                saved,
                dirty: BTreeSet::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The object's state with a folder's computed properties read now.
    fn live(&self) -> Result<MutexGuard<'_, State>, LocalError> {
        let mut st = self.lock();
        if let Target::Folder(id) = self.target
            && let Some(now) = self
                .ctx
                .with_conn(|conn| read_computed(conn, id).map_err(|e| self.ctx.sql(e)))?
        {
            for (tag, value) in now {
                st.props.put(tag, Held::Value(value));
            }
        }
        Ok(st)
    }

    fn what(&self) -> String {
        match self.target {
            Target::Store => "the message store".into(),
            Target::Folder(id) => format!("folder {id}"),
        }
    }

    fn writable(&self, st: &State) -> Result<(), LocalError> {
        crate::props::check_writable(st.access, || self.what())
    }

    /// Whether a client may set the property with this id.
    fn settable(&self, id: u16) -> bool {
        id == PR_DISPLAY_NAME.id()
            || id == PR_COMMENT.id()
            || (id == PR_CONTAINER_CLASS.id() && matches!(self.target, Target::Folder(_)))
    }

    fn set_props_now(
        &self,
        values: &[(PropTag, PropValue)],
    ) -> Result<Vec<PropProblem>, LocalError> {
        crate::props::check_count(values.len())?;
        let mut st = self.lock();
        self.writable(&st)?;
        let mut problems = Vec::new();
        for (index, (tag, value)) in values.iter().enumerate() {
            match self.set_problem(*tag, value) {
                Some(status) => problems.push(PropProblem {
                    index,
                    tag: *tag,
                    status,
                }),
                None => {
                    let text = value.as_str().unwrap_or_default().to_string();
                    let wanted = PropTag::new(tag.id(), PropType::PT_UNICODE);
                    st.props.put(wanted, Held::Value(PropValue::Unicode(text)));
                    st.dirty.insert(tag.id());
                }
            }
        }
        Ok(problems)
    }

    /// The problem (if any) with setting `tag` to `value`.
    fn set_problem(&self, tag: PropTag, value: &PropValue) -> Option<Status> {
        if !self.settable(tag.id()) {
            return Some(Status::MAPI_E_NO_ACCESS);
        }
        if !matches!(tag.prop_type(), PropType::PT_UNICODE | PropType::PT_STRING8) {
            return Some(Status::MAPI_E_UNEXPECTED_TYPE);
        }
        if let Some(status) = value_problem(tag, value) {
            return Some(status);
        }
        let text = value.as_str().unwrap_or_default();
        let id = tag.id();
        if id == PR_DISPLAY_NAME.id() && check_name(text).is_err() {
            return Some(Status::MAPI_E_BAD_VALUE);
        }
        if id == PR_CONTAINER_CLASS.id() && (text.is_empty() || text.chars().any(char::is_control))
        {
            return Some(Status::MAPI_E_BAD_VALUE);
        }
        if id == PR_COMMENT.id() && text.len() > MAX_COMMENT {
            return Some(Status::MAPI_E_TOO_BIG);
        }
        None
    }

    fn delete_props_now(&self, tags: &[PropTag]) -> Result<Vec<PropProblem>, LocalError> {
        crate::props::check_count(tags.len())?;
        let mut st = self.lock();
        self.writable(&st)?;
        // Only the comment can go: a name and a class are always there.
        let problems = tags
            .iter()
            .enumerate()
            .filter_map(|(index, tag)| {
                let status = if tag.id() != PR_COMMENT.id() {
                    Status::MAPI_E_NO_ACCESS
                } else if st.props.remove(tag.id()) {
                    st.dirty.insert(tag.id());
                    return None;
                } else {
                    Status::MAPI_E_NOT_FOUND
                };
                Some(PropProblem {
                    index,
                    tag: *tag,
                    status,
                })
            })
            .collect();
        Ok(problems)
    }

    /// The kept values as the object now holds them.
    fn pending(&self, st: &State) -> Kept {
        let text = |tag: PropTag| {
            st.props.get(tag.id()).and_then(|(_, held)| match held {
                Held::Value(v) => v.as_str().map(str::to_string),
                _ => None,
            })
        };
        Kept {
            name: text(PR_DISPLAY_NAME),
            comment: text(PR_COMMENT),
            class: text(PR_CONTAINER_CLASS),
        }
    }

    fn save_now(&self, flags: u32) -> Result<(), LocalError> {
        crate::props::check_save_flags(flags)?;
        let mut st = self.lock();
        self.writable(&st)?;
        if !st.dirty.is_empty() {
            let wanted = self.pending(&st);
            self.write(&st, &wanted, flags & FORCE_SAVE != 0)?;
            st.saved = self.ctx.with_conn(|conn| {
                match self.target {
                    Target::Store => read_store(conn),
                    Target::Folder(id) => read_folder(conn, id).map(Option::unwrap_or_default),
                }
                .map_err(|e| self.ctx.sql(e))
            })?;
            st.dirty.clear();
            if let Some(shown) = &self.shown {
                let mut row = shown.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(name) = &st.saved.name {
                    row.set(PR_DISPLAY_NAME, PropValue::Unicode(name.clone()));
                }
                set_comment(&mut row, st.saved.comment.as_deref());
            }
        }
        st.access = Access::after_save(flags);
        Ok(())
    }

    /// Writes `wanted` in one transaction, checked against what was saved when the
    /// object was opened (or last saved).
    fn write(&self, st: &State, wanted: &Kept, force: bool) -> Result<(), LocalError> {
        let saved = &st.saved;
        let sql = |e| self.ctx.sql(e);
        self.ctx.with_conn(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql)?;
            match self.target {
                Target::Folder(id) => {
                    let now = read_folder(&tx, id)
                        .map_err(sql)?
                        .ok_or_else(|| LocalError::ObjectDeleted { what: self.what() })?;
                    if now != *saved && !force {
                        return Err(LocalError::ObjectChanged { what: self.what() });
                    }
                    let name = wanted.name.clone().unwrap_or_default();
                    let parent: Option<i64> = tx
                        .query_row("SELECT parent FROM folders WHERE id = ?1", [id], |r| {
                            r.get(0)
                        })
                        .map_err(sql)?;
                    if let Some(parent) = parent
                        && child_named(&tx, parent, &name)
                            .map_err(sql)?
                            .is_some_and(|other| other != id)
                    {
                        return Err(LocalError::Collision { name });
                    }
                    tx.prepare_cached(
                        "UPDATE folders SET name = ?2, comment = ?3, class = ?4 WHERE id = ?1",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            id,
                            name,
                            wanted.comment,
                            wanted.class.clone().unwrap_or_default()
                        ])
                    })
                    .map_err(sql)?;
                }
                Target::Store => {
                    let now = read_store(&tx).map_err(sql)?;
                    if now != *saved && !force {
                        return Err(LocalError::ObjectChanged { what: self.what() });
                    }
                    let changes = [
                        (PR_DISPLAY_NAME, "display_name", &wanted.name),
                        (PR_COMMENT, "comment", &wanted.comment),
                    ];
                    for (tag, key, value) in changes {
                        if !st.dirty.contains(&tag.id()) {
                            continue;
                        }
                        match value {
                            Some(v) => tx.execute(
                                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                params![key, v.as_bytes()],
                            ),
                            None => tx.execute("DELETE FROM meta WHERE key = ?1", [key]),
                        }
                        .map_err(sql)?;
                    }
                }
            }
            tx.commit().map_err(sql)
        })
    }
}

/// Sets or clears PR_COMMENT in a row.
pub fn set_comment(row: &mut Row, comment: Option<&str>) {
    row.0.retain(|(t, _)| t.id() != PR_COMMENT.id());
    if let Some(c) = comment {
        row.set(PR_COMMENT, PropValue::Unicode(c.to_string()));
    }
}

/// A folder's kept values (`None`: no such folder).
fn read_folder(conn: &Connection, id: i64) -> rusqlite::Result<Option<Kept>> {
    conn.prepare_cached("SELECT name, comment, class FROM folders WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(Kept {
                name: Some(r.get(0)?),
                comment: r.get(1)?,
                class: Some(r.get(2)?),
            })
        })
        .optional()
}

/// A folder's computed properties as they are now, in one query (`None`: no such
/// folder).
fn read_computed(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<[(PropTag, PropValue); 4]>> {
    conn.prepare_cached(
        "SELECT f.msg_count,
                (SELECT count(*) FROM messages m WHERE m.folder = f.id AND m.flags & ?2 = 0),
                EXISTS (SELECT 1 FROM folders c WHERE c.parent = f.id)
         FROM folders f WHERE f.id = ?1",
    )?
    .query_row(params![id, MSGFLAG_READ], |r| {
        let long = |n: i64| PropValue::Long(i32::try_from(n.max(0)).unwrap_or(i32::MAX));
        Ok([
            (PR_CONTENT_COUNT, long(r.get(0)?)),
            (PR_CONTENT_UNREAD, long(r.get(1)?)),
            (PR_SUBFOLDERS, PropValue::Boolean(r.get(2)?)),
            (PR_ASSOC_CONTENT_COUNT, PropValue::Long(0)),
        ])
    })
    .optional()
}

/// The store's saved display name and comment (`meta` rows).
pub fn read_store(conn: &Connection) -> rusqlite::Result<Kept> {
    let get = |key: &str| -> rusqlite::Result<Option<String>> {
        let v: Option<Vec<u8>> = conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
    };
    Ok(Kept {
        name: get("display_name")?,
        comment: get("comment")?,
        class: None,
    })
}

#[async_trait]
impl PropObject for RowObject {
    fn object_type(&self) -> u32 {
        match self.target {
            Target::Store => object_type::MAPI_STORE,
            Target::Folder(_) => object_type::MAPI_FOLDER,
        }
    }

    async fn get_props(
        &self,
        tags: Option<&[PropTag]>,
        flags: u32,
    ) -> ProviderResult<Reply<PropValues>> {
        Ok(self.live()?.props.get_props(tags, flags)?)
    }

    async fn get_prop_list(&self, flags: u32) -> ProviderResult<Vec<PropTag>> {
        Ok(self.live()?.props.list(flags)?)
    }

    async fn set_props(&self, values: &[(PropTag, PropValue)]) -> ProviderResult<Vec<PropProblem>> {
        Ok(self.set_props_now(values)?)
    }

    async fn delete_props(&self, tags: &[PropTag]) -> ProviderResult<Vec<PropProblem>> {
        Ok(self.delete_props_now(tags)?)
    }

    async fn save_changes(&self, flags: u32) -> ProviderResult<()> {
        Ok(self.save_now(flags)?)
    }

    async fn get_ids_from_names(
        &self,
        names: &[NameId],
        flags: u32,
    ) -> ProviderResult<Reply<Vec<PropTag>>> {
        Ok(named::get_ids(&self.ctx, names, flags)?)
    }

    async fn get_names_from_ids(
        &self,
        tags: Option<&[PropTag]>,
        guid: Option<&MapiUid>,
        flags: u32,
    ) -> ProviderResult<Reply<PropNames>> {
        Ok(named::get_names(&self.ctx, tags, guid, flags)?)
    }
}
