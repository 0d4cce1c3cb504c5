//! Profile passwords: argon2id hashes in PHC string form.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{ProfileError, Result};

/// Hashes a password with a fresh salt.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&mapi_types::MapiUid::random().0)
        .map_err(|e| ProfileError::Other(format!("cannot make a salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ProfileError::Other(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches a stored hash. A malformed stored hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_right_password() {
        let h = hash_password("s3cret").unwrap();
        assert!(!h.contains("s3cret"));
        assert!(verify_password(&h, "s3cret"));
        assert!(!verify_password(&h, "s3cre"));
        assert!(!verify_password("garbage", "s3cret"));
        assert_ne!(hash_password("s3cret").unwrap(), h, "salts differ");
    }
}
