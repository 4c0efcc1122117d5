//! Reads arbitrary bytes as a secret key file or a token key file (spec §3.4,
//! §3.8): a key or a typed error, never a panic, and a key that opens writes
//! back to exactly the input.
//!
//! The body is `rogatory_vectors::fuzz::read_key_file`, which `cargo test` also runs
//! over the seed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rogatory_vectors::fuzz::read_key_file(data));
