//! # rogatory-redact
//!
//! The redaction layer (spec §12): removing fields or segments while the
//! sender's signature still verifies, PII detectors and redaction policies,
//! forwarding within the sender's onward-transfer consent, and standalone
//! extracts with Merkle inclusion proofs for courts.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
