//! Decodes arbitrary bytes as a `Frame`; whatever decodes must encode back
//! to exactly the input (one accepted encoding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_wire::{Frame, decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = decode::<Frame>(data) {
        let again = encode(&value).expect("a decoded Frame must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "Frame: decode then encode changed the bytes"
        );
    }
});
