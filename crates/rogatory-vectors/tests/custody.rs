//! The custody vectors (spec/vectors/custody): current, and each one's
//! outcome, with the event and the rule named, is what the core gives.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use rogatory_vectors::custody::{CustodyFile, check_custody_file};
use rogatory_vectors::{compare_custody_dir, custody_dir, generate_custody};

#[test]
fn custody_vectors_are_current() {
    let vectors = generate_custody().unwrap();
    let diffs = compare_custody_dir(&custody_dir(), &vectors).unwrap();
    assert!(
        diffs.is_empty(),
        "the custody vectors are not current; run `cargo run -p rogatory-vectors`:\n{}",
        diffs.join("\n")
    );
}

#[test]
fn every_custody_vector_gives_its_event_and_rule() {
    let mut negative = 0;
    let mut names = Vec::new();
    for entry in std::fs::read_dir(custody_dir()).unwrap() {
        let path = entry.unwrap().path();
        let f: CustodyFile =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        check_custody_file(&f).unwrap();
        if f.kind == "negative" {
            negative += 1;
            assert!(
                f.expected.event.is_some() && f.expected.rule.is_some(),
                "{}",
                f.name
            );
        }
        names.push(f.name);
    }
    for required in [
        "custody_reordered",
        "custody_dropped_middle",
        "custody_moved_from_other_package",
        "custody_forged_signature",
        "custody_fork",
        "custody_unknown_actor",
        "custody_time_goes_back",
        "custody_received_without_sent",
        "custody_envelope_swapped_without_redaction",
        "custody_sealed_details_nonce_reused",
    ] {
        assert!(names.iter().any(|n| n == required), "{required} is missing");
    }
    assert!(negative >= 10);
}
