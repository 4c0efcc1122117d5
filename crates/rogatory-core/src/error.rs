//! The one error type of the core crate.
//!
//! Malformed input, caller mistakes and cryptographic failures are different
//! variants. Every failure that a key decides (a stanza that does not open, a
//! key commitment that does not match, an AEAD tag that fails) is the one
//! opaque [`CoreError::Decryption`], so that errors are no oracle.

use std::path::PathBuf;

use rogatory_wire::{Digest, KeyId, Timestamp, WireError};
use thiserror::Error;

/// Where in a package something was found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// The fixed-size footer at the end of the file.
    Footer,
    /// The trailer.
    Trailer,
    /// The prelude.
    Prelude,
    /// The sealed metadata or its commitment.
    Metadata,
    /// The leaf table or the Merkle tree over it.
    LeafTable,
    /// The sender's signature block.
    Signature,
    /// The recipient stanzas.
    Stanzas,
    /// A field's envelope descriptor or ciphertext.
    Field(u32),
    /// One segment of a field.
    Segment {
        /// Field index.
        field: u32,
        /// Segment index.
        segment: u32,
    },
    /// A custody record.
    Custody(u64),
    /// The bytes between the parts (layout, lengths).
    Layout,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Footer => f.write_str("footer"),
            Place::Trailer => f.write_str("trailer"),
            Place::Prelude => f.write_str("prelude"),
            Place::Metadata => f.write_str("metadata"),
            Place::LeafTable => f.write_str("leaf table"),
            Place::Signature => f.write_str("signature block"),
            Place::Stanzas => f.write_str("recipient stanzas"),
            Place::Field(i) => write!(f, "field {i}"),
            Place::Segment { field, segment } => write!(f, "field {field} segment {segment}"),
            Place::Custody(s) => write!(f, "custody event {s}"),
            Place::Layout => f.write_str("container layout"),
        }
    }
}

