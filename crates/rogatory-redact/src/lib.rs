//! # rogatory-redact
//!
//! The redaction layer (spec §12): removing fields or segments while the
//! sender's signature still verifies, PII detectors and redaction policies,
//! forwarding within the sender's onward-transfer consent, and standalone
//! extracts with Merkle inclusion proofs for courts.
//!
//! ```text
//!  package ──HeldPackage::open(path, identity, trust, now)──▶ verified, unlocked
//!     │   (core verify + the keyless rules of §12.5 + onward consent)
//!     ├─ plan(&Request)            drop-field / drop-segments / policy detectors
//!     │                            ─▶ Plan: by field and segment, with reasons (dry run)
//!     ├─ redact(&plan, reason, legal basis, out, rng)
//!     │     untouched bodies copied byte for byte; a touched field decrypted and
//!     │     re-encrypted segment by segment under a fresh key, without the removed
//!     │     segments (their leaves stay); one stanza for the redactor; `redacted` event
//!     ├─ forward(&party, reason, legal basis, out, rng)
//!     │     bodies unchanged; stanzas [forwarder, new recipient]; `forwarded` event;
//!     │     refused outside the sender's consent
//!     └─ extract(field, segments) ─▶ Extract ─verify_extract(trust)─▶ ExtractReport
//! ```
//!
//! A verifier with no key runs [`check_without_key`] before the core's
//! `Package::verify`; the onward-consent checks that need a recipient's key
//! are made by the core when it unlocks, and [`onward_report`] gives what
//! they found. Both are part of what [`HeldPackage::open`] does.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod detect;
pub mod error;
pub mod extract;
mod fieldio;
pub mod held;
mod merkle;
pub mod output;
pub mod plan;
pub mod policy;
pub mod range;
pub mod rules;
mod serde_util;

pub use detect::{Category, Detector, Finding};
pub use error::{ExtractPlace, RedactError, Result, Violation};
pub use extract::{Extract, ExtractReport, ExtractSegment, verify_extract};
pub use held::{HeldPackage, OutputReport, RemovedField, Written};
pub use output::create_atomically;
pub use plan::{FieldPlan, Plan, Reason, Request};
pub use policy::Policy;
pub use range::{format_ranges, parse_ranges};
pub use rules::{
    ForwardBasis, ForwardCheck, OnwardReport, check_chain, check_without_key, consent_allows,
    consent_text, onward_report,
};
pub use serde_util::DisclosedKey;
