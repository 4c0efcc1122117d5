//! Party cards and trust-store entries (spec §3.1).

use serde::{Deserialize, Serialize};

use crate::codec::Wire;
use crate::error::WireError;
use crate::limits;
use crate::primitives::{Clearances, Digest, KeyId, PartyId, PublicKey, Signature, Timestamp};

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
