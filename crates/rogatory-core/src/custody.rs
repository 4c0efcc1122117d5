//! The chain of custody (spec §10): signing events, their hashes, their
//! sealed details, and the chain rules a verifier checks.

use rand_core::CryptoRng;
use rogatory_wire::{
    CustodyEvent, Digest, EnvelopeDescriptor, EnvelopeRecord, EventBody, EventClear, EventDetails,
    EventKind, EventRef, FieldBody, KeyId, PackageId, PartyId, PublicKey, Salt, SegmentSet,
    Timestamp, decode, encode, labels,
};

use crate::crypto::{
    aead_open_once, aead_seal_once, details_key, package_context, sha256, verify_signature,
};
use crate::error::{CoreError, Place, Result};
use crate::identity::{Signer, card_valid_at};
use crate::secret::Key32;
use crate::trust::TrustStore;

/// How far a timestamp may go back from the one before it (seconds).
pub const CLOCK_SKEW: u64 = 300;

/// `SHA-256(HASH_EVENT || encode(event))`: what the next event's `prev`
/// names. It covers the signature.
pub fn event_hash(ev: &CustodyEvent) -> Result<Digest> {
    let bytes = encode(ev).map_err(CoreError::malformed(Place::Custody(ev.clear.sequence)))?;
    Ok(sha256(&[labels::HASH_EVENT, &bytes]))
}

/// How a ledger line names an event: its sequence, `prev` and hash.
pub fn event_ref(ev: &CustodyEvent) -> Result<EventRef> {
    Ok(EventRef {
        sequence: ev.clear.sequence,
        prev: ev.clear.prev,
        hash: event_hash(ev)?,
    })
}

/// The envelope as the trailer holds it now: every field's descriptor, the
/// number of stanzas and their digest. The last envelope event's record
/// must match it (spec §8.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentEnvelope {
    /// Per field, its descriptor.
    pub fields: Vec<EnvelopeDescriptor>,
    /// The number of stanzas.
    pub stanza_count: usize,
    /// Their digest.
    pub stanzas_digest: Digest,
}

impl CurrentEnvelope {
    /// What a record claims the current envelope is (for an extract, which
    /// carries no trailer: the last envelope event stands for it).
    pub fn of_record(r: &EnvelopeRecord) -> Self {
        Self {
            fields: r.fields.clone(),
            stanza_count: r.stanza_count(),
            stanzas_digest: r.stanzas_digest,
        }
    }

    /// Whether `record` signs exactly this envelope: the same descriptors,
    /// the same stanzas digest, one recipient commitment per stanza.
    pub fn matches(&self, record: &EnvelopeRecord) -> bool {
        self.fields == record.fields
            && self.stanzas_digest == record.stanzas_digest
            && self.stanza_count == record.stanza_count()
    }
}

/// What a redactor's key proof for field `field` signs (after the label
/// `SIG_FIELD_KEY`): `ctx || u32le(field) || u64le(sequence) || prev ||
/// encode(new descriptor)`, with `sequence` and `prev` those of the
/// `redacted` event that carries it (spec §12.1).
pub fn key_proof_message(
    package_id: &PackageId,
    field: u32,
    sequence: u64,
    prev: &Digest,
    new: &EnvelopeDescriptor,
) -> Result<Vec<u8>> {
    let d = encode(new).map_err(CoreError::malformed(Place::Custody(sequence)))?;
    let mut m = Vec::with_capacity(20 + 4 + 8 + 32 + d.len());
    m.extend_from_slice(&package_context(package_id));
    m.extend_from_slice(&field.to_le_bytes());
    m.extend_from_slice(&sequence.to_le_bytes());
    m.extend_from_slice(&prev.0);
    m.extend_from_slice(&d);
    Ok(m)
}

/// The message an actor signs: `SIG_EVENT || encode(clear) ||
/// SHA-256(details)`.
pub fn event_message(clear: &EventClear, details: &[u8]) -> Result<Vec<u8>> {
    let c = encode(clear).map_err(CoreError::malformed(Place::Custody(clear.sequence)))?;
    Ok(crate::crypto::signed_message(
        labels::SIG_EVENT,
        &[&c, &sha256(&[details]).0],
    ))
}

