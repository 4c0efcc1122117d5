//! Decodes arbitrary bytes as a `Revocation` statement (spec §3.6, §3.7);
//! whatever decodes must encode back to exactly the input (one accepted
//! encoding).
//!
//! The body is `rogatory_vectors::fuzz::decode_revocation`, which `cargo test` also runs
//! over the seed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rogatory_vectors::fuzz::decode_revocation(data));
