//! `IProviderAdmin` and the profile-wide provider table (reference §7.6), with
//! PR_PROVIDER_ORDINAL computed from the transport order.

use mapi_types::{MapiUid, ProviderFlags, resource_type};

use crate::db::args;
use crate::error::{ProfileError, Result};
use crate::profiles::require;
use crate::registry::Registry;
use crate::services::put_props;
use crate::store::ProfileStore;

/// A row of a provider table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    /// PR_PROVIDER_UID.
    pub uid: MapiUid,
    /// PR_SERVICE_UID.
    pub service_uid: MapiUid,
    /// PR_SERVICE_NAME.
    pub service_name: String,
    /// The provider section's name in the registry.
    pub provider_name: String,
    /// PR_DISPLAY_NAME.
    pub display_name: String,
    /// PR_PROVIDER_DISPLAY.
    pub provider_display: String,
    /// PR_RESOURCE_TYPE.
    pub resource_type: u32,
    /// PR_RESOURCE_FLAGS.
    pub flags: ProviderFlags,
    /// PR_PROVIDER_ORDINAL: position in the profile's provider order (transports in
    /// transport order, STATUS_XP_PREFER_LAST ones last unless ordered explicitly).
    pub ordinal: u32,
}

impl ProfileStore {
    /// `IMsgServiceAdmin::GetProviderTable`: every provider of the profile, ordered by
    /// PR_PROVIDER_ORDINAL.
    pub fn provider_table(&self, profile: &str) -> Result<Vec<ProviderInfo>> {
        let p = self.profile_ref(profile)?;
        let rows = self.with_db(|db| {
            db.rows(
                "SELECT p.uid, p.service_uid, s.service_name, p.provider_name, p.display_name,
                        p.provider_display, p.resource_type, p.flags, p.transport_order
                 FROM providers p JOIN services s ON p.service_uid = s.uid
                 WHERE s.profile_id = ?1 ORDER BY s.seq, p.seq",
                args![p.id],
            )
        })?;
        let mut out = Vec::new();
        let mut orders = Vec::new();
        for r in rows {
            let (uid, suid, service_name, provider_name, display_name, provider_display) = (
                r.blob(0)?,
                r.blob(1)?,
                r.text(2)?,
                r.text(3)?,
                r.text(4)?,
                r.text(5)?,
            );
            let (rt, flags, order) = (r.int(6)?, r.int(7)?, r.opt_int(8)?);
            orders.push(order);
            out.push(ProviderInfo {
                uid: self.uid(&uid)?,
                service_uid: self.uid(&suid)?,
                service_name,
                provider_name,
                display_name,
                provider_display,
                resource_type: rt as u32,
                flags: ProviderFlags(flags as u32),
                ordinal: 0,
            });
        }
        // Non-transports keep profile order; transports follow, by explicit order if set,
        // else in the order added with STATUS_XP_PREFER_LAST ones last.
        let mut idx: Vec<usize> = (0..out.len()).collect();
        idx.sort_by_key(|&i| {
            let p = &out[i];
            let is_xp = p.resource_type == resource_type::MAPI_TRANSPORT_PROVIDER;
            let last = p.flags.contains(ProviderFlags::STATUS_XP_PREFER_LAST);
            (is_xp, orders[i].unwrap_or(i64::MAX), last, i)
        });
        let mut sorted: Vec<ProviderInfo> = idx.into_iter().map(|i| out[i].clone()).collect();
        for (n, p) in sorted.iter_mut().enumerate() {
            p.ordinal = n as u32;
        }
        Ok(sorted)
    }

    /// `IProviderAdmin::GetProviderTable`: the providers of one service.
    pub fn service_provider_table(
        &self,
        profile: &str,
        service: MapiUid,
    ) -> Result<Vec<ProviderInfo>> {
        self.msg_service(profile, service)?;
        Ok(self
            .provider_table(profile)?
            .into_iter()
            .filter(|p| p.service_uid == service)
            .collect())
    }

    /// `IProviderAdmin::CreateProvider`: another instance of one of the service's
    /// providers (by its registry section name); returns the new PR_PROVIDER_UID.
    pub fn create_provider(
        &mut self,
        registry: &Registry,
        profile: &str,
        service: MapiUid,
        provider_name: &str,
    ) -> Result<MapiUid> {
        let svc = self.msg_service(profile, service)?;
        let def = registry.require(&svc.service_name)?;
        let prov = def
            .providers
            .iter()
            .find(|p| p.name == provider_name)
            .ok_or_else(|| ProfileError::ProviderNotFound(provider_name.to_string()))?
            .clone();
        let vault = self.vault(profile, prov.props.iter().any(|(t, _)| t.is_secure()))?;
        let path = self.name.clone();
        self.write(|tx| {
            require(tx, &path, profile)?;
            let uid = MapiUid::random();
            tx.exec(
                "INSERT INTO providers (uid, service_uid, provider_name, display_name,
                    provider_display, resource_type, flags, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
                    (SELECT COALESCE(MAX(seq), -1) + 1 FROM providers WHERE service_uid = ?2))",
                args![
                    uid.0.as_slice(),
                    service.0.as_slice(),
                    &prov.name,
                    &prov.display_name,
                    &prov.provider_display,
                    prov.resource_type as i64,
                    prov.flags.0 as i64
                ],
            )?;
            put_props(tx, &path, &vault, uid, &prov.props)?;
            Ok(uid)
        })
    }

    /// `IProviderAdmin::DeleteProvider`.
    pub fn delete_provider(&mut self, profile: &str, uid: MapiUid) -> Result<()> {
        if !self.provider_table(profile)?.iter().any(|p| p.uid == uid) {
            return Err(ProfileError::ProviderNotFound(uid.to_string()));
        }
        let path = self.name.clone();
        self.write(|tx| {
            let p = require(tx, &path, profile)?;
            tx.exec(
                "DELETE FROM section_props WHERE profile_id = ?1 AND section = ?2",
                args![p.id, uid.0.as_slice()],
            )?;
            tx.exec(
                "DELETE FROM providers WHERE uid = ?1",
                args![uid.0.as_slice()],
            )?;
            Ok(())
        })
    }
}
