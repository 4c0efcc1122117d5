//! Attacks on a sealed package (THREATS.md #1, #3, #4, #5, #6, #12, #13, #20):
//! every change is caught with a typed error, and nobody who accepts a field
//! gets anything but the signed plaintext.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::Cursor;

use common::*;
use rogatory_core::container::Parts;
use rogatory_core::custody::{ChainHead, sign_event};
use rogatory_core::seal::stanzas_digest;
use rogatory_core::wrap::{KeyBundle, wrap};
use rogatory_core::{CoreError, Key32, Package, Signer};
use rogatory_wire::*;

fn parts(bytes: &[u8]) -> Parts {
    Parts::read(Cursor::new(bytes.to_vec())).unwrap()
}

/// Verifies keylessly, then opens every field alice may read. Returns the
/// first error.
fn check_all(bytes: &[u8], w: &World) -> Result<(), CoreError> {
    let v = Package::parse(Cursor::new(bytes.to_vec()))?.verify(&w.trust)?;
    let mut u = v.unlock(&w.alice, NOW)?;
    for i in 0..3 {
        u.open_field(i, &mut Vec::new())?;
    }
    Ok(())
}

#[test]
fn a_flipped_bit_anywhere_is_caught() {
    let w = world();
    let pkg = sealed(&w, 11);
    assert!(check_all(&pkg, &w).is_ok());
    // Every byte of everything but the 2 MiB disk image, and a spread of
    // positions inside it.
    let disk_len = parts(&pkg).bodies[2].len();
    let disk_start = 28 + parts(&pkg).bodies[0].len() + parts(&pkg).bodies[1].len();
    let mut positions: Vec<usize> = (0..disk_start).collect();
    positions.extend((disk_start..disk_start + disk_len).step_by(65_537));
    positions.extend(disk_start + disk_len..pkg.len());
    for (n, at) in positions.into_iter().enumerate() {
        let mut bad = pkg.clone();
        bad[at] ^= 1 << (n % 8);
        assert!(
            check_all(&bad, &w).is_err(),
            "flip at byte {at} of {} went unnoticed",
            pkg.len()
        );
    }
}

#[test]
fn truncation_and_trailing_garbage_are_caught() {
    let w = world();
    let pkg = sealed(&w, 12);
    for cut in [
        0,
        1,
        27,
        28,
        100,
        pkg.len() / 2,
        pkg.len() - 69,
        pkg.len() - 68,
        pkg.len() - 1,
    ] {
        assert!(check_all(&pkg[..cut], &w).is_err(), "cut at {cut}");
    }
    let mut longer = pkg.clone();
    longer.extend_from_slice(&[0u8; 17]);
    assert!(check_all(&longer, &w).is_err());
}

#[test]
fn a_missing_final_chunk_is_caught_even_when_the_envelope_is_resigned() {
    // The ciphertext of field 2 loses its final chunk. Keyless verification
    // sees the envelope change; and even over an envelope re-signed to match,
    // the STREAM final flag refuses the shortened field.
    let w = world();
    let pkg = sealed(&w, 13);
    let u = Package::parse(Cursor::new(pkg.clone()))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.sender, NOW)
        .unwrap();
    let meta = u.bundle().metadata_key.duplicate();
    let digest = u.package().digest();
    let mut p = parts(&pkg);
    let full = 65_536 + 16;
    let keep = (p.bodies[2].len() / full) * full;
    p.bodies[2].truncate(keep);
    if let FieldBody::Present {
        ciphertext_len,
        ciphertext_digest,
        ..
    } = &mut p.trailer.fields[2].body
    {
        *ciphertext_len = keep as u64;
        *ciphertext_digest = Digest(*blake3::hash(&p.bodies[2]).as_bytes());
    }
    let unsigned = p.assemble().unwrap();
    assert!(matches!(
        Package::parse(Cursor::new(unsigned))
            .unwrap()
            .verify(&w.trust),
        Err(CoreError::Tampered { .. })
    ));
    resign_envelope(&mut p, &w, &meta, digest);
    let mut ua = Package::parse(Cursor::new(p.assemble().unwrap()))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.alice, NOW)
        .unwrap();
    assert!(matches!(
        ua.open_field(2, &mut Vec::new()),
        Err(CoreError::Decryption { .. })
    ));
}

