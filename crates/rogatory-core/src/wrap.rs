//! Key bundles and recipient stanzas (spec §6.2, §6.3).
//!
//! A recipient's key bundle holds the metadata key and the keys of exactly
//! the fields it is cleared for, padded to the package's field count so that
//! its length does not reveal the clearance. It is wrapped with RFC 9180 HPKE
//! in base mode with HKDF-SHA256 and ChaCha20-Poly1305, and one of two KEMs:
//! DHKEM(X25519, HKDF-SHA256) for a classical card, X-Wing (ML-KEM-768 +
//! X25519) for a card with a hybrid key. `info` binds the protocol label,
//! version, suite, package id and the recipient's key id. A stanza names
//! nobody: a recipient tries its key on each. Every failure to open is the
//! same [`CoreError::NotARecipient`].

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::{X25519HkdfSha256, XWing};
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use rand_core::CryptoRng;
use rogatory_wire::{
    Bytes, KeyId, PackageId, PublicKey, Stanza, XWingCiphertext, XWingPublicKey, labels,
};
use zeroize::Zeroize;

use crate::crypto::package_context;
use crate::error::{CoreError, Result};
use crate::identity::Identity;
use crate::secret::{Key32, SecretBytes};

type HpkeKem = X25519HkdfSha256;
type HybridKem = XWing;

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

/// Wraps a bundle to a recipient: with X-Wing to `hybrid_key` when the
/// recipient's card has one, else with DHKEM(X25519) to `agreement_key`.
/// Fails on a non-contributory (low-order) X25519 key or a malformed X-Wing
/// key.
pub fn wrap(
    bundle: &KeyBundle,
    agreement_key: &PublicKey,
    hybrid_key: Option<&XWingPublicKey>,
    recipient_id: &KeyId,
    package_id: &PackageId,
    rng: &mut impl CryptoRng,
) -> Result<Stanza> {
    let plaintext = bundle.encode();
    let info = hpke_info(package_id, recipient_id);
    let ciphertext = |ct: Vec<u8>| Bytes::new(ct).map_err(|e| CoreError::usage(e.to_string()));
    match hybrid_key {
        Some(hybrid) => {
            let pk = hybrid_public_key(hybrid)?;
            let (enc, ct) = seal_base::<HybridKem>(&pk, &info, plaintext.expose_secret(), rng)
                .ok_or_else(|| CoreError::usage("X-Wing encapsulation failed"))?;
            let enc = XWingCiphertext::from_slice(&enc)
                .map_err(|_| CoreError::usage("HPKE encapsulated key length"))?;
            Ok(Stanza::XWing {
                enc: Box::new(enc),
                ciphertext: ciphertext(ct)?,
            })
        }
        None => {
            let pk = <HpkeKem as hpke::Kem>::PublicKey::from_bytes(&agreement_key.0)
                .map_err(|_| CoreError::usage("recipient X25519 key is malformed"))?;
            let (enc, ct) = seal_base::<HpkeKem>(&pk, &info, plaintext.expose_secret(), rng)
                .ok_or_else(|| {
                    CoreError::usage("recipient X25519 key is not contributory (low order)")
                })?;
            let enc = PublicKey::from_slice(&enc)
                .map_err(|_| CoreError::usage("HPKE encapsulated key length"))?;
            Ok(Stanza::X25519 {
                enc,
                ciphertext: ciphertext(ct)?,
            })
        }
    }
}

/// RFC 9180 `SealBase` with the suite's KDF and AEAD and the KEM `K`:
/// `(enc, ciphertext)`, or `None` when the KEM refuses the key.
fn seal_base<K: hpke::Kem>(
    pk: &K::PublicKey,
    info: &[u8],
    plaintext: &[u8],
    rng: &mut impl CryptoRng,
) -> Option<(Vec<u8>, Vec<u8>)> {
    let (enc, ct) = hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, K>(
        &OpModeS::Base,
        pk,
        info,
        plaintext,
        &[],
        rng,
    )
    .ok()?;
    Some((enc.to_bytes().to_vec(), ct))
}

/// RFC 9180 `OpenBase` with the suite's KDF and AEAD and the KEM `K`; every
/// failure is `None`.
fn open_base<K: hpke::Kem>(
    sk: &K::PrivateKey,
    enc: &[u8],
    info: &[u8],
    ciphertext: &[u8],
) -> Option<Vec<u8>> {
    let enc = K::EncappedKey::from_bytes(enc).ok()?;
    hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, K>(
        &OpModeR::Base,
        sk,
        &enc,
        info,
        ciphertext,
        &[],
    )
    .ok()
}

