//! Who may hold a stanza: the custody chain and the sender's onward consent
//! against the recipient commitments of every envelope record (spec §12.6).
//!
//! Every envelope record commits, per stanza, to the key id of its recipient
//! (keyed by the metadata key and salted per record, so that a reader
//! without the metadata key learns nothing). A holder of the metadata key
//! checks, event by event:
//!
//! - each envelope event's stanzas are committed to exactly the parties it
//!   may give keys to: the metadata's recipients at `sealed`, the redactor
//!   alone at `redacted`, the forwarder and its receiver at `forwarded`
//!   (`stanza_recipients`);
//! - whoever re-envelopes or sends the package held a stanza of the
//!   envelope in force (`actor_not_holder`);
//! - every `forwarded` event, and every `sent` event by another party than
//!   the sender, is within the sender's onward consent (`onward_consent`);
//!
//! and a recipient checks that the stanza its key opened is committed to its
//! own key id (`stanza_not_yours`). A party that re-wraps its stanza to a
//! third party, or adds one to a forward, must either commit it to that
//! party (and every holder of the metadata key sees the breach) or commit
//! it to someone else (and the party holding it refuses it): no honest party
//! accepts, opens or acknowledges a package that gives it keys the chain and
//! the consent do not.

use rogatory_wire::{
    CustodyEvent, Digest, EnvelopeRecord, EventBody, EventDetails, EventKind, KeyId, Metadata,
    OnwardConsent, PackageId, PartyId,
};
use serde::Serialize;

use crate::crypto::recipient_commitment;
use crate::custody::EventSummary;
use crate::error::{CoreError, Result};
use crate::secret::Key32;

/// Why a transfer is within the sender's consent (spec §12.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardBasis {
    /// The sender itself transferred: its consent does not bind it.
    Sender,
    /// The receiver is one of the recipients the sender named.
    OriginalRecipient,
    /// The receiver is one of the parties the consent names.
    ConsentedParty,
    /// The consent allows any trusted party, with notice to the sender.
    AnyWithNotice,
}

/// One onward transfer (a `forwarded` event, or a `sent` event by another
/// party than the sender), checked.
#[derive(Clone, Debug, Serialize)]
pub struct ForwardCheck {
    /// The event's position.
    pub sequence: u64,
    /// `forwarded` or `sent`.
    pub kind: &'static str,
    /// Who transferred.
    #[serde(rename = "actor_key_id")]
    pub actor: KeyId,
    /// To whom, by the trust store.
    #[serde(rename = "receiver_party")]
    pub receiver: PartyId,
    /// Its key id.
    pub receiver_key_id: KeyId,
    /// Why it is allowed.
    pub basis: ForwardBasis,
    /// Whether the sender must be notified.
    pub notice_required: bool,
}

/// The onward-transfer consent and every onward transfer checked against it.
#[derive(Clone, Debug, Serialize)]
pub struct OnwardReport {
    /// The consent, as text (`none`, `only to a, b`, `any trusted party, with notice`).
    pub consent: String,
    /// Every onward transfer, in chain order.
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

/// Whether `actor` may transfer to `receiver` (with its key id) under the
/// metadata's consent (spec §12.4), and on what basis.
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

/// The key ids an envelope event may give stanzas to: the metadata's
/// recipients (the sender among them) at `sealed`, the redactor at
/// `redacted`, the forwarder and the new recipient at `forwarded`.
pub fn entitled_by(ev: &CustodyEvent, metadata: &Metadata) -> Vec<KeyId> {
    match &ev.clear.body {
        EventBody::Sealed { .. } => metadata.recipients.iter().map(|r| r.key_id).collect(),
        EventBody::Redacted { .. } => vec![ev.clear.actor],
        EventBody::Forwarded { receiver, .. } => vec![ev.clear.actor, *receiver],
        _ => Vec::new(),
    }
}

/// The recipient commitments of a new envelope record, one per stanza in
/// trailer order: `recipients[i]` is the key id whose stanza is `i`.
pub fn commit_recipients(
    metadata_key: &Key32,
    package_id: &PackageId,
    salt: &[u8; 32],
    recipients: &[KeyId],
) -> Vec<Digest> {
    recipients
        .iter()
        .map(|k| recipient_commitment(metadata_key, package_id, salt, k))
        .collect()
}

fn not_entitled(sequence: u64, rule: &'static str, detail: impl Into<String>) -> CoreError {
    CoreError::NotEntitled {
        sequence,
        rule,
        detail: detail.into(),
    }
}

/// What the checks need of the package, after unlocking.
pub struct Chain<'a> {
    /// The custody events, in file order.
    pub events: &'a [CustodyEvent],
    /// What keyless verification found of them (parties by the trust store).
    pub summaries: &'a [EventSummary],
    /// Their sealed details, opened.
    pub details: &'a [EventDetails],
    /// The decrypted metadata.
    pub metadata: &'a Metadata,
    /// The metadata key.
    pub metadata_key: &'a Key32,
    /// The package id.
    pub package_id: &'a PackageId,
}

