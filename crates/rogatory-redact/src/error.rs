//! The one error type of the redaction layer.
//!
//! Malformed input (an extract, a policy file), caller mistakes (a field that
//! does not exist, a cut into a field the key cannot read), broken rules (a
//! redaction the custody chain does not account for, a forward the sender did
//! not consent to) and failures of the layers below are different variants.
//! Failures that a key decides stay the core's uniform
//! [`CoreError::Decryption`] and [`CoreError::NotARecipient`].

use rogatory_core::CoreError;
use rogatory_wire::WireError;
use thiserror::Error;

/// A redaction rule of spec §12 that a package breaks: each names what is
/// wrong, and has a stable class name ([`Violation::class`]) that the
/// redaction test vectors use.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// The leaf table holds another number of leaves for a field than the
    /// `sealed` envelope covered: a removed leaf went missing (or one was
    /// added) instead of being kept.
    LeafMissing {
        /// Leaves in the leaf table.
        leaves: u64,
        /// Segments the `sealed` envelope covered (`[0, n)`).
        sealed: u64,
    },
    /// A field's segments come back after a redaction removed them: content
    /// put into a redacted slot.
    SegmentsComeBack,
    /// A removed field comes back.
    RemovedFieldComesBack,
    /// A `redacted` event lists other segments than those its envelope
    /// removed.
    RemovalListMismatch,
    /// A `redacted` event lists a field it does not change.
    RemovalOfUnchangedField,
    /// A field's ciphertext changes at an envelope event that is not a
    /// `redacted` event naming it.
    ChangeWithoutRedaction,
    /// Ciphertext was removed from the package without a signed `redacted`
    /// event: the current envelope lacks segments (or a field) that the last
    /// envelope event still carries.
    UnsignedRemoval,
    /// The current envelope differs from the last envelope event in another
    /// way (a ciphertext, a key commitment, the stanzas).
    UnsignedEnvelopeChange,
    /// An envelope event changes the number of fields.
    FieldCountChanged,
    /// A `redacted` event cuts into a field (the field stays present under
    /// a new key) without proving that its actor held the field's key: only
    /// a holder of a field's key may cut into it; any holder may drop it
    /// whole.
    CutWithoutKey,
    /// A `redacted` envelope holds other than one stanza, or a `forwarded`
    /// envelope other than two.
    StanzaCount {
        /// The event's kind.
        kind: &'static str,
        /// Stanzas the rule allows.
        expected: usize,
        /// Stanzas found.
        found: usize,
    },
}

impl Violation {
    /// The class name the redaction vectors use.
    pub fn class(&self) -> &'static str {
        match self {
            Violation::LeafMissing { .. } => "leaf_missing",
            Violation::SegmentsComeBack => "segments_come_back",
            Violation::RemovedFieldComesBack => "removed_field_comes_back",
            Violation::RemovalListMismatch => "removal_list_mismatch",
            Violation::RemovalOfUnchangedField => "removal_of_unchanged_field",
            Violation::ChangeWithoutRedaction => "change_without_redaction",
            Violation::UnsignedRemoval => "unsigned_removal",
            Violation::UnsignedEnvelopeChange => "unsigned_envelope_change",
            Violation::FieldCountChanged => "field_count_changed",
            Violation::StanzaCount { .. } => "stanza_count",
            Violation::CutWithoutKey => "cut_without_key",
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::LeafMissing { leaves, sealed } => write!(
                f,
                "the leaf table holds {leaves} leaves but the `sealed` envelope covered {sealed} \
                 segments: a removed leaf is missing instead of kept"
            ),
            Violation::SegmentsComeBack => f.write_str(
                "segments come back after a redaction: content put into a redacted slot",
            ),
            Violation::RemovedFieldComesBack => f.write_str("a removed field comes back"),
            Violation::RemovalListMismatch => f.write_str(
                "the `redacted` event lists other segments than those its envelope removed",
            ),
            Violation::RemovalOfUnchangedField => {
                f.write_str("the `redacted` event lists a field it does not change")
            }
            Violation::ChangeWithoutRedaction => f.write_str(
                "the field's ciphertext changes without a `redacted` event that names it",
            ),
            Violation::UnsignedRemoval => f.write_str(
                "ciphertext removed without a signed `redacted` event (the last envelope event \
                 still carries it)",
            ),
            Violation::UnsignedEnvelopeChange => f.write_str(
                "the envelope (a ciphertext or the stanzas) differs from the last signed \
                 envelope event",
            ),
            Violation::FieldCountChanged => {
                f.write_str("the envelope changes the number of fields")
            }
            Violation::CutWithoutKey => f.write_str(
                "the field is cut into without a proof that the redactor held its key: a field \
                 the redactor cannot read can be dropped whole, not cut into",
            ),
            Violation::StanzaCount {
                kind,
                expected,
                found,
            } => write!(
                f,
                "a `{kind}` envelope holds {expected} stanza(s), this one {found}"
            ),
        }
    }
}

/// Where in an extract something is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtractPlace {
    /// The structure as a whole.
    Structure,
    /// The sender's signature over the package digest.
    Signature,
    /// The metadata, its commitment or its key.
    Metadata,
    /// The custody chain.
    Custody,
    /// One extracted segment.
    Segment {
        /// Field index.
        field: u32,
        /// Segment index.
        segment: u32,
    },
}

