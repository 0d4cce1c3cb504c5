//! The embedded default profile: `Default`, with a local store and personal contacts in
//! the MAPI home, made when absent.

use mapi_engine::{Engine, Result};

/// The profile quickstart makes.
pub const QUICKSTART_PROFILE: &str = "Default";

/// What [`ensure_default_profile`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quickstart {
    /// The profile's name.
    pub profile: String,
    /// Whether it was made now (false: it existed).
    pub created: bool,
}

/// Makes the `Default` profile with a local store (`<home>/Default.store`) and contacts
/// (`<home>/Default.contacts`) when no profile of that name exists, and makes it the
/// default profile when none is set.
pub fn ensure_default_profile(engine: &Engine) -> Result<Quickstart> {
    let home = engine.config().home.clone();
    let exists = engine.with_store(|s| {
        Ok(s.profile_table()?
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(QUICKSTART_PROFILE)))
    })?;
    let mut created = false;
    if !exists {
        engine.with_store(|s| Ok(s.create_profile(QUICKSTART_PROFILE, None).map(|_| ())?))?;
        let made = (|| {
            let store = home.join(format!("{QUICKSTART_PROFILE}.store"));
            let contacts = home.join(format!("{QUICKSTART_PROFILE}.contacts"));
            engine.create_service(
                QUICKSTART_PROFILE,
                "local-store",
                Some("Personal Folders"),
                &[("path".into(), store.display().to_string())],
            )?;
            engine.create_service(
                QUICKSTART_PROFILE,
                "contacts",
                Some("Contacts"),
                &[("path".into(), contacts.display().to_string())],
            )?;
            Ok(())
        })();
        if let Err(e) = made {
            let _ = engine.with_store(|s| Ok(s.delete_profile(QUICKSTART_PROFILE)?));
            return Err(e);
        }
        created = true;
    }
    engine.with_store(|s| {
        if s.default_profile()?.is_none() {
            s.set_default_profile(Some(QUICKSTART_PROFILE))?;
        }
        Ok(())
    })?;
    Ok(Quickstart {
        profile: QUICKSTART_PROFILE.to_string(),
        created,
    })
}
