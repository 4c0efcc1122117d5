//! The package: prelude, content (signed once by the sender) and envelope
//! (re-signed by whoever last changed it), and the container around them
//! (spec §4, §5, §9).

use serde::{Deserialize, Serialize};

use crate::codec::Wire;
use crate::error::WireError;
use crate::limits;
use crate::primitives::{
    Bytes, CategorySet, Digest, FieldName, KeyId, MediaType, PackageId, PartyId, PartySet,
    PublicKey, Signature, TagSet, Text, Timestamp, XWingCiphertext, bounded_seq, check_count,
    check_strictly_sorted, de_error,
};

/// The magic bytes that open every package.
pub const MAGIC: [u8; 8] = *b"ROGATORY";
/// The magic bytes that close every container footer.
pub const FOOTER_MAGIC: [u8; 8] = *b"RGTRYEND";
/// The protocol version this crate speaks.
pub const VERSION: u16 = 1;
/// The one cipher suite of version 1 (X25519, HKDF-SHA256,
/// ChaCha20-Poly1305, Ed25519, SHA-256, BLAKE3).
pub const SUITE: u16 = 1;

/// The package prelude: the first 28 bytes of every package (spec §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prelude {
    /// `ROGATORY`.
    pub magic: [u8; 8],
    /// Protocol version, 1.
    pub version: u16,
    /// Cipher suite, 1.
    pub suite: u16,
    /// The package id.
    pub package_id: PackageId,
}

impl Prelude {
    /// Encoded length in bytes.
    pub const LEN: usize = 28;

    /// The prelude of a version 1, suite 1 package.
    pub fn new(package_id: PackageId) -> Self {
        Self {
            magic: MAGIC,
            version: VERSION,
            suite: SUITE,
            package_id,
        }
    }
}

impl Wire for Prelude {
    const NAME: &'static str = "prelude";
    const MAX_ENCODED: usize = Self::LEN;

    fn validate(&self) -> Result<(), WireError> {
        if self.magic != MAGIC {
            return Err(WireError::BadMagic { what: Self::NAME });
        }
        if self.version != VERSION {
            return Err(WireError::UnknownVersion(self.version));
        }
        if self.suite != SUITE {
            return Err(WireError::UnknownSuite(self.suite));
        }
        Ok(())
    }
}

/// A recipient stanza: an HPKE-wrapped key bundle (spec §6.3). It carries no
/// identity; a recipient tries its key on each. Its variant names the KEM
/// it was wrapped with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stanza {
    /// DHKEM(X25519, HKDF-SHA256), to a card's `agreement_key`.
    X25519 {
        /// HPKE encapsulated key (an ephemeral X25519 public key).
        enc: PublicKey,
        /// HPKE ciphertext of the padded key bundle.
        ciphertext: Bytes<{ limits::STANZA_CIPHERTEXT_MAX }>,
    },
    /// X-Wing (ML-KEM-768 + X25519), to a card's `hybrid_key`.
    XWing {
        /// HPKE encapsulated key (an X-Wing ciphertext).
        enc: Box<XWingCiphertext>,
        /// HPKE ciphertext of the padded key bundle.
        ciphertext: Bytes<{ limits::STANZA_CIPHERTEXT_MAX }>,
    },
}

/// The KEM of a stanza.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StanzaKem {
    /// DHKEM(X25519, HKDF-SHA256), HPKE KEM id `0x0020`.
    X25519,
    /// X-Wing, HPKE KEM id `0x647a`.
    XWing,
}

impl Stanza {
    /// The HPKE ciphertext of the padded key bundle.
    pub fn ciphertext(&self) -> &Bytes<{ limits::STANZA_CIPHERTEXT_MAX }> {
        match self {
            Stanza::X25519 { ciphertext, .. } | Stanza::XWing { ciphertext, .. } => ciphertext,
        }
    }

    /// The HPKE ciphertext, to change in place.
    pub fn ciphertext_mut(&mut self) -> &mut Bytes<{ limits::STANZA_CIPHERTEXT_MAX }> {
        match self {
            Stanza::X25519 { ciphertext, .. } | Stanza::XWing { ciphertext, .. } => ciphertext,
        }
    }

    /// The HPKE encapsulated key's bytes.
    pub fn enc(&self) -> &[u8] {
        match self {
            Stanza::X25519 { enc, .. } => enc.as_ref(),
            Stanza::XWing { enc, .. } => enc.as_ref().as_ref(),
        }
    }

