//! Forwarding (spec §12.4): stanzas for the forwarder and the new recipient
//! only, bodies unchanged, the sender's onward-transfer consent enforced by
//! `forward` and checked with a key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::Cursor;

use common::*;
use rogatory_core::Package;
use rogatory_redact::rules::ForwardBasis;
use rogatory_redact::{RedactError, check_without_key};
use rogatory_wire::{OnwardConsent, PartyId};

fn try_forward(bytes: &[u8], w: &World, to: &str) -> Result<Vec<u8>, RedactError> {
    let mut h = held(bytes, &w.redactor, &w.trust);
    h.forward(
        &PartyId::new(to).unwrap(),
        None,
        None,
        Vec::new(),
        &mut rng(60),
    )
    .map(|x| x.writer)
}

#[test]
fn forward_refuses_what_the_sender_did_not_consent_to() {
    let w = world();
    let none = sealed(&w, OnwardConsent::None);
    assert!(matches!(
        try_forward(&none, &w, "nl.om"),
        Err(RedactError::OnwardRefused { .. })
    ));
    let only_nl = sealed(&w, only_to(&["nl.om"]));
    let err = try_forward(&only_nl, &w, "xx.none").unwrap_err();
    assert!(matches!(err, RedactError::OnwardRefused { .. }), "{err}");
    assert!(err.to_string().contains("only to nl.om"), "{err}");
    assert!(try_forward(&only_nl, &w, "nl.om").is_ok());
    // Not to itself, not to a party the trust store does not hold.
    assert!(matches!(
        try_forward(&only_nl, &w, "fr.pnat"),
        Err(RedactError::Usage(_))
    ));
    assert!(try_forward(&only_nl, &w, "it.dna").is_err());
}

#[test]
fn any_with_notice_forwards_the_keys_the_receiver_is_cleared_for() {
    let w = world();
    let pkg = sealed(&w, OnwardConsent::AnyWithNotice);
    let mut h = held(&pkg, &w.redactor, &w.trust);
    let out = h
        .forward(
            &PartyId::new("xx.none").unwrap(),
            None,
            None,
            Vec::new(),
            &mut rng(61),
        )
        .unwrap();
    assert!(out.report.notice_required);
    assert_eq!(out.report.receiver_reads, ["subscriber.csv"]);
    let fwd = out.writer;
    let (before, after) = (parts(&pkg), parts(&fwd));
    assert_eq!(before.bodies, after.bodies, "bodies unchanged");
    assert_eq!(before.trailer.fields, after.trailer.fields);
    assert_eq!(before.trailer.leaves, after.trailer.leaves);
    assert_eq!(after.trailer.stanzas.len(), 2);
    // The receiver holds exactly the keys it is cleared for; the forwarder
    // keeps its own.
    let theirs = bundle_of(&fwd, &w.outsider, &w.trust);
    let held: Vec<bool> = theirs.field_keys.iter().map(Option::is_some).collect();
    assert_eq!(held, [false, true, false]);
    let mine = bundle_of(&fwd, &w.redactor, &w.trust);
    assert!(mine.field_keys.iter().all(Option::is_some));
    // Nobody else: the sender's stanza is gone.
    assert!(
        Package::parse(Cursor::new(fwd.clone()))
            .unwrap()
            .verify(&w.trust)
            .unwrap()
            .unlock(&w.sender, NOW)
            .is_err()
    );
    // Verification with a key reports the forward and its basis.
    let pkg = Package::parse(Cursor::new(fwd.clone())).unwrap();
    check_without_key(&pkg).unwrap();
    let u = pkg
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.outsider, NOW)
        .unwrap();
    let r = u.onward();
    assert_eq!(r.forwards.len(), 1);
    assert_eq!(r.forwards[0].basis, ForwardBasis::AnyWithNotice);
    assert!(r.forwards[0].notice_required);
}

#[test]
fn a_tampered_stanza_list_after_a_forward_is_caught_without_a_key() {
    let w = world();
    let pkg = sealed(&w, only_to(&["nl.om"]));
    let fwd = try_forward(&pkg, &w, "nl.om").unwrap();
    // A third stanza, copied from the sealed package, unsigned.
    let mut p = parts(&fwd);
    p.trailer
        .stanzas
        .push(parts(&pkg).trailer.stanzas[0].clone());
    let bad = p.assemble().unwrap();
    let err = check_without_key(&Package::parse(Cursor::new(bad)).unwrap()).unwrap_err();
    assert_eq!(err.class(), "unsigned_envelope_change", "{err}");
}
