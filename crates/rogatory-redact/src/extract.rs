//! Extracts (spec §12.7): chosen segments of one package with their salts
//! and Merkle inclusion proofs, the sender's signature block, the metadata
//! ciphertext, its commitment and the metadata key, the per-field leaf counts
//! and the custody chain, as one standalone file that a court verifies
//! without the rest of the package.
//!
//! ```text
//! HeldPackage::extract(field, segments) ─▶ Extract ─encode─▶ file
//! file ─decode─▶ Extract ─verify_extract(trust)─▶ ExtractReport
//!   signature over the package digest (recomputed from the prelude, the
//!   metadata ciphertext and commitment, the tree size, the root and the
//!   per-field leaf counts); the metadata against its commitment; the
//!   custody chain's signatures and links (no envelope against ciphertext:
//!   there is none); each segment's leaf and inclusion proof.
//! ```
//!
//! An extract **reveals the metadata** (and through it every custody
//! event's sealed details) to whoever holds it: it carries the metadata key,
//! and says so in its `disclosure` field.

use rogatory_core::crypto::{
    aead_open_once, blake3 as blake3_of, ct_eq, metadata_keys, sha256, verify_signature,
};
use rogatory_core::custody::{CurrentEnvelope, EventSummary, open_details, verify_chain};
use rogatory_core::entitlement;
use rogatory_core::merkle::{leaf_hash, verify_inclusion};
use rogatory_core::segment::leaf;
use rogatory_core::{CoreError, Key32, TrustStore};
use rogatory_wire::limits::{EVENTS_MAX, FIELDS_MAX, LEAVES_MAX, METADATA_MAX, SEGMENT_MAX};
use rogatory_wire::{
    Bytes, CustodyEvent, Digest, KeyId, Metadata, PackageId, PartyId, Prelude, Salt,
    SignatureBlock, Wire, WireError, decode, encode, labels,
};
use serde::{Deserialize, Serialize};

use crate::error::{ExtractPlace, RedactError, Result};
use crate::rules::{OnwardReport, check_chain, last_envelope};
use crate::serde_util::DisclosedKey;
use rogatory_wire::primitives::bounded_seq;

/// The magic bytes that open every extract.
pub const EXTRACT_MAGIC: [u8; 8] = *b"RGTRYXTR";
/// Largest encoded extract (256 MiB): a larger selection is split into
/// several extracts.
pub const EXTRACT_MAX: usize = 256 << 20;
/// Longest inclusion proof: a tree of at most 2^22 leaves has paths of at
/// most 22 nodes.
pub const PROOF_MAX: usize = 32;

/// What an extract declares that it reveals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Disclosure {
    /// The metadata key is in the extract: its holder reads the whole sealed
    /// metadata and every custody event's sealed details.
    MetadataAndCustodyDetails,
}

/// One extracted segment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractSegment {
    /// Field index.
    pub field: u32,
    /// Segment index in the field (its leaf index).
    pub segment: u32,
    /// The segment's salt.
    pub salt: Salt,
    /// The segment's bytes (1 to 1 MiB).
    pub data: Bytes<SEGMENT_MAX>,
    /// Its RFC 9162 inclusion proof, from the leaf's sibling up.
    #[serde(deserialize_with = "bounded_seq::<_, _, PROOF_MAX>")]
    pub proof: Vec<Digest>,
}

/// A standalone extract for a court (spec §12.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extract {
    /// `RGTRYXTR`.
    pub magic: [u8; 8],
    /// The package's prelude (version, suite, package id).
    pub prelude: Prelude,
    /// What the extract reveals.
    pub disclosure: Disclosure,
    /// The sender's signature block.
    pub signature: SignatureBlock,
    /// The sealed metadata.
    pub metadata_ciphertext: Bytes<{ METADATA_MAX + 16 }>,
    /// Its key commitment.
    pub metadata_commitment: Digest,
    /// The metadata key (disclosed).
    pub metadata_key: DisclosedKey,
    /// Each field's number of leaves, in field order.
    #[serde(deserialize_with = "bounded_seq::<_, _, FIELDS_MAX>")]
    pub leaf_counts: Vec<u32>,
    /// The Merkle root over every leaf of the package.
    pub root: Digest,
    /// The extracted segments, by field then segment, strictly increasing.
    #[serde(deserialize_with = "bounded_seq::<_, _, LEAVES_MAX>")]
    pub segments: Vec<ExtractSegment>,
    /// The custody chain.
    #[serde(deserialize_with = "bounded_seq::<_, _, EVENTS_MAX>")]
    pub events: Vec<CustodyEvent>,
}