    /// The KEM the stanza was wrapped with.
    pub fn kem(&self) -> StanzaKem {
        match self {
            Stanza::X25519 { .. } => StanzaKem::X25519,
            Stanza::XWing { .. } => StanzaKem::XWing,
        }
    }
}

/// How a field's plaintext is cut into segments (spec §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldKind {
    /// Blocks of 1 MiB.
    Binary,
    /// One segment per line, packed past the leaf cap.
    Text,
}

/// What a field is: part of the content, signed by the sender and never
/// changed (spec §4.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentDescriptor {
    /// Position of the field in the package, from 0.
    pub index: u32,
    /// The field's name, unique in the package.
    pub name: FieldName,
    /// Media type of the plaintext.
    pub media_type: MediaType,
    /// Segmenting rule.
    pub kind: FieldKind,
    /// Access tags.
    pub tags: TagSet,
    /// Number of segments (leaves).
    pub segment_count: u32,
    /// Plaintext size in bytes.
    pub size: u64,
}

/// A half-open range `[start, end)` of segment indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SegmentRange {
    /// First index in the range.
    pub start: u32,
    /// One past the last index.
    pub end: u32,
}

/// A set of segment indices in canonical form: ranges non-empty, sorted,
/// neither overlapping nor touching (spec §2.3).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct SegmentSet {
    ranges: Vec<SegmentRange>,
}

impl<'de> Deserialize<'de> for SegmentSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename = "SegmentSet")]
        struct Raw {
            #[serde(deserialize_with = "bounded_seq::<_, _, { limits::RANGES_MAX }>")]
            ranges: Vec<SegmentRange>,
        }
        let raw = Raw::deserialize(d)?;
        let s = SegmentSet { ranges: raw.ranges };
        s.check().map_err(de_error)?;
        Ok(s)
    }
}

impl SegmentSet {
    /// The empty set.
    pub fn empty() -> Self {
        Self { ranges: Vec::new() }
    }

    /// `[0, n)`.
    pub fn full(n: u32) -> Self {
        if n == 0 {
            Self::empty()
        } else {
            Self {
                ranges: vec![SegmentRange { start: 0, end: n }],
            }
        }
    }

    /// The set of the given indices, in any order, duplicates merged.
    /// Indices must be below [`limits::LEAVES_MAX`].
    pub fn from_indices(idx: Vec<u32>) -> Result<Self, WireError> {
        if let Some(i) = idx.iter().find(|&&i| i as usize >= limits::LEAVES_MAX) {
            return Err(WireError::over_limit(
                "segment set",
                format!("segment index {i}"),
            ));
        }
        Ok(Self::collect(idx))
    }

    fn collect(mut idx: Vec<u32>) -> Self {
        idx.sort_unstable();
        idx.dedup();
        let mut ranges: Vec<SegmentRange> = Vec::new();
        for i in idx {
            match ranges.last_mut() {
                Some(r) if r.end == i => r.end = i + 1,
                _ => ranges.push(SegmentRange {
                    start: i,
                    end: i + 1,
                }),
            }
        }
        Self { ranges }
    }

    /// Builds from ranges that must already be canonical.
    pub fn from_ranges(ranges: Vec<SegmentRange>) -> Result<Self, WireError> {
        let s = Self { ranges };
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), WireError> {
        const WHAT: &str = "segment set";
        check_count(WHAT, self.ranges.len(), limits::RANGES_MAX)?;
        if self.bound() as usize > limits::LEAVES_MAX {
            return Err(WireError::over_limit(
                WHAT,
                format!("segment index {}", self.bound()),
            ));
        }
        for r in &self.ranges {
            if r.start >= r.end {
                return Err(WireError::non_canonical(WHAT, "empty range"));
            }
        }
        for pair in self.ranges.windows(2) {
            if let [a, b] = pair
                && a.end >= b.start
            {
                return Err(WireError::non_canonical(
                    WHAT,
                    "ranges must be sorted, disjoint and not adjacent",
                ));
            }
        }
        Ok(())
    }

    /// The ranges.
    pub fn ranges(&self) -> &[SegmentRange] {
        &self.ranges
    }