/// A malicious sender: gives bob a different key for field 0 than alice,
/// and signs everything honestly over that envelope.
#[test]
fn recipients_given_different_keys_for_one_field() {
    let w = world();
    let pkg = sealed(&w, 14);
    // The sender opens its own stanza to learn every key.
    let u = Package::parse(Cursor::new(pkg.clone()))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.sender, NOW)
        .unwrap();
    let id = u.package().package_id();
    let digest = u.package().digest();
    let b = u.bundle();
    let mut p = parts(&pkg);
    // Find bob's stanza and replace it with one whose field-1 key is another.
    let bob_stanza = (0..p.trailer.stanzas.len())
        .find(|&i| rogatory_core::wrap::try_unwrap(&p.trailer.stanzas[i], &w.bob, &id, 3).is_some())
        .unwrap();
    let evil = KeyBundle {
        metadata_key: b.metadata_key.duplicate(),
        field_keys: vec![None, Some(Key32::from_bytes([0xee; 32])), None],
    };
    let bob_card = &w.bob.card().body;
    p.trailer.stanzas[bob_stanza] = wrap(
        &evil,
        &bob_card.agreement_key,
        bob_card.hybrid_key.as_ref(),
        &w.bob.key_id(),
        &id,
        &mut rng(99),
    )
    .unwrap();
    resign_envelope(&mut p, &w, &b.metadata_key, digest);
    let bytes = p.assemble().unwrap();
    // Everything a keyless verifier checks holds: the sender signed it all.
    let v = Package::parse(Cursor::new(bytes.clone()))
        .unwrap()
        .verify(&w.trust)
        .unwrap();
    // Bob, given the uncommitted key, is refused with the uniform error.
    let mut ub = v.unlock(&w.bob, NOW).unwrap();
    assert!(matches!(
        ub.open_field(1, &mut Vec::new()),
        Err(CoreError::Decryption { .. })
    ));
    // Alice, who accepts, gets exactly the signed plaintext.
    let mut ua = Package::parse(Cursor::new(bytes))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.alice, NOW)
        .unwrap();
    let mut out = Vec::new();
    ua.open_field(1, &mut out).unwrap();
    assert_eq!(out, SUBSCRIBER);
}

#[test]
fn a_stanza_swapped_or_added_without_a_signed_envelope_is_refused() {
    let w = world();
    let pkg = sealed(&w, 15);
    let mut p = parts(&pkg);
    let extra = p.trailer.stanzas[0].clone();
    p.trailer.stanzas.push(extra);
    let err = Package::parse(Cursor::new(p.assemble().unwrap()))
        .unwrap()
        .verify(&w.trust)
        .unwrap_err();
    assert!(matches!(err, CoreError::Tampered { .. }), "{err}");
}

#[test]
fn a_field_moved_to_another_index_or_package_fails() {
    let w = world();
    let a = sealed(&w, 16);
    let b = sealed(&w, 17);
    // Swap fields 0 and 1 within one package, descriptors and all.
    let mut p = parts(&a);
    p.bodies.swap(0, 1);
    let (f0, f1) = (
        p.trailer.fields[0].body.clone(),
        p.trailer.fields[1].body.clone(),
    );
    p.trailer.fields[0].body = f1;
    p.trailer.fields[1].body = f0;
    assert!(p.assemble().map_or(true, |b| check_all(&b, &w).is_err()));
    // Take field 1 from package b into package a.
    let pb = parts(&b);
    let mut p = parts(&a);
    p.bodies[1] = pb.bodies[1].clone();
    p.trailer.fields[1] = pb.trailer.fields[1].clone();
    assert!(p.assemble().map_or(true, |b| check_all(&b, &w).is_err()));
}

#[test]
fn a_flipped_suite_or_version_is_refused() {
    let w = world();
    let pkg = sealed(&w, 18);
    for (at, what) in [(8usize, "version"), (10, "suite")] {
        let mut bad = pkg.clone();
        bad[at] ^= 2;
        let err = check_all(&bad, &w).unwrap_err();
        assert!(matches!(err, CoreError::Malformed { .. }), "{what}: {err}");
    }
}

