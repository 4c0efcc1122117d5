//! Decodes arbitrary bytes as a `Footer`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{Footer, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<Footer>(data) {
        let again = encode(&value).expect("a decoded Footer must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "Footer: decode then encode changed the bytes"
        );
    }
});
