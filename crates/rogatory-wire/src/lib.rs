//! # rogatory-wire
//!
//! The data model of the Rogatory protocol, version 1, and its one canonical
//! encoding. No cryptography and no I/O live here: this crate says what the
//! bytes are; `rogatory-core` says what they mean.
//!
//! ```text
//!            bytes from a file, a peer, a fuzzer
//!                          │
//!                 codec::decode::<T>()  ── limits checked before allocation,
//!                          │               trailing bytes refused,
//!                          ▼               re-encoded and compared
//!        Prelude · Trailer · Metadata · CustodyEvent · Footer · Frame · ...
//!                          │
//!                 codec::encode()       ── the same bytes, always
//!                          ▼
//! ```
//!
//! The normative description of every structure is `spec/rogatory-v1.md`;
//! section numbers in the docs below refer to it. Two layers, as the spec
//! explains:
//! - the **content**, signed once by the sender: [`Prelude`], [`Metadata`]
//!   with its [`ContentDescriptor`]s, the [`LeafTable`];
//! - the **envelope**, re-signed by whoever changes it: the
//!   [`EnvelopeDescriptor`]s and [`Stanza`]s, recorded in the envelope custody
//!   events ([`EnvelopeRecord`]).
//!
//! Types that hold secrets (keys, key bundles) do not live here.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod codec;
pub mod custody;
pub mod error;
pub mod identity;
pub mod labels;
pub mod ledger;
pub mod limits;
pub mod package;
pub mod primitives;
pub mod session;
pub mod time;

pub use codec::{Wire, decode, encode};
pub use custody::{
    CustodyEvent, EnvelopeRecord, EventBody, EventClear, EventDetails, EventKind, Removal,
};
pub use error::WireError;
pub use identity::{
    CardBody, PartyCard, Revocation, RevocationBody, Rotation, RotationBody, TrustEntry,
};
pub use ledger::{EventRef, LedgerAction, LedgerEntry, LedgerLine};
pub use package::{
    ContentDescriptor, EnvelopeDescriptor, FieldBody, FieldKind, FieldLeaves, Footer, LeafTable,
    Metadata, OnwardConsent, PartyRef, Prelude, Priority, Provenance, SegmentRange, SegmentSet,
    SignatureBlock, Stanza, StanzaKem, Trailer,
};
pub use primitives::{
    Bytes, CategorySet, Clearances, Digest, FieldName, KeyId, MediaType, PackageId, PartyId,
    PartySet, PublicKey, Salt, Set, ShortText, Signature, Tag, TagSet, Text, Timestamp, Token,
    XWingCiphertext, XWingPublicKey,
};
pub use session::{Frame, Offer, RejectReason};
