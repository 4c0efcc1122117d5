//! The checks of spec §12.5 and §12.6 that the core's verification does not
//! make, with errors that name what is wrong.
//!
//! Without a key ([`check_without_key`], over a parsed package; [`check_chain`],
//! over a chain and the per-field leaf counts, as an extract has them):
//! - the `sealed` envelope covers every leaf of every field (`[0, n)`), so
//!   a removed leaf that went missing is caught;
//! - between envelope events a field changes only at a `redacted` event that
//!   names it, a removed field or segment never comes back, and the event
//!   lists exactly what went (the core checks these too; here each has its
//!   own [`Violation`]);
//! - the current envelope is the last signed one: ciphertext removed without
//!   a signed event is named as such;
//! - the last envelope event's stanza count: one after `redacted`, two after
//!   `forwarded`.
//!
//! With a key ([`check_onward_consent`]): every `forwarded` event against the
//! sender's onward-transfer consent in the metadata, the receiver named by the
//! trust store and by the event's sealed details; and, when the last envelope
//! event is `sealed`, one stanza per recipient of the metadata.

use std::io::{Read, Seek};

use rogatory_core::custody::open_details;
use rogatory_core::{Key32, Package, TrustStore, UnlockedPackage};
use rogatory_wire::{
    CustodyEvent, EnvelopeRecord, EventBody, EventKind, FieldBody, KeyId, Metadata, OnwardConsent,
    PackageId, PartyId, SegmentSet, Stanza,
};
use serde::Serialize;

use crate::error::{RedactError, Result, Violation};
use crate::range::difference;

fn violation(sequence: Option<u64>, field: Option<u32>, v: Violation) -> RedactError {
    RedactError::Redaction {
        sequence,
        field,
        violation: v,
    }
}

fn present(body: &FieldBody) -> Option<&SegmentSet> {
    match body {
        FieldBody::Present { segments, .. } => Some(segments),
        FieldBody::Removed => None,
    }
}

/// The keyless redaction rules over a chain: `leaf_counts[f]` is field `f`'s
/// number of leaves.
pub fn check_chain(events: &[CustodyEvent], leaf_counts: &[u64]) -> Result<()> {
    let mut envelopes = events
        .iter()
        .filter_map(|e| e.clear.body.envelope().map(|env| (e, env)));
    let Some((first, sealed)) = envelopes.next() else {
        return Ok(()); // the core reports a chain without `sealed`
    };
    if first.clear.body.kind() == EventKind::Sealed {
        let seq = Some(first.clear.sequence);
        if sealed.fields.len() != leaf_counts.len() {
            return Err(violation(seq, None, Violation::FieldCountChanged));
        }
        for (d, &n) in sealed.fields.iter().zip(leaf_counts) {
            let covered = present(&d.body).map_or(0, SegmentSet::count);
            let full = present(&d.body).is_some_and(|s| *s == SegmentSet::full(n as u32));
            if !full || u64::from(n as u32) != n {
                return Err(violation(
                    seq,
                    Some(d.index),
                    Violation::LeafMissing {
                        leaves: n,
                        sealed: covered,
                    },
                ));
            }
        }
    }
    let mut before = sealed;
    for (ev, after) in envelopes {
        check_change(ev, before, after)?;
        before = after;
    }
    Ok(())
}

/// One envelope change (spec §10.4, the envelope change rule), with typed
/// errors.
fn check_change(ev: &CustodyEvent, before: &EnvelopeRecord, after: &EnvelopeRecord) -> Result<()> {
    let seq = Some(ev.clear.sequence);
    if before.fields.len() != after.fields.len() {
        return Err(violation(seq, None, Violation::FieldCountChanged));
    }
    let removed = match &ev.clear.body {
        EventBody::Redacted { removed, .. } => removed.as_slice(),
        _ => &[],
    };
    if let Some(r) = removed
        .iter()
        .find(|r| r.field as usize >= after.fields.len())
    {
        return Err(violation(
            seq,
            Some(r.field),
            Violation::RemovalOfUnchangedField,
        ));
    }
    for (b, a) in before.fields.iter().zip(&after.fields) {
        let named = removed.iter().find(|r| r.field == a.index);
        let field = Some(a.index);
        if a == b {
            if named.is_some() {
                return Err(violation(seq, field, Violation::RemovalOfUnchangedField));
            }
            continue;
        }
        let Some(before_set) = present(&b.body) else {
            return Err(violation(seq, field, Violation::RemovedFieldComesBack));
        };
        let empty = SegmentSet::empty();
        let after_set = present(&a.body).unwrap_or(&empty);
        if !after_set.is_subset(before_set) {
            return Err(violation(seq, field, Violation::SegmentsComeBack));
        }
        let Some(named) = named else {
            return Err(violation(seq, field, Violation::ChangeWithoutRedaction));
        };
        if difference(before_set, after_set) != named.segments {
            return Err(violation(seq, field, Violation::RemovalListMismatch));
        }
    }
    Ok(())
}

