//! A package in the hands of a holder that can read it: verified (by the
//! core and by the rules of spec §12.5), unlocked with the holder's key, and
//! open for planning a redaction, redacting, forwarding and extracting.
//!
//! ```text
//! HeldPackage::open(path, identity, trust, now)
//!   .plan(&request)                 which fields and segments go, and why (dry run)
//!   .redact(&plan, reason, basis, out, rng)      a new package: `redacted` event
//!   .forward(&party, reason, basis, out, rng)    a new package: `forwarded` event
//!   .extract(field, segments)       an Extract for a court
//! ```
//!
//! Every output is a new package written front to back: untouched field
//! bodies are copied byte for byte (their BLAKE3 digest checked on the way),
//! a field that loses segments is decrypted and re-encrypted segment by
//! segment under a fresh random key, each segment checked against its signed
//! leaf before it is written again.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Cursor, Read, Seek, Write};
use std::path::Path;

use rand_core::CryptoRng;
use rogatory_core::actions::Details;
use rogatory_core::container::Container;
use rogatory_core::crypto::field_keys;
use rogatory_core::custody::{
    CLOCK_SKEW, ChainHead, event_hash, event_ref, key_proof_message, sign_event,
};
use rogatory_core::seal::envelope_record;
use rogatory_core::segment::{RECORD_HEADER, put_record_header};
use rogatory_core::stream::{encrypt_pipelined, field_aad};
use rogatory_core::trust::TrustStore;
use rogatory_core::wrap::{KeyBundle, wrap};
use rogatory_core::{
    CoreError, Identity, Key32, Package, Place, Signer, UnlockedPackage, VerifyReport,
};
use rogatory_wire::limits::CHUNK_SIZE;
use rogatory_wire::{
    CustodyEvent, Digest, EnvelopeDescriptor, EventBody, EventRef, FieldBody, FieldKind, KeyId,
    Metadata, PackageId, PartyId, Removal, Salt, SegmentSet, Text, Timestamp, Trailer, labels,
};
use serde::Serialize;

use crate::error::{RedactError, Result};
use crate::extract::{Extract, ExtractSegment};
use crate::fieldio::{copy_body, read_segments};
use crate::output::PackageWriter;
use crate::plan::{Collector, FieldPlan, Plan, Reason, Request, SegmentPlan, Skipped};
use crate::policy::Scope;
use crate::range::{difference, format_ranges, intersection, union};
use crate::rules::{self, OnwardReport, consent_allows, consent_text};

/// A verified package unlocked by a holder.
pub struct HeldPackage<'a, R> {
    identity: &'a Identity,
    trust: &'a TrustStore,
    now: Timestamp,
    unlocked: UnlockedPackage<R>,
    container: Container<R>,
    onward: OnwardReport,
}

impl<R> std::fmt::Debug for HeldPackage<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldPackage")
            .field("holder", &self.identity.key_id())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl<'a> HeldPackage<'a, File> {
    /// Opens, verifies and unlocks a package file.
    pub fn open(
        path: &Path,
        identity: &'a Identity,
        trust: &'a TrustStore,
        now: Timestamp,
    ) -> Result<Self> {
        let pkg = Package::open(path)?;
        let bodies =
            File::open(path).map_err(RedactError::io(format!("opening {}", path.display())))?;
        Self::new(pkg, bodies, identity, trust, now)
    }
}

impl<'a> HeldPackage<'a, Cursor<Vec<u8>>> {
    /// Verifies and unlocks a package held in memory.
    pub fn from_bytes(
        bytes: Vec<u8>,
        identity: &'a Identity,
        trust: &'a TrustStore,
        now: Timestamp,
    ) -> Result<Self> {
        let pkg = Package::parse(Cursor::new(bytes.clone()))?;
        Self::new(pkg, Cursor::new(bytes), identity, trust, now)
    }
}

fn tampered(place: Place, detail: &str) -> RedactError {
    RedactError::Core(CoreError::Tampered {
        place,
        detail: detail.to_owned(),
    })
}

/// What a redaction removed from one field.
#[derive(Clone, Debug, Serialize)]
pub struct RemovedField {
    /// Field index.
    pub index: u32,
    /// Field name.
    pub name: String,
    /// Whether the field went whole.
    pub whole: bool,
    /// The segments removed, in the range syntax.
    pub removed: String,
    /// The segments left, in the range syntax.
    pub kept: String,
}

