//! The one error type of the `rogatory` binary. Every failure ends as one
//! line `rogatory: error: ...` on standard error (and, under `--json`, one
//! JSON object on standard output), with the exit status of its [`Class`].

use std::path::Path;

use rogatory::core::CoreError;
use rogatory::redact::RedactError;
use rogatory::transport::TransportError;
use rogatory::wire::WireError;
use thiserror::Error;

/// What kind of failure, for scripts: each has its own exit status, listed
/// in `rogatory --help` and the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Anything else (an internal failure, an interrupted append).
    Failure,
    /// A mistake in the command line or the request.
    Usage,
    /// The input is not a Rogatory package, card, extract or receipt.
    NotAPackage,
    /// Bytes changed: a digest, signature, leaf, custody link or redaction
    /// rule does not hold, or the package breaks the sender's consent.
    Tampered,
    /// The key has no stanza in the package.
    NotForYou,
    /// The key is not cleared for the field, or the field was removed.
    NotCleared,
    /// Outside the package's or a card's validity window.
    Expired,
    /// The signer or party is not in the trust store (or is revoked).
    Untrusted,
    /// A file or stream could not be read or written.
    Io,
    /// A key file, passphrase or token could not be used.
    Key,
    /// A delivery failed: the link, the handshake, the receiver's refusal.
    Delivery,
}

impl Class {
    /// The exit status: 1 to 11.
    pub fn code(self) -> u8 {
        match self {
            Class::Failure => 1,
            Class::Usage => 2,
            Class::NotAPackage => 3,
            Class::Tampered => 4,
            Class::NotForYou => 5,
            Class::NotCleared => 6,
            Class::Expired => 7,
            Class::Untrusted => 8,
            Class::Io => 9,
            Class::Key => 10,
            Class::Delivery => 11,
        }
    }

    /// The name in JSON errors.
    pub fn name(self) -> &'static str {
        match self {
            Class::Failure => "failure",
            Class::Usage => "usage",
            Class::NotAPackage => "not_a_package",
            Class::Tampered => "tampered",
            Class::NotForYou => "not_for_you",
            Class::NotCleared => "not_cleared",
            Class::Expired => "expired",
            Class::Untrusted => "untrusted",
            Class::Io => "io",
            Class::Key => "key",
            Class::Delivery => "delivery",
        }
    }

    /// The class of a library error.
    pub fn of_core(e: &CoreError) -> Class {
        match e {
            CoreError::Malformed { .. } => Class::NotAPackage,
            CoreError::Tampered { .. }
            | CoreError::Decryption { .. }
            | CoreError::BadSignature { .. }
            | CoreError::Custody { .. }
            | CoreError::NotEntitled { .. }
            | CoreError::DigestMismatch { .. } => Class::Tampered,
            CoreError::NotARecipient => Class::NotForYou,
            CoreError::NotCleared { .. } | CoreError::FieldRemoved { .. } => Class::NotCleared,
            CoreError::Expired { .. }
            | CoreError::NotYetValid { .. }
            | CoreError::CardNotValid { .. } => Class::Expired,
            CoreError::UnknownParty { .. } => Class::Untrusted,
            CoreError::Usage(_) | CoreError::UnsafeFieldName { .. } => Class::Usage,
            CoreError::PassphraseRequired { .. }
            | CoreError::WrongPassphrase
            | CoreError::Token { .. }
            | CoreError::TokenUnsupported { .. }
            | CoreError::BadFile { .. } => Class::Key,
            CoreError::Io { .. } => Class::Io,
            _ => Class::Failure,
        }
    }
}

