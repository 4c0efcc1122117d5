//! Secrets: private buffers that zeroize on drop, print as `[redacted]`, and
//! are read only through an explicit [`Key32::expose_secret`].

use std::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A 256-bit secret key (a field key, the metadata key, a derived key).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Key32([u8; 32]);

impl Key32 {
    /// Draws a fresh random key.
    pub fn random(rng: &mut impl CryptoRng) -> Self {
        let mut k = [0u8; 32];
        rng.fill_bytes(&mut k);
        Self(k)
    }

    /// Wraps key bytes (the caller's copy should be zeroized).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key bytes. Every call site is a place where a secret is used.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }

    /// A copy under a new owner: keys are not `Clone`, so that each copy is
    /// made on purpose.
    pub fn duplicate(&self) -> Self {
        Self(self.0)
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32([redacted])")
    }
}

/// A variable-length secret (a TLS private key, a key bundle plaintext).
#[derive(Zeroize, ZeroizeOnDrop, Default)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The secret bytes.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access, for in-place decryption.
    pub fn expose_secret_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([redacted; {} bytes])", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let k = Key32::from_bytes([0x41; 32]);
        let s = format!("{k:?}");
        assert_eq!(s, "Key32([redacted])");
        let b = SecretBytes::new(vec![0x42; 5]);
        assert!(!format!("{b:?}").contains("42"));
    }
}
