//! # rogatory
//!
//! Cross-border exchange of digital evidence, for forensic tools that link
//! it: seal evidence field by field for recipients cleared by access tags,
//! verify and open packages, keep the chain of custody, redact and forward,
//! deliver over mutually authenticated QUIC.
//!
//! This crate re-exports the layers:
//! [`wire`] (formats), [`core`](crate::core) (sealing, opening, custody),
//! [`redact`] and [`transport`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use rogatory_wire as wire;