/// The last envelope event of a chain, with its sequence number and kind.
pub fn last_envelope(events: &[CustodyEvent]) -> Option<(u64, EventKind, &EnvelopeRecord)> {
    events.iter().rev().find_map(|e| {
        e.clear
            .body
            .envelope()
            .map(|env| (e.clear.sequence, e.clear.body.kind(), env))
    })
}

/// The current envelope against the last envelope event, naming ciphertext
/// removed without a signed event; and the stanza count that event's kind
/// allows.
fn check_current(
    events: &[CustodyEvent],
    current: &EnvelopeRecord,
    stanzas: &[Stanza],
) -> Result<()> {
    let Some((seq, kind, last)) = last_envelope(events) else {
        return Ok(());
    };
    let sequence = Some(seq);
    if last.fields.len() != current.fields.len() {
        return Err(violation(sequence, None, Violation::FieldCountChanged));
    }
    for (l, c) in last.fields.iter().zip(&current.fields) {
        if l == c {
            continue;
        }
        let field = Some(c.index);
        let removal = match (present(&l.body), present(&c.body)) {
            (Some(_), None) => true,
            (Some(ls), Some(cs)) => cs.is_subset(ls) && cs != ls,
            _ => false,
        };
        return Err(violation(
            sequence,
            field,
            if removal {
                Violation::UnsignedRemoval
            } else {
                Violation::UnsignedEnvelopeChange
            },
        ));
    }
    if last.stanzas_digest != current.stanzas_digest {
        return Err(violation(sequence, None, Violation::UnsignedEnvelopeChange));
    }
    let expected = match kind {
        EventKind::Redacted => Some(1),
        EventKind::Forwarded => Some(2),
        _ => None,
    };
    if let Some(expected) = expected
        && stanzas.len() != expected
    {
        return Err(violation(
            sequence,
            None,
            Violation::StanzaCount {
                kind: kind.name(),
                expected,
                found: stanzas.len(),
            },
        ));
    }
    Ok(())
}

/// Every keyless rule of spec §12.5 over a parsed (not yet verified)
/// package. Run it before `Package::verify`, which checks the signatures:
/// the two together make the keyless verification of a redacted package.
pub fn check_without_key<R: Read + Seek>(pkg: &Package<R>) -> Result<()> {
    let t = pkg.trailer();
    let counts: Vec<u64> = t
        .leaves
        .fields
        .iter()
        .map(|f| f.leaves.len() as u64)
        .collect();
    check_chain(pkg.events(), &counts)?;
    check_current(pkg.events(), &pkg.current_envelope()?, &t.stanzas)
}

/// Why a forward is within the sender's consent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardBasis {
    /// The sender itself forwarded: its consent does not bind it.
    Sender,
    /// The receiver is one of the recipients the sender named.
    OriginalRecipient,
    /// The receiver is one of the parties the consent names.
    ConsentedParty,
    /// The consent allows any trusted party, with notice to the sender.
    AnyWithNotice,
}

/// One `forwarded` event, checked.
#[derive(Clone, Debug, Serialize)]
pub struct ForwardCheck {
    /// The event's position.
    pub sequence: u64,
    /// Who forwarded.
    pub actor: KeyId,
    /// To whom, by the trust store.
    pub receiver: PartyId,
    /// Its key id.
    pub receiver_key_id: KeyId,
    /// Why it is allowed.
    pub basis: ForwardBasis,
    /// Whether the sender must be notified.
    pub notice_required: bool,
}

/// The onward-transfer consent and every forward checked against it.
#[derive(Clone, Debug, Serialize)]
pub struct OnwardReport {
    /// The consent, as text (`none`, `parties: a, b`, `any trusted party, with notice`).
    pub consent: String,
    /// Every `forwarded` event, in order.
    pub forwards: Vec<ForwardCheck>,
}

