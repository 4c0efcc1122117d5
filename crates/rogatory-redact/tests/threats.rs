//! THREATS #2 and #8 over a package's whole life: no (key, nonce) pair of
//! ChaCha20-Poly1305 is used for two messages across sealing, custody
//! appends by several parties, redaction and forwarding; and segment salts
//! are unique, so that a dictionary over a small enum field tested against
//! the leaf table finds nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use rogatory_core::actions::{Details, append_event, bytes_digest, receive};
use rogatory_core::crypto::{blake3, details_key, field_keys, metadata_keys};
use rogatory_core::segment::leaf;
use rogatory_core::{Identity, Key32, Signer};
use rogatory_redact::Request;
use rogatory_wire::{Digest, EventBody, FieldBody, FieldKind, PartyId, Text};

/// Every (key, nonce) pair a copy of the package uses, with a digest of the
/// ciphertext it produced: the metadata (one message under its derived key),
/// each event's sealed details (one message under a key derived from a fresh
/// salt) and each chunk of each present field (STREAM nonces under the
/// field's derived key).
fn uses(
    bytes: &[u8],
    keys: &BTreeMap<Digest, Key32>,
    mk: &Key32,
) -> Vec<([u8; 32], [u8; 12], Digest)> {
    let p = parts(bytes);
    let id = p.prelude.package_id;
    let mut out = Vec::new();
    let zero = [0u8; 12];
    let m = metadata_keys(mk, &id);
    out.push((
        *m.aead.expose_secret(),
        zero,
        blake3(p.trailer.metadata_ciphertext.as_slice()),
    ));
    for ev in &p.events {
        let c = &ev.clear;
        let k = details_key(
            mk,
            &id,
            &c.details_salt.0,
            c.body.kind().tag(),
            c.sequence,
            &c.actor,
        );
        out.push((*k.expose_secret(), zero, blake3(ev.details.as_slice())));
    }
    for (d, body) in p.trailer.fields.iter().zip(&p.bodies) {
        let FieldBody::Present { key_commitment, .. } = &d.body else {
            continue;
        };
        let key = keys
            .get(key_commitment)
            .unwrap_or_else(|| panic!("no holder's key for field {}", d.index));
        let aead = *field_keys(key, &id, d.index).aead.expose_secret();
        let chunks: Vec<&[u8]> = body.chunks(65_552).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let mut nonce = [0u8; 12];
            nonce[3..11].copy_from_slice(&(i as u64).to_be_bytes());
            nonce[11] = u8::from(i + 1 == chunks.len());
            out.push((aead, nonce, blake3(chunk)));
        }
    }
    out
}

/// The field keys `who` holds in `bytes`, by their commitments.
fn learn(bytes: &[u8], who: &Identity, w: &World, keys: &mut BTreeMap<Digest, Key32>) -> Key32 {
    let b = bundle_of(bytes, who, &w.trust);
    let id = parts(bytes).prelude.package_id;
    for (i, k) in b.field_keys.iter().enumerate() {
        if let Some(k) = k {
            keys.insert(field_keys(k, &id, i as u32).commitment, k.duplicate());
        }
    }
    b.metadata_key
}

fn note(path: &Path, who: &Identity, w: &World, seed: u8) {
    append_event(
        path,
        who,
        &w.trust,
        at(seed),
        EventBody::Note,
        Details {
            text: Some(Text::new("seen").unwrap()),
            ..Details::default()
        },
        &mut rng(seed),
    )
    .unwrap();
}

/// A time `step` seconds after `NOW`.
fn at(step: u8) -> rogatory_wire::Timestamp {
    rogatory_wire::Timestamp(NOW.0 + u64::from(step))
}