fn invalid(detail: impl Into<String>) -> WireError {
    WireError::Invalid {
        what: Extract::NAME,
        detail: detail.into(),
    }
}

impl Wire for Extract {
    const NAME: &'static str = "extract";
    const MAX_ENCODED: usize = EXTRACT_MAX;

    /// Rules, in order: the magic; the prelude's version and suite; 1 to
    /// 4096 leaf counts of at most 2^22 leaves in all; 1 or more segments,
    /// strictly increasing by (field, segment), each inside the leaf counts
    /// and non-empty; 1 or more custody events, each valid on its own.
    fn validate(&self) -> Result<(), WireError> {
        if self.magic != EXTRACT_MAGIC {
            return Err(WireError::BadMagic { what: Self::NAME });
        }
        self.prelude.validate()?;
        if self.leaf_counts.is_empty() || self.leaf_counts.len() > FIELDS_MAX {
            return Err(invalid("1 to 4096 leaf counts"));
        }
        let total: u64 = self.leaf_counts.iter().map(|&n| u64::from(n)).sum();
        if total > LEAVES_MAX as u64 {
            return Err(WireError::OverLimit {
                what: Self::NAME,
                detail: format!("{total} leaves in all"),
            });
        }
        if self.segments.is_empty() {
            return Err(invalid("an extract holds at least one segment"));
        }
        for pair in self.segments.windows(2) {
            if let [a, b] = pair
                && (a.field, a.segment) >= (b.field, b.segment)
            {
                return Err(WireError::NonCanonical {
                    what: Self::NAME,
                    detail: "segments must be strictly increasing by field, then segment".into(),
                });
            }
        }
        for s in &self.segments {
            let count = self.leaf_counts.get(s.field as usize).copied();
            if count.is_none_or(|n| s.segment >= n) {
                return Err(invalid(format!(
                    "field {} segment {} is outside the leaf counts",
                    s.field, s.segment
                )));
            }
            if s.data.is_empty() {
                return Err(invalid("a segment holds 1 byte or more"));
            }
        }
        if self.events.is_empty() {
            return Err(invalid("an extract carries the custody chain"));
        }
        for e in &self.events {
            e.validate()?;
        }
        Ok(())
    }
}

/// The package digest (spec §8.4) from its parts, the leaves given by their
/// root and per-field counts.
pub fn package_digest_from_shape(
    prelude: &Prelude,
    metadata_ciphertext: &[u8],
    metadata_commitment: &Digest,
    leaf_counts: &[u32],
    root: &Digest,
) -> Result<Digest> {
    let prelude = encode(prelude).map_err(RedactError::wire("prelude"))?;
    let total: u64 = leaf_counts.iter().map(|&n| u64::from(n)).sum();
    let mut shape = Vec::with_capacity(4 + 4 * leaf_counts.len());
    shape.extend_from_slice(&(leaf_counts.len() as u32).to_le_bytes());
    for n in leaf_counts {
        shape.extend_from_slice(&n.to_le_bytes());
    }
    Ok(sha256(&[
        labels::HASH_PACKAGE,
        &prelude,
        &sha256(&[metadata_ciphertext]).0,
        &metadata_commitment.0,
        &total.to_le_bytes(),
        &root.0,
        &shape,
    ]))
}

