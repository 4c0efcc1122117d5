//! Signing keys held in a hardware token (spec §3.8).
//!
//! An agency's HSM or smartcard keeps a party's Ed25519 signing key; the
//! core asks it for signatures through [`ExternalSigner`] and checks every
//! signature it returns before using it. What the token cannot hold (the
//! X-Wing seed, which no PKCS#11 token of version 3.1 or earlier stores)
//! stays in the token key file, which may be protected by a passphrase as
//! any key file (§3.5). The `rogatory-pkcs11` crate implements the signer
//! over PKCS#11.

use crate::error::Result;
use rogatory_wire::{PublicKey, Signature};

/// The magic of a token key file (spec §3.8).
pub const TOKEN_KEY_FILE_MAGIC: &[u8; 8] = b"RGTRYTOK";

/// Longest PKCS#11 module path a token key file holds.
pub const MODULE_PATH_MAX: usize = 4096;
/// Longest token label (PKCS#11 `CK_TOKEN_INFO.label` is 32 bytes).
pub const TOKEN_LABEL_MAX: usize = 32;
/// Longest `CKA_ID` of the key pair.
pub const OBJECT_ID_MAX: usize = 64;

/// Where a token-held signing key is: the PKCS#11 module to load, the
/// token's label, and the `CKA_ID` of its key pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRef {
    /// Path of the PKCS#11 module (a shared library).
    pub module: String,
    /// The token's label.
    pub token: String,
    /// `CKA_ID` of the private and public key objects.
    pub object_id: Vec<u8>,
}

impl TokenRef {
    /// Appends the three length-prefixed fields of spec §3.8.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        for part in [
            self.module.as_bytes(),
            self.token.as_bytes(),
            &self.object_id,
        ] {
            out.extend_from_slice(&(part.len() as u64).to_le_bytes());
            out.extend_from_slice(part);
        }
    }

    /// Reads the three fields with `bytes(max)` (a length-prefixed read
    /// bounded by `max`); each must be 1 byte or longer, the first two
    /// UTF-8.
    pub(crate) fn decode_from<'a>(
        bytes: &mut dyn FnMut(usize) -> Option<&'a [u8]>,
    ) -> Option<Self> {
        let module = std::str::from_utf8(bytes(MODULE_PATH_MAX)?)
            .ok()?
            .to_owned();
        let token = std::str::from_utf8(bytes(TOKEN_LABEL_MAX)?)
            .ok()?
            .to_owned();
        let object_id = bytes(OBJECT_ID_MAX)?.to_vec();
        if module.is_empty() || token.is_empty() || object_id.is_empty() {
            return None;
        }
        Some(Self {
            module,
            token,
            object_id,
        })
    }
}

/// An Ed25519 signing key held outside the process. It signs and never
/// reveals the key; [`crate::Identity`] checks each signature strictly
/// under the card's signing key before it uses it.
pub trait ExternalSigner: Send + Sync {
    /// The Ed25519 public key of the held key.
    fn public_key(&self) -> PublicKey;
    /// An Ed25519 (RFC 8032, pure) signature over `message`.
    fn sign(&self, message: &[u8]) -> Result<Signature>;
    /// Where the key is.
    fn token(&self) -> &TokenRef;
}
