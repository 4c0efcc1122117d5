//! Reading a package: parse, verify, unlock, open (spec §14).
//!
//! ```text
//! Package::open(path)           structure only (footer, trailer, records)
//!   .verify(&trust)             every check a verifier with no keys can make
//!   -> VerifiedPackage
//!   .unlock(&identity, now)     stanza, metadata, descriptors, expiry
//!   -> UnlockedPackage
//!   .open_field(i, out)         segment by segment, each checked against its leaf
//! ```
//!
//! An unverified package cannot be opened: only [`Package::verify`] makes a
//! [`VerifiedPackage`], and only that can be unlocked.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use rogatory_wire::{
    CustodyEvent, Digest, FieldBody, KeyId, Metadata, PackageId, PartyId, Prelude, Timestamp,
    Trailer, decode, encode, labels,
};
use serde::Serialize;

use crate::container::{Container, journal_path};
use crate::crypto::{ct_eq, field_keys, metadata_keys, verify_signature};
use crate::custody::{CurrentEnvelope, EventSummary, verify_chain};
use crate::entitlement::{self, OnwardReport};
use crate::error::{CoreError, Place, Result};
use crate::identity::{Identity, Signer};
use crate::seal::{package_digest, stanzas_digest};
use crate::segment::{RECORD_HEADER, RecordError, RecordSpan, leaf, split_records};
use crate::stream::{BatchReader, StreamDecryptor};
use crate::tree_hash::TreeHasher;
use crate::trust::TrustStore;
use crate::wrap::{KeyBundle, unwrap_any};
use rayon::prelude::*;

/// A parsed package, not yet verified.
#[derive(Debug)]
pub struct Package<R> {
    container: Container<R>,
    events: Vec<CustodyEvent>,
    digest: Digest,
}

impl Package<File> {
    /// Opens and parses a package file. Refuses a package whose last custody
    /// append was interrupted (see [`crate::container::recover`]).
    pub fn open(path: &Path) -> Result<Self> {
        Package::open_through(path, |f| f)
    }
}

impl<R: Read + Seek> Package<R> {
    /// [`Package::open`], the file read through `wrap` (a reader that
    /// counts bytes for a progress bar, say).
    pub fn open_through(path: &Path, wrap: impl FnOnce(File) -> R) -> Result<Self> {
        if journal_path(path).exists() {
            return Err(CoreError::InterruptedAppend {
                path: path.to_owned(),
            });
        }
        let f = File::open(path).map_err(CoreError::io(format!("opening {}", path.display())))?;
        Self::parse(wrap(f))
    }

    /// Parses the structure and the custody records; reads no field body.
    pub fn parse(src: R) -> Result<Self> {
        let mut container = Container::parse(src)?;
        let events = container.read_events()?;
        let prelude = encode(&container.prelude).map_err(CoreError::malformed(Place::Prelude))?;
        let t = &container.trailer;
        let digest = package_digest(
            &prelude,
            t.metadata_ciphertext.as_slice(),
            &t.metadata_commitment,
            &t.leaves,
        );
        Ok(Self {
            container,
            events,
            digest,
        })
    }

    /// The package digest, as computed from the content.
    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// The package id.
    pub fn package_id(&self) -> PackageId {
        self.container.prelude.package_id
    }

    /// The prelude.
    pub fn prelude(&self) -> &Prelude {
        &self.container.prelude
    }

    /// The trailer.
    pub fn trailer(&self) -> &Trailer {
        &self.container.trailer
    }

    /// The custody events in file order.
    pub fn events(&self) -> &[CustodyEvent] {
        &self.events
    }

    /// The envelope as it stands: every field's descriptor, the number of
    /// stanzas and their digest.
    pub fn current_envelope(&self) -> Result<CurrentEnvelope> {
        Ok(CurrentEnvelope {
            fields: self.container.trailer.fields.clone(),
            stanza_count: self.container.trailer.stanzas.len(),
            stanzas_digest: stanzas_digest(&self.container.trailer.stanzas)?,
        })
    }

    /// Per field, its number of leaves.
    pub fn leaf_counts(&self) -> Vec<u64> {
        self.container
            .trailer
            .leaves
            .fields
            .iter()
            .map(|f| f.leaves.len() as u64)
            .collect()
    }

    /// The length of the file.
    pub fn file_len(&self) -> u64 {
        self.container.file_len
    }

