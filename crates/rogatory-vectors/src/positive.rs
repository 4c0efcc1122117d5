//! Positive vectors: at least one per top-level structure and one per variant
//! of every enum that appears in them.

use rogatory_wire::{
    Bytes, CategorySet, Digest, EventKind, EventRef, Frame, LedgerAction, LedgerEntry, LedgerLine,
    Offer, Priority, RejectReason, ShortText, Signature, Timestamp, Token,
};

use crate::bytes::{pseudo, pseudo_vec};
use crate::samples::{self as s, T_LATER, T_RETAIN};
use crate::{Error, Generator};

pub(crate) fn all(g: &mut Generator) -> Result<(), Error> {
    g.ok(
        "prelude",
        "The 28-byte prelude of a version 1, suite 1 package.",
        &s::prelude(),
    )?;
    metadata(g)?;
    g.ok(
        "trailer",
        "A trailer whose envelope holds a whole field, a partly redacted field and a removed field, with two stanzas whose ciphertexts have equal length: an X25519 stanza and an X-Wing stanza.",
        &s::trailer()?,
    )?;
    g.ok(
        "trailer_empty_field",
        "A trailer of one empty field: no leaves, an empty segment set and a 16-byte STREAM ciphertext (one empty final chunk).",
        &s::trailer_empty_field()?,
    )?;
    g.ok(
        "footer",
        "A container footer locating the trailer and two custody records.",
        &s::footer(),
    )?;
    custody(g)?;
    g.ok(
        "event_details",
        "Sealed details of a forward: actor, counterpart, legal basis and UTF-8 free text.",
        &s::details_forward()?,
    )?;
    g.ok(
        "event_details_no_counterpart",
        "Sealed details of a note with no counterpart and empty reason and legal basis.",
        &s::details_note()?,
    )?;
    g.ok(
        "party_card",
        "A self-signed party card: party id, Ed25519 and X25519 keys, TLS SPKI pin and validity.",
        &s::card("de.bka")?,
    )?;
    g.ok(
        "party_card_hybrid",
        "A self-signed party card with an X-Wing hybrid key (ML-KEM-768 encapsulation key and X25519 key, 1216 bytes) after its validity.",
        &s::hybrid_card("nl.om")?,
    )?;
    g.ok(
        "trust_entry",
        "A trust-store entry with three clearances, not retired.",
        &s::trust_entry(
            "fr.pnat",
            &[
                "sensitivity:restricted",
                "category:subscriber",
                "category:content",
            ],
            false,
        )?,
    )?;
    g.ok(
        "trust_entry_retired",
        "A retired trust-store entry with no clearances.",
        &s::trust_entry("de.bka", &[], true)?,
    )?;
    g.ok(
        "rotation",
        "A rotation statement: de.bka's card names its successor card, effective a day after the successor's validity begins.",
        &s::rotation()?,
    )?;
    g.ok(
        "revocation_by_key",
        "A revocation statement by the revoked key itself, with no reason.",
        &s::revocation(false)?,
    )?;
    g.ok(
        "revocation_by_authority",
        "A revocation statement by a revocation authority, with a reason.",
        &s::revocation(true)?,
    )?;
    ledger(g)?;
    frames(g)?;
    Ok(())
}

fn metadata(g: &mut Generator) -> Result<(), Error> {
    g.ok(
        "metadata_full",
        "Metadata with every optional part present: request reference, deadline, urgent priority, onward consent to named parties, provenance and three fields of both kinds.",
        &s::metadata_full()?,
    )?;
    g.ok(
        "metadata_minimal",
        "Metadata with every optional part absent or empty: normal priority, no onward transfer, one empty field, one recipient, retain-until equal to not-before.",
        &s::metadata_minimal()?,
    )?;
    g.ok(
        "metadata_onward_any_with_notice",
        "Metadata of an immediate request whose sender allows onward transfer to any trusted party with notice.",
        &s::metadata_any_with_notice()?,
    )?;
    g.ok(
        "metadata_max_tags",
        "Metadata whose field has sixteen tags, the most a field may have.",
        &s::metadata_max_tags()?,
    )?;
    Ok(())
}

fn custody(g: &mut Generator) -> Result<(), Error> {
    g.ok(
        "custody_event_sealed",
        "A sealed event: sequence 0, zero prev, the whole envelope as sealed.",
        &s::event_sealed()?,
    )?;
    g.ok(
        "custody_event_sent",
        "A sent event naming the receiver's key id.",
        &s::event_sent()?,
    )?;
    g.ok(
        "custody_event_received",
        "A received event (a receipt): the digest of the offered bytes and the receiver's ledger head.",
        &s::event_received()?,
    )?;
    g.ok(
        "custody_event_redacted",
        "A redacted event removing one segment of a field and a whole field, with the new envelope.",
        &s::event_redacted()?,
    )?;
    g.ok(
        "custody_event_forwarded",
        "A forwarded event naming the new recipient's key id, with the new envelope.",
        &s::event_forwarded()?,
    )?;
    g.ok(
        "custody_event_note",
        "A note event, whose text is in the sealed details only.",
        &s::event_note()?,
    )?;
    Ok(())
}

