//! Party cards and trust-store entries (spec §3.1).

use serde::{Deserialize, Serialize};

use crate::codec::Wire;
use crate::error::WireError;
use crate::limits;
use crate::primitives::{
    Clearances, Digest, KeyId, PartyId, PublicKey, ShortText, Signature, Timestamp, XWingPublicKey,
};

/// What a party card says; its owner signs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardBody {
    /// The party.
    pub party: PartyId,
    /// Ed25519 public key (signatures).
    pub signing_key: PublicKey,
    /// X25519 public key (key wrap).
    pub agreement_key: PublicKey,
    /// SHA-256 of the DER SubjectPublicKeyInfo of the party's TLS certificate.
    pub tls_spki_sha256: Digest,
    /// First second the card is valid.
    pub not_before: Timestamp,
    /// Last second the card is valid (inclusive).
    pub not_after: Timestamp,
    /// X-Wing public key (post-quantum hybrid key wrap, spec §6.3); a
    /// sender wraps to it instead of `agreement_key` when it is present.
    pub hybrid_key: Option<XWingPublicKey>,
}

/// A self-signed party card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyCard {
    /// The card's content.
    pub body: CardBody,
    /// Ed25519 by `body.signing_key` over `SIG_CARD || encode(body)`.
    pub signature: Signature,
}

impl Wire for PartyCard {
    const NAME: &'static str = "party card";
    const MAX_ENCODED: usize = limits::CARD_MAX;

    fn validate(&self) -> Result<(), WireError> {
        if self.body.not_before > self.body.not_after {
            return Err(WireError::invalid(
                Self::NAME,
                "not-before is after not-after",
            ));
        }
        Ok(())
    }
}

/// One accepted card in a trust store, keyed by (party, key id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustEntry {
    /// The party; equal to the card's.
    pub party: PartyId,
    /// The card's key id.
    pub key_id: KeyId,
    /// The card.
    pub card: PartyCard,
    /// The tags this party is cleared for.
    pub clearances: Clearances,
    /// A retired card verifies old packages but is not used for new ones.
    pub retired: bool,
}

impl Wire for TrustEntry {
    const NAME: &'static str = "trust entry";
    const MAX_ENCODED: usize = limits::TRUST_ENTRY_MAX;

    fn validate(&self) -> Result<(), WireError> {
        self.card.validate()?;
        if self.party != self.card.body.party {
            return Err(WireError::invalid(
                Self::NAME,
                "party differs from the card's",
            ));
        }
        Ok(())
    }
}

impl Wire for CardBody {
    const NAME: &'static str = "card body";
    const MAX_ENCODED: usize = limits::CARD_MAX;
}

/// What a rotation statement says: the successor of a card (spec §3.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationBody {
    /// The key id of the card rotated out.
    pub predecessor: KeyId,
    /// The new card of the same party, self-signed.
    pub successor: PartyCard,
    /// From when the successor replaces the predecessor.
    pub effective: Timestamp,
}

/// A rotation statement: signed by the predecessor's key, so that whoever
/// trusts the predecessor can trust the successor without comparing a new
/// fingerprint out of band.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    /// The statement.
    pub body: RotationBody,
    /// Ed25519 by the predecessor's signing key over `SIG_ROTATION ||
    /// encode(body)`.
    pub signature: Signature,
}

impl Wire for Rotation {
    const NAME: &'static str = "rotation";
    const MAX_ENCODED: usize = 32 + limits::CARD_MAX + 8 + 64;

    fn validate(&self) -> Result<(), WireError> {
        let s = &self.body.successor.body;
        self.body.successor.validate()?;
        if self.body.effective < s.not_before || self.body.effective > s.not_after {
            return Err(WireError::invalid(
                Self::NAME,
                "the rotation takes effect outside the successor card's validity",
            ));
        }
        Ok(())
    }
}

impl Wire for RotationBody {
    const NAME: &'static str = "rotation body";
    const MAX_ENCODED: usize = 32 + limits::CARD_MAX + 8;
}

/// What a revocation statement says (spec §3.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationBody {
    /// The key id of the revoked card.
    pub key_id: KeyId,
    /// Its party.
    pub party: PartyId,
    /// From when the key is held compromised: nothing it signed from then on
    /// is trusted.
    pub compromised: Timestamp,
    /// When the statement was made.
    pub issued: Timestamp,
    /// Who signs it: the revoked key itself, or a revocation authority.
    pub issuer: KeyId,
    /// Why, for people.
    pub reason: ShortText,
}

/// A revocation statement, signed by its issuer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// The statement.
    pub body: RevocationBody,
    /// Ed25519 by the issuer's signing key over `SIG_REVOCATION ||
    /// encode(body)`.
    pub signature: Signature,
}

impl Wire for Revocation {
    const NAME: &'static str = "revocation";
    const MAX_ENCODED: usize = 32 + 8 + 64 + 8 + 8 + 32 + 8 + 256 + 64;

    fn validate(&self) -> Result<(), WireError> {
        if self.body.compromised > self.body.issued {
            return Err(WireError::invalid(
                Self::NAME,
                "the compromise time is after the statement was issued",
            ));
        }
        Ok(())
    }
}

impl Wire for RevocationBody {
    const NAME: &'static str = "revocation body";
    const MAX_ENCODED: usize = 32 + 8 + 64 + 8 + 8 + 32 + 8 + 256;
}