/// The consent as text.
pub fn consent_text(c: &OnwardConsent) -> String {
    match c {
        OnwardConsent::None => "none: no onward transfer".to_owned(),
        OnwardConsent::Parties(p) => format!(
            "only to {}",
            p.as_slice()
                .iter()
                .map(PartyId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        OnwardConsent::AnyWithNotice => "any trusted party, with notice to the sender".to_owned(),
    }
}

/// Whether `actor` may forward to `receiver` (with its key id) under the
/// metadata's consent (spec §12.4).
pub fn consent_allows(
    metadata: &Metadata,
    actor: &KeyId,
    receiver: &PartyId,
    receiver_key_id: &KeyId,
) -> Option<ForwardBasis> {
    if actor == &metadata.sender.key_id {
        return Some(ForwardBasis::Sender);
    }
    if metadata
        .recipients
        .iter()
        .any(|r| &r.key_id == receiver_key_id && &r.party == receiver)
    {
        return Some(ForwardBasis::OriginalRecipient);
    }
    match &metadata.onward {
        OnwardConsent::None => None,
        OnwardConsent::Parties(set) => set
            .contains(receiver)
            .then_some(ForwardBasis::ConsentedParty),
        OnwardConsent::AnyWithNotice => Some(ForwardBasis::AnyWithNotice),
    }
}

/// Checks every `forwarded` event of a chain against the consent: the
/// receiver's key id must be in the trust store, the event's sealed details
/// must name that party, and the consent must allow it.
pub fn check_forwards(
    events: &[CustodyEvent],
    metadata: &Metadata,
    metadata_key: &Key32,
    package_id: &PackageId,
    trust: &TrustStore,
) -> Result<OnwardReport> {
    let consent = consent_text(&metadata.onward);
    let mut forwards = Vec::new();
    for ev in events {
        let EventBody::Forwarded { receiver, .. } = &ev.clear.body else {
            continue;
        };
        let sequence = ev.clear.sequence;
        let fail = |receiver: String, consent: String| RedactError::OnwardViolation {
            sequence,
            receiver,
            consent,
        };
        let entry = trust.by_key_id(receiver).ok_or_else(|| {
            fail(
                format!("key id {receiver}"),
                "the receiver is not in the trust store, so the consent cannot be checked".into(),
            )
        })?;
        let details = open_details(ev, metadata_key, package_id)?;
        if details.counterpart.as_ref() != Some(&entry.party) {
            return Err(fail(
                entry.party.to_string(),
                "the event's sealed details name another receiver".into(),
            ));
        }
        let basis = consent_allows(metadata, &ev.clear.actor, &entry.party, receiver)
            .ok_or_else(|| fail(entry.party.to_string(), consent.clone()))?;
        forwards.push(ForwardCheck {
            sequence,
            actor: ev.clear.actor,
            receiver: entry.party.clone(),
            receiver_key_id: *receiver,
            basis,
            notice_required: basis == ForwardBasis::AnyWithNotice,
        });
    }
    Ok(OnwardReport { consent, forwards })
}

/// The checks of spec §12.6 that need a recipient's key, over an unlocked
/// package: every `forwarded` event against the sender's onward-transfer
/// consent (the core's verification does not check it), and, when the last
/// envelope event is `sealed`, one stanza per recipient of the metadata.
/// `rogatory verify --key` calls this after unlocking.
pub fn check_onward_consent<R: Read + Seek + Send>(
    unlocked: &UnlockedPackage<R>,
    trust: &TrustStore,
) -> Result<OnwardReport> {
    let pkg = unlocked.package();
    let metadata = unlocked.metadata();
    if let Some((seq, EventKind::Sealed, _)) = last_envelope(pkg.events()) {
        let found = pkg.trailer().stanzas.len();
        if found != metadata.recipients.len() {
            return Err(violation(
                Some(seq),
                None,
                Violation::StanzaCount {
                    kind: "sealed",
                    expected: metadata.recipients.len(),
                    found,
                },
            ));
        }
    }
    check_forwards(
        pkg.events(),
        metadata,
        &unlocked.bundle().metadata_key,
        &pkg.package_id(),
        trust,
    )
}