pub(crate) fn ledger_entry(action: LedgerAction, sequence: u64) -> Result<LedgerEntry, Error> {
    let first = sequence == 0;
    let name = action.name();
    let event_kind = match action {
        LedgerAction::Sealed => Some(EventKind::Sealed),
        LedgerAction::Sent => Some(EventKind::Sent),
        LedgerAction::Received => Some(EventKind::Received),
        LedgerAction::Redacted => Some(EventKind::Redacted),
        LedgerAction::Forwarded => Some(EventKind::Forwarded),
        LedgerAction::Note => Some(EventKind::Note),
        LedgerAction::Opened | LedgerAction::Exported => None,
    };
    let partner = match action {
        LedgerAction::Sent | LedgerAction::Received => Some(s::party("fr.pnat")?),
        LedgerAction::Forwarded => Some(s::party("eu.eurojust")?),
        _ => None,
    };
    let priority = match action {
        LedgerAction::Sealed | LedgerAction::Sent => Some(Priority::Urgent),
        LedgerAction::Received => Some(Priority::Immediate),
        LedgerAction::Opened => Some(Priority::Normal),
        _ => None,
    };
    let categories = if matches!(action, LedgerAction::Note | LedgerAction::Exported) {
        CategorySet::from_unsorted(Vec::new())?
    } else {
        CategorySet::from_unsorted(vec![Token::new("content")?, Token::new("subscriber")?])?
    };
    Ok(LedgerEntry {
        line: LedgerLine {
            sequence,
            prev: if first {
                Digest::ZERO
            } else {
                s::digest(&format!("ledger line hash {}", sequence - 1))
            },
            time: Timestamp(T_LATER + sequence * 60),
            actor: s::key_id("de.bka"),
            action,
            package_id: s::package_id(),
            package_digest: s::digest("package digest"),
            event: event_kind.map(|k| EventRef {
                sequence: u64::from(k.tag()),
                prev: s::digest(&format!("event prev {}", k.tag())),
                hash: s::digest(&format!("event hash {}", k.tag())),
            }),
            partner,
            legal_basis: if matches!(action, LedgerAction::Note) {
                None
            } else {
                Some(s::text("Art. 18 Budapest Convention")?)
            },
            categories,
            priority,
            retain_until: if matches!(action, LedgerAction::Exported) {
                None
            } else {
                Some(Timestamp(T_RETAIN))
            },
            fields: match action {
                LedgerAction::Opened => 2,
                LedgerAction::Redacted => 1,
                _ => 0,
            },
            reason: if matches!(action, LedgerAction::Redacted) {
                Some(s::text(
                    "third-party personal data, not covered by the request",
                )?)
            } else {
                None
            },
        },
        signature: Signature(pseudo(&format!("ledger signature {name}"))),
    })
}

fn ledger(g: &mut Generator) -> Result<(), Error> {
    let actions = [
        LedgerAction::Sealed,
        LedgerAction::Sent,
        LedgerAction::Received,
        LedgerAction::Redacted,
        LedgerAction::Forwarded,
        LedgerAction::Note,
        LedgerAction::Opened,
        LedgerAction::Exported,
    ];
    for (action, sequence) in actions.into_iter().zip(0u64..) {
        let name = action.name();
        let description = if sequence == 0 {
            format!("The first ledger line (zero prev), action {name}.")
        } else {
            format!("A ledger line with action {name}.")
        };
        g.ok(
            &format!("ledger_entry_{name}"),
            &description,
            &ledger_entry(action, sequence)?,
        )?;
    }
    Ok(())
}

fn frames(g: &mut Generator) -> Result<(), Error> {
    g.ok(
        "frame_offer",
        "An offer frame: package id, digest and size of the bytes to deliver.",
        &Frame::Offer(Offer {
            package_id: s::package_id(),
            bytes_digest: s::digest("offered bytes"),
            size: 4_453_548,
        }),
    )?;
    g.ok(
        "frame_accept",
        "An accept frame asking for the bytes from an offset.",
        &Frame::Accept { offset: 1 << 20 },
    )?;
    g.ok(
        "frame_data",
        "A data frame of 64 payload bytes at an offset.",
        &Frame::Data {
            offset: 1 << 20,
            payload: Bytes::new(pseudo_vec("data frame payload", 64))?,
        },
    )?;
    g.ok(
        "frame_already_have",
        "An already-have frame carrying the earlier receipt.",
        &Frame::AlreadyHave {
            receipt: s::event_received()?,
        },
    )?;
    let reasons = [
        (
            RejectReason::Malformed,
            "malformed",
            "frame 3 did not decode",
        ),
        (
            RejectReason::TooLarge,
            "too_large",
            "package larger than 64 GiB",
        ),
        (
            RejectReason::DigestMismatch,
            "digest_mismatch",
            "BLAKE3 of the received bytes differs from the offer",
        ),
        (
            RejectReason::VerificationFailed,
            "verification_failed",
            "custody chain does not verify",
        ),
        (
            RejectReason::NotForYou,
            "not_for_you",
            "last event is not a send to fr.pnat",
        ),
        (
            RejectReason::UntrustedSender,
            "untrusted_sender",
            "actor of event 4 is not trusted",
        ),
        (RejectReason::Expired, "expired", "retain-until has passed"),
        (RejectReason::Busy, "busy", ""),
        (
            RejectReason::StoreFailure,
            "store_failure",
            "no space left on device",
        ),
        (RejectReason::Timeout, "timeout", "idle for 120 s"),
        (
            RejectReason::NotEntitled,
            "not_entitled",
            "stanza not committed to this receiver",
        ),
    ];
    for (reason, name, detail) in reasons {
        g.ok(
            &format!("frame_reject_{name}"),
            &format!(
                "A reject frame with reason {name} (code {}).",
                reason as u32
            ),
            &Frame::Reject {
                reason,
                detail: ShortText::new(detail)?,
            },
        )?;
    }
    g.ok(
        "frame_receipt",
        "A receipt frame carrying the receiver's received event.",
        &Frame::Receipt {
            receipt: s::event_received()?,
        },
    )?;
    Ok(())
}
