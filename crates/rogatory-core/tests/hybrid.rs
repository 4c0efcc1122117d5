//! X-Wing hybrid recipients (spec §3.1, §6.3) attacked by parties that hold
//! valid keys and run their own tools: a sender that wraps classically to a
//! hybrid card, a party that copies another's hybrid key into its own card,
//! a party that publishes an X-Wing key whose ML-KEM part is not a key, and
//! a relay that flips bits of a hybrid stanza.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::*;
use ed25519_dalek::{Signer as _, SigningKey};
use rogatory_core::crypto::signed_message;
use rogatory_core::identity::verify_card;
use rogatory_core::seal::Recipient;
use rogatory_core::wrap::{KeyBundle, try_unwrap, wrap};
use rogatory_core::{CoreError, Identity, Key32, Sealer, Signer, TrustStore};
use rogatory_wire::*;

const FIELDS: usize = 2;

fn bundle() -> KeyBundle {
    KeyBundle {
        metadata_key: Key32::from_bytes([0x11; 32]),
        field_keys: vec![Some(Key32::from_bytes([0x22; 32])), None],
    }
}

fn package_id() -> PackageId {
    PackageId([0x5a; 16])
}

/// The stanza an honest sender makes for `to`: X-Wing to a hybrid card.
fn stanza_for(to: &Identity, seed: u8) -> Stanza {
    let card = &to.card().body;
    wrap(
        &bundle(),
        &card.agreement_key,
        card.hybrid_key.as_ref(),
        &to.key_id(),
        &package_id(),
        &mut rng(seed),
    )
    .unwrap()
}

#[test]
fn a_hybrid_card_gets_an_x_wing_stanza_and_opens_it() {
    let bob = hybrid_party("nl.om", 3);
    let s = stanza_for(&bob, 1);
    assert_eq!(s.kem(), StanzaKem::XWing);
    assert_eq!(s.enc().len(), XWingCiphertext::LEN);
    let b = try_unwrap(&s, &bob, &package_id(), FIELDS).expect("bob opens his stanza");
    assert_eq!(b.metadata_key.expose_secret(), &[0x11; 32]);
    // A classical card's stanza has the same ciphertext length (the padding
    // rule holds across kinds).
    let alice = party("fr.pnat", 2);
    let c = stanza_for(&alice, 2);
    assert_eq!(c.kem(), StanzaKem::X25519);
    assert_eq!(c.ciphertext().len(), s.ciphertext().len());
}

/// A sender with valid keys, running its own tool, wraps classically to a
/// hybrid card (the X25519 key is on the card too): the recipient does not
/// open it, so a downgrade cannot pass unnoticed as a normal delivery.
#[test]
fn hybrid_downgrade_a_classical_stanza_to_a_hybrid_card_does_not_open() {
    let bob = hybrid_party("nl.om", 3);
    let downgraded = wrap(
        &bundle(),
        &bob.card().body.agreement_key,
        None,
        &bob.key_id(),
        &package_id(),
        &mut rng(4),
    )
    .unwrap();
    assert_eq!(downgraded.kem(), StanzaKem::X25519);
    assert!(try_unwrap(&downgraded, &bob, &package_id(), FIELDS).is_none());
    assert!(matches!(
        rogatory_core::wrap::unwrap_any(&[downgraded], &bob, &package_id(), FIELDS),
        Err(CoreError::NotARecipient)
    ));
}

/// A relay flips one bit of the ML-KEM ciphertext, of the X25519 share, or
/// of the HPKE ciphertext: the stanza does not open (ML-KEM's implicit
/// rejection gives another secret, so the tag fails), and the error is the
/// uniform one.
#[test]
fn hybrid_stanza_tampered_anywhere_does_not_open() {
    let bob = hybrid_party("nl.om", 3);
    let s = stanza_for(&bob, 5);
    for at in [0, 500, 1087, 1088, 1119] {
        let mut t = s.clone();
        if let Stanza::XWing { enc, .. } = &mut t {
            enc.0[at] ^= 0x01;
        }
        assert!(
            try_unwrap(&t, &bob, &package_id(), FIELDS).is_none(),
            "enc byte {at}"
        );
    }
    let mut t = s.clone();
    let mut ct = t.ciphertext().as_slice().to_vec();
    ct[3] ^= 0x80;
    *t.ciphertext_mut() = Bytes::new(ct).unwrap();
    assert!(try_unwrap(&t, &bob, &package_id(), FIELDS).is_none());
    // The same stanza under another package id does not open either: info
    // binds it to its package.
    assert!(try_unwrap(&s, &bob, &PackageId([0x5b; 16]), FIELDS).is_none());
}

/// An insider copies bob's hybrid key into a card of its own (same X-Wing
/// key, its own signing key) to claim the stanzas wrapped to bob: its key
/// id differs, so even holding bob's seed it would open nothing of bob's.
#[test]
fn a_card_that_reuses_another_cards_hybrid_key_claims_none_of_its_stanzas() {
    let bob = hybrid_party("nl.om", 3);
    let s = stanza_for(&bob, 6);
    // The thief holds the same X-Wing seed (the worst case: it stole it) and
    // X25519 secret, but its own signing key.
    let thief = Identity::from_secrets_with_hybrid(
        PartyId::new("xx.thief").unwrap(),
        &Key32::from_bytes([0x77; 32]),
        &Key32::from_bytes([103; 32]),
        Some(&Key32::from_bytes([203; 32])),
        Digest([3; 32]),
        None,
        Timestamp(1_700_000_000),
        Timestamp(1_900_000_000),
    )
    .unwrap();
    assert_eq!(thief.card().body.hybrid_key, bob.card().body.hybrid_key);
    assert_ne!(thief.key_id(), bob.key_id());
    assert!(try_unwrap(&s, &thief, &package_id(), FIELDS).is_none());
}

/// A party publishes a self-signed card whose X-Wing key has an ML-KEM part
/// that is not a canonical encapsulation key (coefficients of 12 bits all
/// set, beyond the modulus): trust stores refuse the card, and a sender's
/// library refuses such a recipient before it writes a byte.
#[test]
fn a_card_whose_ml_kem_key_is_not_a_key_is_refused_by_trust_and_seal() {
    let signing = SigningKey::from_bytes(&[0x42; 32]);
    let mut body = party("xx.bad", 9).card().body.clone();
    body.signing_key = PublicKey(signing.verifying_key().to_bytes());
    body.hybrid_key = Some(XWingPublicKey([0xff; XWingPublicKey::LEN]));
    let msg = signed_message(labels::SIG_CARD, &[&encode(&body).unwrap()]);
    let card = PartyCard {
        signature: Signature(signing.sign(&msg).to_bytes()),
        body,
    };
    let err = verify_card(&card).unwrap_err();
    assert!(
        matches!(err, CoreError::BadFile { what: "card", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ML-KEM-768"), "{err}");
    let mut trust = TrustStore::new();
    assert!(trust.add(card.clone(), vec![]).is_err());
    assert!(trust.entries().is_empty(), "nothing stored");

    // A library user that builds the recipient by hand from the card.
    let w = world();
    let evil = Recipient {
        party: PartyRef {
            party: card.body.party.clone(),
            key_id: KeyId([0x99; 32]),
        },
        agreement_key: card.body.agreement_key,
        hybrid_key: card.body.hybrid_key,
        clearances: Clearances::from_unsorted(vec![]).unwrap(),
    };
    let mut out = Vec::new();
    let r = Sealer::new(&mut out, &w.sender, vec![evil], info(), NOW, rng(7));
    assert!(r.is_err(), "refused");
    assert!(out.is_empty(), "before anything is written");
}
