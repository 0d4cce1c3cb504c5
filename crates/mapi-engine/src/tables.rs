//! Table views (`IMAPITable`) a session and the engine hand out: status, message
//! stores, a folder's hierarchy and contents, profiles, services, providers. Each view
//! of a session answers `MAPI_E_END_OF_SESSION` once the session (or this client's
//! handle) has ended.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use mapi_profile::ProviderInfo;
use mapi_spi::MsgStore;
use mapi_types::table::consts::{
    CONVENIENT_DEPTH, MAPI_ASSOCIATED, MAPI_DEFERRED_ERRORS, MAPI_UNICODE, PR_DEPTH,
    SHOW_SOFT_DELETES, TBLTYPE_DYNAMIC,
};
use mapi_types::table::hierarchy::hierarchy_rows;
use mapi_types::table::view::Liveness;
use mapi_types::{
    MapiUid, MemorySource, PropTag, PropType, PropValue, Row, RowSource, Status, Table, TableError,
    TableView, tags,
};

use crate::engine::Engine;
use crate::error::Result;
use crate::session::Session;

impl Session {
    /// What ends this handle's views: its own logoff, or the end of the session. Views
    /// made elsewhere (over a store this session opened) take it with
    /// [`TableView::with_liveness`].
    pub fn liveness(&self) -> Liveness {
        let inner = Arc::downgrade(&self.inner);
        let off = self.logged_off.clone();
        Arc::new(move || {
            let ended = |why: String| Err(TableError::new(Status::MAPI_E_END_OF_SESSION, why));
            if off.load(Ordering::SeqCst) {
                return ended("the table's session handle has logged off".into());
            }
            match inner.upgrade() {
                None => ended("the table's session has ended".into()),
                Some(s) => match s.end_reason() {
                    Some(reason) => ended(format!("the table's session has ended: {reason}")),
                    None => Ok(()),
                },
            }
        })
    }

    fn view(&self, table: Table) -> TableView {
        TableView::from_table(table).with_liveness(self.liveness())
    }

    /// `GetStatusTable` as a view. `flags`: `MAPI_UNICODE`.
    pub fn get_status_table(&self, flags: u32) -> Result<TableView> {
        TableError::check_flags("GetStatusTable", flags, MAPI_UNICODE)?;
        Ok(self
            .view(self.status_table()?)
            .with_table_type(TBLTYPE_DYNAMIC))
    }

    /// `GetMsgStoresTable` as a view. `flags`: `MAPI_UNICODE`.
    pub fn get_msg_stores_table(&self, flags: u32) -> Result<TableView> {
        TableError::check_flags("GetMsgStoresTable", flags, MAPI_UNICODE)?;
        Ok(self
            .view(self.store_table()?)
            .with_table_type(TBLTYPE_DYNAMIC))
    }

    /// `IMAPIContainer::GetHierarchyTable` of a folder of `store`: see
    /// [`hierarchy_table`].
    pub async fn get_hierarchy_table(
        &self,
        store: &Arc<dyn MsgStore>,
        folder: &[u8],
        flags: u32,
    ) -> Result<TableView> {
        hierarchy_table(store, folder, flags, self.liveness()).await
    }

    /// `IMAPIContainer::GetContentsTable` of a folder of `store`: see
    /// [`contents_table`].
    pub async fn get_contents_table(
        &self,
        store: &Arc<dyn MsgStore>,
        folder: &[u8],
        flags: u32,
    ) -> Result<TableView> {
        contents_table(store, folder, flags, self.liveness()).await
    }
}

/// The columns of a hierarchy table, in their default order.
pub const HIERARCHY_COLUMNS: [PropTag; 7] = [
    tags::PR_ENTRYID,
    tags::PR_DISPLAY_NAME,
    PR_DEPTH,
    tags::PR_CONTENT_COUNT,
    tags::PR_CONTENT_UNREAD,
    tags::PR_SUBFOLDERS,
    tags::PR_PARENT_ENTRYID,
];