    /// Whether index `i` is in the set.
    pub fn contains(&self, i: u32) -> bool {
        self.ranges
            .binary_search_by(|r| {
                if r.end <= i {
                    std::cmp::Ordering::Less
                } else if r.start > i {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    /// Number of indices in the set.
    pub fn count(&self) -> u64 {
        self.ranges.iter().map(|r| u64::from(r.end - r.start)).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// One past the largest index, or 0.
    pub fn bound(&self) -> u32 {
        self.ranges.last().map_or(0, |r| r.end)
    }

    /// The indices in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|r| r.start..r.end)
    }

    /// `self` without the indices of `other`.
    pub fn difference(&self, other: &SegmentSet) -> SegmentSet {
        Self::collect(self.iter().filter(|i| !other.contains(*i)).collect())
    }

    /// Whether every index of `self` is in `other`.
    pub fn is_subset(&self, other: &SegmentSet) -> bool {
        self.iter().all(|i| other.contains(i))
    }
}

/// A field's bytes as they stand in the envelope (spec §5.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldBody {
    /// The field's ciphertext is in the container.
    Present {
        /// Length of the ciphertext in bytes.
        ciphertext_len: u64,
        /// STREAM chunk size: 65536 in suite 1.
        chunk_size: u32,
        /// Commitment to the field key the ciphertext is under.
        key_commitment: Digest,
        /// BLAKE3 of the ciphertext.
        ciphertext_digest: Digest,
        /// The segments the ciphertext carries.
        segments: SegmentSet,
    },
    /// The whole field was removed by a redaction; its leaves stay.
    Removed,
}

/// Per field, which ciphertext carries it now: part of the envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeDescriptor {
    /// Position of the field, from 0.
    pub index: u32,
    /// The field's bytes.
    pub body: FieldBody,
}

/// The length of the plaintext that a STREAM ciphertext of `ct_len` bytes
/// carries with chunks of `chunk` bytes, or `None` if no plaintext gives that
/// length (spec §7.1: the final chunk is empty only when the plaintext is).
pub fn stream_plaintext_len(ct_len: u64, chunk: u32) -> Option<u64> {
    const TAG: u64 = 16;
    let full = u64::from(chunk) + TAG;
    if ct_len < TAG {
        return None;
    }
    if ct_len == TAG {
        return Some(0);
    }
    let chunks = ct_len.div_ceil(full);
    let last = ct_len - (chunks - 1) * full;
    if last <= TAG {
        return None;
    }
    Some(ct_len - chunks * TAG)
}

/// The ciphertext length of a STREAM over `pt_len` bytes.
pub fn stream_ciphertext_len(pt_len: u64, chunk: u32) -> u64 {
    let chunks = pt_len.div_ceil(u64::from(chunk).max(1)).max(1);
    pt_len.saturating_add(chunks.saturating_mul(16))
}

impl EnvelopeDescriptor {
    fn check(&self, index: usize, leaves: Option<usize>) -> Result<(), WireError> {
        const WHAT: &str = "envelope descriptor";
        if usize::try_from(self.index).ok() != Some(index) {
            return Err(WireError::invalid(
                WHAT,
                format!("index {} at position {index}", self.index),
            ));
        }
        if let FieldBody::Present {
            ciphertext_len,
            chunk_size,
            segments,
            ..
        } = &self.body
        {
            if *chunk_size != limits::CHUNK_SIZE {
                return Err(WireError::invalid(
                    WHAT,
                    format!(
                        "chunk size {chunk_size}, suite 1 uses {}",
                        limits::CHUNK_SIZE
                    ),
                ));
            }
            if *ciphertext_len > limits::FIELD_CIPHERTEXT_MAX {
                return Err(WireError::over_limit(
                    WHAT,
                    format!("ciphertext of {ciphertext_len} bytes"),
                ));
            }
            if stream_plaintext_len(*ciphertext_len, *chunk_size).is_none() {
                return Err(WireError::invalid(
                    WHAT,
                    format!("{ciphertext_len} is not a STREAM ciphertext length"),
                ));
            }
            if let Some(n) = leaves
                && segments.bound() as usize > n
            {
                return Err(WireError::invalid(
                    WHAT,
                    format!(
                        "field {index}: segment {} past its {n} leaves",
                        segments.bound()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The envelope descriptors of every field, in field order, checked against
/// the leaf counts when they are known.
pub(crate) fn check_envelope(
    fields: &[EnvelopeDescriptor],
    leaves: Option<&LeafTable>,
) -> Result<(), WireError> {
    check_count("envelope", fields.len(), limits::FIELDS_MAX)?;
    if fields.is_empty() {
        return Err(WireError::invalid(
            "envelope",
            "a package has at least one field",
        ));
    }
    if let Some(t) = leaves
        && t.fields.len() != fields.len()
    {
        return Err(WireError::invalid(
            "trailer",
            format!(
                "{} envelope descriptors for {} fields of leaves",
                fields.len(),
                t.fields.len()
            ),
        ));
    }
    for (i, d) in fields.iter().enumerate() {
        d.check(
            i,
            leaves.and_then(|t| t.fields.get(i)).map(|f| f.leaves.len()),
        )?;
    }
    Ok(())
}

/// One field's leaves, in segment order. Encoded as one byte string of
/// `32 × n` bytes (spec §8.2), so that a large leaf table decodes at the
/// speed of a copy; in JSON, a list of hex digests.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FieldLeaves {
    /// `leaf[i]` for segment `i` (spec §8.1).
    pub leaves: Vec<Digest>,
}

impl Serialize for FieldLeaves {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let human = s.is_human_readable();
        let mut st = s.serialize_struct("FieldLeaves", 1)?;
        if human {
            st.serialize_field("leaves", &self.leaves)?;
        } else {
            let flat: Vec<u8> = self.leaves.iter().flat_map(|d| d.0).collect();
            st.serialize_field("leaves", &BytesRef(&flat))?;
        }
        st.end()
    }
}

struct BytesRef<'a>(&'a [u8]);

impl Serialize for BytesRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl<'de> Deserialize<'de> for FieldLeaves {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            #[derive(Deserialize)]
            #[serde(rename = "FieldLeaves")]
            struct Json {
                #[serde(deserialize_with = "bounded_seq::<_, _, { limits::LEAVES_MAX }>")]
                leaves: Vec<Digest>,
            }
            return Json::deserialize(d).map(|j| FieldLeaves { leaves: j.leaves });
        }
        #[derive(Deserialize)]
        #[serde(rename = "FieldLeaves")]
        struct Bin {
            leaves: Bytes<{ 32 * limits::LEAVES_MAX }>,
        }
        let b = Bin::deserialize(d)?;
        let raw = b.leaves.as_slice();
        if raw.len() % 32 != 0 {
            return Err(de_error(WireError::invalid(
                "leaf table",
                format!("{} bytes of leaves is not a multiple of 32", raw.len()),
            )));
        }
        let leaves = raw
            .chunks_exact(32)
            .map(|c| {
                let mut a = [0u8; 32];
                a.copy_from_slice(c);
                Digest(a)
            })
            .collect();
        Ok(FieldLeaves { leaves })
    }
}

/// The leaf table: every leaf of the package, field by field (spec §8.2). It
/// travels in the clear; its Merkle root is signed.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LeafTable {
    /// Per field, in field order.
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::FIELDS_MAX }>")]
    pub fields: Vec<FieldLeaves>,
}

impl LeafTable {
    /// Total number of leaves (the Merkle tree size).
    pub fn total(&self) -> u64 {
        self.fields.iter().map(|f| f.leaves.len() as u64).sum()
    }

    /// The position of (field, segment) in the tree, if it exists.
    pub fn position(&self, field: u32, segment: u32) -> Option<u64> {
        let f = field as usize;
        let before: u64 = self
            .fields
            .get(..f)?
            .iter()
            .map(|x| x.leaves.len() as u64)
            .sum();
        let this = self.fields.get(f)?;
        ((segment as usize) < this.leaves.len()).then_some(before + u64::from(segment))
    }

    fn check(&self) -> Result<(), WireError> {
        check_count("leaf table", self.fields.len(), limits::FIELDS_MAX)?;
        let total = self.total();
        if total > limits::LEAVES_MAX as u64 {
            return Err(WireError::over_limit(
                "leaf table",
                format!("{total} leaves, limit {}", limits::LEAVES_MAX),
            ));
        }
        Ok(())
    }
}

/// Priority of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    /// Normal handling.
    Normal,
    /// Urgent.
    Urgent,
    /// Immediate: danger to life or imminent loss of evidence.
    Immediate,
}

/// The sender's consent to onward transfer (the speciality rule).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OnwardConsent {
    /// No onward transfer.
    None,
    /// Only to these parties.
    Parties(PartySet),
    /// To any trusted party, with notice to the sender.
    AnyWithNotice,
}