#[test]
fn a_low_order_stanza_key_is_not_a_recipient() {
    let w = world();
    let pkg = sealed(&w, 19);
    let mut p = parts(&pkg);
    for s in &mut p.trailer.stanzas {
        if let Stanza::X25519 { enc, .. } = s {
            *enc = PublicKey([0; 32]);
        }
    }
    // The envelope changed, so keyless verification fails; the stanza itself
    // must also fail uniformly when tried directly.
    let id = p.prelude.package_id;
    for s in &p.trailer.stanzas {
        assert!(rogatory_core::wrap::try_unwrap(s, &w.alice, &id, 3).is_none());
    }
    assert!(
        Package::parse(Cursor::new(p.assemble().unwrap()))
            .unwrap()
            .verify(&w.trust)
            .is_err()
    );
}

#[test]
fn a_recipient_with_a_low_order_key_cannot_be_sealed_to() {
    // Cards are self-signed, so build a recipient by hand.
    let w = world();
    let mut r = recipients(&w, &[&w.alice]);
    r[0].agreement_key = PublicKey([0; 32]);
    let res = rogatory_core::Sealer::new(Vec::new(), &w.sender, r, info(), NOW, rng(1));
    assert!(matches!(res, Err(CoreError::Usage(_))));
}

#[test]
fn a_non_canonical_signature_is_refused() {
    let w = world();
    let pkg = sealed(&w, 20);
    let mut p = parts(&pkg);
    // S + L: the same signature in a second encoding (malleability).
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let sig = &mut p.trailer.signature.signature.0;
    let mut carry = 0u16;
    for i in 0..32 {
        let s = u16::from(sig[32 + i]) + u16::from(L[i]) + carry;
        sig[32 + i] = s as u8;
        carry = s >> 8;
    }
    let err = Package::parse(Cursor::new(p.assemble().unwrap()))
        .unwrap()
        .verify(&w.trust)
        .unwrap_err();
    assert!(matches!(err, CoreError::BadSignature { .. }), "{err}");
}

/// Re-signs the `sealed` event over the package's current envelope, as the
/// sender would: for attacks by a party who can sign an envelope.
fn resign_envelope(p: &mut Parts, w: &World, metadata_key: &Key32, digest: Digest) {
    // The stanzas are unchanged: so are their recipient commitments.
    let EventBody::Sealed { envelope: sealed } = &p.events[0].clear.body else {
        unreachable!("the first event is `sealed`")
    };
    let envelope = EnvelopeRecord {
        fields: p.trailer.fields.clone(),
        stanzas_digest: stanzas_digest(&p.trailer.stanzas).unwrap(),
        ..sealed.clone()
    };
    p.events[0] = sign_event(
        &w.sender,
        metadata_key,
        &p.prelude.package_id,
        digest,
        None::<ChainHead>,
        NOW,
        EventBody::Sealed { envelope },
        &EventDetails {
            actor: w.sender.party().clone(),
            counterpart: None,
            reason: text(""),
            legal_basis: text(""),
            text: text(""),
        },
        &mut rng(97),
    )
    .unwrap();
}

#[test]
fn a_key_holders_forgery_is_caught_by_the_leaf() {
    // Whoever holds the key of field 1 can write a new ciphertext that
    // passes the AEAD. Even with an envelope signed over it (the strongest
    // case: a signer of envelope events), the segment does not match its
    // signed leaf and no byte of it is released.
    let w = world();
    let pkg = sealed(&w, 21);
    let u = Package::parse(Cursor::new(pkg.clone()))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.sender, NOW)
        .unwrap();
    let id = u.package().package_id();
    let digest = u.package().digest();
    let key = u.bundle().field_keys[1].as_ref().unwrap().duplicate();
    let meta = u.bundle().metadata_key.duplicate();
    let mut p = parts(&pkg);
    let keys = rogatory_core::crypto::field_keys(&key, &id, 1);
    let mut plain = Vec::new();
    for (i, line) in [&b"name,msisdn\n"[..], b"Jane Roe,+49151999999\n"]
        .iter()
        .enumerate()
    {
        rogatory_core::segment::put_record_header(&mut plain, i as u32, &[7; 32], line.len());
        plain.extend_from_slice(line);
    }
    let mut enc = rogatory_core::stream::StreamEncryptor::new(
        &keys.aead,
        rogatory_core::stream::field_aad(&id, 1),
        Vec::new(),
    );
    enc.write_all(&plain).unwrap();
    let (ct, len, ct_digest) = enc.finish().unwrap();
    p.bodies[1] = ct;
    if let FieldBody::Present {
        ciphertext_len,
        ciphertext_digest,
        ..
    } = &mut p.trailer.fields[1].body
    {
        *ciphertext_len = len;
        *ciphertext_digest = ct_digest;
    }
    resign_envelope(&mut p, &w, &meta, digest);
    let bytes = p.assemble().unwrap();
    let mut ub = Package::parse(Cursor::new(bytes))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.bob, NOW)
        .unwrap();
    let mut out = Vec::new();
    let err = ub.open_field(1, &mut out).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Tampered {
                place: rogatory_core::Place::Segment {
                    field: 1,
                    segment: 0
                },
                ..
            }
        ),
        "{err}"
    );
    assert!(
        out.is_empty(),
        "no byte of an unverified segment is released"
    );
}