/// Errors of sealing, opening, verifying and keeping custody.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A structure did not decode (malformed input).
    #[error("malformed {place}: {source}")]
    Malformed {
        /// Where.
        place: Place,
        /// What the decoder said.
        #[source]
        source: WireError,
    },
    /// Bytes were changed: a digest, a leaf, a signature or a link does not
    /// match what was signed.
    #[error("tampered: {place}: {detail}")]
    Tampered {
        /// Where.
        place: Place,
        /// What does not match.
        detail: String,
    },
    /// A key could not decrypt something (uniform: no reason is given).
    #[error("cannot decrypt {what}")]
    Decryption {
        /// What could not be decrypted (stanza, metadata, field N, details).
        what: String,
    },
    /// None of the package's stanzas opens with this key.
    #[error("not a recipient of this package")]
    NotARecipient,
    /// The key bundle holds no key for this field.
    #[error("not cleared for field {field} ({name})")]
    NotCleared {
        /// Field index.
        field: u32,
        /// Field name.
        name: String,
    },
    /// The field's ciphertext was removed by a redaction (its leaves stay).
    #[error("field {field} ({name}) was removed by a redaction")]
    FieldRemoved {
        /// Field index.
        field: u32,
        /// Field name.
        name: String,
    },
    /// The package's retain-until has passed.
    #[error("package expired: retain-until {retain_until}, now {now}")]
    Expired {
        /// The package's retain-until (inclusive).
        retain_until: Timestamp,
        /// The time passed in.
        now: Timestamp,
    },
    /// The package's not-before is still ahead.
    #[error("package not yet valid: not-before {not_before}, now {now}")]
    NotYetValid {
        /// The package's not-before.
        not_before: Timestamp,
        /// The time passed in.
        now: Timestamp,
    },
    /// A signer or actor is not in the trust store.
    #[error("unknown party: key id {key_id} is not in the trust store")]
    UnknownParty {
        /// The key id.
        key_id: KeyId,
    },
    /// A card is outside its validity window, or retired where a current card
    /// is required.
    #[error("card of {party} ({key_id}) not valid: {detail}")]
    CardNotValid {
        /// The party.
        party: String,
        /// The key id.
        key_id: KeyId,
        /// Why.
        detail: String,
    },
    /// A signature does not verify.
    #[error("bad signature: {what}")]
    BadSignature {
        /// What was signed.
        what: String,
    },
    /// A custody rule is broken.
    #[error("custody event {sequence}: {rule}: {detail}")]
    Custody {
        /// The event's sequence number (its position in the file).
        sequence: u64,
        /// The rule broken: its identifier in spec §10.4 (`fork`,
        /// `prev_link`, `time_back`, ...).
        rule: &'static str,
        /// What was found.
        detail: String,
    },
    /// The package gives a stanza to a party that its custody chain and the
    /// sender's onward consent do not (spec §12.6): checked by every holder
    /// of the metadata key when it unlocks.
    #[error("not entitled: custody event {sequence}: {rule}: {detail}")]
    NotEntitled {
        /// The event at fault (for `stanza_not_yours`, the last envelope
        /// event, whose record commits the stanza to another party).
        sequence: u64,
        /// The check: `stanza_recipients`, `actor_not_holder`,
        /// `onward_consent` or `stanza_not_yours` (spec §12.6).
        rule: &'static str,
        /// What was found.
        detail: String,
    },
    /// A field name cannot be used as a file name.
    #[error("field name {name:?} is not a safe file name")]
    UnsafeFieldName {
        /// The name.
        name: String,
    },
    /// The caller asked for something invalid (a bad tag, no recipients, ...).
    #[error("invalid request: {0}")]
    Usage(String),
    /// An append was interrupted; the package must be recovered first.
    #[error("interrupted custody append on {path}: run recovery")]
    InterruptedAppend {
        /// The package.
        path: PathBuf,
    },
    /// A protected key file (spec §3.5) and no passphrase to open it.
    #[error(
        "key {path} is protected by a passphrase: give it (on the terminal, or in a file named by \
         ROGATORY_PASSPHRASE_FILE)"
    )]
    PassphraseRequired {
        /// The key file.
        path: PathBuf,
    },
    /// A protected key file did not open: the passphrase is wrong, or the
    /// file was changed (one error for both).
    #[error("cannot open the key file: wrong passphrase, or the file was changed")]
    WrongPassphrase,
    /// A hardware token (PKCS#11) that holds a signing key failed, refused
    /// the PIN, or does not hold the key the card names.
    #[error("token {token}: {detail}")]
    Token {
        /// The token (its label, or the module when none was found).
        token: String,
        /// What went wrong, and what to do.
        detail: String,
    },
    /// A hardware token lacks an algorithm the operation needs.
    #[error("token {token} does not support {algorithm}")]
    TokenUnsupported {
        /// The token's label.
        token: String,
        /// The algorithm, and the PKCS#11 mechanism it needs.
        algorithm: String,
    },
    /// A key or trust-store file is malformed.
    #[error("bad {what} file: {detail}")]
    BadFile {
        /// Which kind of file.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// An I/O error.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A digest the caller expected differs (an offered bytes digest, a
    /// receipt's package).
    #[error("digest mismatch: {what}: expected {expected}, found {found}")]
    DigestMismatch {
        /// What.
        what: String,
        /// Expected.
        expected: Digest,
        /// Found.
        found: Digest,
    },
}

impl CoreError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| CoreError::Io { context, source }
    }

    pub(crate) fn malformed(place: Place) -> impl FnOnce(WireError) -> Self {
        move |source| CoreError::Malformed { place, source }
    }

    pub(crate) fn tampered(place: Place, detail: impl Into<String>) -> Self {
        CoreError::Tampered {
            place,
            detail: detail.into(),
        }
    }

    pub(crate) fn decryption(what: impl Into<String>) -> Self {
        CoreError::Decryption { what: what.into() }
    }

    pub(crate) fn usage(detail: impl Into<String>) -> Self {
        CoreError::Usage(detail.into())
    }
}

/// Result with [`CoreError`].
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