/// What the next event links to.
#[derive(Clone, Copy, Debug)]
pub struct ChainHead {
    /// Sequence number of the last event.
    pub sequence: u64,
    /// Its hash.
    pub hash: Digest,
    /// Its time.
    pub time: Timestamp,
}

impl ChainHead {
    /// The head after `ev`.
    pub fn of(ev: &CustodyEvent) -> Result<Self> {
        Ok(Self {
            sequence: ev.clear.sequence,
            hash: event_hash(ev)?,
            time: ev.clear.time,
        })
    }
}

/// Signs a new event that follows `prev` (none for `sealed`). The sealed
/// details are encrypted under a key derived from the metadata key with a
/// fresh salt (spec §10.3).
#[allow(clippy::too_many_arguments)]
pub fn sign_event(
    signer: &dyn Signer,
    metadata_key: &Key32,
    package_id: &PackageId,
    package_digest: Digest,
    prev: Option<ChainHead>,
    time: Timestamp,
    body: EventBody,
    details: &EventDetails,
    rng: &mut impl CryptoRng,
) -> Result<CustodyEvent> {
    if !card_valid_at(signer.card(), time) {
        return Err(CoreError::CardNotValid {
            party: signer.party().to_string(),
            key_id: signer.key_id(),
            detail: "the signing card is not valid at the event's time".into(),
        });
    }
    let (sequence, prev_hash) = match prev {
        Some(h) => (h.sequence + 1, h.hash),
        None => (0, Digest::ZERO),
    };
    let mut salt = [0u8; 32];
    rng.fill_bytes(&mut salt);
    let clear = EventClear {
        sequence,
        prev: prev_hash,
        package_digest,
        actor: signer.key_id(),
        time,
        details_salt: Salt(salt),
        body,
    };
    let aad = encode(&clear).map_err(CoreError::malformed(Place::Custody(sequence)))?;
    let key = details_key(
        metadata_key,
        package_id,
        &salt,
        clear.body.kind().tag(),
        sequence,
        &clear.actor,
    );
    let plain = encode(details).map_err(CoreError::malformed(Place::Custody(sequence)))?;
    let sealed = aead_seal_once(&key, &aad, &plain)?;
    let sealed = rogatory_wire::Bytes::new(sealed)
        .map_err(CoreError::malformed(Place::Custody(sequence)))?;
    let signature = signer.sign(&event_message(&clear, sealed.as_slice())?)?;
    Ok(CustodyEvent {
        clear,
        details: sealed,
        signature,
    })
}

/// Decrypts an event's sealed details.
pub fn open_details(
    ev: &CustodyEvent,
    metadata_key: &Key32,
    package_id: &PackageId,
) -> Result<EventDetails> {
    let c = &ev.clear;
    let key = details_key(
        metadata_key,
        package_id,
        &c.details_salt.0,
        c.body.kind().tag(),
        c.sequence,
        &c.actor,
    );
    let aad = encode(c).map_err(CoreError::malformed(Place::Custody(c.sequence)))?;
    let plain = aead_open_once(
        &key,
        &aad,
        ev.details.as_slice(),
        &format!("custody event {} details", c.sequence),
    )?;
    decode(&plain).map_err(CoreError::malformed(Place::Custody(c.sequence)))
}

/// Checks one event's signature against its actor's card in the store.
pub fn verify_event_signature(ev: &CustodyEvent, trust: &TrustStore) -> Result<()> {
    let seq = ev.clear.sequence;
    let entry = trust.by_key_id(&ev.clear.actor).ok_or_else(|| {
        rule(
            seq,
            "unknown_actor",
            format!("actor {} is not in the trust store", ev.clear.actor),
        )
    })?;
    verify_event_signature_by(ev, &entry.card.body.signing_key)
}

