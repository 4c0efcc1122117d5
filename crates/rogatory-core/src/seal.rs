//! Sealing (spec §4–§9): a streaming builder that writes a package in one
//! pass, in constant memory, from inputs of any size.
//!
//! ```text
//! Sealer::new(out, signer, recipients, metadata, now)   writes the prelude
//!   .add_field(spec, reader)   (repeat)                  streams each field
//!   .seal()                                              trailer, `sealed`, footer
//!   -> SealedPackage
//! ```
//!
//! Nothing can be delivered before it is sealed: only [`Sealer::seal`]
//! produces a package.

use std::io::{Read, Write};

use rand_core::CryptoRng;
use rogatory_wire::{
    Bytes, CategorySet, Clearances, ContentDescriptor, Digest, EnvelopeDescriptor, EnvelopeRecord,
    EventBody, EventDetails, FieldBody, FieldKind, FieldLeaves, FieldName, KeyId, LeafTable,
    MediaType, Metadata, OnwardConsent, PackageId, PartyRef, Prelude, Priority, Provenance,
    PublicKey, Salt, SegmentSet, SignatureBlock, Stanza, Tag, TagSet, Text, Timestamp, Token,
    Trailer, TrustEntry, XWingPublicKey, encode, labels,
};

use crate::container::{make_footer, record_frame};
use crate::crypto::{aead_seal_once, blake3, field_keys, metadata_keys, sha256};
use crate::custody::sign_event;
use crate::error::{CoreError, Place, Result};
use crate::identity::{Signer, card_valid_at};
use crate::merkle;
use crate::secret::Key32;
use crate::segment::{Segmenter, leaf, put_record_header};
use crate::stream::encrypt_pipelined;
use crate::wrap::{KeyBundle, is_contributory, wrap};

/// The legal metadata a sender fills in.
#[derive(Clone, Debug)]
pub struct PackageInfo {
    /// Case reference.
    pub case_reference: Text,
    /// Request reference.
    pub request_reference: Option<Text>,
    /// Legal basis.
    pub legal_basis: Text,
    /// Issuing authority.
    pub issuing_authority: Text,
    /// Priority.
    pub priority: Priority,
    /// Deadline.
    pub deadline: Option<Timestamp>,
    /// Purpose.
    pub purpose: Text,
    /// Data categories.
    pub data_categories: CategorySet,
    /// Not to be opened before.
    pub not_before: Timestamp,
    /// Retained until (inclusive).
    pub retain_until: Timestamp,
    /// Onward-transfer consent.
    pub onward: OnwardConsent,
    /// Acquisition provenance records (their `fields` name field indices).
    pub provenance: Vec<Provenance>,
}

impl PackageInfo {
    /// The legal metadata of a request, with what every package must name
    /// (its case, its legal basis, the last second it may be kept) and
    /// defaults for the rest, each changed by a `with_` method: no request
    /// reference, issuing authority or purpose (empty texts), normal
    /// priority, no deadline, no data categories, no embargo (`not_before`
    /// the epoch), no onward transfer, no provenance records.
    ///
    /// ```
    /// use rogatory_core::PackageInfo;
    /// use rogatory_wire::{OnwardConsent, Priority, Timestamp};
    /// let info = PackageInfo::new("CASE-2026-0042", "Art. 18 Budapest Convention",
    ///                             Timestamp(4_102_444_799))?
    ///     .with_request_reference("MLA/2026/117")?
    ///     .with_priority(Priority::Urgent)
    ///     .with_data_categories(&["content", "subscriber"])?
    ///     .with_onward(OnwardConsent::None);
    /// assert_eq!(info.case_reference.as_str(), "CASE-2026-0042");
    /// # Ok::<(), rogatory_core::CoreError>(())
    /// ```
    pub fn new(case_reference: &str, legal_basis: &str, retain_until: Timestamp) -> Result<Self> {
        Ok(Self {
            case_reference: text("case reference", case_reference)?,
            request_reference: None,
            legal_basis: text("legal basis", legal_basis)?,
            issuing_authority: text("issuing authority", "")?,
            priority: Priority::Normal,
            deadline: None,
            purpose: text("purpose", "")?,
            data_categories: CategorySet::from_sorted(Vec::new())
                .map_err(|e| CoreError::usage(format!("data categories: {e}")))?,
            not_before: Timestamp(0),
            retain_until,
            onward: OnwardConsent::None,
            provenance: Vec::new(),
        })
    }

