//! Keys that last as long as the evidence: rotation and revocation of party
//! cards (spec §3.6, §3.7).
//!
//! - A **rotation statement** names a successor card of the same party and
//!   is signed by the predecessor's key: whoever trusts the predecessor
//!   trusts the successor without comparing a fingerprint again, takes over
//!   its clearances and keeps the predecessor (retired) for what it signed.
//! - A **revocation statement** says that a key is compromised from a given
//!   time; it is signed by the key itself or by a revocation authority the
//!   trust store designates. Nothing the key signed from that time on is
//!   trusted: custody events (and the package, through its `sealed` event)
//!   are judged by the time a receiver countersigned them where one did, as
//!   expiry is, and a receiver refuses the key at the handshake.

use rogatory_wire::{
    KeyId, PartyCard, Revocation, RevocationBody, Rotation, RotationBody, ShortText, Timestamp,
    encode, labels,
};

use crate::crypto::verify_signature;
use crate::error::{CoreError, Place, Result};
use crate::identity::{Signer, key_id, verify_card};

fn bad(what: &'static str, detail: impl Into<String>) -> CoreError {
    CoreError::BadFile {
        what,
        detail: detail.into(),
    }
}

/// Signs a rotation: `predecessor` (the old key) names `successor` (the new
/// card of the same party), effective at `effective`.
pub fn sign_rotation(
    predecessor: &dyn Signer,
    successor: &PartyCard,
    effective: Timestamp,
) -> Result<Rotation> {
    let body = RotationBody {
        predecessor: predecessor.key_id(),
        successor: successor.clone(),
        effective,
    };
    let r = Rotation {
        signature: predecessor.sign(&crate::crypto::signed_message(
            labels::SIG_ROTATION,
            &[&encode(&body).map_err(CoreError::malformed(Place::Signature))?],
        ))?,
        body,
    };
    verify_rotation(&r, predecessor.card())?;
    Ok(r)
}

/// Checks a rotation against the predecessor's card: the key ids match, the
/// successor is a validly self-signed card of the same party with another
/// key id, and the predecessor signed the statement. Returns the
/// successor's key id.
pub fn verify_rotation(r: &Rotation, predecessor: &PartyCard) -> Result<KeyId> {
    const WHAT: &str = "rotation";
    if key_id(&predecessor.body) != r.body.predecessor {
        return Err(bad(WHAT, "the statement names another predecessor card"));
    }
    let s = &r.body.successor;
    if s.body.party != predecessor.body.party {
        return Err(bad(
            WHAT,
            format!(
                "the successor card is of {}, the predecessor of {}",
                s.body.party, predecessor.body.party
            ),
        ));
    }
    let successor = verify_card(s).map_err(|_| bad(WHAT, "the successor card's self-signature"))?;
    if successor == r.body.predecessor {
        return Err(bad(WHAT, "the successor is the predecessor"));
    }
    verify_signature(
        &predecessor.body.signing_key,
        labels::SIG_ROTATION,
        &[&encode(&r.body).map_err(CoreError::malformed(Place::Signature))?],
        &r.signature,
        "rotation statement",
    )
    .map_err(|_| {
        bad(
            WHAT,
            "the statement is not signed by the predecessor's key (a successor must be signed by \
             the card it replaces)",
        )
    })?;
    Ok(successor)
}

/// Signs a revocation of `target`: by the target's own key (self-revocation)
/// or by a revocation authority's.
pub fn sign_revocation(
    issuer: &dyn Signer,
    target: &PartyCard,
    compromised: Timestamp,
    issued: Timestamp,
    reason: ShortText,
) -> Result<Revocation> {
    let body = RevocationBody {
        key_id: key_id(&target.body),
        party: target.body.party.clone(),
        compromised,
        issued,
        issuer: issuer.key_id(),
        reason,
    };
    if body.compromised > body.issued {
        return Err(CoreError::usage(
            "the compromise time is after the statement is issued",
        ));
    }
    Ok(Revocation {
        signature: issuer.sign(&crate::crypto::signed_message(
            labels::SIG_REVOCATION,
            &[&encode(&body).map_err(CoreError::malformed(Place::Signature))?],
        ))?,
        body,
    })
}

/// Checks a revocation's signature with its issuer's card (the revoked card
/// itself, or an authority's).
pub fn verify_revocation(r: &Revocation, issuer: &PartyCard) -> Result<()> {
    if key_id(&issuer.body) != r.body.issuer {
        return Err(bad("revocation", "the statement names another issuer"));
    }
    verify_signature(
        &issuer.body.signing_key,
        labels::SIG_REVOCATION,
        &[&encode(&r.body).map_err(CoreError::malformed(Place::Signature))?],
        &r.signature,
        "revocation statement",
    )
    .map_err(|_| bad("revocation", "the statement's signature does not verify"))
}
