//! The primitives of suite 1 as the spec names them (spec §3.2, §6.1):
//! labelled SHA-256, BLAKE3, HKDF-SHA256 derivations, single-use AEAD and
//! Ed25519 verification.

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use ed25519_dalek::{Signature as EdSignature, VerifyingKey};
use hkdf::Hkdf;
use rogatory_wire::package::{SUITE, VERSION};
use rogatory_wire::{Digest, KeyId, PackageId, PublicKey, Signature, labels};
use sha2::{Digest as _, Sha256};

use crate::error::{CoreError, Result};
use crate::secret::Key32;

/// AEAD tag length.
pub const TAG_LEN: usize = 16;

/// `SHA-256(part_0 || part_1 || ...)`.
pub fn sha256(parts: &[&[u8]]) -> Digest {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    Digest(h.finalize().into())
}

/// BLAKE3 of one buffer.
pub fn blake3(data: &[u8]) -> Digest {
    Digest(*blake3::hash(data).as_bytes())
}

/// Inputs at least this long are hashed on every core.
const BLAKE3_PARALLEL_MIN: usize = 1 << 18;

/// Feeds `data` to `hasher`: on every core when it is long enough for that
/// to pay (the digest is the same either way).
pub fn blake3_update(hasher: &mut blake3::Hasher, data: &[u8]) {
    if data.len() >= BLAKE3_PARALLEL_MIN {
        hasher.update_rayon(data);
    } else {
        hasher.update(data);
    }
}

/// [`blake3()`] of a large input on every core (the same digest): for one
/// segment of up to 1 MiB checked beside others, so that a batch holding a
/// single large segment does not leave a core idle.
pub fn blake3_parallel(data: &[u8]) -> Digest {
    let mut h = blake3::Hasher::new();
    blake3_update(&mut h, data);
    Digest(*h.finalize().as_bytes())
}

/// `u16le(version) || u16le(suite) || package_id`: the context that binds a
/// derivation or an AAD to one package of this version and suite.
pub fn package_context(package_id: &PackageId) -> [u8; 20] {
    let mut out = [0u8; 20];
    out[..2].copy_from_slice(&VERSION.to_le_bytes());
    out[2..4].copy_from_slice(&SUITE.to_le_bytes());
    out[4..].copy_from_slice(&package_id.0);
    out
}

/// HKDF-SHA256 with `salt` (none: 32 zero bytes, RFC 5869), `ikm` and
/// `info = label || context...`, 32 bytes of output.
pub fn hkdf32(salt: Option<&[u8]>, ikm: &Key32, label: &[u8], context: &[&[u8]]) -> Key32 {
    let hk = Hkdf::<Sha256>::new(salt, ikm.expose_secret());
    let mut info: Vec<&[u8]> = Vec::with_capacity(context.len() + 1);
    info.push(label);
    info.extend_from_slice(context);
    let mut okm = [0u8; 32];
    // Cannot fail: 32 bytes is far below HKDF-SHA256's 8160-byte bound.
    let expanded = hk.expand_multi_info(&info, &mut okm);
    debug_assert!(expanded.is_ok());
    let k = Key32::from_bytes(okm);
    zeroize::Zeroize::zeroize(&mut okm);
    k
}

/// The two keys derived from the metadata key.
pub struct DerivedKeys {
    /// The AEAD key.
    pub aead: Key32,
    /// The key commitment (public).
    pub commitment: Digest,
}

/// The keys derived from a field key (spec §6.1).
pub struct FieldKeys {
    /// The AEAD key of the field's STREAM.
    pub aead: Key32,
    /// The key commitment (public): the Ed25519 public key of the proof key.
    pub commitment: Digest,
    /// The seed of the field's proof key, whose public key is the
    /// commitment: whoever holds the field key can sign with it.
    proof_seed: Key32,
}

impl FieldKeys {
    /// Signs `label || parts` with the field's proof key (a redactor's proof
    /// that it held this field key, spec §12.1).
    pub fn sign_proof(&self, label: &[u8], parts: &[&[u8]]) -> Signature {
        use ed25519_dalek::Signer as _;
        let sk = ed25519_dalek::SigningKey::from_bytes(self.proof_seed.expose_secret());
        Signature(sk.sign(&signed_message(label, parts)).to_bytes())
    }
}

