//! Decodes arbitrary bytes as a `Trailer`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{Trailer, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<Trailer>(data) {
        let again = encode(&value).expect("a decoded Trailer must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "Trailer: decode then encode changed the bytes"
        );
    }
});
