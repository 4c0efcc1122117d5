//! Parses arbitrary bytes as a redaction policy (rogatory-redact, spec
//! §12.3): TOML rules and user regular expressions. It must never panic, and
//! whatever compiles must be usable: each detector runs over the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_redact::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(policy) = Policy::parse(text) {
        for rule in policy.rules() {
            for d in &rule.detectors {
                let _ = d.matches(data);
            }
        }
    }
});
