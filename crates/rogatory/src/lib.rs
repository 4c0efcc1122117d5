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
//!  forensic tool ──Read──▶ core::Sealer ──Write──▶ package bytes
//!  package bytes ──▶ core::Package::parse ──verify(trust)──▶ VerifiedPackage
//!                     ──unlock(identity, now)──▶ UnlockedPackage ──open_field──▶ plaintext
//! ```
//!
//! Seal, verify and open, with everything from the [`prelude`] and one
//! error type, [`Error`] (in memory here; to a file, give the sealer an
//! [`AtomicFile`](core::fsutil::AtomicFile) and commit it after
//! `seal()`: the package then appears whole or not at all):
//!
//! ```
//! use std::io::Cursor;
//! use rogatory::prelude::*;
//!
//! # fn main() -> rogatory::Result<()> {
//! let now = Timestamp::now();
//! let until = Timestamp(now.0 + 365 * 86_400);
//! // Two parties (in practice each makes its own keys and sends its card).
//! let de = Identity::generate(PartyId::new("de.bka")?, now, until, &mut system_rng())?;
//! let fr = Identity::generate(PartyId::new("fr.pnat")?, now, until, &mut system_rng())?;
//! // de.bka's trust store: fr.pnat, cleared for subscriber data.
//! let mut trust = TrustStore::new();
//! trust.add(de.card().clone(), vec![])?;
//! trust.add(fr.card().clone(), vec![Tag::new("category:subscriber")?])?;
//!
//! // Seal one field for fr.pnat.
//! let info = PackageInfo::new("CASE-2026-0042", "Art. 18 Budapest Convention", until)?;
//! let to = vec![Recipient::from_trust(trust.require(&fr.key_id())?)];
//! let mut sealer = Sealer::new(Vec::new(), &de, to, info, now, system_rng())?;
//! sealer.add_field(
//!     FieldSpec::text("subscriber.csv", &["category:subscriber"])?,
//!     &mut &b"name,msisdn\nJohn Doe,+49151000000\n"[..],
//! )?;
//! let package: Vec<u8> = sealer.seal()?.writer;
//!
//! // fr.pnat verifies the signature and the custody chain with no key, then
//! // opens the field it is cleared for, by name.
//! let verified = Package::parse(Cursor::new(package))?.verify(&trust)?;
//! let mut opened = verified.unlock(&fr, now)?;
//! let mut subscriber = Vec::new();
//! opened.open_field_named("subscriber.csv", &mut subscriber)?;
//! assert!(subscriber.starts_with(b"name,msisdn"));
//! # Ok(())
//! # }
//! ```
//!
//! Redact by policy, forward within the sender's consent, and give a court
//! an extract it verifies with the cards alone (feature `redact`):
//!
//! ```
//! # #[cfg(feature = "redact")]
//! # fn main() -> rogatory::Result<()> {
//! use std::io::Cursor;
//! use rogatory::prelude::*;
//! use rogatory::redact::{Category, HeldPackage, Policy, Request, verify_extract};
//! use rogatory::wire::{PartySet, Text};
//!
//! let now = Timestamp::now();
//! let until = Timestamp(now.0 + 365 * 86_400);
//! let id = |p: &str| -> rogatory::Result<Identity> {
//!     Ok(Identity::generate(PartyId::new(p)?, now, until, &mut system_rng())?)
//! };
//! let (de, fr, nl) = (id("de.bka")?, id("fr.pnat")?, id("nl.om")?);
//! let content = || Tag::new("category:content");
//! let store = |cards: &[(&Identity, bool)]| -> rogatory::Result<TrustStore> {
//!     let mut t = TrustStore::new();
//!     for (who, cleared) in cards {
//!         t.add(who.card().clone(), if *cleared { vec![content()?] } else { vec![] })?;
//!     }
//!     Ok(t)
//! };
//! let de_trust = store(&[(&de, false), (&fr, true)])?;
//! let fr_trust = store(&[(&de, false), (&fr, false), (&nl, true)])?;
//! let cards = store(&[(&de, false), (&fr, false), (&nl, false)])?;
//!
//! // de.bka seals a chat for fr.pnat, consenting to onward transfer to nl.om.
//! let onward = OnwardConsent::Parties(PartySet::from_unsorted(vec![nl.party().clone()])?);
//! let info = PackageInfo::new("CASE-2026-0042", "Art. 18", until)?.with_onward(onward);
//! let to = vec![Recipient::from_trust(de_trust.require(&fr.key_id())?)];
//! let mut sealer = Sealer::new(Vec::new(), &de, to, info, now, system_rng())?;
//! let chat = b"alice: meet at 9\nbob: write to carol@example.org\n";
//! sealer.add_field(FieldSpec::text("chat.txt", &["category:content"])?, &mut &chat[..])?;
//! let sealed = sealer.seal()?.writer;
//!
//! // fr.pnat removes the lines with an e-mail address (one segment per line);
//! // de.bka's signature still covers what is left.
//! let mut held = HeldPackage::from_bytes(sealed, &fr, &fr_trust, now)?;
//! let policy = Policy::detect("personal data", &[Category::Email])?;
//! let plan = held.plan(&Request { policy, ..Request::default() })?;
//! let (reason, basis) = (Text::new("third party")?, Text::new("Art. 12 MLA treaty")?);
//! let redacted = held.redact(&plan, &reason, &basis, Vec::new(), &mut system_rng())?.writer;
//!
//! // ... and forwards it to nl.om, within the consent.
//! let mut held = HeldPackage::from_bytes(redacted, &fr, &fr_trust, now)?;
//! let forwarded = held.forward(nl.party(), None, None, Vec::new(), &mut system_rng())?.writer;
//!
//! // nl.om verifies the signature, the redaction and the chain, and opens
//! // the line left to it.
//! let verified = Package::parse(Cursor::new(forwarded.clone()))?.verify(&cards)?;
//! let mut opened = Vec::new();
//! verified.unlock(&nl, now)?.open_field_named("chat.txt", &mut opened)?;
//! assert_eq!(opened, b"alice: meet at 9\n");
//!
//! // A court checks an extract of that line with the parties' cards alone.
//! let extract = HeldPackage::from_bytes(forwarded, &nl, &cards, now)?.extract("chat.txt", None)?;
//! let report = verify_extract(&extract, &cards)?;
//! assert_eq!(report.segments.len(), 1);
//! assert_eq!(report.custody.len(), 3); // sealed, redacted, forwarded
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "redact"))]
//! # fn main() {}
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// What a forensic tool needs to seal, verify and open packages: the core
/// types and the wire types they take.
pub mod prelude {
    pub use crate::{Error, Result};
    pub use rogatory_core::fsutil::AtomicFile;
    pub use rogatory_core::{
        CoreError, FieldSpec, Identity, Key32, Package, PackageInfo, Recipient, Sealer, Signer,
        TrustStore, UnlockedPackage, VerifiedPackage, system_rng,
    };
    pub use rogatory_wire::{
        FieldKind, KeyId, OnwardConsent, PartyId, Priority, Tag, Timestamp, WireError,
    };
}

/// The one error of the facade: whichever layer failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Sealing, verifying, opening, keys, custody.
    #[error(transparent)]
    Core(#[from] rogatory_core::CoreError),
    /// A value that breaks a rule of the format (a tag, a party id, a name).
    #[error(transparent)]
    Wire(#[from] rogatory_wire::WireError),
    /// Redaction, forwarding, extracts.
    #[cfg(feature = "redact")]
    #[error(transparent)]
    Redact(#[from] rogatory_redact::RedactError),
    /// Delivery over QUIC.
    #[cfg(feature = "transport")]
    #[error(transparent)]
    Transport(#[from] rogatory_transport::TransportError),
    /// A PKCS#11 token.
    #[cfg(feature = "pkcs11")]
    #[error(transparent)]
    Pkcs11(#[from] rogatory_pkcs11::Pkcs11Error),
    /// Reading or writing a file or stream.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A result with the facade's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

pub use rogatory_core as core;
#[cfg(feature = "pkcs11")]
pub use rogatory_pkcs11 as pkcs11;
#[cfg(feature = "redact")]
pub use rogatory_redact as redact;
#[cfg(feature = "transport")]
pub use rogatory_transport as transport;
pub use rogatory_wire as wire;