    /// The footer as read.
    pub fn footer(&self) -> &rogatory_wire::Footer {
        &self.container.footer
    }

    /// What a reader with no key and no trust store can see.
    pub fn inspect(&self) -> Inspection {
        let t = &self.container.trailer;
        Inspection {
            package_id: self.package_id(),
            version: self.container.prelude.version,
            suite: self.container.prelude.suite,
            package_digest: self.digest,
            signer: t.signature.signer,
            size: self.container.file_len,
            metadata_ciphertext_len: t.metadata_ciphertext.len() as u64,
            stanzas: t.stanzas.len(),
            hybrid_stanzas: t
                .stanzas
                .iter()
                .filter(|s| s.kem() == rogatory_wire::StanzaKem::XWing)
                .count(),
            leaves: t.leaves.total(),
            fields: t
                .fields
                .iter()
                .zip(&t.leaves.fields)
                .map(|(d, l)| match &d.body {
                    FieldBody::Present {
                        ciphertext_len,
                        segments,
                        ..
                    } => InspectField {
                        index: d.index,
                        leaves: l.leaves.len() as u64,
                        present_segments: segments.count(),
                        ciphertext_len: *ciphertext_len,
                        removed: false,
                    },
                    FieldBody::Removed => InspectField {
                        index: d.index,
                        leaves: l.leaves.len() as u64,
                        present_segments: 0,
                        ciphertext_len: 0,
                        removed: true,
                    },
                })
                .collect(),
            events: self
                .events
                .iter()
                .map(|e| InspectEvent {
                    sequence: e.clear.sequence,
                    kind: e.clear.body.kind().name(),
                    actor: e.clear.actor,
                    time: e.clear.time,
                })
                .collect(),
        }
    }

    /// Every check a verifier with only the trust store can make: the
    /// sender's signature over the content, the tree, the layout, each
    /// present field's ciphertext digest (also for fields nobody here can
    /// read), the stanzas, and the custody chain against the current
    /// envelope.
    pub fn verify(self, trust: &TrustStore) -> Result<VerifiedPackage<R>> {
        self.verify_with(trust, Bodies::Checked)
    }

    /// Every keyless check except hashing the field ciphertexts: signature,
    /// tree, layout, stanzas, custody chain and envelope record. Its cost
    /// does not grow with the size of the fields, so custody can be
    /// appended to a large package cheaply. A package verified this way can
    /// be unlocked for its metadata but releases no field.
    pub fn verify_structure(self, trust: &TrustStore) -> Result<VerifiedPackage<R>> {
        self.verify_with(trust, Bodies::NotChecked)
    }

    /// [`Self::verify`] with the ciphertext digests checked as the fields
    /// are read: each field opened is hashed in the same pass that decrypts
    /// it (its output, written to a directory, appears only once its digest
    /// matched), and [`UnlockedPackage::finish_verification`] hashes the
    /// fields that were not opened. One pass over the bytes instead of two.
    pub fn verify_lazily(self, trust: &TrustStore) -> Result<VerifiedPackage<R>> {
        self.verify_with(trust, Bodies::Lazily)
    }

    fn verify_with(mut self, trust: &TrustStore, bodies: Bodies) -> Result<VerifiedPackage<R>> {
        let t = &self.container.trailer;
        let signer = t.signature.signer;
        let entry = trust.require(&signer)?;
        verify_signature(
            &entry.card.body.signing_key,
            labels::SIG_PACKAGE,
            &[&self.digest.0],
            &t.signature.signature,
            "package signature",
        )?;
        let envelope = self.current_envelope()?;
        let counts = self.leaf_counts();
        let chain = verify_chain(
            &self.events,
            &self.package_id(),
            &self.digest,
            &signer,
            &counts,
            &envelope,
            trust,
        )?;
        let sender = entry.party.clone();
        let mut fields = Vec::with_capacity(self.container.bodies.len());
        for i in 0..self.container.bodies.len() {
            let desc = &self.container.trailer.fields[i];
            match desc.body.clone() {
                FieldBody::Present {
                    ciphertext_digest, ..
                } if bodies == Bodies::Checked => {
                    let found = self.hash_body(i as u32)?;
                    if found != ciphertext_digest {
                        return Err(CoreError::tampered(
                            Place::Field(i as u32),
                            "ciphertext digest does not match the envelope",
                        ));
                    }
                    fields.push(FieldCheck {
                        index: i as u32,
                        state: "present",
                        ciphertext_digest: Some(found),
                    });
                }
                FieldBody::Present { .. } => fields.push(FieldCheck {
                    index: i as u32,
                    state: if bodies == Bodies::Lazily {
                        "present (ciphertext hashed when read)"
                    } else {
                        "present (ciphertext not hashed)"
                    },
                    ciphertext_digest: None,
                }),
                FieldBody::Removed => fields.push(FieldCheck {
                    index: i as u32,
                    state: "removed",
                    ciphertext_digest: None,
                }),
            }
        }
        let report = VerifyReport {
            package_id: self.package_id(),
            package_digest: self.digest,
            sender,
            sender_key_id: signer,
            leaves: self.container.trailer.leaves.total(),
            fields,
            custody: chain,
            metadata: None,
        };
        Ok(VerifiedPackage {
            pkg: self,
            report,
            bodies,
        })
    }