impl std::fmt::Display for ExtractPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExtractPlace::Structure => f.write_str("structure"),
            ExtractPlace::Signature => f.write_str("package signature"),
            ExtractPlace::Metadata => f.write_str("metadata"),
            ExtractPlace::Custody => f.write_str("custody chain"),
            ExtractPlace::Segment { field, segment } => {
                write!(f, "field {field} segment {segment}")
            }
        }
    }
}

/// Errors of redacting, forwarding, extracting and of the checks of spec §12.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RedactError {
    /// The core refused or failed (malformed, tampered, a custody rule, not a
    /// recipient, ...).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A value breaks a rule of the wire format, or bytes do not decode.
    #[error("{what}: {source}")]
    Wire {
        /// Which value or structure.
        what: String,
        /// The rule it breaks.
        #[source]
        source: WireError,
    },
    /// The caller asked for something invalid.
    #[error("invalid request: {0}")]
    Usage(String),
    /// No field of that name.
    #[error("no field named {0:?} in the package")]
    NoSuchField(String),
    /// A segment index past the field's leaves.
    #[error("field {field} ({name}): no segment {segment} (the field has {count} segments)")]
    NoSuchSegment {
        /// Field index.
        field: u32,
        /// Field name.
        name: String,
        /// The index asked for.
        segment: u32,
        /// The field's segment count.
        count: u32,
    },
    /// A cut into a field this key cannot read.
    #[error(
        "field {field} ({name}): this key cannot read it, so it can only be dropped whole, \
         not cut into"
    )]
    CannotCut {
        /// Field index.
        field: u32,
        /// Field name.
        name: String,
    },
    /// The request removes nothing.
    #[error("nothing to redact: no field or segment selected is still present")]
    NothingToRedact,
    /// A redaction range does not parse.
    #[error("segment range {input:?}: {detail}")]
    Range {
        /// The text given.
        input: String,
        /// What is wrong.
        detail: String,
    },
    /// A policy file (or a detector given on the command line) is malformed.
    #[error("redaction policy: {0}")]
    Policy(String),
    /// `forward` refused: the sender did not consent to this onward transfer.
    #[error("onward transfer to {receiver} refused: the sender's consent is {consent}")]
    OnwardRefused {
        /// The intended receiver.
        receiver: String,
        /// The consent in the metadata.
        consent: String,
    },
    /// A redaction rule of spec §12 is broken.
    #[error("{}", redaction_message(*sequence, *field, violation))]
    Redaction {
        /// The envelope event concerned, if one is.
        sequence: Option<u64>,
        /// The field concerned, if one is.
        field: Option<u32>,
        /// The rule broken.
        violation: Violation,
    },
    /// An extract does not verify.
    #[error("extract: {place}: {detail}")]
    Extract {
        /// Where.
        place: ExtractPlace,
        /// A stable class name (the vectors use it).
        class: &'static str,
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
}

fn redaction_message(sequence: Option<u64>, field: Option<u32>, v: &Violation) -> String {
    let mut out = String::from("redaction rule: ");
    if let Some(s) = sequence {
        out.push_str(&format!("custody event {s}: "));
    }
    if let Some(f) = field {
        out.push_str(&format!("field {f}: "));
    }
    out.push_str(&v.to_string());
    out
}

impl RedactError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| RedactError::Io { context, source }
    }

    pub(crate) fn wire(what: impl Into<String>) -> impl FnOnce(WireError) -> Self {
        let what = what.into();
        move |source| RedactError::Wire { what, source }
    }

    pub(crate) fn usage(detail: impl Into<String>) -> Self {
        RedactError::Usage(detail.into())
    }

    pub(crate) fn extract(
        place: ExtractPlace,
        class: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        RedactError::Extract {
            place,
            class,
            detail: detail.into(),
        }
    }

    /// A stable class name for the error: the class of a [`Violation`], of an
    /// extract failure, `onward_consent` for a broken consent, or the kind of
    /// a core error (`bad_signature`, `custody`, `tampered`, ...). The
    /// redaction test vectors name their expected outcome with it.
    pub fn class(&self) -> &'static str {
        match self {
            RedactError::Redaction { violation, .. } => violation.class(),
            RedactError::Extract { class, .. } => class,
            RedactError::OnwardRefused { .. } => "onward_consent",
            RedactError::Core(e) => match e {
                CoreError::Malformed { .. } => "malformed",
                CoreError::Tampered { .. } => "tampered",
                CoreError::Decryption { .. } => "decryption",
                CoreError::NotARecipient => "not_a_recipient",
                CoreError::BadSignature { .. } => "bad_signature",
                CoreError::Custody { .. } => "custody",
                CoreError::NotEntitled { rule, .. } => rule,
                CoreError::UnknownParty { .. } => "unknown_party",
                CoreError::CardNotValid { .. } => "card_not_valid",
                CoreError::Expired { .. } | CoreError::NotYetValid { .. } => "validity_window",
                CoreError::Io { .. } => "io",
                _ => "core",
            },
            RedactError::Wire { .. } => "malformed",
            RedactError::Io { .. } => "io",
            RedactError::Policy(_) => "policy",
            _ => "usage",
        }
    }
}

/// Result with [`RedactError`].
pub type Result<T, E = RedactError> = std::result::Result<T, E>;
