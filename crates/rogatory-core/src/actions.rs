//! Acting on a package file: appending custody events, issuing and checking
//! receipts (spec §10.5). Every action appends to the package in place
//! (never rewriting its body) and returns the new chain head.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use rand_core::CryptoRng;
use rogatory_wire::{
    CustodyEvent, Digest, EventBody, EventDetails, KeyId, PartyId, Text, Timestamp,
};

use crate::container::append_after;
use crate::custody::{
    CLOCK_SKEW, ChainHead, event_hash, sign_event, verify_chain, verify_event_signature,
};
use crate::error::{CoreError, Result};
use crate::identity::{Identity, Signer, card_valid_at};
use crate::package::Package;
use crate::trust::TrustStore;

/// The sealed details an actor writes (the actor's own party id is added).
#[derive(Clone, Debug, Default)]
pub struct Details {
    /// The other party (receiver of a send, sender of a receipt).
    pub counterpart: Option<PartyId>,
    /// Reason.
    pub reason: Option<Text>,
    /// Legal basis.
    pub legal_basis: Option<Text>,
    /// Free text.
    pub text: Option<Text>,
}

impl Details {
    /// The details as sealed for `actor`.
    pub fn for_actor(self, actor: &PartyId) -> EventDetails {
        EventDetails {
            actor: actor.clone(),
            counterpart: self.counterpart,
            reason: self.reason.unwrap_or_else(Text::empty),
            legal_basis: self.legal_basis.unwrap_or_else(Text::empty),
            text: self.text.unwrap_or_else(Text::empty),
        }
    }
}

/// BLAKE3 of a file's exact bytes: the digest an offer and a receipt name.
pub fn bytes_digest(path: &Path) -> Result<Digest> {
    let ctx = || format!("reading {}", path.display());
    let mut f = File::open(path).map_err(CoreError::io(ctx()))?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 8 << 20];
    loop {
        let mut n = 0;
        while n < buf.len() {
            match f.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CoreError::io(ctx())(e)),
            }
        }
        if n == 0 {
            break;
        }
        crate::crypto::blake3_update(&mut h, &buf[..n]);
    }
    Ok(Digest(*h.finalize().as_bytes()))
}

/// Verifies the package at `path`, signs `body` as the next custody event by
/// `identity` (who must hold a stanza: the details are sealed under the
/// metadata key) and appends it in place. Returns the event.
pub fn append_event(
    path: &Path,
    identity: &Identity,
    trust: &TrustStore,
    time: Timestamp,
    body: EventBody,
    details: Details,
    rng: &mut impl CryptoRng,
) -> Result<CustodyEvent> {
    if body.envelope().is_some() {
        return Err(CoreError::usage(
            "envelope events are written by sealing, redacting and forwarding, not appended",
        ));
    }
    // The structure, signature and chain are checked; the field bodies are
    // not hashed, so appending costs the same for 4 MiB as for 4 GiB.
    let v = Package::open(path)?.verify_structure(trust)?;
    let u = v.unlock_for_verification(identity)?;
    let pkg = u.package();
    let last = pkg
        .events()
        .last()
        .ok_or_else(|| CoreError::usage("the package has no custody events"))?;
    let ev = sign_event(
        identity,
        &u.bundle().metadata_key,
        &pkg.package_id(),
        pkg.digest(),
        Some(ChainHead::of(last)?),
        time,
        body,
        &details.for_actor(identity.party()),
        rng,
    )?;
    // The chain with the new event must still verify: a receipt only after a
    // send naming this receiver, time in order, the actor's card valid.
    let mut chain = pkg.events().to_vec();
    chain.push(ev.clone());
    verify_chain(
        &chain,
        &pkg.package_id(),
        &pkg.digest(),
        &pkg.trailer().signature.signer,
        &pkg.leaf_counts(),
        &pkg.current_envelope()?,
        trust,
    )?;
    append_after(path, pkg.footer(), pkg.file_len(), last, &ev)?;
    Ok(ev)
}