    /// The requesting authority's reference.
    pub fn with_request_reference(mut self, reference: &str) -> Result<Self> {
        self.request_reference = Some(text("request reference", reference)?);
        Ok(self)
    }

    /// The authority that issued the request.
    pub fn with_issuing_authority(mut self, authority: &str) -> Result<Self> {
        self.issuing_authority = text("issuing authority", authority)?;
        Ok(self)
    }

    /// What the evidence may be used for.
    pub fn with_purpose(mut self, purpose: &str) -> Result<Self> {
        self.purpose = text("purpose", purpose)?;
        Ok(self)
    }

    /// The priority.
    pub fn with_priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// The deadline for an answer.
    pub fn with_deadline(mut self, deadline: Timestamp) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The first second the package may be opened.
    pub fn with_not_before(mut self, not_before: Timestamp) -> Self {
        self.not_before = not_before;
        self
    }

    /// The data categories (tokens such as `subscriber`, `content`).
    pub fn with_data_categories(mut self, categories: &[&str]) -> Result<Self> {
        let tokens = categories
            .iter()
            .map(|c| {
                Token::new(*c).map_err(|e| CoreError::usage(format!("data category {c:?}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        self.data_categories = CategorySet::from_unsorted(tokens)
            .map_err(|e| CoreError::usage(format!("data categories: {e}")))?;
        Ok(self)
    }

    /// The sender's consent to onward transfer.
    pub fn with_onward(mut self, onward: OnwardConsent) -> Self {
        self.onward = onward;
        self
    }

    /// One more acquisition provenance record.
    pub fn with_provenance(mut self, provenance: Provenance) -> Self {
        self.provenance.push(provenance);
        self
    }
}

fn text(what: &str, s: &str) -> Result<Text> {
    Text::new(s).map_err(|e| CoreError::usage(format!("{what}: {e}")))
}

/// A recipient: who it is, its keys, what it is cleared for.
#[derive(Clone, Debug)]
pub struct Recipient {
    /// Party and key id.
    pub party: PartyRef,
    /// X25519 public key from its card.
    pub agreement_key: PublicKey,
    /// X-Wing public key from its card, if it has one: the stanza is then
    /// wrapped with X-Wing (spec §6.3).
    pub hybrid_key: Option<XWingPublicKey>,
    /// Clearances granted by the sender's trust store.
    pub clearances: Clearances,
}

impl Recipient {
    /// The recipient a trust-store entry describes.
    pub fn from_trust(entry: &TrustEntry) -> Self {
        Self {
            party: PartyRef {
                party: entry.party.clone(),
                key_id: entry.key_id,
            },
            agreement_key: entry.card.body.agreement_key,
            hybrid_key: entry.card.body.hybrid_key,
            clearances: entry.clearances.clone(),
        }
    }
}

/// A field to seal.
#[derive(Clone, Debug)]
pub struct FieldSpec {
    /// Unique name.
    pub name: FieldName,
    /// Media type.
    pub media_type: MediaType,
    /// Segmenting rule.
    pub kind: FieldKind,
    /// Access tags.
    pub tags: TagSet,
}

impl FieldSpec {
    /// A text field (segmented by lines, spec §7.2), `text/plain`, with
    /// these access tags (`category:content`, ...).
    pub fn text(name: &str, tags: &[&str]) -> Result<Self> {
        Self::new(name, FieldKind::Text, "text/plain", tags)
    }

    /// A binary field (segments of 1 MiB), `application/octet-stream`, with
    /// these access tags.
    pub fn binary(name: &str, tags: &[&str]) -> Result<Self> {
        Self::new(name, FieldKind::Binary, "application/octet-stream", tags)
    }

    /// Another media type (`text/csv`, `application/x-raw-disk-image`).
    pub fn with_media_type(mut self, media_type: &str) -> Result<Self> {
        self.media_type = MediaType::new(media_type)
            .map_err(|e| CoreError::usage(format!("media type {media_type:?}: {e}")))?;
        Ok(self)
    }

    fn new(name: &str, kind: FieldKind, media_type: &str, tags: &[&str]) -> Result<Self> {
        // The rule the sealer applies (spec §14.4): refused here already.
        crate::package::safe_file_name(name)?;
        let tags = tags
            .iter()
            .map(|t| Tag::new(*t).map_err(|e| CoreError::usage(format!("access tag {t:?}: {e}"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            name: FieldName::new(name)
                .map_err(|e| CoreError::usage(format!("field name {name:?}: {e}")))?,
            media_type: MediaType::new(media_type)
                .map_err(|e| CoreError::usage(format!("media type {media_type:?}: {e}")))?,
            kind,
            tags: TagSet::from_unsorted(tags)
                .map_err(|e| CoreError::usage(format!("access tags of {name:?}: {e}")))?,
        })
    }
}

/// What sealing a field produced.
#[derive(Clone, Debug)]
pub struct FieldSummary {
    /// Field index.
    pub index: u32,
    /// Plaintext bytes.
    pub size: u64,
    /// Segments (leaves).
    pub segments: u32,
    /// Ciphertext bytes.
    pub ciphertext_len: u64,
}

struct SealedField {
    content: ContentDescriptor,
    envelope: EnvelopeDescriptor,
    leaves: Vec<Digest>,
    key: Key32,
}

struct CountingWriter<W> {
    inner: W,
    written: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A package being sealed.
pub struct Sealer<'s, W: Write + Send, R: CryptoRng> {
    out: CountingWriter<W>,
    signer: &'s dyn Signer,
    rng: R,
    package_id: PackageId,
    now: Timestamp,
    info: PackageInfo,
    recipients: Vec<Recipient>,
    fields: Vec<SealedField>,
    failed: bool,
}

/// A sealed package.
#[derive(Debug)]
pub struct SealedPackage<W> {
    /// The writer, after the last byte.
    pub writer: W,
    /// Package id.
    pub package_id: PackageId,
    /// Package digest (what the sender signed).
    pub package_digest: Digest,
    /// Bytes written.
    pub size: u64,
    /// Fields sealed.
    pub fields: Vec<FieldSummary>,
    /// The `sealed` custody event, the first of the chain (for the sender's
    /// ledger line, [`crate::custody::event_ref`]).
    pub sealed_event: rogatory_wire::CustodyEvent,
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(CoreError::io("reading field input")(e)),
        }
    }
    Ok(n)
}

impl<'s, W: Write + Send, R: CryptoRng> Sealer<'s, W, R> {
    /// Starts a package: checks the request and writes the prelude.
    pub fn new(
        out: W,
        signer: &'s dyn Signer,
        recipients: Vec<Recipient>,
        info: PackageInfo,
        now: Timestamp,
        mut rng: R,
    ) -> Result<Self> {
        if !card_valid_at(signer.card(), now) {
            return Err(CoreError::CardNotValid {
                party: signer.party().to_string(),
                key_id: signer.key_id(),
                detail: "the sender's card is not valid now".into(),
            });
        }
        if info.not_before > info.retain_until {
            return Err(CoreError::usage("not-before is after retain-until"));
        }
        if info.retain_until < now {
            return Err(CoreError::usage("retain-until is already past"));
        }
        let mut recipients = recipients;
        let me = signer.key_id();
        if !recipients.iter().any(|r| r.party.key_id == me) {
            recipients.push(Recipient {
                party: PartyRef {
                    party: signer.party().clone(),
                    key_id: me,
                },
                agreement_key: signer.card().body.agreement_key,
                hybrid_key: signer.card().body.hybrid_key,
                clearances: Clearances::default(),
            });
        }
        recipients.sort_by_key(|r| r.party.key_id);
        recipients.dedup_by_key(|r| r.party.key_id);
        if recipients.len() > rogatory_wire::limits::RECIPIENTS_MAX {
            return Err(CoreError::usage("too many recipients"));
        }
        if let Some(r) = recipients
            .iter()
            .find(|r| !is_contributory(&r.agreement_key))
        {
            return Err(CoreError::usage(format!(
                "the X25519 key of {} is a low-order point",
                r.party.party
            )));
        }
        if let Some(r) = recipients.iter().find(|r| {
            r.hybrid_key
                .as_ref()
                .is_some_and(|k| !crate::wrap::is_valid_hybrid_key(k))
        }) {
            return Err(CoreError::usage(format!(
                "the X-Wing key of {} is not a valid ML-KEM-768 key",
                r.party.party
            )));
        }
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        let package_id = PackageId(id);
        let mut out = CountingWriter {
            inner: out,
            written: 0,
        };
        let prelude =
            encode(&Prelude::new(package_id)).map_err(CoreError::malformed(Place::Prelude))?;
        out.write_all(&prelude)
            .map_err(CoreError::io("writing package"))?;
        Ok(Self {
            out,
            signer,
            rng,
            package_id,
            now,
            info,
            recipients,
            fields: Vec::new(),
            failed: false,
        })
    }

    /// The package id.
    pub fn package_id(&self) -> PackageId {
        self.package_id
    }

    /// Streams one field from `input` into the package. After an error the
    /// output holds a partial field: the sealer refuses to go on.
    pub fn add_field(&mut self, spec: FieldSpec, input: &mut impl Read) -> Result<FieldSummary> {
        if self.failed {
            return Err(CoreError::usage(
                "an earlier field failed; this package cannot be sealed",
            ));
        }
        // One rule for names at both ends: what every reader can write to a
        // directory (checked before anything is written).
        crate::package::safe_file_name(spec.name.as_str())?;
        let res = self.add_field_inner(spec, input);
        if res.is_err() {
            self.failed = true;
        }
        res
    }

    fn add_field_inner(&mut self, spec: FieldSpec, input: &mut impl Read) -> Result<FieldSummary> {
        if self.fields.len() >= rogatory_wire::limits::FIELDS_MAX {
            return Err(CoreError::usage("too many fields"));
        }
        if self.fields.iter().any(|f| f.content.name == spec.name) {
            return Err(CoreError::usage(format!(
                "two fields named {:?}",
                spec.name.as_str()
            )));
        }
        let index = self.fields.len() as u32;
        let key = Key32::random(&mut self.rng);
        let keys = field_keys(&key, &self.package_id, index);
        let aad = crate::stream::field_aad(&self.package_id, index);
        let package_id = self.package_id;
        let total_before: usize = self.fields.iter().map(|f| f.leaves.len()).sum();
        let rng = &mut self.rng;
        let kind = spec.kind;
        let ((leaves, size), ciphertext_len, ciphertext_digest) =
            encrypt_pipelined(&keys.aead, aad, &mut self.out, |pipe| {
                let mut leaves: Vec<Digest> = Vec::new();
                let mut header = Vec::with_capacity(crate::segment::RECORD_HEADER);
                let mut emit = |data: &[u8]| -> Result<()> {
                    if total_before + leaves.len() >= rogatory_wire::limits::LEAVES_MAX {
                        return Err(CoreError::usage("the package would exceed its leaf limit"));
                    }
                    let mut salt = [0u8; 32];
                    rng.fill_bytes(&mut salt);
                    let i = leaves.len() as u32;
                    leaves.push(leaf(&package_id, index, i, &salt, &blake3(data)));
                    header.clear();
                    put_record_header(&mut header, i, &salt, data.len());
                    pipe.write_all(&header)?;
                    pipe.write_all(data)
                };
                let mut size = 0u64;
                let mut buf = vec![0u8; rogatory_wire::limits::SEGMENT_MAX];
                match kind {
                    // Blocks are read straight into place: no segmenter copy.
                    FieldKind::Binary => loop {
                        let n = read_full(input, &mut buf)?;
                        if n == 0 {
                            break;
                        }
                        size += n as u64;
                        emit(&buf[..n])?;
                    },
                    FieldKind::Text => {
                        let mut seg = Segmenter::new(kind);
                        loop {
                            let n = read_full(input, &mut buf)?;
                            if n == 0 {
                                break;
                            }
                            size += n as u64;
                            seg.push(&buf[..n], &mut emit)?;
                        }
                        seg.finish(&mut emit)?;
                    }
                }
                Ok((leaves, size))
            })?;
        let segments = leaves.len() as u32;
        self.fields.push(SealedField {
            content: ContentDescriptor {
                index,
                name: spec.name,
                media_type: spec.media_type,
                kind: spec.kind,
                tags: spec.tags,
                segment_count: segments,
                size,
            },
            envelope: EnvelopeDescriptor {
                index,
                body: FieldBody::Present {
                    ciphertext_len,
                    chunk_size: rogatory_wire::limits::CHUNK_SIZE,
                    key_commitment: keys.commitment,
                    ciphertext_digest,
                    segments: SegmentSet::full(segments),
                },
            },
            leaves,
            key,
        });
        Ok(FieldSummary {
            index,
            size,
            segments,
            ciphertext_len,
        })
    }

    /// Seals: metadata, leaf table and signature, stanzas, the `sealed`
    /// custody event and the footer.
    pub fn seal(mut self) -> Result<SealedPackage<W>> {
        if self.failed {
            return Err(CoreError::usage(
                "an earlier field failed; this package cannot be sealed",
            ));
        }
        if self.fields.is_empty() {
            return Err(CoreError::usage("a package needs at least one field"));
        }
        let me = self.signer.key_id();
        let metadata = Metadata {
            created: self.now,
            not_before: self.info.not_before,
            retain_until: self.info.retain_until,
            case_reference: self.info.case_reference.clone(),
            request_reference: self.info.request_reference.clone(),
            legal_basis: self.info.legal_basis.clone(),
            issuing_authority: self.info.issuing_authority.clone(),
            priority: self.info.priority,
            deadline: self.info.deadline,
            purpose: self.info.purpose.clone(),
            data_categories: self.info.data_categories.clone(),
            onward: self.info.onward.clone(),
            sender: PartyRef {
                party: self.signer.party().clone(),
                key_id: me,
            },
            recipients: self.recipients.iter().map(|r| r.party.clone()).collect(),
            provenance: self.info.provenance.clone(),
            fields: self.fields.iter().map(|f| f.content.clone()).collect(),
        };
        let meta_plain =
            encode(&metadata).map_err(|e| CoreError::usage(format!("metadata: {e}")))?;
        let meta_key = Key32::random(&mut self.rng);
        let mkeys = metadata_keys(&meta_key, &self.package_id);
        let prelude =
            encode(&Prelude::new(self.package_id)).map_err(CoreError::malformed(Place::Prelude))?;
        let meta_ct = aead_seal_once(&mkeys.aead, &prelude, &meta_plain)?;

        let leaves = LeafTable {
            fields: self
                .fields
                .iter()
                .map(|f| FieldLeaves {
                    leaves: f.leaves.clone(),
                })
                .collect(),
        };
        let digest = package_digest(&prelude, &meta_ct, &mkeys.commitment, &leaves);
        let signature = self.signer.sign(&crate::crypto::signed_message(
            labels::SIG_PACKAGE,
            &[&digest.0],
        ))?;

        let mut stanzas: Vec<(KeyId, Stanza)> = Vec::with_capacity(self.recipients.len());
        for r in &self.recipients {
            let full = r.party.key_id == me;
            let bundle = KeyBundle {
                metadata_key: meta_key.duplicate(),
                field_keys: self
                    .fields
                    .iter()
                    .map(|f| {
                        (full || f.content.tags.is_subset(r.clearances.as_slice()))
                            .then(|| f.key.duplicate())
                    })
                    .collect(),
            };
            stanzas.push((
                r.party.key_id,
                wrap(
                    &bundle,
                    &r.agreement_key,
                    r.hybrid_key.as_ref(),
                    &r.party.key_id,
                    &self.package_id,
                    &mut self.rng,
                )?,
            ));
        }
        shuffle(&mut stanzas, &mut self.rng);
        let (holders, stanzas): (Vec<KeyId>, Vec<Stanza>) = stanzas.into_iter().unzip();

        let envelope_fields: Vec<EnvelopeDescriptor> =
            self.fields.iter().map(|f| f.envelope.clone()).collect();
        let trailer = Trailer {
            metadata_ciphertext: Bytes::new(meta_ct)
                .map_err(|e| CoreError::usage(format!("metadata: {e}")))?,
            metadata_commitment: mkeys.commitment,
            leaves,
            fields: envelope_fields.clone(),
            stanzas,
            signature: SignatureBlock {
                signer: me,
                signature,
            },
        };
        let record = envelope_record(
            envelope_fields,
            &trailer.stanzas,
            &holders,
            &meta_key,
            &self.package_id,
            &mut self.rng,
        )?;
        let trailer_bytes =
            encode(&trailer).map_err(|e| CoreError::usage(format!("trailer: {e}")))?;
        let trailer_offset = self.out.written;
        self.out
            .write_all(&trailer_bytes)
            .map_err(CoreError::io("writing package"))?;

        let sealed = sign_event(
            self.signer,
            &meta_key,
            &self.package_id,
            digest,
            None,
            self.now,
            EventBody::Sealed { envelope: record },
            &EventDetails {
                actor: self.signer.party().clone(),
                counterpart: None,
                reason: Text::empty(),
                legal_basis: self.info.legal_basis.clone(),
                text: Text::empty(),
            },
            &mut self.rng,
        )?;
        let frame = record_frame(&sealed)?;
        let sealed_event = sealed.clone();
        self.out
            .write_all(&frame)
            .map_err(CoreError::io("writing package"))?;
        let footer = make_footer(
            trailer_offset,
            trailer_bytes.len() as u64,
            frame.len() as u64,
            1,
        )?;
        self.out
            .write_all(&encode(&footer).map_err(CoreError::malformed(Place::Footer))?)
            .map_err(CoreError::io("writing package"))?;
        self.out.flush().map_err(CoreError::io("writing package"))?;
        let fields = self
            .fields
            .iter()
            .map(|f| FieldSummary {
                index: f.content.index,
                size: f.content.size,
                segments: f.content.segment_count,
                ciphertext_len: match f.envelope.body {
                    FieldBody::Present { ciphertext_len, .. } => ciphertext_len,
                    FieldBody::Removed => 0,
                },
            })
            .collect();
        Ok(SealedPackage {
            package_id: self.package_id,
            package_digest: digest,
            size: self.out.written,
            writer: self.out.inner,
            fields,
            sealed_event,
        })
    }
}

/// Fisher–Yates with the caller's RNG, so stanza order says nothing.
fn shuffle<T>(v: &mut [T], rng: &mut impl CryptoRng) {
    for i in (1..v.len()).rev() {
        let bound = i as u64 + 1;
        // Rejection sampling: uniform in [0, bound).
        let zone = u64::MAX - (u64::MAX % bound);
        let j = loop {
            let x = rng.next_u64();
            if x < zone {
                break (x % bound) as usize;
            }
        };
        v.swap(i, j);
    }
}

/// The package digest (spec §8.4): `SHA-256(HASH_PACKAGE || prelude ||
/// SHA-256(metadata ciphertext) || metadata commitment || u64le(tree size) ||
/// Merkle root || u32le(field count) || u32le(leaves of each field)...)`.
/// The per-field counts fix where one field's leaves end and the next one's
/// begin.
pub fn package_digest(
    prelude: &[u8],
    metadata_ciphertext: &[u8],
    metadata_commitment: &Digest,
    leaves: &LeafTable,
) -> Digest {
    let root = if leaves.fields.len() == 1 {
        merkle::root_parallel(&leaves.fields[0].leaves)
    } else {
        let all: Vec<Digest> = leaves
            .fields
            .iter()
            .flat_map(|f| f.leaves.iter().copied())
            .collect();
        merkle::root_parallel(&all)
    };
    let mut shape = Vec::with_capacity(4 + 4 * leaves.fields.len());
    shape.extend_from_slice(&(leaves.fields.len() as u32).to_le_bytes());
    for f in &leaves.fields {
        shape.extend_from_slice(&(f.leaves.len() as u32).to_le_bytes());
    }
    sha256(&[
        labels::HASH_PACKAGE,
        prelude,
        &sha256(&[metadata_ciphertext]).0,
        &metadata_commitment.0,
        &leaves.total().to_le_bytes(),
        &root.0,
        &shape,
    ])
}

/// The record an envelope event signs (spec §5.2): the descriptors, the
/// stanzas' digest, and per stanza a commitment to its recipient under a
/// fresh salt. `holders[i]` is the key id stanza `i` is wrapped to.
pub fn envelope_record(
    fields: Vec<EnvelopeDescriptor>,
    stanzas: &[Stanza],
    holders: &[KeyId],
    metadata_key: &Key32,
    package_id: &PackageId,
    rng: &mut impl CryptoRng,
) -> Result<EnvelopeRecord> {
    if holders.len() != stanzas.len() {
        return Err(CoreError::usage("one recipient per stanza is required"));
    }
    let mut salt = [0u8; 32];
    rng.fill_bytes(&mut salt);
    Ok(EnvelopeRecord {
        fields,
        stanzas_digest: stanzas_digest(stanzas)?,
        recipients: crate::entitlement::commit_recipients(metadata_key, package_id, &salt, holders),
        recipients_salt: Salt(salt),
    })
}

/// The stanzas digest (spec §8.5): `SHA-256(HASH_STANZAS || encode(stanzas))`.
pub fn stanzas_digest(stanzas: &[Stanza]) -> Result<Digest> {
    let bytes = encode(&stanzas.to_vec()).map_err(CoreError::malformed(Place::Stanzas))?;
    Ok(sha256(&[labels::HASH_STANZAS, &bytes]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of spec §8.5, one per stanza variant.
    #[test]
    fn the_spec_stanzas_digest_examples_hold() {
        let ciphertext = || Bytes::new(vec![0x88; 118]).unwrap();
        let classical = Stanza::X25519 {
            enc: PublicKey([0x77; 32]),
            ciphertext: ciphertext(),
        };
        assert_eq!(
            stanzas_digest(&[classical]).unwrap().to_hex(),
            "474c263427129e5a4590f794955ddce5fbfec55af8d928a48f7bc633860ecb16"
        );
        let hybrid = Stanza::XWing {
            enc: Box::new(rogatory_wire::XWingCiphertext::from_slice(&[0x77; 1120]).unwrap()),
            ciphertext: ciphertext(),
        };
        assert_eq!(
            stanzas_digest(&[hybrid]).unwrap().to_hex(),
            "9c9a1bc05dc7f3080f02aa94ed37750133ae64e78d6634ea9af8da3b8de0fbde"
        );
    }
}
