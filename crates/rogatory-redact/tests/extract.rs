//! Extracts (spec §12.7): built from a package a holder reads, verified
//! standalone against a trust store; proofs of logarithmic size; every
//! change caught with an error that names it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use rogatory_core::seal::Recipient;
use rogatory_core::{Sealer, Signer};
use rogatory_redact::{Extract, RedactError, Request, parse_ranges, verify_extract};
use rogatory_wire::{Bytes, Digest, FieldKind};

fn forwarded_package(w: &World) -> Vec<u8> {
    let pkg = sealed(w, only_to(&["nl.om"]));
    let red = redact(
        &pkg,
        &w.redactor,
        &w.trust,
        &Request {
            drop_segments: vec![("chat.txt".into(), segs(&[1, 3]))],
            ..Request::default()
        },
        31,
    );
    forward(&red, &w.redactor, "nl.om", &w.trust, 32)
}

fn class(e: RedactError) -> &'static str {
    e.class()
}

#[test]
fn an_extract_verifies_standalone_and_round_trips() {
    let w = world();
    let fwd = forwarded_package(&w);
    let mut h = held(&fwd, &w.third, &w.trust);
    let x = h
        .extract("chat.txt", Some(&parse_ranges("0,2,5").unwrap()))
        .unwrap();
    let bytes = x.to_bytes().unwrap();
    let back = Extract::from_bytes(&bytes).unwrap();
    assert_eq!(back, x);
    let r = verify_extract(&back, &w.trust).unwrap();
    assert_eq!(r.sender.as_str(), "de.bka");
    assert_eq!(r.metadata.case_reference.as_str(), "CASE-2026-0042");
    assert_eq!(r.segments.len(), 3);
    assert!(r.segments.iter().all(|s| s.name == "chat.txt"));
    assert_eq!(
        r.segments.iter().map(|s| s.segment).collect::<Vec<_>>(),
        [0, 2, 5]
    );
    assert_eq!(r.segments[1].size, CHAT_LINES[2].len() as u64);
    let kinds: Vec<&str> = r.custody.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["sealed", "redacted", "forwarded"]);
    assert_eq!(r.onward.forwards.len(), 1);
    // The data is the plaintext of the segments.
    assert_eq!(x.segments[2].data.as_slice(), CHAT_LINES[5].as_bytes());
    // The whole field by default: its present segments.
    let all = h.extract("chat.txt", None).unwrap();
    assert_eq!(
        all.segments.iter().map(|s| s.segment).collect::<Vec<_>>(),
        [0, 2, 4, 5]
    );
    verify_extract(&all, &w.trust).unwrap();
}

#[test]
fn what_cannot_be_extracted_is_refused() {
    let w = world();
    let fwd = forwarded_package(&w);
    let mut h = held(&fwd, &w.third, &w.trust);
    // A removed segment, a segment past the field, a field nl.om cannot read.
    assert!(matches!(
        h.extract("chat.txt", Some(&segs(&[1]))),
        Err(RedactError::Usage(_))
    ));
    assert!(matches!(
        h.extract("chat.txt", Some(&segs(&[6]))),
        Err(RedactError::NoSuchSegment { .. })
    ));
    assert!(matches!(
        h.extract("disk.img", None),
        Err(RedactError::Core(
            rogatory_core::CoreError::NotCleared { .. }
        ))
    ));
    assert!(matches!(
        h.extract("nothing", None),
        Err(RedactError::NoSuchField(_))
    ));
}