#[test]
fn unsafe_field_names_never_become_paths() {
    for name in [
        "../x", "/etc/x", "a/b", "..", ".hidden", "c:\\x", "a\\b", "",
    ] {
        assert!(
            rogatory_core::package::safe_file_name(name).is_err(),
            "{name:?}"
        );
    }
    assert!(rogatory_core::package::safe_file_name("chat log 2026.txt").is_ok());
    assert!(rogatory_core::package::safe_file_name("Überwachung 2026 – Protokoll.txt").is_ok());
}

/// Names that read as other names (spec §2.2): a bidi override that turns
/// `txt.exe` into `exe.txt` on screen, zero-width characters, a byte order
/// mark, a line separator. The sealer refuses them, before writing a byte,
/// by the same rule `open` applies.
#[test]
fn field_names_that_are_not_portable_are_refused_when_sealing() {
    let w = world();
    for name in [
        "invoice\u{202e}txt.exe",
        "chat\u{200b}.txt",
        "\u{feff}chat.txt",
        "a\u{2028}b",
        "tag\u{e0041}.txt",
        "../x",
        "CON.txt",
    ] {
        assert!(
            rogatory_core::package::safe_file_name(name).is_err(),
            "{name:?}"
        );
        let mut s = rogatory_core::Sealer::new(
            Vec::new(),
            &w.sender,
            recipients(&w, &[&w.alice]),
            info(),
            NOW,
            rng(35),
        )
        .unwrap();
        let err = s
            .add_field(
                spec(name, FieldKind::Text, &["category:content"]),
                &mut &b"x"[..],
            )
            .unwrap_err();
        assert!(
            matches!(err, CoreError::UnsafeFieldName { .. }),
            "{name:?}: {err}"
        );
        // The sealer is still usable: nothing was written for that field.
        s.add_field(
            spec("ok.txt", FieldKind::Text, &["category:content"]),
            &mut &b"x"[..],
        )
        .unwrap();
    }
}

/// Lazy verification hashes each field as it is opened: a ciphertext that
/// does not match its (signed) envelope digest yields no output file, and
/// the fields not opened are hashed by `finish_verification`.
#[test]
fn lazy_verification_checks_digests_while_opening() {
    let w = world();
    let pkg = sealed(&w, 22);
    let u = Package::parse(Cursor::new(pkg.clone()))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.sender, NOW)
        .unwrap();
    let meta = u.bundle().metadata_key.duplicate();
    let digest = u.package().digest();
    // The honest package: lazy opening gives the same bytes and report.
    let mut lazy = Package::parse(Cursor::new(pkg.clone()))
        .unwrap()
        .verify_lazily(&w.trust)
        .unwrap()
        .unlock(&w.alice, NOW)
        .unwrap();
    let mut out = Vec::new();
    lazy.open_field(2, &mut out).unwrap();
    assert_eq!(out, disk());
    let report = lazy.finish_verification().unwrap();
    assert!(report.fields.iter().all(|f| f.ciphertext_digest.is_some()));
    // A signed envelope whose digest for field 2 is wrong.
    let mut p = Parts::read(Cursor::new(pkg)).unwrap();
    if let FieldBody::Present {
        ciphertext_digest, ..
    } = &mut p.trailer.fields[2].body
    {
        ciphertext_digest.0[0] ^= 1;
    }
    resign_envelope(&mut p, &w, &meta, digest);
    let bytes = p.assemble().unwrap();
    assert!(
        Package::parse(Cursor::new(bytes.clone()))
            .unwrap()
            .verify(&w.trust)
            .is_err()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut lazy = Package::parse(Cursor::new(bytes.clone()))
        .unwrap()
        .verify_lazily(&w.trust)
        .unwrap()
        .unlock(&w.alice, NOW)
        .unwrap();
    assert!(matches!(
        lazy.open_field_to_dir(2, dir.path()),
        Err(CoreError::Tampered { .. })
    ));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no output, no partial file"
    );
    let mut lazy = Package::parse(Cursor::new(bytes))
        .unwrap()
        .verify_lazily(&w.trust)
        .unwrap()
        .unlock(&w.alice, NOW)
        .unwrap();
    lazy.open_field(0, &mut Vec::new()).unwrap();
    assert!(matches!(
        lazy.finish_verification(),
        Err(CoreError::Tampered { .. })
    ));
}