/// A party as the metadata names it: its id and the key id of its card.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartyRef {
    /// The party.
    pub party: PartyId,
    /// Its card's key id.
    pub key_id: KeyId,
}

/// An acquisition provenance record from the forensic tool that acquired the
/// evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Tool name.
    pub tool: Text,
    /// Tool version.
    pub tool_version: Text,
    /// Examiner.
    pub examiner: Text,
    /// Source (device, account, ...).
    pub source: Text,
    /// SHA-256 of the source as acquired.
    pub source_sha256: Digest,
    /// When it was acquired.
    pub acquired: Timestamp,
    /// The fields it produced (indices, sorted, unique).
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::FIELDS_MAX }>")]
    pub fields: Vec<u32>,
}

/// The sealed metadata (spec §4.4): encrypted under the metadata key, and
/// committed to by the package digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// When the package was sealed.
    pub created: Timestamp,
    /// The package may not be opened before this time.
    pub not_before: Timestamp,
    /// The package may be opened up to and including this second.
    pub retain_until: Timestamp,
    /// Case reference.
    pub case_reference: Text,
    /// Request reference, if any.
    pub request_reference: Option<Text>,
    /// Legal basis.
    pub legal_basis: Text,
    /// Issuing authority.
    pub issuing_authority: Text,
    /// Priority.
    pub priority: Priority,
    /// Deadline, if any.
    pub deadline: Option<Timestamp>,
    /// Purpose.
    pub purpose: Text,
    /// Data categories.
    pub data_categories: CategorySet,
    /// Onward-transfer consent.
    pub onward: OnwardConsent,
    /// The sender.
    pub sender: PartyRef,
    /// The recipients at sealing, sorted by key id, unique.
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::RECIPIENTS_MAX }>")]
    pub recipients: Vec<PartyRef>,
    /// Acquisition provenance.
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::PROVENANCE_MAX }>")]
    pub provenance: Vec<Provenance>,
    /// The content descriptors, in field order.
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::FIELDS_MAX }>")]
    pub fields: Vec<ContentDescriptor>,
}