/// What a redaction or a forward wrote.
#[derive(Clone, Debug, Serialize)]
pub struct OutputReport {
    /// Package id.
    pub package_id: PackageId,
    /// Package digest (unchanged: the content is the sender's).
    pub package_digest: Digest,
    /// Bytes written.
    pub size: u64,
    /// The new custody event's position.
    pub event_sequence: u64,
    /// Its hash.
    pub event_hash: Digest,
    /// The event as a ledger line names it.
    pub event: EventRef,
    /// The fields a redaction touched (empty for a forward).
    pub removed: Vec<RemovedField>,
    /// For a forward: the new recipient.
    pub receiver: Option<PartyId>,
    /// For a forward: the fields the new recipient can read, by name.
    pub receiver_reads: Vec<String>,
    /// For a forward: the consent requires notice to the sender.
    pub notice_required: bool,
}

/// A written package and what it holds.
#[derive(Debug)]
pub struct Written<W> {
    /// The writer, after the last byte.
    pub writer: W,
    /// What was written.
    pub report: OutputReport,
}

impl<'a, R: Read + Seek + Send> HeldPackage<'a, R> {
    /// Verifies `pkg` (the keyless rules of spec §12.5, then the core's
    /// verification), unlocks it with `identity` at `now` (validity window
    /// checked), checks the onward-transfer consent of its chain, and keeps
    /// `bodies` (a second reader of the same bytes) for reading field bodies.
    pub fn new(
        pkg: Package<R>,
        bodies: R,
        identity: &'a Identity,
        trust: &'a TrustStore,
        now: Timestamp,
    ) -> Result<Self> {
        rules::check_without_key(&pkg)?;
        let unlocked = pkg.verify(trust)?.unlock(identity, now)?;
        let onward = rules::onward_report(&unlocked);
        let mut container = Container::parse(bodies)?;
        let events = container.read_events()?;
        if container.trailer != *unlocked.package().trailer()
            || events.as_slice() != unlocked.package().events()
        {
            return Err(tampered(
                Place::Layout,
                "the package changed while it was read",
            ));
        }
        Ok(Self {
            identity,
            trust,
            now,
            unlocked,
            container,
            onward,
        })
    }

    /// The decrypted metadata.
    pub fn metadata(&self) -> &Metadata {
        self.unlocked.metadata()
    }

    /// The core's verification report.
    pub fn report(&self) -> &VerifyReport {
        self.unlocked.report()
    }

    /// The package's `forwarded` events, checked against the consent.
    pub fn onward(&self) -> &OnwardReport {
        &self.onward
    }

    /// The package id.
    pub fn package_id(&self) -> PackageId {
        self.unlocked.package().package_id()
    }

    /// The custody events.
    pub fn events(&self) -> &[CustodyEvent] {
        self.unlocked.package().events()
    }

    /// The trailer.
    pub fn trailer(&self) -> &Trailer {
        &self.container.trailer
    }

    /// Whether the holder can read field `index` (it holds its key and the
    /// field is present).
    pub fn readable(&self, index: u32) -> bool {
        let i = index as usize;
        self.unlocked
            .bundle()
            .field_keys
            .get(i)
            .is_some_and(Option::is_some)
            && matches!(
                self.container.trailer.fields.get(i).map(|d| &d.body),
                Some(FieldBody::Present { .. })
            )
    }

    fn field_index(&self, name: &str) -> Result<u32> {
        self.metadata()
            .fields
            .iter()
            .find(|d| d.name.as_str() == name)
            .map(|d| d.index)
            .ok_or_else(|| RedactError::NoSuchField(name.to_owned()))
    }

    fn present(&self, index: u32) -> Option<SegmentSet> {
        match self
            .container
            .trailer
            .fields
            .get(index as usize)
            .map(|d| &d.body)
        {
            Some(FieldBody::Present { segments, .. }) => Some(segments.clone()),
            _ => None,
        }
    }

    fn name(&self, index: u32) -> String {
        self.metadata()
            .fields
            .get(index as usize)
            .map(|d| d.name.to_string())
            .unwrap_or_default()
    }

