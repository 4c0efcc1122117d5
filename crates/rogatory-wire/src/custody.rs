//! Custody events (spec §10): a signed clear part that a verifier with no
//! keys checks, and sealed details that only holders of the metadata key read.

use serde::{Deserialize, Serialize};

use crate::codec::Wire;
use crate::error::WireError;
use crate::limits;
use crate::package::{EnvelopeDescriptor, SegmentSet, check_envelope};
use crate::primitives::{
    Bytes, Digest, KeyId, PartyId, Salt, Signature, Text, Timestamp, bounded_seq, check_count,
    check_strictly_sorted,
};

/// The kind of a custody event. The tag values are part of the format: they
/// enter the derivation of the details key (spec §10.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// The sender sealed the package (always first).
    Sealed,
    /// A holder sent the package to a receiver.
    Sent,
    /// The receiver received it (the receipt).
    Received,
    /// A holder removed fields or segments.
    Redacted,
    /// A holder re-enveloped the package for a new recipient.
    Forwarded,
    /// A holder recorded a note.
    Note,
}

impl EventKind {
    /// The tag value on the wire.
    pub fn tag(self) -> u32 {
        match self {
            Self::Sealed => 0,
            Self::Sent => 1,
            Self::Received => 2,
            Self::Redacted => 3,
            Self::Forwarded => 4,
            Self::Note => 5,
        }
    }

    /// Lowercase name, as in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sealed => "sealed",
            Self::Sent => "sent",
            Self::Received => "received",
            Self::Redacted => "redacted",
            Self::Forwarded => "forwarded",
            Self::Note => "note",
        }
    }
}

/// The whole envelope as an envelope event signs it: every field's
/// descriptor, the digest of the stanzas, and per stanza a salted commitment
/// to the key id of its recipient (spec §5.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeRecord {
    /// Per field, in field order.
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::FIELDS_MAX }>")]
    pub fields: Vec<EnvelopeDescriptor>,
    /// `SHA-256(HASH_STANZAS || encoded stanzas)`.
    pub stanzas_digest: Digest,
    /// Random salt of the recipient commitments of this record.
    pub recipients_salt: Salt,
    /// Per stanza, in trailer order, the commitment to its recipient's key
    /// id (1 to 256, pairwise distinct): keyed by the metadata key, so that
    /// only holders of the metadata key can tell whose a stanza is. Their
    /// number is the number of stanzas: a keyless verifier checks every
    /// hop's count (one after a redaction, two after a forward).
    #[serde(deserialize_with = "bounded_seq::<_, _, { limits::RECIPIENTS_MAX }>")]
    pub recipients: Vec<Digest>,
}

impl EnvelopeRecord {
    /// The number of stanzas the record commits to.
    pub fn stanza_count(&self) -> usize {
        self.recipients.len()
    }
}

/// Leaves removed from one field by a redaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// The field.
    pub field: u32,
    /// The segments whose ciphertext went (their leaves stay).
    pub segments: SegmentSet,
    /// For a field cut into (it stays present under a new key): the proof
    /// that the redactor held the field's previous key, an Ed25519
    /// signature verified with the previous key commitment (spec §12.1).
    /// Absent for a field removed whole, which needs no key.
    pub key_proof: Option<Signature>,
}

/// What an event of each kind carries in its clear part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventBody {
    /// The envelope as sealed.
    Sealed {
        /// The envelope.
        envelope: EnvelopeRecord,
    },
    /// Sent to a receiver.
    Sent {
        /// The receiver's key id.
        receiver: KeyId,
    },
    /// Received: the receipt.
    Received {
        /// BLAKE3 of the exact bytes offered and received.
        bytes_digest: Digest,
        /// The head of the receiver's ledger when it signed the receipt:
        /// before the line that records this receipt (zero for an empty
        /// ledger).
        ledger_head: Digest,
    },
    /// Fields or segments removed.
    Redacted {
        /// Per touched field, the segments removed by this event (sorted by
        /// field, unique).
        #[serde(deserialize_with = "bounded_seq::<_, _, { limits::FIELDS_MAX }>")]
        removed: Vec<Removal>,
        /// The new envelope.
        envelope: EnvelopeRecord,
    },
    /// Re-enveloped for a new recipient.
    Forwarded {
        /// The new recipient's key id.
        receiver: KeyId,
        /// The new envelope.
        envelope: EnvelopeRecord,
    },
    /// A note; its text is in the sealed details.
    Note,
}

impl EventBody {
    /// The event's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Sealed { .. } => EventKind::Sealed,
            Self::Sent { .. } => EventKind::Sent,
            Self::Received { .. } => EventKind::Received,
            Self::Redacted { .. } => EventKind::Redacted,
            Self::Forwarded { .. } => EventKind::Forwarded,
            Self::Note => EventKind::Note,
        }
    }

    /// The envelope an envelope event carries.
    pub fn envelope(&self) -> Option<&EnvelopeRecord> {
        match self {
            Self::Sealed { envelope }
            | Self::Redacted { envelope, .. }
            | Self::Forwarded { envelope, .. } => Some(envelope),
            _ => None,
        }
    }

    /// The receiver a `sent` or `forwarded` names.
    pub fn receiver(&self) -> Option<KeyId> {
        match self {
            Self::Sent { receiver } | Self::Forwarded { receiver, .. } => Some(*receiver),
            _ => None,
        }
    }
}

