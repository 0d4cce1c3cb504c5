//! Where the MAPI home is: `--home`, else `MAPI_HOME`, else the XDG data dir.

use std::path::{Path, PathBuf};

/// File name of the profile store inside the home.
pub const PROFILES_DB: &str = "profiles.db";

/// Resolves the MAPI home: an explicit directory wins, then `MAPI_HOME`, then
/// `$XDG_DATA_HOME/mapi`, then `$HOME/.local/share/mapi`, then `./.mapi`.
pub fn resolve_home(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(p) = env("MAPI_HOME") {
        return p;
    }
    if let Some(p) = env("XDG_DATA_HOME") {
        return p.join("mapi");
    }
    if let Some(p) = env("HOME") {
        return p.join(".local").join("share").join("mapi");
    }
    PathBuf::from(".mapi")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_home_wins() {
        assert_eq!(resolve_home(Some(Path::new("/x/y"))), PathBuf::from("/x/y"));
    }
}