/// Keys of field `index` (spec §6.1): the AEAD key, and the commitment, the
/// Ed25519 public key of a proof key whose seed is derived with its own
/// label. A commitment that is a public key lets a verifier with no key
/// check that a redactor held the key of a field it cut into.
pub fn field_keys(field_key: &Key32, package_id: &PackageId, index: u32) -> FieldKeys {
    let ctx = package_context(package_id);
    let idx = index.to_le_bytes();
    let aead = hkdf32(None, field_key, labels::HKDF_FIELD_AEAD, &[&ctx, &idx]);
    let proof_seed = hkdf32(None, field_key, labels::HKDF_FIELD_COMMIT, &[&ctx, &idx]);
    let pk = ed25519_dalek::SigningKey::from_bytes(proof_seed.expose_secret()).verifying_key();
    FieldKeys {
        aead,
        commitment: Digest(pk.to_bytes()),
        proof_seed,
    }
}

/// The commitment to the recipient of a stanza (spec §6.4): keyed by the
/// metadata key, so that only a holder of the metadata key can tell whose a
/// stanza is, and salted per envelope record, so that a reader without it
/// cannot link the stanzas of one party across records.
pub fn recipient_commitment(
    metadata_key: &Key32,
    package_id: &PackageId,
    salt: &[u8; 32],
    recipient: &KeyId,
) -> Digest {
    let ctx = package_context(package_id);
    let k = hkdf32(
        Some(salt),
        metadata_key,
        labels::HKDF_RECIPIENT,
        &[&ctx, &recipient.0],
    );
    Digest(*k.expose_secret())
}

/// Keys of the metadata (spec §6.1).
pub fn metadata_keys(metadata_key: &Key32, package_id: &PackageId) -> DerivedKeys {
    let ctx = package_context(package_id);
    let aead = hkdf32(None, metadata_key, labels::HKDF_META_AEAD, &[&ctx]);
    let c = hkdf32(None, metadata_key, labels::HKDF_META_COMMIT, &[&ctx]);
    DerivedKeys {
        aead,
        commitment: Digest(*c.expose_secret()),
    }
}

/// Key of one custody event's sealed details (spec §10.3).
pub fn details_key(
    metadata_key: &Key32,
    package_id: &PackageId,
    salt: &[u8; 32],
    kind_tag: u32,
    sequence: u64,
    actor: &KeyId,
) -> Key32 {
    let ctx = package_context(package_id);
    hkdf32(
        Some(salt),
        metadata_key,
        labels::HKDF_DETAILS,
        &[
            &ctx,
            &kind_tag.to_le_bytes(),
            &sequence.to_le_bytes(),
            &actor.0,
        ],
    )
}

/// ChaCha20-Poly1305 under a single-use derived key with the all-zero nonce:
/// returns `ciphertext || tag`.
pub fn aead_seal_once(key: &Key32, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let cipher = ChaCha20Poly1305::new(key.expose_secret().into());
    let mut buf = Vec::with_capacity(plaintext.len() + TAG_LEN);
    buf.extend_from_slice(plaintext);
    let tag = cipher
        .encrypt_inout_detached(&Nonce::default(), aad, buf.as_mut_slice().into())
        .map_err(|_| CoreError::usage("plaintext too long for one AEAD message"))?;
    buf.extend_from_slice(&tag);
    Ok(buf)
}

/// Opens what [`aead_seal_once`] sealed; `what` names it in the uniform error.
pub fn aead_open_once(key: &Key32, aad: &[u8], sealed: &[u8], what: &str) -> Result<Vec<u8>> {
    let split = sealed
        .len()
        .checked_sub(TAG_LEN)
        .ok_or_else(|| CoreError::decryption(what))?;
    let (ct, tag) = sealed.split_at(split);
    let cipher = ChaCha20Poly1305::new(key.expose_secret().into());
    let mut buf = ct.to_vec();
    let tag = Tag::try_from(tag).map_err(|_| CoreError::decryption(what))?;
    cipher
        .decrypt_inout_detached(&Nonce::default(), aad, buf.as_mut_slice().into(), &tag)
        .map_err(|_| CoreError::decryption(what))?;
    Ok(buf)
}

