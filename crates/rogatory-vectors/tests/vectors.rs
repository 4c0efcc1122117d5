//! The wire vectors in `spec/vectors/wire` are current, and every decoder
//! gives exactly the outcome each vector states.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rogatory_vectors::{
    CLASSES, Decoded, MIN_NEGATIVE, MIN_VECTORS, OK, STRUCTURES, compare_dir, decode_as,
    default_dir, encode_json, generate, json_files, read_file,
};

#[test]
fn vectors_are_current() {
    let vectors = generate().expect("the generator refuses its own vectors");
    let diffs = compare_dir(&default_dir(), &vectors).unwrap();
    assert!(
        diffs.is_empty(),
        "the vectors in {} are not current; run `cargo run -p rogatory-vectors`:\n{}",
        default_dir().display(),
        diffs.join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generate().unwrap(), generate().unwrap());
}

fn files() -> Vec<rogatory_vectors::VectorFile> {
    let dir = default_dir();
    json_files(&dir)
        .unwrap()
        .iter()
        .map(|name| read_file(&dir.join(name)).unwrap())
        .collect()
}

#[test]
fn every_decoder_over_every_vector() {
    let files = files();
    assert!(
        !files.is_empty(),
        "no vectors in {}",
        default_dir().display()
    );
    for f in &files {
        assert!(
            STRUCTURES.contains(&f.structure.as_str()),
            "{}: unknown structure {:?}",
            f.name,
            f.structure
        );
        assert!(
            f.outcome == OK || CLASSES.contains(&f.outcome.as_str()),
            "{}: unknown outcome {:?}",
            f.name,
            f.outcome
        );
        assert!(!f.description.is_empty(), "{}: no description", f.name);
        for structure in STRUCTURES {
            // Every decoder must return, never panic, whatever the bytes.
            let got = decode_as(structure, &f.hex).unwrap();
            if structure != f.structure {
                continue;
            }
            assert_eq!(
                got.outcome(),
                f.outcome,
                "{}: decoding as {structure} gave {got:?}",
                f.name
            );
            match got {
                Decoded::Ok { value, reencoded } => {
                    assert_eq!(value, f.value, "{}: decoded value differs", f.name);
                    assert_eq!(reencoded, f.hex, "{}: re-encoding differs", f.name);
                    // The JSON value describes the bytes on its own.
                    let from_json = encode_json(structure, &f.value).unwrap();
                    assert_eq!(from_json, f.hex, "{}: value does not encode to hex", f.name);
                }
                Decoded::Err(_) => {
                    assert!(
                        f.value.is_null(),
                        "{}: a negative vector has a value",
                        f.name
                    );
                }
            }
        }
    }
}

#[test]
fn documented_counts() {
    let files = files();
    let negative = files.iter().filter(|f| f.outcome != OK).count();
    assert!(
        files.len() >= MIN_VECTORS,
        "{} vectors, at least {MIN_VECTORS} documented",
        files.len()
    );
    assert!(
        negative >= MIN_NEGATIVE,
        "{negative} negative vectors, at least {MIN_NEGATIVE} documented"
    );
    // Every structure has a positive vector.
    for structure in STRUCTURES {
        assert!(
            files
                .iter()
                .any(|f| f.structure == structure && f.outcome == OK),
            "no positive vector for {structure}"
        );
    }
}

#[test]
fn required_negative_vectors_exist() {
    let required = [
        "trailing_bytes",
        "length_over_limit",
        "u64_max_length",
        "bad_magic",
        "footer_bad_magic",
        "unknown_version",
        "unknown_suite",
        "invalid_bool",
        "invalid_option_tag",
        "non_utf8_string",
        "invalid_string_uppercase_tag",
        "invalid_party_id",
        "unknown_enum_tag",
        "non_canonical_unsorted_tags",
        "non_canonical_duplicate_tags",
        "non_canonical_segment_ranges_adjacent",
        "non_canonical_unsorted_recipients",
        "truncated_prelude",
        "truncated_event",
        "empty_input",
        "metadata_duplicate_field_names",
        "metadata_not_before_after_retain_until",
        "stanza_lengths_differ",
        "trailer_descriptor_count_mismatch",
        "bad_chunk_size",
        "bad_stream_length",
        "sealed_event_nonzero_sequence",
        "receipt_frame_not_received",
        "data_frame_over_limit",
    ];
    let dir = default_dir();
    for name in required {
        let f = read_file(&dir.join(format!("{name}.json"))).unwrap();
        assert_ne!(f.outcome, OK, "{name} must be negative");
    }
}

/// Prints every negative vector's error, to review that each fails for the
/// reason its name gives (`cargo test -p rogatory-vectors -- --ignored --nocapture`).
#[test]
#[ignore = "a listing for review, not a check"]
fn list_negative_errors() {
    for f in files().iter().filter(|f| f.outcome != OK) {
        if let Decoded::Err(e) = decode_as(&f.structure, &f.hex).unwrap() {
            println!("{:45} {}", f.name, e);
        }
    }
}

fn collect_names(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::String(s) => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_names(x, out)),
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                collect_names(x, out);
            }
        }
        _ => {}
    }
}

/// The positive vectors name every variant of every enum on the wire (serde
/// writes a variant as its name, as a string or as an object key).
#[test]
fn positive_vectors_cover_every_variant() {
    let mut seen = std::collections::BTreeSet::new();
    for f in files().iter().filter(|f| f.outcome == OK) {
        collect_names(&f.value, &mut seen);
    }
    let variants: &[(&str, &[&str])] = &[
        (
            "EventBody",
            &[
                "Sealed",
                "Sent",
                "Received",
                "Redacted",
                "Forwarded",
                "Note",
            ],
        ),
        (
            "Frame",
            &[
                "Offer",
                "Accept",
                "Data",
                "AlreadyHave",
                "Reject",
                "Receipt",
            ],
        ),
        ("FieldBody", &["Present", "Removed"]),
        ("FieldKind", &["Binary", "Text"]),
        ("OnwardConsent", &["None", "Parties", "AnyWithNotice"]),
        ("Priority", &["Normal", "Urgent", "Immediate"]),
        (
            "LedgerAction",
            &[
                "Sealed",
                "Sent",
                "Received",
                "Redacted",
                "Forwarded",
                "Note",
                "Opened",
                "Exported",
            ],
        ),
        (
            "RejectReason",
            &[
                "Malformed",
                "TooLarge",
                "DigestMismatch",
                "VerificationFailed",
                "NotForYou",
                "UntrustedSender",
                "Expired",
                "Busy",
                "StoreFailure",
                "Timeout",
            ],
        ),
    ];
    for (ty, names) in variants {
        for name in *names {
            assert!(seen.contains(*name), "no positive vector has {ty}::{name}");
        }
    }
}