/// The holder's own stanza: its key id and the position of the stanza its
/// key opened in the trailer.
#[derive(Clone, Copy, Debug)]
pub struct Holder {
    /// The holder's key id.
    pub key_id: KeyId,
    /// The position of the stanza it opened.
    pub stanza: usize,
}

/// Every check of spec §12.6 over a chain: stanza recipients, holders and
/// onward consent event by event, then, for a recipient, that the stanza it
/// opened is its own. Returns the onward transfers found.
pub fn check(chain: &Chain<'_>, holder: Option<Holder>) -> Result<OnwardReport> {
    let m = chain.metadata;
    let consent = consent_text(&m.onward);
    let mut forwards = Vec::new();
    // The key ids the envelope in force gives stanzas to, and its record.
    let mut in_force: Option<(u64, Vec<KeyId>, &EnvelopeRecord)> = None;
    for (i, ev) in chain.events.iter().enumerate() {
        let c = &ev.clear;
        let seq = c.sequence;
        let kind = c.body.kind();
        if matches!(
            kind,
            EventKind::Redacted | EventKind::Forwarded | EventKind::Sent
        ) {
            let held = in_force
                .as_ref()
                .is_some_and(|(_, keys, _)| keys.contains(&c.actor));
            if !held {
                return Err(not_entitled(
                    seq,
                    "actor_not_holder",
                    format!(
                        "the actor ({}) held no stanza of the envelope in force: it was never \
                         given this package's keys by its custody chain",
                        chain
                            .summaries
                            .get(i)
                            .map_or("?", |s| s.actor_party.as_str())
                    ),
                ));
            }
        }
        if let Some(env) = c.body.envelope() {
            let keys = entitled_by(ev, m);
            let mut want = commit_recipients(
                chain.metadata_key,
                chain.package_id,
                &env.recipients_salt.0,
                &keys,
            );
            let mut found = env.recipients.clone();
            want.sort_unstable();
            found.sort_unstable();
            if want != found {
                return Err(not_entitled(
                    seq,
                    "stanza_recipients",
                    format!(
                        "the `{}` envelope's stanzas are committed to other parties than it may \
                         give keys to ({})",
                        kind.name(),
                        match kind {
                            EventKind::Sealed => "the recipients the sender named",
                            EventKind::Redacted => "the redactor alone",
                            _ => "the forwarder and its receiver",
                        }
                    ),
                ));
            }
            in_force = Some((seq, keys, env));
        }
        let transfer = match &c.body {
            EventBody::Forwarded { receiver, .. } => Some(("forwarded", receiver)),
            EventBody::Sent { receiver } if c.actor != m.sender.key_id => Some(("sent", receiver)),
            _ => None,
        };
        if let Some((what, receiver)) = transfer {
            let fail = |party: String, why: String| {
                not_entitled(
                    seq,
                    "onward_consent",
                    format!("a `{what}` to {party} is outside the sender's consent: {why}"),
                )
            };
            let party = chain
                .summaries
                .get(i)
                .and_then(|s| s.receiver_party.clone())
                .ok_or_else(|| {
                    fail(
                        format!("key id {receiver}"),
                        "the receiver is not in the trust store, so the consent cannot be checked"
                            .into(),
                    )
                })?;
            if chain.details.get(i).and_then(|d| d.counterpart.as_ref()) != Some(&party) {
                return Err(fail(
                    party.to_string(),
                    "the event's sealed details name another receiver".into(),
                ));
            }
            let basis = consent_allows(m, &c.actor, &party, receiver)
                .ok_or_else(|| fail(party.to_string(), consent.clone()))?;
            forwards.push(ForwardCheck {
                sequence: seq,
                kind: what,
                actor: c.actor,
                receiver: party,
                receiver_key_id: *receiver,
                basis,
                notice_required: basis == ForwardBasis::AnyWithNotice,
            });
        }
    }
    if let (Some(h), Some((seq, _, env))) = (holder, in_force) {
        let mine = recipient_commitment(
            chain.metadata_key,
            chain.package_id,
            &env.recipients_salt.0,
            &h.key_id,
        );
        if env.recipients.get(h.stanza) != Some(&mine) {
            return Err(not_entitled(
                seq,
                "stanza_not_yours",
                format!(
                    "the stanza this key opened (stanza {}) is committed to another party: it was \
                     wrapped to this key outside the package's custody chain",
                    h.stanza
                ),
            ));
        }
    }
    Ok(OnwardReport { consent, forwards })
}