/// The signed clear part of a custody event (spec §10.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventClear {
    /// Position in the chain, from 0 (`sealed`).
    pub sequence: u64,
    /// Hash of the previous event, signature included; zero for `sealed`.
    pub prev: Digest,
    /// The package digest this event is bound to.
    pub package_digest: Digest,
    /// The actor's key id.
    pub actor: KeyId,
    /// When the actor says it happened (UTC seconds).
    pub time: Timestamp,
    /// Random salt of the details key.
    pub details_salt: Salt,
    /// Kind and kind-specific clear data.
    pub body: EventBody,
}

/// A custody event: clear part, sealed details, the actor's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustodyEvent {
    /// The signed clear part.
    pub clear: EventClear,
    /// AEAD ciphertext of the encoded [`EventDetails`].
    pub details: Bytes<{ limits::DETAILS_MAX }>,
    /// Ed25519 over `SIG_EVENT || encode(clear) || SHA-256(details)`.
    pub signature: Signature,
}

impl Wire for CustodyEvent {
    const NAME: &'static str = "custody event";
    const MAX_ENCODED: usize = limits::EVENT_MAX;

    fn validate(&self) -> Result<(), WireError> {
        const WHAT: &str = "custody event";
        let c = &self.clear;
        match &c.body {
            EventBody::Sealed { .. } if c.sequence != 0 => {
                return Err(WireError::invalid(WHAT, "sealed must have sequence 0"));
            }
            EventBody::Sealed { .. } if c.prev != Digest::ZERO => {
                return Err(WireError::invalid(WHAT, "sealed must have a zero prev"));
            }
            b if c.sequence == 0 && b.kind() != EventKind::Sealed => {
                return Err(WireError::invalid(WHAT, "sequence 0 must be sealed"));
            }
            EventBody::Redacted { removed, .. } => {
                check_count(WHAT, removed.len(), limits::FIELDS_MAX)?;
                check_strictly_sorted(WHAT, removed, |r| r.field)?;
                if removed.iter().any(|r| r.segments.is_empty()) {
                    return Err(WireError::invalid(WHAT, "a removal removes nothing"));
                }
                if removed.is_empty() {
                    return Err(WireError::invalid(WHAT, "a redaction removes nothing"));
                }
                if let (Some(last), Some(env)) = (removed.last(), c.body.envelope())
                    && last.field as usize >= env.fields.len()
                {
                    return Err(WireError::invalid(
                        WHAT,
                        "a removal names a field that does not exist",
                    ));
                }
                if let Some(env) = c.body.envelope() {
                    for r in removed {
                        let stays = env.fields.get(r.field as usize).is_some_and(|d| {
                            matches!(d.body, crate::package::FieldBody::Present { .. })
                        });
                        if stays != r.key_proof.is_some() {
                            return Err(WireError::invalid(
                                WHAT,
                                "a removal carries a key proof if and only if its field stays present",
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
        if let Some(env) = c.body.envelope() {
            check_envelope_record(env)?;
        }
        Ok(())
    }
}

/// The sealed details of a custody event (spec §10.3): what only holders of
/// the metadata key may read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetails {
    /// The actor's party id.
    pub actor: PartyId,
    /// The other party (receiver of a send or forward, sender of a receipt).
    pub counterpart: Option<PartyId>,
    /// Reason (redactions).
    pub reason: Text,
    /// Legal basis (redactions, forwards).
    pub legal_basis: Text,
    /// Free text (notes).
    pub text: Text,
}

impl Wire for EventDetails {
    const NAME: &'static str = "event details";
    const MAX_ENCODED: usize = limits::DETAILS_MAX - 16;
}

impl Wire for EventClear {
    const NAME: &'static str = "event clear part";
    const MAX_ENCODED: usize = limits::EVENT_MAX;
}

impl Wire for EnvelopeRecord {
    const NAME: &'static str = "envelope record";
    const MAX_ENCODED: usize = limits::EVENT_MAX;

    fn validate(&self) -> Result<(), WireError> {
        check_envelope_record(self)
    }
}

/// An envelope record's rules: its descriptors, and 1 to 256 recipient
/// commitments, pairwise distinct (one stanza per recipient).
pub(crate) fn check_envelope_record(r: &EnvelopeRecord) -> Result<(), WireError> {
    const WHAT: &str = "envelope record";
    check_envelope(&r.fields, None)?;
    check_count(WHAT, r.recipients.len(), limits::RECIPIENTS_MAX)?;
    if r.recipients.is_empty() {
        return Err(WireError::invalid(
            WHAT,
            format!("0 stanzas: 1 to {} required", limits::RECIPIENTS_MAX),
        ));
    }
    let mut sorted: Vec<&Digest> = r.recipients.iter().collect();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(WireError::invalid(
            WHAT,
            "two stanzas are committed to one recipient",
        ));
    }
    Ok(())
}
