//! The key file vectors (spec/vectors/keys, spec §3.4, §3.5, §3.8): current, and
//! each gives its outcome.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use rogatory_vectors::keys::{KeyFileVector, compare_keys_dir, generate_keys, keys_dir, read};

#[test]
fn key_file_vectors_are_current_and_give_their_outcomes() {
    let files = generate_keys().unwrap();
    let diffs = compare_keys_dir(&keys_dir(), &files).unwrap();
    assert!(
        diffs.is_empty(),
        "run `cargo run -p rogatory-vectors`:\n{}",
        diffs.join("\n")
    );
    let mut outcomes = Vec::new();
    for entry in std::fs::read_dir(keys_dir()).unwrap() {
        let v: KeyFileVector =
            serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        let (got, opened) = read(
            &hex::decode(&v.file).unwrap(),
            &v.passphrase,
            v.token.as_ref(),
        );
        assert_eq!(got, v.expected.outcome, "{}", v.name);
        assert_eq!(
            opened.as_ref().map(|(p, _)| hex::encode(p)),
            v.expected.key_file
        );
        assert_eq!(opened.map(|(_, k)| k), v.expected.key_id);
        outcomes.push(got);
    }
    outcomes.sort();
    outcomes.dedup();
    assert_eq!(
        outcomes,
        ["bad_file", "ok", "token_key_mismatch", "wrong_passphrase"]
    );
}
