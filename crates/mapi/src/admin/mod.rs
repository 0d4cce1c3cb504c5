//! Profile administration as MAPI's objects have it: [`ProfAdmin`] (`IProfAdmin`),
//! [`ServiceAdmin`] (`IMsgServiceAdmin` / `IMsgServiceAdmin2`), [`ProviderAdmin`]
//! (`IProviderAdmin`) and [`ProfSect`] (`IProfSect`, in `profsect`). Every call goes to
//! the engine's profile store, so a service added here runs its entry point (a local
//! store makes its file) exactly as `mapi service add` does.
//!
//! A session reaches them too ([`ServiceAdmin::for_session`],
//! [`ProfSect::for_session`]) over either link: a session in the daemon `mapid` uses
//! the same profile store as this process (the logon checked that), so its profile is
//! administered here, through this process's engine.

mod profsect;

pub use profsect::ProfSect;

use mapi_engine::{Engine, EngineError, Result};
use mapi_types::{MapiUid, PropTag, PropValue, Status, TableView};

use crate::blocking::Mapi;
use crate::link::AnySession;

/// `MAPI_UNICODE`: strings of tables and properties are wide in C.
const MAPI_UNICODE: u32 = 0x8000_0000;
/// `MAPI_DIALOG`: show a dialog (refused: there is no UI for these calls).
const MAPI_DIALOG: u32 = 0x8;
/// `SERVICE_UI_ALWAYS`: ConfigureMsgService always shows its property sheet.
pub const SERVICE_UI_ALWAYS: u32 = 0x2;
/// `SERVICE_UI_ALLOWED`: ConfigureMsgService may show a property sheet when needed.
pub const SERVICE_UI_ALLOWED: u32 = 0x10;
/// `MSG_SERVICE_UI_READ_ONLY`: the property sheet is read-only.
pub const MSG_SERVICE_UI_READ_ONLY: u32 = 0x8;

fn check_flags(call: &str, flags: u32, known: u32) -> Result<()> {
    if flags & !known != 0 {
        return Err(EngineError::Status(
            Status::MAPI_E_UNKNOWN_FLAGS,
            format!("{call}: unknown flags {:#x}", flags & !known),
        ));
    }
    Ok(())
}

fn no_dialog(call: &str, flags: u32) -> Result<()> {
    if flags & MAPI_DIALOG != 0 {
        return Err(EngineError::NoSupport(format!(
            "{call}: MAPI_DIALOG (this library shows no dialogs)"
        )));
    }
    Ok(())
}

/// `IProfAdmin`, from `MAPIAdminProfiles`.
#[derive(Clone)]
pub struct ProfAdmin {
    engine: Engine,
}

impl Mapi {
    /// `MAPIAdminProfiles`: a profile-administration handle (`flags`: none defined).
    pub fn admin_profiles(&self, flags: u32) -> Result<ProfAdmin> {
        check_flags("MAPIAdminProfiles", flags, 0)?;
        Ok(ProfAdmin {
            engine: self.engine().clone(),
        })
    }
}

impl ProfAdmin {
    /// A handle over an engine.
    pub fn new(engine: Engine) -> ProfAdmin {
        ProfAdmin { engine }
    }

    /// `GetProfileTable`: PR_DISPLAY_NAME and PR_DEFAULT_PROFILE of every profile
    /// (`flags`: `MAPI_UNICODE`).
    pub fn get_profile_table(&self, flags: u32) -> Result<TableView> {
        check_flags("GetProfileTable", flags, MAPI_UNICODE)?;
        self.engine.get_profile_table()
    }

    /// `CreateProfile` with an optional password (a name in use, case ignored ->
    /// `MAPI_E_NO_ACCESS`; a bad name -> `MAPI_E_INVALID_PARAMETER`).
    pub fn create_profile(&self, name: &str, password: Option<&str>, flags: u32) -> Result<()> {
        check_flags("CreateProfile", flags, MAPI_UNICODE | MAPI_DIALOG)?;
        no_dialog("CreateProfile", flags)?;
        self.engine
            .with_store(|s| Ok(s.create_profile(name, password).map(|_| ())?))
    }