    /// Works out what `request` removes (a dry run): resolves names, checks
    /// segment indices, and runs the policy's detectors over the fields they
    /// scan, segment by segment, each segment checked against its leaf first.
    /// Nothing is written.
    pub fn plan(&mut self, request: &Request) -> Result<Plan> {
        let mut c = Collector::default();
        let mut skipped: BTreeMap<u32, String> = BTreeMap::new();
        for name in &request.drop_fields {
            let i = self.field_index(name)?;
            c.whole(i, Reason::DropField);
        }
        for (name, set) in &request.drop_segments {
            let i = self.field_index(name)?;
            let count = self.metadata().fields[i as usize].segment_count;
            if let Some(past) = set.iter().find(|&s| s >= count) {
                return Err(RedactError::NoSuchSegment {
                    field: i,
                    name: name.clone(),
                    segment: past,
                    count,
                });
            }
            c.select(i, set);
        }
        // Field index -> (rule name, detector index in that rule).
        let mut scans: BTreeMap<u32, Vec<(usize, usize)>> = BTreeMap::new();
        for (r, rule) in request.policy.rules().iter().enumerate() {
            for f in &rule.drop_fields {
                let i = self.field_index(f.as_str())?;
                c.whole(i, Reason::Rule(rule.name.clone()));
            }
            if rule.detectors.is_empty() {
                continue;
            }
            let targets: Vec<u32> = match &rule.scope {
                Scope::ReadableText => self
                    .metadata()
                    .fields
                    .iter()
                    .filter(|d| d.kind == FieldKind::Text)
                    .map(|d| d.index)
                    .collect(),
                Scope::Fields(names) => names
                    .iter()
                    .map(|n| self.field_index(n.as_str()))
                    .collect::<Result<_>>()?,
            };
            let explicit = matches!(rule.scope, Scope::Fields(_));
            for i in targets {
                if self.present(i).is_none() {
                    skipped.insert(i, "removed by an earlier redaction".into());
                } else if !self.readable(i) {
                    if explicit {
                        return Err(RedactError::CannotCut {
                            field: i,
                            name: self.name(i),
                        });
                    }
                    skipped.insert(i, "not scanned: this key cannot read it".into());
                } else {
                    let list = scans.entry(i).or_default();
                    for d in 0..rule.detectors.len() {
                        if !list.contains(&(r, d)) {
                            list.push((r, d));
                        }
                    }
                }
            }
        }
        for (&i, _) in c.selected.iter() {
            if !c.whole.contains_key(&i) && self.present(i).is_some() && !self.readable(i) {
                return Err(RedactError::CannotCut {
                    field: i,
                    name: self.name(i),
                });
            }
        }
        let package_id = self.package_id();
        let rules = request.policy.rules();
        for (&i, list) in &scans {
            if c.whole.contains_key(&i) {
                continue;
            }
            let Some(key) = self.unlocked.bundle().field_keys[i as usize].as_ref() else {
                continue;
            };
            read_segments(
                &mut self.container,
                &package_id,
                i,
                key,
                |s, _salt, data| {
                    for &(r, d) in list {
                        let rule = &rules[r];
                        let det = &rule.detectors[d];
                        if det.matches(data) {
                            c.segment(
                                i,
                                s,
                                Reason::Detected {
                                    rule: rule.name.clone(),
                                    finding: det.finding().clone(),
                                },
                            );
                        }
                    }
                    Ok(())
                },
            )?;
        }
        let mut plan = Plan::default();
        let n = self.metadata().fields.len() as u32;
        for i in 0..n {
            let asked = c.whole.contains_key(&i)
                || c.selected.contains_key(&i)
                || c.segments.contains_key(&i);
            let Some(present) = self.present(i) else {
                if asked {
                    skipped.insert(i, "already removed by an earlier redaction".into());
                }
                continue;
            };
            let whole_reasons = c.whole.get(&i).cloned().unwrap_or_default();
            let selected = c
                .selected
                .get(&i)
                .map(|s| intersection(s, &present))
                .unwrap_or_default();
            let detected: Vec<SegmentPlan> = c
                .segments
                .get(&i)
                .map(|m| {
                    m.iter()
                        .map(|(&segment, reasons)| SegmentPlan {
                            segment,
                            reasons: reasons.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let detected_set =
                SegmentSet::from_indices(detected.iter().map(|d| d.segment).collect())
                    .map_err(RedactError::wire("segment set"))?;
            let removes = if whole_reasons.is_empty() {
                intersection(&union(&selected, &detected_set), &present)
            } else {
                present.clone()
            };
            if removes.is_empty() {
                if asked {
                    skipped.insert(i, "no present segment selected".into());
                }
                continue;
            }
            let keeps = difference(&present, &removes);
            plan.fields.push(FieldPlan {
                index: i,
                name: self.name(i),
                segment_count: self.metadata().fields[i as usize].segment_count,
                whole: keeps.is_empty(),
                whole_reasons,
                removes,
                keeps,
                selected,
                segments: detected,
            });
        }
        plan.skipped = skipped
            .into_iter()
            .map(|(index, why)| Skipped {
                index,
                name: self.name(index),
                why,
            })
            .collect();
        Ok(plan)
    }

    fn next_head(&self) -> Result<ChainHead> {
        let last = self
            .events()
            .last()
            .ok_or_else(|| RedactError::usage("the package has no custody events"))?;
        if self.now.0.saturating_add(CLOCK_SKEW) < last.clear.time.0 {
            return Err(RedactError::usage(
                "the time given is before the package's last custody event",
            ));
        }
        Ok(ChainHead::of(last)?)
    }

    /// Applies a plan: writes to `out` a new package without the planned
    /// segments and fields, its other bodies copied unchanged, the touched
    /// fields re-encrypted under fresh keys, one stanza for the redactor, and
    /// a signed `redacted` event whose sealed details hold `reason` and
    /// `legal_basis`.
    pub fn redact<W: Write + Send>(
        &mut self,
        plan: &Plan,
        reason: &Text,
        legal_basis: &Text,
        out: W,
        rng: &mut impl CryptoRng,
    ) -> Result<Written<W>> {
        if plan.is_empty() {
            return Err(RedactError::NothingToRedact);
        }
        let mut by_field: BTreeMap<u32, &FieldPlan> = BTreeMap::new();
        for fp in &plan.fields {
            let Some(present) = self.present(fp.index) else {
                return Err(RedactError::usage(format!(
                    "the plan removes from field {}, which is not present",
                    fp.index
                )));
            };
            if fp.removes.is_empty() || !fp.removes.is_subset(&present) {
                return Err(RedactError::usage(format!(
                    "the plan removes segments of field {} that are not present",
                    fp.index
                )));
            }
            if fp.removes != present && !self.readable(fp.index) {
                return Err(RedactError::CannotCut {
                    field: fp.index,
                    name: self.name(fp.index),
                });
            }
            if by_field.insert(fp.index, fp).is_some() {
                return Err(RedactError::usage(format!(
                    "the plan names field {} twice",
                    fp.index
                )));
            }
        }
        let head = self.next_head()?;
        let package_id = self.package_id();
        let digest = self.unlocked.package().digest();
        let trailer = self.container.trailer.clone();
        let prelude = *self.unlocked.package().prelude();
        let bundle = self.unlocked.bundle();
        let container = &mut self.container;

        let mut w = PackageWriter::start(out, &prelude)?;
        let mut fields = Vec::with_capacity(trailer.fields.len());
        let mut keys: Vec<Option<Key32>> = Vec::with_capacity(trailer.fields.len());
        let mut removals = Vec::new();
        let mut removed_report = Vec::new();
        for d in &trailer.fields {
            let idx = d.index;
            let held = bundle.field_keys.get(idx as usize).and_then(Option::as_ref);
            match (&d.body, by_field.get(&idx)) {
                (FieldBody::Removed, _) => {
                    fields.push(d.clone());
                    keys.push(None);
                }
                (FieldBody::Present { segments, .. }, Some(fp)) if fp.removes == *segments => {
                    fields.push(EnvelopeDescriptor {
                        index: idx,
                        body: FieldBody::Removed,
                    });
                    keys.push(None);
                    removals.push(Removal {
                        field: idx,
                        segments: segments.clone(),
                        key_proof: None,
                    });
                }
                (FieldBody::Present { segments, .. }, Some(fp)) => {
                    let old = held.ok_or_else(|| RedactError::CannotCut {
                        field: idx,
                        name: fp.name.clone(),
                    })?;
                    let new_key = Key32::random(rng);
                    let nk = field_keys(&new_key, &package_id, idx);
                    let keep = difference(segments, &fp.removes);
                    let removes = &fp.removes;
                    let (inner, ciphertext_len, ciphertext_digest) = encrypt_pipelined(
                        &nk.aead,
                        field_aad(&package_id, idx),
                        &mut w.out,
                        |pipe| {
                            let mut header = Vec::with_capacity(RECORD_HEADER);
                            Ok(read_segments(
                                container,
                                &package_id,
                                idx,
                                old,
                                |s, salt, data| {
                                    if removes.contains(s) {
                                        return Ok(());
                                    }
                                    header.clear();
                                    put_record_header(&mut header, s, salt, data.len());
                                    pipe.write_all(&header)?;
                                    pipe.write_all(data)?;
                                    Ok(())
                                },
                            ))
                        },
                    )?;
                    inner?;
                    let descriptor = EnvelopeDescriptor {
                        index: idx,
                        body: FieldBody::Present {
                            ciphertext_len,
                            chunk_size: CHUNK_SIZE,
                            key_commitment: nk.commitment,
                            ciphertext_digest,
                            segments: keep,
                        },
                    };
                    // Only a holder of the field's key may cut into it: the
                    // old key signs the new descriptor (spec §12.1).
                    let message = key_proof_message(
                        &package_id,
                        idx,
                        head.sequence + 1,
                        &head.hash,
                        &descriptor,
                    )?;
                    let proof = field_keys(old, &package_id, idx)
                        .sign_proof(labels::SIG_FIELD_KEY, &[&message]);
                    fields.push(descriptor);
                    keys.push(Some(new_key));
                    removals.push(Removal {
                        field: idx,
                        segments: fp.removes.clone(),
                        key_proof: Some(proof),
                    });
                }
                (FieldBody::Present { .. }, None) => {
                    copy_body(container, idx, &mut w.out)?;
                    fields.push(d.clone());
                    keys.push(held.map(Key32::duplicate));
                }
            }
        }
        for r in &removals {
            let kept = match &fields[r.field as usize].body {
                FieldBody::Present { segments, .. } => segments.clone(),
                FieldBody::Removed => SegmentSet::empty(),
            };
            removed_report.push(RemovedField {
                index: r.field,
                name: self.name_of(&trailer, r.field),
                whole: matches!(fields[r.field as usize].body, FieldBody::Removed),
                removed: format_ranges(&r.segments),
                kept: format_ranges(&kept),
            });
        }
        let bundle = self.unlocked.bundle();
        let mine = KeyBundle {
            metadata_key: bundle.metadata_key.duplicate(),
            field_keys: keys,
        };
        let card = &self.identity.card().body;
        let stanzas = vec![wrap(
            &mine,
            &card.agreement_key,
            card.hybrid_key.as_ref(),
            &self.identity.key_id(),
            &package_id,
            rng,
        )?];
        let envelope = envelope_record(
            fields.clone(),
            &stanzas,
            &[self.identity.key_id()],
            &bundle.metadata_key,
            &package_id,
            rng,
        )?;
        let event = sign_event(
            self.identity,
            &bundle.metadata_key,
            &package_id,
            digest,
            Some(head),
            self.now,
            EventBody::Redacted {
                removed: removals,
                envelope,
            },
            &Details {
                counterpart: None,
                reason: Some(reason.clone()),
                legal_basis: Some(legal_basis.clone()),
                text: None,
            }
            .for_actor(self.identity.party()),
            rng,
        )?;
        self.finish(w, trailer, fields, stanzas, event, removed_report, None)
    }

    fn name_of(&self, _trailer: &Trailer, index: u32) -> String {
        self.name(index)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish<W: Write>(
        &self,
        w: PackageWriter<W>,
        trailer: Trailer,
        fields: Vec<EnvelopeDescriptor>,
        stanzas: Vec<rogatory_wire::Stanza>,
        event: CustodyEvent,
        removed: Vec<RemovedField>,
        forward: Option<(PartyId, Vec<String>, bool)>,
    ) -> Result<Written<W>> {
        let new_trailer = Trailer {
            fields,
            stanzas,
            ..trailer
        };
        let mut events = self.events().to_vec();
        let event_sequence = event.clear.sequence;
        let hash = event_hash(&event)?;
        let event_at = event_ref(&event)?;
        events.push(event);
        let (writer, size) = w.finish(&new_trailer, &events)?;
        let (receiver, receiver_reads, notice_required) = match forward {
            Some((p, reads, notice)) => (Some(p), reads, notice),
            None => (None, Vec::new(), false),
        };
        Ok(Written {
            writer,
            report: OutputReport {
                package_id: self.package_id(),
                package_digest: self.unlocked.package().digest(),
                size,
                event_sequence,
                event_hash: hash,
                event: event_at,
                removed,
                receiver,
                receiver_reads,
                notice_required,
            },
        })
    }

    /// Re-envelopes the package for `to`, a party in the trust store, within
    /// the sender's onward-transfer consent: writes to `out` the package with
    /// its field bodies unchanged, two stanzas (the forwarder's own, and the
    /// new recipient's holding the metadata key and the keys of the present
    /// fields it is cleared for and the forwarder holds), and a signed
    /// `forwarded` event. Refuses with [`RedactError::OnwardRefused`] a
    /// transfer the sender did not consent to.
    pub fn forward<W: Write + Send>(
        &mut self,
        to: &PartyId,
        reason: Option<&Text>,
        legal_basis: Option<&Text>,
        out: W,
        rng: &mut impl CryptoRng,
    ) -> Result<Written<W>> {
        let entry = self.trust.current(to, self.now)?.clone();
        if entry.key_id == self.identity.key_id() {
            return Err(RedactError::usage("a holder cannot forward to itself"));
        }
        let basis = consent_allows(
            self.metadata(),
            &self.identity.key_id(),
            &entry.party,
            &entry.key_id,
        )
        .ok_or_else(|| RedactError::OnwardRefused {
            receiver: entry.party.to_string(),
            consent: consent_text(&self.metadata().onward),
        })?;
        let notice = basis == rules::ForwardBasis::AnyWithNotice;
        let head = self.next_head()?;
        let package_id = self.package_id();
        let digest = self.unlocked.package().digest();
        let trailer = self.container.trailer.clone();
        let prelude = *self.unlocked.package().prelude();

        let bundle = self.unlocked.bundle();
        let mut mine = Vec::with_capacity(trailer.fields.len());
        let mut theirs = Vec::with_capacity(trailer.fields.len());
        let mut reads = Vec::new();
        for d in &trailer.fields {
            let i = d.index as usize;
            let held = match d.body {
                FieldBody::Present { .. } => bundle.field_keys.get(i).and_then(Option::as_ref),
                FieldBody::Removed => None,
            };
            let cleared = self
                .metadata()
                .fields
                .get(i)
                .is_some_and(|c| TrustStore::is_cleared(&entry, &c.tags));
            mine.push(held.map(Key32::duplicate));
            theirs.push(held.filter(|_| cleared).map(Key32::duplicate));
            if held.is_some() && cleared {
                reads.push(self.name(d.index));
            }
        }
        let own = wrap(
            &KeyBundle {
                metadata_key: bundle.metadata_key.duplicate(),
                field_keys: mine,
            },
            &self.identity.card().body.agreement_key,
            self.identity.card().body.hybrid_key.as_ref(),
            &self.identity.key_id(),
            &package_id,
            rng,
        )?;
        let new = wrap(
            &KeyBundle {
                metadata_key: bundle.metadata_key.duplicate(),
                field_keys: theirs,
            },
            &entry.card.body.agreement_key,
            entry.card.body.hybrid_key.as_ref(),
            &entry.key_id,
            &package_id,
            rng,
        )?;
        // The order of the two stanzas says nothing about whose is whose.
        let (me, them) = (self.identity.key_id(), entry.key_id);
        let (stanzas, holders) = if rng.next_u32() & 1 == 0 {
            (vec![own, new], [me, them])
        } else {
            (vec![new, own], [them, me])
        };

        let mut w = PackageWriter::start(out, &prelude)?;
        for d in &trailer.fields {
            if matches!(d.body, FieldBody::Present { .. }) {
                copy_body(&mut self.container, d.index, &mut w.out)?;
            }
        }
        let fields = trailer.fields.clone();
        let envelope = envelope_record(
            fields.clone(),
            &stanzas,
            &holders,
            &self.unlocked.bundle().metadata_key,
            &package_id,
            rng,
        )?;
        let text = if notice {
            Some(
                Text::new(
                    "onward transfer under the sender's consent: notice to the sender required",
                )
                .map_err(RedactError::wire("note"))?,
            )
        } else {
            None
        };
        let event = sign_event(
            self.identity,
            &self.unlocked.bundle().metadata_key,
            &package_id,
            digest,
            Some(head),
            self.now,
            EventBody::Forwarded {
                receiver: entry.key_id,
                envelope,
            },
            &Details {
                counterpart: Some(entry.party.clone()),
                reason: reason.cloned(),
                legal_basis: legal_basis.cloned(),
                text,
            }
            .for_actor(self.identity.party()),
            rng,
        )?;
        self.finish(
            w,
            trailer,
            fields,
            stanzas,
            event,
            Vec::new(),
            Some((entry.party.clone(), reads, notice)),
        )
    }

    /// Builds an extract of field `name` for a court: the chosen segments
    /// (all its present ones by default) with their salts and inclusion
    /// proofs, the sender's signature, the metadata ciphertext, commitment
    /// and key, the per-field leaf counts and the custody chain.
    pub fn extract(&mut self, name: &str, segments: Option<&SegmentSet>) -> Result<Extract> {
        let i = self.field_index(name)?;
        let present = self.present(i).ok_or_else(|| {
            RedactError::usage(format!(
                "field {i} ({name}) was removed by a redaction: nothing to extract"
            ))
        })?;
        if !self.readable(i) {
            return Err(CoreError::NotCleared {
                field: i,
                name: name.to_owned(),
            }
            .into());
        }
        let count = self.metadata().fields[i as usize].segment_count;
        let wanted = match segments {
            Some(s) => {
                if let Some(past) = s.iter().find(|&x| x >= count) {
                    return Err(RedactError::NoSuchSegment {
                        field: i,
                        name: name.to_owned(),
                        segment: past,
                        count,
                    });
                }
                if let Some(gone) = difference(s, &present).iter().next() {
                    return Err(RedactError::usage(format!(
                        "segment {gone} of field {i} ({name}) was removed by a redaction"
                    )));
                }
                s.clone()
            }
            None => present,
        };
        if wanted.is_empty() {
            return Err(RedactError::usage(format!(
                "field {i} ({name}) has no segment to extract"
            )));
        }
        let package_id = self.package_id();
        let key = self.unlocked.bundle().field_keys[i as usize]
            .as_ref()
            .ok_or_else(|| CoreError::NotCleared {
                field: i,
                name: name.to_owned(),
            })?;
        let mut items: Vec<ExtractSegment> = Vec::new();
        let mut size = 0usize;
        read_segments(&mut self.container, &package_id, i, key, |s, salt, data| {
            if !wanted.contains(s) {
                return Ok(());
            }
            size += data.len() + 40 + 32 * 24;
            if size > crate::extract::EXTRACT_MAX / 2 {
                return Err(RedactError::usage(format!(
                    "the extract would exceed {} MiB: choose fewer segments (--segments)",
                    crate::extract::EXTRACT_MAX >> 21
                )));
            }
            items.push(ExtractSegment {
                field: i,
                segment: s,
                salt: Salt(*salt),
                data: rogatory_wire::Bytes::new(data.to_vec())
                    .map_err(RedactError::wire("segment"))?,
                proof: Vec::new(),
            });
            Ok(())
        })?;
        let trailer = &self.container.trailer;
        let offset: u64 = trailer.leaves.fields[..i as usize]
            .iter()
            .map(|f| f.leaves.len() as u64)
            .sum();
        let positions: Vec<usize> = items
            .iter()
            .map(|it| (offset + u64::from(it.segment)) as usize)
            .collect();
        let entries: Vec<&Digest> = trailer
            .leaves
            .fields
            .iter()
            .flat_map(|f| f.leaves.iter())
            .collect();
        let (root, proofs) = crate::merkle::root_and_proofs(&entries, &positions);
        for (it, p) in items.iter_mut().zip(proofs) {
            it.proof = p;
        }
        let ex = Extract::new(
            *self.unlocked.package().prelude(),
            trailer.signature,
            trailer.metadata_ciphertext.clone(),
            trailer.metadata_commitment,
            self.unlocked.bundle().metadata_key.expose_secret(),
            trailer
                .leaves
                .fields
                .iter()
                .map(|f| f.leaves.len() as u32)
                .collect(),
            root,
            items,
            self.events().to_vec(),
        );
        if ex.package_digest()? != self.unlocked.package().digest() {
            return Err(RedactError::usage(
                "internal: the extract's package digest differs from the package's",
            ));
        }
        Ok(ex)
    }

    /// The holder's key id.
    pub fn holder(&self) -> KeyId {
        self.identity.key_id()
    }
}
