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
//! - a `redacted` event that cuts into a field proves that its actor held
//!   the field's key (the core checks this too).
//!
//! With a key, the core checks every stanza's recipient, every holder and
//! every onward transfer when it unlocks ([`rogatory_core::entitlement`]);
//! [`onward_report`] gives what it found.

use std::io::{Read, Seek};

use rogatory_core::custody::{CurrentEnvelope, field_without_key_proof};
pub use rogatory_core::entitlement::{
    ForwardBasis, ForwardCheck, OnwardReport, consent_allows, consent_text,
};
use rogatory_core::{Package, UnlockedPackage};
use rogatory_wire::{
    CustodyEvent, EnvelopeRecord, EventBody, EventKind, FieldBody, PackageId, SegmentSet, Stanza,
};

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
pub fn check_chain(
    events: &[CustodyEvent],
    package_id: &PackageId,
    leaf_counts: &[u64],
) -> Result<()> {
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
        if let Some(field) = field_without_key_proof(package_id, &ev.clear, before, after) {
            return Err(violation(
                Some(ev.clear.sequence),
                Some(field),
                Violation::CutWithoutKey,
            ));
        }
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
    current: &CurrentEnvelope,
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
    check_chain(pkg.events(), &pkg.package_id(), &counts)?;
    check_current(pkg.events(), &pkg.current_envelope()?, &t.stanzas)
}

/// The checks of spec §12.6 that need a recipient's key are made by the
/// core when it unlocks ([`rogatory_core::entitlement`]): the onward
/// transfers it found, each checked against the sender's consent.
pub fn onward_report<R: Read + Seek + Send>(unlocked: &UnlockedPackage<R>) -> OnwardReport {
    unlocked.onward().clone()
}