impl Extract {
    /// Assembles an extract (see [`crate::HeldPackage::extract`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        prelude: Prelude,
        signature: SignatureBlock,
        metadata_ciphertext: Bytes<{ METADATA_MAX + 16 }>,
        metadata_commitment: Digest,
        metadata_key: &[u8; 32],
        leaf_counts: Vec<u32>,
        root: Digest,
        segments: Vec<ExtractSegment>,
        events: Vec<CustodyEvent>,
    ) -> Self {
        Self {
            magic: EXTRACT_MAGIC,
            prelude,
            disclosure: Disclosure::MetadataAndCustodyDetails,
            signature,
            metadata_ciphertext,
            metadata_commitment,
            metadata_key: DisclosedKey(*metadata_key),
            leaf_counts,
            root,
            segments,
            events,
        }
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        encode(self).map_err(RedactError::wire("extract"))
    }

    /// Decodes an extract (spec §2.5 with the rules of [`Extract::validate`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        decode(bytes).map_err(RedactError::wire("extract"))
    }

    /// The package digest the extract's parts give.
    pub fn package_digest(&self) -> Result<Digest> {
        package_digest_from_shape(
            &self.prelude,
            self.metadata_ciphertext.as_slice(),
            &self.metadata_commitment,
            &self.leaf_counts,
            &self.root,
        )
    }

    /// The package id.
    pub fn package_id(&self) -> PackageId {
        self.prelude.package_id
    }
}

/// One verified segment of an extract.
#[derive(Clone, Debug, Serialize)]
pub struct VerifiedSegment {
    /// Field index.
    pub field: u32,
    /// Field name, from the metadata.
    pub name: String,
    /// Segment index.
    pub segment: u32,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the bytes.
    pub sha256: Digest,
    /// Position in the package's tree, and the tree size.
    pub position: u64,
    /// Nodes in its inclusion proof.
    pub proof_len: usize,
}

/// What verifying an extract established.
#[derive(Clone, Debug, Serialize)]
pub struct ExtractReport {
    /// Package id.
    pub package_id: PackageId,
    /// Package digest, signed by the sender.
    pub package_digest: Digest,
    /// The sender, from the trust store.
    pub sender: PartyId,
    /// Its key id.
    pub sender_key_id: KeyId,
    /// The Merkle tree size.
    pub tree_size: u64,
    /// What the extract reveals.
    pub disclosure: Disclosure,
    /// The decrypted metadata.
    pub metadata: Metadata,
    /// The segments, each checked against the signed root.
    pub segments: Vec<VerifiedSegment>,
    /// The custody chain, checked.
    pub custody: Vec<EventSummary>,
    /// Forwards against the onward-transfer consent.
    pub onward: OnwardReport,
}

fn ex(place: ExtractPlace, class: &'static str, detail: impl Into<String>) -> RedactError {
    RedactError::extract(place, class, detail)
}

