//! Decodes arbitrary bytes as a `CustodyEvent`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{CustodyEvent, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<CustodyEvent>(data) {
        let again = encode(&value).expect("a decoded CustodyEvent must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "CustodyEvent: decode then encode changed the bytes"
        );
    }
});