    fn hash_body(&mut self, index: u32) -> Result<Digest> {
        let (mut r, len) = self.container.body_reader(index)?;
        let mut h = blake3::Hasher::new();
        let mut buf = vec![0u8; 4 << 20];
        let mut left = len;
        while left > 0 {
            let want = (buf.len() as u64).min(left) as usize;
            r.read_exact(&mut buf[..want]).map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    CoreError::tampered(Place::Field(index), "ciphertext ends early")
                }
                _ => CoreError::io("reading package")(e),
            })?;
            crate::crypto::blake3_update(&mut h, &buf[..want]);
            left -= want as u64;
        }
        Ok(Digest(*h.finalize().as_bytes()))
    }
}

/// What `inspect` shows: the clear structure, no key needed.
#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    /// Package id.
    pub package_id: PackageId,
    /// Protocol version.
    pub version: u16,
    /// Cipher suite.
    pub suite: u16,
    /// Package digest.
    pub package_digest: Digest,
    /// Key id of the sender.
    #[serde(rename = "sender_key_id")]
    pub signer: KeyId,
    /// File size.
    pub size: u64,
    /// Length of the sealed metadata.
    pub metadata_ciphertext_len: u64,
    /// Number of recipient stanzas.
    pub stanzas: usize,
    /// How many of them are X-Wing (post-quantum hybrid) stanzas; the rest
    /// are X25519.
    pub hybrid_stanzas: usize,
    /// Number of leaves.
    pub leaves: u64,
    /// Per field, what is in the clear.
    pub fields: Vec<InspectField>,
    /// Custody events, unverified.
    pub events: Vec<InspectEvent>,
}

/// A field as `inspect` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct InspectField {
    /// Index.
    pub index: u32,
    /// Leaves.
    pub leaves: u64,
    /// Segments whose ciphertext is present.
    pub present_segments: u64,
    /// Ciphertext length.
    pub ciphertext_len: u64,
    /// Removed whole.
    pub removed: bool,
}

/// A custody event as `inspect` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct InspectEvent {
    /// Sequence.
    pub sequence: u64,
    /// Kind.
    pub kind: &'static str,
    /// Actor key id.
    #[serde(rename = "actor_key_id")]
    pub actor: KeyId,
    /// Time (RFC 3339 in JSON).
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub time: Timestamp,
}

/// A field's state after verification.
#[derive(Clone, Debug, Serialize)]
pub struct FieldCheck {
    /// Index.
    pub index: u32,
    /// `present` or `removed`.
    pub state: &'static str,
    /// The verified BLAKE3 of its ciphertext.
    pub ciphertext_digest: Option<Digest>,
}

/// What verification established.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    /// Package id.
    pub package_id: PackageId,
    /// Package digest.
    pub package_digest: Digest,
    /// The sender, from the trust store.
    pub sender: PartyId,
    /// The sender's key id.
    pub sender_key_id: KeyId,
    /// Leaves in the tree.
    pub leaves: u64,
    /// Each field.
    pub fields: Vec<FieldCheck>,
    /// The custody chain, in order.
    pub custody: Vec<EventSummary>,
    /// What a recipient's key added, if one was used.
    pub metadata: Option<MetadataReport>,
}