/// The rows of `IMAPIContainer::GetHierarchyTable` of a folder of `store`: its
/// subfolders, or with `CONVENIENT_DEPTH` every level below it, each row with
/// `PR_DEPTH`. `flags`: `CONVENIENT_DEPTH`, `MAPI_UNICODE`, `MAPI_DEFERRED_ERRORS`,
/// `SHOW_SOFT_DELETES` (no soft-deleted folders exist).
pub async fn hierarchy_source(
    store: &Arc<dyn MsgStore>,
    folder: &[u8],
    flags: u32,
) -> Result<Box<dyn RowSource>> {
    let rows = hierarchy_table_rows(store, folder, flags).await?;
    Ok(Box::new(MemorySource::new(&HIERARCHY_COLUMNS, rows)))
}

/// The rows [`hierarchy_source`] serves, read from the store now.
pub(crate) async fn hierarchy_table_rows(
    store: &Arc<dyn MsgStore>,
    folder: &[u8],
    flags: u32,
) -> Result<Vec<Row>> {
    TableError::check_flags(
        "GetHierarchyTable",
        flags,
        CONVENIENT_DEPTH | MAPI_UNICODE | MAPI_DEFERRED_ERRORS | SHOW_SOFT_DELETES,
    )?;
    let folders = store.folders().await?;
    Ok(hierarchy_rows(
        &folders,
        folder,
        flags & CONVENIENT_DEPTH != 0,
    )?)
}

/// `IMAPIContainer::GetHierarchyTable` as a view over [`hierarchy_source`], living
/// while `alive` says so.
pub async fn hierarchy_table(
    store: &Arc<dyn MsgStore>,
    folder: &[u8],
    flags: u32,
    alive: Liveness,
) -> Result<TableView> {
    alive()?;
    let source = hierarchy_source(store, folder, flags).await?;
    Ok(TableView::over(source).with_liveness(alive))
}

/// The rows of `IMAPIContainer::GetContentsTable` of a folder of `store`: the store's
/// row source, which evaluates sort, restriction and paging (the local store in SQL).
/// `flags`: `MAPI_ASSOCIATED` (the folder's associated messages), `MAPI_UNICODE`,
/// `MAPI_DEFERRED_ERRORS`, `SHOW_SOFT_DELETES` (no soft-deleted messages exist).
pub async fn contents_source(
    store: &Arc<dyn MsgStore>,
    folder: &[u8],
    flags: u32,
) -> Result<Box<dyn RowSource>> {
    TableError::check_flags(
        "GetContentsTable",
        flags,
        MAPI_ASSOCIATED | MAPI_UNICODE | MAPI_DEFERRED_ERRORS | SHOW_SOFT_DELETES,
    )?;
    Ok(store
        .contents_source(folder, flags & MAPI_ASSOCIATED)
        .await?)
}

/// `IMAPIContainer::GetContentsTable` as a view over [`contents_source`], living while
/// `alive` says so.
pub async fn contents_table(
    store: &Arc<dyn MsgStore>,
    folder: &[u8],
    flags: u32,
    alive: Liveness,
) -> Result<TableView> {
    alive()?;
    let source = contents_source(store, folder, flags).await?;
    Ok(TableView::over(source).with_liveness(alive))
}

fn uid(u: &MapiUid) -> PropValue {
    PropValue::Binary(u.0.to_vec())
}

fn memory_view(columns: &[mapi_types::PropTag], rows: Vec<Row>) -> TableView {
    TableView::over(Box::new(MemorySource::new(columns, rows)))
}