/// Verifies an extract against a trust store (spec §12.7), in order: the
/// sender's signature over the recomputed package digest, the metadata
/// against its commitment (and the leaf counts against its content
/// descriptors), the custody chain (signatures, links, the redaction rules
/// over the envelopes it records, the sealed details, onward consent), then
/// every segment's leaf and inclusion proof.
pub fn verify_extract(x: &Extract, trust: &TrustStore) -> Result<ExtractReport> {
    let signer = x.signature.signer;
    let entry = trust.require(&signer)?;
    let digest = x.package_digest()?;
    verify_signature(
        &entry.card.body.signing_key,
        labels::SIG_PACKAGE,
        &[&digest.0],
        &x.signature.signature,
        "package signature",
    )
    .map_err(|_| {
        ex(
            ExtractPlace::Signature,
            "package_signature",
            "the sender's signature does not verify over the package digest (prelude, metadata, \
             tree size, root and leaf counts)",
        )
    })?;

    let package_id = x.package_id();
    let key = Key32::from_bytes(x.metadata_key.0);
    let mkeys = metadata_keys(&key, &package_id);
    if !ct_eq(&mkeys.commitment, &x.metadata_commitment) {
        return Err(ex(
            ExtractPlace::Metadata,
            "metadata_commitment",
            "the metadata key does not match the signed commitment",
        ));
    }
    let prelude = encode(&x.prelude).map_err(RedactError::wire("prelude"))?;
    let plain = aead_open_once(
        &mkeys.aead,
        &prelude,
        x.metadata_ciphertext.as_slice(),
        "metadata",
    )
    .map_err(|_| {
        ex(
            ExtractPlace::Metadata,
            "metadata_decryption",
            "does not decrypt",
        )
    })?;
    let metadata: Metadata = decode(&plain)
        .map_err(|e| ex(ExtractPlace::Metadata, "metadata_malformed", e.to_string()))?;
    if metadata.fields.len() != x.leaf_counts.len()
        || metadata
            .fields
            .iter()
            .zip(&x.leaf_counts)
            .any(|(d, &n)| d.segment_count != n)
    {
        return Err(ex(
            ExtractPlace::Metadata,
            "leaf_counts",
            "the leaf counts differ from the content descriptors' segment counts",
        ));
    }
    if metadata.sender.key_id != signer || metadata.sender.party != entry.party {
        return Err(ex(
            ExtractPlace::Metadata,
            "metadata_sender",
            "the metadata names another sender than the signer",
        ));
    }

    let counts: Vec<u64> = x.leaf_counts.iter().map(|&n| u64::from(n)).collect();
    check_chain(&x.events, &package_id, &counts)?;
    let last = last_envelope(&x.events)
        .map(|(_, _, env)| CurrentEnvelope::of_record(env))
        .ok_or_else(|| ex(ExtractPlace::Custody, "custody", "no envelope event"))?;
    let custody = verify_chain(
        &x.events,
        &package_id,
        &digest,
        &signer,
        &counts,
        &last,
        trust,
    )?;
    let mut opened = Vec::with_capacity(x.events.len());
    for (ev, summary) in x.events.iter().zip(&custody) {
        let details = open_details(ev, &key, &package_id).map_err(|e| match e {
            CoreError::Decryption { .. } => ex(
                ExtractPlace::Custody,
                "custody_details",
                format!(
                    "event {}: sealed details do not decrypt under the metadata key",
                    ev.clear.sequence
                ),
            ),
            other => other.into(),
        })?;
        if details.actor != summary.actor_party {
            return Err(ex(
                ExtractPlace::Custody,
                "custody_details",
                format!(
                    "event {}: the sealed details name another actor than the signer",
                    ev.clear.sequence
                ),
            ));
        }
        opened.push(details);
    }
    // The court holds the metadata key but no stanza: every envelope's
    // recipients, holders and onward transfers are checked, no own stanza.
    let onward = entitlement::check(
        &entitlement::Chain {
            events: &x.events,
            summaries: &custody,
            details: &opened,
            metadata: &metadata,
            metadata_key: &key,
            package_id: &package_id,
        },
        None,
    )?;

    let tree_size: u64 = counts.iter().sum();
    let mut offsets = Vec::with_capacity(counts.len());
    let mut at = 0u64;
    for n in &counts {
        offsets.push(at);
        at += n;
    }
    let mut segments = Vec::with_capacity(x.segments.len());
    for s in &x.segments {
        let place = ExtractPlace::Segment {
            field: s.field,
            segment: s.segment,
        };
        let offset = offsets
            .get(s.field as usize)
            .copied()
            .ok_or_else(|| ex(place.clone(), "structure", "no such field"))?;
        let position = offset + u64::from(s.segment);
        let l = leaf(
            &package_id,
            s.field,
            s.segment,
            &s.salt.0,
            &blake3_of(s.data.as_slice()),
        );
        if !verify_inclusion(&leaf_hash(&l.0), position, tree_size, &s.proof, &x.root) {
            return Err(ex(
                place,
                "inclusion_proof",
                "the segment's leaf and inclusion proof do not lead to the signed Merkle root \
                 (a proof for another tree, or changed content)",
            ));
        }
        segments.push(VerifiedSegment {
            field: s.field,
            name: metadata
                .fields
                .get(s.field as usize)
                .map(|d| d.name.to_string())
                .unwrap_or_default(),
            segment: s.segment,
            size: s.data.len() as u64,
            sha256: sha256(&[s.data.as_slice()]),
            position,
            proof_len: s.proof.len(),
        });
    }
    Ok(ExtractReport {
        package_id,
        package_digest: digest,
        sender: entry.party.clone(),
        sender_key_id: signer,
        tree_size,
        disclosure: x.disclosure,
        metadata,
        segments,
        custody,
        onward,
    })
}
