//! Parses arbitrary bytes as a redaction policy (rogatory-redact, spec
//! §12.3): TOML rules and user regular expressions. It must never panic, and
//! whatever compiles must be usable: each detector runs over the input.
//!
//! The body is `rogatory_vectors::fuzz::parse_policy`, which `cargo test` also runs
//! over the seed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rogatory_vectors::fuzz::parse_policy(data));
