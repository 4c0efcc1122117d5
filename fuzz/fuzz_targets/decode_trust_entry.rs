//! Decodes arbitrary bytes as a `TrustEntry`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{TrustEntry, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<TrustEntry>(data) {
        let again = encode(&value).expect("a decoded TrustEntry must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "TrustEntry: decode then encode changed the bytes"
        );
    }
});