    /// `DeleteProfile`: the profile with its services, sections and secrets.
    pub fn delete_profile(&self, name: &str, flags: u32) -> Result<()> {
        check_flags("DeleteProfile", flags, MAPI_UNICODE)?;
        self.engine.with_store(|s| Ok(s.delete_profile(name)?))
    }

    /// `CopyProfile`: a password-protected source needs its password.
    pub fn copy_profile(
        &self,
        from: &str,
        password: Option<&str>,
        to: &str,
        flags: u32,
    ) -> Result<()> {
        check_flags("CopyProfile", flags, MAPI_UNICODE | MAPI_DIALOG)?;
        no_dialog("CopyProfile", flags)?;
        self.engine
            .with_store(|s| Ok(s.copy_profile(from, password, to)?))
    }

    /// `RenameProfile`.
    pub fn rename_profile(
        &self,
        from: &str,
        password: Option<&str>,
        to: &str,
        flags: u32,
    ) -> Result<()> {
        check_flags("RenameProfile", flags, MAPI_UNICODE | MAPI_DIALOG)?;
        no_dialog("RenameProfile", flags)?;
        self.engine
            .with_store(|s| Ok(s.rename_profile(from, password, to)?))
    }

    /// `SetDefaultProfile` (`None`: no default profile).
    pub fn set_default_profile(&self, name: Option<&str>, flags: u32) -> Result<()> {
        check_flags("SetDefaultProfile", flags, MAPI_UNICODE)?;
        self.engine.with_store(|s| Ok(s.set_default_profile(name)?))
    }

    /// `ChangeProfilePassword`: the old password must match (`MAPI_E_LOGON_FAILED`);
    /// an empty or absent new one removes the password.
    pub fn change_profile_password(
        &self,
        name: &str,
        old: Option<&str>,
        new: Option<&str>,
        flags: u32,
    ) -> Result<()> {
        check_flags("ChangeProfilePassword", flags, MAPI_UNICODE)?;
        self.engine
            .with_store(|s| Ok(s.change_profile_password(name, old, new)?))
    }

    /// `AdminServices`: the services of a profile. A password-protected profile needs
    /// its password (`MAPI_E_LOGON_FAILED`); given, it also unlocks the profile's
    /// secrets so secure settings can be written.
    pub fn admin_services(
        &self,
        profile: &str,
        password: Option<&str>,
        flags: u32,
    ) -> Result<ServiceAdmin> {
        check_flags("AdminServices", flags, MAPI_UNICODE | MAPI_DIALOG)?;
        no_dialog("AdminServices", flags)?;
        let name = self.engine.with_store(|s| {
            let info = s.profile(profile)?;
            s.check_password(&info.name, password)?;
            if let Some(pw) = password.filter(|_| info.has_password) {
                s.unlock(&info.name, pw)?;
            }
            Ok(info.name)
        })?;
        Ok(ServiceAdmin {
            engine: self.engine.clone(),
            profile: name,
        })
    }
}

/// `IMsgServiceAdmin` / `IMsgServiceAdmin2` over one profile.
#[derive(Clone)]
pub struct ServiceAdmin {
    engine: Engine,
    profile: String,
}

impl ServiceAdmin {
    /// `IMAPISession::AdminServices`: the services of the session's profile, over
    /// either link (see the module documentation).
    pub fn for_session(mapi: &Mapi, session: &AnySession, flags: u32) -> Result<ServiceAdmin> {
        check_flags("AdminServices", flags, 0)?;
        let profile = session.profile().to_string();
        mapi.engine()
            .with_store(|s| Ok(s.profile(&profile).map(|_| ())?))?;
        Ok(ServiceAdmin {
            engine: mapi.engine().clone(),
            profile,
        })
    }

    /// The profile administered.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// `GetMsgServiceTable`: PR_DISPLAY_NAME, PR_SERVICE_NAME, PR_SERVICE_UID,
    /// PR_RESOURCE_FLAGS, PR_INSTANCE_KEY of every service in the order added.
    pub fn get_msg_service_table(&self, flags: u32) -> Result<TableView> {
        check_flags("GetMsgServiceTable", flags, MAPI_UNICODE)?;
        self.engine.get_msg_service_table(&self.profile)
    }

