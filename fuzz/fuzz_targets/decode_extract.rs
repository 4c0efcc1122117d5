//! Decodes arbitrary bytes as an `Extract` (rogatory-redact, spec §12.7);
//! whatever decodes must encode back to exactly the input (one accepted
//! encoding). Decoding checks the extract's structural rules; verifying one
//! needs a trust store and is not fuzzed here.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_redact::Extract;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = Extract::from_bytes(data) {
        let again = value.to_bytes().expect("a decoded Extract must encode");
        assert_eq!(
            again.as_slice(),
            data,
            "Extract: decode then encode changed the bytes"
        );
    }
});