/// Parses an X-Wing public key: its ML-KEM-768 part must be a canonical
/// encapsulation key (FIPS 203 §7.2).
fn hybrid_public_key(key: &XWingPublicKey) -> Result<<HybridKem as hpke::Kem>::PublicKey> {
    <HybridKem as hpke::Kem>::PublicKey::from_bytes(&key.0)
        .map_err(|_| CoreError::usage("recipient X-Wing key is malformed"))
}

/// The X-Wing public key of a 32-byte X-Wing seed.
pub(crate) fn hybrid_public_key_of(seed: &Key32) -> Result<XWingPublicKey> {
    let sk = <HybridKem as hpke::Kem>::PrivateKey::from_bytes(seed.expose_secret())
        .map_err(|_| CoreError::usage("X-Wing seed length"))?;
    let pk = <HybridKem as hpke::Kem>::sk_to_pk(&sk);
    XWingPublicKey::from_slice(pk.to_bytes().as_slice())
        .map_err(|_| CoreError::usage("X-Wing public key length"))
}

/// Whether an X-Wing public key is well formed (its ML-KEM-768 part
/// canonical).
pub fn is_valid_hybrid_key(key: &XWingPublicKey) -> bool {
    hybrid_public_key(key).is_ok()
}

/// The secret keys a party unwraps with, parsed once for all the stanzas of
/// a package.
struct Unwrapper<'a> {
    identity: &'a Identity,
    x25519: Option<<HpkeKem as hpke::Kem>::PrivateKey>,
    xwing: Option<<HybridKem as hpke::Kem>::PrivateKey>,
}

impl<'a> Unwrapper<'a> {
    /// A party whose card has a hybrid key opens X-Wing stanzas only: a
    /// stanza wrapped classically to it is a downgrade and does not open.
    fn new(identity: &'a Identity) -> Self {
        match identity.hybrid_secret() {
            Some(seed) => Self {
                identity,
                x25519: None,
                xwing: <HybridKem as hpke::Kem>::PrivateKey::from_bytes(seed.expose_secret()).ok(),
            },
            None => {
                let mut sk_bytes = identity.agreement_secret().to_bytes();
                let sk = <HpkeKem as hpke::Kem>::PrivateKey::from_bytes(&sk_bytes).ok();
                sk_bytes.zeroize();
                Self {
                    identity,
                    x25519: sk,
                    xwing: None,
                }
            }
        }
    }

    fn try_unwrap(
        &self,
        stanza: &Stanza,
        package_id: &PackageId,
        fields: usize,
    ) -> Option<KeyBundle> {
        use crate::identity::Signer;
        if stanza.ciphertext().len() != stanza_ciphertext_len(fields) {
            return None;
        }
        let info = hpke_info(package_id, &self.identity.key_id());
        let pt = match stanza {
            Stanza::X25519 { enc, ciphertext } => {
                open_base::<HpkeKem>(self.x25519.as_ref()?, &enc.0, &info, ciphertext.as_slice())?
            }
            Stanza::XWing { enc, ciphertext } => {
                open_base::<HybridKem>(self.xwing.as_ref()?, &enc.0, &info, ciphertext.as_slice())?
            }
        };
        let pt = SecretBytes::new(pt);
        KeyBundle::decode(pt.expose_secret(), fields)
    }
}

/// Tries to open one stanza with `identity`'s key. The exact ciphertext
/// length is checked first; every failure is the same `None`.
pub fn try_unwrap(
    stanza: &Stanza,
    identity: &Identity,
    package_id: &PackageId,
    fields: usize,
) -> Option<KeyBundle> {
    Unwrapper::new(identity).try_unwrap(stanza, package_id, fields)
}

/// Finds the stanza that opens with `identity`'s key, or
/// [`CoreError::NotARecipient`]. Returns its position and the bundle.
pub fn unwrap_any(
    stanzas: &[Stanza],
    identity: &Identity,
    package_id: &PackageId,
    fields: usize,
) -> Result<(usize, KeyBundle)> {
    let keys = Unwrapper::new(identity);
    stanzas
        .iter()
        .enumerate()
        .find_map(|(i, s)| keys.try_unwrap(s, package_id, fields).map(|b| (i, b)))
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