    /// `GetProviderTable`: every provider of the profile in PR_PROVIDER_ORDINAL order.
    pub fn get_provider_table(&self, flags: u32) -> Result<TableView> {
        check_flags("GetProviderTable", flags, MAPI_UNICODE)?;
        self.engine.get_provider_table(&self.profile)
    }

    /// `CreateMsgServiceEx` (and `CreateMsgService`, which drops the uid): adds a
    /// service of the registry by name (unknown -> `MAPI_E_NOT_FOUND`) and runs its
    /// entry point; returns its PR_SERVICE_UID. `flags`: `SERVICE_UI_ALLOWED` (no UI
    /// is shown), `MAPI_UNICODE`; `SERVICE_UI_ALWAYS` -> `MAPI_E_NO_SUPPORT`.
    pub fn create_msg_service(
        &self,
        service: &str,
        display_name: Option<&str>,
        flags: u32,
    ) -> Result<MapiUid> {
        check_flags(
            "CreateMsgService",
            flags,
            MAPI_UNICODE | SERVICE_UI_ALLOWED | SERVICE_UI_ALWAYS,
        )?;
        if flags & SERVICE_UI_ALWAYS != 0 {
            return Err(EngineError::NoSupport(
                "CreateMsgService: SERVICE_UI_ALWAYS (no property sheets here)".into(),
            ));
        }
        self.engine
            .create_service(&self.profile, service, display_name, &[])
    }

    /// `DeleteMsgService`: the service's entry point, then the service, its providers
    /// and sections (an unknown uid -> `MAPI_E_NOT_FOUND`).
    pub fn delete_msg_service(&self, uid: MapiUid) -> Result<()> {
        self.engine.remove_service(&self.profile, uid)
    }