impl Wire for Metadata {
    const NAME: &'static str = "metadata";
    const MAX_ENCODED: usize = limits::METADATA_MAX;

    fn validate(&self) -> Result<(), WireError> {
        const WHAT: &str = "metadata";
        if self.not_before > self.retain_until {
            return Err(WireError::invalid(WHAT, "not-before is after retain-until"));
        }
        check_count(WHAT, self.recipients.len(), limits::RECIPIENTS_MAX)?;
        if self.recipients.is_empty() {
            return Err(WireError::invalid(WHAT, "no recipients"));
        }
        check_strictly_sorted(WHAT, &self.recipients, |r| r.key_id)?;
        check_count(WHAT, self.provenance.len(), limits::PROVENANCE_MAX)?;
        check_count(WHAT, self.fields.len(), limits::FIELDS_MAX)?;
        if self.fields.is_empty() {
            return Err(WireError::invalid(WHAT, "a package has at least one field"));
        }
        let n = self.fields.len();
        for p in &self.provenance {
            check_strictly_sorted(WHAT, &p.fields, |i| *i)?;
            if p.fields.iter().any(|&i| i as usize >= n) {
                return Err(WireError::invalid(
                    WHAT,
                    "provenance names a field that does not exist",
                ));
            }
        }
        let mut names: Vec<&str> = Vec::with_capacity(n);
        let mut leaves = 0u64;
        for (i, f) in self.fields.iter().enumerate() {
            if f.index as usize != i {
                return Err(WireError::invalid(
                    WHAT,
                    format!("field index {} at position {i}", f.index),
                ));
            }
            names.push(f.name.as_str());
            leaves += u64::from(f.segment_count);
        }
        if leaves > limits::LEAVES_MAX as u64 {
            return Err(WireError::over_limit(
                WHAT,
                format!("{leaves} segments in all"),
            ));
        }
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err(WireError::invalid(WHAT, "two fields have the same name"));
        }
        Ok(())
    }
}

/// The sender's signature over the package digest (spec §8.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureBlock {
    /// The sender's key id (in the clear: declared leakage).
    pub signer: KeyId,
    /// Ed25519 over `SIG_PACKAGE || package digest`.
    pub signature: Signature,
}