/// Checks one event's signature (spec §10.2) with a given signing key.
pub fn verify_event_signature_by(ev: &CustodyEvent, signing_key: &PublicKey) -> Result<()> {
    let seq = ev.clear.sequence;
    verify_signature(
        signing_key,
        labels::SIG_EVENT,
        &[
            &encode(&ev.clear).map_err(CoreError::malformed(Place::Custody(seq)))?,
            &sha256(&[ev.details.as_slice()]).0,
        ],
        &ev.signature,
        &format!("custody event {seq}"),
    )
    .map_err(|_| {
        rule(
            seq,
            "bad_signature",
            "signature does not verify against the actor's card",
        )
    })
}

/// One event as a report shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EventSummary {
    /// Sequence number.
    pub sequence: u64,
    /// Kind.
    pub kind: &'static str,
    /// Actor key id.
    #[serde(rename = "actor_key_id")]
    pub actor: KeyId,
    /// Actor party (from the trust store).
    pub actor_party: PartyId,
    /// Time (RFC 3339 in JSON).
    #[serde(serialize_with = "crate::time::rfc3339")]
    pub time: Timestamp,
    /// Receiver of a send or forward.
    #[serde(rename = "receiver_key_id")]
    pub receiver: Option<KeyId>,
    /// The receiver's party, if its key id is in the trust store.
    pub receiver_party: Option<PartyId>,
    /// Hash of the event.
    pub hash: Digest,
}

/// A broken chain rule: the event's position, the rule's identifier (spec
/// §10.4, the names vectors use) and what was found.
fn rule(sequence: u64, id: &'static str, detail: impl Into<String>) -> CoreError {
    CoreError::Custody {
        sequence,
        rule: id,
        detail: detail.into(),
    }
}