    /// `ConfigureMsgService` with properties and no UI: each property is one of the
    /// service's settings, by tag (an unknown tag or a value of the wrong type ->
    /// `MAPI_E_INVALID_PARAMETER` naming it, and nothing changes); the service's entry
    /// point checks the result (a refusal puts the old values back).
    pub fn configure_msg_service(
        &self,
        uid: MapiUid,
        props: &[(PropTag, PropValue)],
        flags: u32,
    ) -> Result<()> {
        check_flags(
            "ConfigureMsgService",
            flags,
            MAPI_UNICODE | SERVICE_UI_ALLOWED | SERVICE_UI_ALWAYS | MSG_SERVICE_UI_READ_ONLY,
        )?;
        if flags & SERVICE_UI_ALWAYS != 0 {
            return Err(EngineError::NoSupport(
                "ConfigureMsgService: SERVICE_UI_ALWAYS (no property sheets here)".into(),
            ));
        }
        let svc = self
            .engine
            .with_store(|s| Ok(s.msg_service(&self.profile, uid)?))?;
        let def = self.engine.registry().require(&svc.service_name)?;
        let mut pairs = Vec::with_capacity(props.len());
        for (tag, value) in props {
            let sd = def.setting_by_tag(*tag).ok_or_else(|| {
                EngineError::InvalidParameter(format!(
                    "ConfigureMsgService: property {tag} is not a setting of service \"{}\" \
                     (its settings: {})",
                    def.name,
                    def.settings
                        .iter()
                        .map(|s| format!("{} {}", s.key, s.tag))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let text = setting_text(value)
                .filter(|_| value.fits(sd.tag))
                .ok_or_else(|| {
                    EngineError::InvalidParameter(format!(
                        "ConfigureMsgService: property {tag} ({}) cannot hold a {} value",
                        sd.key,
                        value.prop_type().name()
                    ))
                })?;
            pairs.push((sd.key.clone(), text));
        }
        self.engine.configure_service(&self.profile, uid, &pairs)
    }

    /// `OpenProfileSection` of a service or provider of this profile (or
    /// `MUID_PROFILE_INSTANCE`); `flags`: `MAPI_MODIFY` to write (a section not yet
    /// stored is then made at SaveChanges), else read-only and an unknown section is
    /// `MAPI_E_NOT_FOUND`.
    pub fn open_profile_section(&self, uid: MapiUid, flags: u32) -> Result<ProfSect> {
        ProfSect::open(self.engine.clone(), self.profile.clone(), uid, flags)
    }

    /// `AdminProviders`: the providers of one service (unknown -> `MAPI_E_NOT_FOUND`).
    pub fn admin_providers(&self, service: MapiUid, flags: u32) -> Result<ProviderAdmin> {
        check_flags("AdminProviders", flags, MAPI_UNICODE)?;
        self.engine
            .with_store(|s| Ok(s.msg_service(&self.profile, service).map(|_| ())?))?;
        Ok(ProviderAdmin {
            engine: self.engine.clone(),
            profile: self.profile.clone(),
            service,
        })
    }

    /// `MsgServiceTransportOrder`: every transport provider's uid, in the new order.
    pub fn msg_service_transport_order(&self, order: &[MapiUid], flags: u32) -> Result<()> {
        check_flags("MsgServiceTransportOrder", flags, 0)?;
        self.engine
            .with_store(|s| Ok(s.msg_service_transport_order(&self.profile, order)?))
    }

    /// `SetPrimaryIdentity` (`None`: no primary identity).
    pub fn set_primary_identity(&self, uid: Option<MapiUid>, flags: u32) -> Result<()> {
        check_flags("SetPrimaryIdentity", flags, 0)?;
        let reg = self.engine.registry();
        self.engine
            .with_store(|s| Ok(s.set_primary_identity(reg, &self.profile, uid)?))
    }
}

/// The text form a setting takes for a property value, if the value can be one.
fn setting_text(v: &PropValue) -> Option<String> {
    match v {
        PropValue::Unicode(s) | PropValue::String8(s) => Some(s.clone()),
        PropValue::Boolean(b) => Some(b.to_string()),
        PropValue::Long(n) => Some(n.to_string()),
        PropValue::I2(n) => Some(n.to_string()),
        PropValue::I8(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `IProviderAdmin` over one service of a profile.
#[derive(Clone)]
pub struct ProviderAdmin {
    engine: Engine,
    profile: String,
    service: MapiUid,
}

impl ProviderAdmin {
    /// `GetProviderTable`: the service's providers.
    pub fn get_provider_table(&self, flags: u32) -> Result<TableView> {
        check_flags("GetProviderTable", flags, MAPI_UNICODE)?;
        let service = self.service;
        let mut view = self.engine.get_provider_table(&self.profile)?;
        let all = view.query_rows(i32::MAX, 0)?;
        let mine: Vec<_> = all
            .into_iter()
            .filter(|r| {
                r.get(mapi_types::tags::PR_SERVICE_UID)
                    .and_then(PropValue::as_bytes)
                    == Some(&service.0[..])
            })
            .collect();
        let columns = view.columns().to_vec();
        Ok(TableView::over(Box::new(mapi_types::MemorySource::new(
            &columns, mine,
        ))))
    }

    /// `CreateProvider`: another instance of one of the service's providers, by its
    /// registry name, with properties for its section; returns PR_PROVIDER_UID.
    pub fn create_provider(
        &self,
        provider: &str,
        props: &[(PropTag, PropValue)],
        flags: u32,
    ) -> Result<MapiUid> {
        check_flags("CreateProvider", flags, MAPI_UNICODE | SERVICE_UI_ALLOWED)?;
        let reg = self.engine.registry();
        profsect::check_props(props)?;
        let uid = self
            .engine
            .with_store(|s| Ok(s.create_provider(reg, &self.profile, self.service, provider)?))?;
        if !props.is_empty()
            && let Err(e) = self
                .engine
                .with_store(|s| Ok(s.set_props(&self.profile, uid, props)?))
        {
            let _ = self
                .engine
                .with_store(|s| Ok(s.delete_provider(&self.profile, uid)?));
            return Err(e);
        }
        Ok(uid)
    }

    /// `DeleteProvider`.
    pub fn delete_provider(&self, uid: MapiUid) -> Result<()> {
        self.engine
            .with_store(|s| Ok(s.delete_provider(&self.profile, uid)?))
    }

    /// `OpenProfileSection` of a provider of this service (or the service itself).
    pub fn open_profile_section(&self, uid: MapiUid, flags: u32) -> Result<ProfSect> {
        ProfSect::open(self.engine.clone(), self.profile.clone(), uid, flags)
    }
}