/// Why a command failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CliError {
    /// The library refused or failed (malformed, tampered, not cleared, ...).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A value broke a rule of the wire format (a tag, a party id, a name).
    #[error("{what}: {source}")]
    Wire {
        /// Which value.
        what: String,
        /// The rule it broke.
        #[source]
        source: WireError,
    },
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The request is incomplete or contradictory.
    #[error("{0}")]
    Usage(String),
    /// The manifest file is malformed.
    #[error("manifest {path}: {detail}")]
    Manifest {
        /// The manifest.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// A delivery failed: the link, the receiver's refusal, a bad receipt.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A redaction, forward or extract was refused, or a package breaks a
    /// redaction rule.
    #[error(transparent)]
    Redact(RedactError),
    /// A file is something else than the command expects (a card given as
    /// the package, a key file as the trust store).
    #[error("{path} is {found}, not {expected}")]
    NotA {
        /// The file.
        path: String,
        /// What it is.
        found: String,
        /// What the command expects.
        expected: String,
    },
    /// Output could not be serialized.
    #[error("JSON output: {0}")]
    Json(#[from] serde_json::Error),
    /// Some fields the key is cleared for could not be opened (each one was
    /// reported above).
    #[error("{failed} of {cleared} field(s) the key is cleared for could not be opened")]
    FieldsNotOpened {
        /// How many failed.
        failed: usize,
        /// How many the key is cleared for.
        cleared: usize,
    },
}

impl CliError {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| CliError::Io { context, source }
    }

    /// An I/O error about a file.
    pub fn io_path(doing: &str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        Self::io(format!("{doing} {}", path.display()))
    }

    /// A wire rule broken by the value named `what`.
    pub fn wire(what: impl Into<String>) -> impl FnOnce(WireError) -> Self {
        let what = what.into();
        move |source| CliError::Wire { what, source }
    }

    /// A usage error.
    pub fn usage(detail: impl Into<String>) -> Self {
        CliError::Usage(detail.into())
    }

    /// The message on one line: the error's display with any line breaks
    /// (some parsers report multi-line messages) folded into spaces.
    pub fn one_line(&self) -> String {
        one_line(&self.to_string())
    }

    /// Its class, and so its exit status.
    pub fn class(&self) -> Class {
        match self {
            CliError::Core(e) => Class::of_core(e),
            CliError::Wire { .. } | CliError::Usage(_) | CliError::Manifest { .. } => Class::Usage,
            CliError::Io { .. } => Class::Io,
            CliError::NotA { .. } => Class::NotAPackage,
            CliError::Json(_) => Class::Failure,
            CliError::FieldsNotOpened { .. } => Class::NotCleared,
            CliError::Transport(t) => match t {
                TransportError::Core(e) => Class::of_core(e),
                TransportError::Usage(_)
                | TransportError::TlsConfig(_)
                | TransportError::StaleCopy { .. } => Class::Usage,
                TransportError::Io { .. } | TransportError::Store { .. } => Class::Io,
                _ => Class::Delivery,
            },
            CliError::Redact(r) => match r {
                RedactError::Core(e) => Class::of_core(e),
                RedactError::Redaction { .. } | RedactError::Extract { .. } => Class::Tampered,
                RedactError::Io { .. } => Class::Io,
                _ => Class::Usage,
            },
        }
    }

    /// The error as one JSON object (for `--json`): `format` (1), and
    /// `error` with its `class`, `exit_code` and one-line `message`.
    pub fn to_json(&self) -> serde_json::Value {
        let class = self.class();
        serde_json::json!({
            "format": 1,
            "error": {
                "class": class.name(),
                "exit_code": class.code(),
                "message": self.one_line(),
                "hint": self.hint(),
            }
        })
    }

    /// The next step, where the class of failure suggests one.
    pub fn hint(&self) -> Option<&'static str> {
        if let CliError::Core(CoreError::UnknownParty { .. }) = self {
            return Some(
                "compare the party's card fingerprint with it out of band, then add the card: \
                 rogatory trust add --trust STORE --card CARD",
            );
        }
        match self.class() {
            Class::NotForYou => Some(
                "the key given with --key holds no stanza of this package: it was sealed or \
                 forwarded to other parties (rogatory inspect lists how many stanzas it has)",
            ),
            Class::NotCleared => Some(
                "the sender's trust store does not clear this party for the field's tags, or a \
                 redaction removed it; the other fields still open",
            ),
            Class::Tampered => Some(
                "do not use this copy: ask the sender or the last holder for the package again",
            ),
            _ => None,
        }
    }
}

/// Folds a message onto one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Result with [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_fold_to_one_line() {
        let e = CliError::Manifest {
            path: "m.toml".into(),
            detail: "TOML parse error at line 1\n  |\n1 | x\n  | ^\nexpected `=`\n".into(),
        };
        let line = e.one_line();
        assert!(!line.contains('\n'));
        assert!(line.starts_with("manifest m.toml: TOML parse error at line 1"));
    }
}