/// What a recipient's key lets a verifier check and read.
#[derive(Clone, Debug, Serialize)]
pub struct MetadataReport {
    /// The decrypted metadata.
    pub metadata: Metadata,
    /// Fields this recipient holds keys for.
    pub readable: Vec<u32>,
}

/// Whether verification hashed the field ciphertexts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bodies {
    Checked,
    NotChecked,
    /// Each field's ciphertext is hashed as it is opened, and the rest by
    /// [`UnlockedPackage::finish_verification`].
    Lazily,
}

/// A package whose structure, signature, envelope and custody verified.
#[derive(Debug)]
pub struct VerifiedPackage<R> {
    pkg: Package<R>,
    report: VerifyReport,
    bodies: Bodies,
}

impl<R: Read + Seek> VerifiedPackage<R> {
    /// The verification report.
    pub fn report(&self) -> &VerifyReport {
        &self.report
    }

    /// The package.
    pub fn package(&self) -> &Package<R> {
        &self.pkg
    }

    /// Opens the recipient's stanza, checks and decrypts the metadata, checks
    /// every content descriptor against the leaf table and the envelope, and
    /// the validity window at `now`.
    pub fn unlock(self, identity: &Identity, now: Timestamp) -> Result<UnlockedPackage<R>> {
        let mut unlocked = self.unlock_for_verification(identity)?;
        let m = &unlocked.metadata;
        if now < m.not_before {
            return Err(CoreError::NotYetValid {
                not_before: m.not_before,
                now,
            });
        }
        if now > m.retain_until {
            return Err(CoreError::Expired {
                retain_until: m.retain_until,
                now,
            });
        }
        unlocked.window = Window::Checked;
        Ok(unlocked)
    }

    /// [`Self::unlock`] without the validity window, to verify the sealed
    /// parts of an expired or not yet valid package. Such a package releases
    /// no field: [`UnlockedPackage::open_field`] refuses.
    pub fn unlock_for_verification(mut self, identity: &Identity) -> Result<UnlockedPackage<R>> {
        let pkg = &self.pkg;
        let t = &pkg.container.trailer;
        let id = pkg.package_id();
        let n = t.fields.len();
        let (stanza, bundle) = unwrap_any(&t.stanzas, identity, &id, n)?;
        let mkeys = metadata_keys(&bundle.metadata_key, &id);
        if !ct_eq(&mkeys.commitment, &t.metadata_commitment) {
            return Err(CoreError::decryption("metadata"));
        }
        let prelude =
            encode(&pkg.container.prelude).map_err(CoreError::malformed(Place::Prelude))?;
        let plain = crate::crypto::aead_open_once(
            &mkeys.aead,
            &prelude,
            t.metadata_ciphertext.as_slice(),
            "metadata",
        )?;
        let metadata: Metadata = decode(&plain).map_err(CoreError::malformed(Place::Metadata))?;
        check_descriptors(&metadata, t)?;
        if metadata.sender.key_id != t.signature.signer
            || metadata.sender.party != self.report.sender
        {
            return Err(CoreError::tampered(
                Place::Metadata,
                "the metadata names another sender than the signer",
            ));
        }
        let mut opened = Vec::with_capacity(pkg.events.len());
        for (ev, summary) in pkg.events.iter().zip(&self.report.custody) {
            let details = crate::custody::open_details(ev, &bundle.metadata_key, &id).map_err(
                |e| match e {
                    CoreError::Decryption { .. } => CoreError::Custody {
                        sequence: ev.clear.sequence,
                        rule: "details",
                        detail: "sealed details do not decrypt under the metadata key".into(),
                    },
                    other => other,
                },
            )?;
            if details.actor != summary.actor_party {
                return Err(CoreError::Custody {
                    sequence: ev.clear.sequence,
                    rule: "details_actor",
                    detail: "the sealed details name another actor than the signer".into(),
                });
            }
            opened.push(details);
        }
        let onward = entitlement::check(
            &entitlement::Chain {
                events: &pkg.events,
                summaries: &self.report.custody,
                details: &opened,
                metadata: &metadata,
                metadata_key: &bundle.metadata_key,
                package_id: &id,
            },
            Some(entitlement::Holder {
                key_id: identity.key_id(),
                stanza,
            }),
        )?;
        let readable: Vec<u32> = bundle
            .field_keys
            .iter()
            .enumerate()
            .filter(|(i, k)| k.is_some() && matches!(t.fields[*i].body, FieldBody::Present { .. }))
            .map(|(i, _)| i as u32)
            .collect();
        self.report.metadata = Some(MetadataReport {
            metadata: metadata.clone(),
            readable,
        });
        let lazily = self.bodies == Bodies::Lazily;
        let pending = self
            .pkg
            .container
            .trailer
            .fields
            .iter()
            .map(|f| lazily && matches!(f.body, FieldBody::Present { .. }))
            .collect();
        Ok(UnlockedPackage {
            pkg: self.pkg,
            report: self.report,
            bundle,
            metadata,
            stanza,
            onward,
            window: Window::NotChecked,
            pending,
            bodies: self.bodies,
        })
    }
}