impl Engine {
    /// `IProfAdmin::GetProfileTable` as a view: PR_DISPLAY_NAME, PR_DEFAULT_PROFILE.
    pub fn get_profile_table(&self) -> Result<TableView> {
        let profiles = self.with_store(|s| Ok(s.profile_table()?))?;
        let rows = profiles
            .into_iter()
            .map(|p| {
                let mut r = Row::default();
                r.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(p.name));
                r.set(tags::PR_DEFAULT_PROFILE, PropValue::Boolean(p.default));
                r.set(tags::PR_SEARCH_KEY, PropValue::Binary(p.search_key));
                r
            })
            .collect();
        Ok(memory_view(
            &[tags::PR_DISPLAY_NAME, tags::PR_DEFAULT_PROFILE],
            rows,
        ))
    }

    /// `IMsgServiceAdmin::GetMsgServiceTable` of a profile as a view, with the
    /// required columns of reference §7.5.
    pub fn get_msg_service_table(&self, profile: &str) -> Result<TableView> {
        let services = self.with_store(|s| Ok(s.msg_service_table(profile)?))?;
        let rows = services
            .into_iter()
            .map(|s| {
                let mut r = Row::default();
                r.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(s.display_name));
                r.set(tags::PR_INSTANCE_KEY, uid(&s.uid));
                r.set(tags::PR_SERVICE_UID, uid(&s.uid));
                r.set(tags::PR_RESOURCE_FLAGS, PropValue::Long(s.flags.0 as i32));
                // No DLLs: a service's implementation is compiled in under its
                // registry name, entered through its service entry.
                r.set(
                    tags::PR_SERVICE_DLL_NAME,
                    PropValue::Unicode(s.service_name.clone()),
                );
                r.set(
                    tags::PR_SERVICE_ENTRY_NAME,
                    PropValue::String8("ServiceEntry".into()),
                );
                r.set(
                    tags::PR_SERVICE_SUPPORT_FILES,
                    PropValue::Multi(PropType::PT_UNICODE, Vec::new()),
                );
                r.set(tags::PR_SERVICE_NAME, PropValue::Unicode(s.service_name));
                r
            })
            .collect();
        Ok(memory_view(
            &[
                tags::PR_DISPLAY_NAME,
                tags::PR_SERVICE_NAME,
                tags::PR_SERVICE_UID,
                tags::PR_RESOURCE_FLAGS,
                tags::PR_INSTANCE_KEY,
                tags::PR_SERVICE_DLL_NAME,
                tags::PR_SERVICE_ENTRY_NAME,
                tags::PR_SERVICE_SUPPORT_FILES,
            ],
            rows,
        ))
    }

    /// `IMsgServiceAdmin::GetProviderTable` of a profile as a view, in
    /// PR_PROVIDER_ORDINAL order.
    pub fn get_provider_table(&self, profile: &str) -> Result<TableView> {
        let providers = self.with_store(|s| Ok(s.provider_table(profile)?))?;
        let rows = providers.into_iter().map(provider_row).collect();
        Ok(memory_view(
            &[
                tags::PR_DISPLAY_NAME,
                tags::PR_PROVIDER_DISPLAY,
                tags::PR_RESOURCE_TYPE,
                tags::PR_PROVIDER_ORDINAL,
                tags::PR_PROVIDER_UID,
                tags::PR_SERVICE_UID,
                tags::PR_RESOURCE_FLAGS,
                tags::PR_SERVICE_NAME,
                tags::PR_INSTANCE_KEY,
            ],
            rows,
        ))
    }
}

fn provider_row(p: ProviderInfo) -> Row {
    let mut r = Row::default();
    r.set(tags::PR_DISPLAY_NAME, PropValue::Unicode(p.display_name));
    r.set(
        tags::PR_PROVIDER_DISPLAY,
        PropValue::Unicode(p.provider_display),
    );
    r.set(
        tags::PR_PROVIDER_DLL_NAME,
        PropValue::Unicode(p.provider_name),
    );
    r.set(
        tags::PR_RESOURCE_TYPE,
        PropValue::Long(p.resource_type as i32),
    );
    r.set(tags::PR_PROVIDER_ORDINAL, PropValue::Long(p.ordinal as i32));
    r.set(tags::PR_PROVIDER_UID, uid(&p.uid));
    r.set(tags::PR_INSTANCE_KEY, uid(&p.uid));
    r.set(tags::PR_SERVICE_UID, uid(&p.service_uid));
    r.set(tags::PR_RESOURCE_FLAGS, PropValue::Long(p.flags.0 as i32));
    r.set(tags::PR_SERVICE_NAME, PropValue::Unicode(p.service_name));
    r
}
