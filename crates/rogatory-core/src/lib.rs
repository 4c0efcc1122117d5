//! # rogatory-core
//!
//! Keys, sealing, opening and verifying evidence packages, Merkle
//! commitments, the chain of custody and the access policy (spec §3–§11).
//! Sans-IO in spirit: it streams over `Read`/`Write` and files the caller
//! names, opens no sockets and reads no clock; the caller passes the time in.
//!
//! ```text
//!  forensic tool ──Read──▶ Sealer ──Write──▶ package file
//!                           │ per field: segments → leaves (salted, SHA-256)
//!                           │            plaintext records → STREAM chunks (ChaCha20-Poly1305)
//!                           │ metadata  → AEAD under the metadata key
//!                           │ leaves    → RFC 9162 Merkle root → package digest → Ed25519
//!                           │ keys      → padded bundles → HPKE stanzas
//!                           ▼ `sealed` custody event over the envelope
//!
//!  package file ──▶ Package::parse ──verify(trust)──▶ VerifiedPackage
//!                     ──unlock(identity, now)──▶ UnlockedPackage ──open_field──▶ plaintext
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod actions;
pub mod container;
pub mod crypto;
pub mod custody;
pub mod entitlement;
pub mod error;
pub mod export;
pub mod fsutil;
pub mod identity;
pub mod keyfile;
pub mod ledger;
pub mod lifecycle;
pub mod merkle;
pub mod package;
pub mod report;
pub mod seal;
pub mod secret;
pub mod segment;
pub mod stream;
pub mod time;
pub mod token;
pub mod tree_hash;
pub mod trust;
pub mod wrap;

pub use error::{CoreError, Place, Result};
pub use identity::{Identity, Signer, TlsKey};
pub use package::{Package, UnlockedPackage, VerifiedPackage, VerifyReport};
pub use seal::{FieldSpec, PackageInfo, Recipient, SealedPackage, Sealer};
pub use secret::{Key32, SecretBytes};
pub use trust::TrustStore;

/// The system's cryptographically secure random generator.
pub fn system_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}