#[test]
fn every_change_to_an_extract_is_caught_with_its_name() {
    let w = world();
    let fwd = forwarded_package(&w);
    let x = held(&fwd, &w.third, &w.trust)
        .extract("chat.txt", Some(&segs(&[0, 2, 5])))
        .unwrap();
    let check = |x: &Extract| verify_extract(x, &w.trust).map(|_| ()).map_err(class);

    let mut e = x.clone();
    e.segments[1].data = Bytes::new(b"2026-01-02 alice: bring the SD card\n".to_vec()).unwrap();
    assert_eq!(check(&e), Err("inclusion_proof"));
    let mut e = x.clone();
    e.segments[1].salt.0[0] ^= 1;
    assert_eq!(check(&e), Err("inclusion_proof"));
    let mut e = x.clone();
    e.segments[1].proof[0].0[0] ^= 1;
    assert_eq!(check(&e), Err("inclusion_proof"));
    let mut e = x.clone();
    e.segments[1].segment = 4; // the proof of another position
    assert_eq!(check(&e), Err("inclusion_proof"));
    let mut e = x.clone();
    e.root.0[0] ^= 1;
    assert_eq!(check(&e), Err("package_signature"));
    let mut e = x.clone();
    e.leaf_counts[0] += 1; // the per-field counts are signed too
    assert_eq!(check(&e), Err("package_signature"));
    let mut e = x.clone();
    e.metadata_key.0[0] ^= 1;
    assert_eq!(check(&e), Err("metadata_commitment"));
    let mut e = x.clone();
    e.events.pop();
    assert!(
        check(&e).is_ok(),
        "a cut tail is not detectable from the chain alone"
    );
    let mut e = x.clone();
    e.events.remove(1); // the redaction: the forward now changes the field
    assert_eq!(check(&e), Err("change_without_redaction"));
    let mut e = x.clone();
    e.events[2].signature.0[0] ^= 1;
    assert_eq!(check(&e), Err("custody"));
    // An unknown sender.
    let mut trust = rogatory_core::TrustStore::new();
    trust.add(w.third.card().clone(), vec![]).unwrap();
    assert!(matches!(
        verify_extract(&x, &trust),
        Err(RedactError::Core(
            rogatory_core::CoreError::UnknownParty { .. }
        ))
    ));
}

#[test]
fn malformed_extract_bytes_are_refused() {
    let w = world();
    let fwd = forwarded_package(&w);
    let x = held(&fwd, &w.third, &w.trust)
        .extract("chat.txt", Some(&segs(&[0, 2])))
        .unwrap();
    let bytes = x.to_bytes().unwrap();
    for cut in [0, 1, 8, 40, bytes.len() / 2, bytes.len() - 1] {
        assert!(Extract::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Extract::from_bytes(&longer).is_err());
    let mut magic = bytes.clone();
    magic[0] ^= 1;
    assert!(Extract::from_bytes(&magic).is_err());
    // Segments out of order are not canonical.
    let mut e = x.clone();
    e.segments.swap(0, 1);
    assert!(e.to_bytes().is_err());
    // The disclosure tag must name a known variant.
    let at = 8 + 28;
    let mut tag = bytes.clone();
    tag[at] = 7;
    assert!(Extract::from_bytes(&tag).is_err());
    // A count of u64::MAX is refused before any allocation.
    let mut huge = bytes[..at + 4 + 96].to_vec();
    huge.extend_from_slice(&u64::MAX.to_le_bytes());
    assert!(Extract::from_bytes(&huge).is_err());
}

/// A package of one text field of `n` one-line segments.
fn lines_package(w: &World, n: usize) -> Vec<u8> {
    let recipients = vec![Recipient::from_trust(
        w.trust.require(&w.redactor.key_id()).unwrap(),
    )];
    let mut s = Sealer::new(
        Vec::new(),
        &w.sender,
        recipients,
        info(rogatory_wire::OnwardConsent::None),
        NOW,
        rng(33),
    )
    .unwrap();
    let text: String = (0..n).map(|i| format!("line {i}\n")).collect();
    s.add_field(
        spec("log.txt", FieldKind::Text, &["category:content"]),
        &mut text.as_bytes(),
    )
    .unwrap();
    s.seal().unwrap().writer
}

#[test]
fn proof_size_grows_with_the_log_of_the_leaf_count() {
    let w = world();
    let mut last_max = 0;
    for (n, log2) in [
        (1usize, 0usize),
        (2, 1),
        (3, 2),
        (16, 4),
        (17, 5),
        (1024, 10),
        (4096, 12),
    ] {
        let pkg = lines_package(&w, n);
        let x = held(&pkg, &w.redactor, &w.trust)
            .extract("log.txt", None)
            .unwrap();
        assert_eq!(x.segments.len(), n);
        let lens: Vec<usize> = x.segments.iter().map(|s| s.proof.len()).collect();
        let max = *lens.iter().max().unwrap();
        assert_eq!(max, log2, "n = {n}: longest proof");
        if n.is_power_of_two() {
            assert!(lens.iter().all(|&l| l == log2), "n = {n}: a perfect tree");
        }
        assert!(max >= last_max);
        last_max = max;
        let r = verify_extract(&x, &w.trust).unwrap();
        assert_eq!(r.tree_size, n as u64);
        // An extract of one segment is small whatever the tree size.
        let one = held(&pkg, &w.redactor, &w.trust)
            .extract("log.txt", Some(&segs(&[(n - 1) as u32])))
            .unwrap();
        assert!(one.segments[0].proof.len() <= log2);
        assert!(one.to_bytes().unwrap().len() < 4096 + 32 * log2 + one.metadata_ciphertext.len());
    }
    let _ = Digest::ZERO;
}