/// The chain rules that need no key (spec §10.4): order, links, binding,
/// signatures, actors' cards, time, receivers, forks, envelope changes, and
/// that the last envelope event matches the current envelope.
pub fn verify_chain(
    events: &[CustodyEvent],
    package_id: &PackageId,
    package_digest: &Digest,
    sender: &KeyId,
    leaf_counts: &[u64],
    current: &CurrentEnvelope,
    trust: &TrustStore,
) -> Result<Vec<EventSummary>> {
    let first = events.first().ok_or_else(|| {
        rule(
            0,
            "no_events",
            "no custody events: a package starts with `sealed`",
        )
    })?;
    if first.clear.body.kind() != EventKind::Sealed {
        return Err(rule(
            0,
            "first_not_sealed",
            "the first event must be `sealed`",
        ));
    }
    if &first.clear.actor != sender {
        return Err(rule(
            0,
            "sealed_by_other",
            "`sealed` must be signed by the package's signer",
        ));
    }
    let mut out = Vec::with_capacity(events.len());
    let mut prev: Option<(&CustodyEvent, Digest)> = None;
    let mut last_envelope: Option<&EnvelopeRecord> = None;
    let mut last_receiver: Option<KeyId> = None;
    let mut salts: Vec<[u8; 32]> = Vec::with_capacity(events.len());
    let mut latest = Timestamp(0);
    // Events since the last receipt: their actors' cards must still be valid
    // at the next receipt's countersigned time (a signer picks its own
    // timestamps; a receiver's is independent of it).
    let mut since_receipt: Vec<(u64, KeyId)> = Vec::new();
    for (i, ev) in events.iter().enumerate() {
        let c = &ev.clear;
        let seq = i as u64;
        if c.sequence != seq {
            return Err(rule(
                seq,
                "sequence",
                format!(
                    "sequence number {} where {seq} was expected (reordered or dropped)",
                    c.sequence
                ),
            ));
        }
        if i > 0 && c.body.kind() == EventKind::Sealed {
            return Err(rule(
                seq,
                "sealed_not_first",
                "`sealed` may only come first",
            ));
        }
        if &c.package_digest != package_digest {
            return Err(rule(
                seq,
                "other_package",
                "bound to another package (package digest differs)",
            ));
        }
        if let Some((p, p_hash)) = prev {
            if c.prev == p.clear.prev {
                return Err(rule(
                    seq,
                    "fork",
                    "fork: two events in this file share one `prev`",
                ));
            }
            if c.prev != p_hash {
                return Err(rule(
                    seq,
                    "prev_link",
                    "`prev` is not the hash of the event before it",
                ));
            }
        }
        if c.time.0.saturating_add(CLOCK_SKEW) < latest.0 {
            return Err(rule(
                seq,
                "time_back",
                format!("time goes back more than {CLOCK_SKEW} s before an earlier event"),
            ));
        }
        latest = latest.max(c.time);
        let entry = trust.by_key_id(&c.actor).ok_or_else(|| {
            rule(
                seq,
                "unknown_actor",
                format!(
                    "unknown actor: key id {} is not in the trust store",
                    c.actor
                ),
            )
        })?;
        verify_event_signature(ev, trust)?;
        if !card_valid_at(&entry.card, c.time) {
            return Err(rule(
                seq,
                "card_not_valid",
                format!(
                    "the card of {} is not valid at the event's time",
                    entry.party
                ),
            ));
        }
        if let Some(rev) = trust.revocation(&c.actor) {
            // Judged by the first later receipt another party countersigned,
            // as expiry is; without one, by the time the actor states.
            let receipt = events[i + 1..]
                .iter()
                .find(|r| r.clear.body.kind() == EventKind::Received && r.clear.actor != c.actor)
                .map(|r| r.clear.time);
            let judged = receipt.unwrap_or(c.time);
            if judged >= rev.body.compromised {
                return Err(rule(
                    seq,
                    "revoked",
                    format!(
                        "signed by the key of {}, revoked as compromised from {} (the event is \
                         judged at {}{})",
                        entry.party,
                        rev.body.compromised.0,
                        judged.0,
                        if receipt.is_none() {
                            ", the time it states: no receipt countersigned it"
                        } else {
                            ", when a receiver countersigned it"
                        }
                    ),
                ));
            }
        }
        if salts.contains(&c.details_salt.0) {
            return Err(rule(
                seq,
                "salt_reused",
                "details salt reused: the details key and nonce repeat",
            ));
        }
        salts.push(c.details_salt.0);
        match &c.body {
            EventBody::Received { .. } => {
                if last_receiver != Some(c.actor) {
                    return Err(rule(
                        seq,
                        "received_without_sent",
                        "`received` without a `sent` or `forwarded` naming this receiver",
                    ));
                }
                last_receiver = None;
                for (s, actor) in since_receipt.drain(..) {
                    if actor == c.actor {
                        continue;
                    }
                    let card = &trust.require(&actor)?.card;
                    if card.body.not_after.0.saturating_add(CLOCK_SKEW) < c.time.0 {
                        return Err(rule(
                            s,
                            "expired_before_receipt",
                            format!(
                                "the actor's card expired before the receipt countersigned at event {seq}"
                            ),
                        ));
                    }
                }
            }
            EventBody::Sent { receiver } | EventBody::Forwarded { receiver, .. } => {
                last_receiver = Some(*receiver);
            }
            _ => {}
        }
        if c.body.kind() != EventKind::Received {
            since_receipt.push((seq, c.actor));
        }
        if let Some(env) = c.body.envelope() {
            check_stanza_count(seq, env, &c.body)?;
            match last_envelope {
                Some(before) => {
                    check_envelope_change(seq, before, env, &c.body)?;
                    check_key_proofs(package_id, c, before, env)?;
                }
                None => check_sealed_envelope(seq, env, leaf_counts)?,
            }
            last_envelope = Some(env);
        }
        out.push(EventSummary {
            sequence: seq,
            kind: c.body.kind().name(),
            actor: c.actor,
            actor_party: entry.party.clone(),
            time: c.time,
            receiver: c.body.receiver(),
            receiver_party: c
                .body
                .receiver()
                .and_then(|r| trust.by_key_id(&r))
                .map(|e| e.party.clone()),
            hash: event_hash(ev)?,
        });
        prev = Some((ev, out[i].hash));
    }
    let last = last_envelope.ok_or_else(|| rule(0, "no_envelope", "no envelope event"))?;
    if !current.matches(last) {
        return Err(CoreError::tampered(
            Place::Stanzas,
            "the envelope (ciphertexts or stanzas) differs from the last envelope event",
        ));
    }
    Ok(out)
}

