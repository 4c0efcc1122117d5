//! # rogatory-transport
//!
//! Delivery of packages over QUIC (spec §13): TLS 1.3 with both parties
//! pinned by their cards, the session protocol with resume, the receiver's
//! store and signed receipts. The only crate that runs an async runtime.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