/// THREATS #1: a sender who wraps a key bundle of another length (here one
/// slot more than the package has fields) to a recipient gets the same
/// uniform error as a stanza with a flipped tag: the length is checked
/// before any key agreement, and neither failure says why.
#[test]
fn one_ciphertext_two_plaintexts_a_wrong_bundle_length_fails_like_a_bad_tag() {
    use rogatory_core::wrap::try_unwrap;
    let w = world();
    let pkg = sealed(&w, 31);
    let u = Package::parse(Cursor::new(pkg.clone()))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.sender, NOW)
        .unwrap();
    let (meta, digest, id) = (
        u.bundle().metadata_key.duplicate(),
        u.package().digest(),
        u.package().package_id(),
    );
    let n = u.package().trailer().fields.len();
    let parties = [&w.sender, &w.alice, &w.bob];

    // Every stanza re-wrapped, by the sender, with one slot too many (the
    // trailer requires one length for all), the envelope re-signed.
    let mut long = parts(&pkg);
    for s in long.trailer.stanzas.iter_mut() {
        let holder = parties
            .iter()
            .find(|p| try_unwrap(s, p, &id, n).is_some())
            .unwrap();
        let mut keys: Vec<Option<Key32>> = (0..n).map(|_| None).collect();
        keys.push(Some(Key32::from_bytes([9; 32])));
        *s = wrap(
            &KeyBundle {
                metadata_key: meta.duplicate(),
                field_keys: keys,
            },
            &holder.card().body.agreement_key,
            holder.card().body.hybrid_key.as_ref(),
            &holder.key_id(),
            &id,
            &mut rng(32),
        )
        .unwrap();
    }
    resign_envelope(&mut long, &w, &meta, digest);
    // One stanza's tag flipped, the envelope re-signed.
    let mut flipped = parts(&pkg);
    for s in flipped.trailer.stanzas.iter_mut() {
        let mut ct = s.ciphertext().as_slice().to_vec();
        let last = ct.len() - 1;
        ct[last] ^= 1;
        *s.ciphertext_mut() = Bytes::new(ct).unwrap();
    }
    resign_envelope(&mut flipped, &w, &meta, digest);

    let unlock = |p: &Parts| {
        Package::parse(Cursor::new(p.assemble().unwrap()))
            .unwrap()
            .verify(&w.trust)
            .unwrap()
            .unlock(&w.alice, NOW)
            .unwrap_err()
    };
    let (a, b) = (unlock(&long), unlock(&flipped));
    assert!(matches!(a, CoreError::NotARecipient), "{a}");
    assert!(matches!(b, CoreError::NotARecipient), "{b}");
    assert_eq!(a.to_string(), b.to_string(), "the errors are one");
}

/// THREATS #17: a sender's card retired in the trust store (its key
/// rotated) still verifies the packages and events it signed; it is no
/// longer chosen as the party's current card.
#[test]
fn key_compromise_rotation_an_old_package_verifies_after_its_senders_card_is_retired() {
    let w = world();
    let pkg = sealed(&w, 33);
    let mut trust = w.trust.clone();
    trust.retire(&w.sender.key_id()).unwrap();
    // The successor card of de.bka, trusted beside the retired one.
    let successor = party("de.bka", 41);
    trust.add(successor.card().clone(), vec![]).unwrap();
    let v = Package::parse(Cursor::new(pkg))
        .unwrap()
        .verify(&trust)
        .unwrap();
    assert_eq!(v.report().sender.as_str(), "de.bka");
    let mut u = v.unlock(&w.alice, NOW).unwrap();
    let mut out = Vec::new();
    u.open_field(0, &mut out).unwrap();
    assert_eq!(out, CHAT);
    // New packages go to, and come from, the successor only.
    let current = trust.current(w.sender.party(), NOW).unwrap();
    assert_eq!(current.key_id, successor.key_id());
}