/// The sealed envelope carries every segment of every field: each leaf of
/// the signed table has its ciphertext when the package leaves its sender.
fn check_sealed_envelope(seq: u64, env: &EnvelopeRecord, leaf_counts: &[u64]) -> Result<()> {
    if env.fields.len() != leaf_counts.len() {
        return Err(rule(
            seq,
            "sealed_envelope",
            "the sealed envelope has another number of fields than the leaf table",
        ));
    }
    for (d, &n) in env.fields.iter().zip(leaf_counts) {
        let full = u32::try_from(n).map(SegmentSet::full).ok();
        match &d.body {
            FieldBody::Present { segments, .. } if Some(segments) == full.as_ref() => {}
            _ => {
                return Err(rule(
                    seq,
                    "sealed_envelope",
                    format!(
                        "field {} is sealed without every one of its segments",
                        d.index
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A redaction leaves one stanza (the redactor's), a forward two (the
/// forwarder's and the new recipient's); a seal at least one.
fn check_stanza_count(seq: u64, env: &EnvelopeRecord, body: &EventBody) -> Result<()> {
    let want = match body {
        EventBody::Redacted { .. } => Some(1),
        EventBody::Forwarded { .. } => Some(2),
        _ => None,
    };
    match want {
        Some(n) if env.stanza_count() != n => Err(rule(
            seq,
            "stanza_count",
            format!(
                "a `{}` envelope has {} stanza(s), {n} expected",
                body.kind().name(),
                env.stanza_count()
            ),
        )),
        _ => Ok(()),
    }
}

/// A `redacted` event that cuts into a field (the field stays present under
/// a new key) must prove that its actor held the field's previous key: the
/// removal's key proof verifies with the previous key commitment, which is
/// the public key of that key's proof key (spec §12.1). A field removed
/// whole needs no key and carries no proof. `before` is the previous
/// envelope event's record, `after` this event's.
pub fn check_key_proofs(
    package_id: &PackageId,
    c: &EventClear,
    before: &EnvelopeRecord,
    after: &EnvelopeRecord,
) -> Result<()> {
    match field_without_key_proof(package_id, c, before, after) {
        None => Ok(()),
        Some(f) => Err(rule(
            c.sequence,
            "key_proof",
            format!("field {f} is cut into without a proof that the redactor held its key"),
        )),
    }
}

/// The first field a `redacted` event cuts into without a valid key proof
/// (see [`check_key_proofs`]), if any.
pub fn field_without_key_proof(
    package_id: &PackageId,
    c: &EventClear,
    before: &EnvelopeRecord,
    after: &EnvelopeRecord,
) -> Option<u32> {
    let EventBody::Redacted { removed, .. } = &c.body else {
        return None;
    };
    removed.iter().map(|r| r.field).find(|&f| {
        let i = f as usize;
        let (Some(b), Some(a)) = (before.fields.get(i), after.fields.get(i)) else {
            return false; // the envelope change rule names a missing field
        };
        let (FieldBody::Present { key_commitment, .. }, FieldBody::Present { .. }) =
            (&b.body, &a.body)
        else {
            return false;
        };
        let proof = removed
            .iter()
            .find(|r| r.field == f)
            .and_then(|r| r.key_proof);
        let ok = proof.is_some_and(|proof| {
            key_proof_message(package_id, f, c.sequence, &c.prev, a).is_ok_and(|m| {
                verify_signature(
                    &PublicKey(key_commitment.0),
                    labels::SIG_FIELD_KEY,
                    &[&m],
                    &proof,
                    "key proof",
                )
                .is_ok()
            })
        });
        !ok
    })
}

/// Between two envelope events a field's ciphertext may change only at a
/// `redacted` event that names the field; segments only go, never come back.
fn check_envelope_change(
    seq: u64,
    before: &EnvelopeRecord,
    after: &EnvelopeRecord,
    body: &EventBody,
) -> Result<()> {
    if before.fields.len() != after.fields.len() {
        return Err(rule(
            seq,
            "envelope_change",
            "the envelope changes the number of fields",
        ));
    }
    let removed = match body {
        EventBody::Redacted { removed, .. } => removed.as_slice(),
        _ => &[],
    };
    if let Some(r) = removed
        .iter()
        .find(|r| r.field as usize >= after.fields.len())
    {
        return Err(rule(
            seq,
            "envelope_change",
            format!("redaction names field {} which does not exist", r.field),
        ));
    }
    for (b, a) in before.fields.iter().zip(&after.fields) {
        if a == b {
            if removed.iter().any(|r| r.field == a.index) {
                return Err(rule(
                    seq,
                    "removal_list",
                    format!("redaction lists field {} but does not change it", a.index),
                ));
            }
            continue;
        }
        let named = removed.iter().find(|r| r.field == a.index);
        let Some(named) = named else {
            return Err(rule(
                seq,
                "envelope_change",
                format!(
                    "field {} ciphertext changes without a `redacted` event naming it",
                    a.index
                ),
            ));
        };
        let before_set = match &b.body {
            FieldBody::Present { segments, .. } => segments.clone(),
            FieldBody::Removed => {
                return Err(rule(
                    seq,
                    "envelope_change",
                    format!("field {} was removed and cannot come back", a.index),
                ));
            }
        };
        let after_set = match &a.body {
            FieldBody::Present { segments, .. } => segments.clone(),
            FieldBody::Removed => rogatory_wire::SegmentSet::empty(),
        };
        if !after_set.is_subset(&before_set) {
            return Err(rule(
                seq,
                "envelope_change",
                format!("field {} gains segments in a redaction", a.index),
            ));
        }
        if before_set.difference(&after_set) != named.segments {
            return Err(rule(
                seq,
                "removal_list",
                format!(
                    "redaction of field {} lists other segments than those removed",
                    a.index
                ),
            ));
        }
    }
    Ok(())
}

/// A custody tail cut at rest, found against a statement kept outside the
/// file (spec §10.7): the chain of a copy must hold every event that a
/// receipt, or a ledger line of an event appended in place, names after it.
fn cut(sequence: u64, detail: impl Into<String>) -> CoreError {
    rule(sequence, "cut", detail)
}

/// Checks a copy's chain against a receipt (a receiver's signed `received`
/// event, e.g. `PKG.receipt` or a receiver's stored receipt): the chain
/// holds exactly that event at its position, so no event up to and
/// including it was cut. Events after the receipt are not covered.
pub fn check_receipt_in_chain(
    events: &[CustodyEvent],
    package_digest: &Digest,
    receipt: &CustodyEvent,
) -> Result<()> {
    let seq = receipt.clear.sequence;
    if !matches!(receipt.clear.body, EventBody::Received { .. }) {
        return Err(rule(
            seq,
            "receipt",
            "the receipt is not a `received` event",
        ));
    }
    if &receipt.clear.package_digest != package_digest {
        return Err(rule(
            seq,
            "receipt",
            "the receipt is bound to another package",
        ));
    }
    let want = event_hash(receipt)?;
    match events.get(seq as usize) {
        Some(ev) if event_hash(ev)? == want => Ok(()),
        Some(_) => Err(rule(
            seq,
            "receipt",
            format!("this copy holds another event at position {seq} than the receipt"),
        )),
        None => Err(cut(
            seq,
            format!(
                "this copy holds {} event(s); the receipt is event {seq}: the chain was cut \
                 before it",
                events.len()
            ),
        )),
    }
}

/// Checks a copy's chain against a ledger's lines: every `received` or
/// `note` event the ledger's owner appended in place to a copy of this
/// package (the lines with this package digest) whose predecessor is this
/// copy's last event must be in the copy. Such a copy ends exactly before
/// an event its holder appended to it: its tail was cut, or it is a copy
/// taken before that append. Returns the number of lines that apply.
pub fn check_ledger_in_chain(
    events: &[CustodyEvent],
    package_digest: &Digest,
    lines: &[rogatory_wire::LedgerEntry],
) -> Result<usize> {
    use rogatory_wire::LedgerAction;
    let hashes = events.iter().map(event_hash).collect::<Result<Vec<_>>>()?;
    let mut applied = 0;
    for e in lines {
        let l = &e.line;
        let (Some(r), true) = (
            l.event,
            matches!(l.action, LedgerAction::Received | LedgerAction::Note),
        ) else {
            continue;
        };
        if &l.package_digest != package_digest {
            continue;
        }
        let at = r.sequence as usize;
        if hashes.get(at) == Some(&r.hash) {
            applied += 1;
            continue;
        }
        let follows_last = at == hashes.len() && at > 0 && hashes.get(at - 1) == Some(&r.prev);
        if follows_last {
            return Err(cut(
                r.sequence,
                format!(
                    "ledger line {} records a `{}` event {} that follows this copy's last event, \
                     which this copy lacks: its tail was cut, or it is a copy taken before that \
                     event was appended",
                    l.sequence,
                    l.action.name(),
                    r.sequence
                ),
            ));
        }
    }
    Ok(applied)
}

/// Where two copies of one package part (spec §10.8).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Divergence {
    /// The first position at which the copies hold different events.
    pub sequence: u64,
    /// Whether both events follow one history (the same `prev`).
    pub same_prev: bool,
    /// The actor and kind of the event in the first copy.
    pub first: (KeyId, &'static str),
    /// The actor and kind of the event in the second copy.
    pub second: (KeyId, &'static str),
}

/// Compares the chains of two copies of one package (spec §10.8): `None`
/// if one is a prefix of the other; otherwise where they part, or the error
/// `equivocation` when one actor signed two different events at one
/// position of one history (two sends or two forwards to different
/// receivers excepted: one package delivered to two parties).
pub fn compare_copies(a: &[CustodyEvent], b: &[CustodyEvent]) -> Result<Option<Divergence>> {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if event_hash(x)? == event_hash(y)? {
            continue;
        }
        let (cx, cy) = (&x.clear, &y.clear);
        let same_prev = cx.prev == cy.prev;
        let two_deliveries = match (&cx.body, &cy.body) {
            (EventBody::Sent { receiver: r1 }, EventBody::Sent { receiver: r2 })
            | (
                EventBody::Forwarded { receiver: r1, .. },
                EventBody::Forwarded { receiver: r2, .. },
            ) => r1 != r2,
            _ => false,
        };
        if same_prev && cx.actor == cy.actor && !two_deliveries {
            return Err(rule(
                i as u64,
                "equivocation",
                format!(
                    "one actor ({}) signed two different events at position {i} of one history: a \
                     `{}` in one copy, a `{}` in the other",
                    cx.actor,
                    cx.body.kind().name(),
                    cy.body.kind().name()
                ),
            ));
        }
        return Ok(Some(Divergence {
            sequence: i as u64,
            same_prev,
            first: (cx.actor, cx.body.kind().name()),
            second: (cy.actor, cy.body.kind().name()),
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_hash_changes_with_signature() {
        let ev = CustodyEvent {
            clear: EventClear {
                sequence: 1,
                prev: Digest([1; 32]),
                package_digest: Digest([2; 32]),
                actor: KeyId([3; 32]),
                time: Timestamp(5),
                details_salt: Salt([4; 32]),
                body: EventBody::Note,
            },
            details: rogatory_wire::Bytes::new(vec![1, 2, 3]).unwrap(),
            signature: rogatory_wire::Signature([6; 64]),
        };
        let mut other = ev.clone();
        other.signature.0[0] ^= 1;
        assert_ne!(event_hash(&ev).unwrap(), event_hash(&other).unwrap());
    }
}
