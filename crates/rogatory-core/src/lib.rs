//! # rogatory-core
//!
//! Keys, sealing, opening and verifying evidence packages, Merkle
//! commitments, the chain of custody and the access policy (spec §3–§11).
//! Sans-IO: it streams over `Read`/`Write`, opens no sockets and reads no
//! clock; the caller passes the time in.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