#[test]
fn nonce_reuse_no_key_and_nonce_pair_repeats_over_a_package_life() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n);
    // Sealed (seeded), sent by de.bka, received and noted by fr.pnat.
    let sealed = sealed(&w, only_to(&["nl.om"]));
    std::fs::write(path("sealed.rgt"), &sealed).unwrap();
    append_event(
        &path("sealed.rgt"),
        &w.sender,
        &w.trust,
        at(1),
        EventBody::Sent {
            receiver: w.redactor.key_id(),
        },
        Details {
            counterpart: Some(PartyId::new("fr.pnat").unwrap()),
            ..Details::default()
        },
        &mut rng(11),
    )
    .unwrap();
    std::fs::copy(path("sealed.rgt"), path("fr.rgt")).unwrap();
    receive(
        &path("fr.rgt"),
        &w.redactor,
        &w.trust,
        at(2),
        bytes_digest(&path("sealed.rgt")).unwrap(),
        Digest::ZERO,
        Some(PartyId::new("de.bka").unwrap()),
        &mut rng(12),
    )
    .unwrap();
    note(&path("fr.rgt"), &w.redactor, &w, 13);
    let delivered = std::fs::read(path("fr.rgt")).unwrap();
    // Redacted (a field cut into: re-encrypted under a fresh key) and
    // forwarded by fr.pnat, noted by nl.om.
    let red = redact(
        &delivered,
        &w.redactor,
        &w.trust,
        &Request {
            drop_fields: vec![],
            drop_segments: vec![("chat.txt".into(), segs(&[1, 3]))],
            policy: rogatory_redact::Policy::new(),
        },
        14,
    );
    let fwd = forward(&red, &w.redactor, "nl.om", &w.trust, 15);
    std::fs::write(path("nl.rgt"), &fwd).unwrap();
    note(&path("nl.rgt"), &w.third, &w, 16);
    let noted = std::fs::read(path("nl.rgt")).unwrap();

    let mut keys = BTreeMap::new();
    let mk = learn(&sealed, &w.sender, &w, &mut keys);
    learn(&red, &w.redactor, &w, &mut keys);
    learn(&fwd, &w.third, &w, &mut keys);
    // One message per (key, nonce), wherever it occurs: a copied body or
    // event is the same message.
    let mut seen: BTreeMap<([u8; 32], [u8; 12]), Digest> = BTreeMap::new();
    let copies = [&sealed, &delivered, &red, &fwd, &noted];
    for copy in copies {
        for (k, n, ct) in uses(copy, &keys, &mk) {
            if let Some(earlier) = seen.insert((k, n), ct) {
                assert_eq!(earlier, ct, "a (key, nonce) pair encrypts two messages");
            }
        }
    }
    // Not vacuous: the metadata, seven events (sealed, sent, received,
    // two notes, redacted, forwarded) and every chunk of two versions of
    // chat.txt, subscriber.csv and the 2 MiB disk image.
    assert!(seen.len() >= 1 + 7 + 3 + 33, "{} pairs", seen.len());
    // The re-encrypted field uses another key than the sealed one.
    let sealed_chat = match &parts(&sealed).trailer.fields[0].body {
        FieldBody::Present { key_commitment, .. } => *key_commitment,
        FieldBody::Removed => unreachable!(),
    };
    let red_chat = match &parts(&red).trailer.fields[0].body {
        FieldBody::Present { key_commitment, .. } => *key_commitment,
        FieldBody::Removed => unreachable!(),
    };
    assert_ne!(sealed_chat, red_chat, "a field cut into gets a fresh key");
}

#[test]
fn guessing_a_low_entropy_field_from_its_leaf_finds_nothing() {
    // A field of three possible values, one per line: "yes", "no", "maybe".
    let w = world();
    let values = ["yes\n", "no\n", "maybe\n"];
    let lines: Vec<&str> = (0..30).map(|i| values[i % 3]).collect();
    let recipients = vec![rogatory_core::Recipient::from_trust(
        w.trust.require(&w.redactor.key_id()).unwrap(),
    )];
    let mut s = rogatory_core::Sealer::new(
        Vec::new(),
        &w.sender,
        recipients,
        info(rogatory_wire::OnwardConsent::None),
        NOW,
        rng(21),
    )
    .unwrap();
    s.add_field(
        spec("answers.txt", FieldKind::Text, &["category:content"]),
        &mut lines.concat().as_bytes(),
    )
    .unwrap();
    let pkg = s.seal().unwrap().writer;
    let p = parts(&pkg);
    let id = p.prelude.package_id;
    let table = &p.trailer.leaves.fields[0].leaves;
    let leaves: Vec<Digest> = table.to_vec();
    assert_eq!(leaves.len(), 30);
    // Equal values give different leaves.
    let mut distinct = leaves.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        30,
        "equal segments must not give equal leaves"
    );

    // The attacker without the key tries every value at every position, with
    // every salt it could guess (none, zeros, the package id, the value
    // itself): nothing matches.
    let mut guesses = vec![[0u8; 32], [0xff; 32]];
    let mut pid_salt = [0u8; 32];
    pid_salt[..16].copy_from_slice(&id.0);
    guesses.push(pid_salt);
    let mut found = 0;
    for (s, l) in leaves.iter().enumerate() {
        for v in values {
            let mut own = [0u8; 32];
            own[..v.len()].copy_from_slice(v.as_bytes());
            for salt in guesses.iter().chain([&own, &blake3(v.as_bytes()).0]) {
                if &leaf(&id, 0, s as u32, salt, &blake3(v.as_bytes())) == l {
                    found += 1;
                }
            }
        }
    }
    assert_eq!(found, 0, "the dictionary found values in the leaf table");

    // A holder of the key reads the salts: all distinct, and with them the
    // same dictionary finds every value (the attack is real; the salt stops it).
    let key = bundle_of(&pkg, &w.redactor, &w.trust).field_keys[0]
        .as_ref()
        .unwrap()
        .duplicate();
    let recs = records(&pkg, &key, 0);
    let mut salts: Vec<[u8; 32]> = recs.iter().map(|r| r.1).collect();
    salts.sort_unstable();
    salts.dedup();
    assert_eq!(salts.len(), 30, "a salt repeats");
    for (s, salt, data) in &recs {
        let hits = values
            .iter()
            .filter(|v| leaf(&id, 0, *s, salt, &blake3(v.as_bytes())) == leaves[*s as usize])
            .count();
        assert_eq!(hits, 1);
        assert!(values.contains(&std::str::from_utf8(data).unwrap()));
    }
}
