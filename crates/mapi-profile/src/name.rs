//! Profile-name rules (reference §4.1): 1-64 characters, no leading or trailing space,
//! letters (accented too), digits, underscore and embedded spaces; unique ignoring case.

use crate::error::{ProfileError, Result};

/// Longest profile name, in characters.
pub const MAX_PROFILE_NAME: usize = 64;

/// Checks a profile name against the rules.
pub fn validate_profile_name(name: &str) -> Result<()> {
    let bad = |reason: &str| {
        Err(ProfileError::InvalidName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    let chars = name.chars().count();
    if chars == 0 {
        return bad("a name needs 1 to 64 characters");
    }
    if chars > MAX_PROFILE_NAME {
        return bad(&format!(
            "it has {chars} characters; at most 64 are allowed"
        ));
    }
    if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        return bad("no leading or trailing space is allowed");
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == ' ' || *c == '-' || *c == '.'))
    {
        return bad(&format!(
            "character {c:?} is not allowed (letters, digits, spaces, '_', '-' and '.' are)"
        ));
    }
    Ok(())
}

/// The key names are compared by (case folded).
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_documented_names() {
        for n in [
            "Work",
            "Outlook",
            "mail_2",
            "Jürgen Müller",
            &"a".repeat(64),
            "x",
        ] {
            validate_profile_name(n).unwrap_or_else(|e| panic!("{n}: {e}"));
        }
    }

    #[test]
    fn rejects_bad_names() {
        for n in [
            "",
            " lead",
            "trail ",
            &"a".repeat(65),
            "tab\there",
            "semi;colon",
            "new\nline",
        ] {
            assert!(validate_profile_name(n).is_err(), "{n:?} accepted");
        }
    }

    #[test]
    fn keys_ignore_case() {
        assert_eq!(name_key("Work"), name_key("WORK"));
        assert_eq!(name_key("ÄRGER"), name_key("ärger"));
    }
}
