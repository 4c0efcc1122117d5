//! Library usage as a forensic tool would write it. Each example runs on its
//! own (`cargo run -p rogatory-examples --example NAME`) in a temporary
//! directory and is also run by the tests of this crate:
//!
//! - `seal_evidence`: a tool that acquired a phone seals a chat export and a
//!   subscriber record for two jurisdictions cleared for different tags,
//!   with its acquisition provenance;
//! - `receive_and_open`: a recipient verifies a package (also the fields it
//!   cannot read), opens what it is cleared for, records a note in the chain
//!   of custody, and exports the chain as CASE/UCO JSON-LD.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
