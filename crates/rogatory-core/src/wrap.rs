//! Key bundles and recipient stanzas (spec §6.2, §6.3).
//!
//! A recipient's key bundle holds the metadata key and the keys of exactly
//! the fields it is cleared for, padded to the package's field count so that
//! its length does not reveal the clearance. It is wrapped with RFC 9180 HPKE
//! in base mode (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305);
//! `info` binds the protocol label, version, suite, package id and the
//! recipient's key id. A stanza names nobody: a recipient tries its key on
//! each. Every failure to open is the same [`CoreError::NotARecipient`].

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use rand_core::CryptoRng;
use rogatory_wire::{Bytes, KeyId, PackageId, PublicKey, Stanza, labels};
use zeroize::Zeroize;

use crate::crypto::package_context;
use crate::error::{CoreError, Result};
use crate::identity::Identity;
use crate::secret::{Key32, SecretBytes};

type HpkeKem = X25519HkdfSha256;

/// The keys one recipient holds.
pub struct KeyBundle {
    /// The metadata key.
    pub metadata_key: Key32,
    /// Per field, the field key if the recipient is cleared for it.
    pub field_keys: Vec<Option<Key32>>,
}

impl std::fmt::Debug for KeyBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held: Vec<usize> = self
            .field_keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| k.as_ref().map(|_| i))
            .collect();
        f.debug_struct("KeyBundle")
            .field("keys", &"[redacted]")
            .field("fields_held", &held)
            .finish()
    }
}

/// Length of the encoded bundle of a package of `fields` fields:
/// `4 + 32 + 33 * fields`.
pub fn bundle_len(fields: usize) -> usize {
    4 + 32 + 33 * fields
}

/// Length of a stanza ciphertext of a package of `fields` fields.
pub fn stanza_ciphertext_len(fields: usize) -> usize {
    bundle_len(fields) + 16
}

impl KeyBundle {
    /// Encodes: `u32le(n) || metadata key || n × (u8 flag || 32-byte key)`,
    /// absent keys as flag 0 and 32 zero bytes.
    pub fn encode(&self) -> SecretBytes {
        let n = self.field_keys.len();
        let mut out = Vec::with_capacity(bundle_len(n));
        out.extend_from_slice(&(n as u32).to_le_bytes());
        out.extend_from_slice(self.metadata_key.expose_secret());
        for k in &self.field_keys {
            match k {
                Some(k) => {
                    out.push(1);
                    out.extend_from_slice(k.expose_secret());
                }
                None => {
                    out.push(0);
                    out.extend_from_slice(&[0u8; 32]);
                }
            }
        }
        SecretBytes::new(out)
    }

    /// Decodes a bundle of exactly `fields` fields.
    pub fn decode(bytes: &[u8], fields: usize) -> Option<Self> {
        if bytes.len() != bundle_len(fields) {
            return None;
        }
        let (n, rest) = bytes.split_first_chunk::<4>()?;
        if u32::from_le_bytes(*n) as usize != fields {
            return None;
        }
        let (meta, mut rest) = rest.split_first_chunk::<32>()?;
        let metadata_key = Key32::from_bytes(*meta);
        let mut field_keys = Vec::with_capacity(fields);
        for _ in 0..fields {
            let (slot, r) = rest.split_first_chunk::<33>()?;
            rest = r;
            let (flag, key) = slot.split_first()?;
            let key: [u8; 32] = key.try_into().ok()?;
            match flag {
                0 if key == [0u8; 32] => field_keys.push(None),
                1 => field_keys.push(Some(Key32::from_bytes(key))),
                _ => return None,
            }
        }
        Some(Self {
            metadata_key,
            field_keys,
        })
    }
}

fn hpke_info(package_id: &PackageId, recipient: &KeyId) -> Vec<u8> {
    let mut info = Vec::with_capacity(labels::HPKE_INFO.len() + 20 + 32);
    info.extend_from_slice(labels::HPKE_INFO);
    info.extend_from_slice(&package_context(package_id));
    info.extend_from_slice(&recipient.0);
    info
}

/// Wraps a bundle to a recipient's X25519 key. Fails on a non-contributory
/// (low-order) recipient key.
pub fn wrap(
    bundle: &KeyBundle,
    recipient_key: &PublicKey,
    recipient_id: &KeyId,
    package_id: &PackageId,
    rng: &mut impl CryptoRng,
) -> Result<Stanza> {
    let pk = <HpkeKem as hpke::Kem>::PublicKey::from_bytes(&recipient_key.0)
        .map_err(|_| CoreError::usage("recipient X25519 key is malformed"))?;
    let plaintext = bundle.encode();
    let (enc, ct) = hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, HpkeKem>(
        &OpModeS::Base,
        &pk,
        &hpke_info(package_id, recipient_id),
        plaintext.expose_secret(),
        &[],
        rng,
    )
    .map_err(|_| CoreError::usage("recipient X25519 key is not contributory (low order)"))?;
    let enc_bytes: [u8; 32] = enc
        .to_bytes()
        .as_slice()
        .try_into()
        .map_err(|_| CoreError::usage("HPKE encapsulated key length"))?;
    Ok(Stanza {
        enc: PublicKey(enc_bytes),
        ciphertext: Bytes::new(ct).map_err(|e| CoreError::usage(e.to_string()))?,
    })
}

/// Tries to open one stanza with `identity`'s key. The exact ciphertext
/// length is checked first; every failure is the same `None`.
pub fn try_unwrap(
    stanza: &Stanza,
    identity: &Identity,
    package_id: &PackageId,
    fields: usize,
) -> Option<KeyBundle> {
    use crate::identity::Signer;
    if stanza.ciphertext.len() != stanza_ciphertext_len(fields) {
        return None;
    }
    let mut sk_bytes = identity.agreement_secret().to_bytes();
    let sk = <HpkeKem as hpke::Kem>::PrivateKey::from_bytes(&sk_bytes);
    sk_bytes.zeroize();
    let sk = sk.ok()?;
    let enc = <HpkeKem as hpke::Kem>::EncappedKey::from_bytes(&stanza.enc.0).ok()?;
    let pt = hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, HpkeKem>(
        &OpModeR::Base,
        &sk,
        &enc,
        &hpke_info(package_id, &identity.key_id()),
        stanza.ciphertext.as_slice(),
        &[],
    )
    .ok()?;
    let pt = SecretBytes::new(pt);
    KeyBundle::decode(pt.expose_secret(), fields)
}

/// Finds the stanza that opens with `identity`'s key, or
/// [`CoreError::NotARecipient`]. Returns its position and the bundle.
pub fn unwrap_any(
    stanzas: &[Stanza],
    identity: &Identity,
    package_id: &PackageId,
    fields: usize,
) -> Result<(usize, KeyBundle)> {
    stanzas
        .iter()
        .enumerate()
        .find_map(|(i, s)| try_unwrap(s, identity, package_id, fields).map(|b| (i, b)))
        .ok_or(CoreError::NotARecipient)
}

/// Whether an X25519 public key is contributory: not one of the low-order
/// points for which every shared secret is all zero.
pub fn is_contributory(key: &PublicKey) -> bool {
    let probe = x25519_dalek::StaticSecret::from([0x5a; 32]);
    probe
        .diffie_hellman(&x25519_dalek::PublicKey::from(key.0))
        .was_contributory()
}
