//! Decodes arbitrary bytes as an `Extract` (rogatory-redact, spec §12.7);
//! whatever decodes must encode back to exactly the input (one accepted
//! encoding). Decoding checks the extract's structural rules; verifying one
//! needs a trust store and is not fuzzed here.
//!
//! The body is `rogatory_vectors::fuzz::decode_extract`, which `cargo test` also runs
//! over the seed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rogatory_vectors::fuzz::decode_extract(data));
