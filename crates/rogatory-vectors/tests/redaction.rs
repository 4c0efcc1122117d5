//! The redaction vectors in `spec/vectors/redaction` are current, and each
//! gives exactly its outcome, the negative ones with an error that names
//! what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rogatory_vectors::redaction::check_file;
use rogatory_vectors::{
    OK, compare_redaction_dir, generate_redaction, json_files, read_redaction_file, redaction_dir,
};

#[test]
fn redaction_vectors_are_current() {
    let vectors = generate_redaction().expect("the generator refuses its own vectors");
    let diffs = compare_redaction_dir(&redaction_dir(), &vectors).unwrap();
    assert!(
        diffs.is_empty(),
        "the vectors in {} are not current; run `cargo run -p rogatory-vectors`:\n{}",
        redaction_dir().display(),
        diffs.join("\n")
    );
}

/// Each negative vector, the class it must give, and words its error must
/// contain: the error names what is wrong.
const NEGATIVE: &[(&str, &str, &str)] = &[
    (
        "redaction_forged_content_in_slot",
        "segments_come_back",
        "content put into a redacted slot",
    ),
    (
        "redaction_missing_leaf",
        "leaf_missing",
        "a removed leaf is missing",
    ),
    (
        "redaction_unsigned_removal",
        "unsigned_removal",
        "removed without a signed `redacted` event",
    ),
    (
        "redaction_event_lists_other_leaves",
        "removal_list_mismatch",
        "lists other segments than those its envelope removed",
    ),
    ("redaction_stanza_count", "stanza_count", "stanza"),
    (
        "forward_outside_consent",
        "onward_consent",
        "outside the sender's consent",
    ),
    (
        "redaction_stanza_rewrapped_to_third_party",
        "stanza_not_yours",
        "committed to another party",
    ),
    (
        "redaction_stanza_committed_to_third_party",
        "stanza_recipients",
        "the redactor alone",
    ),
    (
        "forward_stanza_smuggled_to_third_party",
        "stanza_not_yours",
        "committed to another party",
    ),
    (
        "sent_outside_consent",
        "onward_consent",
        "a `sent` to xx.none is outside the sender's consent",
    ),
    (
        "redaction_cut_without_key",
        "cut_without_key",
        "without a proof that the redactor held its key",
    ),
    (
        "extract_proof_for_other_root",
        "inclusion_proof",
        "do not lead to the signed Merkle root",
    ),
    (
        "extract_segment_changed",
        "inclusion_proof",
        "do not lead to the signed Merkle root",
    ),
];

#[test]
fn every_redaction_vector_gives_its_outcome() {
    let dir = redaction_dir();
    let names = json_files(&dir).unwrap();
    assert!(names.len() >= 11, "{} vectors", names.len());
    let mut positives = 0;
    for name in names {
        let f = read_redaction_file(&dir.join(&name)).unwrap();
        let got = check_file(&f).unwrap();
        assert_eq!(
            got.outcome, f.expected.outcome,
            "{}: {}",
            f.name, got.detail
        );
        if f.expected.outcome == OK {
            positives += 1;
            assert_eq!(f.kind, "positive");
            continue;
        }
        assert_eq!(f.kind, "negative");
        let (_, class, words) = NEGATIVE
            .iter()
            .find(|(n, _, _)| *n == f.name)
            .unwrap_or_else(|| panic!("{}: not a documented negative vector", f.name));
        assert_eq!(&f.expected.outcome, class, "{}", f.name);
        assert!(
            got.detail.contains(words),
            "{}: the error does not say what is wrong: {}",
            f.name,
            got.detail
        );
    }
    assert!(positives >= 3);
}

#[test]
fn the_required_vectors_exist() {
    let dir = redaction_dir();
    for name in [
        "redaction_redacted_package_verifies",
        "extract_verifies",
        "redaction_forged_content_in_slot",
        "redaction_missing_leaf",
        "redaction_unsigned_removal",
        "redaction_event_lists_other_leaves",
        "extract_proof_for_other_root",
        "redaction_stanza_rewrapped_to_third_party",
        "forward_stanza_smuggled_to_third_party",
        "redaction_cut_without_key",
    ] {
        read_redaction_file(&dir.join(format!("{name}.json"))).unwrap();
    }
}

/// Prints every negative vector's error, for review
/// (`cargo test -p rogatory-vectors --test redaction -- --ignored --nocapture`).
#[test]
#[ignore = "a listing for review, not a check"]
fn list_redaction_errors() {
    let dir = redaction_dir();
    for name in json_files(&dir).unwrap() {
        let f = read_redaction_file(&dir.join(&name)).unwrap();
        println!("{:40} {}", f.name, check_file(&f).unwrap().detail);
    }
}

/// The attacks that the core's chain rules also see are refused by the core
/// alone, without the redaction layer's rules: the layer names them, it does
/// not stand alone between them and acceptance.
#[test]
fn the_core_alone_refuses_the_chain_attacks() {
    use std::io::Cursor;
    let dir = redaction_dir();
    for name in [
        "redaction_forged_content_in_slot",
        "redaction_missing_leaf",
        "redaction_unsigned_removal",
        "redaction_event_lists_other_leaves",
    ] {
        let f = read_redaction_file(&dir.join(format!("{name}.json"))).unwrap();
        let trust = f.trust_store().unwrap();
        let bytes = hex::decode(&f.bytes).unwrap();
        let res = rogatory_core::Package::parse(Cursor::new(bytes)).and_then(|p| p.verify(&trust));
        assert!(res.is_err(), "{name}: the core accepts it");
    }
}
