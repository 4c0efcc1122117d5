//! The one error type of the `rogatory` binary. Every failure ends as one
//! line `rogatory: error: ...` on standard error and exit status 1.

use std::path::Path;

use rogatory::core::CoreError;
use rogatory::wire::WireError;
use thiserror::Error;

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
    Transport(#[from] rogatory::transport::TransportError),
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