/// The container trailer (spec §9.2): everything a verifier needs besides the
/// field bodies and the custody records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    /// The sealed metadata.
    pub metadata_ciphertext: Bytes<{ limits::METADATA_MAX + 16 }>,
    /// Commitment to the metadata key.
    pub metadata_commitment: Digest,
    /// The leaf table.
    pub leaves: LeafTable,
    /// Envelope: per field, its bytes now.
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::FIELDS_MAX }>")]
    pub fields: Vec<EnvelopeDescriptor>,
    /// Envelope: the recipient stanzas now.
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::RECIPIENTS_MAX }>")]
    pub stanzas: Vec<Stanza>,
    /// The sender's signature over the content.
    pub signature: SignatureBlock,
}

impl Trailer {
    /// Offset of each present field's ciphertext, relative to the end of the
    /// prelude, and the total length of the bodies.
    pub fn body_layout(&self) -> (Vec<Option<(u64, u64)>>, u64) {
        let mut at = 0u64;
        let mut out = Vec::with_capacity(self.fields.len());
        for f in &self.fields {
            match &f.body {
                FieldBody::Present { ciphertext_len, .. } => {
                    out.push(Some((at, *ciphertext_len)));
                    at = at.saturating_add(*ciphertext_len);
                }
                FieldBody::Removed => out.push(None),
            }
        }
        (out, at)
    }
}

impl Wire for Trailer {
    const NAME: &'static str = "trailer";
    const MAX_ENCODED: usize = limits::TRAILER_MAX;

    fn validate(&self) -> Result<(), WireError> {
        self.leaves.check()?;
        check_envelope(&self.fields, Some(&self.leaves))?;
        check_stanzas(&self.stanzas)
    }
}

/// Stanzas: 1 to 256, all of one ciphertext length (the bundles are padded).
pub(crate) fn check_stanzas(stanzas: &[Stanza]) -> Result<(), WireError> {
    const WHAT: &str = "stanzas";
    check_count(WHAT, stanzas.len(), limits::RECIPIENTS_MAX)?;
    let first = stanzas
        .first()
        .ok_or_else(|| WireError::invalid(WHAT, "no recipient stanza"))?;
    if stanzas
        .iter()
        .any(|s| s.ciphertext().len() != first.ciphertext().len())
    {
        return Err(WireError::invalid(
            WHAT,
            "stanza ciphertexts differ in length",
        ));
    }
    Ok(())
}

/// The fixed-size footer at the very end of a container (spec §9.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footer {
    /// Offset of the trailer from the start of the file.
    pub trailer_offset: u64,
    /// Length of the trailer.
    pub trailer_len: u64,
    /// Total length of the custody records that follow the trailer.
    pub records_len: u64,
    /// Number of custody records.
    pub record_count: u32,
    /// `SHA-256(HASH_FOOTER || the 28 bytes above)`: tells a torn footer from
    /// a whole one.
    pub check: Digest,
    /// `RGTRYEND`.
    pub magic: [u8; 8],
}

impl Footer {
    /// Encoded length in bytes.
    pub const LEN: usize = 68;
    /// Length of the footer's prefix that `check` covers.
    pub const CHECKED_PREFIX: usize = 28;
}

impl Wire for Footer {
    const NAME: &'static str = "footer";
    const MAX_ENCODED: usize = Self::LEN;

    fn validate(&self) -> Result<(), WireError> {
        if self.magic != FOOTER_MAGIC {
            return Err(WireError::BadMagic { what: Self::NAME });
        }
        if self.record_count as usize > limits::EVENTS_MAX {
            return Err(WireError::over_limit(
                Self::NAME,
                "too many custody records",
            ));
        }
        Ok(())
    }
}

/// The recipient stanzas as one structure: what the stanzas digest covers
/// (spec §8.5).
impl Wire for Vec<Stanza> {
    const NAME: &'static str = "stanzas";
    const MAX_ENCODED: usize =
        8 + limits::RECIPIENTS_MAX * (4 + XWingCiphertext::LEN + 8 + limits::STANZA_CIPHERTEXT_MAX);

    fn validate(&self) -> Result<(), WireError> {
        check_stanzas(self)
    }
}

/// One envelope descriptor on its own: what a redactor's key proof signs
/// (spec §12.1). Its index is not checked against a position here.
impl Wire for EnvelopeDescriptor {
    const NAME: &'static str = "envelope descriptor";
    const MAX_ENCODED: usize = 4 + 4 + 8 + 4 + 32 + 32 + 8 + 8 * limits::RANGES_MAX;
}