/// Checks an Ed25519 signature with `verify_strict` over `label || parts`.
pub fn verify_signature(
    key: &PublicKey,
    label: &[u8],
    parts: &[&[u8]],
    signature: &Signature,
    what: &str,
) -> Result<()> {
    if verify_strict_raw(key, &signed_message(label, parts), signature) {
        Ok(())
    } else {
        Err(CoreError::BadSignature { what: what.into() })
    }
}

/// Ed25519 `verify_strict` of `message` (no label added): refuses
/// non-canonical encodings and small-order keys.
pub fn verify_strict_raw(key: &PublicKey, message: &[u8], signature: &Signature) -> bool {
    let Ok(vk) = VerifyingKey::from_bytes(&key.0) else {
        return false;
    };
    vk.verify_strict(message, &EdSignature::from_bytes(&signature.0))
        .is_ok()
}

/// `label || parts...`: the message an Ed25519 signature covers.
pub fn signed_message(label: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let len = label.len() + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut msg = Vec::with_capacity(len);
    msg.extend_from_slice(label);
    for p in parts {
        msg.extend_from_slice(p);
    }
    msg
}

/// Constant-time equality of two digests (commitments).
pub fn ct_eq(a: &Digest, b: &Digest) -> bool {
    use subtle::ConstantTimeEq;
    a.0.ct_eq(&b.0).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_and_metadata_keys_are_separated() {
        let k = Key32::from_bytes([7; 32]);
        let id = PackageId([1; 16]);
        let f0 = field_keys(&k, &id, 0);
        let f1 = field_keys(&k, &id, 1);
        let m = metadata_keys(&k, &id);
        assert_ne!(f0.aead.expose_secret(), f1.aead.expose_secret());
        assert_ne!(f0.aead.expose_secret(), &f0.commitment.0);
        assert_ne!(f0.commitment, m.commitment);
        assert_ne!(f0.commitment, f1.commitment);
        // The commitment is the proof key's public key.
        let sig = f0.sign_proof(b"label", &[b"message"]);
        let pk = PublicKey(f0.commitment.0);
        assert!(verify_signature(&pk, b"label", &[b"message"], &sig, "proof").is_ok());
        let pk1 = PublicKey(f1.commitment.0);
        assert!(verify_signature(&pk1, b"label", &[b"message"], &sig, "proof").is_err());
        assert_ne!(f0.aead.expose_secret(), m.aead.expose_secret());
    }

    /// The example of spec §6.1 and §6.4.
    #[test]
    fn the_spec_examples_hold() {
        let k = Key32::from_bytes(std::array::from_fn(|i| i as u8));
        let id = PackageId([
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]);
        let f = field_keys(&k, &id, 2);
        assert_eq!(
            hex::encode(f.aead.expose_secret()),
            "6cb48710df5c77defc15d643b7b8bb5113bc0f999c47e13302246c1d1f298329"
        );
        assert_eq!(
            hex::encode(f.commitment.0),
            "c270f57b73012499d350cd4afef79ac8f588e3f9b8b832482029180f21bdb768"
        );
        assert_eq!(
            hex::encode(recipient_commitment(&k, &id, &[0x44; 32], &KeyId([0x99; 32])).0),
            "c6305c84348878b4437ddb09f9a845ba3be845b2ffc7d97c545bbfa6fcc38028"
        );
    }

    #[test]
    fn aead_once_round_trip_and_uniform_failure() {
        let k = Key32::from_bytes([9; 32]);
        let ct = aead_seal_once(&k, b"aad", b"hello").unwrap();
        assert_eq!(aead_open_once(&k, b"aad", &ct, "x").unwrap(), b"hello");
        assert!(matches!(
            aead_open_once(&k, b"aae", &ct, "x"),
            Err(CoreError::Decryption { .. })
        ));
        assert!(matches!(
            aead_open_once(&k, b"aad", &ct[..3], "x"),
            Err(CoreError::Decryption { .. })
        ));
    }
}
