//! # rogatory
//!
//! Cross-border exchange of digital evidence, for forensic tools that link
//! it: seal evidence field by field for recipients cleared by access tags,
//! verify and open packages, keep the chain of custody, redact and forward,
//! deliver over mutually authenticated QUIC.
//!
//! This crate re-exports the layers, lowest first:
//! - [`wire`]: the data model and its one canonical encoding (no crypto, no
//!   I/O);
//! - [`core`]: identities and trust stores, sealing, verifying
//!   and opening packages, custody (sans-IO: streams over `Read`/`Write`,
//!   the caller passes the time in);
//! - `transport` (feature `transport`): delivery over QUIC with mutual
//!   authentication by pinned party cards, resume and signed receipts.
//!
//! - `redact` (feature `redact`): removing fields and segments while every
//!   proof holds, PII detectors and redaction policies, forwarding within
//!   the sender's onward-transfer consent, and extracts for courts.
//! - `pkcs11` (feature `pkcs11`): a party's Ed25519 signing key in an HSM
//!   or smartcard, through PKCS#11.
//!
//! ```text
//!  forensic tool ──Read──▶ core::Sealer ──Write──▶ package file
//!  package file ──▶ core::Package::open ──verify(trust)──▶ VerifiedPackage
//!                     ──unlock(identity, now)──▶ UnlockedPackage ──open_field──▶ plaintext
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use rogatory_core as core;
#[cfg(feature = "pkcs11")]
pub use rogatory_pkcs11 as pkcs11;
#[cfg(feature = "redact")]
pub use rogatory_redact as redact;
#[cfg(feature = "transport")]
pub use rogatory_transport as transport;
pub use rogatory_wire as wire;