fn check_descriptors(m: &Metadata, t: &Trailer) -> Result<()> {
    if m.fields.len() != t.leaves.fields.len() {
        return Err(CoreError::tampered(
            Place::Metadata,
            "field count differs from the leaf table",
        ));
    }
    for (d, l) in m.fields.iter().zip(&t.leaves.fields) {
        if d.segment_count as usize != l.leaves.len() {
            return Err(CoreError::tampered(
                Place::Field(d.index),
                "segment count differs from the leaf table (a leaf is missing or extra)",
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Window {
    Checked,
    NotChecked,
}

/// A verified package opened with a recipient's key.
#[derive(Debug)]
pub struct UnlockedPackage<R> {
    pkg: Package<R>,
    report: VerifyReport,
    bundle: KeyBundle,
    metadata: Metadata,
    stanza: usize,
    onward: OnwardReport,
    window: Window,
    bodies: Bodies,
    /// Fields whose ciphertext digest is still to be checked.
    pending: Vec<bool>,
}

impl<R: Read + Seek + Send> UnlockedPackage<R> {
    /// The decrypted metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The verification report, with the metadata.
    pub fn report(&self) -> &VerifyReport {
        &self.report
    }

    /// The package.
    pub fn package(&self) -> &Package<R> {
        &self.pkg
    }

    /// The key bundle this recipient holds.
    pub fn bundle(&self) -> &KeyBundle {
        &self.bundle
    }

    /// Position of the recipient's stanza.
    pub fn stanza_index(&self) -> usize {
        self.stanza
    }

    /// The onward transfers of the chain, each checked against the sender's
    /// consent when the package was unlocked (spec §12.6).
    pub fn onward(&self) -> &OnwardReport {
        &self.onward
    }

    fn mark_hashed(&mut self, i: usize, digest: Digest) {
        self.pending[i] = false;
        if let Some(f) = self.report.fields.get_mut(i) {
            f.state = "present";
            f.ciphertext_digest = Some(digest);
        }
    }

    /// Hashes the ciphertext of every field not yet checked (after
    /// [`Package::verify_lazily`]): the verification is then complete.
    pub fn finish_verification(&mut self) -> Result<&VerifyReport> {
        for i in 0..self.pending.len() {
            if !self.pending[i] {
                continue;
            }
            let want = match &self.pkg.container.trailer.fields[i].body {
                FieldBody::Present {
                    ciphertext_digest, ..
                } => *ciphertext_digest,
                FieldBody::Removed => continue,
            };
            let found = self.pkg.hash_body(i as u32)?;
            if found != want {
                return Err(CoreError::tampered(
                    Place::Field(i as u32),
                    "ciphertext digest does not match the envelope",
                ));
            }
            self.mark_hashed(i, found);
        }
        Ok(&self.report)
    }

    /// Why a field cannot be opened, or `Ok` if it can.
    pub fn can_open(&self, index: u32) -> Result<()> {
        if self.window != Window::Checked {
            return Err(CoreError::usage(
                "unlocked for verification only: the validity window was not checked",
            ));
        }
        if self.bodies == Bodies::NotChecked {
            return Err(CoreError::usage(
                "verified without hashing the field ciphertexts: verify fully before opening",
            ));
        }
        let d = self
            .metadata
            .fields
            .get(index as usize)
            .ok_or_else(|| CoreError::usage(format!("no field {index}")))?;
        if self
            .bundle
            .field_keys
            .get(index as usize)
            .and_then(Option::as_ref)
            .is_none()
        {
            return Err(CoreError::NotCleared {
                field: index,
                name: d.name.to_string(),
            });
        }
        if matches!(
            self.pkg.container.trailer.fields[index as usize].body,
            FieldBody::Removed
        ) {
            return Err(CoreError::FieldRemoved {
                field: index,
                name: d.name.to_string(),
            });
        }
        Ok(())
    }

    /// The index of the field named `name` in the metadata, if there is one.
    pub fn field_index(&self, name: &str) -> Option<u32> {
        self.metadata
            .fields
            .iter()
            .position(|f| f.name.as_str() == name)
            .and_then(|i| u32::try_from(i).ok())
    }

    /// [`Self::open_field`] by the field's name; a name the package does not
    /// have is [`CoreError::Usage`], naming the fields it has.
    pub fn open_field_named(&mut self, name: &str, out: &mut (impl Write + Send)) -> Result<u64> {
        let index = self.field_index(name).ok_or_else(|| {
            let names: Vec<&str> = self
                .metadata
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .collect();
            CoreError::usage(format!(
                "the package has no field {name:?} (its fields: {})",
                names.join(", ")
            ))
        })?;
        self.open_field(index, out)
    }

    /// Decrypts one field into `out`, segment by segment. No byte of a
    /// segment is written before the segment matches its signed leaf. (The
    /// ciphertext digest was checked by [`Package::verify`]; the leaves guard
    /// the plaintext against any change since.)
    /// Returns the bytes written. On error, what was written so far must be
    /// discarded by the caller ([`Self::open_field_to_dir`] does).
    pub fn open_field(&mut self, index: u32, out: &mut (impl Write + Send)) -> Result<u64> {
        self.can_open(index)?;
        let i = index as usize;
        let id = self.pkg.package_id();
        let (ct_len, commitment, digest, segments) =
            match &self.pkg.container.trailer.fields[i].body {
                FieldBody::Present {
                    ciphertext_len,
                    key_commitment,
                    segments,
                    ciphertext_digest,
                    ..
                } => (
                    *ciphertext_len,
                    *key_commitment,
                    *ciphertext_digest,
                    segments.clone(),
                ),
                FieldBody::Removed => return Err(CoreError::usage("removed field")),
            };
        let what = format!("field {index}");
        let key = self.bundle.field_keys[i]
            .as_ref()
            .ok_or_else(|| CoreError::decryption(what.clone()))?;
        let keys = field_keys(key, &id, index);
        if !ct_eq(&keys.commitment, &commitment) {
            return Err(CoreError::decryption(what));
        }
        let mut expected = segments.iter();
        let mut dec = StreamDecryptor::new(
            &keys.aead,
            crate::stream::field_aad(&id, index),
            ct_len,
            what.clone(),
        )?;
        let hash_ciphertext = self.pending[i];
        let (r, trailer) = self.pkg.container.body_and_trailer(index)?;
        let leaves = &trailer.leaves.fields[i].leaves;
        let mut tree = hash_ciphertext.then(|| TreeHasher::new(ct_len));
        let mut written = 0u64;
        // Three stages: a reader thread fetches ciphertext; this thread
        // decrypts each batch on every core, hashing the ciphertext beside
        // it, finds the complete segment records in the plaintext and checks
        // their leaves on every core; a writer thread releases the checked
        // bytes. A record that spans two batches waits for the next one.
        let full = (crate::stream::BATCH_CHUNKS * crate::stream::CHUNK_CT) as u64;
        // Room for a batch after the longest record left waiting.
        let room = full as usize + RECORD_HEADER + rogatory_wire::limits::SEGMENT_MAX;
        std::thread::scope(|scope| -> Result<()> {
            use std::sync::mpsc::sync_channel;
            let reader = BatchReader::spawn(scope, r, ct_len, index);
            let (out_tx, out_rx) = sync_channel::<(Vec<u8>, Vec<RecordSpan>)>(2);
            let (back_tx, back_rx) = sync_channel::<Vec<u8>>(4);
            let writer = scope.spawn(move || -> Result<u64> {
                let mut n = 0u64;
                for (buf, spans) in out_rx {
                    for s in &spans {
                        out.write_all(&buf[s.start..s.end])
                            .map_err(CoreError::io("writing plaintext"))?;
                        n += (s.end - s.start) as u64;
                    }
                    let _ = back_tx.try_send(buf);
                }
                Ok(n)
            });
            // Plaintext: `stream[..filled]`, starting with the record left
            // waiting by the previous batch. Buffers keep their length when
            // they come back from the writer, so that none is zeroed again.
            let mut stream = vec![0u8; room];
            let mut filled = 0usize;
            let mut spans = Vec::new();
            let checked = (|| -> Result<()> {
                while !dec.is_done() {
                    let buf = reader.next_batch()?;
                    if stream.len() < filled + buf.len() {
                        stream.resize(filled + buf.len(), 0);
                    }
                    filled +=
                        dec.decrypt_batch_hashing(&buf, &mut stream[filled..], tree.as_mut())?;
                    reader.recycle(buf);
                    spans.clear();
                    let used = split_records(&stream[..filled], &mut spans)?;
                    for s in &spans {
                        match expected.next() {
                            Some(want) if want == s.index => {}
                            _ => {
                                return Err(CoreError::tampered(
                                    Place::Segment {
                                        field: index,
                                        segment: s.index,
                                    },
                                    "segment out of order or not in the envelope",
                                ));
                            }
                        }
                    }
                    // The record not yet complete moves to the next buffer
                    // while the complete ones are checked.
                    let mut next = back_rx.try_recv().unwrap_or_default();
                    if next.len() < room {
                        next.resize(room, 0);
                    }
                    let carry = filled - used;
                    let (bad, ()) = rayon::join(
                        || {
                            spans.par_iter().position_first(|s| {
                                leaves.get(s.index as usize)
                                    != Some(&leaf(
                                        &id,
                                        index,
                                        s.index,
                                        &s.salt,
                                        &crate::crypto::blake3_parallel(&stream[s.start..s.end]),
                                    ))
                            })
                        },
                        || next[..carry].copy_from_slice(&stream[used..filled]),
                    );
                    if let Some(k) = bad {
                        return Err(CoreError::tampered(
                            Place::Segment {
                                field: index,
                                segment: spans[k].index,
                            },
                            "segment does not match its signed leaf",
                        ));
                    }
                    // The checked records go to the writer.
                    filled = carry;
                    let done = std::mem::replace(&mut stream, next);
                    if out_tx.send((done, std::mem::take(&mut spans))).is_err() {
                        break;
                    }
                }
                if filled != 0 {
                    return Err(CoreError::tampered(
                        Place::Field(index),
                        "plaintext ends inside a segment",
                    ));
                }
                Ok(())
            })();
            drop(out_tx);
            let read = reader.finish();
            let released = writer
                .join()
                .unwrap_or_else(|_| Err(CoreError::usage("the writing thread panicked")));
            checked?;
            written = released?;
            read
        })?;
        if expected.next().is_some() {
            return Err(CoreError::tampered(
                Place::Field(index),
                "segments missing from the ciphertext",
            ));
        }
        if let Some(tree) = tree {
            let found = tree
                .finalize()
                .ok_or_else(|| CoreError::tampered(Place::Field(index), "ciphertext ends early"))?;
            if found != digest {
                return Err(CoreError::tampered(
                    Place::Field(index),
                    "ciphertext digest does not match the envelope",
                ));
            }
            self.mark_hashed(i, found);
        }
        let d = &self.metadata.fields[i];
        if u64::from(d.segment_count) == segments.count() && written != d.size {
            return Err(CoreError::tampered(
                Place::Field(index),
                "plaintext size differs from the content descriptor",
            ));
        }
        Ok(written)
    }

    /// Decrypts one field to `dir/NAME`: written to a temporary file, which is
    /// renamed only once the whole field verified. The name must be a safe
    /// file name (no separators, no `..`, no leading dot, no control
    /// characters).
    pub fn open_field_to_dir(&mut self, index: u32, dir: &Path) -> Result<PathBuf> {
        let staged = self.stage(index, dir)?;
        staged.place()
    }

    /// Decrypts several fields to `dir`, all or nothing: each is written to a
    /// temporary file; then, with every ciphertext digest of the package
    /// checked ([`Self::finish_verification`]), all are placed under their
    /// names. If any field fails, or the package does not verify, nothing is
    /// placed and every temporary file is removed.
    pub fn open_fields_to_dir(&mut self, indices: &[u32], dir: &Path) -> Result<Vec<PathBuf>> {
        let mut staged: Vec<Staged> = Vec::with_capacity(indices.len());
        let mut names: Vec<PathBuf> = Vec::with_capacity(indices.len());
        let all = (|| -> Result<()> {
            for &i in indices {
                let s = self.stage(i, dir)?;
                if names.contains(&s.target) {
                    return Err(CoreError::usage(format!(
                        "two fields would be written to {}",
                        s.target.display()
                    )));
                }
                names.push(s.target.clone());
                staged.push(s);
            }
            self.finish_verification().map(|_| ())
        })();
        if let Err(e) = all {
            for s in staged {
                s.discard();
            }
            return Err(e);
        }
        let mut placed = Vec::with_capacity(staged.len());
        let mut staged = staged.into_iter();
        for s in staged.by_ref() {
            match s.place() {
                Ok(p) => placed.push(p),
                Err(e) => {
                    // Only the file system can fail here: undo what was placed.
                    for p in &placed {
                        let _ = std::fs::remove_file(p);
                    }
                    for rest in staged {
                        rest.discard();
                    }
                    return Err(e);
                }
            }
        }
        Ok(placed)
    }

    /// Decrypts one field into a temporary file beside its target.
    fn stage(&mut self, index: u32, dir: &Path) -> Result<Staged> {
        self.can_open(index)?;
        let name = self.metadata.fields[index as usize].name.to_string();
        let target = dir.join(safe_file_name(&name)?);
        if target.symlink_metadata().is_ok() {
            return Err(CoreError::usage(format!(
                "{} exists: not overwritten",
                target.display()
            )));
        }
        // A fresh name each time: a partial file left by a crash never blocks
        // a later open. Decrypted evidence is readable by its owner only.
        let mut nonce = [0u8; 8];
        rand_core::Rng::fill_bytes(&mut crate::system_rng(), &mut nonce);
        let tmp = dir.join(format!(".{index}.{}.rogatory-partial", hex::encode(nonce)));
        let ctx = || format!("writing {}", tmp.display());
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&tmp).map_err(CoreError::io(ctx()))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        let res = self.open_field(index, &mut w).and_then(|_| {
            let f = w
                .into_inner()
                .map_err(|e| CoreError::io(ctx())(e.into_error()))?;
            f.sync_all().map_err(CoreError::io(ctx()))
        });
        match res {
            Ok(()) => Ok(Staged { tmp, target }),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

/// A verified field written to a temporary file, waiting to be placed.
struct Staged {
    tmp: PathBuf,
    target: PathBuf,
}

impl Staged {
    /// Places the file under its name. A link fails if the target appeared
    /// meanwhile; a rename never would.
    fn place(self) -> Result<PathBuf> {
        let placed = std::fs::hard_link(&self.tmp, &self.target);
        let _ = std::fs::remove_file(&self.tmp);
        placed.map_err(CoreError::io(format!("placing {}", self.target.display())))?;
        crate::fsutil::sync_dir(&self.target)?;
        Ok(self.target)
    }

    fn discard(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

impl From<RecordError> for CoreError {
    fn from(e: RecordError) -> Self {
        CoreError::tampered(Place::Layout, format!("segment record: {e:?}"))
    }
}

/// Code points that change how a name is displayed without being seen
/// (spec §2.2): Unicode's format characters (general category Cf: bidi
/// controls and isolates, zero-width spaces and joiners, the byte order
/// mark, tags, ...) and the line and paragraph separators. A name holding
/// one can read as another name, or reorder what follows it on a screen.
pub fn is_invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// Checks that a field name is portable (spec §2.2): usable as a file name
/// in a directory on every common file system, and free of invisible code
/// points. A sealer refuses a name that is not; a reader that writes fields
/// to a directory refuses it too.
pub fn safe_file_name(name: &str) -> Result<&str> {
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.ends_with(|c: char| c.is_ascii_digit()));
    let bad = name.is_empty()
        || name.starts_with('.')
        || name.ends_with(['.', ' '])
        || reserved
        || name.contains(['/', '\\', '\0', ':', '<', '>', '"', '|', '?', '*'])
        || name.chars().any(|c| c.is_control() || is_invisible(c))
        || name.len() > 255;
    if bad {
        Err(CoreError::UnsafeFieldName {
            name: name.to_owned(),
        })
    } else {
        Ok(name)
    }
}
