//! The profile-password key: argon2id over the password and a per-profile salt, and
//! ChaCha20-Poly1305 with a random nonce per value, bound to where the value lives.

use argon2::Argon2;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use zeroize::Zeroizing;

use crate::error::{ProfileError, Result};

/// Length of the per-profile key-derivation salt.
pub const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
/// First byte of a sealed value: the format version.
const FORMAT: u8 = 1;
/// Domain separation for the associated data.
const AAD_TAG: &[u8] = b"mapi-profile-secret\0";

/// A 256-bit key derived from a profile password; wiped from memory when dropped.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A key from raw bytes (the user's key file).
    pub fn from_bytes(bytes: [u8; 32]) -> SecretKey {
        SecretKey(Zeroizing::new(bytes))
    }
}

/// Derives the key of a profile from its password and salt (argon2id, default cost).
pub fn derive_key(password: &str, salt: &[u8]) -> Result<SecretKey> {
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::default()
        .hash_password_into(password.as_bytes(), salt, out.as_mut())
        .map_err(|e| ProfileError::Other(format!("cannot derive the profile key: {e}")))?;
    Ok(SecretKey(out))
}

/// A fresh random salt.
pub fn new_salt() -> Result<Vec<u8>> {
    random(SALT_LEN)
}

/// `len` bytes from the OS random source.
pub fn random(len: usize) -> Result<Vec<u8>> {
    let mut b = vec![0u8; len];
    getrandom::fill(&mut b)
        .map_err(|e| ProfileError::Other(format!("the OS random source failed: {e}")))?;
    Ok(b)
}

/// The associated data: the profile's search key, the section uid and the property tag,
/// so a sealed value copied to another row, section or profile does not open.
pub fn associated_data(search_key: &[u8], section: &[u8], tag: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_TAG.len() + search_key.len() + section.len() + 4);
    aad.extend_from_slice(AAD_TAG);
    aad.extend_from_slice(search_key);
    aad.extend_from_slice(section);
    aad.extend_from_slice(&tag.to_le_bytes());
    aad
}

/// Encrypts `plain`: `FORMAT || nonce || ciphertext+tag`.
pub fn seal(key: &SecretKey, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key.0.as_ref()));
    let nonce = random(NONCE_LEN)?;
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|_| ProfileError::Other("cannot encrypt a secret".into()))?;
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
    out.push(FORMAT);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Decrypts what [`seal`] made; `None` when the key, the associated data or the bytes
/// do not match.
pub fn open(key: &SecretKey, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.len() < 1 + NONCE_LEN || sealed[0] != FORMAT {
        return None;
    }
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key.0.as_ref()));
    let (nonce, ct) = sealed[1..].split_at(NONCE_LEN);
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_place() {
        let salt = new_salt().unwrap();
        let key = derive_key("pw", &salt).unwrap();
        let aad = associated_data(b"profile", b"section", 0x67F0_001F);
        let s1 = seal(&key, &aad, b"hunter2").unwrap();
        let s2 = seal(&key, &aad, b"hunter2").unwrap();
        assert_ne!(s1, s2, "nonces differ");
        assert!(!s1.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(open(&key, &aad, &s1).unwrap().as_slice(), b"hunter2");
        let other = associated_data(b"profile", b"section", 0x67F1_001F);
        assert!(open(&key, &other, &s1).is_none(), "moved to another tag");
        let wrong = derive_key("pX", &salt).unwrap();
        assert!(open(&wrong, &aad, &s1).is_none(), "wrong password");
        let mut bad = s1.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(open(&key, &aad, &bad).is_none(), "tampered");
        assert!(open(&key, &aad, &s1[..5]).is_none(), "truncated");
        assert_eq!(format!("{key:?}"), "SecretKey(..)");
    }
}
