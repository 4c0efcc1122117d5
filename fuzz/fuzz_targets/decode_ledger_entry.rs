//! Decodes arbitrary bytes as a `LedgerEntry`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{LedgerEntry, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<LedgerEntry>(data) {
        let again = encode(&value).expect("a decoded LedgerEntry must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "LedgerEntry: decode then encode changed the bytes"
        );
    }
});
