//! Decodes arbitrary bytes as a `EventDetails`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{EventDetails, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<EventDetails>(data) {
        let again = encode(&value).expect("a decoded EventDetails must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "EventDetails: decode then encode changed the bytes"
        );
    }
});
