//! Decodes arbitrary bytes as a `Prelude`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{Prelude, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<Prelude>(data) {
        let again = encode(&value).expect("a decoded Prelude must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "Prelude: decode then encode changed the bytes"
        );
    }
});
