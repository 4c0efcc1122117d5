//! Decodes arbitrary bytes as a `PartyCard`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{PartyCard, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<PartyCard>(data) {
        let again = encode(&value).expect("a decoded PartyCard must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "PartyCard: decode then encode changed the bytes"
        );
    }
});