/// What a checked receipt establishes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReceiptReport {
    /// The receiver.
    pub receiver: PartyId,
    /// Its key id.
    pub receiver_key_id: KeyId,
    /// When it says it received the package.
    pub time: Timestamp,
    /// The bytes digest it names (equal to the sender's copy).
    pub bytes_digest: Digest,
    /// The receiver's ledger head it names.
    pub ledger_head: Digest,
    /// The hash of the receipt event.
    pub receipt_hash: Digest,
}

/// Checks a receipt against the sender's own copy of the package (the exact
/// bytes it delivered): the receipt is the receiver's signed `received`
/// event that follows this copy's last event, a `sent` or `forwarded` naming
/// the receiver, and names this copy's bytes digest.
pub fn verify_receipt(
    path: &Path,
    receipt: &CustodyEvent,
    trust: &TrustStore,
) -> Result<ReceiptReport> {
    // The copy's structure, signature and chain; its bytes are then hashed
    // whole for the bytes digest, which covers the bodies as well.
    let v = Package::open(path)?.verify_structure(trust)?;
    let pkg = v.package();
    let last = pkg
        .events()
        .last()
        .ok_or_else(|| CoreError::usage("the package has no custody events"))?;
    let seq = receipt.clear.sequence;
    let fail = |rule: &str| CoreError::Custody {
        sequence: seq,
        rule: "receipt",
        detail: rule.to_owned(),
    };
    let EventBody::Received {
        bytes_digest,
        ledger_head,
    } = receipt.clear.body
    else {
        return Err(fail("not a `received` event"));
    };
    let named = last
        .clear
        .body
        .receiver()
        .ok_or_else(|| fail("this copy's last event is not a `sent` or `forwarded`"))?;
    if named != receipt.clear.actor {
        return Err(fail(
            "signed by another party than the one this copy was sent to",
        ));
    }
    if seq != last.clear.sequence + 1 || receipt.clear.prev != event_hash(last)? {
        return Err(fail("does not follow this copy's last event"));
    }
    if receipt.clear.package_digest != pkg.digest() {
        return Err(fail("bound to another package"));
    }
    verify_event_signature(receipt, trust)?;
    let entry = trust.require(&receipt.clear.actor)?;
    if !card_valid_at(&entry.card, receipt.clear.time) {
        return Err(fail(
            "the receiver's card is not valid at the receipt's time",
        ));
    }
    if receipt.clear.time.0.saturating_add(CLOCK_SKEW) < last.clear.time.0 {
        return Err(fail("received before it was sent"));
    }
    let found = self::bytes_digest(path)?;
    if found != bytes_digest {
        return Err(CoreError::DigestMismatch {
            what: "receipt names other bytes than this copy".into(),
            expected: found,
            found: bytes_digest,
        });
    }
    Ok(ReceiptReport {
        receiver: entry.party.clone(),
        receiver_key_id: receipt.clear.actor,
        time: receipt.clear.time,
        bytes_digest,
        ledger_head,
        receipt_hash: event_hash(receipt)?,
    })
}

/// Signs the receipt for a delivered package at `path` (already verified by
/// the caller, whose bytes digest is `offered`): the `received` event is
/// appended to the receiver's copy and returned.
#[allow(clippy::too_many_arguments)]
pub fn receive(
    path: &Path,
    identity: &Identity,
    trust: &TrustStore,
    time: Timestamp,
    offered: Digest,
    ledger_head: Digest,
    sender: Option<PartyId>,
    rng: &mut impl CryptoRng,
) -> Result<CustodyEvent> {
    append_event(
        path,
        identity,
        trust,
        time,
        EventBody::Received {
            bytes_digest: offered,
            ledger_head,
        },
        Details {
            counterpart: sender,
            ..Details::default()
        },
        rng,
    )
}
