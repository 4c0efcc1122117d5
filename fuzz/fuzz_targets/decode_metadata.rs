//! Decodes arbitrary bytes as a `Metadata`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{Metadata, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<Metadata>(data) {
        let again = encode(&value).expect("a decoded Metadata must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "Metadata: decode then encode changed the bytes"
        );
    }
});
